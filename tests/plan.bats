#!/usr/bin/env bats
# The plan holds runs: consecutive blocks logged one after another in one
# transaction are one entry.  Whatever splits a run (a revoke, a later
# copy of one of its blocks, a bad checksum, the end of the filesystem),
# the result is e2fsck's, block for block, and the counts are those of
# a plan of one block an entry.  The logs are written by debugfs
# (jo -c, jw, jc; jw -r for revokes) on a csum-v3 ext4 with 1k blocks,
# where one descriptor holds up to 62 tags: a run of 50 blocks is one
# entry.  (debugfs leaves a transaction of several descriptors without
# its commit block.)  e2fsprogs covers the same rules in j_long_trans,
# j_long_revoke_trans and j_short_trans_recover; our fixtures that split
# runs are csum-v2-64bit (a revoke inside T1's run), ext3-1k (a later copy
# inside T1's run), multi-descr-1k (one transaction, several descriptors,
# so several runs) and revoke, each replayed against e2fsck's whole image
# in replay.bats, directly and with --buffered; replay.bats also has a bad
# copy at the end of a run.

load test_helper

setup() {
	require_tool debugfs
	require_tool mke2fs
	require_tool e2fsck
	img=$BATS_TEST_TMPDIR/runs.img
	mke2fs -q -F -t ext4 -b 1024 -J size=16 "$img" 64M
	head -c $((1024 * 50)) /dev/urandom > "$BATS_TEST_TMPDIR/data"
	head -c 1024 /dev/urandom > "$BATS_TEST_TMPDIR/one"
}

# Write the debugfs journal commands on stdin into $img.
journal() {
	{ echo 'jo -c'; cat; echo jc; } | debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
}

# Replay (directly, then with --buffered; exit STATUS, 1 if not given)
# and e2fsck from the same image: the images compared.
same_as_e2fsck() {
	cp "$img" "$img.e2fsck"
	run e2fsck -fy -E journal_only "$img.e2fsck"
	for opt in "" --buffered; do
		cp "$img" "$img.r"
		run "$JBDCTL" replay $opt "$img.r"
		[ "$status" -eq "${1:-1}" ] || { echo "$output"; return 1; }
		[ -z "$(image_diff "$img.e2fsck" "$img.r")" ] || {
			image_diff "$img.e2fsck" "$img.r"; return 1; }
	done
}

# In the replayed $img.r, block 40025 holds what $img held, and the blocks
# on either side hold the 25th and 27th blocks of the logged data.
only_40025_kept() {
	cmp <(dd if="$img.r" bs=1024 skip=40025 count=1 status=none) \
	    <(dd if="$img" bs=1024 skip=40025 count=1 status=none)
	cmp <(dd if="$img.r" bs=1024 skip=40024 count=1 status=none) \
	    <(dd if="$BATS_TEST_TMPDIR/data" bs=1024 skip=24 count=1 status=none)
	cmp <(dd if="$img.r" bs=1024 skip=40026 count=1 status=none) \
	    <(dd if="$BATS_TEST_TMPDIR/data" bs=1024 skip=26 count=1 status=none)
}

@test "plan: a revoke in the middle of a run: the rest of the run is replayed, as e2fsck does" {
	journal <<-EOF
		jw -b 40000-40049 $BATS_TEST_TMPDIR/data
		jw -r 40025
	EOF
	run -0 "$JBDCTL" replay -n "$img"
	assert_line "$img: would replay 2 transactions (sequence 1..2): 49 blocks to write, 1 revoked, 0 skipped; journal sequence 1 -> 4; the filesystem would be clean"
	same_as_e2fsck
	# The revoked block keeps what it held; its neighbours are logged data.
	only_40025_kept
}

