#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Binding dax0.0 through sysfs (new_id, bind, unbind, remove_id) and driving
# daxX.Y/state, with the resource tree checked at every step:
#   kmem_bind.sh rust|c
# The same checks run against our module and the C kmem, so their results can
# be compared line by line.
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0
DRV=$DAX_DRIVERS/kmem
HP=$DAX_BASE/$DEV/state

ktap_print_header
ktap_set_plan 30
unload_kmem
load_kmem "$WHICH"
if [ "$WHICH" = rust ]; then
	check "the kmem under test is ours" is_ours
else
	check "the kmem under test is the C one" is_c_kmem
fi

expect_write "unbind $DEV from device_dax" ok $DAX_DRIVERS/device_dax/unbind $DEV
slurp /proc/iomem; iomem_before=$REPLY
blocks_before=$(blocks_summary)
mt_before=$(memtotal_kb)
read -r start end < <(dax_ranges $DEV | head -n1)
want=$(aligned_range "$start" "$end")
nblocks=$(blocks_of "$want" | wc -l)
slurp $MEM_BASE/auto_online_blocks; aob=$REPLY

expect_write "new_id $DEV binds it to kmem" ok $DRV/new_id $DEV
expect_eq "$DEV is bound to kmem" kmem "$(driver_of $DEV)"
expect_file "state follows auto_online_blocks at bind" "$aob" $HP
paths=$(iomem_paths)
parent=$(grep -E "^$want .*Persistent Memory[^/]*(/[^/]*)*/$DEV\$" <<<"$paths")
check "/proc/iomem: $DEV at $want, nested in the pmem range (${parent#* })" test -n "$parent"
child=$(grep -E "^$want .*/$DEV/System RAM \(kmem\)\$" <<<"$paths")
check "/proc/iomem: System RAM (kmem) at $want nested in $DEV" test -n "$child"
expect_eq "$nblocks memory blocks cover $want, all $aob" "$aob" "$(blocks_state "$want")"
mode=$(daxctl list -d $DEV | jq -r '.[0].mode')
expect_eq "daxctl list: $DEV in system-ram mode" system-ram "$mode"

expect_write "online_movable from $aob is refused" "Device or resource busy" "$HP" online_movable
expect_write "unplugged is accepted" ok "$HP" unplugged
expect_file "state reads unplugged" unplugged $HP
check "/proc/iomem after unplug is byte-for-byte as before bind" file_is "$iomem_before" /proc/iomem
expect_write "unplugged again is a no-op" ok "$HP" unplugged

expect_write "online_movable is accepted" ok "$HP" online_movable
expect_eq "all $nblocks blocks online" online "$(blocks_state "$want")"
expect_eq "the blocks are in ZONE_MOVABLE" Movable "$(blocks_zones "$want")"
mt_on=$(memtotal_kb)
bs_kb=$(( $(block_bytes) / 1024 ))
expect_eq "MemTotal grows by the added size" $(( nblocks * bs_kb )) $(( mt_on - mt_before ))
expect_write "online_kernel without unplug is refused" "Device or resource busy" "$HP" online_kernel
expect_write "offline is refused" "Invalid argument" "$HP" offline
expect_write "a bogus state is refused" "Invalid argument" "$HP" bogus
expect_file "the state is unchanged by refused writes" online_movable $HP
expect_write "online_movable again is a no-op" ok "$HP" online_movable
expect_write "unplugged from online_movable is accepted" ok "$HP" unplugged
expect_eq "MemTotal is back" "$mt_before" "$(memtotal_kb)"

expect_write "unbind from kmem" ok $DRV/unbind $DEV
check "/proc/iomem after unbind is byte-for-byte as before bind" file_is "$iomem_before" /proc/iomem
expect_eq "memory blocks after unbind are as before bind" "$blocks_before" "$(blocks_summary)"
expect_write "remove_id $DEV" ok $DRV/remove_id $DEV
expect_write "$DEV binds back to device_dax" ok $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
ktap_finished
