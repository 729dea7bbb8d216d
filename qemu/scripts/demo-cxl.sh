#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The `make demo PMEM=cxl` guest script: what a user types to turn a CXL
# memory expander into a memory-only NUMA node with our kmem, and back:
# the transcript in Documentation/driver.rst ("Using kmem with CXL memory").
set -u
C=/sys/bus/cxl/devices
run() { echo "\$ $*"; eval "$*" 2>&1 | sed 's/^/  /'; local rc=${PIPESTATUS[0]}; [ "$rc" = 0 ] || echo "  (exit status $rc)"; }

run "cxl list -M"
run "cxl list -D -d root"
run "modprobe kmem"
# Debian 12's cxl (ndctl 76.1) cannot make a RAM region, and says so with
# exit status 0; the kernel's sysfs ABI it would drive can.
run "cxl create-region -t ram -d decoder0.0 -m mem0"
run "cxl list -R"
run "cat $C/decoder0.0/create_ram_region"
run "echo region0 > $C/decoder0.0/create_ram_region"
run "echo 1 > $C/region0/interleave_ways"
run "cat $C/decoder0.0/interleave_granularity > $C/region0/interleave_granularity"
run "echo ram > $C/decoder2.0/mode"
run "cat $C/mem0/ram/size > $C/decoder2.0/dpa_size"
run "cat $C/mem0/ram/size > $C/region0/size"
run "echo decoder2.0 > $C/region0/target0"
run "echo 1 > $C/region0/commit"
run "echo region0 > /sys/bus/cxl/drivers/cxl_region/bind"
sleep 1
run "daxctl list -d dax0.0"
run "grep -A3 'CXL Window' /proc/iomem"
run "daxctl online-memory dax0.0"
run "grep MemTotal /sys/devices/system/node/node1/meminfo"
run "grep . /sys/devices/virtual/memory_tiering/memory_tier*/nodelist"
run "cat /sys/bus/dax/devices/dax0.0/state"
run "daxctl reconfigure-device -f -m devdax dax0.0"
run "echo dax0.0 > /sys/bus/dax/drivers/device_dax/remove_id"
run "echo region0 > /sys/bus/cxl/drivers/cxl_region/unbind"
run "echo 0 > $C/region0/commit"
run "echo > $C/region0/target0"
run "echo 0 > $C/decoder2.0/dpa_size"
run "echo region0 > $C/decoder0.0/delete_region"
run "grep -A3 'CXL Window' /proc/iomem"
run "rmmod kmem"
dmesg | grep -E 'kmem|dax0|region0' | tail -n 20
