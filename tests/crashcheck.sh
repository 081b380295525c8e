#!/usr/bin/env bash
# crashcheck.sh: every crash state of replay, create and remove.
#
#   crashcheck.sh [--sample]
#
# Each case runs the command once under the write recorder
# (tests/writelog.so), then tests/crashgen builds every crash state of
# that run (see crashgen.c for the model) and checks each one:
#   replay   the re-run ends with the image (and external journal) of the
#            uninterrupted run, byte for byte but for the superblock times
#            and counters that image_diff leaves out (e2fsck -fn accepts
#            that image: checked once per case); with --undo, e2undo also
#            brings the state back to the original bytes, or (power cut
#            while the superblock and the undo file's copy of it change)
#            refuses and writes nothing, and e2undo -f then restores every
#            block but the superblock's state field: those states are
#            counted apart ("refused").
#   replay   of a fast-commit journal: the re-run ends in the file tree of
#            the uninterrupted run (tests/fc-tree) and e2fsck -fn accepts
#            it (the bytes may differ: jbdctl logs the fast commits' result
#            as a transaction, and a re-run allocates it again).
#   create,  a re-run finishes and e2fsck -fn accepts the result, which is
#   remove   the uninterrupted run's image (with the journal, create, or
#            without, remove).
# --sample (make check, seconds) takes every command and mode once: replay
# direct, --buffered and direct I/O refused on the revoke fixture (1k
# blocks), the external journal (4k), the own fast-commit log (1k), create
# on 1k blocks and remove on 4k; 3 crash points of each
# (CRASHCHECK_POINTS, 0: all; crashgen -p), evenly spread from the first
# to the last with a write pending, with none, all, one random subset and
# one torn write of the pending writes, torn prefix and suffix in turn
# (crashgen -t); tests/replay.bats adds --undo on revoke, every crash
# point.  Without it (make crashcheck): every fixture, every corpus image,
# both block sizes for create and remove, every crash point, 4 subsets and
# 4 torn writes per crash point (CRASHCHECK_SUBSETS, CRASHCHECK_TORN).
# States with the same content are checked once (crashgen);
# CRASHCHECK_JOBS (2) checks them in parallel.
#
# Environment: JBDCTL, TOP_SRCDIR, WRITELOG_SO, CRASHGEN, FC_TREE;
# JBDCTL_CORPUS; CRASHCHECK_FIXTURES (the replay fixtures), CRASHCHECK_CORPUS=0
# (no corpus images), CRASHCHECK_ONLY (these commands and modes only:
# "replay undo,create"), CRASHCHECK_XFAIL: the commands and modes whose
# failed states are known and reported, but do not fail the run.
# Prints one line per case, the totals per command and mode, and the
# states of each kind (none, all, random subset, torn prefix, torn
# suffix); exits 1 if a state failed outside CRASHCHECK_XFAIL.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${JBDCTL:=$TOP_SRCDIR/src/jbdctl}"
: "${WRITELOG_SO:=$TOP_SRCDIR/tests/writelog.so}"
: "${CRASHGEN:=$TOP_SRCDIR/tests/crashgen}"
: "${FC_TREE:=$TOP_SRCDIR/tests/fc-tree}"
CORPUS="${JBDCTL_CORPUS:-$TOP_SRCDIR/../shared/corpus}"
FIXTURES=$TOP_SRCDIR/fixtures/images
JOBS=${CRASHCHECK_JOBS:-2}
export JBDCTL TOP_SRCDIR FC_TREE

sample=false
[ "${1:-}" = --sample ] && sample=true
if $sample; then
	# 3 crash points per case (crashgen -p), one subset and one torn
	# write each, torn prefix and suffix in turn (-t).
	NSUB=1 NTORN=1 SAMPLE="-p ${CRASHCHECK_POINTS:-3} -t"
	REPLAY_FIXTURES="revoke"
	MODES="direct buffered nodirect ${CRASHCHECK_SAMPLE_MODES:-}"
