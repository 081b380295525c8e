# Oracle helpers shared by oracle.bats and corpus.bats: canonical forms of
# debugfs, dumpe2fs and jbdctl output, and the checks that compare them.


# Canonical log lines from `debugfs logdump -a` (stdin):
#   S <start> <sequence>          "Journal starts at block S, transaction T"
#   D <seq> <jblk>                descriptor block
#   B <seq> <fsblk> <jblk> <flags, decimal>
#   R <seq> <jblk>                revoke block
#   r <seq> <fsblk>               revoke record
#   C <seq> <jblk>                commit block
#   E <reason> <jblk>             end of the log (no_magic, sequence_mismatch,
#                                 unknown_block_type); "E clean" for a clean journal
#   ? <line>                      a line this script does not know: always a difference
# Exceptions, by construction:
#   * the fast-commit area debugfs dumps after the log ("*** Fast Commit Area ***") is not
#     part of the JBD2 log and jbdctl logdump does not list it: everything from there on
#     is dropped;
#   * with -f (external journal) debugfs first prints "Ext2 superblock header found." and,
#     with -a, "\tuuid=...", "\tblocksize=...", "\tjournal data size ...": dropped;
#   * for a clean journal (s_start 0) debugfs prints the start line and nothing else;
#     jbdctl's JSON says end.reason "clean": both become "E clean".
# mawk has no strtonum: hex() converts by hand.
DEBUGFS_CANON_AWK='
function hex(s,  n, i) {
	n = 0; s = tolower(s)
	for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function at_block(  j) { j = $0; sub(/.* at block /, "", j); sub(/[:.].*$/, "", j); return j }
/^$/ { next }
/^\*\*\* Fast Commit Area \*\*\*$/ { exit }
/^Ext2 superblock header found\.$/ || /^\t(uuid=|blocksize=|journal data size )/ { next }
/^Journal starts at block [0-9]+, transaction [0-9]+$/ {
	start = $5; sub(/,$/, "", start); print "S", start, $7; next }
/^Found expected sequence [0-9]+, type [0-9]+ \(.*\) at block [0-9]+$/ {
	q = $4; sub(/,$/, "", q); t = $6
	print (t == 1 ? "D" : t == 2 ? "C" : t == 5 ? "R" : "type" t), q, $NF; next }
/^Dumping (descriptor|revoke) block, sequence [0-9]+, at block [0-9]+:$/ {
	q = $5; sub(/,$/, "", q); next }
/^  FS block [0-9]+ logged at journal block [0-9]+ \(flags 0x[0-9a-f]+\)$/ {
	f = $10; sub(/^0x/, "", f); sub(/\)$/, "", f); print "B", q, $3, $8, hex(f); next }
/^  Revoke FS block [0-9]+$/ { print "r", q, $4; next }
/^No magic number at block [0-9]+: end of journal\.$/ {
	print "E no_magic", at_block(); ended = 1; next }
/^Found sequence [0-9]+ \(not [0-9]+\) at block [0-9]+: end of journal\.$/ {
	print "E sequence_mismatch", at_block(); ended = 1; next }
/^Unexpected block type [0-9]+ at block [0-9]+\.$/ {
	print "E unknown_block_type", at_block(); ended = 1; next }
{ print "? " $0 }
END { if (start == "0" && !ended) print "E clean" }
'

