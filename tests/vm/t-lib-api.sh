#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcryptoki's PKCS#11 rules (lib-api: one cmocka test per rule, exact
# return codes) against the driver and an emulated card: every rule on a
# default-mode token, then the rules of strict mode on a strict-mode token
# (each logged-in session holds its own EP11 session; a session's objects
# die with it).  Afterwards SQLite finds both stores sound and no EP11
# session is left on the card.  A third token, whose PIN check is slow,
# shows the other threads going on while one logs in, and a fourth, on a
# card whose host share is full, while one waits for room.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
api=$EP11VM_REPO/build/meson/tests/vm/lib-api
[ -x "$api" ] || { echo "SKIP: $api not built"; exit 77; }
ck_need_cmd sqlite3 sqlite3

ck_start_card
# Three tries: the PIN-lock rule locks the USER PIN quickly.
export LIBAPI_PIN_MAX_TRIES=3
ck_conf_global pin_max_tries=$LIBAPI_PIN_MAX_TRIES
ck_conf_slot 0 lib-api default
ck_conf_slot 1 lib-api-strict strict

start=$SECONDS
"$api" --mode default --label lib-api --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api on the default-mode token: expected every rule to pass (the failures are above)"
echo "default mode: $((SECONDS - start)) s"
start=$SECONDS
"$api" --mode strict --label lib-api-strict --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api on the strict-mode token: expected every rule to pass (the failures are above)"
echo "strict mode: $((SECONDS - start)) s"

# A token whose PIN check is slow (the default PBKDF2 count): another
# thread's calls go on during a login.
ck_conf_global pin_max_tries=$LIBAPI_PIN_MAX_TRIES pin_kdf_iterations=50000
ck_conf_slot 0 lib-api-slowpin default
start=$SECONDS
"$api" --mode slowpin --label lib-api-slowpin --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api on a token with a slow PIN check: expected every rule to pass (the failures are above)"
echo "slow PIN check: $((SECONDS - start)) s"

# A login that waits for room on the card (this host's share of it full):
# the other threads go on, and a session closed during the wait leaves
# nothing logged in.
ck_conf_global pin_max_tries=$LIBAPI_PIN_MAX_TRIES login_wait_ms=8000
ck_conf_slot 0 lib-api-wait default
echo 2 >/sys/class/ep11sess/card1e/host_share
start=$SECONDS
"$api" --mode wait --label lib-api-wait --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api with a login waiting for room: expected every rule to pass (the failures are above)"
echo "login waiting for room: $((SECONDS - start)) s"

# A strict-mode token with room for one EP11 session of it (two card
# sessions: it spans two domains): C_OpenSession gets CKR_SESSION_COUNT, a
# login that needs more than the room CKR_DEVICE_MEMORY after its wait.
# First the room is this host's share of the card (EDQUOT), then the card
# itself, the rest of it taken by another host (ENOSPC).
ck_conf_global pin_max_tries=$LIBAPI_PIN_MAX_TRIES login_wait_ms=1000
ck_conf_slot 0 lib-api-full strict
start=$SECONDS
"$api" --mode full --label lib-api-full --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api with a strict token and the host's share full: expected every rule to pass (the failures are above)"
echo auto >/sys/class/ep11sess/card1e/host_share
avail=$(core_ctl 1e status | sed -n 's/^available_sessions //p')
[ "$avail" -gt 2 ] || fail "card 1e: expected more than 2 free sessions, got '$avail'"
core_ctl 1e foreign-login $((avail - 2)) >/dev/null || fail "card 1e: foreign-login $((avail - 2))"
"$api" --mode full --label lib-api-full --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api with a strict token and the card full: expected every rule to pass (the failures are above)"
core_ctl 1e foreign-logout $((avail - 2)) >/dev/null || fail "card 1e: foreign-logout"
echo "strict token, host share and card full: $((SECONDS - start)) s"

# Last, on a token of its own: the SO PIN's failure count locks it.
ck_conf_global pin_max_tries=$LIBAPI_PIN_MAX_TRIES
ck_conf_slot 0 lib-api-solock default
"$api" --mode solock --label lib-api-solock --apqn "$ck_apqn" "$ck_lib" ||
	fail "lib-api locking the SO PIN: expected every rule to pass (the failures are above)"

ck_store_ok lib-api
ck_store_ok lib-api-strict
ck_store_ok lib-api-slowpin
ck_store_ok lib-api-wait
ck_store_ok lib-api-full
ck_store_ok lib-api-solock
ck_card_idle
echo "lib api: ok"
