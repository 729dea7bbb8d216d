#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Nothing lost, ever: bin/pattern (see pattern.c) fills memory bound to the
# NVDIMM's node, which has no other memory, with a pattern checked page by
# page; then the device is unplugged, first through `state` and then with
# `daxctl reconfigure-device -f -m devdax`. Each unplug must succeed (the
# memory is movable and nothing pins it), and every page must have moved off
# the node intact; were one to fail, the test still reports whether the
# device stayed online with every page intact. Run in the NVDIMM guest,
# where node 1 has no memory but what kmem adds: memory there before the
# test means an earlier test left it online, a failure, not a skip.
#   data_integrity.sh rust|c [MIB]
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
MIB=${2:-256}
DEV=dax0.0
HP=$DAX_BASE/$DEV/state

ktap_print_header
node=$(cat $DAX_BASE/$DEV/target_node 2>/dev/null)
require nvdimm "$DEV on node 1, which has no other memory (seen: node '$node')" test "$node" = 1
[ ! -d /sys/devices/system/node/node1 ] ||
	fail_all "node 1 has no memory before the test (seen: node1 is online, $(blocks_summary): an earlier test left memory online)"
ktap_set_plan 14
unload_kmem
load_kmem "$WHICH"
write_to $DAX_DRIVERS/device_dax/unbind $DEV
write_to $DAX_DRIVERS/kmem/new_id $DEV
write_to "$HP" unplugged
expect_write "$DEV online_movable on node $node" ok "$HP" online_movable

coproc PAT { "$KMEM_TESTS/bin/pattern" "$node" "$MIB"; }
# ask CMD -- send CMD to bin/pattern and print its answer.
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
# x86-64 pages are 4 KiB (busybox has no getconf).
pages=$(( MIB * 256 ))
bytes=0

# unplug HOW -- unplug with HOW and judge the outcome against the pattern.
unplug() {
	local how=$1 res ans bad
	ans=$(ask fill)
	expect_eq "$how: $MIB MiB of pattern written, all on node $node" "filled pages=$pages on_node=$pages" "$ans"
	case $how in
	state) res=$(write_errno "$HP" unplugged) ;;
	daxctl) res=$(daxctl reconfigure-device -f -m devdax $DEV >/dev/null 2>/tmp/daxctl.err && echo ok ||
		      head -n1 /tmp/daxctl.err) ;;
	esac
	ans=$(ask verify)
	echo "# $how unplug: $res; $ans"
	expect_eq "$how: the unplug succeeds" ok "$res"
	bad=${ans#*bad=}; bad=${bad%% *}
	expect_eq "$how: every page verified intact ($MIB MiB)" 0 "$bad"
	[ "$bad" = 0 ] && bytes=$(( bytes + MIB * 1024 * 1024 ))
	if [ "$res" = ok ]; then
		check "$how: unplug succeeded and no page is left on node $node" \
			test -z "$(grep -o "[=,]$node:[0-9]*" <<<"$ans")"
		case $how in
		state) expect_eq "$how: state reads unplugged" unplugged "$(cat "$HP")" ;;
		daxctl) expect_eq "$how: $DEV is back in devdax mode" device_dax "$(driver_of $DEV)" ;;
		esac
	else
		check "$how: unplug failed ($res) with every page still on node $node" \
			grep -q "nodes=$node:$pages\$" <<<"$ans"
		expect_eq "$how: $DEV still online" online "$(blocks_state "$(aligned_range $(dax_ranges $DEV))")"
	fi
}

unplug state
# Online again, and unplug the daxctl way.
[ "$(cat "$HP")" = unplugged ] || write_to "$HP" unplugged
expect_write "online_movable again" ok "$HP" online_movable
unplug daxctl
ask quit >/dev/null
wait
echo "# verified $bytes bytes in all"
check "node $node has no memory again ($(blocks_summary))" test -z "$(ls -d /sys/devices/system/node/node1 2>/dev/null)"
if [ "$(driver_of $DEV)" = kmem ]; then
	write_to "$HP" unplugged
	write_to $DAX_DRIVERS/kmem/unbind $DEV
fi
write_to $DAX_DRIVERS/kmem/remove_id $DEV
[ -n "$(driver_of $DEV)" ] || write_to $DAX_DRIVERS/device_dax/bind $DEV
expect_eq "$DEV ends bound to device_dax" device_dax "$(driver_of $DEV)"
unload_kmem
ktap_finished
