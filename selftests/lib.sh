# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the kmem-rs selftests (sourced, not run). KTAP output
# comes from the kernel's own tools/testing/selftests/kselftest/ktap_helpers.sh.
# Tests are run by path (run_guest.sh: bash /kselftests/kmem/TEST) and
# source this as "${0%/*}/lib.sh".
#
# Each process costs: in the debug guest a fork took about 0.15 s and a
# fork and exec 0.2 to 0.3 s (KASAN, lockdep and kmemleak under TCG; inline
# KASAN checks nearly halved that), against under 10 ms for a read of a
# sysfs file by a builtin. So these helpers use
# bash builtins only; those that test scripts call many times set REPLY, or
# compare and print a KTAP result themselves, rather than print a value for
# a command substitution (a fork each).

KMEM_TESTS=${BASH_SOURCE[0]%/*}
. "$KMEM_TESTS/../kselftest/ktap_helpers.sh"

DAX_BASE=/sys/bus/dax/devices
DAX_DRIVERS=/sys/bus/dax/drivers
MEM_BASE=/sys/devices/system/memory
TIERS=/sys/devices/virtual/memory_tiering
read -r KVER </proc/sys/kernel/osrelease
C_KMEM=/lib/modules/$KVER/kernel/drivers/dax/kmem.ko
RUST_KMEM=/lib/modules/$KVER/updates/kmem.ko
# Our kmem's debugfs view: files listing every bound device.
VIEW=/sys/kernel/debug/kmem
VIEW_FILES="ranges resources blocks status selfcheck"

# check DESCRIPTION COMMAND... -- one KTAP result: pass if COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ktap_test_pass "$desc"; else ktap_test_fail "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED SEEN -- one KTAP result saying both values.
expect_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1 (expected '$2', seen '$3')"
	else
		ktap_test_fail "$1 (expected '$2', seen '$3')"
	fi
}

# get FILE -- set REPLY to FILE's first line; fails if FILE cannot be read.
# REPLY is any helper's to overwrite: copy it before calling another.
get() {
	REPLY=
	{ IFS= read -r REPLY || [ -n "$REPLY" ]; } <"$1"
}

# read_lines FILE -- set the array FLINES to FILE's lines (a last line
# without its newline included); an empty file has none. Fails, saying why
# on stderr, if FILE is not named, cannot be opened, or a read fails before
# its end. As root `[ -r FILE ]` tests only that FILE exists, and bash's
# read builtin ends a loop on a read error (EIO, EISDIR, an errno a debugfs
# or sysfs show returns) as it does at the end of the file: only its
# message, kept here, tells them apart.
read_lines() {
	local line err=/tmp/kmem-read-err.$BASHPID
	FLINES=()
	if [ -z "$1" ]; then
		echo "# read_lines: no file named" >&2
		return 1
	fi
	if { while IFS= read -r line || [ -n "$line" ]; do FLINES+=("$line"); done; } \
		2>"$err" <"$1" && [ ! -s "$err" ]; then
		return 0
	fi
	read -r line <"$err"
	echo "# cannot read $1: ${line##*: }" >&2
	return 1
}

# slurp FILE -- set REPLY to FILE's whole text, without the last newline, as
# "$(cat FILE)" would; fails if FILE cannot be read to its end (read_lines).
slurp() {
	local line text= n=0
	REPLY=
	read_lines "$1" || return 1
	for line in "${FLINES[@]}"; do
		((n++)) && text+=$'\n'
		text+=$line
	done
	while [[ $text == *$'\n' ]]; do text=${text%$'\n'}; done
	REPLY=$text
}

# expect_file DESCRIPTION EXPECTED FILE -- one KTAP result comparing FILE's
# text (as "$(cat FILE)" has it) with EXPECTED ("unreadable" if FILE cannot
# be read).
expect_file() {
	slurp "$3" 2>/dev/null || REPLY=unreadable
	expect_eq "$1" "$2" "$REPLY"
}

# file_is TEXT FILE -- FILE can be read and its text (as "$(cat FILE)" has
# it) is TEXT.
file_is() { slurp "$2" && [ "$REPLY" = "$1" ]; }

# expect_write DESCRIPTION EXPECTED FILE VALUE -- write VALUE to FILE, one
# KTAP result comparing "ok" or the error text with EXPECTED.
expect_write() {
	write_to "$3" "$4"
	expect_eq "$1" "$2" "$REPLY"
}

# driver_of DEV -- print the name of the driver DEV is bound to (bound_to).
driver_of() { bound_to "$1"; echo "$REPLY"; }

# bound_to DEV -- set REPLY to the name of the driver DEV is bound to, or
# nothing: the driver core links a bound device into its driver's directory.
# Without a DEV, REPLY says so and it fails: no driver directory's "$d/"
# may pass for a device, nor an unnamed device for an unbound one.
bound_to() {
	local d
	REPLY=
	if [ -z "$1" ]; then
		REPLY="(no device named)"
		echo "# bound_to: no device named" >&2
		return 1
	fi
	for d in "$DAX_DRIVERS"/*; do
		[ -e "$d/$1" ] && { REPLY=${d##*/}; return 0; }
	done
	return 0
}

