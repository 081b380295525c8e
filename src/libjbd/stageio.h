/*
 * stageio.h: an io_manager that holds back libext2fs's metadata writes
 * and writes them in an order chosen for power cuts.
 *
 * libext2fs writes what `create` and `remove` change (an inode table
 * block, bitmaps, group descriptors, every superblock copy) in its own
 * order, through a write-back cache.  A cut between two of those writes
 * can leave a state that no re-run can finish.  This manager sits above
 * the real one (unix or undo): writes to blocks that were free before the
 * command started (a new journal's blocks) go straight through, since no
 * one reads a free block; every other write is kept in memory (reads see
 * it) until the channel is closed, then written class by class in the
 * order the command set, with a flush (fsync) after each class.  The bytes
 * written are exactly libext2fs's, so the image ends as tune2fs leaves it.
 */
#ifndef JBD_STAGEIO_H
#define JBD_STAGEIO_H

#include <stddef.h>
#include <ext2fs/ext2fs.h>

/* What a held-back write is, by where it goes. */
enum jbd_stage_class {
	JBD_STAGE_INODE,	/* the inode table block holding the journal inode */
	JBD_STAGE_BITMAP,	/* block and inode bitmaps */
	JBD_STAGE_OTHER,	/* group descriptors, backup superblocks, ... */
	JBD_STAGE_PRIMARY,	/* the primary superblock (byte 1024) */
	JBD_STAGE_NCLASSES
};

struct jbd_stage_plan {
	unsigned int fs_blocksize;
	blk64_t inode_blk;		/* class INODE */
	const blk64_t *bitmap_blks;	/* class BITMAP, sorted */
	size_t nbitmap;
	ext2fs_block_bitmap free_map;	/* writes to blocks free here pass */
	blk64_t first_data_blk, blocks_count;	/* free_map's range */
	enum jbd_stage_class order[JBD_STAGE_NCLASSES];
};

extern io_manager jbd_stage_io_manager;

/*
 * The manager the next open writes through (unix_io_manager by default);
 * dry: open it read-only, hold every write and drop them all at close
 * (a dry run goes through the same code as the real one).
 */
void jbd_stage_set_backing(io_manager backing, int dry);

/*
 * Set how the channel's held writes are classified and ordered when it is
 * closed.  plan is copied, not the arrays it points to: they must live
 * until the channel is closed.
 */
void jbd_stage_set_plan(io_channel channel, const struct jbd_stage_plan *plan);

/* Forget the held writes: closing the channel then writes nothing more. */
void jbd_stage_drop(io_channel channel);

/*
 * The result of writing the held blocks when the channel was last closed
 * (ext2fs_close() cannot return it): 0 or the first error.
 */
errcode_t jbd_stage_close_status(void);

#endif
