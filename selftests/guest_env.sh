#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest the harness promises: dax0.0 bound to device_dax on a NUMA node,
# its range inside a pmem range of /proc/iomem, and modules.dep resolving
# `kmem` to our module in updates/ while the C kmem stays where it was, and
# a random number generator ready at boot (qemu/run gives the CPU RDRAND):
# without it the first program that asks for random bytes waits seconds.
. "${0%/*}/lib.sh"

ktap_print_header
ktap_set_plan 8

expect_eq "dax0.0 is bound to device_dax" device_dax "$(driver_of dax0.0)"
node=$(cat $DAX_BASE/dax0.0/target_node 2>/dev/null)
check "dax0.0 has a NUMA target node (target_node=$node)" test "${node:--1}" -ge 0
start=$(cat $DAX_BASE/dax0.0/resource 2>/dev/null)
size=$(cat $DAX_BASE/dax0.0/size 2>/dev/null)
check "dax0.0 has memory (resource=$start size=$size)" test "${size:-0}" -gt 0
# The pmem range is a top-level iomem entry containing dax0.0's start.
pmem=$(grep -E '^[0-9a-f]+-[0-9a-f]+ : Persistent Memory' /proc/iomem | head -n1)
in_pmem() {
	local r=${pmem%% :*} s e
	s=$((0x${r%-*})) e=$((0x${r#*-}))
	[ -n "$pmem" ] && [ $((start)) -ge "$s" ] && [ $((start + size - 1)) -le "$e" ]
}
check "/proc/iomem shows the pmem range holding dax0.0 ($pmem)" in_pmem
check "daxctl list shows dax0.0" bash -c "daxctl list -d dax0.0 | jq -e '.[0].chardev == \"dax0.0\"' >/dev/null"
expect_eq "modules.dep resolves kmem to our module" "$RUST_KMEM" "$(modinfo -n kmem 2>&1)"
check "the C kmem is installed at its usual path" test -f "$C_KMEM"
crng=$(dmesg | grep -m1 'random: crng init done')
check "the kernel's RNG was ready within its first second (${crng:-no 'crng init done' yet})" \
	test -n "$crng" -a "$(sed 's/^\[ *\([0-9]*\)\..*/\1/' <<<"$crng")" = 0
ktap_finished
