#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ep11-cardemu serving the real driver (run inside the VM by tests/vm/run):
# two cards x two domains register with their session budgets; the
# card's counts follow logins and logouts; a domain goes offline and
# back; SIGTERM ends the emulator cleanly; SIGKILL under load makes the
# requests fail fast and the card disappear; a restart on the same state
# directory keeps the wrapping keys.  Exit 0 pass, 77 skip, else fail.
set -u
repo=${EP11VM_REPO:-$(cd "$(dirname "$0")/../../.." && pwd)}
bin=$repo/build/meson/tools/ep11-cardemu
emu=$bin/ep11-cardemu
client=$bin/cardemu-vm-client
tmp=$(mktemp -d /tmp/cardemu-vm.XXXXXX)
pids=()

fail() { echo "FAIL: $*"; exit 1; }
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -d /sys/module/ep11_vcard ] || { echo "SKIP: ep11_vcard.ko is not loaded"; exit 77; }
[ -x "$emu" ] && [ -x "$client" ] || fail "expected $emu and $client (make userspace)"

# start CARD DOMAINS MAX STATE [OPTIONS]: starts an emulator, waits for
# its socket.
start() {
	# A card killed before left its socket behind: wait for the new one.
	rm -f "$4/card$1.ctl"
	"$emu" --card "$1" --domains "$2" --max-sessions "$3" \
		--state-dir "$4" --threads 4 "${@:5}" 2>>"$tmp/card$1.log" &
	last_pid=$!
	pids+=("$last_pid")
	for _ in $(seq 100); do
		[ -S "$4/card$1.ctl" ] && return 0
		kill -0 "$last_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/card$1.log"
	fail "expected card$1 to come up with a control socket in $4"
}
ctl() { "$emu" ctl "$tmp/$1/card$1.ctl" "${@:2}"; }
expect() {	# expect WHAT WANT GOT
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

mkdir -p "$tmp/0b" "$tmp/0c"
start 0b 24,25 16 "$tmp/0b"; pid0b=$last_pid
start 0c 24,25 8 "$tmp/0c"; pid0c=$last_pid

# Budgets as the driver reads them from each card, on each domain.
expect "0b.0024 caplist" "max 16 available 16" "$("$client" caplist 0b 24)"
expect "0b.0025 caplist" "max 16 available 16" "$("$client" caplist 0b 25)"
expect "0c.0025 caplist" "max 8 available 8" "$("$client" caplist 0c 25)"
expect "card0b sessions" "max 16 available 16" "$(ctl 0b sessions)"
expect "kernel status of 0b.0025" \
	"online 1 max 16 available 16 held 0 card_held 0 serial EP11EMU00000000B" \
	"$("$client" status 0b 25)"
expect "kernel status of 0c.0024" \
	"online 1 max 8 available 8 held 0 card_held 0 serial EP11EMU00000000C" \
	"$("$client" status 0c 24)"

# Logins through the driver spend the card's (shared) budget.
"$client" sessions 0b 24 3 || fail "sessions on 0b.0024"
"$client" sessions 0c 25 8 || fail "sessions on 0c.0025 up to a full card"
expect "card0b after logouts" "max 16 available 16" "$(ctl 0b sessions)"

# The WKID the driver reads is the emulator's.
wkid=$("$client" wkid 0b 24) || fail "wkid of 0b.0024"
ctl 0b status | grep -q "^domain 0024 online 1 wkid $wkid\$" ||
	fail "expected WKID $wkid in: $(ctl 0b status)"

# A domain offline and back.
expect "offline" ok "$(ctl 0b offline 24)"
if "$client" caplist 0b 24 >/dev/null 2>&1; then
	fail "expected 0b.0024 to refuse requests while offline"
fi
"$client" status 0b 24 | grep -q "^online 0 " ||
	fail "expected the kernel to see 0b.0024 offline: $("$client" status 0b 24)"
expect "0b.0025 while 0024 is offline" "max 16 available 16" "$("$client" caplist 0b 25)"
expect "online" ok "$(ctl 0b online 24)"
expect "0b.0024 back online" "max 16 available 16" "$("$client" caplist 0b 24)"
ctl 0b offline 30 >/dev/null && fail "expected an error for a domain the card lacks"

# SIGTERM: clean exit, socket gone, card gone.
kill -TERM "$pid0c"
wait "$pid0c"; st=$?
expect "exit status after SIGTERM" 0 "$st"
[ ! -e "$tmp/0c/card0c.ctl" ] || fail "expected the control socket removed"
if "$client" caplist 0c 24 >/dev/null 2>&1; then
	fail "expected card0c gone after its emulator stopped"
fi
expect "kernel status of 0c.0024 after SIGTERM" absent "$("$client" status 0c 24)"

# SIGKILL under load: requests fail fast, the card goes away.
"$client" load 0b 24 4 >"$tmp/load.out" 2>&1 & load=$!
sleep 1.5
kill -KILL "$pid0b"
{ wait "$pid0b"; } 2>/dev/null
wait "$load"; st=$?
cat "$tmp/load.out"
expect "load client status" 0 "$st"
grep -q '^ok [1-9]' "$tmp/load.out" || fail "expected answered requests before the kill"
grep -q 'failed [1-9]' "$tmp/load.out" || fail "expected failed requests after the kill"
expect "kernel status of 0b.0024 after SIGKILL" absent "$("$client" status 0b 24)"

# Fault options: a slow card that is often busy still serves logins (the
# driver retries busy replies); a card that fails every login leaks no
# session on either side.
mkdir -p "$tmp/0d" "$tmp/0e"
start 0d 24 4 "$tmp/0d" --busy-rate 0.3 --latency-us 2000
"$client" sessions 0d 24 4 || fail "sessions on a busy, slow card"
start 0e 24 4 "$tmp/0e" --login-fail-rate 1
if "$client" sessions 0e 24 1 2>"$tmp/fail.out"; then
	fail "expected the login on 0e.0024 to fail"
fi
expect "card0e after failed logins" "max 4 available 4" "$(ctl 0e sessions)"
"$client" status 0e 24 | grep -q " held 0 card_held 0 " ||
	fail "expected the kernel to hold nothing on 0e.0024: $("$client" status 0e 24)"

# Restart on the same state directory: same wrapping key.
start 0b 24,25 16 "$tmp/0b"
expect "WKID after restart" "$wkid" "$("$client" wkid 0b 24)"
expect "budget after restart" "max 16 available 16" "$("$client" caplist 0b 24)"
echo "ep11-cardemu under the real driver: ok"
