#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches the upstream source of ndctl, the userspace of dax and kmem, from
# Debian's source archive and unpacks it into the cache, for its own tests
# (test/daxctl-devices.sh and the rest: selftests/ndctl_tests.sh runs them,
# unmodified, in the guest). The repository carries no copy of ndctl: this
# runs at test time, and once the tree is in the cache, it is reused.
# As scripts/fetch-kernel.sh does, it reads the archive through a private apt
# directory (deb-src lines, from the machine's own Debian URI), so nothing on
# the machine changes. Only the upstream (.orig) tarball is asked for
# (--tar-only): this archive serves trixie's ndctl_81.orig.tar.gz but not
# its .dsc or Debian changes, and bookworm's 76.1 tarball not at all. apt
# checks the tarball's hash against trixie's Sources index, whose signature
# it checks against Debian's archive keyring. Prints the unpacked tree.
#
#   scripts/fetch-ndctl.sh
set -euo pipefail
. "$(dirname "$0")/common.sh"

root=$KMEM_CACHE/ndctl
# Two runs at once (two sessions' guests) fetch once.
mkdir -p "$root"
exec 9>"$root/.lock"
flock 9
if [ -f "$root/current/test/daxctl-devices.sh" ]; then
	readlink -f "$root/current"
	exit 0
fi

apt_dir=$KMEM_CACHE/apt-src
private_apt --src "$apt_dir" "$KMEM_NDCTL_SUITE"
dl=$apt_dir/source
rm -rf "$dl" && mkdir -p "$dl"
log "downloading ndctl's upstream source from $KMEM_NDCTL_SUITE (unpacked into the cache)"
(cd "$dl" && apt-get "${apt_opts[@]}" -q source --download-only --tar-only "ndctl/$KMEM_NDCTL_SUITE" >&2)
tarball=$(ls "$dl"/ndctl_*.orig.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || die "apt-get source gave no ndctl .orig tarball in $dl"
ver=${tarball##*/ndctl_}
ver=${ver%%.orig.tar.*}
dest=$root/ndctl-$ver
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
tar -xf "$tarball" -C "$dest.tmp"
top=$(find "$dest.tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
[ -f "$top/test/daxctl-devices.sh" ] || die "no test/daxctl-devices.sh in $(basename "$tarball")"
rm -rf "$dest" && mv "$top" "$dest" && rm -rf "$dest.tmp"
ln -sfn "$(basename "$dest")" "$root/current"
log "ndctl $ver in $dest ($(sha256sum "$tarball" | cut -c1-16)... $(basename "$tarball"))"
echo "$dest"
