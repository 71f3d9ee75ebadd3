#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A card swapped under a running application.  A process signs in a loop
# through libcryptoki (p11-swap) while the emulator of its card is killed
# and a new one starts on the same card number with the same state
# directory (the same master key) and another serial number: the kernel
# logs the session in again on the new card and the process sees no failed
# call; the longest stall is printed.  Then a replacement with another
# master key (a fresh state directory): the session's calls fail with
# CKR_DEVICE_REMOVED, none takes longer than the bounded wait, and the
# process ends at once.  Beside it, swap-sess does the same through the
# ioctls alone (no library retry): the kernel's relogin and wait are
# enough.  The card's count and the kernel's agree after each swap;
# ep11sess monitor shows the relogins, ep11sess status counts them.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
ck_need_cmd pkcs11-tool opensc
signer_bin=$EP11VM_REPO/build/meson/tests/vm/p11-swap
direct_bin=$EP11VM_REPO/build/meson/tests/vm/swap-sess
ep11sess=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess
[ -x "$signer_bin" ] || { echo "SKIP: $signer_bin not built"; exit 77; }
[ -x "$direct_bin" ] || { echo "SKIP: $direct_bin not built"; exit 77; }
[ -x "$ep11sess" ] || { echo "SKIP: $ep11sess not built"; exit 77; }
cls=/sys/class/ep11sess
out=$ck_dir/signer.out
dout=$ck_dir/direct.out
mon=$ck_dir/monitor.out
wait_ms=$(cat /sys/module/ep11sess/parameters/relogin_wait_ms)
expect() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }

ck_start_card
ck_conf_global
ck_conf_slot 0 swap default
p11() { pkcs11-tool --module "$ck_lib" "$@"; }
ck_run "init-token" p11 --slot 0 --init-token --label swap --so-pin 87654321
ck_run "init-pin" p11 --slot 0 --login --login-type so --so-pin 87654321 \
	--init-pin --pin 12345678

"$ep11sess" monitor >"$mon" 2>&1 &
monitor=$!
core_pids="$core_pids $monitor"
"$signer_bin" "$ck_lib" 0 12345678 >"$out" 2>&1 &
signer=$!
core_pids="$core_pids $signer"
vmt_wait_ready "$out" "$signer" 60
"$direct_bin" 1e.0024 1e.0025 >"$dout" 2>&1 &
direct=$!
core_pids="$core_pids $direct"
vmt_wait_ready "$dout" "$direct" 30

# stats_after OUT N: OUT has more than N stats lines.
stats_after() { [ "$(grep -c '^stats ' "$1" || true)" -gt "$2" ]; }
# client_stats OUT PID: the stats of PID's calls since its last stats line.
client_stats() {
	local n
	n=$(grep -c '^stats ' "$1" || true)
	kill -USR1 "$2"
	vmt_poll $((wait_ms / 500 + 30)) stats_after "$1" "$n" ||
		{ cat "$1"; fail "$1: no stats line"; }
	grep '^stats ' "$1" | tail -n 1
}
signer_stats() { client_stats "$out" "$signer"; }
direct_stats() { client_stats "$dout" "$direct"; }
# field LINE NAME: NAME=VALUE out of LINE.
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# counts_agree CARD: the card's own count of used sessions is the kernel's.
counts_agree() {
	local a used held
	for a in $1.0024 $1.0025; do
		used=$(core_field "$a" card_used)
		held=$(core_field "$a" kernel_held)
		[ "$used" = "$held" ] || return 1
	done
}
# card_gone: the killed emulator's card is unregistered.
card_gone() { [ ! -e "$cls/card1e" ]; }

sleep 2
s=$(signer_stats)
[ "$(field "$s" calls)" -gt 0 ] || fail "before the swap: expected signatures, got: $s"
expect "failed calls before the swap" 0 "$(field "$s" failed)"
d=$(direct_stats)
[ "$(field "$d" calls)" -gt 0 ] || fail "before the swap: expected requests, got: $d"
expect "failed requests before the swap" 0 "$(field "$d" failed)"
counts_agree 1e || fail "before the swap: card and kernel counts differ: $(core_field 1e.0024 card_used) vs $(core_field 1e.0024 kernel_held)"

