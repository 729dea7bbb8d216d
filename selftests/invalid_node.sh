#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Without NUMA information the pmem has no target node, and kmem refuses it
# (slow memory must not be mixed into a node with faster memory): the bind
# fails with EINVAL and "rejecting DAX region with invalid node: -1", and
# nothing is left behind. Run in a guest booted with `qemu/run --numa off`.
#   invalid_node.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0

ktap_print_header
node=$(cat $DAX_BASE/$DEV/target_node 2>/dev/null)
node=${node:--1}
require legacy-nonuma "$DEV without a NUMA node (target_node -1; seen $node)" test "$node" -lt 0
ktap_set_plan 6
unload_kmem
load_kmem "$WHICH"
write_to $DAX_DRIVERS/device_dax/unbind $DEV
slurp /proc/iomem; iomem_before=$REPLY
dmesg -c >/dev/null
# new_id attaches as a side effect and, like driver_attach(), ignores a
# failing probe; an explicit bind returns the probe's error.
expect_write "new_id $DEV is accepted" ok $DAX_DRIVERS/kmem/new_id $DEV
expect_eq "binding $DEV (target_node=$node) fails" "Invalid argument" \
	"$(write_errno $DAX_DRIVERS/kmem/bind $DEV)"
expect_eq "$DEV stays unbound" "" "$(driver_of $DEV)"
msg=$(dmesg | grep -o "kmem $DEV: rejecting DAX region with invalid node: -1")
check "the kernel log says why ($msg)" test -n "$msg"
check "/proc/iomem is unchanged" file_is "$iomem_before" /proc/iomem
write_to $DAX_DRIVERS/kmem/remove_id $DEV
expect_write "$DEV binds back to device_dax" ok $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
ktap_finished
