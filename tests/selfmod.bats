#!/usr/bin/env bats
# A log that rewrites the journal's own metadata is refused before the
# first write (exit 4, nothing written): a tag naming an indirect block
# (block-mapped journal) or an extent-tree block (extent-mapped journal)
# of the journal inode, or a logged copy of the inode-table block holding
# the journal inode with another size, flags or block map.  Replayed, such
# a log would leave a journal that cannot be opened again, and a re-run
# after a power cut would fail.  The logs are written by debugfs (jo, jw,
# jc), the images by mke2fs and tune2fs.

load test_helper

setup() {
	require_tool debugfs
	require_tool mke2fs
	require_tool tune2fs
}

# log IMG "BLOCKS" FILE [jo options]: one committed transaction logging
# BLOCKS with the contents of FILE.
log() {
	printf 'jo %s\njw -b %s %s\njc\n' "${4:-}" "$2" "$3" |
		debugfs -w -f - "$1" >/dev/null 2>&1
	dumpe2fs -h "$1" 2>/dev/null | grep -q needs_recovery
}

# refused IMG MESSAGE: replay exits 4 naming the block, and writes nothing.
refused() {
	cp "$1" "$1.orig"
	run -4 jbdctl replay "$1"
	[[ "$output" == *"$2"*"(nothing written)"* ]] || { echo "$output"; return 1; }
	cmp "$1" "$1.orig"
	run -4 jbdctl replay -n "$1"
}

@test "selfmod: a tag naming an indirect block of a block-mapped journal inode is refused" {
	img=$BATS_TEST_TMPDIR/ind.img
	mke2fs -q -F -t ext3 -b 1024 "$img" 8M
	ind=$(debugfs -R "stat <8>" "$img" 2>/dev/null | tr ',' '\n' |
		sed -n 's/.*(IND):\([0-9]*\).*/\1/p' | head -1)
	[ -n "$ind" ]
	log "$img" "$ind" /dev/zero
	refused "$img" "Journal tag names an indirect or extent block of the journal inode while checking block $ind"
}

@test "selfmod: a tag naming an extent-tree block of the journal inode is refused" {
	img=$BATS_TEST_TMPDIR/etb.img
	mke2fs -q -F -t ext4 -O ^has_journal -b 1024 -N 256 "$img" 8M
	# Fragment the free space so that the journal needs a tree.
	yes | head -c 4096 > "$BATS_TEST_TMPDIR/f4k"
	for i in $(seq 1 200); do echo "write $BATS_TEST_TMPDIR/f4k f$i"; done |
		debugfs -w -f - "$img" >/dev/null 2>&1
	for i in $(seq 1 2 200); do echo "rm f$i"; done |
		debugfs -w -f - "$img" >/dev/null 2>&1
	tune2fs -J size=1 "$img" >/dev/null
	etb=$(debugfs -R "stat <8>" "$img" 2>/dev/null | tr ',' '\n' |
		sed -n 's/.*(ETB[0-9]*):\([0-9]*\).*/\1/p' | head -1)
	[ -n "$etb" ]
	log "$img" "$etb" /dev/zero -c
	refused "$img" "Journal tag names an indirect or extent block of the journal inode while checking block $etb"
}

# The inode-table block holding inode 8 and the offset of the inode in it.
itable_block() {
	debugfs -R "imap <8>" "$1" 2>/dev/null |
		sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p'
}

@test "selfmod: a logged inode-table block that changes the journal inode's size is refused" {
	img=$BATS_TEST_TMPDIR/itb.img
	mke2fs -q -F -t ext4 -b 1024 "$img" 8M
	read -r blk off < <(itable_block "$img")
	dd if="$img" of="$BATS_TEST_TMPDIR/itb" bs=1024 skip="$blk" count=1 status=none
	poke "$BATS_TEST_TMPDIR/itb" $((off + 4)) 00000800	# i_size: 512 KiB
	log "$img" "$blk" "$BATS_TEST_TMPDIR/itb" -c
	refused "$img" "Journal tag rewrites the journal inode's size, flags or block map while checking block $blk"
}

@test "selfmod: ... or its flags, or its block map" {
	img=$BATS_TEST_TMPDIR/itb.img
	mke2fs -q -F -t ext4 -b 1024 "$img" 8M
	read -r blk off < <(itable_block "$img")
	cp "$img" "$img.base"
	for field in $((0x20)) $((0x28 + 12 + 8)); do	# i_flags; first extent's start
		cp "$img.base" "$img"
		dd if="$img" of="$BATS_TEST_TMPDIR/itb" bs=1024 skip="$blk" count=1 status=none
		flip "$BATS_TEST_TMPDIR/itb" $((off + field))
		log "$img" "$blk" "$BATS_TEST_TMPDIR/itb" -c
		refused "$img" "Journal tag rewrites the journal inode's size, flags or block map"
	done
}

@test "selfmod: a logged inode-table block that keeps the journal inode as it is replays" {
	img=$BATS_TEST_TMPDIR/same.img
	mke2fs -q -F -t ext4 -b 1024 "$img" 8M
	read -r blk off < <(itable_block "$img")
	dd if="$img" of="$BATS_TEST_TMPDIR/itb" bs=1024 skip="$blk" count=1 status=none
	poke "$BATS_TEST_TMPDIR/itb" $((off - 256 + 0x1a)) 0200	# inode 7's link count
	log "$img" "$blk" "$BATS_TEST_TMPDIR/itb" -c
	run -1 jbdctl replay "$img"
	run -0 jbdctl info "$img"
}
