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

@test "crash states: a sample of replay (direct, buffered, direct I/O refused, external journal, fast commits), create, remove" {
	run bash "$TOP_SRCDIR/tests/crashcheck.sh" --sample
	printf '%s\n' "$output" | sed -n '/^totals:/,$p' | sed 's/^/# /' >&3
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# Every mode ran states, and none failed: 1k blocks (revoke, the fast
	# commits, create) and 4k (the external journal, remove).
	for key in "replay direct" "replay buffered" "replay nodirect" create remove; do
		n=$(printf '%s\n' "$output" | sed -n "s/^  $key: \([0-9]*\) states tried.* 0 failed.*/\1/p")
		[ "${n:-0}" -ge 5 ] || { echo "$key: ${n:-no} states"; return 1; }
	done
	[[ "$output" == *"replay direct external: "*" 0 failed"* ]]
	[[ "$output" == *"create ext4-1024: "*" 0 failed"* ]]
	[[ "$output" == *"remove ext4-4096: "*" 0 failed"* ]]
	if command -v python3 >/dev/null; then
		[[ "$output" == *"replay direct fast-commit-own: "*" 0 failed"* ]]
	fi
	# Every kind of state: none, all, a random subset, a torn prefix and
	# a torn suffix of the pending writes.
	kinds=$(printf '%s\n' "$output" | sed -n 's/^  kinds: //p')
	[[ "$kinds" =~ ^[1-9][0-9]*\ none,\ [1-9][0-9]*\ all,\ [1-9][0-9]*\ random\ subset,\ [1-9][0-9]*\ torn\ prefix,\ [1-9][0-9]*\ torn\ suffix$ ]] ||
		{ echo "kinds: $kinds"; return 1; }
}

