#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Prints the version of the newest installed Debian kernel image that has
# matching headers: the kernel the test VM boots and the modules build for.
set -eu
best=
for img in /boot/vmlinuz-*; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	[ -d "/usr/src/linux-headers-$v" ] || [ -d "/lib/modules/$v/build" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n 1)
done
if [ -z "$best" ]; then
	echo "kver.sh: no kernel image with matching headers; run scripts/install-deps.sh" >&2
	exit 1
fi
echo "$best"
