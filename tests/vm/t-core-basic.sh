#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ioctl ABI checks (sizes, flags, reserved fields, unknown commands),
# login argument checks, and login/send/logout on 1 and on 3 APQNs with
# the card's own count agreeing with the kernel's after every step.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
"$core_cli" abi || fail "ABI checks"
# Three cards on one state directory share the wrapping key of domain
# 0x24, so a session has the same id on all three.
core_start_card 0b 24,25 16
core_start_card 0c 24 16
core_start_card 0d 24 16
"$core_cli" args 0b.0024 || fail "login argument checks"
"$core_cli" cycle 0b.0024 || fail "cycle on one APQN"
"$core_cli" cycle 0b.0025 || fail "cycle on the second domain"
"$core_cli" cycle 0b.0024 0c.0024 0d.0024 || fail "cycle on three APQNs"
echo "core basic: ok"
