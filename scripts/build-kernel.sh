#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the guest kernel of one flavor with LLVM=-19, in a cache directory
# outside the work tree keyed by kernel version, config hash and toolchain
# versions (and, for patched, the patches), so that a second run is a no-op.
# Prints the build directory (usable as KDIR) on stdout.
#
#   scripts/build-kernel.sh [--flavor debug|release|patched] [--print]
#
# debug and release are 7.3 as Debian ships it, with kernel/common.config
# and kernel/FLAVOR.config. patched is the debug kernel with the series in
# kernel/patches/ applied, to a copy of the source made for it (hard links
# for the files the patches leave alone).
#
# --print only prints the directory the flavor would be built in.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=debug print_only=
while (($#)); do
	case $1 in
	--flavor) flavor=$2; shift 2 ;;
	--print) print_only=1; shift ;;
	*) die "usage: $0 [--flavor debug|release] [--print]" ;;
	esac
done
case $flavor in debug|release|patched) ;; *) die "unknown flavor '$flavor'" ;; esac

src=$("$KMEM_ROOT/scripts/fetch-kernel.sh")
kver=$(basename "$src" | sed "s/^$KMEM_KPKG-//; s/[^A-Za-z0-9.+_-]/_/g")
patches=()
if [ "$flavor" = patched ]; then
	frags=("$KMEM_ROOT/kernel/common.config" "$KMEM_ROOT/kernel/debug.config"
	       "$KMEM_ROOT/kernel/patched.config")
	patches=("$KMEM_ROOT"/kernel/patches/[0-9][0-9][0-9][1-9]-*.patch)
	[ -f "${patches[0]}" ] || die "no patches in $KMEM_ROOT/kernel/patches"
	# The key follows what the patches change, from each one's first
	# "diff --git" on: a reworded commit message needs no new kernel.
	phash=$(sed -s -n '/^diff --git /,$p' "${patches[@]}" | sha256sum | cut -c1-12)
	patched_src=$(dirname "$src")/$(basename "$src")-patched-$phash
else
	frags=("$KMEM_ROOT/kernel/common.config" "$KMEM_ROOT/kernel/$flavor.config")
fi
rustc_ver=$(rustc --version | awk '{print $2}')
# The key holds the fragments' options, not their comments: a comment
# changed in kernel/*.config costs no rebuild. "# CONFIG_X is not set" is an
# option to merge_config.sh, so it counts.
key_input=$( {
	grep -hE '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "${frags[@]}"
	echo "defconfig=x86_64_defconfig LLVM=$KMEM_LLVM"
	rustc --version; bindgen --version; "clang$KMEM_LLVM" --version | head -n1
	[ -z "${phash:-}" ] || echo "patches=$phash"
} )
hash=$(printf '%s' "$key_input" | sha256sum | cut -c1-12)
out=$KMEM_CACHE/build/$kver-$flavor-rustc$rustc_ver-$hash
if [ -n "$print_only" ]; then echo "$out"; exit 0; fi
if [ -f "$out/.kmem-rs-built" ]; then
	log "kernel $flavor: cached in $out"
	echo "$out"
	exit 0
fi

# The patched flavor's source: a copy of the fetched tree with the series
# applied in order, each with patch -p1 (which writes a patched file anew,
# so the hard links of the copy never change the fetched tree).
if [ "$flavor" = patched ]; then
	if [ ! -f "$patched_src/.kmem-rs-patched" ]; then
		rm -rf "$patched_src" "$patched_src.tmp"
		cp -al "$src" "$patched_src.tmp"
		for p in "${patches[@]}"; do
			log "kernel patched: applying $(basename "$p")"
			patch -d "$patched_src.tmp" -p1 -s --no-backup-if-mismatch <"$p" ||
				die "$(basename "$p") does not apply to $src"
		done
		touch "$patched_src.tmp/.kmem-rs-patched"
		mv "$patched_src.tmp" "$patched_src"
	fi
	src=$patched_src
fi

# Its own -j, not the jobserver of the make that runs this (make -j2 module
# progs), which only warns "-j2 forced in submake".
mk=(env -u MAKEFLAGS -u MFLAGS make -C "$src" O="$out" LLVM="$KMEM_LLVM" -j"$(nproc)")
start=$(date +%s)
# A config change starts from the newest finished build of the same kernel,
# flavor and toolchain: Kbuild then rebuilds only what the changed options
# reach (minutes, not the 15 to 20 of a build from nothing).
rm -rf "$out"
seed=$(ls -td "$KMEM_CACHE/build/$kver-$flavor-rustc$rustc_ver-"*/.kmem-rs-built 2>/dev/null |
	head -n1 || true)
if [ -n "$seed" ]; then
	seed=$(dirname "$seed")
	log "kernel $flavor: starting from the build in $seed"
	cp -a "$seed" "$out.tmp"
	rm -f "$out.tmp/.kmem-rs-built"
	mv "$out.tmp" "$out"
fi
mkdir -p "$out"
log "kernel $flavor: configuring $kver in $out"
"${mk[@]}" -s x86_64_defconfig >/dev/null
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" >/dev/null)
"${mk[@]}" -s olddefconfig >/dev/null

# Every option the fragments ask for must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	opt=${line%%=*} want=${line#*=}
	if [ "$want" = n ]; then
		if grep -q "^$opt=" "$out/.config"; then
			log "note: $opt wanted off, is $(grep "^$opt=" "$out/.config")"
		fi
	elif ! grep -qx "$line" "$out/.config"; then
		log "config: $line requested, got: $(grep "^$opt=" "$out/.config" || echo 'not set')"
		bad=1
	fi
done < <(cat "${frags[@]}")
((bad == 0)) || die "kernel config does not hold what kernel/*.config asks for"

log "kernel $flavor: building (bzImage, modules); this takes 10-20 minutes on 2 cores"
"${mk[@]}" bzImage modules 2>&1 | while IFS= read -r l; do
	case $l in
	*" LD "*|*" RUSTC "*|*"Kernel: "*|*warning:*|*error:*|*Error\ *|*\ Error*) printf '%s\n' "$l" ;;
	esac
done
[ "${PIPESTATUS[0]}" = 0 ] || die "kernel build failed"
rm -rf "$out/modinst"
"${mk[@]}" -s modules_install INSTALL_MOD_PATH="$out/modinst" >/dev/null
touch "$out/.kmem-rs-built"
log "kernel $flavor: built in $(( $(date +%s) - start )) s"
echo "$out"
