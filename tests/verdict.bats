#!/usr/bin/env bats
# One recovery verdict (issue 12): info, verify, replay -n and replay, all
# with --json, agree on the transactions to replay, the blocks, the end of
# the log and the verdict, on every fixture, every corpus image and the
# damaged journals where they used to disagree; each exit status is the
# one the table of jbdctl(8) derives from that verdict.  Where e2fsck can
# say (the journal sequence and the filesystem state it leaves), the
# verdict is checked against it too.

load test_helper

setup() {
	require_tool jq
	require_tool e2fsck
	require_tool debugfs
}

# The part of the verdict every command must print the same.
VERDICT_JQ='.verdict | {outcome, needs_replay, refused, transactions, first_sequence,
	last_sequence, blocks_logged, blocks_to_write, revoked, skipped, "end": .end, failure,
	failed_commit, sequence_before, sequence_after, filesystem_state}'

# What replay -n exits for an outcome (jbdctl(8), EXIT STATUS).
dry_status() {
	case $1 in
	nothing_to_do|replay) echo 0 ;;
	replay_corrupt) echo 4 ;;
	refused) echo "4 8" ;;
	esac
}

# agree LABEL IMG [JNL]: the four commands agree; prints the outcome on fd 3.
agree() {
	local label=$1 img=$2 jnl=${3:-} t=$BATS_TEST_TMPDIR out rc want w ok
	local jopt=() e2jopt=()
	if [ -n "$jnl" ]; then
		jopt=(-j "$jnl")
	fi
	run --separate-stderr jbdctl replay -n --json "${jopt[@]}" "$img"
	rc=$status
	jq -S "$VERDICT_JQ" <<<"$output" >"$t/plan" ||
		{ echo "$label: replay -n --json: no verdict"; return 1; }
	out=$(jq -r .outcome "$t/plan")
	ok=0
	for w in $(dry_status "$out"); do [ "$rc" = "$w" ] && ok=1; done
	[ $ok = 1 ] || { echo "$label: replay -n exits $rc for outcome $out"; return 1; }
	[ "$(jq -r .outcome.exit_status <<<"$output")" = "$rc" ] ||
		{ echo "$label: replay -n: outcome.exit_status is not its exit status"; return 1; }

	run --separate-stderr jbdctl info --json "${jopt[@]}" "$img"
	want=$(( rc & 4 ))
	[ "$status" = "$want" ] || { echo "$label: info exits $status, want $want"; return 1; }
	jq -S "$VERDICT_JQ" <<<"$output" >"$t/info"
	diff -u "$t/plan" "$t/info" || { echo "$label: info's verdict differs from replay -n's"; return 1; }

	run --separate-stderr jbdctl verify --json "${jopt[@]}" "$img"
	# Never less than replay -n: its bits are all set in verify's status.
	[ $(( status & rc )) = "$rc" ] && [ $(( status & ~4 )) = $(( rc & ~4 )) ] ||
		{ echo "$label: verify exits $status where replay -n exits $rc"; return 1; }
	jq -S "$VERDICT_JQ" <<<"$output" >"$t/verify"
	diff -u "$t/plan" "$t/verify" || { echo "$label: verify's verdict differs from replay -n's"; return 1; }

	run --separate-stderr jbdctl logdump --json "${jopt[@]}" "$img"
	[ "$status" = "$want" ] || { echo "$label: logdump exits $status, want $want"; return 1; }
	jq -S "$VERDICT_JQ" <<<"$output" >"$t/logdump"
	diff -u "$t/plan" "$t/logdump" || { echo "$label: logdump's verdict differs from replay -n's"; return 1; }

	cp "$img" "$t/ours.img"
	cp "$img" "$t/e2.img"
	if [ -n "$jnl" ]; then
		cp "$jnl" "$t/ours.jnl"
		cp "$jnl" "$t/e2.jnl"
		jopt=(-j "$t/ours.jnl")
		e2jopt=(-j "$t/e2.jnl")
	fi
	run --separate-stderr jbdctl replay --json "${jopt[@]}" "$t/ours.img"
	case $out in
	nothing_to_do) want=0 ;;
	replay) want=1 ;;
	replay_corrupt) want=5 ;;
	refused) want=$rc ;;
	esac
	[ "$status" = "$want" ] || { echo "$label: replay exits $status, want $want"; return 1; }
	[ "$(jq -r .outcome.exit_status <<<"$output")" = "$want" ] ||
		{ echo "$label: replay: outcome.exit_status is not its exit status"; return 1; }
	jq -S "$VERDICT_JQ" <<<"$output" >"$t/replay"
	diff -u "$t/plan" "$t/replay" || { echo "$label: replay's outcome differs from its plan (replay -n)"; return 1; }

	# e2fsck's journal step on the same input: the sequence it leaves and
	# the filesystem state (not for a refusal: e2fsck may go further).
	if [ "$out" != refused ]; then
		e2fsck -y -E journal_only "${e2jopt[@]}" "$t/e2.img" >/dev/null 2>&1 || true
		local seq state
		seq=$(dumpe2fs -h "${jnl:+$t/e2.jnl}" 2>/dev/null | sed -n 's/^Journal sequence: *//p')
		[ -n "$jnl" ] || seq=$(dumpe2fs -h "$t/e2.img" 2>/dev/null | sed -n 's/^Journal sequence: *//p')
		state=$(dumpe2fs -h "$t/e2.img" 2>/dev/null | sed -n 's/^Filesystem state: *//p')
		[ "$(( seq ))" = "$(jq -r .sequence_after "$t/plan")" ] ||
			{ echo "$label: e2fsck leaves sequence $seq, the verdict says $(jq -r .sequence_after "$t/plan")"; return 1; }
		[ "$state" = "$(jq -r .filesystem_state "$t/plan")" ] ||
			{ echo "$label: e2fsck leaves the filesystem '$state', the verdict says $(jq -r .filesystem_state "$t/plan")"; return 1; }
	fi
	echo "$out" >&3
	rm -f "$t"/ours.* "$t"/e2.*
}

