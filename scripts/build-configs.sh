#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Config parity (`make configs`): builds the module against kernel trees
# configured without CONFIG_MEMORY_HOTREMOVE, without CONFIG_NUMA and without
# CONFIG_MODULE_UNLOAD, where drivers/dax/kmem.c still builds. Each tree is
# x86_64_defconfig with kernel/common.config and the one option off, and is
# built only as far as an external module needs (`modules_prepare`, which
# builds the Rust core and kernel crates). The module is compiled and
# linked; modpost only warns about the symbols of the vmlinux that was not
# built. Trees are cached like the guest kernels.
#
#   scripts/build-configs.sh [NAME]...     (no-hotremove no-numa no-unload)
set -euo pipefail
. "$(dirname "$0")/common.sh"

names=("$@")
((${#names[@]})) || names=(no-hotremove no-numa no-unload)
src=$("$KMEM_ROOT/scripts/fetch-kernel.sh")
kver=$(basename "$src" | sed "s/^$KMEM_KPKG-//; s/[^A-Za-z0-9.+_-]/_/g")
rc=0
for name in "${names[@]}"; do
	case $name in
	no-hotremove) opt=CONFIG_MEMORY_HOTREMOVE ;;
	no-numa) opt=CONFIG_NUMA ;;
	no-unload) opt=CONFIG_MODULE_UNLOAD ;;
	*) die "unknown configuration '$name' (no-hotremove, no-numa or no-unload)" ;;
	esac
	start=$(date +%s)
	frag=$(mktemp)
	grep -v "^$opt=" "$KMEM_ROOT/kernel/common.config" >"$frag"
	echo "$opt=n" >>"$frag"
	hash=$( { cat "$frag"; rustc --version; bindgen --version; "clang$KMEM_LLVM" --version | head -n1; } |
		sha256sum | cut -c1-12)
	out=$KMEM_CACHE/configs/$kver-$name-$hash
	mk=(make -C "$src" O="$out" LLVM="$KMEM_LLVM" -j"$(nproc)")
	if [ ! -f "$out/.kmem-rs-prepared" ]; then
		mkdir -p "$out"
		log "$name: configuring and preparing $out"
		"${mk[@]}" -s x86_64_defconfig >/dev/null
		(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "$frag" >/dev/null)
		"${mk[@]}" -s olddefconfig >/dev/null
		"${mk[@]}" -s modules_prepare >/dev/null
		touch "$out/.kmem-rs-prepared"
	fi
	rm -f "$frag"
	# The reduced tree must really lack the option, and still have what
	# the C kmem and ours need.
	if grep -q "^$opt=y" "$out/.config"; then
		log "FAIL $name: $opt is still set"; rc=1; continue
	fi
	for need in CONFIG_RUST CONFIG_MEMORY_HOTPLUG CONFIG_DEV_DAX; do
		grep -q "^$need=y" "$out/.config" || { log "FAIL $name: $need is not set"; rc=1; continue 2; }
	done
	mo=$KMEM_ROOT/build/configs/$name
	mkdir -p "$mo"
	if make -C "$out" M="$KMEM_ROOT" MO="$mo" LLVM="$KMEM_LLVM" KBUILD_MODPOST_WARN=1 \
		modules >"$mo/build.log" 2>&1 && [ -f "$mo/kmem.ko" ]; then
		log "PASS $name: kmem.ko built without $opt in $(( $(date +%s) - start )) s"
	else
		tail -n 30 "$mo/build.log" >&2
		log "FAIL $name: the module does not build without $opt (log: $mo/build.log)"
		rc=1
	fi
done
exit "$rc"
