# SPDX-License-Identifier: GPL-2.0
#
# Shell functions of the core's VM tests (t-core-*.sh): emulated cards
# started and stopped, the test client, and failure reporting.

core_emu=$EP11VM_REPO/build/meson/tools/ep11-cardemu/ep11-cardemu
core_cli=$EP11VM_REPO/build/meson/tests/vm/core-sess
core_state=$(mktemp -d /tmp/core-test.XXXXXX)
core_pids=

fail() { echo "FAIL: $*"; exit 1; }

core_need() {
	[ -x "$core_emu" ] || { echo "SKIP: $core_emu not built"; exit 77; }
	[ -x "$core_cli" ] || { echo "SKIP: $core_cli not built"; exit 77; }
	[ -c /dev/ep11_vcard ] || { echo "SKIP: ep11_vcard.ko not loaded"; exit 77; }
	[ -c /dev/ep11sess ] || fail "expected /dev/ep11sess"
}

# core_start_card CARD DOMAINS MAX: an emulated card, up when its APQNs are.
core_start_card() {
	local card=$1 doms=$2 max=$3 i first
	"$core_emu" --card "$card" --domains "$doms" --max-sessions "$max" \
		--state-dir "$core_state" 2>>"$core_state/emu-$card.log" &
	eval "core_pid_$card=$!"
	core_pids="$core_pids $!"
	first=$(printf '%04x' "0x${doms%%,*}")
	for i in $(seq 100); do
		if [ -S "$core_state/card$card.ctl" ] &&
		   "$core_cli" count "$card.$first" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	cat "$core_state/emu-$card.log"
	fail "card $card did not come up in 10 s"
}

core_stop_card() {
	local pid
	eval "pid=\$core_pid_$1"
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
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
	local out=$1 i
	shift
	"$core_cli" hold "$@" >"$out" 2>&1 &
	core_held=$!
	for i in $(seq 100); do
		grep -q '^ready' "$out" && return 0
		kill -0 "$core_held" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out"
	fail "the holder did not log in"
}

# core_wait_field APQN NAME VALUE: up to 10 s.
core_wait_field() {
	local i
	for i in $(seq 100); do
		[ "$(core_field "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

core_cleanup() {
	local p
	for p in $core_pids; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$core_state"
}
trap core_cleanup EXIT
