/*
 * mkjournal.c: journal creation.  libext2fs does the real work (inode,
 * extents or indirect blocks, zeroing, the V2 superblock, the s_jnl_blocks
 * backup, has_journal); this file only sizes the journal the way tune2fs
 * does, so that jbdctl create and tune2fs -j make the same journal.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "mkjournal.h"
#include "super.h"
#include "stageio.h"

errcode_t jbd_mkjournal_plan(ext2_filsys fs, struct jbd_mkjournal *mk)
{
	struct ext2fs_journal_params *p = &mk->params;
	bool fc = ext2fs_has_feature_fast_commit(fs->super);
	uint64_t total;

	if (ext2fs_has_feature_journal(fs->super))
		return JBD_ET_HAS_JOURNAL;
	if (ext2fs_get_journal_params(p, fs))
		return JBD_ET_FS_TOO_SMALL;
	if (!mk->size_mib && !(fc && mk->fc_size_kib))
		return 0;
	if (mk->size_mib)
		p->num_journal_blocks = mk->size_mib * 1024 / (fs->blocksize / 1024);
	if (fc && mk->fc_size_kib)
		p->num_fc_blocks = mk->fc_size_kib * 1024 / fs->blocksize;
	else if (!fc)
		p->num_fc_blocks = 0;
	total = (uint64_t)p->num_journal_blocks + p->num_fc_blocks;
	if (total < JBD2_MIN_JOURNAL_BLOCKS || total > JBD2_MAX_JOURNAL_BLOCKS)
		return JBD_ET_JOURNAL_SIZE;
	if (total > ext2fs_free_blocks_count(fs->super) / 2)
		return JBD_ET_JOURNAL_TOO_BIG;
	return 0;
}

errcode_t jbd_mkjournal_internal(ext2_filsys fs, struct jbd_mkjournal *mk)
{
	blk_t blocks = mk->params.num_journal_blocks + mk->params.num_fc_blocks;
	errcode_t err = ext2fs_add_journal_inode3(fs, &mk->params, mk->goal, 0);

	if (err)
		return err;
	/*
	 * As tune2fs: the journal is overhead now (a count of 0 means
	 * "unknown": tune2fs 1.47.0 would make it the journal's length alone,
	 * which the kernel would then believe), and on an unmounted fs the
	 * group descriptors must go out too.
	 */
	if (fs->super->s_overhead_clusters)
		fs->super->s_overhead_clusters += EXT2FS_NUM_B2C(fs, blocks);
	ext2fs_mark_super_dirty(fs);
	fs->flags &= ~EXT2_FLAG_SUPER_ONLY;
	return jbd_journal_extent(fs, &mk->first_blk, &mk->nblocks);
}

errcode_t jbd_journal_extent(ext2_filsys fs, blk64_t *first, blk64_t *nblocks)
{
	struct ext2_inode inode;
	errcode_t err = ext2fs_read_inode(fs, EXT2_JOURNAL_INO, &inode);

	if (!err)
		err = ext2fs_bmap2(fs, EXT2_JOURNAL_INO, &inode, NULL, 0, 0,
				   NULL, first);
	if (!err)
		*nblocks = EXT2_I_SIZE(&inode) / fs->blocksize;
	return err;
}

bool jbd_inode_in_use(const struct ext2_inode *inode)
{
	return inode->i_mode || inode->i_links_count || inode->i_blocks ||
	       EXT2_I_SIZE(inode) || inode->i_block[0];
}

/* The groups a block walk touched, for recounting. */
struct walk {
	uint8_t *touched;	/* one byte per group */
	blk64_t blocks;		/* blocks visited */
	blk64_t unmarked;	/* of them, free in the bitmap */
	int mark;		/* +1 mark them, -1 unmark them, 0 look */
};

