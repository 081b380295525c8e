#!/usr/bin/env bats
# The fast-commit area: logdump, info, verify and replay's refusals, on the
# real-kernel fast-commit crash images of the corpus and on copies of them
# with one field changed.
#
# Expected values come from debugfs logdump (the record lines), dumpe2fs -h
# (the fast-commit length), MANIFEST.tsv (fc_tags) and, for the changed
# copies, from the kernel's scan rules (fs/ext4/fast_commit.c
# ext4_fc_replay_scan): a tail whose crc or tid is wrong ends the scan; the
# records since the last good tail are not replayed; when no fast commit is
# complete before that, the kernel's recovery fails (the mount is refused).

load test_helper

# The fast-commit images of the corpus: NAME=path of the compressed image.
fc_images() {
	echo "fast-commit.crash=$CORPUS/fast-commit.crash.img.zst"
	echo "fast-commit-13.crash=$CORPUS/fast-commit-kernel/fast-commit-13.crash.img.zst"
	echo "fast-commit-mkdir-13.crash=$CORPUS/fast-commit-kernel/fast-commit-mkdir-13.crash.img.zst"
}

fc_image() {
	local out="$BATS_TEST_TMPDIR/$1.img"
	zstd -q -dc "$2" > "$out" || return 1
	echo "$out"
}

# debugfs logdump's fast-commit "tag" lines.  debugfs prints a name with %s
# although it is not NUL-ended: the byte after it (the low byte of the next
# record's tag, then its high byte 0) shows up before the closing quote.
# Such control bytes are removed.
debugfs_fc_lines() {
	debugfs -n -R logdump "$1" 2>/dev/null |
		sed -n '/^\*\*\* Fast Commit Area \*\*\*$/,$p' | grep '^tag ' |
		LC_ALL=C sed 's/[[:cntrl:]]*"$/"/'
}

# jbdctl's record lines without what it adds after two spaces.
jbdctl_fc_lines() {
	jbdctl logdump "$@" | grep '^tag ' | sed 's/  (block .*$//'
}

# Byte offset in IMG of byte OFF of journal block JBLK.
jbyte() {
	echo $(( $(journal_offset "$1" "$2") + $3 ))
}

@test "logdump: the fast-commit records are debugfs logdump's, for every corpus fast-commit image" {
	require_corpus
	local line name src img
	for line in $(fc_images); do
		name=${line%%=*} src=${line#*=}
		img=$(fc_image "$name" "$src")
		diff <(debugfs_fc_lines "$img") <(jbdctl_fc_lines "$img") ||
			{ echo "$name differs"; return 1; }
	done
}

@test "logdump --json: the fast-commit records, as many as MANIFEST.tsv's fc_tags, all replayed, tails good" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	want=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "fc_tags") c = i; next }
		$1 == "fast-commit" { print $c }' "$CORPUS/MANIFEST.tsv")
	run -0 jbdctl logdump --json "$img"
	fc=$(jq -c '.fast_commit' <<<"$output")
	assert_equal "$(jq '.records | length' <<<"$fc")" "$want"
	assert_equal "$(jq '.replay_records' <<<"$fc")" "$want"
	assert_equal "$(jq '.sequence' <<<"$fc")" 4
	assert_equal "$(jq '.fast_commits' <<<"$fc")" "$(jq '[.records[] | select(.tag == "TAIL")] | length' <<<"$fc")"
	assert_equal "$(jq '[.records[] | select(.tag == "TAIL") | .checksum_ok and .good] | all' <<<"$fc")" true
	assert_equal "$(jq '[.records[] | .replay] | all' <<<"$fc")" true
	assert_equal "$(jq -r '.end.reason' <<<"$fc")" bad_record
	assert_equal "$(jq '.first_block, .blocks' <<<"$fc" | tr '\n' ' ')" "1025 15 "
}

