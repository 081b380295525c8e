# Shared by create.bats, remove.bats and powercut-change.bats: jbdctl
# create/remove against tune2fs on copies of the same filesystem.
#
# The oracle is the whole image: cmp, byte for byte.  E2FSPROGS_FAKE_TIME
# pins s_wtime, which differs between two tune2fs runs (libext2fs reads it
# for tune2fs and for jbdctl alike).  One field may still differ, in every
# superblock copy, with the superblock checksum that covers it:
# s_kbytes_written (0x178).  libext2fs adds to it, when it closes, the
# bytes its write-back cache has flushed so far; jbdctl holds the metadata
# writes back to order them for power cuts (src/libjbd/stageio.c), so its
# count by then can be a few KiB lower.  Everything else is equal.  The
# field jbdctl leaves on purpose is named where it is tested:
# s_overhead_clusters when it is 0 ("unknown").

export E2FSPROGS_FAKE_TIME=1700000000

# The filesystem matrix of issue 13: NAME SIZE MKE2FS-ARGS...
# (each without a journal; "ext3" gets one back from create.)
TUNE2FS_MATRIX=(
	"ext2-1k 64M -t ext2 -b 1024"
	"ext2-4k 256M -t ext2 -b 4096"
	"ext3 64M -t ext3 -O ^has_journal"
	"ext4-csum-64bit 256M -t ext4 -O ^has_journal,metadata_csum,64bit"
	"ext4-flex_bg 256M -t ext4 -O ^has_journal,flex_bg -G 4"
	"ext4-meta_bg 256M -t ext4 -O ^has_journal,^resize_inode,meta_bg"
	"ext4-20G 20G -t ext4 -O ^has_journal"
)

# mkfs_matrix NAME IMG [EXTRA-FEATURES]: make filesystem NAME of the matrix.
mkfs_matrix() {
	local name=$1 img=$2 extra=${3:-} line size
	for line in "${TUNE2FS_MATRIX[@]}"; do
		set -- $line
		[ "$1" = "$name" ] || continue
		size=$2
		shift 2
		rm -f "$img"
		mke2fs -q -F "$@" ${extra:+-O "$extra"} "$img" "$size" >/dev/null 2>&1
		return
	done
	echo "no filesystem $name in the matrix"
	return 1
}

# The first backup superblock and the block size, for e2fsck -b/-B.
first_backup() {
	dumpe2fs "$1" 2>/dev/null | sed -n 's/.*Backup superblock at \([0-9]*\).*/\1/p' | head -1
}
block_size() {
	dumpe2fs -h "$1" 2>/dev/null | sed -n 's/^Block size: *//p'
}

# Byte offsets of every superblock copy of image $1.
superblock_offsets() {
	local bs
	bs=$(block_size "$1")
	echo 1024
	dumpe2fs "$1" 2>/dev/null | sed -n 's/.*Backup superblock at \([0-9]*\).*/\1/p' |
		while read -r b; do echo $((b * bs)); done
}

# The images are equal byte for byte but for s_kbytes_written and the
# checksum of the superblock copies (see above); else say where.
same_image() {
	local d
	cmp -s "$1" "$2" && return 0
	d=$(cmp -l "$1" "$2" | awk -v sbs="$(superblock_offsets "$1" | tr '\n' ' ')" '
		BEGIN { n = split(sbs, s, " "); for (i = 1; i <= n; i++) sb[s[i]] = 1 }
		{ o = $1 - 1; f = o % 1024; base = sprintf("%.0f", o - f)
		  if ((base in sb) && ((f >= 376 && f < 384) || f >= 1020)) next
		  printf "byte %.0f (1k block %.0f, offset %d): %o %o\n", o, (o - f) / 1024, f, $2, $3 }' | head -20)
	[ -z "$d" ] && return 0
	echo "$d"
	return 1
}

# e2fsck -fn from the first backup superblock says the same (exit status
# and words, image names aside) on both images.
same_backup_check() {
	local want="$1" got="$2" bb bs sw sg ow og
	bb=$(first_backup "$want")
	bs=$(block_size "$want")
	[ -n "$bb" ] || { echo "no backup superblock in $want"; return 1; }
	ow=$(e2fsck -fn -b "$bb" -B "$bs" "$want" 2>&1) && sw=0 || sw=$?
	og=$(e2fsck -fn -b "$bb" -B "$bs" "$got" 2>&1) && sg=0 || sg=$?
	assert_equal "$sg" "$sw"
	assert_equal "${og//$got/IMG}" "${ow//$want/IMG}"
}
