#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Multi-range devices on a dynamic (hmem) dax region, carved through the
# region's sysfs ABI as daxctl create-device does (dax_carve; daxctl itself
# carves in concurrency.sh and fault_inject.sh):
#  - a device of two discontiguous, block-aligned 256 MiB ranges gets two
#    daxX.Y / "System RAM (kmem)" pairs and is removed cleanly;
#  - a device whose second range is smaller than a memory block keeps the
#    first, says "mappingN: ... too small after alignment" and "DAX region
#    truncated by 64.0 MiB due to alignment";
#  - a device smaller than a block is rejected with EINVAL and "rejecting DAX
#    region without any memory after alignment";
#  - (ours) the debugfs view lists every bound device: with the device
#    between the two ranges bound too, each device's lines are its own, and
#    its unbind takes its lines out and leaves the other's as they were.
# Starts with the region's seed device, which the bus marks for kmem, so
# loading the driver must bind it on its own. Run with `qemu/run --pmem hmem`.
#   multi_range.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
REGION=$DAX_BASE/dax0.0/../dax_region

# pairs DEV -- "parent-range=child-range" for each kmem pair of DEV.
pairs() {
	iomem_paths | awk -v d="$1" '
		{ path = substr($0, length($1) + 2) }
		path == d || substr(path, length(path) - length(d)) == "/" d { p = $1 }
		path == d "/System RAM (kmem)" || index(path, "/" d "/System RAM (kmem)") { printf "%s%s=%s", sep, p, $1; sep = " " }'
}
# want_pairs DEV -- the pairs DEV's ranges should give.
want_pairs() {
	local s e r sep=
	while read -r s e; do
		r=$(aligned_range "$s" "$e") || continue
		printf '%s%s=%s' "$sep" "$r" "$r"; sep=" "
	done < <(dax_ranges "$1")
}

ktap_print_header
require hmem "a dynamic dax region (dax region 0's create)" test -e "$REGION/create"
ktap_set_plan 24
unload_kmem
slurp /proc/iomem; iomem_start=$REPLY
load_kmem "$WHICH"
sleep 1
expect_eq "loading kmem binds the seed marked for kmem" kmem "$(driver_of dax0.0)"
expect_write "unbind the seed" ok $DAX_DRIVERS/kmem/unbind dax0.0
expect_write "free the seed's memory" ok $DAX_BASE/dax0.0/size 0

# Two discontiguous, block-aligned ranges.
a=$(dax_carve 256M) b=$(dax_carve 256M) c=$(dax_carve 256M)
dax_drop "$a"; dax_drop "$c"
m=$(dax_carve 512M)
expect_eq "$m has two ranges" 2 "$(dax_ranges "$m" | wc -l)"
want=$(want_pairs "$m")
expect_eq "bind $m to kmem" ok "$(to_kmem "$m")"
expect_eq "/proc/iomem: a $m / System RAM (kmem) pair per range" "$want" "$(pairs "$m")"
if [ "$WHICH" = rust ] && extras_built; then
	slurp $VIEW/ranges; listed=$REPLY
	expect_eq "bind $b, between $m's ranges, too" ok "$(to_kmem "$b")"
	expect_eq "the view lists $m's two ranges and $b's one, in bind order" \
		"$m $m $b" "$(cut -d' ' -f1 $VIEW/ranges | tr '\n' ' ' | sed 's/ $//')"
	read -r bs be < <(dax_ranges "$b")
	br=$(aligned_range "$bs" "$be")
	expect_eq "$b's line is its range, reserved and added" \
		"$(printf 'mapping0 raw=%#x-%#x aligned=%#x-%#x reserved=yes added=yes' "$bs" "$be" $((0x${br%-*})) $((0x${br#*-})))" \
		"$(view ranges "$b")"
	for step in "unplug $(unplug_retry "$b")" \
		"unbind $(write_errno $DAX_DRIVERS/kmem/unbind "$b")" \
		"remove_id $(write_errno $DAX_DRIVERS/kmem/remove_id "$b")"; do
		[ "${step#* }" = ok ] || echo "# $b: $step"
	done
	expect_file "$b's unbind leaves the view as before" "$listed" $VIEW/ranges
else
	why="the C kmem has no debugfs view"
	[ "$WHICH" = c ] || why=$EXTRAS_SKIP
	for t in "bind $b too" "the view lists both" "$b's line" "$b's unbind leaves the view as before"; do
		ktap_test_skip "$t: $why"
	done
fi
mt0=$(memtotal_kb)
write_to $DAX_BASE/$m/state unplugged
expect_write "online_movable" ok $DAX_BASE/$m/state online_movable
expect_eq "MemTotal grows by both ranges" $(( 512 * 1024 )) $(( $(memtotal_kb) - mt0 ))
expect_write "unplug both ranges at once" ok $DAX_BASE/$m/state unplugged
expect_eq "no pair left after unplug" "" "$(pairs "$m")"
expect_write "unbind" ok $DAX_DRIVERS/kmem/unbind "$m"
dax_drop "$m"; dax_drop "$b"

# A second range smaller than a block: [4G, 4.25G) and a 64 MiB piece.
a=$(dax_carve 256M) b=$(dax_carve 64M) c=$(dax_carve 64M) d=$(dax_carve 64M)
dax_drop "$a"; dax_drop "$c"
m=$(dax_carve 320M)
expect_eq "$m has two ranges" 2 "$(dax_ranges "$m" | wc -l)"
read -r s2 e2 < <(dax_ranges "$m" | tail -n1)
dmesg -c >/dev/null
expect_eq "bind $m to kmem" ok "$(to_kmem "$m")"
msgs=$(dmesg)
small=$(printf 'mapping1: %#x-%#x too small after alignment' "$s2" "$e2")
check "kernel log: $small" grep -qF "kmem $m: $small" <<<"$msgs"
check "kernel log: DAX region truncated by 64.0 MiB due to alignment" \
	grep -qF "kmem $m: DAX region truncated by 64.0 MiB due to alignment" <<<"$msgs"
expect_eq "/proc/iomem: only the first range is added" "$(want_pairs "$m")" "$(pairs "$m")"
write_to $DAX_BASE/$m/state unplugged
expect_write "unbind" ok $DAX_DRIVERS/kmem/unbind "$m"
dax_drop "$m"; dax_drop "$b"; dax_drop "$d"

# A device smaller than a block.
t=$(dax_carve 64M)
dmesg -c >/dev/null
expect_eq "binding a 64 MiB device fails" "Invalid argument" "$(to_kmem "$t")"
check "kernel log: rejecting DAX region without any memory after alignment" \
	grep -qF "kmem $t: rejecting DAX region without any memory after alignment" <<<"$(dmesg)"
dax_drop "$t"
unload_kmem
check "/proc/iomem is as at the start" file_is "$iomem_start" /proc/iomem
ktap_finished
