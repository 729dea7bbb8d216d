#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The driver's view (beyond C): debugfs kmem/{ranges,resources,blocks,status},
# whose lines start with the device's name, checked for $DEV against what the
# kernel shows elsewhere:
#  - ranges: the device's range and its block-aligned part, as sysfs gives
#    them, and whether kmem holds the reservation and the added memory;
#  - resources: what the kernel's walks find at the range: each range shown
#    lies within a resource of /proc/iomem; the outermost System RAM is the
#    parent "daxX.Y" (not BUSY), the outermost BUSY resource is "System RAM
#    (kmem)" beneath it (driver-managed), both exactly the aligned range as
#    /proc/iomem has them; after unplug there is neither;
#  - blocks: the counts by state and zone equal those of the memoryN/state
#    and valid_zones files, online_movable, with one block offlined through
#    sysfs, online_kernel, and after unplug (absent);
#  - status: node is the device's target_node; a node that had no memory
#    before (the NVDIMM guest) is then in the memory tier shown, one that
#    had (legacy pmem) keeps its tier; memmap_on_memory is what MemTotal shows
#    of the memmap (the added size less the memmap where it lives on the
#    memory, the whole size where not), and the last add and remove times.
# online_kernel is checked only where the node had memory before: on a
# memory-only node, the first kernel-zone memory takes the node's slab
# structures (kmem_cache_node) and can never be offlined again, so there it
# is a SKIP.
#   view.sh
. "${0%/*}/lib.sh"
DEV=${DEV:-dax0.0}
HP=$DAX_BASE/$DEV/state

# view_line FILE PREFIX -- set REPLY to the first of $DEV's lines of the
# view's FILE that starts with PREFIX, without the leading name; fails if
# there is none.
view_line() {
	local line
	while IFS= read -r line; do
		[ "${line%% *}" = "$DEV" ] || continue
		line=${line#* }
		[[ $line == "$2"* ]] && { REPLY=$line; return 0; }
	done <"$VIEW/$1"
	REPLY=
	return 1
}

# key KEY -- the value of KEY=VALUE in $DEV's status.
key() { view_line status "$1=" && echo "${REPLY#*=}"; }

# field LINE NAME -- set REPLY to the value of NAME=VALUE in LINE, or
# nothing.
field() {
	local w words
	read -ra words <<<"$1"
	REPLY=
	for w in "${words[@]}"; do
		[[ $w == "$2="* ]] && { REPLY=${w#*=}; return 0; }
	done
	return 0
}

# sysfs_blocks RANGE -- "online_movable=A online_kernel=B offline=C" from
# the memoryN files of RANGE.
sysfs_blocks() {
	local i st mv=0 kn=0 off=0
	block_indices "$1"
	for i in "${BLOCKS[@]}"; do
		get "$MEM_BASE/memory$i/state"
		st=$REPLY
		get "$MEM_BASE/memory$i/valid_zones"
		case $st:$REPLY in
		online:Movable) mv=$((mv + 1)) ;;
		online:*) kn=$((kn + 1)) ;;
		*) off=$((off + 1)) ;;
		esac
	done
	echo "online_movable=$mv online_kernel=$kn offline=$off"
}

# view_blocks -- the same three counts from the view's blocks file.
view_blocks() {
	local line mv kn
	view_line blocks "mapping0 "
	line=$REPLY
	field "$line" online_movable; mv=$REPLY
	field "$line" online_kernel; kn=$REPLY
	field "$line" offline
	echo "online_movable=$mv online_kernel=$kn offline=$REPLY"
}

