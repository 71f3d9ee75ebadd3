#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module cannot go while a process holds a session (its file pins
# it); once the holders are gone their sessions are logged out, the
# modules unload and reload, and sessions work again.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
kmod=$EP11VM_REPO/build/kmod/driver
core_start_card 0b 24 16
core_hold "$core_state/hold.out" 0b.0024
rmmod ep11sess 2>/dev/null && fail "expected rmmod ep11sess to fail while a session is held"
[ "$(core_field 0b.0024 card_used)" = 1 ] || fail "expected the session alive after the refused rmmod"
kill -TERM "$core_held"
wait "$core_held" 2>/dev/null || true
[ "$(core_ctl 0b sessions)" = "max 16 available 16" ] || fail "expected the session logged out when its holder went"
core_stop_card 0b
rmmod ep11_vcard || fail "rmmod ep11_vcard"
rmmod ep11sess || fail "rmmod ep11sess"
insmod "$kmod/ep11sess.ko" || fail "reload ep11sess"
insmod "$kmod/vcard/ep11_vcard.ko" || fail "reload ep11_vcard"
core_start_card 0b 24 16
"$core_cli" cycle 0b.0024 || fail "cycle after reload"
echo "core unload/reload: ok"
