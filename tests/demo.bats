#!/usr/bin/env bats
# The README's first command: fixtures/demo/kernel.img.xz, a journal the
# Linux kernel wrote (fixtures/demo/kernel.sh).  jbdctl must agree with
# e2fsprogs on it, as on every fixture.

load test_helper

setup() {
	IMG="$BATS_TEST_TMPDIR/demo.img"
	xz -dc "$TOP_SRCDIR/fixtures/demo/kernel.img.xz" > "$IMG"
}

@test "demo: the kernel's commit times are real times, in logdump's words" {
	run -0 jbdctl logdump -a "$IMG"
	[[ "$output" == *"Commit time "* ]]
	[[ "$output" != *"seconds<<32"* ]]
	want=$(debugfs -R logdump "$IMG" 2>/dev/null | grep -c '^Found expected sequence')
	[ "$(printf '%s\n' "$output" | grep -c '^Found expected sequence')" = "$want" ]
}

@test "demo: verify, replay -n, replay as e2fsck -E journal_only does, then e2fsck -fn clean" {
	run -0 jbdctl verify "$IMG"
	run -0 jbdctl replay -n "$IMG"
	cp "$IMG" "$BATS_TEST_TMPDIR/e2fsck.img"
	e2fsck -y -E journal_only "$BATS_TEST_TMPDIR/e2fsck.img" >/dev/null 2>&1 || true
	run -1 jbdctl replay "$IMG"
	assert_equal "$(image_diff "$BATS_TEST_TMPDIR/e2fsck.img" "$IMG")" ""
	run -0 e2fsck -fn "$IMG"
	[[ "$output" != *"Fix"* ]]
}
