#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest half of `make bench` (scripts/bench.sh): our kmem and the C kmem
# measured on the same memory in one boot, alternating the two modules round
# by round (rust first in odd rounds, c first in even ones), so that a change
# in the host's speed weighs on both alike. Run in the release guest with a
# dynamic (hmem) dax region large enough for the biggest size.
#
#   bench.sh ROUNDS "SIZES" MULTI [PARITY_KO]
#
# For each size (e.g. "1G 4G 16G"), memmap_on_memory 0 and 1, and a device
# of two discontiguous ranges of MULTI each (e.g. 2G), every round of each
# driver times, with bench_op (clock_gettime around the system call):
#   load    insmod of the module
#   bind    bind (request the regions, add the memory, online it movable:
#           auto_online_blocks is online_movable)
#   unplug  state = unplugged (offline, remove, release), twice
#   plug    state = online_movable (request, add, online)
#   unbind  unbind (nothing left to remove)
#   unload  rmmod
# and, after bind, MemTotal's and MemFree's growth. Each configuration
# starts with an unmeasured warm-up round of each driver. Then, at the first
# size, ROUNDS rounds of three binds, unplugs and unbinds in one load (see
# again()), and one more round of
# each driver at the second size and at the largest runs under the kernel's
# function profiler, which tells the time spent in the memory-hotplug core
# from the rest, and, compared between the two sizes, which part of the core
# costs more per GiB as the size grows. Before the profile, ROUNDS rounds of
# a load and an unload alone, with no device bound in between
# (module-nobind), of ours, the C kmem and, given PARITY_KO (our module built
# with EXTRAS=0, only what the C kmem does), that one too, the first of a
# round moving round by round: the parity module is measured only there, as
# its probe and remove are ours.
# Output: "BENCH key=value ..." lines for the host to tabulate.
. "${0%/*}/lib.sh"
ROUNDS=${1:-5}
SIZES=${2:-"1G 4G 16G"}
MULTI=${3:-2G}
PARITY_KO=${4:-}
OP=$KMEM_TESTS/bin/bench_op
TR=/sys/kernel/tracing
# The core functions whose inclusive time the profile reports: the drivers'
# calls into the core, then what they spend their time in (a name the
# kernel does not have, or cannot trace, is left out).
CORE="__request_region __add_memory_driver_managed online_pages offline_pages \
offline_and_remove_memory_ranges remove_memory memory_group_register_static \
memory_group_unregister __release_region remove_resource"
DETAIL="arch_add_memory sparse_add_section vmemmap_populate \
create_memory_block_devices walk_memory_blocks device_online \
mhp_init_memmap_on_memory move_pfn_range_to_zone memmap_init_range \
online_pages_range generic_online_page __free_pages_core build_all_zonelists \
zone_pcp_update setup_per_zone_wmarks shuffle_zone start_isolate_page_range \
undo_isolate_page_range scan_movable_pages test_pages_isolated \
__offline_isolated_pages drain_all_pages lru_add_drain_all \
remove_pfn_range_from_zone remove_memory_block_devices arch_remove_memory \
sparse_remove_section vmemmap_free memory_notify set_zone_contiguous"

# ko DRIVER -- the module file of DRIVER.
ko() {
	case $1 in
	rust) echo "$RUST_KMEM" ;;
	parity) echo "$PARITY_KO" ;;
	*) echo "$C_KMEM" ;;
	esac
}

# timed DRIVER CFG OP bench_op-ARGS... -- run one timed operation and print
# its BENCH line; fail if it failed.
timed() {
	local drv=$1 cfg=$2 op=$3 out ns err
	shift 3
	out=$("$OP" "$@") || true
	read -r ns err <<<"$out"
	echo "BENCH drv=$drv cfg=$cfg op=$op ns=$ns err=${err:-?}"
	[ "${err:-1}" = 0 ]
}

# meminfo KEY -- KEY's value in kB.
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }

# ops DRIVER CFG DEV -- the timed operations of one round on DEV, which is
# bound to no driver and matches kmem (every device of an hmem region does).
ops() {
	local drv=$1 cfg=$2 dev=$3 t0 f0
	t0=$(meminfo MemTotal) f0=$(meminfo MemFree)
	timed "$drv" "$cfg" bind write $DAX_DRIVERS/kmem/bind "$dev" || return 1
	echo "BENCH drv=$drv cfg=$cfg op=memtotal_kb value=$(( $(meminfo MemTotal) - t0 ))"
	echo "BENCH drv=$drv cfg=$cfg op=memfree_kb value=$(( $(meminfo MemFree) - f0 ))"
	timed "$drv" "$cfg" unplug write "$DAX_BASE/$dev/state" unplugged || return 1
	timed "$drv" "$cfg" plug write "$DAX_BASE/$dev/state" online_movable || return 1
	timed "$drv" "$cfg" unplug write "$DAX_BASE/$dev/state" unplugged || return 1
	timed "$drv" "$cfg" unbind write $DAX_DRIVERS/kmem/unbind "$dev"
}

