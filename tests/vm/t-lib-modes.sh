#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcryptoki's session modes against the card's own count of sessions:
# - vhsm: two processes logged in on a two-APQN token spend one card
#   session per APQN between them, the second sees and uses the first's
#   token key, and killing both returns the sessions; a key made under
#   one VHSM PIN stops working under another;
# - strict: every logged-in PKCS#11 session holds its own card session,
#   and the kernel returns them all when the process is killed;
# - default: one card session per process login;
# - fips: only approved mechanisms are listed and usable, and only keys
#   of approved sizes and curves are made, used or created.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
mod=$EP11VM_REPO/build/meson/lib/libcryptoki.so.0
hold=$EP11VM_REPO/build/meson/tests/vm/p11-hold
tool=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess
[ -e "$mod" ] || fail "expected $mod"
command -v pkcs11-tool >/dev/null || { echo "SKIP: pkcs11-tool not installed"; exit 77; }

head -c 32 /dev/urandom >"$core_state/wrapping-key-0024"
cp "$core_state/wrapping-key-0024" "$core_state/wrapping-key-0025"
chmod 600 "$core_state"/wrapping-key-*
core_start_card 1e 24,25 32

cat >"$core_state/cryptoki.conf" <<EOF
[global]
pin_kdf_iterations = 10000
[slot 0]
label = vhsm
apqns = 1e.0024, 1e.0025
mode = vhsm
store = $core_state/vhsm.db
[slot 1]
label = strict
apqns = 1e.0024
mode = strict
store = $core_state/strict.db
[slot 2]
label = default
apqns = 1e.*
mode = default
store = $core_state/default.db
[slot 3]
label = fips
apqns = 1e.0025
mode = fips
store = $core_state/fips.db
EOF
export EP11SESS_CRYPTOKI_CONF=$core_state/cryptoki.conf
p11() { pkcs11-tool --module "$mod" "$@"; }
for s in 0 1 2 3; do
	p11 --slot $s --init-token --label "t$s" --so-pin 87654321 >/dev/null ||
		fail "slot $s: init-token"
	p11 --slot $s --login --login-type so --so-pin 87654321 \
		--init-pin --pin 12345678 >/dev/null || fail "slot $s: init-pin"
done

avail() { core_ctl 1e sessions | awk '{print $4}'; }
avail_is() { [ "$(avail)" = "$1" ]; }
expect_avail() {
	local got
	vmt_poll 15 avail_is "$1" || {
		got=$(avail)
		fail "$2: expected $1 card sessions available, got $got"
	}
}
held() {
	local out=$1
	shift
	"$hold" "$mod" "$@" >"$out" 2>&1 &
	held_pid=$!
	vmt_wait_ready "$out" "$held_pid" 60
}
killwait() { kill -KILL "$1"; wait "$1" 2>/dev/null || true; }

expect_avail 32 "at the start"

# vhsm without a VHSM PIN: a clear refusal.
out=$(p11 --slot 0 --login --pin 12345678 -O 2>&1) &&
	fail "vhsm login without a VHSM PIN succeeded: $out"
echo "$out" | grep -q "ep11sess vhsmpin -slot 0" ||
	fail "vhsm login without a VHSM PIN: expected a hint to 'ep11sess vhsmpin -slot 0', got: $out"
printf '12345678\nvhsmpin01\nvhsmpin01\n' | "$tool" vhsmpin -slot 0 --stdin >/dev/null ||
	fail "ep11sess vhsmpin"
printf '12345678\nshort\nshort\n' | "$tool" vhsmpin -slot 0 --stdin 2>/dev/null &&
	fail "ep11sess vhsmpin accepted a 5-character PIN"
