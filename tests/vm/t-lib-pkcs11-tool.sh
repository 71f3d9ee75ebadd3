#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# OpenSC's pkcs11-tool (Debian opensc 0.23) against libcryptoki, the driver
# and an emulated card, as a user runs it with --module: information,
# slots, mechanisms and objects; token and PIN initialisation and PIN
# changes (USER and SO); key generation (RSA-2048, EC P-256 and P-384,
# Ed25519, AES-256); signatures checked by the token and by OpenSSL with
# the exported public key; AES and RSA decryption; AES key wrap and unwrap;
# the tool's own self-tests (--test, --test-ec, --test-fork,
# --test-threads); one command through pkcs11-spy.  No EP11 session is
# left on the card at the end.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
ck_need_cmd pkcs11-tool opensc
ck_need_cmd openssl openssl
spy=/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so
[ -e "$spy" ] || fail "expected $spy (Debian package opensc-pkcs11)"

ck_start_card
ck_conf_global
ck_conf_slot 0 pk11 default

d=$ck_dir
SO="so-pin-1111"
SO2="so-pin-2222"
PIN="user-pin-1111"
PIN2="user-pin-2222"
user=(--token-label pk11 --login --pin "$PIN")

# tool WHAT ARGS...: pkcs11-tool ARGS must succeed; its output is in $d/out.
tool() {
	local what=$1
	shift
	ck_run "$what" pkcs11-tool --module "$ck_lib" "$@"
}

# tool_fails WHAT PATTERN ARGS...: pkcs11-tool ARGS must fail and say PATTERN.
tool_fails() {
	local what=$1 pattern=$2 rc=0
	shift 2
	pkcs11-tool --module "$ck_lib" "$@" >"$d/out" 2>&1 || rc=$?
	if [ $rc = 0 ] || ! grep -Eq -- "$pattern" "$d/out"; then
		cat "$d/out"
		fail "$what: expected pkcs11-tool to fail with '$pattern', got exit status $rc"
	fi
}

# expect_out WHAT PATTERN: the last command's output has a line matching PATTERN.
expect_out() {
	grep -Eq -- "$2" "$d/out" && return 0
	cat "$d/out"
	fail "$1: expected output matching '$2'"
}

# pubkey ID: the public key with CKA_ID ID, exported, as $d/pubID.pem.
pubkey() {
	if [ "$1" = 03 ]; then
		# pkcs11-tool 0.23 cannot export a P-384 key ("cannot create
		# EVP_PKEY", with SoftHSM2 too): GnuTLS's p11tool does.
		ck_need_cmd p11tool gnutls-bin
		GNUTLS_PIN=$PIN ck_run "p11tool exporting public key 03" p11tool \
			--provider "$ck_lib" --login --export-pubkey --outfile "$d/pub$1.raw" \
			"pkcs11:token=pk11;id=%03;type=public"
	else
		tool "read public key $1" --token-label pk11 --read-object --type pubkey \
			--id "$1" -o "$d/pub$1.raw"
	fi
	# DER for RSA and EC, PEM for Ed25519: OpenSSL reads both.
	ck_run "OpenSSL reading public key $1" openssl pkey -pubin -in "$d/pub$1.raw" \
		-out "$d/pub$1.pem"
}

# --- information, slots, token and PINs ---
tool "-I" -I
expect_out "-I" '^Cryptoki version 3\.0'
tool "-L before C_InitToken" -L
expect_out "-L" '^Slot 0 '
tool "--init-token" --slot 0 --init-token --label pk11 --so-pin "$SO"
expect_out "--init-token" 'Token successfully initialized'
tool "--init-pin" --token-label pk11 --login --login-type so --so-pin "$SO" \
	--init-pin --pin "$PIN"
expect_out "--init-pin" 'User PIN successfully initialized'
tool "-L after --init-pin" -L
expect_out "-L" 'token label +: pk11$'
expect_out "-L" 'token flags +:.*token initialized, PIN initialized'

