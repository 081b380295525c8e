#!/usr/bin/env bats
# Power cuts in create and remove: the command killed right after its Nth
# write to the image, for every N.  Each state left is one e2fsck -fn
# accepts or one that running the command again finishes; either way a
# re-run ends with the image an uninterrupted run leaves (jbdctl(8),
# POWER CUTS).  tune2fs does not survive this.

load test_helper
load tune2fs_helper

setup() {
	[ -f "${POWERCUT_SO:-}" ] || POWERCUT_SO=$TOP_SRCDIR/tests/powercut.so
	[ -f "$POWERCUT_SO" ] || skip "tests/powercut.so is not built"
	require_tool e2fsck
	require_tool mke2fs
}

# powercut_change IMAGE COMMAND...: cut COMMAND on copies of IMAGE after
# every write; compare each finished image with the uninterrupted run.
# With STRIDE=k, after the first 8 writes only every kth is cut until the
# end is found, then every one of the last k: a block-mapped journal is
# zeroed block by block, a thousand writes to free blocks that all leave
# the same state.
powercut_change() {
	local img=$1 ref=$1.ref cut=$1.cut n=0 step=1 last=0 status fsck clean=0 rerun=0
	shift
	cp --sparse=always "$img" "$ref"
	run -1 jbdctl "$@" "$ref"
	while :; do
		if [ "$n" -ge 8 ] && [ "${STRIDE:-1}" -gt 1 ] && [ "$last" -eq 0 ]; then
			step=$STRIDE
		else
			step=1
		fi
		n=$((n + step))
		cp --sparse=always "$img" "$cut"
		status=0
		env LD_PRELOAD="$POWERCUT_SO" JBDCTL_POWERCUT_AFTER="$n" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			JBDCTL_POWERCUT_FILES="$cut" "$JBDCTL" "$@" "$cut" \
			>/dev/null 2>&1 || status=$?
		if [ "$status" -ne 137 ] && [ "$step" -gt 1 ]; then
			# past the end: go back and cut each of the last writes
			n=$((n - step))
			last=1
			continue
		fi
		[ "$status" -eq 137 ] || break
		fsck=0
		e2fsck -fn "$cut" >/dev/null 2>&1 || fsck=$?
		run jbdctl "$@" "$cut"
		if [ "$fsck" -eq 0 ]; then
			clean=$((clean + 1))
			# accepted as it is: done already (the last write), or
			# the re-run makes it again from the start
			[ "$status" -eq 1 ] || [ "$status" -eq 8 ] ||
				{ echo "cut $n: re-run status $status: $output"; return 1; }
		else
			rerun=$((rerun + 1))
			[ "$status" -eq 1 ] ||
				{ echo "cut $n (e2fsck $fsck): re-run status $status: $output"; return 1; }
		fi
		same_image "$ref" "$cut" || { echo "cut after write $n differs"; return 1; }
		run -0 e2fsck -fn "$cut"
	done
	[ "$status" -eq 1 ] || { echo "the uncut run ended with $status"; return 1; }
	[ "$clean" -ge 1 ] && [ "$rerun" -ge 1 ] ||
		{ echo "only $clean clean and $rerun re-run cut points"; return 1; }
	echo "# $*: $clean cuts e2fsck accepts, $rerun finished by a re-run" >&3
}

@test "powercut: create cut after any write: e2fsck accepts it or a re-run finishes it (ext4, metadata_csum)" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal,metadata_csum,64bit "$img" 32M >/dev/null 2>&1
	powercut_change "$img" create
}

@test "powercut: ... create on ext2 with 1k blocks, the journal at a chosen place" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext2 -b 1024 "$img" 16M >/dev/null 2>&1
	STRIDE=97 powercut_change "$img" create -s 1 -l 10M
}

@test "powercut: remove cut after any write: e2fsck accepts it or a re-run finishes it (ext4, metadata_csum)" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O metadata_csum,64bit "$img" 32M >/dev/null 2>&1
	powercut_change "$img" remove
}

@test "powercut: ... remove on ext3 with 1k blocks" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext3 -b 1024 "$img" 16M >/dev/null 2>&1
	powercut_change "$img" remove
}

@test "powercut: a create cut after writing the journal inode, then remove: back to a filesystem e2fsck accepts" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 -O ^has_journal,metadata_csum "$img" 64M >/dev/null 2>&1
	run env LD_PRELOAD="$POWERCUT_SO" JBDCTL_POWERCUT_AFTER=3 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		JBDCTL_POWERCUT_FILES="$img" "$JBDCTL" create "$img"
	[ "$status" -eq 137 ]
	run -4 e2fsck -fn "$img"
	run -1 jbdctl remove "$img"
	[[ "$output" == "$img: finished an interrupted remove ("*" blocks freed)" ]]
	run -0 e2fsck -fn "$img"
	run -0 dumpe2fs -h "$img"
	[[ "$output" != *has_journal* ]]
}
