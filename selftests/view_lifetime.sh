#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The debugfs view and the module's lifetime: for each file of
# kmem/daxX.Y/, open it, unbind the device (the view goes, the file stays
# open), and check that rmmod kmem is refused while the file is open (the
# file's operations belong to the module), that a read of the open file
# fails cleanly, and that once it is closed rmmod succeeds. Before the fix,
# rmmod succeeded and the close oopsed in full_proxy_release() (KASAN:
# vmalloc-out-of-bounds): the guest's scan for kernel reports, and the
# dmesg check here, fail on that.
#   view_lifetime.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
DEV=${DEV:-dax0.0}
V=/sys/kernel/debug/kmem/$DEV
FILES="ranges resources blocks status selfcheck"

ktap_print_header
ktap_set_plan $(( 6 * $(wc -w <<<"$FILES") + 1 ))
unload_kmem
mark=$(dmesg | wc -l)
for f in $FILES; do
	load_kmem rust
	unbind_any "$DEV"
	expect_eq "$f: bind $DEV to kmem" ok "$(to_kmem "$DEV")"
	if exec {fd}<"$V/$f"; then ktap_test_pass "$f: open $V/$f"; else ktap_test_fail "$f: open $V/$f"; fd=; fi
	write_errno $DAX_DRIVERS/kmem/unbind "$DEV" >/dev/null
	write_errno $DAX_DRIVERS/kmem/remove_id "$DEV" >/dev/null
	check "$f: the view is gone after unbind" test ! -e "$V"
	if [ -n "$fd" ]; then
		check "$f: a read of the open file fails" bash -c "! cat <&$fd >/dev/null 2>&1"
		check "$f: rmmod is refused while the file is open" rmmod_refused
		exec {fd}<&-
	else
		ktap_test_fail "$f: a read of the open file fails (not open)"
		ktap_test_fail "$f: rmmod is refused while the file is open (not open)"
	fi
	check "$f: rmmod succeeds once it is closed" rmmod kmem
	write_errno $DAX_DRIVERS/device_dax/bind "$DEV" >/dev/null
done
expect_eq "no kernel report while the files were closed" "" \
	"$(dmesg | tail -n +"$(( mark + 1 ))" | grep -E 'BUG:|Oops|WARNING:|general protection' | head -n1)"
ktap_finished
