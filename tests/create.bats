#!/usr/bin/env bats
# jbdctl create against tune2fs -j on copies of the same filesystem: the
# same journal lines in dumpe2fs -h, the same journal inode (blocks, size,
# flags), e2fsck -fn clean, and a journal that e2fsck and jbdctl replay.

load test_helper
load tune2fs_helper

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

# A debugfs transaction into the new journal (three free blocks near the
# end of the filesystem) is replayed alike by e2fsck and jbdctl; then
# jbdctl remove leaves a filesystem e2fsck finds clean.
replay_and_remove() {
	local img=$1 bs last
	bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
	last=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block count: *//p')
	head -c $((3 * bs)) /dev/urandom > "$BATS_TEST_TMPDIR/d.bin"
	printf 'jo -c\njw -b %d-%d %s\njc\n' $((last - 20)) $((last - 18)) \
		"$BATS_TEST_TMPDIR/d.bin" | debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
	cp --sparse=always "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	run -1 jbdctl replay "$img"
	[ -z "$(image_diff "$img.e2fsck" "$img")" ]
	run -0 e2fsck -fn "$img"
	rm -f "$img.e2fsck" "$img.tune2fs"
	run -1 jbdctl remove "$img"
	run -0 e2fsck -fn "$img"
}

@test "create: 8 MiB filesystem with 1k blocks, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 8M -b 1024
	replay_and_remove "$JIMG"
}

@test "create: 256 MiB filesystem, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 256M
	replay_and_remove "$JIMG"
}

@test "create: 512 MiB with metadata_csum and 64bit, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 512M -O metadata_csum,64bit
	replay_and_remove "$JIMG"
}

@test "create -s 64: 1 GiB filesystem, as tune2fs -J size=64" {
	TUNE="-J size=64" CREATE="-s 64" create_vs_tune2fs 1G
	replay_and_remove "$JIMG"
}

