#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Memory tiering: kmem gives a node the platform did not describe an abstract
# distance of five times DRAM's (MEMTIER_ADISTANCE_DRAM 576 -> 2880), which
# puts it in memory_tier22 (2880 >> MEMTIER_CHUNK_BITS), below DRAM's
# memory_tier4, once its memory is online; unplug and unbind take it out.
# Needs the device's node to have no other memory (the NVDIMM guest). In the
# NVDIMM guest that node has no memory but what kmem adds, so memory there
# before the test means an earlier test left it online: a failure, not a
# skip.
#   memory_tier.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0
HP=$DAX_BASE/$DEV/state

ktap_print_header
slurp $DAX_BASE/$DEV/target_node; node=$REPLY
# A memoryless node is not online and has no sysfs directory.
mem=$(awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$node/meminfo 2>/dev/null)
if [ "$(pmem_kind)" != nvdimm ]; then
	ktap_skip_all "node $node has memory of its own: run in the NVDIMM guest"
	exit "$KSFT_SKIP"
fi
[ "${mem:-0}" = 0 ] ||
	fail_all "node $node has no memory before the test (seen MemTotal $mem kB: an earlier test left memory online)"
ktap_set_plan 7
unload_kmem
load_kmem "$WHICH"
expect_eq "node $node is in no tier before bind" "" "$(tier_of "$node")"
expect_eq "DRAM node 0 is in memory_tier4" memory_tier4 "$(tier_of 0)"
write_to $DAX_DRIVERS/device_dax/unbind $DEV
expect_write "bind to kmem" ok $DAX_DRIVERS/kmem/new_id $DEV
write_to "$HP" unplugged
expect_write "online_movable" ok "$HP" online_movable
expect_eq "node $node is in memory_tier22 once online" memory_tier22 "$(tier_of "$node")"
write_to "$HP" unplugged
expect_eq "node $node leaves the tiers after unplug" "" "$(tier_of "$node")"
write_to $DAX_DRIVERS/kmem/unbind $DEV
write_to $DAX_DRIVERS/kmem/remove_id $DEV
write_to $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
expect_eq "node $node is in no tier after unbind" "" "$(tier_of "$node")"
ktap_finished
