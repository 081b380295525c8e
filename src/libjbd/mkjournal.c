/*
 * mkjournal.c: journal creation.  libext2fs does the real work (inode,
 * extents or indirect blocks, zeroing, the V2 superblock, the s_jnl_blocks
 * backup, has_journal); this file only sizes the journal the way tune2fs
 * does, so that jbdctl create and tune2fs -j make the same journal.
 */
#include <stdbool.h>
#include <stdlib.h>

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
