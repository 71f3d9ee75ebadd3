#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Short-lived signing processes on a card with a hard session limit: a
# card with 16 login sessions and a token in default mode on two of its
# domains, so that every application login spends two of them.  Debian's
# openssl with the libp11 engine (which never logs out) signs files, one
# `openssl pkeyutl -sign` process per file, each file once: a quarter of
# them one process after another with the EC P-256 key, a quarter with
# the RSA-2048 key, then the other half 8 processes at a time, EC then
# RSA.  Every process must succeed, every signature must verify with
# plain OpenSSL against the public key exported from the token
# (sig-verify, which must also refuse a signature over changed data),
# every login must have ended, and the card's own count must be back at
# 16 free within 10 s.  Printed: per run the processes, failures, seconds
# and processes per second; the card's count before and after; the most
# sessions in use at once (the kernel's count, polled 20 times a second,
# and the card's own, polled every 2 s); logins and reclaims.
#
# First, that the card really has only 16 sessions: 16 logins nobody logs
# out (what 16 signers leave behind on a card without ep11sess) leave it
# none free, and a 17th login, a signer's, fails.
#
# No Ed25519 key: Debian's engine (libp11 0.4.12) loads only RSA and EC
# keys, and an Ed25519 private key on a token makes its key enumeration
# fail for every key of that token ("Unable to enumerate private keys"),
# with SoftHSM2 as with libcryptoki.
#
# Under TCG one process costs 1 to 2 s of the VM's time, so make check
# signs 80 files (160 card logins on a card of 16 sessions) to stay
# within the harness's time-out per test.  The full run of 1000 files
# (the environment reaches the VM through tests/vm/run):
#   tests/vm/run --timeout 3600 -- env EP11_OPENSSL_FILES=1000 \
#	bash tests/vm/t-lib-openssl-1000.sh
# EP11_OPENSSL_FILES (80, a multiple of 4), EP11_OPENSSL_WORKERS (8).
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
ck_need_cmd pkcs11-tool opensc
ck_need_cmd openssl openssl
engine=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so
[ -e "$engine" ] || fail "expected OpenSSL's pkcs11 engine $engine (Debian package libengine-pkcs11-openssl)"
verify=$EP11VM_REPO/build/meson/tests/vm/sig-verify
holder=$EP11VM_REPO/build/meson/tests/vm/admin-sess
for f in "$verify" "$holder"; do
	[ -x "$f" ] || { echo "SKIP: $f not built"; exit 77; }
done
files=${EP11_OPENSSL_FILES:-80}
workers=${EP11_OPENSSL_WORKERS:-8}
[ "$files" -ge 4 ] && [ $((files % 4)) = 0 ] ||
	fail "EP11_OPENSSL_FILES: expected a positive multiple of 4, got $files"
[ "$workers" -ge 1 ] || fail "EP11_OPENSSL_WORKERS: expected at least 1, got $workers"

ck_max=16
ck_start_card
ck_conf_global
ck_conf_slot 0 os default
d=$ck_dir
SO=so-pin-1000
PIN=user-pin-1000
tok="pkcs11:token=os"
sysfs=/sys/class/ep11sess/card1e

# card_count: the card's own "max N available N".
card_count() { core_ctl 1e sessions; }
card_is_free() { [ "$(card_count)" = "max $ck_max available $ck_max" ]; }
# apqn_sum NAME: a counter of the card's two APQNs, summed.
apqn_sum() {
	local a v sum=0
	for a in 1e.0024 1e.0025; do
		read -r v <"$sysfs/$a/$1"
		sum=$((sum + v))
	done
	echo "$sum"
}

ck_run "pkcs11-tool --init-token" pkcs11-tool --module "$ck_lib" --slot 0 --init-token \
	--label os --so-pin "$SO"
ck_run "pkcs11-tool --init-pin" pkcs11-tool --module "$ck_lib" --token-label os --login \
	--login-type so --so-pin "$SO" --init-pin --pin "$PIN"
ck_run "pkcs11-tool --keypairgen (EC P-256)" pkcs11-tool --module "$ck_lib" --token-label os \
	--login --pin "$PIN" --keypairgen --key-type EC:prime256v1 --label ec --id 01
# The emulated card looks for RSA primes under TCG: on a busy host that
# takes longer than the driver's 10 s for one round trip.
timeout_param=/sys/module/ep11sess/parameters/request_timeout_ms
read -r request_timeout <"$timeout_param"
echo 120000 >"$timeout_param"
ck_run "pkcs11-tool --keypairgen (RSA-2048)" pkcs11-tool --module "$ck_lib" --token-label os \
	--login --pin "$PIN" --keypairgen --key-type rsa:2048 --label rsa --id 02
