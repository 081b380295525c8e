#!/usr/bin/env bats
# The bash completion script: generated from the usage lines that feed
# --help (jbdctl --bash-completion; make builds completion/jbdctl from it
# and make install installs it), so its words are the --help words.

load test_helper

setup() {
	COMP="$BATS_TEST_TMPDIR/jbdctl.bash"
	jbdctl --bash-completion > "$COMP"
}

# complete WORDS...: what the completion offers for the last word, sorted.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_jbdctl; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMP" "$@"
}

# The long and short options --help lists for a command, sorted.
help_options() {
	jbdctl "$1" --help | sed -n '/^Options:/,/^$/p' | cut -c1-29 |
		grep -oE -- '(^| )--?[A-Za-z][-A-Za-z]*' | tr -d ' ' | sort -u
}

@test "completion: sourcing it registers _jbdctl for jbdctl" {
	run -0 bash -c '. "$1" && complete -p jbdctl' _ "$COMP"
	assert_equal "$output" "complete -F _jbdctl jbdctl"
	run -0 bash -n "$COMP"
}

@test "completion: the built and installed file is the generated one" {
	built="$(dirname "$JBDCTL")/../completion/jbdctl"
	[ -f "$built" ] || skip "not built by make (no completion/jbdctl)"
	cmp "$built" "$COMP"
}

@test "completion: 'jbdctl replay -' offers exactly the options of replay --help" {
	run -0 complete_words jbdctl replay -
	assert_equal "$output" "$(help_options replay)"
	[[ "$output" == *"--fstab"* && "$output" == *"--buffered"* && "$output" == *"-A"* ]]
}

@test "completion: every command's options are those of its --help" {
	for c in $(jbdctl --list-commands); do
		run -0 complete_words jbdctl "$c" -
		assert_equal "$output" "$(help_options "$c")"
	done
}

@test "completion: commands, help <command>, and the top-level options" {
	run -0 complete_words jbdctl re
	assert_equal "$output" "remove
replay"
	run -0 complete_words jbdctl help v
	assert_equal "$output" "verify"
	run -0 complete_words jbdctl ""
	assert_equal "$output" "$( (jbdctl --list-commands; printf '%s\n' help -h --help -V --version) | sort)"
}

@test "completion: image paths, paths after -j/--fstab/--undo, nothing after -b" {
	mkdir "$BATS_TEST_TMPDIR/d"
	touch "$BATS_TEST_TMPDIR/d/disk.img" "$BATS_TEST_TMPDIR/d/fstab"
	run -0 complete_words jbdctl info "$BATS_TEST_TMPDIR/d/di"
	assert_equal "$output" "$BATS_TEST_TMPDIR/d/disk.img"
	run -0 complete_words jbdctl replay -A --fstab "$BATS_TEST_TMPDIR/d/fs"
	assert_equal "$output" "$BATS_TEST_TMPDIR/d/fstab"
	run -0 complete_words jbdctl logdump -j "$BATS_TEST_TMPDIR/d/d"
	assert_equal "$output" "$BATS_TEST_TMPDIR/d/disk.img"
	run -0 complete_words jbdctl logdump -b ""
	assert_equal "$output" ""
}
