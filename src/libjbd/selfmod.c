/*
 * selfmod.c: a log that would rewrite the journal's own metadata.
 *
 * The journal inode's block map is read once, when the journal is opened;
 * replay then writes home blocks and marks the journal empty through that
 * map.  A logged copy of an indirect or extent-tree block of the journal
 * inode, or of the inode-table block holding it with a different size,
 * flags or block map than the inode the log is read through (the backup
 * when the inode on disk is unusable), would change the map under the
 * replay: the journal could not be opened again, and a re-run after a
 * power cut would fail.
 * Such a plan is refused before the first write.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "csum.h"
#include "selfmod.h"

/* Fields of the on-disk inode that say where the journal is. */
static const struct { unsigned off, len; } inode_fields[] = {
	{ 0x04, 4 },		/* i_size_lo */
	{ 0x20, 4 },		/* i_flags */
	{ 0x28, 60 },		/* i_block: block map or extent root */
	{ 0x6C, 4 },		/* i_size_high */
};

struct meta_list {
	blk64_t *b;
	size_t n, cap;
	errcode_t err;
};

static int push(struct meta_list *m, blk64_t blk)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		blk64_t *b = realloc(m->b, cap * sizeof(*b));

		if (!b) {
			m->err = EXT2_ET_NO_MEMORY;
			return BLOCK_ABORT;
		}
		m->b = b;
		m->cap = cap;
	}
	m->b[m->n++] = blk;
	return 0;
}

/* Block-mapped: the indirect blocks (negative block counts). */
static int note_indirect(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
			 blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)fs;
	(void)ref_blk;
	(void)ref_offset;
	return blockcnt < 0 ? push(priv, *blocknr) : 0;
}

/* Extent-mapped: every index entry names a tree block below the root. */
static errcode_t extent_blocks(ext2_filsys fs, ext2_ino_t ino,
			       struct ext2_inode *inode, struct meta_list *m)
{
	ext2_extent_handle_t handle;
	struct ext2fs_extent ext;
	int op = EXT2_EXTENT_ROOT;
	errcode_t err;

	err = ext2fs_extent_open2(fs, ino, inode, &handle);
	if (err)
		return err;
	for (;;) {
		err = ext2fs_extent_get(handle, op, &ext);
		op = EXT2_EXTENT_NEXT;
		if (err == EXT2_ET_EXTENT_NO_NEXT) {
			err = 0;
			break;
		}
		if (err)
			break;
		if (!(ext.e_flags & EXT2_EXTENT_FLAGS_LEAF) &&
		    !(ext.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) &&
		    push(m, ext.e_pblk)) {
			err = m->err;
			break;
		}
	}
	ext2fs_extent_free(handle);
	return err;
}

/* The on-disk form of the inode rebuilt from the backup (128 bytes). */
static void put_inode(struct jbd_journal *j, uint8_t *disk)
{
#ifdef WORDS_BIGENDIAN
	struct ext2_inode swapped;

	ext2fs_swap_inode(j->fs, &swapped, &j->backup_inode, 1);
	memcpy(disk, &swapped, sizeof(swapped));
#else
	(void)j;
	memcpy(disk, &j->backup_inode, sizeof(j->backup_inode));
#endif
}

/*
 * Would the logged copy p of the inode-table block change the journal
 * inode at byte off?  A copy whose checksum is left to the write phase
 * and is bad is not written, so it changes nothing.
 */
static errcode_t changes_inode(struct jbd_journal *j,
			       const struct jbd_replay_block *p, unsigned off,
			       bool *ret)
{
	uint32_t bs = j->fs->blocksize;
	uint8_t *logged = NULL, *cur = NULL;
	bool good = false;
	errcode_t err;
	size_t i;

	*ret = false;
	err = ext2fs_get_mem(bs, &logged);
	if (!err)
		err = ext2fs_get_mem(bs, &cur);
	if (!err)
		err = jbd_read_planned_copy(j, p, logged, &good);
	if (!err)
		err = io_channel_read_blk64(j->fs->io, p->fsblk, 1, cur);
	if (err || !good)
		goto out;
	if (j->via_backup)	/* replay writes the backup there first */
		put_inode(j, cur + off);
	for (i = 0; i < sizeof(inode_fields) / sizeof(inode_fields[0]); i++)
		if (memcmp(logged + off + inode_fields[i].off,
			   cur + off + inode_fields[i].off, inode_fields[i].len))
			*ret = true;
out:
	ext2fs_free_mem(&logged);
	ext2fs_free_mem(&cur);
	return err;
}

errcode_t jbd_check_self_modifying(struct jbd_journal *j,
				   const struct jbd_recovery *r,
				   uint64_t *ret_fsblk)
{
	ext2_filsys fs = j->fs;
	struct meta_list m = { 0 };
	struct ext2_inode inode;
	struct jbd_replay_block p;
	uint32_t ipg, isz, idx;
	uint64_t byte;
	bool changed;
	errcode_t err = 0;
	size_t i;

	if (j->source != JBD_SRC_INTERNAL || !r->nplan)
		return 0;
	/* The journal inode's indirect or extent-tree blocks. */
	if (j->via_backup)
		inode = j->backup_inode;
	else
		err = ext2fs_read_inode(fs, j->ino, &inode);
	if (err)
		return err;
	if (inode.i_flags & EXT4_EXTENTS_FL)
		err = extent_blocks(fs, j->ino, &inode, &m);
	else
		err = jbd_iterate_journal_inode(j, BLOCK_FLAG_READ_ONLY,
						note_indirect, &m);
	if (!err)
		err = m.err;
	for (i = 0; !err && i < m.n; i++) {
		if (jbd_plan_find(r, m.b[i], &p)) {
			*ret_fsblk = m.b[i];
			err = JBD_ET_TARGET_JOURNAL_MAP;
		}
	}
	free(m.b);
	if (err)
		return err;

	/* The inode-table block that holds the journal inode. */
	ipg = fs->super->s_inodes_per_group;
	isz = EXT2_INODE_SIZE(fs->super);
	if (!ipg)
		return 0;
	idx = (j->ino - 1) % ipg;
	byte = (uint64_t)idx * isz;
	if (!jbd_plan_find(r, ext2fs_inode_table_loc(fs, (j->ino - 1) / ipg) +
			   byte / fs->blocksize, &p))
		return 0;
	err = changes_inode(j, &p, (unsigned)(byte % fs->blocksize), &changed);
	if (!err && changed) {
		*ret_fsblk = p.fsblk;
		err = JBD_ET_TARGET_JOURNAL_INODE;
	}
	return err;
}
