#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Installs, on Debian 12, every package ep11sess needs to build, test and
# demo.  Idempotent and quick when everything is present: it asks dpkg
# first and runs apt-get only for what is missing.
set -eu

PACKAGES="
	build-essential bc bison flex libelf-dev dwarves kmod cpio xz-utils
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static udev util-linux procps psmisc
	meson ninja-build pkg-config python3
	sparse clang libclang-rt-14-dev jq
	libssl-dev openssl libnl-3-dev libnl-genl-3-dev libudev-dev
	opensc gnutls-bin libengine-pkcs11-openssl p11-kit
	libsqlite3-dev libinih-dev libcmocka-dev libp11-kit-dev softhsm2
	opensc-pkcs11 p11-kit-modules sqlite3 iproute2 openjdk-17-jdk-headless
	debhelper dh-dkms dkms lintian fakeroot dpkg-dev
"

missing=
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	     grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing" >&2
	echo "install-deps: run as root (or with sudo) to install them" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
