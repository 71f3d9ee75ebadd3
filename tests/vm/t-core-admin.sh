#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Privileged logout by pid, public id and date; nobody can neither list,
# use nor log out another user's session (EPERM).
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
"$core_cli" admin 0b.0024 || fail "admin logout"
"$core_cli" nobody 0b.0024 || fail "unprivileged user"
echo "core admin: ok"