static int walk_block(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct walk *w = priv;
	blk64_t b = *blocknr;

	(void)blockcnt;
	(void)ref_blk;
	(void)ref_offset;
	if (b < fs->super->s_first_data_block ||
	    b >= ext2fs_blocks_count(fs->super))
		return BLOCK_ABORT;
	w->blocks++;
	w->touched[ext2fs_group_of_blk2(fs, b)] = 1;
	if (!ext2fs_test_block_bitmap2(fs->block_map, b))
		w->unmarked++;
	if (w->mark > 0)
		ext2fs_mark_block_bitmap2(fs->block_map, b);
	else if (w->mark < 0)
		ext2fs_unmark_block_bitmap2(fs->block_map, b);
	return 0;
}

static errcode_t walk_journal(ext2_filsys fs, int mark, struct walk *w)
{
	errcode_t err;

	memset(w, 0, sizeof(*w));
	w->mark = mark;
	err = ext2fs_get_memzero(fs->group_desc_count, &w->touched);
	if (!err)
		err = ext2fs_block_iterate3(fs, EXT2_JOURNAL_INO,
					    BLOCK_FLAG_READ_ONLY, NULL,
					    walk_block, w);
	if (err)
		ext2fs_free_mem(&w->touched);
	return err;
}

/*
 * After a cut, a group's descriptor may or may not have been written:
 * its free count is taken from its bitmap, which was (bitmaps are written
 * before descriptors).  On a consistent filesystem that is the count
 * tune2fs's arithmetic gives.
 */
static errcode_t recount(ext2_filsys fs, const struct walk *w, bool alloc)
{
	dgrp_t g;

	for (g = 0; g < fs->group_desc_count; g++) {
		blk64_t first = ext2fs_group_first_block2(fs, g);
		blk64_t last = ext2fs_group_last_block2(fs, g), used;
		errcode_t err;

		if (!w->touched[g])
			continue;
		err = ext2fs_count_used_clusters(fs, first, last, &used);
		if (err)
			return err;
		if (alloc)
			ext2fs_bg_flags_clear(fs, g, EXT2_BG_BLOCK_UNINIT);
		ext2fs_bg_free_blocks_count_set(fs, g,
				EXT2FS_NUM_B2C(fs, last - first + 1) - used);
		ext2fs_group_desc_csum_set(fs, g);
	}
	ext2fs_mark_bb_dirty(fs);
	ext2fs_mark_super_dirty(fs);
	fs->flags &= ~EXT2_FLAG_SUPER_ONLY;
	return 0;
}

/* Does inode 8 hold a journal this tool (or tune2fs) made? */
static errcode_t check_journal_inode(ext2_filsys fs, struct ext2_inode *inode)
{
	uint64_t size = EXT2_I_SIZE(inode);
	uint8_t *block;
	struct jbd_sb sb;
	blk64_t pblk;
	errcode_t err;

	if (!LINUX_S_ISREG(inode->i_mode) || !size || size % fs->blocksize)
		return JBD_ET_INODE_IN_USE;
	err = ext2fs_bmap2(fs, EXT2_JOURNAL_INO, inode, NULL, 0, 0, NULL, &pblk);
	if (err || !pblk)
		return JBD_ET_INODE_IN_USE;
	err = ext2fs_get_mem(fs->blocksize, &block);
	if (err)
		return err;
	err = io_channel_read_blk64(fs->io, pblk, 1, block);
	if (!err && (jbd_sb_decode(block, &sb) ||
		     sb.blocktype != JBD2_SUPERBLOCK_V2 ||
		     sb.blocksize != fs->blocksize ||
		     (uint64_t)sb.maxlen != size / fs->blocksize))
		err = JBD_ET_INODE_IN_USE;
	ext2fs_free_mem(&block);
	return err;
}

