#!/usr/bin/env bats
# The fast-commit area: logdump, info, verify and replay's refusals, on the
# real-kernel fast-commit crash images of the corpus and on copies of them
# with one field changed.
#
# Expected values come from debugfs logdump (the record lines), dumpe2fs -h
# (the fast-commit length), MANIFEST.tsv (fc_tags) and, for the changed
# copies, from the kernel's scan rules (fs/ext4/fast_commit.c
# ext4_fc_replay_scan): a tail whose crc or tid is wrong ends the scan; the
# records since the last good tail are not replayed; when no fast commit is
# complete before that, the kernel's recovery fails (the mount is refused).

load test_helper

# The fast-commit images of the corpus: NAME=path of the compressed image.
fc_images() {
	echo "fast-commit.crash=$CORPUS/fast-commit.crash.img.zst"
	echo "fast-commit-13.crash=$CORPUS/fast-commit-kernel/fast-commit-13.crash.img.zst"
	echo "fast-commit-mkdir-13.crash=$CORPUS/fast-commit-kernel/fast-commit-mkdir-13.crash.img.zst"
}

fc_image() {
	local out="$BATS_TEST_TMPDIR/$1.img"
	zstd -q -dc "$2" > "$out" || return 1
	echo "$out"
}

# debugfs logdump's fast-commit "tag" lines.  debugfs prints a name with %s
# although it is not NUL-ended: the byte after it (the low byte of the next
# record's tag, then its high byte 0) shows up before the closing quote.
# Such control bytes are removed.
debugfs_fc_lines() {
	debugfs -n -R logdump "$1" 2>/dev/null |
		sed -n '/^\*\*\* Fast Commit Area \*\*\*$/,$p' | grep '^tag ' |
		LC_ALL=C sed 's/[[:cntrl:]]*"$/"/'
}

# jbdctl's record lines without what it adds after two spaces.
jbdctl_fc_lines() {
	jbdctl logdump "$@" | grep '^tag ' | sed 's/  (block .*$//'
}

# Byte offset in IMG of byte OFF of journal block JBLK.
jbyte() {
	echo $(( $(journal_offset "$1" "$2") + $3 ))
}

@test "logdump: the fast-commit records are debugfs logdump's, for every corpus fast-commit image" {
	require_corpus
	local line name src img
	for line in $(fc_images); do
		name=${line%%=*} src=${line#*=}
		img=$(fc_image "$name" "$src")
		diff <(debugfs_fc_lines "$img") <(jbdctl_fc_lines "$img") ||
			{ echo "$name differs"; return 1; }
	done
}

@test "logdump --json: the fast-commit records, as many as MANIFEST.tsv's fc_tags, all replayed, tails good" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	want=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "fc_tags") c = i; next }
		$1 == "fast-commit" { print $c }' "$CORPUS/MANIFEST.tsv")
	run -0 jbdctl logdump --json "$img"
	fc=$(jq -c '.fast_commit' <<<"$output")
	assert_equal "$(jq '.records | length' <<<"$fc")" "$want"
	assert_equal "$(jq '.replay_records' <<<"$fc")" "$want"
	assert_equal "$(jq '.sequence' <<<"$fc")" 4
	assert_equal "$(jq '.fast_commits' <<<"$fc")" "$(jq '[.records[] | select(.tag == "TAIL")] | length' <<<"$fc")"
	assert_equal "$(jq '[.records[] | select(.tag == "TAIL") | .checksum_ok and .good] | all' <<<"$fc")" true
	assert_equal "$(jq '[.records[] | .replay] | all' <<<"$fc")" true
	assert_equal "$(jq -r '.end.reason' <<<"$fc")" bad_record
	assert_equal "$(jq '.first_block, .blocks' <<<"$fc" | tr '\n' ' ')" "1025 15 "
}

@test "logdump: a journal without fast commits has no fast-commit part" {
	img=$(fixture revoke)
	run -0 jbdctl logdump --json "$img"
	assert_equal "$(jq '.fast_commit' <<<"$output")" null
	run -0 jbdctl logdump "$img"
	[[ "$output" != *"Fast Commit Area"* ]]
}

@test "info: the fast-commit length is dumpe2fs -h's" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	want=$(dumpe2fs -h "$img" 2>/dev/null | grep '^Fast commit length:')
	run -0 jbdctl info "$img"
	assert_line "$want"
}

@test "verify: forecasts the fast-commit replay of the corpus image" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	run -0 jbdctl verify --json "$img"
	assert_equal "$(jq '.verdict.fast_commit_records, .verdict.fast_commits' <<<"$output" | tr '\n' ' ')" "37 9 "
}

# The third fast commit's tail (journal block 1027, record at offset 188; the
# crc is the tail's second word, at 188 + 4 + 4) made wrong.
@test "bad third tail crc: the scan stops there, the first two fast commits (11 records) replay" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	flip "$img" "$(jbyte "$img" 1027 196)"
	run -0 jbdctl logdump "$img"
	[[ "$output" == *"tag TAIL, tid 4  (block 1027, offset 188, crc 0x"*" BAD, not replayed)"* ]]
	assert_line "Fast-commit scan ends at block 1027, offset 188: tail of another transaction or with a bad checksum (tag 8, length 3904)"
	assert_line "Replay takes 11 records of 2 fast commits (transaction 4)."
	run -0 jbdctl logdump -O --json "$img"
	assert_equal "$(jq '.fast_commit.records | length' <<<"$output")" 37
	assert_equal "$(jq '[.fast_commit.records[] | select(.replay)] | length' <<<"$output")" 11
	run -0 jbdctl logdump -O "$img"
	assert_equal "$(grep -c '^tag .*, not replayed)$' <<<"$output")" 26
	run -0 jbdctl verify -v --json "$img"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_tail") | "\(.severity) \(.journal_block)"' <<<"$output")" "info 1027"
	assert_equal "$(jq '.verdict.fast_commit_records' <<<"$output")" 11
}