# The same lines from `jbdctl logdump --json` (stdin).  Exception: logdump truncates tag
# block numbers to 32 bits (reference-tools.md 6.A6; revoke records are printed in full),
# so tag fs blocks are compared modulo 2^32.  No fixture or corpus image has such blocks.
JBDCTL_CANON_JQ='
"S \(.start) \(.start_sequence)",
(.transactions[] | .sequence as $s
  | (.descriptor_blocks[] | "D \($s) \(.journal_block)"),
    (.blocks[] | "B \($s) \(.fs_block % 4294967296) \(.journal_block) \(.flags_value)"),
    (.revoke_blocks[] | "R \($s) \(.journal_block)"),
    (.revokes[] | "r \($s) \(.fs_block)"),
    (.commit // empty | "C \($s) \(.journal_block)")),
(.end | if .reason == "clean" then "E clean" else "E \(.reason) \(.journal_block)" end)
'

# debugfs logdump text (stdin) as jbdctl prints it, with the same exceptions as above:
# fast-commit area and external-journal header dropped; for a clean journal, jbdctl's
# "Journal is clean ..." line (debugfs prints nothing after the start line) is added.
DEBUGFS_TEXT_AWK='
/^$/ { next }
/^\*\*\* Fast Commit Area \*\*\*$/ { exit }
/^Ext2 superblock header found\.$/ || /^\t(uuid=|blocksize=|journal data size )/ { next }
/^Journal starts at block 0, / { clean = 1 }
/^(No magic number at|Found sequence [0-9]+ \(not|Unexpected block type)/ { ended = 1 }
{ print }
END { if (clean && !ended) print "Journal is clean (s_start is 0): the log is empty." }
'

# jbdctl logdump text (stdin) without what it adds to debugfs's lines: the checksum verdict
# suffixes, the flag names after "(flags 0xN:", the "  Commit time ..." lines and the
# "  (no tag has LAST_TAG ...)" note, and the fast-commit area (dropped on both sides;
# tests/fastcommit.bats compares its record lines with debugfs's).
JBDCTL_TEXT_SED='
/^\*\*\* Fast Commit Area \*\*\*$/,$d
/^$/d
/^  Commit time /d
/^Recovery: /d
/^  \(no tag has LAST_TAG/d
s/, checksum [^,()]*$//
s/ \(flags (0x[0-9a-f]+):[^)]*\)/ (flags \1)/
'

# open_fixture NAME: decompress NAME (and its external journal); set IMG, JNL ("" when
# internal) and JOPT (jbdctl's "-j JNL" as an array).
open_fixture() {
	IMG=$(fixture "$1") || return 1
	JNL="" JOPT=()
	if [ -f "$FIXTURES/$1.jnl.xz" ]; then
		JNL=$(fixture_journal "$1") || return 1
		JOPT=(-j "$JNL")
	fi
}

# debugfs_logdump IMG JNL OPTIONS...: stdout of debugfs -n -R 'logdump OPTIONS [-f JNL]'.
# -n: some images fail metadata checksums before replay.  debugfs exits 0 even on errors;
# its stderr (banner, errors) goes to $BATS_TEST_TMPDIR/debugfs.err.
debugfs_logdump() {
	local img=$1 jnl=$2
	shift 2
	debugfs -n -R "logdump $*${jnl:+ -f $jnl}" "$img" 2>"$BATS_TEST_TMPDIR/debugfs.err"
}

# same LABEL WANT GOT: files WANT (from e2fsprogs or the facts) and GOT (from jbdctl) are
# equal, else print a labelled diff and fail.
same() {
	if ! cmp -s "$2" "$3"; then
		echo "=== $1: expected (e2fsprogs/facts) vs jbdctl"
		diff -u "$2" "$3" | tail -n +3 | head -60
		case $1 in
		*debugfs*) grep -v '^debugfs 1\.' "$BATS_TEST_TMPDIR/debugfs.err" 2>/dev/null |
			sed 's/^/debugfs stderr: /' ;;
		esac
		return 1
	fi
}

# ran LABEL RC STDERR-FILE WANT-RCS...: fail with a message unless RC is one of WANT-RCS.
ran() {
	local label=$1 rc=$2 err=$3 w
	shift 3
	for w in "$@"; do [ "$rc" = "$w" ] && return 0; done
	echo "=== $label: exit status $rc (wanted $*)"
	sed 's/^/stderr: /' "$err"
	return 1
}

# Journal lines dumpe2fs -h prints (e2p_list_journal_super and the fs side) that jbdctl
# info must print verbatim ("Journal UUID:" too: external journals; "Journal device:" is
# left out, dumpe2fs aligns it with a tab).
INFO_PREFIXES='^(Journal features|Total journal size|Total journal blocks|Max transaction length|Fast commit length|Journal sequence|Journal start|Journal checksum type|Journal checksum|Journal first block|Journal errno|Journal users|Journal inode|Journal backup|Journal number of users|Journal UUID):'

# dumpe2fs -h output (of the image, or of the external journal) as "key value" lines for
# comparison with info --json;
# dumpe2fs leaves out lines whose value is the default (first 1, 1 user, errno 0, no
# checksum): those defaults are set in BEGIN.  needs_recovery comes from -v fsfeat=.
DUMPE2FS_JSON_AWK='
function hex(s,  n, i) {
	n = 0; s = tolower(s); sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function val(  v) { v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); return v }
BEGIN { first = 1; users = 1; errno = 0; csum = "null"; ctype = "null" }
/^Journal features:/ { feat = val(); if (feat == "(none)") feat = "" }
/^Journal sequence:/ { seq = hex(val()) }
/^Journal start:/ { start = val() }
/^Total journal blocks:/ { maxlen = val() }
/^Journal first block:/ { first = val() }
/^Journal number of users:/ { users = val() }
/^Journal errno:/ { errno = val() }
/^Journal checksum type:/ { ctype = val() }
/^Journal checksum:/ { csum = val() }
END {
	printf "sequence %.0f\n", seq; print "start " start; print "maxlen " maxlen; print "first " first
	print "features " feat; print "checksum_type " ctype; print "checksum " csum
	print "errno " errno; print "nr_users " users
	print "needs_recovery " (fsfeat ~ /(^| )needs_recovery( |$)/ ? "true" : "false")
}
'
JBDCTL_INFO_JQ='
.superblock as $s
| "sequence \($s.sequence)", "start \($s.start)", "maxlen \($s.maxlen)", "first \($s.first)",
  "features \($s.features | join(" "))", "checksum_type \($s.checksum_type)",
  "checksum \($s.checksum)", "errno \($s.errno)", "nr_users \($s.nr_users)",
  "needs_recovery \(.filesystem.needs_recovery)"
'

# check_logdump_json LABEL IMG JNL: jbdctl logdump --json lists what debugfs logdump -a lists.
check_logdump_json() {
	local t=$BATS_TEST_TMPDIR
	debugfs_logdump "$2" "$3" -a | awk "$DEBUGFS_CANON_AWK" | LC_ALL=C sort >"$t/want"
	run --separate-stderr jbdctl logdump --json ${3:+-j "$3"} "$2"
	printf '%s\n' "$stderr" >"$t/err"
	ran "$1: logdump --json" "$status" "$t/err" 0 || return 1
	printf '%s\n' "$output" | jq -r "$JBDCTL_CANON_JQ" | LC_ALL=C sort >"$t/got"
	same "$1: logdump --json vs debugfs logdump -a (sorted)" "$t/want" "$t/got"
}

# check_logdump_text LABEL IMG JNL OPTIONS...: jbdctl logdump OPTIONS prints debugfs
# logdump OPTIONS's lines (jbdctl's additions stripped), line for line.
check_logdump_text() {
	local t=$BATS_TEST_TMPDIR label=$1 img=$2 jnl=$3
	shift 3
	debugfs_logdump "$img" "$jnl" "$@" | awk "$DEBUGFS_TEXT_AWK" >"$t/want"
	run --separate-stderr jbdctl logdump "$@" ${jnl:+-j "$jnl"} "$img"
	printf '%s\n' "$stderr" >"$t/err"
	ran "$label: logdump $*" "$status" "$t/err" 0 || return 1
	printf '%s\n' "$output" | sed -E "$JBDCTL_TEXT_SED" >"$t/got"
	same "$label: logdump $* vs debugfs logdump $*" "$t/want" "$t/got"
}

# check_info LABEL IMG JNL: every journal line of dumpe2fs -h (of JNL for the journal
# superblock lines, of IMG for the filesystem's) is a line of jbdctl info, and
# jbdctl info --json agrees with dumpe2fs -h.
check_info() {
	local t=$BATS_TEST_TMPDIR label=$1 img=$2 jnl=$3 fail=0 fsfeat src
	dumpe2fs -h "$img" >"$t/d.img" 2>"$t/d.err"
	: >"$t/d.jnl"
	[ -z "$jnl" ] || dumpe2fs -h "$jnl" >"$t/d.jnl" 2>>"$t/d.err"
	grep -hE "$INFO_PREFIXES" "$t/d.img" "$t/d.jnl" | LC_ALL=C sort -u >"$t/want"
	if [ ! -s "$t/want" ]; then
		echo "=== $label: dumpe2fs -h printed no journal line"; cat "$t/d.err"; return 1
	fi
	run --separate-stderr jbdctl info ${jnl:+-j "$jnl"} "$img"
	printf '%s\n' "$stderr" >"$t/err"
	ran "$label: info" "$status" "$t/err" 0 || return 1
	printf '%s\n' "$output" | LC_ALL=C sort -u >"$t/info"
	LC_ALL=C comm -23 "$t/want" "$t/info" >"$t/missing"
	if [ -s "$t/missing" ]; then
		echo "=== $label: dumpe2fs -h lines that jbdctl info does not print"
		cat "$t/missing"
		echo "--- jbdctl info printed:"
		printf '%s\n' "$output"
		fail=1
	fi
	fsfeat=$(sed -n 's/^Filesystem features:[ \t]*//p' "$t/d.img")
	src=$t/d.img
	[ -z "$jnl" ] || src=$t/d.jnl
	awk -v fsfeat="$fsfeat" "$DUMPE2FS_JSON_AWK" "$src" >"$t/want"
	run --separate-stderr jbdctl info --json ${jnl:+-j "$jnl"} "$img"
	printf '%s\n' "$stderr" >"$t/err"
	ran "$label: info --json" "$status" "$t/err" 0 || return 1
	printf '%s\n' "$output" | jq -r "$JBDCTL_INFO_JQ" >"$t/got"
	same "$label: info --json vs dumpe2fs -h" "$t/want" "$t/got" || fail=1
	return $fail
}