# abandon DEV -- after a failed step of a round: unplug and unbind DEV if
# kmem still holds it, and unload kmem, so that the next round starts from
# the same place.
abandon() {
	[ "$(driver_of "$1")" != kmem ] || { unplug_retry "$1" >/dev/null; unbind_any "$1"; }
	unload_kmem
}

# round DRIVER CFG DEV MOM [MODCFG] -- one measured round of DRIVER on DEV;
# the module's load and unload are reported under MODCFG ("module"). A
# failed round unplugs, unbinds and unloads what it can, so that the next
# one starts from the same place.
round() {
	local drv=$1 cfg=$2 dev=$3 mom=$4 modcfg=${5:-module}
	# daxctl create-device binds new devices to device_dax.
	unbind_any "$dev"
	echo "$mom" >"$DAX_BASE/$dev/memmap_on_memory"
	timed "$drv" "$modcfg" load load "$(ko "$drv")" || return 1
	if ! ops "$drv" "$cfg" "$dev"; then
		abandon "$dev"
		return 1
	fi
	timed "$drv" "$modcfg" unload unload kmem || { unload_kmem; return 1; }
}

# warm_up DEV MOM -- one unmeasured round of each driver on DEV. The first
# time a device's memory is onlined in a boot, the TCG guest's first touch
# of it (struct pages, vmemmap) costs the host page faults: 9-14 ms per
# 128 MiB block instead of 4 (function_graph in the release guest), a cost
# that would fall on whichever driver happened to go first.
warm_up() {
	local drv
	for drv in rust c; do
		round "$drv" warm-up "$1" "$2" warm-up >/dev/null || return 1
	done
}

# rounds CFG DEV MOM -- a warm-up, then ROUNDS rounds of both drivers,
# alternating which goes first.
rounds() {
	local r drv
	warm_up "$2" "$3" || return 1
	for ((r = 1; r <= ROUNDS; r++)); do
		for drv in $( ((r % 2)) && echo rust c || echo c rust); do
			round "$drv" "$1" "$2" "$3" || return 1
		done
	done
}

# again DRIVER CFG DEV -- three binds, unplugs and unbinds of DEV in one
# load of DRIVER: the first timed as CFG-first, the next two as CFG-again;
# the load and unload as module-again. The first run of a code path since
# the module was loaded costs the TCG guest the translation of that code
# (loading rewrites the module's pages, so nothing translated for an
# earlier load is reused), and a larger module runs more code; the later
# ones show what the operation costs once its code is translated.
again() {
	local drv=$1 cfg=$2 dev=$3 i c
	unbind_any "$dev"
	echo 0 >"$DAX_BASE/$dev/memmap_on_memory"
	timed "$drv" module-again load load "$(ko "$drv")" || return 1
	for i in 1 2 3; do
		c=$cfg-again
		[ "$i" = 1 ] && c=$cfg-first
		if ! timed "$drv" "$c" bind write $DAX_DRIVERS/kmem/bind "$dev" ||
			! timed "$drv" "$c" unplug write "$DAX_BASE/$dev/state" unplugged ||
			! timed "$drv" "$c" unbind write $DAX_DRIVERS/kmem/unbind "$dev"; then
			abandon "$dev"
			return 1
		fi
	done
	timed "$drv" module-again unload unload kmem || { unload_kmem; return 1; }
}

# nobind DRIVER CFG -- DRIVER's load and unload, nothing bound in between,
# timed as CFG.
nobind() {
	timed "$1" "$2" load load "$(ko "$1")" || return 1
	timed "$1" "$2" unload unload kmem || { unload_kmem; return 1; }
}

