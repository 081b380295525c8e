#!/usr/bin/env bats
# Bad input: every class gets a "jbdctl: <what> while <doing> '<object>'"
# message on stderr and exit 8 (operational) or 4 (corruption), never a crash.

load test_helper

setup() {
	require_tool debugfs
	require_tool mke2fs
}

@test "errors: a missing image is an operational error (exit 8)" {
	run -8 --separate-stderr jbdctl info "$BATS_TEST_TMPDIR/nope.img"
	[[ "$stderr" == "jbdctl: No such file or directory while opening '$BATS_TEST_TMPDIR/nope.img'" ]]
}

@test "errors: a file that is neither ext2/3/4 nor a journal gives exit 8" {
	head -c 1048576 /dev/zero > "$BATS_TEST_TMPDIR/zero.img"
	run -8 --separate-stderr jbdctl logdump "$BATS_TEST_TMPDIR/zero.img"
	[[ "$stderr" == "jbdctl: Neither an ext2/3/4 filesystem nor a JBD2 journal while opening '$BATS_TEST_TMPDIR/zero.img'" ]]
	[ -z "$output" ]
}

@test "errors: a directory as the image gives exit 8" {
	run -8 --separate-stderr jbdctl info "$BATS_TEST_TMPDIR"
	[[ "$stderr" == "jbdctl: "*" while opening '$BATS_TEST_TMPDIR'" ]]
}

@test "errors: a filesystem without a journal gives exit 8" {
	mke2fs -q -F -t ext2 "$BATS_TEST_TMPDIR/ext2.img" 4M
	run -8 --separate-stderr jbdctl logdump "$BATS_TEST_TMPDIR/ext2.img"
	[[ "$stderr" == "jbdctl: Filesystem has no journal while opening '$BATS_TEST_TMPDIR/ext2.img'" ]]
}

@test "errors: a truncated image gives exit 8, not a crash" {
	img=$(fixture revoke)
	# Cut the image just after the journal superblock: the log is gone.
	truncate -s $(( $(journal_offset "$img" 0) + 1024 )) "$img"
	run --separate-stderr jbdctl logdump "$img"
	[ "$status" -eq 8 ]
	[[ "$stderr" == "jbdctl: "*" while "*"'$img'" ]]
}

@test "errors: a bad journal superblock magic is corruption (exit 4) from every command, and names the block" {
	img=$(fixture revoke)
	poke "$img" "$(journal_offset "$img" 0)" 12345678
	# e2fsck: "Superblock has an invalid journal (inode 8)": corruption, not
	# an operational error; every command says the same (issue 12).
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == "jbdctl: Bad magic number in journal superblock while reading the journal superblock (journal block 0) of '$img'" ]]
	run -4 --separate-stderr jbdctl info "$img"
	[[ "$stderr" == *"Bad magic number in journal superblock"* ]]
	run -4 jbdctl verify "$img"
	run -4 jbdctl replay -n "$img"
}

@test "errors: an unknown incompat feature gives exit 8" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x28 )) 00000040
	run -8 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == "jbdctl: Journal has an unknown incompatible feature while reading the journal superblock (journal block 0) of '$img'" ]]
}

@test "errors: s_first = 0 is impossible geometry (exit 4)" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x14 )) 00000000
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == *"impossible geometry"*"'$img'" ]]
}

@test "errors: s_first >= s_maxlen is impossible geometry (exit 4)" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x14 )) 00000400
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == *"impossible geometry"* ]]
}

@test "errors: s_maxlen larger than the journal inode is refused (exit 4)" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x10 )) 00001000
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == *"s_maxlen is larger than the journal"* ]]
}

@test "errors: s_start outside the log is impossible geometry (exit 4)" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x1C )) 00001388
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == *"impossible geometry"* ]]
}

