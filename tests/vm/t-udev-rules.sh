#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The real systemd-udevd, given udev/70-ep11sess.rules, makes /dev/ep11sess
# root:ep11 0660 and /dev/ep11_vcard root:root 0600 when the modules load.
set -eu
fail() { echo "FAIL: $*"; exit 1; }
# The VM runs tests in a chroot of the host; udevadm would ignore requests.
export SYSTEMD_IGNORE_CHROOT=1
udevd=$(command -v systemd-udevd || echo /lib/systemd/systemd-udevd)
[ -x "$udevd" ] || { echo "systemd-udevd not installed"; exit 77; }

getent group ep11 >/dev/null || groupadd -r ep11
mkdir -p /run/udev/rules.d
cp udev/70-ep11sess.rules /run/udev/rules.d/
"$udevd" --daemon
trap 'udevadm control --exit; udevadm settle --timeout=10 || true' EXIT
udevadm control --reload

# Fresh add events for both nodes.
rmmod ep11_vcard 2>/dev/null || true
rmmod ep11sess
insmod build/kmod/driver/ep11sess.ko
if [ -e build/kmod/driver/vcard/ep11_vcard.ko ]; then
	insmod build/kmod/driver/vcard/ep11_vcard.ko
fi
udevadm settle --timeout=30

check() {
	local node=$1 want=$2 got
	[ -c "$node" ] || fail "expected $node to exist"
	got=$(stat -c '%U:%G %a' "$node")
	[ "$got" = "$want" ] || fail "expected $node to be '$want', got '$got'"
	echo "$node: $got"
}
check /dev/ep11sess "root:ep11 660"
if [ -d /sys/module/ep11_vcard ]; then
	check /dev/ep11_vcard "root:root 600"
fi
