#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs kmem-rs selftests inside the guest, one after another, and frames each
# one's KTAP output for the host runner:
#
#   # kmem-rs-begin NAME
#   ...the test's KTAP...
#   # kmem-rs-end NAME rc=N
#   # dmesg: ...kernel messages logged while it ran...
#
# Kernel messages are kept off the console while a test runs (so they cannot
# split a KTAP line) and are printed after it from /dev/kmsg, which
# `dmesg -C` does not clear.
#
#   run_guest.sh [VAR=VALUE]... TEST [ARGS] [-- TEST [ARGS]]...
DIR=$(dirname "$(readlink -f "$0")")
dmesg -n 2
# Leaks are judged from here on (kmemleak.sh): not those of the boot.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
cat /dev/kmsg >/tmp/kmsg.log 2>/dev/null &
kmsg_pid=$!
sleep 0.2

kmsg_since() {
	sleep 0.2
	# "LEVEL,SEQ,USEC,FLAGS;MESSAGE" records, and " KEY=VALUE" continuations.
	tail -n +"$(( $1 + 1 ))" /tmp/kmsg.log | awk -F';' '
		/^ / { print "# dmesg:  " $0; next }
		{ split($1, h, ","); msg = substr($0, length($1) + 2)
		  printf "# dmesg: [%6d.%06d] %s\n", h[3] / 1000000, h[3] % 1000000, msg }'
}

run_one() {
	local name=$1 seen rc t0
	shift
	t0=$(date +%s)
	seen=$(wc -l </tmp/kmsg.log)
	echo "# kmem-rs-begin $name"
	case $name in
	/*) bash "$name" "$@" 2>&1 ;;
	*) bash "$DIR/$name" "$@" 2>&1 ;;
	esac
	rc=${PIPESTATUS[0]}
	echo "# kmem-rs-end $name rc=$rc time=$(( $(date +%s) - t0 ))s"
	kmsg_since "$seen"
}

args=()
while (($#)); do
	if [ "$1" = -- ]; then
		((${#args[@]})) && run_one "${args[@]}"
		args=()
	else
		args+=("$1")
	fi
	shift
done
((${#args[@]})) && run_one "${args[@]}"
kill "$kmsg_pid" 2>/dev/null
exit 0
