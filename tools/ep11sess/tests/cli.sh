#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess's command line without a kernel: help, usage errors and bad
# filter values give exit code 0 or 2 and say what is wrong.
set -u
ep11sess=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
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
check "logout without filter" 2 'at least one of -id, -pid, -date or --apqn' logout
check "logout -force alone" 2 'at least one of' logout -force
check "missing value" 2 'requires an argument' show -pid
exit $failed
