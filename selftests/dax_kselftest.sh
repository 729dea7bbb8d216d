#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the kernel's own tools/testing/selftests/dax/dax-kmem-hotplug.sh,
# unmodified, with DAX_KMEM_TEST_DEV=auto DAX_KMEM_TEST_UNBIND=1, against one
# of the two kmem modules:
#   dax_kselftest.sh rust|c
# dax0.0 is first bound to kmem with unmodified daxctl, as the kselftest's
# header describes. Its KTAP output passes through unchanged; the last subtest
# leaves the device wedged (unbound with memory online) until reboot.
. "${0%/*}/lib.sh"
WHICH=${1:-rust}

setup_fail() {
	ktap_print_header
	ktap_set_plan 1
	ktap_test_fail "setup for the $WHICH kmem: $*"
	exit "$KSFT_FAIL"
}

unload_kmem
load_kmem "$WHICH" || setup_fail "cannot load the module"
if [ "$WHICH" = rust ]; then is_ours || setup_fail "the loaded kmem is not ours"; fi
out=$(daxctl reconfigure-device -N -m system-ram dax0.0 2>&1) ||
	setup_fail "daxctl reconfigure-device -N -m system-ram dax0.0: $out"
[ "$(driver_of dax0.0)" = kmem ] || setup_fail "dax0.0 is not bound to kmem"
echo "# dax0.0 bound to the $WHICH kmem by daxctl"
# The kselftest's last subtest counts "splats" over the whole kernel log
# (dmesg | grep -ciE "KASAN|BUG:|..."), so a boot message such as "..MP-BIOS
# bug: 8254 timer not connected to IO-APIC", which a loaded host can cause,
# failed it. Clear the log (busybox dmesg -c) so that it counts its own run's;
# run_guest.sh reads /dev/kmsg on its own and still fails the run on any
# kernel report.
dmesg -c >/dev/null
DAX_KMEM_TEST_DEV=auto DAX_KMEM_TEST_UNBIND=1 "$KMEM_TESTS/../dax/dax-kmem-hotplug.sh"