# is_ours -- the loaded kmem module is the out-of-tree (Rust) one.
is_ours() { get /sys/module/kmem/taint 2>/dev/null && [[ $REPLY == *O* ]]; }

# is_c_kmem -- a kmem module is loaded, and it is the in-tree (C) one: its
# taint flags, which the kernel always shows for a loaded module, lack O.
is_c_kmem() {
	[ -e /sys/module/kmem/taint ] || return 1
	get /sys/module/kmem/taint || return 1
	[[ $REPLY != *O* ]]
}

# lacks PATTERN FILE -- FILE can be read to its end and no line of it
# matches the extended regular expression PATTERN. A negated grep would pass
# for a file that is gone or that fails to read; this fails.
lacks() {
	local line
	[ -n "$1" ] || { echo "# lacks: no pattern given" >&2; return 1; }
	read_lines "$2" || return 1
	for line in "${FLINES[@]}"; do
		[[ $line =~ $1 ]] && return 1
	done
	return 0
}

# rmmod_refused -- kmem is loaded, `rmmod kmem` fails, and kmem is still
# loaded. A bare `! rmmod kmem` would pass with no kmem loaded at all.
rmmod_refused() {
	[ -d /sys/module/kmem ] || return 1
	! rmmod kmem 2>/dev/null && [ -d /sys/module/kmem ]
}

# cmdline_arg NAME -- set REPLY to the value of NAME=VALUE on the kernel
# command line qemu/run wrote; empty if it is not there.
cmdline_arg() {
	local a args
	REPLY=
	read -ra args </proc/cmdline
	for a in "${args[@]}"; do
		case $a in "$1="*) REPLY=${a#*=}; return 0 ;; esac
	done
}

# pmem_kind -- the guest's emulated pmem (legacy, nvdimm, hmem or cxl), from
# the kernel command line qemu/run wrote.
pmem_kind() { cmdline_arg kmem_rs.pmem; echo "$REPLY"; }

# guest_kind -- the kind of guest qemu/run declared on the kernel command
# line: the pmem kind, with "-labels" for an NVDIMM with a label area
# (kmem_rs.labels=on) and "-nonuma" for a guest booted without NUMA nodes
# (kmem_rs.numa=off), as selftests/sessions names them.
guest_kind() {
	local kind
	cmdline_arg kmem_rs.pmem; kind=$REPLY
	cmdline_arg kmem_rs.labels
	[ "$REPLY" = on ] && kind+=-labels
	cmdline_arg kmem_rs.numa
	[ "$REPLY" = off ] && kind+=-nonuma
	echo "$kind"
}

# debug_flavor -- the guest runs a kernel of the debug config
# (kmem_rs.flavor=debug, or patched: the same with kernel/patches/), which
# promises KASAN, lockdep, kmemleak and fault injection.
debug_flavor() { cmdline_arg kmem_rs.flavor; [ "$REPLY" = debug ] || [ "$REPLY" = patched ]; }

