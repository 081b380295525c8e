/*
 * fcreplay.c: the fast-commit replay (see fcreplay.h).
 *
 * Record by record, as the kernel's handlers do:
 *   INODE   the blocks the inode had are released (ext4_ext_clear_bb);
 *           bytes 0..i_block and i_generation..the record's end are
 *           taken from the record, i_block (the extent tree) is kept from
 *           disk, reset to an empty tree when it is not one; the inode
 *           is marked in use (ext4_mark_inode_used).
 *   ADD_RANGE  each logical block is mapped to the record's physical
 *           block; a block it was mapped to before is released.
 *   DEL_RANGE  the mapped blocks of the range are released and unmapped.
 *   CREAT   the inode is marked in use; a directory gets its first block
 *           with "." and ".." (ext4_init_new_dir); the entry is added
 *           (an existing name is kept); a file's link count is 1.
 *   LINK    the entry is added unless the name exists; the link count
 *           goes up when it is added.
 *   UNLINK  the entry is removed when it names the inode; the link count
 *           goes down (in replay even when the entry names another inode,
 *           as __ext4_unlink does); at 0 the inode and its blocks are freed
 *           (the kernel's eviction).
 *   Records naming an inode that is not in use are skipped (ext4_iget
 *   fails), except INODE.
 * Then ext4_fc_set_bitmaps_and_counters: every block of every inode the
 * records touched is marked in use.  Bitmaps are the truth: the group and
 * superblock free counts are counted from them, block counts (i_blocks)
 * from the inodes' trees, and the link counts of directories whose
 * subdirectories changed and the groups' directory counts from the
 * directories: Linux 6.1 gets these wrong for a directory created in a
 * fast commit, e2fsck -fy puts them right.
 *
 * Blocks named by ADD_RANGE records are held in use while records are
 * replayed, so that a directory block allocated meanwhile never takes one
 * (the kernel's excluded regions, ext4_fc_replay_check_excluded).
 *
 * A re-run after a crash at any point starts again from the block-level
 * replay and ends the same: every step sets a state rather than applying
 * a difference (an existing entry is kept, a missing one is not removed,
 * counts are recounted).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "fcreplay.h"
#include "jbd-err.h"
#include "logappend.h"
#include "recover.h"

#define EXT_MAGIC		0xF30A	/* ext3_extent_header.eh_magic */

struct ino_set {
	ext2_ino_t *v;
	size_t n, cap;
};

struct fc_replay {
	ext2_filsys fs;
	const struct jbd_fc_area *a;
	jbd_fc_note_fn note;
	void *arg;
	struct ino_set modified;	/* inodes whose blocks are re-marked */
	struct ino_set dirs;		/* directories whose nlink is recounted */
	bool *group_touched;
	char *inode_buf;		/* one full on-disk inode */
	ext2fs_block_bitmap held;	/* never allocated during the replay */
};

static errcode_t set_add(struct ino_set *s, ext2_ino_t ino)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		ext2_ino_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return EXT2_ET_NO_MEMORY;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ino;
	return 0;
}

static void note(struct fc_replay *p, const struct jbd_fc_record *r,
		 const char *what)
{
	if (p->note)
		p->note(p->arg, r, what);
}

static void touch_group_of_ino(struct fc_replay *p, ext2_ino_t ino)
{
	p->group_touched[ext2fs_group_of_ino(p->fs, ino)] = true;
}

static void touch_group_of_blk(struct fc_replay *p, blk64_t blk)
{
	p->group_touched[ext2fs_group_of_blk2(p->fs, blk)] = true;
}

static void mark_block(struct fc_replay *p, blk64_t blk, bool used)
{
	if (blk < p->fs->super->s_first_data_block ||
	    blk >= ext2fs_blocks_count(p->fs->super))
		return;
	if (used) {
		ext2fs_mark_block_bitmap2(p->fs->block_map, blk);
	} else {
		ext2fs_unmark_block_bitmap2(p->fs->block_map, blk);
		ext2fs_mark_block_bitmap2(p->held, blk);
	}
	touch_group_of_blk(p, blk);
}

