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
#            and counters that image_diff leaves out, and e2fsck -fn
#            accepts it; with --undo, e2undo also brings the state back to
#            the original bytes, or (power cut while the superblock and
#            the undo file's copy of it change) refuses and writes nothing:
#            those states are counted apart.
#   create,  a re-run finishes and e2fsck -fn accepts the result, with the
#   remove   journal there (create) or gone (remove) as after the
#            uninterrupted run.
# --sample (make check) takes a few fixtures with one random subset and
# one torn write per crash point; without it (make crashcheck) every
# fixture, every corpus image, 4 subsets and 4 torn writes per crash point
# (CRASHCHECK_SUBSETS, CRASHCHECK_TORN).
#
# Environment: JBDCTL, TOP_SRCDIR, WRITELOG_SO, CRASHGEN; JBDCTL_CORPUS;
# CRASHCHECK_XFAIL: the commands and modes ("create", "replay undo")
# whose failed states are known and reported, but do not fail the run.
# Prints one line per case and the totals per command and mode; exits 1
# if a state failed outside CRASHCHECK_XFAIL.
set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${JBDCTL:=$TOP_SRCDIR/src/jbdctl}"
: "${WRITELOG_SO:=$TOP_SRCDIR/tests/writelog.so}"
: "${CRASHGEN:=$TOP_SRCDIR/tests/crashgen}"
CORPUS="${JBDCTL_CORPUS:-$TOP_SRCDIR/../shared/corpus}"
FIXTURES=$TOP_SRCDIR/fixtures/images
export JBDCTL TOP_SRCDIR

sample=false
[ "${1:-}" = --sample ] && sample=true
if $sample; then
	NSUB=1 NTORN=1
	REPLAY_FIXTURES="revoke"
	MODES="direct buffered nodirect ${CRASHCHECK_SAMPLE_MODES:-}"
else
	NSUB=${CRASHCHECK_SUBSETS:-4} NTORN=${CRASHCHECK_TORN:-4}
	REPLAY_FIXTURES="revoke escaped wrap-v3 multi-descr-1k csum-v3-64bit-4k
		ext3-1k csum-v1 tid-wrap hurd-1k hurd-4k nocsum-64bit-4k"
	MODES="direct buffered nodirect undo"
fi
# CI's bounded run: CRASHCHECK_FIXTURES names the fixtures, and
# CRASHCHECK_CORPUS=0 leaves the corpus images out.
REPLAY_FIXTURES=${CRASHCHECK_FIXTURES:-$REPLAY_FIXTURES}

