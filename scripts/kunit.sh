#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh [kunit.py run options]: runs the ep11sess KUnit suites under UML.
#
# The Debian kernel source (linux-source-6.1) is unpacked once into a cache
# directory that survives between runs (EP11SESS_CACHE, default
# ~/.cache/ep11sess).  The repository is linked into that tree as
# drivers/misc/ep11sess (nothing is copied), so edits are picked up and
# incremental runs rebuild only what changed.  Prints kunit.py's results and
# a line "kunit: N passed, N failed".
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
build=$cache/kunit-build
src=$("$repo/scripts/kernel-source.sh")
mkdir -p "$repo/build/results"

# One run at a time per cache: the tree's link names one repository.
exec 9>"$cache/.kunit.lock"
flock 9

# Hook the repository into the tree: a symlink plus one line each in
# drivers/misc/Makefile and drivers/misc/Kconfig.
# Objects built from another checkout may be newer than this one's sources:
# when the link named another checkout, the module's objects are rebuilt.
if [ "$(readlink "$src/drivers/misc/ep11sess" 2>/dev/null)" != "$repo" ]; then
	rm -rf "$build/drivers/misc/ep11sess"
fi
ln -sfn "$repo" "$src/drivers/misc/ep11sess"
grep -q 'ep11sess/' "$src/drivers/misc/Makefile" ||
	echo 'obj-$(CONFIG_EP11SESS) += ep11sess/' >>"$src/drivers/misc/Makefile"
grep -q 'ep11sess/driver/Kconfig' "$src/drivers/misc/Kconfig" ||
	sed -i '$i source "drivers/misc/ep11sess/driver/Kconfig"' "$src/drivers/misc/Kconfig"

out=$repo/build/results/kunit.log
rc=0
(cd "$src" && python3 tools/testing/kunit/kunit.py run \
	--arch=um --build_dir="$build" --jobs="$(nproc)" \
	--kunitconfig="$repo/driver/.kunitconfig" "$@") 2>&1 | tee "$out" || rc=$?

# kunit.py ends with "Testing complete. Ran N tests: passed: P, failed: F, ..."
line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$out" | tail -n 1 || true)
p=$(echo "$line" | sed -n 's/.*passed: \([0-9]*\).*/\1/p')
f=$(echo "$line" | sed -n 's/.*failed: \([0-9]*\).*/\1/p')
# A crashed test, or one whose result line is missing, is a failure too.
c=$(echo "$line" | sed -n 's/.*crashed: \([0-9]*\).*/\1/p')
e=$(echo "$line" | sed -n 's/.*errors: \([0-9]*\).*/\1/p')
f=$((${f:-0} + ${c:-0} + ${e:-0}))
if [ -z "$line" ]; then
	echo "kunit: 0 passed, 1 failed (kunit.py did not complete a run)"
	exit 1
fi
echo "kunit: ${p:-0} passed, ${f:-0} failed"
[ "$rc" = 0 ] && [ "${f:-0}" = 0 ] && [ "${p:-0}" -gt 0 ]