else
	NSUB=${CRASHCHECK_SUBSETS:-4} NTORN=${CRASHCHECK_TORN:-4} SAMPLE=
	REPLAY_FIXTURES="revoke escaped wrap-v3 multi-descr-1k csum-v3-64bit-4k
		ext3-1k csum-v1 tid-wrap hurd-1k hurd-4k nocsum-64bit-4k"
	MODES="direct buffered nodirect undo"
fi
REPLAY_FIXTURES=${CRASHCHECK_FIXTURES:-$REPLAY_FIXTURES}

# Every state is a copy of the images and a re-run that fsyncs: in memory
# (tmpfs) when there is one, since the recorder, not the disk, decides
# what survives.
tmp=${CRASHCHECK_TMPDIR:-}
[ -z "$tmp" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
W=$(mktemp -d "${tmp:-${TMPDIR:-/tmp}}/crashcheck.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
declare -A TRIED FAILED NOTED DISTINCT
KINDS=(0 0 0 0 0)	# states of each kind: none, all, subset, prefix, suffix
status=0
SECONDS=0	# the wall time, in bash: under load every process counts

# record FILES command...: run the command under the recorder, logging
# writes to FILES (colon-separated); its stdout and stderr go to $W/run.out.
record() {
	local files=$1
	shift
	rm -f "$W/log"
	LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$W/log" \
		JBDCTL_WRITELOG_FILES="$files" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@" > "$W/run.out" 2>&1
}

# tally KEY NAME NOTE LOG CHECK BASE TARGET...: run crashgen; count.  NOTE
# names what a noted state (check exit 100) is.
tally() {
	local key=$1 name=$2 note=$3 out t='' f x d s0=$SECONDS i
	local re='crash states: ([0-9]+) tried, ([0-9]+) failed, ([0-9]+) noted \(([0-9]+) distinct'
	local rek='kinds: ([0-9]+) none, ([0-9]+) all, ([0-9]+) subset, ([0-9]+) prefix, ([0-9]+) suffix'
	shift 3
	# shellcheck disable=SC2086	# $SAMPLE: options
	out=$("$CRASHGEN" -j "$JOBS" -n "$NSUB" -m "$NTORN" -s 1 $SAMPLE "$@" 2>"$W/fail.txt")
	if [[ "$out" =~ $re ]]; then
		t=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} x=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]}
	fi
	if [[ "$out" =~ $rek ]]; then
		for i in 0 1 2 3 4; do
			KINDS[i]=$(( KINDS[i] + BASH_REMATCH[i + 1] ))
		done
	fi
	[ -n "$t" ] || { t=0 f=1 x=0 d=0; cat "$W/fail.txt"; }
	echo "$key $name: $t states tried, $f failed ($d distinct)${note:+, $x $note} [$((SECONDS - s0)) s]"
	if [ "$f" -ne 0 ]; then
		grep -v '^crashgen: state failed' "$W/fail.txt" | head -5 | sed 's/^/  /'
		grep '^crashgen: state failed' "$W/fail.txt" | head -3 | sed 's/^/  /'
		xfail "$key" || status=1
	fi
	TRIED[$key]=$(( ${TRIED[$key]:-0} + t ))
	FAILED[$key]=$(( ${FAILED[$key]:-0} + f ))
	NOTED[$key]=$(( ${NOTED[$key]:-0} + x ))
	DISTINCT[$key]=$(( ${DISTINCT[$key]:-0} + d ))
}

# wanted KEY: CRASHCHECK_ONLY names it (or is unset).
wanted() {
	[ -z "${CRASHCHECK_ONLY:-}" ] || [[ ",$CRASHCHECK_ONLY," == *",$1,"* ]]
}

# replay_wanted ["MODE..."]: one of these replay modes (all of $MODES) is
# wanted: a case that none of them runs in is not even set up.
replay_wanted() {
	local m modes=${1:-$MODES}
	for m in $modes; do
		wanted "replay $m" && return 0
	done
	return 1
}

