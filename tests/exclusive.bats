#!/usr/bin/env bats
# Exclusive opens on block devices (loop devices): every command that
# writes (replay, create, remove) opens the device so that a mount or a
# second writer is refused, as e2fsck does; dry runs run the same mount
# check as the real commands.

load test_helper

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for loop devices"
	command -v losetup >/dev/null 2>&1 || skip "no losetup"
	[ -f "${POWERCUT_SO:-}" ] || POWERCUT_SO=$TOP_SRCDIR/tests/powercut.so
	LOOP=
	MNT=
}

teardown() {
	[ -n "${PID:-}" ] && { kill -CONT "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	true
}

attach() {
	LOOP=$(losetup -f --show "$1" 2>/dev/null) || skip "no loop device"
}

# Wait (no time limit: bats's own) until process $1 is stopped.
wait_stopped() {
	while [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)" != T ]; do
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
}

@test "exclusive: a second replay of the same device while one runs is refused (exit 8), the first one finishes" {
	[ -f "$POWERCUT_SO" ] || skip "tests/powercut.so is not built"
	img=$(fixture revoke)
	cp "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	attach "$img"
	# The first replay stops itself after its first write, device open.
	env LD_PRELOAD="$POWERCUT_SO" JBDCTL_POWERCUT_AFTER=1 \
		JBDCTL_POWERCUT_SIGNAL=STOP JBDCTL_POWERCUT_FILES="$LOOP" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$JBDCTL" replay "$LOOP" > "$BATS_TEST_TMPDIR/first.out" 2>&1 &
	PID=$!
	wait_stopped "$PID"
	run -8 --separate-stderr jbdctl replay "$LOOP"
	assert_equal "$stderr" "jbdctl: Device or resource busy while opening '$LOOP' for writing (mounted, or open in another program such as a second jbdctl or e2fsck)"
	# create and remove are refused alike, and e2fsck is kept out too
	run -8 --separate-stderr jbdctl remove -f "$LOOP"
	[[ "$stderr" == *"Device or resource busy while opening '$LOOP' for writing"* ]]
	run e2fsck -fy "$LOOP"
	[ "$status" -eq 8 ]
	kill -CONT "$PID"
	status=0
	wait "$PID" || status=$?
	PID=
	[ "$status" -eq 1 ] || { cat "$BATS_TEST_TMPDIR/first.out"; false; }
	losetup -d "$LOOP"
	LOOP=
	[ -z "$(image_diff "$img.e2fsck" "$img")" ]
}

@test "exclusive: replay, create, remove and their dry runs refuse a read-write mounted device" {
	img=$BATS_TEST_TMPDIR/fs.img
	mke2fs -q -F -t ext4 "$img" 64M >/dev/null 2>&1
	attach "$img"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir "$MNT"
	mount "$LOOP" "$MNT" 2>/dev/null || { MNT=; skip "cannot mount here"; }
	for cmd in "replay" "replay -n" "create" "create -n" "remove" "remove -n"; do
		run -8 --separate-stderr jbdctl $cmd "$LOOP"
		assert_equal "$stderr" "jbdctl: Filesystem is mounted read-write while opening '$LOOP' for writing"
	done
	umount "$MNT"
	MNT=
}

@test "exclusive: a read-only mounted filesystem (the root at boot) is replayed, as e2fsck does; create and remove are refused" {
	img=$(fixture revoke)
	attach "$img"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir "$MNT"
	mount -o ro,noload "$LOOP" "$MNT" 2>/dev/null || { MNT=; skip "cannot mount here"; }
	# Written under a mounted filesystem: 1 | 2, reboot (mounted.bats).
	run -3 --separate-stderr jbdctl replay "$LOOP"
	[[ "$output" == *"REBOOT"* ]]
	run -8 --separate-stderr jbdctl remove -n "$LOOP"
	assert_equal "$stderr" "jbdctl: Filesystem is mounted while opening '$LOOP' for writing"
	umount "$MNT"
	MNT=
}
