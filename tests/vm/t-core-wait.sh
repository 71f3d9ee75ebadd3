#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A login on a full card waits for a session of that card to be logged
# out (here: its holder killed) instead of failing at once.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 1
core_hold "$core_state/a.out" 0b.0024
a=$core_held
"$core_cli" hold 0b.0024 >"$core_state/b.out" 2>&1 &
b=$!
core_pids="$core_pids $b"
sleep 1
grep -q ready "$core_state/b.out" && fail "expected the second login to wait on the full card"
kill -0 "$b" 2>/dev/null || { cat "$core_state/b.out"; fail "expected the second login still waiting, it ended"; }
kill -KILL "$a"
wait "$a" 2>/dev/null || true
for i in $(seq 50); do grep -q ready "$core_state/b.out" && break; sleep 0.1; done
grep -q ready "$core_state/b.out" || { cat "$core_state/b.out"; fail "expected the waiting login to succeed after the holder died"; }
[ "$(core_field 0b.0024 card_used)" = 1 ] || fail "expected 1 session used"
kill -KILL "$b"
wait "$b" 2>/dev/null || true
[ "$(core_field 0b.0024 card_used)" = 0 ] || fail "expected 0 sessions used at the end"
echo "core wait: the login waited for the dead holder's session"