@test "plan: a later copy of a block inside a run wins, as in e2fsck's replay" {
	journal <<-EOF
		jw -b 40000-40049 $BATS_TEST_TMPDIR/data
		jw -b 40025 $BATS_TEST_TMPDIR/one
		jw -b 40048-40049 $BATS_TEST_TMPDIR/data
	EOF
	run -0 "$JBDCTL" replay -n "$img"
	assert_line "$img: would replay 3 transactions (sequence 1..3): 50 blocks to write, 0 revoked, 0 skipped; journal sequence 1 -> 5; the filesystem would be clean"
	run -0 "$JBDCTL" verify "$img"
	same_as_e2fsck
	cmp <(dd if="$img.r" bs=1024 skip=40025 count=1 status=none) "$BATS_TEST_TMPDIR/one"
	# 40048 and 40049 now hold the data's first two blocks.
	cmp <(dd if="$img.r" bs=1024 skip=40048 count=2 status=none) \
	    <(head -c 2048 "$BATS_TEST_TMPDIR/data")
}

@test "plan: a bad copy in the middle of a run is skipped, the blocks on either side written, as e2fsck does" {
	journal <<-EOF
		jw -b 40000-40049 $BATS_TEST_TMPDIR/data
	EOF
	local j at
	j=$(debugfs -R "logdump -a" "$img" 2>/dev/null |
		sed -n 's/.*FS block 40025 logged at journal block \([0-9]*\) .*/\1/p')
	at=$(debugfs -R "bmap <8> $j" "$img" 2>/dev/null)
	# One byte of the copy's data: its tag checksum no longer matches.
	printf '\xff' | dd of="$img" bs=1 seek=$((at * 1024 + 100)) conv=notrunc status=none
	run -4 "$JBDCTL" replay -n "$img"
	[[ "$output" == *": 49 blocks to write, 0 revoked, 1 skipped;"* ]]
	# Replayed, and a full check needed (1 | 4).
	same_as_e2fsck 5
	[[ "$output" == *"checksum error in the logged copy of block 40025: not replayed"* ]]
	only_40025_kept
}

@test "plan: replay -v lists every block of a run with its own journal block" {
	journal <<-EOF
		jw -b 40000-40009 $BATS_TEST_TMPDIR/data
	EOF
	run -0 "$JBDCTL" replay -n -v "$img"
	# debugfs logdump says where each copy sits in the log.
	local want
	want=$(debugfs -R "logdump -a" "$img" 2>/dev/null |
		awk '/FS block [0-9]+ logged at journal block/ {
			printf "  block %s <- journal block %s (transaction 1)\n", $3, $8 }')
	[ "$(grep -c . <<< "$want")" -eq 10 ]
	[ "$(grep '^  block ' <<< "$output")" = "$want" ]
	run -0 "$JBDCTL" replay -n -v --json "$img"
	[ "$(jq '.blocks | length' <<< "$output")" -eq 10 ]
	[ "$(jq -r '.blocks[9] | "\(.fs_block) \(.journal_block)"' <<< "$output")" = \
	  "$(tail -1 <<< "$want" | awk '{ print $2, $6 }')" ]
}

@test "plan: a run that crosses the end of the filesystem is refused at its first block outside (exit 4, nothing written)" {
	journal <<-EOF
		jw -b 65528-65535 $BATS_TEST_TMPDIR/data
	EOF
	# The filesystem now ends inside the run.
	debugfs -w -R "ssv blocks_count 65533" "$img" >/dev/null 2>&1
	cp "$img" "$img.before"
	run -4 --separate-stderr "$JBDCTL" replay "$img"
	[ "$stderr" = "jbdctl: Journal tag names a block outside the filesystem while checking block 65533 before replaying '$img' (nothing written)" ]
	cmp "$img" "$img.before"
}

@test "plan: 200,000 consecutive blocks cost the plan a few entries: planned in 8000 KiB of address space" {
	require_plain_build
	# tests/limits.bats: 180,000 blocks every other one need more than this.
	local big=$BATS_TEST_TMPDIR/many.img last
	mke2fs -q -F -t ext4 -b 1024 -J size=256 \
		-E lazy_itable_init=1,lazy_journal_init=1 "$big" 1G >/dev/null 2>&1
	last=$(debugfs -R "bmap <8> 262143" "$big" 2>/dev/null)
	printf 'jo\njw -b %d-%d /dev/zero\njc\n' $((last + 1000)) $((last + 200999)) |
		debugfs -w -f - "$big" >/dev/null 2>&1
	run -0 bash -c "ulimit -v 8000; '$JBDCTL' replay -n '$big'"
	[[ "$output" == *": 200000 blocks to write, 0 revoked, 0 skipped;"* ]]
}
