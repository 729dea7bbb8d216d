#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The driver's Rust KUnit tests (range alignment, state parsing and
# transitions, how a reservation conflict is described) run when the module
# loads; this reports every case of their suites, read back from debugfs, as
# one KTAP result each, after one result per suite saying that it ran the
# number of cases it has. The suites and their counts are listed here, so a
# suite that vanishes or loses cases fails, and the plan is fixed.
. "${0%/*}/lib.sh"
KUNIT=/sys/kernel/debug/kunit
# SUITE:CASES
SUITES="kmem_rs_state:6 kmem_rs_range:4 kmem_rs_resource:5"

plan=0
for sc in $SUITES; do plan=$(( plan + 1 + ${sc#*:} )); done
ktap_print_header
ktap_set_plan "$plan"
unload_kmem
if ! load_kmem rust; then
	ktap_test_fail "modprobe kmem"
	ktap_finished
fi
cases=()
for sc in $SUITES; do
	s=${sc%%:*} want=${sc#*:}
	lines=$(grep -E '^ +(not )?ok [0-9]+ ' "$KUNIT/$s/results" 2>/dev/null)
	got=$(grep -c . <<<"$lines")
	[ -n "$lines" ] || got=0
	if [ "$got" = "$want" ]; then
		cases+=("ok - $s ran its $want cases")
	else
		cases+=("not ok - $s ran $got cases, expected $want")
	fi
	while read -r line; do
		# "ok N name" lines of the cases are indented; the suite's own is not.
		[ -n "$line" ] && cases+=("$(sed -E "s/^(not )?ok [0-9]+ /\1ok - $s./" <<<"$line")")
	done <<<"$lines"
done
for c in "${cases[@]}"; do
	if [[ $c == ok* ]]; then ktap_test_pass "${c#ok - }"; else ktap_test_fail "${c#not ok - }"; fi
done
unload_kmem
ktap_finished
