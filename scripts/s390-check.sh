#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# s390-check.sh: builds ep11sess.ko and ep11_zcrypt.ko for Debian's s390x
# kernel (W=1) and the ep11sess command with gcc-s390x-linux-gnu, boots
# that kernel under qemu-system-s390x (TCG) with a busybox initramfs,
# loads zcrypt, ep11sess and ep11_zcrypt, runs `ep11sess status` (QEMU has
# no AP card: it must list no APQN), unloads both modules and checks the
# kernel log.  Prints "s390-check: PASS" or "s390-check: FAIL: why".
#
# Everything fetched is cached in EP11SESS_CACHE (default ~/.cache/ep11sess)
# by scripts/s390-debian.sh; the build goes to build/s390.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
out=$repo/build/s390
root=$("$repo/scripts/s390-debian.sh")
kver=$(cat "$cache/s390-debian/kver")
kdir=$root/usr/src/linux-headers-$kver
mkdir -p "$out"

fail() {
	echo "s390-check: FAIL: $*"
	exit 1
}

command -v qemu-system-s390x >/dev/null ||
	fail "qemu-system-s390x missing; run scripts/install-deps.sh"

# The modules, warning-free.
make -C "$repo" -s module KDIR="$kdir" ARCH=s390 \
	CROSS_COMPILE=s390x-linux-gnu- BUILD="$out" >"$out/kbuild.log" 2>&1 ||
	{ cat "$out/kbuild.log"; fail "module build"; }
if grep -qiE 'warning|error' "$out/kbuild.log"; then
	cat "$out/kbuild.log"
	fail "module build warnings"
fi

