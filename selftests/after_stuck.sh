#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# After an unbind left memory "stuck online until reboot" (the last subtest
# of the kernel's dax-kmem-hotplug.sh), the module unloads, and the leaked
# resources keep their names: /proc/iomem still shows "daxX.Y" and
# "System RAM (kmem)" and reading it touches no freed memory (KASAN would
# report it).
#   after_stuck.sh rust|c
. "$(dirname "$(readlink -f "$0")")/lib.sh"
WHICH=${1:-rust}

ktap_print_header
paths=$(iomem_paths)
if ! grep -q '/System RAM (kmem)$' <<<"$paths" && ! grep -q '^[^ ]* dax[0-9.]*/System RAM (kmem)$' <<<"$paths"; then
	ktap_skip_all "no memory stuck online (run after dax_kselftest.sh)"
	exit "$KSFT_SKIP"
fi
ktap_set_plan 4
stuck=$(grep -E '(^[^ ]* |/)dax[0-9]+\.[0-9]+/System RAM \(kmem\)$' <<<"$paths" | head -n1)
check "memory is stuck online: ${stuck}" test -n "$stuck"
expect_eq "rmmod kmem ($WHICH) succeeds" ok "$(rmmod kmem 2>&1 && echo ok)"
after=$(iomem_paths)
check "the leaked parent and System RAM (kmem) names are intact after rmmod" \
	grep -qxF "$stuck" <<<"$after"
check "/proc/iomem is unchanged by the unload" test "$paths" = "$after"
ktap_finished
