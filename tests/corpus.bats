#!/usr/bin/env bats
# Oracle tests on the real-kernel crash images of the corpus (../shared/corpus, README.md
# and MANIFEST.tsv there): jbdctl against debugfs logdump, dumpe2fs -h and MANIFEST.tsv.
# Each test decompresses every image once, uses it, and deletes it.

load test_helper

load oracle_helper

setup() {
	require_corpus
	require_tool zstd
	require_tool debugfs
	require_tool dumpe2fs
	require_tool jq
}

# Every corpus image name (NAME for NAME.crash.img.zst).
corpus_names() {
	local f
	for f in "$CORPUS"/*.crash.img.zst; do
		basename "$f" .crash.img.zst
	done
}

# open_corpus NAME: decompress NAME.crash (and NAME.journal, its external journal, if there
# is one); set IMG and JNL ("" when the journal is internal).
open_corpus() {
	rm -f "$BATS_TEST_TMPDIR"/*.img
	IMG=$(corpus_image "$1.crash") || return 1
	JNL=""
	if [ -f "$CORPUS/$1.journal.img.zst" ]; then
		JNL=$(corpus_image "$1.journal") || return 1
	fi
}

@test "logdump --json lists what debugfs logdump -a lists, for every corpus image" {
	local name fail=0
	for name in $(corpus_names); do
		open_corpus "$name"
		check_logdump_json "$name" "$IMG" "$JNL" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump -a prints debugfs logdump -a's lines (without jbdctl's additions), for every corpus image" {
	local name fail=0
	for name in $(corpus_names); do
		open_corpus "$name"
		check_logdump_text "$name" "$IMG" "$JNL" -a || fail=1
	done
	[ "$fail" = 0 ]
}

@test "info prints every journal line of dumpe2fs -h, and info --json agrees with it, for every corpus image" {
	local name fail=0
	for name in $(corpus_names); do
		open_corpus "$name"
		check_info "$name" "$IMG" "$JNL" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump -b N prints debugfs logdump -b N's lines, for a logged block, a revoked block and the block bitmap of group 0, for every corpus image" {
	local name fail=0 blocks b t=$BATS_TEST_TMPDIR
	for name in $(corpus_names); do
		open_corpus "$name"
		# N: the first tag's block, the first revoked block (debugfs's own listing) and
		# group 0's block bitmap (dumpe2fs), which the kernel logs in every workload here:
		# -b on a block bitmap block itself makes debugfs print the bitmap line too.
		debugfs_logdump "$IMG" "$JNL" -a | awk "$DEBUGFS_CANON_AWK" >"$t/canon"
		blocks=$(awk '$1 == "B" && !b { print $3; b = 1 } $1 == "r" && !r { print $3; r = 1 }' "$t/canon")
		blocks="$blocks $(dumpe2fs "$IMG" 2>/dev/null | sed -n 's/^  Block bitmap at \([0-9]*\).*/\1/p' | head -1)"
		for b in $blocks; do
			check_logdump_text "$name" "$IMG" "$JNL" -b "$b" || fail=1
		done
	done
	[ "$fail" = 0 ]
}

# MANIFEST.tsv columns checked, each confirmed against debugfs logdump -a counts on every
# image (the test recomputes them from debugfs too, so a MANIFEST that means something else
# is reported as such, not as a jbdctl bug):
#   transactions     commit blocks in the log
#   journal_blocks   log length: end block - s_start, modulo the log area
#                    (Max transaction length - first block) when the log wraps
#   revoke_records   revoke records;  escaped: tags with the ESCAPE flag (0x1)
#   wraps            1 when the end block is below s_start
#   torn_tail        1 when the last transaction has no commit block
#   blocksize        dumpe2fs "Block size" (= the journal's here)
# Not checked: journal_features (the fast-commit row says "fast_commit(FEATURE_I5)", dumpe2fs
# "FEATURE_I5"; info is compared with dumpe2fs above), csum (follows from the features),
# fc_tags (debugfs's fast-commit "tag" lines; jbdctl logdump does not list the fast-commit
# area), size_mb, blocks_changed_by_replay and e2fsck_fn_rc (replay, not logdump).
MANIFEST_COLUMNS="transactions journal_blocks revoke_records escaped wraps torn_tail blocksize"

