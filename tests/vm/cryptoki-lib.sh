# SPDX-License-Identifier: GPL-2.0
#
# Shell functions of libcryptoki's VM tests (t-lib-*.sh): an emulated card
# whose two domains share one wrapping key, a cryptoki.conf naming tokens
# on it, and the checks every such test ends with (no EP11 session left on
# the card).  Failure reporting and the card's helpers are core-lib.sh's.

. "$(dirname "${BASH_SOURCE[0]}")/core-lib.sh"

ck_lib=$EP11VM_REPO/build/meson/lib/libcryptoki.so.0
ck_dir=$core_state
ck_conf=$ck_dir/cryptoki.conf
# The token's first APQN, as lib-api and core-sess name it.
ck_apqn=1e.0024
ck_max=64

ck_need() {
	core_need
	# make userspace always builds it: missing, it is a failure.
	[ -e "$ck_lib" ] || fail "$ck_lib not built (make userspace)"
}

# ck_need_cmd CMD PACKAGE: the Debian package's program is installed.
ck_need_cmd() {
	command -v "$1" >/dev/null ||
		fail "expected $1 (Debian package $2; scripts/install-deps.sh installs it)"
}

# ck_start_card: card 1e, domains 0x24 and 0x25 with one wrapping key (a
# token spans both), $ck_max sessions.
ck_start_card() {
	head -c 32 /dev/urandom >"$core_state/wrapping-key-0024"
	cp "$core_state/wrapping-key-0024" "$core_state/wrapping-key-0025"
	chmod 600 "$core_state"/wrapping-key-*
	core_start_card 1e 24,25 "$ck_max"
}

# ck_conf_global [KEY=VALUE...]: starts $ck_conf with its [global] section.
ck_conf_global() {
	local kv
	{
		echo "[global]"
		echo "store_dir = $ck_dir"
		case " $* " in
		*" pin_kdf_iterations="*) ;;
		*) echo "pin_kdf_iterations = 10000" ;;
		esac
		for kv in "$@"; do
			echo "${kv%%=*} = ${kv#*=}"
		done
	} >"$ck_conf"
	export EP11SESS_CRYPTOKI_CONF=$ck_conf
}

# ck_conf_slot ID LABEL MODE: adds a token on both domains of card 1e,
# its store $ck_dir/LABEL.db.
ck_conf_slot() {
	cat >>"$ck_conf" <<-EOF

	[slot $1]
	label = $2
	apqns = 1e.0024, 1e.0025
	mode = $3
	store = $ck_dir/$2.db
	EOF
}

# ck_store_ok LABEL: SQLite finds the token's store sound.
ck_store_ok() {
	local got
	got=$(sqlite3 "$ck_dir/$1.db" 'PRAGMA integrity_check' 2>&1)
	[ "$got" = ok ] || fail "$1.db: PRAGMA integrity_check: expected 'ok', got '$got'"
}

# ck_card_idle: every EP11 session the tests made is logged out: the
# kernel holds none and has none pending on either domain, and the card's
# own count agrees.
ck_card_idle() {
	local a got
	for a in 1e.0024 1e.0025; do
		core_wait_field "$a" kernel_held 0 ||
			fail "$a: expected the kernel to hold no session at the end, got $(core_field "$a" kernel_held)"
		got=$(core_field "$a" pending)
		[ "$got" = 0 ] || fail "$a: expected no pending logout at the end, got $got"
	done
	got=$(core_ctl 1e sessions)
	[ "$got" = "max $ck_max available $ck_max" ] ||
		fail "card1e sessions: expected 'max $ck_max available $ck_max', got '$got'"
}

# ck_run WHAT CMD...: runs CMD with its output in $ck_dir/out; on failure
# shows the output and fails naming WHAT.
ck_run() {
	local what=$1 rc=0
	shift
	"$@" >"$ck_dir/out" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		cat "$ck_dir/out"
		fail "$what: expected success, got exit status $rc from: $*"
	fi
}
