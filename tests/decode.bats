#!/usr/bin/env bats
# logdump --decode: what each logged block is and what it changes.  The oracle is debugfs on
# the image before and after `e2fsck -y -E journal_only` (stat, ls -p, testb, testi, stats),
# and e2fsck -fn on the image replayed only up to a transaction, never jbdctl itself.

load test_helper

setup() {
	require_tool debugfs
	require_tool jq
	require_tool e2fsck
}

# has TEXT / lacks TEXT / matches REGEX: about $output.
has() {
	printf '%s\n' "$output" | grep -qF -- "$1" && return 0
	printf 'missing: %s\nin:\n%s\n' "$1" "$output"
	return 1
}
lacks() {
	! printf '%s\n' "$output" | grep -qF -- "$1" && return 0
	printf 'unexpected: %s\n' "$1"
	return 1
}
matches() {
	printf '%s\n' "$output" | grep -qE -- "$1" && return 0
	printf 'no match: %s\nin:\n%s\n' "$1" "$output"
	return 1
}

# EXTJ: the external journal of the image under test, if any (copied before each use).
EXTJ=""

# jopt: "-j COPY" of $EXTJ (a fresh copy), or nothing.
jopt() {
	[ -n "$EXTJ" ] || return 0
	cp --sparse=always "$EXTJ" "$EXTJ.$1"
	echo "-j $EXTJ.$1"
}

# without_fast_commits IMG: the fast-commit area of IMG's journal (if it has one) zeroed, so
# that e2fsck's replay finds no fast commit (no HEAD record) and replays the full commits
# alone, which are all that --decode decodes.  The area: the journal blocks after the log's
# last one (j_last = s_maxlen - num_fc_blks), as the kernel's jbd2_fc_init lays it out.
without_fast_commits() {
	local h total fc bs j
	h=$(dumpe2fs -h "$1" 2>/dev/null)
	fc=$(sed -n 's/^Fast commit length: *//p' <<<"$h")
	[ -n "$fc" ] && [ "$fc" -gt 0 ] || return 0
	total=$(sed -n 's/^Total journal blocks: *//p' <<<"$h")
	bs=$(sed -n 's/^Block size: *//p' <<<"$h")
	for ((j = total - fc + 1; j < total; j++)); do echo "bmap <8> $j"; done |
		debugfs -f - "$1" 2>/dev/null | grep -E '^[0-9]+$' | while read -r p; do
			dd if=/dev/zero of="$1" bs="$bs" seek="$p" count=1 conv=notrunc status=none
		done
}

# replayed IMG: a copy of IMG after e2fsck's replay (of its full commits); prints its path.
replayed() {
	local out="$1.after"
	[ -f "$out" ] && [ "$out" -nt "$1" ] && { echo "$out"; return 0; }
	cp --sparse=always "$1" "$out"
	without_fast_commits "$out"
	e2fsck -y -E journal_only $(jopt replay) "$out" >/dev/null 2>&1 || [ $? -le 1 ] || return 1
	echo "$out"
}

# decoded IMG: the --decode JSON of IMG's committed transactions (one document).
decoded() {
	jbdctl logdump --decode --json $(jopt decode) "$1" |
		jq '[.transactions[] | select(.commit != null)]'
}

# oracle WHAT ARGS...: tests/decode_oracle.py (debugfs and dumpe2fs against the JSON).
oracle() {
	python3 "$TOP_SRCDIR/tests/decode_oracle.py" "$@"
}

# stat_all IMG DIR INO...: debugfs stat of each inode, in one debugfs run, into DIR/INO.
stat_all() {
	local img=$1 dir=$2 ino
	shift 2
	mkdir -p "$dir"
	for ino in "$@"; do printf 'stat <%s>\n' "$ino"; done >"$dir.cmd"
	debugfs -n -f "$dir.cmd" "$img" 2>/dev/null | awk -v d="$dir" '
		/^debugfs: stat </ { f = $3; gsub(/[<>]/, "", f); f = d "/" f; next }
		f { print > f }'
}

# stat_values DIR: "ino field value" for the fields debugfs stat shows, from the stat files
# stat_all wrote (ext2_inode_large names; i_mode as its permission bits, like debugfs).
stat_values() {
	local f
	for f in "$1"/*; do
		awk -v ino="$(basename "$f")" '
		function num(s,   i, c, v, base) {
			base = 10; v = 0
			if (s ~ /^0x/) { base = 16; s = substr(s, 3) }
			else if (s ~ /^0/) base = 8
			for (i = 1; i <= length(s); i++) {
				c = index("0123456789abcdef", substr(s, i, 1)) - 1
				v = v * base + c
			}
			return v
		}
		function field(name, re,   m) {
			if (match($0, re)) {
				m = substr($0, RSTART, RLENGTH); sub(/.*[: ] */, "", m)
				printf "%s %s %.0f\n", ino, name, num(m)
			}
		}
		/^Inode: / { field("i_mode", "Mode: +[0-7]+"); field("i_flags", "Flags: 0x[0-9a-f]+") }
		/^Generation: / { field("i_generation", "^Generation: [0-9]+") }
		/^User: / { field("i_uid", "^User: +[0-9]+"); field("i_gid", "Group: +[0-9]+")
			    field("i_size", "Size: [0-9]+$") }
		/^File ACL: / { field("i_file_acl", "File ACL: [0-9]+") }
		/^Links: / { field("i_links_count", "^Links: [0-9]+"); field("i_blocks", "Blockcount: [0-9]+") }
		/^ *[acm]time: |^crtime: |^ *dtime: / {
			n = $1; sub(/:$/, "", n)
			field("i_" n, n ": 0x[0-9a-f]+")
		}
		/^Inode checksum: / { field("i_checksum", "checksum: 0x[0-9a-f]+") }' "$f"
	done
}

