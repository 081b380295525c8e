#!/usr/bin/env bats
# Undo files (replay --undo, create/remove -z): e2undo takes the image back
# byte for byte; the path is checked before libext2fs sees it; the command
# says how to undo, as e2fsprogs does.

load test_helper

setup() {
	require_tool e2undo
	require_tool mke2fs
}

# round_trip IMAGE COMMAND...: COMMAND -z/--undo, then e2undo: the bytes of before.
round_trip() {
	local img=$1 undo=$BATS_TEST_TMPDIR/u.undo
	shift
	rm -f "$undo"
	cp --sparse=always "$img" "$img.orig"
	run -1 jbdctl "$@" "$undo" "$img"
	assert_line "This can be undone using the command:"
	assert_line "    e2undo $undo $img"
	! cmp -s "$img" "$img.orig"
	run -0 e2undo "$undo" "$img"
	cmp "$img" "$img.orig"
}

@test "undo: create -z, then e2undo: the image as before (ext4 and ext2 1k)" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal,metadata_csum "$img" 64M >/dev/null 2>&1
	round_trip "$img" create -z
	mke2fs -q -F -t ext2 -b 1024 "$img" 32M >/dev/null 2>&1
	round_trip "$img" create --undo
}

@test "undo: remove -z, then e2undo: the image as before" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O metadata_csum "$img" 64M >/dev/null 2>&1
	round_trip "$img" remove -z
	mke2fs -q -F -t ext3 -b 1024 "$img" 32M >/dev/null 2>&1
	round_trip "$img" remove --undo
}

@test "undo: replay --undo, then e2undo: the image as before" {
	img=$(fixture revoke)
	round_trip "$img" replay --undo
}

@test "undo: a path in a missing directory is refused before anything is opened (exit 8, no crash)" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 "$img" 64M >/dev/null 2>&1
	cp "$img" "$img.orig"
	for cmd in "replay --undo" "create -z" "remove -z"; do
		run -8 --separate-stderr jbdctl $cmd "$BATS_TEST_TMPDIR/no/such/u.undo" "$img"
		assert_equal "$stderr" "jbdctl: No such file or directory while opening undo file '$BATS_TEST_TMPDIR/no/such/u.undo'"
	done
	cmp "$img" "$img.orig"
}

@test "undo: an existing undo file is named and kept; nothing is written" {
	img=$BATS_TEST_TMPDIR/fs.img
	undo=$BATS_TEST_TMPDIR/old.undo
	mke2fs -q -F -t ext4 "$img" 64M >/dev/null 2>&1
	echo "an earlier undo file" > "$undo"
	cp "$img" "$img.orig"
	for cmd in "replay --undo" "create -z" "remove -z"; do
		run -8 --separate-stderr jbdctl $cmd "$undo" "$img"
		assert_equal "$stderr" "jbdctl: The undo file already exists while opening undo file '$undo' (it may undo an earlier change: move it away or name a new file)"
	done
	cmp "$img" "$img.orig"
	assert_equal "$(cat "$undo")" "an earlier undo file"
}

@test "undo: -z with -n is a usage error" {
	run -16 jbdctl create -n -z u.undo x.img
	run -16 jbdctl remove -n -z u.undo x.img
}
