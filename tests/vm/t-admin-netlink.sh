#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Malformed generic netlink requests get their errno and the kernel's
# explanation, and no kernel warning (the harness checks the log); the
# family is autoloaded by its alias when it is looked up.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
out=$admin_state/out

"$admin_sess" nl-bad >"$out" 2>&1 || { cat "$out"; fail "malformed requests"; }
cat "$out"

# Module alias: looking the family up runs modprobe for it.
alias=$(modinfo -F alias "$EP11VM_REPO/build/kmod/driver/ep11sess.ko")
expect "module alias" "net-pf-16-proto-16-family-ep11sess" "$alias"
rmmod ep11_vcard ep11sess
rc=0; "$ep11sess" status >"$out" 2>&1 || rc=$?
expect "module missing: exit code" 3 "$rc"
# Not installed in this kernel's modules: the way it was loaded is named.
expect_grep "module missing: message" "not loaded, and not installed for kernel $(uname -r): load the one built in the source tree with 'insmod build/kmod/driver/ep11sess.ko'" "$out"
# The kernel runs its modprobe helper in init's root, where this test's
# root is a subdirectory: find it, and let busybox chroot into it.
prefix=
for d in /proc/1/root/*/; do
	if [ -e "$d${admin_state#/}/out" ]; then
		prefix=${d#/proc/1/root}
		prefix=${prefix%/}
	fi
done
if [ -z "$prefix" ] || [ ! -x /proc/1/root/bin/busybox ]; then
	fail "cannot find this test's root from init's root to place a modprobe helper"
fi
old=$(cat /proc/sys/kernel/modprobe)
cat >"$admin_state/modprobe" <<EOS
#!/bin/busybox sh
echo "\$*" >>$prefix$admin_state/modprobe.log
case "\$*" in
*net-pf-16-proto-16-family-ep11sess*)
	exec /bin/busybox chroot $prefix /sbin/insmod $EP11VM_REPO/build/kmod/driver/ep11sess.ko ;;
esac
exit 1
EOS
chmod 0755 "$admin_state/modprobe"
echo "$prefix$admin_state/modprobe" >/proc/sys/kernel/modprobe
rc=0; "$ep11sess" status >"$out" 2>&1 || rc=$?
echo "$old" >/proc/sys/kernel/modprobe
[ -e "$admin_state/modprobe.log" ] || fail "expected the kernel to run modprobe for the family lookup"
expect_grep "modprobe asked for the family" 'net-pf-16-proto-16-family-ep11sess' "$admin_state/modprobe.log"
[ -d /sys/module/ep11sess ] || fail "expected ep11sess loaded by the family lookup"
expect "status after autoload: exit code" 0 "$rc"
expect "status after autoload: output" "No EP11 APQN is registered." "$(cat "$out")"
insmod "$EP11VM_REPO/build/kmod/driver/vcard/ep11_vcard.ko"

# In another network namespace (a container's) the family cannot be seen
# although the module is loaded: the message says so, not "not loaded".
rc=0; unshare --net "$ep11sess" status >"$out" 2>&1 || rc=$?
expect "other network namespace: exit code" 3 "$rc"
expect_grep "other network namespace: message" 'module is loaded, but its generic netlink family "ep11sess" exists only in the host.s initial network namespace and this process runs in another one \(net:\[[0-9]+\], a container\?\)' "$out"
rc=0; unshare --net "$ep11sess" show --json >"$out" 2>&1 || rc=$?
expect "other network namespace --json: errno" "3 ENOENT" "$(jq -r '"\(.error.exit_code) \(.error.errno_name)"' "$out")"
echo "admin netlink: ok"
