#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The administrator's tier (src/extras/tier.rs): without an HMAT the
# NVDIMM's node gets kmem's default abstract distance (2880:
# memory_tier22). Written to the driver attribute node_adistance before
# the bind, "NODE ADISTANCE" puts the node in the tier of that distance
# instead (ADISTANCE >> 7), the view says it came from the administrator
# and what the default would have been, and the kernel's demotion follows:
#  - 1536 (memory_tier12, below DRAM's memory_tier4): node 0 demotes to
#    the node, and a cold pattern on node 0 lands there under pressure;
#  - 256 (memory_tier2, above DRAM): node 0 no longer demotes to it, the
#    node demotes to node 0.
# "NODE default" takes the choice back: the next bind gives the default.
# Bad writes are refused with EINVAL. Run in the NVDIMM guest, after
# memory_tier.sh (node 1 has no memory but what kmem adds).
#   admin_tier.sh
. "${0%/*}/lib.sh"
DEV=dax0.0
HP=$DAX_BASE/$DEV/state
ATTR=$DAX_DRIVERS/kmem/node_adistance
DEMOTION=/sys/kernel/mm/numa/demotion_enabled

# bind_online -- bind $DEV to kmem and online it movable; "ok" or the error.
bind_online() {
	write_to $DAX_DRIVERS/device_dax/unbind $DEV
	write_to $DAX_DRIVERS/kmem/new_id $DEV
	write_to "$HP" unplugged
	write_to "$HP" online_movable
	echo "$REPLY"
}

# unbind_back -- unplug and unbind $DEV, and give it back to device_dax.
unbind_back() {
	write_to "$HP" unplugged
	write_to $DAX_DRIVERS/kmem/unbind $DEV
	write_to $DAX_DRIVERS/kmem/remove_id $DEV
	write_to $DAX_DRIVERS/device_dax/bind $DEV
}

# targets NODE -- the kernel's last "Demotion targets for Node NODE" line.
targets() { dmesg | grep "Demotion targets for Node $1:" | tail -n1 | sed 's/.*Demotion targets/Demotion targets/'; }

ktap_print_header
require nvdimm "$DEV on node 1, which has no other memory" test "$(cat $DAX_BASE/$DEV/target_node)" = 1
require_extras
node=1
ktap_set_plan 16
unload_kmem
load_kmem rust
write_to $DEMOTION 1
for bad in "1" "1 0" "1 -5" "x 100" "-1 100" "1 100 2" "1 defaults"; do
	r=$(write_errno "$ATTR" "$bad")
	[ "$r" = "Invalid argument" ] || echo "# '$bad': $r"
	bads+=" $r"
done
expect_eq "bad writes are refused with EINVAL" "$(printf ' Invalid argument%.0s' {1..7})" "$bads"
expect_file "nothing is chosen" "" "$ATTR"

expect_write "choose 1536 for node $node" ok "$ATTR" "$node 1536"
expect_file "node_adistance lists it" "$node 1536" "$ATTR"
expect_eq "bind and online $DEV" ok "$(bind_online)"
expect_eq "node $node is in memory_tier12 (1536 >> 7), not the default's memory_tier22" memory_tier12 "$(tier_of $node)"
st=$(view status $DEV)
expect_eq "the view: the administrator's distance, and what the default was" \
	"adistance=1536 memory_tier=12 adistance_source=admin computed_adistance=2880" \
	"$(grep -E '^(adistance|memory_tier|adistance_source|computed_adistance)=' <<<"$st" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the kernel demotes node 0 to node $node" "Demotion targets for Node 0: preferred: $node, fallback: $node" "$(targets 0)"

# Demotion follows: a cold pattern on node 0, then pressure there.
MIB=64 pages=$((64 * 256))
coproc PAT { "$KMEM_TESTS/bin/pattern" local "$MIB"; }
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
expect_eq "a $MIB MiB pattern on node 0" "filled pages=$pages on_node=$pages" "$(ask fill)"
node_free_mib 0; free0=$REPLY
demoted; d0=$REPLY
pressure_start 0 $(( free0 + MIB / 2 )); pans=$REPLY
demoted; d1=$REPLY
ans=$(ask verify)
pressure_stop
echo "# pressure: $pans; $((d1 - d0)) pages demoted; pattern: $ans"
check "the cold pattern was demoted to node $node, intact ($ans)" \
	eval '[ "$(count_on $node "$ans")" -ge $((pages / 4)) ] && grep -q "^verified pages=$pages bad=0 " <<<"$ans"'
expect_eq "unplug moves it back" ok "$(unplug_retry $DEV)"
ask quit >/dev/null
wait "$PAT_PID" 2>/dev/null
unbind_back

# Above DRAM: the demotion path turns round.
expect_write "choose 256 for node $node" ok "$ATTR" "$node 256"
expect_eq "bind and online $DEV again" ok "$(bind_online)"
expect_eq "node $node is in memory_tier2, above DRAM's $(tier_of 0); node 0 demotes nowhere, node $node to node 0" \
	"memory_tier2 Demotion targets for Node 0: null Demotion targets for Node $node: preferred: 0, fallback: 0" \
	"$(tier_of $node) $(targets 0) $(targets $node)"
unbind_back

expect_write "take the choice back" ok "$ATTR" "$node default"
expect_eq "bind and online: the default's memory_tier22, from the default" \
	"ok memory_tier22 adistance_source=default" \
	"$(bind_online) $(tier_of $node) $(view status $DEV | grep '^adistance_source=')"
unbind_back
unload_kmem
write_to $DEMOTION 0
ktap_finished
