#!/usr/bin/env bats
# Every input saved in tests/fuzz/regress (the seeds, and every input the
# fuzzer ever found a crash with) goes through the fuzz target again: the
# read path, verify and a replay.  Under --enable-sanitizers, with ASan
# and UBSan.  `make fuzz` runs the libFuzzer build; see README.

load test_helper

setup() {
	: "${FUZZ_RUN_ONE:=$TOP_SRCDIR/tests/fuzz/run-one}"
	[ -x "$FUZZ_RUN_ONE" ] || skip "tests/fuzz/run-one is not built"
	JBDCTL_FUZZ_BASE=$(fixture revoke)
	TMPDIR=$BATS_TEST_TMPDIR
	export JBDCTL_FUZZ_BASE TMPDIR
}

@test "fuzz: every saved input runs through logdump, verify and replay without a crash" {
	inputs=("$TOP_SRCDIR"/tests/fuzz/regress/*)
	[ "${#inputs[@]}" -ge 7 ]
	run -0 "$FUZZ_RUN_ONE" "${inputs[@]}"
}

@test "fuzz: the target really replays: a seed changes the image in memory" {
	# JBDCTL_FUZZ_OUT: the image as the last run left it.
	latest=$BATS_TEST_TMPDIR/out.img
	JBDCTL_FUZZ_OUT=$latest run -0 "$FUZZ_RUN_ONE" "$TOP_SRCDIR/tests/fuzz/regress/seed-revoke"
	run -0 dumpe2fs -h "$latest"
	[[ "$output" != *needs_recovery* ]]
	[[ "$output" == *"Journal start:            0"* ]]
}

@test "fuzz: the target sees a replay that writes into the journal" {
	# What tests/mutate.bats checks of every replay, the target checks of
	# every input: a write into a journal block other than the superblock
	# is a finding (abort), here made on purpose.
	JBDCTL_FUZZ_POKE_JOURNAL=1 run "$FUZZ_RUN_ONE" "$TOP_SRCDIR/tests/fuzz/regress/seed-revoke"
	[ "$status" -ne 0 ]
	[[ "$output" == *"writes into the journal or past the image end"* ]]
}