@test "logdump: a journal without fast commits has no fast-commit part" {
	img=$(fixture revoke)
	run -0 jbdctl logdump --json "$img"
	assert_equal "$(jq '.fast_commit' <<<"$output")" null
	run -0 jbdctl logdump "$img"
	[[ "$output" != *"Fast Commit Area"* ]]
}

@test "info: the fast-commit length is dumpe2fs -h's" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	want=$(dumpe2fs -h "$img" 2>/dev/null | grep '^Fast commit length:')
	run -0 jbdctl info "$img"
	assert_line "$want"
}

@test "verify: forecasts the fast-commit replay of the corpus image" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	run -0 jbdctl verify --json "$img"
	assert_equal "$(jq '.replay.fast_commit_records, .replay.fast_commits' <<<"$output" | tr '\n' ' ')" "37 9 "
}

# The third fast commit's tail (journal block 1027, record at offset 188; the
# crc is the tail's second word, at 188 + 4 + 4) made wrong.
@test "bad third tail crc: the scan stops there, the first two fast commits (11 records) replay" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	flip "$img" "$(jbyte "$img" 1027 196)"
	run -0 jbdctl logdump "$img"
	[[ "$output" == *"tag TAIL, tid 4  (block 1027, offset 188, crc 0x"*" BAD, not replayed)"* ]]
	assert_line "Fast-commit scan ends at block 1027, offset 188: tail of another transaction or with a bad checksum (tag 8, length 3904)"
	assert_line "Replay takes 11 records of 2 fast commits (transaction 4)."
	run -0 jbdctl logdump -O --json "$img"
	assert_equal "$(jq '.fast_commit.records | length' <<<"$output")" 37
	assert_equal "$(jq '[.fast_commit.records[] | select(.replay)] | length' <<<"$output")" 11
	run -0 jbdctl logdump -O "$img"
	assert_equal "$(grep -c '^tag .*, not replayed)$' <<<"$output")" 26
	run -0 jbdctl verify -v --json "$img"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_tail") | "\(.severity) \(.journal_block)"' <<<"$output")" "info 1027"
	assert_equal "$(jq '.replay.fast_commit_records' <<<"$output")" 11
}

@test "bad first tail crc: the kernel's recovery fails; logdump and verify say so, replay refuses and writes nothing" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	flip "$img" "$(jbyte "$img" 1025 391)"
	run -4 jbdctl logdump "$img"
	assert_line "The kernel's recovery fails on this area: jbdctl replay refuses the journal."
	run -4 jbdctl verify --json "$img"
	assert_equal "$(jq -r '[.problems[] | select(.severity == "error") | .kind] | join(" ")' <<<"$output")" "fc_tail fc_recovery_fails"
	assert_equal "$(jq '.replay.would_refuse' <<<"$output")" true
	cp "$img" "$img.orig"
	run -4 --separate-stderr jbdctl replay "$img"
	[[ "$stderr" == "jbdctl: Fast-commit area is corrupt where the kernel's recovery fails while reading the fast-commit area of '$img' (nothing written)" ]]
	cmp "$img" "$img.orig"
	run -4 jbdctl replay -n "$img"
}

@test "hostile record length: the scan ends at it, the fast commits before it replay" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	# First record of block 1026 (an INODE): length 0xffff, past the block.
	poke "$img" "$(jbyte "$img" 1026 2)" ffff
	run -0 jbdctl logdump "$img"
	assert_line "Fast-commit scan ends at block 1026, offset 0: not a valid record (tag 6, length 65535)"
	assert_line "Replay takes 6 records of 1 fast commit (transaction 4)."
	run -0 jbdctl verify -v --json "$img"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_bad_record") | .severity' <<<"$output")" info
}

@test "HEAD of another transaction: stale fast commits, nothing replays" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	poke "$img" "$(jbyte "$img" 1025 8)" 03000000	# HEAD tid 3
	run -0 jbdctl logdump --json "$img"
	assert_equal "$(jq -r '.fast_commit | "\(.end.reason) \(.replay_records)"' <<<"$output")" "other_tid 0"
}