# resources_in_iomem -- the range of every resource line of the view's
# resources text in $res lies within a resource of /proc/iomem; and there is
# at least one such line.
resources_in_iomem() {
	local walk r s e is ie ir n=0 found
	while read -r walk r _; do
		case $walk in mem|system_ram|busy) ;; *) continue ;; esac
		s=$((0x${r%-*})) e=$((0x${r#*-})) found=
		while read -r ir _; do
			is=$((0x${ir%-*})) ie=$((0x${ir#*-}))
			(( is <= s && ie >= e )) && { found=1; break; }
		done </proc/iomem
		[ -n "$found" ] || { echo "# not in /proc/iomem: $walk $r"; return 1; }
		n=$((n + 1))
	done <<<"$res"
	[ "$n" -gt 0 ]
}

# lists_all -- every file of the view has a line of $DEV.
lists_all() {
	local f
	for f in $VIEW_FILES; do view_lists "$f" "$DEV" || return 1; done
}

# dev_over_ram RANGE -- /proc/iomem has RANGE as $DEV and, beneath it, as
# System RAM (kmem).
dev_over_ram() {
	grep -qE "^ *$1 : $DEV\$" /proc/iomem &&
		grep -qE "^ *$1 : System RAM \(kmem\)\$" /proc/iomem
}

ktap_print_header
require_extras
ktap_set_plan 24
unload_kmem
load_kmem rust
unbind_any "$DEV"
read -r s e < <(dax_ranges "$DEV" | head -n1)
r=$(aligned_range "$s" "$e")
rs=$((0x${r%-*})) re=$((0x${r#*-}))
block_indices "$r"
n=${#BLOCKS[@]} last=memory${BLOCKS[-1]}
get $DAX_BASE/$DEV/target_node
node=$REPLY
# A node with no memory and no CPU is not online: it has no directory yet.
node_kb=$(awk '/MemTotal:/ {print $4}' /sys/devices/system/node/node$node/meminfo 2>/dev/null)
node_kb=${node_kb:-0}
tier_before=$(tier_of "$node")

expect_eq "bind $DEV to kmem" ok "$(to_kmem "$DEV")"
check "ranges, resources, blocks, status and selfcheck list $DEV" lists_all
write_to "$HP" unplugged
mt0=$(memtotal_kb)
expect_write "online_movable" ok "$HP" online_movable
grown_kb=$(( $(memtotal_kb) - mt0 ))
expect_eq "ranges: raw and aligned range, reserved and added" \
	"$(printf 'mapping0 raw=%#x-%#x aligned=%#x-%#x reserved=yes added=yes' "$s" "$e" "$rs" "$re")" \
	"$(view ranges "$DEV")"
res=$(view resources "$DEV")
sed 's/^/# /' <<<"$res"
check "resources: every resource shown is in /proc/iomem" resources_in_iomem
check "resources: the outermost System RAM is $DEV's range, not busy" \
	grep -qE "^  system_ram $r \[flags 0x[0-9a-f]+ system_ram\]\$" <<<"$res"
check "resources: the outermost busy one is that range, System RAM, driver-managed" \
	grep -qE "^  busy $r \[flags 0x[0-9a-f]+ busy system_ram driver_managed\]\$" <<<"$res"
check "/proc/iomem: $r is $DEV with System RAM (kmem) beneath it" \
	dev_over_ram "$r"
view blocks "$DEV" | sed 's/^/# /'
expect_eq "blocks: all $n online_movable" "online_movable=$n online_kernel=0 offline=0" "$(view_blocks)"
write_to "$MEM_BASE/$last/state" offline
expect_eq "blocks: $last offlined through sysfs, as sysfs counts" "$(sysfs_blocks "$r")" "$(view_blocks)"
view_line blocks "mapping0 "
field "$REPLY" offline
check "blocks: one block offline" test "$REPLY" = 1
view status "$DEV" | sed 's/^/# /'
expect_eq "status: node is the target node" "$node" "$(key node)"
if [ "$node_kb" = 0 ]; then
	expect_eq "status: the memory-only node is in the memory tier shown" \
		"memory_tier$(key memory_tier)" "$(tier_of "$node")"
else
	expect_eq "status: node $node, which had memory, keeps its tier" "$tier_before" "$(tier_of "$node")"
fi
check "status: a memory group id" grep -qE '^memory_group=[0-9]+$' <<<"$(view status "$DEV")"
size_kb=$(( (re - rs + 1) / 1024 ))
expect_eq "status: memmap_on_memory as MemTotal shows it (grew ${grown_kb} of ${size_kb} kB)" \
	"$(( grown_kb < size_kb ? 1 : 0 ))" "$(key memmap_on_memory)"
check "status: the last add took some microseconds" test "$(key last_add_us)" -gt 0
expect_eq "unplug" ok "$(unplug_retry "$DEV")"
check "status: the last remove took some microseconds" test "$(key last_remove_us)" -gt 0
expect_eq "blocks: all $n absent after unplug" "blocks=$n online_movable=0 online_kernel=0 offline=0 absent=$n" \
	"$(view_line blocks "mapping0 "; REPLY=${REPLY#* }; echo "${REPLY#* }")"
if [ "$node_kb" -gt 0 ]; then
	expect_write "online_kernel" ok "$HP" online_kernel
	expect_eq "blocks: online_kernel, as sysfs counts" "$(sysfs_blocks "$r")" "$(view_blocks)"
	expect_eq "unplug online_kernel memory" ok "$(unplug_retry "$DEV")"
else
	for t in "online_kernel" "blocks: online_kernel, as sysfs counts" "unplug online_kernel memory"; do
		ktap_test_skip "$t: node $node has no memory of its own, so kernel-zone memory there could never be removed"
	done
fi
res=$(view resources "$DEV")
sed 's/^/# /' <<<"$res"
check "resources: neither System RAM nor anything busy at the range after unplug" \
	bash -c "grep -q '^mapping0 ' <<<\"\$1\" && ! grep -qE '^  (system_ram|busy) ' <<<\"\$1\"" _ "$res"
write_to $DAX_DRIVERS/kmem/unbind "$DEV"
check "no file of the view lists $DEV after unbind" view_omits $VIEW_FILES "$DEV"
write_to $DAX_DRIVERS/kmem/remove_id "$DEV"
write_to $DAX_DRIVERS/device_dax/bind "$DEV"
unload_kmem
ktap_finished
