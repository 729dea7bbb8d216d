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
# SUITE:CASES. The extras' suites are in the module only with its extras:
# built with EXTRAS=0, each must be absent (no directory in debugfs/kunit).
SUITES="kmem_rs_state:5 kmem_rs_range:4"
EXTRA_SUITES="kmem_rs_resource:5 kmem_rs_takeover:1 kmem_rs_tier:3"
extras_built && SUITES+=" $EXTRA_SUITES"

plan=0
for sc in $SUITES; do plan=$(( plan + 1 + ${sc#*:} )); done
extras_built || plan=$(( plan + $(wc -w <<<"$EXTRA_SUITES") ))
ktap_print_header
ktap_set_plan "$plan"
unload_kmem
if ! load_kmem rust; then
	ktap_test_fail "modprobe kmem"
	ktap_finished
fi
cases=()
# A case's line: "    ok N name" or "    not ok N name", indented.
case_re='^ +(not )?ok [0-9]+ (.*)$'
for sc in $SUITES; do
	s=${sc%%:*} want=${sc#*:} got=0 found=()
	if [ -r "$KUNIT/$s/results" ]; then
		while IFS= read -r line; do
			[[ $line =~ $case_re ]] || continue
			got=$((got + 1))
			found+=("${BASH_REMATCH[1]}ok - $s.${BASH_REMATCH[2]}")
		done <"$KUNIT/$s/results"
	fi
	if [ "$got" = "$want" ]; then
		cases+=("ok - $s ran its $want cases")
	else
		cases+=("not ok - $s ran $got cases, expected $want")
	fi
	cases+=("${found[@]}")
done
if ! extras_built; then
	for sc in $EXTRA_SUITES; do
		s=${sc%%:*}
		if [ -e "$KUNIT/$s" ]; then
			cases+=("not ok - $s: an extra's suite, in a module built with EXTRAS=0")
		else
			cases+=("ok - $s: absent, as the module was built with EXTRAS=0")
		fi
	done
fi
for c in "${cases[@]}"; do
	if [[ $c == ok* ]]; then ktap_test_pass "${c#ok - }"; else ktap_test_fail "${c#not ok - }"; fi
done
unload_kmem
ktap_finished