# refused PIN WHY: vhsmpin with PIN given twice fails, saying WHY.
refused() {
	local err
	err=$(printf '12345678\n%s\n%s\n' "$1" "${3:-$1}" | "$tool" vhsmpin -slot 0 --stdin 2>&1 >/dev/null) &&
		fail "ep11sess vhsmpin accepted '$1' then '${3:-$1}'"
	echo "$err" | grep -q "$2" || fail "ep11sess vhsmpin '$1': expected '$2', got: $err"
}
refused vhsmpi7 "8-16 letters and digits"
refused vhsmpin0123456789 "8-16 letters and digits"
refused vhsm-pin1 "8-16 letters and digits"
refused "vhsm pin1" "8-16 letters and digits"
refused vhsmpin01 "the two PINs differ" vhsmpin02
printf '12345678\nvhsmpin012345678\nvhsmpin012345678\n' | "$tool" vhsmpin -slot 0 --stdin >/dev/null ||
	fail "ep11sess vhsmpin refused a 16-character PIN"
err=$(printf '87654321\nvhsmpin01\nvhsmpin01\n' | "$tool" vhsmpin -slot 0 --stdin 2>&1 >/dev/null) &&
	fail "ep11sess vhsmpin accepted a wrong USER PIN"
echo "$err" | grep -q "USER PIN was refused" || fail "ep11sess vhsmpin, wrong USER PIN: got: $err"
printf '12345678\nvhsmpin01\nvhsmpin01\n' | "$tool" vhsmpin -slot 0 --stdin >/dev/null ||
	fail "ep11sess vhsmpin"
# On a terminal it asks as pkcsep11_session vhsmpin asks, so that the
# expect scripts written for it answer it: each answer after its prompt.
/usr/bin/python3 - "$tool" >"$core_state/tty.out" 2>&1 <<'EOS' ||
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "vhsmpin", "-slot", "0"])
seen = b""
transcript = b""
for prompt, answer in ((b"Enter the USER PIN: ", b"12345678"),
                       (b"Enter the new VHSM PIN: ", b"vhsmpin01"),
                       (b"Re-enter the new VHSM PIN: ", b"vhsmpin01")):
    while prompt not in seen:
        if not select.select([fd], [], [], 30)[0]:
            sys.exit("expected the prompt %r within 30 s, got %r" % (prompt, seen))
        chunk = os.read(fd, 1024)
        if not chunk:
            sys.exit("expected the prompt %r, got %r" % (prompt, seen))
        seen += chunk
        transcript += chunk
    seen = seen[seen.index(prompt) + len(prompt):]
    os.write(fd, answer + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    transcript += chunk
status = os.waitpid(pid, 0)[1]
print(seen.decode(errors="replace"))
# No PIN is echoed; the warning comes before the first question.
for pin in (b"12345678", b"vhsmpin01"):
    if pin in transcript:
        sys.exit("the PIN %r was echoed: %r" % (pin, transcript))
warn = transcript.find(b"makes the token's existing keys unusable")
if warn < 0 or warn > transcript.find(b"Enter the USER PIN: "):
    sys.exit("expected the warning before the USER PIN's prompt, got %r" % transcript)
sys.exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else "exit status %d" % status)
EOS
	fail "ep11sess vhsmpin on a terminal: $(cat "$core_state/tty.out")"
grep -q "VHSM PIN of slot 0 .* set" "$core_state/tty.out" ||
	fail "ep11sess vhsmpin on a terminal: expected 'VHSM PIN of slot 0 (...) set', got $(cat "$core_state/tty.out")"

held "$core_state/a.out" 0 12345678 1 make vk
a=$held_pid
expect_avail 30 "one vhsm process on two APQNs"
held "$core_state/b.out" 0 12345678 2 use vk
b=$held_pid
expect_avail 30 "two vhsm processes share the session"
killwait "$a"
expect_avail 30 "one vhsm process left"
killwait "$b"
expect_avail 32 "both vhsm processes killed"
# A later process still uses the token key; under another VHSM PIN it
# cannot.
held "$core_state/c.out" 0 12345678 1 use vk
killwait "$held_pid"
printf '12345678\nvhsmpin02\nvhsmpin02\n' | "$tool" vhsmpin -slot 0 --stdin >/dev/null ||
	fail "ep11sess vhsmpin (change)"
"$hold" "$mod" 0 12345678 1 use vk >"$core_state/d.out" 2>&1 &
d=$!
sleep 5
if grep -q ready "$core_state/d.out"; then
	killwait "$d"
	fail "a key bound to the old VHSM session signed under a new VHSM PIN"
