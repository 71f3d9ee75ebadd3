#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion of ep11sess offers the commands, each command's
# options, and nothing after an option that takes a value.
set -u
. "$1"
failed=0

# complete WORDS...: the completions of the last word.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_ep11sess
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

check "commands" "status show" ep11sess s
check "all commands" "status show logout monitor vhsmpin fipspin --help --version" ep11sess ""
check "logout options" "-force" ep11sess logout -f
check "show options" "-id -pid -date --apqn -slot --json --help" ep11sess show ""
check "logout's own options" "--all --apqn" ep11sess logout --a
check "logout --dry-run" "--dry-run" ep11sess logout --d
check "monitor --event names" "login logout lost" ep11sess monitor --event lo
check "vhsmpin options" "-slot --stdin --help" ep11sess vhsmpin ""
check "status options" "--cached" ep11sess status --c
check "status --prometheus" "--prometheus" ep11sess status --p
check "nothing after --watch" "" ep11sess status --prometheus --output f --watch ""
check "monitor options" "--json" ep11sess monitor --j
check "monitor filters" "--apqn --event --json --help" ep11sess monitor --
check "no completion of a pid" "" ep11sess logout -pid ""
check "no completion for an unknown command" "" ep11sess frob ""
exit $failed