errcode_t jbd_mkjournal_adopt(ext2_filsys fs, struct jbd_mkjournal *mk,
			      bool sb_torn)
{
	bool has = ext2fs_has_feature_journal(fs->super);
	struct ext2_inode inode;
	struct walk w;
	errcode_t err;

	err = ext2fs_read_inode(fs, EXT2_JOURNAL_INO, &inode);
	if (!err)
		err = check_journal_inode(fs, &inode);
	if (!err)
		err = walk_journal(fs, +1, &w);
	if (err)
		return err;
	/*
	 * The primary superblock is written last: its count is the old one
	 * (its first sector, which has_journal is in: torn, it may be new).
	 */
	err = recount(fs, &w, true);
	ext2fs_free_mem(&w.touched);
	if (err)
		return err;
	if (!has)
		ext2fs_free_blocks_count_add(fs->super,
				-(blk64_t)EXT2FS_NUM_B2C(fs, w.blocks));
	/* What ext2fs_add_journal_inode3() sets in the superblock. */
	memcpy(fs->super->s_jnl_blocks, inode.i_block, EXT2_N_BLOCKS * 4);
	fs->super->s_jnl_blocks[15] = inode.i_size_high;
	fs->super->s_jnl_blocks[16] = inode.i_size;
	fs->super->s_jnl_backup_type = EXT3_JNL_BACKUP_BLOCKS;
	fs->super->s_journal_inum = EXT2_JOURNAL_INO;
	fs->super->s_journal_dev = 0;
	memset(fs->super->s_journal_uuid, 0, sizeof(fs->super->s_journal_uuid));
	ext2fs_set_feature_journal(fs->super);
	/* The second sector is the old one, unless torn with the first old. */
	if (fs->super->s_overhead_clusters && has == sb_torn)
		fs->super->s_overhead_clusters +=
			EXT2FS_NUM_B2C(fs, EXT2_I_SIZE(&inode) / fs->blocksize);
	mk->params.num_journal_blocks = EXT2_I_SIZE(&inode) / fs->blocksize;
	mk->params.num_fc_blocks = 0;
	return jbd_journal_extent(fs, &mk->first_blk, &mk->nblocks);
}

/* Free one block of the journal inode, as tune2fs's release_blocks_proc. */
static int release_block(ext2_filsys fs, blk64_t *blocknr,
			 e2_blkcnt_t blockcnt, blk64_t ref_blk, int ref_offset,
			 void *priv)
{
	blk64_t *freed = priv;
	dgrp_t group = ext2fs_group_of_blk2(fs, *blocknr);

	(void)blockcnt;
	(void)ref_blk;
	(void)ref_offset;
	ext2fs_unmark_block_bitmap2(fs->block_map, *blocknr);
	ext2fs_bg_free_blocks_count_set(fs, group,
			ext2fs_bg_free_blocks_count(fs, group) + 1);
	ext2fs_group_desc_csum_set(fs, group);
	ext2fs_free_blocks_count_add(fs->super, EXT2FS_CLUSTER_RATIO(fs));
	(*freed)++;
	return 0;
}

errcode_t jbd_remove_internal(ext2_filsys fs, blk64_t *ret_freed,
			      bool bitmap_csum_bad, bool sb_torn)
{
	bool has = ext2fs_has_feature_journal(fs->super);
	struct ext2_inode inode;
	blk64_t freed = 0, clusters;
	struct walk w;
	errcode_t err;

	err = ext2fs_read_inode(fs, EXT2_JOURNAL_INO, &inode);
	if (!err)
		err = walk_journal(fs, 0, &w);
	if (err)
		return err;
	clusters = EXT2FS_NUM_B2C(fs, EXT2_I_SIZE(&inode) / fs->blocksize);
	if (has && !w.unmarked && bitmap_csum_bad) {
		err = EXT2_ET_BLOCK_BITMAP_CSUM_INVALID;	/* not a cut */
	} else if (has && !w.unmarked && sb_torn) {
		err = EXT2_ET_SB_CSUM_INVALID;			/* not a cut */
	} else if (has && !w.unmarked) {
		/* Uninterrupted: tune2fs's arithmetic, block by block. */
		err = ext2fs_block_iterate3(fs, EXT2_JOURNAL_INO,
					    BLOCK_FLAG_READ_ONLY, NULL,
					    release_block, &freed);
		ext2fs_mark_bb_dirty(fs);
	} else {
		/*
		 * A cut remove (or create): some blocks are free already.
		 * With has_journal still set the primary superblock is the
		 * old one and gets the blocks back; without it, it is the
		 * new one (remove writes it before clearing the inode) or
		 * the one before an interrupted create: either way final.
		 */
		ext2fs_free_mem(&w.touched);
		err = walk_journal(fs, -1, &w);
		if (!err)
			err = recount(fs, &w, false);
		if (!err && has)
			ext2fs_free_blocks_count_add(fs->super,
					EXT2FS_NUM_B2C(fs, w.blocks));
		freed = w.blocks;
	}
	ext2fs_free_mem(&w.touched);
	if (err)
		return err;
	memset(&inode, 0, sizeof(inode));
	err = ext2fs_write_inode(fs, EXT2_JOURNAL_INO, &inode);
	if (err)
		return err;
	/*
	 * The journal's length is no longer overhead (as tune2fs), unless
	 * the second sector of the superblock, where that count is, is the
	 * new one: torn with has_journal (first sector) still set.
	 */
	if (has != sb_torn && fs->super->s_overhead_clusters >= clusters)
		fs->super->s_overhead_clusters -= clusters;
	if (has) {
		fs->super->s_journal_inum = 0;
		memset(fs->super->s_jnl_blocks, 0,
		       sizeof(fs->super->s_jnl_blocks));
		ext2fs_clear_feature_journal(fs->super);
		ext2fs_clear_feature_journal_needs_recovery(fs->super);
	}
	ext2fs_mark_super_dirty(fs);
	fs->flags &= ~EXT2_FLAG_SUPER_ONLY;
	*ret_freed = freed;
	return 0;
}

