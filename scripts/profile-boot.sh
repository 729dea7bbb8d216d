#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Where a guest's boot goes (issue: the test loop): boots each guest kind of
# `make check` with initcall_debug, once, one at a time, and prints for each
# the kernel's time to /init, /init's time to the first test (namespace
# set-up), and the slowest initcalls, read from the guest's own dmesg.
#
#   scripts/profile-boot.sh [--flavor debug|release] [KIND]...
#
# KIND is a sessions-file PMEM field (legacy:1G, nvdimm:512M, hmem:1G,
# legacy:nonuma:1G, cxl:2dev:256M); the default is the four kinds of selftests/sessions.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=debug
[ "${1:-}" = --flavor ] && { flavor=$2; shift 2; }
kinds=("$@")
((${#kinds[@]})) || kinds=(legacy:1G nvdimm:512M hmem:1G legacy:nonuma:1G)
cd "$KMEM_ROOT"
make --no-print-directory FLAVOR="$flavor" module progs >&2
mkdir -p out
script=$(mktemp)
cat >"$script" <<'EOS'
#!/bin/bash
# What the test's first line would see: the guest's uptime, then the boot's
# milestones and initcalls from the kernel's own log.
echo "# profile: first-test-uptime $(cut -d' ' -f1 /proc/uptime)"
dmesg | awk '
	/Run \/init as init process/ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); print "# profile: init-uptime " t }
	/KTAP version|# Subtest:/ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); print "# profile: kunit " t " " $NF }
	/initcall .* returned .* after/ {
		for (i = 1; i <= NF; i++) if ($i == "after") us = $(i + 1)
		fn = ""; for (i = 1; i <= NF; i++) if ($i == "initcall") fn = $(i + 1)
		print "# profile: initcall " us " " fn
	}'
# The kernel's own lines from /init on (what the guest's set-up costs).
dmesg | sed -n '/Run \/init as init process/,$p' | grep -v initcall | sed 's/^/# profile-init: /'
EOS
for kind in "${kinds[@]}"; do
	pmem_qemu_opts "$kind" || die "bad KIND '$kind'"
	log=out/console-profile-${kind//:/-}.log
	rm -f "$log"
	start=$(date +%s)
	"$KMEM_ROOT/qemu/run" --flavor "$flavor" "${qemu_opts[@]}" --append "initcall_debug log_buf_len=16M ${PROFILE_APPEND:-}" \
		--script "$script" --timeout 1200 --log "$log" >/dev/null 2>&1 || true
	wall=$(( $(date +%s) - start ))
	[ -f "$log" ] || { printf '%-18s no console log: qemu/run failed before the boot\n' "$kind"; continue; }
	init=$(sed -n 's/^# profile: init-uptime //p' "$log" | tr -d '\r')
	first=$(sed -n 's/^# profile: first-test-uptime //p' "$log" | tr -d '\r')
	sum=$(awk '/^# profile: initcall / { s += $4 } END { printf "%.1f", s / 1e6 }' "$log")
	printf '%-18s host wall %4d s; kernel to /init %6s s (initcalls %s s); /init to first test %s s\n' \
		"$kind" "$wall" "${init:-?}" "$sum" \
		"$(awk -v a="${init:-0}" -v b="${first:-0}" 'BEGIN { printf "%.1f", b - a }')"
	sed -n 's/^# profile: initcall //p' "$log" | tr -d '\r' | sort -rn | awk 'NR <= 12' |
		awk '{ printf "    %8.3f s  %s\n", $1 / 1e6, $2 }'
done
rm -f "$script"
