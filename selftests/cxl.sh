#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A CXL memory expander as users run it: a RAM region over the type-3
# devices MEM... (one: a plain region; two: 2-way interleaved), whose dax
# device dax_cxl marks for kmem. With kmem loaded the device binds to it,
# its blocks stay offline (auto_online_blocks is offline here) until
# `daxctl online-memory`, and /proc/iomem nests CXL Window -> region ->
# daxX.Y -> System RAM (kmem). The memory comes online on the window's own
# node, in a memory tier of its own below DRAM's. A pattern written there
# survives an unplug through `state` (7.3's C kmem has the attribute too)
# and through `daxctl reconfigure-device -f -m devdax` (migrated off
# intact). Tearing the region down then leaves /proc/iomem and MemTotal
# as before. Run for c after rust in the same boot, it also compares the
# nesting and the tier with what ours gave.
#   cxl.sh rust|c MEM...
. "${0%/*}/lib.sh"
WHICH=$1
shift
MEMS=("$@")
WAYS=${#MEMS[@]}
# Emulated CXL memory is slow under TCG: every access is a QEMU call.
MIB=32

ktap_print_header
if [ "$(pmem_kind)" != cxl ]; then
	ktap_skip_all "needs the CXL guest (qemu/run --pmem cxl)"
	exit "$KSFT_SKIP"
fi
[ -z "$(cxl_regions)" ] || fail_all "no CXL region before the test (seen: $(cxl_regions | tr '\n' ' '))"
# The C kmem's run has one result more: the comparison with ours.
ktap_set_plan $([ "$WHICH" = c ] && echo 26 || echo 25)
unload_kmem
load_kmem "$WHICH"
if [ "$WHICH" = rust ]; then
	check "the kmem under test is ours" is_ours
else
	check "the kmem under test is the C kmem" is_c_kmem
fi
iomem_before=$(cat /proc/iomem) mt_before=$(memtotal_kb)

region=$(cxl_region_create "${MEMS[@]}")
check "a $WAYS-way RAM region over ${MEMS[*]} is committed" test -n "$region"
[ -n "$region" ] || { ktap_finished; exit; }
dev=$(cxl_dax_of "$region")
expect_eq "dax_cxl made a dax device for $region, bound to kmem" "kmem" "$(driver_of "${dev:-none}")"
read -r start end < <(dax_ranges "$dev")
rng=$(aligned_range "$start" "$end")
wait_blocks "$rng"
size_mib=$(( (end - start + 1) >> 20 ))
echo "# $region: $dev, $size_mib MiB, blocks $rng, node $(cat "$DAX_BASE/$dev/target_node")"
expect_eq "the region is all of the devices' capacity" \
	$(( $(cat "$CXL_BASE/$region/size") >> 20 )) "$size_mib"
expect_eq "its blocks are offline until onlined" offline "$(blocks_state "$rng")"
win=$(iomem_paths | awk -v r="$rng" '$1 == r' | tail -n1 | sed 's/^[^ ]* //')
expect_eq "/proc/iomem: CXL Window -> $region -> $dev -> System RAM (kmem)" \
	"CXL Window 0/$region/$dev/System RAM (kmem)" "$win"

expect_eq "daxctl online-memory" ok \
	"$(daxctl online-memory "$dev" >/dev/null 2>/tmp/daxctl.err && echo ok || head -n1 /tmp/daxctl.err)"
expect_eq "the blocks are online in ZONE_MOVABLE" "online Movable" \
	"$(blocks_state "$rng") $(blocks_zones "$rng")"
slurp "$DAX_BASE/$dev/target_node"; node=$REPLY
check "the memory is on the window's own node ($node), not DRAM's" test "$node" -gt 0
# With memmap_on_memory (dax_cxl asks for it), each block's struct pages (64
# bytes a page) live in the block and are not part of MemTotal.
nblocks=$(blocks_of "$rng" | wc -l)
want_kb=$(( size_mib * 1024 ))
[ "$(cat "$DAX_BASE/$dev/memmap_on_memory")" = 1 ] &&
	want_kb=$(( want_kb - nblocks * $(block_bytes) / 4096 * 64 / 1024 ))
expect_eq "node $node holds the region's memory (kB, memmap_on_memory $(cat "$DAX_BASE/$dev/memmap_on_memory"))" \
	"$want_kb" "$(awk '/MemTotal/ {print $4}' "/sys/devices/system/node/node$node/meminfo")"
# What the online device looks like, for the comparison between the drivers.
nest=$(iomem_paths | grep -F "CXL Window")
echo "$nest" | sed 's/^/# /'
tier=$(tier_of "$node") dram=$(tier_of 0)
echo "# node $node: $tier; DRAM node 0: $dram"
check "node $node is in a tier of its own, below DRAM's ($dram)" \
	test -n "$tier" -a "$tier" != "$dram" -a "${tier#memory_tier}" -gt "${dram#memory_tier}"

coproc PAT { "$KMEM_TESTS/bin/pattern" "$node" "$MIB"; }
# ask CMD -- send CMD to bin/pattern and print its answer.
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
pages=$(( MIB * 256 ))

# unplug HOW -- write the pattern on the node, unplug with HOW, and check
# that every page moved off the node intact.
unplug() {
	local how=$1 res ans
	expect_eq "$how: $MIB MiB of pattern written on node $node" \
		"filled pages=$pages on_node=$pages" "$(ask fill)"
	case $how in
	state) res=$(write_errno "$DAX_BASE/$dev/state" unplugged) ;;
	daxctl) res=$(daxctl reconfigure-device -f -m devdax "$dev" >/dev/null 2>/tmp/daxctl.err &&
		      echo ok || head -n1 /tmp/daxctl.err) ;;
	esac
	expect_eq "$how: the unplug succeeds" ok "$res"
	ans=$(ask verify)
	echo "# $how: $ans"
	check "$how: every page intact, none left on node $node" \
		grep -qE "^verified pages=$pages bad=0 .*nodes=([0-9]+:[0-9]+,)*0:$pages\$" <<<"$ans"
}

