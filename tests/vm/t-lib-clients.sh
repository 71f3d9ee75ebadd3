#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The PKCS#11 clients users run, against libcryptoki, the driver and an
# emulated card: GnuTLS's p11tool (tokens, mechanisms, ECDSA and RSA key
# generation, --test-sign); OpenSSL 3 with Debian's libp11 engine (EC and
# RSA signatures by pkcs11: URI, verified by plain OpenSSL with the
# exported public key; a certificate for a token key; openssl s_server with
# its key on the token serving a TLS handshake to openssl s_client);
# p11-kit's module registry (p11-kit list-modules, and the engine through
# p11-kit-proxy); Java's SunPKCS11 (keytool -list, and LibSign.java signing
# with the token's EC key, verified by the JDK's own provider).  Java is
# last: without it the test ends with SKIP after the rest passed.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
ck_need_cmd p11tool gnutls-bin
ck_need_cmd pkcs11-tool opensc
ck_need_cmd openssl openssl
ck_need_cmd p11-kit p11-kit
engine=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')/pkcs11.so
[ -e "$engine" ] || fail "expected OpenSSL's pkcs11 engine $engine (Debian package libengine-pkcs11-openssl)"
proxy=/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so
[ -e "$proxy" ] || fail "expected $proxy (Debian package p11-kit-modules)"
module_file=/etc/pkcs11/modules/ep11sess.module

clients_cleanup() {
	rm -f "$module_file"
	[ -z "${server_pid:-}" ] || kill "$server_pid" 2>/dev/null || true
	core_cleanup
}
trap clients_cleanup EXIT

ck_start_card
ck_conf_global
ck_conf_slot 0 cl default

d=$ck_dir
SO="so-pin-3333"
PIN="user-pin-3333"
tok="pkcs11:token=cl"
export GNUTLS_PIN=$PIN

# expect_out WHAT PATTERN: the last command's output has a line matching PATTERN.
expect_out() {
	grep -Eq -- "$2" "$d/out" && return 0
	cat "$d/out"
	fail "$1: expected output matching '$2'"
}

ck_run "pkcs11-tool --init-token" pkcs11-tool --module "$ck_lib" --slot 0 --init-token \
	--label cl --so-pin "$SO"
ck_run "pkcs11-tool --init-pin" pkcs11-tool --module "$ck_lib" --token-label cl --login \
	--login-type so --so-pin "$SO" --init-pin --pin "$PIN"

# --- GnuTLS p11tool ---
ck_run "p11tool --list-tokens" p11tool --provider "$ck_lib" --list-tokens
expect_out "p11tool --list-tokens" '^	Label: cl$'
expect_out "p11tool --list-tokens" "^	URL: pkcs11:.*token=cl"
ck_run "p11tool --list-mechanisms" p11tool --provider "$ck_lib" --list-mechanisms "$tok"
for m in CKM_ECDSA CKM_ECDSA_SHA256 CKM_RSA_PKCS CKM_RSA_PKCS_PSS CKM_AES_GCM CKM_SHA256; do
	expect_out "p11tool --list-mechanisms" "\] $m( |$)"
done
ck_run "p11tool --generate-privkey=ecdsa" p11tool --provider "$ck_lib" --login \
	--generate-privkey=ecdsa --curve=secp256r1 --label p11t-ec "$tok"
expect_out "p11tool --generate-privkey=ecdsa" 'BEGIN PUBLIC KEY'
# The only RSA key of this test: the emulated card makes them slowly.
ck_run "p11tool --generate-privkey=rsa" p11tool --provider "$ck_lib" --login \
	--generate-privkey=rsa --bits=2048 --label p11t-rsa "$tok"
ck_run "p11tool --list-all" p11tool --provider "$ck_lib" --login --list-all "$tok"
for o in "p11t-ec;type=private" "p11t-ec;type=public" "p11t-rsa;type=private" \
	 "p11t-rsa;type=public"; do
	expect_out "p11tool --list-all" "URL: pkcs11:.*object=$o"
done
for k in ec rsa; do
	ck_run "p11tool --test-sign ($k)" p11tool --provider "$ck_lib" --login --test-sign \
		"$tok;object=p11t-$k;type=private"
	expect_out "p11tool --test-sign ($k)" '^Signing using .*\.\.\. ok$'
	expect_out "p11tool --test-sign ($k)" '^Verifying against private key parameters\.\.\. ok$'
	expect_out "p11tool --test-sign ($k)" '^Verifying against public key in the token\.\.\. ok$'
done

# --- OpenSSL with the libp11 engine ---
export PKCS11_MODULE_PATH=$ck_lib
head -c 5000 /dev/urandom >"$d/data"
openssl dgst -sha256 -binary "$d/data" >"$d/data.sha256"
for k in ec rsa; do
	ck_run "p11tool --export-pubkey ($k)" p11tool --provider "$ck_lib" --export-pubkey \
		"$tok;object=p11t-$k;type=public"
	sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$d/out" >"$d/$k.pub.pem"
	ck_run "OpenSSL reading the exported $k key" openssl pkey -pubin -in "$d/$k.pub.pem" -noout
done
key_uri() {
	echo "$tok;object=$1;type=private?pin-value=$PIN"
}
ck_run "openssl pkeyutl -engine pkcs11 -sign (EC)" openssl pkeyutl -engine pkcs11 \
	-keyform engine -inkey "$(key_uri p11t-ec)" -sign -in "$d/data.sha256" -out "$d/sig.ec"
ck_run "plain OpenSSL verifying the engine's ECDSA signature" openssl pkeyutl -verify -pubin \
	-inkey "$d/ec.pub.pem" -in "$d/data.sha256" -sigfile "$d/sig.ec"
