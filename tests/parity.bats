#!/usr/bin/env bats
# Parity with e2fsck's journal step on the journal cases of e2fsprogs' own test suite.
# Images: fixtures/images/parity/ (recipe fixtures/gen/parity.sh).  Every expected result is
# what e2fsck -y -E journal_only (or debugfs logdump) does on the same image, asked here.
#
# e2fsprogs tests checked, and what covers each here or elsewhere:
#   f_badjourblks, f_badjour_indblks     badjour-clri, badjour-dir, badjour-indblk: inode 8
#                                        unusable, log read through s_jnl_blocks, inode written
#                                        back (e2fsck_get_journal's backup path)
#   f_journal                            badjour-selflog: the log rewrites the inode-table block
#                                        of the journal inode read through the backup, with the
#                                        same map: replayed (no self-modifying refusal)
#   f_badjour_encrypted                  badjour-encrypt (backup used), encrypted (no usable
#                                        backup: extent-mapped journal): refused, exit 4
#   f_jnl_errno                          errno-only: s_errno moved into the fs, s_sequence kept
#   j_corrupt_revoke_rcount              revoke-count: logdump goes on to the commit, replay
#                                        leaves what e2fsck leaves (nothing replayed)
#   j_ext_dumpe2fs, f_ext_journal        ext-shared: an external journal with 2 users is refused
#                                        (e2fsck exit 12, nothing written)
#   (no e2fsprogs test: issue 12 case 6) logged-super: a logged copy of block 1 that is no
#                                        superblock: replayed, journal emptied, fs sb left alone
#   (clear_v2_journal_fields)            v1-fields, nrusers-internal, v1-fields-clean
#   (issue 12 case 8)                    lap: a descriptor running past one lap is no loop; the
#                                        true loop is limits.bats "a log whose tid never ends"
#   j_short_trans*, j_long_trans*, j_short_revoke_trans*, j_long_revoke_trans*,
#   j_short_uncommitted_trans*, j_recover_csum2_*, j_recover_csum3_64bit, j_short_trans_old_csum,
#   j_ext_long_trans, j_ext_long_revoke_trans, f_jnl_32bit, f_jnl_64bit
#                                        the replay fixtures (fixtures/images/*.img.xz,
#                                        validated against e2fsck by their recipes; oracle.bats)
#   j_corrupt_commit_csum, j_corrupt_commit_tid, j_corrupt_descr_csum, j_corrupt_descr_tid,
#   j_corrupt_journal_block, j_corrupt_revoke_csum, j_corrupt_sb_csum, j_corrupt_sb_magic
#                                        errors.bats, mutate.bats (checksum and tid mutations
#                                        of the fixtures against e2fsck)
#   j_recover_fast_commit                fastcommit.bats: its image, when E2FSPROGS_TESTS has
#                                        it, gives the tree e2fsck's expect lists; our own
#                                        full-commit-then-fast-commits fixtures are checked
#                                        against the kernel's rules (e2fsck 1.47 is wrong on
#                                        unlink, mkdir and an inode number reused)
#   f_bad_local_jnl, f_extra_journal, f_miss_journal, f_jnl_etb_alloc_fail, j_corrupt_sb_csum,
#   j_corrupt_sb_magic, f_badjourblks without a backup
#                                        e2fsck repairs or recreates the journal; jbdctl is no
#                                        journal repairer: it writes nothing (exit 4, or 0 when
#                                        there is nothing to replay), so e2fsck run after it
#                                        leaves what e2fsck alone leaves (errors.bats, parity 7)
#
# Run on e2fsprogs 1.47.0's own test images (tests/j_*, f_*j*), e2fsck -y -E journal_only
# after jbdctl replay leaves what e2fsck alone leaves on every one, but for times and the
# random sequence e2fsck gives a journal it recreates.

load test_helper

load oracle_helper

setup() {
	require_tool e2fsck
	require_tool debugfs
}

# parity_image NAME: decompress parity/NAME (and its journal device): IMG, JNL ("" if none).
parity_image() {
	IMG=$BATS_TEST_TMPDIR/$1.img
	JNL=""
	xz -dc "$FIXTURES/parity/$1.img.xz" >"$IMG" || return 1
	if [ -f "$FIXTURES/parity/$1.jnl.xz" ]; then
		JNL=$BATS_TEST_TMPDIR/$1.jnl
		xz -dc "$FIXTURES/parity/$1.jnl.xz" >"$JNL" || return 1
	fi
}

