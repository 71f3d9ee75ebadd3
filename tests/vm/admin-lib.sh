# SPDX-License-Identifier: GPL-2.0
#
# Shell functions of the administrator's VM tests (t-admin-*.sh) and of
# the demo: emulated cards, sessions held or killed, the ep11sess tool,
# and expectations.  What they share with the core's tests, failure
# reporting included, is in vmtest-lib.sh.

. "$(dirname "${BASH_SOURCE[0]}")/vmtest-lib.sh"

admin_emu=$vmt_emu
admin_sess=$EP11VM_REPO/build/meson/tests/vm/admin-sess
ep11sess=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess
admin_state=$(mktemp -d /tmp/admin-test.XXXXXX)
chmod 0755 "$admin_state"
admin_pids=

# expect WHAT EXPECTED GOT
expect() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# expect_grep WHAT PATTERN FILE: FILE has a line matching PATTERN.
expect_grep() {
	grep -Eq -- "$2" "$3" && return 0
	echo "--- $3:"
	cat "$3"
	fail "$1: expected a line matching '$2'"
}

admin_need() {
	local f
	for f in "$admin_emu" "$admin_sess" "$ep11sess"; do
		[ -x "$f" ] || { echo "SKIP: $f not built"; exit 77; }
	done
	[ -c /dev/ep11_vcard ] || { echo "SKIP: ep11_vcard.ko not loaded"; exit 77; }
	[ -c /dev/ep11sess ] || fail "expected /dev/ep11sess"
}

# as_nobody CMD...: runs CMD as user nobody without capabilities.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all -- "$@"
}

# admin_start_card CARD DOMAINS MAX: an emulated card, up once the card
# has answered its session counts (its sysfs max_sessions is readable).
admin_start_card() {
	local card=$1
	vmt_start_card "$admin_state" "$@"
	eval "admin_pid_$card=$vmt_started"
	admin_pids="$admin_pids $vmt_started"
	vmt_wait_card "$admin_state" "$card" 20 \
		cat "/sys/class/ep11sess/card$card/max_sessions"
}

admin_stop_card() {
	local pid
	eval "pid=\$admin_pid_$1"
	vmt_stop "$pid"
}

admin_ctl() {
	local card=$1
	shift
	"$admin_emu" ctl "$admin_state/card$card.ctl" "$@" >/dev/null
}

# admin_hold OUT N APQN...: a process holding N sessions, once it is
# ready; its pid is in $admin_held.
admin_hold() {
	local out=$1
	shift
	"$admin_sess" hold "$@" >"$out" 2>&1 &
	admin_held=$!
	admin_pids="$admin_pids $!"
	vmt_wait_ready "$out" "$admin_held" 120
}

# admin_orphan OUT APQN: a session whose creator exited while its forked
# child keeps holding it; sets $admin_orphan_id, $admin_creator (gone)
# and $admin_holder (alive, killed at the end).
admin_orphan() {
	local out=$1
	"$admin_sess" orphan "$2" >"$out" 2>&1 || { cat "$out"; fail "admin-sess orphan $2"; }
	vmt_poll 20 grep -q '^ready' "$out" || { cat "$out"; fail "the orphan's holder did not start"; }
	admin_orphan_id=$(sed -n 's/^session //p' "$out")
	admin_creator=$(sed -n 's/^creator //p' "$out")
	admin_holder=$(sed -n 's/^holder //p' "$out")
	admin_pids="$admin_pids $admin_holder"
	vmt_poll 10 eval '! kill -0 "$admin_creator" 2>/dev/null' ||
		fail "the creator $admin_creator did not exit"
}

# admin_reuse_pid PID: start "sleep" as a new process with the number PID
# (root sets ns_last_pid); its pid is in $admin_reuser.  Tries a few times
# since any fork in the guest may take the number first.
admin_reuse_pid() {
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 600 &
		admin_reuser=$!
		admin_pids="$admin_pids $admin_reuser"
		[ "$admin_reuser" = "$1" ] && return 0
		kill "$admin_reuser" 2>/dev/null || true
	done
	fail "could not start a process with pid $1 (last $admin_reuser)"
}

# admin_kill PID: SIGKILL and reap.
admin_kill() {
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# admin_attr DEVICE NAME: a sysfs attribute of class ep11sess.
admin_attr() {
	cat "/sys/class/ep11sess/$1/$2"
}

# admin_attr_is DEVICE NAME VALUE: the attribute reads VALUE.
admin_attr_is() {
	[ "$(admin_attr "$1" "$2" 2>/dev/null)" = "$3" ]
}

# admin_wait_attr DEVICE NAME VALUE: up to 10 s.
admin_wait_attr() {
	vmt_poll 10 admin_attr_is "$@" && return 0
	fail "$1/$2: expected $3 within 10 s, got $(admin_attr "$1" "$2" 2>&1)"
}

# admin_wait_file FILE PATTERN: up to 10 s for a line.
admin_wait_file() {
	vmt_poll 10 grep -Eq -- "$2" "$1" 2>/dev/null && return 0
	echo "--- $1:"
	cat "$1"
	fail "expected a line matching '$2' in $1 within 10 s"
}

admin_cleanup() {
	# shellcheck disable=SC2086 # a list of pids
	vmt_cleanup KILL "$admin_state" $admin_pids
}
trap admin_cleanup EXIT