# check_inode_fields IMG JSON-FILE: every inode field the log changes (first old and last
# new value differ), the old value against debugfs stat on IMG, the new one after replay
# (or on the image $AFTER, for check_bits and check_entries too).
check_inode_fields() {
	local img=$1 json=$2 after inos
	after=${AFTER:-$(replayed "$img")}
	jq -r '[.[].blocks[] | select(.role.kind == "inode_table") | .changes[] |
		select(has("field") and (.old | type) == "number") | {inode, field, old, new}] |
		group_by([.inode, .field]) | map(select(.[0].old != .[-1].new)) | .[] |
		"\(.[0].inode) \(.[0].field) \(.[0].old) \(.[-1].new)"' "$json" \
		>"$BATS_TEST_TMPDIR/net"
	inos=$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/net" | sort -un)
	[ -n "$inos" ] || { echo "0 inode fields checked"; return 1; }
	stat_all "$img" "$BATS_TEST_TMPDIR/stat.before" $inos
	stat_all "$after" "$BATS_TEST_TMPDIR/stat.after" $inos
	stat_values "$BATS_TEST_TMPDIR/stat.before" >"$BATS_TEST_TMPDIR/vals.before"
	stat_values "$BATS_TEST_TMPDIR/stat.after" >"$BATS_TEST_TMPDIR/vals.after"
	awk 'FILENAME ~ /vals.before$/ { b[$1 " " $2] = $3; next }
	     FILENAME ~ /vals.after$/ { a[$1 " " $2] = $3; next }
	     {	k = $1 " " $2; old = $3; new = $4
		if (!(k in b)) next		# not shown by debugfs stat
		if ($2 == "i_mode") { old = old % 4096; new = new % 4096 }
		if (b[k] != old) { print "inode " k ": decoded old " old ", debugfs " b[k]; bad = 1 }
		if (a[k] != new) { print "inode " k ": decoded new " new ", debugfs " a[k]; bad = 1 }
		n++ }
	     END { print n + 0, "inode fields checked"; exit bad || !n }' \
		"$BATS_TEST_TMPDIR/vals.before" "$BATS_TEST_TMPDIR/vals.after" "$BATS_TEST_TMPDIR/net"
}

# check_bits IMG JSON-FILE: every bit set or cleared, against testb/testi before (the state
# the first change found) and after replay (the state the last change left).
check_bits() {
	local img=$1 json=$2 after t=$BATS_TEST_TMPDIR
	after=${AFTER:-$(replayed "$img")}
	jq -r '[.[].blocks[] | .changes[] | select(has("numbers")) | .numbers as $n |
		(.set[] | {k: "\($n) \(.)", op: "set"}), (.cleared[] | {k: "\($n) \(.)", op: "cleared"})] |
		group_by(.k) | .[] | "\(.[0].k) \(.[0].op) \(.[-1].op)"' "$json" >"$t/bits.net"
	[ -s "$t/bits.net" ] || { echo "0 bits checked (no bitmap changes)"; return 1; }
	awk '{ print ($1 == "blocks" ? "testb " $2 : "testi <" $2 ">") }' "$t/bits.net" >"$t/bits.cmd"
	debugfs -n -f "$t/bits.cmd" "$img" 2>/dev/null >"$t/bits.before"
	debugfs -n -f "$t/bits.cmd" "$after" 2>/dev/null >"$t/bits.after"
	awk 'function state(line,   w) {
		w = (line ~ /^Block/) ? "blocks" : "inodes"
		split(line, f, " ")
		return w " " f[2] " " (line ~ /not in use/ ? "free" : "used") }
	     FILENAME ~ /bits.before$/ && /^(Block|Inode) [0-9]+ / { split(state($0), s, " "); b[s[1] " " s[2]] = s[3]; next }
	     FILENAME ~ /bits.after$/ && /^(Block|Inode) [0-9]+ / { split(state($0), s, " "); a[s[1] " " s[2]] = s[3]; next }
	     FILENAME ~ /bits.net$/ {
		k = $1 " " $2
		if (b[k] != ($3 == "set" ? "free" : "used")) { print k ": " $3 " first, but " b[k] " before"; bad = 1 }
		if (a[k] != ($4 == "set" ? "used" : "free")) { print k ": " $4 " last, but " a[k] " after replay"; bad = 1 }
		n++ }
	     END { print n + 0, "bits checked"; exit bad || !n }' \
		"$t/bits.before" "$t/bits.after" "$t/bits.net"
}