# patched_kernel -- the guest runs the debug kernel with kernel/patches/
# applied (kmem_rs.flavor=patched), which promises their fixes.
patched_kernel() { cmdline_arg kmem_rs.flavor; [ "$REPLY" = patched ]; }

# extras_built -- the kmem under test is built with its extras (the debugfs
# view, kept memory, the conflict report): qemu/run writes kmem_rs.extras=0
# when the module is the parity-only one (make check EXTRAS=0).
extras_built() { cmdline_arg kmem_rs.extras; [ "$REPLY" != 0 ]; }

# EXTRAS_SKIP -- why a check of an extra is skipped with EXTRAS=0.
EXTRAS_SKIP="an extra of ours: the module under test was built with EXTRAS=0"

# require_extras -- skip the whole test, saying why, if the module under
# test has no extras. Call after ktap_print_header.
require_extras() {
	extras_built && return 0
	ktap_skip_all "$EXTRAS_SKIP"
	exit "$KSFT_SKIP"
}

# extra_check DESCRIPTION COMMAND... -- check, for an extra of ours; a skip,
# saying why, when the module under test has none.
extra_check() {
	if extras_built; then
		check "$@"
	else
		ktap_test_skip "$1: $EXTRAS_SKIP"
	fi
}

# extra_expect_eq DESCRIPTION EXPECTED SEEN -- expect_eq, for an extra of
# ours; a skip, saying why, when the module under test has none.
extra_expect_eq() {
	if extras_built; then
		expect_eq "$@"
	else
		ktap_test_skip "$1: $EXTRAS_SKIP"
	fi
}

# keeps_memory WHICH -- the kmem under test keeps memory an unbind leaves
# online (ours, with its extras); otherwise it leaks it until reboot, as
# the C kmem does.
keeps_memory() { [ "$1" = rust ] && extras_built; }

# require KIND WHAT COMMAND... -- the test's precondition: COMMAND succeeds.
# If it does not, a guest of kind KIND (guest_kind), which promises WHAT,
# is broken: the whole test fails. In any other guest the environment truly
# lacks WHAT: the whole test is skipped. Call after ktap_print_header; does
# not return unless COMMAND succeeded.
require() {
	local kind=$1 what=$2
	shift 2
	"$@" && return 0
	[ "$(guest_kind)" = "$kind" ] &&
		fail_all "the $kind guest has $what (seen: not there: '$*' failed)"
	ktap_skip_all "needs $what: run in the $kind guest (this one is '$(guest_kind)')"
	exit "$KSFT_SKIP"
}

# bail DESCRIPTION -- fail one result and end the test at once, for a step
# without which the rest cannot be judged: the harness also fails the test
# for the results it planned and never got.
bail() {
	ktap_test_fail "$*"
	exit 1
}

# ran_before TEST -- TEST ran earlier in this session (run_guest.sh lists the
# tests it ran in KMEM_SESSION_DONE).
ran_before() { [[ " ${KMEM_SESSION_DONE:-} " == *" $1 "* ]]; }

# fail_all DESCRIPTION -- a test whose precondition an earlier test broke:
# plan one result, fail it, exit. A skip would hide what broke it.
fail_all() {
	ktap_set_plan 1
	ktap_test_fail "$*"
	ktap_finished
}

# load_kmem rust|c -- load one of the two kmem modules (none may be loaded).
load_kmem() {
	case $1 in
	rust) modprobe kmem ;;
	c) insmod "$C_KMEM" ;;
	*) return 1 ;;
	esac
}

# unload_kmem -- remove whichever kmem module is loaded.
unload_kmem() { [ ! -d /sys/module/kmem ] || rmmod kmem; }

# memtotal_kb -- MemTotal in kB.
memtotal_kb() {
	local k v _
	while read -r k v _; do
		[ "$k" = MemTotal: ] && { echo "$v"; return 0; }
	done </proc/meminfo
}