echo "$request_timeout" >"$timeout_param"
for k in ec rsa; do
	ck_run "pkcs11-tool --read-object ($k public key)" pkcs11-tool --module "$ck_lib" \
		--token-label os --read-object --type pubkey --label "$k" -o "$d/$k.der"
	ck_run "OpenSSL reading the exported $k key" openssl pkey -pubin -inform DER \
		-in "$d/$k.der" -out "$d/$k.pem"
done
export PKCS11_MODULE_PATH=$ck_lib

# sign KEY FILE: one openssl process signs FILE into FILE.sig.KEY.
sign() {
	openssl pkeyutl -engine pkcs11 -keyform engine \
		-inkey "$tok;object=$1;type=private?pin-value=$PIN" \
		-sign -rawin -digest sha256 -in "$2" -out "$2.sig.$1" 2>"$2.err.$1"
}

vmt_poll 10 card_is_free || fail "card1e sessions at the start: expected 'max $ck_max available $ck_max', got '$(card_count)'"

# --- the card's limit: 16 logins held, the 17th refused ---
"$holder" hold "$ck_max" 1e.0024 >"$d/hold.out" 2>&1 &
held=$!
core_pids="$core_pids $held"
vmt_wait_ready "$d/hold.out" "$held" 60
got=$(card_count)
[ "$got" = "max $ck_max available 0" ] ||
	fail "card1e with $ck_max logins held: expected 'max $ck_max available 0', got '$got'"
"$holder" login-fail 1e.0025 >"$d/out" 2>&1 || {
	cat "$d/out"
	fail "a 17th login on the card's other domain: expected ENOSPC"
}
head -c 100 /dev/urandom >"$d/probe"
sed '/^\[global\]$/a login_wait_ms = 0' "$ck_conf" >"$d/nowait.conf"
if EP11SESS_CRYPTOKI_CONF=$d/nowait.conf sign ec "$d/probe"; then
	fail "a signer on the full card: expected its login to fail, got a signature"
fi
grep -q 'no free EP11 session on the card' "$d/probe.err.ec" || {
	cat "$d/probe.err.ec"
	fail "a signer on the full card: expected libcryptoki's 'no free EP11 session on the card'"
}
echo "card1e: $ck_max logins held leave 'max $ck_max available 0'; the 17th login fails (ENOSPC; a signer's C_Login: no free EP11 session)"
kill -KILL "$held"
wait "$held" 2>/dev/null || true
vmt_poll 10 card_is_free || fail "card1e after the holder died: expected 'max $ck_max available $ck_max' within 10 s, got '$(card_count)'"

# --- the files ---
mkdir "$d/files"
head -c $((files * 512)) /dev/urandom | split -b 512 -a 4 -d - "$d/files/data."
all=("$d"/files/data.*)
[ "${#all[@]}" = "$files" ] || fail "expected $files files to sign, got ${#all[@]}"
q=$((files / 4))

