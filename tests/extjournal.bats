#!/usr/bin/env bats
# Without -j, an external journal is found as e2fsck finds it: the device
# libblkid knows by the filesystem's s_journal_uuid (loop devices here),
# then s_journal_dev; -j still overrides.

load test_helper
load loop_helper

setup() {
	export BLKID_FILE="$BATS_TEST_TMPDIR/blkid.tab"
	require_loop
	JNL="$BATS_TEST_TMPDIR/ext.jnl"
	IMG="$BATS_TEST_TMPDIR/fs.img"
	JUUID=$(new_uuid)
	mke2fs -q -F -O journal_dev -b 1024 -U "$JUUID" "$JNL" 2M >/dev/null 2>&1
	JDEV=$(attach "$JNL")
	mke2fs -q -F -t ext4 -b 1024 -J device="$JDEV" "$IMG" 8M >/dev/null 2>&1
	head -c 1024 /dev/urandom > "$BATS_TEST_TMPDIR/block"
	printf 'jo -f %s\njw -b 5000 %s\njc\n' "$JDEV" "$BATS_TEST_TMPDIR/block" |
		debugfs -w -f - "$IMG" >/dev/null 2>&1
	dumpe2fs -h "$IMG" 2>/dev/null | grep -q needs_recovery
}

teardown() {
	loop_teardown
}

@test "extjournal: info, logdump, verify and replay find the journal device by UUID" {
	run -0 jbdctl info "$IMG"
	[[ "$output" == *"Journal location:         $JDEV"* ]]
	[[ "$output" == *"Journal UUID:             $JUUID"* ]]
	[[ "$output" == *"needs recovery: 1 transaction to replay"* ]]
	run -0 jbdctl logdump "$IMG"
	assert_line "Found expected sequence 1, type 2 (commit block) at block 5"
	run -0 jbdctl verify "$IMG"
	run -1 jbdctl replay "$IMG"
	[[ "$output" == *"replayed 1 transaction"* ]]
	run -0 jbdctl info "$IMG"
	[[ "$output" == *"Journal state:            clean"* ]]
	e2fsck -fn -j "$JDEV" "$IMG" >/dev/null 2>&1
}

@test "extjournal: -j still overrides the UUID look-up" {
	mke2fs -q -F -O journal_dev -b 1024 "$BATS_TEST_TMPDIR/other.jnl" 2M >/dev/null 2>&1
	run -8 --separate-stderr jbdctl info -j "$BATS_TEST_TMPDIR/other.jnl" "$IMG"
	[[ "$stderr" == *"UUID mismatch"*"'$BATS_TEST_TMPDIR/other.jnl' of '$IMG'" ]]
	run -0 jbdctl info -j "$JNL" "$IMG"
	[[ "$output" == *"Journal location:         $JNL"* ]]
}

@test "extjournal: not found: the message names the UUID; info still prints the filesystem's side" {
	losetup -d "$JDEV"
	devno=$(dumpe2fs -h "$IMG" 2>/dev/null | sed -n 's/^Journal device: *//p')
	# s_journal_dev could name another loop device now: a number no device has
	debugfs -w -R "ssv journal_dev 0xfefe" "$IMG" 2>/dev/null
	run -8 --separate-stderr jbdctl info "$IMG"
	assert_equal "$stderr" "jbdctl: External journal not found (give its device with -j) while looking for journal UUID=$JUUID of '$IMG'"
	[[ "$output" == *"Journal source:           external"* ]]
	[[ "$output" == *"Journal location:         not found"* ]]
	[[ "$output" == *"Journal UUID:             $JUUID"* ]]
	[[ "$output" == *"Journal device:           0xfefe"* ]]
	[[ "$output" != *"Journal superblock"* ]]
	run -8 --separate-stderr jbdctl info --json "$IMG"
	[ "$(printf '%s' "$output" | jq -r '.filesystem.journal_uuid, .filesystem.journal_device, .filesystem.journal_path')" = "$JUUID
65278
null" ]
	[ -n "$devno" ]
}

@test "extjournal: found by device number only (no device has the UUID): the message says so" {
	losetup -d "$JDEV"
	# s_journal_dev names a loop device that holds no journal (e2fsck's second way)
	head -c 4M /dev/zero >"$BATS_TEST_TMPDIR/zero.img"
	other=$(attach "$BATS_TEST_TMPDIR/zero.img")
	devno=$(printf '0x%x' $(( $(stat -c '0x%t' "$other") << 8 | $(stat -c '0x%T' "$other") )))
	debugfs -w -R "ssv journal_dev $devno" "$IMG" 2>/dev/null
	run -8 --separate-stderr jbdctl replay "$IMG"
	[[ "$stderr" == "jbdctl: "*" while opening journal '$other' (device number $(printf '0x%04x' "$devno"), as no device has UUID=$JUUID) of '$IMG'" ]]
	e2fsck -n "$IMG" >/dev/null 2>&1 && return 1
	dumpe2fs -h "$IMG" 2>/dev/null | grep -q needs_recovery
}
