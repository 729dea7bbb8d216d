#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the guest initramfs: busybox, bash, ndctl, daxctl, cxl, jq (with their
# libraries), the kernel's modules with modules.dep, our kmem.ko in updates/
# (so `modprobe kmem` and daxctl pick ours), the kernel's C kmem in its usual
# place, the kernel's dax kselftest and our tests, and in /staging the module
# trees `make install` and `make uninstall` leave.
#
#   qemu/mkinitramfs.sh KDIR MODULE_KO OUT.cpio [HOSTPATH:GUESTPATH]...
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

kdir=$1 ko=$2 out=$3; shift 3
src=$(cat "$KMEM_CACHE/src/current")
kver=$(cat "$kdir/include/config/kernel.release")
[ -f "$kdir/modinst/lib/modules/$kver/modules.dep" ] || die "no installed modules in $kdir/modinst"

root=$(mktemp -d "${TMPDIR:-/tmp}/kmem-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,lib64,usr/bin,lib/x86_64-linux-gnu}
mkdir -p "$root"/{kselftests,etc/depmod.d,etc/daxctl.conf.d}

# Busybox provides the shell utilities (linked at the end).
install -m 0755 /bin/busybox "$root/bin/busybox"

# Dynamic binaries and every library they load.
copy_bin() {
	local bin=$1 dest=$2 lib
	install -D -m 0755 "$bin" "$root$dest"
	for lib in $(ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
		[ -f "$lib" ] || continue
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}
copy_bin /bin/bash /bin/bash
copy_bin /usr/bin/ndctl /usr/bin/ndctl
copy_bin /usr/bin/daxctl /usr/bin/daxctl
copy_bin /usr/bin/cxl /usr/bin/cxl
copy_bin /usr/bin/jq /usr/bin/jq
copy_bin "$(command -v kmod || echo /bin/kmod)" /sbin/kmod
# kmod's tools, not busybox's: they honour modules.dep and the updates/ priority.
for t in modprobe insmod rmmod lsmod modinfo depmod; do ln -sfn kmod "$root/sbin/$t"; done

# Modules: the kernel's own (C kmem included), then ours in updates/, which
# depmod is told to prefer.
cp -a "$kdir/modinst/lib/modules" "$root/lib/"
rm -f "$root/lib/modules/$kver/build" "$root/lib/modules/$kver/source"
install -D -m 0644 "$ko" "$root/lib/modules/$kver/updates/kmem.ko"
echo "search updates built-in" >"$root/etc/depmod.d/kmem-rs.conf"
depmod -b "$root" -C "$root/etc/depmod.d" "$kver"

# `make install` and `make uninstall` as a user runs them, each into a copy
# of the kernel's module tree, for selftests/install.sh: /staging/before (the
# kernel's own), /staging/installed (make install) and /staging/uninstalled
# (make install, then make uninstall), each with the index its depmod wrote.
# The Makefile's own recipes run, so that the guest judges them and not only
# scripts/install.sh behind them; their `make module` finds the module built
# (a module in its build directory, with the modules.order modules_install
# reads), and a lock keeps two guests' builds of their initramfs from
# running Kbuild in that directory at once. Only for a script that runs
# install.sh (or none: the interactive shell may): three module trees cost
# every other guest's boot the unpacking of their files.
mo=$(dirname "$(readlink -f "$ko")")
stage=1
for pair in "$@"; do
	[ "${pair#*:}" = /run/kmem-script.sh ] || continue
	grep -q 'install\.sh' "${pair%%:*}" || stage=
done
if [ -n "$stage" ]; then
	[ -f "$mo/modules.order" ] ||
		die "install.sh needs the module in its build directory (no $mo/modules.order)"
	for s in before installed uninstalled; do
		mkdir -p "$root/staging/$s/lib"
		cp -a "$kdir/modinst/lib/modules" "$root/staging/$s/lib/"
		rm -f "$root/staging/$s/lib/modules/$kver/build" "$root/staging/$s/lib/modules/$kver/source"
	done
	# stage ROOT TARGET -- `make TARGET` with INSTALL_MOD_PATH=ROOT, against
	# this kernel and module; its output only if it fails.
	stage() {
		local out
		out=$(flock "$mo/.install.lock" env -u MAKEFLAGS -u MFLAGS make --no-print-directory -C "$KMEM_ROOT" "$2" \
			KDIR="$kdir" OUT="$mo" INSTALL_MOD_PATH="$1" 2>&1) ||
			{ printf '%s\n' "$out" >&2; die "make $2 INSTALL_MOD_PATH=$1 failed"; }
	}
	stage "$root/staging/installed" install
	stage "$root/staging/uninstalled" install
	stage "$root/staging/uninstalled" uninstall
fi

# The kernel's kselftest helpers and dax test, unmodified, and ours.
cp -a "$src/tools/testing/selftests/kselftest" "$root/kselftests/"
cp -a "$src/tools/testing/selftests/dax" "$root/kselftests/"
cp -a "$KMEM_ROOT/selftests" "$root/kselftests/kmem"
# Our static test programs (make progs), if built.
[ -d "$KMEM_ROOT/build/selftests" ] && cp -a "$KMEM_ROOT/build/selftests" "$root/kselftests/kmem/bin"
install -m 0755 "$KMEM_ROOT/qemu/init" "$root/init"

for pair in "$@"; do
	host=${pair%%:*} guest=${pair#*:}
	mkdir -p "$root$(dirname "$guest")"
	cp -a "$host" "$root$guest"
done

# Busybox's applets, linked here rather than by `busybox --install` at boot,
# and only those whose names occur in the scripts the guest may run: each
# file of the initramfs costs about 5 ms of the debug guest's instructions
# to unpack, and busybox has some 270 applets. A script's command that is
# missing fails it ("command not found"); without a script, /init links the
# rest for the interactive shell. Files installed above are kept.
texts=("$KMEM_ROOT"/selftests/*.sh "$KMEM_ROOT"/qemu/init "$KMEM_ROOT"/qemu/scripts/*.sh
       "$src"/tools/testing/selftests/dax/*.sh "$src"/tools/testing/selftests/kselftest/*.sh)
# The text files added, a directory's included (ndctl's tests).
for pair in "$@"; do
	while IFS= read -r -d '' f; do
		grep -Iq . "$f" && texts+=("$f")
	done < <(find -H "${pair%%:*}" -type f -print0)
done
used=$(cat "${texts[@]}" | tr -c 'A-Za-z0-9_.[-' '\n' | LC_ALL=C sort -u)
/bin/busybox --list-full | while read -r path; do
	grep -qxF -- "${path##*/}" <<<"$used" || continue
	[ -e "$root/$path" ] || [ -L "$root/$path" ] && continue
	mkdir -p "$root/${path%/*}"
	ln -s /bin/busybox "$root/$path"
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
