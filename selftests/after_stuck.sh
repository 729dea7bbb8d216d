#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After an unbind left memory "stuck online until reboot" (the last subtest
# of the kernel's dax-kmem-hotplug.sh), reading /proc/iomem touches no freed
# memory (KASAN would report it), and:
#  - the C kmem unloads, and the leaked resources keep their names:
#    /proc/iomem still shows "daxX.Y" and "System RAM (kmem)";
#  - ours refuses to unload while it keeps that memory; binding the device
#    again takes the memory over, `unplugged` removes it, and then the module
#    unloads with no "System RAM (kmem)" left.
#   after_stuck.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DRV=$DAX_DRIVERS/kmem

ktap_print_header
paths=$(iomem_paths)
if ! grep -q '/System RAM (kmem)$' <<<"$paths" && ! grep -q '^[^ ]* dax[0-9.]*/System RAM (kmem)$' <<<"$paths"; then
	# After the kselftest in the same session, its last subtest must have
	# wedged the device: that it did not is a failure, not a skip.
	ran_before dax_kselftest.sh &&
		fail_all "memory stuck online after dax_kselftest.sh's stuck-online unbind (seen: no System RAM (kmem) in /proc/iomem)"
	ktap_skip_all "no memory stuck online (run after dax_kselftest.sh)"
	exit "$KSFT_SKIP"
fi
stuck=$(grep -E '(^[^ ]* |/)dax[0-9]+\.[0-9]+/System RAM \(kmem\)$' <<<"$paths" | head -n1)
# Ours built with EXTRAS=0 keeps nothing: it behaves as the C kmem here.
if ! keeps_memory "$WHICH"; then
	ktap_set_plan 4
	check "memory is stuck online: ${stuck}" test -n "$stuck"
	expect_eq "rmmod kmem ($WHICH) succeeds" ok "$(rmmod kmem 2>&1 && echo ok)"
	after=$(iomem_paths)
	check "the leaked parent and System RAM (kmem) names are intact after rmmod" \
		grep -qxF "$stuck" <<<"$after"
	check "/proc/iomem is unchanged by the unload" test "$paths" = "$after"
	ktap_finished
fi

ktap_set_plan 8
check "memory is stuck online: ${stuck}" test -n "$stuck"
dev=$(grep -oE 'dax[0-9]+\.[0-9]+/System RAM \(kmem\)$' <<<"$stuck")
dev=${dev%%/*}
check "rmmod kmem ($WHICH) is refused while it keeps the memory" rmmod_refused
check "/proc/iomem is unchanged by the refused unload" test "$paths" = "$(iomem_paths)"
unbind_any "$dev"
to_kmem "$dev" >/dev/null
expect_eq "binding $dev again takes the memory over" kmem "$(driver_of "$dev")"
expect_file "its state shows the blocks online" online_movable "$DAX_BASE/$dev/state"
expect_write "unplugged removes the memory" ok "$DAX_BASE/$dev/state" unplugged
write_to $DRV/unbind "$dev"
write_to $DRV/remove_id "$dev"
check "no System RAM (kmem) is left" lacks "System RAM \\(kmem\\)" /proc/iomem
expect_eq "rmmod kmem ($WHICH) then succeeds" ok "$(rmmod kmem 2>&1 && echo ok)"
ktap_finished
