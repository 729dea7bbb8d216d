#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Racing writers for a bounded time on a two-block device of the dynamic
# (hmem) dax region, bound to our kmem (or, with `c`, to the C kmem):
#  - two writers of random values to daxX.Y/state;
#  - one that unbinds and binds the device whenever it reads `unplugged`
#    (its read and its unbind race with the state writers: an unbind that
#    loses the race strands the memory online, as with the C kmem).
# Then no writer may be stuck (the hung-task detector is on and would fail
# the guest), and the device must be consistent: each range has its
# "System RAM (kmem)" exactly when its blocks exist, and such ranges are
# held by the bound driver or were reported stranded ("stuck online until
# reboot") by an unbind that won the race. At the end our kmem takes such
# ranges back by binding the device again (the binder also does so while
# racing), so /proc/iomem must then be as at the start; with the C kmem a
# stranded range stays until reboot, so run it last but for kmemleak.sh.
# With `blocks`, a fourth writer races on the device's memoryN/state too.
# On the stock kernel that is left out of `make check`: lockdep then
# reports a possible circular dependency in the kernel (kn->active of
# memoryN/state, taken before cpu_hotplug_lock by a memoryN/state write,
# is drained under mem_hotplug_lock when offline_and_remove_memory_ranges()
# removes the block) on the call the C kmem's state_store() makes too. The
# patched kernel (kmem_rs.flavor=patched) removes the block devices outside
# mem_hotplug_lock (kernel/patches/0004): there the fourth writer always
# races, and lockdep must stay quiet.
#   concurrency.sh [rust|c] [SECONDS [blocks]]
. "${0%/*}/lib.sh"
WHICH=rust
case ${1:-} in rust|c) WHICH=$1; shift ;; esac
DUR=${1:-60}
BLOCKS=${2:-}
patched_kernel && BLOCKS=blocks
DRV=$DAX_DRIVERS/kmem
REGION=$DAX_BASE/dax0.0/../dax_region
STOP=/tmp/concurrency.stop

ktap_print_header
require hmem "a dynamic dax region (dax region 0's create)" test -e "$REGION/create"
ktap_set_plan 7
unload_kmem
unbind_any dax0.0
write_to $DAX_BASE/dax0.0/size 0
m=$(dax_create 256M)
unbind_any "$m"
ranges=() blocks=()
while read -r s e; do
	r=$(aligned_range "$s" "$e") || continue
	ranges+=("$r"); blocks+=($(blocks_of "$r"))
done < <(dax_ranges "$m")
slurp /proc/iomem; iomem_start=$REPLY
load_kmem "$WHICH"
sleep 1
# kmem binds devices of this region on its own when it loads.
[ "$(driver_of "$m")" = kmem ] || write_to $DRV/bind "$m"
write_to "$DAX_BASE/$m/state" unplugged
expect_write "$m bound and online_movable" ok "$DAX_BASE/$m/state" online_movable

# Each writer counts its writes and successes into /tmp/concurrency.NAME.
state_writer() {
	local w=(unplugged online_movable online_kernel online unplugged) n=0 ok=0
	while [ ! -e $STOP ]; do
		echo "${w[RANDOM % 5]}" >"$DAX_BASE/$m/state" 2>/dev/null && ok=$((ok + 1))
		n=$((n + 1))
	done
	echo "$n $ok" >/tmp/concurrency.$1
}
block_writer() {
	local w=(offline online_movable) n=0 ok=0 b
	while [ ! -e $STOP ]; do
		for b in "${blocks[@]}"; do
			echo "${w[RANDOM % 2]}" >"$MEM_BASE/$b/state" 2>/dev/null && ok=$((ok + 1))
			n=$((n + 1))
		done
	done
	echo "$n $ok" >/tmp/concurrency.$1
}
rebinder() {
	local n=0 ok=0 st
	while [ ! -e $STOP ]; do
		st=
		read -r st <"$DAX_BASE/$m/state" 2>/dev/null
		if [ "$st" = unplugged ]; then
			echo "$m" >$DRV/unbind 2>/dev/null && ok=$((ok + 1))
			n=$((n + 1))
		fi
		if [ ! -e "$DRV/$m" ]; then
			echo "$m" >$DRV/bind 2>/dev/null && ok=$((ok + 1))
			n=$((n + 1))
		fi
	done
	echo "$n $ok" >/tmp/concurrency.$1
}

rm -f $STOP /tmp/concurrency.*
# The kernel log from here on is this run's.
mark="kmem-rs: concurrency.sh $$ races on $m"
echo "<6>$mark" >/dev/kmsg
writers="s1 s2 rebind"
state_writer s1 & state_writer s2 & rebinder rebind &
[ "$BLOCKS" = blocks ] && { block_writer blocks & writers+=" blocks"; }
pids=$(jobs -p)
sleep "$DUR"
touch $STOP
# All must stop within 30 s; one stuck in the kernel would also trip the
# hung-task detector.
for (( t = 0; t < 30; t++ )); do
	alive=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
	[ "$alive" = 0 ] && break
	sleep 1
done
expect_eq "all writers ($writers) stopped after ${DUR} s of racing" 0 "$alive"
wait
summary= stalled=
for w in $writers; do
	n= ok=
	read -r n ok </tmp/concurrency.$w 2>/dev/null
	summary+="$w: ${ok:-?}/${n:-?} ok; "
	# A writer that left no count, or got no write through, made no progress.
	[ "${ok:-0}" -gt 0 ] 2>/dev/null || stalled+=" $w"
