#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: builds everything, boots a guest and binds dax0.0 to our kmem.
# PMEM=cxl: a CXL guest, where a RAM region is made and its memory onlined
# and taken out again, as Documentation/driver.rst shows. PMEM=tiering:
# the hmem guest with an HMAT, its memory used as a slower tier of RAM
# (qemu/scripts/demo-tiering.sh), and out/tiering.svg drawn from it.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$KMEM_ROOT"
make --no-print-directory module >&2
if [ "${PMEM:-legacy}" = tiering ]; then
	make --no-print-directory progs >&2
	qemu/run --pmem hmem --pmem-size 512M --hmat --script qemu/scripts/demo-tiering.sh \
		--log out/console-demo-tiering.log
	scripts/tiering-plot.py out/console-demo-tiering.log out/tiering.svg
	log "drew out/tiering.svg"
	exit 0
fi
if [ "${PMEM:-legacy}" = cxl ]; then
	exec qemu/run --pmem cxl --pmem-size 256M --script qemu/scripts/demo-cxl.sh --log out/console-demo-cxl.log
fi
exec qemu/run --pmem legacy --script qemu/scripts/demo.sh --log out/console-demo.log
