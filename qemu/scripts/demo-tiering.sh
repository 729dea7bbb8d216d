#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The `make demo PMEM=tiering` guest script: soft-reserved memory that the
# firmware's HMAT describes as slower than DRAM (qemu/run --pmem hmem
# --hmat), onlined by our kmem with daxctl, used as a tier of RAM: a cold
# buffer demoted to it under pressure, promoted back by NUMA balancing,
# moved there again and migrated off by the unplug. The transcript in
# Documentation/driver.rst ("Using kmem for memory tiering"). A sampler
# prints, every half second, where the buffer's pages are and each node's
# used memory ("sample" lines), and each step starts a "phase" line:
# scripts/tiering-plot.py draws them.
set -u
. /kselftests/kmem/lib.sh
MIB=96
run() { echo "\$ $*"; eval "$*" 2>&1 | sed 's/^/  /'; local rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || echo "  (exit status $rc)"; }
now() { local u; read -r u _ </proc/uptime; echo "$u"; }
phase() { echo "phase $(now) $*"; }

# used_mib NODE -- NODE's used memory in MiB (0 while it has none).
used_mib() {
	local a b k v
	[ -e "/sys/devices/system/node/node$1/meminfo" ] || { echo 0; return; }
	while read -r a b k v _; do
		[ "$k" = MemUsed: ] && { echo $((v / 1024)); return; }
	done <"/sys/devices/system/node/node$1/meminfo"
}

# sampler PID -- every half second: the uptime, PID's anonymous pages on
# nodes 0 and 1 (its numa_maps), and the two nodes' used memory in MiB.
sampler() {
	local line n0 n1 w
	while [ -e "/proc/$1" ]; do
		n0=0 n1=0
		while read -r line; do
			[[ $line == *anon=* ]] || continue
			for w in $line; do
				case $w in N0=*) n0=$((n0 + ${w#N0=})) ;; N1=*) n1=$((n1 + ${w#N1=})) ;; esac
			done
		done <"/proc/$1/numa_maps"
		echo "sample $(now) $((n0 / 256)) $((n1 / 256)) $(used_mib 0) $(used_mib 1)"
		sleep 0.5
	done
}

run "cat /sys/devices/system/node/has_memory"
run "daxctl list -d dax0.0"
run "modprobe kmem"
run "daxctl list -d dax0.0 | grep -E '\"(mode|online_memblocks|total_memblocks)\"'"
run "daxctl online-memory dax0.0"
run "cat /sys/devices/system/node/has_memory"
run "grep . /sys/devices/virtual/memory_tiering/memory_tier*/nodelist"
run "grep -E 'adistance|memory_tier' /sys/kernel/debug/kmem/status"
run "dmesg | grep 'Demotion targets' | tail -n 2"
run "echo 1 > /sys/kernel/mm/numa/demotion_enabled"

coproc PAT { exec /kselftests/kmem/bin/pattern local "$MIB"; }
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
sampler "$PAT_PID" &
sampler_pid=$!
phase "a $MIB MiB buffer, placed on node 0"
echo "\$ pattern local $MIB   # fill: $(ask fill)"
sleep 2
node_free_mib 0
phase "pressure: $((REPLY + MIB / 2)) MiB bound to node 0"
echo "\$ pattern 0 $((REPLY + MIB / 2))   # another process, bound to node 0"
pressure_start 0 $((REPLY + MIB / 2))
echo "  $REPLY"
echo "  buffer: $(ask where)"
sleep 2
phase "pressure ends"
pressure_stop
run "grep -E '^pgdemote_(kswapd|direct) ' /proc/vmstat"
sleep 2
phase "NUMA balancing in tiering mode, the buffer touched for 20 s"
run "echo 2 > /proc/sys/kernel/numa_balancing"
echo "  buffer: $(ask 'touch 20'); $(ask where)"
run "echo 0 > /proc/sys/kernel/numa_balancing"
run "grep -E '^pgpromote_success ' /proc/vmstat"
sleep 2
phase "the buffer moved to node 1 (move_pages)"
echo "  buffer: $(ask 'move 1')"
sleep 2
phase "daxctl offline-memory dax0.0"
run "daxctl offline-memory dax0.0"
echo "  buffer: $(ask verify)"
sleep 2
phase end
ask quit >/dev/null
wait "$sampler_pid"
run "daxctl reconfigure-device -m devdax -f dax0.0 | grep -E '\"mode\"'"
run "cat /sys/devices/system/node/has_memory"
dmesg | grep -E 'kmem|dax0' | tail -n 10
