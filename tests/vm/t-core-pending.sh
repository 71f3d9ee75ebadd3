#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A request bound to a session goes to the session's other APQN when the
# chosen one is offline.  An APQN offline during reclaim keeps a pending
# logout that is done when it comes back online; the same with the card
# removed instead: the pending logout is kept for the card's return
# (orphaned) and nothing hangs.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
core_start_card 0c 24 16

mkfifo "$core_state/go"
"$core_cli" failover 0b.0024 0c.0024 <"$core_state/go" >"$core_state/fo.out" 2>&1 &
fo=$!
exec 5>"$core_state/go"
for i in $(seq 100); do grep -q ready "$core_state/fo.out" && break; sleep 0.1; done
core_ctl 0b offline 24 >/dev/null || fail "cannot take 0b.0024 offline"
echo go >&5
exec 5>&-
wait "$fo" || { cat "$core_state/fo.out"; fail "fail-over"; }
cat "$core_state/fo.out"
core_ctl 0b online 24 >/dev/null || fail "cannot take 0b.0024 online"

core_hold "$core_state/hold1.out" 0b.0024 0c.0024
core_ctl 0c offline 24 >/dev/null || fail "cannot take 0c.0024 offline"
kill -KILL "$core_held"
wait "$core_held" 2>/dev/null || true
[ "$(core_field 0b.0024 card_used)" = 0 ] || fail "0b.0024: expected its session logged out"
p=$(core_field 0c.0024 pending)
[ "$p" = 1 ] || fail "0c.0024: expected 1 pending logout while offline, got $p"
avail=$(core_ctl 0c sessions)
[ "$avail" = "max 16 available 15" ] || fail "0c: expected the card to still hold the session, got '$avail'"
core_ctl 0c online 24 >/dev/null || fail "cannot take 0c.0024 online"
core_wait_field 0c.0024 pending 0 || fail "0c.0024: pending logout not done 10 s after online"
avail=$(core_ctl 0c sessions)
[ "$avail" = "max 16 available 16" ] || fail "0c: expected all 16 available after online, got '$avail'"
[ "$(core_field 0c.0024 card_used)" = 0 ] || fail "0c.0024: card and kernel disagree"

core_hold "$core_state/hold2.out" 0b.0024 0c.0024
core_ctl 0c offline 24 >/dev/null || fail "cannot take 0c.0024 offline"
kill -KILL "$core_held"
wait "$core_held" 2>/dev/null || true
[ "$(core_field 0c.0024 pending)" = 1 ] || fail "0c.0024: expected 1 pending logout"
dmesg -c >/dev/null 2>&1 || true
core_stop_card 0c
sleep 0.5
"$core_cli" count 0c.0024 >/dev/null 2>&1 && fail "0c.0024: expected gone with its card"
dmesg | grep -q "card0c.0024 removed: the logout of session .* is kept for the card with serial" ||
	fail "expected the kernel to log the orphaned pending logout"
o=$(cat /sys/class/ep11sess/orphaned_logouts)
[ "$o" = 1 ] || fail "expected 1 orphaned logout after the card's removal, got $o"
[ "$(core_field 0b.0024 card_used)" = 0 ] || fail "0b.0024: expected 0 used"
echo "core pending: ok"