xfail() {
	local k
	local IFS=,
	for k in ${CRASHCHECK_XFAIL:-}; do
		k=${k#"${k%%[! ]*}"} k=${k%"${k##*[! ]}"}	# without the blanks around
		[ "$k" = "$1" ] && return 0
	done
	return 1
}

# The check a crash state of replay must pass: written for crashgen, with
# image_diff as the bats tests define it.  The checks are POSIX sh, read
# by the shell that crashgen starts for each state ("set -- ARGS; .
# CHECK"): one process fewer per state, and dash starts faster than bash.
{
	cat <<'EOF'
#!/bin/sh
# $1 image, $2 reference image, $3 journal (or ""), $4 reference journal,
# $5 undo file (or ""), $6 the original image, $7 the reference tree (or
# "": compare bytes).  Exit 100: passed, e2undo refused the state.
img=$1 ref=$2 jnl=$3 refj=$4 undo=$5 orig=$6 reftree=$7
noted=0
EOF
	sed -n '/^image_diff()/,/^}/p' "$TOP_SRCDIR/tests/test_helper.bash"
	cat <<'EOF'
if [ -n "$undo" ]; then
	# Before the re-run: e2undo must bring back the original bytes.
	cp "$img" "$img.u"
	out=$([ -f "$undo" ] && e2undo "$undo" "$img.u" 2>&1)
	if ! cmp -s "$img.u" "$orig"; then
		# Power failed while the filesystem's superblock and the undo
		# file's copy of it changed (see src/libjbd/undofile.c): e2undo
		# refuses, writing nothing; e2undo -f restores every block, then
		# clears the superblock's "valid" state bit for e2fsck.
		case $out in
		*"superblock doesn't match the undo file"*) refused=1 ;;
		*) refused=0 ;;
		esac
		if [ "$refused" = 1 ] && cmp -s "$img.u" "$img" &&
		   e2undo -f "$undo" "$img.u" >/dev/null 2>&1 &&
		   [ -z "$(image_diff "$orig" "$img.u" | grep -v 'block 1 of 1k, offset 58:')" ]; then
			noted=1
		else
			echo "$CRASH_STATE: e2undo does not restore the original" >&2
			exit 5
		fi
	fi
	rm -f "$img.u"
fi
"$JBDCTL" replay ${jnl:+-j "$jnl"} "$img" >/dev/null 2>&1
st=$?
[ "$st" -le 1 ] || { echo "$CRASH_STATE: re-run exit $st" >&2; exit 2; }
if [ -n "$(image_diff "$ref" "$img")" ]; then
	[ -n "$reftree" ] || { echo "$CRASH_STATE: image differs" >&2; exit 3; }
	"$FC_TREE" "$img" | sort | diff -q "$reftree" - >/dev/null ||
		{ echo "$CRASH_STATE: file tree differs" >&2; exit 3; }
	# Not the reference's bytes: e2fsck must accept them.
	e2fsck -fn "$img" >/dev/null 2>&1 || { echo "$CRASH_STATE: e2fsck -fn" >&2; exit 6; }
fi
if [ -n "$jnl" ]; then
	cmp -s "$refj" "$jnl" || { echo "$CRASH_STATE: journal differs" >&2; exit 4; }
fi
[ "$noted" = 0 ] || exit 100
exit 0
EOF
} > "$W/check-replay"
chmod +x "$W/check-replay"