tool "--change-pin (USER)" "${user[@]}" --change-pin --new-pin "$PIN2"
expect_out "--change-pin" 'PIN successfully changed'
tool_fails "login with the old USER PIN" 'CKR_PIN_INCORRECT' \
	--token-label pk11 --login --pin "$PIN" -O
tool "--change-pin back (USER)" --token-label pk11 --login --pin "$PIN2" \
	--change-pin --new-pin "$PIN"
tool "--change-pin (SO)" --token-label pk11 --login --login-type so \
	--so-pin "$SO" --change-pin --new-pin "$SO2"
tool_fails "SO login with the old SO PIN" 'CKR_PIN_INCORRECT' \
	--token-label pk11 --login --login-type so --so-pin "$SO" --init-pin --pin "$PIN"
tool "--init-pin with the new SO PIN" --token-label pk11 --login --login-type so \
	--so-pin "$SO2" --init-pin --pin "$PIN"
tool "--change-pin back (SO)" --token-label pk11 --login --login-type so \
	--so-pin "$SO2" --change-pin --new-pin "$SO"
# A good login clears the failure counted above.
tool "-L after the PIN changes" -L
if grep -Eq 'token flags.*(count low|final try|locked)' "$d/out"; then
	cat "$d/out"
	fail "token flags after good logins: expected no PIN failure flag"
fi

tool "-M" --token-label pk11 -M
for m in SHA256 SHA512 RSA-PKCS-KEY-PAIR-GEN ECDSA-KEY-PAIR-GEN EC-EDWARDS-KEY-PAIR-GEN \
	 RSA-PKCS RSA-PKCS-OAEP SHA256-RSA-PKCS-PSS ECDSA ECDSA-SHA256 EDDSA \
	 AES-KEY-GEN AES-CBC-PAD AES-GCM AES-KEY-WRAP; do
	expect_out "-M" "^  $m(,| )"
done

# --- keys ---
# Few RSA keys: the emulated card makes them slowly under emulation.
tool "--keypairgen rsa:2048" "${user[@]}" --keypairgen --key-type rsa:2048 --label rsa1 --id 01
tool "--keypairgen EC:prime256v1" "${user[@]}" --keypairgen --key-type EC:prime256v1 \
	--label ec256 --id 02
tool "--keypairgen EC:secp384r1" "${user[@]}" --keypairgen --key-type EC:secp384r1 \
	--label ec384 --id 03
# 0.23 names Ed25519 "edwards25519" (EC:ed25519 came later).
tool "--keypairgen EC:edwards25519" "${user[@]}" --keypairgen --key-type EC:edwards25519 \
	--label ed --id 04
tool "--keygen AES:32" "${user[@]}" --keygen --key-type AES:32 --label aes1 --id 05
tool "-O" "${user[@]}" -O
for l in rsa1 ec256 ec384 ed aes1; do
	expect_out "-O" "label: +$l\$"
done
expect_out "-O" 'Private Key Object; RSA'
expect_out "-O" 'Public Key Object; EC  EC_POINT 384 bits'
expect_out "-O" 'Private Key Object; EC_EDWARDS'
expect_out "-O" 'Secret Key Object; AES length 32'

# --- signatures: the token and OpenSSL agree ---
head -c 3000 /dev/urandom >"$d/data"
cp "$d/data" "$d/bad"
printf 'x' >>"$d/bad"
for id in 01 02 03 04; do
	pubkey $id
