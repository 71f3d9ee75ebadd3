#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Class ep11sess: a device per card and per APQN below it, every attribute
# of docs/ABI/testing/sysfs-class-ep11sess present and right, uevents on
# add, remove and online changes with ONLINE=0|1.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need

"$admin_sess" uevents >"$admin_state/uevents" 2>"$admin_state/uevents.err" &
admin_pids="$admin_pids $!"
admin_wait_file "$admin_state/uevents.err" '^ready'

admin_start_card 0b 24,25 16
dev=$(readlink -f /sys/class/ep11sess/0b.0024)
case $dev in
*/ep11sess/card0b/0b.0024) ;;
*) fail "0b.0024: expected its parent to be card0b, got $dev" ;;
esac
expect "card0b DEVTYPE" "DEVTYPE=ep11_card" "$(grep DEVTYPE /sys/class/ep11sess/card0b/uevent)"
expect "0b.0024 DEVTYPE" "DEVTYPE=ep11_apqn" "$(grep DEVTYPE /sys/class/ep11sess/0b.0024/uevent)"

# Every attribute the ABI file documents exists on its device.
abi=$EP11VM_REPO/docs/ABI/testing/sysfs-class-ep11sess
n=0
for what in $(sed -n 's/^What:[[:space:]]*//p' "$abi"); do
	name=${what##*/}
	case $what in
	*/cardXX/XX.XXXX/*) f=/sys/class/ep11sess/0b.0024/$name ;;
	*/cardXX/*) f=/sys/class/ep11sess/card0b/$name ;;
	/sys/class/ep11sess/*) f=$what ;;
	*) fail "unexpected What: $what" ;;
	esac
	[ -r "$f" ] || fail "documented attribute $what: expected $f to exist"
	n=$((n + 1))
done
[ "$n" -ge 15 ] || fail "expected at least 15 documented attributes, got $n"
# ... and every attribute that exists is documented.
for d in card0b 0b.0024; do
	for f in /sys/class/ep11sess/$d/*; do
		[ -f "$f" ] || continue
		name=${f##*/}
		[ "$name" = uevent ] && continue
		grep -q "^What:.*/$name\$" "$abi" ||
			fail "$d/$name exists but $abi does not document it"
	done
done

expect "card0b max_sessions" 16 "$(admin_attr card0b max_sessions)"
expect "card0b available_sessions" 16 "$(admin_attr card0b available_sessions)"
expect "card0b online" 1 "$(admin_attr card0b online)"
serial=$(admin_attr card0b serialnr)
[ ${#serial} -eq 16 ] || fail "card0b serialnr: expected 16 characters, got '$serial'"
for a in sessions_held pending_logouts logins logouts reclaimed lost errors last_reclaim_us; do
	expect "0b.0024 $a before any login" 0 "$(admin_attr 0b.0024 "$a")"
done

admin_hold "$admin_state/hold" 3 0b.0024
expect "0b.0024 sessions_held while 3 are held" 3 "$(admin_attr 0b.0024 sessions_held)"
expect "0b.0024 logins" 3 "$(admin_attr 0b.0024 logins)"
expect "card0b sessions_held" 3 "$(admin_attr card0b sessions_held)"
expect "0b.0025 sessions_held" 0 "$(admin_attr 0b.0025 sessions_held)"
admin_kill "$admin_held"
admin_wait_attr 0b.0024 sessions_held 0
expect "0b.0024 reclaimed after SIGKILL" 3 "$(admin_attr 0b.0024 reclaimed)"
expect "0b.0024 logouts" 3 "$(admin_attr 0b.0024 logouts)"
lat=$(admin_attr 0b.0024 last_reclaim_us)
[ "$lat" -gt 0 ] || fail "0b.0024 last_reclaim_us: expected > 0, got $lat"
"$ep11sess" status --apqn 0b.0024 >/dev/null
expect "card0b available_sessions after status asked the card" 16 "$(admin_attr card0b available_sessions)"

# Online changes: the APQN's ONLINE=0, then ONLINE=1; the card stays up.
admin_ctl 0b offline 25
admin_wait_attr 0b.0025 online 0
expect "card0b online with one APQN left" 1 "$(admin_attr card0b online)"
admin_wait_file "$admin_state/uevents" '^change /devices/virtual/ep11sess/card0b/0b.0025 ONLINE=0$'
admin_ctl 0b offline 24
admin_wait_attr card0b online 0
admin_wait_file "$admin_state/uevents" '^change /devices/virtual/ep11sess/card0b ONLINE=0$'
admin_ctl 0b online 24
admin_ctl 0b online 25
admin_wait_attr 0b.0025 online 1
admin_wait_file "$admin_state/uevents" '^change /devices/virtual/ep11sess/card0b/0b.0025 ONLINE=1$'
admin_wait_file "$admin_state/uevents" '^change /devices/virtual/ep11sess/card0b ONLINE=1$'

admin_stop_card 0b
[ ! -e /sys/class/ep11sess/card0b ] || fail "card0b: expected its device gone with the card"
admin_wait_file "$admin_state/uevents" '^remove /devices/virtual/ep11sess/card0b/0b.0024 '
admin_wait_file "$admin_state/uevents" '^remove /devices/virtual/ep11sess/card0b '
expect_grep "add uevent of the card" '^add /devices/virtual/ep11sess/card0b ONLINE=1$' "$admin_state/uevents"
expect_grep "add uevent of an APQN" '^add /devices/virtual/ep11sess/card0b/0b.0024 ONLINE=1$' "$admin_state/uevents"
sed 's/^/uevent: /' "$admin_state/uevents"
echo "admin sysfs: ok"