void jbd_detach_external(ext2_filsys fs)
{
	memset(fs->super->s_journal_uuid, 0, sizeof(fs->super->s_journal_uuid));
	fs->super->s_journal_dev = 0;
	ext2fs_clear_feature_journal(fs->super);
	ext2fs_clear_feature_journal_needs_recovery(fs->super);
	ext2fs_mark_super_dirty(fs);
}

errcode_t jbd_mkjournal_device(const char *path, unsigned int blocksize,
			       blk64_t *ret_blocks)
{
	struct ext2_super_block param = { 0 };
	struct ext2fs_journal_params p;
	ext2_filsys fs;
	blk64_t blocks;
	char *sb = NULL;
	errcode_t err;
	int log = 0;

	while ((1024U << log) < blocksize)
		log++;
	if ((1024U << log) != blocksize || blocksize > 65536)
		return EXT2_ET_INVALID_ARGUMENT;
	err = ext2fs_get_device_size2(path, blocksize, &blocks);
	if (err)
		return err;
	if (blocks < JBD2_MIN_JOURNAL_BLOCKS + 3)
		return JBD_ET_FS_TOO_SMALL;
	param.s_log_block_size = log;
	param.s_rev_level = EXT2_DYNAMIC_REV;
	ext2fs_blocks_count_set(&param, blocks);
	ext2fs_set_feature_journal_dev(&param);
	err = ext2fs_initialize(path, EXT2_FLAG_64BITS, &param, unix_io_manager,
				&fs);
	if (err)
		return err;
	uuid_generate(fs->super->s_uuid);
	fs->super->s_max_mnt_count = -1;	/* as mke2fs: no periodic check */
	/* ext2fs_initialize leaves the channel at 1 KiB blocks. */
	err = io_channel_set_blksize(fs->io, fs->blocksize);
	if (!err)
		err = ext2fs_get_journal_params(&p, fs);
	if (!err)
		err = ext2fs_create_journal_superblock2(fs, &p, 0, &sb);
	/* Old log blocks must not be mistaken for a log: zero the device. */
	if (!err)
		err = ext2fs_zero_blocks2(fs, 0, ext2fs_blocks_count(fs->super),
					  NULL, NULL);
	if (!err)
		err = io_channel_write_blk64(fs->io,
				ext2fs_journal_sb_start(fs->blocksize), 1, sb);
	ext2fs_free_mem(&sb);
	if (err) {
		ext2fs_free(fs);
		return err;
	}
	*ret_blocks = ext2fs_blocks_count(fs->super);
	return ext2fs_close_free(&fs);
}

