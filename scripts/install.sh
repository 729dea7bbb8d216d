#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make install` and `make uninstall`: puts our kmem.ko where modprobe and
# daxctl pick it before the kernel's C kmem, and takes it away again.
#
#   scripts/install.sh check KDIR
#   scripts/install.sh install KDIR MODULE_BUILD_DIR
#   scripts/install.sh uninstall KDIR
#
# check refuses (exit status 1, saying why) a kernel the module cannot go
# into. Its config ($KDIR/.config, else /boot/config-$KVER) must have
# MODULES, RUST and MEMORY_HOTPLUG, DEV_DAX built in or a module, and
# DEV_DAX_KMEM not built in: a built-in kmem holds the driver name "kmem" on
# the dax bus, and no module can replace it. Without MEMORY_HOTREMOVE it
# only warns: the module builds and loads, and, like the C kmem, cannot take
# memory out again.
#
# install checks, then runs the kernel's modules_install for the module built
# in MODULE_BUILD_DIR with INSTALL_MOD_DIR=updates, and depmod. depmod's
# default search order puts updates/ before the kernel's own directories, so
# `modprobe kmem` and daxctl load /lib/modules/$KVER/updates/kmem.ko, not
# kernel/drivers/dax/kmem.ko; install fails if depmod says otherwise (a
# depmod.d "search" line without updates).
#
# uninstall removes updates/kmem.ko, if it is ours, and runs depmod, so that
# modprobe finds the C kmem again.
#
# KVER is $KDIR/include/config/kernel.release. INSTALL_MOD_PATH, if set, is
# the root to install under instead of / (a staging tree; depmod -b).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The directory under /lib/modules/$KVER that depmod searches first.
MODDIR=updates
PATH=$PATH:/sbin:/usr/sbin

usage() { die "usage: $0 check KDIR | install KDIR MODULE_BUILD_DIR | uninstall KDIR"; }
(($# >= 2)) || usage
cmd=$1 kdir=$2
[ -f "$kdir/include/config/kernel.release" ] ||
	die "$kdir/include/config/kernel.release is missing: KDIR must be a configured kernel build tree"
kver=$(cat "$kdir/include/config/kernel.release")
root=${INSTALL_MOD_PATH:-}
# The kernel's make runs in KDIR: a relative staging root would move.
[ -z "$root" ] || root=$(realpath -m "$root")
modlib=$root/lib/modules/$kver
# depmod and modinfo look under the staging root, if any.
depmod_args=(-a) modinfo_args=(-k "$kver")
[ -z "$root" ] || { depmod_args+=(-b "$root"); modinfo_args+=(-b "$root"); }
config=$kdir/.config
[ -f "$config" ] || config=/boot/config-$kver

# opt NAME -- the value of CONFIG_NAME in the kernel's config, empty if unset.
opt() { sed -n "s/^CONFIG_$1=//p" "$config"; }

# check_config -- refuse a kernel the module cannot go into.
check_config() {
	local bad=()
	[ -f "$config" ] || die "no kernel config for $kver: neither $kdir/.config nor $config"
	[ "$(opt MODULES)" = y ] || bad+=("CONFIG_MODULES=y is missing: the kernel cannot load modules")
	[ "$(opt RUST)" = y ] || bad+=("CONFIG_RUST=y is missing: the module is written in Rust")
	[ "$(opt MEMORY_HOTPLUG)" = y ] || bad+=("CONFIG_MEMORY_HOTPLUG=y is missing: kmem adds memory through it")
	case $(opt DEV_DAX) in
	y|m) ;;
	*) bad+=("CONFIG_DEV_DAX is missing: kmem is a driver on the dax bus") ;;
	esac
	[ "$(opt DEV_DAX_KMEM)" != y ] ||
		bad+=("CONFIG_DEV_DAX_KMEM=y: the C kmem is built into the kernel and no module can replace it (rebuild the kernel with DEV_DAX_KMEM=m or n)")
	if ((${#bad[@]})); then
		printf '[kmem-rs] error: kmem-rs cannot be installed for %s (%s):\n' "$kver" "$config" >&2
		printf '[kmem-rs]   %s\n' "${bad[@]}" >&2
		exit 1
	fi
	[ "$(opt MEMORY_HOTREMOVE)" = y ] ||
		log "warning: $kver has no CONFIG_MEMORY_HOTREMOVE: memory kmem adds cannot be taken out again (as with the C kmem)"
	log "kernel $kver ($config): RUST, MEMORY_HOTPLUG and DEV_DAX present, DEV_DAX_KMEM not built in"
}

# install_module MO -- modules_install into updates/, depmod, and check that
# modprobe now resolves kmem to it.
install_module() {
	local mo=$1 vermagic found
	[ -f "$mo/kmem.ko" ] || die "no $mo/kmem.ko: build it first (make)"
	vermagic=$(modinfo -F vermagic "$mo/kmem.ko")
	[ "${vermagic%% *}" = "$kver" ] ||
		die "$mo/kmem.ko was built for ${vermagic%% *}, not $kver"
	[ -n "$root" ] || [ "$(id -u)" = 0 ] ||
		die "installing into /lib/modules needs root (or INSTALL_MOD_PATH=DIR to stage)"
	# DEPMOD=true: the kernel's own depmod step is skipped (it needs the
	# System.map that a distribution's headers lack); ours follows.
	DEPMOD=true make --no-print-directory -C "$kdir" M="$KMEM_ROOT" MO="$mo" LLVM="$KMEM_LLVM" \
		INSTALL_MOD_PATH="$root" INSTALL_MOD_DIR="$MODDIR" modules_install
	depmod "${depmod_args[@]}" "$kver"
	found=$(modinfo "${modinfo_args[@]}" -F filename kmem)
	[[ $found == "$modlib/$MODDIR/kmem.ko"* ]] ||
		die "depmod resolves kmem to $found, not to $modlib/$MODDIR: see the \"search\" lines in /etc/depmod.d"
	log "installed $found: modprobe kmem and daxctl load it for $kver"
}

# uninstall_module -- remove our updates/kmem.ko and depmod.
uninstall_module() {
	local f author found removed=0
	for f in "$modlib/$MODDIR"/kmem.ko{,.gz,.xz,.zst}; do
		[ -f "$f" ] || continue
		author=$(modinfo -F author "$f")
		[ "$author" = "kmem-rs developers" ] ||
			die "$f is not kmem-rs's (author '$author'): left in place"
		rm -f "$f"
		log "removed $f"
		removed=1
	done
	if ((removed == 0)); then
		log "no kmem-rs module in $modlib/$MODDIR: nothing to uninstall"
		return
	fi
	depmod "${depmod_args[@]}" "$kver"
	found=$(modinfo "${modinfo_args[@]}" -F filename kmem 2>/dev/null) || found="no kmem module"
	log "modprobe kmem now loads: $found"
}

case $cmd in
check) check_config ;;
install)
	(($# == 3)) || usage
	check_config
	install_module "$3"
	;;
uninstall) uninstall_module ;;
*) usage ;;
esac
