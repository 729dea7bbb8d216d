#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# How each kmem reserves a device's parent region, not busy so that
# add_memory_driver_managed() can place "System RAM (kmem)" beneath it
# (kernel/patches/0002 and 0003). 7.3.4 has no call that inserts a region
# without IORESOURCE_BUSY: both drivers request it busy and write its flags
# afterwards, without resource_lock. The patched kernel has
# request_mem_region_nonbusy(), which inserts it with its flags under the
# lock: the C kmem calls it, and ours when it finds it in the kernel it is
# built against (Kbuild). The module files tell which call they make; the
# region's nesting in /proc/iomem is the same either way.
. "${0%/*}/lib.sh"
SYM=request_mem_region_nonbusy
DEV=dax0.0

# uses FILE -- whether the module FILE calls $SYM (its name is in the
# module's string table, as an undefined symbol, only if it does).
uses() { grep -q "$SYM" "$1"; }

ktap_print_header
ktap_set_plan 5
if patched_kernel; then
	check "the kernel exports $SYM" grep -q " $SYM\$" /proc/kallsyms
	check "the C kmem calls $SYM" uses "$C_KMEM"
	check "our kmem calls $SYM" uses "$RUST_KMEM"
else
	check "stock 7.3.4 has no $SYM" eval "! grep -q ' $SYM\$' /proc/kallsyms"
	check "the C kmem requests the region busy and writes its flags (no $SYM)" eval "! uses $C_KMEM"
	check "our kmem does the same (no $SYM)" eval "! uses $RUST_KMEM"
fi
unload_kmem
load_kmem rust
write_to $DAX_DRIVERS/device_dax/unbind $DEV
expect_eq "bind $DEV to our kmem" ok "$(to_kmem $DEV)"
read -r s e < <(dax_ranges $DEV)
rng=$(aligned_range "$s" "$e")
expect_eq "/proc/iomem: $DEV's region holds System RAM (kmem) at $rng" \
	"$DEV/System RAM (kmem)" "$(iomem_paths | awk -v r="$rng" '$1 == r' | tail -n1 | sed 's/^[^ ]* //; s/^.*\/\('"$DEV"'\/\)/\1/')"
write_to "$DAX_BASE/$DEV/state" unplugged
write_to $DAX_DRIVERS/kmem/unbind $DEV
write_to $DAX_DRIVERS/kmem/remove_id $DEV
write_to $DAX_DRIVERS/device_dax/bind $DEV
unload_kmem
ktap_finished
