#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess logout: root ends sessions by -id, -pid, --apqn and -date
# whoever holds them; says what it logged out and what failed (pending,
# or lost with -force); nobody is refused; nothing matching is "no such
# session".  Without a filter it ends the leftovers (creator gone, only a
# keep-alive hold, pending with -force) and says why it leaves the rest;
# --all ends everything; --dry-run ends nothing.
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

# No leftover yet: every creator runs, so a plain logout ends nothing and
# says why in one sentence.
rc=0; "$ep11sess" logout >"$out" 2>&1 || rc=$?
cat "$out"
expect "logout without a filter, nothing left over" 0 "$rc"
expect_grep "logout without a filter: why" '^4 session\(s\) left alone: their creator still runs, and without a filter logout ends only leftovers' "$out"
expect "nothing logged out" 3 "$(admin_attr card0b sessions_held)"

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

# Leftovers: a session whose creator exited while its child holds it, and
# a named session that only a keep-alive hold keeps; next to a session in
# use by its running creator.
export EP11SESS_CRYPTOKI_CONF=$admin_state/none.conf
named=$EP11VM_REPO/build/meson/tests/vm/named-sess
admin_hold "$admin_state/busy" 1 0b.0024
busy=$admin_held
busy_id=$(sed -n 's/^session //p' "$admin_state/busy")
admin_orphan "$admin_state/orphan" 0b.0024
orphan_id=$admin_orphan_id
kept_id=$("$named" keepone leftover-app 600000 0b.0024) || fail "named-sess keepone"
expect "three sessions on card0b" 3 "$(admin_attr card0b sessions_held)"

"$ep11sess" logout --dry-run >"$out"
cat "$out"
expect_grep "--dry-run: the orphan" "^would log out $orphan_id \(creator gone, admin-sess\), orphaned on 0b\.0024$" "$out"
expect_grep "--dry-run: the kept session" "^would log out $kept_id \(.*\), kept on 0b\.0024$" "$out"
grep -q "$busy_id" "$out" && fail "--dry-run: the session in use by its creator is no leftover: $(cat "$out")"
expect_grep "--dry-run: summary" '^2 session\(s\) would be logged out' "$out"
expect "--dry-run logged nothing out" 3 "$(admin_attr card0b sessions_held)"

"$ep11sess" logout --dry-run --json >"$out"
jq -e . "$out" >/dev/null || fail "logout --dry-run --json: expected valid JSON, got $(cat "$out")"
expect "json dry run" "true leftovers 2 1" "$(jq -r '"\(.dry_run) \(.selection) \(.matched) \(.left_in_use)"' "$out")"
expect "json leftovers" '["kept","orphaned"]' "$(jq -c '[.sessions[].leftover] | sort' "$out")"
expect "json would-log-out" '["would-log-out"]' "$(jq -c '[.sessions[].result] | unique' "$out")"

# pkcsep11_session's habit: logout -slot N -force.  Without libcryptoki's
# configuration no slot names APQNs: every leftover is meant.
"$ep11sess" logout -slot 4 -force >"$out" 2>"$out.err"
cat "$out" "$out.err"
expect_grep "-slot without configuration: noted" 'no slot names APQNs' "$out.err"
expect_grep "logout: the orphan" "^logged out $orphan_id \(creator gone, admin-sess\) on 0b\.0024$" "$out"
expect_grep "logout: the kept session" "^logged out $kept_id " "$out"
expect_grep "logout: the one in use left alone" '^1 session\(s\) left alone: their creator still runs' "$out"
admin_wait_attr card0b sessions_held 1
kill -0 "$admin_holder" || fail "the orphan's holder was not to be killed, only its session ended"

# --all: everything, also the sessions in use.
rc=0; "$ep11sess" logout --all -pid "$busy" >"$out" 2>&1 || rc=$?
expect "--all with a filter" 2 "$rc"
"$ep11sess" logout --all --dry-run >"$out"
expect_grep "--all --dry-run lists the session in use" "^would log out $busy_id \(pid $busy, admin-sess\) on 0b\.0024$" "$out"
"$ep11sess" logout --all --json >"$out"
expect "--all --json" "all 1 0" "$(jq -r '"\(.selection) \(.matched) \(.failed)"' "$out")"
admin_wait_attr card0b sessions_held 0

# Pending logouts are the kernel's: left alone without -force.
admin_hold "$admin_state/h5" 1 0b.0024 0c.0024
h5_id=$(sed -n 's/^session //p' "$admin_state/h5")
admin_ctl 0c offline 24
rc=0; "$ep11sess" logout -id "$h5_id" >"$out" || rc=$?
expect "pending again" 1 "$rc"
"$ep11sess" logout >"$out"
cat "$out"
expect_grep "pending left to the kernel" '^1 session\(s\) left alone: their logout is pending and the kernel retries it' "$out"
"$ep11sess" logout -force --dry-run --json >"$out"
expect "-force takes the pending one" "$h5_id pending" "$(jq -r '.sessions[] | "\(.id) \(.leftover)"' "$out")"
admin_ctl 0c online 24
admin_wait_attr 0c.0024 pending_logouts 0
echo "admin logout: ok"
