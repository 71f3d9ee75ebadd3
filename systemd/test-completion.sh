#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion of ep11-cardemu offers its options, ctl first, the
# control commands after "ctl SOCKET", and nothing after an option that
# takes a number.
set -u
. "$1"
failed=0

complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_ep11_cardemu
	echo "${COMPREPLY[*]}"
}

check() {
	local what=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: expected '$want', got '$got'"
		failed=1
	fi
}

check "ctl as the first word" "ctl" ep11-cardemu c
check "no ctl later" "" ep11-cardemu --threads 2 c
check "options" "--max-sessions" ep11-cardemu --card 0b --m
check "no completion of a number" "" ep11-cardemu --max-sessions ""
check "control commands" "status sessions stop" ep11-cardemu ctl /x.ctl s
check "online, offline" "offline online" ep11-cardemu ctl /x.ctl o
check "nothing after the command" "" ep11-cardemu ctl /x.ctl offline ""
exit $failed
