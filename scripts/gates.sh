#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side gates that `make check` runs before booting any guest, each one
# result line as run-tests.sh prints them ("PASS|FAIL gates NAME: ..."):
#  - clippy: the module builds with CLIPPY=1 and no warning (a separate
#    output directory, so the module under test is untouched);
#  - rustfmt: `rustfmt --check` on the crate (src/kmem.rs and every module it
#    lists) with the kernel's .rustfmt.toml;
#  - checkpatch: scripts/checkpatch.pl reports no error on the C files.
# Exits non-zero if any gate fails.
#
#   scripts/gates.sh [--flavor debug|release]
set -uo pipefail
. "$(dirname "$0")/common.sh"

flavor=debug
[ "${1:-}" = --flavor ] && flavor=$2
cd "$KMEM_ROOT"
src=$("$KMEM_ROOT/scripts/fetch-kernel.sh")
rc=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# result NAME OK DESCRIPTION [LOG] -- one result line; on failure, the
# first lines of LOG as comments.
result() {
	if [ "$2" = 0 ]; then
		echo "PASS gates $1: $3"
	else
		echo "FAIL gates $1: $3"
		[ -n "${4:-}" ] && head -n 20 "$4" | sed 's/^/# /'
		rc=1
	fi
}

make --no-print-directory FLAVOR="$flavor" CLIPPY=1 OUT="$KMEM_ROOT/build/clippy-$flavor" module \
	>"$tmp/clippy" 2>&1
ok=$?
grep -E '^(warning|error)' "$tmp/clippy" >"$tmp/clippy.w" && ok=1
result clippy "$ok" "the module builds with CLIPPY=1 and no warning" "$tmp/clippy.w"

rustfmt --edition 2021 --color never --config-path "$src/.rustfmt.toml" --check src/kmem.rs >"$tmp/fmt" 2>&1
result rustfmt $? "rustfmt --check on the crate (the kernel's .rustfmt.toml)" "$tmp/fmt"

ok=0
for f in src/kmem_shim.c src/kmem_shim.h src/bindings_helper.h selftests/claim/kmem_test_claim.c; do
	perl "$src/scripts/checkpatch.pl" --no-tree --terse -f "$f" >>"$tmp/cp" 2>&1
	grep -q ': ERROR:' "$tmp/cp" && ok=1
done
result checkpatch "$ok" "checkpatch.pl reports no error on the C shim and the test module" "$tmp/cp"
exit "$rc"
