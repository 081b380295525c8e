#!/usr/bin/env bats
# replay -A reads the fstab with getmntent(3) and resolves UUID=, LABEL=,
# PARTUUID= and PARTLABEL= with libblkid, as fsck does; "auto" entries
# are probed.  The disks are loop devices with a GPT (sfdisk), so that
# libblkid sees the tags as it sees them at boot.

load test_helper
load loop_helper

setup() {
	export BLKID_FILE="$BATS_TEST_TMPDIR/blkid.tab"
}

teardown() {
	loop_teardown
}

# make_disk: a GPT disk of 4 partitions on a loop device, each an ext4
# filesystem needing recovery.  Sets DISK, and for i = 1..4: P[i] (the
# device), FSUUID[i], LABEL[i], PARTUUID[i], PARTLABEL[i].
make_disk() {
	local i tag=$RANDOM$RANDOM img="$BATS_TEST_TMPDIR/disk.img"
	require_loop
	require_tool sfdisk
	truncate -s 20M "$img"
	for i in 1 2 3 4; do
		PARTUUID[i]=$(new_uuid)
		PARTLABEL[i]="jbdctl-p$i-$tag"
	done
	{
		echo "label: gpt"
		for i in 1 2 3 4; do
			echo "size=4M, name=\"${PARTLABEL[i]}\", uuid=${PARTUUID[i]}"
		done
	} | sfdisk -q "$img" >/dev/null
	DISK=$(attach "$img" -P)
	# (some kernels do not scan at attach time; partx asks again)
	[ -b "${DISK}p1" ] || partx -a "$DISK" 2>/dev/null || true
	for i in 1 2 3 4; do
		P[i]=${DISK}p$i
		# Under load a partition node can be late or missed: scan again.
		wait_for "${P[i]}" >/dev/null || {
			partx -u "$DISK" 2>/dev/null || partx -a "$DISK" 2>/dev/null
			blockdev --rereadpt "$DISK" 2>/dev/null
			wait_for "${P[i]}"
		} || skip "the kernel made no node for ${P[i]} (partition scan of a loop device failed here)"
		FSUUID[i]=$(new_uuid)
		LABEL[i]="j$i$tag"
		mkjfs "${P[i]}" "${LABEL[i]}" "${FSUUID[i]}"
	done
}

fstab() {
	printf '%s\n' "$@" > "$BATS_TEST_TMPDIR/fstab"
}

@test "replay -A: UUID= is resolved with libblkid" {
	make_disk
	fstab "UUID=${FSUUID[1]} / ext4 defaults 0 1"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[1]}: replayed 1 transaction, 1 block"
}

@test "replay -A: LABEL= (also quoted) is resolved with libblkid" {
	make_disk
	fstab "LABEL=${LABEL[2]} /b ext4 defaults 0 2" \
	      "LABEL=\"${LABEL[3]}\" /c ext4 defaults 0 2"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[2]}: replayed 1 transaction, 1 block
${P[3]}: replayed 1 transaction, 1 block"
}

@test "replay -A: PARTUUID= is resolved with libblkid" {
	make_disk
	fstab "PARTUUID=${PARTUUID[3]} /c ext3 defaults 0 2"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[3]}: replayed 1 transaction, 1 block"
}

@test "replay -A: PARTLABEL= is resolved with libblkid" {
	make_disk
	fstab "PARTLABEL=${PARTLABEL[4]} /d ext4 defaults 0 2"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[4]}: replayed 1 transaction, 1 block"
}

@test "replay -A: every form in one fstab, in fstab order; a second run finds them clean" {
	make_disk
	fstab "# comment" "" \
	      "UUID=${FSUUID[1]} / ext4 errors=remount-ro 0 1" \
	      "LABEL=${LABEL[2]} /b ext4 defaults 0 2" \
	      "PARTUUID=${PARTUUID[3]} /c auto defaults 0 2" \
	      "PARTLABEL=${PARTLABEL[4]} /d\\040e ext4 defaults 0 2"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[1]}: replayed 1 transaction, 1 block
${P[2]}: replayed 1 transaction, 1 block
${P[3]}: replayed 1 transaction, 1 block
${P[4]}: replayed 1 transaction, 1 block"
	run -0 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[1]}: clean
${P[2]}: clean
${P[3]}: clean
${P[4]}: clean"
}

@test "replay -A: an auto entry is taken when libblkid finds ext2/3/4, skipped otherwise" {
	make_disk
	mkswap "${P[2]}" >/dev/null 2>&1 || skip "mkswap failed"
	fstab "UUID=${FSUUID[1]} / auto defaults 0 1" \
	      "${P[2]} none auto defaults 0 2"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "${P[1]}: replayed 1 transaction, 1 block"
}

@test "replay -A: octal escapes in the device name (getmntent), no loop device" {
	img="$BATS_TEST_TMPDIR/my disk.img"
	xz -dc "$FIXTURES/revoke.img.xz" > "$img"
	fstab "${BATS_TEST_TMPDIR}/my\\040disk.img / ext4 defaults 0 1"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$img: replayed 3 transactions, 3 blocks"
}

@test "replay -A: an auto image file is probed too" {
	img=$(fixture revoke)
	fstab "$img / auto defaults 0 1"
	run -1 jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$img: replayed 3 transactions, 3 blocks"
}

@test "replay -A: an unresolvable entry gets one line and exit 8 for it; the others are replayed" {
	a=$(fixture revoke)
	u=$(new_uuid)
	fstab "UUID=$u / ext4 defaults 0 1" \
	      "$a /a ext4 defaults 0 2" \
	      "LABEL=nolabel$RANDOM /b auto defaults 0 2"
	run -9 --separate-stderr jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$a: replayed 3 transactions, 3 blocks"
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == "jbdctl: No device has this UUID, LABEL, PARTUUID or PARTLABEL while looking up 'UUID=$u' of '$BATS_TEST_TMPDIR/fstab'" ]]
	[[ "${stderr_lines[1]}" == *"while looking up 'LABEL=nolabel"* ]]
}

@test "replay -A: a missing device with nofail is skipped, as fsck skips it" {
	a=$(fixture revoke)
	fstab "UUID=$(new_uuid) /x ext4 nofail 0 2" \
	      "$BATS_TEST_TMPDIR/nope.img /y ext4 defaults,nofail 0 2" \
	      "$a /a ext4 defaults 0 2"
	run -1 --separate-stderr jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/fstab"
	assert_equal "$output" "$a: replayed 3 transactions, 3 blocks"
	assert_equal "$stderr" ""
}
