#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our module loads, registers the `kmem` driver on the dax bus without
# touching dax0.0, and unloads with no trace left; three times over.
. "${0%/*}/lib.sh"

ktap_print_header
ktap_set_plan 27

slurp /proc/iomem; iomem_before=$REPLY
blocks_before=$(blocks_summary)
check "no kmem is loaded to begin with" test ! -e /sys/module/kmem
# Every cycle is checked: a second load that failed, or an unload that left
# something behind, counts as much as the first.
for i in 1 2 3; do
	modprobe kmem; rc=$?
	expect_eq "cycle $i: modprobe kmem succeeds" 0 "$rc"
	check "cycle $i: the loaded kmem is ours (out-of-tree taint)" is_ours
	check "cycle $i: /sys/bus/dax/drivers/kmem exists" test -d $DAX_DRIVERS/kmem
	check "cycle $i: the driver has the dax bus's new_id/remove_id/bind/unbind" \
		test -w $DAX_DRIVERS/kmem/new_id -a -w $DAX_DRIVERS/kmem/remove_id \
		-a -w $DAX_DRIVERS/kmem/bind -a -w $DAX_DRIVERS/kmem/unbind
	expect_eq "cycle $i: dax0.0 stays with device_dax" device_dax "$(driver_of dax0.0)"
	rmmod kmem; rc=$?
	expect_eq "cycle $i: rmmod kmem succeeds" 0 "$rc"
	check "cycle $i: /sys/bus/dax/drivers/kmem and /sys/module/kmem are gone" \
		test ! -e $DAX_DRIVERS/kmem -a ! -e /sys/module/kmem
done
expect_eq "module alias matches dax device type 0" "dax:t0*" \
	"$(modinfo -F alias "$RUST_KMEM")"
check "three load/unload cycles leave no module" test ! -e /sys/module/kmem
check "/proc/iomem is unchanged" file_is "$iomem_before" /proc/iomem
expect_eq "memory blocks are unchanged" "$blocks_before" "$(blocks_summary)"
expect_eq "dax0.0 is still bound to device_dax" device_dax "$(driver_of dax0.0)"
ktap_finished
