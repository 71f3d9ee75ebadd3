#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# meson-test.sh [meson test options]: runs the user-space tests and prints
# "meson: N passed, N failed".
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build/meson
[ -e "$build/build.ninja" ] || meson setup -Dwerror=true "$build" "$repo" >/dev/null || exit 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
meson test -C "$build" --print-errorlogs "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
p=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$out" | tail -n 1)
f=0
for k in Fail 'Unexpected Pass' Timeout; do
	n=$(sed -n "s/^$k: *\\([0-9]*\\).*/\\1/p" "$out" | tail -n 1)
	f=$((f + ${n:-0}))
done
[ $rc = 0 ] || [ $f -gt 0 ] || f=1
echo "meson: ${p:-0} passed, $f failed"
[ $rc = 0 ]
