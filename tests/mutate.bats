#!/usr/bin/env bats
# Seeded mutations of fixture journals (bits flipped in the journal
# superblock, descriptors, tags, revoke and commit blocks, data) through
# logdump, verify and replay: no crash, no hang, exit codes 0/1/4/5/8 only,
# the image keeps its size, and replay never writes into the journal
# (except its superblock).  Built with --enable-sanitizers, CI also catches
# memory errors here (ASan/UBSan exit 99).

load test_helper

FIXTURES_MUTATED="revoke csum-v3-32bit-1k ext3-1k hurd-1k csum-v1 wrap-v3 tid-wrap csum-v2-32bit async-v3"

setup() {
	require_tool debugfs
	require_tool timeout
}

# Physical runs of journal blocks 1.. (block 0, the superblock, left out):
# "first_pblk count" lines, from debugfs's map of inode 8.
journal_runs() {
	debugfs -R "stat <8>" "$1" 2>/dev/null | tr ',' '\n' |
		sed -n 's/.*(\([0-9]*\)\(-\([0-9]*\)\)\{0,1\}):\([0-9]*\)\(-[0-9]*\)\{0,1\}.*/\1 \3 \4/p' |
		awk '{ l = $1; e = ($2 == "" ? $1 : $2); p = $3
		       if (l == 0) { l = 1; p++ } if (e >= l) print p, e - l + 1 }'
}

# The journal blocks of A and B (block size BS) are the same.
journal_unchanged() {
	local a=$1 b=$2 bs=$3 p n
	while read -r p n; do
		cmp -s <(dd if="$a" bs="$bs" skip="$p" count="$n" status=none) \
		       <(dd if="$b" bs="$bs" skip="$p" count="$n" status=none) ||
			{ echo "journal blocks at $p (+$n) changed"; return 1; }
	done < <(journal_runs "$a")
}

# Header blocks of the log (descriptors, commits, revokes), as debugfs sees them.
header_blocks() {
	debugfs -R logdump "$1" 2>/dev/null | sed -n 's/^Found expected sequence .* at block \([0-9]*\)$/\1/p'
}

ok_status() {
	case $1 in 0|1|4|5|8) return 0 ;; esac
	return 1
}

# Mutation number SEED of fixture NAME: pick a journal block and a byte in
# it, flip one bit, and put the mutant through every command.
mutate_one() {
	local name=$1 seed=$2 img bs off blocks jblk byte bit mut st
	img=$BATS_TEST_TMPDIR/$name.img
	[ -f "$img" ] || xz -dc "$FIXTURES/$name.img.xz" > "$img"
	bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
	RANDOM=$seed
	blocks=(0 $(header_blocks "$img"))
	jblk=${blocks[$((RANDOM % ${#blocks[@]}))]}
	# Mostly the first 64 bytes (headers, counts, first tags), sometimes anywhere.
	if [ $((RANDOM % 4)) -eq 0 ]; then byte=$((RANDOM % bs)); else byte=$((RANDOM % 64)); fi
	[ $((RANDOM % 8)) -eq 0 ] && jblk=$((jblk + 1))	# a data block
	bit=$((RANDOM % 8))
	off=$(( $(debugfs -R "bmap <8> $jblk" "$img" 2>/dev/null) * bs + byte ))
	mut=$BATS_TEST_TMPDIR/mut.img
	cp "$img" "$mut"
	b=$(od -An -tu1 -j "$off" -N1 "$mut" | tr -d ' ')
	poke "$mut" "$off" "$(printf '%02x' $(( b ^ (1 << bit) )))"
	what="$name seed $seed: journal block $jblk byte $byte bit $bit"
	for cmd in "logdump -a -c" "logdump --json -O" "verify --strict"; do
		st=0
		timeout 20 "$JBDCTL" $cmd "$mut" >/dev/null 2>&1 || st=$?
		ok_status "$st" || { echo "$what: $cmd exited $st"; return 1; }
	done
	cp "$mut" "$mut.before"
	st=0
	timeout 20 "$JBDCTL" replay "$mut" >/dev/null 2>&1 || st=$?
	ok_status "$st" || { echo "$what: replay exited $st"; return 1; }
	[ "$(stat -c %s "$mut")" = "$(stat -c %s "$mut.before")" ] ||
		{ echo "$what: replay changed the image size"; return 1; }
	journal_unchanged "$mut.before" "$mut" "$bs" || { echo "$what"; return 1; }
}

# One mutant per seed, the fixtures taken in turn.
mutate_range() {
	local seed names=($FIXTURES_MUTATED)
	for seed in $(seq "$1" "$2"); do
		mutate_one "${names[$((seed % ${#names[@]}))]}" "$seed" || return 1
	done
}

@test "mutate: seeds 1-100 through logdump, verify and replay" {
	mutate_range 1 100
}

@test "mutate: seeds 101-200 through logdump, verify and replay" {
	mutate_range 101 200
}

@test "mutate: seeds 201-300 through logdump, verify and replay" {
	mutate_range 201 300
}

@test "mutate: the journal check itself sees a write into the journal" {
	img=$(fixture revoke)
	cp "$img" "$img.before"
	bs=1024
	read -r p _ < <(journal_runs "$img")
	printf 'X' | dd of="$img" bs=1 seek=$(( (p + 3) * bs )) conv=notrunc status=none
	run journal_unchanged "$img.before" "$img" "$bs"
	[ "$status" -ne 0 ]
}