# Both domains offline for a second and back: requests wait, then go on.
core_ctl 1e offline 24 >/dev/null
core_ctl 1e offline 25 >/dev/null
sleep 1
core_ctl 1e online 24 >/dev/null
core_ctl 1e online 25 >/dev/null
sleep 2
s=$(signer_stats)
d=$(direct_stats)
expect "failed calls across the offline second" 0 "$(field "$s" failed)"
expect "failed requests across the offline second" 0 "$(field "$d" failed)"
[ "$(field "$d" longest_ms)" -ge 900 ] ||
	fail "offline: expected a request to wait about 1 s, the longest took $(field "$d" longest_ms) ms"
for a in 1e.0024 1e.0025; do
	expect "$a relogins after the offline second" 2 "$(cat $cls/card1e/$a/relogins)"
done
counts_agree 1e || fail "after the offline second: card and kernel counts differ"
echo "offline 1 s: longest stall $(field "$s" longest_ms) ms through libcryptoki, $(field "$d" longest_ms) ms through the ioctls"
kept0=$(cat $cls/orphaned_logouts)

# Swap 1: the emulator dies; a new one with the same master key and
# another serial number takes the card number.
kill -KILL "$core_pid_1e"
wait "$core_pid_1e" 2>/dev/null || true
vmt_poll 10 card_gone || fail "card1e still registered after its emulator was killed"
core_start_card 1e 24,25 "$ck_max" --serial SWAPPEDCARD0001E
expect "the new card's serial" SWAPPEDCARD0001E "$(cat $cls/card1e/serialnr)"
sleep 3
s=$(signer_stats)
[ "$(field "$s" calls)" -gt 0 ] || fail "after the swap: expected signatures, got: $s"
if [ "$(field "$s" failed)" != 0 ]; then
	grep '^fail ' "$out" || true
	fail "swap to a card with the same key: expected no failed call, got $(field "$s" failed) of $(field "$s" calls)"
fi
echo "swap: longest stall $(field "$s" longest_ms) ms ($(field "$s" longest_call)), no failed call in $(field "$s" calls)"
d=$(direct_stats)
[ "$(field "$d" signed)" -gt 0 ] || fail "after the swap: expected answered requests, got: $d"
if [ "$(field "$d" failed)" != 0 ]; then
	grep '^fail ' "$dout" || true
	fail "swap seen through the ioctls: expected no failed request, got $(field "$d" failed) of $(field "$d" calls)"
fi
echo "swap through the ioctls alone: longest stall $(field "$d" longest_ms) ms, no failed request in $(field "$d" calls)"
# Where the time went, by the kernel's clock.
dmesg | grep -E 'card1e (removed|registered)|card1e: .* logged in again' | tail -n 3
for a in 1e.0024 1e.0025; do
	got=$(cat $cls/card1e/$a/relogins)
	[ "$got" -ge 1 ] || fail "$a: expected the session to be logged in again, relogins $got"
done
vmt_poll 10 counts_agree 1e ||
	fail "after the swap: card and kernel counts differ: $(core_field 1e.0024 card_used) vs $(core_field 1e.0024 kernel_held)"
expect "card1e used after the swap (two sessions on two domains)" \
	"max $ck_max available $((ck_max - 4))" "$(core_ctl 1e sessions)"
# The old card may come back one day: its copies are logged out then.
expect "orphaned logouts kept for the old serial number" $((kept0 + 4)) \
	"$(cat $cls/orphaned_logouts)"
"$ep11sess" status --apqn 1e.0024 >"$ck_dir/status"
grep -q '^  Logged In Again:     [1-9]' "$ck_dir/status" ||
	{ cat "$ck_dir/status"; fail "ep11sess status: expected 'Logged In Again:' with the relogin"; }

