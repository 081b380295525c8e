/*
 * mkjournal.h: add a journal to a filesystem, as tune2fs -j does, through
 * libext2fs (which allocates and maps the journal inode).
 */
#ifndef JBD_MKJOURNAL_H
#define JBD_MKJOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "stageio.h"

struct jbd_mkjournal {
	uint64_t size_mib;		/* 0: tune2fs's default for the fs size */
	uint64_t fc_size_kib;		/* 0: default (journal/64 with fast_commit) */
	blk64_t goal;			/* ~0: the middle of the filesystem */
	/* filled by jbd_mkjournal_plan() */
	struct ext2fs_journal_params params;
	/* filled by jbd_mkjournal_internal() and _adopt(): where it is */
	blk64_t first_blk, nblocks;
	blk64_t fs_blocks;		/* for the caller's messages */
};

/*
 * A filesystem opened to add or remove a journal as tune2fs does (every
 * superblock copy written), exclusively, through the staging manager: see
 * stageio.h for the order the writes reach the disk in, and jbdctl(8),
 * POWER CUTS, for what a cut at each point leaves.
 */
struct jbd_change {
	ext2_filsys fs;
	bool bitmap_csum_bad;		/* bitmaps read ignoring their checksums */
	bool sb_torn;			/* primary superblock's checksum bad */
	struct jbd_stage_plan plan;
	blk64_t *bitmaps;
	ext2fs_block_bitmap free_map;
};

#define JBD_CHANGE_UNDO		0x1	/* through the undo file set */
#define JBD_CHANGE_DRY		0x2	/* read-only; every write dropped */

/*
 * Open (and read the bitmaps of) path for a change.
 *
 * A power cut while the primary superblock (1024 bytes, two 512-byte
 * sectors) is written can leave one sector old and the other new: with
 * metadata_csum, a checksum that matches neither, and on a filesystem of
 * one group no backup to fall back to.  create and remove change the
 * first sector (has_journal, the journal fields, the free count) and the
 * second (s_overhead_clusters, the checksum), so a torn superblock holds
 * the new first sector and the old second one, or the reverse: the
 * second sector is new exactly when has_journal says the first is old.
 * Such a superblock is opened anyway (sb_torn set), and the command
 * finishes only where the rest of the image shows a cut create or remove
 * (a complete journal in inode 8, journal blocks already free); it
 * refuses otherwise.
 */
errcode_t jbd_change_open(const char *path, int flags, struct jbd_change *c);

/* Set the write order: create's, or remove's (also for detaching). */
errcode_t jbd_change_order(struct jbd_change *c, bool create);

/* Close: write everything, in the order set; 0 or the first error. */
errcode_t jbd_change_close(struct jbd_change *c);

/* Close writing nothing more. */
void jbd_change_abort(struct jbd_change *c);

/* Is the inode in use (anything in it)? */
bool jbd_inode_in_use(const struct ext2_inode *inode);

/* The journal inode's first block and length. */
errcode_t jbd_journal_extent(ext2_filsys fs, blk64_t *first, blk64_t *nblocks);

/*
 * Finish a create cut after the journal inode was written: the superblock
 * has no journal, inode 8 holds a complete one.  Marks its blocks, recounts
 * the groups they are in and sets the superblock as
 * ext2fs_add_journal_inode3() does.  JBD_ET_INODE_IN_USE when inode 8 is
 * not a journal.  sb_torn: the primary superblock is a torn write (see
 * jbd_change_open()), has_journal set or not.
 */
errcode_t jbd_mkjournal_adopt(ext2_filsys fs, struct jbd_mkjournal *mk,
			      bool sb_torn);

/*
 * Size the journal as tune2fs's figure_journal_size() does: the default of
 * ext2fs_get_journal_params(), or the requested sizes; 1024 to 10240000
 * blocks in all, and no more than half the free blocks.
 */
errcode_t jbd_mkjournal_plan(ext2_filsys fs, struct jbd_mkjournal *mk);

/*
 * Create the journal inode as tune2fs -j does (s_overhead_clusters too);
 * the caller closes (and so flushes) fs.
 */
errcode_t jbd_mkjournal_internal(ext2_filsys fs, struct jbd_mkjournal *mk);

/*
 * Remove the internal journal as tune2fs -O ^has_journal does: free its
 * blocks (and the inode's mapping blocks), clear inode s_journal_inum, the
 * s_jnl_blocks backup and has_journal.  The caller checks that the journal
 * does not need recovery, and closes (and so flushes) fs.  The number of
 * blocks freed is returned in *ret_freed.  Also finishes a remove (or
 * undoes a create) that a cut interrupted: journal blocks already free in
 * the bitmap, or inode 8 in use without has_journal.  bitmap_csum_bad:
 * the bitmaps had bad checksums, which only a cut explains: refused
 * (EXT2_ET_BLOCK_BITMAP_CSUM_INVALID) when nothing else shows a cut.
 * sb_torn: the primary superblock is a torn write (see jbd_change_open()):
 * refused (EXT2_ET_SB_CSUM_INVALID) when nothing else shows a cut.
 */
errcode_t jbd_remove_internal(ext2_filsys fs, blk64_t *ret_freed,
			      bool bitmap_csum_bad, bool sb_torn);

/* Clear the filesystem's side of an external journal. */
void jbd_detach_external(ext2_filsys fs);

/*
 * Format path as an external journal device, as mke2fs -O journal_dev:
 * an ext2 superblock with only the journal_dev feature, the whole device
 * zeroed and a V2 journal superblock at ext2fs_journal_sb_start().
 */
errcode_t jbd_mkjournal_device(const char *path, unsigned int blocksize,
			       blk64_t *ret_blocks);

/*
 * Attach the external journal device jdev to fs, as tune2fs -J device=
 * does, for block devices and regular files alike: fs's UUID is added to
 * the journal's users, and fs records the journal's UUID and device.
 */
errcode_t jbd_attach_external(ext2_filsys fs, ext2_filsys jdev, dev_t rdev);

/* parse_num_blocks2's syntax: a block count, or bytes with K/M/G/T/s. */
int jbd_parse_blocks(const char *arg, int log_block_size, blk64_t *ret);

#endif
