#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 1000 short-lived processes against a 16-session card, each logs in and
# exits without logout or is killed: all 1000 logins succeed.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
"$core_cli" storm 1000 0b.0024 || fail "storm"
echo "core storm: ok"
