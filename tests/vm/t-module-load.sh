#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess.ko loads, creates /dev/ep11sess (char device, mode 0660), can be
# opened and closed by a process, and unloads with the device gone.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

[ -d /sys/module/ep11sess ] || fail "expected ep11sess loaded, /sys/module/ep11sess missing"
[ -c /dev/ep11sess ] || fail "expected /dev/ep11sess to be a character device"
mode=$(stat -c %a /dev/ep11sess)
[ "$mode" = 660 ] || fail "expected /dev/ep11sess mode 660, got $mode"

for i in 1 2 3; do
	exec 3<>/dev/ep11sess || fail "open #$i of /dev/ep11sess failed"
	exec 3>&-
done
refs=$(cat /sys/module/ep11sess/refcnt)
[ "$refs" -ge 0 ] || fail "bad refcnt $refs"

rmmod ep11_vcard 2>/dev/null || true
rmmod ep11sess || fail "rmmod ep11sess failed"
[ ! -e /dev/ep11sess ] || fail "expected /dev/ep11sess gone after rmmod"
insmod "$EP11VM_REPO/build/kmod/driver/ep11sess.ko" || fail "reload failed"
[ -c /dev/ep11sess ] || fail "expected /dev/ep11sess back after reload"
echo "module load/open/close/unload/reload: ok"
