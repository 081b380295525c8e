#!/usr/bin/env bash
# run.sh [ROUNDS]: time jbdctl against e2fsprogs on the same inputs, in one
# run, interleaved, on fresh copies; print medians, ratios and peak RSS,
# and check that the replayed images are identical.
#
#   standard workload  4 GiB ext4 (4k, 1 GiB journal, csum v3), 1000
#                      committed transactions of 256 blocks (R9 of
#                      reference-tools.md)
#   revoke-heavy       800 transactions of 256 blocks, each revoked by a
#                      transaction of its own: 204,544 revoke records
#
# Needs e2fsprogs, GNU time (/usr/bin/time) and about 3 GiB in $BENCH_DIR.
set -eu
rounds=${1:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
jbdctl=${JBDCTL:-$top/src/jbdctl}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/jbdctl-bench}
mkdir -p "$dir"
PATH=$PATH:/usr/sbin:/sbin
[ -x /usr/bin/time ] || { echo "run.sh: needs GNU time (apt-get install time)"; exit 1; }

std=$dir/standard.img rev=$dir/revoke-heavy.img
[ -f "$std" ] || { echo "building $std"; "$top/tests/bench/mkworkload.sh" "$std" 1000 256; }
[ -f "$rev" ] || { echo "building $rev"; "$top/tests/bench/mkworkload.sh" "$rev" 800 256 256; }

# time_run NAME CMD...: wall seconds (ns clock) and peak KiB appended to
# $dir/NAME.times; GNU time gives the peak RSS.
time_run() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$dir/t.out" "$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	# (GNU time prefixes a line when the command exits non-zero)
	echo "$(( (t1 - t0) / 1000 ))e-6 $(tail -n 1 "$dir/t.out")" >> "$dir/$name.times"
}

fresh_copy() {	# a new copy with its writeback done, so that timings start even
	rm -f "$2"
	cp --sparse=always "$1" "$2"
	sync
}

# Differences outside s_wtime, s_kbytes_written and the superblock checksum.
image_diff() {
	cmp -l "$1" "$2" | awk '{ o = $1 - 1; f = o - 1024
		if (f >= 0 && f < 1024 && ((f >= 0x30 && f < 0x34) || f == 0x274 ||
		    (f >= 0x178 && f < 0x180) || f >= 0x3fc)) next
		print; exit }'
}

rm -f "$dir"/*.times
for ((r = 1; r <= rounds; r++)); do
	for w in standard revoke-heavy; do
		img=$dir/$w.img
		# Alternate which tool goes first: the disk remembers.
		for tool in $( ((r % 2)) && echo e2fsck jbdctl || echo jbdctl e2fsck); do
			fresh_copy "$img" "$dir/$tool.img"
			if [ "$tool" = e2fsck ]; then
				time_run "$w-e2fsck" e2fsck -y -E journal_only "$dir/e2fsck.img"
			else
				time_run "$w-replay" "$jbdctl" replay "$dir/jbdctl.img"
			fi
		done
		if [ "$r" -eq 1 ] && [ -n "$(image_diff "$dir/e2fsck.img" "$dir/jbdctl.img")" ]; then
			echo "run.sh: $w: jbdctl's replay differs from e2fsck's"
			exit 1
		fi
		time_run "$w-verify" "$jbdctl" verify "$img"
	done
	time_run logdump "$jbdctl" logdump "$std"
	time_run debugfs-logdump debugfs -R logdump "$std"
done
rm -f "$dir/e2fsck.img" "$dir/jbdctl.img"

median() {	# median of column $2 of file $1
	sort -g -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c + 0 } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

row() {	# row LABEL NAME BASE-NAME
	local t rss b
	t=$(median "$dir/$2.times" 1)
	rss=$(median "$dir/$2.times" 2)
	b=$(median "$dir/$3.times" 1)
	awk -v l="$1" -v t="$t" -v b="$b" -v m="$rss" -v base="$3" 'BEGIN {
		printf "%-34s %8.3f s %8.2fx of %-24s %7.1f MiB\n", l, t,
			(b > 0 ? t / b : 0), base, m / 1024 }'
}

echo
echo "jbdctl benchmark: $(date -u +%Y-%m-%d), $(nproc) cores, $rounds rounds, medians"
echo "$(uname -srm); $(e2fsck -V 2>&1 | head -1)"
printf '%-34s %10s %10s %-24s %11s\n' command time ratio "" "peak RSS"
row "e2fsck -E journal_only (standard)" standard-e2fsck standard-e2fsck
row "jbdctl replay (standard)" standard-replay standard-e2fsck
row "jbdctl verify (standard)" standard-verify standard-e2fsck
row "e2fsck -E journal_only (revokes)" revoke-heavy-e2fsck revoke-heavy-e2fsck
row "jbdctl replay (revokes)" revoke-heavy-replay revoke-heavy-e2fsck
row "jbdctl verify (revokes)" revoke-heavy-verify revoke-heavy-e2fsck
row "debugfs -R logdump (standard)" debugfs-logdump debugfs-logdump
row "jbdctl logdump (standard)" logdump debugfs-logdump
