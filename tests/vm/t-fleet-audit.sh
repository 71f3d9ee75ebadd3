#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The audit of administrators' logouts: a logout through netlink
# (ep11sess logout) and one through the ioctl each log who did it (uid,
# pid, command) and what it ended in the kernel log, and emit an
# admin-logout event naming both.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
fleet_sess=$EP11VM_REPO/build/meson/tests/vm/fleet-sess
[ -x "$fleet_sess" ] || { echo "SKIP: $fleet_sess not built"; exit 77; }
ev=$admin_state/events
log=$admin_state/kmsg

admin_start_card 0b 24,25 8
"$fleet_sess" events >"$ev" 2>"$ev.err" &
admin_pids="$admin_pids $!"
admin_wait_file "$ev.err" '^ready'

admin_hold "$admin_state/h1" 1 0b.0024
h1=$admin_held
id=$(sed -n 's/^session //p' "$admin_state/h1")
"$ep11sess" logout -id "$id" >/dev/null
admin_wait_file "$ev" "^admin-logout card=0b domain=0024 id=$id owner_pid=$h1 owner_uid=0 owner_comm=admin-sess admin_uid=0 admin_pid=[0-9]+ admin_comm=ep11sess via=netlink failed=0 force=0\$"

admin_hold "$admin_state/h2" 1 0b.0025
h2=$admin_held
id2=$(sed -n 's/^session //p' "$admin_state/h2")
expect "ioctl admin logout" "matched 1" "$("$fleet_sess" admin-logout "$id2")"
admin_wait_file "$ev" "^admin-logout card=0b domain=0025 id=$id2 owner_pid=$h2 owner_uid=0 owner_comm=admin-sess admin_uid=0 admin_pid=[0-9]+ admin_comm=fleet-sess via=ioctl failed=0 force=0\$"
expect "one event per session ended" 2 "$(grep -c '^admin-logout' "$ev")"

dmesg >"$log"
expect_grep "kernel log: the netlink logout" \
	"admin logout by uid 0 pid [0-9]+ \\(ep11sess\\) via netlink: session $id of pid $h1 uid 0 \\(admin-sess\\) on 0b\\.0024\$" "$log"
expect_grep "kernel log: the netlink command" \
	'admin logout by uid 0 pid [0-9]+ \(ep11sess\) via netlink: filters id: 1 session\(s\) ended, 0 with a failed APQN, result 0$' "$log"
expect_grep "kernel log: the ioctl logout" \
	"admin logout by uid 0 pid [0-9]+ \\(fleet-sess\\) via ioctl: session $id2 of pid $h2 uid 0 \\(admin-sess\\) on 0b\\.0025\$" "$log"
# A logout that ends nothing is logged too.
rc=0; "$fleet_sess" admin-logout 00000000000000000000000000000001 >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "an ioctl logout of an unknown id: expected a failure"
dmesg >"$log"
expect_grep "kernel log: a logout that matched nothing" \
	'via ioctl: filters id: 0 session\(s\) ended, 0 with a failed APQN, result -2$' "$log"
cat "$ev"
echo "fleet audit: ok"
