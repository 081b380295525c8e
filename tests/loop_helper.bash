# Loop devices for the tests that need libblkid or the kernel to see an
# image (fstab.bats, extjournal.bats, mounted.bats).  Every device attached
# is detached by loop_teardown; images get fresh random UUIDs and labels,
# so that other images attached on the same machine never match.

# Skip unless loop devices can be attached (root, losetup, a free device).
require_loop() {
	[ "$(id -u)" = 0 ] || skip "loop devices need root"
	command -v losetup >/dev/null 2>&1 || skip "losetup is not installed"
	losetup -f >/dev/null 2>&1 || skip "no free loop device"
}

# attach FILE [losetup options]: attach FILE, print the loop device.
attach() {
	local l
	l=$(losetup -f --show "${@:2}" "$1") || return 1
	echo "$l" >> "$BATS_TEST_TMPDIR/loops"
	echo "$l"
}

loop_teardown() {
	local l
	[ -f "$BATS_TEST_TMPDIR/loops" ] || return 0
	while read -r l; do
		losetup -d "$l" 2>/dev/null || true
	done < "$BATS_TEST_TMPDIR/loops"
}

new_uuid() {
	cat /proc/sys/kernel/random/uuid
}

# mkjfs DEV LABEL [UUID]: an ext4 filesystem (1k blocks) with one
# committed transaction for block 3000, written by debugfs: it needs recovery.
mkjfs() {
	# Never on a vanished /dev node: mke2fs would leave a regular file
	# there, and the kernel could make no device node at that name again.
	case $1 in /dev/*) [ -b "$1" ] || { echo "$1 is no block device"; return 1; } ;; esac
	mke2fs -q -F -t ext4 -b 1024 -L "$2" -U "${3:-$(new_uuid)}" "$1" 4M >/dev/null 2>&1 || return 1
	head -c 1024 /dev/urandom > "$BATS_TEST_TMPDIR/block"
	printf 'jo\njw -b 3000 %s\njc\n' "$BATS_TEST_TMPDIR/block" |
		debugfs -w -f - "$1" >/dev/null 2>&1
}

# wait_for DEV: a partition node appears shortly after losetup -P.
wait_for() {
	local i
	for i in $(seq 100); do
		[ -b "$1" ] && return 0
		sleep 0.1
	done
	echo "no $1"
	return 1
}
