#!/usr/bin/env bats
# jbdctl info: superblock, filesystem side, state line.

load test_helper

# The state line a fixture's recipe implies (from NAME.facts, by construction).
facts_state() {
	awk '
	$1 == "state" && $2 == "clean" { clean = 1 }
	$1 == "sequence" && $3 == "block" && $NF != "stale" && $NF != "uncommitted" {
		blocks[$2] += NF - 3 }
	$1 == "sequence" && $3 == "commit" && $NF != "stale" {
		n++; if (n == 1) first = $2; last = $2; total += blocks[$2] }
	END {
		if (clean) { print "clean"; exit }
		printf "needs recovery: %d transaction%s to replay, sequence %s..%s, %d blocks logged\n",
			n, n == 1 ? "" : "s", first, last, total
	}' "$FIXTURES/$1.facts"
}

@test "info: the text output of the revoke fixture is the expected one" {
	img=$(fixture revoke)
	run -0 jbdctl info "$img"
	output=${output//$img/IMAGE}
	assert_golden info/revoke.txt
}

@test "info: the state line of every fixture counts what its recipe wrote" {
	for name in $(fixture_names); do
		[ -f "$FIXTURES/$name.facts" ] || continue
		img=$(fixture "$name")
		run -0 jbdctl info $(fixture_journal_opt "$name") "$img"
		want="Journal state:            $(facts_state "$name")"
		line=$(printf '%s\n' "$output" | grep '^Journal state:')
		[ "$line" = "$want" ] || { echo "$name: got '$line', want '$want'"; return 1; }
	done
}

@test "info: a clean journal says clean, and its JSON state agrees" {
	img=$(fixture clean)
	run -0 jbdctl info --json "$img"
	assert_equal "$(jq -r .state.summary <<<"$output")" clean
	assert_equal "$(jq -r .state.clean <<<"$output")" true
	assert_equal "$(jq -r .superblock.start <<<"$output")" 0
}

@test "info --json: one document with version 1, the three parts and the recovery verdict" {
	img=$(fixture revoke)
	run -0 jbdctl info --json "$img"
	jq -e '.version == 1 and (.superblock | type) == "object"
		and (.filesystem | type) == "object" and (.state | type) == "object"
		and (.superblock.features | type) == "array"
		and .superblock.checksum_ok == true
		and .filesystem.needs_recovery == true
		and .verdict.transactions == 3
		and .verdict.first_sequence == 1 and .verdict.last_sequence == 3
		and .verdict.blocks_logged == 4 and .verdict.blocks_to_write == 3
		and .verdict.end.reason == "uncommitted"
		and .verdict.end.journal_block == 11 and .verdict.sequence_after == 5' <<<"$output"
}

@test "info: an external journal is read through -j and described as external" {
	img=$(fixture external)
	jnl=$(fixture_journal external)
	run -0 jbdctl info -j "$jnl" "$img"
	[[ "$output" == *"Journal source:           external"* ]]
	uuid=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Journal UUID: *//p')
	[ -n "$uuid" ]
	[[ "$output" == *"Journal UUID:             $uuid"* ]]
}

@test "info: a journal device given as the image is read on its own" {
	jnl=$(fixture_journal external)
	run -0 jbdctl info "$jnl"
	[[ "$output" == *"Journal source:           external"* ]]
	first=$(dumpe2fs -h "$jnl" 2>/dev/null | sed -n 's/^Journal first block: *//p')
	[[ "$output" == *"Journal first block:      $first"* ]]
}
