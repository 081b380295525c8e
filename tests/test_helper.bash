# Shared set-up for the bats tests: paths, fixtures, corpus, golden files.
bats_require_minimum_version 1.5.0

: "${TOP_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${JBDCTL:=$TOP_SRCDIR/src/jbdctl}"
FIXTURES="$TOP_SRCDIR/fixtures/images"
EXPECTED="$TOP_SRCDIR/tests/expected"
CORPUS="${JBDCTL_CORPUS:-$TOP_SRCDIR/../shared/corpus}"
PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

# Run jbdctl, under $INSTRUMENT (e.g. valgrind) when set.
jbdctl() {
	${INSTRUMENT:-} "$JBDCTL" "$@"
}

# Decompress fixture NAME into the test's temp dir; print its path.
fixture() {
	local out="$BATS_TEST_TMPDIR/$1.img"
	xz -dc "$FIXTURES/$1.img.xz" > "$out" || return 1
	echo "$out"
}

# The external journal device that goes with fixture NAME.
fixture_journal() {
	local out="$BATS_TEST_TMPDIR/$1.jnl"
	xz -dc "$FIXTURES/$1.jnl.xz" > "$out" || return 1
	echo "$out"
}

# Every fixture name (filesystem images only).
fixture_names() {
	local f
	for f in "$FIXTURES"/*.img.xz; do
		basename "$f" .img.xz
	done
}

# "-j <journal>" for fixtures that have an external journal, else nothing.
fixture_journal_opt() {
	if [ -f "$FIXTURES/$1.jnl.xz" ]; then
		echo "-j $(fixture_journal "$1")"
	fi
}

require_corpus() {
	[ -f "$CORPUS/MANIFEST.tsv" ] || skip "no corpus at $CORPUS"
}

# Decompress corpus image NAME (e.g. ext3.crash) into the temp dir.
corpus_image() {
	local out="$BATS_TEST_TMPDIR/$1.img"
	zstd -q -dc "$CORPUS/$1.img.zst" > "$out" || return 1
	echo "$out"
}

require_tool() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

# Byte offset of journal block L of IMG's internal journal (debugfs bmap).
journal_offset() {
	local bs pblk
	bs=$(dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Block size: *//p')
	pblk=$(debugfs -R "bmap <8> $2" "$1" 2>/dev/null)
	echo $(( pblk * bs ))
}

# Journal block of the first block of TYPE (descriptor|commit|revoke) of
# transaction SEQ, as debugfs logdump lists it.
log_block() {
	debugfs -R logdump "$1" 2>/dev/null | awk -v s="$2" -v t="$3" '
		$0 ~ "^Found expected sequence " s ", type [0-9]+ \\(" t {
			print $NF; exit }'
}

# poke FILE OFFSET HEXBYTES: overwrite bytes, e.g. poke img 1036 0000ffff.
poke() {
	printf "$(printf '%s' "$3" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# flip FILE OFFSET: invert one byte.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	poke "$1" "$2" "$(printf '%02x' $(( 255 - b )))"
}

# Differences between two images except the superblock fields that replay
# may set differently from e2fsck (s_wtime, s_wtime_hi, s_kbytes_written,
# s_checksum), the first 20.  Prints nothing when they match.
image_diff() {
	cmp -l "$1" "$2" | awk '{
		o = $1 - 1; f = o - 1024
		if (f >= 0 && f < 1024 && ((f >= 0x30 && f < 0x34) || f == 0x274 ||
		    (f >= 0x178 && f < 0x180) || f >= 0x3fc)) next
		printf "byte %d (block %d of 1k, offset %d): %o -> %o\n",
			o, int(o / 1024), o % 1024, $2, $3
		if (++n == 20) exit }'
}

# Compare $output with tests/expected/<name>; JBDCTL_REGEN is not offered:
# expected files are written from e2fsprogs output or by hand, never by jbdctl.
assert_golden() {
	local want="$EXPECTED/$1"
	[ -f "$want" ] || { echo "missing golden file $want"; return 1; }
	diff -u "$want" <(printf '%s\n' "$output")
}

# Fail with a message unless "$1" equals "$2".
assert_equal() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\nactual:   %s\n' "$2" "$1"
		return 1
	fi
}

# Fail unless $output has a line equal to "$1".
assert_line() {
	printf '%s\n' "$output" | grep -qxF -- "$1" && return 0
	printf 'no line: %s\nin:\n%s\n' "$1" "$output"
	return 1
}

# ASan reserves terabytes of address space: ulimit -v cannot apply to it.
require_plain_build() {
	if ldd "$JBDCTL" 2>/dev/null | grep -q libasan; then
		skip "address-space limits do not apply to a sanitizer build"
	fi
}
