#!/usr/bin/env bats
# The command line as a whole: help, version, the command table, the man
# page agreeing with --help, and the library's no-printing rule.

load test_helper

MAN="$TOP_SRCDIR/man/jbdctl.8.in"

# The synopsis of a command as the man page's .SS heading gives it.
man_synopsis() {
	sed -n "s/^\.SS \"\($1 .*\)\"\$/\1/p" "$MAN" | sed 's/\\-/-/g'
}

@test "jbdctl --help lists every command and exits 0" {
	run -0 jbdctl --help
	[[ "${lines[0]}" == "Usage:" ]]
	for cmd in $(jbdctl --list-commands); do
		[[ "$output" == *" $cmd "* ]]
	done
}

@test "jbdctl --version prints the configured version" {
	version=$(sed -n 's/^AC_INIT(\[jbdctl\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
	run -0 jbdctl --version
	assert_equal "$output" "jbdctl $version"
}

@test "every command: --version prints the version too" {
	for cmd in $(jbdctl --list-commands); do
		run -0 jbdctl "$cmd" --version
		[[ "$output" == "jbdctl "* ]]
	done
}

@test "jbdctl without a command, or with an unknown one, is a usage error" {
	run -16 --separate-stderr jbdctl
	run -16 --separate-stderr jbdctl frobnicate x.img
	assert_equal "$stderr" "jbdctl: unknown command 'frobnicate'
Try 'jbdctl --help' for more information."
}

@test "every command: --help and 'help <command>' print the same usage, exit 0" {
	for cmd in $(jbdctl --list-commands); do
		run -0 jbdctl "$cmd" --help
		[[ "${lines[0]}" == "Usage:" ]]
		help=$output
		run -0 jbdctl help "$cmd"
		assert_equal "$output" "$help"
	done
}

@test "every command: the --help synopsis equals the man page's" {
	for cmd in $(jbdctl --list-commands); do
		run -0 jbdctl "$cmd" --help
		synopsis=${lines[1]# jbdctl }
		assert_equal "$(man_synopsis "$cmd")" "$synopsis"
		grep -F ".B jbdctl $cmd " "$MAN" | sed 's/\\-/-/g' |
			grep -qxF ".B jbdctl $synopsis"
	done
}

@test "every command: every option in --help is in the man page" {
	for cmd in $(jbdctl --list-commands); do
		run -0 jbdctl "$cmd" --help
		for opt in $(printf '%s\n' "$output" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			case $opt in --help|--version) continue ;; esac
			grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$MAN" ||
				{ echo "$cmd: $opt is not in jbdctl.8"; return 1; }
		done
	done
}

@test "every command has its own bats file" {
	for cmd in $(jbdctl --list-commands); do
		[ -f "$TOP_SRCDIR/tests/$cmd.bats" ] || { echo "no tests/$cmd.bats"; return 1; }
	done
}

@test "every bats file is run by make check" {
	for f in "$TOP_SRCDIR"/tests/*.bats; do
		grep -q "tests/$(basename "$f")" "$TOP_SRCDIR/Makefile.am" ||
			{ echo "$(basename "$f") is not in BATS_TESTS"; return 1; }
	done
}

@test "the man page lints clean with groff -man -ww" {
	require_tool groff
	sed 's/@PACKAGE_VERSION@/0/' "$MAN" > "$BATS_TEST_TMPDIR/jbdctl.8"
	run -0 --separate-stderr groff -man -ww -z "$BATS_TEST_TMPDIR/jbdctl.8"
	assert_equal "$stderr" ""
}

@test "libjbd never prints and never exits" {
	run grep -nE '\b(printf|fprintf|puts|fputs|perror|com_err|exit|abort)\s*\(' \
		"$TOP_SRCDIR"/src/libjbd/*.c
	[ "$status" -eq 1 ]
}

@test "commands parse nothing on disk: on-disk fields are read in libjbd only" {
	run grep -lE '\bbe(16|32|64)_at\(' "$TOP_SRCDIR"/src/*.c
	[ "$status" -eq 1 ]
}

@test "portable C: no Linux-only header, ioctl, PATH_MAX or /proc in src" {
	run grep -rnE 'PATH_MAX|MAXPATHLEN|<linux/|ioctl *\(|"/proc' "$TOP_SRCDIR/src"
	[ "$status" -eq 1 ] || { echo "$output"; return 1; }
}

@test "portable C: O_DIRECT only inside #if HAVE_DECL_O_DIRECT (configure's check)" {
	# Outside comments, every O_DIRECT sits between that #if and its
	# #else or #endif.
	run awk '/^#if HAVE_DECL_O_DIRECT/ { g = 1; next }
		/^#(else|endif)/ { g = 0 }
		{ sub(/\/\*.*\*\//, ""); sub(/^ \*.*/, "") }
		/O_DIRECT/ && !g { print FILENAME ":" FNR ": " $0 }' \
		"$TOP_SRCDIR"/src/*.[ch] "$TOP_SRCDIR"/src/libjbd/*.[ch]
	[ -z "$output" ] || { echo "$output"; return 1; }
	grep -q 'AC_CHECK_DECLS(\[O_DIRECT\]' "$TOP_SRCDIR/configure.ac"
}

@test "the README's second line is what .ci/run runs" {
	grep -q 'sed -n 2p README' "$TOP_SRCDIR/.ci/run"
	sed -n 2p "$TOP_SRCDIR/README" | grep -q 'make -j2 check$'
}

@test "Makefile.am: LIBJBD_C (the fuzzer's build) lists every C file of libjbd" {
	# automake forbids $(filter) on _SOURCES, so the list is kept by hand
	mk="$TOP_SRCDIR/Makefile.am"
	want=$(sed -n '/^src_libjbd_libjbd_a_SOURCES/,/^$/p' "$mk" | grep -o 'src/libjbd/[a-z0-9-]*\.c' | grep -v 'jbd-err\.c' | LC_ALL=C sort -u)
	got=$(sed -n '/^LIBJBD_C *=/,/[^\\]$/p' "$mk" | grep -o 'src/libjbd/[a-z0-9-]*\.c' | LC_ALL=C sort)
	[ -n "$want" ]
	diff <(echo "$want") <(echo "$got")
	diff <(echo "$want") <(cd "$TOP_SRCDIR" && ls src/libjbd/*.c | grep -v 'jbd-err\.c$' | LC_ALL=C sort)
}
