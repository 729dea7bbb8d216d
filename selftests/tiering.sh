#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The memory kmem onlines, used as a tier of RAM: in a guest whose firmware
# describes the device's memory as slower than node 0's DRAM (qemu/run
# --hmat: an ACPI HMAT for the hmem guest; for the CXL guest, an ACPI
# generic port and the device's CDAT, from which the kernel computes the
# region's performance):
#  - tier placement: the device's node lands in the memory tier the
#    firmware's figures give (hmem: computed here from the HMAT's figures on
#    the kernel command line, as mm/memory-tiers.c does; CXL: another tier
#    than the default's and than DRAM's, below DRAM), the same for both
#    drivers, and unplug and plug again keep it;
#  - demotion: a cold pattern (bin/pattern local: placed on node 0 first)
#    and pressure from a second process bound to node 0; pages are demoted
#    (pgdemote_* in /proc/vmstat), the pattern's among them land on the
#    device's node, and none is corrupted;
#  - promotion: NUMA balancing in tiering mode (kernel.numa_balancing=2),
#    the pattern touched: pgpromote_success grows, pages are back on node 0,
#    none corrupted;
#  - unplug with the pattern's pages on the device's memory (moved back
#    there with move_pages(2)): they move off it, none corrupted.
# For hmem the device is dax0.0; for CXL a region over MEM... is made first.
# Run for c after rust in the same boot: the C kmem's tier must be ours.
#   tiering.sh rust|c [MEM...]
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
shift
MEMS=("$@")
DEMOTION=/sys/kernel/mm/numa/demotion_enabled
BALANCING=/proc/sys/kernel/numa_balancing

ktap_print_header
kind=$(guest_kind)
cmdline_arg kmem_rs.hmat; hmat=$REPLY
case $kind in
hmem) require hmem "an ACPI HMAT (qemu/run --hmat: kmem_rs.hmat=)" test -n "$hmat" ;;
cxl) require cxl "an ACPI HMAT and generic port (qemu/run --hmat: kmem_rs.hmat=)" test -n "$hmat" ;;
*) require hmem "the hmem or CXL guest with an ACPI HMAT" false ;;
esac
require "$kind" "NUMA balancing and demotion ($BALANCING, $DEMOTION)" test -w $BALANCING -a -w $DEMOTION
ktap_set_plan 15
unload_kmem
write_to $BALANCING 0
write_to $DEMOTION 1
load_kmem "$WHICH"
if [ "$kind" = cxl ]; then
	MIB=16
	region=$(cxl_region_create "${MEMS[@]}") || bail "make a RAM region over ${MEMS[*]}"
	dev=$(cxl_dax_of "$region") || bail "$region has a dax device"
else
	MIB=96
	dev=dax0.0
	sleep 1
	# The hmem region's seed is marked for kmem: loading kmem binds it.
	[ "$(driver_of $dev)" = kmem ] || to_kmem $dev >/dev/null
fi
expect_eq "$dev is bound to the $WHICH kmem" kmem "$(driver_of "$dev")"
read -r start end < <(dax_ranges "$dev")
rng=$(aligned_range "$start" "$end")
wait_blocks "$rng"
get "$DAX_BASE/$dev/target_node"; node=$REPLY
write_to "$DAX_BASE/$dev/state" unplugged
expect_write "$dev online_movable on node $node" ok "$DAX_BASE/$dev/state" online_movable

# Tier placement.
tier=$(tier_of "$node") dram=$(tier_of 0)
if [ "$kind" = hmem ]; then
	IFS=, read -r l0 l1 b0 b1 <<<"$hmat"
	# mt_perf_to_adistance(): DRAM's 576, times the latency's ratio to
	# node 0's, times node 0's bandwidth over this node's (read + write,
	# both the HMAT's access figure), in the kernel's integer order.
	adist=$(( 576 * (2 * l1) / (2 * l0) * (2 * b0) / (2 * b1) ))
	expect_eq "node $node is in the tier of its HMAT figures ($l1 ns, $b1 GB/s against $l0 ns, $b0 GB/s: adistance $adist)" \
		"memory_tier$((adist >> 7))" "$tier"
else
	check "node $node is in a tier of its own below DRAM's ($dram) and not the default's (memory_tier22): $tier" \
		test -n "$tier" -a "$tier" != "$dram" -a "$tier" != memory_tier22 -a "${tier#memory_tier}" -gt "${dram#memory_tier}"
