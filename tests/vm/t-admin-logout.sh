#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess logout: root ends sessions by -id, -pid, --apqn and -date
# whoever holds them; says what it logged out and what failed (pending,
# or lost with -force); nobody is refused; nothing matching is "no such
# session".
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
out=$admin_state/out

# A session spans APQNs with the same wrapping key: one domain, two cards.
admin_start_card 0b 24 16
admin_start_card 0c 24 16
admin_hold "$admin_state/h1" 2 0b.0024
h1=$admin_held
admin_hold "$admin_state/h2" 1 0c.0024
h2=$admin_held
admin_hold "$admin_state/h3" 1 0b.0024 0c.0024
h3=$admin_held
id1=$(sed -n 's/^session //p' "$admin_state/h1" | head -1)
id3=$(sed -n 's/^session //p' "$admin_state/h3")

rc=0; as_nobody "$ep11sess" logout -id "$id1" >"$out" 2>&1 || rc=$?
expect "nobody: exit code" 4 "$rc"
expect_grep "nobody: message names what grants access" 'permission denied.*root.*group ep11' "$out"
expect "nobody logged nothing out" 3 "$(admin_attr card0b sessions_held)"

rc=0; "$ep11sess" logout >"$out" 2>&1 || rc=$?
expect "logout without a filter" 2 "$rc"
expect_grep "logout without a filter: message" 'at least one of' "$out"

"$ep11sess" logout -id "$id1" >"$out"
cat "$out"
expect_grep "-id: what was logged out" "^logged out $id1 \\(pid $h1, admin-sess\\) on 0b\\.0024$" "$out"
expect_grep "-id: summary" '^1 session\(s\) logged out, 0 with an APQN that failed$' "$out"
expect "0b.0024 held after -id (h1's second, h3's)" 2 "$(admin_attr 0b.0024 sessions_held)"
rc=0; "$ep11sess" logout -id "$id1" >"$out" 2>&1 || rc=$?
expect "the same id again" 5 "$rc"
expect_grep "the same id again: message" 'no such session' "$out"

"$ep11sess" logout -pid "$h2" --json >"$out"
jq -e . "$out" >/dev/null || fail "logout --json: expected valid JSON"
expect "-pid --json matched" 1 "$(jq .matched "$out")"
expect "-pid --json result" '"logged-out"' "$(jq '.sessions[0].result' "$out")"

# A logout on an offline APQN stays pending and is reported as failed.
admin_ctl 0c offline 24
rc=0; "$ep11sess" logout -id "$id3" >"$out" || rc=$?
cat "$out"
expect "pending logout exit code" 1 "$rc"
expect_grep "pending logout reported" "^FAILED +$id3 \\(pid $h3, admin-sess\\): 0b\\.0024 done 0c\\.0024 pending" "$out"
expect "0c.0024 pending_logouts" 1 "$(admin_attr 0c.0024 pending_logouts)"
admin_ctl 0c online 24
admin_wait_attr 0c.0024 pending_logouts 0
admin_wait_attr 0c.0024 sessions_held 0

# -force forgets the APQN that fails.
admin_hold "$admin_state/h4" 1 0b.0024 0c.0024
h4=$admin_held
admin_ctl 0c offline 24
rc=0; "$ep11sess" logout -pid "$h4" -force >"$out" || rc=$?
cat "$out"
expect "-force exit code" 1 "$rc"
expect_grep "-force reports the lost APQN" "^FAILED .*0c\\.0024 lost" "$out"
expect "0c.0024 lost" 1 "$(admin_attr 0c.0024 lost)"
expect "0c.0024 pending after -force" 0 "$(admin_attr 0c.0024 pending_logouts)"
admin_ctl 0c online 24

# --apqn and -date: the rest.
"$ep11sess" logout --apqn 0b.0024 -date "$(date -d tomorrow +%Y/%m/%d)" >"$out"
expect_grep "--apqn -date" '^1 session\(s\) logged out' "$out"
expect "nothing held at the end on card0b" 0 "$(admin_attr card0b sessions_held)"
expect "nothing held at the end on card0c" 0 "$(admin_attr card0c sessions_held)"
rc=0; "$ep11sess" logout --apqn 0b.0030 >"$out" 2>&1 || rc=$?
expect "unknown APQN" 5 "$rc"
echo "admin logout: ok"
