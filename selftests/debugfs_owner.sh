#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An open kernel::debugfs file and its module's unload (the bug
# kernel/patches/0005 fixes). The test module is the kernel's own sample
# rust_debugfs_scoped, which creates rust_scoped_debugfs/control/create
# with kernel::debugfs when it loads. 7.3.4 builds the file operations of
# kernel::debugfs with owner NULL, so an open file does not keep the module
# loaded: rmmod succeeds, and closing the file afterwards runs
# full_proxy_release() on the freed module's operations (KASAN, then an
# oops). On the patched kernel (kmem_rs.flavor=patched) the operations are
# owned by the module: rmmod is refused while the file is open, and works
# once it is closed.
#
# On the stock kernel the file stays open, held by a process that outlives
# the session (the guest powers off without closing it), so that the freed
# operations are never called: the test records the bug without setting it
# off. Run it last in a session but for kmemleak.sh.
. "${0%/*}/lib.sh"
MOD=rust_debugfs_scoped
F=/sys/kernel/debug/rust_scoped_debugfs/control/create
KUNIT=/sys/kernel/debug/kunit

# suite_passed SUITE -- KUnit ran SUITE and its result, the last line of
# $KUNIT/SUITE/results, is "ok N SUITE".
suite_passed() {
	slurp "$KUNIT/$1/results" || return 1
	local last=${REPLY##*$'\n'}
	[[ $last =~ ^ok\ [0-9]+\ $1$ ]] && return 0
	echo "# $KUNIT/$1/results ends: ${last:-nothing}" >&2
	return 1
}

ktap_print_header
require_module() { modinfo "$MOD" >/dev/null 2>&1; }
# The debug kernels' config builds the sample (kernel/debug.config).
if ! require_module; then
	debug_flavor && fail_all "the debug kernel has the $MOD sample module (seen: modinfo $MOD fails)"
	ktap_skip_all "needs the $MOD sample module (CONFIG_SAMPLE_RUST_DEBUGFS_SCOPED=m)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 6
check "modprobe $MOD" modprobe "$MOD"
check "it made $F" test -e "$F"
if patched_kernel; then
	exec 3>>"$F"
	check "rmmod $MOD is refused while $F is open (kernel/patches/0005)" \
		eval '! rmmod '"$MOD"' 2>/dev/null && [ -d /sys/module/'"$MOD"' ]'
	exec 3>&-
	check "rmmod $MOD once the file is closed" rmmod "$MOD"
	check "the module is gone" test ! -d "/sys/module/$MOD"
	# The patch's KUnit case, built into the kernel crate, ran at boot. Its
	# result is read from KUnit's debugfs, not from the kernel log, which
	# an earlier test of the session may have cleared (dax_kselftest.sh).
	check "KUnit at boot: ok rust_kernel_debugfs (every kind of file owned by its module)" \
		suite_passed rust_kernel_debugfs
else
	# The holder keeps the file open until the guest powers off.
	sleep 1000000 3>>"$F" &
	holder=$!
	# The shell opens the file in the child, after the fork: wait for it.
	for _ in $(seq 50); do [ -e "/proc/$holder/fd/3" ] && break; sleep 0.1; done
	check "a process holds $F open" test -e "/proc/$holder/fd/3"
	check "stock 7.3.4: rmmod $MOD succeeds while $F is open (the bug)" rmmod "$MOD"
	check "the module is gone, the file still open" \
		test ! -d "/sys/module/$MOD" -a -e "/proc/$holder/fd/3"
	check "stock 7.3.4 has no KUnit suite rust_kernel_debugfs" \
		test -d "$KUNIT" -a ! -e "$KUNIT/rust_kernel_debugfs"
fi
ktap_finished
