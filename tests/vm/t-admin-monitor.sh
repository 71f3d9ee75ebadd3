#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess monitor: login, logout, reclaimed (with the dead owner's pid,
# command and latency), exhausted, offline and online events, one line
# each with a timestamp; --json; nobody is refused.
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
admin_wait_file "$mon.err" 'monitoring events'
admin_wait_file "$mon.json.err" 'monitoring events'

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
expect "json events in order" "online login login exhausted logout reclaimed" \
	"$(jq -r .event "$mon.json" | head -6 | tr '\n' ' ' | sed 's/ $//')"
cat "$mon"
echo "admin monitor: ok"
