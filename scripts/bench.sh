#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: our kmem against the C kmem, side by side in one boot of the
# release kernel (no KASAN, lockdep or kmemleak), on a dynamic (hmem) dax
# region backed by a sparse file on the host. The guest half is
# selftests/bench.sh; scripts/bench-report.py turns its lines into a table,
# a JSON file and an SVG plot of time against size. The module built with
# EXTRAS=0 (build/release-parity, only what the C kmem does) goes into the
# guest too, for its load, unload and size beside the two.
#
#   scripts/bench.sh [--rounds N] [--sizes "1G 4G 16G"] [--multi 2G] [--out DIR]
#                    [--icount]
#
# --icount runs the guest with an instruction-counting clock (qemu/run
# --icount): the times are then the guest instructions each operation ran
# (1 ns each), the same from run to run, without the host's load or TCG's
# translation of code run for the first time.
# Writes DIR (default out/bench): console.log, bench.json, bench.svg,
# table.txt.
set -euo pipefail
. "$(dirname "$0")/common.sh"

rounds=15 sizes="1G 4G 16G" multi=2G out=$KMEM_ROOT/out/bench icount=()
while (($#)); do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--multi) multi=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--icount) icount=(--icount --append rcupdate.rcu_expedited=1); shift ;;
	*) die "usage: $0 [--rounds N] [--sizes \"1G 4G 16G\"] [--multi 2G] [--out DIR] [--icount]" ;;
	esac
done
for s in $sizes $multi; do
	[[ $s =~ ^[0-9]+G$ ]] || die "sizes are whole GiB, like 4G: '$s'"
done

# Both modules, named: a `make bench EXTRAS=0` passes its EXTRAS down.
make --no-print-directory -C "$KMEM_ROOT" FLAVOR=release EXTRAS=1 module progs >&2
make --no-print-directory -C "$KMEM_ROOT" FLAVOR=release EXTRAS=0 module >&2
parity_ko=$KMEM_ROOT/build/release-parity/kmem.ko
parity_guest=/kselftests/kmem/parity/kmem.ko
kdir=$("$KMEM_ROOT/scripts/build-kernel.sh" --flavor release)
mkdir -p "$out"

# The region holds the largest device, and the three devices the
# multi-range device is carved from.
region=$(( 3 * ${multi%G} ))
for s in $sizes; do ((${s%G} > region)) && region=${s%G}; done

script=$(mktemp)
trap 'rm -f "$script"' EXIT
printf '#!/bin/bash\nexec /kselftests/kmem/bench.sh %q %q %q %q\n' "$rounds" "$sizes" "$multi" "$parity_guest" >"$script"
start=$(date +%s)
"$KMEM_ROOT/qemu/run" --flavor release --pmem hmem --pmem-size "${region}G" --backing file --node0-ram 3G "${icount[@]}" \
	--add "$parity_ko:$parity_guest" --script "$script" --timeout 10800 --log "$out/console.log" >/dev/null ||
	die "the benchmark guest failed; see $out/console.log"
log "benchmark guest ran $(( $(date +%s) - start )) s"

c_ko=$kdir/modinst/lib/modules/$(cat "$kdir/include/config/kernel.release")/kernel/drivers/dax/kmem.ko
python3 "$KMEM_ROOT/scripts/bench-report.py" --log "$out/console.log" --out "$out" \
	--ko rust="$KMEM_ROOT/build/release/kmem.ko" --ko c="$c_ko" --ko parity="$parity_ko" \
	--command "make bench ROUNDS=$rounds SIZES='$sizes' MULTI=$multi$( ((${#icount[@]})) || echo " ICOUNT=0")"
