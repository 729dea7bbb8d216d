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
# Kernel messages are kept off the console (console log level 1: only
# KERN_EMERG reaches it directly), so that they cannot split a KTAP line.
# A reader copies /dev/kmsg to $KMSG, and every record it copied is printed
# once, as a "# dmesg:" line, after the test that was running (what is
# logged between two tests, after the next one). The session runs from
# the marker "kmem-rs: session starts" to "kmem-rs: session ends", which this
# script writes into /dev/kmsg: every kernel record logged between them is
# printed exactly once (KERN_EMERG ones by the console itself). After each
# test, and at the end, a marker is written and must come back through the
# reader, so a reader that died or stalled fails the session (a
# "# kmem-rs-fail:" line, and exit status 1). A task blocked for more than
# hung_task_timeout_secs panics the guest (kernel.hung_task_panic=1), which
# fails the session at the detector's next check.
#
#   run_guest.sh [VAR=VALUE]... TEST [ARGS] [-- TEST [ARGS]]...
DIR=$(dirname "$(readlink -f "$0")")
KMSG=/tmp/kmsg.log
# Lines of $KMSG already printed (or, before the session, not ours to print).
printed=0
# Markers written so far; each carries its number, so none is mistaken for
# an earlier one.
nmark=0
failed=0
# Why kernel messages can no longer be printed from $KMSG, once they cannot.
kmsg_lost=
# The tests run so far.
ran=

# harness_fail REASON -- fail the session, saying why.
harness_fail() {
	echo "# kmem-rs-fail: $*"
	failed=1
}

# kmsg_print UPTO -- print the records of $KMSG after line $printed up to line
# UPTO as "# dmesg:" lines, but those the console printed itself: records
# are "PRI,SEQ,USEC,FLAGS;MESSAGE" with " KEY=VALUE" continuation lines, and
# the console prints a record when its level (PRI & 7) is below the console
# log level, 1.
kmsg_print() {
	awk -F';' -v from="$printed" -v upto="$1" '
		NR <= from { next }
		NR > upto { exit }
		/^ / { if (show) print "# dmesg:  " $0; next }
		{ split($1, h, ","); show = (h[1] % 8) >= 1
		  if (!show) next
		  msg = substr($0, length($1) + 2)
		  printf "# dmesg: [%6d.%06d] %s\n", h[3] / 1000000, h[3] % 1000000, msg }' "$KMSG"
	printed=$1
}

# kmsg_wait TAG -- set n to the line of $KMSG after line $printed whose
# message is TAG, waiting up to 60 s for the reader to copy it; empty if it
# did not, or if the reader is gone.
kmsg_wait() {
	local end=$((SECONDS + 60))
	n=
	while :; do
		n=$(awk -v from="$printed" -v tag=";$1" \
			'NR > from && substr($0, length($0) - length(tag) + 1) == tag { print NR; exit }' "$KMSG")
		[ -n "$n" ] && return
		kill -0 "$kmsg_pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ] || return
		sleep 0.2
	done
}

# kmsg_sync WHAT -- write a marker "kmem-rs: [N] WHAT" into /dev/kmsg, wait
# until the reader has copied it, and print every record up to it. If it
# does not come back, fail the session, print what the reader did copy, and
# let the kernel print to the console directly from then on.
kmsg_sync() {
	local tag n level
	nmark=$((nmark + 1))
	tag="kmem-rs: [$nmark] $1"
	echo "<5>$tag" >/dev/kmsg
	[ -n "$kmsg_lost" ] && return
	kmsg_wait "$tag"
	if [ -z "$n" ]; then
		if kill -0 "$kmsg_pid" 2>/dev/null; then
			kmsg_lost="the /dev/kmsg reader is alive but did not copy the marker '$tag' within 60 s"
		else
			kmsg_lost="the /dev/kmsg reader died ($(cat /tmp/kmsg.err 2>/dev/null))"
		fi
		harness_fail "$kmsg_lost; kernel messages from here on go to the console directly"
		# Print what it did copy; a partial last line is left out.
		n=$(wc -l <"$KMSG")
		kmsg_print "$n"
		dmesg -n "$console_level"
		return
	fi
	kmsg_print "$n"
	# A kernel report may have called console_verbose() (lockdep, an oops):
	# from then on the console printed every record, here and directly.
	# The report fails the session anyway; keep the KTAP lines whole.
	read -r level _ </proc/sys/kernel/printk
	if [ "$level" != 1 ]; then
		echo "# kmem-rs: the kernel raised the console log level to $level (a report called console_verbose()); lines since the previous marker may be printed twice"
		dmesg -n 1
	fi
}

# run_one [VAR=VALUE]... TEST [ARGS] -- run TEST with VAR=VALUE in its
# environment, and KMEM_SESSION_DONE listing the tests that ran before it.
run_one() {
	local vars=() name rc t0
	while [[ $1 == *=* ]]; do vars+=("$1"); shift; done
	name=$1
	shift
	t0=$SECONDS
	nmark=$((nmark + 1))
	echo "<5>kmem-rs: [$nmark] $name begins" >/dev/kmsg
	echo "# kmem-rs-begin $name"
	case $name in
	/*) env "${vars[@]}" KMEM_SESSION_DONE="$ran" bash "$name" "$@" 2>&1 ;;
	*) env "${vars[@]}" KMEM_SESSION_DONE="$ran" bash "$DIR/$name" "$@" 2>&1 ;;
	esac
	rc=${PIPESTATUS[0]}
	echo "# kmem-rs-end $name rc=$rc time=$(( SECONDS - t0 ))s"
	ran+=" $name"
	kmsg_sync "end of $name"
}

# Leaks are judged from here on (kmemleak.sh): not those of the boot.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
if [ -w /proc/sys/kernel/hung_task_panic ]; then
	echo 1 >/proc/sys/kernel/hung_task_panic
	echo "# kmem-rs: a hung task panics the guest (hung_task_panic=1, hung_task_timeout_secs=$(cat /proc/sys/kernel/hung_task_timeout_secs))"
else
	echo "# kmem-rs: this kernel has no hung-task detector"
fi
read -r console_level _ </proc/sys/kernel/printk
# The reader copies the whole ring buffer, the boot's records first; those
# are left to the console, which printed them at the boot's log level.
cat /dev/kmsg >"$KMSG" 2>/tmp/kmsg.err &
kmsg_pid=$!
dmesg -n 1
nmark=$((nmark + 1))
tag="kmem-rs: [$nmark] session starts"
echo "<5>$tag" >/dev/kmsg
kmsg_wait "$tag"
if [ -n "$n" ]; then
	printed=$((n - 1))
	kmsg_print "$n"
else
	kmsg_lost="the /dev/kmsg reader did not start ($(cat /tmp/kmsg.err 2>/dev/null))"
	harness_fail "$kmsg_lost; kernel messages go to the console directly"
	dmesg -n "$console_level"
fi

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
# What the last test set going settles: then the session ends.
sleep 2
kmsg_sync "session ends"
kill "$kmsg_pid" 2>/dev/null
wait "$kmsg_pid" 2>/dev/null
# What is logged from here to the power-off goes to the console directly.
dmesg -n "$console_level"
exit "$failed"