errcode_t jbd_attach_external(ext2_filsys fs, ext2_filsys jdev, dev_t rdev)
{
	blk64_t start = ext2fs_journal_sb_start(jdev->blocksize);
	struct jbd_sb jsb;
	uint8_t *block;
	unsigned int i;
	errcode_t err;

	if (ext2fs_has_feature_journal(fs->super))
		return JBD_ET_HAS_JOURNAL;
	if (!ext2fs_has_feature_journal_dev(jdev->super))
		return JBD_ET_NOT_JOURNAL_DEV;
	if (jdev->blocksize != fs->blocksize)
		return JBD_ET_BAD_BLOCKSIZE;
	err = ext2fs_get_mem(jdev->blocksize, &block);
	if (err)
		return err;
	err = io_channel_read_blk64(jdev->io, start, 1, block);
	if (!err)
		err = jbd_sb_decode(block, &jsb);
	if (!err && jsb.blocktype != JBD2_SUPERBLOCK_V2)
		err = EXT2_ET_UNSUPP_FEATURE;
	for (i = 0; !err && i < jsb.nr_users && i < JBD2_USERS_MAX; i++)
		if (!memcmp(jsb.users[i], fs->super->s_uuid, 16))
			break;
	if (!err && i == jsb.nr_users) {	/* not yet a user */
		if (jsb.nr_users >= JBD2_USERS_MAX)
			err = JBD_ET_TOO_MANY_USERS;
		if (!err) {
			memcpy(jsb.users[jsb.nr_users++], fs->super->s_uuid, 16);
			jbd_sb_encode(&jsb, block);
			err = io_channel_write_blk64(jdev->io, start, 1, block);
		}
	}
	if (!err) {
		fs->super->s_journal_inum = 0;
		fs->super->s_journal_dev = rdev;
		memcpy(fs->super->s_journal_uuid, jsb.uuid, 16);
		memset(fs->super->s_jnl_blocks, 0, sizeof(fs->super->s_jnl_blocks));
		ext2fs_set_feature_journal(fs->super);
		ext2fs_mark_super_dirty(fs);
	}
	ext2fs_free_mem(&block);
	return err;
}

