#!/usr/bin/env bats
# Memory bounded independently of the block size: a 64 KiB-block journal
# whose descriptor names 200 blocks (12.5 MiB of data; a full descriptor
# could name 4,096, 256 MiB) is read, verified and replayed under
# ulimit -v 64 MiB, and the replay ends as e2fsck's.  The log is written
# by debugfs (jo -c, jw, jc).

load test_helper

setup() {
	# ASan reserves terabytes of address space: ulimit -v cannot apply to it.
	if ldd "$JBDCTL" 2>/dev/null | grep -q libasan; then
		skip "address-space limits do not apply to a sanitizer build"
	fi
	require_tool debugfs
	require_tool mke2fs
	require_tool e2fsck
	img=$BATS_TEST_TMPDIR/b64.img
	mke2fs -q -F -t ext4 -b 65536 "$img" 256M 2>/dev/null ||
		skip "mke2fs cannot make 64 KiB blocks here"
	head -c $((65536 * 200)) /dev/urandom > "$BATS_TEST_TMPDIR/data"
	printf 'jo -c\njw -b 3000-3199 %s\njc\n' "$BATS_TEST_TMPDIR/data" |
		debugfs -w -f - "$img" >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery
}

limited() {
	( ulimit -v 65536 && "$@" )
}

@test "memory: logdump -a, verify and replay -n of a 64 KiB-block journal in 64 MiB" {
	run limited "$JBDCTL" logdump -a "$img"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *"No magic number at block 203: end of journal."* ]]
	run limited "$JBDCTL" verify "$img"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	assert_line "$img: replay: would replay 1 transaction (sequence 1..1): 200 blocks to write, 0 revoked, 0 skipped; journal sequence 1 -> 3; the filesystem would be clean"
	run limited "$JBDCTL" replay -n "$img"
	[ "$status" -eq 0 ]
}

@test "memory: replay of a 64 KiB-block journal in 64 MiB ends as e2fsck's" {
	cp "$img" "$img.e2fsck"
	run e2fsck -fy -E journal_only "$img.e2fsck"
	for opt in "" --buffered; do
		cp "$img" "$img.r"
		run limited "$JBDCTL" replay $opt "$img.r"
		[ "$status" -eq 1 ] || { echo "$output"; return 1; }
		[ -z "$(image_diff "$img.e2fsck" "$img.r")" ]
	done
}