done
# sign ID MECH NAME [pkcs11-tool options...]: signs $d/data into $d/sig.NAME
# and has the token verify it, and refuse it for $d/bad.
sign() {
	local id=$1 mech=$2 name=$3
	shift 3
	tool "--sign $mech" "${user[@]}" --sign --id "$id" -m "$mech" "$@" \
		-i "$d/data" -o "$d/sig.$name"
	tool "--verify $mech" "${user[@]}" --verify --id "$id" -m "$mech" "$@" \
		-i "$d/data" --signature-file "$d/sig.$name"
	expect_out "--verify $mech" 'Signature is valid'
	# 0.23 says "Invalid signature" but exits 0.
	pkcs11-tool --module "$ck_lib" "${user[@]}" --verify --id "$id" -m "$mech" "$@" \
		-i "$d/bad" --signature-file "$d/sig.$name" >"$d/out" 2>&1 || true
	if ! grep -q '^Invalid signature' "$d/out" || grep -q 'Signature is valid' "$d/out"; then
		cat "$d/out"
		fail "--verify $mech of other data: expected 'Invalid signature'"
	fi
}
# openssl_verifies WHAT OPENSSL-ARGS...: OpenSSL says the signature is good.
openssl_verifies() {
	local what=$1
	shift
	ck_run "OpenSSL verifying $what" openssl "$@"
}

sign 02 ECDSA-SHA256 ec256 --signature-format openssl
openssl_verifies "ECDSA-SHA256 (P-256)" dgst -sha256 -verify "$d/pub02.pem" \
	-signature "$d/sig.ec256" "$d/data"
sign 03 ECDSA-SHA384 ec384 --signature-format openssl
openssl_verifies "ECDSA-SHA384 (P-384)" dgst -sha384 -verify "$d/pub03.pem" \
	-signature "$d/sig.ec384" "$d/data"
sign 01 SHA256-RSA-PKCS rsa
openssl_verifies "SHA256-RSA-PKCS" dgst -sha256 -verify "$d/pub01.pem" \
	-signature "$d/sig.rsa" "$d/data"
# 0.23 takes --hash-algorithm with RSA-PKCS-PSS only; the salt is 48 bytes.
sign 01 SHA384-RSA-PKCS-PSS pss --mgf MGF1-SHA384 --salt-len 48
openssl_verifies "SHA384-RSA-PKCS-PSS" dgst -sha384 -sigopt rsa_padding_mode:pss \
	-sigopt rsa_pss_saltlen:48 -verify "$d/pub01.pem" -signature "$d/sig.pss" "$d/data"
sign 04 EDDSA ed
openssl_verifies "EDDSA (Ed25519)" pkeyutl -verify -pubin -inkey "$d/pub04.pem" -rawin \
	-in "$d/data" -sigfile "$d/sig.ed"
if openssl dgst -sha256 -verify "$d/pub02.pem" -signature "$d/sig.ec256" "$d/bad" \
	>/dev/null 2>&1; then
	fail "OpenSSL verifying the P-256 signature over other data: expected a failure, got success"
fi

# --- encryption: 0.23's --encrypt is for secret keys only; RSA is
# encrypted by OpenSSL with the exported public key and decrypted on the
# token ---
head -c 100 "$d/data" >"$d/small"
iv=000102030405060708090a0b0c0d0e0f
tool "--encrypt AES-CBC-PAD" "${user[@]}" --encrypt --id 05 -m AES-CBC-PAD --iv $iv \
	-i "$d/small" -o "$d/ct.aes"
size=$(stat -c %s "$d/ct.aes")
[ "$size" = 112 ] || fail "AES-CBC-PAD of 100 bytes: expected 112 bytes, got $size"
tool "--decrypt AES-CBC-PAD" "${user[@]}" --decrypt --id 05 -m AES-CBC-PAD --iv $iv \
	-i "$d/ct.aes" -o "$d/pt.aes"
cmp -s "$d/small" "$d/pt.aes" || fail "AES-CBC-PAD round trip: expected the 100 bytes back"

ck_run "OpenSSL RSA-OAEP encryption" openssl pkeyutl -encrypt -pubin -inkey "$d/pub01.pem" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 \
	-in "$d/small" -out "$d/ct.oaep"
