#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A dump of 5000 sessions across many netlink messages: every session
# exactly once, the same set the holders logged in.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
out=$admin_state/out

admin_start_card 0b 24 4096
admin_start_card 0c 24 4096
admin_hold "$admin_state/h1" 2500 0b.0024
admin_hold "$admin_state/h2" 2500 0c.0024
sed -n 's/^session //p' "$admin_state/h1" "$admin_state/h2" | sort >"$admin_state/want"
expect "sessions logged in" 5000 "$(wc -l <"$admin_state/want")"

"$ep11sess" show --json >"$out"
jq -r '.sessions[].id' "$out" | sort >"$admin_state/got"
expect "sessions dumped" 5000 "$(wc -l <"$admin_state/got")"
expect "distinct sessions dumped" 5000 "$(sort -u "$admin_state/got" | wc -l)"
cmp -s "$admin_state/want" "$admin_state/got" ||
	fail "the dump differs from the sessions logged in: $(diff "$admin_state/want" "$admin_state/got" | head -5)"
"$ep11sess" show --apqn 0c.0024 --json >"$out"
expect "filtered dump" 2500 "$(jq '.sessions | length' "$out")"
"$ep11sess" status --json >"$out"
expect "card 0b held" 2500 "$(jq '.apqns[] | select(.apqn == "0b.0024") | .held' "$out")"
expect "card 0b available" 1596 "$(jq '.apqns[] | select(.apqn == "0b.0024") | .available_sessions' "$out")"
echo "admin dump: 5000 sessions, each once: ok"
