# SPDX-License-Identifier: GPL-2.0
#
# Shell functions of the core's VM tests (t-core-*.sh): emulated cards
# started and stopped, the test client.  What they share with the
# administrator's tests, failure reporting included, is in vmtest-lib.sh.

. "$(dirname "${BASH_SOURCE[0]}")/vmtest-lib.sh"

core_emu=$vmt_emu
core_cli=$EP11VM_REPO/build/meson/tests/vm/core-sess
core_state=$(mktemp -d /tmp/core-test.XXXXXX)
core_pids=

core_need() {
	[ -x "$core_emu" ] || { echo "SKIP: $core_emu not built"; exit 77; }
	[ -x "$core_cli" ] || { echo "SKIP: $core_cli not built"; exit 77; }
	[ -c /dev/ep11_vcard ] || { echo "SKIP: ep11_vcard.ko not loaded"; exit 77; }
	[ -c /dev/ep11sess ] || fail "expected /dev/ep11sess"
}

# core_start_card CARD DOMAINS MAX: an emulated card, up when its APQNs are.
core_start_card() {
	local card=$1 first
	vmt_start_card "$core_state" "$@"
	eval "core_pid_$card=$vmt_started"
	core_pids="$core_pids $vmt_started"
	first=$(printf '%04x' "0x${2%%,*}")
	vmt_wait_card "$core_state" "$card" 10 "$core_cli" count "$card.$first"
}

core_stop_card() {
	local pid
	eval "pid=\$core_pid_$1"
	vmt_stop "$pid"
}

core_ctl() {
	local card=$1
	shift
	"$core_emu" ctl "$core_state/card$card.ctl" "$@"
}

# core_field APQN NAME: one field of `core-sess count`.
core_field() {
	"$core_cli" count "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p}"
}

# core_hold OUT ARGS...: a process holding a session, once it is ready.
core_hold() {
	local out=$1
	shift
	"$core_cli" hold "$@" >"$out" 2>&1 &
	core_held=$!
	vmt_wait_ready "$out" "$core_held" 10
}

# core_field_is APQN NAME VALUE: one field of `core-sess count` is VALUE.
core_field_is() {
	[ "$(core_field "$1" "$2")" = "$3" ]
}

# core_wait_field APQN NAME VALUE: up to 10 s.
core_wait_field() {
	vmt_poll 10 core_field_is "$@"
}

core_cleanup() {
	# shellcheck disable=SC2086 # a list of pids
	vmt_cleanup TERM "$core_state" $core_pids
}
trap core_cleanup EXIT