/*
 * Allocation during the replay (a new directory's block, a directory or
 * extent tree that grows): a block free in the bitmap and not held.  Held
 * are the blocks ADD_RANGE records name and every block released so far
 * (the kernel's excluded regions): a later record may still map them.
 */
static errcode_t alloc_block(ext2_filsys fs, blk64_t goal, blk64_t *ret)
{
	struct fc_replay *p = fs->priv_data;
	blk64_t first = fs->super->s_first_data_block;
	blk64_t end = ext2fs_blocks_count(fs->super), b;
	int pass;

	if (goal < first || goal >= end)
		goal = first;
	for (pass = 0; pass < 2; pass++)
		for (b = pass ? first : goal; b < (pass ? goal : end); b++)
			if (!ext2fs_fast_test_block_bitmap2(fs->block_map, b) &&
			    !ext2fs_fast_test_block_bitmap2(p->held, b)) {
				*ret = b;
				return 0;
			}
	return EXT2_ET_BLOCK_ALLOC_FAIL;
}

/* ext4_iget succeeds: the inode is in use (not deleted). */
static bool inode_live(const struct ext2_inode *in)
{
	return in->i_mode && !(in->i_links_count == 0 && in->i_dtime);
}

static errcode_t get_live(struct fc_replay *p, ext2_ino_t ino,
			  struct ext2_inode *in, bool *live)
{
	errcode_t err = ext2fs_read_inode(p->fs, ino, in);

	*live = !err && inode_live(in);
	return err == EXT2_ET_INODE_CSUM_INVALID ? 0 : err;
}

struct blocks_walk {
	struct fc_replay *p;
	bool used;
	blk64_t count;
};

static int walk_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct blocks_walk *w = priv;

	(void)fs; (void)blockcnt; (void)ref_blk; (void)ref_offset;
	mark_block(w->p, *blocknr, w->used);
	w->count++;
	return 0;
}

/* i_block holds a block map or extent tree (not inline data, not a fast
 * symlink's target). */
static bool has_block_map(ext2_filsys fs, const struct ext2_inode *in)
{
	return !(in->i_flags & EXT4_INLINE_DATA_FL) &&
	       (LINUX_S_ISREG(in->i_mode) || LINUX_S_ISDIR(in->i_mode) ||
		(LINUX_S_ISLNK(in->i_mode) &&
		 ext2fs_inode_data_blocks2(fs, (struct ext2_inode *)in)));
}

/* Mark (or release) every data and tree block of ino; count them. */
static errcode_t mark_inode_blocks(struct fc_replay *p, ext2_ino_t ino,
				   const struct ext2_inode *in, bool used,
				   blk64_t *count)
{
	struct blocks_walk w = { p, used, 0 };
	blk64_t acl = ext2fs_file_acl_block(p->fs, in);
	errcode_t err = 0;

	if (has_block_map(p->fs, in))
		err = ext2fs_block_iterate3(p->fs, ino, BLOCK_FLAG_READ_ONLY,
					    NULL, walk_block, &w);
	if (acl && used) {
		mark_block(p, acl, true);
		w.count++;
	}
	if (count)
		*count = w.count;
	return err;
}

/* ext4_mark_inode_used: bitmap, uninit flags, itable_unused. */
static void mark_inode_used(struct fc_replay *p, ext2_ino_t ino)
{
	ext2_filsys fs = p->fs;
	dgrp_t g = ext2fs_group_of_ino(fs, ino);
	uint32_t ipg = fs->super->s_inodes_per_group;
	uint32_t bit = (ino - 1) % ipg, free;

	touch_group_of_ino(p, ino);
	if (ext2fs_test_inode_bitmap2(fs->inode_map, ino))
		return;
	ext2fs_mark_inode_bitmap2(fs->inode_map, ino);
	if (!ext2fs_has_group_desc_csum(fs))
		return;
	free = ipg - ext2fs_bg_itable_unused(fs, g);
	if (ext2fs_bg_flags_test(fs, g, EXT2_BG_INODE_UNINIT)) {
		ext2fs_bg_flags_clear(fs, g, EXT2_BG_INODE_UNINIT);
		free = 0;
	}
	if (bit >= free)
		ext2fs_bg_itable_unused_set(fs, g, ipg - bit - 1);
}