@test "bad first tail crc: the kernel's recovery fails; logdump and verify say so, replay refuses and writes nothing" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	flip "$img" "$(jbyte "$img" 1025 391)"
	run -4 jbdctl logdump "$img"
	assert_line "The kernel's recovery fails on this area: jbdctl replay refuses the journal."
	run -4 jbdctl verify --json "$img"
	assert_equal "$(jq -r '[.problems[] | select(.severity == "error") | .kind] | join(" ")' <<<"$output")" "fc_tail fc_recovery_fails"
	assert_equal "$(jq -r '.verdict.outcome' <<<"$output")" refused
	cp "$img" "$img.orig"
	run -4 --separate-stderr jbdctl replay "$img"
	[[ "$stderr" == "jbdctl: Fast-commit area is corrupt where the kernel's recovery fails while reading the fast-commit area of '$img' (nothing written)" ]]
	cmp "$img" "$img.orig"
	run -4 jbdctl replay -n "$img"
}

@test "hostile record length: the scan ends at it, the fast commits before it replay" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	# First record of block 1026 (an INODE): length 0xffff, past the block.
	poke "$img" "$(jbyte "$img" 1026 2)" ffff
	run -0 jbdctl logdump "$img"
	assert_line "Fast-commit scan ends at block 1026, offset 0: not a valid record (tag 6, length 65535)"
	assert_line "Replay takes 6 records of 1 fast commit (transaction 4)."
	run -0 jbdctl verify -v --json "$img"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_bad_record") | .severity' <<<"$output")" info
	# replay ends there too: the first fast commit only (it creates one;
	# two is created in the second, whose first record is the bad one)
	run -1 jbdctl replay "$img"
	assert_line "$img: replayed 6 fast-commit records (1 fast commit of transaction 4)"
	run -0 e2fsck -fn "$img"
	"$FC_TREE" "$img" | grep -q '^/fc/one '
	! "$FC_TREE" "$img" | grep -q '^/fc/two '
}

@test "HEAD of another transaction: stale fast commits, nothing replays" {
	require_corpus
	img=$(fc_image fast-commit "$CORPUS/fast-commit.crash.img.zst")
	poke "$img" "$(jbyte "$img" 1025 8)" 03000000	# HEAD tid 3
	run -0 jbdctl logdump --json "$img"
	assert_equal "$(jq -r '.fast_commit | "\(.end.reason) \(.replay_records)"' <<<"$output")" "other_tid 0"
	run -0 jbdctl verify --json "$img"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_stale") | "\(.severity) \(.journal_block) \(.sequence)"' <<<"$output")" "info 1025 3"
	assert_equal "$(jq '.verdict.fast_commit_records' <<<"$output")" 0
}

# --- replay ------------------------------------------------------------------
# The tree of an image: tests/fc-tree (libext2fs, read-only) in the corpus's
# format, sorted as the reference trees are.  It is checked against the
# kernel's own listing of the kernel-replayed image below, so the format is
# the corpus's, not ours.
FC_TREE="$TOP_SRCDIR/tests/fc-tree"
tree_of() {
	"$FC_TREE" "$1" | LC_ALL=C sort
}

@test "fc-tree: lists the kernel-replayed image as the kernel's own tree.txt" {
	require_corpus
	img=$(fc_image kr "$CORPUS/fast-commit-kernel/fast-commit-mkdir-13.kernel-replayed.img.zst")
	diff "$CORPUS/fast-commit-kernel/fast-commit-mkdir-13.tree.txt" <(tree_of "$img")
}

# Compared with NAME.ref-tree.txt: the kernel's replay, with the counts Linux
# 6.1 gets wrong for a directory created in a fast commit repaired by
# e2fsck -fy (corpus README).  Directory mtimes are not compared (the
# kernel stamps them at replay time).
@test "replay: each fast-commit-kernel image gives the kernel's reference tree, and e2fsck -fn is clean" {
	require_corpus
	local name img
	for name in fast-commit-13 fast-commit-mkdir-13; do
		img=$(fc_image "$name" "$CORPUS/fast-commit-kernel/$name.crash.img.zst")
		run -1 jbdctl replay "$img"
		diff "$CORPUS/fast-commit-kernel/$name.ref-tree.txt" <(tree_of "$img") ||
			{ echo "$name: tree differs from the reference"; return 1; }
		run -0 e2fsck -fn "$img"
		run -0 jbdctl replay "$img"
		assert_line "$img: journal is clean, nothing to replay"
	done
}

@test "replay: fast-commit-mkdir-13, where e2fsck 1.47 fails, ends fsck-clean and e2fsck's does not" {
	require_corpus
	img=$(fc_image m "$CORPUS/fast-commit-kernel/fast-commit-mkdir-13.crash.img.zst")
	cp "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	run e2fsck -fn "$img.e2fsck"
	[ "$status" -ne 0 ]
	run -1 jbdctl replay "$img"
	run -0 e2fsck -fn "$img"
}

