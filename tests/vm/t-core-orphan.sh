#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A removed card's pending logout is kept by its serial number, the domain
# and the domain's wrapping key (WKID): ep11sess status (text and JSON)
# lists it with its serial, domain, WKID and session, and the status
# ioctl counts it, for a caller of ABI version 1 too.  A card with that
# serial that registers again with the same key gets it (a restarted
# emulator has forgotten the session: CKR_SESSION_CLOSED counts as done);
# a card with that serial whose domain has another wrapping key does not,
# and neither does a card with another serial: the orphaned logout
# expires after orphan_timeout_s and is counted.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
ep11sess=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess
[ -x "$ep11sess" ] || { echo "SKIP: $ep11sess not built"; exit 77; }
cls=/sys/class/ep11sess
expect() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
orphans_are() { [ "$(cat $cls/orphaned_logouts)" = "$1" ]; }

# orphan_one: a session on 0c.0024 whose logout is pending when 0c goes;
# sets serial, wkid and id (the session's public id).
orphan_one() {
	core_hold "$core_state/hold.out" 0c.0024
	serial=$(cat $cls/card0c/serialnr)
	wkid=$(core_ctl 0c status | sed -n 's/^domain 0024 .* wkid \([0-9a-f]*\)$/\1/p')
	[ ${#wkid} = 32 ] || fail "no WKID of 0c.0024 in the emulator's status"
	id=$("$ep11sess" show --apqn 0c.0024 --json | jq -r '.sessions[0].id')
	[ ${#id} = 32 ] || fail "no session on 0c.0024 in ep11sess show"
	core_ctl 0c offline 24 >/dev/null || fail "cannot take 0c.0024 offline"
	kill -KILL "$core_held"
	wait "$core_held" 2>/dev/null || true
	expect "0c.0024 pending" 1 "$(core_field 0c.0024 pending)"
	core_stop_card 0c
	vmt_poll 10 test ! -e $cls/card0c || fail "card0c still registered"
}

# ioctl_field NAME: one field of `core-sess orphans` (the status ioctl).
ioctl_field() {
	"$core_cli" orphans | tr ' ' '\n' | sed -n "/^$1\$/{n;p}"
}

# expect_listed: ep11sess status shows the orphan of orphan_one.
expect_listed() {
	local out=$core_state/status.json o
	"$ep11sess" status --json >"$out" || fail "ep11sess status --json failed"
	jq -e . "$out" >/dev/null || fail "status --json: expected valid JSON, got $(cat "$out")"
	expect "json orphaned_logouts" 1 "$(jq '.orphaned_logouts' "$out")"
	expect "json orphans" 1 "$(jq '.orphans | length' "$out")"
	o=$(jq -r '.orphans[0] | "\(.serial) \(.domain) \(.wkid) \(.id) \(.uid) \(.comm) \(.state)"' "$out")
	expect "json orphan" "$serial 36 $wkid $id 0 core-sess pending" "$o"
	o=$(jq '.orphans[0].expires_in_s' "$out")
	if [ "$o" -lt 1 ] ||
	   [ "$o" -gt "$(cat /sys/module/ep11sess/parameters/orphan_timeout_s)" ]; then
		fail "json orphan expires_in_s: expected 1 to orphan_timeout_s, got '$o'"
	fi
	"$ep11sess" status >"$core_state/status.txt" || fail "ep11sess status failed"
	if ! grep -q "^Orphaned Logouts:      1 " "$core_state/status.txt" ||
	   ! grep -q "^  Card $serial Domain 0024: session $id, uid 0 (core-sess), logout pending, WKID $wkid, expires in [0-9]* s$" "$core_state/status.txt"; then
		cat "$core_state/status.txt"
		fail "ep11sess status: expected the orphaned logout of $serial 0024"
	fi
	expect "ioctl orphaned" 1 "$(ioctl_field orphaned)"
	expect "ioctl timeout_s" "$(cat /sys/module/ep11sess/parameters/orphan_timeout_s)" \
		"$(ioctl_field timeout_s)"
}

core_start_card 0c 24 16
orphan_one
expect "orphaned_logouts after the removal" 1 "$(cat $cls/orphaned_logouts)"
expect_listed
# A user other than the owner sees the count, not the orphan.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ep11sess" status --json) ||
	fail "ep11sess status --json as nobody failed"
expect "nobody's json orphaned_logouts" 1 "$(echo "$out" | jq '.orphaned_logouts')"
expect "nobody's json orphans" 0 "$(echo "$out" | jq '.orphans | length')"

# The same card (same serial, same key) returns: the logout is retried.
core_start_card 0c 24 16
vmt_poll 10 orphans_are 0 ||
	fail "the orphaned logout was not handed to the returning card"
expect "orphans_adopted" 1 "$(cat $cls/orphans_adopted)"
expect "ioctl adopted" 1 "$(ioctl_field adopted)"
core_wait_field 0c.0024 pending 0 || fail "0c.0024: the adopted logout stayed pending"
expect "0c sessions" "max 16 available 16" "$(core_ctl 0c sessions)"
expect "0c.0024 card_used" 0 "$(core_field 0c.0024 card_used)"
expect "json orphans after the adoption" 0 \
	"$("$ep11sess" status --json | jq '.orphans | length')"

# The same serial with another wrapping key in the domain (a fresh state
# directory): not adopted; then another card under another number: not
# adopted either; the logout expires.  10 s, more on a slow (debug)
# kernel, whose tests get more time: what follows must fit in it.
orphan_s=$((${EP11VM_TEST_TIMEOUT:-300} / 30))
[ "$orphan_s" -ge 10 ] || orphan_s=10
echo "$orphan_s" >/sys/module/ep11sess/parameters/orphan_timeout_s
orphan_one
expect "orphaned_logouts" 1 "$(cat $cls/orphaned_logouts)"
fresh=$(mktemp -d "$core_state/fresh.XXXXXX")
vmt_start_card "$fresh" 0c 24 16 --serial "$serial"
# shellcheck disable=SC2034 # core_stop_card reads it through eval
core_pid_0c=$vmt_started
core_pids="$core_pids $vmt_started"
vmt_wait_card "$fresh" 0c 10 "$core_cli" count 0c.0024
expect "the card's serial" "$serial" "$(cat $cls/card0c/serialnr)"
other=$("$core_emu" ctl "$fresh/card0c.ctl" status | sed -n 's/^domain 0024 .* wkid \([0-9a-f]*\)$/\1/p')
if [ ${#other} != 32 ] || [ "$other" = "$wkid" ]; then
	fail "the fresh state directory's WKID: expected another than $wkid, got '$other'"
fi
sleep 1
expect "orphans_adopted with another wrapping key" 1 "$(cat $cls/orphans_adopted)"
expect "orphaned_logouts with another wrapping key" 1 "$(cat $cls/orphaned_logouts)"
expect "json orphan with another wrapping key" "$serial $wkid $id" \
	"$("$ep11sess" status --json | jq -r '.orphans[0] | "\(.serial) \(.wkid) \(.id)"')"
dmesg | grep -q "card0c.0024 (serial $serial) has another wrapping key than session $id" ||
	fail "expected the other wrapping key in the kernel log"
core_stop_card 0c
vmt_poll 10 test ! -e $cls/card0c || fail "card0c still registered"

core_start_card 0c 24 16 --serial OTHERCARD0000001
expect "orphans_adopted after another card came" 1 "$(cat $cls/orphans_adopted)"
expect "orphaned_logouts with another serial" 1 "$(cat $cls/orphaned_logouts)"
vmt_poll $((orphan_s + 10)) orphans_are 0 ||
	fail "the orphaned logout did not expire"
expect "orphans_expired" 1 "$(cat $cls/orphans_expired)"
expect "orphans_adopted" 1 "$(cat $cls/orphans_adopted)"
expect "ioctl expired" 1 "$(ioctl_field expired)"
expect "json orphans_expired" 1 "$("$ep11sess" status --json | jq '.orphans_expired')"
dmesg | grep -q "did not return within $orphan_s s" || fail "expected the expiry in the kernel log"
expect "0c.0024 card_used" 0 "$(core_field 0c.0024 card_used)"
echo "core orphan: ok"
