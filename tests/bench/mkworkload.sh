#!/usr/bin/env bash
# mkworkload.sh OUT.img NTRANS PER [REVOKES]: the benchmark workload of
# reference-tools.md R9: a 4 GiB sparse ext4 (4k blocks, 1 GiB journal,
# csum v3) holding NTRANS committed transactions of PER blocks each,
# written with debugfs (one jo/jw/jc per transaction).  The targets are
# groups 2, 4, 6, 8 and 10-13, which are free and hold no metadata.  With
# REVOKES, each transaction after the first is followed by revoke records
# for REVOKES blocks: the PER blocks of the transaction before it, and
# (REVOKES > PER) blocks of groups 14 on that no transaction logs, each
# revoked once, so that the records grow while the replay stays the same.
# SIZE (default 4G) makes the filesystem larger, for more revoked blocks.
set -eu
out=$1 ntrans=$2 per=$3 revokes=${4:-0} size=${SIZE:-4G}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$out"
mke2fs -q -F -t ext4 -b 4096 -J size=1024 -E lazy_itable_init=1 "$out" "$size" >/dev/null 2>&1
head -c $((per * 4096)) /dev/urandom > "$tmp/data"
groups=(2 4 6 8 10 11 12 13)
cmds=$tmp/cmds
: > "$cmds"
for ((t = 0; t < ntrans; t++)); do
	g=${groups[$((t % 8))]}
	first=$((g * 32768 + (t / 8 * per) % 32768))
	prev_first=${last_first:-}
	printf 'jo -c\njw -b %d-%d %s\njc\n' "$first" $((first + per - 1)) "$tmp/data" >> "$cmds"
	if [ "$revokes" -gt 0 ] && [ -n "$prev_first" ]; then
		n=$((revokes < per ? revokes : per))
		printf 'jo\njw -r %d-%d\njc\n' "$prev_first" $((prev_first + n - 1)) >> "$cmds"
		if [ "$revokes" -gt "$per" ]; then
			extra=$((revokes - per))
			x=$((14 * 32768 + (t - 1) * extra))
			printf 'jo\njw -r %d-%d\njc\n' "$x" $((x + extra - 1)) >> "$cmds"
		fi
	fi
	last_first=$first
done
debugfs -w -f "$cmds" "$out" >/dev/null 2>&1
dumpe2fs -h "$out" 2>/dev/null | grep -q needs_recovery
