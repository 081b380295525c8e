#!/usr/bin/env bats
# jbdctl verify: every clean journal passes; every corruption class of
# e2fsprogs' j_corrupt_* tests is found, with the right journal block, exit
# 4; verify never writes.

load test_helper

setup() {
	require_tool debugfs
}

# Run verify on IMG (extra args before it) and check the image is untouched.
verify_unchanged() {
	local img=${!#}
	cp "$img" "$img.before"
	run jbdctl verify "$@"
	cmp "$img" "$img.before" || { echo "verify changed the image"; return 1; }
}

# The output names journal block B with an error of KIND.
assert_error_at() {
	[[ "$output" == *"journal block $1: "*"error: "*"($2)"* ]] ||
		{ echo "no $2 error at journal block $1 in:"; echo "$output"; return 1; }
}

@test "verify: every fixture is well formed (exit 0) and unchanged" {
	for name in $(fixture_names); do
		img=$(fixture "$name")
		verify_unchanged $(fixture_journal_opt "$name") "$img"
		[ "$status" -eq 0 ] || { echo "$name: status $status"; echo "$output"; return 1; }
		[[ "$output" == *"journal is well formed"* ]]
		rm -f "$img"*
	done
}

@test "verify: every corpus image is well formed (exit 0), fast commits included" {
	require_corpus
	for f in "$CORPUS"/*.crash.img.zst; do
		name=$(basename "$f" .img.zst)
		img=$(corpus_image "$name")
		opt=""
		[ "$name" = external-journal.crash ] &&
			opt="-j $(corpus_image external-journal.journal)"
		verify_unchanged $opt "$img"
		[ "$status" -eq 0 ] || { echo "$name: status $status"; echo "$output"; return 1; }
		[[ "$output" == *"journal is well formed"* ]]
		rm -f "$img"*
	done
}

@test "verify: the replay forecast is what replay then does" {
	img=$(fixture revoke)
	run -0 jbdctl verify --json "$img"
	jq -e '.verdict.transactions == 3 and .verdict.blocks_to_write == 3
		and .verdict.revoked == 1 and .verdict.filesystem_state == "clean"
		and .verdict.sequence_after == 5 and .errors == 0' <<<"$output"
	run -1 jbdctl replay "$img"
	[[ "$output" == *"replayed 3 transactions (sequence 1..3): 3 blocks written, 1 revoked, 0 skipped; journal sequence 1 -> 5"* ]]
}

@test "verify: a bad commit checksum (j_corrupt_commit_csum)" {
	img=$(fixture revoke)
	b=$(log_block "$img" 2 commit)
	flip "$img" $(( $(journal_offset "$img" "$b") + 0x10 ))
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" commit_checksum
	assert_error_at "$b" failed_commit
}

@test "verify: a commit with the wrong tid (j_corrupt_commit_tid)" {
	img=$(fixture revoke)
	b=$(log_block "$img" 2 commit)
	poke "$img" $(( $(journal_offset "$img" "$b") + 8 )) 00000063
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" log_break
}

@test "verify: a bad descriptor checksum (j_corrupt_descr_csum)" {
	img=$(fixture revoke)
	b=$(log_block "$img" 2 descriptor)
	flip "$img" $(( $(journal_offset "$img" "$b") + 1023 ))
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" descriptor_checksum
}

@test "verify: a bad revoke checksum (j_corrupt_revoke_csum)" {
	img=$(fixture revoke)
	b=$(log_block "$img" 3 revoke)
	flip "$img" $(( $(journal_offset "$img" "$b") + 1023 ))
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" revoke_checksum
}

@test "verify: a revoke r_count past the block (j_corrupt_revoke_rcount)" {
	img=$(fixture revoke)
	b=$(log_block "$img" 3 revoke)
	poke "$img" $(( $(journal_offset "$img" "$b") + 12 )) 00000800
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" revoke_count
}

@test "verify: a bad journal superblock checksum (j_corrupt_sb_csum)" {
	img=$(fixture revoke)
	flip "$img" $(( $(journal_offset "$img" 0) + 0x60 ))
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at 0 superblock_checksum
}

@test "verify: a bad journal superblock magic (j_corrupt_sb_magic)" {
	img=$(fixture revoke)
	poke "$img" "$(journal_offset "$img" 0)" 12345678
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at 0 superblock_magic
}

@test "verify: a corrupt logged data block (j_corrupt_journal_block)" {
	img=$(fixture revoke)
	d=$(log_block "$img" 2 descriptor)
	flip "$img" $(( $(journal_offset "$img" $(( d + 1 ))) + 100 ))
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at $(( d + 1 )) data_checksum
}

@test "verify: a corrupt external journal superblock (j_corrupt_ext_jnl_sb_csum)" {
	require_tool mke2fs
	jnl=$BATS_TEST_TMPDIR/ext.jnl
	mke2fs -q -F -O journal_dev,metadata_csum -b 4096 "$jnl" 4M >/dev/null 2>&1
	dumpe2fs -h "$jnl" 2>/dev/null | grep -q '^Checksum type: *crc32c'
	run -0 jbdctl verify "$jnl"
	flip "$jnl" $(( 1024 + 0x78 ))	# s_volume_name, covered by the checksum
	verify_unchanged "$jnl"
	[ "$status" -eq 4 ]
	[[ "$output" == *"error: "*"(external_superblock_checksum)"* ]]
}

@test "verify: a tag past the end of the filesystem names its descriptor" {
	img=$(fixture ext3-1k)
	b=$(log_block "$img" 1 descriptor)
	poke "$img" $(( $(journal_offset "$img" "$b") + 12 )) 00100000
	verify_unchanged "$img"
	[ "$status" -eq 4 ]
	assert_error_at "$b" tag_target_range
	[[ "$output" == *"replay would refuse: block 1048576 (Journal tag names a block outside the filesystem)"* ]]
}

@test "verify: an uncommitted tail is a note, not an error" {
	img=$(fixture uncommitted-tail)
	run -0 jbdctl verify --json "$img"
	jq -e '.errors == 0 and ([.problems[] | select(.kind == "log_end")] | length) == 1' <<<"$output"
}

@test "verify: a bad checksum in the torn tail is a note; a later commit makes it an error" {
	img=$(fixture revoke)	# T4 is uncommitted
	d=$(log_block "$img" 4 descriptor)
	flip "$img" $(( $(journal_offset "$img" $(( d + 1 ))) + 100 ))
	run -0 jbdctl verify --json "$img"
	jq -e '[.problems[] | select(.kind == "data_checksum")][0].severity == "info"' <<<"$output"
}

@test "verify --strict: a Hurd-written log trips the writer lint and fails" {
	img=$(fixture hurd-1k)
	run -0 jbdctl verify "$img"
	run -4 jbdctl verify --strict "$img"
	[[ "$output" == *"(lint_no_uuid)"* ]]
	[[ "$output" == *"(lint_commit_time)"* ]]
	[[ "$output" == *"(lint_descriptor_full)"* ]]
	[[ "$output" == *"(lint_max_transaction)"* ]]
}

@test "verify --json: problems name severity, block, sequence, kind and message" {
	img=$(fixture revoke)
	b=$(log_block "$img" 2 commit)
	flip "$img" $(( $(journal_offset "$img" "$b") + 0x10 ))
	run -4 jbdctl verify --json "$img"
	jq -e --argjson b "$b" '.version == 1 and (.superblock | type) == "object"
		and ([.problems[] | select(.kind == "commit_checksum")][0] |
		     .severity == "error" and .journal_block == $b and .sequence == 2
		     and (.message | length) > 0)
		and .verdict.filesystem_state == "clean with errors"
		and .verdict.failed_commit == 2' <<<"$output"
}

@test "verify -v: the notes are printed too; without -v they are only counted" {
	img=$(fixture uncommitted-tail)
	run -0 jbdctl verify "$img"
	[[ "$output" != *"info: "* ]]
	[[ "$output" == *"1 note"* ]]
	run -0 jbdctl verify -v "$img"
	# The torn tail in the words of the recovery verdict (issue 12).
	[[ "$output" == *"info: transaction 3 has no commit block and is not replayed (log_end)"* ]]
}
