#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Whether rust-analyzer understands the crate with the rust-project.json that
# `make rust-analyzer` wrote: `rust-analyzer diagnostics` over our crate
# alone (the kernel's crates are loaded as its dependencies, not checked
# themselves) must report nothing: no unresolved import of `kernel::`
# (E0432), no unknown method, no error at all. About 15 s.
#
#   scripts/ra-check.sh [rust-project.json]
set -euo pipefail
. "$(dirname "$0")/common.sh"

json=${1:-$KMEM_ROOT/rust-project.json}
[ -f "$json" ] || die "no $json: run 'make rust-analyzer' first"
command -v rust-analyzer >/dev/null || die "no rust-analyzer: rustup component add rust-analyzer"
dir=$(mktemp -d "${TMPDIR:-/tmp}/kmem-ra.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# Our crate is the only workspace member: only its files are checked.
python3 - "$json" "$dir/rust-project.json" <<'EOS'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["crates"]:
    c["is_workspace_member"] = c.get("display_name") == "kmem"
json.dump(d, open(sys.argv[2], "w"))
EOS
start=$(date +%s)
# It exits non-zero when it finds an error: judged below, from its report.
rust-analyzer diagnostics "$dir" >"$dir/out" 2>&1 || true
grep -q "diagnostic scan complete" "$dir/out" || { tail -n 20 "$dir/out" >&2; die "rust-analyzer did not finish"; }
files=$(grep -o "processing $KMEM_ROOT/src/[a-z_/]*\.rs" "$dir/out" | sort -u | wc -l)
# One line per error: "file F: Error RustcHardError("E0432") from LineCol {
# line: L ...}" (weak warnings, rust-analyzer's style hints, are not counted).
grep -o "file $KMEM_ROOT/src/[^:]*: Error [A-Za-z]*(\"[^\"]*\") from LineCol { line: [0-9]*" "$dir/out" |
	sort -u >"$dir/found" || true
n=$(wc -l <"$dir/found")
sed 's/from LineCol { line: /line (0-based) /' "$dir/found"
log "rust-analyzer: $n errors in $files files of the kmem crate ($(( $(date +%s) - start )) s)"
((files > 0 && n == 0))