static errcode_t replay_inode(struct fc_replay *p, const struct jbd_fc_record *r)
{
	ext2_filsys fs = p->fs;
	int isize = EXT2_INODE_SIZE(fs->super);
	struct ext2_inode *in = (struct ext2_inode *)p->inode_buf;
	size_t off_block = offsetof(struct ext2_inode, i_block);
	size_t off_gen = offsetof(struct ext2_inode, i_generation);
	errcode_t err;

	err = ext2fs_read_inode_full(fs, r->ino, in, isize);
	if (err && err != EXT2_ET_INODE_CSUM_INVALID)
		return err;
	if (inode_live(in)) {
		err = mark_inode_blocks(p, r->ino, in, false, NULL);
		if (err)
			return err;
	}
	err = set_add(&p->modified, r->ino);
	if (err)
		return err;
	memcpy(p->inode_buf, r->raw_inode, off_block);
	memcpy(p->inode_buf + off_gen, r->raw_inode + off_gen,
	       r->inode_len - off_gen);
	if (in->i_flags & EXT4_EXTENTS_FL) {
		uint8_t *eh = (uint8_t *)in->i_block;

		if ((eh[0] | eh[1] << 8) != EXT_MAGIC) {
			memset(eh, 0, 12);		/* ext3_extent_header */
			eh[0] = EXT_MAGIC & 0xFF;
			eh[1] = EXT_MAGIC >> 8;
			eh[4] = (sizeof(in->i_block) - 12) / 12;	/* eh_max */
		}
	} else if (in->i_flags & EXT4_INLINE_DATA_FL) {
		memcpy(in->i_block, r->raw_inode + off_block,
		       sizeof(in->i_block));
	}
	err = ext2fs_write_inode_full(fs, r->ino, in, isize);
	if (err)
		return err;
	mark_inode_used(p, r->ino);
	note(p, r, "inode written");
	return 0;
}

/*
 * The inode an ADD_RANGE or DEL_RANGE record changes: *live false (the
 * record skipped, with a note) when it is not in use, else counted as
 * modified.
 */
static errcode_t range_inode(struct fc_replay *p,
			     const struct jbd_fc_record *r,
			     struct ext2_inode *in, bool *live)
{
	errcode_t err = get_live(p, r->ino, in, live);

	if (err)
		*live = false;
	if (err || !*live) {
		note(p, r, "skipped: inode not in use");
		return err;
	}
	return set_add(&p->modified, r->ino);
}

static errcode_t replay_add_range(struct fc_replay *p,
				  const struct jbd_fc_record *r)
{
	struct ext2_inode in;
	bool live;
	uint32_t i;
	errcode_t err;

	err = range_inode(p, r, &in, &live);
	if (!live)
		return err;
	for (i = 0; !err && i < r->count; i++) {
		blk64_t want = r->pblk + i, old = 0;
		int flags = 0;

		err = ext2fs_bmap2(p->fs, r->ino, NULL, NULL, 0, r->lblk + i,
				   &flags, &old);
		if (err)
			break;
		if (old == want && !(flags & BMAP_RET_UNINIT) == !r->unwritten)
			continue;
		if (old && old != want)
			mark_block(p, old, false);
		err = ext2fs_bmap2(p->fs, r->ino, NULL, NULL, BMAP_SET |
				   (r->unwritten ? BMAP_UNINIT : 0),
				   r->lblk + i, NULL, &want);
	}
	if (!err)
		note(p, r, "range mapped");
	return err;
}

static errcode_t replay_del_range(struct fc_replay *p,
				  const struct jbd_fc_record *r)
{
	struct ext2_inode in;
	uint64_t end = (uint64_t)r->lblk + r->count;
	bool live;
	errcode_t err;

	err = range_inode(p, r, &in, &live);
	if (!live || err || !r->count)
		return err;
	if (end > (1ULL << 32))
		end = 1ULL << 32;
	/* ext2fs_punch releases the blocks it unmaps (bitmap and counts;
	 * the counts are recounted at the end). */
	err = ext2fs_punch(p->fs, r->ino, &in, NULL, r->lblk, end - 1);
	if (!err)
		note(p, r, "range unmapped");
	return err;
}