# entries IMG DIR: "name inode" lines of directory inode DIR (none if it is not a directory).
entries() {
	debugfs -n -R "ls -p <$2>" "$1" 2>/dev/null | awk -F/ 'NF >= 7 && $2 != 0 && $6 != "" { print $6, $2 }' | sort
}

@test "decode: every changed inode field of the debugfs fixture is what debugfs stat shows" {
	img=$(fixture decode-ops)
	decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
	run check_inode_fields "$img" "$BATS_TEST_TMPDIR/d.json"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "decode: every inode whose debugfs stat changes is decoded as changed, and only those" {
	img=$(fixture decode-ops)
	after=$(replayed "$img")
	want=$(for ino in $(seq 1 32); do
		[ "$(debugfs -R "stat <$ino>" "$img" 2>/dev/null)" = \
		  "$(debugfs -R "stat <$ino>" "$after" 2>/dev/null)" ] || echo "$ino"
	done)
	got=$(decoded "$img" | jq -r '[.[].blocks[] | select(.role.kind == "inode_table") |
		.changes[] | select(has("field")) | {inode, field, old, new}] |
		group_by([.inode, .field]) | map(select(.[0].old != .[-1].new)) |
		map(.[0].inode) | unique | .[]')
	assert_equal "$got" "$want"
}

# check_entries IMG JSON-FILE: the entries of every logged directory block, applied to
# debugfs ls of IMG, give debugfs ls after replay (for the directories that still exist).
check_entries() {
	oracle entries "$1" "${AFTER:-$(replayed "$1")}" "$2"
}

@test "decode: directory entries added, removed and renamed give debugfs ls after replay" {
	img=$(fixture decode-ops)
	json=$(decoded "$img")
	decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
	run check_entries "$img" "$BATS_TEST_TMPDIR/d.json"
	echo "$output"
	[ "$status" -eq 0 ]
	# the rename of T3 is one renamed entry, f1 -> moved
	run jq -c '.[2].blocks[0].changes' <<<"$json"
	assert_equal "$output" '[{"entry_renamed":"moved","old_name":"f1","inode":13}]'
}

@test "decode: bitmap bits set and cleared are what testb and testi show before and after" {
	img=$(fixture decode-ops)
	decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
	run check_bits "$img" "$BATS_TEST_TMPDIR/d.json"
	echo "$output"
	[ "$status" -eq 0 ]
	# punch big 2 4 (T7) frees blocks 1624-1626
	run jq -c '.[6].blocks[] | select(.role.kind == "block_bitmap") | .changes' \
		"$BATS_TEST_TMPDIR/d.json"
	assert_equal "$output" '[{"numbers":"blocks","set":[],"cleared":[1624,1625,1626]}]'
}

@test "decode: group descriptor and superblock counters are what debugfs stats shows" {
	img=$(fixture decode-ops)
	after=$(replayed "$img")
	json=$(decoded "$img")
	net() {	# first old and last new of a field: "OLD NEW"
		jq -r --arg f "$1" --arg k "$2" '[.[].blocks[] | select(.role.kind == $k and
			(.role.backup | not)) | .changes[] | select(.field == $f)] |
			"\(.[0].old) \(.[-1].new)"' <<<"$json"
	}
	stats() { debugfs -R stats "$1" 2>/dev/null; }
	for pair in "bg_free_blocks_count:free blocks" "bg_free_inodes_count:free inodes" \
		    "bg_used_dirs_count:used directories"; do
		f=${pair%%:*} label=${pair#*:}
		read -r old new < <(net "$f" group_descriptors)
		assert_equal "$old" "$(stats "$img" | grep -oE "[0-9]+ $label" | head -1 | cut -d' ' -f1)"
		assert_equal "$new" "$(stats "$after" | grep -oE "[0-9]+ $label" | head -1 | cut -d' ' -f1)"
	done
	for pair in "s_free_blocks_count:Free blocks" "s_free_inodes_count:Free inodes"; do
		f=${pair%%:*} label=${pair#*:}
		read -r old new < <(net "$f" superblock)
		assert_equal "$old" "$(stats "$img" | sed -n "s/^$label: *//p")"
		assert_equal "$new" "$(stats "$after" | sed -n "s/^$label: *//p")"
	done
}

# replayed_to IMG T: a copy of IMG replayed by e2fsck up to transaction T only (the
# descriptor of T+1 loses its magic number, so the log ends there); prints its path.
replayed_to() {
	local out="$1.to$2" j
	cp --sparse=always "$1" "$out"
	j=$(log_block "$out" $(($2 + 1)) descriptor)
	poke "$out" "$(journal_offset "$out" "$j")" 00000000
	without_fast_commits "$out"
	e2fsck -y -E journal_only "$out" >/dev/null 2>&1 || [ $? -le 1 ] || return 1
	echo "$out"
}

# put_logged PRE OUT T FSBLK: write into image OUT the copy of FSBLK that transaction T
# logged in PRE's journal, where debugfs logdump -b finds it (e2fsck's own replay rewrites
# the group descriptors, so a descriptor copy is looked at this way).
put_logged() {
	local j bs
	j=$(debugfs -R "logdump -b $4" "$1" 2>/dev/null |
		sed -n "s/.*FS block $4 logged at sequence $3, journal block \([0-9]*\) .*/\1/p")
	[ -n "$j" ] || return 1
	bs=$(dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Block size: *//p')
	dd if="$1" of="$2" bs="$bs" skip=$(( $(journal_offset "$1" "$j") / bs )) seek="$4" \
		count=1 conv=notrunc status=none
}

@test "decode: an inode changed without updating its checksum is flagged, as e2fsck finds it" {
	img=$(fixture decode-ops)
	json=$(decoded "$img")
	run jq -c '[.[] | {sequence, f: [.blocks[].checksum_failures[]]} | select(.f != [])]' \
		<<<"$json"
	assert_equal "$output" '[{"sequence":5,"f":[{"structure":"group_descriptor","group":0}]},{"sequence":9,"f":[{"structure":"inode","inode":13,"group":0}]},{"sequence":13,"f":[{"structure":"group_descriptor","group":0}]}]'
	# e2fsck on the image as T9 leaves it: inode 13's checksum is wrong
	t9=$(replayed_to "$img" 9)
	run e2fsck -fn "$t9"
	has "Inode 13 passes checks, but checksum does not match inode"
	# ... and as T5 leaves it: so is group 0's descriptor (debugfs set_bg leaves it stale)
	t5=$(replayed_to "$img" 5)
	put_logged "$img" "$t5" 5 2
	run e2fsck -fn "$t5"
	matches "[Gg]roup descriptor 0 checksum is 0x[0-9a-f]+, should be"
	# every other copy was checked and is right
	run jq '[.[].blocks[] | select(.role.kind != "data" and .role.kind != "unknown") |
		.metadata_checksums_checked] | all' <<<"$json"
	assert_equal "$output" true
}

@test "decode: inconsistencies left inside a transaction are reported, as e2fsck finds them" {
	img=$(fixture decode-ops)
	json=$(decoded "$img")
	run jq -c '[.[] | select(.summary.inconsistencies != []) |
		{sequence, k: [.summary.inconsistencies[].kind]}]' <<<"$json"
	assert_equal "$output" '[{"sequence":11,"k":["link_count"]},{"sequence":12,"k":["link_count"]},{"sequence":13,"k":["group_counter"]}]'
	run jq -c '[.[] | select(.summary.consistency_checked | not) | .sequence]' <<<"$json"
	assert_equal "$output" '[14]'
	t11=$(replayed_to "$img" 11)
	run e2fsck -fn "$t11"
	has "Inode 13 ref count is 1, should be 2"
	t13=$(replayed_to "$img" 13)
	put_logged "$img" "$t13" 13 2
	run e2fsck -fn "$t13"
	has "Free blocks count wrong for group #0 (6560, counted=6561)"
	# the text output says the same
	run jbdctl logdump --decode "$img"
	has "INCONSISTENT (link_count): inode 13: i_links_count changes by 0, directory entries by 1"
}

