#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No leak since the session started: run_guest.sh clears kmemleak's list at
# the start (boot-time objects are not ours to judge); this scans twice and
# expects no new suspected leak. Run last in a session.
# A kmemleak that is off passes nothing: both scans must be accepted (a
# disabled kmemleak refuses them with EPERM, and its list is then empty),
# and the kernel log must not say it disabled itself (it does on an error
# of its own, such as a failed allocation of its metadata). In the debug
# flavor, whose config enables it, a missing kmemleak file is a failure.
. "${0%/*}/lib.sh"
KL=/sys/kernel/debug/kmemleak

ktap_print_header
if [ ! -e $KL ]; then
	debug_flavor && fail_all "the debug kernel has kmemleak (seen: no $KL)"
	ktap_skip_all "kmemleak is not enabled in this kernel"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 4
# Objects younger than 5 s are not reported: the second scan must start at
# least 6 s after the last test ended. The first scan takes longer than that
# in the debug guest (about 10 s), so the wait is only what is left of 6 s.
t0=$SECONDS
write_to $KL scan
expect_eq "kmemleak accepts the first scan" ok "$REPLY"
(( SECONDS - t0 >= 6 )) || sleep $(( 6 - (SECONDS - t0) ))
write_to $KL scan
expect_eq "kmemleak accepts the second scan" ok "$REPLY"
off=$(dmesg | grep -E 'kmemleak: (Kernel memory leak detector disabled|Kmemleak disabled|Cannot allocate|Memory pool empty|Cannot insert)')
expect_eq "the kernel log never says kmemleak disabled itself" "" "$off"
if ! slurp $KL; then
	ktap_test_fail "kmemleak: the report can be read"
else
	report=$REPLY
	n=$(grep -c '^unreferenced object' <<<"$report")
	if [ "$n" = 0 ]; then
		ktap_test_pass "kmemleak: no suspected leak"
	else
		ktap_test_fail "kmemleak: $n suspected leaks"
		sed 's/^/# /' <<<"$report" | head -n 60
	fi
fi
ktap_finished