@test "verdict: info, verify, logdump, replay -n and replay agree on every fixture, and e2fsck with them" {
	local name img jnl fail=0
	for name in $(fixture_names); do
		img=$(fixture "$name")
		jnl=""
		[ -f "$FIXTURES/$name.jnl.xz" ] && jnl=$(fixture_journal "$name")
		agree "$name" "$img" "$jnl" 3>/dev/null || fail=1
		rm -f "$img" ${jnl:+"$jnl"}
	done
	[ "$fail" = 0 ]
}

@test "verdict: ... and on every corpus image, fast commits included" {
	require_corpus
	require_tool zstd
	local f name img jnl fail=0 out
	for f in "$CORPUS"/*.crash.img.zst; do
		name=$(basename "$f" .crash.img.zst)
		img=$(corpus_image "$name.crash")
		jnl=""
		[ -f "$CORPUS/$name.journal.img.zst" ] && jnl=$(corpus_image "$name.journal")
		out=$(agree "$name" "$img" "$jnl" 3>&1 >"$BATS_TEST_TMPDIR/why") ||
			{ cat "$BATS_TEST_TMPDIR/why"; fail=1; }
		want=replay
		[ "$out" = "$want" ] || [ "$fail" = 1 ] ||
			{ echo "$name: outcome $out, want $want"; fail=1; }
		rm -f "$img" ${jnl:+"$jnl"}
	done
	[ "$fail" = 0 ]
}

# The disagreements issue 12 lists, each on a damaged copy of the revoke
# fixture (csum v3, T1..T3 committed, T3 revoking a block of T2, T4
# uncommitted), each through the same agreement check.

@test "verdict: a bad commit checksum in T2: every command says 1 transaction, as replay replays" {
	img=$(fixture revoke)
	flip "$img" $(( $(journal_offset "$img" "$(log_block "$img" 2 commit)") + 0x10 ))
	agree revoke-commit-csum "$img" 3>/dev/null
	run -4 jbdctl info "$img"
	[[ "$output" == *"needs recovery: 1 transaction to replay, sequence 1..1"* ]]
	jq -e '.verdict.failed_commit == 2 and .verdict.end.reason == "commit_checksum"' \
		< <(jbdctl info --json "$img")
}

@test "verdict: a stale descriptor (bad checksum, then an older commit time) is a clean end: verify exits 0 with a note, as replay replays cleanly" {
	img=$(fixture revoke)
	flip "$img" $(( $(journal_offset "$img" "$(log_block "$img" 2 descriptor)") + 1023 ))
	# T2's commit time goes back to 1, older than T1's: what lazy journal
	# init leaves, and what the kernel and e2fsck take as the log's end.
	poke "$img" $(( $(journal_offset "$img" "$(log_block "$img" 2 commit)") + 0x30 )) 0000000000000001
	run -0 jbdctl verify "$img"
	[[ "$output" == *"journal is well formed: 0 errors"* ]]
	run -0 jbdctl verify --json "$img"
	jq -e '.errors == 0 and ([.problems[] | select(.kind == "stale_end")][0].severity == "info")
		and .verdict.end.reason == "stale" and .verdict.outcome == "replay"' <<<"$output"
	agree revoke-stale "$img" 3>/dev/null
}

@test "verdict: a bad data checksum: replay names what it skipped and counts what it wrote" {
	img=$(fixture revoke)
	d=$(log_block "$img" 1 descriptor)
	flip "$img" $(( $(journal_offset "$img" $(( d + 2 ))) + 7 ))	# T1's 5001
	agree revoke-data-csum "$img" 3>/dev/null
	run -5 jbdctl replay "$img"
	[[ "$output" == *"checksum error in the logged copy of block 5001: not replayed"* ]]
	[[ "$output" == *"replayed 3 transactions (sequence 1..3): 2 blocks written, 1 revoked, 1 skipped"* ]]
	[[ "$output" != *"journal block 0"* ]]
	[[ "$output" != *"replayed 0 transactions"* ]]
}

@test "verdict: a tag past the end of the filesystem: every command says replay refuses (exit 4)" {
	img=$(fixture ext3-1k)
	b=$(log_block "$img" 1 descriptor)
	poke "$img" $(( $(journal_offset "$img" "$b") + 12 )) 00100000
	out=$(agree ext3-tag-range "$img" 3>&1 >/dev/null)
	assert_equal "$out" refused
	run -4 jbdctl replay -n "$img"
	run -4 jbdctl info "$img"
}

@test "verdict: a torn tail is named: transaction N has no commit block and is not replayed" {
	img=$(fixture uncommitted-tail)
	run -0 jbdctl replay -n "$img"
	[[ "$output" == *"transaction 3 (journal block "*") has no commit block and is not replayed"* ]]
	run -0 jbdctl info "$img"
	[[ "$output" == *"Log end:"*"transaction 3 (journal block "*") has no commit block and is not replayed"* ]]
	run -0 jbdctl logdump "$img"
	[[ "$output" == *"Recovery: transaction 3 (journal block "*") has no commit block and is not replayed"* ]]
}

@test "verdict: a journal inode number past the inode count, or of size 0, is corruption (exit 4), as e2fsck's 'invalid journal'" {
	img=$(fixture revoke)
	cp "$img" "$img.size0"
	debugfs -w -R "ssv journal_inum 99999" "$img" >/dev/null 2>&1
	for cmd in info verify logdump "replay -n"; do
		run -4 jbdctl $cmd "$img"
	done
	debugfs -w -R "sif <8> size 0" "$img.size0" >/dev/null 2>&1
	for cmd in info verify logdump "replay -n"; do
		run -4 jbdctl $cmd "$img.size0"
	done
}

@test "verdict: with -j, a bad filesystem superblock is blamed on the filesystem, not the journal" {
	img=$(fixture external)
	jnl=$(fixture_journal external)
	poke "$img" $(( 1024 + 56 )) 0000	# s_magic
	run -8 --separate-stderr jbdctl info -j "$jnl" "$img"
	assert_equal "$stderr" "jbdctl: Bad magic number in super-block while opening '$img'"
}

@test "verdict: replay -p does not call clean a filesystem it left not clean" {
	img=$(fixture revoke)
	flip "$img" $(( $(journal_offset "$img" "$(log_block "$img" 2 descriptor)") + 1023 ))
	run -5 jbdctl replay -p "$img"
	run -0 jbdctl replay -p "$img"
	assert_equal "$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Filesystem state: *//p')" "not clean"
	assert_equal "$output" "$img: journal clean; filesystem not clean: run e2fsck -f"
}

@test "verdict: a bad option is one line naming jbdctl, then the hint" {
	for cmd in create info logdump remove replay verify; do
		run -16 --separate-stderr jbdctl $cmd -x img
		assert_equal "$stderr" "jbdctl: invalid option -- 'x'
Try 'jbdctl $cmd --help' for more information."
	done
	run -16 --separate-stderr jbdctl info --bogus img
	[[ "$stderr" == "jbdctl: unrecognized option '--bogus'"* ]]
	run -16 --separate-stderr jbdctl info -j
	[[ "$stderr" == "jbdctl: option requires an argument -- 'j'"* ]]
}