# versus NAME: e2fsck -y -E journal_only on one copy (IMG.e2fsck, exit E2RC), jbdctl replay
# on another (IMG.jbdctl, exit RC).
versus() {
	local t=$BATS_TEST_TMPDIR
	parity_image "$1"
	cp "$IMG" "$IMG.e2fsck"
	cp "$IMG" "$IMG.jbdctl"
	if [ -n "$JNL" ]; then
		cp "$JNL" "$JNL.e2fsck"
		cp "$JNL" "$JNL.jbdctl"
	fi
	E2RC=0
	e2fsck -y -E journal_only ${JNL:+-j "$JNL.e2fsck"} "$IMG.e2fsck" >"$t/e2fsck.out" 2>&1 ||
		E2RC=$?
	RC=0
	jbdctl replay ${JNL:+-j "$JNL.jbdctl"} "$IMG.jbdctl" >"$t/replay.out" 2>&1 || RC=$?
}

# same_image A B: equal but for the fields image_diff ignores (times, kbytes written).
same_image() {
	local d
	d=$(image_diff "$1" "$2")
	if [ -n "$d" ]; then
		echo "=== $1 vs $2"
		echo "$d"
		sed 's/^/e2fsck: /' "$BATS_TEST_TMPDIR/e2fsck.out"
		sed 's/^/jbdctl: /' "$BATS_TEST_TMPDIR/replay.out"
		return 1
	fi
}

want_rc() {
	if [ "$1" != "$2" ]; then
		echo "=== $3: exit $1, wanted $2"
		sed 's/^/e2fsck: /' "$BATS_TEST_TMPDIR/e2fsck.out"
		sed 's/^/jbdctl: /' "$BATS_TEST_TMPDIR/replay.out"
		return 1
	fi
}

@test "parity 1: an unusable journal inode is read through s_jnl_blocks and restored, as e2fsck does" {
	for name in badjour-clri badjour-dir badjour-indblk badjour-encrypt badjour-selflog; do
		versus "$name"
		want_rc "$E2RC" 0 "$name: e2fsck"
		want_rc "$RC" 1 "$name: jbdctl replay"
		same_image "$IMG.e2fsck" "$IMG.jbdctl"
		# The bar of the issue: e2fsck after jbdctl leaves what e2fsck alone leaves.
		e2fsck -y -E journal_only "$IMG.jbdctl" >/dev/null 2>&1 || true
		same_image "$IMG.e2fsck" "$IMG.jbdctl"
	done
}

@test "parity 1: logdump, info and verify read the log through the backup and say so" {
	local t=$BATS_TEST_TMPDIR
	for name in badjour-clri badjour-indblk; do
		parity_image "$name"
		debugfs_logdump "$IMG" "" -s -a | awk "$DEBUGFS_CANON_AWK" | LC_ALL=C sort >"$t/want"
		run -0 --separate-stderr jbdctl logdump --json "$IMG"
		printf '%s\n' "$output" | jq -r "$JBDCTL_CANON_JQ" | LC_ALL=C sort >"$t/got"
		same "$name: logdump --json vs debugfs logdump -s -a" "$t/want" "$t/got"
		run -0 jbdctl logdump "$IMG"
		[[ "${lines[0]}" == "Journal inode 8 is unusable ("*"): the log is read through the superblock's backup (s_jnl_blocks)" ]]
		run -0 jbdctl info "$IMG"
		[[ "$output" == *"Journal read through:     the superblock's backup (s_jnl_blocks): inode 8 is unusable"* ]]
		run -0 jbdctl info --json "$IMG"
		[ "$(printf '%s\n' "$output" | jq .filesystem.read_through_backup)" = true ]
		run -0 jbdctl verify --json "$IMG"
		[ "$(printf '%s\n' "$output" | jq -r '[.problems[].kind] | index("journal_inode") != null')" = true ]
	done
}

@test "parity 2: an encrypted journal inode without a usable backup is refused, nothing written" {
	versus encrypted
	# e2fsck does not replay it: the logged blocks keep their old content.
	cmp <(dd if="$IMG" bs=1024 skip=5000 count=2 status=none) \
	    <(dd if="$IMG.e2fsck" bs=1024 skip=5000 count=2 status=none)
	want_rc "$RC" 4 "jbdctl replay"
	cmp "$IMG" "$IMG.jbdctl"
	run -4 jbdctl verify "$IMG"
	[[ "$output" == *"Journal inode is encrypted"* ]]
}

@test "parity 3: s_errno alone goes into the filesystem, s_sequence stays, as e2fsck does" {
	versus errno-only
	want_rc "$E2RC" 0 "e2fsck"
	same_image "$IMG.e2fsck" "$IMG.jbdctl"
	cmp <(dumpe2fs -h "$IMG" 2>/dev/null | grep '^Journal sequence:') \
	    <(dumpe2fs -h "$IMG.jbdctl" 2>/dev/null | grep '^Journal sequence:')
	dumpe2fs -h "$IMG.jbdctl" 2>/dev/null | grep -q '^Filesystem state: *clean with errors$'
}

