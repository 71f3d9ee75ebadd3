#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Per-uid quota of a card's sessions: a user at its quota gets EDQUOT and
# others still log in; the administrator is not held to it; max_handles
# caps the sessions of one open file.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
"$core_cli" quota 0b.0024 || fail "quota"
echo "core quota: ok"
