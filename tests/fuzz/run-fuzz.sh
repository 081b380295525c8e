#!/bin/sh
# run-fuzz.sh FUZZER WORKDIR SECONDS RUNS [libFuzzer options...]: fuzz with
# the corpus in WORKDIR/corpus for at most SECONDS (and RUNS executions when
# RUNS is not empty), then print one line
#   fuzz: N executions in S s (R exec/s), F findings
# from libFuzzer's final stats.  Fails on any finding (a crash, leak,
# timeout or out-of-memory input is left in WORKDIR), and when RUNS were
# asked for and fewer ran before the time ran out.
fuzzer=$1 work=$2 seconds=$3 runs=$4
shift 4
log=$work/fuzz.log
# A small quarantine: with ASan's 256 MiB one every allocation of a run
# lands on fresh pages (most of a run's time went to page faults); 4 MiB
# still holds the frees of the last ten runs or so for use-after-free.
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=4}
export ASAN_OPTIONS
start=$(date +%s)
"$fuzzer" -max_total_time="$seconds" ${runs:+-runs=$runs} \
	-print_final_stats=1 -artifact_prefix="$work/" "$@" "$work/corpus" \
	> "$log" 2>&1
rc=$?
end=$(date +%s)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
execs=${execs:-0}
secs=$((end - start))
[ "$secs" -gt 0 ] || secs=1
findings=$(find "$work" -maxdepth 1 -type f \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
	   -o -name 'oom-*' \) | wc -l)
if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then
	findings=1	# libFuzzer stopped on something it left no input for
fi
tail -5 "$log"
echo "fuzz: $execs executions in $secs s ($((execs / secs)) exec/s), $findings findings"
if [ "$findings" -ne 0 ]; then
	grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$log" | head -20
	exit 1
fi
if [ -n "$runs" ] && [ "$execs" -lt "$runs" ]; then
	echo "fuzz: only $execs of $runs executions ran in $seconds s"
	exit 1
fi
exit 0