@test "parity 4: a revoke block with an impossible r_count: logdump goes on to the commit, replay leaves what e2fsck leaves" {
	local t=$BATS_TEST_TMPDIR
	versus revoke-count
	grep -q 'Invalid argument while recovering journal' "$BATS_TEST_TMPDIR/e2fsck.out"
	same_image "$IMG.e2fsck" "$IMG.jbdctl"
	[ $((RC & 4)) = 4 ]
	# debugfs dumps the block's bytes as records (after "r_count invalid", printed with a
	# backspace for its newline); jbdctl lists none: those lines aside, the same blocks, commits and end.
	debugfs_logdump "$IMG" "" -a | awk "$DEBUGFS_CANON_AWK" |
		grep -v -e '^r 2 ' -e "^? Revoke block's r_count invalid: 5000" |
		LC_ALL=C sort >"$t/want"
	run -4 --separate-stderr jbdctl logdump --json "$IMG"
	printf '%s\n' "$output" | jq -r "$JBDCTL_CANON_JQ" | LC_ALL=C sort >"$t/got"
	same "logdump --json vs debugfs logdump -a" "$t/want" "$t/got"
	grep -q '^C 2 8$' "$t/got"
	[ "$(printf '%s\n' "$output" | jq '.transactions[1].revoke_blocks[0].r_count_valid')" = false ]
	run -4 jbdctl logdump "$IMG"
	[[ "$output" == *"Revoke block's r_count invalid: 5000"* ]]
	[[ "$output" == *"Found expected sequence 2, type 2 (commit block) at block 8"* ]]
}

@test "parity 5: an external journal with several users is refused, nothing written, as e2fsck does" {
	versus ext-shared
	want_rc "$E2RC" 12 "e2fsck"
	grep -q 'External journal has multiple filesystem users (unsupported)' \
		"$BATS_TEST_TMPDIR/e2fsck.out"
	cmp "$IMG" "$IMG.e2fsck"
	cmp "$JNL" "$JNL.e2fsck"
	want_rc "$RC" 8 "jbdctl replay"
	grep -q "^jbdctl: External journal has multiple filesystem users (unsupported) while" \
		"$BATS_TEST_TMPDIR/replay.out"
	cmp "$IMG" "$IMG.jbdctl"
	cmp "$JNL" "$JNL.jbdctl"
}

@test "parity 6: a logged copy of the superblock's block that is no superblock: as e2fsck leaves it" {
	versus logged-super
	want_rc "$E2RC" 12 "e2fsck"
	grep -q 'Bad magic number in super-block while trying to re-open' \
		"$BATS_TEST_TMPDIR/e2fsck.out"
	cmp "$IMG.e2fsck" "$IMG.jbdctl"
	want_rc "$RC" 5 "jbdctl replay"
	run -4 jbdctl verify --json "$IMG"
	[ "$(printf '%s\n' "$output" | jq -r '[.problems[] | select(.severity == "error") | .kind] | index("logged_superblock") != null')" = true ]
}

@test "parity 7: V2 fields of a V1 superblock, or users of an internal journal, cleared as e2fsck clears them while it replays" {
	for name in v1-fields nrusers-internal; do
		versus "$name"
		want_rc "$E2RC" 0 "$name: e2fsck"
		grep -q 'Clearing fields beyond the V1 journal superblock' "$BATS_TEST_TMPDIR/e2fsck.out"
		want_rc "$RC" 1 "$name: jbdctl replay"
		same_image "$IMG.e2fsck" "$IMG.jbdctl"
	done
}

@test "parity 7: with nothing to replay, V2 fields of a V1 superblock are reported, not written" {
	parity_image v1-fields-clean
	cp "$IMG" "$IMG.orig"
	run -0 jbdctl replay "$IMG"
	cmp "$IMG" "$IMG.orig"
	run -0 jbdctl verify --json "$IMG"
	[ "$(printf '%s\n' "$output" | jq -r '[.problems[].kind] | index("v2_fields") != null')" = true ]
}

@test "parity 8: a descriptor whose blocks run past one lap of the log is no loop: replayed as e2fsck replays it" {
	versus lap
	want_rc "$E2RC" 0 "e2fsck"
	want_rc "$RC" 1 "jbdctl replay"
	same_image "$IMG.e2fsck" "$IMG.jbdctl"
	run -0 jbdctl verify "$IMG"
}
