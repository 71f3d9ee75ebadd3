#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg-systemd.sh: ep11sess installed from its Debian packages on a booted
# system, as an administrator installs it.  Runs inside a VM with systemd
# as PID 1 (make check's vm-packages stage boots it:
# tests/vm/run --systemd --no-load -- bash tests/vm/pkg-systemd.sh): dpkg -i of the packages in
# build/deb (DKMS builds the modules for the running kernel), systemctl
# start ep11-cardemu@0b, ep11sess status shows the card, a user in group
# ep11 (not root) finds libcryptoki through p11-kit and signs with
# pkcs11-tool, a login of hers is killed and the card's count comes back;
# restarts of the emulator and of systemd-udevd leave everything working;
# dpkg --purge leaves no module loaded and no file behind.  Prints the time
# of each step since the kernel started.
set -u
cd "$EP11VM_REPO" || exit 1
debs=$EP11VM_REPO/build/deb
kver=$(uname -r)
ctl=/run/ep11-cardemu/0b.ctl
hold=$EP11VM_REPO/build/meson/tests/vm/p11-hold

fail() { echo "FAIL: $*"; exit 1; }
up() { read -r u _ </proc/uptime; echo "$u"; }
say() { printf '[%7.1f s] %s\n' "$(up)" "$*"; }
poll() {
	local secs=$1 i
	shift
	for i in $(seq $((secs * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
as_alice() { runuser -u alice -- env HOME=/home/alice "$@"; }
avail() { ep11-cardemu ctl "$ctl" sessions | sed -n 's/^max [0-9]* available \([0-9]*\)$/\1/p'; }
card_shown() {
	local out
	out=$(ep11sess status 2>&1) &&
	grep -q '^APQN 0b\.0024:' <<<"$out" && grep -q '^APQN 0b\.0025:' <<<"$out"
}

[ "$(ps -p 1 -o comm=)" = systemd ] || fail "expected systemd as PID 1, got $(ps -p 1 -o comm=)"
say "systemd is PID 1, kernel $kver"
for p in ep11sess-dkms ep11sess-tools libcryptoki0 libcryptoki-dev ep11-cardemu; do
	ls "$debs/${p}_"*.deb >/dev/null 2>&1 || fail "expected $debs/${p}_*.deb (make deb)"
done

# --- install ---
# man-db's trigger re-indexes every manual page under TCG (about a minute
# at each install and purge); the packages' pages are checked by lintian.
echo 'man-db man-db/auto-update boolean false' | debconf-set-selections
# Each line of dpkg's output with its time, so that the log shows where
# the time goes (DKMS's build, depmod, triggers).
stamped() { while IFS= read -r l; do say "  $l"; done; }
dpkg -i "$debs"/ep11sess-dkms_*.deb "$debs"/ep11sess-tools_*.deb \
	"$debs"/libcryptoki0_*.deb "$debs"/libcryptoki-dev_*.deb \
	"$debs"/ep11-cardemu_*.deb 2>&1 | stamped >/tmp/dpkg.log
[ "${PIPESTATUS[0]}" = 0 ] || { cat /tmp/dpkg.log; fail "dpkg -i failed"; }
grep -E 'Building module|Installing|Setting up|Processing triggers|depmod|elapsed' /tmp/dpkg.log
say "dpkg -i done (DKMS built the modules)"
mods=$(modinfo -k "$kver" -n ep11sess ep11_vcard 2>&1)
grep -q "^/lib/modules/$kver/updates/dkms/ep11sess.ko" <<<"$mods" &&
	grep -q "^/lib/modules/$kver/updates/dkms/ep11_vcard.ko" <<<"$mods" ||
	{ cat /tmp/dpkg.log; dkms status; ls -lR /lib/modules/"$kver"/updates;
	  fail "expected DKMS's ep11sess.ko and ep11_vcard.ko for $kver, got: $mods"; }
getent group ep11 >/dev/null || fail "expected group ep11 (sysusers.d)"
st=$(stat -c '%a %U %G' /var/lib/ep11sess/tokens 2>&1)
[ "$st" = "1770 root ep11" ] || fail "expected /var/lib/ep11sess/tokens 1770 root ep11 (tmpfiles.d), got '$st'"

# --- the emulated card as a service ---
mkdir -p /etc/ep11sess/cardemu
printf 'DOMAINS=24,25\nMAX_SESSIONS=16\n' >/etc/ep11sess/cardemu/0b.conf
systemctl start ep11-cardemu@0b ||
	{ journalctl -b -u ep11-cardemu@0b --no-pager; fail "systemctl start ep11-cardemu@0b failed"; }
poll 30 card_shown || { ep11sess status; fail "expected ep11sess status to show 0b.0024 and 0b.0025"; }
say "ready: ep11-cardemu@0b active, ep11sess status shows 0b.0024 and 0b.0025"
st=$(stat -c '%a %U %G' /dev/ep11sess)
[ "$st" = "660 root ep11" ] || fail "expected /dev/ep11sess 660 root ep11, got '$st'"
[ "$(stat -c %a "$ctl")" = 600 ] || fail "expected $ctl with mode 600"
journalctl -b -u ep11-cardemu@0b --no-pager | grep -q 'card0b (EP11EMU' ||
	fail "expected the emulator's start in the journal"

# --- a user of group ep11 with the library that p11-kit knows ---
useradd -m -G ep11 alice || fail "useradd alice"
printf '[slot 0]\nlabel = pkg\napqns = 0b.0024\nmode = default\n' \
	>/etc/ep11sess/cryptoki.conf
mod=$(as_alice p11-kit list-modules | sed -n 's/^ep11sess: //p')
[ "$mod" = "/usr/lib/x86_64-linux-gnu/libcryptoki.so.0" ] ||
	fail "expected p11-kit to list ep11sess: /usr/lib/x86_64-linux-gnu/libcryptoki.so.0, got '$mod'"
run_alice() {
	local what=$1 out
	shift
	out=$(as_alice "$@" 2>&1) || { echo "$out"; fail "as alice: $what"; }
}
run_alice "init-token" pkcs11-tool --module "$mod" --init-token --label pkg --so-pin 87654321
run_alice "init-pin" pkcs11-tool --module "$mod" --login --login-type so --so-pin 87654321 --init-pin --pin 12345678
run_alice "keypairgen" pkcs11-tool --module "$mod" --login --pin 12345678 --keypairgen --key-type EC:prime256v1 --label k1
echo hello >/tmp/msg
chmod 644 /tmp/msg
run_alice "sign" pkcs11-tool --module "$mod" --login --pin 12345678 --sign -m ECDSA-SHA256 --label k1 -i /tmp/msg -o /home/alice/sig
run_alice "verify" pkcs11-tool --module "$mod" --verify -m ECDSA-SHA256 --label k1 -i /tmp/msg --signature-file /home/alice/sig
say "alice (group ep11, not root) signed through p11-kit's module $mod"

# A login of hers is killed: the card's own count comes back.
base=$(avail)
# setpriv execs the holder itself (runuser would stay its parent, and a
# SIGKILL of runuser would leave the holder running).
setpriv --reuid=alice --regid=alice --init-groups env HOME=/home/alice \
	"$hold" "$mod" 0 12345678 1 use k1 >/tmp/hold.out 2>&1 &
hpid=$!
poll 60 grep -q '^ready' /tmp/hold.out || { cat /tmp/hold.out; fail "the held login did not come up"; }
held=$(avail)
[ "$held" -lt "$base" ] || fail "expected fewer than $base sessions available while alice holds a login, got $held"
kill -KILL "$hpid"
wait "$hpid" 2>/dev/null
poll 30 [ "$(avail)" = "$base" ] || fail "expected $base sessions available after the kill, got $(avail)"
say "alice's login killed: $base available before, $held while held, $(avail) after"

# --- restarts ---
systemctl restart ep11-cardemu@0b || fail "systemctl restart ep11-cardemu@0b"
poll 30 card_shown || fail "expected the card back after the emulator's restart"
systemctl restart systemd-udevd || fail "systemctl restart systemd-udevd"
udevadm settle
st=$(stat -c '%a %U %G' /dev/ep11sess)
[ "$st" = "660 root ep11" ] || fail "expected /dev/ep11sess 660 root ep11 after udevd's restart, got '$st'"
run_alice "sign after the restarts" pkcs11-tool --module "$mod" --login --pin 12345678 --sign -m ECDSA-SHA256 --label k1 -i /tmp/msg -o /home/alice/sig2
[ "$(avail)" = 16 ] || fail "expected 16 sessions available after the restarts, got $(avail)"
say "restarted ep11-cardemu@0b and systemd-udevd: alice signs, 16 sessions available"

# --- the journal: the emulator's messages at their priorities ---
jr() { journalctl -q --no-pager -o cat -u ep11-cardemu@0b "$@"; }
jr -p info..info | grep -q '^ep11-cardemu: card0b (.*) serving 2 domain(s)' ||
	{ jr -o short-precise; fail "expected the emulator's start at priority info in the journal"; }
jr -p notice..notice | grep -q '^ep11-cardemu: card0b: Terminated, stopping$' ||
	{ jr -o short-precise; fail "expected the emulator's stop on SIGTERM at priority notice in the journal"; }
errs=$(jr -p err)
[ -z "$errs" ] || { jr -o short-precise; fail "expected no error in the emulator's journal, got: $errs"; }
say "journal: the emulator's start at info, its stop at notice, no error"

# --- purge ---
files=$(dpkg -L ep11sess-dkms ep11sess-tools libcryptoki0 libcryptoki-dev ep11-cardemu |
	while read -r f; do [ -d "$f" ] || echo "$f"; done)
rm -f /etc/ep11sess/cardemu/0b.conf /etc/ep11sess/cryptoki.conf	# the administrator's
dpkg --purge ep11-cardemu libcryptoki-dev libcryptoki0 ep11sess-tools ep11sess-dkms \
	2>&1 | stamped >/tmp/purge.log
[ "${PIPESTATUS[0]}" = 0 ] || { cat /tmp/purge.log; fail "dpkg --purge failed"; }
grep -E 'Removing|Purging|Processing triggers|depmod|Deleting' /tmp/purge.log
left=
for f in $files; do [ -e "$f" ] || [ -L "$f" ] && left="$left $f"; done
for f in /var/lib/dkms/ep11sess /lib/modules/"$kver"/updates/dkms/ep11sess.ko \
	 /lib/modules/"$kver"/updates/dkms/ep11_vcard.ko /usr/src/ep11sess-0.1 \
	 /var/lib/ep11-cardemu /var/lib/ep11sess /run/ep11-cardemu /etc/ep11sess; do
	[ -e "$f" ] && left="$left $f"
done
[ -z "$left" ] || fail "expected nothing left after dpkg --purge, got:$left"
lsmod | grep -qE '^(ep11sess|ep11_vcard) ' && fail "expected the modules unloaded after dpkg --purge, got: $(lsmod | grep ep11)"
systemctl list-units --all --no-legend 'ep11-cardemu@*' | grep -q . &&
	fail "expected no ep11-cardemu@ unit after the purge, got: $(systemctl list-units --all --no-legend 'ep11-cardemu@*')"
say "dpkg --purge: modules unloaded, no file left ($(wc -w <<<"$files") files checked)"
exit 0
