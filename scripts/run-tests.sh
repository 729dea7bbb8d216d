#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The host-side test runner behind `make check`: sets up, builds the kernel
# and the module, runs the host-side gates (scripts/gates.sh: clippy,
# rustfmt, checkpatch), boots one guest per line of selftests/sessions, collects
# every test's KTAP from the console and prints per-test results and the line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
#   scripts/run-tests.sh [--flavor debug|release|patched] [--sessions FILE]
#                        [--jobs N] [--only SESSION]... [--extras 0|1]
#
# FILE defaults to selftests/sessions; `make stress` uses
# selftests/sessions.stress, with longer counts. A test that needs files
# from the host names a command that provides them in a "# kmem-rs-add:"
# line (session_adds, below).
# --jobs N boots up to N guests at once (default: KMEM_JOBS, else one per
# host CPU, at most one per 8 GiB of host memory). Each guest runs QEMU's
# single-threaded TCG, so it keeps one host CPU busy and no more. The results
# are printed in the sessions file's order whatever the finishing order.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=debug only=() sessions=selftests/sessions jobs=${KMEM_JOBS:-} extras=1
while (($#)); do
	case $1 in
	--flavor) flavor=$2; shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	--sessions) sessions=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--extras) extras=$2; shift 2 ;;
	*) die "usage: $0 [--flavor debug|release|patched] [--sessions FILE] [--jobs N] [--only SESSION]... [--extras 0|1]" ;;
	esac
done

cd "$KMEM_ROOT"
total_start=$(date +%s)
# The crate is one rustc run: the test programs and the claim module build
# beside it (a clean clone: 8 s with -j2, 14 s without).
make --no-print-directory -j"$(nproc)" FLAVOR="$flavor" EXTRAS="$extras" module progs >&2
mkdir -p out
# This run's results: a file of its own, so that two runs at once (two
# `make check T=...` of different sessions) do not count each other's;
# copied to out/results-$flavor.txt at the end.
results=$(mktemp "out/results-$flavor.run.XXXXXX")
trap 'rm -f "$results"' EXIT
# Host-side gates (clippy, rustfmt, checkpatch, install, rust-analyzer):
# result lines of their own, listed first; a failed gate fails the run.
# They run beside the guests, which have the module built above, and take
# one of the $jobs places below as a guest does (a TCG guest keeps one host
# CPU busy): with one session (`make check T=...`) the guest boots while
# they run; with more, the second guest starts when they end.
gates=$(mktemp "out/gates-$flavor.run.XXXXXX")
trap 'rm -f "$results" "$gates"' EXIT
(
	gates_start=$(date +%s)
	scripts/gates.sh --flavor "$flavor" >"$gates" || true
	log "gates: $(( $(date +%s) - gates_start )) s"
) </dev/null &

# session_tests REST -- the names of the tests a session line's REST lists,
# in order, one per line: the first word of each "--"-separated part that is
# not VAR=VALUE.
session_tests() {
	local w words first=1
	read -ra words <<<"$1"
	for w in "${words[@]}"; do
		if [ "$w" = -- ]; then first=1
		elif ((first)) && [[ $w != *=* ]]; then echo "$w"; first=0
		fi
	done
}

# session_adds NAME REST -- the files a session's tests ask the host for, as
# qemu/run options in the array add_opts. A test in selftests/ may carry
# lines
#   # kmem-rs-add: COMMAND
# COMMAND runs on the host, in the repository's root, before the guest
# boots, and prints HOSTPATH:GUESTPATH lines, each given to qemu/run as
# --add (ndctl_tests.sh: scripts/fetch-ndctl.sh fetches ndctl's tests). A
# COMMAND that fails is printed as a failure of the session's harness, and
# the guest boots without its files.
session_adds() {
	local name=$1 t cmd out line
	add_opts=() add_fail=
	while read -r t; do
		[ -f "selftests/$t" ] || continue
		while IFS= read -r cmd; do
			if ! out=$(bash -c "$cmd"); then
				add_fail+="FAIL $name harness: $t's host command failed: $cmd"$'\n'
				continue
			fi
			while IFS= read -r line; do
				[ -n "$line" ] && add_opts+=(--add "$line")
			done <<<"$out"
		done < <(sed -n 's/^# kmem-rs-add: //p' "selftests/$t")
	done < <(session_tests "$2" | sort -u)
}