static void record_name(const struct jbd_fc_record *r, char name[256])
{
	memcpy(name, r->name, r->name_len);
	name[r->name_len] = '\0';
}

static int file_type(ext2_filsys fs, uint16_t mode)
{
	if (!ext2fs_has_feature_filetype(fs->super))
		return 0;
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG:	return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR:	return EXT2_FT_DIR;
	case LINUX_S_IFCHR:	return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK:	return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO:	return EXT2_FT_FIFO;
	case LINUX_S_IFSOCK:	return EXT2_FT_SOCK;
	case LINUX_S_IFLNK:	return EXT2_FT_SYMLINK;
	}
	return 0;
}

/*
 * Add name -> ino in dir unless the name is there (-EEXIST in the kernel):
 * *added says which.  A full directory grows by a block.
 */
static errcode_t add_entry(struct fc_replay *p, ext2_ino_t dir,
			   const struct jbd_fc_record *r, uint16_t mode,
			   bool *added)
{
	char name[256];
	ext2_ino_t found;
	errcode_t err;

	*added = false;
	record_name(r, name);
	err = ext2fs_lookup(p->fs, dir, name, r->name_len, NULL, &found);
	if (!err)
		return 0;
	if (err != EXT2_ET_FILE_NOT_FOUND)
		return err;
	err = ext2fs_link(p->fs, dir, name, r->ino, file_type(p->fs, mode));
	if (err == EXT2_ET_DIR_NO_SPACE) {
		err = ext2fs_expand_dir(p->fs, dir);
		if (!err)
			err = ext2fs_link(p->fs, dir, name, r->ino,
					  file_type(p->fs, mode));
		set_add(&p->modified, dir);
	}
	*added = !err;
	return err;
}

/* ext4_init_new_dir: block 0 with "." and "..", unless it is there. */
static errcode_t init_new_dir(struct fc_replay *p, ext2_ino_t ino,
			      ext2_ino_t parent)
{
	ext2_filsys fs = p->fs;
	struct ext2_inode in;
	blk64_t blk = 0, goal;
	char *block = NULL;
	errcode_t err;

	err = ext2fs_bmap2(fs, ino, NULL, NULL, 0, 0, NULL, &blk);
	if (err || blk)
		return err;
	goal = ext2fs_group_first_block2(fs, ext2fs_group_of_ino(fs, ino));
	err = alloc_block(fs, goal, &blk);
	if (!err)
		err = ext2fs_new_dir_block(fs, ino, parent, &block);
	if (!err)
		err = ext2fs_write_dir_block4(fs, blk, block, 0, ino);
	ext2fs_free_mem(&block);
	if (!err)
		err = ext2fs_bmap2(fs, ino, NULL, NULL, BMAP_SET, 0, NULL, &blk);
	if (!err)
		err = ext2fs_read_inode(fs, ino, &in);
	if (err)
		return err;
	mark_block(p, blk, true);
	if (EXT2_I_SIZE(&in) < fs->blocksize) {
		in.i_size = fs->blocksize;
		in.i_size_high = 0;
	}
	return ext2fs_write_inode(fs, ino, &in);
}

static errcode_t replay_creat(struct fc_replay *p, const struct jbd_fc_record *r)
{
	struct ext2_inode in, dir;
	bool live, added;
	errcode_t err;

	mark_inode_used(p, r->ino);
	err = ext2fs_read_inode(p->fs, r->ino, &in);
	if (err && err != EXT2_ET_INODE_CSUM_INVALID)
		return err;
	if (!inode_live(&in) && !in.i_mode) {
		/* ext4_iget fails: the kernel's replay stops with EINVAL. */
		return JBD_ET_FC_REPLAY_STOPPED;
	}
	err = set_add(&p->modified, r->ino);
	if (!err && LINUX_S_ISDIR(in.i_mode)) {
		err = get_live(p, r->parent, &dir, &live);
		if (err || !live) {
			note(p, r, "skipped: parent not in use");
			return err;
		}
		err = init_new_dir(p, r->ino, r->parent);
		if (!err)
			err = set_add(&p->dirs, r->ino);
		if (!err)
			err = set_add(&p->dirs, r->parent);
	}
	if (err)
		return err;
	err = get_live(p, r->parent, &dir, &live);
	if (err || !live) {
		note(p, r, "skipped: parent not in use");
		return err;
	}
	err = add_entry(p, r->parent, r, in.i_mode, &added);
	if (!err)
		err = ext2fs_read_inode(p->fs, r->ino, &in);
	if (err)
		return err;
	/* set_nlink(1); a directory's count is recounted at the end. */
	in.i_links_count = 1;
	err = ext2fs_write_inode(p->fs, r->ino, &in);
	if (!err)
		note(p, r, added ? "created" : "entry exists");
	return err;
}

