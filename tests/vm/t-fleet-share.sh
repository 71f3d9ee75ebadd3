#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host share: a card's host_share caps the sessions this host holds;
# a login beyond it fails with EDQUOT (a full card stays ENOSPC), waits
# for a slot when it may, and status shows the share and its use; bad
# values are refused, "auto" follows the module's host_share.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
fleet_sess=$EP11VM_REPO/build/meson/tests/vm/fleet-sess
[ -x "$fleet_sess" ] || { echo "SKIP: $fleet_sess not built"; exit 77; }
out=$admin_state/out
share=/sys/class/ep11sess/card0b/host_share
param=/sys/module/ep11sess/parameters/host_share
ctl="$admin_emu ctl $admin_state/card0b.ctl"

admin_start_card 0b 24 8
expect "default share (module parameter 0)" 0 "$(cat "$share")"
echo 2 >"$share"
expect "share set" 2 "$(cat "$share")"
admin_hold "$admin_state/h1" 2 0b.0024
h1=$admin_held
expect "a login beyond the share" EDQUOT "$("$fleet_sess" login 0b.0024 0)"
"$ep11sess" status >"$out"
expect_grep "status shows the share and its use" '^  Host Share: +2 of 2 used$' "$out"
"$ep11sess" status --json >"$out"
expect "json share" "2 2" "$(jq -r '.apqns[0] | "\(.host_share) \(.host_share_used)"' "$out")"

# A full card is ENOSPC, whatever the share.
$ctl foreign-login 6 >/dev/null || fail "foreign-login 6"
echo 3 >"$share"
expect "a full card within the share" ENOSPC "$("$fleet_sess" login 0b.0024 0)"
echo 0 >"$share"
expect "a full card without a share" ENOSPC "$("$fleet_sess" login 0b.0024 0)"
$ctl foreign-logout 6 >/dev/null || fail "foreign-logout 6"

# A login that may wait gets the slot a holder gives back.
echo 2 >"$share"
"$fleet_sess" login 0b.0024 20000 >"$admin_state/waiter" &
waiter=$!
sleep 1
kill -0 "$waiter" 2>/dev/null || fail "the waiting login ended before a slot was free: $(cat "$admin_state/waiter")"
admin_kill "$h1"
wait "$waiter"
expect "the waiting login" ok "$(cat "$admin_state/waiter")"

# Lowered below its use: nothing ends, nothing new.
echo 0 >"$share"
admin_hold "$admin_state/h2" 3 0b.0024
echo 1 >"$share"
expect "sessions kept under a lowered share" 3 "$(admin_attr card0b sessions_held)"
expect "a login under a lowered share" EDQUOT "$("$fleet_sess" login 0b.0024 0)"
"$ep11sess" status >"$out"
expect_grep "status over the share" '^  Host Share: +3 of 1 used$' "$out"
admin_kill "$admin_held"
admin_wait_attr card0b sessions_held 0

# Bad values are refused and change nothing.
for v in -1 abc 1x 99999999999; do
	if echo "$v" >"$share" 2>/dev/null; then
		fail "host_share '$v': expected EINVAL, it was taken"
	fi
	expect "host_share after '$v'" 1 "$(cat "$share")"
done
# "auto" follows the module parameter.
echo 5 >"$param"
echo auto >"$share"
expect "auto follows the module's host_share" 5 "$(cat "$share")"
echo 0 >"$param"
expect "auto, module parameter back to 0" 0 "$(cat "$share")"
echo "fleet share: ok"
