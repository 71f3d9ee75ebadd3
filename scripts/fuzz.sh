#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [SECONDS]: builds the libFuzzer target of the emulated card's
# request path (tools/ep11-cardemu/fuzz/fuzz-request.c) with clang,
# AddressSanitizer and UBSan, and runs it for SECONDS (default 60, or
# $FUZZ_SECONDS) on a corpus kept in build/fuzz/corpus.  Exits 0 when
# nothing failed, 1 on a crash, leak or sanitizer report (the reproducer
# is left in build/fuzz/), 77 when clang cannot build libFuzzer targets.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-${FUZZ_SECONDS:-60}}
clang=${CLANG:-clang}
out=$repo/build/fuzz
emu=$repo/tools/ep11-cardemu

case "$secs" in
''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac
mkdir -p "$out/corpus"

if ! command -v "$clang" >/dev/null ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"$clang" -fsanitize=fuzzer,address -x c - -o "$out/probe" 2>/dev/null; then
	echo "fuzz: SKIP: $clang cannot build libFuzzer targets (install clang)"
	exit 77
fi
rm -f "$out/probe"

# The firmware library is every C file of tools/ep11-cardemu/ except the
# process around it (ep11-cardemu.c, control.c).
fw_src=()
for f in "$emu"/*.c; do
	case "${f##*/}" in
	ep11-cardemu.c|control.c) ;;
	*) fw_src+=("$f") ;;
	esac
done
cflags=(-std=gnu11 -D_GNU_SOURCE -g -O1 -I"$repo/include/uapi"
	-I"$repo/driver" -I"$emu")

"$clang" "${cflags[@]}" -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined \
	"$emu/fuzz/fuzz-request.c" "${fw_src[@]}" "$repo/driver/ep11_wire.c" \
	-lcrypto -lpthread -o "$out/fuzz-request"
# The seeds are made at run time on a card with the fuzz target's fixed
# wrapping keys: valid key blobs for every function and mechanism.
"$clang" "${cflags[@]}" "$emu/fuzz/fuzz-seeds.c" "${fw_src[@]}" \
	"$repo/driver/ep11_wire.c" -lcrypto -lpthread -o "$out/fuzz-seeds"
"$out/fuzz-seeds" "$out/corpus"

log=$out/fuzz.log
rc=0
(cd "$out" && ASAN_OPTIONS=detect_leaks=1 ./fuzz-request \
	-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=70000 -error_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$out/" \
	corpus) >"$log" 2>&1 || rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
if [ "$rc" != 0 ]; then
	tail -n 40 "$log"
	echo "fuzz: FAIL after ${runs:-?} inputs (exit $rc); reproducer:" \
		"$(ls -t "$out"/crash-* "$out"/leak-* "$out"/timeout-* \
		   "$out"/oom-* 2>/dev/null | head -n 1)"
	exit 1
fi
echo "fuzz: ok, ${runs:-?} inputs in ${secs} s, no crash"