static errcode_t replay_link(struct fc_replay *p, const struct jbd_fc_record *r)
{
	struct ext2_inode in, dir;
	bool live, added;
	errcode_t err;

	err = get_live(p, r->ino, &in, &live);
	if (!err && live)
		err = get_live(p, r->parent, &dir, &live);
	if (err || !live) {
		note(p, r, "skipped: inode or parent not in use");
		return err;
	}
	err = add_entry(p, r->parent, r, in.i_mode, &added);
	if (err || !added) {
		if (!err)
			note(p, r, "entry exists");
		return err;
	}
	if (LINUX_S_ISDIR(in.i_mode))
		err = set_add(&p->dirs, r->parent);
	in.i_links_count++;
	if (!err)
		err = ext2fs_write_inode(p->fs, r->ino, &in);
	if (!err)
		note(p, r, "linked");
	return err;
}

/*
 * The kernel's eviction of an inode whose last link went (ext4_evict_inode):
 * i_size 0, the file truncated (its blocks released, the block map emptied:
 * an extent inode keeps an empty tree), the inode freed.  An INODE record
 * replayed later for the same number (the inode reused) keeps that empty
 * i_block and its ADD_RANGE records map only what they name: the old
 * file's blocks must not stay mapped in its holes.
 */
static errcode_t free_inode(struct fc_replay *p, ext2_ino_t ino,
			    struct ext2_inode *in)
{
	errcode_t err = mark_inode_blocks(p, ino, in, false, NULL);
	blk64_t acl = ext2fs_file_acl_block(p->fs, in);

	if (err)
		return err;
	if (acl)
		mark_block(p, acl, false);
	if (has_block_map(p->fs, in)) {
		memset(in->i_block, 0, sizeof(in->i_block));
		if (in->i_flags & EXT4_EXTENTS_FL) {
			uint8_t *eh = (uint8_t *)in->i_block;

			eh[0] = EXT_MAGIC & 0xFF;	/* ext3_extent_header */
			eh[1] = EXT_MAGIC >> 8;
			eh[4] = (sizeof(in->i_block) - 12) / 12;	/* eh_max */
		}
		in->i_size = 0;
		in->i_size_high = 0;
		err = ext2fs_iblk_set(p->fs, in, 0);
		if (err)
			return err;
	}
	in->i_dtime = p->fs->now ? p->fs->now : (uint32_t)time(NULL);
	in->i_links_count = 0;
	err = ext2fs_write_inode(p->fs, ino, in);
	ext2fs_unmark_inode_bitmap2(p->fs->inode_map, ino);
	touch_group_of_ino(p, ino);
	return err;
}

static errcode_t replay_unlink(struct fc_replay *p, const struct jbd_fc_record *r)
{
	struct ext2_inode in, dir;
	char name[256];
	ext2_ino_t found;
	bool live;
	errcode_t err;

	err = get_live(p, r->ino, &in, &live);
	if (!err && live)
		err = get_live(p, r->parent, &dir, &live);
	if (err || !live) {
		note(p, r, "skipped: inode or parent not in use");
		return err;
	}
	record_name(r, name);
	err = ext2fs_lookup(p->fs, r->parent, name, r->name_len, NULL, &found);
	if (err == EXT2_ET_FILE_NOT_FOUND) {
		note(p, r, "no such entry");
		return 0;
	}
	if (err)
		return err;
	if (found == r->ino)
		err = ext2fs_unlink(p->fs, r->parent, name, 0, 0);
	if (err)
		return err;
	if (LINUX_S_ISDIR(in.i_mode)) {
		/* rmdir: the directory goes entirely; its parent recounted. */
		err = set_add(&p->dirs, r->parent);
		in.i_links_count = 0;
	} else if (in.i_links_count) {
		in.i_links_count--;
	}
	if (!err && !in.i_links_count)
		err = free_inode(p, r->ino, &in);
	else if (!err)
		err = ext2fs_write_inode(p->fs, r->ino, &in);
	if (!err)
		note(p, r, found == r->ino ? (in.i_links_count ? "unlinked" :
		     "unlinked, inode freed") : "entry names another inode: "
		     "kept, link count lowered");
	return err;
}

