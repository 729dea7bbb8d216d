#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host-side gates that `make check` runs before booting any guest, each one
# result line as run-tests.sh prints them ("PASS|FAIL gates NAME: ..."):
#  - clippy: the module builds with CLIPPY=1 and no warning, with the
#    extras and without (EXTRAS=0), each in a separate output directory, so
#    the module under test is untouched; so does the test driver on our dax
#    adapter (selftests/dax_sample);
#  - rustfmt: `rustfmt --check` on the crate (src/kmem.rs and every module it
#    lists) with the kernel's .rustfmt.toml;
#  - checkpatch: scripts/checkpatch.pl reports no error on the C files;
#  - patches: kernel/patches/ apply to the fetched tree and pass
#    checkpatch --strict;
#  - install: `make install` refuses a kernel the module cannot go into
#    (DEV_DAX_KMEM=y; no RUST, MEMORY_HOTPLUG or DEV_DAX), and only warns
#    without MEMORY_HOTREMOVE;
#  - rust-analyzer: `make rust-analyzer`'s rust-project.json lets
#    rust-analyzer resolve the whole crate: no error, unresolved `kernel::`
#    imports included, over its files (scripts/ra-check.sh).
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

# Both builds: with the extras (the default) and without (EXTRAS=0).
for extras in 1 0; do
	make --no-print-directory FLAVOR="$flavor" CLIPPY=1 EXTRAS=$extras \
		OUT="$KMEM_ROOT/build/clippy-$flavor-extras$extras" module >"$tmp/clippy" 2>&1
	ok=$?
	grep -E '^(warning|error)' "$tmp/clippy" >"$tmp/clippy.w" && ok=1
	result clippy "$ok" "the module builds with CLIPPY=1 EXTRAS=$extras and no warning" "$tmp/clippy.w"
done

# The test driver on our dax adapter (selftests/dax_sample/), which make
# progs builds for the guests: clippy on its crate too.
kdir=$(scripts/build-kernel.sh --print --flavor "$flavor")
mkdir -p "$KMEM_ROOT/build/clippy-$flavor-dax_sample"
make --no-print-directory -C "$kdir" M="$KMEM_ROOT/selftests/dax_sample" \
	MO="$KMEM_ROOT/build/clippy-$flavor-dax_sample" LLVM="$KMEM_LLVM" CLIPPY=1 modules >"$tmp/clippy" 2>&1
ok=$?
grep -E '^(warning|error)' "$tmp/clippy" >"$tmp/clippy.w" && ok=1
result clippy "$ok" "the test driver selftests/dax_sample builds with CLIPPY=1 and no warning" "$tmp/clippy.w"

# src/parity.rs is the other path of one `mod` (src/kmem.rs): named too;
# the test driver's crate root names the files it shares with ours.
rustfmt --edition 2021 --color never --config-path "$src/.rustfmt.toml" --check src/kmem.rs src/parity.rs \
	selftests/dax_sample/kmem_test_dax.rs \
	>"$tmp/fmt" 2>&1
result rustfmt $? "rustfmt --check on the crate (the kernel's .rustfmt.toml)" "$tmp/fmt"

ok=0
for f in src/kmem_shim.c src/kmem_shim.h src/extras/shim.c src/bindings_helper.h \
	selftests/claim/kmem_test_claim.c; do
	perl "$src/scripts/checkpatch.pl" --no-tree --terse -f "$f" >>"$tmp/cp" 2>&1
	grep -q ': ERROR:' "$tmp/cp" && ok=1
done
result checkpatch "$ok" "checkpatch.pl reports no error on the C shim and the test module" "$tmp/cp"

