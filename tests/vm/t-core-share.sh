#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sessions shared between processes: fork (the child keeps the session
# after the parent dies), export/import over a unix socket (the session
# survives its creator), and a shared login joined by 10 processes that
# spends one card slot and ends after the last one exits.
set -eu
. "$(dirname "$0")/core-lib.sh"
core_need
core_start_card 0b 24 16
"$core_cli" fork 0b.0024 || fail "fork"
"$core_cli" export 0b.0024 || fail "export/import"
"$core_cli" shared 10 0b.0024 || fail "shared login"
echo "core share: ok"
