/*
 * journal.h: find and open a journal, and read its blocks.
 *
 * Three sources: the internal journal inode of an ext2/3/4 image, an
 * external journal device (mke2fs -O journal_dev) given with -j or as the
 * image itself, and a bare journal file whose block 0 is the JBD2
 * superblock.  Journal block numbers (jblk) are relative to the journal:
 * for an internal journal jblk 0 is the superblock; for an external
 * device they are device blocks, as the kernel and debugfs number them.
 */
#ifndef JBD_JOURNAL_H
#define JBD_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "jbd2-format.h"
#include "super.h"

enum jbd_source {
	JBD_SRC_INTERNAL,	/* inode s_journal_inum of the filesystem */
	JBD_SRC_EXTERNAL,	/* journal_dev device or image */
	JBD_SRC_FILE,		/* bare journal: JBD2 superblock at block 0 */
};

/* A run of journal blocks that are contiguous on the device. */
struct jbd_extent {
	uint32_t jblk;
	uint32_t len;
	blk64_t pblk;
};

struct jbd_journal {
	enum jbd_source source;
	const char *image_path;		/* the filesystem, or NULL */
	const char *journal_path;	/* where the journal blocks live */
	ext2_filsys fs;			/* the filesystem, or NULL */
	ext2_filsys jdev;		/* open journal_dev, or NULL */
	io_channel io;			/* channel holding the journal blocks */
	bool own_io;			/* io opened by us (bare file) */
	uint32_t blocksize;
	uint32_t nblocks;		/* journal blocks on the device/inode */
	uint32_t sb_jblk;		/* where the journal superblock is */
	ext2_ino_t ino;			/* journal inode, internal only */
	struct jbd_extent *map;		/* internal only: logical -> physical */
	size_t nmap;
	uint8_t sb_raw[JBD2_SUPERBLOCK_SIZE];
	struct jbd_sb sb;
	errcode_t sb_error;		/* why sb cannot be trusted, or 0 */
	bool sb_v2_cleared;		/* recovery zeroed sb from s_feature_compat
					   on, as e2fsck does (recover.c) */
	/* Internal: the journal inode is unusable (inode_error says why) and
	 * the log is read through the superblock's backup of its block map
	 * (s_jnl_blocks), as e2fsck does; replay writes backup_inode back. */
	bool via_backup;
	errcode_t inode_error;
	struct ext2_inode backup_inode;
	char *found_path;		/* external journal found by UUID */
	bool found_by_devno;		/* ... or, failing that, s_journal_dev */
	errcode_t journal_error;	/* JBD_OPEN_KEEP_FS: why no journal */
};

#define JBD_OPEN_RW	0x1
#define JBD_OPEN_UNDO	0x2	/* write the filesystem through an undo file */
/*
 * Keep the filesystem open when its external journal cannot be found or
 * opened: jbd_open() succeeds with journal_error set, io NULL, sb zeroed.
 */
#define JBD_OPEN_KEEP_FS	0x4

/*
 * The io manager jbd_open() opens filesystem images with (default: unix);
 * the fuzz target reads an image in memory.
 */
void jbd_set_io_manager(io_manager mgr);

/*
 * The largest buffer libjbd allocates for a run of blocks: a
 * descriptor's data (4 MiB), the whole-area read-ahead and the home
 * writer's runs (1 MiB each) each hold min(their size, this limit), and
 * at least one block.  Default: no limit below their own sizes.  The
 * fuzz target lowers it: under ASan every allocation above 128 KiB is an
 * mmap and an munmap, which cost more than the rest of a run.
 */
void jbd_set_buffer_limit(size_t bytes);
/* Blocks of blocksize bytes a buffer meant for `bytes` holds (>= 1). */
uint32_t jbd_buffer_blocks(size_t bytes, uint32_t blocksize);
#define JBD_OPEN_EXCL	0x8	/* exclusive (O_EXCL): refused while mounted
				   or held by another exclusive writer */

/* The undo file of the next jbd_open() with JBD_OPEN_UNDO (e2undo format). */
errcode_t jbd_set_undo_file(const char *path);

/*
 * Open the journal of `image` (or `journal` when given: an external
 * journal for that filesystem; without it, an external journal is found
 * by its UUID through libblkid, as e2fsck finds it).  Operational failures (cannot open, not
 * ext2/3/4, no journal, a broken journal inode) are returned; a journal
 * superblock that is unreadable, corrupt or unsupported is reported in
 * (*ret)->sb_error so that read commands can still describe it.
 */
errcode_t jbd_open(const char *image, const char *journal, int flags,
		   struct jbd_journal **ret);
void jbd_close(struct jbd_journal *j);

/* Read `count` journal blocks starting at jblk into buf. */
errcode_t jbd_read_blocks(struct jbd_journal *j, uint32_t jblk,
			  uint32_t count, void *buf);

/* Write `count` journal blocks starting at jblk from buf. */
errcode_t jbd_write_blocks(struct jbd_journal *j, uint32_t jblk,
			   uint32_t count, const void *buf);

/*
 * Write sb as the journal superblock (bytes it does not describe kept as
 * on disk, a fresh checksum; with sb_v2_cleared, every byte of the block
 * from s_feature_compat on zeroed first) and sync; j->sb follows.
 */
errcode_t jbd_write_superblock(struct jbd_journal *j, const struct jbd_sb *sb);

/* The filesystem's primary superblock, raw (1024 bytes, little-endian). */
errcode_t jbd_read_fs_super(struct jbd_journal *j, uint8_t sb[1024]);
errcode_t jbd_write_fs_super(struct jbd_journal *j, const uint8_t sb[1024]);

/* Sync the filesystem and the journal device to stable storage. */
errcode_t jbd_flush(struct jbd_journal *j);

/* Physical block holding journal block jblk. */
errcode_t jbd_journal_pblk(const struct jbd_journal *j, uint32_t jblk,
			   blk64_t *ret_pblk);

/*
 * Write the journal inode rebuilt from the backup (via_backup only), as
 * e2fsck does before it replays, and sync.
 */
errcode_t jbd_restore_journal_inode(struct jbd_journal *j);

/*
 * ext2fs_block_iterate3 over the journal inode the log is read through:
 * the backup when via_backup, the inode on disk otherwise.
 */
errcode_t jbd_iterate_journal_inode(struct jbd_journal *j, int flags,
				    int (*func)(ext2_filsys, blk64_t *,
						e2_blkcnt_t, blk64_t, int,
						void *),
				    void *priv);

/* Does the filesystem block fsblk hold part of the (internal) journal? */
bool jbd_journal_owns_fsblk(const struct jbd_journal *j, blk64_t fsblk);
/* Does the journal own one of count blocks from fsblk: the first one. */
bool jbd_journal_owns_range(const struct jbd_journal *j, blk64_t fsblk,
			    uint64_t count, blk64_t *ret_first);

#endif