tool "--decrypt RSA-PKCS-OAEP" "${user[@]}" --decrypt --id 01 -m RSA-PKCS-OAEP \
	--hash-algorithm SHA256 --mgf MGF1-SHA256 -i "$d/ct.oaep" -o "$d/pt.oaep"
cmp -s "$d/small" "$d/pt.oaep" || fail "RSA-OAEP: expected the token to decrypt what OpenSSL encrypted"
ck_run "OpenSSL RSA PKCS#1 v1.5 encryption" openssl pkeyutl -encrypt -pubin \
	-inkey "$d/pub01.pem" -in "$d/small" -out "$d/ct.pkcs"
tool "--decrypt RSA-PKCS" "${user[@]}" --decrypt --id 01 -m RSA-PKCS -i "$d/ct.pkcs" \
	-o "$d/pt.pkcs"
cmp -s "$d/small" "$d/pt.pkcs" || fail "RSA-PKCS: expected the token to decrypt what OpenSSL encrypted"

# --- key wrap: 0.23 wraps secret keys (--id: the wrapping key,
# --application-id: the key wrapped or made) ---
tool "--keygen the KEK" "${user[@]}" --keygen --key-type AES:32 --label kek --id 06 --usage-wrap
tool "--keygen the key to wrap" "${user[@]}" --keygen --key-type AES:16 --label inner \
	--id 07 --extractable
