#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery without reboot (our kmem only): an unbind while dax0.0's memory is
# online leaves it online, as with the C kmem, and says so in the C words
# ("stuck online until reboot"); but our module keeps owning it, says so, and
# refuses to unload meanwhile. Binding dax0.0 again takes the memory over:
# `state` shows where its blocks are, and `unplugged` removes it. Then
# /proc/iomem, MemTotal and the memory blocks are exactly as before the
# first bind, and the module unloads.
#   recover.sh
. "${0%/*}/lib.sh"
DEV=dax0.0
DRV=$DAX_DRIVERS/kmem
HP=$DAX_BASE/$DEV/state

# log_has TEXT -- whether the kernel log, since the unbind, has a line of
# $DEV with TEXT.
log_has() { dmesg | tail -n +"$(( mark + 1 ))" | grep -F "$DEV: " | grep -qF "$1"; }

ktap_print_header
require_extras
ktap_set_plan 22
unload_kmem
load_kmem rust
check "the kmem under test is ours" is_ours
write_to $DAX_DRIVERS/device_dax/unbind $DEV
iomem_before=$(cat /proc/iomem) blocks_before=$(blocks_summary) mt_before=$(memtotal_kb)
read -r start end < <(dax_ranges $DEV | head -n1)
want=$(aligned_range "$start" "$end")

expect_write "new_id $DEV binds it to kmem" ok $DRV/new_id $DEV
write_to "$HP" unplugged
expect_write "online_movable" ok "$HP" online_movable
expect_eq "the blocks are online in ZONE_MOVABLE" Movable "$(blocks_zones "$want")"
mt_on=$(memtotal_kb)
mark=$(dmesg | wc -l)

expect_write "unbind while online succeeds" ok $DRV/unbind $DEV
expect_eq "$DEV is unbound" "" "$(driver_of $DEV)"
check "the log says, as C does: stuck online until reboot" log_has "stuck online until reboot"
check "the log says kmem keeps the memory and how to remove it" \
	log_has "kmem keeps the memory left online: bind $DEV to kmem again"
expect_eq "the memory stays online (MemTotal)" "$mt_on" "$(memtotal_kb)"
check "/proc/iomem still has $DEV/System RAM (kmem) at $want" \
	grep -qE "^$want .*/$DEV/System RAM \(kmem\)\$" <<<"$(iomem_paths)"
expect_file "the module is referenced while it keeps memory" 1 /sys/module/kmem/refcnt
check "rmmod kmem is refused" rmmod_refused
check "the module is still loaded" test -d /sys/module/kmem

expect_write "bind $DEV to kmem again" ok $DRV/bind $DEV
check "the log says the bind took the memory over" \
	log_has "took over the memory an earlier unbind left online: online_movable"
expect_file "state shows where the blocks are" online_movable "$HP"
expect_file "the module reference is dropped" 0 /sys/module/kmem/refcnt
expect_write "unplugged removes the memory" ok "$HP" unplugged
expect_eq "MemTotal is as before the first bind" "$mt_before" "$(memtotal_kb)"
write_to $DRV/unbind $DEV
write_to $DRV/remove_id $DEV
check "/proc/iomem is byte for byte as before the first bind" file_is "$iomem_before" /proc/iomem
expect_eq "memory blocks are as before the first bind" "$blocks_before" "$(blocks_summary)"
write_to $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
check "rmmod kmem succeeds" test ! -d /sys/module/kmem
ktap_finished
