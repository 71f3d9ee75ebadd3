#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libcryptoki's application ids (CA_SetApplicationID, CA_OpenApplicationID,
# CA_CloseApplicationID, app_id in the configuration) on the kernel's named
# logins, against the card's own count of sessions:
# - two processes of one id share the login state: the second never calls
#   C_Login, yet is USER, signs with the first's private key and reads its
#   private data object, and its C_Login answers CKR_USER_ALREADY_LOGGED_IN;
#   the pair spends the card sessions of one login;
# - a process without the id, and one of another uid with the id, stay
#   public: no private object found, CKR_USER_NOT_LOGGED_IN for a private
#   object;
# - C_Logout in one logs every process of the id out: the other's signature
#   begun before answers CKR_USER_NOT_LOGGED_IN, and the card's sessions
#   come back; a process that opened its session first finds a later login;
# - CA_OpenApplicationID keeps the login across a gap with no process (the
#   card's count stays), placed at once or at the login it waited for;
#   after CA_CloseApplicationID and the last process the state is public and
#   the card back at its baseline; app_id_keep_ms ends a hold by itself;
# - app_id in cryptoki.conf gives a process the id without CA_ calls;
# - app_id_group: another uid in the group shares the login, one outside it
#   stays public with a message naming the refusal;
# - vhsm: the id names the token's shared session when its login makes
#   it; a process without the id joins it with the PIN, and the id's
#   C_Logout ends it for that one too; a login with an id while a session
#   without a name lives is refused with a message;
# - the vendor interface 1.1 has the CA_ functions.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
drv_prog=$EP11VM_REPO/build/meson/tests/vm/p11-appid
[ -x "$drv_prog" ] || { echo "SKIP: $drv_prog not built"; exit 77; }
ck_need_cmd pkcs11-tool opensc
ck_need_cmd setpriv util-linux

tool=$EP11VM_REPO/build/meson/tools/ep11sess/ep11sess

ck_start_card
ck_conf_global
ck_conf_slot 1 vh vhsm
ck_conf_slot 0 appid default
p11() { pkcs11-tool --module "$ck_lib" "$@"; }
for s in 0 1; do
	ck_run "slot $s: init-token" p11 --slot $s --init-token --label "t$s" \
		--so-pin 87654321
	ck_run "slot $s: init-pin" p11 --slot $s --login --login-type so \
		--so-pin 87654321 --init-pin --pin 12345678
done
printf '12345678\nvhsmpin01\nvhsmpin01\n' | "$tool" vhsmpin -slot 1 --stdin >/dev/null 2>&1 ||
	fail "ep11sess vhsmpin -slot 1"