# Counts one session's console log into $results, one line per KTAP result:
# "PASS|FAIL|SKIP session test: description". Each test must print a plan
# (a skip is "1..0 # SKIP reason") and as many results as it plans, and the
# tests that began (and ended) must be those the session lists.
# run_guest.sh's own failures ("# kmem-rs-fail:") and a kernel log that never
# reached the session's end marker fail the session.
count_log() {
	local session=$1 log=$2 rc=$3 tests=$4
	awk -v s="$session" -v qrc="$rc" -v tests="$tests" '
	BEGIN { nexp = split(tests, expect, " "); for (i = 1; i <= nexp; i++) want[expect[i]]++ }
	{ sub(/\r$/, "") }
	function finish(name, trc) {
		if (plan == "" && !skipped)
			{ printf "FAIL %s %s: printed no KTAP plan\n", s, name; }
		else if (plan != "" && nres != plan)
			{ printf "FAIL %s %s: planned %d results, got %d\n", s, name, plan, nres; }
		if (trc != 0 && trc != 4 && nfail == 0)
			{ printf "FAIL %s %s: exited with status %d\n", s, name, trc; }
	}
	/^# kmem-rs-fail: / { line = $0; sub(/^# kmem-rs-fail: /, "", line)
		printf "FAIL %s harness: %s\n", s, line; next }
	/^# dmesg: .*kmem-rs: \[[0-9]+\] session ends$/ { ended_session = 1; next }
	/^# kmem-rs-begin / {
		if (inside) printf "FAIL %s %s: did not end before %s began\n", s, cur, $3
		cur = $3; plan = ""; skipped = 0; nres = 0; nfail = 0; inside = 1
		nbegun++
		if (want[cur] > 0) want[cur]--
		else printf "FAIL %s %s: began, but the session does not list it (again)\n", s, cur
		next
	}
	/^# kmem-rs-end / {
		if (!inside || $3 != cur) { printf "FAIL %s %s: ended without beginning\n", s, $3; next }
		split($4, a, "="); finish(cur, a[2]); inside = 0; nended++; next
	}
	!inside { next }
	/^1\.\.0 *# *SKIP/ { line = $0; sub(/^1\.\.0 *# *SKIP */, "", line)
		printf "SKIP %s %s: %s\n", s, cur, line; plan = ""; skipped = 1; next }
	/^1\.\.0( |$)/ { printf "FAIL %s %s: plan 1..0 without # SKIP\n", s, cur; plan = 0; next }
	/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	/^(not )?ok [0-9]+/ {
		nres++
		line = $0; sub(/^(not )?ok [0-9]+ (- )?/, "", line)
		if ($0 ~ /^not ok/) { printf "FAIL %s %s: %s\n", s, cur, line; nfail++ }
		else if ($0 ~ /# *(SKIP|skip)/) printf "SKIP %s %s: %s\n", s, cur, line
		else printf "PASS %s %s: %s\n", s, cur, line
	}
	END {
		if (inside) printf "FAIL %s %s: did not finish (guest crashed or timed out)\n", s, cur
		for (i = 1; i <= nexp; i++)
			if (want[expect[i]] > 0) {
				want[expect[i]]--
				printf "FAIL %s %s: listed in the session but never began\n", s, expect[i]
			}
		if (nbegun > 0 && !ended_session)
			printf "FAIL %s harness: the kernel log was not printed to the end of the session (no \"session ends\" marker)\n", s
		if (qrc != 0) printf "FAIL %s guest: qemu/run exited %d (kernel report, crash or time-out; see %s)\n", s, qrc, "'"$log"'"
	}' "$log"
}

