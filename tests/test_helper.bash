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