# rotate N WORD... -- the words, the first N moved to the end.
rotate() {
	local n=$1
	shift
	n=$((n % $#))
	echo "${@:n+1}" "${@:1:n}"
}

# profile DRIVER CFG DEV -- one round under the function profiler; prints
# "BENCH drv= cfg= op=profile fn= hits= us=" per core function.
profile() {
	local drv=$1 cfg=$2 dev=$3
	local fn
	echo >$TR/set_ftrace_filter
	for fn in $CORE $DETAIL; do echo "$fn" >>$TR/set_ftrace_filter 2>/dev/null || true; done
	echo 1 >$TR/options/graph-time 2>/dev/null || true
	echo 1 >$TR/function_profile_enabled
	if ! round "$drv" "$cfg-profiled" "$dev" 0 module-profiled; then
		echo 0 >$TR/function_profile_enabled
		echo >$TR/set_ftrace_filter
		return 1
	fi
	echo 0 >$TR/function_profile_enabled
	cat $TR/trace_stat/function* | awk -v d="$drv" -v c="$cfg" '
		$1 == "Function" || $1 ~ /^-/ || NF < 4 { next }
		{ hits[$1] += $2; t = $3; u = $4
		  us[$1] += (u == "us" ? t : u == "ms" ? t * 1000 : u == "s" ? t * 1e6 : t / 1000) }
		END { for (f in hits) printf "BENCH drv=%s cfg=%s op=profile fn=%s hits=%d us=%.0f\n", d, c, f, hits[f], us[f] }'
	echo >$TR/set_ftrace_filter
}

echo "BENCH env kernel=$KVER block_bytes=$(block_bytes) rounds=$ROUNDS sizes=${SIZES// /,} multi=$MULTI cpus=$(nproc)"
unload_kmem
# Nothing binds on its own: every bind is the timed one.
echo 0 >/sys/bus/dax/drivers_autoprobe
echo online_movable >$MEM_BASE/auto_online_blocks
unbind_any dax0.0
echo 0 >$DAX_BASE/dax0.0/size
mount -t tracefs nodev $TR 2>/dev/null || true

fail=0
for size in $SIZES; do
	dev=$(dax_create "$size")
	[ -n "$dev" ] && [ "$dev" != null ] || { echo "BENCH error cannot create a $size device"; fail=1; break; }
	for mom in 0 1; do
		rounds "$size-mom$mom" "$dev" "$mom" || { echo "BENCH error $size-mom$mom"; fail=1; }
	done
	dax_destroy "$dev"
done

# Two discontiguous ranges: carve a, b, c; free a and c; one device of both.
a=$(dax_create "$MULTI") b=$(dax_create "$MULTI") c=$(dax_create "$MULTI")
dax_destroy "$a"; dax_destroy "$c"
m=$(dax_create "$(( 2 * ${MULTI%G} ))G")
echo "BENCH env multi_ranges=$(dax_ranges "$m" | wc -l)"
rounds "2x$MULTI-mom0" "$m" 0 || { echo "BENCH error multi"; fail=1; }
dax_destroy "$m"; dax_destroy "$b"

# The same operations again in one load, at the first size: what they cost
# once their code has run (see again()).
first=${SIZES%% *}
dev=$(dax_create "$first")
if [ -n "$dev" ] && [ "$dev" != null ]; then
	for ((r = 1; r <= ROUNDS; r++)); do
		for drv in $( ((r % 2)) && echo rust c || echo c rust); do
			again "$drv" "$first-mom0" "$dev" || { echo "BENCH error again $drv"; fail=1; }
		done
	done
	dax_destroy "$dev"
else
	echo "BENCH error cannot create a $first device"; fail=1
fi

# Load and unload alone (see nobind()), after an unmeasured one of each
# module. Nothing binds on its own (drivers_autoprobe is 0).
drivers="rust c"
if [ -n "$PARITY_KO" ]; then
	if [ -f "$PARITY_KO" ]; then
		drivers+=" parity"
	else
		echo "BENCH error no parity module at $PARITY_KO"; fail=1
	fi
fi
for drv in $drivers; do
	nobind "$drv" warm-up >/dev/null || { echo "BENCH error nobind warm-up $drv"; fail=1; }
done
for ((r = 1; r <= ROUNDS; r++)); do
	for drv in $(rotate $((r - 1)) $drivers); do
		nobind "$drv" module-nobind || { echo "BENCH error nobind $drv"; fail=1; }
	done
done

# The profile at the second size (the first is mostly fixed costs) and at
# the largest.
for size in $(echo $SIZES | awk '{print (NF > 1 ? $2 : $1); if (NF > 2) print $NF}'); do
	dev=$(dax_create "$size")
	[ -n "$dev" ] && [ "$dev" != null ] || { echo "BENCH error cannot create a $size device"; fail=1; continue; }
	warm_up "$dev" 0 || { echo "BENCH error warm-up for the profile at $size"; fail=1; }
	for drv in rust c; do
		profile "$drv" "$size-mom0" "$dev" || { echo "BENCH error profile $drv $size"; fail=1; }
	done
	dax_destroy "$dev"
done
echo "BENCH env guest_seconds=$SECONDS"
echo "BENCH done fail=$fail"
exit $fail