if [ -z "$jobs" ]; then
	mem_gib=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1048576 ))
	jobs=$(nproc)
	(( jobs > mem_gib / 8 )) && jobs=$(( mem_gib / 8 ))
	(( jobs < 1 )) && jobs=1
fi

# Boots one session's guest and counts its console log into FILE.
run_session() {
	local name=$1 pmem=$2 rest=$3 file=$4 script log rc
	script=$(mktemp)
	printf '#!/bin/bash\nexec /kselftests/kmem/run_guest.sh %s\n' "$rest" >"$script"
	log=out/console-$name.log
	pmem_qemu_opts "$pmem" || die "session $name: bad PMEM field '$pmem'"
	session_adds "$name" "$rest"
	local start
	start=$(date +%s)
	rc=0
	# A hang panics the guest: run_guest.sh sets hung_task_panic=1, so a
	# task blocked for hung_task_timeout_secs (60 s in the debug kernel)
	# ends the session at the detector's next check, within twice that.
	# The time-out only stops a guest that stays busy. TCG guests slow
	# down by a factor of two or more when the host is loaded.
	"$KMEM_ROOT/qemu/run" --flavor "$flavor" --extras "$extras" "${qemu_opts[@]}" "${add_opts[@]}" --script "$script" \
		--timeout 3600 --log "$log" >/dev/null || rc=$?
	rm -f "$script"
	count_log "$name" "$log" "$rc" "$(session_tests "$rest" | tr '\n' ' ')" >"$file"
	printf '%s' "$add_fail" >>"$file"
	# Boot to the first test: the guest's uptime at run_guest.sh's first
	# marker.
	boot=$(sed -n 's/^# dmesg: \[ *\([0-9]*\)\.[0-9]*\] kmem-rs: \[1\] session starts.*/\1/p' "$log" | head -n1)
	echo "session $name: boot to the first test ${boot:-?} s (guest uptime), whole session $(( $(date +%s) - start )) s" \
		>"${file%.txt}.time"
	log "session $name: exit $rc after $(( $(date +%s) - start )) s (boot ${boot:-?} s);" \
	    "$(grep -c '^PASS' "$file") passed, $(grep -c '^FAIL' "$file") failed"
}

names=()
mapfile -t lines <"$sessions"
for line in "${lines[@]}"; do
	read -r name pmem rest <<<"$line"
	case $name in ''|'#'*) continue ;; esac
	if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $name "* ]]; then continue; fi
	names+=("$name")
	# Start the next guest once fewer than $jobs guests (and the gates) run.
	while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
	run_session "$name" "$pmem" "$rest" "out/results-$flavor.$name.txt" </dev/null &
	sleep 1
done
wait || true
log "$jobs guest(s) at a time"
# A gates.sh that died before its first line must not pass unseen.
[ -s "$gates" ] || echo "FAIL gates: scripts/gates.sh printed no result" >"$gates"
cat "$gates" >>"$results"
for name in "${names[@]}"; do
	f=out/results-$flavor.$name.txt
	[ -s "$f" ] || echo "FAIL $name guest: the session left no results" >"$f"
	cat "$f" >>"$results"
	rm -f "$f"
done
timings=$(mktemp "out/timings-$flavor.run.XXXXXX")
trap 'rm -f "$results" "$gates" "$timings"' EXIT
for name in "${names[@]}"; do
	f=out/results-$flavor.$name.time
	[ -f "$f" ] && cat "$f" >>"$timings"
	rm -f "$f"
done

cp "$results" "out/results-$flavor.txt"
cp "$timings" "out/timings-$flavor.txt"
echo
echo "==== kmem-rs test results ($flavor kernel) ===="
cat "$results"
passed=$(grep -c '^PASS' "$results" || true)
failed=$(grep -c '^FAIL' "$results" || true)
skipped=$(grep -c '^SKIP' "$results" || true)
cat "$timings"
echo "total time: $(( $(date +%s) - total_start )) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
