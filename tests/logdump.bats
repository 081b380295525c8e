#!/usr/bin/env bats
# jbdctl logdump: text in debugfs's words, options, JSON.

load test_helper

# sha256 of the logged copy of FSBLK in transaction SEQ, from logdump -c JSON.
logged_sha256() {
	jq -r --argjson s "$2" --argjson b "$3" \
		'.transactions[] | select(.sequence == $s) | .blocks[] |
		 select(.fs_block == $b) | .data' <<<"$1" | xxd -r -p | sha256sum | cut -d' ' -f1
}

@test "logdump: the default listing of the revoke fixture is the expected one" {
	img=$(fixture revoke)
	run -0 jbdctl logdump "$img"
	assert_golden logdump/revoke.txt
}

@test "logdump -b: lists the copies and revokes of one block" {
	img=$(fixture revoke)
	run -0 jbdctl logdump -b 5003 "$img"
	assert_golden logdump/revoke.b5003.txt
}

@test "logdump -b: a block that is never logged lists nothing but the ends" {
	img=$(fixture revoke)
	run -0 jbdctl logdump -b 6000 "$img"
	assert_equal "${#lines[@]}" 2
}

@test "logdump -c: the logged copies are the bytes the recipe wrote" {
	img=$(fixture revoke)
	run -0 jbdctl logdump --json -a -c "$img"
	json=$output
	while read -r _ seq blk _ sum; do
		assert_equal "$(logged_sha256 "$json" "$seq" "$blk")" "$sum"
	done < <(grep '^copy ' "$FIXTURES/revoke.facts")
}

