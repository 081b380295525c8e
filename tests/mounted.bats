#!/usr/bin/env bats
# Exit status as e2fsck's: a replay that wrote under a mounted (read-only)
# filesystem sets bit 2 (reboot), and -p's line says so; nothing to do on
# a mounted filesystem is exit 0 without a word on stderr.  The mount is a
# read-only loop mount with noload (the kernel does not replay).

load test_helper
load loop_helper

setup() {
	require_loop
	IMG="$BATS_TEST_TMPDIR/fs.img"
	MNT="$BATS_TEST_TMPDIR/mnt"
	mkdir -p "$MNT"
	mkjfs "$IMG" "jm$RANDOM"
	DEV=$(attach "$IMG")
}

teardown() {
	umount "$MNT" 2>/dev/null || true
	loop_teardown
}

mount_ro() {
	mount -t ext4 -o ro,noload "$DEV" "$MNT" 2>/dev/null ||
		skip "cannot mount here (a read-only loop mount is needed)"
}

@test "mounted: a replay under a read-only mount exits 3 and says REBOOT SYSTEM" {
	mount_ro
	run -0 --separate-stderr jbdctl replay -n "$DEV"
	assert_equal "$stderr" ""
	run -3 --separate-stderr jbdctl replay "$DEV"
	assert_equal "$stderr" ""
	assert_line "$DEV: ***** REBOOT SYSTEM ***** (replayed under the mounted filesystem, which keeps the journal state it read before)"
	umount "$MNT"
	run -0 e2fsck -fn "$DEV"
}

@test "mounted: -p says reboot on its one line (exit 3), then clean on a mounted fs is exit 0, silent" {
	mount_ro
	run -3 --separate-stderr jbdctl replay -p "$DEV"
	assert_equal "$output" "$DEV: replayed 1 transaction, 1 block; MOUNTED: REBOOT THE SYSTEM"
	assert_equal "$stderr" ""
	run -0 --separate-stderr jbdctl replay -p "$DEV"
	assert_equal "$output" "$DEV: clean"
	assert_equal "$stderr" ""
	run -0 --separate-stderr jbdctl replay "$DEV"
	assert_equal "$stderr" ""
}

@test "mounted: replay -A through the fstab, the rc snippet's view: 3 for the mounted one" {
	mount_ro
	other=$(fixture revoke)
	printf '%s / ext4 defaults 0 1\n%s /o ext4 defaults 0 2\n' "$DEV" "$other" > "$BATS_TEST_TMPDIR/fstab"
	run -3 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$DEV: replayed 1 transaction, 1 block; MOUNTED: REBOOT THE SYSTEM
$other: replayed 3 transactions, 3 blocks"
}

@test "mounted: a read-write mount is still refused (exit 8, nothing written)" {
	mount -t ext4 -o rw "$DEV" "$MNT" 2>/dev/null || skip "cannot mount here"
	run -8 --separate-stderr jbdctl replay "$DEV"
	[[ "$stderr" == *"mounted read-write"* ]]
}
