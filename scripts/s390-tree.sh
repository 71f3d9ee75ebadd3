#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s390-tree.sh: prepares, once, an s390x build of Debian's linux-source-6.1
# for building the modules out of tree with gcc-s390x-linux-gnu: defconfig
# with ZCRYPT as a module (no debug info, no module signing),
# modules_prepare, and the zcrypt modules themselves so that their
# Module.symvers lets modpost check ep11_zcrypt.ko's imports.  Cached in
# EP11SESS_CACHE (default ~/.cache/ep11sess)/s390-build; prints its path.
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
		-d DEBUG_INFO_BTF -e DEBUG_INFO_NONE -d MODULE_SIG \
		-d MODULE_SIG_ALL
	"${kmake[@]}" olddefconfig >&2
	"${kmake[@]}" modules_prepare >&2
	"${kmake[@]}" M=drivers/s390/crypto modules >&2
	touch "$build/.ep11sess-ready"
fi
echo "$build"