# kernel/patches: each patch applies to the fetched tree (a dry run: no two
# touch the same file) and passes checkpatch --strict. Not checked here:
# Signed-off-by (whoever sends the series adds theirs) and the commit ids
# the messages cite (the fetched tree has no git history; upstream.rst says
# where each id was checked).
ok=0
: >"$tmp/kp"
for p in kernel/patches/[0-9][0-9][0-9][1-9]-*.patch; do
	patch -d "$src" -p1 --dry-run -s <"$p" >>"$tmp/kp" 2>&1 ||
		{ echo "$p does not apply" >>"$tmp/kp"; ok=1; }
	# From outside the work tree: checkpatch checks a file that git tracks
	# as a source file, not as a patch (git_is_single_file()).
	(cd "$tmp" && perl "$src/scripts/checkpatch.pl" --strict --no-tree --no-signoff \
		--ignore UNKNOWN_COMMIT_ID --terse "$KMEM_ROOT/$p") >>"$tmp/kp" 2>&1 || ok=1
done
result patches "$ok" "kernel/patches apply to the fetched tree and pass checkpatch --strict" "$tmp/kp"

# install: each case (WHAT) is a fake kernel tree, the cached kernel's
# .config with one option changed (SED) and its kernel.release, nothing to
# build against. `make install` into a staging root must fail before
# building, say why (TEXT) and leave the root empty.
kdir=$(scripts/build-kernel.sh --flavor "$flavor" --print)
# fake_kdir SED -- that tree in $tmp/k, and an empty staging root $tmp/root;
# fails if SED changed nothing (the case would test nothing).
fake_kdir() {
	rm -rf "$tmp/k" "$tmp/root"
	mkdir -p "$tmp/k/include/config" "$tmp/root"
	cp "$kdir/include/config/kernel.release" "$tmp/k/include/config/"
	sed "$1" "$kdir/.config" >"$tmp/k/.config"
	! cmp -s "$kdir/.config" "$tmp/k/.config"
}
while IFS='|' read -r what sed text; do
	ok=1
	if fake_kdir "$sed"; then
		make --no-print-directory install KDIR="$tmp/k" INSTALL_MOD_PATH="$tmp/root" >"$tmp/inst" 2>&1
		[ $? != 0 ] && grep -qF -- "$text" "$tmp/inst" && [ -z "$(ls -A "$tmp/root")" ] && ok=0
	else
		echo "sed '$sed' changed nothing in $kdir/.config" >"$tmp/inst"
	fi
	result install "$ok" "make install refuses a kernel with $what (non-zero exit, the reason given, nothing installed)" "$tmp/inst"
done <<'EOF'
DEV_DAX_KMEM=y|s/^CONFIG_DEV_DAX_KMEM=m$/CONFIG_DEV_DAX_KMEM=y/|CONFIG_DEV_DAX_KMEM=y: the C kmem is built into
no RUST|s/^CONFIG_RUST=y$/# CONFIG_RUST is not set/|CONFIG_RUST=y is missing
no MEMORY_HOTPLUG|s/^CONFIG_MEMORY_HOTPLUG=y$/# CONFIG_MEMORY_HOTPLUG is not set/|CONFIG_MEMORY_HOTPLUG=y is missing
no DEV_DAX|s/^CONFIG_DEV_DAX=y$/# CONFIG_DEV_DAX is not set/|CONFIG_DEV_DAX is missing
EOF
ok=1
if fake_kdir 's/^CONFIG_MEMORY_HOTREMOVE=y$/# CONFIG_MEMORY_HOTREMOVE is not set/'; then
	scripts/install.sh check "$tmp/k" >"$tmp/inst" 2>&1 && grep -q 'warning: .*MEMORY_HOTREMOVE' "$tmp/inst" && ok=0
fi
result install "$ok" "without MEMORY_HOTREMOVE the install check passes with a warning" "$tmp/inst"
{ make --no-print-directory FLAVOR="$flavor" rust-analyzer && scripts/ra-check.sh; } >"$tmp/ra" 2>&1
result rust-analyzer $? "rust-analyzer resolves the crate with make rust-analyzer's rust-project.json" "$tmp/ra"
exit "$rc"