@test "decode: verify --strict reports the stale checksums and the inconsistencies" {
	img=$(fixture decode-ops)
	run -4 jbdctl verify --strict --json "$img"
	run jq -c '[.problems[] | select(.kind == "metadata_checksum" or .kind == "link_count"
		or .kind == "group_counter" or .kind == "inode_bitmap") | [.sequence, .kind]]' <<<"$output"
	assert_equal "$output" '[[5,"metadata_checksum"],[9,"metadata_checksum"],[11,"link_count"],[12,"link_count"],[13,"metadata_checksum"],[13,"group_counter"]]'
	# without --strict these are not findings
	run -0 jbdctl verify "$img"
}

@test "decode: roles of the debugfs fixture's blocks" {
	img=$(fixture decode-ops)
	run jq -c '.[0].blocks[] | [.fs_block, .role]' < <(decoded "$img")
	assert_line '[1,{"kind":"superblock","group":0,"backup":false}]'
	assert_line '[2,{"kind":"group_descriptors","group":0,"groups":[0,0],"backup":false}]'
	assert_line '[66,{"kind":"block_bitmap","group":0}]'
	assert_line '[82,{"kind":"inode_bitmap","group":0}]'
	assert_line '[101,{"kind":"inode_table","group":0,"inodes":[13,16]}]'
	assert_line '[1618,{"kind":"directory","inode":12,"logical":0}]'
	assert_line '[1621,{"kind":"data","inode":13,"logical":2}]'
	# the same, as debugfs icheck and imap say
	after=$(replayed "$img")
	run debugfs -R "icheck 1618 1621" "$after"
	matches '^1618[[:space:]]+12$'
	matches '^1621[[:space:]]+13$'
	run debugfs -R "imap <13>" "$after"
	has "located at block 101"
}

