#!/usr/bin/env bats
# jbdctl remove against tune2fs -O ^has_journal on copies of the same
# filesystem: the whole dumpe2fs output (superblock and every group) alike
# but for times and checksums, e2fsck -fn clean.

load test_helper
load tune2fs_helper

setup() {
	require_tool mke2fs
	require_tool tune2fs
	require_tool e2fsck
}

# dumpe2fs without the fields that depend on when it was written.
fs_description() {
	dumpe2fs "$1" 2>/dev/null | grep -vE 'time|Checksum|csum|Lifetime writes'
}

remove_vs_tune2fs() {	# remove_vs_tune2fs SIZE MKE2FS-ARGS...
	local img=$BATS_TEST_TMPDIR/fs.img size=$1
	shift
	mke2fs -q -F "$@" "$img" "$size" >/dev/null 2>&1
	cp --sparse=always "$img" "$img.tune2fs"
	tune2fs -O ^has_journal "$img.tune2fs" >/dev/null
	run -1 jbdctl remove "$img"
	[[ "$output" == *"removed the journal"* ]]
	diff -u <(fs_description "$img.tune2fs") <(fs_description "$img")
	run -0 e2fsck -fn "$img"
}

@test "remove: an extent-mapped journal (ext4, 4k), as tune2fs -O ^has_journal" {
	remove_vs_tune2fs 256M -t ext4
}

@test "remove: a block-mapped journal (ext3, 1k), as tune2fs -O ^has_journal" {
	remove_vs_tune2fs 32M -t ext3 -b 1024
}

@test "remove: after create, the filesystem is as it was, as far as e2fsck sees" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal "$img" 128M >/dev/null 2>&1
	before=$(dumpe2fs -h "$img" 2>/dev/null | grep -E '^(Free blocks|Free inodes|Filesystem features)')
	run -1 jbdctl create "$img"
	run -1 jbdctl remove "$img"
	assert_equal "$(dumpe2fs -h "$img" 2>/dev/null | grep -E '^(Free blocks|Free inodes|Filesystem features)')" "$before"
	run -0 e2fsck -fn "$img"
}

@test "remove: a journal that needs recovery is refused and says to replay" {
	img=$(fixture revoke)
	cp "$img" "$img.orig"
	run -8 --separate-stderr jbdctl remove "$img"
	[[ "$stderr" == *"The journal needs recovery while removing the journal of '$img': run 'jbdctl replay' first"* ]]
	cmp "$img" "$img.orig"
	run -1 jbdctl replay "$img"
	run -1 jbdctl remove "$img"
	run -0 e2fsck -fn "$img"
}

@test "remove -f: discards a journal that needs recovery, as tune2fs -f does" {
	img=$(fixture revoke)
	cp "$img" "$img.tune2fs"
	tune2fs -f -O ^has_journal "$img.tune2fs" >/dev/null 2>&1 || true
	run -1 jbdctl remove -f "$img"
	run -0 dumpe2fs -h "$img"
	[[ "$output" != *has_journal* && "$output" != *needs_recovery* ]]
	run -0 e2fsck -fn "$img"
}

@test "remove -n: says what it would do and writes nothing" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 "$img" 64M >/dev/null 2>&1
	cp "$img" "$img.orig"
	run -0 jbdctl remove -n "$img"
	[[ "$output" == *"would remove the internal journal"* ]]
	cmp "$img" "$img.orig"
}

@test "remove -j: detaches an external journal and drops the filesystem from its users" {
	img=$(fixture external)
	jnl=$(fixture_journal external)
	run -1 jbdctl replay -j "$jnl" "$img"
	uuid=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
	dumpe2fs -h "$jnl" 2>/dev/null | grep -q "Journal users: *$uuid"
	run -1 jbdctl remove -j "$jnl" "$img"
	run -0 dumpe2fs -h "$img"
	[[ "$output" != *has_journal* && "$output" != *"Journal UUID"* ]]
	run -0 dumpe2fs -h "$jnl"
	[[ "$output" != *"$uuid"* ]]
	[[ "$output" == *"Journal number of users:  0"* ]]
	run -0 e2fsck -fn "$img"
}

@test "remove: an external journal without -j is refused; -f detaches it alone" {
	img=$(fixture external)
	jnl=$(fixture_journal external)
	run -1 jbdctl replay -j "$jnl" "$img"
	run -8 --separate-stderr jbdctl remove "$img"
	[[ "$stderr" == *"give its device with -j"* ]]
	run -1 jbdctl remove -f "$img"
	run -0 e2fsck -fn "$img"
}

@test "remove: a filesystem without a journal is refused (exit 8)" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext2 "$img" 16M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl remove "$img"
	[[ "$stderr" == *"Filesystem has no journal"* ]]
}

# remove_like_tune2fs NAME [TUNE2FS-J-ARGS]: a filesystem of the matrix
# given a journal by tune2fs, then the journal removed by tune2fs and by
# jbdctl: the whole image alike, e2fsck -fn clean, e2fsck from the first
# backup superblock as on tune2fs's image.
remove_like_tune2fs() {
	local img=$BATS_TEST_TMPDIR/$1.img
	mkfs_matrix "$1" "$img"
	tune2fs ${2:--j} "$img" >/dev/null
	cp --sparse=always "$img" "$img.tune2fs"
	tune2fs -O ^has_journal "$img.tune2fs" >/dev/null
	run -1 jbdctl remove "$img"
	same_image "$img.tune2fs" "$img"
	run -0 e2fsck -fn "$img"
	same_backup_check "$img.tune2fs" "$img"
	rm -f "$img" "$img.tune2fs"
}

@test "remove: the whole image as tune2fs -O ^has_journal leaves it, every superblock copy too (ext2 1k/4k, ext3, ext4 variants, 20 GiB)" {
	for name in ext2-1k ext2-4k ext3 ext4-csum-64bit ext4-flex_bg ext4-meta_bg ext4-20G; do
		remove_like_tune2fs "$name"
	done
	remove_like_tune2fs ext4-20G "-J size=64,location=5G"
}

@test "remove: every backup superblock loses has_journal, so e2fsck -b finds no journal inode with data" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext3 -b 1024 "$img" 64M >/dev/null 2>&1
	run -1 jbdctl remove "$img"
	run -0 dumpe2fs -o superblock=8193 -o blocksize=1024 -h "$img"
	[[ "$output" != *has_journal* ]]
	run -0 e2fsck -fn -b 8193 -B 1024 "$img"
}

@test "remove -n: the same checks as remove, refusals included" {
	img=$(fixture revoke)
	cp "$img" "$img.orig"
	run -8 --separate-stderr jbdctl remove -n "$img"
	[[ "$stderr" == *"The journal needs recovery while removing the journal of '$img'"* ]]
	cmp "$img" "$img.orig"
	fs=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext2 "$fs" 16M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl remove -n "$fs"
	[[ "$stderr" == *"Filesystem has no journal"* ]]
}