@test "logdump --json agrees with the MANIFEST.tsv columns that debugfs confirms, for every corpus image" {
	local name fail=0 t=$BATS_TEST_TMPDIR src
	for name in $(corpus_names); do
		open_corpus "$name"
		awk -F'\t' -v name="$name" -v cols="$MANIFEST_COLUMNS" '
			NR == 1 { for (i = 1; i <= NF; i++) { c = $i; sub(/^#/, "", c); idx[c] = i }; next }
			$1 == name { found = 1; n = split(cols, k, " ")
				for (i = 1; i <= n; i++) print k[i], (k[i] in idx ? $idx[k[i]] : "(no such column)") }
			END { if (!found) print "(no MANIFEST.tsv row for " name ")" }
		' "$CORPUS/MANIFEST.tsv" >"$t/want"
		src=$IMG
		[ -z "$JNL" ] || src=$JNL
		{ debugfs_logdump "$IMG" "$JNL" -a | awk "$DEBUGFS_CANON_AWK"; dumpe2fs -h "$src" 2>/dev/null; } |
			awk -v bs="$(dumpe2fs -h "$IMG" 2>/dev/null | sed -n 's/^Block size: *//p')" '
			function v(  s) { s = $0; sub(/^[^:]*: */, "", s); return s }
			BEGIN { first = 1 }
			$1 == "S" { start = $2 }  $1 == "C" { tx++; last = $2 }  $1 == "r" { rev++ }
			$1 == "D" || $1 == "R" { lastany = $2 }
			$1 == "B" && $5 % 2 == 1 { esc++ }  $1 == "E" { end = $3 }
			/^Max transaction length:/ { area = v() }  /^Journal first block:/ { first = v() }
			END {
				L = area - first
				print "transactions", tx + 0
				print "journal_blocks", ((end - start) % L + L) % L
				print "revoke_records", rev + 0
				print "escaped", esc + 0
				print "wraps", (end < start ? 1 : 0)
				print "torn_tail", (lastany != "" && lastany != last ? 1 : 0)
				print "blocksize", bs
			}' >"$t/debugfs"
		same "$name: MANIFEST.tsv vs debugfs logdump -a / dumpe2fs counts" "$t/want" "$t/debugfs" || fail=1
		run --separate-stderr jbdctl logdump --json ${JNL:+-j "$JNL"} "$IMG"
		printf '%s\n' "$stderr" >"$t/err"
		ran "$name: logdump --json" "$status" "$t/err" 0 || { fail=1; continue; }
		printf '%s\n' "$output" | jq -r '
			(.superblock.max_transaction_length - .superblock.first) as $L
			| "transactions \([.transactions[] | select(.commit != null)] | length)",
			  "journal_blocks \((((.end.journal_block - .start) % $L) + $L) % $L)",
			  "revoke_records \([.transactions[].revokes | length] | add // 0)",
			  "escaped \([.transactions[].blocks[] | select(any(.flags[]; . == "escape"))] | length)",
			  "wraps \(if .end.journal_block < .start then 1 else 0 end)",
			  "torn_tail \(if (.transactions | length) > 0 and .transactions[-1].commit == null then 1 else 0 end)",
			  "blocksize \(.superblock.blocksize)"' >"$t/got"
		same "$name: MANIFEST.tsv vs logdump --json" "$t/want" "$t/got" || fail=1
	done
	[ "$fail" = 0 ]
}

@test "logdump -a -c and logdump --json -a -c exit 0 and find every checksum good, for every corpus image" {
	local name fail=0 t=$BATS_TEST_TMPDIR rc
	for name in $(corpus_names); do
		open_corpus "$name"
		rc=0
		jbdctl logdump -a -c ${JNL:+-j "$JNL"} "$IMG" >"$t/text" 2>"$t/err" || rc=$?
		ran "$name: logdump -a -c" "$rc" "$t/err" 0 || fail=1
		if grep -n 'checksum BAD' "$t/text" | head -5 | grep .; then
			echo "=== $name: logdump -a -c reports a bad checksum (above)"
			fail=1
		fi
		rc=0
		jbdctl logdump --json -a -c ${JNL:+-j "$JNL"} "$IMG" >"$t/json" 2>"$t/err" || rc=$?
		ran "$name: logdump --json -a -c" "$rc" "$t/err" 0 || { fail=1; continue; }
		# The kernel wrote these logs and e2fsck replays them cleanly: no verdict may be
		# false; with v2/v3 every descriptor, revoke, data block, commit and the superblock
		# must have been verified (true), with v1 every commit block's crc32.
		jq -r '
			[paths(objects and has("checksum_ok") and .checksum_ok == false)] as $bad
			| ($bad[] | "checksum_ok false at \(map(tostring) | join("."))"),
			  (if .superblock.checksum_type == "crc32c" then
				(select(.superblock.checksum_ok != true) | "superblock checksum_ok \(.superblock.checksum_ok)"),
				(.transactions[] | .sequence as $s
				  | ((.descriptor_blocks[], .revoke_blocks[], .blocks[], (.commit // empty))
				     | select(.checksum_ok != true)
				     | "sequence \($s): journal block \(.journal_block) checksum_ok \(.checksum_ok)"))
			   elif .superblock.checksum_type == "crc32" then
				(.transactions[] | select(.commit != null and .commit.checksum_ok != true)
				  | "sequence \(.sequence): commit checksum_ok \(.commit.checksum_ok)")
			   else empty end)' "$t/json" >"$t/bad"
		if [ -s "$t/bad" ]; then
			echo "=== $name: logdump --json -a -c checksum verdicts"
			head -20 "$t/bad"
			fail=1
		fi
	done
	[ "$fail" = 0 ]
}
