#!/usr/bin/env bats
# Hostile geometry and resource limits: clear messages and exit 4 or 8,
# never a crash, a hang or a write where there should be none.

load test_helper

setup() {
	require_tool debugfs
	require_tool mke2fs
}

# Write the journal header MAGIC TYPE SEQ at journal block L of IMG.
put_header() {
	local img=$1 l=$2 type=$3 seq=$4
	poke "$img" "$(journal_offset "$img" "$l")" \
		"c03b3998$(printf '%08x%08x' "$type" "$seq")"
}

@test "limits: s_maxlen below 1024 blocks is impossible geometry (exit 4)" {
	img=$(fixture ext3-1k)
	poke "$img" $(( $(journal_offset "$img" 0) + 0x10 )) 000003ff
	cp "$img" "$img.before"
	run -4 --separate-stderr jbdctl logdump "$img"
	[[ "$stderr" == *"impossible geometry"* ]]
	run -4 jbdctl verify "$img"
	run -4 jbdctl replay "$img"
	cmp "$img" "$img.before"
}

@test "limits: a descriptor with no LAST_TAG filling the block replays as e2fsck replays it" {
	require_tool e2fsck
	img=$(fixture ext3-1k)	# 8-byte tags, no checksums
	d=$(log_block "$img" 2 descriptor)
	off=$(journal_offset "$img" "$d")
	# Every tag from the first on: SAME_UUID, no LAST_TAG, block 5000+i.
	for i in $(seq 0 125); do
		poke "$img" $(( off + 12 + 8 * i )) "$(printf '%08x0000%04x' $((5000 + i)) 2)"
	done
	run jbdctl logdump -a "$img"
	[[ "$output" == *"no tag has LAST_TAG"* ]]
	cp "$img" "$img.e2fsck"
	e2fsck -y -E journal_only "$img.e2fsck" >/dev/null 2>&1 || true
	run jbdctl replay "$img"
	[[ "$status" == 1 || "$status" == 5 ]]
	[ -z "$(image_diff "$img.e2fsck" "$img")" ]
}

@test "limits: a log whose tid never ends is cut off: exit 4, nothing replayed" {
	img=$(fixture ext3-1k)
	seq=$(( $(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Journal sequence: *//p') ))
	first=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Journal start: *//p')
	# A descriptor of one tid on every block of the log, with one tag each
	# (LAST_TAG | SAME_UUID): the log (1023 blocks, an odd number) is walked
	# on the odd blocks, then on the even ones, then again from block 1:
	# e2fsck's scan would never end.  (Descriptors on the odd blocks only
	# would end at block 2 after one lap, as e2fsck ends: parity.bats "lap".)
	[ "$first" = 1 ]
	bs=1024
	for l in $(seq 1 1023); do echo "bmap <8> $l"; done |
		debugfs -f - "$img" 2>/dev/null | grep -E '^[0-9]+$' >"$BATS_TEST_TMPDIR/pblks"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/pblks")" = 1023 ]
	python3 - "$img" "$BATS_TEST_TMPDIR/pblks" "$seq" "$bs" <<'PY'
import struct, sys
img, pblks, seq, bs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(img, "r+b") as f:
    for p in open(pblks):
        f.seek(int(p) * bs)
        f.write(struct.pack(">IIIIHH", 0xC03B3998, 1, seq, 5000, 0, 0xa))
PY
	cp "$img" "$img.before"
	run -4 timeout 20 "$JBDCTL" logdump "$img"
	[[ "$output" == *"runs over itself"* ]]
	run -4 timeout 20 "$JBDCTL" verify "$img"
	[[ "$output" == *"(log_loop)"* ]]
	run -5 timeout 20 "$JBDCTL" replay "$img"
	[[ "$output" == *"runs round the whole journal without ending"* ]]
	[[ "$output" == *"replayed 0 transactions"* ]]
	# Only the superblocks were written: the log is kept as it was.
	[ -z "$(cmp -l "$img.before" "$img" | awk '{ b = int(($1 - 1) / 1024); if (b != 1) print b }' |
		grep -v "^$(debugfs -R 'bmap <8> 0' "$img" 2>/dev/null)\$")" ]
}

@test "limits: a maximal journal (10,240,000 blocks) replays in under 64 MiB of address space" {
	require_plain_build
	require_tool e2fsck
	img=$BATS_TEST_TMPDIR/max.img	# sparse: about 6 MiB on disk
	mke2fs -q -F -t ext4 -b 1024 -J size=10000 \
		-E lazy_itable_init=1,lazy_journal_init=1 "$img" 21G >/dev/null 2>&1
	dumpe2fs -h "$img" 2>/dev/null | grep -q '^Total journal blocks: *10240000$'
	head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/d.bin"
	printf 'jo -c\njw -b 100000-100003 %s\njc\n' "$BATS_TEST_TMPDIR/d.bin" |
		debugfs -w -f - "$img" >/dev/null 2>&1
	run -0 bash -c "ulimit -v 65536; '$JBDCTL' verify '$img'"
	run -1 bash -c "ulimit -v 65536; '$JBDCTL' replay '$img'"
	# The four blocks hold what was logged, and e2fsck finds all in order.
	cmp <(dd if="$img" bs=1024 skip=100000 count=4 status=none) "$BATS_TEST_TMPDIR/d.bin"
	run -0 e2fsck -fn "$img"
}

@test "limits: too little memory for the plan fails cleanly (exit 8), image unchanged" {
	require_plain_build
	img=$BATS_TEST_TMPDIR/many.img
	mke2fs -q -F -t ext4 -b 1024 -J size=256 \
		-E lazy_itable_init=1,lazy_journal_init=1 "$img" 1G >/dev/null 2>&1
	last=$(debugfs -R "bmap <8> 262143" "$img" 2>/dev/null)
	# 180,000 distinct blocks logged after the journal, every other one
	# (consecutive blocks logged one after another are one plan entry),
	# 100 a transaction (debugfs leaves a transaction of more than one
	# descriptor uncommitted when another follows).
	{
		echo jo
		for i in $(seq 0 1799); do
			printf 'jw -b %s /dev/zero\n' \
				"$(seq -s, $((last + 1000 + i * 200)) 2 $((last + 1198 + i * 200)))"
		done
		echo jc
	} | debugfs -w -f - "$img" >/dev/null 2>&1
	run -0 "$JBDCTL" replay -n "$img"
	[[ "$output" == *": 180000 blocks to write, 0 revoked, 0 skipped;"* ]]
	cp --sparse=always "$img" "$img.before"
	run -8 --separate-stderr bash -c "ulimit -v 8000; '$JBDCTL' replay '$img'"
	[[ "$stderr" == *"Memory allocation failed while reading the journal"* ]]
	cmp "$img" "$img.before"
	# With room enough it replays.
	run -1 bash -c "ulimit -v 131072; '$JBDCTL' replay '$img'"
}
