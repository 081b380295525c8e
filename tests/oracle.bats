#!/usr/bin/env bats
# Oracle tests: jbdctl against e2fsprogs (debugfs logdump, dumpe2fs -h) and against the
# fixtures' .facts (written by the recipes by construction), for every fixture.
# Expected values never come from jbdctl's own output.

load test_helper

load oracle_helper

# --- facts -------------------------------------------------------------------------------
# Canonical lines from NAME.facts (syntax: fixtures/README), for the live log (want=live)
# or for the "stale" history of the clean fixture (want=stale):
#   J maxlen N first F | F feature | S start seq | E clean        (live only)
#   T seq commit|uncommitted | B seq fsblk | X seq fsblk (escaped) | r seq fsblk (revoke)
#   K seq sec nsec                       "commit sec S nsec N" (jlogwrite fixtures only)
#   LD seq J tags | LB seq J fsblk esc | LR seq J recs... | LC seq J | LE reason J
#                                        "log" lines (jlogwrite fixtures only)
#   H seq fsblk sha256                   "copy" lines
# Not checked here: "fs" (checked by the recipes against dumpe2fs), "note", and the replay
# facts "end", "after", "final", "unchanged" (jbdctl logdump does not replay).
# The file is read twice: first to know which tids are stale ("copy" lines do not say).
FACTS_AWK='
NR == FNR { sub(/#.*/, ""); if ($1 == "sequence" && $NF == "stale") stale[$2] = 1; next }
{ sub(/#.*/, "") }
NF == 0 { next }
function out(tid, line) { if ((want == "stale") == ((tid in stale) ? 1 : 0)) print line }
function list(from,  i, s) {
	s = ""
	for (i = from; i <= NF; i++) if ($i != "uncommitted" && $i != "stale") s = s " " $i
	return s
}
$1 == "journal" { out("", "J maxlen " $4 " first " $6); next }
$1 == "features" { for (i = 2; i <= NF; i++) if ($i != "(none)") out("", "F " $i); next }
$1 == "start" { out("", "S " $2 " " $4); next }
$1 == "state" && $2 == "clean" { out("", "E clean"); next }
$1 == "sequence" {
	n = split(list(4), b, " ")
	if ($3 == "block") for (i = 1; i <= n; i++) out($2, "B " $2 " " b[i])
	else if ($3 == "revoke") for (i = 1; i <= n; i++) out($2, "r " $2 " " b[i])
	else if ($3 == "escaped") for (i = 1; i <= n; i++) out($2, "X " $2 " " b[i])
	else if ($3 == "commit") {
		out($2, "T " $2 " commit")
		if ($4 == "sec") out($2, "K " $2 " " $5 " " $7)
	} else if ($3 == "uncommitted") out($2, "T " $2 " uncommitted")
	else print "? " $0
	next
}
$1 == "log" && $3 == "end" { out("", "LE " $4 " " $2); next }
$1 == "log" && $3 == "descriptor" { out($4, "LD " $4 " " $2 " " $6); next }
$1 == "log" && $3 == "data" { out($4, "LB " $4 " " $2 " " $5 " " ($6 == "escaped" ? 1 : 0)); next }
$1 == "log" && $3 == "revoke" { out($4, "LR " $4 " " $2 list(5)); next }
$1 == "log" && $3 == "commit" { out($4, "LC " $4 " " $2); next }
$1 == "log" { print "? " $0; next }
$1 == "copy" { out($2, "H " $2 " " $3 " " $5); next }
'

# The same from jbdctl logdump --json; $mode "live" (whole document) or "stale" (only the
# transactions: used on logdump -O), $times and $layout say whether the facts have K and
# L* lines (debugfs-written fixtures have neither: debugfs stamps the wall clock).
JBDCTL_FACTS_JQ='
def esc: if any(.flags[]; . == "escape") then 1 else 0 end;
def tx: .sequence as $s
  | ("T \($s) " + (if .commit == null then "uncommitted" else "commit" end)),
    (.blocks[] | "B \($s) \(.fs_block)", (select(esc == 1) | "X \($s) \(.fs_block)")),
    (.revokes[] | "r \($s) \(.fs_block)"),
    (select($times and .commit != null) | "K \($s) \(.commit.commit_sec) \(.commit.commit_nsec)"),
    (select($layout)
      | (.descriptor_blocks[] | "LD \($s) \(.journal_block) \(.tags)"),
        (.blocks[] | "LB \($s) \(.journal_block) \(.fs_block) \(esc)"),
        (.revokes as $r | .revoke_blocks[] | .journal_block as $j
          | "LR \($s) \($j)" + ([$r[] | select(.journal_block == $j) | " \(.fs_block)"] | add // "")),
        (.commit // empty | "LC \($s) \(.journal_block)"));
if $mode == "stale" then .transactions[] | tx
else
  "J maxlen \(.superblock.maxlen) first \(.superblock.first)",
  (.superblock.features[] | "F \(.)"),
  "S \(.start) \(.start_sequence)",
  (if .end.reason == "clean" then "E clean" else empty end),
  (select($layout and .end.reason != "clean") | "LE \(.end.reason) \(.end.journal_block)"),
  (.transactions[] | tx)
end
'

# facts_lines NAME live|stale: canonical facts lines, sorted, without the H (copy) lines.
facts_lines() {
	awk -v want="$2" "$FACTS_AWK" "$FIXTURES/$1.facts" "$FIXTURES/$1.facts" |
		grep -v '^H ' | LC_ALL=C sort
}

# logged_copies: "H seq fsblk sha256" for every logged block in logdump --json -c (stdin).
logged_copies() {
	jq -r '.transactions[] | .sequence as $s | .blocks[] | "\($s) \(.fs_block) \(.data)"' |
		perl -MDigest::SHA=sha256_hex -ne \
			'my ($t, $b, $h) = split; print "H $t $b ", sha256_hex(pack("H*", $h)), "\n"' |
		LC_ALL=C sort
}

setup() {
	require_tool debugfs
	require_tool dumpe2fs
	require_tool jq
}

@test "logdump --json lists what debugfs logdump -a lists, for every fixture" {
	local name fail=0
	for name in $(fixture_names); do
		open_fixture "$name"
		check_logdump_json "$name" "$IMG" "$JNL" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump -a prints debugfs logdump -a's lines (without jbdctl's additions), for every fixture" {
	local name fail=0
	for name in $(fixture_names); do
		open_fixture "$name"
		check_logdump_text "$name" "$IMG" "$JNL" -a || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump -b N prints debugfs logdump -b N's lines, for every fixture" {
	local name fail=0 blocks b
	for name in $(fixture_names); do
		open_fixture "$name"
		# N: the first tag's block and the first revoked block in debugfs's own listing;
		# a clean journal lists none, so block 1 (never logged) is used there.
		debugfs_logdump "$IMG" "$JNL" -a | awk "$DEBUGFS_CANON_AWK" >"$BATS_TEST_TMPDIR/canon"
		blocks=$(awk '$1 == "B" && !b { print $3; b = 1 } $1 == "r" && !r { print $3; r = 1 }' \
			"$BATS_TEST_TMPDIR/canon")
		for b in ${blocks:-1}; do
			check_logdump_text "$name" "$IMG" "$JNL" -b "$b" || fail=1
		done
	done
	[ "$fail" = 0 ]
}

@test "info prints every journal line of dumpe2fs -h, and info --json agrees with it, for every fixture" {
	local name fail=0
	for name in $(fixture_names); do
		open_fixture "$name"
		check_info "$name" "$IMG" "$JNL" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump --json lists the transactions, blocks, revokes and commits the .facts list, for every fixture" {
	local name fail=0 t=$BATS_TEST_TMPDIR times layout
	for name in $(fixture_names); do
		[ -f "$FIXTURES/$name.facts" ] || { echo "=== $name: no $name.facts"; fail=1; continue; }
		open_fixture "$name"
		times=false layout=false
		grep -q '^sequence [0-9]* commit sec ' "$FIXTURES/$name.facts" && times=true
		grep -q '^log ' "$FIXTURES/$name.facts" && layout=true
		facts_lines "$name" live >"$t/want"
		run --separate-stderr jbdctl logdump --json "${JOPT[@]}" "$IMG"
		printf '%s\n' "$stderr" >"$t/err"
		ran "$name: logdump --json" "$status" "$t/err" 0 || { fail=1; continue; }
		printf '%s\n' "$output" |
			jq -r --arg mode live --argjson times $times --argjson layout $layout \
				"$JBDCTL_FACTS_JQ" | LC_ALL=C sort >"$t/got"
		same "$name: logdump --json vs $name.facts" "$t/want" "$t/got" || fail=1
		# "stale" history (clean fixture: s_start 0) is only visible with logdump -O.
		facts_lines "$name" stale >"$t/want"
		[ -s "$t/want" ] || continue
		run --separate-stderr jbdctl logdump -O --json "${JOPT[@]}" "$IMG"
		printf '%s\n' "$stderr" >"$t/err"
		ran "$name: logdump -O --json" "$status" "$t/err" 0 || { fail=1; continue; }
		printf '%s\n' "$output" |
			jq -r --arg mode stale --argjson times $times --argjson layout $layout \
				"$JBDCTL_FACTS_JQ" | LC_ALL=C sort >"$t/got"
		same "$name: logdump -O --json vs the stale lines of $name.facts" "$t/want" "$t/got" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump --json -a -c gives every logged block the content the .facts copy lines say, and no bad checksum, for every fixture" {
	require_tool perl
	local name fail=0 t=$BATS_TEST_TMPDIR mode opt rc
	for name in $(fixture_names); do
		[ -f "$FIXTURES/$name.facts" ] || { echo "=== $name: no $name.facts"; fail=1; continue; }
		open_fixture "$name"
		for mode in live stale; do
			awk -v want=$mode "$FACTS_AWK" "$FIXTURES/$name.facts" "$FIXTURES/$name.facts" |
				{ grep '^H ' || true; } | LC_ALL=C sort >"$t/want"
			[ -s "$t/want" ] || continue
			opt=()
			[ $mode = stale ] && opt=(-O)
			rc=0
			jbdctl logdump "${opt[@]}" --json -a -c "${JOPT[@]}" "$IMG" >"$t/json" 2>"$t/err" || rc=$?
			ran "$name: logdump ${opt[*]:+${opt[*]} }--json -a -c" "$rc" "$t/err" 0 || { fail=1; continue; }
			logged_copies <"$t/json" >"$t/got"
			same "$name: logged contents (sha256) vs the copy lines of $name.facts" \
				"$t/want" "$t/got" || fail=1
			# The recipes verify every checksum of the log they wrote (jlogwrite.py
			# verify, see fixtures/README): no verdict may be false.
			jq -r '[paths(objects and has("checksum_ok") and .checksum_ok == false)][]
				| "checksum_ok false at \(map(tostring) | join("."))"' "$t/json" >"$t/bad"
			if [ -s "$t/bad" ]; then
				echo "=== $name: logdump ${opt[*]:+${opt[*]} }--json -a -c checksum verdicts"
				head -20 "$t/bad"
				fail=1
			fi
		done
	done
	[ "$fail" = 0 ]
}
