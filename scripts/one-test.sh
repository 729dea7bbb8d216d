#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check T=TEST` (T may list several, space separated): boots the guest
# of the session of selftests/sessions that runs TEST and boots fastest
# (hmem, then legacy, then nvdimm: see Documentation/testing.rst), and runs
# there only the listed tests, in the session's order, with the session's
# arguments (all of a test's runs in that session, e.g. `memory_tier.sh
# rust` and `memory_tier.sh c`). S=SESSION picks another session. A test
# that needs an earlier one is listed with it: after_stuck.sh needs
# dax_kselftest.sh (T="dax_kselftest.sh after_stuck.sh").
#
#   scripts/one-test.sh [--flavor debug|patched] [--extras 0|1] [--session NAME] TEST...
set -euo pipefail
. "$(dirname "$0")/common.sh"

session= flavor=debug extras=1
[ "${1:-}" = --flavor ] && { flavor=$2; shift 2; }
[ "${1:-}" = --extras ] && { extras=$2; shift 2; }
[ "${1:-}" = --session ] && { session=$2; shift 2; }
read -ra tests <<<"$*"
((${#tests[@]})) || die "usage: $0 [--session NAME] TEST..."
cd "$KMEM_ROOT"
want=" ${tests[*]} "
line= best=9
while read -r name pmem rest; do
	case $name in ''|'#'*) continue ;; esac
	[ -n "$session" ] && [ "$name" != "$session" ] && continue
	# The session's tests, one "TEST ARGS" per element.
	IFS=$'\x1f' read -ra runs <<<"$(sed 's/ -- /\x1f/g' <<<"$rest")"
	keep=()
	for r in "${runs[@]}"; do
		t=${r%% *}
		[[ $want == *" $t "* ]] && keep+=("$r")
	done
	((${#keep[@]})) || continue
	for t in "${tests[@]}"; do
		[[ " ${keep[*]%% *} " == *" $t "* ]] || die "session $name does not run $t: list tests of one session"
	done
	# Boot time by kind: hmem ~40 s, legacy ~55 s, nvdimm ~110 s.
	case $pmem in hmem*) rank=0 ;; legacy*) rank=1 ;; *) rank=2 ;; esac
	((rank < best)) || continue
	best=$rank
	joined=$(printf ' -- %s' "${keep[@]}")
	line="$name $pmem ${joined# -- }"
done <selftests/sessions
[ -n "$line" ] || die "no session${session:+ $session} runs ${tests[*]} (see selftests/sessions)"
file=$(mktemp)
trap 'rm -f "$file"' EXIT
echo "$line" >"$file"
log "running: $line"
# One guest, and the host-side gates beside it on another CPU.
scripts/run-tests.sh --flavor "$flavor" --extras "$extras" --sessions "$file"
