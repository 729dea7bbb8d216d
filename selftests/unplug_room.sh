#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An unplug whose pages the rest of the system cannot take. Offlining
# migrates every page in use off the device's memory to the other nodes,
# and retries until the writer gets a signal when they have no room
# (offline_pages(), mm/memory_hotplug.c). In the hmem guest with an HMAT
# (qemu/run --hmat: node 1 is exactly dax0.0's memory), with demotion off:
# a pattern bound to node 1, and a second process bound to node 0 filling
# it until less than half the pattern would fit there.
#  - rust: the unplug is refused at once with ENOMEM and a warning saying
#    what was counted (src/extras/room.rs); the memory stays online, the
#    pattern intact on node 1, nothing killed. Once node 0 has room again,
#    the unplug succeeds and the pattern moves to node 0 intact.
#  - c: the C kmem has no such check: its unplug is still running after
#    WAIT seconds (default 20), and a signal then ends it (EINTR), the
#    memory still online; the test records what the kernel logged meanwhile
#    (failed allocations, OOM kills: expected reports here) and whether the
#    pattern's process survived. That case is for `make reference`: it
#    keeps a CPU busy retrying for WAIT seconds.
# With EXTRAS=0 ours behaves as the C kmem: the test is skipped for rust.
#   unplug_room.sh rust|c [WAIT]
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
WAIT=${2:-20}
DEV=dax0.0
HP=$DAX_BASE/$DEV/state
DEMOTION=/sys/kernel/mm/numa/demotion_enabled

# log_since MARK -- kernel messages logged after line MARK of dmesg.
log_since() { dmesg | tail -n +"$(( $1 + 1 ))"; }

ktap_print_header
cmdline_arg kmem_rs.hmat
require hmem "an ACPI HMAT (qemu/run --hmat: kmem_rs.hmat=), node 1 only $DEV's memory" test -n "$REPLY"
[ "$WHICH" = c ] || require_extras
ktap_set_plan $([ "$WHICH" = c ] && echo 7 || echo 10)
unload_kmem
write_to $DEMOTION 0
load_kmem "$WHICH"
sleep 1
[ "$(driver_of $DEV)" = kmem ] || to_kmem $DEV >/dev/null
get "$DAX_BASE/$DEV/target_node"; node=$REPLY
write_to "$HP" unplugged
expect_write "$DEV online_movable on node $node" ok "$HP" online_movable
read -r start end < <(dax_ranges $DEV)
rng=$(aligned_range "$start" "$end")

# The pattern: most of node 1.
node_free_mib "$node"; MIB=$(( REPLY * 3 / 4 ))
pages=$(( MIB * 256 ))
coproc PAT { "$KMEM_TESTS/bin/pattern" "$node" "$MIB"; }
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
expect_eq "a $MIB MiB pattern on node $node" "filled pages=$pages on_node=$pages" "$(ask fill)"

# The pressure: node 0 filled until a quarter of the pattern would fit.
node_free_mib 0; free0=$REPLY
press=$(( free0 - MIB / 4 ))
pressure_start 0 "$press"; pans=$REPLY
node_free_mib 0
echo "# node 0: $free0 MiB free, $press MiB filled ($pans), $REPLY MiB free now"

mark=$(dmesg | wc -l)
if [ "$WHICH" = rust ]; then
	t0=$(date +%s)
	write_to "$HP" unplugged; res=$REPLY
	took=$(( $(date +%s) - t0 ))
	log=$(log_since "$mark")
	sed 's/^/# /' <<<"$log"
	echo "# our unplug: $res after $took s"
	expect_eq "the unplug is refused with ENOMEM" "Cannot allocate memory" "$res"
	check "within 5 s (it took $took s)" test "$took" -le 5
	check "the kernel log says why: in use, and what the other nodes can take" \
		grep -q "kmem $DEV: unplug refused: .* in use on its memory, the other nodes can take " <<<"$log"
	expect_eq "the memory is still online" "online_movable online" "$(cat "$HP") $(blocks_state "$rng")"
	ans=$(ask verify)
	check "the pattern is intact on node $node ($ans)" grep -q "^verified pages=$pages bad=0 .*nodes=$node:$pages\$" <<<"$ans"
	check "no process was killed for memory" eval "! grep -qiE 'invoked oom-killer|Out of memory' <<<\"\$(log_since $mark)\""
	# Room again on node 0: the unplug works.
	pressure_stop
	expect_eq "with node 0's memory back, the unplug succeeds" ok "$(unplug_retry $DEV)"
	ans=$(ask verify)
	check "every page moved to node 0 intact ($ans)" grep -q "^verified pages=$pages bad=0 .*nodes=0:$pages\$" <<<"$ans"
	ask quit >/dev/null
	wait "$PAT_PID" 2>/dev/null
else
	# The C kmem: offlining retries until the writer gets a signal,
	# allocating migration targets on node 0 all the while; the kernel
	# logs the failed allocations and may call the OOM killer. Those
	# reports are the behaviour recorded here: expected.
	echo "<5>kmem-rs: expected report begins" >/dev/kmsg
	sh -c "echo unplugged > $HP" 2>/dev/null &
	writer=$!
	sleep "$WAIT"
	running=$(kill -0 "$writer" 2>/dev/null && echo running || echo ended)
	kill -TERM "$writer" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$writer" 2>/dev/null || break; sleep 0.1; done
	ended=$(kill -0 "$writer" 2>/dev/null && echo running || echo ended)
	wait "$writer" 2>/dev/null
	echo "<5>kmem-rs: expected report ends" >/dev/kmsg
	log=$(log_since "$mark")
	echo "# the C kmem's unplug, $WAIT s: $(grep -c 'page allocation failure' <<<"$log") allocation failures logged;" \
		"OOM kills: $(grep -o 'Killed process [0-9]* ([^)]*)' <<<"$log" | tr '\n' ' ')"
	expect_eq "the C kmem's unplug is still running after $WAIT s" running "$running"
	expect_eq "a signal ends it (offline_pages() gives up with EINTR)" ended "$ended"
	grep "kmem $DEV" <<<"$log" | sed 's/^/# /'
	expect_eq "the C kmem says only that the unplug failed, once signalled (EINTR)" \
		"kmem $DEV: hotremove failed, device left online: -4" \
		"$(grep -o "kmem $DEV: .*" <<<"$log")"
	expect_eq "the memory is still online" "online_movable online" "$(cat "$HP") $(blocks_state "$rng")"
	if kill -0 "$PAT_PID" 2>/dev/null; then
		echo "# the pattern: $(ask verify)"
	else
		echo "# the pattern's process is gone (killed for memory)"
	fi
	# Room again on node 0: end both processes, whatever is left of them.
	kill -9 "$PRESSURE_PID" "$PAT_PID" 2>/dev/null
	wait "$PRESSURE_PID" "$PAT_PID" 2>/dev/null
	exec {PRESSURE_IN}>&-
	expect_eq "with node 0's memory back, the unplug succeeds" ok "$(unplug_retry $DEV)"
fi
write_to $DAX_DRIVERS/kmem/unbind $DEV
write_to $DAX_DRIVERS/device_dax/new_id $DEV
[ "$(driver_of $DEV)" = device_dax ] || write_to $DAX_DRIVERS/device_dax/bind $DEV
write_to $DAX_DRIVERS/device_dax/remove_id $DEV
unload_kmem
ktap_finished
