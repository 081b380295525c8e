#!/usr/bin/env bats
# jbdctl create against tune2fs -j on copies of the same filesystem: the
# same journal lines in dumpe2fs -h, the same journal inode (blocks, size,
# flags), e2fsck -fn clean, and a journal that e2fsck and jbdctl replay.

load test_helper

setup() {
	require_tool mke2fs
	require_tool tune2fs
	require_tool e2fsck
}

# The journal's description, without anything time-dependent.
journal_lines() {
	dumpe2fs -h "$1" 2>/dev/null | grep -E '^(Filesystem features|Journal |Total journal|Max transaction|Fast commit)'
	debugfs -R "stat <8>" "$1" 2>/dev/null | grep -vE 'time:|Inode checksum'
}

# Make an ext4 of SIZE without a journal (more mke2fs args may follow), copy
# it, add a journal with "tune2fs $TUNE" to one and "jbdctl create $CREATE"
# to the other; compare.
create_vs_tune2fs() {
	local img=$BATS_TEST_TMPDIR/fs.img size=$1
	shift
	mke2fs -q -F -t ext4 -O ^has_journal "$@" "$img" "$size" >/dev/null 2>&1
	cp --sparse=always "$img" "$img.tune2fs"
	tune2fs $TUNE "$img.tune2fs" >/dev/null
	run -1 jbdctl create $CREATE "$img"
	diff -u <(journal_lines "$img.tune2fs") <(journal_lines "$img")
	run -0 e2fsck -fn "$img"
	JIMG=$img
}

# A debugfs transaction into the new journal is replayed alike by both tools.
replay_new_journal() {
	local img=$1
	head -c $((3 * 4096)) /dev/urandom > "$BATS_TEST_TMPDIR/d.bin"
	printf 'jo -c\njw -b 300,301,302 %s\njc\n' "$BATS_TEST_TMPDIR/d.bin" |
		debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
	cp --sparse=always "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	run -1 jbdctl replay "$img"
	[ -z "$(image_diff "$img.e2fsck" "$img")" ]
	run -0 e2fsck -fn "$img"
}

@test "create: 8 MiB filesystem with 1k blocks, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 8M -b 1024
	replay_new_journal "$JIMG"
}

@test "create: 256 MiB filesystem, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 256M
}

@test "create: 512 MiB with metadata_csum and 64bit, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 512M -O metadata_csum,64bit
	replay_new_journal "$JIMG"
}

@test "create -s 64: 1 GiB filesystem, as tune2fs -J size=64" {
	TUNE="-J size=64" CREATE="-s 64" create_vs_tune2fs 1G
}

@test "create: 20 GiB sparse filesystem, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 20G
}

@test "create -l: the journal where tune2fs -J location= puts it" {
	TUNE="-J size=16,location=64M" CREATE="-s 16 -l 64M" create_vs_tune2fs 256M
}

@test "create --fast-commit-size: as tune2fs -J fast_commit_size=" {
	TUNE="-J size=16,fast_commit_size=256" \
		CREATE="-s 16 --fast-commit-size 256" create_vs_tune2fs 256M -O fast_commit
}

@test "create: a filesystem that has a journal is refused (exit 8)" {
	img=$(fixture revoke)
	cp "$img" "$img.orig"
	run -8 --separate-stderr jbdctl create "$img"
	assert_equal "$stderr" "jbdctl: The filesystem already has a journal while sizing a journal for '$img'"
	cmp "$img" "$img.orig"
}

@test "create: a journal too big for the filesystem is refused (exit 8)" {
	img=$BATS_TEST_TMPDIR/small.img
	mke2fs -q -F -t ext4 -O ^has_journal "$img" 16M >/dev/null 2>&1
	cp "$img" "$img.orig"
	run -8 --separate-stderr jbdctl create -s 12 "$img"
	[[ "$stderr" == *"Total journal size too big for filesystem"* ]]
	run -8 --separate-stderr jbdctl create -s 50000 "$img"
	[[ "$stderr" == *"must be between 1024 and 10240000 blocks"* ]]
	cmp "$img" "$img.orig"
}

@test "create: a filesystem too small for a journal is refused (exit 8)" {
	img=$BATS_TEST_TMPDIR/tiny.img
	mke2fs -q -F -t ext2 -b 1024 "$img" 1M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl create "$img"
	[[ "$stderr" == *"Filesystem too small for a journal"* ]]
}

@test "create -n: says what it would do and writes nothing" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal "$img" 64M >/dev/null 2>&1
	cp "$img" "$img.orig"
	run -0 jbdctl create -n "$img"
	[[ "$output" == *"would create a journal of 4096 blocks"* ]]
	cmp "$img" "$img.orig"
}

@test "create: a mounted filesystem is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount"
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal "$img" 64M >/dev/null 2>&1
	mkdir "$BATS_TEST_TMPDIR/mnt"
	mount -o loop,ro "$img" "$BATS_TEST_TMPDIR/mnt" 2>/dev/null || skip "cannot loop-mount here"
	run --separate-stderr jbdctl create "$img"
	umount "$BATS_TEST_TMPDIR/mnt"
	[ "$status" -eq 8 ]
	[[ "$stderr" == *"Filesystem is mounted while opening '$img' for writing"* ]]
}

@test "create: bad sizes are usage errors (exit 16)" {
	run -16 jbdctl create -s 0 x.img
	run -16 jbdctl create -s big x.img
}
