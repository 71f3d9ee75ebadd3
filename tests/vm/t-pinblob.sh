#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The pin blob never leaves the kernel through SEND: with a session logged
# in, every function number 0-63 and 0xffff is sent with every parameter
# count from none to two past its bound form, a last parameter of 4 bytes
# or an 80-byte pin blob look-alike, with and without SEND_SESSION and
# SEND_ANY_APQN.  What docs/ep11-wire.md and docs/ioctl.md allow gets a
# reply, everything else EINVAL; the EncryptSingle(mechanism, key) +
# DecryptSingle read-back and an unbound request with a pin blob last are
# refused; no reply holds the session's public id except as the session
# id of a key blob bound to it.  As root, and again without
# CAP_SYS_ADMIN, where admin (41) and the CPRB admin flag give EPERM.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
tricks=$EP11VM_REPO/build/meson/tests/vm/pinblob-tricks
[ -x "$tricks" ] || { echo "SKIP: $tricks not built"; exit 77; }
core_start_card 1f 24 16

"$tricks" 1f.0024 || fail "parameter-count tricks as root"
"$tricks" --no-admin 1f.0024 || fail "parameter-count tricks without CAP_SYS_ADMIN"
# Nothing stayed logged in, and the kernel holds nothing.
got=$(core_ctl 1f sessions)
[ "$got" = "max 16 available 16" ] ||
	fail "card1f sessions: expected 'max 16 available 16', got '$got'"
got=$(core_field 1f.0024 kernel_held)
[ "$got" = 0 ] || fail "1f.0024 kernel_held: expected 0, got '$got'"
echo "pinblob: ok"
