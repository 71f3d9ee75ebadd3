#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-source.sh: unpacks Debian's linux-source-6.1 once into the cache
# directory (EP11SESS_CACHE, default ~/.cache/ep11sess) and prints the path
# of the tree.  Used by `make kunit` and `make style` (checkpatch.pl).
set -euo pipefail
cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
src=$cache/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
mkdir -p "$cache"
if [ ! -e "$src/.ep11sess-unpacked" ]; then
	[ -e "$tarball" ] || { echo "kernel-source: $tarball missing; run scripts/install-deps.sh" >&2; exit 1; }
	echo "kernel-source: unpacking $tarball into $cache (once)" >&2
	rm -rf "$src"
	tar -xJf "$tarball" -C "$cache"
	touch "$src/.ep11sess-unpacked"
fi
echo "$src"
