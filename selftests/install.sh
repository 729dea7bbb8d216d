#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install` and `make uninstall`, judged by the running kernel. The host
# ran the Makefile's recipes into copies of this kernel's module tree
# (qemu/mkinitramfs.sh):
# /staging/before is the kernel's own tree, /staging/installed what
# `make install INSTALL_MOD_PATH=` left, /staging/uninstalled what
# `make uninstall` left after that, each with the index its depmod wrote. Each
# is mounted over /lib/modules/$KVER in turn. Before installing and after
# uninstalling, `modprobe kmem` loads the C kmem from kernel/drivers/dax/;
# installed, it loads ours from updates/, and so does
# `daxctl reconfigure-device -m system-ram` with no kmem loaded. The booted
# tree is back at the end, no kmem loaded and dax0.0 on device_dax.
. "${0%/*}/lib.sh"
DEV=dax0.0
MODS=/lib/modules/$KVER
STAGING=/staging

# tree_mounted -- something is mounted over $MODS. (busybox mountpoint
# compares device numbers, and a bind mount within the rootfs has the same.)
tree_mounted() { grep -q " $MODS " /proc/self/mounts; }

# unmount_trees -- unmount whatever is mounted over $MODS.
unmount_trees() {
	while tree_mounted; do umount $MODS || return 1; done
}

# use_tree NAME -- mount /staging/NAME's module tree over $MODS, alone, and
# see it in /proc/self/mounts (so that unmount_trees finds it).
use_tree() {
	unmount_trees || return 1
	mount -o bind "$STAGING/$1$MODS" $MODS && tree_mounted
}

# modprobe_loads rust|c -- `modprobe kmem` succeeds and loads that kmem.
modprobe_loads() {
	modprobe kmem || return 1
	case $1 in rust) is_ours ;; c) is_c_kmem ;; *) return 1 ;; esac
}

# daxctl_ok ARGS... -- run daxctl; print its output as KTAP comments if it
# fails.
daxctl_ok() {
	local out
	out=$(daxctl "$@" 2>&1) && return
	sed 's/^/# daxctl: /' <<<"$out"
	return 1
}

# cleanup -- on any exit: the booted tree back, dax0.0 back on device_dax and
# no kmem loaded, so that a failure here does not spill into the next test.
cleanup() {
	unmount_trees
	[ "$(driver_of $DEV)" != kmem ] || daxctl reconfigure-device -f -m devdax $DEV >/dev/null 2>&1
	unload_kmem 2>/dev/null
}

ktap_print_header
# qemu/mkinitramfs.sh stages the trees for every script that runs this test
# (and refuses to build the guest if it cannot).
[ -d $STAGING/installed ] ||
	fail_all "the guest has the staged module trees (seen: no $STAGING/installed)"
ktap_set_plan 23
trap cleanup EXIT
unload_kmem
check "no kmem is loaded to begin with, dax0.0 on device_dax" \
	test ! -e /sys/module/kmem -a "$(driver_of $DEV)" = device_dax

check "before: the kernel's own tree is on $MODS" use_tree before
expect_eq "before: modinfo resolves kmem to the C module" "$C_KMEM" "$(modinfo -F filename kmem)"
check "before: modprobe kmem loads the C kmem (no O taint)" modprobe_loads c
check "before: rmmod kmem" rmmod kmem

check "installed: the tree make install left is on $MODS" use_tree installed
expect_eq "installed: modinfo resolves kmem to updates/" "$RUST_KMEM" "$(modinfo -F filename kmem)"
check "installed: the C kmem is still in kernel/drivers/dax/" test -f "$C_KMEM"
check "installed: modprobe kmem loads ours (O taint)" modprobe_loads rust
check "installed: rmmod kmem" rmmod kmem
check "installed: daxctl reconfigure-device -N -m system-ram $DEV, no kmem loaded" \
	daxctl_ok reconfigure-device -N -m system-ram $DEV
expect_eq "installed: daxctl bound $DEV to kmem" kmem "$(driver_of $DEV)"
check "installed: the kmem daxctl loaded is ours (O taint)" is_ours
check "installed: daxctl reconfigure-device -m devdax $DEV" daxctl_ok reconfigure-device -m devdax $DEV
check "installed: rmmod kmem" rmmod kmem

check "uninstalled: the tree make uninstall left is on $MODS" use_tree uninstalled
check "uninstalled: updates/kmem.ko is gone, the C kmem is in place" test -f "$C_KMEM" -a ! -e "$RUST_KMEM"
expect_eq "uninstalled: modinfo resolves kmem to the C module again" "$C_KMEM" "$(modinfo -F filename kmem)"
check "uninstalled: modprobe kmem loads the C kmem again (no O taint)" modprobe_loads c
check "uninstalled: rmmod kmem" rmmod kmem

check "the booted tree is back: nothing is mounted over $MODS" unmount_trees
expect_eq "the booted tree is back: modinfo resolves kmem to ours" "$RUST_KMEM" "$(modinfo -F filename kmem)"
check "at the end no kmem is loaded, dax0.0 on device_dax" \
	test ! -e /sys/module/kmem -a "$(driver_of $DEV)" = device_dax
ktap_finished
