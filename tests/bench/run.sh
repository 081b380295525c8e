#!/usr/bin/env bash
# run.sh [ROUNDS]: time jbdctl against e2fsprogs on the same inputs, in one
# run, interleaved, on fresh copies; print medians, ratios and peak RSS,
# and check that the replayed images are identical.
#
#   standard       4 GiB ext4 (4k, 1 GiB journal, csum v3), 1000 committed
#                  transactions of 256 blocks (R9 of reference-tools.md)
#   revokes-200k   800 transactions of 256 blocks, each revoked by the
#   revokes-400k   next, with 0, 256 or 512 more records per transaction
#   revokes-600k   for blocks never logged: 204,544, 409,088 or 613,632
#                  revoke records over the same log and the same 256
#                  blocks replayed, to show what each record costs
#   log-90k        350 transactions of 256 blocks: a 90,300-block log
#   revokes-2m     the revoke workload with 2,000,696 records (a 16 GiB
#                  sparse filesystem, for 1.8 million blocks never logged)
#                  (issue 15: peak memory no higher than e2fsck's on these)
#
# BENCH_WORKLOADS names the workloads to run (default: all).
#
# Needs e2fsprogs, GNU time (/usr/bin/time) and about 7 GiB in $BENCH_DIR.
set -eu
rounds=${1:-5}
top=$(cd "$(dirname "$0")/../.." && pwd)
jbdctl=${JBDCTL:-$top/src/jbdctl}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/jbdctl-bench}
mkdir -p "$dir"
PATH=$PATH:/usr/sbin:/sbin
[ -x /usr/bin/time ] || { echo "run.sh: needs GNU time (apt-get install time)"; exit 1; }

workloads=${BENCH_WORKLOADS:-"standard revokes-200k revokes-400k revokes-600k log-90k revokes-2m"}
declare -A recipe=(
	[standard]="1000 256"
	[revokes-200k]="800 256 256"
	[revokes-400k]="800 256 512"
	[revokes-600k]="800 256 768"
	[log-90k]="350 256"
	[revokes-2m]="800 256 2504"
)
declare -A size=([revokes-2m]=16G)
declare -A records=([standard]=0 [revokes-200k]=204544 [revokes-400k]=409088
		    [revokes-600k]=613632 [log-90k]=0 [revokes-2m]=2000696)
for w in $workloads; do
	[ -f "$dir/$w.img" ] && continue
	echo "building $dir/$w.img"
	# shellcheck disable=SC2086
	SIZE=${size[$w]:-4G} "$top/tests/bench/mkworkload.sh" "$dir/$w.img" ${recipe[$w]}
done

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

# Alternate which tool goes first, round by round: the disk remembers.
order() {
	if (($1 % 2)); then echo "$2 $3"; else echo "$3 $2"; fi
}

rm -f "$dir"/*.times
for ((r = 1; r <= rounds; r++)); do
	for w in $workloads; do
		for tool in $(order "$r" e2fsck jbdctl); do
			fresh_copy "$dir/$w.img" "$dir/$tool.img"
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
		# Through the page cache: small buffers, e2fsck's memory.
		fresh_copy "$dir/$w.img" "$dir/jbdctl.img"
		time_run "$w-buffered" "$jbdctl" replay --buffered "$dir/jbdctl.img"
		if [ "$r" -eq 1 ] && [ -n "$(image_diff "$dir/e2fsck.img" "$dir/jbdctl.img")" ]; then
			echo "run.sh: $w: jbdctl's replay --buffered differs from e2fsck's"
			exit 1
		fi
		time_run "$w-verify" "$jbdctl" verify "$dir/$w.img"
	done
	[[ " $workloads " == *" standard "* ]] || continue
	for tool in $(order "$r" debugfs jbdctl); do
		if [ "$tool" = debugfs ]; then
			time_run debugfs-logdump debugfs -R logdump "$dir/standard.img"
		else
			time_run logdump "$jbdctl" logdump "$dir/standard.img"
		fi
	done
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
for w in $workloads; do
	row "e2fsck -E journal_only ($w)" "$w-e2fsck" "$w-e2fsck"
	row "jbdctl replay ($w)" "$w-replay" "$w-e2fsck"
	row "jbdctl replay --buffered ($w)" "$w-buffered" "$w-e2fsck"
	# verify reads what replay reads: within 1.5 times its time (issue 15)
	row "jbdctl verify ($w)" "$w-verify" "$w-replay"
done
if [[ " $workloads " == *" standard "* ]]; then
	row "debugfs -R logdump (standard)" debugfs-logdump debugfs-logdump
	row "jbdctl logdump (standard)" logdump debugfs-logdump
fi

# Peak memory against e2fsck's on the same log (issue 15: no higher).
echo
echo "peak RSS, medians: jbdctl replay, replay --buffered and verify against e2fsck -E journal_only"
for w in $workloads; do
	e=$(median "$dir/$w-e2fsck.times" 2)
	for c in replay buffered verify; do
		j=$(median "$dir/$w-$c.times" 2)
		awk -v w="$w" -v c="$c" -v j="$j" -v e="$e" 'BEGIN {
			printf "%-14s %-8s %8.1f MiB  e2fsck %8.1f MiB  %s\n", w, c,
				j / 1024, e / 1024, (j <= e ? "ok" : "HIGHER") }'
	done
done

# The revoke workloads log the same data and differ only in their revoke
# records: the time each extra record costs, between consecutive sizes,
# is the same when replay is linear in the number of records.
[[ " $workloads " == *" revokes-200k "* ]] || exit 0
echo
echo "revoke records: what each one costs (same logged data, medians)"
printf '%-14s %9s %12s %12s %18s %18s\n' workload records "replay" "e2fsck" \
	"replay ns/record" "e2fsck ns/record"
prev=""
for w in revokes-200k revokes-400k revokes-600k; do
	[[ " $workloads " == *" $w "* ]] || continue
	t=$(median "$dir/$w-replay.times" 1)
	e=$(median "$dir/$w-e2fsck.times" 1)
	awk -v w="$w" -v n="${records[$w]}" -v t="$t" -v e="$e" -v p="$prev" 'BEGIN {
		split(p, q, " ")
		if (p == "") { mt = "-"; me = "-" } else {
			mt = sprintf("%.0f", (t - q[2]) / (n - q[1]) * 1e9)
			me = sprintf("%.0f", (e - q[3]) / (n - q[1]) * 1e9) }
		printf "%-14s %9d %10.3f s %10.3f s %18s %18s\n", w, n, t, e, mt, me }'
	prev="${records[$w]} $t $e"
done
