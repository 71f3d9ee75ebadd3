#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# README.md's commands, as a reader copies them: the emulated card of
# "Building and loading on an ordinary machine" and the libcryptoki quick
# start of "PKCS#11 applications", taken from README.md itself and run
# unchanged.  The key they make signs, the signature verifies, and no EP11
# session is left on the card.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
command -v pkcs11-tool >/dev/null || fail "expected pkcs11-tool (Debian package opensc)"
readme=$EP11VM_REPO/README.md
cd "$EP11VM_REPO"

# block HEADING-PATTERN: the first ```sh block after the line matching it.
block() {
	awk -v pat="$1" '
		!seen && $0 ~ pat { seen = 1; next }
		seen == 1 && /^```sh$/ { seen = 2; next }
		seen == 2 && /^```$/ { exit }
		seen == 2 { print }' "$readme"
}

# The emulator's command: its lines up to the one that ends in "&".
emu_cmd=$(block '^Then, with an emulated card:' | awk '{ print } /&$/ { exit }')
case "$emu_cmd" in
*ep11-cardemu*--card\ 0b*) ;;
*) fail "README.md: no emulated card 0b before the quick start, got: $emu_cmd" ;;
esac
quick=$(block '^## PKCS#11 applications: libcryptoki')
[ -n "$quick" ] || fail "README.md: no quick start under 'PKCS#11 applications'"
grep -q 'pkcs11-tool --module' <<<"$quick" || fail "README.md: the quick start runs no pkcs11-tool --module"

# What the README's commands leave (the VM's root is a throw-away
# overlay, but later tests share this boot) goes at the end.
had_tokens=; [ -d /var/lib/ep11sess/tokens ] && had_tokens=1
readme_cleanup() {
	core_cleanup
	rm -rf /var/lib/ep11-cardemu /tmp/msg /tmp/sig /tmp/cryptoki.conf
	[ -n "$had_tokens" ] || rm -rf /var/lib/ep11sess/tokens
}
trap readme_cleanup EXIT
rm -rf /var/lib/ep11-cardemu
mkdir -p /var/lib/ep11-cardemu
eval "$emu_cmd"
core_pids="$core_pids $!"
vmt_poll 10 core_field_is 0b.0024 online 1 || fail "the README's card 0b did not come up"

out=$core_state/quick.out
bash -e -x -c "$quick" >"$out" 2>&1 || { cat "$out"; fail "README.md's quick start failed"; }
grep -q 'label: *k1' "$out" || { cat "$out"; fail "pkcs11-tool -O does not list the README's key k1"; }
[ -s /tmp/sig ] || fail "the quick start wrote no signature to /tmp/sig"
EP11SESS_CRYPTOKI_CONF=/tmp/cryptoki.conf \
	pkcs11-tool --module build/meson/lib/libcryptoki.so.0 --login --pin 12345678 \
	--verify -m ECDSA-SHA256 --label k1 -i /tmp/msg --signature-file /tmp/sig \
	>"$out" 2>&1 || { cat "$out"; fail "the README's signature does not verify"; }
grep -q 'Signature is valid' "$out" || { cat "$out"; fail "expected 'Signature is valid'"; }
core_wait_field 0b.0024 card_used 0 ||
	fail "an EP11 session of the quick start is left on card 0b: $(core_field 0b.0024 card_used) in use"
echo "README: the emulated card and the libcryptoki quick start work as written"