@test "decode: -i gives the history of one inode, -b of one block" {
	img=$(fixture decode-ops)
	run -0 jbdctl logdump --decode --json -i 13 "$img"
	run jq -c '[.transactions[] | select(any(.blocks[]; .changes != [])) | .sequence]' <<<"$output"
	assert_equal "$output" '[1,2,4,8,9,10,12]'
	run -0 jbdctl logdump --decode --json -i 13 "$img"
	run jq '[.transactions[].blocks[].changes[] | .inode] | unique' <<<"$output"
	assert_equal "$output" '[
  13
]'
	run -0 jbdctl logdump --decode -i 13 "$img"
	has "inode 13: i_links_count 1 -> 2"
	has "inode 13: i_mode 0100644 -> 0100600"
	lacks "inode 14:"
	run -0 jbdctl logdump --decode -b 1618 "$img"
	has 'entry added: "hard" -> inode 13'
	has 'entry renamed: "f1" -> "moved" (inode 13)'
	has 'entry removed: "hard" -> inode 13'
	has 'entry added: "extra" -> inode 13'
}

@test "decode: Hurd-style logs (ext2, no checksums) decode without false alarms" {
	for name in hurd-1k hurd-4k; do
		img=$(fixture "$name")
		run -0 jbdctl logdump --decode --json "$img"
		run jq -c '[.transactions[] | .summary.inconsistencies[],
			(.blocks[] | .checksum_failures[])] ' <<<"$output"
		assert_equal "$output" '[]'
		run -0 jbdctl logdump --decode --json "$img"
		run jq -c '[.transactions[].blocks[] | .metadata_checksums_checked] | unique' <<<"$output"
		assert_equal "$output" '[false]'
		run -0 jbdctl logdump --decode "$img"
		lacks "CHECKSUM BAD"
		lacks "INCONSISTENT"
		rm -f "$img"
	done
}

# keys_documented JSON...: every key of these logdump --decode --json documents is in
# jbdctl(8)'s JSON OUTPUT section, every kind they emit in its lists (decode_oracle.py keys).
keys_documented() {
	oracle keys "$TOP_SRCDIR/man/jbdctl.8.in" "$@"
}

@test "decode: every fixture decodes, text and JSON, with the exit status of logdump; every JSON key is in jbdctl(8)" {
	mkdir -p "$BATS_TEST_TMPDIR/keys"
	for name in $(fixture_names); do
		img=$(fixture "$name")
		jopt=$(fixture_journal_opt "$name")
		run jbdctl logdump -a $jopt "$img"
		want=$status
		run jbdctl logdump --decode -a $jopt "$img"
		[ "$status" -eq "$want" ] || { echo "$name: $status, want $want"; return 1; }
		run jbdctl logdump --decode --json -O $jopt "$img"
		[ "$status" -eq "$want" ] || { echo "$name -O: $status, want $want"; return 1; }
		jq -e . >/dev/null <<<"$output" || { echo "$name: bad JSON"; return 1; }
		printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/keys/$name.json"
		if [ "$name" = decode-ops ]; then	# the keys -i, -b and -c add
			jbdctl logdump --decode --json -i 13 -c "$img" >"$BATS_TEST_TMPDIR/keys/i.json"
			jbdctl logdump --decode --json -b 1618 -S "$img" >"$BATS_TEST_TMPDIR/keys/b.json"
		fi
		rm -f "$BATS_TEST_TMPDIR"/*.img "$BATS_TEST_TMPDIR"/*.jnl
	done
	run keys_documented "$BATS_TEST_TMPDIR"/keys/*.json
	echo "$output"
	[ "$status" -eq 0 ]
}

# corpus_each: "NAME" of every real-kernel image whose log e2fsck replays by itself (not the
# fast-commit ones: their fast-commit area is replayed as well, which the decoded log does not
# hold; see corpus_fc_each).
corpus_each() {
	local f
	for f in "$CORPUS"/*.crash.img.zst; do
		f=$(basename "$f" .crash.img.zst)
		[ "$f" = fast-commit ] || echo "$f"
	done
}

# corpus_fc_each: "NAME" of every real-kernel image with fast commits (the corpus README).
# Their decoded log is the full-commit transactions (--decode does not decode fast-commit
# records); replayed() checks them against e2fsck's replay of those alone.
corpus_fc_each() {
	echo fast-commit fast-commit-kernel/fast-commit-13 fast-commit-kernel/fast-commit-mkdir-13
}

# corpus_setup NAME: decompress the image into $img (and $EXTJ, its external journal).
corpus_setup() {
	EXTJ=""
	if [ -f "$CORPUS/$1.journal.img.zst" ]; then
		EXTJ=$(corpus_image "$1.journal")
	fi
	img="$BATS_TEST_TMPDIR/${1##*/}.crash.img"
	zstd -q -dc "$CORPUS/$1.crash.img.zst" >"$img"
}