# replay_case NAME IMG [JNL]: every mode on an image (and its external
# journal), the reference being the uninterrupted direct replay.  A
# fast-commit journal is compared by its file tree.
replay_case() {
	local name=$1 img=$2 jnl=${3:-} mode opts files undo fc= reftree= note
	[ -z "${CRASHCHECK_ONLY:-}" ] || [[ ",$CRASHCHECK_ONLY" == *",replay"* ]] || return 0
	dumpe2fs -h "$img" 2>/dev/null | grep -q '^Filesystem features:.*fast_commit' && fc=1
	cp "$img" "$W/ref.img"
	[ -n "$jnl" ] && cp "$jnl" "$W/ref.jnl"
	"$JBDCTL" replay ${jnl:+-j "$W/ref.jnl"} "$W/ref.img" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "replay $name: the uninterrupted replay failed"; status=1; return; }
	# Every state ends as this image (or, fast commits, its tree): e2fsck
	# accepts it.
	e2fsck -fn ${jnl:+-j "$W/ref.jnl"} "$W/ref.img" >/dev/null 2>&1 ||
		{ echo "replay $name: e2fsck -fn rejects the uninterrupted replay"; status=1; return; }
	if [ -n "$fc" ]; then
		reftree=$W/ref.tree
		"$FC_TREE" "$W/ref.img" | sort > "$reftree" ||
			{ echo "replay $name: cannot list the tree"; status=1; return; }
	fi
	for mode in $MODES; do
		[ -n "$jnl" ] && [ "$mode" != direct ] && continue
		$sample && [ -n "$fc" ] && [ "$mode" != direct ] && continue
		wanted "replay $mode" || continue
		opts= undo= nodirect= note=
		case $mode in
		buffered) opts=--buffered ;;
		nodirect) nodirect=1 ;;
		undo)	[ -n "$fc" ] && continue	# refused: see fastcommit.bats
			undo=$W/run.undo; opts="--undo $undo"
			note="refused by e2undo at the superblock switch" ;;
		esac
		cp "$img" "$W/run.img"
		rm -f "$W/run.undo"
		[ -n "$jnl" ] && cp "$jnl" "$W/run.jnl"
		files=$W/run.img${jnl:+:$W/run.jnl}${undo:+:$undo}
		JBDCTL_WRITELOG_NODIRECT=$nodirect record "$files" \
			"$JBDCTL" replay -v $opts ${jnl:+-j "$W/run.jnl"} "$W/run.img"
		if [ "$mode" = nodirect ] && grep -q 'with direct I/O' "$W/run.out"; then
			echo "replay $mode $name: direct I/O was not refused"; status=1
		fi
		if [ -n "$reftree" ] && ! "$FC_TREE" "$W/run.img" | sort | cmp -s - "$reftree"; then
			echo "replay $mode $name: the recorded run's tree is not the reference's"; status=1
		fi
		# File numbers: image 0, journal 1 (or undo 1), undo 2.  Each job
		# of crashgen builds its states in its own files (%j).
		local args=("$img" "$W/s%j.img")
		[ -n "$jnl" ] && args+=("$jnl" "$W/s%j.jnl")
		[ -n "$undo" ] && args+=(- "$W/s%j.undo")
		tally "replay $mode" "$name" "$note" "$W/log" \
			"set -- '$W/s%j.img' '$W/ref.img' '${jnl:+$W/s%j.jnl}' '$W/ref.jnl' '${undo:+$W/s%j.undo}' '$img' '$reftree'; . '$W/check-replay'" \
			"${args[@]}"
	done
}

# fc_own_log OUT: a fast-commit log of our own (fixtures/gen/fcwrite.py,
# as tests/fastcommit.bats builds it): on a 1k-block mke2fs -O fast_commit
# filesystem, four fast commits of one transaction that create a file,
# make a directory with a file in it, link and unlink.
fc_own_log() {
	local out=$1 d=$W/fcown
	command -v python3 >/dev/null || return 1
	mkdir -p "$d"
	head -c 5000 /dev/zero | tr '\0' 'n' > "$d/f5k"
	head -c 3000 /dev/zero | tr '\0' 'o' > "$d/f3k"
	head -c 1500 /dev/zero | tr '\0' 'k' > "$d/f1k"
	(
		export E2FSPROGS_FAKE_TIME=1700000000
		cd "$d" || exit 1
		mke2fs -q -F -t ext4 -O fast_commit -b 1024 -J size=1 >/dev/null \
			-U 6a626463-746c-4000-8000-000000000001 A.img 8M &&
		printf 'mkdir d\nwrite f3k d/old\nwrite f1k keep\n' |
			debugfs -w -f - A.img >/dev/null 2>&1 &&
		cp A.img B.img &&
		printf 'write f5k d/new\nmkdir d/sub\nwrite f1k d/sub/x\nln d/new hl\nsif d/new links_count 2\nrm d/old\n' |
			debugfs -w -f - B.img >/dev/null 2>&1 &&
		cp A.img C.img &&
		python3 "$TOP_SRCDIR/fixtures/gen/fcwrite.py" C.img B.img 5 \
			head inode:15 add:15 creat:12:15:new inode:15 tail \
			inode:16 creat:12:16:sub inode:17 add:17 creat:16:17:x inode:17 tail \
			link:2:15:hl inode:15 tail unlink:12:13:old tail &&
		debugfs -w -R "feature needs_recovery" C.img >/dev/null 2>&1
	) || return 1
	mv "$d/C.img" "$out"
	rm -rf "$d"
}

