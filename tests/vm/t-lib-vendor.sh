#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcryptoki's vendor interface (status, own sessions, logout by public
# id, the administrator's logout seen by the application), a token whose
# only APQN is offline (CKR_DEVICE_REMOVED, then working again), and
# C_Initialize's refusals: a config error names file, line and key; a
# token whose APQNs have different wrapping keys names the APQN that
# differs.  Both end in CKR_GENERAL_ERROR, never a crash.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
ck_need_cmd pkcs11-tool opensc
vendor=$EP11VM_REPO/build/meson/tests/vm/lib-vendor
ck_start_card
ck_conf_global
cat >>"$ck_conf" <<EOF
[slot 0]
label = vend
apqns = $ck_apqn
store = $ck_dir/vend.db
EOF
p11() { pkcs11-tool --module "$ck_lib" "$@"; }
ck_run "init-token" p11 --slot 0 --init-token --label vend --so-pin 87654321
ck_run "init-pin" p11 --slot 0 --login --login-type so --so-pin 87654321 \
	--init-pin --pin 12345678
ck_run "lib-vendor" "$vendor" "$ck_lib" 0 12345678 "$ck_apqn" "$ck_max"
ck_card_idle

# The token's only APQN offline: CKR_DEVICE_REMOVED, and back to work
# when it returns.
ck_run "keypairgen" p11 --slot 0 --login --pin 12345678 --keypairgen \
	--key-type EC:prime256v1 --label off
echo data >"$ck_dir/msg"
core_ctl 1e offline 24 >/dev/null
out=$(p11 --slot 0 --login --pin 12345678 --sign -m ECDSA-SHA256 --label off \
	-i "$ck_dir/msg" -o "$ck_dir/sig" 2>&1) &&
	fail "signing with the token's only APQN offline succeeded: $out"
echo "$out" | grep -q CKR_DEVICE_REMOVED ||
	fail "APQN offline: expected CKR_DEVICE_REMOVED, got: $out"
core_ctl 1e online 24 >/dev/null
ck_run "sign with the APQN back" p11 --slot 0 --login --pin 12345678 \
	--sign -m ECDSA-SHA256 --label off -i "$ck_dir/msg" -o "$ck_dir/sig"
ck_card_idle

# A config error: one message naming the file, the line and the key.
cp "$ck_conf" "$ck_dir/good.conf"
printf '[slot 1]\nlabel = bad\napqns = 1e.24\n' >>"$ck_conf"
line=$(grep -n '^apqns = 1e.24' "$ck_conf" | cut -d: -f1)
out=$(p11 -L 2>&1) && fail "pkcs11-tool -L with a bad config succeeded: $out"
echo "$out" | grep -q "libcryptoki: $ck_conf:$line: apqns: '1e.24'" ||
	fail "bad config: expected 'libcryptoki: $ck_conf:$line: apqns: ...', got: $out"
echo "$out" | grep -q CKR_GENERAL_ERROR ||
	fail "bad config: expected C_Initialize to fail with CKR_GENERAL_ERROR, got: $out"

# Two APQNs of one token with different wrapping keys: card 1f's domains
# 0x26 and 0x27 each get a new random key of their own.
core_start_card 1f 26,27 8
cp "$ck_dir/good.conf" "$ck_conf"
printf '[slot 2]\nlabel = split\napqns = 1f.0026, 1f.0027\nstore = %s/split.db\n' \
	"$ck_dir" >>"$ck_conf"
out=$(p11 -L 2>&1) && fail "pkcs11-tool -L with a split token succeeded: $out"
echo "$out" | grep -q "slot 2 (split): APQN 1f.0027 has wrapping key [0-9a-f]\{32\} but APQN 1f.0026 has [0-9a-f]\{32\}" ||
	fail "split token: expected a message naming APQN 1f.0027, got: $out"
echo "$out" | grep -q CKR_GENERAL_ERROR ||
	fail "split token: expected CKR_GENERAL_ERROR, got: $out"
echo "lib vendor: ok"