struct subdir_count {
	ext2_filsys fs;
	uint32_t n;
	errcode_t err;
};

static int count_subdir(struct ext2_dir_entry *de, int offset, int blocksize,
			char *buf, void *priv)
{
	struct subdir_count *c = priv;
	int len = ext2fs_dirent_name_len(de);
	struct ext2_inode in;

	(void)offset; (void)blocksize; (void)buf;
	if (!de->inode || (len == 1 && de->name[0] == '.') ||
	    (len == 2 && de->name[0] == '.' && de->name[1] == '.'))
		return 0;
	if (ext2fs_has_feature_filetype(c->fs->super)) {
		c->n += ext2fs_dirent_file_type(de) == EXT2_FT_DIR;
		return 0;
	}
	if (!ext2fs_read_inode(c->fs, de->inode, &in) &&
	    LINUX_S_ISDIR(in.i_mode))
		c->n++;
	return 0;
}

/* A directory's link count: ".", its entry, and one ".." per subdirectory. */
static errcode_t recount_dir(struct fc_replay *p, ext2_ino_t ino)
{
	struct subdir_count c = { p->fs, 0, 0 };
	struct ext2_inode in;
	bool live;
	errcode_t err;

	err = get_live(p, ino, &in, &live);
	if (err || !live || !LINUX_S_ISDIR(in.i_mode))
		return err;
	err = ext2fs_dir_iterate(p->fs, ino, 0, NULL, count_subdir, &c);
	if (err)
		return err;
	c.n += 2;
	if (c.n > EXT2_LINK_MAX && ext2fs_has_feature_dir_nlink(p->fs->super))
		c.n = 1;
	if (in.i_links_count == c.n)
		return 0;
	in.i_links_count = (uint16_t)c.n;
	return ext2fs_write_inode(p->fs, ino, &in);
}

