# SPDX-License-Identifier: GPL-2.0
# Shared settings for the kmem-rs scripts. Source it; do not run it.

# The repository root.
KMEM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the kernel source, kernel builds and guest images are cached, outside
# the work tree so that a fresh clone on the same machine reuses them.
KMEM_CACHE=${KMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmem-rs}
# The Debian package that carries the kernel source, and its suite.
KMEM_KPKG=linux-source-7.3
KMEM_KSUITE=trixie-backports
# The suite whose ndctl source package gives ndctl's own tests
# (scripts/fetch-ndctl.sh): trixie's, ndctl 81, the newest whose upstream
# tarball this archive serves.
KMEM_NDCTL_SUITE=trixie
# The LLVM toolchain suffix: Rust + KASAN needs a clang-built kernel.
KMEM_LLVM=${KMEM_LLVM:--19}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[kmem-rs] %s\n' "$*" >&2; }
die() { printf '[kmem-rs] error: %s\n' "$*" >&2; exit 1; }

# The Debian archive URI of this machine: the first URIs:/deb line that is not
# the security archive. No mirror host is written into the repository.
debian_uri() {
	local f
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
		done
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' "$f"
		done
	} | grep -E '/debian/?$' | grep -v security | head -n1
}

# private_apt [--src] DIR SUITE... -- a private apt directory DIR reading
# SUITE... (main) from the machine's archive, so that packages can be
# downloaded without touching the machine's own apt state: binary packages,
# or with --src source packages (deb-src: `apt-get source --download-only`).
# Sets the array apt_opts and reads the package (or Sources) lists, whose
# signature apt checks against Debian's archive keyring, as it then checks
# each downloaded file's hash against them.
private_apt() {
	local type=deb what=package dir uri suite
	[ "$1" = --src ] && { type=deb-src what=source; shift; }
	dir=$1; shift
	uri=$(debian_uri)
	[ -n "$uri" ] || die "no Debian archive URI in /etc/apt sources"
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	: >"$dir/sources.list"
	for suite in "$@"; do
		echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
			>>"$dir/sources.list"
	done
	apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
		  -o "Dir::Etc::SourceParts=/dev/null"
		  -o "Dir::State::Lists=$dir/lists"
		  -o "Dir::Cache=$dir"
		  -o "APT::Sandbox::User=root")
	log "reading $* $what package lists into a private apt dir ($dir)"
	apt-get "${apt_opts[@]}" update -qq
}

# pmem_qemu_opts SPEC -- qemu/run's options for a sessions-file PMEM field,
# PMEM[:nonuma][:hmat][:labels][:Ndev][:SIZE] (the pmem kind, a guest
# without NUMA nodes, one with an ACPI HMAT, an NVDIMM with a label area,
# how many CXL memory devices, the pmem size or each CXL device's), in the
# array qemu_opts. Fails on a part it does not know.
pmem_qemu_opts() {
	local o parts=()
	qemu_opts=(--pmem "${1%%:*}")
	[ "$1" = "${1%%:*}" ] || IFS=: read -ra parts <<<"${1#*:}"
	for o in "${parts[@]}"; do
		case $o in
		nonuma) qemu_opts+=(--numa off) ;;
		hmat) qemu_opts+=(--hmat) ;;
		labels) qemu_opts+=(--nvdimm-labels) ;;
		[0-9]dev) qemu_opts+=(--cxl-devices "${o%dev}") ;;
		*[MG]) qemu_opts+=(--pmem-size "$o") ;;
		*) log "unknown part '$o' of '$1'"; return 1 ;;
		esac
	done
}
