#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile input (bin/bad_input, see bad_input.c): over a thousand generated
# writes to dax0.0/state and to the kmem driver's new_id, remove_id, bind and
# unbind, each judged against a model of the C code that handles it, with the
# device's state, /proc/iomem and every memory block checked after each one.
# Run it for both drivers in one boot: the second run also checks that every
# write gave the same result as in the first. Runs in the hmem guest, on its
# seed dax0.0 made 256 MiB (two memory blocks, so that the writes a valid
# word makes take seconds, not minutes); kmem matches it by type, with no id.
#   bad_input.sh rust|c
. "${0%/*}/lib.sh"
WHICH=${1:-rust}
DEV=dax0.0
DRV=$DAX_DRIVERS/kmem
OTHER=/tmp/bad_input.rust
[ "$WHICH" = rust ] && OTHER=/tmp/bad_input.c

# bin/bad_input prints the KTAP header and plan: this prints one only to
# fail or skip the whole test.
if [ ! -e $DAX_BASE/$DEV/../dax_region/create ]; then
	ktap_print_header
	require hmem "a dynamic dax region (dax region 0's create)" false
fi
unload_kmem
unbind_any $DEV
write_to $DAX_BASE/$DEV/size 0
write_errno $DAX_BASE/$DEV/size $((256 << 20)) >/dev/null
load_kmem "$WHICH"
sleep 1
[ "$(driver_of $DEV)" = kmem ] || write_to $DRV/bind $DEV
write_to $DAX_BASE/$DEV/state unplugged
write_to $DAX_BASE/$DEV/state online_movable
args=("$DEV" "/tmp/bad_input.$WHICH")
[ -f "$OTHER" ] && args+=("$OTHER")
"$KMEM_TESTS/bin/bad_input" "${args[@]}"
rc=$?
write_to $DAX_BASE/$DEV/state unplugged
write_to $DRV/unbind $DEV
write_to $DRV/remove_id $DEV
write_to $DAX_BASE/$DEV/size 0
unload_kmem
exit $rc
