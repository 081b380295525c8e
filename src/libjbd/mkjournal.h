/*
 * mkjournal.h: add a journal to a filesystem, as tune2fs -j does, through
 * libext2fs (which allocates and maps the journal inode).
 */
#ifndef JBD_MKJOURNAL_H
#define JBD_MKJOURNAL_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct jbd_mkjournal {
	uint64_t size_mib;		/* 0: tune2fs's default for the fs size */
	uint64_t fc_size_kib;		/* 0: default (journal/64 with fast_commit) */
	blk64_t goal;			/* ~0: the middle of the filesystem */
	/* filled by jbd_mkjournal_plan() */
	struct ext2fs_journal_params params;
};

/*
 * Size the journal as tune2fs's figure_journal_size() does: the default of
 * ext2fs_get_journal_params(), or the requested sizes; 1024 to 10240000
 * blocks in all, and no more than half the free blocks.
 */
errcode_t jbd_mkjournal_plan(ext2_filsys fs, struct jbd_mkjournal *mk);

/* Create the journal inode; the caller closes (and so flushes) fs. */
errcode_t jbd_mkjournal_internal(ext2_filsys fs, struct jbd_mkjournal *mk);

/*
 * Remove the internal journal as tune2fs -O ^has_journal does: free its
 * blocks (and the inode's mapping blocks), clear inode s_journal_inum, the
 * s_jnl_blocks backup and has_journal.  The caller checks that the journal
 * does not need recovery, and closes (and so flushes) fs.  The number of
 * blocks freed is returned in *ret_freed.
 */
errcode_t jbd_remove_internal(ext2_filsys fs, blk64_t *ret_freed);

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