@test "crash states: a sample keeps crash points evenly spread, the first and the last (-p); torn writes alternate prefix and suffix (-t)" {
	local t=$BATS_TEST_TMPDIR
	head -c 8192 /dev/zero | tr '\0' x > "$t/f"
	cp "$t/f" "$t/base"
	# Three writes of 8 sectors, the first two synced: three crash points
	# with a write pending.
	env LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$t/log" JBDCTL_WRITELOG_FILES="$t/f" \
		bash -c "dd if=/dev/zero of='$t/f' bs=4096 count=1 conv=notrunc,fsync status=none
			 dd if=/dev/zero of='$t/f' bs=4096 seek=1 count=1 conv=notrunc,fsync status=none
			 dd if=/dev/urandom of='$t/f' bs=4096 count=1 conv=notrunc status=none"
	run -0 "$CRASHGEN" -a -n 0 -m 2 "$t/log" "echo \"\$CRASH_STATE\" >> $t/all" "$t/base" "$t/s"
	[[ "$output" == *", 3 crash points, "* ]]
	run -0 "$CRASHGEN" -a -n 0 -m 2 -p 2 -t "$t/log" "echo \"\$CRASH_STATE\" >> $t/sample" "$t/base" "$t/s"
	[[ "$output" == *", 2 crash points, "* ]]
	[[ "$output" == *"kinds: 2 none, 2 all, 0 subset, 2 prefix, 2 suffix"* ]]
	points() { sed 's/^event \([0-9]*\):.*/\1/' "$1" | uniq | tr '\n' ' '; }
	read -r p1 p2 p3 <<<"$(points "$t/all")"
	[ -n "$p3" ]
	[ "$(points "$t/sample")" = "$p1 $p3 " ]
	# In turn, over the run: prefix, suffix, prefix, suffix.
	[ "$(sed -n 's/.*torn write.*: \(prefix\|suffix\) .*/\1/p' "$t/sample" | tr '\n' ' ')" = \
		"prefix suffix prefix suffix " ]
	# -p larger than the points: all of them.
	run -0 "$CRASHGEN" -a -n 0 -m 2 -p 5 "$t/log" true "$t/base" "$t/s"
	[[ "$output" == *", 3 crash points, "* ]]
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

@test "crash states: the same disk is checked once, and 2 jobs check the same states" {
	local t=$BATS_TEST_TMPDIR
	head -c 8192 /dev/zero | tr '\0' x > "$t/f"
	cp "$t/f" "$t/base"
	# Two writes of the same bytes, an fsync, a different write.
	env LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$t/log" JBDCTL_WRITELOG_FILES="$t/f" \
		bash -c "dd if=/dev/zero of='$t/f' bs=4096 count=1 conv=notrunc status=none
			 dd if=/dev/zero of='$t/f' bs=4096 count=1 conv=notrunc,fsync status=none
			 dd if=/dev/urandom of='$t/f' bs=4096 seek=1 count=1 conv=notrunc status=none"
	# Every state's content, checked state by state (-a) ...
	run -0 "$CRASHGEN" -a -n 4 -m 4 "$t/log" "md5sum < $t/s >> $t/all" "$t/base" "$t/s"
	all=$(sed -n 's/^crash states: \([0-9]*\) tried.*/\1/p' <<<"$output")
	# ... and once per content: the same contents, none twice.
	run -0 "$CRASHGEN" -n 4 -m 4 "$t/log" "md5sum < $t/s >> $t/once" "$t/base" "$t/s"
	[[ "$output" == "crash states: $all tried, 0 failed, 0 noted ("* ]]
	[ "$(sort -u "$t/all")" = "$(sort "$t/once")" ]
	[ "$(wc -l < "$t/once")" -lt "$all" ]
	# 2 jobs, each in files of its own (%j): the same states.
	run -0 "$CRASHGEN" -j 2 -n 4 -m 4 "$t/log" \
		"[ \$CRASH_JOB = %j ] && md5sum < $t/s%j >> $t/jobs" "$t/base" "$t/s%j"
	[ "$(sort "$t/jobs")" = "$(sort "$t/once")" ]
	# A failure counts for every state of that content.
	want=$(grep -vc "$(md5sum < "$t/base")" "$t/all")
	run -1 "$CRASHGEN" -n 4 -m 4 "$t/log" "cmp -s $t/s $t/base" "$t/base" "$t/s"
	[[ "$output" == *"crash states: $all tried, $want failed"* ]]
}

# A power cut while the primary superblock (two 512-byte sectors) is
# written can leave one sector old and the other new: with metadata_csum a
# checksum that matches neither, and on a filesystem of one group no
# backup superblock.  graft FROM TO OFF LEN: LEN bytes at OFF from FROM.
graft() {
	dd if="$1" of="$2" bs=512 skip=$(($3 / 512)) seek=$(($3 / 512)) \
		count=$(($4 / 512)) conv=notrunc status=none
}

@test "torn superblock: a re-run of create finishes a cut create, either sector torn (1k and 4k blocks, one group)" {
	local t=$BATS_TEST_TMPDIR bs half
	export E2FSPROGS_FAKE_TIME=1700000000	# the journal inode's times
	for bs in 1024 4096; do
		mke2fs -q -F -t ext4 -O ^has_journal -b $bs "$t/old.img" 8M >/dev/null
		cp "$t/old.img" "$t/new.img"
		run -1 jbdctl create "$t/new.img"
		# Everything but the primary superblock was written (and synced)
		# before it: new.img with one sector of the old superblock.
		for half in 1024 1536; do
			cp "$t/new.img" "$t/cut.img"
			graft "$t/old.img" "$t/cut.img" $half 512
			run e2fsck -fn "$t/cut.img"
			[ "$status" -ne 0 ]	# e2fsck cannot open it
			run -1 jbdctl create "$t/cut.img"
			[[ "$output" == *"finishing an interrupted create"* ]]
			[ -z "$(image_diff "$t/new.img" "$t/cut.img")" ] ||
				{ echo "bs $bs, old sector at $half:"; image_diff "$t/new.img" "$t/cut.img"; return 1; }
			run -0 e2fsck -fn "$t/cut.img"
		done
	done
}

@test "torn superblock: a re-run of remove finishes a cut remove, either sector torn" {
	local t=$BATS_TEST_TMPDIR half ino
	export E2FSPROGS_FAKE_TIME=1700000000
	mke2fs -q -F -t ext4 -b 4096 "$t/old.img" 8M >/dev/null
	cp "$t/old.img" "$t/new.img"
	run -1 jbdctl remove "$t/new.img"
	# remove writes the bitmaps, the descriptors, the primary superblock,
	# and last inode 8: a cut in the superblock leaves inode 8 as it was.
	ino=$(debugfs -R "imap <8>" "$t/old.img" 2>/dev/null |
		sed -n 's/.*located at block \([0-9]*\), offset 0x\([0-9a-f]*\).*/\1 \2/p')
	[ -n "$ino" ]
	for half in 1024 1536; do
		cp "$t/new.img" "$t/cut.img"
		graft "$t/old.img" "$t/cut.img" $(( ${ino% *} * 4096 )) 4096
		graft "$t/old.img" "$t/cut.img" $half 512
		run e2fsck -fn "$t/cut.img"
		[ "$status" -ne 0 ]
		run -1 jbdctl remove "$t/cut.img"
		[ -z "$(image_diff "$t/new.img" "$t/cut.img")" ] ||
			{ echo "old sector at $half:"; image_diff "$t/new.img" "$t/cut.img"; return 1; }
		run -0 e2fsck -fn "$t/cut.img"
	done
}

@test "torn superblock: a bad superblock checksum that no cut explains is refused, nothing written" {
	local t=$BATS_TEST_TMPDIR
	mke2fs -q -F -t ext4 -O ^has_journal -b 1024 "$t/nj.img" 8M >/dev/null
	flip "$t/nj.img" $((1024 + 0x78))	# s_volume_name: only the checksum fails
	cp "$t/nj.img" "$t/nj.orig"
	run -8 --separate-stderr jbdctl create "$t/nj.img"
	[[ "$stderr" == *"Superblock checksum does not match superblock"* ]] || { echo "$stderr"; return 1; }
	cmp "$t/nj.img" "$t/nj.orig"
	mke2fs -q -F -t ext4 -b 1024 "$t/j.img" 8M >/dev/null
	flip "$t/j.img" $((1024 + 0x78))
	cp "$t/j.img" "$t/j.orig"
	run -8 --separate-stderr jbdctl remove "$t/j.img"
	[[ "$stderr" == *"Superblock checksum does not match superblock"* ]] || { echo "$stderr"; return 1; }
	cmp "$t/j.img" "$t/j.orig"
}