@test "decode: real-kernel logs decode without false alarms; every JSON key is in jbdctl(8)" {
	require_corpus
	require_tool zstd
	mkdir -p "$BATS_TEST_TMPDIR/keys"
	for name in $(corpus_each) $(corpus_fc_each); do
		corpus_setup "$name"
		run jbdctl logdump --decode --json $(jopt decode) "$img"
		json=$output
		printf '%s\n' "$json" >"$BATS_TEST_TMPDIR/keys/${name##*/}.json"
		run jq -c '[.transactions[] | .summary.inconsistencies[],
			(.blocks[] | .checksum_failures[])]' <<<"$json"
		[ "$output" = "[]" ] || { echo "$name: $output"; return 1; }
		# the checks did run on most transactions
		run jq '[.transactions[] | select(.summary.consistency_checked)] | length' <<<"$json"
		case $name in *fast-commit*) ;; *)
			[ "$output" -gt 0 ] || { echo "$name: none checked"; return 1; } ;; esac
		rm -f "$BATS_TEST_TMPDIR"/*.img*
	done
	run keys_documented "$BATS_TEST_TMPDIR"/keys/*.json
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "decode: real-kernel logs: every changed inode field, entry, bit and counter is what debugfs shows" {
	require_corpus
	require_tool zstd
	for name in $(corpus_each); do
		corpus_setup "$name"
		decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
		for check in check_inode_fields check_bits check_entries; do
			run $check "$img" "$BATS_TEST_TMPDIR/d.json"
			[ "$status" -eq 0 ] || { echo "$name $check: $output"; return 1; }
			echo "$name $check: ${lines[-1]}"
		done
		run oracle counters "$img" "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
		[ "$status" -eq 0 ] || { echo "$name counters: $output"; return 1; }
		rm -rf "$BATS_TEST_TMPDIR"/*.img* "$BATS_TEST_TMPDIR"/stat.*
	done
}

# checked_or_none: $status and $output of a check: the number it checked (0 when it had
# nothing to check and found nothing wrong); fails on a disagreement.
checked_or_none() {
	[ "$status" -eq 0 ] && { echo "${lines[-1]%% *}"; return 0; }
	[ "${#lines[@]}" -eq 1 ] && [ "${lines[0]%% *}" = 0 ] && { echo 0; return 0; }
	return 1
}

# On the fast-commit images the disk is often ahead of the log (the kernel wrote blocks home
# after logging them, and the fast commits carry the rest): the net change of the whole log
# hides most of what each transaction did.  So each transaction T is checked on its own
# account: the decoded log up to T against e2fsck's replay up to T (fast commits left out).
@test "decode: real-kernel fast-commit logs: each full commit's changes are what debugfs shows after e2fsck replays up to it" {
	require_corpus
	require_tool zstd
	local t=$BATS_TEST_TMPDIR
	for name in $(corpus_fc_each); do
		corpus_setup "$name"
		decoded "$img" >"$t/d.json"
		seqs=$(jq -r '.[].sequence' "$t/d.json")
		last=$(tail -1 <<<"$seqs")
		n=0
		for seq in $seqs; do
			jq --argjson s "$seq" '[.[] | select(.sequence <= $s)]' "$t/d.json" >"$t/d$seq.json"
			if [ "$seq" = "$last" ]; then AFTER=$(replayed "$img"); else AFTER=$(replayed_to "$img" "$seq"); fi
			for check in check_inode_fields check_bits check_entries counters; do
				if [ $check = counters ]; then
					run oracle counters "$img" "$AFTER" "$t/d$seq.json"
				else
					run $check "$img" "$t/d$seq.json"
				fi
				c=$(checked_or_none) || { echo "$name T$seq $check: $output"; return 1; }
				echo "$name T$seq $check: $c checked"
				n=$((n + c))
			done
			rm -rf "$t"/stat.*
		done
		AFTER=""
		[ "$n" -gt 0 ] || { echo "$name: nothing checked"; return 1; }
		rm -f "$t"/*.img*
	done
}

@test "decode: roles are what dumpe2fs, icheck, stat, ex and bmap show after replay" {
	kinds=""
	for name in decode-ops decode-roles decode-bigalloc; do
		img=$(fixture "$name")
		decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
		run oracle roles "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
		echo "$name: $output"
		[ "$status" -eq 0 ]
		kinds="$kinds $(jq -r '.[].blocks[].role.kind' "$BATS_TEST_TMPDIR/d.json")"
	done
	# decode-roles: backup superblock and descriptors, reserved GDT, unknown (dumpe2fs,
	# icheck say where), and a symlink, xattr, indirect and double indirect blocks
	run jq -c '.[4].blocks[] | .role' < <(decoded "$(fixture decode-roles)")
	assert_line '{"kind":"superblock","group":1,"backup":true}'
	assert_line '{"kind":"group_descriptors","group":1,"groups":[0,2],"backup":true}'
	assert_line '{"kind":"reserved_gdt","group":0}'
	assert_line '{"kind":"unknown"}'
	if [ -f "$CORPUS/MANIFEST.tsv" ] && command -v zstd >/dev/null; then
		for name in $(corpus_each); do
			corpus_setup "$name"
			decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
			run oracle roles "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
			echo "$name: ${lines[-1]}"
			[ "$status" -eq 0 ] || { echo "$output"; return 1; }
			kinds="$kinds $(jq -r '.[].blocks[].role.kind' "$BATS_TEST_TMPDIR/d.json")"
			rm -f "$BATS_TEST_TMPDIR"/*.img*
		done
		# every kind but the journal itself (no writer logs it) was checked
		got=$(tr ' ' '\n' <<<"$kinds" | grep . | sort -u | tr '\n' ' ')
		assert_equal "$got" "block_bitmap data directory extent_tree group_descriptors indirect inode_bitmap inode_table reserved_gdt superblock symlink unknown xattr "
	fi
}

@test "decode: extent, index and indirect mappings added and removed are what icheck and bmap show" {
	for name in decode-ops decode-roles decode-bigalloc; do
		img=$(fixture "$name")
		decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
		run oracle mappings "$img" "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
		echo "$name: $output"
		[ "$status" -eq 0 ]
	done
	# punch big 5 20 (T4 of decode-roles): direct slots 5-11 and indirect slots 0-8 go
	run jq -c '[.[3].blocks[] | select(.role.kind == "indirect") | .changes[] |
		.mapping_removed.slot] | [length, min, max]' < <(decoded "$(fixture decode-roles)")
	assert_equal "$output" '[9,0,8]'
	if [ -f "$CORPUS/MANIFEST.tsv" ] && command -v zstd >/dev/null; then
		for name in $(corpus_each); do
			corpus_setup "$name"
			decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
			run oracle mappings "$img" "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
			echo "$name: ${lines[-1]}"
			[ "$status" -eq 0 ] || { echo "$output"; return 1; }
			rm -f "$BATS_TEST_TMPDIR"/*.img*
		done
	fi
}

# note FIXTURE WORDS: the number that follows WORDS in a "note" line of FIXTURE's facts.
note() {
	sed -n "s/^note $2 \([0-9]*\).*/\1/p" "$FIXTURES/$1.facts"
}

