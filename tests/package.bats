#!/usr/bin/env bats
# The Debian package.  Building it (dpkg-buildpackage -us -uc -b, lintian,
# dpkg -i, a replay with the installed binary) takes minutes, so CI does
# that (.ci/package, a step of .ci/run counted in its totals); here, that
# debian/ agrees with the build: version, build dependencies, what
# make install installs.

load test_helper

@test "package: debian/changelog's version is configure's" {
	v=$(sed -n 's/^AC_INIT(\[jbdctl\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac")
	run -0 head -1 "$TOP_SRCDIR/debian/changelog"
	[[ "$output" == "jbdctl ($v) "* ]]
}

@test "package: Build-Depends has every library configure checks with pkg-config" {
	for lib in $(sed -n 's/^PKG_CHECK_MODULES(\[[A-Z_0-9]*\], \[\([a-z_0-9]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac"); do
		case $lib in
		ext2fs) pkg=libext2fs-dev ;;
		com_err) pkg=comerr-dev ;;
		uuid) pkg=uuid-dev ;;
		blkid) pkg=libblkid-dev ;;
		*) echo "unknown library $lib: add it here and to debian/control"; return 1 ;;
		esac
		grep -q "^ *$pkg" "$TOP_SRCDIR/debian/control" || { echo "no $pkg"; return 1; }
		sed -n '1,2p' "$TOP_SRCDIR/README" | grep -q " $pkg " || { echo "README lines 1-2 lack $pkg"; return 1; }
	done
}

@test "package: make install puts the binary, the manual and the completion where the package takes them" {
	[ -f "$(dirname "$JBDCTL")/../Makefile" ] || skip "no build tree"
	dest=$BATS_TEST_TMPDIR/dest
	make -C "$(dirname "$JBDCTL")/.." install DESTDIR="$dest" prefix=/usr >/dev/null 2>&1 ||
		skip "make install failed here"
	[ -x "$dest/usr/sbin/jbdctl" ]
	[ -f "$dest/usr/share/man/man8/jbdctl.8" ]
	[ -f "$dest/usr/share/bash-completion/completions/jbdctl" ]
}

# The rc snippet of the README (Hurd boot) and of jbdctl(8) (HURD BOOT).
readme_snippet() {
	sed -n '/^  jbdctl=\$(PATH=/,/^  fi$/p' "$TOP_SRCDIR/README" | sed 's/^  //'
}

man_snippet() {
	sed -n '/^jbdctl=\$(PATH=/,/^fi$/p' "$TOP_SRCDIR/man/jbdctl.8.in" | sed 's/\\-/-/g'
}

@test "rc snippet: the README's and jbdctl(8)'s are the same, and reboot on 2 and 3 only" {
	[ -n "$(readme_snippet)" ]
	assert_equal "$(readme_snippet)" "$(man_snippet)"
	stub="$BATS_TEST_TMPDIR/stub"
	mkdir -p "$stub"
	printf '#!/bin/sh\necho "jbdctl $*"\nexit $JBDCTL_RC\n' > "$stub/jbdctl"
	printf '#!/bin/sh\necho REBOOT\n' > "$stub/reboot"
	chmod +x "$stub/jbdctl" "$stub/reboot"
	[ "$(PATH=/sbin:/usr/sbin:/usr/local/sbin:$stub:$PATH sh -c 'command -v jbdctl')" = "$stub/jbdctl" ] ||
		skip "another jbdctl is installed in /sbin, /usr/sbin or /usr/local/sbin"
	readme_snippet > "$BATS_TEST_TMPDIR/rc"
	for rc in 0 1 2 3 4 5 8 9 12 16; do
		run env PATH="$stub:$PATH" JBDCTL_RC=$rc sh -c ". '$BATS_TEST_TMPDIR/rc'; echo went-on"
		case $rc in
		0|1|4|5) assert_equal "$output" "jbdctl replay -p -A
went-on" ;;
		2|3) assert_equal "$output" "jbdctl replay -p -A
Journal replayed under the mounted root; rebooting...
REBOOT"
		     assert_equal "$status" 1 ;;
		*) assert_equal "$output" "jbdctl replay -p -A
jbdctl failed; please repair manually."
		   assert_equal "$status" 1 ;;
		esac
	done
}