# Every state is a copy of the images and a re-run that fsyncs: in memory
# (tmpfs) when there is one, since the recorder, not the disk, decides
# what survives.
tmp=${CRASHCHECK_TMPDIR:-}
[ -z "$tmp" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
W=$(mktemp -d "${tmp:-${TMPDIR:-/tmp}}/crashcheck.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
declare -A TRIED FAILED REFUSED_N
REFUSED=$W/refused
: > "$REFUSED"
export REFUSED
status=0

# record OUTVAR FILES... -- command...: run the command under the
# recorder, logging writes to FILES; its stdout and stderr go to $W/run.out.
record() {
	local files=$1
	shift
	rm -f "$W/log"
	env LD_PRELOAD="$WRITELOG_SO" JBDCTL_WRITELOG="$W/log" \
		JBDCTL_WRITELOG_FILES="$files" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$@" > "$W/run.out" 2>&1
}

# tally KEY NAME: run crashgen with the remaining arguments; count.
tally() {
	local key=$1 name=$2 out t f
	shift 2
	out=$("$CRASHGEN" -n "$NSUB" -m "$NTORN" -s 1 "$@" 2>"$W/fail.txt")
	t=$(sed -n 's/^crash states: \([0-9]*\) tried, \([0-9]*\) failed.*/\1/p' <<<"$out")
	f=$(sed -n 's/^crash states: \([0-9]*\) tried, \([0-9]*\) failed.*/\2/p' <<<"$out")
	[ -n "$t" ] || { t=0; f=1; }
	r=$(wc -l < "$REFUSED")
	: > "$REFUSED"
	x=
	[ "$r" -gt 0 ] && x=", $r refused by e2undo at the superblock switch"
	echo "$key $name: $t states tried, $f failed$x"
	REFUSED_N[$key]=$(( ${REFUSED_N[$key]:-0} + r ))
	if [ "$f" -ne 0 ]; then
		grep -v '^crashgen: state failed' "$W/fail.txt" | head -5 | sed 's/^/  /'
		xfail "$key" || status=1
	fi
	TRIED[$key]=$(( ${TRIED[$key]:-0} + t ))
	FAILED[$key]=$(( ${FAILED[$key]:-0} + f ))
}

# CRASHCHECK_ONLY: these commands and modes only ("replay undo,create").
wanted() {
	[ -z "${CRASHCHECK_ONLY:-}" ] && return 0
	tr ',' '\n' <<<"$CRASHCHECK_ONLY" | grep -qxF -- "$1"
}

xfail() {
	local k
	while read -r k; do
		[ "$k" = "$1" ] && return 0
	done < <(tr ',' '\n' <<<"${CRASHCHECK_XFAIL:-}" | sed 's/^ *//; s/ *$//')
	return 1
}

# The check a crash state of replay must pass: written for crashgen.
cat > "$W/check-replay" <<'EOF'
#!/usr/bin/env bash
# $1 image, $2 reference image, $3 journal (or ""), $4 reference journal,
# $5 undo file (or ""), $6 the original image.  Replay options in OPTS.
img=$1 ref=$2 jnl=$3 refj=$4 undo=$5 orig=$6
# image_diff, as the bats tests define it
eval "$(sed -n '/^image_diff()/,/^}/p' "$TOP_SRCDIR/tests/test_helper.bash")"
if [ -n "$undo" ]; then
	# Before the re-run: e2undo must bring back the original bytes.
	cp "$img" "$img.u"
	out=$([ -f "$undo" ] && e2undo "$undo" "$img.u" 2>&1)
	if ! cmp -s "$img.u" "$orig"; then
		# Power failed while the filesystem's superblock and the undo
		# file's copy of it changed (see src/libjbd/undofile.c): e2undo
		# refuses, writing nothing.  Counted apart.
		if [[ "$out" == *"superblock doesn't match the undo file"* ]] &&
		   cmp -s "$img.u" "$img"; then
			echo "$CRASH_STATE" >> "$REFUSED"
		else
			echo "$CRASH_STATE: e2undo does not restore the original" >&2
			exit 5
		fi
	fi
fi
"$JBDCTL" replay ${jnl:+-j "$jnl"} "$img" >/dev/null 2>&1
st=$?
[ "$st" -le 1 ] || { echo "$CRASH_STATE: re-run exit $st" >&2; exit 2; }
[ -z "$(image_diff "$ref" "$img")" ] || { echo "$CRASH_STATE: image differs" >&2; exit 3; }
if [ -n "$jnl" ]; then
	cmp -s "$refj" "$jnl" || { echo "$CRASH_STATE: journal differs" >&2; exit 4; }
fi
e2fsck -fn ${jnl:+-j "$jnl"} "$img" >/dev/null 2>&1 || { echo "$CRASH_STATE: e2fsck -fn" >&2; exit 6; }
exit 0
EOF
chmod +x "$W/check-replay"

# replay_case NAME IMG [JNL]: every mode on an image (and its external
# journal), the reference being the uninterrupted direct replay.
replay_case() {
	local name=$1 img=$2 jnl=${3:-} mode opts files undo base_j
	[ -z "${CRASHCHECK_ONLY:-}" ] || [[ ",$CRASHCHECK_ONLY" == *",replay"* ]] || return 0
	cp "$img" "$W/ref.img"
	[ -n "$jnl" ] && cp "$jnl" "$W/ref.jnl"
	"$JBDCTL" replay ${jnl:+-j "$W/ref.jnl"} "$W/ref.img" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "replay $name: the uninterrupted replay failed"; status=1; return; }
	for mode in $MODES; do
		[ -n "$jnl" ] && [ "$mode" != direct ] && continue
		wanted "replay $mode" || continue
		opts= undo= nodirect=
		case $mode in
		buffered) opts=--buffered ;;
		nodirect) nodirect=1 ;;
		undo) undo=$W/run.undo; opts="--undo $undo" ;;
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
		base_j=-
		[ -n "$jnl" ] && base_j=$jnl
		# File numbers: image 0, journal 1 (or undo 1), undo 2.
		local args=("$img" "$W/s.img")
		[ -n "$jnl" ] && args+=("$jnl" "$W/s.jnl")
		[ -n "$undo" ] && args+=(- "$W/s.undo")
		OPTS=$opts tally "replay $mode" "$name" "$W/log" \
			"$W/check-replay '$W/s.img' '$W/ref.img' '${jnl:+$W/s.jnl}' '$W/ref.jnl' '${undo:+$W/s.undo}' '$img'" \
			"${args[@]}"
	done
}