@test "decode: a bit set that no logged inode refers to, a block referred to whose bit is clear, as e2fsck finds them" {
	img=$(fixture decode-roles)
	unref=$(note decode-roles "T6 sets block")
	mapped=$(note decode-roles "T8 maps block")
	[ -n "$unref" ] && [ -n "$mapped" ]
	run jq -c '[.[] | select(.summary.inconsistencies != []) |
		{sequence, k: [.summary.inconsistencies[].kind]}]' < <(decoded "$img")
	assert_equal "$output" '[{"sequence":6,"k":["block_bitmap","group_counter"]},{"sequence":8,"k":["block_bitmap"]}]'
	run jbdctl logdump --decode "$img"
	has "INCONSISTENT (block_bitmap): block $unref: marked in use in the block bitmap, but no logged inode refers to it"
	has "INCONSISTENT (block_bitmap): inode 13 refers to block $mapped, but the block bitmap marks it free"
	t6=$(replayed_to "$img" 6)
	run e2fsck -fn "$t6"
	matches "Block bitmap differences: +-$unref\b"
	t8=$(replayed_to "$img" 8)
	run e2fsck -fn "$t8"
	matches "Block bitmap differences: +\+$mapped\b"
	has "Inode 13, i_blocks is"
	run -4 jbdctl verify --strict --json "$img"
	run jq -c '[.problems[] | select(.kind == "block_bitmap" or .kind == "group_counter") |
		[.sequence, .kind]]' <<<"$output"
	assert_equal "$output" '[[6,"block_bitmap"],[6,"group_counter"],[8,"block_bitmap"]]'
	run -0 jbdctl verify "$img"
}

@test "decode: bigalloc bitmaps are clusters, numbered by their first block, as testb reads them" {
	img=$(fixture decode-bigalloc)
	decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
	run check_bits "$img" "$BATS_TEST_TMPDIR/d.json"
	echo "$output"
	[ "$status" -eq 0 ]
	# write big (3 blocks): one cluster, 16 blocks from its first
	cluster=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Cluster size: *//p')
	[ "$cluster" = 65536 ]
	run jq -c '[.[] | [.blocks[] | select(.role.kind == "block_bitmap") | .changes[] |
		.set + .cleared | length]]' "$BATS_TEST_TMPDIR/d.json"
	assert_equal "$output" '[[1],[1],[1]]'
	run oracle counters "$img" "$(replayed "$img")" "$BATS_TEST_TMPDIR/d.json"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "decode: an inode bit set with no inode in use, an inode in use without its bit, a free-inodes counter off, as e2fsck finds them" {
	img=$(fixture decode-inodes)
	ino=$(note decode-inodes "T3 sets inode")
	[ -n "$ino" ]
	run jq -c '[.[] | select(.summary.inconsistencies != []) |
		{sequence, k: [.summary.inconsistencies[].kind]}]' < <(decoded "$img")
	assert_equal "$output" '[{"sequence":3,"k":["inode_bitmap","group_counter"]},{"sequence":5,"k":["inode_bitmap"]},{"sequence":7,"k":["group_counter"]}]'
	run jbdctl logdump --decode "$img"
	has "INCONSISTENT (inode_bitmap): inode $ino is marked in use in the inode bitmap, but no copy of it in use is logged"
	has "INCONSISTENT (inode_bitmap): inode $ino comes into use, but its inode bitmap bit is not set"
	has "INCONSISTENT (group_counter): group 0: bg_free_inodes_count is"
	t3=$(replayed_to "$img" 3)
	run e2fsck -fn "$t3"
	matches "Inode bitmap differences: +-$ino\b"
	has "Free inodes count wrong for group #0"
	t5=$(replayed_to "$img" 5)
	run e2fsck -fn "$t5"
	matches "Inode bitmap differences: +\+$ino\b"
	# set_bg leaves the descriptor checksum stale: the logged copy, as in decode-ops T13
	free=$(note decode-inodes "T7 sets group 0's free inodes count to")
	t7=$(replayed_to "$img" 7)
	put_logged "$img" "$t7" 7 2
	run e2fsck -fn "$t7"
	has "Free inodes count wrong for group #0 ($free, counted=$((free + 1)))"
	# ... and the replay of the whole log (each fixed by the next) is clean
	run -0 e2fsck -fn "$(replayed "$img")"
	run -4 jbdctl verify --strict --json "$img"
	run jq -c '[.problems[] | select(.kind == "inode_bitmap" or .kind == "group_counter" or
		.kind == "link_count" or .kind == "block_bitmap") | [.sequence, .kind]]' <<<"$output"
	assert_equal "$output" '[[3,"inode_bitmap"],[3,"group_counter"],[5,"inode_bitmap"],[7,"group_counter"]]'
	run -0 jbdctl verify "$img"
}

