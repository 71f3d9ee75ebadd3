#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess status: per APQN the card's Max and Available Sessions as
# pkcsep11_session prints them, held, pending and reclaimed; --json,
# --apqn, --cached; unprivileged callers get the cached counts; a card
# that cannot answer has its counts marked stale, not shown as current;
# usage errors and an unknown APQN give their exit codes; each domain's
# wrapping key verification pattern, as the card tells it.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
out=$admin_state/out

admin_start_card 0b 24,25 16
# A session spans APQNs with the same wrapping key: one domain, two cards.
admin_start_card 0c 24 8
admin_hold "$admin_state/hold" 2 0b.0024 0c.0024

"$ep11sess" status >"$out"
cat "$out"
expect_grep "status names every APQN" '^APQN 0b\.0024:$' "$out"
expect_grep "status names every APQN" '^APQN 0b\.0025:$' "$out"
expect_grep "status names every APQN" '^APQN 0c\.0024:$' "$out"
expect "APQNs listed" 3 "$(grep -c '^APQN ' "$out")"
expect "0b.0024 block" "  Max Sessions:        16
  Available Sessions:  14
  Held:                2 (card: 2)
  Pending Logouts:     0" "$(sed -n '/^APQN 0b.0024:/,/^APQN/p' "$out" | sed -n 2,5p)"
expect "0c.0024 available" "  Available Sessions:  6" "$(sed -n '/^APQN 0c.0024:/,$p' "$out" | sed -n 3p)"
expect "0b.0025 block: the card's count, nothing held here" "  Available Sessions:  14
  Held:                0 (card: 2)" "$(sed -n '/^APQN 0b.0025:/,/^APQN/p' "$out" | sed -n 3,4p)"

"$ep11sess" status --json >"$out"
jq -e . "$out" >/dev/null || fail "status --json: expected valid JSON, got $(cat "$out")"
expect "json APQNs" 3 "$(jq '.apqns | length' "$out")"
expect "json 0b.0025 available" 14 "$(jq '.apqns[] | select(.apqn == "0b.0025") | .available_sessions' "$out")"
expect "json 0c.0024 held" 2 "$(jq '.apqns[] | select(.apqn == "0c.0024") | .held' "$out")"
expect "json 0b.0025 cached" false "$(jq '.apqns[] | select(.apqn == "0b.0025") | .cached' "$out")"

