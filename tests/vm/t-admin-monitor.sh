#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess monitor: login, logout, reclaimed (with the dead owner's pid,
# command and latency), exhausted, offline and online events, one line
# each with a timestamp; --json; --apqn and --event filters; the module
# unloaded and loaded again is followed and said; nobody is refused.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
mon=$admin_state/mon
out=$admin_state/out

rc=0; as_nobody "$ep11sess" monitor >"$out" 2>&1 || rc=$?
expect "nobody: exit code" 4 "$rc"
expect_grep "nobody: message" 'permission denied' "$out"

"$ep11sess" monitor >"$mon" 2>"$mon.err" &
admin_pids="$admin_pids $!"
"$ep11sess" monitor --json >"$mon.json" 2>"$mon.json.err" &
admin_pids="$admin_pids $!"
"$ep11sess" monitor --apqn 0b.0024 --event login,reclaimed >"$mon.f" 2>"$mon.f.err" &
admin_pids="$admin_pids $!"
"$ep11sess" monitor --apqn 0b.0025 >"$mon.other" 2>"$mon.other.err" &
admin_pids="$admin_pids $!"
admin_wait_file "$mon.err" 'monitoring events'
admin_wait_file "$mon.json.err" 'monitoring events'
admin_wait_file "$mon.f.err" 'monitoring events'
admin_wait_file "$mon.other.err" 'monitoring events'

ts='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} '
admin_start_card 0b 24 2
admin_wait_file "$mon" "${ts}online +0b\\.0024\$"

admin_hold "$admin_state/h1" 2 0b.0024
h1=$admin_held
id=$(sed -n 's/^session //p' "$admin_state/h1" | head -1)
admin_wait_file "$mon" "${ts}login +0b\\.0024 session $id pid $h1 \\(admin-sess\\)\$"

"$admin_sess" login-fail 0b.0024 || fail "a third login on a card of 2: expected ENOSPC"
admin_wait_file "$mon" "${ts}exhausted 0b\\.0024: no free session on card 0b\$"

"$ep11sess" logout -id "$id" >/dev/null
admin_wait_file "$mon" "${ts}logout +0b\\.0024 session $id pid $h1 \\(admin-sess\\)\$"

admin_kill "$h1"
admin_wait_file "$mon" "${ts}reclaimed 0b\\.0024 session [0-9a-f]{32} pid $h1 \\(admin-sess\\): owner gone, logged out in [0-9]+ us\$"

admin_ctl 0b offline 24
admin_wait_file "$mon" "${ts}offline +0b\\.0024\$"
admin_ctl 0b online 24
admin_wait_file "$mon" "${ts}online +0b\\.0024\$"

admin_wait_file "$mon.json" '"event": "reclaimed"'
jq -e . "$mon.json" >/dev/null || fail "monitor --json: expected one JSON object per line"
expect "json reclaimed pid" "$h1" "$(jq -r 'select(.event == "reclaimed") | .pid' "$mon.json")"
lat=$(jq -r 'select(.event == "reclaimed") | .latency_us' "$mon.json")
[ "$lat" -gt 0 ] || fail "json reclaimed latency_us: expected > 0, got $lat"
expect "json events in order" "online login login exhausted logout admin-logout reclaimed" \
	"$(jq -r .event "$mon.json" | head -7 | tr '\n' ' ' | sed 's/ $//')"
time=$(jq -r 'select(.event == "reclaimed") | .time' "$mon.json")
[[ $time =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]] ||
	fail "monitor --json time: expected RFC 3339 UTC with nanoseconds, got '$time'"
expect "json: unknown is null" "null null" \
	"$(jq -r 'select(.event == "online") | "\(.id) \(.latency_us)"' "$mon.json" | head -1)"

# The filtered monitors: logins and reclaims of 0b.0024 only; none of
# 0b.0025.
admin_wait_file "$mon.f" ' reclaimed '
expect "--apqn --event: only logins and the reclaim" "login login reclaimed" \
	"$(awk '{ print $3 }' "$mon.f" | tr '\n' ' ' | sed 's/ $//')"
[ -s "$mon.other" ] && fail "--apqn 0b.0025: expected no event, got $(cat "$mon.other")"

# The module goes away and comes back: the monitor says so and goes on.
admin_stop_card 0b
rmmod ep11_vcard || fail "rmmod ep11_vcard"
rmmod ep11sess || fail "rmmod ep11sess"
admin_wait_file "$mon.err" 'the ep11sess module went away'
admin_wait_file "$mon.json" '"event": "module-gone"'
kmod=$EP11VM_REPO/build/kmod/driver
insmod "$kmod/ep11sess.ko" || fail "reload ep11sess"
insmod "$kmod/vcard/ep11_vcard.ko" || fail "reload ep11_vcard"
admin_wait_file "$mon.err" 'the ep11sess module is back; monitoring its events again'
admin_wait_file "$mon.json" '"event": "reconnected"'
admin_start_card 0b 24 2
vmt_poll 10 eval '[ "$(grep -Ec "${ts}online +0b\\.0024\$" "$mon")" -ge 3 ]' ||
	fail "after the reload: expected the card's online event, got $(cat "$mon")"
cat "$mon"
echo "admin monitor: ok"