done
echo "# writes that succeeded: $summary"
expect_eq "every writer ($writers) counted writes and got some through" "" "${stalled# }"

# Per range: a "System RAM (kmem)" child in /proc/iomem if and only if all
# of its blocks exist. Ranges with a child are added (owned, or stranded by
# an unbind that won the race, which the kernel log must then say).
paths=$(iomem_paths)
kids=0 present=0 agree=0
for r in "${ranges[@]}"; do
	k=$(grep -cE "^$r (.*/)?$m/System RAM \(kmem\)\$" <<<"$paths")
	p=0
	for b in $(blocks_of "$r"); do [ -e "$MEM_BASE/$b" ] && p=$((p + 1)); done
	kids=$((kids + k)) present=$((present + p))
	{ [ "$k" = 1 ] && [ "$p" = "$(blocks_of "$r" | wc -l)" ]; } || { [ "$k" = 0 ] && [ "$p" = 0 ]; } &&
		agree=$((agree + 1))
done
# The ranges stranded now: those that unbinds since the racing began
# reported "stuck online until reboot", less those a bind took over since.
# Our kmem takes over all of a device's stranded ranges at its next bind;
# the C kmem never does. As /proc/iomem ranges ("start-end", hex).
stranded_now() {
	dmesg | sed -n "/$mark\$/,\$p" | grep -F "kmem $m: " | awk -v keeps="$(keeps_memory "$WHICH" && echo 1)" '
		/took over the memory an earlier unbind left online/ { if (keeps) delete set; next }
		match($0, /mapping[0-9]+: 0x[0-9a-f]+-0x[0-9a-f]+ stuck online until reboot/) {
			r = substr($0, RSTART, RLENGTH); sub(/^mapping[0-9]+: /, "", r); sub(/ .*/, "", r)
			set[r] = 1 }
		END { for (r in set) print r }' |
	while IFS=- read -r s e; do printf '%x-%x\n' $((s)) $((e)); done | sort
}
stranded=$(stranded_now)
nstranded=$(grep -c . <<<"$stranded")
ever=$(dmesg | sed -n "/$mark\$/,\$p" | grep -c "kmem $m: mapping[0-9]*: .* stuck online until reboot")
# The ranges that have a System RAM (kmem) child now.
with_kids=$(for r in "${ranges[@]}"; do
	grep -qE "^$r (.*/)?$m/System RAM \(kmem\)\$" <<<"$paths" && echo "$r"
done | sort)
drv=$(driver_of "$m")
st=$(cat "$DAX_BASE/$m/state" 2>/dev/null)
echo "# end: driver '${drv:-none}', state '${st:-none}', ${#ranges[@]} ranges, $kids System RAM (kmem), $present of ${#blocks[@]} blocks; $ever strandings while racing, $nstranded ranges stranded now:" $stranded
expect_eq "each range has its System RAM (kmem) child exactly when its blocks exist" "${#ranges[@]}" "$agree"
# Unplugged or unbound, the ranges with System RAM (kmem) must be exactly
# those stranded now; added, the driver holds what is not stranded, so the
# stranded ones must be among those with a child.
case "$drv/$st" in
kmem/unplugged) outcome="bound, unplugged"; ok=$([ "$with_kids" = "$stranded" ] && echo 1) ;;
# offline: the binder's bind came last, and a bind adds the memory with
# auto_online_blocks, which is offline here (CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE).
kmem/online*|kmem/offline) outcome="bound, added ($st)"
	ok=$([ "$kids" -ge 1 ] && echo 1)
	for r in $stranded; do [[ $'\n'$with_kids$'\n' == *$'\n'$r$'\n'* ]] || ok=0; done ;;
/) outcome="unbound"; ok=$([ "$with_kids" = "$stranded" ] && echo 1) ;;
*) outcome="driver '$drv' state '$st'"; ok=0 ;;
esac
check "$outcome: System RAM (kmem) at [$(echo $with_kids)], stranded now [$(echo $stranded)]" test "${ok:-0}" = 1

# Take it all back. Our kmem takes over what an unbind left online when
# the device is bound again; the C kmem cannot, nor ours built with
# EXTRAS=0 (keeps_memory), so their stranded memory stays until reboot.
if keeps_memory "$WHICH" && [ "$drv" != kmem ] && [ "$kids" -gt 0 ]; then
	write_to $DRV/bind "$m"
	drv=$(driver_of "$m")
fi
if [ "$drv" = kmem ]; then
	# A block in a kernel zone may hold a kernel allocation for a moment.
	unplug_retry "$m" >/dev/null
	write_to $DRV/unbind "$m"
fi
if keeps_memory "$WHICH" || [ "$ever" = 0 ]; then
	check "unplugged and unbound: /proc/iomem is as at the start ($ever strandings while racing, all taken back)" \
		file_is "$iomem_start" /proc/iomem
else
	ktap_test_skip "memory stranded by an unbind that won the race; the $WHICH kmem (no kept memory) leaves it until reboot"
fi
expect_eq "$m ends unbound" "" "$(driver_of "$m")"
ktap_finished
