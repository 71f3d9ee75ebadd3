#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess show: every session with its owner and APQNs for root, the
# caller's own for others; -id, -pid, -date, --apqn filters, --json;
# the holders' live pids, a creator that is gone marked and a reused pid
# never shown as the creator's; "no such session" and bad options give
# their exit codes.
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
expect_grep "owner pid and command" "^$id1 +$h1 +0 admin-sess .* 1  0b\.0024:live 0c\.0024:live holders=$h1$" "$out"
expect_grep "the second holder" "^$id3 +$h2 +0 admin-sess .* 1  0c\.0024:live holders=$h2$" "$out"

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
expect "json owner alive" '"alive"' "$(jq ".sessions[] | select(.id == \"$id3\") | .owner" "$out")"
expect "json holder pids" "[$h2]" "$(jq -c ".sessions[] | select(.id == \"$id3\") | .holder_pids" "$out")"
expect "json not a leftover" null "$(jq ".sessions[] | select(.id == \"$id3\") | .leftover" "$out")"
created=$(jq -r ".sessions[] | select(.id == \"$id3\") | .created" "$out")
[[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]] ||
	fail "json created: expected RFC 3339 UTC with nanoseconds, got '$created'"
# (jq reads numbers as doubles: the exact figure is taken from the text.)
created_ns=$("$ep11sess" show -id "$id3" --json | grep -o '"created_ns": [0-9]*' | grep -o '[0-9]*$')
expect "json created and created_ns are one time" "$created" \
	"$(date -u -d "@$((created_ns / 1000000000))" +%Y-%m-%dT%H:%M:%S).$(printf %09d $((created_ns % 1000000000)))Z"
expect "json keep_expires unknown" "null null" \
	"$(jq -r ".sessions[] | select(.id == \"$id3\") | \"\\(.keep_expires) \\(.keep_expires_ns)\"" "$out")"

# The creator exits, its forked child keeps the session: PID says "gone",
# the child is the holder, and the session is a leftover.
admin_orphan "$admin_state/o1" 0c.0024
"$ep11sess" show -id "$admin_orphan_id" >"$out"
cat "$out"
expect_grep "creator gone, child holds" "^$admin_orphan_id +gone +0 admin-sess .* 1  0c\.0024:live holders=$admin_holder leftover:orphaned$" "$out"
# A new process given the creator's pid is never shown as the creator.
admin_reuse_pid "$admin_creator"
"$ep11sess" show -id "$admin_orphan_id" >"$out"
expect_grep "a reused pid is not the creator" "^$admin_orphan_id +gone " "$out"
grep -q " $admin_creator " "$out" && fail "show printed pid $admin_creator, now an unrelated sleep: $(cat "$out")"
"$ep11sess" show -id "$admin_orphan_id" --json >"$out"
expect "json reused pid: pid" null "$(jq '.sessions[0].pid' "$out")"
expect "json reused pid: owner" '"gone"' "$(jq '.sessions[0].owner' "$out")"
expect "json orphan: holders" "[$admin_holder]" "$(jq -c '.sessions[0].holder_pids' "$out")"
expect "json orphan: leftover" '"orphaned"' "$(jq '.sessions[0].leftover' "$out")"
admin_kill "$admin_holder"
admin_wait_attr 0c.0024 sessions_held 3

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
"$ep11sess" show -slot 0 -id "$id3" >"$out" 2>&1
expect_grep "pkcsep11_session's -slot is noted" 'not needed' "$out"
rc=0; "$ep11sess" show -pin 12345678 >"$out" 2>&1 || rc=$?
expect "-pin is no option" 2 "$rc"
rc=0; "$ep11sess" show -date 2026/02/31 >"$out" 2>&1 || rc=$?
expect "a day that does not exist" 2 "$rc"
echo "admin show: ok"
