# SPDX-License-Identifier: GPL-2.0
#
# Shell functions that core-lib.sh and admin-lib.sh share: failure
# reporting, emulated cards started, waited for and stopped, and a
# holder of sessions waited for.

vmt_emu=$EP11VM_REPO/build/meson/tools/ep11-cardemu/ep11-cardemu

fail() { echo "FAIL: $*"; exit 1; }

# vmt_poll SECONDS CMD...: runs CMD every 0.1 s, up to SECONDS; 0 as soon
# as it succeeds, 1 when it never did.
vmt_poll() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# vmt_start_card STATE CARD DOMAINS MAX [EMULATOR-OPTION...]: starts an
# emulated card whose control socket and log (emu-CARD.log) are in STATE;
# its pid is in $vmt_started.  The caller records the pid, then waits with
# vmt_wait_card.
vmt_start_card() {
	local state=$1 card=$2 doms=$3 max=$4
	shift 4
	"$vmt_emu" --card "$card" --domains "$doms" --max-sessions "$max" \
		--state-dir "$state" "$@" 2>>"$state/emu-$card.log" &
	vmt_started=$!
}

# vmt_card_up STATE CARD READY...: the card's control socket is there and
# the command READY... succeeds.
vmt_card_up() {
	local state=$1 card=$2
	shift 2
	[ -S "$state/card$card.ctl" ] && "$@" >/dev/null 2>&1
}

# vmt_wait_card STATE CARD SECONDS READY...: up to SECONDS, every 0.1 s,
# for vmt_card_up STATE CARD READY...; fails with the card's log
# otherwise.
vmt_wait_card() {
	local state=$1 card=$2 secs=$3
	shift 3
	vmt_poll "$secs" vmt_card_up "$state" "$card" "$@" && return 0
	cat "$state/emu-$card.log"
	fail "card $card did not come up in $secs s"
}

# vmt_stop PID: SIGTERM and reap.
vmt_stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# vmt_wait_ready OUT PID SECONDS: up to SECONDS, every 0.1 s, for the
# holder PID to print "ready" into OUT; fails with OUT when it does not
# or when it exits first.
vmt_wait_ready() {
	local out=$1 pid=$2 secs=$3 i
	for i in $(seq $((secs * 10))); do
		grep -q '^ready' "$out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out"
	fail "the holder did not log in"
}

# vmt_cleanup SIGNAL STATE PID...: sends SIGNAL to the PIDs, SIGKILL to
# every other background job still running (a holder left behind by a
# failed check would otherwise keep the wait below, and the test, for
# ever), reaps every child and removes the directory STATE.
vmt_cleanup() {
	local sig=$1 state=$2 p
	shift 2
	for p in "$@"; do kill -"$sig" "$p" 2>/dev/null || true; done
	for p in $(jobs -p); do
		case " $* " in
		*" $p "*) ;;
		*) kill -KILL "$p" 2>/dev/null || true ;;
		esac
	done
	wait 2>/dev/null || true
	rm -rf "$state"
}
