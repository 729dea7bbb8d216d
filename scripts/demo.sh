#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: builds everything, boots a guest and binds dax0.0 to our kmem.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$KMEM_ROOT"
make --no-print-directory module >&2
exec qemu/run --pmem legacy --script qemu/scripts/demo.sh --log out/console-demo.log