# blocks_summary -- "N online, M offline" over all memory blocks.
blocks_summary() {
	local on=0 off=0 s
	for s in "$MEM_BASE"/memory*/state; do
		get "$s"
		case $REPLY in online) on=$((on + 1)) ;; *) off=$((off + 1)) ;; esac
	done
	echo "$on online, $off offline"
}

# iomem_paths -- /proc/iomem as "START-END PATH" lines, where PATH joins the
# names of an entry's ancestors and its own with '/'.
iomem_paths() {
	awk '{
		match($0, /^ */); d = RLENGTH / 2
		line = substr($0, RLENGTH + 1); i = index(line, " : ")
		name[d] = substr(line, i + 3); path = name[0]
		for (k = 1; k <= d; k++) path = path "/" name[k]
		print substr(line, 1, i - 1), path
	}' /proc/iomem
}

# block_bytes -- the memory block size in bytes.
block_bytes() { block_size; echo "$REPLY"; }

# block_size -- set REPLY to the memory block size in bytes.
block_size() { get $MEM_BASE/block_size_bytes; REPLY=$((0x$REPLY)); }

# aligned_range START END -- START-END (inclusive, decimal) shrunk to whole
# memory blocks, printed as "start-end" in /proc/iomem's hex format; nothing
# if no whole block fits.
aligned_range() {
	local bs s e
	block_size
	bs=$REPLY
	s=$(( ($1 + bs - 1) / bs * bs )) e=$(( ($2 + 1) / bs * bs ))
	[ "$e" -gt "$s" ] && printf '%x-%x\n' "$s" $((e - 1))
}

# dax_ranges DEV -- the device's ranges as "START END" (decimal) lines;
# fails, saying so, for a device that is not named or does not exist.
dax_ranges() {
	local m s
	if [ -z "$1" ] || [ ! -d "$DAX_BASE/$1" ]; then
		echo "# dax_ranges: no device '$1'" >&2
		return 1
	fi
	if [ -e "$DAX_BASE/$1/mapping0" ]; then
		for m in "$DAX_BASE/$1"/mapping[0-9]*; do
			get "$m/start"; s=$((REPLY))
			get "$m/end"; echo "$s" $((REPLY))
		done
	else
		get "$DAX_BASE/$1/resource"; s=$((REPLY))
		get "$DAX_BASE/$1/size"; echo "$s" $((s + REPLY - 1))
	fi
}

# blocks_of RANGE -- the memoryN names covering "start-end" (hex).
blocks_of() {
	local i
	block_indices "$1"
	for i in "${BLOCKS[@]}"; do echo "memory$i"; done
}

