#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Systematic fault injection (bin/fault_inject, see fault_inject.c) into
# binding a 256 MiB device to kmem, onlining it and unplugging it: every
# allocation (slab or page) made under our module in each of those writes is
# made to fail in turn, with /proc/thread-self/fail-nth, until the write
# completes. Needs the dynamic
# (hmem) dax region, whose devices kmem matches without new_id; run with
# `qemu/run --pmem hmem`, followed by kmemleak.sh.
#   fault_inject.sh [MAX]
. "${0%/*}/lib.sh"
MAX=${1:-5000}
FI=/sys/kernel/debug

ktap_print_header
require hmem "a dynamic dax region (dax region 0's create)" test -e $DAX_BASE/dax0.0/../dax_region/create
# The debug kernel's config has failslab, fail_page_alloc and their
# stack-trace filter: missing there, they are a broken build, not a skip.
if [ ! -e $FI/failslab/reject-start ] || [ ! -e $FI/fail_page_alloc/reject-start ]; then
	debug_flavor && fail_all "the debug kernel has failslab, fail_page_alloc and their stack-trace filter (seen: $FI/failslab/reject-start or $FI/fail_page_alloc/reject-start missing)"
	ktap_skip_all "needs a kernel with failslab, fail_page_alloc and their stack-trace filter (the debug flavor)"
	exit "$KSFT_SKIP"
fi
unload_kmem
load_kmem rust
sleep 1
# The seed takes the whole region: give it back, and make a small device.
[ "$(driver_of dax0.0)" = kmem ] && write_to $DAX_DRIVERS/kmem/unbind dax0.0
write_to $DAX_BASE/dax0.0/size 0
dev=$(dax_create 256M)
unbind_any "$dev"

# Which allocations fail-nth counts, through the fault-injection stack-trace
# filter: those with our module within the 12 innermost frames (what it
# allocates, and what the kernel functions it calls allocate for it), and
# none under arch_add_memory(). Deeper allocations are the memory-hotplug
# core's own business, and the kernel cannot survive some of them failing,
# whichever kmem is the caller (each seen here; see Documentation/testing.rst):
#  - under arch_add_memory(), x86's direct-map code does not check the page
#    tables alloc_low_page() returns (NULL dereference in phys_pmd_init()),
#    and __add_pages() neither undoes the sections it added before a failure
#    (the range's next add fails with EEXIST) nor fails without a WARN;
#  - in online_pages(), KASAN's memory notifier warns when its shadow
#    vmalloc fails, and the vm_struct cleanup then hits a BUG in vmalloc.c.
# Faults are quiet: a stack dump per fault would read as a kernel report.
# text_ranges MODULE FUNCTION -- "START END START END" (hex) of the module's
# text ("[kmem]") and of a function of the kernel's, from one read of
# /proc/kallsyms (a read takes seconds in the debug guest).
text_ranges() {
	awk -v mod="$1" -v fn="$2" '
		$2 !~ /^[tT]$/ { next }
		{ addr = $1 "" }
		$4 == mod { if (mlo == "" || addr < mlo) mlo = addr; if (addr > mhi) mhi = addr; next }
		$4 != "" { next }
		$3 == fn { flo = addr }
		{ all[NR] = addr }
		END {
			for (i in all) if (all[i] > flo && (fhi == "" || all[i] < fhi)) fhi = all[i]
			print mlo, mhi, flo, fhi
		}' /proc/kallsyms
}
read -r mod_lo mod_hi aam_lo aam_hi < <(text_ranges "[kmem]" arch_add_memory)
saved=()
knob() { saved+=("$1=$(cat "$FI/$1")"); echo "$2" >"$FI/$1"; }
for f in failslab fail_page_alloc; do
	knob $f/verbose 0
	knob $f/ignore-gfp-wait N
	knob $f/stacktrace-depth 12
	knob $f/require-start "0x$mod_lo"
	# The last function's size is unknown: a page past its start.
	knob $f/require-end "$(printf '%#x' $(( 0x$mod_hi + 4096 )))"
	knob $f/reject-start "0x$aam_lo"
	knob $f/reject-end "0x$aam_hi"
done
knob fail_page_alloc/ignore-gfp-highmem N
knob fail_page_alloc/min-order 0
echo "# fail-nth counts allocations within 12 frames of kmem [$mod_lo, $mod_hi], none under arch_add_memory [$aam_lo, $aam_hi)"

"$KMEM_TESTS/bin/fault_inject" "$dev" "$MAX"
rc=$?

for s in "${saved[@]}"; do echo "${s#*=}" >"$FI/${s%%=*}"; done
[ "$(driver_of "$dev")" = kmem ] && write_to "$DAX_BASE/$dev/state" unplugged &&
	write_to $DAX_DRIVERS/kmem/unbind "$dev"
dax_destroy "$dev"
unload_kmem
exit $rc
