#!/usr/bin/env bats
# replay -p (one line per filesystem, for boot scripts) and -A (every
# ext2/3/4 filesystem of an fstab with a pass number), as Hurd's
# /libexec/rc runs them before fsck.

load test_helper

@test "replay -p: one line prefixed by the device, fsck exit codes" {
	img=$(fixture revoke)
	run -1 jbdctl replay -p "$img"
	assert_equal "$output" "$img: replayed 3 transactions, 3 blocks"
	run -0 jbdctl replay -p "$img"
	assert_equal "$output" "$img: clean"
}

@test "replay -p: a corrupt journal says so on its one line, exit 5" {
	img=$(fixture revoke)
	b=$(log_block "$img" 2 commit)
	flip "$img" $(( $(journal_offset "$img" "$b") + 0x10 ))
	run -5 jbdctl replay -p "$img"
	assert_equal "${#lines[@]}" 1
	[[ "$output" == "$img: replayed 1 transaction, 2 blocks; JOURNAL CORRUPT: run e2fsck -f" ]]
}

@test "replay -p: a filesystem without a journal is fine (exit 0)" {
	require_tool mke2fs
	img=$BATS_TEST_TMPDIR/ext2.img
	mke2fs -q -F -t ext2 "$img" 8M >/dev/null 2>&1
	run -0 jbdctl replay -p "$img"
	assert_equal "$output" "$img: no journal"
}

@test "replay -A: every ext2/3/4 fstab entry with a pass number, the rest skipped, statuses OR-ed" {
	require_tool mke2fs
	a=$(fixture revoke)
	b=$(fixture clean)
	c=$BATS_TEST_TMPDIR/ext2.img
	mke2fs -q -F -t ext2 "$c" 8M >/dev/null 2>&1
	d=$(fixture hurd-1k)
	cat > "$BATS_TEST_TMPDIR/fstab" <<-FSTAB
	# device  mount point  type  options  dump  pass
	$a  /      ext4  defaults           0  1
	$b  /b     ext3  defaults           0  2
	$c  /c     ext2  defaults           0  2
	$d  /d     ext2  rw,errors=remount-ro  0  2
	$BATS_TEST_TMPDIR/missing.img  /x  ext4  noauto  0  2
	$BATS_TEST_TMPDIR/missing.img  /y  ext4  defaults  0  0
	proc  /proc  proc  defaults  0  0
	/dev/hd0s5  none  swap  sw  0  0
	FSTAB
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$a: replayed 3 transactions, 3 blocks
$b: clean
$c: no journal
$d: replayed 3 transactions, 302 blocks"
	run -0 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
}

@test "replay -A: a device that cannot be opened makes the status 8, the others still run" {
	a=$(fixture revoke)
	printf '%s / ext4 defaults 0 1\n/nonexistent/dev /x ext4 defaults 0 2\n' "$a" > "$BATS_TEST_TMPDIR/fstab"
	run -9 --separate-stderr jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	[[ "$output" == "$a: replayed 3 transactions, 3 blocks" ]]
	[[ "$stderr" == *"'/nonexistent/dev'"* ]]
}

@test "replay -A: a missing fstab is an operational error" {
	run -8 --separate-stderr jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/nope"
	[[ "$stderr" == *"while opening '$BATS_TEST_TMPDIR/nope'"* ]]
	run -16 jbdctl replay -A "$BATS_TEST_TMPDIR/x.img"
	run -16 jbdctl replay --fstab /etc/fstab x.img
}
