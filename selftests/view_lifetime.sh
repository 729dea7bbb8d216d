#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The debugfs view and the module's lifetime: for each file of kmem/, open
# it while $DEV is bound, unbind the device (the file stays: it lists every
# bound device), and check that a first read of the open file then works and
# does not list the device, that rmmod kmem is refused while the file is open (the
# file's operations belong to the module), that once it is closed rmmod
# succeeds, and that the directory goes with the module. Before the
# operations held the module, rmmod succeeded and the close oopsed in
# full_proxy_release() (KASAN: vmalloc-out-of-bounds): the guest's scan for
# kernel reports, and the dmesg check here, fail on that.
#   view_lifetime.sh
. "${0%/*}/lib.sh"
DEV=${DEV:-dax0.0}

# read_omits FD -- a first read of FD works and has no line of $DEV.
read_omits() {
	local out
	out=$(cat <&"$1") && ! lists "$DEV" <<<"$out"
}

ktap_print_header
require_extras
ktap_set_plan $(( 6 * $(wc -w <<<"$VIEW_FILES") + 1 ))
unload_kmem
mark=$(dmesg | wc -l)
for f in $VIEW_FILES; do
	load_kmem rust
	unbind_any "$DEV"
	expect_eq "$f: bind $DEV to kmem" ok "$(to_kmem "$DEV")"
	if exec {fd}<"$VIEW/$f"; then
		check "$f: open $VIEW/$f, which lists $DEV" view_lists "$f" "$DEV"
	else
		ktap_test_fail "$f: open $VIEW/$f"
		fd=
	fi
	write_to $DAX_DRIVERS/kmem/unbind "$DEV"
	write_to $DAX_DRIVERS/kmem/remove_id "$DEV"
	if [ -n "$fd" ]; then
		check "$f: a first read of the open file after unbind works and does not list $DEV" \
			read_omits "$fd"
		check "$f: rmmod is refused while the file is open" rmmod_refused
		exec {fd}<&-
	else
		ktap_test_fail "$f: a first read of the open file after unbind works (not open)"
		ktap_test_fail "$f: rmmod is refused while the file is open (not open)"
	fi
	check "$f: rmmod succeeds once it is closed" rmmod kmem
	check "$f: the view is gone with the module" test ! -e "$VIEW"
	write_to $DAX_DRIVERS/device_dax/bind "$DEV"
done
expect_eq "no kernel report while the files were closed" "" \
	"$(dmesg | tail -n +"$(( mark + 1 ))" | grep -E 'BUG:|Oops|WARNING:|general protection' | head -n1)"
ktap_finished
