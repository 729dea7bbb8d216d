#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The dax device's memmap_on_memory attribute is honoured: with it set, the
# memmap of the added memory lives on that memory, so MemTotal grows by the
# added size less its memmap (1/64 of it with 4 KiB pages and a 64-byte
# struct page), where without it MemTotal grows by the whole size
# (kmem_bind.sh). The bus refuses to
# change the attribute while a kmem driver holds the device.
#   memmap_on_memory.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0
HP=$DAX_BASE/$DEV/state
MOM=$DAX_BASE/$DEV/memmap_on_memory

ktap_print_header
ktap_set_plan 8
unload_kmem
load_kmem "$WHICH"
read -r start end < <(dax_ranges $DEV | head -n1)
range=$(aligned_range "$start" "$end")
nblocks=$(blocks_of "$range" | wc -l)
bs_kb=$(( $(block_bytes) / 1024 ))

expect_eq "memory_hotplug.memmap_on_memory is enabled" Y \
	"$(cat /sys/module/memory_hotplug/parameters/memmap_on_memory)"
write_to $DAX_DRIVERS/device_dax/unbind $DEV
expect_write "set $DEV memmap_on_memory=1" ok "$MOM" 1
mt0=$(memtotal_kb)
expect_write "bind to kmem" ok $DAX_DRIVERS/kmem/new_id $DEV
expect_eq "memmap_on_memory cannot change while kmem holds $DEV" \
	"Device or resource busy" "$(write_errno "$MOM" 0)"
write_to "$HP" unplugged
expect_write "online_movable" ok "$HP" online_movable
expect_eq "MemTotal grows by the added size less its memmap" \
	$(( nblocks * (bs_kb - bs_kb / 64) )) $(( $(memtotal_kb) - mt0 ))
expect_write "unplug" ok "$HP" unplugged
expect_write "unbind" ok $DAX_DRIVERS/kmem/unbind $DEV
write_to "$MOM" 0
write_to $DAX_DRIVERS/kmem/remove_id $DEV
write_to $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
ktap_finished
