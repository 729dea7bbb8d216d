# SPDX-License-Identifier: GPL-2.0
# Shared settings for the kmem-rs scripts. Source it; do not run it.

# The repository root.
KMEM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the kernel source, kernel builds and guest images are cached, outside
# the work tree so that a fresh clone on the same machine reuses them.
KMEM_CACHE=${KMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kmem-rs}
# The Debian package that carries the kernel source, and its suite.
KMEM_KPKG=linux-source-7.3
KMEM_KSUITE=trixie-backports
# The LLVM toolchain suffix: Rust + KASAN needs a clang-built kernel.
KMEM_LLVM=${KMEM_LLVM:--19}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[kmem-rs] %s\n' "$*" >&2; }
die() { printf '[kmem-rs] error: %s\n' "$*" >&2; exit 1; }
