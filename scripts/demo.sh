#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: builds everything, boots a guest and binds dax0.0 to our kmem.
# PMEM=cxl: a CXL guest, where a RAM region is made and its memory onlined
# and taken out again, as Documentation/driver.rst shows.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$KMEM_ROOT"
make --no-print-directory module >&2
if [ "${PMEM:-legacy}" = cxl ]; then
	exec qemu/run --pmem cxl --pmem-size 256M --script qemu/scripts/demo-cxl.sh --log out/console-demo-cxl.log
fi
exec qemu/run --pmem legacy --script qemu/scripts/demo.sh --log out/console-demo.log