/* ext4_fc_set_bitmaps_and_counters, and the counts e2fsck -fy would fix. */
static errcode_t finish(struct fc_replay *p)
{
	ext2_filsys fs = p->fs;
	const struct jbd_fc_area *a = p->a;
	uint32_t ipg = fs->super->s_inodes_per_group;
	blk64_t free_blocks = 0;
	uint64_t free_inodes = 0;
	errcode_t err = 0;
	dgrp_t g;
	size_t i;

	/* The held ADD_RANGE blocks go back unless an inode has them. */
	for (i = 0; i < a->nreplay; i++) {
		const struct jbd_fc_record *r = &a->recs[i];
		uint32_t k;

		if (r->tag == JBD_FC_ADD_RANGE)
			for (k = 0; k < r->count; k++)
				mark_block(p, r->pblk + k, false);
	}
	for (i = 0; !err && i < p->dirs.n; i++)
		err = recount_dir(p, p->dirs.v[i]);
	for (i = 0; !err && i < p->modified.n; i++) {
		struct ext2_inode in;
		blk64_t n;
		bool live;

		err = get_live(p, p->modified.v[i], &in, &live);
		if (err || !live ||
		    !ext2fs_test_inode_bitmap2(fs->inode_map, p->modified.v[i]))
			continue;
		err = mark_inode_blocks(p, p->modified.v[i], &in, true, &n);
		if (!err && !(in.i_flags & EXT4_INLINE_DATA_FL)) {
			err = ext2fs_read_inode(fs, p->modified.v[i], &in);
			if (!err) {
				in.i_flags &= ~EXT4_HUGE_FILE_FL;
				err = ext2fs_iblk_set(fs, &in, n);
			}
			if (!err)
				err = ext2fs_write_inode(fs, p->modified.v[i], &in);
		}
	}
	if (err)
		return err;
	for (g = 0; g < fs->group_desc_count; g++) {
		blk64_t first = ext2fs_group_first_block2(fs, g);
		blk64_t last = ext2fs_group_last_block2(fs, g), b;
		uint32_t bfree = 0, ifree = 0, dirs = 0, k;

		for (b = first; b <= last; b++)
			bfree += !ext2fs_fast_test_block_bitmap2(fs->block_map, b);
		for (k = 1; k <= ipg; k++) {
			ext2_ino_t ino = g * ipg + k;
			struct ext2_inode in;

			if (!ext2fs_fast_test_inode_bitmap2(fs->inode_map, ino)) {
				ifree++;
				continue;
			}
			if (p->group_touched[g] &&
			    !ext2fs_read_inode(fs, ino, &in) &&
			    LINUX_S_ISDIR(in.i_mode) && in.i_links_count)
				dirs++;
		}
		free_blocks += bfree;
		free_inodes += ifree;
		if (!p->group_touched[g])
			continue;
		ext2fs_bg_free_blocks_count_set(fs, g, bfree);
		ext2fs_bg_free_inodes_count_set(fs, g, ifree);
		ext2fs_bg_used_dirs_count_set(fs, g, dirs);
		ext2fs_bg_flags_clear(fs, g, EXT2_BG_BLOCK_UNINIT);
		ext2fs_group_desc_csum_set(fs, g);
	}
	ext2fs_free_blocks_count_set(fs->super, free_blocks);
	fs->super->s_free_inodes_count = (uint32_t)free_inodes;
	ext2fs_mark_super_dirty(fs);
	ext2fs_mark_bb_dirty(fs);
	ext2fs_mark_ib_dirty(fs);
	return 0;
}

static errcode_t replay_one(struct fc_replay *p, const struct jbd_fc_record *r)
{
	switch (r->tag) {
	case JBD_FC_INODE:	return replay_inode(p, r);
	case JBD_FC_ADD_RANGE:	return replay_add_range(p, r);
	case JBD_FC_DEL_RANGE:	return replay_del_range(p, r);
	case JBD_FC_CREAT:	return replay_creat(p, r);
	case JBD_FC_LINK:	return replay_link(p, r);
	case JBD_FC_UNLINK:	return replay_unlink(p, r);
	}
	return 0;	/* HEAD, TAIL, PAD */
}

/* The changed blocks must be filesystem blocks outside the journal. */
static errcode_t check_captured(const struct jbd_journal *j, const uint64_t *blks,
				size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (blks[i] >= ext2fs_blocks_count(j->fs->super))
			return JBD_ET_TARGET_RANGE;
		if (jbd_journal_owns_fsblk(j, blks[i]))
			return JBD_ET_TARGET_JOURNAL;
	}
	return 0;
}

/*
 * Apply the records to a capture of the filesystem: nothing reaches the
 * disk; ret_blks and ret_data get the blocks that changed.
 */