# has_journal IMG: the filesystem has the has_journal feature.
has_journal() {
	dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*has_journal'
}

# create and remove: a re-run finishes, e2fsck -fn accepts the result, and
# it is the uninterrupted run's image, which fs_case checked has the
# journal (create) or not (remove).
{
	cat <<'EOF'
#!/bin/sh
# $1 command (create|remove), $2 image, $3 the uninterrupted run's image.
cmd=$1 img=$2 ref=$3
export E2FSPROGS_FAKE_TIME=1700000000
EOF
	sed -n '/^image_diff()/,/^}/p' "$TOP_SRCDIR/tests/test_helper.bash"
	declare -f has_journal
	cat <<'EOF'
"$JBDCTL" "$cmd" "$img" >/dev/null 2>&1
e2fsck -fn "$img" >/dev/null 2>&1 || { echo "$CRASH_STATE: e2fsck -fn after the re-run" >&2; exit 3; }
d=$(image_diff "$ref" "$img")
if [ -n "$d" ]; then
	has=no
	has_journal "$img" && has=yes
	echo "$CRASH_STATE: not the uninterrupted run's image (has_journal=$has): $d" | head -3 >&2
	exit 4
fi
exit 0
EOF
} > "$W/check-fs"
chmod +x "$W/check-fs"

# The journal inode's times are the clock's: the same in every run.
fs_case() {
	local cmd=$1 name=$2 img=$3 has
	wanted "$cmd" || return 0
	cp "$img" "$W/run.img"
	E2FSPROGS_FAKE_TIME=1700000000 record "$W/run.img" "$JBDCTL" "$cmd" "$W/run.img"
	# Every state must end as this image: with the journal (create) or
	# without (remove), and e2fsck accepting it.
	if has_journal "$W/run.img"; then has=create; else has=remove; fi
	[ "$has" = "$cmd" ] ||
		{ echo "$cmd $name: the uninterrupted run left has_journal wrong"; status=1; return; }
	e2fsck -fn "$W/run.img" >/dev/null 2>&1 ||
		{ echo "$cmd $name: e2fsck -fn rejects the uninterrupted run"; status=1; return; }
	tally "$cmd" "$name" "" "$W/log" "set -- $cmd '$W/s%j.img' '$W/run.img'; . '$W/check-fs'" \
		"$img" "$W/s%j.img"
}

# Fast commits: direct only in the sample, and never --undo (refused).  The
# log (python3, debugfs) is built while the first cases run.
if $sample; then fcmodes=direct; else fcmodes="direct buffered nodirect"; fi
fcpid=
if replay_wanted "$fcmodes" && [ -x "$FC_TREE" ]; then
	fc_own_log "$W/fc-own.img" > "$W/fc-own.out" 2>&1 &
	fcpid=$!
fi

for name in $REPLAY_FIXTURES; do
	replay_wanted || break
	xz -dc "$FIXTURES/$name.img.xz" > "$W/$name.img"
	replay_case "$name" "$W/$name.img"
	rm -f "$W/$name.img"
