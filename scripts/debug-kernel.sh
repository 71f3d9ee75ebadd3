#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--status | --modules | --print-image]: builds the test
# VM's debug kernel and the project's modules for it.
#
# The kernel is Debian's linux-source-6.1 (unpacked once by
# scripts/kernel-source.sh, used read-only) configured as x86_64_defconfig
# plus tests/vm/debug.config: KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak,
# DEBUG_OBJECTS and everything the VM needs built in.  It is built with O=
# into $EP11SESS_CACHE/debug-kernel-build (default ~/.cache/ep11sess), and
# built again only when the fragment, the kernel source or the compiler
# changed.  The modules are then built against it into build/kmod-debug.
#
#   --status       exit 0 when the cached kernel is up to date, 1 if not
#   --modules      build only the modules (the kernel must be up to date)
#   --print-image  print the path of the kernel image
#   --print-dir    print the kernel's build folder
#
# EP11_DEBUG_KERNEL_JOBS sets make's -j (default: the number of CPUs); the
# kernel build runs under `nice -n 10`.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${EP11SESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ep11sess}
out=$cache/debug-kernel-build
frag=$repo/tests/vm/debug.config
kmod=$repo/build/kmod-debug
image=$out/arch/x86/boot/bzImage
stampfile=$out/.ep11sess-stamp
jobs=${EP11_DEBUG_KERNEL_JOBS:-$(nproc)}
# Bumped when the way the kernel is configured or built changes.
recipe=1

mode=build
case "${1:-}" in
--status) mode=status ;;
--modules) mode=modules ;;
--print-image) echo "$image"; exit 0 ;;
--print-dir) echo "$out"; exit 0 ;;
"") ;;
-h|--help) sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "debug-kernel: unknown option $1" >&2; exit 2 ;;
esac

# stamp: what the cached build must have been made from.
stamp() {
	{
		echo "recipe $recipe"
		dpkg-query -W -f='linux-source-6.1 ${Version}\n' linux-source-6.1 2>/dev/null ||
			echo "linux-source-6.1 unknown"
		gcc --version | head -n 1
		sha256sum <"$frag"
	} | sha256sum | cut -d' ' -f1
}

up_to_date() {
	[ -e "$image" ] && [ -e "$out/Module.symvers" ] && [ -e "$stampfile" ] &&
		[ "$(cat "$stampfile")" = "$(stamp)" ]
}

# check_config: every line of the fragment must hold in the final .config.
check_config() {
	local line sym val bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			if ! grep -qxF -- "$line" "$out/.config"; then
				sym=${line%%=*}
				val=$(grep -E "^(# )?$sym[= ]" "$out/.config" || echo "$sym absent")
				echo "debug-kernel: wanted $line, the .config has: $val" >&2
				bad=1
			fi
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$out/.config"; then
				echo "debug-kernel: wanted $sym off, the .config has: $(grep "^$sym=" "$out/.config")" >&2
				bad=1
			fi
			;;
		esac
	done <"$frag"
	return $bad
}

build_kernel() {
	local src start secs
	src=$("$repo/scripts/kernel-source.sh")
	mkdir -p "$out"
	start=$SECONDS
	echo "debug-kernel: configuring $src into $out"
	# scripts/kunit.sh links a repository into the tree as
	# drivers/misc/ep11sess and sources its Kconfig from drivers/misc.
	if grep -q 'ep11sess/driver/Kconfig' "$src/drivers/misc/Kconfig" &&
	   [ ! -e "$src/drivers/misc/ep11sess/driver/Kconfig" ]; then
		echo "debug-kernel: $src/drivers/misc/ep11sess points at a missing repository; run 'make kunit' once" >&2
		exit 1
	fi
	make -s -C "$src" O="$out" x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$frag" >"$out/merge_config.log"
	make -s -C "$src" O="$out" olddefconfig
	if ! check_config; then
		echo "debug-kernel: the configuration lacks what $frag asks for" >&2
		exit 1
	fi
	rm -f "$stampfile"
	echo "debug-kernel: building with -j$jobs (a first build takes long)"
	nice -n 10 make -s -C "$src" O="$out" -j"$jobs" all
	stamp >"$stampfile"
	secs=$((SECONDS - start))
	echo "$secs" >"$out/.ep11sess-build-seconds"
	printf 'debug-kernel: kernel %s built in %dm%02ds\n' \
		"$(cat "$out/include/config/kernel.release")" $((secs / 60)) $((secs % 60))
}

# build_modules: the project's modules against the debug kernel, in a
# shadow tree of symlinks like `make module` builds build/kmod.
build_modules() {
	mkdir -p "$kmod"
	cp -rsf "$repo/Kbuild" "$repo/driver" "$repo/include" "$kmod/"
	find "$kmod" -xtype l -delete
	# -g: the modules' own debug information, to decode reports.
	make -C "$out" M="$kmod" CONFIG_EP11SESS=m CONFIG_EP11_VCARD=m \
		W=1 KCFLAGS=-g -j"$jobs" modules
}

case $mode in
status)
	up_to_date
	exit
	;;
modules)
	if ! up_to_date; then
		echo "debug-kernel: no up-to-date debug kernel in $out; run 'make debug-kernel'" >&2
		exit 1
	fi
	build_modules
	;;
build)
	mkdir -p "$cache"
	exec 8>"$cache/.debug-kernel.lock"
	flock 8
	if up_to_date; then
		echo "debug-kernel: $(cat "$out/include/config/kernel.release") in $out is up to date"
	else
		build_kernel
	fi
	build_modules
	;;
esac
