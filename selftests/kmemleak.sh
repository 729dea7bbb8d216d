#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No leak since the session started: run_guest.sh clears kmemleak's list at
# the start (boot-time objects are not ours to judge); this scans twice and
# expects no new suspected leak. Run last in a session.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
KL=/sys/kernel/debug/kmemleak

ktap_print_header
if [ ! -w $KL ]; then
	ktap_skip_all "kmemleak is not enabled in this kernel"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 1
# Objects younger than 5 s are not reported; let the last test's settle.
sleep 6
echo scan >$KL
echo scan >$KL
report=$(cat $KL)
n=$(grep -c '^unreferenced object' <<<"$report")
if [ "$n" = 0 ]; then
	ktap_test_pass "kmemleak: no suspected leak"
else
	ktap_test_fail "kmemleak: $n suspected leaks"
	sed 's/^/# /' <<<"$report" | head -n 60
fi
ktap_finished
