#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli.sh EP11-CARDEMU: the command line without a kernel: bad arguments
# exit 2 with a message naming the problem, a missing device or control
# socket exits 1 with the path in the message, and the wrapping keys are
# created (mode 0600) before the device is opened.
set -u
emu=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$dir"' EXIT
failed=0

# expect STATUS PATTERN ARGS...: runs the emulator, checks both.
expect() {
	local want=$1 pattern=$2 out st
	shift 2
	out=$("$emu" "$@" 2>&1); st=$?
	if [ "$st" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL: ep11-cardemu $*: expected status $want and /$pattern/, got status $st:"
		echo "$out"
		failed=1
	fi
}

ok=(--card 0b --domains 24,25 --max-sessions 4 --state-dir "$dir/state")
expect 0 "Usage: ep11-cardemu" --help
expect 2 "are required" --card 0b
expect 2 "bad card" --card zz --domains 24 --max-sessions 4 --state-dir "$dir"
expect 2 "bad card" --card 100 --domains 24 --max-sessions 4 --state-dir "$dir"
expect 2 "bad domain" --card 0b --domains 24,,x --max-sessions 4 --state-dir "$dir"
expect 2 "bad max sessions" --card 0b --domains 24 --max-sessions 5000 --state-dir "$dir"
expect 2 "busy-rate must be" "${ok[@]}" --busy-rate 1.5
expect 2 "login-fail-rate must be" "${ok[@]}" --login-fail-rate -1
expect 2 "16 characters" "${ok[@]}" --serial short
expect 2 "unexpected argument" "${ok[@]}" extra
expect 1 "domain 24 given twice" --card 0b --domains 24,24 --max-sessions 4 --state-dir "$dir"
expect 1 "cannot open $dir/no-device" "${ok[@]}" --device "$dir/no-device"
for d in 0024 0025; do
	mode=$(stat -c %a "$dir/state/wrapping-key-$d" 2>/dev/null)
	if [ "$mode" != 600 ]; then
		echo "FAIL: expected $dir/state/wrapping-key-$d with mode 600, got '${mode:-missing}'"
		failed=1
	fi
done
expect 1 "cannot reach $dir/none.ctl" ctl "$dir/none.ctl" status
expect 2 "usage: ep11-cardemu ctl" ctl "$dir/none.ctl"
exit $failed