@test "replay: fast-commit.crash ends as e2fsck leaves it (tree; every byte outside the log, journal superblock included)" {
	require_corpus
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	cp "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	run -1 jbdctl replay "$img"
	assert_line "$img: replayed 37 fast-commit records (9 fast commits of transaction 4)"
	diff <(tree_of "$img.e2fsck") <(tree_of "$img")
	run -0 e2fsck -fn "$img"
	# The log itself differs: jbdctl journals the fast commits' result as
	# a transaction (see jbdctl(8)).  Journal block 0, the superblock, is
	# compared; so is every block outside the journal, except the fs
	# superblock fields image_diff leaves out.
	jblocks=$(debugfs -R "blocks <8>" "$img" 2>/dev/null)
	d=$(cmp -l "$img.e2fsck" "$img" | awk -v list="$jblocks" '
		BEGIN { n = split(list, a, " "); for (i = 2; i <= n; i++) j[a[i]] = 1 }
		{ o = $1 - 1; if (int(o / 4096) in j) next; f = o - 1024
		  if (f >= 0 && f < 1024 && ((f >= 0x30 && f < 0x34) || f == 0x274 ||
		      (f >= 0x178 && f < 0x180) || f >= 0x3fc)) next
		  print "byte " o ": " $2 " -> " $3 }' | head -20)
	[ -z "$d" ] || { echo "differs from e2fsck:"; echo "$d"; return 1; }
}

@test "replay -n: lists the fast-commit records it would replay and writes nothing" {
	require_corpus
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	cp "$img" "$img.orig"
	run -0 jbdctl replay -n -v "$img"
	assert_line "$img: would replay 37 fast-commit records (9 fast commits of transaction 4)"
	assert_line '  fast commit: tag CREAT_DENTRY, parent 4097, ino 47, name "one"'
	assert_equal "$(grep -c '^  fast commit: ' <<<"$output")" 37
	cmp "$img" "$img.orig"
}

@test "replay -v: says what each fast-commit record did" {
	require_corpus
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	run -1 jbdctl replay -v "$img"
	assert_line '  fast commit: tag CREAT_DENTRY, parent 4097, ino 47, name "one": created'
	assert_line '  fast commit: tag DEL_ENTRY, parent 4097, ino 43, name "pre1": unlinked, inode freed'
	assert_line '  fast commit: tag ADD_ENTRY, parent 41, ino 47, name "one-link": linked'
	assert_line '  fast commit: tag DEL_RANGE, inode 48, lblk 1, len 2147483647: range unmapped'
}

@test "replay: a bad third tail replays the first two fast commits only, fsck-clean" {
	require_corpus
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	flip "$img" "$(jbyte "$img" 1027 196)"
	run -1 jbdctl replay -v "$img"
	assert_line "$img: replayed 11 fast-commit records (2 fast commits of transaction 4)"
	assert_equal "$(grep -c '^  fast commit: ' <<<"$output")" 8	# HEAD, TAILs silent
	run -0 e2fsck -fn "$img"
	# one and two exist; one-link (third fast commit) does not
	"$FC_TREE" "$img" | grep -q '^/fc/one '
	"$FC_TREE" "$img" | grep -q '^/fc/two '
	! "$FC_TREE" "$img" | grep -q 'one-link'
}

@test "replay: an ADD_RANGE naming a block outside the filesystem is refused before any write" {
	require_corpus
	require_tool python3
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	# pblk of the ADD_RANGE at block 1025 offset 180 (value + 12) set to
	# 0xfffffff0, the tail's crc recomputed (crc32c seeded 0, as the kernel).
	off=$(jbyte "$img" 1025 0)
	python3 - "$img" "$off" <<'PY'
import sys, struct
path, off = sys.argv[1], int(sys.argv[2])
def crc32c(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc
with open(path, 'r+b') as f:
    f.seek(off); blk = bytearray(f.read(4096))
    blk[180 + 4 + 12:180 + 4 + 16] = struct.pack('<I', 0xfffffff0)
    crc = crc32c(0, bytes(blk[0:383 + 8]))
    blk[383 + 8:383 + 12] = struct.pack('<I', crc)
    f.seek(off); f.write(blk)
PY
	# logdump lists it; its exit status is the verdict's: a refusal (4).
	run -4 jbdctl logdump "$img"
	assert_line "Replay takes 37 records of 9 fast commits (transaction 4)."
	run -4 jbdctl verify --json "$img"
	assert_equal "$(jq -r '[.problems[] | select(.severity == "error") | .kind] | join(" ")' <<<"$output")" fc_target
	cp "$img" "$img.orig"
	run -4 --separate-stderr jbdctl replay "$img"
	[[ "$stderr" == *"while checking the fast-commit record at journal block 1025, offset 180 of '$img' (nothing written)" ]]
	cmp "$img" "$img.orig"
}

@test "replay --undo: a fast-commit replay is refused (nothing written)" {
	require_corpus
	img=$(fc_image fc "$CORPUS/fast-commit.crash.img.zst")
	cp "$img" "$img.orig"
	run -8 --separate-stderr jbdctl replay --undo "$BATS_TEST_TMPDIR/u.e2undo" "$img"
	[[ "$stderr" == *"A fast-commit replay cannot be saved to an undo file"* ]]
	cmp "$img" "$img.orig"
}

# A replay killed right after its Nth write, for every N, then run again,
# ends in the uninterrupted replay's tree with e2fsck -fn clean.
@test "powercut: a fast-commit replay cut after any write and run again ends as the uninterrupted one" {
	require_corpus
	local so=${POWERCUT_SO:-$TOP_SRCDIR/tests/powercut.so} name img ref n status cuts
	[ -f "$so" ] || skip "tests/powercut.so is not built"
	# fast-commit-13: creates, links, unlinks (an inode freed and reused),
	# ranges added and deleted.
	for name in fast-commit-13; do
		img=$(fc_image "$name" "$CORPUS/fast-commit-kernel/$name.crash.img.zst")
		ref=$img.ref
		cp "$img" "$ref"
		run -1 jbdctl replay "$ref"
		cuts=0
		for n in $(seq 1 400); do
			cp "$img" "$img.cut"
			status=0
			env LD_PRELOAD="$so" JBDCTL_POWERCUT_AFTER="$n" \
				ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
				JBDCTL_POWERCUT_FILES="$img.cut" "$JBDCTL" replay "$img.cut" \
				>/dev/null 2>&1 || status=$?
			[ "$status" -eq 137 ] || break
			cuts=$((cuts + 1))
			run jbdctl replay "$img.cut"
			[ "$status" -le 1 ] || { echo "$name cut $n: re-run status $status: $output"; return 1; }
			diff <(tree_of "$ref") <(tree_of "$img.cut") ||
				{ echo "$name cut after write $n: tree differs"; return 1; }
			run -0 e2fsck -fn "$img.cut"
		done
		[ "$cuts" -ge 3 ] || { echo "$name: only $cuts cut points"; return 1; }
		echo "# $name: $cuts cut points" >&3
		rm -f "$img"*
	done
}

# --- own fast-commit logs, per record kind -------------------------------------
# A: a small mke2fs -O fast_commit filesystem (1k blocks) with /d, /d/old
# (3000 bytes) and /keep (1500 bytes).  B: a copy that debugfs changes (the
# state the fast commits describe).  C: A with fast-commit records written
# by fixtures/gen/fcwrite.py (our own writer, from the kernel's record
# layout) with values from B, and needs_recovery set.  The expected result
# of replaying C is B's tree, as debugfs made it (directory mtimes aside).
# Inode numbers: d 12, old 13, keep 14; the first new inodes are 15, 16, 17.
FCWRITE="$TOP_SRCDIR/fixtures/gen/fcwrite.py"

own_base() {
	require_tool python3
	export E2FSPROGS_FAKE_TIME=1700000000
	local t=$BATS_TEST_TMPDIR
	head -c 5000 /dev/zero | tr '\0' 'n' >"$t/f5k"
	head -c 3000 /dev/zero | tr '\0' 'o' >"$t/f3k"
	head -c 1500 /dev/zero | tr '\0' 'k' >"$t/f1k"
	head -c 10240 /dev/zero | tr '\0' 'r' >"$t/f10k"
	A=$t/A.img B=$t/B.img C=$t/C.img
	mke2fs -q -F -t ext4 -O fast_commit -b 1024 -J size=1 \
		-U 6a626463-746c-4000-8000-000000000001 "$A" 8M
	printf 'mkdir d\nwrite %s d/old\nwrite %s keep\n' "$t/f3k" "$t/f1k" |
		debugfs -w -f - "$A" >/dev/null 2>&1
	cp "$A" "$B"
}

# debugfs requests on B (one per line on stdin).
change_b() {
	(cd "$BATS_TEST_TMPDIR" && debugfs -w -f - "$B" >/dev/null 2>&1)
}

# write_c OP...: C = A + the records; needs_recovery set.
write_c() {
	cp "$A" "$C"
	python3 "$FCWRITE" "$C" "$B" 5 "$@"
	debugfs -w -R "feature needs_recovery" "$C" >/dev/null 2>&1
}

# Replay C; its tree must be B's, e2fsck -fn clean.
replay_c_is_b() {
	run -1 jbdctl replay "$C"
	diff <(tree_of "$B") <(tree_of "$C") || return 1
	run -0 e2fsck -fn "$C"
}

# e2fsck's replay of C gives B's tree too (where e2fsck is right).
e2fsck_agrees() {
	cp "$C" "$C.e2fsck"
	e2fsck -y -E journal_only "$C.e2fsck" >/dev/null 2>&1 || true
	diff <(tree_of "$B") <(tree_of "$C.e2fsck")
	run -0 e2fsck -fn "$C.e2fsck"
}

@test "own log: a file created (INODE, ADD_RANGE, CREAT), as debugfs wrote it and as e2fsck replays it" {
	own_base
	printf 'write f5k d/new\n' | change_b
	write_c head inode:15 add:15 creat:12:15:new inode:15 tail
	cp "$C" "$C.orig"
	C=$C.orig e2fsck_agrees
	replay_c_is_b
}

@test "own log: a directory created with a file in it, where e2fsck 1.47 fails" {
	own_base
	printf 'mkdir d/sub\nwrite f1k d/sub/x\n' | change_b
	write_c head inode:15 creat:12:15:sub inode:16 add:16 creat:15:16:x inode:16 tail
	cp "$C" "$C.e2fsck"
	e2fsck -y -E journal_only "$C.e2fsck" >/dev/null 2>&1 || true
	run e2fsck -fn "$C.e2fsck"
	[ "$status" -ne 0 ]
	replay_c_is_b
	assert_equal "$(tree_of "$C" | awk '$1 == "/d" { print $6 }')" nlink=3
}

@test "own log: a hard link (LINK, INODE), as e2fsck replays it" {
	own_base
	printf 'ln d/old hl\nsif d/old links_count 2\n' | change_b
	write_c head link:2:13:hl inode:13 tail
	e2fsck_agrees
	replay_c_is_b
}

@test "own log: the last link removed (UNLINK): the inode and its blocks are freed (e2fsck 1.47 leaves the inode)" {
	own_base
	printf 'rm d/old\n' | change_b
	write_c head unlink:12:13:old tail
	# e2fsck removes the entry but keeps inode 13 in use with 1 link:
	# "Unattached inode 13" afterwards.  The kernel evicts it, as debugfs rm.
	cp "$C" "$C.e2fsck"
	e2fsck -y -E journal_only "$C.e2fsck" >/dev/null 2>&1 || true
	diff <(tree_of "$B") <(tree_of "$C.e2fsck")
	run -4 e2fsck -fn "$C.e2fsck"
	[[ "$output" == *"Unattached inode 13"* ]]
	replay_c_is_b
	[ "$(debugfs -R 'testi <13>' "$C" 2>/dev/null)" = "Inode 13 is not in use" ]
}

@test "own log: a file rewritten larger (INODE, ADD_RANGE remapping its blocks), as e2fsck replays it" {
	own_base
	printf 'rm keep\nwrite f3k keep\n' | change_b
	[ "$(debugfs -R 'stat keep' "$B" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')" = 14 ]
	write_c head inode:14 add:14 inode:14 tail
	e2fsck_agrees
	replay_c_is_b
}

@test "own log: a range deleted (DEL_RANGE, INODE), as e2fsck replays it" {
	own_base
	printf 'punch d/old 1 2\nsif d/old size 1024\n' | change_b
	write_c head del:13:1:2147483647 inode:13 tail
	e2fsck_agrees
	replay_c_is_b
	[ "$(debugfs -R 'blocks d/old' "$C" 2>/dev/null | wc -w)" = 1 ]
}

@test "own log: four fast commits of one transaction (create, mkdir, link, unlink)" {
	own_base
	printf 'write f5k d/new\nmkdir d/sub\nwrite f1k d/sub/x\nln d/new hl\nsif d/new links_count 2\nrm d/old\n' | change_b
	write_c head inode:15 add:15 creat:12:15:new inode:15 tail \
		inode:16 creat:12:16:sub inode:17 add:17 creat:16:17:x inode:17 tail \
		link:2:15:hl inode:15 tail unlink:12:13:old tail
	run -0 jbdctl replay -n "$C"
	assert_line "$C: would replay 18 fast-commit records (4 fast commits of transaction 5)"
	replay_c_is_b
}

# --- fast commits after a full commit ------------------------------------------
# full_commit [with-sb]: B1 = B as change_b left it so far; C = A + one full
# transaction that debugfs writes (jo -c / jw / jc; R6 of reference-tools.md)
# logging B1's copy of every block, outside the journal, that differs from
# A.  The superblock's block (1) is logged only with "with-sb": the kernel
# does not journal the superblock's free counts, but logs the block for
# other changes (orphan list, features).  debugfs writes transaction 1
# (mke2fs's first sequence), so recovery scans the fast-commit area for
# transaction 2 (fs/jbd2/recovery.c fc_do_one_pass: info->end_transaction).
full_commit() {
	local t=$BATS_TEST_TMPDIR jb list b
	B1=$t/B1.img
	cp "$B" "$B1"
	jb=$(debugfs -R "blocks <8>" "$A" 2>/dev/null)
	list=$(cmp -l "$A" "$B1" | awk -v list="$jb" -v sb="${1:-}" '
		BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) j[a[i]] = 1 }
		{ b = int(($1 - 1) / 1024)
		  if ((b in j) || (b in seen) || (b == 1 && sb != "with-sb")) next
		  seen[b] = 1; print b }' | paste -sd,)
	[ -n "$list" ]
	: >"$t/full.data"
	for b in ${list//,/ }; do
		dd if="$B1" bs=1024 skip="$b" count=1 status=none >>"$t/full.data"
	done
	cp "$A" "$C"
	printf 'jo -c\njw -b %s %s\njc\n' "$list" "$t/full.data" |
		debugfs -w -f - "$C" >/dev/null 2>&1
	[ "$(dumpe2fs -h "$C" 2>/dev/null | sed -n 's/^Journal sequence: *//p')" = 0x00000001 ]
}

# fc_after_full [TID] OP...: fast-commit records (values from B, as it is
# now) added to C's area, its log kept; transaction 2 unless TID= is set.
fc_after_full() {
	python3 "$FCWRITE" --keep-log "$C" "$B" "${TID:-2}" "$@"
}

# The fast commits of the next test: d/new created (inode 16); /hl linked
# to d/data; d/old unlinked (its last link) and its inode 13 reused by d/re,
# a file of five extents with holes, more than the four the inode holds
# (the replay grows an extent tree: e2fsprogs' j_recover_fast_commit
# replays the same sequence on a kernel-written image).
REUSE_CHANGE='write f1k d/new\nln d/data hl\nsif d/data links_count 2\nrm d/old\nwrite f10k d/re\npunch d/re 1 1\npunch d/re 3 3\npunch d/re 5 5\npunch d/re 7 7\n'
REUSE_OPS="inode:16 add:16 creat:12:16:new inode:16 tail link:2:15:hl inode:15 tail
	unlink:12:13:old inode:13 add:13 creat:12:13:re inode:13 tail"

# Worked out from the kernel's rules: the full commit's blocks are written
# first (d/data, inode 15, exists), then the three fast commits of
# transaction 2 replay in order on that state, each record as its handler in
# fs/ext4/fast_commit.c does it, so the tree is B's: d/new and d/re with
# their data, /hl a second link of d/data (2 links), d/old gone, inode 13
# now d/re with B's five extents (lblk and pblk; the index block is the
# replay's to choose).  e2fsck 1.47 agrees except on d/re: its unlink does
# not free inode 13 (the kernel evicts an inode whose last link goes, its
# extents with it), and its INODE record keeps the extent tree, so d/old's
# blocks 0-2 stay mapped and d/re's hole at lblk 1 reads d/old's data.  Its
# own test j_recover_fast_commit has no holes, so it does not show there.
@test "own log: three fast commits after one full commit (create, link, unlink with the inode reused by a five-extent file), compared with e2fsck" {
	own_base
	printf 'write f5k d/data\n' | change_b
	full_commit
	printf "$REUSE_CHANGE" | change_b
	[ "$(debugfs -R 'stat d/re' "$B" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')" = 13 ]
	fc_after_full head $REUSE_OPS
	run -0 jbdctl logdump "$C"
	assert_line "Fast-commit area: journal blocks 1025-1039, scanned for transaction 2"
	assert_line "Replay takes 19 records of 3 fast commits (transaction 2)."
	run -0 jbdctl replay -n "$C"
	[[ "${lines[0]}" == "$C: would replay 1 transaction (sequence 1..1): "* ]]
	assert_line "$C: would replay 19 fast-commit records (3 fast commits of transaction 2)"
	cp "$C" "$C.e2fsck"
	e2fsck -y -E journal_only "$C.e2fsck" >/dev/null 2>&1 || true
	diff <(tree_of "$B" | grep -v '^/d/re ') <(tree_of "$C.e2fsck" | grep -v '^/d/re ')
	[ "$(debugfs -R 'bmap d/re 1' "$B" 2>/dev/null)" = 0 ]
	[ "$(debugfs -R 'bmap d/re 1' "$C.e2fsck" 2>/dev/null)" = "$(debugfs -R 'bmap d/old 1' "$A" 2>/dev/null)" ]
	replay_c_is_b
	[ "$(debugfs -R 'bmap d/re 1' "$C" 2>/dev/null)" = 0 ]
	# the journal ends as e2fsck leaves it (sequence 3: the fast commits'
	# transaction plus one; empty)
	jsb() { dumpe2fs -h "$1" 2>/dev/null | grep -E '^(Journal (features|sequence|start|checksum)|Fast commit length):'; }
	diff <(jsb "$C.e2fsck") <(jsb "$C")
	jsb "$C" | grep -q '^Journal sequence: *0x00000003$'
	leaves() { debugfs -R "ex $2" "$1" 2>/dev/null | awk '$1 == "1/" && $2 == "1"'; }
	[ "$(leaves "$B" d/re | wc -l)" = 5 ]
	diff <(leaves "$B" d/re) <(leaves "$C" d/re)
	diff <(debugfs -R 'ls -l d' "$B" 2>/dev/null) <(debugfs -R 'ls -l d' "$C" 2>/dev/null)
}

# The kernel scans the area for transaction 2 only: a HEAD of transaction 1
# (the full commit's own) stops the scan (JBD2_FC_REPLAY_STOP), nothing of
# the area replays, the tree is the full commit's (B1).  e2fsck 1.47 fails
# its recovery on such an area (see jbdctl(8)), so it is not compared.
@test "own log: fast commits of the full commit's own transaction are stale: only the full commit replays" {
	own_base
	printf 'write f5k d/data\n' | change_b
	full_commit
	# (no inode or block reused: fcwrite puts the new data in place)
	printf 'write f1k d/new\nln d/data hl\nsif d/data links_count 2\n' | change_b
	TID=1 fc_after_full head inode:16 add:16 creat:12:16:new inode:16 tail \
		link:2:15:hl inode:15 tail
	run -0 jbdctl logdump --json "$C"
	assert_equal "$(jq -r '.fast_commit | "\(.sequence) \(.end.reason) \(.replay_records) \(.records | length)"' <<<"$output")" "2 other_tid 0 0"
	# -O: the whole area, the 9 stale records, none replayed
	run -0 jbdctl logdump -O --json "$C"
	assert_equal "$(jq -r '[.fast_commit.records[] | "\(.tag):\(.replay)"] | join(" ")' <<<"$output")" \
		"HEAD:false INODE:false ADD_RANGE:false CREAT:false INODE:false TAIL:false LINK:false INODE:false TAIL:false"
	run -0 jbdctl verify -v --json "$C"
	assert_equal "$(jq -r '.problems[] | select(.kind == "fc_stale") | "\(.severity) \(.journal_block) \(.sequence)"' <<<"$output")" "info 1025 1"
	assert_equal "$(jq '.verdict.fast_commit_records' <<<"$output")" 0
	run -1 jbdctl replay "$C"
	[[ "$output" != *"fast-commit records"* ]]
	diff <(tree_of "$B1") <(tree_of "$C")
	run -0 e2fsck -fn "$C"
}

# A full commit that logs the superblock's block, then fast commits with a
# new directory (a file in it) and the last link of d/old removed: the
# kernel replays the superblock's block with the others, then the records
# (d/sub with 3 links counting ".." of nothing, "." and d's entry: 2; d gets
# 3; inode 13 and its blocks freed): B's tree.  e2fsck 1.47 fails here
# twice over (the new directory; and it cannot re-open the filesystem after
# a fast-commit replay over a logged superblock: "Superblock checksum does
# not match"), so its result is only shown wrong.
@test "own log: after a full commit logging the superblock, fast commits with a new directory and an unlink (e2fsck 1.47 fails)" {
	own_base
	printf 'write f5k d/data\n' | change_b
	full_commit with-sb
	printf 'mkdir d/sub\nwrite f1k d/sub/x\nrm d/old\n' | change_b
	fc_after_full head inode:16 creat:12:16:sub inode:17 add:17 creat:16:17:x inode:17 tail \
		unlink:12:13:old tail
	cp "$C" "$C.e2fsck"
	e2fsck -y -E journal_only "$C.e2fsck" >/dev/null 2>&1 || true
	run e2fsck -fn "$C.e2fsck"
	[ "$status" -ne 0 ]
	replay_c_is_b
	assert_equal "$(tree_of "$C" | awk '$1 == "/d" || $1 == "/d/sub" { print $1, $6 }' | tr '\n' ' ')" "/d nlink=3 /d/sub nlink=2 "
	[ "$(debugfs -R 'testi <13>' "$C" 2>/dev/null)" = "Inode 13 is not in use" ]
}

# e2fsprogs' own test j_recover_fast_commit (its image, read where the
# e2fsprogs source tree is; not part of jbdctl): a full commit (transaction
# 5) and one fast commit of transaction 6 (new file; old unlinked and its
# inode reused by a file of five extents).  jbdctl's replay must give the
# debugfs output of its expect file.  The test above is our own equivalent.
E2FSPROGS_TESTS=${E2FSPROGS_TESTS:-$TOP_SRCDIR/../e2tests/e2fsprogs-1.47.0/tests}
@test "e2fsprogs j_recover_fast_commit: jbdctl's replay gives the debugfs output of its expect" {
	local d=$E2FSPROGS_TESTS/j_recover_fast_commit
	[ -f "$d/image.gz" ] || skip "no e2fsprogs test tree at $E2FSPROGS_TESTS"
	img=$BATS_TEST_TMPDIR/j.img
	gunzip <"$d/image.gz" >"$img"
	run -1 jbdctl replay "$img"
	assert_line "$img: replayed 15 fast-commit records (1 fast commit of transaction 6)"
	diff <(sed -n '/^debugfs: /,$p' "$d/expect") <(debugfs -f "$d/commands" "$img" 2>/dev/null)
	run -0 e2fsck -fn "$img"
}

# A malformed record ends the scan (ext4_fc_replay_scan: a length not valid
# for its tag, or an unknown tag): after a complete fast commit the ones
# before it replay (JBD2_FC_REPLAY_STOP); before any, the kernel's recovery
# fails (-ECANCELED) and replay refuses.
@test "own log: a malformed record ends the fast-commit replay where the kernel ends it" {
	own_base
	printf 'write f5k d/new\n' | change_b
	for bad in raw:1:8 raw:2:16 raw:3:8 raw:6:4 raw:42:4; do
		write_c head inode:15 add:15 creat:12:15:new inode:15 tail \
			unlink:12:13:old $bad tail
		run -0 jbdctl logdump --json "$C"
		assert_equal "$(jq -r '.fast_commit | "\(.end.reason) \(.replay_records)"' <<<"$output")" "bad_record 6"
		replay_c_is_b || { echo "$bad"; return 1; }	# d/old still there
		write_c head inode:15 $bad add:15 creat:12:15:new inode:15 tail
		cp "$C" "$C.orig"
		run -4 jbdctl replay "$C"
		cmp "$C" "$C.orig"
	done
}

# The kernel designs every record to be idempotent (a crash during its
# replay replays it again).  The state after the first K fast commits, with
# all four written again and replayed, is the state after all four.
@test "own log: every record replayed again over its own result changes nothing (idempotent)" {
	own_base
	printf 'write f5k d/new\nmkdir d/sub\nwrite f1k d/sub/x\nln d/new hl\nsif d/new links_count 2\nrm d/old\n' | change_b
	local fc1="inode:15 add:15 creat:12:15:new inode:15 tail"
	local fc2="inode:16 creat:12:16:sub inode:17 add:17 creat:16:17:x inode:17 tail"
	local fc3="link:2:15:hl inode:15 tail" fc4="unlink:12:13:old tail" k ops
	for k in 1 2 3 4; do
		ops=$(echo "$fc1 $fc2 $fc3 $fc4" | awk -v k="$k" '{ n = 0
			for (i = 1; i <= NF; i++) { printf "%s ", $i; if ($i == "tail" && ++n == k) exit } }')
		write_c head $ops
		run -1 jbdctl replay "$C"
		python3 "$FCWRITE" "$C" "$B" 5 head $fc1 $fc2 $fc3 $fc4
		debugfs -w -R "feature needs_recovery" "$C" >/dev/null 2>&1
		replay_c_is_b || { echo "after $k fast commits"; return 1; }
	done
}

# A record naming a block of the journal: verify says so, replay refuses
# before any write.
@test "own log: an ADD_RANGE naming a journal block is refused by verify and replay" {
	own_base
	printf 'write f5k d/new\n' | change_b
	jblk=$(debugfs -R "bmap <8> 100" "$A" 2>/dev/null)
	write_c head inode:15 add:15:0:1:"$jblk" creat:12:15:new inode:15 tail
	run -4 jbdctl verify --json "$C"
	assert_equal "$(jq -r '[.problems[] | select(.severity == "error") | .kind] | join(" ")' <<<"$output")" fc_target
	cp "$C" "$C.orig"
	run -4 jbdctl replay "$C"
	cmp "$C" "$C.orig"
}

# Every record kind in one fast commit (PAD included), then a second one
# whose tail crc is wrong: logdump lists each record as debugfs logdump
# does, with the tail verdicts; --json the same records and which replay.
@test "own log: logdump lists every record kind as debugfs does, tail verdicts, and what replay takes (text and --json)" {
	own_base
	printf 'write f5k d/new\nln d/new hl\nrm d/old\n' | change_b
	write_c head inode:15 add:15 creat:12:15:new link:2:15:hl unlink:12:13:old \
		del:14:1:5 pad inode:15 tail inode:14 tail-bad
	diff <(debugfs_fc_lines "$C") <(jbdctl_fc_lines "$C")
	run -0 jbdctl logdump "$C"
	assert_line "tag PAD  (block 1025, offset 356)"
	[[ "$output" == *"tag TAIL, tid 5  (block 1026, offset 264, crc 0x"*" good)"* ]]
	[[ "$output" == *"tag TAIL, tid 5  (block 1027, offset 264, crc 0x"*" BAD, not replayed)"* ]]
	assert_line "Replay takes 10 records of 1 fast commit (transaction 5)."
	run -0 jbdctl logdump --json "$C"
	assert_equal "$(jq -r '[.fast_commit.records[] | "\(.tag):\(.replay)"] | join(" ")' <<<"$output")" \
		"HEAD:true INODE:true ADD_RANGE:true CREAT:true LINK:true UNLINK:true DEL_RANGE:true PAD:true INODE:true TAIL:true INODE:false TAIL:false"
	assert_equal "$(jq -r '[.fast_commit.records[] | select(.tag == "TAIL") | "\(.checksum_ok) \(.good)"] | join(",")' <<<"$output")" "true true,false false"
	assert_equal "$(jq -r '.fast_commit | "\(.end.reason) \(.replay_records) \(.fast_commits)"' <<<"$output")" "bad_tail 10 1"
	# the journal, its FAST_COMMIT flag now set, as dumpe2fs -h
	want=$(dumpe2fs -h "$C" 2>/dev/null | grep -E '^(Journal features|Total journal blocks|Max transaction length|Fast commit length):')
	run -0 jbdctl info "$C"
	assert_equal "$(grep -E '^(Journal features|Total journal blocks|Max transaction length|Fast commit length):' <<<"$output")" "$want"
}

@test "own log: a torn last fast commit (no tail) and a bad tail crc are not replayed" {
	own_base
	printf 'write f5k d/new\n' | change_b
	for last in "" tail-bad; do
		write_c head inode:15 add:15 creat:12:15:new inode:15 tail \
			unlink:12:13:old $last
		run -0 jbdctl replay -n "$C"
		assert_line "$C: would replay 6 fast-commit records (1 fast commit of transaction 5)"
		e2fsck_agrees || { echo "e2fsck, last '$last'"; return 1; }
		replay_c_is_b	# d/old still there: B has it
	done
}

@test "own log: a record naming a block outside the filesystem is refused, nothing written" {
	own_base
	printf 'write f5k d/new\n' | change_b
	write_c head inode:15 add:15:0:1:9000 creat:12:15:new tail
	cp "$C" "$C.orig"
	run -4 jbdctl replay "$C"
	cmp "$C" "$C.orig"
	write_c head inode:15 add:15:0:1:3 creat:12:15:new tail	# group metadata
	run -4 jbdctl replay "$C"
	write_c head inode:3 tail				# a reserved inode
	run -4 jbdctl replay "$C"
}

# cut_every_write: a replay of C killed right after its Nth write, for every
# N, then run again, ends in B's tree with e2fsck -fn clean.
cut_every_write() {
	local so=${POWERCUT_SO:-$TOP_SRCDIR/tests/powercut.so} n status cuts=0
	for n in $(seq 1 400); do
		cp "$C" "$C.cut"
		status=0
		env LD_PRELOAD="$so" JBDCTL_POWERCUT_AFTER="$n" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			JBDCTL_POWERCUT_FILES="$C.cut" "$JBDCTL" replay "$C.cut" \
			>/dev/null 2>&1 || status=$?
		[ "$status" -eq 137 ] || break
		cuts=$((cuts + 1))
		run jbdctl replay "$C.cut"
		[ "$status" -le 1 ] || { echo "cut $n: re-run status $status: $output"; return 1; }
		diff <(tree_of "$B") <(tree_of "$C.cut") || { echo "cut after write $n: tree differs"; return 1; }
		run -0 e2fsck -fn "$C.cut"
	done
	[ "$cuts" -ge 3 ] || { echo "only $cuts cut points"; return 1; }
	echo "# $1: $cuts cut points" >&3
}

@test "powercut: the own four-commit log (a new directory among them), cut after any write, ends in the same tree" {
	[ -f "${POWERCUT_SO:-$TOP_SRCDIR/tests/powercut.so}" ] || skip "tests/powercut.so is not built"
	own_base
	printf 'write f5k d/new\nmkdir d/sub\nwrite f1k d/sub/x\nln d/new hl\nsif d/new links_count 2\nrm d/old\n' | change_b
	write_c head inode:15 add:15 creat:12:15:new inode:15 tail \
		inode:16 creat:12:16:sub inode:17 add:17 creat:16:17:x inode:17 tail \
		link:2:15:hl inode:15 tail unlink:12:13:old tail
	cut_every_write "own log"
}

@test "powercut: a full commit then fast commits (an inode freed and reused), cut after any write, ends in the same tree" {
	[ -f "${POWERCUT_SO:-$TOP_SRCDIR/tests/powercut.so}" ] || skip "tests/powercut.so is not built"
	own_base
	printf 'write f5k d/data\n' | change_b
	full_commit
	printf "$REUSE_CHANGE" | change_b
	fc_after_full head $REUSE_OPS
	cut_every_write "full commit and fast commits"
}

@test "info: a fresh mke2fs -O fast_commit journal (FAST_COMMIT flag not yet set) lists its lengths as dumpe2fs -h" {
	own_base
	want=$(dumpe2fs -h "$A" 2>/dev/null | grep -E '^(Total journal blocks|Max transaction length|Fast commit length):')
	run -0 jbdctl info "$A"
	assert_equal "$(grep -E '^(Total journal blocks|Max transaction length|Fast commit length):' <<<"$output")" "$want"
}