@test "logdump -c: escaped blocks are shown with their magic number restored" {
	img=$(fixture escaped)
	run -0 jbdctl logdump --json -a -c "$img"
	for blk in $(sed -n 's/^sequence 1 escaped //p' "$FIXTURES/escaped.facts"); do
		data=$(jq -r --argjson b "$blk" '.transactions[0].blocks[] |
			select(.fs_block == $b) | .data' <<<"$output")
		assert_equal "${data:0:8}" c03b3998
		flags=$(jq -r --argjson b "$blk" '.transactions[0].blocks[] |
			select(.fs_block == $b) | .flags | index("escape") != null' <<<"$output")
		assert_equal "$flags" true
	done
	run -0 jbdctl logdump -a -c "$img"
	[[ "$output" == *"    0000:  c03b3998 "* ]]
}

@test "logdump -c: every data checksum of a valid v3 fixture is good" {
	img=$(fixture csum-v3-64bit-4k)
	run -0 jbdctl logdump --json -a -c "$img"
	assert_equal "$(jq '[.transactions[].blocks[].checksum_ok] | unique' -c <<<"$output")" '[true]'
}

@test "logdump: data checksums are not checked (null) without -c, -b or -i" {
	img=$(fixture csum-v3-64bit-4k)
	run -0 jbdctl logdump --json -a "$img"
	assert_equal "$(jq '[.transactions[].blocks[].checksum_ok] | unique' -c <<<"$output")" '[null]'
}

@test "logdump -c: a corrupted logged block is marked BAD and exits 4" {
	img=$(fixture revoke)
	pblk=$(debugfs -R "bmap <8> 2" "$img" 2>/dev/null)
	printf 'X' | dd of="$img" bs=1 seek=$(( pblk * 1024 + 100 )) conv=notrunc status=none
	run -4 jbdctl logdump -a -c "$img"
	[[ "$output" == *"FS block 5000 logged at journal block 2 (flags 0x0), checksum BAD"* ]]
}

@test "logdump -a: a v1 journal gets a verdict on its commit only when data is read" {
	img=$(fixture csum-v1)
	run -0 jbdctl logdump --json -a -c "$img"
	assert_equal "$(jq '[.transactions[].commit.checksum_ok] | unique' -c <<<"$output")" '[true]'
	run -0 jbdctl logdump --json "$img"
	assert_equal "$(jq '[.transactions[].commit.checksum_ok] | unique' -c <<<"$output")" '[null]'
}

@test "logdump -O: a clean journal still shows its stale transactions" {
	img=$(fixture clean)
	run -0 jbdctl logdump "$img"
	[[ "$output" == *"Journal is clean"* ]]
	run -0 jbdctl logdump --json -O "$img"
	want=$(awk '$1 == "sequence" && $3 == "block" { print $2 }' "$FIXTURES/clean.facts" | sort -u | tr '\n' ' ')
	got=$(jq -r '[.transactions[] | select(.blocks | length > 0) | .sequence] | unique | .[]' <<<"$output" | tr '\n' ' ')
	assert_equal "$got" "$want"
	assert_equal "$(jq -r .end.reason <<<"$output")" end_of_area
}

@test "logdump -S: the superblock comes first" {
	img=$(fixture revoke)
	run -0 jbdctl logdump -S "$img"
	[[ "${lines[0]}" == "Journal superblock:       v2" ]]
	[[ "$output" == *"Journal checksum status:  good"* ]]
}

@test "logdump --json: one document in the documented shape" {
	img=$(fixture revoke)
	run -0 jbdctl logdump --json "$img"
	jq -e '.version == 1
		and ([.transactions[].sequence] == [1, 2, 3, 4])
		and .transactions[3].commit == null
		and ([.transactions[2].revokes[].fs_block] == [5003])
		and .transactions[0].blocks[0].fs_block == 5000
		and .transactions[0].blocks[0].journal_block == 2
		and .transactions[0].commit.journal_block == 4
		and .end.reason == "no_magic" and .end.journal_block == 13' <<<"$output"
}

@test "logdump --json -b: only the entries of that block" {
	img=$(fixture revoke)
	run -0 jbdctl logdump --json -b 5003 "$img"
	assert_equal "$(jq -c '[.transactions[].blocks[].fs_block]' <<<"$output")" '[5003]'
	assert_equal "$(jq -c '[.transactions[].revokes[].fs_block]' <<<"$output")" '[5003]'
}

@test "logdump -i: finds the inode's table block right for 256-byte inodes" {
	img=$(fixture revoke)
	isize=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Inode size:[[:space:]]*//p')
	ipg=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Inodes per group:[[:space:]]*//p')
	bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size:[[:space:]]*//p')
	itable=$(dumpe2fs "$img" 2>/dev/null | sed -n 's/^ *Inode table at \([0-9]*\)-.*/\1/p' | head -1)
	ino=12
	per=$(( bs / isize ))
	run -0 jbdctl logdump -i $ino "$img"
	assert_equal "${lines[0]}" "Inode $ino is at group 0, block $(( itable + (ino - 1) / per )), offset $(( (ino - 1) % per * isize ))"
	run -0 jbdctl logdump -i '<12>' "$img"
	assert_equal "${lines[0]}" "Inode $ino is at group 0, block $(( itable + (ino - 1) / per )), offset $(( (ino - 1) % per * isize ))"
}

@test "logdump -i: the last logged copy of an inode is what e2fsck replays" {
	require_corpus
	require_tool e2fsck
	img=$(corpus_image ext4-4k-csum3.crash)
	run -0 jbdctl logdump --json -i 12 "$img"
	last=$(jq -c '[.transactions[] | select(.commit != null) | .blocks[].inode] | last |
		{mode, size, links_count}' <<<"$output")
	cp "$img" "$BATS_TEST_TMPDIR/replayed.img"
	e2fsck -y -E journal_only "$BATS_TEST_TMPDIR/replayed.img" >/dev/null 2>&1
	stat=$(debugfs -R "stat <12>" "$BATS_TEST_TMPDIR/replayed.img" 2>/dev/null)
	mode=$(sed -n 's/.*Mode: *\([0-7]*\).*/\1/p' <<<"$stat")
	type=$(sed -n 's/.*Type: \([a-z]*\) .*/\1/p' <<<"$stat")
	size=$(sed -n 's/.*Size: \([0-9]*\)$/\1/p' <<<"$stat" | head -1)
	links=$(sed -n 's/^Links: \([0-9]*\).*/\1/p' <<<"$stat")
	[ "$type" = directory ]
	want_mode=$(( 8#40000 + 8#$mode ))
	assert_equal "$last" "{\"mode\":$want_mode,\"size\":$size,\"links_count\":$links}"
}

@test "logdump -i: a path in the filesystem is resolved" {
	require_corpus
	img=$(corpus_image ext4-4k-csum3.crash)
	run -0 jbdctl logdump -i / "$img"
	[[ "${lines[0]}" == "Inode 2 is at group 0, block "* ]]
}

@test "logdump: an external journal through -j lists what debugfs -f lists" {
	img=$(fixture external)
	jnl=$(fixture_journal external)
	run -0 jbdctl logdump -j "$jnl" "$img"
	# debugfs announces the journal device's ext2 superblock; we do not.
	diff -u <(debugfs -R "logdump -f $jnl" "$img" 2>/dev/null |
			sed -e '/^Ext2 superblock header found\.$/d' -e '$a\') \
		<(printf '%s\n' "$output" | sed -E -e 's/, checksum [a-zA-Z ]+$//' -e '/^Recovery: /d')
}
