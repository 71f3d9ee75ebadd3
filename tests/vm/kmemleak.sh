# SPDX-License-Identifier: GPL-2.0
#
# Shell functions for the test VM: kmemleak checks on a kernel that has it
# (the debug kernel, scripts/debug-kernel.sh).  On other kernels they do
# nothing.  Sourced by guest-run and guest-tests after lib.sh.
#
# kmemleak reports an object nothing points to once it is 5 s old.  The
# debug kernel has everything built in but the project's modules, so a
# suspect whose allocation backtrace has a frame in module code is theirs:
# a frame that names its module ("[ep11sess]") or one that no symbol covers
# (code of a module unloaded since).  Such a suspect fails the run; others
# (the kernel's own) are printed but do not count.

EP11VM_KMEMLEAK=/sys/kernel/debug/kmemleak
EP11VM_KMEMLEAK_MODS=

# ep11vm_kmemleak_on: true when the kernel has kmemleak, enabled.
ep11vm_kmemleak_on() {
	[ -w "$EP11VM_KMEMLEAK" ]
}

# ep11vm_kmemleak_start: scans, then forgets every suspect so far, so the
# next check reports only what leaks from here on.
ep11vm_kmemleak_start() {
	ep11vm_kmemleak_on || return 0
	echo scan >"$EP11VM_KMEMLEAK" 2>/dev/null
	echo clear >"$EP11VM_KMEMLEAK" 2>/dev/null
	return 0
}

# ep11vm_kmemleak_note_modules: remembers where the project's modules'
# sections are while they are loaded, to decode their frames once they
# are gone.
ep11vm_kmemleak_note_modules() {
	local m s
	ep11vm_kmemleak_on || return 0
	[ -n "$EP11VM_KMEMLEAK_MODS" ] || EP11VM_KMEMLEAK_MODS=$(mktemp)
	: >"$EP11VM_KMEMLEAK_MODS"
	for m in ep11sess ep11_vcard; do
		for s in /sys/module/$m/sections/.text /sys/module/$m/sections/.init.text \
			 /sys/module/$m/sections/.exit.text; do
			[ -r "$s" ] && echo "$m ${s##*/} $(cat "$s")" >>"$EP11VM_KMEMLEAK_MODS"
		done
	done
	return 0
}

# ep11vm_kmemleak_decode ADDR: "module section+offset (function file:line)"
# for an address in a section noted by ep11vm_kmemleak_note_modules.
ep11vm_kmemleak_decode() {
	local addr=$1 m s base off best= bestoff= ko where
	[ -n "$EP11VM_KMEMLEAK_MODS" ] && [ -s "$EP11VM_KMEMLEAK_MODS" ] || return 1
	while read -r m s base; do
		off=$((addr - base))
		[ $off -ge 0 ] && [ $off -lt $((1 << 20)) ] || continue
		if [ -z "$bestoff" ] || [ $off -lt "$bestoff" ]; then
			best="$m $s"
			bestoff=$off
		fi
	done <"$EP11VM_KMEMLEAK_MODS"
	[ -n "$best" ] || return 1
	m=${best% *}
	s=${best#* }
	ko=$EP11VM_REPO/build/kmod/driver/$m.ko
	[ "$m" = ep11_vcard ] && ko=$EP11VM_REPO/build/kmod/driver/vcard/$m.ko
	where=
	if command -v addr2line >/dev/null && [ -e "$ko" ]; then
		where=$(addr2line -f -i -p -e "$ko" -j "$s" "$(printf '0x%x' "$bestoff")" 2>/dev/null |
			sed -E "s|$EP11VM_REPO/build/kmod[^/]*/||g" | paste -sd ';')
	fi
	printf '%s %s+0x%x%s\n' "$m" "$s" "$bestoff" "${where:+ ($where)}"
}

# ep11vm_kmemleak_frame: a backtrace line of module code, as kmemleak
# prints it: "[<addr>] func+0x1/0x2 [module]" or "[<addr>] 0xaddr".
EP11VM_KMEMLEAK_FRAME='^ *\[<[0-9a-f]+>\] ([^ ]+ \[[A-Za-z0-9_]+\]|0x[0-9a-f]+)$'

# ep11vm_kmemleak_suspect WHAT RECORD: prints one suspect, decoding the
# frames of unloaded module code; true when it is module code's.
ep11vm_kmemleak_suspect() {
	local what=$1 rec=$2 line addr dec
	if ! echo "$rec" | grep -qE "$EP11VM_KMEMLEAK_FRAME"; then
		echo "ep11vm: $what: kmemleak: a suspect outside module code (not counted):"
		echo "$rec"
		return 1
	fi
	echo "ep11vm: $what: kmemleak: a leak from module code:"
	while IFS= read -r line; do
		addr=$(echo "$line" | sed -n 's/^ *\[<[0-9a-f]*>\] \(0x[0-9a-f]*\)$/\1/p')
		dec=
		[ -n "$addr" ] && dec=$(ep11vm_kmemleak_decode "$addr")
		echo "$line${dec:+  <- $dec}"
	done <<<"$rec"
	return 0
}

# ep11vm_kmemleak_check WHAT: after the modules are unloaded, waits until
# the last allocations are old enough, scans and fails (printing kmemleak's
# reports) when a suspect has a frame in module code.  Forgets all
# suspects after.
ep11vm_kmemleak_check() {
	local what=$1 report line rec= ours=0 others=0
	ep11vm_kmemleak_on || return 0
	sleep 5
	echo scan >"$EP11VM_KMEMLEAK" 2>/dev/null
	report=$(cat "$EP11VM_KMEMLEAK" 2>/dev/null)
	echo clear >"$EP11VM_KMEMLEAK" 2>/dev/null
	[ -n "$report" ] || return 0
	# Each suspect starts with "unreferenced object 0x...".
	while IFS= read -r line; do
		case "$line" in
		"unreferenced object "*)
			if [ -n "$rec" ]; then
				if ep11vm_kmemleak_suspect "$what" "$rec"; then
					ours=$((ours + 1))
				else
					others=$((others + 1))
				fi
			fi
			rec=$line
			;;
		*)
			rec=$rec$'\n'$line
			;;
		esac
	done <<<"$report"$'\n'"unreferenced object (end)"
	if [ $ours -gt 0 ]; then
		echo "ep11vm: $what: kmemleak: $ours leak(s) from module code, $others other suspect(s)"
		return 1
	fi
	return 0
}
