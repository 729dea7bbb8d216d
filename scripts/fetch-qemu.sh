#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches QEMU 10 from bookworm-backports for the CXL guest and unpacks it
# into the cache: Debian 12's own QEMU 7.2 has no CXL type-3
# volatile-memdev. The packages are only unpacked (dpkg -x), never
# installed, through a private apt directory as scripts/fetch-kernel.sh does,
# so the machine's QEMU stays what every other guest uses; the libraries the
# backport needs are already on a Debian 12 machine. Prints the directory
# holding usr/bin/qemu-system-x86_64.
set -euo pipefail
. "$(dirname "$0")/common.sh"

suite=bookworm-backports
pkgs=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
root=$KMEM_CACHE/qemu
if [ -x "$root/current/usr/bin/qemu-system-x86_64" ]; then
	echo "$root/current"
	exit 0
fi

apt_dir=$KMEM_CACHE/apt-qemu
private_apt "$apt_dir" "$suite"
rm -f "$apt_dir/archives"/*.deb
log "downloading ${pkgs[*]} from $suite (unpacked into the cache, not installed)"
(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" download "${pkgs[@]/%//$suite}" >/dev/null)
ver=$(dpkg-deb -f "$apt_dir"/archives/qemu-system-x86_*.deb Version | tr -c 'A-Za-z0-9.+_\n-' _)
dest=$root/$ver
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
for deb in "$apt_dir"/archives/*.deb; do
	dpkg -x "$deb" "$dest.tmp"
done
"$dest.tmp/usr/bin/qemu-system-x86_64" --version >/dev/null ||
	die "the unpacked QEMU does not run: a library it needs is missing"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
ln -sfn "$(basename "$dest")" "$root/current"
log "QEMU $("$dest/usr/bin/qemu-system-x86_64" --version | head -n1) in $dest"
echo "$root/current"
