#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kill storm loses no card session.  Two cards of 8 sessions: card 0b
# with domains 24 and 25 (one wrapping key, so sessions span both) and 26
# (a key of its own, so logins that include it and another domain fail
# with EXDEV and are rolled back), card 0c with domain 24 (the key of
# 0b.0024).  For EP11_STORM_SECONDS (60), worker processes with 1-3
# threads log in, send, log out, pass exported sessions over SCM_RIGHTS,
# fork and exec children that inherit the fds, and are SIGKILLed a whole
# process group at a time, while 0b.0025 flaps offline and online.  Then
# every card's own count must be back at 8 of 8, with nothing held or
# pending in the kernel.
#
# For local runs (the environment reaches the VM through tests/vm/run):
#   tests/vm/run -- env EP11_STORM_SECONDS=120 EP11_STORM_SEED=7 \
#	bash tests/vm/t-kill-storm.sh
# EP11_STORM_SEED (1), EP11_STORM_WORKERS (6), EP11_STORM_MODE (mixed,
# private or shared), EP11_STORM_FLAP (1; 0: no flapping).
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
storm=$EP11VM_REPO/build/meson/tests/vm/kill-storm
[ -x "$storm" ] || { echo "SKIP: $storm not built"; exit 77; }

secs=${EP11_STORM_SECONDS:-60}
seed=${EP11_STORM_SEED:-1}
flap=()
[ "${EP11_STORM_FLAP:-1}" = 0 ] || flap=(-f "$core_state/card0b.ctl:25")

head -c 32 /dev/urandom >"$core_state/wrapping-key-0024"
cp "$core_state/wrapping-key-0024" "$core_state/wrapping-key-0025"
chmod 600 "$core_state"/wrapping-key-*
core_start_card 0b 24,25,26 8
core_start_card 0c 24 8
core_wait_field 0b.0024 online 1 || fail "0b.0024 did not come online"

rc=0
"$storm" -t "$secs" -s "$seed" -w "${EP11_STORM_WORKERS:-6}" \
	-m "${EP11_STORM_MODE:-mixed}" "${flap[@]}" \
	0b.0024 0b.0025 0b.0026 0c.0024 || rc=$?
if [ $rc -gt 1 ]; then
	echo "FAIL: kill-storm ended with status $rc$([ $rc -gt 128 ] && echo " (signal $((rc - 128)))")"
	dmesg | grep -E -i 'killed process|out of memory|segfault|traps:' | tail -n 5
fi

# The emulators' own tables, without the kernel in between.
for c in 0b 0c; do
	got=$(core_ctl $c sessions)
	echo "card$c, its firmware's table: $got"
	if [ "$got" != "max 8 available 8" ]; then
		echo "FAIL: card$c: expected 'max 8 available 8' in the firmware's table, got '$got'"
		rc=1
	fi
done
if [ $rc != 0 ]; then
	echo "--- the kernel's log of ep11sess:"
	dmesg | grep -E 'ep11sess|ep11_vcard' | grep -v 'session id differs' | tail -n 40
	fail "kill storm with seed $seed (rerun with EP11_STORM_SEED=$seed)"
fi
echo "kill storm: ok"
