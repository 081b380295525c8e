#!/usr/bin/env bats
# verify's cost is bounded by the log, not the journal: on a 32 MiB
# journal holding a short log, it reads at most 1.5 times what replay
# reads (bytes returned by pread64, counted with strace), and the search
# beyond the log's end still finds a destroyed commit block (log_break).
# The log is written by debugfs (jo -c, jw, jc).

load test_helper

setup() {
	require_tool strace
	strace -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	require_tool debugfs
	img=$BATS_TEST_TMPDIR/big.img
	mke2fs -q -F -t ext4 -b 1024 -J size=32 "$img" 128M
	for t in 1 2 3 4 5 6 7 8; do
		printf 'jo -c\njw -b %d-%d /dev/urandom\njc\n' $((20000 + t * 10)) \
			$((20009 + t * 10)) | debugfs -w -f - "$img" >/dev/null 2>&1
	done
}

# Bytes the command reads with pread64.
bytes_read() {
	strace -f -e trace=pread64 -o "$BATS_TEST_TMPDIR/st" "$@" >/dev/null 2>&1
	awk -F'= ' '/pread64\(/ && $NF + 0 > 0 { s += $NF } END { print s + 0 }' \
		"$BATS_TEST_TMPDIR/st"
}

@test "cost: verify reads at most 1.5 times what replay reads, on a 32 MiB journal" {
	v=$(bytes_read "$JBDCTL" verify "$img")
	cp "$img" "$img.r"
	r=$(bytes_read "$JBDCTL" replay "$img.r")
	echo "# verify $v bytes, replay $r bytes" >&3
	[ "$r" -gt 0 ]
	[ $((v * 2)) -le $((r * 3)) ]
}

@test "cost: the bounded search beyond the end still finds a destroyed commit block" {
	# Transaction 4's commit destroyed: the log ends there, and
	# transaction 5 goes on right after it.
	b=$(log_block "$img" 4 commit)
	[ -n "$b" ]
	off=$(journal_offset "$img" "$b")
	dd if=/dev/zero of="$img" bs=1024 seek=$((off / 1024)) count=1 conv=notrunc status=none
	run jbdctl verify "$img"
	[[ "$output" == *"(log_break)"* ]] || { echo "$output"; return 1; }
}
