#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulator as a root service on the real driver: SIGHUP leaves the
# card in place; a second emulator given the first one's control socket
# refuses to start (exit 1, saying so) and leaves the socket working; a
# client that connects and says nothing neither delays another client nor
# SIGTERM, which removes the card at once.
set -u
. "$EP11VM_REPO/tests/vm/vmtest-lib.sh"
cd "$EP11VM_REPO" || exit 1
state=$(mktemp -d /tmp/cardemu-safety.XXXXXX)
silent=
trap 'vmt_cleanup TERM "$state" ${emu:-} ${silent:-}' EXIT
ctl=$state/card0c.ctl
ep11sess_status_has_card() {
	build/meson/tools/ep11sess/ep11sess status 2>/dev/null | grep -q '^APQN 0c\.0024:'
}

# A silent client is closed after 10 s (--control-timeout): what happens
# meanwhile is judged with a margin that start-up times under load do not
# eat.
vmt_start_card "$state" 0c 24 8 --control-timeout 10000
emu=$vmt_started
vmt_wait_card "$state" 0c 30 "$vmt_emu" ctl "$ctl" sessions
[ "$(stat -c %a "$ctl")" = 600 ] ||
	fail "expected the control socket with mode 600, got $(stat -c %a "$ctl")"

# SIGHUP: the card stays, the emulator says so.
kill -HUP "$emu"
sleep 0.5
kill -0 "$emu" 2>/dev/null || fail "expected the emulator alive after SIGHUP, it exited"
out=$("$vmt_emu" ctl "$ctl" sessions) ||
	fail "expected the card to answer after SIGHUP, got: $out"
[ "$out" = "max 8 available 8" ] ||
	fail "expected 'max 8 available 8' after SIGHUP, got '$out'"
grep -q "SIGHUP: nothing to reload, the card stays" "$state/emu-0c.log" ||
	fail "expected the SIGHUP noted in the log, got: $(cat "$state/emu-0c.log")"
ep11sess_status_has_card || fail "expected ep11sess status to show 0c.0024 after SIGHUP"

# A second emulator (another card) on the same control socket: refused.
out=$("$vmt_emu" --card 0d --domains 24 --max-sessions 4 --state-dir "$state" \
	--control "$ctl" 2>&1); st=$?
[ $st = 1 ] && grep -q "belongs to an emulator that is still running" <<<"$out" ||
	fail "expected the second emulator to refuse with status 1, got status $st: $out"
out=$("$vmt_emu" ctl "$ctl" sessions) ||
	fail "expected the first emulator's socket to keep working, got: $out"

# silent_client: connects to the control socket and says nothing; writes
# "connected NS" to $state/silent once connected and "closed NS" when the
# emulator closes the connection (CLOCK_REALTIME ns, as date +%s%N).
silent_client() {
	rm -f "$state/silent"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = open(sys.argv[2], "w", buffering=1)
f.write("connected %d\n" % time.time_ns())
s.settimeout(60)
s.recv(100)
f.write("closed %d\n" % time.time_ns())
' "$ctl" "$state/silent" &
	silent="$silent $!"
	vmt_poll 30 grep -qs connected "$state/silent" ||
		fail "the silent client did not connect"
}
silent_at() { sed -n "s/^$1 //p" "$state/silent"; }

# Another client is answered while the silent one still waits (served one
# after the other, it would be answered only once the silent one's 10 s
# are up and it is closed).
silent_client
out=$("$vmt_emu" ctl "$ctl" sessions) ||
	fail "expected an answer beside a silent client, got: $out"
answered=$(date +%s%N)
vmt_poll 30 grep -qs closed "$state/silent" ||
	fail "expected the silent client closed after its 10 s"
closed=$(silent_at closed) connected=$(silent_at connected)
[ "$answered" -lt "$closed" ] ||
	fail "expected the answer before the silent client was closed, got it $(((answered - closed) / 1000000)) ms after"
echo "beside a silent client: answered $(((answered - connected) / 1000000)) ms after it connected, it was closed after $(((closed - connected) / 1000000)) ms"

# SIGTERM beside a silent client that has just connected: the emulator
# exits long before that client's 10 s are up.
silent_client
kill -TERM "$emu"
wait "$emu"; st=$?
ended=$(date +%s%N)
emu=
connected=$(silent_at connected)
[ $st = 0 ] || fail "expected the emulator to exit 0 on SIGTERM, got $st"
[ $(((ended - connected) / 1000000)) -lt 10000 ] ||
	fail "expected the emulator gone before the silent client's 10 s were up, got $(((ended - connected) / 1000000)) ms"
[ ! -e "$ctl" ] || fail "expected the control socket removed at exit"
ep11sess_status_has_card && fail "expected card 0c gone after SIGTERM"
echo "SIGTERM beside a silent client: gone $(((ended - connected) / 1000000)) ms after it connected"
exit 0