for name in $REPLAY_FIXTURES; do
	xz -dc "$FIXTURES/$name.img.xz" > "$W/$name.img"
	replay_case "$name" "$W/$name.img"
	rm -f "$W/$name.img"
done
xz -dc "$FIXTURES/external.img.xz" > "$W/external.img"
xz -dc "$FIXTURES/external.jnl.xz" > "$W/external.jnl"
replay_case external "$W/external.img" "$W/external.jnl"
rm -f "$W/external.img" "$W/external.jnl"

if ! $sample && [ "${CRASHCHECK_CORPUS:-1}" != 0 ] &&
   [ -f "$CORPUS/MANIFEST.tsv" ]; then
	for f in "$CORPUS"/*.crash.img.zst; do
		name=$(basename "$f" .crash.img.zst)
		case $name in fast-commit) continue ;; esac	# not replayable yet
		zstd -q -dc "$f" > "$W/c.img"
		if [ "$name" = external-journal ]; then
			zstd -q -dc "$CORPUS/external-journal.journal.img.zst" > "$W/c.jnl"
			replay_case "corpus/$name" "$W/c.img" "$W/c.jnl"
		else
			replay_case "corpus/$name" "$W/c.img"
		fi
		rm -f "$W/c.img" "$W/c.jnl"
	done
fi

# create and remove: a re-run finishes, e2fsck -fn accepts the result and
# the journal is there (create) or gone (remove).
cat > "$W/check-fs" <<'EOF'
#!/usr/bin/env bash
# $1 command (create|remove), $2 image.
cmd=$1 img=$2
"$JBDCTL" "$cmd" "$img" >/dev/null 2>&1
if [ "$cmd" = create ]; then want=yes; else want=no; fi
has=no
dumpe2fs -h "$img" 2>/dev/null | grep -q '^Filesystem features:.*has_journal' && has=yes
[ "$has" = "$want" ] || { echo "$CRASH_STATE: re-run left has_journal=$has" >&2; exit 2; }
e2fsck -fn "$img" >/dev/null 2>&1 || { echo "$CRASH_STATE: e2fsck -fn after the re-run" >&2; exit 3; }
exit 0
EOF
chmod +x "$W/check-fs"

fs_case() {
	local cmd=$1 name=$2 img=$3
	wanted "$cmd" || return 0
	cp "$img" "$W/run.img"
	record "$W/run.img" "$JBDCTL" "$cmd" "$W/run.img"
	tally "$cmd" "$name" "$W/log" "$W/check-fs $cmd '$W/s.img'" "$img" "$W/s.img"
}

for bs in 1024 4096; do
	rm -f "$W/nj.img"
	mke2fs -q -F -t ext4 -O ^has_journal -b $bs "$W/nj.img" 8M >/dev/null 2>&1
	fs_case create "ext4-${bs}" "$W/nj.img"
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
	[ "${REFUSED_N[$key]:-0}" -gt 0 ] &&
		x="$x, ${REFUSED_N[$key]} refused by e2undo at the superblock switch"
	echo "  $key: ${TRIED[$key]} states tried, ${FAILED[$key]} failed$x"
done | sort
all=0 bad=0
for key in "${!TRIED[@]}"; do
	all=$((all + TRIED[$key])) bad=$((bad + FAILED[$key]))
done
echo "  all: $all states tried, $bad failed"
exit $status
