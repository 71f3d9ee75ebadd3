#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11_vcard.ko at its edges, with vcard-edge playing the card's firmware
# and sending through /dev/ep11sess: permissions, ioctl argument checks,
# queue-full at the depth, time-outs, APQNs offline, malformed, busy and
# late replies, the card fd closed and the firmware killed with requests in
# flight, a killed requester, many requests in flight at once, replies
# racing time-outs (each request ends once) and the card fd closed under
# load.
set -u
prog=$EP11VM_REPO/build/meson/tests/vm/vcard-edge
if [ ! -d /sys/module/ep11_vcard ]; then
	echo "SKIP: ep11_vcard.ko is not loaded"
	exit 77
fi
if [ ! -x "$prog" ]; then
	echo "FAIL: expected $prog (make userspace), it is missing"
	exit 1
fi
"$prog"
