#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cryptography end to end through /dev/ep11sess and the emulated card:
# keys bound to a session (AES-GCM round trip, ECDSA-SHA256 checked by
# OpenSSL with the card's SPKI), GenerateRandom unbound; the bound keys
# give CKR_SESSION_CLOSED after logout and after their owner is killed
# with SIGKILL; a send to any APQN of a two-domain session fails over
# when the serving domain goes offline.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
e2e=$EP11VM_REPO/build/meson/tests/vm/crypto-e2e
[ -x "$e2e" ] || { echo "SKIP: $e2e not built"; exit 77; }

# Domains 0x24 and 0x25 get the same wrapping key (as domains sharing a
# master key), so that one session spans both and a key blob made on one
# works on the other.
head -c 32 /dev/urandom >"$core_state/wrapping-key-0024"
cp "$core_state/wrapping-key-0024" "$core_state/wrapping-key-0025"
chmod 600 "$core_state"/wrapping-key-*
core_start_card 1e 24,25 16

"$e2e" crypto 1e.0024 || fail "crypto on 1e.0024"
"$e2e" crypto 1e.0025 || fail "crypto on 1e.0025"
"$e2e" reclaim 1e.0024 || fail "reclaim after SIGKILL"
got=$(core_field 1e.0024 reclaimed)
[ "$got" = 1 ] || fail "1e.0024 reclaimed: expected 1, got '$got'"
"$e2e" failover 1e.0024 1e.0025 "$core_emu" ctl "$core_state/card1e.ctl" ||
	fail "fail-over between 1e.0024 and 1e.0025"
# Nothing leaked: every session was logged out on the card.
got=$(core_ctl 1e sessions)
[ "$got" = "max 16 available 16" ] ||
	fail "card1e sessions: expected 'max 16 available 16', got '$got'"
echo "crypto e2e: ok"
