/*
 * mkjournal.c: journal creation.  libext2fs does the real work (inode,
 * extents or indirect blocks, zeroing, the V2 superblock, the s_jnl_blocks
 * backup, has_journal); this file only sizes the journal the way tune2fs
 * does, so that jbdctl create and tune2fs -j make the same journal.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "mkjournal.h"

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