# Each domain's wrapping key verification pattern, as the card tells it.
for a in 0b.0024 0b.0025 0c.0024; do
	w=$("$admin_emu" ctl "$admin_state/card${a%.*}.ctl" status | sed -n "s/^domain ${a#*.} .* wkid \([0-9a-f]*\)\$/\1/p")
	[ ${#w} = 32 ] || fail "no WKID of $a in the emulator's status"
	expect "json $a wkid" "$w" "$(jq -r ".apqns[] | select(.apqn == \"$a\") | .wkid" "$out")"
	"$ep11sess" status --apqn "$a" >"$out.txt"
	expect_grep "text $a wkid" "^  Wrapping Key:        $w\$" "$out.txt"
	as_nobody "$ep11sess" status --apqn "$a" >"$out.txt"
	expect_grep "nobody sees the $a wkid" "^  Wrapping Key:        $w\$" "$out.txt"
done

# The emulated card counts the requests it answered and its firmware's
# time on them; a status that asks card 0c adds to both.
emu_count() { "$admin_emu" ctl "$admin_state/card0c.ctl" status | sed -n "s/^$1 \([0-9]*\)\$/\1/p"; }
r0=$(emu_count requests) t0=$(emu_count firmware_ns)
"$ep11sess" status --apqn 0c.0024 >/dev/null
r1=$(emu_count requests) t1=$(emu_count firmware_ns)
[ -n "$r0" ] && [ -n "$t0" ] || fail "no request counters in the emulator's status"
[ "$r1" -gt "$r0" ] || fail "the emulator counted no request for a status that asked it ($r0 then $r1)"
[ "$t1" -gt "$t0" ] || fail "the emulator's firmware time did not grow ($t0 then $t1 ns)"

admin_kill "$admin_held"
admin_wait_attr 0b.0024 sessions_held 0
"$ep11sess" -status --apqn 0b.0024 >"$out" 2>&1 && fail "'-status' is no command: expected a failure"
"$ep11sess" status -apqn 0b.0024 >"$out"
cat "$out"
expect "--apqn lists one APQN" 1 "$(grep -c '^APQN ' "$out")"
expect_grep "available back after the kill" '^  Available Sessions:  16$' "$out"
expect_grep "reclaimed" '^  Reclaimed:           2 \(last in [1-9][0-9]* us\)$' "$out"

# Asked about 0b.0024, the kernel asked card 0b only: 0c's counts are
# still those read before the kill.
"$ep11sess" status --cached --apqn 0c.0024 >"$out"
expect_grep "--apqn 0b.0024 left card 0c unasked" 'Available Sessions:  6 \(as last read\)' "$out"
"$ep11sess" status --apqn 0c.0024 >/dev/null

# Unprivileged: the counts as last read, marked so.
as_nobody "$ep11sess" status --apqn 0c.0024 >"$out"
expect_grep "nobody sees cached counts" 'Available Sessions:  8 \(as last read\)' "$out"
"$ep11sess" status --cached --json >"$out"
expect "--cached" true "$(jq '.apqns[0].cached' "$out")"
expect "--cached: counts" '"cached"' "$(jq '.apqns[0].counts' "$out")"

# A card that cannot answer: its counts are the last read, marked stale;
# the other card's are fresh.
admin_ctl 0c offline 24
"$ep11sess" status >"$out"
cat "$out"
expect "0c.0024 stale" "  Available Sessions:  8 (stale: the card did not answer; as last read)" \
	"$(sed -n '/^APQN 0c.0024:/,$p' "$out" | sed -n 3p)"
expect "0b.0024 fresh" "  Available Sessions:  16" "$(sed -n '/^APQN 0b.0024:/,/^APQN/p' "$out" | sed -n 3p)"
"$ep11sess" status --json >"$out"
expect "json 0c.0024 counts" '"stale" true' "$(jq -r '.apqns[] | select(.apqn == "0c.0024") | "\"\(.counts)\" \(.cached)"' "$out")"
expect "json 0b.0024 counts" '"fresh" false' "$(jq -r '.apqns[] | select(.apqn == "0b.0024") | "\"\(.counts)\" \(.cached)"' "$out")"
time=$(jq -r .time "$out")
[[ $time =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]] ||
	fail "status --json time: expected RFC 3339 UTC with nanoseconds, got '$time'"
admin_ctl 0c online 24

# A card that hangs (its emulator stopped): once its round trip timed out
# its counts are stale; the other card's are fresh.
timeout_param=/sys/module/ep11sess/parameters/request_timeout_ms
old_timeout=$(cat "$timeout_param")
echo 1000 >"$timeout_param"
kill -STOP "$admin_pid_0c"
rc=0; "$ep11sess" status --json >"$out" || rc=$?
kill -CONT "$admin_pid_0c"
echo "$old_timeout" >"$timeout_param"
expect "stuck card: exit code" 0 "$rc"
expect "stuck card: 0c.0024 counts" '"stale"' "$(jq '.apqns[] | select(.apqn == "0c.0024") | .counts' "$out")"
expect "stuck card: 0b.0024 counts" '"fresh"' "$(jq '.apqns[] | select(.apqn == "0b.0024") | .counts' "$out")"

# With --apqn only that card is asked: the stuck card sees no request (its
# failed round trips do not grow) and does not delay the answer.
"$ep11sess" status --cached --json >"$out"
errors0=$(jq '.apqns[] | select(.apqn == "0c.0024") | .errors' "$out")
echo 1000 >"$timeout_param"
kill -STOP "$admin_pid_0c"
start=$(date +%s%N)
rc=0; "$ep11sess" status --apqn 0b.0024 --json >"$out" || rc=$?
took=$((($(date +%s%N) - start) / 1000000))
kill -CONT "$admin_pid_0c"
echo "$old_timeout" >"$timeout_param"
echo "status --apqn 0b.0024 with card 0c stopped: $took ms"
expect "--apqn with a stuck card: exit code" 0 "$rc"
expect "--apqn with a stuck card: 0b.0024 counts" '"fresh"' "$(jq '.apqns[] | select(.apqn == "0b.0024") | .counts' "$out")"
"$ep11sess" status --cached --json >"$out"
expect "--apqn 0b.0024: card 0c not asked (its failed round trips)" "$errors0" \
	"$(jq '.apqns[] | select(.apqn == "0c.0024") | .errors' "$out")"

rc=0; "$ep11sess" status --apqn 0b.0026 >"$out" 2>&1 || rc=$?
expect "unknown APQN exit code" 5 "$rc"
expect_grep "unknown APQN message" 'no such APQN 0b.0026' "$out"
rc=0; "$ep11sess" status --apqn 0b >"$out" 2>&1 || rc=$?
expect "malformed APQN exit code" 2 "$rc"
expect_grep "malformed APQN message" 'wants CARD.DOMAIN' "$out"
rc=0; "$ep11sess" status --bogus >"$out" 2>&1 || rc=$?
expect "unknown option exit code" 2 "$rc"
rc=0; "$ep11sess" frobnicate >"$out" 2>&1 || rc=$?
expect "unknown command exit code" 2 "$rc"
expect_grep "unknown command message" "unknown command 'frobnicate'" "$out"
"$ep11sess" --help >"$out"
expect_grep "--help lists the commands" '^  monitor ' "$out"
for c in status show logout monitor; do
	"$ep11sess" $c -h >"$out" || fail "$c -h: expected exit 0"
	expect_grep "$c -h" "^Usage: ep11sess $c" "$out"
done
echo "admin status: ok"
