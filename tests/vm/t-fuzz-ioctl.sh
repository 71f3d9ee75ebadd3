#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ioctl fuzzer (fuzz-ioctl.c) against two emulated cards: 10^5 calls
# as root, then 10^5 as nobody (the device node opened to everyone, the
# fuzzer dropping to uid 65534 with one supplementary group after its
# first opens), named logins, attaches, keep-alive holds and logouts for
# everyone among them.  Every call's errno must be one the ABI allows;
# after each run every card's own count of used sessions must be back
# where it was, and the kernel must hold nothing and have nothing
# pending.  EP11_FUZZ_SEED repeats a run (the seed is printed),
# EP11_FUZZ_CALLS changes the number of calls, EP11_FUZZ_LEAVE_OUT leaves
# parts out (fuzz-ioctl's -x: f no fork children, k none killed, s no
# shared logins, 1 one APQN per login, a no admin logout, n nothing
# named, e no logout for everyone).
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
fuzz=$EP11VM_REPO/build/meson/tests/vm/fuzz-ioctl
[ -x "$fuzz" ] || { echo "SKIP: $fuzz not built"; exit 77; }
calls=${EP11_FUZZ_CALLS:-100000}
seed=${EP11_FUZZ_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}
leave_out=()
[ -z "${EP11_FUZZ_LEAVE_OUT:-}" ] || leave_out=(-x "$EP11_FUZZ_LEAVE_OUT")

core_start_card 0b 24,25 16
core_start_card 0c 24 16
apqns="0b.0024 0b.0025 0c.0024"

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
"$fuzz" -s "$seed" -n "$calls" "${leave_out[@]}" $apqns ||
	failed="$failed; the ioctl fuzzer as root (seed $seed)"
at_baseline "$base" || failed="$failed; the cards after the root run"

chmod 0666 /dev/ep11sess
seed2=$(printf '0x%x' $((seed + 1)))
echo "fuzz as nobody, seed $seed2"
base=$(cards_used)
# shellcheck disable=SC2086 # a list of APQNs
"$fuzz" -s "$seed2" -n "$calls" -u 65534 "${leave_out[@]}" $apqns ||
	failed="$failed; the ioctl fuzzer as nobody (seed $seed2)"
at_baseline "$base" || failed="$failed; the cards after the nobody run"
[ -z "$failed" ] || fail "${failed#; }"
echo "fuzz ioctl: ok"
