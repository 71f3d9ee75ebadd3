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
	gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-system-misc
	debhelper dh-dkms dkms lintian fakeroot dpkg-dev
	prometheus-node-exporter prometheus curl
"

# Debian's s390x kernel, headers and libraries for `make check-s390` come
# through multiarch (apt-get download only; nothing s390x is installed).
need_s390x=
dpkg --print-foreign-architectures | grep -qx s390x || need_s390x=1

missing=
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	     grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ] && [ -z "$need_s390x" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing${need_s390x:+ (and the s390x architecture)}" >&2
	echo "install-deps: run as root (or with sudo) to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ -n "$need_s390x" ]; then
	echo "install-deps: adding the s390x architecture"
	dpkg --add-architecture s390x
fi
apt-get update -q
[ -n "$missing" ] || exit 0
echo "install-deps: installing:$missing"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
