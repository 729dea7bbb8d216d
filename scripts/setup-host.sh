#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what building the kernel, the module and the guest needs, and only
# what is missing. Idempotent: a second run changes nothing.
set -euo pipefail
. "$(dirname "$0")/common.sh"

APT_PKGS=(build-essential bc flex bison cpio kmod libelf-dev libssl-dev
	  clang-19 lld-19 llvm-19 libclang-19-dev qemu-system-x86 busybox-static
	  ndctl daxctl bash jq xz-utils python3 rsync)
BINDGEN_VERSION=0.73.2

missing=()
for p in "${APT_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing Debian packages: ${missing[*]}"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
else
	log "Debian packages: all present"
fi

command -v rustup >/dev/null || die "rustup not found: install Rust with rustup first"
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	log "adding rustup component rust-src"
	rustup component add rust-src
fi
for c in rustfmt clippy rust-analyzer; do
	rustup component list --installed 2>/dev/null | grep -q "^$c" ||
		{ log "adding rustup component $c"; rustup component add "$c"; }
done
if ! bindgen --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	log "installing bindgen-cli $BINDGEN_VERSION (cargo install --locked)"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
else
	log "bindgen $BINDGEN_VERSION: present"
fi
# QEMU 10 for the CXL guest, unpacked into the cache (the system's stays).
"$KMEM_ROOT/scripts/fetch-qemu.sh" >/dev/null
log "host set-up done"
