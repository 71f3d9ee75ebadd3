#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess show: every session with its owner and APQNs for root, the
# caller's own for others; -id, -pid, -date, --apqn filters, --json;
# "no such session" and bad options give their exit codes.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
out=$admin_state/out

# A session spans APQNs with the same wrapping key: one domain, two cards.
admin_start_card 0b 24 16
admin_start_card 0c 24 16
admin_hold "$admin_state/h1" 2 0b.0024 0c.0024
h1=$admin_held
admin_hold "$admin_state/h2" 1 0c.0024
h2=$admin_held
id1=$(sed -n 's/^session //p' "$admin_state/h1" | head -1)
id3=$(sed -n 's/^session //p' "$admin_state/h2")

"$ep11sess" show >"$out"
cat "$out"
expect "sessions shown" 3 "$(grep -c '^[0-9a-f]\{32\} ' "$out")"
expect_grep "owner pid and command" "^$id1 +$h1 +0 admin-sess .* 1  0b\.0024:live 0c\.0024:live$" "$out"
expect_grep "the second holder" "^$id3 +$h2 +0 admin-sess .* 1  0c\.0024:live$" "$out"

"$ep11sess" show -pid "$h1" >"$out"
expect "-pid" 2 "$(grep -c "^[0-9a-f]\{32\} *$h1 " "$out")"
expect "-pid only" 2 "$(grep -c '^[0-9a-f]\{32\} ' "$out")"
"$ep11sess" show --id "$id3" >"$out"
expect "--id" "$id3" "$(awk 'NR == 2 { print $1 }' "$out")"
"$ep11sess" show --apqn 0b.0024 >"$out"
expect "--apqn 0b.0024" 2 "$(grep -c '^[0-9a-f]\{32\} ' "$out")"
tomorrow=$(date -d tomorrow +%Y/%m/%d)
"$ep11sess" show -date "$tomorrow" >"$out"
expect "-date tomorrow" 3 "$(grep -c '^[0-9a-f]\{32\} ' "$out")"
# pkcsep11_session's -date includes the sessions created on that day.
"$ep11sess" show -date "$(date +%Y/%m/%d)" >"$out"
expect "-date today includes today's sessions" 3 "$(grep -c '^[0-9a-f]\{32\} ' "$out")"
yesterday=$(date -d yesterday +%Y/%m/%d)
rc=0; "$ep11sess" show -date "$yesterday" >"$out" 2>&1 || rc=$?
expect "-date yesterday excludes today's sessions" 5 "$rc"
rc=0; "$ep11sess" show -date 2001/01/01 >"$out" 2>&1 || rc=$?
expect "-date 2001/01/01 exit code" 5 "$rc"
expect_grep "no such session" 'no such session' "$out"
rc=0; "$ep11sess" show -pid "$h1" --apqn 0b.0024 -id "$id3" >"$out" 2>&1 || rc=$?
expect "filters combine" 5 "$rc"

"$ep11sess" show --json >"$out"
jq -e . "$out" >/dev/null || fail "show --json: expected valid JSON"
expect "json sessions" 3 "$(jq '.sessions | length' "$out")"
expect "json apqns of $id1" '"0b.0024:live,0c.0024:live"' \
	"$(jq -c "[.sessions[] | select(.id == \"$id1\") | .apqns[] | .apqn + \":\" + .state] | join(\",\")" "$out")"
expect "json pid" "$h2" "$(jq ".sessions[] | select(.id == \"$id3\") | .pid" "$out")"
expect "json comm" '"admin-sess"' "$(jq ".sessions[] | select(.id == \"$id3\") | .comm" "$out")"

# Unprivileged callers see the sessions created under their uid: none.
as_nobody "$ep11sess" show >"$out"
expect "nobody sees no root session" "No EP11 session is held under your uid." "$(cat "$out")"
rc=0; as_nobody "$ep11sess" show -id "$id1" >"$out" 2>&1 || rc=$?
expect "nobody asking for root's session" 5 "$rc"

rc=0; "$ep11sess" show -id 1234 >"$out" 2>&1 || rc=$?
expect "short id exit code" 2 "$rc"
expect_grep "short id message" '32 hex digits' "$out"
rc=0; "$ep11sess" show -pid abc >"$out" 2>&1 || rc=$?
expect "bad pid exit code" 2 "$rc"
rc=0; "$ep11sess" show -date 2026-01-01 >"$out" 2>&1 || rc=$?
expect "bad date exit code" 2 "$rc"
expect_grep "bad date message" 'yyyy/mm/dd' "$out"
"$ep11sess" show -slot 0 -pin 12345678 -id "$id3" >"$out" 2>&1
expect_grep "pkcsep11_session's -slot and -pin are noted" 'not needed' "$out"
echo "admin show: ok"
