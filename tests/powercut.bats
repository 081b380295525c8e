#!/usr/bin/env bats
# Power cuts: a replay killed right after its Nth write to the image (or
# the external journal), for every N, then run again to the end, leaves
# the image as an uninterrupted replay does.

load test_helper

setup() {
	[ -f "${POWERCUT_SO:-}" ] || POWERCUT_SO=$TOP_SRCDIR/tests/powercut.so
	[ -f "$POWERCUT_SO" ] || skip "tests/powercut.so is not built"
	require_tool e2fsck
}

# Cut replay of fixture NAME after every possible write; compare each
# finished image with the uninterrupted replay.
powercut_fixture() {
	local name=$1 img jnl ref refj n status cuts=0
	img=$(fixture "$name")
	[ -f "$FIXTURES/$name.jnl.xz" ] && jnl=$(fixture_journal "$name")
	ref=$img.ref
	cp "$img" "$ref"
	[ -n "${jnl:-}" ] && { refj=$jnl.ref; cp "$jnl" "$refj"; }
	run -1 jbdctl replay ${jnl:+-j "$refj"} "$ref"
	for n in $(seq 1 200); do
		cp "$img" "$img.cut"
		[ -n "${jnl:-}" ] && cp "$jnl" "$jnl.cut"
		status=0
		env LD_PRELOAD="$POWERCUT_SO" JBDCTL_POWERCUT_AFTER="$n" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			JBDCTL_POWERCUT_FILES="$img.cut${jnl:+:$jnl.cut}" \
			"$JBDCTL" replay ${REPLAY_OPTS:-} ${jnl:+-j "$jnl.cut"} "$img.cut" \
			>/dev/null 2>&1 || status=$?
		# It ran to the end before the Nth write: every cut point is done.
		[ "$status" -eq 137 ] || break
		cuts=$((cuts + 1))
		run jbdctl replay ${jnl:+-j "$jnl.cut"} "$img.cut"
		[ "$status" -le 1 ] || { echo "$name cut $n: re-run status $status: $output"; return 1; }
		d=$(image_diff "$ref" "$img.cut")
		[ -z "$d" ] || { echo "$name cut after write $n differs:"; echo "$d"; return 1; }
		if [ -n "${jnl:-}" ]; then
			cmp "$refj" "$jnl.cut" || { echo "$name cut $n: journal differs"; return 1; }
		fi
		run -0 e2fsck -fn ${jnl:+-j "$jnl.cut"} "$img.cut"
	done
	[ "$cuts" -ge 3 ] || { echo "$name: only $cuts cut points"; return 1; }
	echo "# $name: $cuts cut points" >&3
}

@test "powercut: a replay cut after any write and run again ends as the uninterrupted one (revoke)" {
	powercut_fixture revoke
}

@test "powercut: ... writing through the page cache (revoke, --buffered)" {
	REPLAY_OPTS=--buffered powercut_fixture revoke
}

@test "powercut: ... several descriptors in a transaction (multi-descr-1k)" {
	powercut_fixture multi-descr-1k
}

@test "powercut: ... a wrapped log (wrap-v3)" {
	powercut_fixture wrap-v3
}

@test "powercut: ... tids wrapping past 0xffffffff (tid-wrap)" {
	powercut_fixture tid-wrap
}

@test "powercut: ... an external journal (external)" {
	powercut_fixture external
}

@test "powercut: ... a Hurd-written log (hurd-1k)" {
	powercut_fixture hurd-1k
}

@test "powercut: the shim really cuts: after 1 write the image is not yet replayed" {
	img=$(fixture revoke)
	cp "$img" "$img.orig"
	run env LD_PRELOAD="$POWERCUT_SO" JBDCTL_POWERCUT_AFTER=1 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		JBDCTL_POWERCUT_FILES="$img" "$JBDCTL" replay "$img"
	[ "$status" -eq 137 ]
	! cmp -s "$img" "$img.orig"
	# the journal is still dirty: the next run replays
	run -1 jbdctl replay "$img"
}