# block_indices RANGE -- set the array BLOCKS to the indices N of the memoryN
# covering "start-end" (hex); fails, saying so, with no blocks for anything
# else (an empty range from a failed lookup must not read as memory0).
block_indices() {
	local bs s e i
	BLOCKS=()
	if [[ ! $1 =~ ^[0-9a-f]+-[0-9a-f]+$ ]]; then
		echo "# block_indices: not a range: '$1'" >&2
		return 1
	fi
	block_size
	bs=$REPLY s=$((0x${1%-*})) e=$((0x${1#*-}))
	for (( i = s / bs; i <= e / bs; i++ )); do BLOCKS+=("$i"); done
}

# distinct FILE RANGE -- set the array DISTINCT to the distinct first lines
# of FILE in the blocks covering RANGE ("missing" for a block without FILE),
# in the order of sort(1) in the C locale: bash's [[ < ]], an insertion sort
# of a handful of values. A RANGE that is not one gives "no-range", which no
# test expects.
distinct() {
	local i j v
	local -A seen=()
	DISTINCT=()
	block_indices "$2" || { DISTINCT=(no-range); return 1; }
	for i in "${BLOCKS[@]}"; do
		get "$MEM_BASE/memory$i/$1" 2>/dev/null || REPLY=missing
		v=$REPLY
		[ -z "${seen[_$v]+1}" ] || continue
		seen[_$v]=1
		for (( j = ${#DISTINCT[@]}; j > 0; j-- )); do
			[[ ${DISTINCT[j - 1]} > $v ]] || break
			DISTINCT[j]=${DISTINCT[j - 1]}
		done
		DISTINCT[j]=$v
	done
}

# blocks_state RANGE -- the distinct states of the blocks covering RANGE,
# space separated.
blocks_state() { distinct state "$1"; echo "${DISTINCT[*]}"; }

# wait_blocks RANGE -- wait up to 10 s for every memory block covering RANGE
# to exist. A device bound by an asynchronous probe (dax_cxl's) links to its
# driver before the probe has run, so the probe may still be adding memory.
wait_blocks() {
	local i b
	block_indices "$1"
	for (( i = 0; i < 100; i++ )); do
		for b in "${BLOCKS[@]}"; do
			[ -e "$MEM_BASE/memory$b" ] || break
		done
		[ -e "$MEM_BASE/memory$b" ] && return 0
		sleep 0.1
	done
	return 1
}

# blocks_zones RANGE -- the distinct zones of the blocks covering RANGE, one
# a line.
blocks_zones() { distinct valid_zones "$1"; printf '%s\n' "${DISTINCT[@]}"; }

# tier_of NODE -- the memory_tierN directories listing NODE.
tier_of() {
	local t out=
	for t in "$TIERS"/memory_tier*; do
		get "$t/nodelist" 2>/dev/null || continue
		[[ $REPLY =~ ^(([0-9,-]*,)?$1(,[0-9,-]*)?|([0-9]+-)?$1|$1-[0-9]+)$ ]] &&
			out+=${out:+ }${t##*/}
	done
	echo "$out"
}

# vmstat NAME -- set REPLY to the /proc/vmstat counter NAME (0 if absent).
vmstat() {
	local k v
	REPLY=0
	while read -r k v; do [ "$k" = "$1" ] && { REPLY=$v; return; }; done </proc/vmstat
}

# demoted [NODE] -- set REPLY to the pages demoted so far from NODE (default
# 0), by kswapd and directly: the node's own counters, which reclaim counts
# on the node it reclaims (mm/vmscan.c). /proc/vmstat's sum went down by
# thousands once a CXL node had been removed and added again.
demoted() {
	local k v a=0
	while read -r k v; do
		case $k in pgdemote_kswapd|pgdemote_direct) a=$((a + v)) ;; esac
	done <"/sys/devices/system/node/node${1:-0}/vmstat"
	REPLY=$a
}

# node_free_mib NODE -- set REPLY to NODE's free memory in MiB.
node_free_mib() {
	local a b k v
	REPLY=0
	while read -r a b k v _; do
		[ "$k" = MemFree: ] && { REPLY=$((v / 1024)); return; }
	done <"/sys/devices/system/node/node$1/meminfo"
}

# count_on NODE ANSWER -- the pages on NODE in a bin/pattern answer.
count_on() { grep -o "[=,]$1:[0-9]*" <<<"$2" | cut -d: -f2 | grep . || echo 0; }

# pressure_start NODE MIB -- start a bin/pattern bound to NODE and fill MIB
# with it; set REPLY to its answer. It talks through FIFOs (bash has one
# coprocess at a time), and holds its memory until pressure_stop.
pressure_start() {
	rm -f /tmp/pressure.in /tmp/pressure.out
	mkfifo /tmp/pressure.in /tmp/pressure.out
	"$KMEM_TESTS/bin/pattern" "$1" "$2" </tmp/pressure.in >/tmp/pressure.out &
	PRESSURE_PID=$!
	exec {PRESSURE_IN}>/tmp/pressure.in
	echo fill >&"$PRESSURE_IN"
	read -r REPLY </tmp/pressure.out
}

# pressure_stop -- end pressure_start's process, freeing its memory.
pressure_stop() {
	# (Not to a process that is gone: the write would be a SIGPIPE.)
	kill -0 "$PRESSURE_PID" 2>/dev/null && echo quit >&"$PRESSURE_IN"
	exec {PRESSURE_IN}>&-
	wait "$PRESSURE_PID"
	rm -f /tmp/pressure.in /tmp/pressure.out
}

# view FILE DEV -- DEV's lines of the view's FILE, without the leading name;
# fails if FILE cannot be read to its end (read_lines) or DEV is not named.
# Read it with "$(view ...)", not <(view ...): a process substitution ends
# when it ends, and bash's SIGCHLD for it can land in a later write that
# offlines memory, which offline_pages() then gives up with EINTR
# (selfcheck.sh's unbind left memory online so, once).
view() {
	local line
	[ -n "$2" ] || { echo "# view: no device named" >&2; return 1; }
	read_lines "$VIEW/$1" || return 1
	for line in "${FLINES[@]}"; do
		[ "${line%% *}" = "$2" ] && echo "${line#* }"
	done
	return 0
}

# lists DEV -- whether a view file's text on standard input has a line of DEV.
lists() {
	local line
	[ -n "$1" ] || { echo "# lists: no device named" >&2; return 2; }
	while IFS= read -r line; do
		[ "${line%% *}" = "$1" ] && return 0
	done
	return 1
}

# view_lists FILE DEV -- the view's FILE can be read to its end and has a
# line of DEV: 0 if it has, 1 if it has not, 2 if it cannot be read or DEV
# is not named.
view_lists() {
	local line
	[ -n "$2" ] || { echo "# view_lists: no device named" >&2; return 2; }
	read_lines "$VIEW/$1" || return 2
	for line in "${FLINES[@]}"; do
		[ "${line%% *}" = "$2" ] && return 0
	done
	return 1
}

# view_omits FILE... DEV -- at least one FILE is named, and every FILE of the
# view can be read to its end and has no line of DEV.
view_omits() {
	local dev=${*: -1} f
	(( $# >= 2 )) || { echo "# view_omits: no file named" >&2; return 1; }
	for f in "${@:1:$#-1}"; do
		view_lists "$f" "$dev"
		[ $? = 1 ] || return 1
	done
}

# unbind_any DEV -- unbind DEV from whichever driver it is bound to, if any.
unbind_any() {
	bound_to "$1"
	[ -z "$REPLY" ] || write_to "$DAX_DRIVERS/$REPLY/unbind" "$1"
}

# to_kmem DEV -- move DEV from device_dax to kmem through sysfs; print "ok"
# or, as new_id ignores a failing probe, the error of an explicit bind.
to_kmem() {
	bound_to "$1" || { echo "to_kmem: no device named"; return 1; }
	[ "$REPLY" = device_dax ] && write_to $DAX_DRIVERS/device_dax/unbind "$1"
	write_to $DAX_DRIVERS/kmem/new_id "$1"
	bound_to "$1"
	if [ "$REPLY" = kmem ]; then echo ok; else write_errno $DAX_DRIVERS/kmem/bind "$1"; fi
}

# dax_create SIZE -- create a device of SIZE in dax region 0 with daxctl;
# print its name.
dax_create() { daxctl create-device -r 0 -s "$1" 2>/dev/null | jq -r '.[0].chardev'; }

# dax_destroy DEV -- disable and destroy DEV with daxctl.
dax_destroy() { daxctl disable-device "$1" >/dev/null 2>&1; daxctl destroy-device "$1" >/dev/null 2>&1; }

# dax_carve SIZE -- what `daxctl create-device -r 0 -s SIZE` does, through the
# sysfs ABI of the dax region $REGION (the test sets it): a new device (the
# region's create), given SIZE (NNNM) and bound to device_dax by name
# (new_id), as daxctl enables it; print its name. A daxctl run costs the
# debug guest about 2 s (libdaxctl reads the whole bus), these writes a few
# milliseconds.
dax_carve() {
	local dev
	write_to "$REGION/create" 1
	[ "$REPLY" = ok ] || { echo "# dax_carve: create: $REPLY" >&2; return 1; }
	get "$REGION/create"
	dev=$REPLY
	write_to "$DAX_BASE/$dev/size" $(( ${1%M} << 20 ))
	[ "$REPLY" = ok ] || { echo "# dax_carve: $dev size $1: $REPLY" >&2; return 1; }
	write_to "$DAX_DRIVERS/device_dax/new_id" "$dev"
	bound_to "$dev"
	[ "$REPLY" = device_dax ] || { echo "# dax_carve: $dev bound to '$REPLY'" >&2; return 1; }
	echo "$dev"
}

# dax_drop DEV -- what `daxctl disable-device` and `destroy-device` do:
# unbind DEV, free its memory and delete it from $REGION.
dax_drop() {
	unbind_any "$1"
	write_to "$DAX_BASE/$1/size" 0
	write_to "$REGION/delete" "$1"
}

# write_errno FILE VALUE -- write VALUE to FILE; print "ok" or the error text.
write_errno() { write_to "$1" "$2"; echo "$REPLY"; }

# write_to FILE VALUE -- write VALUE to FILE; set REPLY to "ok" or the error
# text. Bash's message goes to a file of this (sub)shell, left in /tmp for
# the next write: capturing it with $( ) would fork. An empty FILE or VALUE
# writes nothing (printf would make no write(2) at all): REPLY says so, and
# it fails.
write_to() {
	local err=/tmp/kmem-write-err.$BASHPID
	if [ -z "$1" ] || [ -z "$2" ]; then
		REPLY="write_to: nothing to write (file '$1', value '$2')"
		echo "# $REPLY" >&2
		return 1
	fi
	if { printf '%s' "$2" >"$1"; } 2>"$err"; then
		REPLY=ok
	else
		slurp "$err"
		REPLY=${REPLY##*: }
	fi
}

# unplug_retry DEV -- write unplugged to DEV's state, retrying up to four times
# while it fails with EBUSY (a block briefly holding a page that cannot be
# migrated yet); print "ok" or the last error text.
unplug_retry() {
	local try err
	for try in 1 2 3 4; do
		write_to "$DAX_BASE/$1/state" unplugged
		err=$REPLY
		[ "$err" = "Device or resource busy" ] || break
		sleep 1
	done
	echo "$err"
}

# CXL (the CXL guest, qemu/run --pmem cxl).
CXL_BASE=/sys/bus/cxl/devices
CXL_DRIVERS=/sys/bus/cxl/drivers

# cxl_regions -- the CXL regions that exist, one name a line.
cxl_regions() {
	local r
	for r in "$CXL_BASE"/region*; do [ -e "$r" ] && echo "${r##*/}"; done
	return 0
}

# cxl_root_decoder -- the first root decoder that can hold a RAM region.
cxl_root_decoder() {
	local d
	for d in "$CXL_BASE"/decoder0.*; do
		get "$d/cap_ram" 2>/dev/null && [ "$REPLY" = 1 ] && { echo "${d##*/}"; return 0; }
	done
	return 1
}

# cxl_free_decoder MEM -- the lowest endpoint decoder of memory device MEM
# with no capacity allocated (the kernel allocates in decoder order).
cxl_free_decoder() {
	local ep d
	for ep in "$CXL_BASE"/endpoint*; do
		[ "$(basename "$(readlink -f "$ep/uport")")" = "$1" ] || continue
		for d in $(ls -d "$ep"/decoder* | sort -t. -k2 -n); do
			[ "$(( $(cat "$d/dpa_size") ))" = 0 ] && { basename "$d"; return 0; }
		done
	done
	return 1
}

# cxl_dax_of REGION -- the dax device of REGION (made by dax_cxl, which
# probes asynchronously: waits up to 10 s).
cxl_dax_of() {
	local i d
	for i in $(seq 100); do
		for d in "$CXL_BASE/dax_$1"/dax*.*; do
			[ -e "$d" ] && { basename "$d"; return 0; }
		done
		sleep 0.1
	done
	return 1
}

# cxl_step FILE VALUE -- one write of the CXL sysfs ABI; on failure say which
# and fail.
cxl_step() {
	local r
	write_to "$1" "$2"
	r=$REPLY
	[ "$r" = ok ] || { echo "# cxl: ${1#"$CXL_BASE"/} <- '$2': $r" >&2; return 1; }
}

# cxl_region_create MEM... -- a RAM region over all of each MEM's volatile
# capacity, interleaved across the MEMs in the order given, committed and
# bound to cxl_region, so that dax_cxl makes its dax device. Tries the cxl
# command first; Debian 12's (ndctl 76.1) cannot make RAM regions ("region
# type 'ram' not supported yet", exit status 0), so then the kernel's sysfs
# ABI, which is what the cxl command drives; the cxl command is tried once a
# boot. Prints the region's name.
cxl_region_create() {
	local rd before region r m ep i msize size=0 eps=()
	rd=$(cxl_root_decoder) || { echo "# cxl: no root decoder for RAM" >&2; return 1; }
	# A cxl command that could not make a RAM region is not asked again in
	# this boot: each run costs seconds under TCG.
	if [ ! -e /tmp/kmem-cxl-no-ram-region ]; then
		before=$(cxl_regions)
		cxl create-region -t ram -d "$rd" -w $# -m "$@" >/dev/null 2>&1
		region=$(cxl_regions | grep -vxF "${before:-none}" | head -n1)
		if [ -n "$region" ] && get "$CXL_BASE/$region/commit" && [ "$REPLY" = 1 ]; then
			echo "# cxl: $region made by the cxl command" >&2
			echo "$region"
			return 0
		fi
		[ -z "$region" ] || cxl_region_destroy "$region" >&2
		: >/tmp/kmem-cxl-no-ram-region
	fi
	get "$CXL_BASE/$rd/create_ram_region"
	region=$REPLY
	cxl_step "$CXL_BASE/$rd/create_ram_region" "$region" || return 1
	r=$CXL_BASE/$region
	cxl_step "$r/interleave_ways" $# || return 1
	get "$CXL_BASE/$rd/interleave_granularity"
	cxl_step "$r/interleave_granularity" "$REPLY" || return 1
	for m in "$@"; do
		ep=$(cxl_free_decoder "$m") || { echo "# cxl: $m has no free endpoint decoder" >&2; return 1; }
		cxl_step "$CXL_BASE/$ep/mode" ram || return 1
		get "$CXL_BASE/$m/ram/size"
		msize=$((REPLY))
		cxl_step "$CXL_BASE/$ep/dpa_size" "$msize" || return 1
		size=$(( size + msize ))
		eps+=("$ep")
	done
	cxl_step "$r/size" "$size" || return 1
	for i in "${!eps[@]}"; do
		cxl_step "$r/target$i" "${eps[$i]}" || return 1
	done
	cxl_step "$r/commit" 1 || return 1
	[ -e "$r/driver" ] || cxl_step "$CXL_DRIVERS/cxl_region/bind" "$region" || return 1
	echo "# cxl: $region made through sysfs: ${eps[*]}, $((size >> 20)) MiB at $(cat "$r/resource")" >&2
	echo "$region"
}

# cxl_region_destroy REGION -- undo cxl_region_create: unbind the region
# (which removes its dax device), decommit it, detach its endpoint decoders
# and free their capacity, delete it. Prints nothing on success.
cxl_region_destroy() {
	local r=$CXL_BASE/$1 rd t ep eps=()
	[ -d "$r" ] || { echo "# cxl: no region $1"; return 1; }
	rd=$(basename "$(readlink -f "$r/..")")
	[ ! -e "$r/driver" ] || cxl_step "$CXL_DRIVERS/cxl_region/unbind" "$1" || return 1
	cxl_step "$r/commit" 0 || return 1
	for t in "$r"/target[0-9]*; do
		get "$t"
		ep=$REPLY
		[ -n "$ep" ] || continue
		eps=("$ep" "${eps[@]}")
		# A lone newline detaches the position's decoder.
		cxl_step "$t" $'\n' || return 1
	done
	for ep in "${eps[@]}"; do
		cxl_step "$CXL_BASE/$ep/dpa_size" 0 || return 1
	done
	cxl_step "$CXL_BASE/$rd/delete_region" "$1" || return 1
}