ck_run "openssl dgst -engine pkcs11 -sign (RSA)" openssl dgst -sha256 -engine pkcs11 \
	-keyform engine -sign "$(key_uri p11t-rsa)" -out "$d/sig.rsa" "$d/data"
ck_run "plain OpenSSL verifying the engine's RSA signature" openssl dgst -sha256 \
	-verify "$d/rsa.pub.pem" -signature "$d/sig.rsa" "$d/data"
printf 'x' >>"$d/data"
if openssl dgst -sha256 -verify "$d/rsa.pub.pem" -signature "$d/sig.rsa" "$d/data" \
	>/dev/null 2>&1; then
	fail "OpenSSL verifying the RSA signature over other data: expected a failure, got success"
fi

# --- a TLS server whose key is on the token ---
ck_run "openssl req -x509 with the token's EC key" openssl req -engine pkcs11 -keyform engine \
	-key "$(key_uri p11t-ec)" -new -x509 -sha256 -days 2 -subj /CN=ep11sess-tls \
	-out "$d/cert.pem"
ck_run "the certificate's key is the token's" sh -c \
	"openssl x509 -in '$d/cert.pem' -pubkey -noout | cmp -s - '$d/ec.pub.pem'"
ip link set lo up 2>/dev/null || true
port=$((20000 + RANDOM % 20000))
openssl s_server -engine pkcs11 -keyform engine -key "$(key_uri p11t-ec)" -cert "$d/cert.pem" \
	-accept "127.0.0.1:$port" -naccept 1 -www >"$d/server.out" 2>&1 &
server_pid=$!
ok=
for _ in $(seq 300); do
	if printf 'GET / HTTP/1.0\r\n\r\n' |
	   openssl s_client -connect "127.0.0.1:$port" -CAfile "$d/cert.pem" \
		-verify_return_error -servername ep11sess-tls -ign_eof >"$d/client.out" 2>&1; then
		ok=1
		break
	fi
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$ok" ] || ! grep -q 'Verify return code: 0 (ok)' "$d/client.out" ||
   ! grep -q 'HTTP/1.0 200 ok' "$d/client.out"; then
	echo "--- s_server:"
	cat "$d/server.out"
	echo "--- s_client:"
	cat "$d/client.out"
	fail "openssl s_client: expected a verified TLS handshake with the token-keyed s_server and its page"
fi
wait "$server_pid" || { cat "$d/server.out"; fail "openssl s_server: expected exit status 0 after its one connection"; }
server_pid=
grep -E '^ *(Protocol|Cipher) *:' "$d/client.out" | sed 's/^ */s_client: /' | sort -u

# --- p11-kit's registry ---
mkdir -p "$(dirname "$module_file")"
printf 'module: %s\n' "$ck_lib" >"$module_file"
ck_run "p11-kit list-modules" p11-kit list-modules
if ! sed -n '/^ep11sess:/,/^[^ ]/p' "$d/out" | grep -Eq 'token: cl$'; then
	cat "$d/out"
	fail "p11-kit list-modules: expected module ep11sess with token cl"
fi
expect_out "p11-kit list-modules" "^ep11sess: $ck_lib\$"
# The engine's default module is p11-kit-proxy: it finds the token there.
ck_run "pkcs11-tool through p11-kit-proxy" pkcs11-tool --module "$proxy" -L
expect_out "pkcs11-tool through p11-kit-proxy" 'token label +: cl$'
ck_run "the engine through p11-kit-proxy" env -u PKCS11_MODULE_PATH openssl pkeyutl \
	-engine pkcs11 -keyform engine -inkey "$(key_uri p11t-ec)" -sign -in "$d/data.sha256" \
	-out "$d/sig.proxy"
ck_run "plain OpenSSL verifying the signature made through p11-kit-proxy" openssl pkeyutl \
	-verify -pubin -inkey "$d/ec.pub.pem" -in "$d/data.sha256" -sigfile "$d/sig.proxy"
rm -f "$module_file"

# --- Java: SunPKCS11 ---
if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
	ck_card_idle
	echo "SKIP: java/javac not installed (Debian openjdk-17-jdk-headless); the rest passed"
	exit 77
fi
# A KeyStore entry is a private key with its certificate.
openssl x509 -in "$d/cert.pem" -outform DER -out "$d/cert.der"
ck_run "pkcs11-tool --write-object (certificate)" pkcs11-tool --module "$ck_lib" \
	--token-label cl --login --pin "$PIN" --write-object "$d/cert.der" --type cert \
	--label p11t-ec --id "$(p11tool --provider "$ck_lib" --login --list-privkeys "$tok" |
		sed -n '/object=p11t-ec;/s/.*;id=\([^;]*\);.*/\1/p' | head -n 1 | tr -d '%')"
printf 'name = ep11sess\nlibrary = %s\nslotListIndex = 0\n' "$ck_lib" >"$d/java.cfg"
start=$SECONDS
ck_run "keytool -list" keytool -list -keystore NONE -storetype PKCS11 -addprovider SunPKCS11 \
	-providerArg "$d/java.cfg" -storepass "$PIN"
expect_out "keytool -list" '^p11t-ec, PrivateKeyEntry,'
ck_run "javac LibSign.java" javac -d "$d/java" "$EP11VM_REPO/tests/vm/LibSign.java"
ck_run "java LibSign" java -cp "$d/java" LibSign "$d/java.cfg" "$PIN" p11t-ec
cat "$d/out"
echo "java: $((SECONDS - start)) s"

ck_card_idle
echo "clients: ok"