# The ep11sess command against the fetched s390x libraries.
pk="libnl-3.0 libnl-genl-3.0 libudev libcrypto sqlite3 inih p11-kit-1"
export PKG_CONFIG_SYSROOT_DIR=$root
export PKG_CONFIG_LIBDIR=$root/usr/lib/s390x-linux-gnu/pkgconfig:$root/usr/share/pkgconfig
tool=$out/ep11sess
srcs=("$repo"/tools/ep11sess/*.c "$repo"/lib/*.c "$repo"/driver/ep11_wire.c)
if [ ! -x "$tool" ] || [ -n "$(find "${srcs[@]}" "$repo"/lib/*.h \
		"$repo"/include -newer "$tool" | head -n 1)" ]; then
	ver=$(sed -n "s/^\tversion : '\(.*\)',/\1/p" "$repo/meson.build")
	# shellcheck disable=SC2046,SC2086
	s390x-linux-gnu-gcc -O2 -D_GNU_SOURCE -std=gnu11 -Wall -Wextra \
		-DEP11SESS_TOOL_VERSION="\"$ver\"" \
		-Werror -Wno-unused-parameter -Wno-missing-field-initializers \
		-I"$repo/include/uapi" -I"$repo/driver" -I"$repo/lib" \
		-I"$root/usr/include/s390x-linux-gnu" \
		$(pkg-config --cflags $pk) "${srcs[@]}" -o "$tool" \
		-L"$root/lib/s390x-linux-gnu" -L"$root/usr/lib/s390x-linux-gnu" \
		-Wl,-rpath-link,"$root/lib/s390x-linux-gnu:$root/usr/lib/s390x-linux-gnu" \
		$(pkg-config --libs $pk) -lpthread || fail "ep11sess command build"
fi

# The initramfs: busybox, the command with the libraries it needs, the
# modules and an init that prints lines starting with S390CHECK.
ird=$out/initramfs
rm -rf "$ird"
mkdir -p "$ird"/{bin,lib,proc,sys,dev,tmp}
cp "$root/bin/busybox" "$ird/bin/busybox"
cp "$tool" "$ird/bin/ep11sess"
libdirs=("$root/lib/s390x-linux-gnu" "$root/usr/lib/s390x-linux-gnu")
declare -A seen=()
need() {
	local lib d
	for lib in $(s390x-linux-gnu-readelf -d "$1" |
		     sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -n "${seen[$lib]:-}" ] && continue
		seen[$lib]=1
		for d in "${libdirs[@]}"; do
			if [ -e "$d/$lib" ]; then
				cp -L "$d/$lib" "$ird/lib/$lib"
				need "$d/$lib"
				break
			fi
		done
		[ -e "$ird/lib/$lib" ] || fail "$lib not found for $1"
	done
}
need "$tool"
cp -L "$root/lib/ld64.so.1" "$ird/lib/ld64.so.1"
cp "$root/lib/modules/$kver/kernel/drivers/s390/crypto/zcrypt.ko" \
	"$out/kmod/driver/ep11sess.ko" \
	"$out/kmod/driver/zcrypt/ep11_zcrypt.ko" "$ird/"
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin LD_LIBRARY_PATH=/lib
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "S390CHECK kernel $(uname -r) $(uname -m)"
dmesg -c >/dev/null
ok=1
for m in zcrypt ep11sess ep11_zcrypt; do
	if insmod /$m.ko; then
		echo "S390CHECK insmod $m ok"
	else
		echo "S390CHECK insmod $m failed"; ok=0
	fi
done
[ -e /dev/ep11sess ] && echo "S390CHECK /dev/ep11sess present"
echo "S390CHECK status begin"
ep11sess status >/tmp/status 2>&1; rc=$?
sed 's/^/S390CHECK status /' /tmp/status
echo "S390CHECK status end rc=$rc"
ep11sess status --json 2>&1 | sed 's/^/S390CHECK json /'
for m in ep11_zcrypt ep11sess; do
	if rmmod $m; then
		echo "S390CHECK rmmod $m ok"
	else
		echo "S390CHECK rmmod $m failed"; ok=0
	fi
done
grep -q '^ep11' /proc/modules && { echo "S390CHECK left loaded"; ok=0; }
dmesg | sed 's/^/S390CHECK dmesg /'
echo "S390CHECK done ok=$ok"
poweroff -f
INIT
chmod +x "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.gz"

log=$out/qemu.log
timeout 300 qemu-system-s390x -M s390-ccw-virtio -cpu max -m 512 \
	-smp 1 -nographic -no-reboot -nodefaults -serial mon:stdio \
	-kernel "$root/boot/vmlinuz-$kver" -initrd "$out/initramfs.gz" \
	-append "console=ttysclp0 panic=-1 loglevel=4" </dev/null \
	>"$log" 2>&1 || true
tr -d '\r' <"$log" | grep '^S390CHECK' >"$out/check.log" || true
cat "$out/check.log"

grep -q '^S390CHECK done ok=1' "$out/check.log" ||
	fail "modules did not load and unload cleanly (see $log)"
grep -q '^S390CHECK status end rc=0' "$out/check.log" ||
	fail "ep11sess status failed"
# No APQN: QEMU has no AP card.
sed -n '/status begin/,/status end/p' "$out/check.log" |
	grep -qE 'APQN [0-9a-f]{2}\.[0-9a-f]{4}' && fail "status lists an APQN"
grep -q '^S390CHECK json {.*"apqns": \[\],' "$out/check.log" ||
	fail "status --json does not report an empty list of APQNs"
grep -q '^S390CHECK status No EP11 APQN is registered' "$out/check.log" ||
	fail "status does not say that no APQN is registered"
# A clean log: no warning, oops, lockdep or leak report; the taint of an
# out-of-tree, unsigned module is expected.
if grep '^S390CHECK dmesg' "$out/check.log" |
   grep -vE 'loading out-of-tree module taints kernel|module verification failed' |
   grep -qiE 'warning|bug|oops|call trace|lockdep|leak|refused|error|fail'; then
	fail "kernel log not clean"
fi
echo "s390-check: PASS"
