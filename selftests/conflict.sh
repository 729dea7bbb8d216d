#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Conflict diagnostics (beyond C): when a range cannot be reserved, our kmem
# prints the C message "mappingN: START-END could not reserve region" as it
# is, then, on a line of its own, what is in the way, as far as the kernel
# lets a module read it soundly (walk_iomem_res_desc(): ranges, flags and
# descriptors, no names): "mappingN: in the way: [mem S-E] (busy)". The test-only
# module kmem_test_claim.ko (selftests/claim) claims a BUSY sub-range of the
# device's range, then, separately, a sub-range described as device-private
# memory. Checked on bind (probe fails with EBUSY, nothing is left reserved)
# and on a write of online_movable to an unplugged device's state, whose
# failure the debugfs status file keeps as last_error. After the claim is
# released, the same bind and write succeed.
#   conflict.sh
. "${0%/*}/lib.sh"
DEV=${DEV:-dax0.0}
HP=$DAX_BASE/$DEV/state
CLAIM=$KMEM_TESTS/bin/kmem_test_claim.ko

# log_since MARK -- kernel messages logged after line MARK of dmesg.
log_since() { dmesg | tail -n +"$(( $1 + 1 ))"; }

# claim START SIZE NAME [private=1] -- load the helper; print "ok" or why not.
claim() {
	local err
	err=$(insmod "$CLAIM" start=$(($1)) size=$(($2)) name="$3" ${4:+"$4"} 2>&1) && { echo ok; return; }
	echo "${err##*: }"
}

# reserve_msg MARK -- our "could not reserve region" line for DEV since MARK,
# without the "kmem DEV: " prefix.
reserve_msg() { log_since "$1" | grep -o "kmem $DEV: mapping0: .* could not reserve region.*" | tail -n1 | sed "s/^kmem $DEV: //"; }

# in_the_way_msg MARK -- our "in the way" line for DEV since MARK, likewise.
in_the_way_msg() { log_since "$1" | grep -o "kmem $DEV: mapping0: in the way: .*" | tail -n1 | sed "s/^kmem $DEV: //"; }

ktap_print_header
ktap_set_plan 19
unload_kmem
load_kmem rust
unbind_any "$DEV"
read -r s e < <(dax_ranges "$DEV" | head -n1)
r=$(aligned_range "$s" "$e")
rs=$((0x${r%-*})) re=$((0x${r#*-}))
slurp /proc/iomem; iomem_before=$REPLY

# A BUSY region 64 MiB into the range, 32 MiB long.
cs=$((rs + (64 << 20))) ce=$((rs + (96 << 20) - 1))
expect_eq "claim a busy sub-range" ok "$(claim $cs $((ce - cs + 1)) kmem_test_busy)"
mark=$(dmesg | wc -l)
expect_eq "bind fails while the sub-range is claimed" "Device or resource busy" "$(to_kmem "$DEV")"
expect_eq "the C message, as it is" \
	"$(printf 'mapping0: %#x-%#x could not reserve region' $rs $re)" "$(reserve_msg "$mark")"
extra_expect_eq "the next line gives the busy region" \
	"$(printf 'mapping0: in the way: [mem %#x-%#x] (busy)' $cs $ce)" "$(in_the_way_msg "$mark")"
check "the failed bind left no $DEV region of ours" test "$(grep -c " : $DEV\$" /proc/iomem)" = "$(grep -c " : $DEV\$" <<<"$iomem_before")"
check "release the claim" rmmod kmem_test_claim
expect_eq "bind succeeds once the claim is released" ok "$(to_kmem "$DEV")"
extra_expect_eq "status: no error yet" "last_error=-" "$(view status "$DEV" | grep '^last_error=')"

# A device-private region at the range's end, while the device is unplugged.
expect_write "unplug" ok "$HP" unplugged
ps=$((re - (32 << 20) + 1))
expect_eq "claim a device-private sub-range" ok "$(claim $ps $((re - ps + 1)) kmem_test_private private=1)"
mark=$(dmesg | wc -l)
expect_write "online_movable fails while it is claimed" "Device or resource busy" "$HP" online_movable
expect_eq "the C message, as it is, again" \
	"$(printf 'mapping0: %#x-%#x could not reserve region' $rs $re)" "$(reserve_msg "$mark")"
extra_expect_eq "the next line gives the device-private region" \
	"$(printf 'mapping0: in the way: [mem %#x-%#x] (busy, device-private)' $ps $re)" "$(in_the_way_msg "$mark")"
extra_expect_eq "status: the failed reserve is the last error" "last_error=-16 reserve" "$(view status "$DEV" | grep '^last_error=')"
expect_file "state is still unplugged" unplugged "$HP"
check "release the claim" rmmod kmem_test_claim
expect_write "online_movable succeeds once the claim is released" ok "$HP" online_movable
expect_write "unplug again" ok "$HP" unplugged
write_to $DAX_DRIVERS/kmem/unbind "$DEV"
write_to $DAX_DRIVERS/kmem/remove_id "$DEV"
write_to $DAX_DRIVERS/device_dax/bind "$DEV"
unload_kmem
check "/proc/iomem is as before, but for device_dax's own region" \
	test "$(grep -v " : $DEV\$" /proc/iomem)" = "$(grep -v " : $DEV\$" <<<"$iomem_before")"
ktap_finished