# Swap 2: a replacement with another master key is never used.
signer_stats >/dev/null
direct_stats >/dev/null
kill -KILL "$core_pid_1e"
wait "$core_pid_1e" 2>/dev/null || true
vmt_poll 10 card_gone || fail "card1e still registered after its emulator was killed"
mark=$(wc -l <"$out")
fresh=$(mktemp -d "$core_state/fresh.XXXXXX")
vmt_start_card "$fresh" 1e 24,25 "$ck_max" --serial OTHERKEYCARD001E
core_pids="$core_pids $vmt_started"
vmt_wait_card "$fresh" 1e 10 "$core_cli" count 1e.0024
# The window from the kill until now: signatures before the kill, then
# calls that waited for the card and failed.  The next: failures only.
sleep 1
s=$(signer_stats)
d=$(direct_stats)
sleep 2
s2=$(signer_stats)
d2=$(direct_stats)
[ "$(field "$s2" failed)" -gt 0 ] || fail "another key: expected failed calls, got: $s2"
expect "another key: signatures made" 0 "$(field "$s2" signed)"
longest=$(field "$s" longest_ms)
[ "$(field "$s2" longest_ms)" -le "$longest" ] || longest=$(field "$s2" longest_ms)
bad=$(tail -n +"$((mark + 1))" "$out" | grep '^fail ' | grep -v ' CKR_DEVICE_REMOVED after ' || true)
[ -z "$bad" ] || fail "another key: expected CKR_DEVICE_REMOVED, got: $bad"
[ "$longest" -le $((2 * wait_ms + 5000)) ] ||
	fail "another key: a call took $longest ms, more than twice relogin_wait_ms ($wait_ms) and 5 s"
echo "another key: $(($(field "$s" failed) + $(field "$s2" failed))) calls failed with CKR_DEVICE_REMOVED, the longest in $longest ms, no signature made"
[ "$(field "$d2" failed)" -gt 0 ] || fail "another key: expected failed requests, got: $d2"
expect "another key: requests answered" 0 "$(field "$d2" signed)"
bad=$(grep '^fail ' "$dout" | tail -n "$(field "$d2" failed)" | grep -v ' No such device after ' || true)
[ -z "$bad" ] || fail "another key, through the ioctls: expected ENODEV, got: $bad"
dl=$(field "$d" longest_ms)
[ "$dl" -le $((wait_ms + 3000)) ] ||
	fail "another key, through the ioctls: a request took $dl ms, more than relogin_wait_ms ($wait_ms) and 3 s"
expect "the card with another key took no session" "max $ck_max available $ck_max" \
	"$("$EP11VM_REPO/build/meson/tools/ep11-cardemu/ep11-cardemu" ctl "$fresh/card1e.ctl" sessions)"

# The application ends at once; nothing is left on the new card.
t0=$(date +%s%N)
kill -TERM "$signer" "$direct"
wait "$signer" 2>/dev/null || true
wait "$direct" 2>/dev/null || true
ms=$((($(date +%s%N) - t0) / 1000000))
grep -q '^done$' "$out" || { cat "$out"; fail "the signer did not finish"; }
grep -q '^done$' "$dout" || { cat "$dout"; fail "swap-sess did not finish"; }
[ "$ms" -le $((2 * wait_ms + 5000)) ] || fail "the signer took $ms ms to end"
vmt_poll 10 counts_agree 1e ||
	fail "at the end: card and kernel counts differ: $(core_field 1e.0024 card_used) vs $(core_field 1e.0024 kernel_held)"
for a in 1e.0024 1e.0025; do
	expect "$a kernel_held at the end" 0 "$(core_field "$a" kernel_held)"
	expect "$a pending at the end" 0 "$(core_field "$a" pending)"
done

kill -TERM "$monitor"
wait "$monitor" 2>/dev/null || true
grep -q ' relogin  *1e\.0024 session [0-9a-f]* .*: logged in again$' "$mon" ||
	{ cat "$mon"; fail "ep11sess monitor: expected a relogin line for 1e.0024"; }
grep -q ' relogin  *1e\.0024 session .*: failed: the card has another wrapping key$' "$mon" ||
	{ cat "$mon"; fail "ep11sess monitor: expected a refused relogin line for 1e.0024"; }
echo "core swap: ok"
