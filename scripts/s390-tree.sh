#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s390-tree.sh: prepares, once, an s390x build of Debian's linux-source-6.1
# for building the modules out of tree with gcc-s390x-linux-gnu: defconfig
# with ZCRYPT as a module (no debug info), modules_prepare.  The tree has
# no vmlinux (building it does not fit this machine's time), so modpost
# takes the kernel's and zcrypt's symbol names from the Module.symvers of
# Debian's s390x kernel headers (scripts/s390-debian.sh): the modules built
# here are checked, not loaded.  Cached in EP11SESS_CACHE (default
# ~/.cache/ep11sess)/s390-build; prints its path.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
build=$cache/s390-build
src=$("$repo/scripts/kernel-source.sh")
kmake=(make -C "$src" O="$build" ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-
       -j"$(nproc)" -s)

command -v s390x-linux-gnu-gcc >/dev/null || {
	echo "s390-tree: s390x-linux-gnu-gcc missing; run scripts/install-deps.sh" >&2
	exit 1
}
mkdir -p "$build"
exec 9>"$cache/.s390-tree.lock"
flock 9

if [ ! -e "$build/.ep11sess-ready" ]; then
	echo "s390-tree: configuring and preparing $build (once)" >&2
	"${kmake[@]}" defconfig >&2
	"$src/scripts/config" --file "$build/.config" \
		-m ZCRYPT -m PKEY -d DEBUG_INFO -d DEBUG_INFO_DWARF4 \
		-d DEBUG_INFO_BTF -e DEBUG_INFO_NONE
	"${kmake[@]}" olddefconfig >&2
	"${kmake[@]}" modules_prepare >&2
	touch "$build/.ep11sess-ready"
fi
if [ ! -e "$build/Module.symvers" ]; then
	deb=$("$repo/scripts/s390-debian.sh")
	cp "$deb/usr/src/linux-headers-$(cat "$cache/s390-debian/kver")/Module.symvers" \
		"$build/Module.symvers"
fi
echo "$build"
