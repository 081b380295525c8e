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
	errcode_t err = ext2fs_add_journal_inode3(fs, &mk->params, mk->goal, 0);

	/* tune2fs: on an unmounted fs the group descriptors must go out too. */
	if (!err)
		fs->flags &= ~EXT2_FLAG_SUPER_ONLY;
	return err;
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

errcode_t jbd_remove_internal(ext2_filsys fs, blk64_t *ret_freed)
{
	ext2_ino_t ino = fs->super->s_journal_inum;
	struct ext2_inode inode;
	blk64_t freed = 0, clusters;
	errcode_t err;

	err = ext2fs_read_bitmaps(fs);
	if (!err)
		err = ext2fs_read_inode(fs, ino, &inode);
	if (err)
		return err;
	/* The journal's length no longer counts as overhead (as tune2fs). */
	clusters = EXT2FS_NUM_B2C(fs, EXT2_I_SIZE(&inode) / fs->blocksize);
	err = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, NULL,
				    release_block, &freed);
	if (err)
		return err;
	memset(&inode, 0, sizeof(inode));
	err = ext2fs_write_inode(fs, ino, &inode);
	if (err)
		return err;
	if (fs->super->s_overhead_clusters >= clusters)
		fs->super->s_overhead_clusters -= clusters;
	fs->super->s_journal_inum = 0;
	memset(fs->super->s_jnl_blocks, 0, sizeof(fs->super->s_jnl_blocks));
	ext2fs_clear_feature_journal(fs->super);
	ext2fs_clear_feature_journal_needs_recovery(fs->super);
	ext2fs_mark_super_dirty(fs);
	ext2fs_mark_bb_dirty(fs);
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
