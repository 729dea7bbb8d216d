#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tearing a CXL region down while its memory is online. Unbinding the region
# from cxl_region removes its dax device, and kmem's remove finds the memory
# online: both drivers leave it online ("stuck online until reboot"), so
# nothing is lost: the pattern written there reads back intact, MemTotal and
# /proc/iomem keep it. Binding the region again brings no dax device back:
# the CXL core makes no dax region over a region that is partly online
# System RAM (cxl_region_probe()), so our recovery, which takes memory over
# when its dax device binds again, has nothing to bind to. The memory stays
# until reboot, and our module, which keeps owning it, cannot be unloaded
# (the C kmem can: it forgets the memory). The kernel would also let the
# region be decommitted now (commit_store() does not look for online
# memory): not done here, as the memory would then no longer be decoded.
# Wedges the device and MEM: run it last in the session.
#   cxl_stuck.sh rust|c MEM
. "${0%/*}/lib.sh"
WHICH=$1 MEM=$2
MIB=16

# log_has TEXT -- whether the kernel log since the region's unbind has TEXT.
log_has() { dmesg | tail -n +"$(( mark + 1 ))" | grep -qF "$1"; }

ktap_print_header
if [ "$(pmem_kind)" != cxl ]; then
	ktap_skip_all "needs the CXL guest (qemu/run --pmem cxl)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 12
unload_kmem
load_kmem "$WHICH"
region=$(cxl_region_create "$MEM")
dev=$(cxl_dax_of "${region:-none}")
expect_eq "$region over $MEM: $dev bound to kmem" kmem "$(driver_of "${dev:-none}")"
[ -n "$dev" ] || { ktap_finished; exit; }
read -r start end < <(dax_ranges "$dev")
rng=$(aligned_range "$start" "$end")
wait_blocks "$rng"
slurp "$DAX_BASE/$dev/target_node"; node=$REPLY
expect_eq "daxctl online-memory" ok \
	"$(daxctl online-memory "$dev" >/dev/null 2>/tmp/daxctl.err && echo ok || head -n1 /tmp/daxctl.err)"
coproc PAT { "$KMEM_TESTS/bin/pattern" "$node" "$MIB"; }
ask() { echo "$1" >&"${PAT[1]}"; local a; read -r a <&"${PAT[0]}"; echo "$a"; }
pages=$(( MIB * 256 ))
expect_eq "$MIB MiB of pattern written on node $node" "filled pages=$pages on_node=$pages" "$(ask fill)"
mt_on=$(memtotal_kb)
mark=$(dmesg | wc -l)

expect_eq "unbinding $region from cxl_region while online succeeds" ok \
	"$(write_errno "$CXL_DRIVERS/cxl_region/unbind" "$region")"
check "$dev is gone" test ! -e "$DAX_BASE/$dev"
check "the log says, as C does: stuck online until reboot" log_has "stuck online until reboot"
expect_eq "the memory stays online (MemTotal, blocks)" "$mt_on online" \
	"$(memtotal_kb) $(blocks_state "$rng")"
ans=$(ask verify)
echo "# $ans"
check "every page is intact, still on node $node" \
	grep -qE "^verified pages=$pages bad=0 .*nodes=$node:$pages\$" <<<"$ans"
check "/proc/iomem keeps System RAM (kmem) at $rng" \
	grep -qE "^$rng .*System RAM \\(kmem\\)\$" <<<"$(iomem_paths)"

expect_write "binding $region again succeeds" ok "$CXL_DRIVERS/cxl_region/bind" "$region"
check "the CXL core makes no dax device over online System RAM" \
	test -z "$(ls -d "$CXL_BASE/dax_$region" 2>/dev/null)"
if keeps_memory "$WHICH"; then
	check "our kmem keeps the memory: rmmod kmem is refused" rmmod_refused
else
	unload_kmem
	check "the $WHICH kmem (no kept memory) forgets the memory: rmmod kmem succeeds" test ! -d /sys/module/kmem
fi
ask quit >/dev/null
wait
ktap_finished
