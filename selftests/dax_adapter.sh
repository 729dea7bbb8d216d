#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kmem's dax bus adapter (src/dax.rs) under a driver that is not kmem: the
# test-only module kmem_test_dax (selftests/dax_sample/), which compiles
# src/dax.rs unchanged into a crate of its own and is declared with the
# adapter's module_dax_driver!. Its driver binds dax0.0 through the bus's
# bind and unbind files, and logs at probe what the adapter gave it (the
# device's ranges and node, and no memmap_on_memory flag for a device-type
# driver) and at unbind what its data kept; unloading the module with the
# device bound unbinds it (driver::Registration's drop). dax0.0 ends bound
# to device_dax again. Needs a device-type dax0.0 (the legacy and NVDIMM
# guests).
. "${0%/*}/lib.sh"
MOD=kmem_test_dax
KO=$KMEM_TESTS/bin/$MOD.ko
DEV=dax0.0
DRV=$DAX_DRIVERS/$MOD

# logged WHAT -- set REPLY to how many lines of the kernel log are
# "$MOD $DEV: WHAT" (dev_info! names the driver, then the device).
logged() {
	REPLY=$(dmesg | grep -cF "$MOD $DEV: $1")
}

ktap_print_header
# make progs builds it with the other test programs: never missing.
[ -f "$KO" ] || fail_all "$KO is in the guest (seen: missing)"
ktap_set_plan 17
get $DAX_BASE/$DEV/size; size=$REPLY
get $DAX_BASE/$DEV/target_node; node=$REPLY
n=0
while read -r _; do n=$((n + 1)); done < <(dax_ranges $DEV)
probe_msg="probe: $n range(s), $size bytes, node $node, memmap_on_memory not given"
unbind_msg="unbind: $n range(s), $size bytes"
logged "$probe_msg"; probes=$REPLY
logged "$unbind_msg"; unbinds=$REPLY

expect_eq "$DEV starts with device_dax" device_dax "$(driver_of $DEV)"
check "insmod $MOD" insmod "$KO"
check "module_dax_driver! registered $DRV" test -d "$DRV"
check "the driver's module is $MOD (__dax_driver_register() filled in the owner)" \
	eval '[ "$(readlink -f "$DRV/module")" = /sys/module/'"$MOD"' ]'
expect_eq "it bound nothing at registration ($DEV has a driver)" device_dax "$(driver_of $DEV)"

expect_write "unbind $DEV from device_dax" ok $DAX_DRIVERS/device_dax/unbind $DEV
expect_write "bind $DEV to $MOD" ok "$DRV/bind" $DEV
expect_eq "$DEV is bound to $MOD" $MOD "$(driver_of $DEV)"
logged "$probe_msg"
expect_eq "probe logged '$probe_msg'" $((probes + 1)) "$REPLY"
expect_write "unbind $DEV from $MOD" ok "$DRV/unbind" $DEV
logged "$unbind_msg"
expect_eq "unbind logged '$unbind_msg' from the data probe gave" $((unbinds + 1)) "$REPLY"
expect_eq "$DEV is unbound" "" "$(driver_of $DEV)"

# Unloading with the device bound: the registration's drop unregisters the
# driver, which unbinds the device first.
expect_write "bind $DEV to $MOD again" ok "$DRV/bind" $DEV
check "rmmod $MOD with $DEV bound" rmmod $MOD
logged "$unbind_msg"
expect_eq "the unload unbound $DEV (unbind logged)" $((unbinds + 2)) "$REPLY"
check "$DRV and /sys/module/$MOD are gone, $DEV unbound" \
	eval '[ ! -e "$DRV" ] && [ ! -e /sys/module/'"$MOD"' ] && [ -z "$(driver_of '"$DEV"')" ]'
expect_write "bind $DEV to device_dax again" ok $DAX_DRIVERS/device_dax/bind $DEV
ktap_finished