# The same token under other keys: the host's default id, a group scope,
# a keep-alive time-to-live (slot 0 is the file's last section).
cp "$ck_conf" "$ck_dir/app.conf"
echo "app_id = 7.1" >>"$ck_dir/app.conf"
grep -q '^p11share:' /etc/group || echo "p11share:x:4242:" >>/etc/group
cp "$ck_conf" "$ck_dir/group.conf"
echo "app_id_group = p11share" >>"$ck_dir/group.conf"
cp "$ck_conf" "$ck_dir/ttl.conf"
# 2 s, more on a slow (debug) kernel, whose tests get more time: the hold
# must outlive the driver's quit and the first look at the count.
echo "app_id_keep_ms = $((2000 * ${EP11VM_TEST_TIMEOUT:-300} / 300))" >>"$ck_dir/ttl.conf"
# Another uid needs the device, the store and its lock.
chmod 0666 /dev/ep11sess
chmod 0777 "$ck_dir"
chmod 0666 "$ck_dir"/*.db*
chmod 0644 "$ck_dir"/*.conf

avail() { core_ctl 1e sessions | awk '{print $4}'; }
avail_is() { [ "$(avail)" = "$1" ]; }
# The card's count: a login on the token's two APQNs spends two sessions.
expect_avail() {
	vmt_poll 15 avail_is "$1" ||
		fail "$2: expected $1 card sessions available, got $(avail)"
}
# The count stays at $1 for two seconds.
expect_avail_stays() {
	local i
	for i in 1 2 3 4; do
		avail_is "$1" || fail "$2: expected $1 card sessions to stay available, got $(avail)"
		sleep 0.5
	done
}

# drv_start NAME CONF [setpriv options --] [ID]: a p11-appid process NAME
# with cryptoki.conf CONF (and application id ID) on slot $drv_slot (0);
# its commands go through one fifo and its answers come back through
# another.
drv_start() {
	local name=$1 conf=$2 w r
	shift 2
	local pre=()
	if [ "${1:-}" = setpriv ]; then
		while [ "$1" != -- ]; do
			pre+=("$1")
			shift
		done
		pre+=(--)
		shift
	fi
	rm -f "$ck_dir/$name.in" "$ck_dir/$name.out"
	mkfifo "$ck_dir/$name.in" "$ck_dir/$name.out"
	echo "$name: start${*:+ $*}"
	EP11SESS_CRYPTOKI_CONF=$conf "${pre[@]}" "$drv_prog" "$ck_lib" \
		"${drv_slot:-0}" "$@" \
		<"$ck_dir/$name.in" >"$ck_dir/$name.out" 2>"$ck_dir/$name.err" &
	eval "drv_pid_$name=$!"
	drv_pids="$drv_pids $!"
	exec {w}>"$ck_dir/$name.in"
	exec {r}<"$ck_dir/$name.out"
	eval "drv_w_$name=$w drv_r_$name=$r"
	drv_wait "$name" "start"
}

# drv_wait NAME WHAT: NAME's next answer, which must be ok (60 s at most).
drv_wait() {
	local name=$1 what=$2 pid r got=
	eval "pid=\$drv_pid_$name r=\$drv_r_$name"
	if read -r -t 60 -u "$r" got; then
		case $got in
		ok|ready) return 0 ;;
		esac
	fi
	echo "  $name's messages:"
	sed 's/^/    /' "$ck_dir/$name.err"
	if kill -0 "$pid" 2>/dev/null; then
		echo "  $name still runs, in the kernel at:"
		sed 's/^/    /' "/proc/$pid/stack" 2>/dev/null || true
		dmesg | tail -n 30 | sed 's/^/    /'
	fi
	fail "process $name, '$what': expected ok, got '${got:-no answer}'"
}

# drv NAME COMMAND...: one command, answered ok.
drv() {
	local name=$1 w
	shift
	eval "w=\$drv_w_$name"
	echo "$name: $*"
	echo "$*" >&"$w"
	drv_wait "$name" "$*"
}

# drv_quit NAME: C_Finalize and exit 0.
drv_quit() {
	local pid rc=0
	eval "pid=\$drv_pid_$1"
	drv "$1" quit
	wait "$pid" || rc=$?
	[ $rc = 0 ] || fail "process $1: expected exit status 0 after quit, got $rc"
}

drv_kill() {
	local pid
	eval "pid=\$drv_pid_$1"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
}

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# The driven processes wait for input: killed before the cards stop.
drv_pids=
drv_cleanup() {
	local p
	for p in $drv_pids; do kill -KILL "$p" 2>/dev/null || true; done
	core_cleanup
}
trap drv_cleanup EXIT

expect_avail 64 "at the start"

# Two processes of id 7.1: one login state.
drv_start A "$ck_conf" 7.1
drv A open
drv A vendor
drv A setid 8.8 CKR_SESSION_EXISTS
drv A state PUBLIC
drv A login 12345678
drv A makekey ak
drv A makedata ad s3cr3t-value
drv A state USER
expect_avail 62 "one login of id 7.1"
drv_start B "$ck_conf" 7.1
drv B open
drv B state USER
drv B count ak 1
drv B count ad 1
drv B sign ak
drv B read ad s3cr3t-value
drv B login 12345678 CKR_USER_ALREADY_LOGGED_IN
expect_avail 62 "two processes of id 7.1 share one login"

# Without the id, and another uid with it: public.
drv_start C "$ck_conf"
drv C open
drv C state PUBLIC
drv C count ak 0
drv C count ad 0
drv C private CKR_USER_NOT_LOGGED_IN
drv_start D "$ck_conf" "${nobody[@]}" 7.1
drv D open
drv D state PUBLIC
drv D count ak 0
drv D count ad 0
drv D private CKR_USER_NOT_LOGGED_IN

# C_Logout in one: every process of the id is public.
drv B signinit ak
drv A logout
drv B signfinal CKR_USER_NOT_LOGGED_IN
drv B state PUBLIC
drv B count ak 0
drv A state PUBLIC
expect_avail 64 "after C_Logout of id 7.1"
# A process that opened its session first finds a later login.
drv A login 12345678
drv B state USER
drv B sign ak
drv C state PUBLIC
drv D state PUBLIC
expect_avail 62 "the second login of id 7.1"
drv_kill A
drv B state USER
drv_quit B
drv_quit C
drv_quit D
expect_avail 64 "no process of id 7.1 left: dormant"
drv_start B "$ck_conf" 7.1
drv B open
drv B state PUBLIC
drv_quit B

# CA_OpenApplicationID: the login outlives its last process.
drv_start E "$ck_conf" 7.1
drv E open
drv E login 12345678
drv E keep 7.1
drv_quit E
expect_avail_stays 62 "a kept login with no process"
drv_start F "$ck_conf" 7.1
drv F open
drv F state USER
drv F sign ak
drv F read ad s3cr3t-value
drv F unkeep 7.1
drv F state USER
drv_quit F
expect_avail 64 "after CA_CloseApplicationID and the last process"
drv_start G "$ck_conf" 7.1
drv G open
drv G state PUBLIC
drv_quit G

# A hold asked for before the login is placed at the login.
drv_start H "$ck_conf" 7.1
drv H keep 7.1
drv H open
drv H login 12345678
drv_quit H
expect_avail_stays 62 "a hold placed at the login it waited for"
# ... and C_Logout of the id ends the hold with the login.
drv_start I "$ck_conf" 7.1
drv I open
drv I state USER
drv I logout
drv I state PUBLIC
drv_quit I
expect_avail 64 "C_Logout of a kept login"

# app_id_keep_ms: the hold ends by itself.
drv_start P "$ck_dir/ttl.conf" 7.1
drv P open
drv P login 12345678
drv P keep 7.1
drv_quit P
expect_avail 62 "a hold with a time-to-live"
expect_avail 64 "the hold's time-to-live passed"

# app_id in the configuration: no CA_ call needed.
drv_start J "$ck_dir/app.conf"
drv J open
drv J login 12345678
drv_start K "$ck_conf" 7.1
drv K open
drv K state USER
drv K logout
drv J state PUBLIC
drv_quit J
drv_quit K
expect_avail 64 "the configuration's id"

# app_id_group: another uid in the group shares the login; outside it, not.
drv_start L "$ck_dir/group.conf" setpriv --groups=4242 -- 9.9
drv L open
drv L login 12345678
drv_start M "$ck_dir/group.conf" setpriv --reuid=65534 --regid=65534 \
	--groups=4242 -- 9.9
drv M open
drv M state USER
drv M sign ak
drv M read ad s3cr3t-value
drv_start N "$ck_dir/group.conf" "${nobody[@]}" 9.9
drv N open
drv N state PUBLIC
drv N count ak 0
grep -q "cannot attach to the shared login of application id 9.9 in scope group 4242: Operation not permitted" \
	"$ck_dir/N.err" ||
	fail "outside the group: expected a message naming the refusal, got: $(cat "$ck_dir/N.err")"
drv M logout
drv L state PUBLIC
drv_quit L
drv_quit M
drv_quit N

# vhsm: one shared session per host, named by the id whose login makes it.
drv_slot=1 drv_start V "$ck_conf" 5.5
drv V open
drv V login 12345678
expect_avail 62 "a vhsm login of id 5.5"
drv_slot=1 drv_start W "$ck_conf" 5.5
drv W open
drv W state USER
drv W makekey vk
drv W sign vk
drv_slot=1 drv_start X "$ck_conf"
drv X open
drv X login 12345678
drv X sign vk
expect_avail 62 "a process without the id joins the vhsm session"
drv V logout
drv W state PUBLIC
expect_avail 64 "the id's C_Logout ended the vhsm session for all"
drv_quit V
drv_quit W
drv_quit X
# A session without a name: a login with an id cannot name it.
drv_slot=1 drv_start Y "$ck_conf"
drv Y open
drv Y login 12345678
drv_slot=1 drv_start Z "$ck_conf" 5.5
drv Z open
drv Z state PUBLIC
drv Z login 12345678 CKR_USER_ANOTHER_ALREADY_LOGGED_IN
grep -q "the token's EP11 session cannot carry the name of application id 5.5" \
	"$ck_dir/Z.err" ||
	fail "vhsm without a name: expected a message naming the refusal, got: $(cat "$ck_dir/Z.err")"
drv_quit Y
drv_quit Z

ck_card_idle
ck_store_ok appid
ck_store_ok vh
echo "lib appid: ok"
