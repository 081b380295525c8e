#!/usr/bin/env bats
# Crash states: a sample of what make crashcheck does in full.  Each run
# is recorded write by write (tests/writelog.so); tests/crashgen rebuilds
# the disk as a power cut could leave it before each flush (durable
# writes, and none, all, a random subset or a torn one of the rest) and
# the state must end, after a re-run, as the uninterrupted run did.

load test_helper

setup() {
	[ -f "${WRITELOG_SO:-}" ] || WRITELOG_SO=$TOP_SRCDIR/tests/writelog.so
	[ -x "${CRASHGEN:-}" ] || CRASHGEN=$TOP_SRCDIR/tests/crashgen
	[ -f "$WRITELOG_SO" ] && [ -x "$CRASHGEN" ] || skip "the crash-state tools are not built"
	require_tool e2fsck
	export WRITELOG_SO CRASHGEN JBDCTL TOP_SRCDIR
}

@test "crash states: a sample of replay (direct, buffered, direct I/O refused, external journal), create, remove" {
	run env CRASHCHECK_XFAIL="create,remove" bash "$TOP_SRCDIR/tests/crashcheck.sh" --sample
	printf '%s\n' "$output" | sed -n '/^totals:/,$p' | sed 's/^/# /' >&3
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Every mode ran states.
	for key in "replay direct" "replay buffered" "replay nodirect"; do
		n=$(printf '%s\n' "$output" | sed -n "s/^  $key: \([0-9]*\) states tried.*/\1/p")
		[ "${n:-0}" -ge 10 ] || { echo "$key: ${n:-no} states"; return 1; }
	done
}

@test "crash states: the generator's model (pending writes, flushes, torn sectors)" {
	local t=$BATS_TEST_TMPDIR
	printf 'x%.0s' $(seq 4096) > "$t/f"
	cp "$t/f" "$t/base"
	# A write never synced: some state lacks it.
	env LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$t/log" JBDCTL_WRITELOG_FILES="$t/f" \
		dd if=/dev/zero of="$t/f" bs=4096 count=1 conv=notrunc status=none
	run "$CRASHGEN" -n 2 -m 2 "$t/log" "cmp -s -n 4096 $t/s /dev/zero" "$t/base" "$t/s"
	[ "$status" -eq 1 ]
	# Synced: the state after the fsync always has it ...
	env LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$t/log2" JBDCTL_WRITELOG_FILES="$t/f" \
		dd if=/dev/zero of="$t/f" bs=4096 count=1 conv=notrunc,fsync status=none
	run "$CRASHGEN" -n 2 -m 2 "$t/log2" \
		"case \$CRASH_STATE in 'event 3:'*) cmp -s -n 4096 $t/s /dev/zero ;; esac" "$t/base" "$t/s"
	[ "$status" -eq 0 ]
	# ... and before it, a torn write leaves a file neither old nor new.
	run "$CRASHGEN" -n 2 -m 2 "$t/log2" \
		"cmp -s $t/s $t/base || cmp -s -n 4096 $t/s /dev/zero" "$t/base" "$t/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"torn write"* ]]
}
