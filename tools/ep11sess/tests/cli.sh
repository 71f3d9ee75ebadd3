#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess's command line without a kernel: help, usage errors and bad
# filter values give exit code 0 or 2 and say what is wrong; a missing
# capability gives 4 and names it; the missing module gives 3 and says
# how to load it; with --json every error is a JSON object on stdout.
set -u
ep11sess=$1
out=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$out" "$tmp"' EXIT
failed=0

# check WHAT CODE PATTERN ARGS...
check() {
	local what=$1 want=$2 pattern=$3 rc=0
	shift 3
	"$ep11sess" "$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $what: expected exit $want, got $rc: $(cat "$out")"
		failed=1
	elif ! grep -Eq -- "$pattern" "$out"; then
		echo "FAIL: $what: expected output matching '$pattern', got: $(cat "$out")"
		failed=1
	fi
}

check "no command" 2 '^Usage: ep11sess <command>'
check "--help" 0 '^  logout +log sessions out' --help
check "-h" 0 '^Usage: ep11sess <command>' -h
check "unknown command" 2 "unknown command 'list'" list
check "status --help" 0 '^Usage: ep11sess status' status --help
check "show -h" 0 '^Usage: ep11sess show' show -h
check "logout -help" 0 '^Usage: ep11sess logout' logout -help
check "monitor --help" 0 '^Usage: ep11sess monitor' monitor --help
check "unknown option" 2 'Usage: ep11sess show' show --bogus
check "stray argument" 2 "unexpected argument 'x'" show x
check "short id" 2 '32 hex digits' show -id 0123
check "id not hex" 2 '32 hex digits' logout -id 0123456789abcdef0123456789abcdeg
check "pid 0" 2 'wants a process id' show -pid 0
check "pid text" 2 'wants a process id' logout --pid abc
check "date format" 2 'yyyy/mm/dd' show -date 2026-11-22
check "date impossible" 2 'yyyy/mm/dd' show -date 2026/13/40
check "date that does not exist" 2 "a day that exists.*'2026/02/31'" show -date 2026/02/31
check "no leap day in 2025" 2 'a day that exists' logout -date 2025/02/29
check "date with a sign" 2 'a day that exists' show -date 2026/+1/01
check "date before 1970" 2 'a day that exists' show -date 1969/12/31
check "apqn without domain" 2 'CARD.DOMAIN' status --apqn 0b
check "apqn domain too big" 2 'CARD.DOMAIN' show --apqn 0b.0100
check "apqn card too big" 2 'CARD.DOMAIN' show -apqn 100.0024
check "missing value" 2 "option '-pid' requires an argument" show -pid
check "unknown option named" 2 "unknown option '--bogus'" status --bogus

# pkcsep11_session has no -pin: neither has ep11sess.
check "show -pin is no option" 2 "unknown option '-pin'" show -pin 12345678
check "logout -pin is no option" 2 "unknown option '-pin'" logout -pin 12345678

# --version: the tool's and the family's versions, without a module.
check "--version" 0 '^ep11sess [0-9]+\.[0-9]+ \(generic netlink family "ep11sess" version 1\)$' --version

# logout: --all takes no filter; a bad slot.
check "logout --all with a filter" 2 '--all means every session' logout --all -pid 1
check "logout -slot text" 2 "-slot wants a slot number 0-255, not 'x'" logout -slot x
check "logout -slot too big" 2 'slot number 0-255' logout -slot 256

# monitor: bad filters.
check "monitor --event unknown" 2 "no event 'bogus'" monitor --event login,bogus
check "monitor --apqn bad" 2 'CARD.DOMAIN' monitor --apqn 0b

# vhsmpin/fipspin: without libcryptoki's configuration, what it needs.
EP11SESS_CRYPTOKI_CONF=$tmp/none.conf check "vhsmpin without configuration" 5 \
	"libcryptoki is not configured: $tmp/none.conf does not exist.*\\[slot 3\\].*mode = vhsm" \
	vhsmpin -slot 3
printf '[slot 1]\nlabel = prod\napqns = 0b.0024\nmode = vhsm\n' >"$tmp/one.conf"
EP11SESS_CRYPTOKI_CONF=$tmp/one.conf check "fipspin of a missing slot" 5 \
	"has no slot 2: a fips token needs a section \\[slot 2\\]" fipspin -slot 2
