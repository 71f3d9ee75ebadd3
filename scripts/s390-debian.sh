#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s390-debian.sh: fetches once, with apt-get download (the machine needs
# `dpkg --add-architecture s390x` and an apt-get update; install-deps.sh
# does both), Debian's s390x kernel, its headers, the amd64 kbuild tools of
# the same version, a static busybox and the s390x libraries the ep11sess
# command links with, and unpacks them into
# EP11SESS_CACHE/s390-debian/root (nothing is installed on the host).
# Points the headers at the unpacked common headers.  Prints the root.
set -euo pipefail

cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
dir=$cache/s390-debian
root=$dir/root
mkdir -p "$dir/debs"
exec 9>"$cache/.s390-debian.lock"
flock 9

if [ ! -e "$dir/.ep11sess-ready" ]; then
	dpkg --print-foreign-architectures | grep -qx s390x || {
		echo "s390-debian: the s390x architecture is not configured; run scripts/install-deps.sh" >&2
		exit 1
	}
	# The image the metapackage names; headers and kbuild of its version.
	image=$(apt-cache depends linux-image-s390x:s390x |
		sed -n 's/.*Depends: \(linux-image-[0-9.]*-[0-9]*-s390x\).*/\1/p' |
		head -n 1)
	abi=${image#linux-image-}
	abi=${abi%-s390x}
	ver=$(apt-cache show "$image:s390x" | sed -n 's/^Version: //p' |
	      head -n 1)
	if [ -z "$image" ] || [ -z "$ver" ]; then
		echo "s390-debian: no linux-image-s390x:s390x in the apt sources" >&2
		exit 1
	fi
	echo "s390-debian: fetching $image $ver and the s390x libraries (once)" >&2
	libs="libc6 libgcc-s1 libnl-3-200 libnl-3-dev libnl-genl-3-200
	      libnl-genl-3-dev libudev1 libudev-dev libcap2 libssl3 libssl-dev
	      libsqlite3-0 libsqlite3-dev libinih1 libinih-dev libinireader0
	      libp11-kit0 libp11-kit-dev libffi8 busybox-static"
	pkgs="$image:s390x linux-headers-$abi-s390x:s390x
	      linux-headers-$abi-common linux-kbuild-6.1:amd64=$ver"
	for l in $libs; do
		pkgs="$pkgs $l:s390x"
	done
	rm -rf "$dir/debs" "$root"
	mkdir -p "$dir/debs" "$root"
	# shellcheck disable=SC2086
	(cd "$dir/debs" && apt-get download -q $pkgs) >&2
	for d in "$dir"/debs/*.deb; do
		dpkg -x "$d" "$root"
	done
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$abi-s390x/Makefile"
	echo "$abi-s390x" >"$dir/kver"
	touch "$dir/.ep11sess-ready"
fi
echo "$root"
