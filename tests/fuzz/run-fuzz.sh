#!/bin/sh
# run-fuzz.sh FUZZER WORKDIR SECONDS RUNS JOBS [libFuzzer options...]: fuzz
# in JOBS processes (one a core) sharing the corpus in WORKDIR/corpus, for
# at most SECONDS and, when RUNS is not empty, RUNS executions in all
# (RUNS/JOBS each), then print one line
#   fuzz: N executions in S s (R exec/s), F findings
# from libFuzzer's final stats, summed.  Fails on any finding (a crash,
# leak, timeout or out-of-memory input is left in WORKDIR), and when RUNS
# were asked for and fewer ran before the time ran out.
fuzzer=$1 work=$2 seconds=$3 runs=$4 jobs=${5:-1}
shift 5
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
each=""
[ -n "$runs" ] && each=$(( (runs + jobs - 1) / jobs ))
# A small quarantine: with ASan's 256 MiB one every allocation of a run
# lands on fresh pages (most of a run's time went to page faults); 4 MiB
# still holds the frees of the last ten runs or so for use-after-free.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=4}
export ASAN_OPTIONS
start=$(date +%s)
pids="" i=1
while [ "$i" -le "$jobs" ]; do
	# New inputs go to the shared corpus, which libFuzzer reads again
	# every second (-reload), so the processes exchange what they find.
	"$fuzzer" -max_total_time="$seconds" ${each:+-runs=$each} \
		-print_final_stats=1 -artifact_prefix="$work/" "$@" \
		"$work/corpus" > "$work/fuzz.$i.log" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
rc=0
for p in $pids; do
	wait "$p" || rc=1
done
end=$(date +%s)
execs=0
for log in "$work"/fuzz.*.log; do
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	execs=$((execs + ${n:-0}))
done
secs=$((end - start))
[ "$secs" -gt 0 ] || secs=1
findings=$(find "$work" -maxdepth 1 -type f \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	   -o -name 'oom-*' \) | wc -l)
if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then
	findings=1	# libFuzzer stopped on something it left no input for
fi
cat "$work"/fuzz.*.log > "$work/fuzz.log"
for log in "$work"/fuzz.*.log; do
	tail -3 "$log"
done
echo "fuzz: $execs executions in $secs s ($((execs / secs)) exec/s), $findings findings"
if [ "$findings" -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$work/fuzz.log" | head -20
	exit 1
fi
if [ -n "$runs" ] && [ "$execs" -lt "$runs" ]; then
	echo "fuzz: only $execs of $runs executions ran in $seconds s"
	exit 1
fi
exit 0
