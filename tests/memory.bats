#!/usr/bin/env bats
# Memory bounded independently of the block size: a 64 KiB-block journal
# whose descriptor names 200 blocks (12.5 MiB of data; a full descriptor
# could name 4,096, 256 MiB) is read, verified and replayed under
# ulimit -v 64 MiB, and the replay ends as e2fsck's.  The log is written
# by debugfs (jo -c, jw, jc).

load test_helper

setup() {
	# ASan reserves terabytes of address space: ulimit -v cannot apply to it.
	if ldd "$JBDCTL" 2>/dev/null | grep -q libasan; then
		skip "address-space limits do not apply to a sanitizer build"
	fi
	require_tool debugfs
	require_tool mke2fs
	require_tool e2fsck
	img=$BATS_TEST_TMPDIR/b64.img
	mke2fs -q -F -t ext4 -b 65536 "$img" 256M 2>/dev/null ||
		skip "mke2fs cannot make 64 KiB blocks here"
	head -c $((65536 * 200)) /dev/urandom > "$BATS_TEST_TMPDIR/data"
	printf 'jo -c\njw -b 3000-3199 %s\njc\n' "$BATS_TEST_TMPDIR/data" |
		debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
}

limited() {
	( ulimit -v 65536 && "$@" )
}

@test "memory: logdump -a, verify and replay -n of a 64 KiB-block journal in 64 MiB" {
	run limited "$JBDCTL" logdump -a "$img"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *"No magic number at block 203: end of journal."* ]]
	run limited "$JBDCTL" verify "$img"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_line "$img: replay: would replay 1 transaction (sequence 1..1): 200 blocks to write, 0 revoked, 0 skipped; journal sequence 1 -> 3; the filesystem would be clean"
	run limited "$JBDCTL" replay -n "$img"
	[ "$status" -eq 0 ]
}

@test "memory: replay of a 64 KiB-block journal in 64 MiB ends as e2fsck's" {
	cp "$img" "$img.e2fsck"
	run e2fsck -fy -E journal_only "$img.e2fsck"
	for opt in "" --buffered; do
		cp "$img" "$img.r"
		run limited "$JBDCTL" replay $opt "$img.r"
		[ "$status" -eq 1 ] || { echo "$output"; return 1; }
		[ -z "$(image_diff "$img.e2fsck" "$img.r")" ]
	done
}

@test "memory: a logged block map whose triple indirect block names itself is decoded in 64 MiB" {
	# A copy of inode 12 whose i_block[14] (triple indirect) is block X
	# and, in the same transaction, a copy of X naming X in all its 256
	# slots: the map names X 256^3 times.  verify --strict and logdump
	# --decode once kept an owner per mention (1.5 GB) and ran out of
	# memory; the walk now expands each tree block once.  (No e2fsck here: its pass 1 walks the 256^3 mentions.)
	local self=$BATS_TEST_TMPDIR/selfmap.img x=5000 at blk off n
	mke2fs -q -F -t ext3 -b 1024 "$self" 8M
	printf 'hello\n' > "$BATS_TEST_TMPDIR/small"
	debugfs -w -R "write $BATS_TEST_TMPDIR/small f" "$self" >/dev/null 2>&1
	at=$(debugfs -R "imap <12>" "$self" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
	read -r blk off <<< "$at"
	[ -n "$blk" ]
	dd if="$self" of="$BATS_TEST_TMPDIR/both" bs=1024 skip="$blk" count=1 2>/dev/null
	printf '\x88\x13\x00\x00' | dd of="$BATS_TEST_TMPDIR/both" bs=1 \
		seek=$((off + 40 + 14 * 4)) conv=notrunc 2>/dev/null	# 5000
	for n in $(seq 256); do printf '\x88\x13\x00\x00'; done >> "$BATS_TEST_TMPDIR/both"
	printf 'jo\njw -b %s,%s %s\njc\n' "$blk" "$x" "$BATS_TEST_TMPDIR/both" |
		debugfs -w -f - "$self" >/dev/null 2>&1
	run limited "$JBDCTL" verify --strict "$self"
	[[ "$output" != *"Memory allocation failed"* ]] || { echo "$output"; return 1; }
	assert_line "$self: replay: would replay 1 transaction (sequence 1..1): 2 blocks to write, 0 revoked, 0 skipped; journal sequence 1 -> 3; the filesystem would be clean"
	run limited "$JBDCTL" logdump --decode -b "$x" "$self"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# X is both inode 12's triple indirect block and (through itself) its
	# data: the walk expands each tree block once and names the first.
	[[ "$output" == *"role: indirect block of inode 12"* ]] || { echo "$output"; return 1; }
}