@test "create: 20 GiB sparse filesystem, as tune2fs -j" {
	TUNE=-j CREATE="" create_vs_tune2fs 20G
	replay_and_remove "$JIMG"
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

# The description of a journal device, without its UUID and times.
jdev_lines() {
	dumpe2fs -h "$1" 2>/dev/null | grep -E '^(Filesystem features|Block count|Block size|Maximum mount count|Journal |Total journal|Max transaction|Fast commit)'
}

@test "create --journal-device: the journal device mke2fs -O journal_dev makes (4k and 1k)" {
	for bs in 4096 1024; do
		jnl=$BATS_TEST_TMPDIR/j$bs.jnl
		truncate -s 8M "$jnl" "$jnl.mke2fs"
		mke2fs -q -F -O journal_dev -b "$bs" "$jnl.mke2fs" >/dev/null 2>&1
		run -1 jbdctl create --journal-device -b "$bs" "$jnl"
		diff -u <(jdev_lines "$jnl.mke2fs") <(jdev_lines "$jnl")
	done
}

@test "create -j: attach a journal file, write through it with debugfs, replay it as e2fsck does" {
	jnl=$BATS_TEST_TMPDIR/ext.jnl
	img=$BATS_TEST_TMPDIR/fs.img
	truncate -s 8M "$jnl"
	run -1 jbdctl create --journal-device "$jnl"
	mke2fs -q -F -t ext4 -O ^has_journal -b 4096 "$img" 64M >/dev/null 2>&1
	run -1 jbdctl create -j "$jnl" "$img"
	uuid=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
	dumpe2fs -h "$jnl" 2>/dev/null | grep -q "^Journal users: *$uuid$"
	juuid=$(dumpe2fs -h "$jnl" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
	dumpe2fs -h "$img" 2>/dev/null | grep -q "^Journal UUID: *$juuid$"
	run -0 e2fsck -fn -j "$jnl" "$img"
	head -c $((2 * 4096)) /dev/urandom > "$BATS_TEST_TMPDIR/d.bin"
	printf 'jo -c -f %s\njw -b 3000,3001 %s\njc\n' "$jnl" "$BATS_TEST_TMPDIR/d.bin" |
		debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
	cp "$img" "$img.e2fsck"
	cp "$jnl" "$jnl.e2fsck"
	e2fsck -y -E journal_only -j "$jnl.e2fsck" "$img.e2fsck" >/dev/null 2>&1 || true
	run -1 jbdctl replay -j "$jnl" "$img"
	[ -z "$(image_diff "$img.e2fsck" "$img")" ]
	cmp "$jnl.e2fsck" "$jnl"
	run -0 e2fsck -fn -j "$jnl" "$img"
}

@test "create -j: a block device is attached as tune2fs -J device= attaches it" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices"
	jnl=$BATS_TEST_TMPDIR/ext.jnl
	img=$BATS_TEST_TMPDIR/fs.img
	truncate -s 8M "$jnl"
	mke2fs -q -F -O journal_dev -b 4096 "$jnl" >/dev/null 2>&1
	cp "$jnl" "$jnl.tune2fs"
	mke2fs -q -F -t ext4 -O ^has_journal -b 4096 "$img" 64M >/dev/null 2>&1
	cp "$img" "$img.tune2fs"
	loop=$(losetup -f --show "$jnl" 2>/dev/null) || skip "no loop device"
	loopt=$(losetup -f --show "$jnl.tune2fs" 2>/dev/null) || { losetup -d "$loop"; skip "no loop device"; }
	tune2fs -J device="$loopt" "$img.tune2fs" >/dev/null 2>&1
	run jbdctl create -j "$loop" "$img"
	fs_t=$(dumpe2fs -h "$img.tune2fs" 2>/dev/null | grep -E '^(Filesystem features|Journal UUID)')
	fs_o=$(dumpe2fs -h "$img" 2>/dev/null | grep -E '^(Filesystem features|Journal UUID)')
	users_t=$(dumpe2fs -h "$loopt" 2>/dev/null | grep -E '^Journal (users|number)')
	users_o=$(dumpe2fs -h "$loop" 2>/dev/null | grep -E '^Journal (users|number)')
	dev_o=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Journal device:[[:space:]]*//p')
	want_dev=$(printf '0x%04x' $(( $(stat -c '%t' "$loop" | sed 's/^/0x/') << 8 | $(stat -c '%T' "$loop" | sed 's/^/0x/') )))
	losetup -d "$loop" "$loopt"
	[ "$status" -eq 1 ]
	# Same features; the journal UUIDs differ only because the devices do.
	assert_equal "$(sed -n 1p <<<"$fs_o")" "$(sed -n 1p <<<"$fs_t")"
	assert_equal "$(sed 's/[0-9a-f-]\{36\}/UUID/' <<<"$users_o")" "$(sed 's/[0-9a-f-]\{36\}/UUID/' <<<"$users_t")"
	assert_equal "$dev_o" "$want_dev"
}

@test "create -j: refused for a filesystem with a journal or a device that is not a journal" {
	img=$(fixture revoke)
	jnl=$BATS_TEST_TMPDIR/ext.jnl
	truncate -s 8M "$jnl"
	run -1 jbdctl create --journal-device -b 1024 "$jnl"
	run -8 --separate-stderr jbdctl create -j "$jnl" "$img"
	[[ "$stderr" == *"The filesystem already has a journal"* ]]
	fs=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal -b 4096 "$fs" 64M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl create -j "$jnl" "$fs"
	[[ "$stderr" == *"does not match the filesystem block size"* ]]
	other=$BATS_TEST_TMPDIR/other.img
	mke2fs -q -F -t ext2 -b 4096 "$other" 16M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl create -j "$other" "$fs"
	[[ "$stderr" == *"no journal_dev feature"* ]]
}

# create_like_tune2fs NAME "TUNE2FS-ARGS" "CREATE-ARGS" [FEATURES]: the whole
# image as tune2fs leaves it, e2fsck -fn clean, and e2fsck from the first
# backup superblock as on tune2fs's image.
create_like_tune2fs() {
	local img=$BATS_TEST_TMPDIR/$1.img
	mkfs_matrix "$1" "$img" "${4:-}"
	cp --sparse=always "$img" "$img.tune2fs"
	tune2fs $2 "$img.tune2fs" >/dev/null
	run -1 jbdctl create $3 "$img"
	same_image "$img.tune2fs" "$img"
	run -0 e2fsck -fn "$img"
	same_backup_check "$img.tune2fs" "$img"
	rm -f "$img" "$img.tune2fs"
}

@test "create: the whole image as tune2fs -j leaves it, every superblock copy too (ext2 1k/4k, ext3, ext4 variants, 20 GiB)" {
	for name in ext2-1k ext2-4k ext3 ext4-csum-64bit ext4-flex_bg ext4-meta_bg ext4-20G; do
		create_like_tune2fs "$name" -j ""
	done
}

@test "create -s, -l, --fast-commit-size: the whole image as tune2fs -J size=,location=,fast_commit_size=" {
	create_like_tune2fs ext2-1k "-J size=4" "-s 4"
	create_like_tune2fs ext4-csum-64bit "-J size=16,location=64M" "-s 16 -l 64M"
	create_like_tune2fs ext4-flex_bg "-J size=8,location=20000" "-s 8 -l 20000"
	create_like_tune2fs ext4-20G "-J size=64,location=5G" "-s 64 -l 5G"
	create_like_tune2fs ext4-csum-64bit "-J size=16,fast_commit_size=256" \
		"-s 16 --fast-commit-size 256" fast_commit
	create_like_tune2fs ext4-meta_bg "-J size=8,fast_commit_size=512" \
		"-s 8 --fast-commit-size 512" fast_commit
}

@test "create: an ext2 filesystem becomes the ext3 tune2fs -j makes; every backup superblock has the journal" {
	img=$BATS_TEST_TMPDIR/fs.img
	mkfs_matrix ext2-1k "$img"
	run -1 jbdctl create "$img"
	bb=$(first_backup "$img")
	run -0 dumpe2fs -o superblock="$bb" -o blocksize=1024 -h "$img"
	[[ "$output" == *has_journal* ]]
	run -0 e2fsck -fn -b "$bb" -B 1024 "$img"
}

@test "create: s_overhead_clusters grows by the journal, as tune2fs; an unknown (0) one stays 0" {
	img=$BATS_TEST_TMPDIR/fs.img
	mkfs_matrix ext4-csum-64bit "$img"
	before=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Overhead clusters: *//p')
	run -1 jbdctl create -s 16 "$img"
	after=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Overhead clusters: *//p')
	assert_equal "$after" "$((before + 16384))"
	# tune2fs 1.47.0 would make it 16384, the journal alone, which the
	# kernel would take for the whole overhead: jbdctl leaves it unknown.
	mkfs_matrix ext4-csum-64bit "$img"
	debugfs -w -R "ssv overhead_clusters 0" "$img" >/dev/null 2>&1
	run -1 jbdctl create -s 16 "$img"
	run -0 dumpe2fs -h "$img"
	[[ "$output" != *"Overhead clusters"* ]]
	run -0 e2fsck -fn "$img"
}

@test "create -l: the message says where the journal is, also when -l asked for a block past the end" {
	img=$BATS_TEST_TMPDIR/fs.img
	mkfs_matrix ext4-csum-64bit "$img"
	cp "$img" "$img.tune2fs"
	tune2fs -J size=16,location=999999999 "$img.tune2fs" >/dev/null 2>&1
	# (libext2fs itself warns about the block number on stderr, as for tune2fs)
	run -1 --separate-stderr jbdctl create -s 16 -l 999999999 "$img"
	same_image "$img.tune2fs" "$img"
	first=$(debugfs -R "bmap <8> 0" "$img" 2>/dev/null)
	assert_equal "$output" "$img: creating a journal of 16384 blocks at block $first (-l 999999999 asked for block 999999999: past the end) (inode 8)"
	run -0 e2fsck -fn "$img"
}

@test "create --fast-commit-size: info shows the fast-commit and max transaction lengths as dumpe2fs -h" {
	img=$BATS_TEST_TMPDIR/fs.img
	mkfs_matrix ext4-csum-64bit "$img" fast_commit
	run -1 jbdctl create -s 16 --fast-commit-size 256 "$img"
	want=$(dumpe2fs -h "$img" 2>/dev/null | grep -E '^(Total journal blocks|Max transaction length|Fast commit length):')
	run -0 jbdctl info "$img"
	assert_equal "$(grep -E '^(Total journal blocks|Max transaction length|Fast commit length):' <<<"$output")" "$want"
	grep -q '^Fast commit length: *256$' <<<"$want"
	run -0 jbdctl info --json "$img"
	assert_equal "$(jq -r '.superblock | "\(.max_transaction_length) \(.fast_commit_length)"' <<<"$output")" "16384 256"
}

@test "create -j: the filesystem image as tune2fs -J device= leaves it" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices"
	jnl=$BATS_TEST_TMPDIR/ext.jnl
	img=$BATS_TEST_TMPDIR/fs.img
	truncate -s 8M "$jnl"
	mke2fs -q -F -O journal_dev -b 4096 "$jnl" >/dev/null 2>&1
	mke2fs -q -F -t ext4 -O ^has_journal -b 4096 "$img" 64M >/dev/null 2>&1
	cp "$img" "$img.tune2fs"
	loop=$(losetup -f --show "$jnl" 2>/dev/null) || skip "no loop device"
	tune2fs -J device="$loop" "$img.tune2fs" >/dev/null 2>&1 || { losetup -d "$loop"; false; }
	# the same journal, already listing this UUID: users stay as they are
	run jbdctl create -j "$loop" "$img"
	losetup -d "$loop"
	[ "$status" -eq 1 ]
	same_image "$img.tune2fs" "$img"
}

@test "create -n: the same checks as create, refusals included" {
	img=$BATS_TEST_TMPDIR/fs.img
	mkfs_matrix ext4-csum-64bit "$img"
	cp "$img" "$img.orig"
	run -0 jbdctl create -n -s 16 -l 64M "$img"
	cmp "$img" "$img.orig"
	dry=${output/would create/creating}
	run -1 jbdctl create -s 16 -l 64M "$img"
	assert_equal "$output" "$dry"
	run -8 --separate-stderr jbdctl create -n "$img"
	[[ "$stderr" == *"The filesystem already has a journal"* ]]
}
