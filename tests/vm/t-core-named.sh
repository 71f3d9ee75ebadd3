#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Named logins: files of the same uid (or of a group) attach without the
# PIN, others get EPERM whether or not the name exists, a name that does
# not exist is ENOENT; a logout for everyone makes the other holders'
# handles ESTALE; a keep-alive hold keeps a session with no file open,
# `ep11sess show` lists it, its time-to-live and an administrator's logout
# end it; a storm of all of it with SIGKILL leaves the card at baseline.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
named=$EP11VM_REPO/build/meson/tests/vm/named-sess
ep11sess=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess
[ -x "$named" ] || { echo "SKIP: $named not built"; exit 77; }
core_start_card 0b 24 16

"$named" scope 0b.0024 || fail "attach in and out of scope"
"$named" everyone 0b.0024 || fail "logout for everyone"
"$named" keep 0b.0024 || fail "keep-alive holds"

# What an administrator sees of a kept session.
id=$("$named" keepone shown-app 600000 0b.0024) || fail "keepone"
[ "$(core_field 0b.0024 card_used)" = 1 ] || fail "expected the kept session alive with no process"
out=$core_state/show
"$ep11sess" show >"$out"
cat "$out"
head=$(printf 'shown-ap' | od -An -tx1 | tr -d ' \n')
grep -Eq "^$id .* name=$head\.\. uid:0 kept-until=[0-9]{4}/" "$out" ||
	fail "expected ep11sess show to list $id with name=$head.. uid:0 kept-until=..."
"$ep11sess" show --json >"$out"
grep -q "\"name_head\": \"$head\", \"scope\": \"uid\", \"scope_id\": 0, \"kept\": true" "$out" ||
	fail "expected show --json to give the name, scope and hold: $(cat "$out")"
"$ep11sess" logout -id "$id" || fail "ep11sess logout -id of the kept session"
[ "$(core_ctl 0b sessions)" = "max 16 available 16" ] ||
	fail "expected the kept session logged out by the administrator, card says $(core_ctl 0b sessions)"

"$named" storm 24 0b.0024 || fail "storm"
[ "$(core_ctl 0b sessions)" = "max 16 available 16" ] ||
	fail "expected the card at baseline after the storm, it says $(core_ctl 0b sessions)"
echo "core named: ok"