@test "decode: changed byte ranges of data and unknown blocks are cmp -l's of the copies debugfs finds" {
	# escaped: escaped copies, and more than 32 ranges in a block; ext3-1k: a block logged
	# again after its revoke; external: an external journal; decode-roles: file data and a
	# block no inode owns
	for name in escaped ext3-1k external decode-roles; do
		img=$(fixture "$name")
		EXTJ="" jarg=""
		if [ -f "$FIXTURES/$name.jnl.xz" ]; then
			EXTJ=$(fixture_journal "$name")
			jarg=$EXTJ
		fi
		decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
		run oracle bytes "$img" "$BATS_TEST_TMPDIR/d.json" $jarg
		echo "$name: $output"
		[ "$status" -eq 0 ]
		rm -f "$BATS_TEST_TMPDIR"/*.img "$BATS_TEST_TMPDIR"/*.jnl*
	done
	EXTJ=""
	# the kernel's data=journal log: file data, some of it escaped
	if [ -f "$CORPUS/MANIFEST.tsv" ] && command -v zstd >/dev/null; then
		corpus_setup ext4-data-journal
		decoded "$img" >"$BATS_TEST_TMPDIR/d.json"
		run oracle bytes "$img" "$BATS_TEST_TMPDIR/d.json"
		echo "ext4-data-journal: $output"
		[ "$status" -eq 0 ]
	fi
}

@test "decode: a root whose two indexes name the same leaf decodes, the added index as debugfs ex lists it" {
	# A depth-1 tree of ten one-block extents; a logged copy of the inode
	# whose root gains a second index naming the same leaf (a broken
	# writer).  The walk expands a node once (see decode-blocks.c) and
	# goes on past the second index; the leaf keeps its role, and the
	# added index is the one debugfs ex lists.
	local a=$BATS_TEST_TMPDIR/a.img b=$BATS_TEST_TMPDIR/b.img i at blk off leaf
	mke2fs -q -F -t ext4 -b 1024 "$a" 16M
	for i in $(seq 0 9); do
		dd if=/dev/urandom of="$BATS_TEST_TMPDIR/sp" bs=1024 seek=$((i * 4)) \
			count=1 conv=notrunc 2>/dev/null
	done
	debugfs -w -R "write $BATS_TEST_TMPDIR/sp f" "$a" >/dev/null 2>&1
	leaf=$(debugfs -R "ex f" "$a" 2>/dev/null | awk '$1 == "0/" { print $8 }')
	[ -n "$leaf" ]
	cp "$a" "$b"
	printf 'sif f block[0] 0x0002f30a\nsif f block[6] 100\nsif f block[7] %s\nsif f block[8] 0\n' \
		"$leaf" | debugfs -w -f - "$b" >/dev/null 2>&1
	run debugfs -R "ex f" "$b"
	matches "^ *0/ *1 +2/ +2 +100 - [0-9]+ +$leaf "
	at=$(debugfs -R "imap f" "$b" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\),.*/\1/p')
	dd if="$b" of="$BATS_TEST_TMPDIR/both" bs=1024 skip="$at" count=1 2>/dev/null
	dd if="$b" bs=1024 skip="$leaf" count=1 2>/dev/null >> "$BATS_TEST_TMPDIR/both"
	printf 'jo\njw -b %s,%s %s\njc\n' "$at" "$leaf" "$BATS_TEST_TMPDIR/both" |
		debugfs -w -f - "$a" >/dev/null 2>&1
	run -0 jbdctl logdump --decode -a "$a"
	has "index added: logical 100 -> block $leaf"
	has "FS block $leaf logged at journal block"
	has "role: extent tree block (depth 0) of inode 12"
}
