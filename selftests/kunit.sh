#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The driver's Rust KUnit tests (range alignment, state parsing and
# transitions, which resources a reservation conflict names) run when the
# module loads; this reports every case of their suites, read back from
# debugfs, as one KTAP result each.
. "$(dirname "$(readlink -f "$0")")/lib.sh"
KUNIT=/sys/kernel/debug/kunit
SUITES="kmem_rs_state kmem_rs_hotplug kmem_rs_resource"

ktap_print_header
unload_kmem
if ! load_kmem rust; then
	ktap_set_plan 1
	ktap_test_fail "modprobe kmem"
	ktap_finished
fi
cases=()
for s in $SUITES; do
	[ -r "$KUNIT/$s/results" ] || { cases+=("not ok - $s: no results in debugfs"); continue; }
	while read -r line; do
		case $line in
		"ok "*|"not ok "*)
			# "ok N name" lines of the cases are indented; the suite's own is not.
			cases+=("$(sed -E "s/^(not )?ok [0-9]+ /\1ok - $s./" <<<"$line")") ;;
		esac
	done < <(grep -E '^ +(not )?ok [0-9]+ ' "$KUNIT/$s/results")
done
ktap_set_plan ${#cases[@]}
for c in "${cases[@]}"; do
	if [[ $c == ok* ]]; then ktap_test_pass "${c#ok - }"; else ktap_test_fail "${c#not ok - }"; fi
done
unload_kmem
ktap_finished
