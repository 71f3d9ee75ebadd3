#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SIGKILL a process holding a session on 3 APQNs: every card's available
# count is back before the process is reaped; prints the reclaim latency.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
core_start_card 0c 24 16
core_start_card 0d 24 16
core_hold "$core_state/hold.out" 0b.0024 0c.0024 0d.0024
for a in 0b.0024 0c.0024 0d.0024; do
	used=$(core_field $a card_used)
	[ "$used" = 1 ] || fail "$a: expected 1 session used on the card while held, got $used"
done
kill -KILL "$core_held"
wait "$core_held" 2>/dev/null || true
for a in 0b.0024 0c.0024 0d.0024; do
	used=$(core_field $a card_used)
	held=$(core_field $a kernel_held)
	[ "$used" = 0 ] && [ "$held" = 0 ] ||
		fail "$a: expected 0 used by card and kernel right after the kill, got $used and $held"
	echo "$a: reclaimed $(core_field $a reclaimed), latency $(core_field $a last_reclaim_us) us"
	[ "$(core_field $a reclaimed)" = 1 ] || fail "$a: expected 1 reclaimed"
done
echo "core kill: ok"
