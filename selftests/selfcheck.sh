#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Why the parent region must stay non-BUSY, checked from inside the kernel:
# while the memory is added, walk_system_ram_range() visits every page of each
# block-aligned range and region_intersects(IORESOURCE_SYSTEM_RAM) says
# "intersects"; once removed, no page and "disjoint". Read from our debugfs
# file kmem/selfcheck, which runs both in the kernel.
. "${0%/*}/lib.sh"
DEV=dax0.0
HP=$DAX_BASE/$DEV/state

# selfcheck_is PAGES REGION -- every line of selfcheck reports PAGES ("all"
# for the range's whole page count, or "0") and REGION.
selfcheck_is() {
	local line n=0 pages region
	while read -r line; do
		n=$((n + 1))
		pages=${line#*system_ram_pages=}; pages=${pages%% *}
		region=${line##*region_intersects=}
		if [ "$1" = all ]; then
			[ "${pages%/*}" = "${pages#*/}" ] && [ "${pages%/*}" -gt 0 ] || return 1
		else
			[ "${pages%/*}" = "$1" ] || return 1
		fi
		[ "$region" = "$2" ] || return 1
	done <<<"$(view selfcheck $DEV)"
	[ "$n" -gt 0 ]
}

ktap_print_header
require_extras
ktap_set_plan 9
unload_kmem
load_kmem rust
write_to $DAX_DRIVERS/device_dax/unbind $DEV
expect_write "bind $DEV to our kmem" ok $DAX_DRIVERS/kmem/new_id $DEV
check "debugfs kmem/selfcheck lists $DEV" view_lists selfcheck $DEV
echo "# $(view selfcheck $DEV)"
check "added ($(cat $HP)): every page is System RAM, region intersects" selfcheck_is all intersects
expect_write "unplug" ok "$HP" unplugged
echo "# $(view selfcheck $DEV)"
check "unplugged: no page is System RAM, region disjoint" selfcheck_is 0 disjoint
expect_write "online_movable" ok "$HP" online_movable
check "online: every page is System RAM, region intersects" selfcheck_is all intersects
write_to "$HP" unplugged
expect_write "unbind" ok $DAX_DRIVERS/kmem/unbind $DEV
check "debugfs kmem/selfcheck no longer lists $DEV after unbind" view_omits selfcheck $DEV
write_to $DAX_DRIVERS/kmem/remove_id $DEV
write_to $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
ktap_finished
