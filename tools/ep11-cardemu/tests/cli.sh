#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli.sh EP11-CARDEMU: the command line without a kernel: bad arguments
# exit 2 with a message naming the problem and the range (the man page's
# EXIT STATUS), a missing device or control socket exits 1 with the path in
# the message, an unsafe state directory exits 1 saying why, and the
# wrapping keys are created (mode 0600) before the device is opened; under
# systemd's journal the messages carry their syslog priority.
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
expect 2 "bad max sessions 0: must be 1 to 4096" --card 0b --domains 24 --max-sessions 0 --state-dir "$dir"
expect 2 "bad thread count 0: must be 1 to 64" "${ok[@]}" --threads 0
expect 2 "bad queue depth 0: must be 1 to 64" "${ok[@]}" --queue-depth 0
expect 2 "bad card 100: must be hex 00 to ff" --card 100 --domains 24 --max-sessions 4 --state-dir "$dir"
expect 2 "busy-rate must be" "${ok[@]}" --busy-rate 1.5
expect 2 "login-fail-rate must be" "${ok[@]}" --login-fail-rate -1
expect 2 "16 characters" "${ok[@]}" --serial short
expect 2 "unexpected argument" "${ok[@]}" extra
expect 2 "domain 24 given twice" --card 0b --domains 24,24 --max-sessions 4 --state-dir "$dir"
expect 2 "domain 24 given twice" --card 0b --domains 24 --domains 25,24 --max-sessions 4 --state-dir "$dir"
# A state directory that others may write, or a file in its place.
mkdir -m 0777 "$dir/open"
expect 1 "$dir/open has mode 0777: writable by its group or others; chmod go-w" \
	--card 0b --domains 24 --max-sessions 4 --state-dir "$dir/open"
: >"$dir/file"
expect 1 "$dir/file is not a directory" --card 0b --domains 24 --max-sessions 4 --state-dir "$dir/file"
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

# The journal: when standard error is the stream $JOURNAL_STREAM names,
# every line of a message carries its syslog priority ("<3>" an error);
# any other standard error gets the plain message.
journal() {
	local want=$1 out=$2
	shift 2
	: >"$dir/journal"
	env JOURNAL_STREAM="$(stat -c %d:%i "$dir/$out")" "$emu" "$@" 2>>"$dir/journal"
	if ! head -n 1 "$dir/journal" | grep -qE -- "$want"; then
		echo "FAIL: ep11-cardemu $* with JOURNAL_STREAM naming $out: expected a first line /$want/, got:"
		cat "$dir/journal"
		failed=1
	fi
}
: >"$dir/other"
journal '^<3>ep11-cardemu: bad max sessions 0: must be 1 to 4096$' journal \
	--card 0b --domains 24 --max-sessions 0 --state-dir "$dir"
journal '^<3>ep11-cardemu: cannot open .*no-device: No such file' journal \
	"${ok[@]}" --device "$dir/no-device"
journal '^<3>ep11-cardemu: .*open has mode 0777' journal \
	--card 0b --domains 24 --max-sessions 4 --state-dir "$dir/open"
journal '^ep11-cardemu: bad max sessions 0' other \
	--card 0b --domains 24 --max-sessions 0 --state-dir "$dir"
exit $failed
