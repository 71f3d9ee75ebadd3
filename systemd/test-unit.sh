#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test-unit.sh SYSTEMD-ANALYZE UNIT.in EP11-CARDEMU: systemd reads the
# emulator's unit without a complaint (systemd-analyze verify, the
# emulator's path being the built one), and its sandbox rates "OK" or
# better in systemd-analyze security.
set -u
analyze=$1 unit_in=$2 emu=$(readlink -f "$3")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
sed -e "s|@sbindir@|$(dirname "$emu")|g" -e "s|@sysconfdir@|/etc|g" \
	"$unit_in" >"$tmp/ep11-cardemu@0b.service"
if ! out=$("$analyze" verify --man=no "$tmp/ep11-cardemu@0b.service" 2>&1) ||
   [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify: expected no complaint, got:"
	echo "$out"
	failed=1
fi
level=$("$analyze" security --offline=yes "$tmp/ep11-cardemu@0b.service" 2>&1 |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
case "${level#* }" in
OK|SAFE|PERFECT) ;;
*)	echo "FAIL: systemd-analyze security: expected exposure OK or better, got '${level:-nothing}'"
	failed=1 ;;
esac
exit $failed
