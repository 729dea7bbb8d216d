#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches Debian's linux-source-7.3 from trixie-backports and unpacks it into
# the cache. Uses a private apt directory, so that nothing on the machine is
# upgraded and no mirror host is written into the repository: the archive URI
# is taken from the machine's own Debian apt source. Prints the source path.
set -euo pipefail
. "$(dirname "$0")/common.sh"

src_root=$KMEM_CACHE/src
if [ -f "$src_root/current" ] && [ -f "$(cat "$src_root/current")/Makefile" ]; then
	cat "$src_root/current"
	exit 0
fi

apt_dir=$KMEM_CACHE/apt
mkdir -p "$src_root"
private_apt "$apt_dir" "$KMEM_KSUITE"
log "downloading $KMEM_KPKG (not installed: only unpacked into the cache)"
(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" download "$KMEM_KPKG" >/dev/null)
deb=$(ls -t "$apt_dir"/archives/"${KMEM_KPKG}"_*.deb | head -n1)
ver=$(dpkg-deb -f "$deb" Version)
dest=$src_root/$KMEM_KPKG-$ver
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest.tmp" --wildcards '*.tar.xz'
tarball=$(find "$dest.tmp" -name "$KMEM_KPKG.tar.xz" | head -n1)
[ -n "$tarball" ] || die "no $KMEM_KPKG.tar.xz in $deb"
log "unpacking $(basename "$tarball") ($ver)"
tar -xJf "$tarball" -C "$dest.tmp"
rm -f "$tarball"
rm -rf "$dest"
mv "$dest.tmp/$KMEM_KPKG" "$dest"
rm -rf "$dest.tmp"
echo "$dest" >"$src_root/current"
echo "$dest"
