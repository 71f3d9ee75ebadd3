#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SoftHSM2 (Debian softhsm2 2.6) as a differential peer: p11-diff runs one
# scripted sequence of PKCS#11 calls against libcryptoki (the driver and an
# emulated card) and against SoftHSM2 as Debian configures it, one line
# "<step> <result>" per call.  Where the two differ, the difference must
# be one listed in tests/vm/p11-diff.expected, each explained in
# docs/pkcs11-softhsm-differences.md; a new difference, or an expected one
# that went away, fails the test.
set -eu
. "$(dirname "$0")/cryptoki-lib.sh"
ck_need
diff_prog=$EP11VM_REPO/build/meson/tests/vm/p11-diff
[ -x "$diff_prog" ] || { echo "SKIP: $diff_prog not built"; exit 77; }
softhsm=/usr/lib/softhsm/libsofthsm2.so
[ -e "$softhsm" ] || fail "expected $softhsm (Debian package softhsm2)"
expected=$EP11VM_REPO/tests/vm/p11-diff.expected
doc=$EP11VM_REPO/docs/pkcs11-softhsm-differences.md

ck_start_card
ck_conf_global
ck_conf_slot 0 p11diff default
d=$ck_dir

# SoftHSM as Debian ships it (library.reset_on_fork left at false), its
# tokens in the test's directory.
mkdir -p "$d/softhsm-tokens"
cat >"$d/softhsm2.conf" <<-CONF
	directories.tokendir = $d/softhsm-tokens
	objectstore.backend = file
	log.level = ERROR
	slots.removable = false
CONF

"$diff_prog" "$ck_lib" p11diff >"$d/libcryptoki.out" 2>"$d/libcryptoki.err" ||
	{ cat "$d/libcryptoki.err"; fail "p11-diff against libcryptoki: expected exit status 0"; }
SOFTHSM2_CONF=$d/softhsm2.conf "$diff_prog" "$softhsm" p11diff >"$d/softhsm.out" \
	2>"$d/softhsm.err" ||
	{ cat "$d/softhsm.err"; fail "p11-diff against SoftHSM2: expected exit status 0"; }
for m in libcryptoki softhsm; do
	if [ "$(tail -n 1 "$d/$m.out")" != "end of the sequence" ]; then
		cat "$d/$m.out" "$d/$m.err"
		fail "p11-diff against $m: expected the whole sequence, it stopped early"
	fi
done

# One line per step whose results differ, in libcryptoki's order.
awk 'NR == FNR { k = $1; $1 = ""; soft[k] = substr($0, 2); order[++n] = k; next }
     { k = $1; $1 = ""; v = substr($0, 2); seen[k] = 1
       if (!(k in soft)) print k ": softhsm (no such step), libcryptoki " v
       else if (soft[k] != v) print k ": softhsm " soft[k] ", libcryptoki " v }
     END { for (i = 1; i <= n; i++)
		if (!(order[i] in seen))
			print order[i] ": softhsm " soft[order[i]] ", libcryptoki (no such step)" }' \
	"$d/softhsm.out" "$d/libcryptoki.out" >"$d/differences"
grep -Ev '^(#|$)' "$expected" >"$d/expected" || true

# Every expected difference is explained in the document.
while IFS=: read -r name _; do
	grep -q "\`$name\`" "$doc" ||
		fail "p11-diff.expected lists $name, expected docs/pkcs11-softhsm-differences.md to explain it"
done <"$d/expected"

if ! diff -u "$d/expected" "$d/differences" >"$d/delta"; then
	echo "--- the whole sequence, SoftHSM2 | libcryptoki:"
	paste -d '|' "$d/softhsm.out" "$d/libcryptoki.out" | sed 's/^/  /'
	echo "--- expected differences (-) against those found (+):"
	cat "$d/delta"
	fail "libcryptoki and SoftHSM2: expected only the differences of p11-diff.expected"
fi
echo "$(wc -l <"$d/differences") differences, all expected and explained"
ck_card_idle
echo "softhsm differential: ok"