# Pollers: the most sessions in use at once, as the kernel counts them
# (pending logouts included; 20 times a second, no process started) and
# as the card does (every 2 s: each look is a process).
mkfifo "$d/tick"
poll_held() {
	local v max=0 tick
	exec {tick}<>"$d/tick"
	while :; do
		read -r v <"$sysfs/sessions_held" || v=0
		if [ "$v" -gt "$max" ]; then
			max=$v
			echo "$max" >"$d/peak.held"
		fi
		read -r -t 0.05 -u "$tick" _ || true
	done
}
poll_card() {
	local line v max=0
	while :; do
		line=$(card_count) || line=
		v=${line##* }
		if [ -n "$line" ] && [ $((ck_max - v)) -gt "$max" ]; then
			max=$((ck_max - v))
			echo "$max" >"$d/peak.card"
		fi
		sleep 2
	done
}
echo 0 >"$d/peak.held"
echo 0 >"$d/peak.card"
poll_held &
pollers=$!
poll_card &
pollers="$pollers $!"
core_pids="$core_pids $pollers"

# run NAME KEY WORKERS FILE...: WORKERS processes at a time sign the
# FILEs with KEY, each worker every WORKERS-th file; prints the figures
# and counts failures in $failures.
failures=0
total=0
t_all=$EPOCHREALTIME
run() {
	local name=$1 key=$2 nw=$3 w i f t0 secs nf pids=()
	shift 3
	t0=$EPOCHREALTIME
	for ((w = 0; w < nw; w++)); do
		(
			i=0
			for f in "$@"; do
				if [ $((i++ % nw)) = "$w" ]; then
					sign "$key" "$f" || echo "$f" >>"$d/failed.$name"
				fi
			done
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	secs=$(echo "$EPOCHREALTIME - $t0" | bc)
	nf=0
	[ ! -e "$d/failed.$name" ] || nf=$(wc -l <"$d/failed.$name")
	failures=$((failures + nf))
	total=$((total + $#))
	printf '%-22s %4d processes, %d failed, %6.1f s, %5.1f processes/s\n' \
		"$name:" $# "$nf" "$secs" "$(echo "$# / $secs" | bc -l)"
	if [ "$nf" != 0 ]; then
		head -n 3 "$d/failed.$name" | while read -r f; do
			echo "--- $f.err.$key:"
			cat "$f.err.$key"
		done
	fi
}

before=$(card_count)
logins0=$(apqn_sum logins)
logouts0=$(apqn_sum logouts)
reclaimed0=$(apqn_sum reclaimed)
echo "card1e before: $before"
run "EC, one at a time" ec 1 "${all[@]:0:q}"
run "RSA, one at a time" rsa 1 "${all[@]:q:q}"
run "EC, $workers at a time" ec "$workers" "${all[@]:2*q:q}"
run "RSA, $workers at a time" rsa "$workers" "${all[@]:3*q:q}"
secs=$(echo "$EPOCHREALTIME - $t_all" | bc)
printf '%-22s %4d processes, %d failed, %6.1f s, %5.1f processes/s\n' \
	"all:" "$total" "$failures" "$secs" "$(echo "$total / $secs" | bc -l)"

# Back at baseline: every login logged out, the card's 16 free.
back=ok
vmt_poll 10 card_is_free || back=
after=$(card_count)
# shellcheck disable=SC2086 # a list of pids
kill $pollers 2>/dev/null || true
# shellcheck disable=SC2086
wait $pollers 2>/dev/null || true
logins=$(($(apqn_sum logins) - logins0))
logouts=$(($(apqn_sum logouts) - logouts0))
reclaimed=$(($(apqn_sum reclaimed) - reclaimed0))
echo "card1e after: $after"
echo "most sessions in use at once: $(cat "$d/peak.held") of $ck_max (kernel's count), $(cat "$d/peak.card") (card's count, sampled every 2 s)"
echo "card logins $logins, logouts $logouts, of them reclaimed from exited processes $reclaimed"

# Every signature, checked by plain OpenSSL against the exported key.
ec_files=("${all[@]:0:q}" "${all[@]:2*q:q}")
rsa_files=("${all[@]:q:q}" "${all[@]:3*q:q}")
"$verify" "$d/ec.pem" .sig.ec "${ec_files[@]}" >"$d/verify.ec" || {
	cat "$d/verify.ec"
	fail "plain OpenSSL verifying the EC signatures: expected all ${#ec_files[@]} to verify"
}
"$verify" "$d/rsa.pem" .sig.rsa "${rsa_files[@]}" >"$d/verify.rsa" || {
	cat "$d/verify.rsa"
	fail "plain OpenSSL verifying the RSA signatures: expected all ${#rsa_files[@]} to verify"
}
echo "EC: $(cat "$d/verify.ec"); RSA: $(cat "$d/verify.rsa")"
# The check can fail: a signature over other data does not verify.
cp "${all[0]}" "$d/changed"
printf 'x' >>"$d/changed"
cp "${all[0]}.sig.ec" "$d/changed.sig.ec"
if "$verify" "$d/ec.pem" .sig.ec "$d/changed" >"$d/out"; then
	fail "sig-verify with a signature over other data: expected a failure, got: $(cat "$d/out")"
fi

[ "$failures" = 0 ] || fail "expected all $total signing processes to succeed, $failures failed"
[ "$logins" -ge $((2 * total)) ] ||
	fail "expected at least $((2 * total)) card logins (one per process on each of two domains), got $logins"
[ "$logouts" = "$logins" ] || fail "expected every card login to end, got $logins logins and $logouts logouts"
[ -n "$back" ] || fail "card1e at the end: expected 'max $ck_max available $ck_max' within 10 s, got '$after'"
ck_card_idle
echo "openssl-1000: ok"
