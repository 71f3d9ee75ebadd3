# SPDX-License-Identifier: GPL-2.0
#
# Shell functions for scripts that run inside the test VM.

# Kernel log lines that fail a run.
EP11VM_BAD='WARNING:|BUG:|Oops|general protection fault|Kernel panic|KASAN|UBSAN|kmemleak|possible recursive locking|possible circular locking|inconsistent lock state|INFO: task .* blocked for more than|rcu_.* detected stall|refcount_t:|list_(add|del) corruption|use-after-free|slab-out-of-bounds|stack-protector|Call Trace:|sleeping function called from invalid context|scheduling while atomic|lockdep'

# Taint bits that are expected: O (out-of-tree module), E (unsigned module).
EP11VM_TAINT_OK=$(((1 << 12) | (1 << 13)))

# ep11vm_dmesg_mark: remembers the current end of the kernel log.
ep11vm_dmesg_mark() {
	EP11VM_MARK=$(dmesg | wc -l)
}

# ep11vm_kernel_check WHAT: fails (and prints the relevant lines) when the
# kernel logged a warning, an oops or a lockdep report since the last mark,
# or when it is tainted beyond an out-of-tree, unsigned module.
ep11vm_kernel_check() {
	local what=$1 bad taint
	bad=$(dmesg | tail -n +"$((${EP11VM_MARK:-0} + 1))" | grep -E -A 30 "$EP11VM_BAD")
	taint=$(cat /proc/sys/kernel/tainted)
	if [ -n "$bad" ]; then
		echo "ep11vm: $what: the kernel logged a problem:"
		echo "$bad"
		return 1
	fi
	if [ $((taint & ~EP11VM_TAINT_OK)) -ne 0 ]; then
		echo "ep11vm: $what: kernel tainted: $taint (only out-of-tree/unsigned, $EP11VM_TAINT_OK, are expected)"
		dmesg | tail -n 40
		return 1
	fi
	return 0
}

# ep11vm_load: inserts the project's freshly built modules.
ep11vm_load() {
	local kmod=$EP11VM_REPO/build/kmod/driver
	insmod "$kmod/ep11sess.ko" || return 1
	if [ -e "$kmod/vcard/ep11_vcard.ko" ]; then
		insmod "$kmod/vcard/ep11_vcard.ko" || return 1
	fi
}

# ep11vm_unload: removes the project's modules; failing to unload fails.
ep11vm_unload() {
	local m
	for m in ep11_vcard ep11sess; do
		if [ -d "/sys/module/$m" ]; then
			rmmod "$m" || { echo "ep11vm: rmmod $m failed"; return 1; }
		fi
	done
}
