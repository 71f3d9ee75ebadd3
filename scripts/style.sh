#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: checkpatch.pl --no-tree --strict over the kernel code (driver/)
# and the uapi headers (include/).  Exit status non-zero on any error,
# warning or check.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
src=$("$repo/scripts/kernel-source.sh")
cd "$repo"
mapfile -t files < <(git ls-files -co --exclude-standard -- 'driver/*.[ch]' 'include/*.h')
[ ${#files[@]} -gt 0 ] || { echo "style: no files"; exit 1; }
rc=0
"$src/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f "${files[@]}" >"$repo/build/style.log" 2>&1 || rc=$?
mkdir -p "$repo/build"
if [ $rc -ne 0 ] || grep -qE ': (ERROR|WARNING|CHECK):' "$repo/build/style.log"; then
	grep -E ': (ERROR|WARNING|CHECK):' "$repo/build/style.log" || cat "$repo/build/style.log"
	echo "style: checkpatch found problems in ${#files[@]} files"
	exit 1
fi
echo "style: checkpatch --strict clean on ${#files[@]} files"
