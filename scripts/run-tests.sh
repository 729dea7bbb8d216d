#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The host-side test runner behind `make check`: sets up, builds the kernel
# and the module, boots one guest per line of selftests/sessions, collects
# every test's KTAP from the console and prints per-test results and the line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
#   scripts/run-tests.sh [--flavor debug|release] [--sessions FILE]
#                        [--jobs N] [--only SESSION]...
#
# FILE defaults to selftests/sessions; `make stress` uses
# selftests/sessions.stress, with longer counts.
# --jobs N boots up to N guests at once (default: KMEM_JOBS, else one per
# host CPU, at most one per 8 GiB of host memory). Each guest runs QEMU's
# single-threaded TCG, so it keeps one host CPU busy and no more. The results
# are printed in the sessions file's order whatever the finishing order.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=debug only=() sessions=selftests/sessions jobs=${KMEM_JOBS:-}
while (($#)); do
	case $1 in
	--flavor) flavor=$2; shift 2 ;;
	--only) only+=("$2"); shift 2 ;;
	--sessions) sessions=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) die "usage: $0 [--flavor debug|release] [--sessions FILE] [--jobs N] [--only SESSION]..." ;;
	esac
done

cd "$KMEM_ROOT"
total_start=$(date +%s)
make --no-print-directory FLAVOR="$flavor" module progs >&2
mkdir -p out
results=out/results-$flavor.txt
: >"$results"

# Counts one session's console log into $results, one line per KTAP result:
# "PASS|FAIL|SKIP session test: description".
count_log() {
	local session=$1 log=$2 rc=$3
	awk -v s="$session" -v qrc="$rc" '
	function finish(name, trc) {
		if (plan != "" && nres != plan)
			{ printf "FAIL %s %s: planned %d results, got %d\n", s, name, plan, nres; }
		if (trc != 0 && trc != 4 && nfail == 0)
			{ printf "FAIL %s %s: exited with status %d\n", s, name, trc; }
	}
	/^# kmem-rs-begin / { cur = $3; plan = ""; nres = 0; nfail = 0; inside = 1; next }
	/^# kmem-rs-end / {
		split($4, a, "="); finish(cur, a[2]); inside = 0; ended[cur] = 1; next
	}
	!inside { next }
	/^1\.\.0 *# *SKIP/ { line = $0; sub(/^1\.\.0 *# *SKIP */, "", line)
		printf "SKIP %s %s: %s\n", s, cur, line; plan = ""; next }
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
	local name=$1 pmem=$2 rest=$3 file=$4 script log rc o opts popts
	script=$(mktemp)
	printf '#!/bin/bash\nexec /kselftests/kmem/run_guest.sh %s\n' "$rest" >"$script"
	log=out/console-$name.log
	# PMEM[:nonuma][:SIZE]: the pmem kind, whether the guest has NUMA
	# nodes, and the pmem size.
	opts=(--pmem "${pmem%%:*}")
	IFS=: read -ra popts <<<"${pmem#*:}"
	[ "$pmem" = "${pmem%%:*}" ] && popts=()
	for o in "${popts[@]}"; do
		case $o in
		nonuma) opts+=(--numa off) ;;
		*[MG]) opts+=(--pmem-size "$o") ;;
		*) die "session $name: unknown option '$o'" ;;
		esac
	done
	local start
	start=$(date +%s)
	rc=0
	# The guest's own hung-task detector catches a hang within minutes;
	# the time-out only stops a guest that stays busy. TCG guests slow
	# down by a factor of two or more when the host is loaded.
	"$KMEM_ROOT/qemu/run" --flavor "$flavor" "${opts[@]}" --script "$script" \
		--timeout 3600 --log "$log" >/dev/null || rc=$?
	rm -f "$script"
	count_log "$name" "$log" "$rc" >"$file"
	log "session $name: exit $rc after $(( $(date +%s) - start )) s;" \
	    "$(grep -c '^PASS' "$file") passed, $(grep -c '^FAIL' "$file") failed"
}

names=()
mapfile -t lines <"$sessions"
for line in "${lines[@]}"; do
	read -r name pmem rest <<<"$line"
	case $name in ''|'#'*) continue ;; esac
	if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $name "* ]]; then continue; fi
	names+=("$name")
	# Start the next guest once fewer than $jobs are running.
	while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
	run_session "$name" "$pmem" "$rest" "out/results-$flavor.$name.txt" </dev/null &
	sleep 1
done
wait || true
log "$jobs guest(s) at a time"
for name in "${names[@]}"; do
	f=out/results-$flavor.$name.txt
	[ -s "$f" ] || echo "FAIL $name guest: the session left no results" >"$f"
	cat "$f" >>"$results"
	rm -f "$f"
done

echo
echo "==== kmem-rs test results ($flavor kernel) ===="
cat "$results"
passed=$(grep -c '^PASS' "$results" || true)
failed=$(grep -c '^FAIL' "$results" || true)
skipped=$(grep -c '^SKIP' "$results" || true)
echo "total time: $(( $(date +%s) - total_start )) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
