#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ep11sess status --prometheus: promtool (Debian's prometheus) accepts the
# text; --output writes it atomically where Debian's
# prometheus-node-exporter's textfile collector reads it, and a scrape
# with curl shows the card's, the APQNs' and the histogram's samples with
# node_textfile_scrape_error 0 (a malformed file beside it makes it 1);
# --watch keeps the file fresh and stops on SIGTERM; bad option
# combinations exit 2 with a message.
set -eu
. "$(dirname "$0")/admin-lib.sh"
admin_need
exporter=/usr/bin/prometheus-node-exporter
promtool=/usr/bin/promtool
for f in "$exporter" "$promtool" /usr/bin/curl; do
	[ -x "$f" ] || { echo "SKIP: $f not installed (scripts/install-deps.sh)"; exit 77; }
done
out=$admin_state/out
dir=$admin_state/textfile
mkdir -p "$dir"
ctl="$admin_emu ctl $admin_state/card0b.ctl"

# Usage errors.
check_usage() {
	local what=$1 pattern=$2 rc=0
	shift 2
	"$ep11sess" status "$@" >"$out" 2>&1 || rc=$?
	expect "$what: exit code" 2 "$rc"
	expect_grep "$what: message" "$pattern" "$out"
}
check_usage "--watch without --output" '--watch needs --output FILE' --prometheus --watch 5
check_usage "--watch 0" '--watch wants seconds from 1 to 86400' --prometheus --output "$dir/x.prom" --watch 0
check_usage "--watch text" "--watch wants seconds from 1 to 86400, not 'soon'" --prometheus --output "$dir/x.prom" --watch soon
check_usage "--output alone" '--output and --watch go with --prometheus' --output "$dir/x.prom"
check_usage "--json --prometheus" '--json and --prometheus exclude each other' --json --prometheus
check_usage "--output a directory" 'wants a file name, not a directory' --prometheus --output "$dir/"

admin_start_card 0b 24,25 8
serial=$(admin_attr card0b serialnr)
admin_hold "$admin_state/h1" 2 0b.0024
admin_hold "$admin_state/h2" 1 0b.0024
admin_kill "$admin_held"
admin_wait_attr card0b sessions_held 2
$ctl foreign-login 1 >/dev/null || fail "foreign-login 1"

"$ep11sess" status --prometheus >"$out"
"$promtool" check metrics <"$out" >"$out.lint" 2>&1 ||
	{ cat "$out.lint"; cat "$out"; fail "promtool check metrics refused the output"; }
l="card=\"0b\",serial=\"$serial\""
expect_grep "card max" "^ep11sess_card_max_sessions\\{$l\\} 8\$" "$out"
expect_grep "card available" "^ep11sess_card_available_sessions\\{$l\\} 5\$" "$out"
expect_grep "card unaccounted" "^ep11sess_card_unaccounted_sessions\\{$l\\} 1\$" "$out"
expect_grep "card held" "^ep11sess_card_held_sessions\\{$l\\} 2\$" "$out"
expect_grep "reclaims" "^ep11sess_apqn_reclaims_total\\{card=\"0b\",domain=\"0024\",serial=\"$serial\"\\} 1\$" "$out"
expect_grep "histogram +Inf" "^ep11sess_apqn_reclaim_latency_seconds_bucket\\{card=\"0b\",domain=\"0024\",serial=\"$serial\",le=\"\\+Inf\"\\} 1\$" "$out"
expect_grep "histogram count" "^ep11sess_apqn_reclaim_latency_seconds_count\\{card=\"0b\",domain=\"0024\",serial=\"$serial\"\\} 1\$" "$out"
expect "one TYPE line per family" 0 "$(grep '^# TYPE' "$out" | sort | uniq -d | wc -l)"

"$ep11sess" status --prometheus --output "$dir/ep11sess.prom"
expect "no temporary file left" "ep11sess.prom" "$(ls "$dir")"
expect "file mode" 644 "$(stat -c %a "$dir/ep11sess.prom")"

ip link set lo up
"$exporter" --web.listen-address=127.0.0.1:9109 --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$dir" \
	>"$admin_state/exporter.log" 2>&1 &
admin_pids="$admin_pids $!"
scrape() { curl -sf http://127.0.0.1:9109/metrics >"$admin_state/scrape"; }
vmt_poll 20 scrape || { cat "$admin_state/exporter.log"; fail "node_exporter did not answer on 127.0.0.1:9109"; }
expect_grep "scrape: no textfile error" '^node_textfile_scrape_error 0$' "$admin_state/scrape"
expect_grep "scrape: unaccounted" "^ep11sess_card_unaccounted_sessions\\{$l\\} 1\$" "$admin_state/scrape"
expect_grep "scrape: histogram" "^ep11sess_apqn_reclaim_latency_seconds_count\\{card=\"0b\",domain=\"0024\",serial=\"$serial\"\\} 1\$" "$admin_state/scrape"
expect_grep "scrape: logins" "^ep11sess_apqn_logins_total\\{card=\"0b\",domain=\"0024\",serial=\"$serial\"\\} 3\$" "$admin_state/scrape"

# The check can fail: a malformed file beside it is a scrape error.
printf 'ep11sess_broken{card="0b" 1\n' >"$dir/broken.prom"
scrape
expect_grep "scrape with a malformed file" '^node_textfile_scrape_error 1$' "$admin_state/scrape"
rm "$dir/broken.prom"

# --watch keeps the file fresh, SIGTERM ends it with status 0.
"$ep11sess" status --prometheus --output "$dir/ep11sess.prom" --watch 1 2>"$admin_state/watch.err" &
watch=$!
$ctl foreign-login 2 >/dev/null || fail "foreign-login 2"
fresh() {
	scrape && grep -Eq "^ep11sess_card_unaccounted_sessions\\{$l\\} 3\$" "$admin_state/scrape"
}
vmt_poll 15 fresh || { cat "$admin_state/scrape"; fail "--watch 1: the scraped file did not show 3 unaccounted within 15 s"; }
expect_grep "after --watch: no textfile error" '^node_textfile_scrape_error 0$' "$admin_state/scrape"
kill -TERM "$watch"
rc=0; wait "$watch" || rc=$?
expect "--watch after SIGTERM: exit code" 0 "$rc"
expect "no temporary file left after --watch" "ep11sess.prom" "$(ls "$dir")"
echo "fleet prometheus: ok"