fi
if [ "$WHICH" = rust ]; then
	echo "$tier" >/tmp/tiering.$kind.tier
	st=$(view status "$dev")
	extra_expect_eq "the view: the platform's abstract distance, and its tier" \
		"source=platform tier=${tier#memory_tier}" \
		"source=$(sed -n 's/^adistance_source=//p' <<<"$st") tier=$(sed -n 's/^memory_tier=//p' <<<"$st")"
elif [ -f /tmp/tiering.$kind.tier ]; then
	expect_eq "the C kmem's node lands in the tier ours did in this boot" "$(cat /tmp/tiering.$kind.tier)" "$tier"
else
	ktap_test_skip "the C kmem's tier against ours: no run of ours in this boot"
fi
write_to "$DAX_BASE/$dev/state" unplugged
gone=$(tier_of "$node")
write_to "$DAX_BASE/$dev/state" online_movable
expect_eq "unplug takes node $node out of the tiers, plugging again puts it back in $tier" \
	" $tier" "$gone $(tier_of "$node")"

# Demotion: a cold pattern on node 0, then pressure there.
coproc PAT { "$KMEM_TESTS/bin/pattern" local "$MIB"; }
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
pages=$(( MIB * 256 ))
ans=$(ask fill)
expect_eq "a $MIB MiB pattern, placed on node 0" "filled pages=$pages on_node=$pages" "$ans"
node_free_mib 0; free0=$REPLY
demoted; d0=$REPLY
# More than node 0 has free, by half the pattern: node 0 must reclaim, and
# anonymous memory without swap can only be demoted. The pressure, bound to
# node 0, is written last, so the pattern is the colder.
press=$(( free0 + MIB / 2 ))
pressure_start 0 "$press"; pans=$REPLY
demoted; d1=$REPLY
ans=$(ask where)
on_dev=$(count_on "$node" "$ans")
echo "# pressure of $press MiB on node 0 ($free0 MiB free): $pans; $((d1 - d0)) pages demoted; pattern: $ans"
check "pages were demoted under pressure on node 0 ($((d1 - d0)))" test $((d1 - d0)) -gt 0
check "the cold pattern's pages are on node $node ($on_dev of $pages)" test "$on_dev" -ge $((pages / 4))
pressure_stop
ans=$(ask verify)
check "no page of the pattern is corrupted ($ans)" grep -q "^verified pages=$pages bad=0 " <<<"$ans"

# Promotion: NUMA balancing in tiering mode, the pattern touched.
vmstat pgpromote_success; p0=$REPLY
before=$(count_on 0 "$(ask where)")
write_to $BALANCING 2
ans=$(ask "touch 8")
write_to $BALANCING 0
vmstat pgpromote_success; p1=$REPLY
ans=$(ask where)
after=$(count_on 0 "$ans")
echo "# promotion: $((p1 - p0)) pages promoted; pattern on node 0: $before before, $after after ($ans)"
check "NUMA balancing promoted pages ($((p1 - p0)))" test $((p1 - p0)) -gt 0
check "more of the pattern is on node 0 than before ($before, now $after)" test "$after" -gt "$before"
ans=$(ask verify)
check "no page of the pattern is corrupted ($ans)" grep -q "^verified pages=$pages bad=0 " <<<"$ans"

# Unplug with the pattern on the device's memory: promotion took it off,
# so it is moved back first (move_pages(2)).
ans=$(ask "move $node")
left=$(count_on "$node" "$ans")
echo "# $ans"
check "the pattern is moved back to node $node ($left of $pages)" test "$left" -ge $((pages / 2))
expect_eq "unplug with $left of the pattern's pages on node $node" ok "$(unplug_retry "$dev")"
ans=$(ask verify)
check "every page moved off node $node intact ($ans)" \
	eval 'grep -q "^verified pages=$pages bad=0 " <<<"$ans" && [ "$(count_on "$node" "$ans")" = 0 ]'
ask quit >/dev/null
wait "$PAT_PID" 2>/dev/null

if [ "$kind" = cxl ]; then
	cxl_region_destroy "$region" >/dev/null
	write_to "$DAX_DRIVERS/device_dax/remove_id" "$dev"
else
	write_to $DAX_DRIVERS/kmem/unbind $dev
	write_to $DAX_DRIVERS/device_dax/new_id $dev
	[ "$(driver_of $dev)" = device_dax ] || write_to $DAX_DRIVERS/device_dax/bind $dev
	write_to $DAX_DRIVERS/device_dax/remove_id $dev
fi
unload_kmem
write_to $DEMOTION 0
ktap_finished
