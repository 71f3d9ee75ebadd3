#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: what `make check` runs.  Installs what is missing, builds
# everything, runs style and sparse, the meson tests, KUnit, the VM harness
# self-test, the VM tests (on the debug kernel too when EP11_CHECK_DEBUG_KERNEL asks), the
# 1000-process openssl run, the packages on a booted system and the bounded fuzz run, and ends with one line "N passed, N failed" across all
# of them.  Exit status non-zero on any failure.  Stages to skip can be
# named in EP11_CHECK_SKIP (e.g. "kunit").
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
results=$repo/build/results
mkdir -p "$results"
total_p=0 total_f=0
summary=()

# count LOG PATTERN: sets p and f from the last line of LOG matching
# "<word>: P passed, F failed".
count() {
	local line
	line=$(grep -E "$2[: ]+[0-9]+ passed, [0-9]+ failed" "$1" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
}

record() {
	local name=$1
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	summary+=("$(printf '%-12s %4d passed, %d failed' "$name" "$p" "$f")")
	printf '\n=== %s: %d passed, %d failed\n' "$name" "$p" "$f"
}

skipped() {
	case " ${EP11_CHECK_SKIP:-} " in *" $1 "*) return 0 ;; esac
	return 1
}

# step NAME CMD...: a build-like step that counts as one test.
step() {
	local name=$1 log=$results/$1.log
	shift
	p=0 f=0
	skipped "$name" && return 0
	printf '\n=== %s: %s\n' "$name" "$*"
	if "$@" >"$log" 2>&1; then
		p=1 f=0
	else
		tail -n 40 "$log"
		p=0 f=1
	fi
	record "$name"
	return $f
}

# suite NAME WORD CMD...: a test suite that prints "WORD: P passed, F failed".
suite() {
	local name=$1 word=$2 log=$results/$1.log rc
	shift 2
	p=0 f=0
	skipped "$name" && return 0
	printf '\n=== %s: %s\n' "$name" "$*"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$log" "$word"
	if [ -z "$p" ] || [ -z "$f" ]; then
		p=0 f=1
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	record "$name"
}

no_warnings() {
	"$@" 2>&1 | tee /dev/stderr | { ! grep -iE '(^|[^a-z])warning' ; }
}

step deps scripts/install-deps.sh || {
	echo "check: dependencies could not be installed; stopping"
	echo "$total_p passed, $total_f failed"
	exit 1
}
step module no_warnings make module
module_ok=$f
step userspace make userspace
user_ok=$f
step style make style
step sparse make sparse
if [ "$user_ok" = 0 ]; then
	suite meson-test 'meson' scripts/meson-test.sh
fi
if [ "$module_ok" = 0 ] && [ "$user_ok" = 0 ]; then
	suite install 'install' tests/install/check-install
fi
suite kunit 'kunit' scripts/kunit.sh
if [ "$module_ok" = 0 ] && [ "$user_ok" = 0 ]; then
	suite vm-selftest 'vm-selftest' tests/vm/selftest
	suite vm-test 'vm' tests/vm/run-tests
	# The libp11 story at full size: 1000 openssl processes, one file
	# each, on a 16-session card (vm-test runs it with 80 files).
	step vm-openssl tests/vm/run --timeout 3600 -- \
		env EP11_OPENSSL_FILES=1000 bash tests/vm/t-lib-openssl-1000.sh
elif ! skipped vm-test; then
	p=0 f=1; record vm-test
fi
# The real card's provider on its own architecture: ep11sess.ko and
# ep11_zcrypt.ko cross-built (W=1) for Debian's s390x kernel, booted under
# qemu-system-s390x, loaded and unloaded (docs/zcrypt.md).  The W=1 and
# sparse build against linux-source-6.1 configured for s390 (make s390)
# runs too once its prepared tree is cached (make s390 prepares it).
step s390-boot scripts/s390-check.sh
if [ -e "${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}/s390-build/.ep11sess-ready" ]; then
	step s390-sparse make s390
fi
# The Debian packages: built, lintian-clean (debian/*.lintian-overrides
# say why for what is left), and installed on a VM booted with systemd as
# PID 1, used as a user of group ep11 and purged.
if step deb make deb; then
	step lintian lintian --fail-on error,warning build/deb/*.deb
	# DKMS builds the modules inside the VM, under TCG the longest part
	# of the stage (docs/testing.md gives the figures).
	if [ "$user_ok" = 0 ]; then
		step vm-packages tests/vm/run --systemd --no-load --timeout 3600 -- \
			bash tests/vm/pkg-systemd.sh
	else
		p=0 f=1; record vm-packages
	fi
fi
# The VM tests once more on the debug kernel (KASAN, lockdep, kmemleak...)
# only when asked: EP11_CHECK_DEBUG_KERNEL=1 uses the cached debug kernel
# (make debug-kernel), =build builds it here first.  Under TCG the suite
# takes more than an hour on it, too long for every make check
# (docs/testing.md); make vm-test-debug runs it on its own.
if [ "$module_ok" = 0 ] && [ "$user_ok" = 0 ] && ! skipped vm-debug &&
   [ -n "${EP11_CHECK_DEBUG_KERNEL:-}" ]; then
	if [ "${EP11_CHECK_DEBUG_KERNEL}" = build ] || scripts/debug-kernel.sh --status; then
		if step debug-kernel scripts/debug-kernel.sh; then
			suite vm-debug 'vm' env EP11VM_KERNEL=debug tests/vm/run-tests
		fi
	else
		printf '\n=== vm-debug: not run: no up-to-date debug kernel in the cache (make debug-kernel)\n'
		summary+=("$(printf '%-12s not run (make debug-kernel)' vm-debug)")
	fi
else
	summary+=("$(printf '%-12s not run (EP11_CHECK_DEBUG_KERNEL unset)' vm-debug)")
fi
if [ -x scripts/fuzz.sh ]; then
	step fuzz scripts/fuzz.sh
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