@test "errors: a revoke r_count past the block is marked, the log listed on, recovery fails (exit 4)" {
	img=$(fixture revoke)
	# Transaction 3 is a revoke block (revoke.facts); debugfs says where.
	jblk=$(debugfs -R logdump "$img" 2>/dev/null |
		sed -n 's/^Found expected sequence 3, type 5 (revoke table) at block //p')
	[ -n "$jblk" ]
	off=$(journal_offset "$img" "$jblk")
	poke "$img" $(( off + 12 )) 00011170
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$output" == *"Revoke block's r_count invalid: 70000"* ]]
	# The scan goes on to the commit, as the kernel's and debugfs's do; the
	# revoke pass is where recovery fails, and the closing lines say so.
	[[ "$output" == *"Found expected sequence 3, type 2 (commit block)"* ]]
	# (The poke breaks the block's v3 checksum too: the scan's rule decides.)
	[[ "$output" == *"Recovery: transaction 3, journal block "*"nothing is replayed"* ]]
}

@test "errors: a bad descriptor checksum is marked and gives exit 4, and the walk goes on" {
	img=$(fixture revoke)
	off=$(journal_offset "$img" 1)
	printf '\xff' | dd of="$img" bs=1 seek=$(( off + 1023 )) conv=notrunc status=none
	run -4 jbdctl logdump "$img"
	[[ "${lines[1]}" == "Found expected sequence 1, type 1 (descriptor block) at block 1, checksum BAD" ]]
	[[ "$output" == *"type 2 (commit block)"* ]]
}

@test "errors: a bad journal superblock checksum is shown by info and gives exit 4" {
	img=$(fixture revoke)
	printf '\x01' | dd of="$img" bs=1 seek=$(( $(journal_offset "$img" 0) + 0x60 )) conv=notrunc status=none
	run -4 jbdctl info "$img"
	[[ "$output" == *"Journal checksum status:  BAD"* ]]
	run -4 jbdctl logdump "$img"
}

@test "errors: an external journal that libblkid cannot find gives exit 8, names its UUID and says to use -j" {
	img=$(fixture external)
	# a journal UUID no device has (the fixture's may be attached here)
	debugfs -w -R "ssv journal_uuid $(cat /proc/sys/kernel/random/uuid)" "$img" 2>/dev/null
	uuid=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Journal UUID: *//p')
	for cmd in logdump verify replay; do
		run -8 --separate-stderr jbdctl $cmd "$img"
		assert_equal "$stderr" "jbdctl: External journal not found (give its device with -j) while looking for journal UUID=$uuid of '$img'"
	done
}

@test "errors: -j with another filesystem's journal is refused (UUID mismatch)" {
	img=$(fixture external)
	mke2fs -q -F -O journal_dev -b 4096 "$BATS_TEST_TMPDIR/other.jnl" 4M
	run -8 --separate-stderr jbdctl logdump -j "$BATS_TEST_TMPDIR/other.jnl" "$img"
	[[ "$stderr" == *"UUID mismatch"*"'$BATS_TEST_TMPDIR/other.jnl' of '$img'" ]]
}

@test "errors: -j on a filesystem with an internal journal is refused" {
	img=$(fixture revoke)
	run -8 --separate-stderr jbdctl logdump -j "$img" "$img"
	[[ "$stderr" == *"internal journal"* ]]
}

@test "errors: a journal inode with a hole is refused (exit 4)" {
	img=$(fixture ext3-1k)
	# ext3: indirect-mapped journal; zero the pointer to logical block 5.  Without the
	# superblock's backup of the block map (with it, the log is read through the backup, as
	# e2fsck does: parity.bats).
	debugfs -w -R "sif <8> block[5] 0" "$img" >/dev/null 2>&1
	debugfs -w -R "ssv jnl_backup_type 0" "$img" >/dev/null 2>&1
	debugfs -R "stat <8>" "$img" 2>/dev/null | grep -q '(0-4):.*(6-11):'
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == "jbdctl: Journal inode has a hole while opening '$img'" ]]
}

@test "errors: usage errors exit 16 with a hint" {
	run -16 --separate-stderr jbdctl logdump
	[[ "$stderr" == *"Try 'jbdctl logdump --help' for more information."* ]]
	run -16 --separate-stderr jbdctl logdump -b notanumber x.img
	[[ "$stderr" == *"bad block number 'notanumber'"* ]]
	run -16 --separate-stderr jbdctl logdump -c x.img
	run -16 --separate-stderr jbdctl info --bogus x.img
}