EP11SESS_CRYPTOKI_CONF=$tmp/one.conf check "fipspin of a vhsm slot" 1 \
	"slot 1 \\(prod\\) is in vhsm mode; the FIPS PIN is for fips tokens" fipspin -slot 1
check "vhsmpin without -slot" 2 '-slot N is required' vhsmpin

# Capabilities are checked before anything else: as nobody, without any.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --"
	check_as_nobody() {
		local what=$1 want=$2 pattern=$3 rc=0
		shift 3
		$nobody "$ep11sess" "$@" >"$out" 2>&1 || rc=$?
		if [ "$rc" != "$want" ] || ! grep -Eq -- "$pattern" "$out"; then
			echo "FAIL: $what: expected exit $want and '$pattern', got $rc: $(cat "$out")"
			failed=1
		fi
	}
	check_as_nobody "logout without capabilities" 4 \
		'logout: permission denied: this process lacks CAP_SYS_ADMIN and CAP_NET_ADMIN' logout
	check_as_nobody "logout -slot 4 -force without capabilities" 4 \
		'lacks CAP_SYS_ADMIN and CAP_NET_ADMIN' logout -slot 4 -force
	check_as_nobody "logout --dry-run needs only CAP_SYS_ADMIN" 4 \
		'lacks CAP_SYS_ADMIN;' logout --dry-run
	check_as_nobody "monitor without capabilities" 4 \
		'monitor: permission denied: this process lacks CAP_SYS_ADMIN;.*group ep11' monitor
fi

# Without the module: how to load it, exit 3; pkcsep11_session's habits
# (logout with no filter, -force, -slot N -force) are accepted.
if [ ! -d /sys/module/ep11sess ]; then
	check "status without the module" 3 "not loaded.*(modprobe ep11sess|insmod build/kmod/driver/ep11sess\\.ko)" status
	if [ "$(id -u)" = 0 ]; then
		check "logout with no filter is accepted" 3 'not loaded' logout
		check "logout -force is accepted" 3 'not loaded' logout -force
		check "logout -slot 4 -force is accepted" 3 'not loaded' logout -slot 4 -force
	fi
	check "a day that exists is accepted" 3 'not loaded' show -date 2024/02/29
fi

# --json: errors are one JSON object on stdout, nothing on stderr.
check_json() {
	local what=$1 want=$2 msg=$3 rc=0
	shift 3
	"$ep11sess" "$@" >"$out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $what: expected exit $want, got $rc: $(cat "$out" "$tmp/err")"
		failed=1
	elif [ -s "$tmp/err" ]; then
		echo "FAIL: $what: expected nothing on stderr, got: $(cat "$tmp/err")"
		failed=1
	elif ! python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
e = o["error"]
assert e["exit_code"] == int(sys.argv[2]), e
assert sys.argv[3] in e["message"], e
assert set(e) == {"command", "message", "errno", "errno_name", "exit_code"}, e
' "$out" "$want" "$msg" 2>"$tmp/py"; then
		echo "FAIL: $what: expected {\"error\": ...} with exit_code $want and '$msg', got: $(cat "$out") ($(tail -1 "$tmp/py"))"
		failed=1
	fi
}
check_json "--json: bad id" 2 '32 hex digits' show -id 12 --json
check_json "--json: unknown option" 2 "unknown option '--bogus'" status --json --bogus
check_json "--json: bad event" 2 "no event 'x'" monitor --json --event x
if [ ! -d /sys/module/ep11sess ]; then
	check_json "--json: no module" 3 'not loaded' status --json
fi
# status --prometheus: option combinations refused before the kernel is asked.
check "--watch without --output" 2 '--watch needs --output FILE' status --prometheus --watch 5
check "--watch 0" 2 '--watch wants seconds from 1 to 86400' status --prometheus --output /tmp/x.prom --watch 0
check "--watch too long" 2 "--watch wants seconds from 1 to 86400, not '86401'" status --prometheus --output /tmp/x.prom --watch 86401
check "--output without --prometheus" 2 '--output and --watch go with --prometheus' status --output /tmp/x.prom
check "--json --prometheus" 2 '--json and --prometheus exclude each other' status --json --prometheus
check "--output a directory" 2 'wants a file name, not a directory' status --prometheus --output /tmp/
check "--output empty" 2 '--output wants a file name' status --prometheus --output ''
exit $failed
