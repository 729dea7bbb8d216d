#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The `make demo` guest script: bind dax0.0 to our kmem through sysfs, show
# /proc/iomem and the memory blocks before, during and after, and unbind.
set -u
MEM=/sys/devices/system/memory
DRV=/sys/bus/dax/drivers
show() {
	echo "---- $1"
	echo "/proc/iomem around the pmem:"
	grep -iE 'persistent|dax|kmem' /proc/iomem | sed 's/^/    /'
	local on=0 off=0 s
	for s in "$MEM"/memory*/state; do
		case $(cat "$s") in online) on=$((on + 1)) ;; *) off=$((off + 1)) ;; esac
	done
	echo "memory blocks: $on online, $off offline; $(grep MemTotal /proc/meminfo)"
	[ -e /sys/bus/dax/devices/dax0.0/state ] &&
		echo "dax0.0/state: $(cat /sys/bus/dax/devices/dax0.0/state)"
	echo "dax0.0 driver: $(basename "$(readlink /sys/bus/dax/devices/dax0.0/driver 2>/dev/null)" 2>/dev/null)"
}
run() { echo "# $*"; eval "$*" || echo "    (exit status $?)"; }

show "before: dax0.0 with device_dax"
run modprobe kmem
run "echo dax0.0 > $DRV/device_dax/unbind"
run "echo dax0.0 > $DRV/kmem/new_id"
show "bound to kmem (system default online type: $(cat $MEM/auto_online_blocks))"
run "echo unplugged > /sys/bus/dax/devices/dax0.0/state"
run "echo online_movable > /sys/bus/dax/devices/dax0.0/state"
show "state online_movable"
run "echo unplugged > /sys/bus/dax/devices/dax0.0/state"
run "echo dax0.0 > $DRV/kmem/unbind"
run "echo dax0.0 > $DRV/kmem/remove_id"
run "echo dax0.0 > $DRV/device_dax/bind"
show "after unbind: the tree is restored"
run rmmod kmem
dmesg | grep -E 'kmem|dax0' | tail -n 20