static errcode_t replay_captured(struct jbd_journal *j, const struct jbd_fc_area *a,
				 jbd_fc_note_fn note_fn, void *arg,
				 uint64_t **ret_blks, uint8_t **ret_data,
				 size_t *ret_n)
{
	struct fc_replay p = { .a = a, .note = note_fn, .arg = arg };
	struct jbd_capture *cap;
	errcode_t err;
	size_t i;

	err = jbd_capture_begin(&cap);
	if (err)
		return err;
	err = ext2fs_open2(j->image_path, NULL, EXT2_FLAG_RW | EXT2_FLAG_64BITS |
			   EXT2_FLAG_SKIP_MMP | EXT2_FLAG_IGNORE_CSUM_ERRORS,
			   0, 0, jbd_capture_io_manager, &p.fs);
	if (err) {
		jbd_capture_end(cap);
		return err;
	}
	p.fs->flags |= EXT2_FLAG_MASTER_SB_ONLY;
	err = ext2fs_read_bitmaps(p.fs);
	if (!err)
		err = ext2fs_allocate_block_bitmap(p.fs, "held", &p.held);
	if (!err) {
		p.fs->priv_data = &p;
		ext2fs_set_alloc_block_callback(p.fs, alloc_block, NULL);
	}
	if (!err)
		err = ext2fs_get_memzero(p.fs->group_desc_count, &p.group_touched);
	if (!err)
		err = ext2fs_get_memzero(EXT2_INODE_SIZE(p.fs->super), &p.inode_buf);
	/* Hold every block an ADD_RANGE names (excluded from allocation). */
	for (i = 0; !err && i < a->nreplay; i++) {
		const struct jbd_fc_record *r = &a->recs[i];
		uint32_t k;

		if (r->tag == JBD_FC_ADD_RANGE)
			for (k = 0; k < r->count; k++) {
				mark_block(&p, r->pblk + k, true);
				ext2fs_mark_block_bitmap2(p.held, r->pblk + k);
			}
	}
	for (i = 0; !err && i < a->nreplay; i++)
		err = replay_one(&p, &a->recs[i]);
	if (!err)
		err = finish(&p);
	if (p.held)
		ext2fs_free_block_bitmap(p.held);
	if (err) {
		p.fs->flags &= ~(EXT2_FLAG_DIRTY | EXT2_FLAG_BB_DIRTY |
				 EXT2_FLAG_IB_DIRTY);
		ext2fs_close_free(&p.fs);
	} else {
		/* Flushes bitmaps, descriptors and superblock: into the capture. */
		err = ext2fs_close_free(&p.fs);
	}
	if (!err)
		err = jbd_capture_blocks(cap, j->image_path, j->fs->blocksize,
					 ret_blks, ret_data, ret_n);
	jbd_capture_end(cap);
	free(p.modified.v);
	free(p.dirs.v);
	ext2fs_free_mem(&p.group_touched);
	ext2fs_free_mem(&p.inode_buf);
	return err;
}

/*
 * Once the transaction is committed, the fast commits it holds are stale.
 * The kernel's scan stops at a HEAD of another transaction, but e2fsck
 * 1.47 fails the whole recovery on one ("Invalid argument"): the area's
 * first block is cleared, so that a crash before the journal is marked
 * empty leaves a log that e2fsck recovers too.
 */
static errcode_t retire_area(struct jbd_journal *j, const struct jbd_fc_area *a)
{
	uint8_t *zero = calloc(1, j->blocksize);
	errcode_t err;

	if (!zero)
		return EXT2_ET_NO_MEMORY;
	err = jbd_write_blocks(j, a->first, 1, zero);
	free(zero);
	return err ? err : jbd_flush(j);
}

errcode_t jbd_recover_fast_commit(struct jbd_journal *j,
				  const struct jbd_recovery *r, int flags,
				  jbd_fc_note_fn note_fn, void *arg,
				  uint64_t *ret_written)
{
	struct jbd_recovery again;
	uint64_t *blks = NULL;
	uint8_t *data = NULL;
	size_t n = 0;
	errcode_t err;

	*ret_written = 0;
	if (!r->fc.nreplay || jbd_recovery_failed(r))
		return 0;
	if (!j->fs || !j->image_path)
		return JBD_ET_NEED_FS;
	err = replay_captured(j, &r->fc, note_fn, arg, &blks, &data, &n);
	if (!err)
		err = check_captured(j, blks, n);
	if (!err)
		err = jbd_log_append(j, r->end_tid, blks, data, n,
				     (uint64_t)time(NULL));
	free(blks);
	free(data);
	if (!err && n)
		err = retire_area(j, &r->fc);
	if (err || !n)
		return err;
	/* The log now ends with that transaction: replay it as any other. */
	err = jbd_recover_plan(j, &again);
	if (!err && (jbd_recovery_failed(&again) ||
		     again.end_tid != r->end_tid + 1))
		err = JBD_ET_CORRUPT_LOG;
	if (!err)
		err = jbd_recover_write(j, &again, flags, NULL, NULL, NULL);
	if (!err)
		*ret_written = again.nblocks;
	jbd_recovery_free(&again);
	return err;
}