for w in AES-KEY-WRAP:24:08 0x210B:24:09; do
	mech=${w%%:*}
	want=$(echo "$w" | cut -d: -f2)
	newid=${w##*:}
	tool "--wrap $mech" "${user[@]}" --wrap -m "$mech" --id 06 --application-id 07 \
		-o "$d/wrapped.$newid"
	size=$(stat -c %s "$d/wrapped.$newid")
	[ "$size" = "$want" ] || fail "--wrap $mech of a 16-byte key: expected $want bytes, got $size"
	tool "--unwrap $mech" "${user[@]}" --unwrap -m "$mech" --id 06 -i "$d/wrapped.$newid" \
		--key-type AES: --application-id "$newid" --application-label "unwrapped-$newid"
	# The unwrapped key is the wrapped one: it decrypts what that encrypted.
	tool "--encrypt with the wrapped key" "${user[@]}" --encrypt --id 07 -m AES-CBC-PAD \
		--iv $iv -i "$d/small" -o "$d/ct.inner"
	tool "--decrypt with the unwrapped key ($mech)" "${user[@]}" --decrypt --id "$newid" \
		-m AES-CBC-PAD --iv $iv -i "$d/ct.inner" -o "$d/pt.inner"
	cmp -s "$d/small" "$d/pt.inner" ||
		fail "--unwrap $mech: expected the unwrapped key to decrypt what the wrapped key encrypted"
done

# --- pkcs11-tool's self-tests ---
# Problems of the self-tests are collected, so that one run shows them all.
problems=
problem() {
	echo "FAIL (continuing): $*"
	problems="$problems
  $*"
}

# --test runs on the keys above: random, digests, RSA signatures and
# verification (EC and Ed25519 keys it skips: "non-RSA"), RSA decryption
# with PKCS#1 v1.5 and OAEP with and without a label.  What the card does
# not offer (MD5, RIPEMD-160, C_SeedRandom) 0.23 skips without an error.
# Any ERR, error or warning line is a failure.
rc=0
pkcs11-tool --module "$ck_lib" "${user[@]}" --session-rw --test >"$d/test.out" 2>&1 || rc=$?
sed 's/^/  --test: /' "$d/test.out"
test_report=$(grep -E '^ *(ERR|error|warning)|[0-9]+ errors' "$d/test.out" || true)
if [ -n "$test_report" ] || [ $rc != 0 ] || ! grep -q '^No errors$' "$d/test.out"; then
	problem "pkcs11-tool --test: expected 'No errors', no warning and exit status 0, got exit status $rc and:
$test_report"
fi

# --test-ec makes a P-256 key pair, changes its CKA_ID and signs with
# CKM_ECDSA_SHA1, which the card does not offer (docs/ep11-wire.md,
# "Mechanisms": ECDSA with SHA-224 to SHA-512 only): that signature is
# CKR_MECHANISM_INVALID, after the key generation and the CKA_ID change
# worked.
rc=0
pkcs11-tool --module "$ck_lib" "${user[@]}" --session-rw --test-ec --id 20 \
	--key-type EC:prime256v1 >"$d/out" 2>&1 || rc=$?
if [ $rc = 0 ] || ! grep -q 'Key pair generated' "$d/out" ||
   ! grep -q 'Doing a signature' "$d/out" ||
   ! grep -q 'C_SignInit failed: rv = CKR_MECHANISM_INVALID' "$d/out"; then
	cat "$d/out"
	problem "--test-ec: expected the key pair, the CKA_ID change, then C_SignInit CKR_MECHANISM_INVALID (CKM_ECDSA_SHA1), got exit status $rc"
fi

# --test-fork: the child's C_Initialize must give CKR_OK.
rc=0
pkcs11-tool --module "$ck_lib" --test-fork >"$d/out" 2>&1 || rc=$?
if [ $rc != 0 ] || ! grep -q 'Calling C_Initialize in forked child process' "$d/out" ||
   grep -q 'error' "$d/out"; then
	cat "$d/out"
	problem "--test-fork: expected the child's C_Initialize to work and exit status 0, got $rc"
fi

# --test-threads: 0.23 knows IN, IL, GI, SL, Tn and Pn (LT, a login and
# p11_test in a thread, came with 0.24).  Three threads besides the main
# one, each initialising the library (CKR_OK or
# CKR_CRYPTOKI_ALREADY_INITIALIZED) and reading the slots and the token.
rc=0
pkcs11-tool --module "$ck_lib" --test-threads ILGISLT0 --test-threads INGISLT0P1GI \
	--test-threads ILGISLT0GI -L >"$d/out" 2>&1 || rc=$?
bad_init=$(grep -E 'C_Initialize +returned' "$d/out" |
	grep -Ev 'returned (CKR_OK|CKR_CRYPTOKI_ALREADY_INITIALIZED)$' || true)
n=$(grep -c 'returning rv = 0$' "$d/out" || true)
if [ $rc != 0 ] || [ -n "$bad_init" ] || [ "$n" != 3 ] ||
   ! grep -q 'test_threads all threads have ended with CKR_OK' "$d/out"; then
	cat "$d/out"
	problem "--test-threads: expected exit status 0, 3 threads returning 0 and every C_Initialize CKR_OK or CKR_CRYPTOKI_ALREADY_INITIALIZED, got exit status $rc, $n threads returning 0${bad_init:+, $bad_init}"
fi

# --- one command through pkcs11-spy ---
rc=0
PKCS11SPY=$ck_lib PKCS11SPY_OUTPUT=$d/spy.log pkcs11-tool --module "$spy" "${user[@]}" \
	--sign --id 02 -m ECDSA-SHA256 -i "$d/data" -o "$d/sig.spy" >"$d/out" 2>&1 || rc=$?
# pkcs11-tool signs 3000 bytes in parts: C_SignUpdate, C_SignFinal.
sign_rv=$(awk '/^[0-9]+: C_SignFinal$/ { s = 1 } s && /^Returned:/ { print $3; exit }' \
	"$d/spy.log" 2>/dev/null || true)
if [ $rc != 0 ] || [ "$sign_rv" != CKR_OK ]; then
	cat "$d/out"
	echo "--- pkcs11-spy's log:"
	cat "$d/spy.log"
	problem "pkcs11-tool --sign through pkcs11-spy: expected exit status 0 and C_SignFinal CKR_OK, got $rc and '$sign_rv'"
fi

[ -z "$problems" ] || fail "pkcs11-tool's self-tests:$problems"

ck_card_idle
echo "pkcs11-tool: ok"