fi
wait "$d" 2>/dev/null || true
expect_avail 32 "after the refused use"

# strict: three logged-in sessions hold three card sessions.
held "$core_state/e.out" 1 12345678 3
expect_avail 29 "three strict sessions"
killwait "$held_pid"
expect_avail 32 "strict process killed"

# default: one card session per process login, on every online domain.
held "$core_state/f.out" 2 12345678 3
expect_avail 30 "one default login on 1e.* (two domains)"
killwait "$held_pid"
expect_avail 32 "default process killed"

# fips: approved mechanisms only.
printf '12345678\nfipspin001\nfipspin001\n' | "$tool" fipspin -slot 3 --stdin >/dev/null ||
	fail "ep11sess fipspin"
mechs=$(p11 --slot 3 -M)
echo "$mechs" | grep -q "^  SHA-1," && fail "fips token lists SHA-1"
echo "$mechs" | grep -q "^  ECDSA-SHA256," || fail "fips token does not list ECDSA-SHA256"
echo "$mechs" | grep "^  RSA-PKCS," | grep -q encrypt &&
	fail "fips token offers RSA PKCS#1 v1.5 encryption"
p11 --slot 3 --login --pin 12345678 --keypairgen --key-type EC:prime256v1 \
	--label fk >/dev/null || fail "fips: EC key pair"
echo data >"$core_state/msg"
p11 --slot 3 --login --pin 12345678 --sign -m ECDSA-SHA256 --label fk \
	-i "$core_state/msg" -o "$core_state/sig" >/dev/null 2>&1 ||
	fail "fips: ECDSA-SHA256 signature"
out=$(p11 --slot 3 --login --pin 12345678 --hash -m SHA-1 -i "$core_state/msg" 2>&1) &&
	fail "fips: SHA-1 digest was allowed"
echo "$out" | grep -q CKR_MECHANISM_INVALID ||
	fail "fips: SHA-1 digest: expected CKR_MECHANISM_INVALID, got: $out"
# fips: key sizes and curves FIPS 140-3 does not approve are refused too.
fips_refused() {
	local what=$1 rv=$2 out
	shift 2
	out=$(p11 --slot 3 --login --pin 12345678 "$@" 2>&1) &&
		fail "fips: $what was allowed"
	echo "$out" | grep -q "$rv" || fail "fips: $what: expected $rv, got: $out"
}
fips_refused "RSA-1024 key pair" CKR_MECHANISM_INVALID --keypairgen --key-type rsa:1024 --label r1
fips_refused "EC key pair on secp256k1" CKR_MECHANISM_INVALID --keypairgen --key-type EC:secp256k1 --label e1
fips_refused "64-bit generic secret" CKR_MECHANISM_INVALID --keygen --key-type GENERIC:8 --label g8
p11 --slot 3 --login --pin 12345678 --keygen --key-type GENERIC:16 --label g16 >/dev/null ||
	fail "fips: a 128-bit generic secret was refused"
echo "$mechs" | grep "^  RSA-PKCS-KEY-PAIR-GEN," | grep -q "keySize={2048," ||
	fail "fips: RSA key pair generation does not say 2048 bits at least: $(echo "$mechs" | grep RSA-PKCS-KEY-PAIR-GEN)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$core_state/r1.pem" 2>/dev/null
openssl pkey -in "$core_state/r1.pem" -pubout -outform DER -out "$core_state/r1.pub"
fips_refused "an RSA-1024 public key object" CKR_ATTRIBUTE_VALUE_INVALID \
	--write-object "$core_state/r1.pub" --type pubkey --label r1pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$core_state/r2.pem" 2>/dev/null
openssl pkey -in "$core_state/r2.pem" -pubout -outform DER -out "$core_state/r2.pub"
p11 --slot 3 --login --pin 12345678 --write-object "$core_state/r2.pub" --type pubkey \
	--label r2pub >/dev/null || fail "fips: an RSA-2048 public key object was refused"
fips_refused "an RSA-1024 private key import" CKR_ATTRIBUTE_VALUE_INVALID \
	--write-object "$core_state/r1.pem" --type privkey --label r1priv
expect_avail 32 "at the end"
echo "lib modes: ok"
