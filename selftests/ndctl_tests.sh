#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ndctl's own tests, unmodified, against one of the two kmem modules:
#   ndctl_tests.sh rust|c [TEST...]
# TEST is a script of ndctl's test/ directory (default daxctl-devices.sh).
# The repository has no copy of ndctl: the line below makes the host runner
# (scripts/run-tests.sh) fetch ndctl's upstream source from Debian's source
# archive into the cache (scripts/fetch-ndctl.sh) and give its test/
# directory to the guest as /kselftests/ndctl, before the guest boots.
# kmem-rs-add: echo "$(scripts/fetch-ndctl.sh)/test:/kselftests/ndctl"
#
# Each script runs as ndctl's meson does: by path (its shebang's flags
# matter: daxctl-devices.sh relies on `bash -E` for its ERR trap, and run as
# `bash FILE` it passes whatever happens), or with its shebang's interpreter
# if the tarball left it not executable, with NDCTL, DAXCTL and CXL naming
# the guest's binaries (Debian 12's ndctl 76.1). The guest is the labelled
# NVDIMM (qemu/run --nvdimm-labels, 4 GiB): what daxctl-devices.sh needs.
# It exits 77 for any failure before its checks begin (no kmem module, no
# namespace, a namespace it cannot carve): here that is a failure, as is any
# status but 0. Tests that need a mock module this kernel lacks (cxl_test,
# from tools/testing/cxl) are skipped when they exit 77 and the module is
# indeed missing.
# daxctl-devices.sh carves a 4 GiB namespace from the first namespace ndctl
# lists on the ACPI.NFIT bus, which is the region's idle seed: so the
# namespace /init made is destroyed first (ndctl destroy-namespace), and
# made again after (ndctl create-namespace -m devdax), so that the guest is
# as it promises for what runs next. The loaded kmem is the one that runs:
# daxctl loads one only if none is (libkmod), and never unloads it.
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
shift
TESTS=("$@")
((${#TESTS[@]})) || TESTS=(daxctl-devices.sh)
NT=/kselftests/ndctl
REGION=/sys/bus/nd/devices/region0
# The mock modules a test needs, and cannot run without.
declare -A NEEDS=([daxctl-create.sh]=cxl_test [cxl-destroy-region.sh]=cxl_test)

# loaded_is WHICH -- the loaded kmem module is that one.
loaded_is() {
	case $1 in rust) is_ours ;; c) is_c_kmem ;; *) return 1 ;; esac
}

# run_ndctl TEST -- run ndctl's TEST from its directory as meson does; set
# rc to its exit status and print its output as KTAP comments.
run_ndctl() {
	local line shebang
	local -a cmd=("./$1")
	if [ ! -x "$NT/$1" ]; then
		IFS= read -r shebang <"$NT/$1"
		read -ra cmd <<<"${shebang#\#!}"
		cmd+=("./$1")
	fi
	echo "# running ndctl's $1: ${cmd[*]}"
	(cd "$NT" && NDCTL=/usr/bin/ndctl DAXCTL=/usr/bin/daxctl CXL=/usr/bin/cxl "${cmd[@]}") \
		>/tmp/ndctl-test.out 2>&1
	rc=$?
	read_lines /tmp/ndctl-test.out
	for line in "${FLINES[@]}"; do echo "# $1: $line"; done
	echo "# $1 exited $rc"
}

# said TEXT -- the last test's output has a line TEXT.
said() {
	local line
	for line in "${FLINES[@]}"; do [ "$line" = "$1" ] && return 0; done
	return 1
}

# last_word -- set REPLY to the last line of the last test's output that is
# neither empty nor bash's trace (-x) of a command.
last_word() {
	local line
	REPLY=
	for line in "${FLINES[@]}"; do
		[[ -z $line || $line == +* ]] || REPLY=$line
	done
}

ktap_print_header
require nvdimm-labels "ndctl's tests in $NT (fetched by scripts/fetch-ndctl.sh)" \
	test -f "$NT/common" -a -f "$NT/daxctl-devices.sh"
get "$REGION/nstype" 2>/dev/null
require nvdimm-labels "region0 with initialised labels (nstype 5, ND_DEVICE_NAMESPACE_PMEM; seen '$REPLY')" \
	test "$REPLY" = 5
plan=2
for t in "${TESTS[@]}"; do
	case $t in daxctl-devices.sh) plan=$((plan + 9)) ;; *) plan=$((plan + 1)) ;; esac
done
ktap_set_plan "$plan"

unload_kmem
load_kmem "$WHICH"
check "the $WHICH kmem is loaded" loaded_is "$WHICH"
for t in "${TESTS[@]}"; do
	if [ "$t" != daxctl-devices.sh ]; then
		run_ndctl "$t"
		need=${NEEDS[$t]}
		if [ "$rc" = 77 ] && [ -n "$need" ] && ! modinfo "$need" >/dev/null 2>&1; then
			last_word
			ktap_test_skip "ndctl's $t: needs $need, a mock module this kernel does not have (exit 77: '$REPLY')"
		else
			expect_eq "ndctl's $t exits 0" 0 "$rc"
		fi
		continue
	fi
	out=$(ndctl destroy-namespace -f all -b ACPI.NFIT 2>&1)
	get "$REGION/available_size"
	check "room for its 4 GiB namespace: ndctl destroy-namespace -f all -b ACPI.NFIT ($out; region0 has $REPLY bytes free)" \
		test "$REPLY" -ge $((4 << 30))
	get "$MEM_BASE/auto_online_blocks"; policy=$REPLY
	run_ndctl "$t"
	expect_eq "ndctl's $t exits 0 (77, its skip, is a failure in this guest)" 0 "$rc"
	check "it saw ndctl disable-namespace refused while the memory was System RAM" \
		said "disable-namespace failed as expected"
	check "it saw daxctl reconfigure-device -N refused under the online policy" \
		said "reconfigure failed as expected"
	check "the $WHICH kmem is still the one loaded" loaded_is "$WHICH"
	expect_file "auto_online_blocks is as before" "$policy" "$MEM_BASE/auto_online_blocks"
	check "no System RAM (kmem) is left in /proc/iomem" lacks 'System RAM \(kmem\)' /proc/iomem
	out=$(ndctl create-namespace -m devdax 2>&1)
	expect_eq "the guest's namespace again, ndctl create-namespace -m devdax: dax0.0 on device_dax" \
		device_dax "$(driver_of dax0.0)"
	[ "$(driver_of dax0.0)" = device_dax ] || echo "# ndctl create-namespace -m devdax: $out"
	get $DAX_BASE/dax0.0/size 2>/dev/null
	check "dax0.0 is 4 GiB less its memmap and alignment (seen $REPLY bytes)" \
		test "${REPLY:-0}" -gt $((3 << 30))
done
unload_kmem
check "rmmod kmem" test ! -d /sys/module/kmem
ktap_finished
