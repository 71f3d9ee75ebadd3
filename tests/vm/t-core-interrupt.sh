#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A login killed while the card is still working on it: the card creates
# the session anyway, so the kernel logs in again from its worker (same
# PIN and nonce, same pin blob) and logs that session out, once the
# request time-out has passed and the abandoned Login has surely run.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
"$core_emu" --card 0b --domains 24 --max-sessions 16 --latency-us 4000000 \
	--state-dir "$core_state" 2>>"$core_state/emu-0b.log" &
core_pids="$core_pids $!"
for i in $(seq 100); do [ -S "$core_state/card0b.ctl" ] && break; sleep 0.1; done
[ -S "$core_state/card0b.ctl" ] || fail "card 0b did not come up"

"$core_cli" hold 0b.0024 >"$core_state/hold.out" 2>&1 &
holder=$!
sleep 0.7
grep -q ready "$core_state/hold.out" && fail "expected the login still in progress"
kill -KILL "$holder"
wait "$holder" 2>/dev/null || true
# The card has (or is about to have) the session nobody knows of.
for i in $(seq 150); do
	avail=$(core_ctl 0b sessions)
	[ "$avail" = "max 16 available 15" ] && break
	sleep 0.1
done
[ "$avail" = "max 16 available 15" ] ||
	fail "expected the killed login to have created a session on the card, got '$avail'"
for i in $(seq 400); do
	avail=$(core_ctl 0b sessions)
	[ "$avail" = "max 16 available 16" ] && break
	sleep 0.1
done
[ "$avail" = "max 16 available 16" ] ||
	fail "expected the orphaned session logged out within 40 s, got '$avail'"
[ "$(core_field 0b.0024 pending)" = 0 ] || fail "expected no pending logout left"
[ "$(core_field 0b.0024 kernel_held)" = 0 ] || fail "expected the kernel to hold nothing"
echo "core interrupt: the session of a killed login was logged out"