done
if replay_wanted direct; then	# the only mode with an external journal
	xz -dc "$FIXTURES/external.img.xz" > "$W/external.img"
	xz -dc "$FIXTURES/external.jnl.xz" > "$W/external.jnl"
	replay_case external "$W/external.img" "$W/external.jnl"
	rm -f "$W/external.img" "$W/external.jnl"
fi
if [ -n "$fcpid" ] && wait "$fcpid"; then
	replay_case fast-commit-own "$W/fc-own.img"
	rm -f "$W/fc-own.img"
elif replay_wanted "$fcmodes"; then
	echo "replay fast-commit-own: skipped (needs python3 and tests/fc-tree)"
	[ -s "$W/fc-own.out" ] && sed 's/^/  /' "$W/fc-own.out"
fi

if ! $sample && [ "${CRASHCHECK_CORPUS:-1}" != 0 ] &&
   [ -f "$CORPUS/MANIFEST.tsv" ]; then
	for f in "$CORPUS"/*.crash.img.zst "$CORPUS"/fast-commit-kernel/*.crash.img.zst; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .crash.img.zst)
		zstd -q -dc "$f" > "$W/c.img"
		if [ "$name" = external-journal ]; then
			zstd -q -dc "$CORPUS/external-journal.journal.img.zst" > "$W/c.jnl"
			replay_case "corpus/$name" "$W/c.img" "$W/c.jnl"
		else
			replay_case "corpus/$name" "$W/c.img"
		fi
		# remove, then create, on two of them (1k blocks and several
		# groups with their backup superblocks; 4k blocks)
		case $name in ext4-1k|ext4-4k-csum3)
			"$JBDCTL" replay "$W/c.img" >/dev/null 2>&1
			fs_case remove "corpus/$name" "$W/c.img"
			cp "$W/run.img" "$W/c.img"
			fs_case create "corpus/$name" "$W/c.img"
		esac
		rm -f "$W/c.img" "$W/c.jnl"
	done
fi

# create and remove on 8 MiB filesystems of 1k and 4k blocks (the sample:
# create on 1k, remove on 4k).
for bs in 1024 4096; do
	c=create r=remove
	if $sample; then
		[ $bs = 1024 ] && r=
		[ $bs = 4096 ] && c=
	fi
	{ [ -n "$c" ] && wanted create; } || { [ -n "$r" ] && wanted remove; } || continue
	rm -f "$W/nj.img"
	mke2fs -q -F -t ext4 -O ^has_journal -b $bs "$W/nj.img" 8M >/dev/null 2>&1
	[ -n "$c" ] && fs_case create "ext4-${bs}" "$W/nj.img"
	[ -z "$r" ] && continue
	cp "$W/nj.img" "$W/j.img"
	"$JBDCTL" create "$W/j.img" >/dev/null 2>&1
	fs_case remove "ext4-${bs}" "$W/j.img"
done
if ! $sample; then
	xz -dc "$FIXTURES/clean.img.xz" > "$W/clean.img"
	fs_case remove clean "$W/clean.img"
fi

echo "totals:"
for key in "${!TRIED[@]}"; do
	x=
	xfail "$key" && [ "${FAILED[$key]}" -ne 0 ] && x=" (known, CRASHCHECK_XFAIL)"
	[ "${NOTED[$key]:-0}" -gt 0 ] &&
		x="$x, ${NOTED[$key]} refused by e2undo at the superblock switch"
	echo "  $key: ${TRIED[$key]} states tried, ${FAILED[$key]} failed (${DISTINCT[$key]} distinct)$x"
done | sort
all=0 bad=0 dist=0
for key in "${!TRIED[@]}"; do
	all=$((all + TRIED[$key])) bad=$((bad + FAILED[$key])) dist=$((dist + DISTINCT[$key]))
done
echo "  all: $all states tried, $bad failed ($dist distinct), in $SECONDS s with $JOBS jobs"
echo "  kinds: ${KINDS[0]} none, ${KINDS[1]} all, ${KINDS[2]} random subset, ${KINDS[3]} torn prefix, ${KINDS[4]} torn suffix"
exit $status
