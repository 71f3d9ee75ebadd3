#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A removed card's pending logout is kept by its serial number: a card
# with that serial that registers again gets it (a restarted emulator has
# forgotten the session: CKR_SESSION_CLOSED counts as done); a card with
# another serial does not, and the orphaned logout expires after
# orphan_timeout_s and is counted.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
cls=/sys/class/ep11sess
expect() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
orphans_are() { [ "$(cat $cls/orphaned_logouts)" = "$1" ]; }

# orphan_one: a session on 0c.0024 whose logout is pending when 0c goes.
orphan_one() {
	core_hold "$core_state/hold.out" 0c.0024
	core_ctl 0c offline 24 >/dev/null || fail "cannot take 0c.0024 offline"
	kill -KILL "$core_held"
	wait "$core_held" 2>/dev/null || true
	expect "0c.0024 pending" 1 "$(core_field 0c.0024 pending)"
	core_stop_card 0c
	vmt_poll 10 test ! -e $cls/card0c || fail "card0c still registered"
}

core_start_card 0c 24 16
orphan_one
expect "orphaned_logouts after the removal" 1 "$(cat $cls/orphaned_logouts)"

# The same card (same serial) returns: the logout is retried and done.
core_start_card 0c 24 16
vmt_poll 10 orphans_are 0 ||
	fail "the orphaned logout was not handed to the returning card"
expect "orphans_adopted" 1 "$(cat $cls/orphans_adopted)"
core_wait_field 0c.0024 pending 0 || fail "0c.0024: the adopted logout stayed pending"
expect "0c sessions" "max 16 available 16" "$(core_ctl 0c sessions)"
expect "0c.0024 card_used" 0 "$(core_field 0c.0024 card_used)"

# Another card under the same number: not adopted; expires.
echo 10 >/sys/module/ep11sess/parameters/orphan_timeout_s
orphan_one
expect "orphaned_logouts" 1 "$(cat $cls/orphaned_logouts)"
core_start_card 0c 24 16 --serial OTHERCARD0000001
expect "orphans_adopted after another card came" 1 "$(cat $cls/orphans_adopted)"
expect "orphaned_logouts with another serial" 1 "$(cat $cls/orphaned_logouts)"
vmt_poll 20 orphans_are 0 ||
	fail "the orphaned logout did not expire"
expect "orphans_expired" 1 "$(cat $cls/orphans_expired)"
expect "orphans_adopted" 1 "$(cat $cls/orphans_adopted)"
dmesg | grep -q "did not return within 10 s" || fail "expected the expiry in the kernel log"
expect "0c.0024 card_used" 0 "$(core_field 0c.0024 card_used)"
echo "core orphan: ok"
