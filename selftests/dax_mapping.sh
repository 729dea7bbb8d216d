#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A range written to the `mapping` of a device bound to kmem (the dax bus's
# bug that kernel/patches/0001 fixes). 7.3.4's mapping_store() checks only
# that the device's region has a driver, so it grows the ranges of a bound
# device. The C kmem sized its per-range array at probe and loops to the
# new count at unplug and unbind: it reads past the array (KASAN
# slab-out-of-bounds in state_store or dev_dax_kmem_remove). Ours copies
# the ranges at probe and never reads them again: the added range is
# unused, and unplug and unbind stay clean.
#
# On the patched kernel (kmem_rs.flavor=patched) the write is refused with
# EBUSY for both drivers, and nothing changes. On the stock kernel ours
# unplugs and unbinds cleanly; the C kmem is left bound, its unbind not
# tried (four results fewer: in make check the run is last in its
# session), unless KMEM_EXPECT_REPORT=1 (make reference): then it unbinds
# inside a window of the kernel log that qemu/run reads as an expected
# report, and the out-of-bounds read must be reported there.
#   dax_mapping.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
REGION=$DAX_BASE/dax0.0/../dax_region

# Stock kernel, C kmem, outside make reference: the bug is recorded and the
# device left bound, without the four steps after the mapping write.
leave_bound=
[ "$WHICH" = c ] && ! patched_kernel && [ "${KMEM_EXPECT_REPORT:-0}" != 1 ] && leave_bound=1

ktap_print_header
require hmem "a dynamic dax region (dax region 0's create)" test -e "$REGION/create"
ktap_set_plan $([ -n "$leave_bound" ] && echo 4 || echo 8)
unload_kmem
unbind_any dax0.0
write_to $DAX_BASE/dax0.0/size 0
# What the region has free before: earlier tests of the session may keep
# devices of their own in it.
get "$REGION/available_size"; avail=$REPLY
dev=$(dax_carve 256M) || bail "carve a 256 MiB device"
load_kmem "$WHICH"
sleep 1
expect_eq "bind $dev to the $WHICH kmem" ok "$(to_kmem "$dev")"
read -r start end < <(dax_ranges "$dev")
get "$REGION/available_size"
check "the region has 256 MiB free after $dev (available_size $REPLY)" test "$REPLY" -ge $((256 << 20))
free=$(printf '%x-%x' $((end + 1)) $((end + (256 << 20))))
write_to "$DAX_BASE/$dev/mapping" "$free"
wrote=$REPLY
nr=$(dax_ranges "$dev" | wc -l)
if patched_kernel; then
	expect_eq "a mapping write while $dev is bound is refused (kernel/patches/0001)" \
		"Device or resource busy" "$wrote"
	expect_eq "$dev keeps its one range" 1 "$nr"
else
	expect_eq "stock 7.3.4 accepts a mapping write while $dev is bound (the bug)" ok "$wrote"
	expect_eq "$dev now has a second range its driver did not see at probe" 2 "$nr"
fi

if [ -n "$leave_bound" ]; then
	echo "# $dev stays bound to the C kmem: its unbind would read past its per-range array (make reference shows the KASAN report)"
	ktap_finished
fi
mark=$(dmesg | wc -l)
if [ "$WHICH" = c ] && ! patched_kernel; then
	# The C kmem's known bug: its unplug (state_store()) and its unbind
	# (dev_dax_kmem_remove()) both loop to the new nr_range over the array
	# sized at probe. qemu/run takes what the kernel reports between these
	# markers as expected.
	echo "<5>kmem-rs: expected report begins" >/dev/kmsg
	expect_write "unplug $dev" ok "$DAX_BASE/$dev/state" unplugged
	write_to $DAX_DRIVERS/kmem/unbind "$dev"
	echo "<5>kmem-rs: expected report ends" >/dev/kmsg
	check "the C kmem reads past its array (KASAN: slab-out-of-bounds in state_store or dev_dax_kmem_remove)" \
		grep -qE "BUG: KASAN: slab-out-of-bounds in (state_store|dev_dax_kmem_remove)" <<<"$(dmesg | tail -n +$((mark + 1)))"
else
	expect_write "unplug $dev" ok "$DAX_BASE/$dev/state" unplugged
	write_to $DAX_DRIVERS/kmem/unbind "$dev"
	expect_eq "unbind $dev" ok "$REPLY"
fi
# System RAM (kmem) at the device's range or the one the mapping added
# (an earlier test's stranded memory elsewhere does not count).
left=
while read -r r p; do
	[[ $p == *"System RAM (kmem)" ]] || continue
	((0x${r#*-} < start || 0x${r%-*} > end + (256 << 20))) || left+=" $r"
done < <(iomem_paths)
expect_eq "no System RAM (kmem) is left at $dev's ranges" "" "$left"
write_to $DAX_DRIVERS/kmem/remove_id "$dev"
dax_drop "$dev"
get "$REGION/available_size"
expect_eq "the region has as much free as before the test" "$avail" "$REPLY"
unload_kmem
ktap_finished
