#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink fuzzer (fuzz-netlink.c) against two emulated cards
# with 96 sessions held: random attributes for every command and unknown
# ones, interrupted dumps, 30000 messages as root and then as nobody.
# Every answer must come and carry an errno the family allows; after
# each run every card's own count of used sessions must be back where it
# was, and the kernel must hold nothing and have nothing pending.  A
# third card removed with a pending logout leaves an orphaned logout, so
# that the orphan dump has something to show (to root; nobody's is empty).
# EP11_FUZZ_SEED repeats a run (the seed is printed), EP11_FUZZ_MSGS
# changes the number of messages.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
fuzz=$EP11VM_REPO/build/meson/tests/vm/fuzz-netlink
[ -x "$fuzz" ] || { echo "SKIP: $fuzz not built"; exit 77; }
msgs=${EP11_FUZZ_MSGS:-30000}
seed=${EP11_FUZZ_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}

core_start_card 0b 24,25 128
core_start_card 0c 24 64
apqns="0b.0024 0b.0025 0c.0024"

# An orphaned logout: a session on 0d.0024 pending when card 0d goes.
core_start_card 0d 24 16
core_hold "$core_state/orphan.out" 0d.0024
core_ctl 0d offline 24 >/dev/null || fail "cannot take 0d.0024 offline"
kill -KILL "$core_held"
wait "$core_held" 2>/dev/null || true
core_stop_card 0d
vmt_poll 10 test ! -e /sys/class/ep11sess/card0d || fail "card0d still registered"
[ "$(cat /sys/class/ep11sess/orphaned_logouts)" = 1 ] ||
	fail "expected 1 orphaned logout, got $(cat /sys/class/ep11sess/orphaned_logouts)"

# cards_used: each card's used sessions by its own count (the
# emulator's session table), e.g. "0b 0 0c 0".
cards_used() {
	local c out
	for c in 0b 0c; do
		out=$(core_ctl "$c" sessions)
		# shellcheck disable=SC2086 # "max N available N"
		set -- $out
		[ "$1 $3" = "max available" ] || fail "card$c: the emulator says '$out'"
		printf '%s %d ' "$c" $(($2 - $4))
	done
}

# at_baseline USED: the cards' own counts are USED (from cards_used
# before the run) and the kernel holds nothing and has nothing pending.
at_baseline() {
	local c f now
	now=$(cards_used)
	[ "$now" = "$1" ] || {
		echo "the cards' own counts of used sessions: expected '$1', got '$now'"
		return 1
	}
	for c in 0b 0c; do
		for f in sessions_held pending_logouts; do
			[ "$(cat "/sys/class/ep11sess/card$c/$f")" = 0 ] || {
				echo "card$c/$f: expected 0, got $(cat "/sys/class/ep11sess/card$c/$f")"
				return 1
			}
		done
	done
}

# Both runs always run, so that both print their figures.
failed=
base=$(cards_used)
echo "fuzz as root, seed $seed"
# shellcheck disable=SC2086 # a list of APQNs
"$fuzz" -s "$seed" -n "$msgs" $apqns >"$core_state/root.out" ||
	failed="$failed; the netlink fuzzer as root (seed $seed)"
cat "$core_state/root.out"
grep -Eq 'orphaned logouts [1-9]' "$core_state/root.out" ||
	failed="$failed; no orphan dump showed the orphaned logout to root"
at_baseline "$base" || failed="$failed; the cards after the root run"

seed2=$(printf '0x%x' $((seed + 1)))
echo "fuzz as nobody, seed $seed2"
base=$(cards_used)
# shellcheck disable=SC2086 # a list of APQNs
"$fuzz" -s "$seed2" -n "$msgs" -u 65534 $apqns ||
	failed="$failed; the netlink fuzzer as nobody (seed $seed2)"
at_baseline "$base" || failed="$failed; the cards after the nobody run"
[ -z "$failed" ] || fail "${failed#; }"
echo "fuzz netlink: ok"