int jbd_parse_blocks(const char *arg, int log_block_size, blk64_t *ret)
{
	unsigned long long num;
	char *end;

	if (!arg || !*arg || *arg == '-')
		return -1;
	num = strtoull(arg, &end, 0);
	if (end[0] && end[1])
		return -1;
	switch (*end) {
	case 'T': case 't':
		num <<= 10;
		/* fall through */
	case 'G': case 'g':
		num <<= 10;
		/* fall through */
	case 'M': case 'm':
		num <<= 10;
		/* fall through */
	case 'K': case 'k':
		num >>= log_block_size;	/* KiB to blocks of 1 KiB << log */
		break;
	case 's':
		num >>= 1 + log_block_size;	/* 512-byte sectors */
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	*ret = num;
	return 0;
}

static int cmp_blk(const void *a, const void *b)
{
	blk64_t x = *(const blk64_t *)a, y = *(const blk64_t *)b;

	return x < y ? -1 : x > y;
}

/* Bitmap blocks of every group, sorted, for the staging plan. */
static errcode_t bitmap_blocks(ext2_filsys fs, blk64_t **ret, size_t *ret_n)
{
	size_t n = 0;
	blk64_t *b;
	dgrp_t g;
	errcode_t err = ext2fs_get_array(2 * (size_t)fs->group_desc_count,
					 sizeof(*b), &b);

	if (err)
		return err;
	for (g = 0; g < fs->group_desc_count; g++) {
		b[n++] = ext2fs_block_bitmap_loc(fs, g);
		b[n++] = ext2fs_inode_bitmap_loc(fs, g);
	}
	qsort(b, n, sizeof(*b), cmp_blk);
	*ret = b;
	*ret_n = n;
	return 0;
}

errcode_t jbd_change_open(const char *path, int flags, struct jbd_change *c)
{
	int fsflags = EXT2_FLAG_RW | EXT2_FLAG_64BITS | EXT2_FLAG_EXCLUSIVE;
	errcode_t err;

	memset(c, 0, sizeof(*c));
	jbd_stage_set_backing((flags & JBD_CHANGE_UNDO) ? undo_io_manager :
			      unix_io_manager, flags & JBD_CHANGE_DRY);
	err = ext2fs_open2(path, NULL, fsflags, 0, 0, jbd_stage_io_manager,
			   &c->fs);
	if (err == EXT2_ET_SB_CSUM_INVALID) {
		/* Perhaps torn by a cut: the caller decides (see mkjournal.h). */
		c->sb_torn = true;
		err = ext2fs_open2(path, NULL,
				   fsflags | EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0,
				   jbd_stage_io_manager, &c->fs);
		if (!err)
			c->fs->flags &= ~EXT2_FLAG_IGNORE_CSUM_ERRORS;
	}
	if (err)
		return err;
	/*
	 * As tune2fs: every superblock copy is written, not the primary only,
	 * and the superblocks only unless a change needs more.
	 */
	c->fs->flags &= ~EXT2_FLAG_MASTER_SB_ONLY;
	c->fs->flags |= EXT2_FLAG_SUPER_ONLY;
	if (ext2fs_has_feature_journal_dev(c->fs->super))
		return 0;
	err = ext2fs_read_bitmaps(c->fs);
	if (err == EXT2_ET_BLOCK_BITMAP_CSUM_INVALID ||
	    err == EXT2_ET_INODE_BITMAP_CSUM_INVALID) {
		/* A cut between a bitmap and its descriptor leaves this. */
		c->bitmap_csum_bad = true;
		c->fs->flags |= EXT2_FLAG_IGNORE_CSUM_ERRORS;
		err = ext2fs_read_bitmaps(c->fs);
		c->fs->flags &= ~EXT2_FLAG_IGNORE_CSUM_ERRORS;
	}
	if (err)
		return err;
	return bitmap_blocks(c->fs, &c->bitmaps, &c->plan.nbitmap);
}

errcode_t jbd_change_order(struct jbd_change *c, bool create)
{
	static const enum jbd_stage_class create_order[] = {
		JBD_STAGE_INODE, JBD_STAGE_BITMAP, JBD_STAGE_OTHER,
		JBD_STAGE_PRIMARY
	};
	static const enum jbd_stage_class remove_order[] = {
		JBD_STAGE_BITMAP, JBD_STAGE_OTHER, JBD_STAGE_PRIMARY,
		JBD_STAGE_INODE
	};
	ext2_filsys fs = c->fs;
	errcode_t err;

	c->plan.fs_blocksize = fs->blocksize;
	c->plan.first_data_blk = fs->super->s_first_data_block;
	c->plan.blocks_count = ext2fs_blocks_count(fs->super);
	memcpy(c->plan.order, create ? create_order : remove_order,
	       sizeof(c->plan.order));
	if (!ext2fs_has_feature_journal_dev(fs->super)) {
		c->plan.inode_blk = ext2fs_inode_table_loc(fs, 0) +
			(blk64_t)(EXT2_JOURNAL_INO - 1) *
			EXT2_INODE_SIZE(fs->super) / fs->blocksize;
		c->plan.bitmap_blks = c->bitmaps;
	}
	if (create && fs->block_map) {
		err = ext2fs_copy_bitmap(fs->block_map, &c->free_map);
		if (err)
			return err;
		c->plan.free_map = c->free_map;
	}
	jbd_stage_set_plan(fs->io, &c->plan);
	return 0;
}

errcode_t jbd_change_close(struct jbd_change *c)
{
	errcode_t err = 0;

	if (c->fs) {
		err = ext2fs_close_free(&c->fs);
		if (!err)
			err = jbd_stage_close_status();
	}
	if (c->free_map)
		ext2fs_free_block_bitmap(c->free_map);
	ext2fs_free_mem(&c->bitmaps);
	memset(c, 0, sizeof(*c));
	return err;
}

void jbd_change_abort(struct jbd_change *c)
{
	if (c->fs) {
		jbd_stage_drop(c->fs->io);
		c->fs->flags &= ~(EXT2_FLAG_DIRTY | EXT2_FLAG_RW);
	}
	jbd_change_close(c);
}