unplug state
expect_eq "state reads unplugged, the blocks are gone" "unplugged missing" \
	"$(cat "$DAX_BASE/$dev/state") $(blocks_state "$rng")"
expect_write "state online_movable again" ok "$DAX_BASE/$dev/state" online_movable
unplug daxctl
ask quit >/dev/null
wait
expect_eq "$dev is back with device_dax, its blocks gone" "device_dax missing" \
	"$(driver_of "$dev") $(blocks_state "$rng")"
# daxctl moved the device with device_dax's new_id: a later device of the
# same name (the next region's) would go to device_dax, not kmem.
write_to "$DAX_DRIVERS/device_dax/remove_id" "$dev"
check "node $node has no memory left" \
	test "$(awk '/MemTotal/ {print $4}' "/sys/devices/system/node/node$node/meminfo" 2>/dev/null || echo 0)" = 0

printf '%s\n%s\n' "$tier" "$nest" | sed -E 's/region[0-9]+/regionN/g; s/dax[0-9]+\.[0-9]+/daxN.M/g' \
	>"/tmp/cxl.$WHICH.$WAYS"
expect_eq "the region's tear-down succeeds" "" "$(cxl_region_destroy "$region" 2>&1)"
check "$dev is gone" test ! -e "$DAX_BASE/$dev"
check "/proc/iomem is as before" file_is "$iomem_before" /proc/iomem
expect_eq "MemTotal is as before (kB)" "$mt_before" "$(memtotal_kb)"
# The C kmem's run compares with ours, which the session runs first.
if [ "$WHICH" = c ]; then
	if [ -f "/tmp/cxl.rust.$WAYS" ]; then
		expect_eq "nesting, tier and iomem as with our kmem in this boot" \
			"$(cat "/tmp/cxl.rust.$WAYS")" "$(cat "/tmp/cxl.c.$WAYS")"
	else
		ktap_test_skip "nesting, tier and iomem as with our kmem: no run of ours with $WAYS device(s) in this boot"
	fi
fi
unload_kmem
ktap_finished
