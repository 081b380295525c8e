/*
 * decode-blocks.c: the blocks an inode refers to (its data, extent tree
 * and indirect blocks, its xattr block) as the log has them at one point,
 * for the check of a transaction's block bitmap against its logged
 * inodes (decode.c).  The tree blocks are read through the caller, which
 * knows which copy of a block (the log's or the disk's) holds at that
 * point.
 */
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "decode-int.h"

/* Enough for a few large files in one transaction; beyond, not checked. */
#define BLKSET_MAX (1U << 22)
#define MAX_TREE_LEVELS 6

void jbd_blkset_add(struct jbd_blkset *s, uint64_t start, uint64_t len)
{
	if (s->overflow || len > BLKSET_MAX || s->n + len > BLKSET_MAX) {
		s->overflow = true;
		return;
	}
	if (s->n + len > s->cap) {
		size_t cap = s->cap ? s->cap : 64;
		void *p;

		while (cap < s->n + len)
			cap *= 2;
		p = realloc(s->v, cap * sizeof(*s->v));
		if (!p) {
			s->overflow = true;
			return;
		}
		s->v = p;
		s->cap = cap;
	}
	while (len--)
		s->v[s->n++] = start++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void jbd_blkset_sort(struct jbd_blkset *s)
{
	size_t i, n = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
	for (i = 0; i < s->n; i++)
		if (!n || s->v[n - 1] != s->v[i])
			s->v[n++] = s->v[i];
	s->n = n;
}

bool jbd_blkset_has(const struct jbd_blkset *s, uint64_t b)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[lo] == b;
}

void jbd_blkset_free(struct jbd_blkset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

struct walk {
	const struct jbd_block_src *src;
	struct jbd_blkset *out;
	uint64_t nblocks;
};

static bool in_fs(const struct walk *w, uint64_t b, uint64_t len)
{
	return b >= w->src->fs->super->s_first_data_block && len <= w->nblocks &&
	       b <= w->nblocks - len;
}

static void walk_extents(struct walk *w, const uint8_t *node, size_t len,
			 int level)
{
	ext2_filsys fs = w->src->fs;
	struct jbd_ext_ent *ents;
	unsigned int depth;
	uint8_t *buf = NULL;
	size_t n, k;

	if (len < 12 || level >= MAX_TREE_LEVELS)
		return;
	ents = malloc((len - 12) / 12 * sizeof(*ents) + sizeof(*ents));
	if (!ents || !jbd_extent_node(node, len, ents, &n, &depth))
		n = 0;
	if (n && depth)
		buf = malloc(fs->blocksize);
	for (k = 0; k < n; k++) {
		if (!in_fs(w, ents[k].pblk, ents[k].len)) {
			continue;
		} else if (!depth) {
			jbd_blkset_add(w->out, ents[k].pblk, ents[k].len);
		} else {
			jbd_blkset_add(w->out, ents[k].pblk, 1);
			if (buf && w->src->read(w->src->ctx, ents[k].pblk, buf))
				walk_extents(w, buf, fs->blocksize, level + 1);
		}
	}
	free(buf);
	free(ents);
}

/* An indirect block at level (1 single, 2 double, 3 triple) and below. */
static void walk_indirect(struct walk *w, uint64_t blk, int level)
{
	ext2_filsys fs = w->src->fs;
	uint32_t per = fs->blocksize / 4, k;
	uint8_t *buf;

	if (!in_fs(w, blk, 1))
		return;
	jbd_blkset_add(w->out, blk, 1);
	buf = malloc(fs->blocksize);
	if (!buf || !w->src->read(w->src->ctx, blk, buf)) {
		free(buf);
		return;
	}
	for (k = 0; k < per; k++) {
		uint64_t child = ext2fs_le32_to_cpu(((const uint32_t *)buf)[k]);

		if (!child || !in_fs(w, child, 1))
			continue;
		if (level == 1)
			jbd_blkset_add(w->out, child, 1);
		else
			walk_indirect(w, child, level - 1);
	}
	free(buf);
}

void jbd_inode_blocks(const struct jbd_block_src *src, const uint8_t *raw,
		      struct jbd_blkset *out)
{
	ext2_filsys fs = src->fs;
	struct ext2_inode_large in;
	struct walk w = { .src = src, .out = out,
			  .nblocks = ext2fs_blocks_count(fs->super) };
	blk64_t acl;
	int k;

	jbd_inode_cpu(fs, raw, &in);
	acl = ext2fs_file_acl_block(fs, EXT2_INODE(&in));
	if (acl && in_fs(&w, acl, 1))
		jbd_blkset_add(out, acl, 1);
	if (!ext2fs_inode_has_valid_blocks2(fs, EXT2_INODE(&in)) ||
	    (in.i_flags & EXT4_INLINE_DATA_FL))
		return;
	if (in.i_flags & EXT4_EXTENTS_FL) {
		walk_extents(&w, (const uint8_t *)in.i_block, sizeof(in.i_block), 0);
		return;
	}
	for (k = 0; k < EXT2_NDIR_BLOCKS; k++)
		if (in.i_block[k] && in_fs(&w, in.i_block[k], 1))
			jbd_blkset_add(out, in.i_block[k], 1);
	for (k = 1; k <= 3; k++)
		if (in.i_block[EXT2_IND_BLOCK + k - 1])
			walk_indirect(&w, in.i_block[EXT2_IND_BLOCK + k - 1], k);
}
