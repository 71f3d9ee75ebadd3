#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unaccounted sessions: another host's sessions on the card (the
# emulator's foreign-login) show as max - available - held here in
# status (per card and per APQN, text and JSON), sysfs and netlink, with
# an event when they grow and none when they shrink; foreign-login beyond
# the card's budget and foreign-logout beyond what is open are refused.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
fleet_sess=$EP11VM_REPO/build/meson/tests/vm/fleet-sess
[ -x "$fleet_sess" ] || { echo "SKIP: $fleet_sess not built"; exit 77; }
ev=$admin_state/events
out=$admin_state/out

admin_start_card 0b 24,25 8
"$fleet_sess" events >"$ev" 2>"$ev.err" &
admin_pids="$admin_pids $!"
admin_wait_file "$ev.err" '^ready'

admin_hold "$admin_state/h1" 2 0b.0024
"$ep11sess" status >"$out"
expect_grep "no other host: unaccounted" '^  Unaccounted: +0 ' "$out"

ctl="$admin_emu ctl $admin_state/card0b.ctl"
$ctl foreign-login 3 >"$out" || fail "foreign-login 3: $(cat "$out")"
expect_grep "foreign-login answer" '^ok foreign 3 available 3$' "$out"
"$ep11sess" status >"$out"
expect "status: both APQNs show the card's 3 unaccounted" 2 \
	"$(grep -Ec '^  Unaccounted: +3 \(on the card, not held by this host\)$' "$out")"
expect "sysfs unaccounted_sessions" 3 "$(admin_attr card0b unaccounted_sessions)"
"$ep11sess" status --json >"$out"
expect "json unaccounted per APQN" "3 3" \
	"$(jq -r '[.apqns[].unaccounted_sessions] | join(" ")' "$out")"
admin_wait_file "$ev" '^unaccounted card=0b domain=0024 now=3 before=0 max=8 avail=3 held=2$'

rc=0; $ctl foreign-login 4 >"$out" || rc=$?
expect "foreign-login beyond the budget: exit code" 1 "$rc"
expect_grep "foreign-login beyond the budget: message" \
	'^error: foreign-login 4: only 3 of 8 sessions available$' "$out"
rc=0; $ctl foreign-login 0 >"$out" || rc=$?
expect "foreign-login 0: exit code" 1 "$rc"
expect_grep "foreign-login 0: message" 'bad session count 0' "$out"

$ctl foreign-logout 2 >/dev/null || fail "foreign-logout 2"
"$ep11sess" status --apqn 0b.0025 >"$out"
expect_grep "after foreign-logout 2" '^  Unaccounted: +1 ' "$out"
expect "events after a shrink" 1 "$(grep -c '^unaccounted' "$ev")"
rc=0; $ctl foreign-logout 2 >"$out" || rc=$?
expect "foreign-logout beyond what is open: exit code" 1 "$rc"
expect_grep "foreign-logout beyond what is open: message" \
	'only 1 foreign sessions open' "$out"
$ctl status >"$out"
expect_grep "the card's own status" '^foreign_sessions 1$' "$out"

# Our own logins and logouts are never another host's.
admin_kill "$admin_held"
admin_wait_attr card0b sessions_held 0
"$ep11sess" status >/dev/null
expect "sysfs after our sessions went" 1 "$(admin_attr card0b unaccounted_sessions)"
$ctl foreign-login 5 >/dev/null || fail "foreign-login 5"
"$ep11sess" status >/dev/null
admin_wait_file "$ev" '^unaccounted card=0b domain=0024 now=6 before=1 max=8 avail=2 held=0$'
$ctl foreign-logout 6 >/dev/null || fail "foreign-logout 6"
"$ep11sess" status >/dev/null
expect "sysfs after the other host left" 0 "$(admin_attr card0b unaccounted_sessions)"
cat "$ev"
echo "fleet unaccounted: ok"
