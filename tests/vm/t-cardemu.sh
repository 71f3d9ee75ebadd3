#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulated card served through ep11_vcard.ko to the real ep11sess.ko:
# two cards x two domains with their budgets, counts that agree with the
# kernel's, a domain offline and back, SIGTERM and SIGKILL under load,
# faults, and a restart that keeps the wrapping keys.
exec tools/ep11-cardemu/tests/vm-cardemu.sh "$@"
