#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified daxctl against a kmem module: reconfigure to system-ram without
# onlining, online and offline the memory, back to devdax, to system-ram
# (onlined movable), and forced back to devdax; `daxctl list` must report the
# mode and the online/total memory blocks at every step.
#   daxctl_flows.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0

# list_field FIELD... -- fields of one `daxctl list -d dax0.0`, joined with
# '/' (a daxctl run takes over a second in the debug guest).
list_field() {
	local f q=
	for f; do q+=${q:+ + \"/\" + }"(.[0].$f | tostring)"; done
	daxctl list -d $DEV | jq -r "$q"
}
# daxctl_ok ARGS... -- run daxctl, keeping its output for the message.
daxctl_ok() { out=$(daxctl "$@" 2>&1); }

ktap_print_header
ktap_set_plan 15
unload_kmem
load_kmem "$WHICH"
slurp /proc/iomem; iomem_before=$REPLY
read -r start end < <(dax_ranges $DEV | head -n1)
range=$(aligned_range "$start" "$end")
total=$(blocks_of "$range" | wc -l)

check "reconfigure-device -N -m system-ram" daxctl_ok reconfigure-device -N -m system-ram $DEV
expect_eq "bound to kmem" kmem "$(driver_of $DEV)"
expect_eq "list: mode" system-ram "$(list_field mode)"
expect_eq "list: online/total memblocks after -N" "0/$total" "$(list_field online_memblocks total_memblocks)"
check "online-memory" daxctl_ok online-memory $DEV
expect_eq "list: online/total memblocks after online-memory" "$total/$total" "$(list_field online_memblocks total_memblocks)"
check "offline-memory" daxctl_ok offline-memory $DEV
expect_eq "list: online memblocks after offline-memory" 0 "$(list_field online_memblocks)"
check "reconfigure-device -m devdax" daxctl_ok reconfigure-device -m devdax $DEV
expect_eq "back with device_dax" device_dax "$(driver_of $DEV)"
check "reconfigure-device -m system-ram (onlines)" daxctl_ok reconfigure-device -m system-ram $DEV
expect_eq "list: online/total memblocks, movable" "$total/$total/true" \
	"$(list_field online_memblocks total_memblocks movable)"
expect_eq "blocks are online in ZONE_MOVABLE" Movable "$(blocks_zones "$range")"
check "reconfigure-device -f -m devdax" daxctl_ok reconfigure-device -f -m devdax $DEV
check "/proc/iomem is as before the first reconfigure" file_is "$iomem_before" /proc/iomem
unload_kmem
ktap_finished
