#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No leak since the session started: run_guest.sh clears kmemleak's list at
# the start (boot-time objects are not ours to judge); this scans twice and
# expects no new suspected leak. Run last in a session.
. "${0%/*}/lib.sh"
KL=/sys/kernel/debug/kmemleak

ktap_print_header
if [ ! -w $KL ]; then
	ktap_skip_all "kmemleak is not enabled in this kernel"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 1
# Objects younger than 5 s are not reported: the second scan must start at
# least 6 s after the last test ended. The first scan takes longer than that
# in the debug guest (about 10 s), so the wait is only what is left of 6 s.
t0=$SECONDS
echo scan >$KL
(( SECONDS - t0 >= 6 )) || sleep $(( 6 - (SECONDS - t0) ))
echo scan >$KL
slurp $KL; report=$REPLY
n=$(grep -c '^unreferenced object' <<<"$report")
if [ "$n" = 0 ]; then
	ktap_test_pass "kmemleak: no suspected leak"
else
	ktap_test_fail "kmemleak: $n suspected leaks"
	sed 's/^/# /' <<<"$report" | head -n 60
fi
ktap_finished
