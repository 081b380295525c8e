/*
 * decode.c: the role of each logged block and what each copy changes
 * (see decode.h), plus a summary per transaction with the
 * inconsistencies a journal writer must not produce.
 *
 * Roles come from the filesystem as replay will leave it, opened through
 * libext2fs over the recovery plan (overlay-io.c): superblock and group
 * descriptor copies, bitmaps and inode tables from its group
 * descriptors; the owner of other blocks from its inodes (and, for
 * blocks no inode owns after replay, from the inodes on disk).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "blkmap.h"
#include "decode-int.h"
#include "jbd2-format.h"
#include "overlay-io.h"
#include "recover.h"

struct meta_range {
	uint64_t start, len;
	enum jbd_role_kind kind;
	uint32_t group;
	bool backup;
	uint32_t gd_index;		/* GDT: index of the first block */
};

struct owner {
	uint64_t fsblk;
	struct jbd_role role;
	bool known;
};

struct tag_rec {
	uint64_t fsblk;
	uint32_t tid, jblk;
	bool escape;
};

/* A logged block mapped by a logged copy of an inode (tag seq, its tid). */
struct log_owner {
	uint64_t fsblk;
	size_t seq;
	uint32_t tid;
	struct jbd_role role;
};

struct revoke_rec {
	uint64_t fsblk;
	uint32_t tid;
};

struct tx_inode {
	ext2_ino_t ino;
	bool logged, created, deleted, in_use, is_dir;
	bool unlinked;			/* i_links_count fell to 0 */
	bool tree;			/* an extent tree or indirect block of
					   it is logged */
	bool bit_set, bit_cleared;
	int links_delta, entries_delta;
};

struct tx_group {
	uint32_t group;
	int64_t bits_blocks, bits_inodes;	/* set minus cleared */
	int64_t free_blocks, free_inodes;	/* gd counter change */
};

#define COPY_ESCAPE 0x1

struct jbd_decoder {
	struct jbd_journal *j;
	ext2_filsys fs;			/* after replay; NULL: bare journal */
	ext2_filsys overlay;		/* fs when opened through the plan */
	ext2_filsys view;		/* inode walks (jbd_inode_walk): the
					   overlay, or own_view */
	ext2_filsys own_view;		/* the disk through overlay-io, when
					   there is no overlay */
	struct jbd_recovery no_plan;	/* own_view's: empty */
	struct jbd_recovery plan;
	bool have_plan;
	struct meta_range *meta;
	size_t nmeta;
	struct owner *owners;		/* ascending fsblk */
	size_t nowners;
	struct tag_rec *tags;		/* every tag, in log order */
	size_t ntags, tag_cursor;
	size_t *byblk;			/* tag indexes by fsblk, then seq */
	uint64_t *logged;		/* their blocks, sorted, unique */
	size_t nlogged;
	struct log_owner *lowners;	/* by fsblk, then seq */
	size_t nlowners, caplowners;
	struct revoke_rec *revokes;	/* every revoke record, by fsblk */
	size_t nrevokes, caprevokes;
	struct jbd_blkmap copies;	/* fsblk -> last copy seen */
	uint8_t *cur_gd, *scratch_gd;	/* descriptors as of the transaction's end */
	uint8_t *prev_gd;		/* ... and as of its start */
	size_t gd_len;
	uint8_t *oldb, *newb, *tmp;
	struct ext2_inode_large *ibuf;
	bool bitmaps_tried, bitmaps_ok;
	size_t owner_seq;		/* tag of the inode copy giving the
					   current role, or SIZE_MAX */

	bool tx_open;
	bool tx_stale;			/* a first copy had no earlier state */
	bool disk_trusted;		/* the disk is the state before the log */
	size_t tx_first;		/* its first tag */
	uint32_t tx_tid;
	struct tx_inode *txi;
	size_t ntxi, captxi;
	struct tx_group *txg;
	size_t ntxg, captxg;
	struct jbd_blkset tx_bset, tx_bclr;	/* block bitmap bits set, cleared */
	struct jbd_decode_summary sum;
};

const char *jbd_role_kind_name(enum jbd_role_kind k)
{
	static const char *const names[] = {
		"unknown", "superblock", "group_descriptors", "reserved_gdt",
		"block_bitmap", "inode_bitmap", "inode_table", "directory",
		"extent_tree", "indirect", "xattr", "symlink", "data", "journal",
	};

	return (unsigned int)k < sizeof(names) / sizeof(names[0]) ?
	       names[k] : "unknown";
}

/* ---- metadata locations ---- */

static errcode_t add_meta(struct jbd_decoder *d, size_t *cap, uint64_t start,
			  uint64_t len, enum jbd_role_kind kind, uint32_t g,
			  bool backup, uint32_t gd_index)
{
	struct meta_range *m;

	if (!len || (!start && kind != JBD_ROLE_SUPERBLOCK))
		return 0;
	if (!jbd_dec_grow(&d->meta, cap, d->nmeta, sizeof(*d->meta)))
		return EXT2_ET_NO_MEMORY;
	m = &d->meta[d->nmeta++];
	m->start = start;
	m->len = len;
	m->kind = kind;
	m->group = g;
	m->backup = backup;
	m->gd_index = gd_index;
	return 0;
}

static int cmp_meta(const void *a, const void *b)
{
	const struct meta_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static errcode_t build_meta(struct jbd_decoder *d)
{
	ext2_filsys fs = d->fs;
	uint32_t dpb = EXT2_DESC_PER_BLOCK(fs->super);
	size_t cap = 0;
	errcode_t err = 0;
	dgrp_t g;

	/* The primary superblock is in block 0, or block 1 with 1k blocks. */
	for (g = 0; g < fs->group_desc_count && !err; g++) {
		blk64_t sb = 0, old_desc = 0, new_desc = 0;
		blk_t used = 0;
		uint64_t nold;

		ext2fs_super_and_bgd_loc2(fs, g, &sb, &old_desc, &new_desc, &used);
		if (ext2fs_bg_has_super(fs, g))
			err = add_meta(d, &cap, g ? sb : fs->super->s_first_data_block,
				       1, JBD_ROLE_SUPERBLOCK, g, g != 0, 0);
		if (!err && old_desc) {
			nold = ext2fs_has_feature_meta_bg(fs->super) ?
			       fs->super->s_first_meta_bg : fs->desc_blocks;
			if (nold > fs->desc_blocks)
				nold = fs->desc_blocks;
			err = add_meta(d, &cap, old_desc, nold,
				       JBD_ROLE_GROUP_DESCRIPTORS, g, g != 0, 0);
			if (!err)
				err = add_meta(d, &cap, old_desc + nold,
					       fs->super->s_reserved_gdt_blocks,
					       JBD_ROLE_RESERVED_GDT, g, g != 0, 0);
		}
		if (!err && new_desc)
			err = add_meta(d, &cap, new_desc, 1, JBD_ROLE_GROUP_DESCRIPTORS,
				       g, g % dpb != 0, g / dpb);
		if (!err)
			err = add_meta(d, &cap, ext2fs_block_bitmap_loc(fs, g), 1,
				       JBD_ROLE_BLOCK_BITMAP, g, false, 0);
		if (!err)
			err = add_meta(d, &cap, ext2fs_inode_bitmap_loc(fs, g), 1,
				       JBD_ROLE_INODE_BITMAP, g, false, 0);
		if (!err)
			err = add_meta(d, &cap, ext2fs_inode_table_loc(fs, g),
				       fs->inode_blocks_per_group,
				       JBD_ROLE_INODE_TABLE, g, false, 0);
	}
	if (!err && d->nmeta)
		qsort(d->meta, d->nmeta, sizeof(*d->meta), cmp_meta);
	return err;
}

static const struct meta_range *find_meta(const struct jbd_decoder *d,
					  uint64_t fsblk)
{
	size_t lo = 0, hi = d->nmeta;

	while (lo < hi) {	/* first range starting after fsblk */
		size_t mid = lo + (hi - lo) / 2;

		if (d->meta[mid].start <= fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0) {
		const struct meta_range *m = &d->meta[lo];

		if (fsblk < m->start + m->len)
			return m;
		if (fsblk - m->start > 1024 * 1024)	/* no longer range */
			break;
	}
	return NULL;
}

/* ---- owners of logged blocks ---- */

static size_t owner_lower(const struct jbd_decoder *d, uint64_t fsblk)
{
	size_t lo = 0, hi = d->nowners;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->owners[mid].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct owner_scan {
	struct jbd_decoder *d;
	ext2_ino_t ino;
	enum jbd_role_kind kind;
	size_t unowned;
};

/* Blocks [pblk, pblk+len) are kind of s->ino, logical from lblk (or -1). */
static void mark(struct owner_scan *s, uint64_t pblk, uint64_t len,
		 enum jbd_role_kind kind, int64_t lblk, int depth)
{
	struct jbd_decoder *d = s->d;
	size_t i;

	for (i = owner_lower(d, pblk); i < d->nowners &&
	     d->owners[i].fsblk < pblk + len; i++) {
		struct owner *o = &d->owners[i];

		if (o->known)
			continue;
		o->known = true;
		o->role.kind = kind;
		o->role.inode = s->ino;
		o->role.depth = depth;
		if (lblk >= 0) {
			o->role.has_logical = true;
			o->role.logical = (uint64_t)lblk + (o->fsblk - pblk);
		}
		s->unowned--;
	}
}

static errcode_t scan_mapped(void *priv, enum jbd_map_kind kind, uint64_t pblk,
			     uint64_t len, int64_t lblk, int depth)
{
	struct owner_scan *s = priv;

	mark(s, pblk, len, kind == JBD_MAP_XATTR ? JBD_ROLE_XATTR :
	     kind == JBD_MAP_EXTENT_TREE ? JBD_ROLE_EXTENT_TREE :
	     kind == JBD_MAP_INDIRECT ? JBD_ROLE_INDIRECT : s->kind,
	     lblk, depth);
	return s->unowned ? 0 : EXT2_ET_CANCEL_REQUESTED;	/* all found */
}

static void scan_inodes(struct jbd_decoder *d, ext2_filsys fs, size_t *unowned)
{
	unsigned int isize = EXT2_INODE_SIZE(fs->super);
	struct owner_scan s = { .d = d, .unowned = *unowned };
	ext2_inode_scan scan;
	struct ext2_inode *inode;
	struct ext2_inode_large large;
	ext2_ino_t ino;
	errcode_t err;

	inode = calloc(1, isize < sizeof(struct ext2_inode_large) ?
		       sizeof(struct ext2_inode_large) : isize);
	if (!inode || ext2fs_open_inode_scan(fs, 0, &scan)) {
		free(inode);
		return;
	}
	ext2fs_inode_scan_flags(scan, EXT2_SF_SKIP_MISSING_ITABLE, 0);
	while (s.unowned) {
		err = ext2fs_get_next_inode_full(scan, &ino, inode, (int)isize);
		if (err == EXT2_ET_BAD_BLOCK_IN_INODE_TABLE)
			continue;
		if (err || !ino)
			break;
		if (!inode->i_links_count && (!inode->i_mode || inode->i_dtime))
			continue;
		if (d->j->source == JBD_SRC_INTERNAL && ino == d->j->ino)
			continue;
		s.ino = ino;
		s.kind = LINUX_S_ISDIR(inode->i_mode) ? JBD_ROLE_DIRECTORY :
			 LINUX_S_ISLNK(inode->i_mode) ? JBD_ROLE_SYMLINK :
			 JBD_ROLE_DATA;
		memset(&large, 0, sizeof(large));
		memcpy(&large, inode, isize < sizeof(large) ? isize : sizeof(large));
		/* The tree blocks as fs reads them (no view). */
		jbd_inode_walk(fs, NULL, NULL, ino, &large, scan_mapped, &s);
	}
	ext2fs_close_inode_scan(scan);
	free(inode);
	*unowned = s.unowned;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One pass over the log: every tag, for owners and the GDs of a tx. */
static errcode_t collect_tags(struct jbd_decoder *d, bool whole_area)
{
	struct jbd_walk_opts opts = { .flags = whole_area ? JBD_WALK_ALL : 0 };
	struct jbd_walk *w;
	struct jbd_event ev;
	size_t cap = 0;
	errcode_t err;

	err = jbd_walk_begin(d->j, &opts, &w);
	if (err)
		return err;
	do {
		err = jbd_walk_next(w, &ev);
		if (err)
			break;
		if (ev.type == JBD_EV_REVOKE) {
			if (!jbd_dec_grow(&d->revokes, &d->caprevokes,
					  d->nrevokes, sizeof(*d->revokes))) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			d->revokes[d->nrevokes].fsblk = ev.fsblk;
			d->revokes[d->nrevokes++].tid = ev.tid;
		}
		if (ev.type == JBD_EV_REVOKE_BLOCK && ev.r_count_bad)
			break;		/* where logdump stops */
		if (ev.type != JBD_EV_TAG)
			continue;
		if (d->ntags == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(d->tags, ncap * sizeof(*d->tags));

			if (!p) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			d->tags = p;
			cap = ncap;
		}
		d->tags[d->ntags].fsblk = ev.fsblk;
		d->tags[d->ntags].tid = ev.tid;
		d->tags[d->ntags].jblk = ev.jblk;
		d->tags[d->ntags].escape = ev.flags & JBD2_FLAG_ESCAPE;
		d->ntags++;
	} while (ev.type != JBD_EV_END);
	jbd_walk_end(w);
	return err;
}

static bool is_logged(const struct jbd_decoder *d, uint64_t fsblk, size_t *at)
{
	size_t lo = 0, hi = d->nlogged;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->logged[mid] < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < d->nlogged && d->logged[lo] == fsblk;
}

static errcode_t add_log_owner(struct jbd_decoder *d, uint64_t fsblk,
			       size_t seq, const struct jbd_role *r)
{
	if (!jbd_dec_grow(&d->lowners, &d->caplowners, d->nlowners,
			  sizeof(*d->lowners)))
		return EXT2_ET_NO_MEMORY;
	d->lowners[d->nlowners].fsblk = fsblk;
	d->lowners[d->nlowners].seq = seq;
	d->lowners[d->nlowners].tid = d->tags[seq].tid;
	d->lowners[d->nlowners].role = *r;
	d->nlowners++;
	return 0;
}

/* The logged blocks in [pblk, pblk+len) are r's, from logical lblk (or -1). */
static errcode_t log_map(struct jbd_decoder *d, size_t seq, uint64_t pblk,
			 uint64_t len, const struct jbd_role *r, int64_t lblk)
{
	size_t i;
	errcode_t err = 0;

	is_logged(d, pblk, &i);
	for (; i < d->nlogged && d->logged[i] < pblk + len && !err; i++) {
		struct jbd_role x = *r;

		if (lblk >= 0) {
			x.has_logical = true;
			x.logical = (uint64_t)lblk + (d->logged[i] - pblk);
		}
		err = add_log_owner(d, d->logged[i], seq, &x);
	}
	return err;
}

/* The first of the tags by block (byblk) with a block >= fsblk. */
static size_t byblk_lower(const struct jbd_decoder *d, uint64_t fsblk)
{
	size_t lo = 0, hi = d->ntags;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->tags[d->byblk[mid]].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first revoke record (by block) with a block >= fsblk. */
static size_t revoke_lower(const struct jbd_decoder *d, uint64_t fsblk)
{
	size_t lo = 0, hi = d->nrevokes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->revokes[mid].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The copy of fsblk that an inode copy at tag seq sees: the last one in
 * its transaction or before it.  SIZE_MAX if none.
 */
static size_t visible_copy(const struct jbd_decoder *d, uint64_t fsblk,
			   size_t seq)
{
	size_t lo = byblk_lower(d, fsblk), best = SIZE_MAX;

	for (; lo < d->ntags && d->tags[d->byblk[lo]].fsblk == fsblk; lo++) {
		size_t k = d->byblk[lo];

		if (k < seq || d->tags[k].tid == d->tags[seq].tid)
			best = k;
	}
	return best;
}

/* Read the copy at tag k into buf (a block); false on failure. */
static bool read_copy(struct jbd_decoder *d, size_t k, uint8_t *buf)
{
	if (jbd_read_blocks(d->j, d->tags[k].jblk, 1, buf))
		return false;
	if (d->tags[k].escape)
		put_be32(buf, JBD2_MAGIC_NUMBER);
	return true;
}

/* Tree blocks as an inode copy at tag seq sees them: its visible copies. */
struct log_walk {
	struct jbd_decoder *d;
	size_t seq;
	struct jbd_role r;		/* the role of its data blocks */
};

static bool log_view(void *ctx, uint64_t fsblk, uint8_t *buf)
{
	struct log_walk *lw = ctx;
	size_t c = visible_copy(lw->d, fsblk, lw->seq);

	return c != SIZE_MAX && read_copy(lw->d, c, buf);
}

static errcode_t log_mapped(void *priv, enum jbd_map_kind kind, uint64_t pblk,
			    uint64_t len, int64_t lblk, int depth)
{
	struct log_walk *lw = priv;
	struct jbd_role t = lw->r;

	if (kind == JBD_MAP_XATTR) {
		t.kind = JBD_ROLE_XATTR;
	} else if (kind == JBD_MAP_EXTENT_TREE) {
		t.kind = JBD_ROLE_EXTENT_TREE;
		t.depth = depth;
	} else if (kind == JBD_MAP_INDIRECT) {
		t.kind = JBD_ROLE_INDIRECT;
	}
	return log_map(lw->d, lw->seq, pblk, len, &t, lblk);
}

/*
 * What a logged copy of an inode maps, through the log's copies: a tree
 * block the log does not have at that point maps nothing.
 */
static errcode_t log_inode(struct jbd_decoder *d, size_t seq, ext2_ino_t ino,
			   const uint8_t *raw)
{
	struct ext2_inode_large in;
	struct log_walk lw = { .d = d, .seq = seq,
			       .r = { .inode = ino, .depth = -1 } };

	if (!d->view || !jbd_raw_inode_in_use(raw) ||
	    (d->j->source == JBD_SRC_INTERNAL && ino == d->j->ino))
		return 0;
	jbd_inode_cpu(d->fs, raw, &in);
	lw.r.kind = LINUX_S_ISDIR(in.i_mode) ? JBD_ROLE_DIRECTORY :
		    LINUX_S_ISLNK(in.i_mode) ? JBD_ROLE_SYMLINK : JBD_ROLE_DATA;
	return jbd_inode_walk(d->view, log_view, &lw, ino, &in, log_mapped, &lw);
}

static int cmp_lowner(const void *a, const void *b)
{
	const struct log_owner *x = a, *y = b;

	if (x->fsblk != y->fsblk)
		return x->fsblk < y->fsblk ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_revoke(const void *a, const void *b)
{
	const struct revoke_rec *x = a, *y = b;

	return x->fsblk < y->fsblk ? -1 : x->fsblk > y->fsblk;
}

/* Owners of logged blocks by the logged inode table copies. */
static errcode_t find_log_owners(struct jbd_decoder *d)
{
	unsigned int isize = EXT2_INODE_SIZE(d->fs->super);
	size_t i;
	errcode_t err = 0;

	for (i = 0; i < d->ntags && !err; i++) {
		const struct meta_range *m = find_meta(d, d->tags[i].fsblk);
		ext2_ino_t first;
		unsigned int k;

		if (!m || m->kind != JBD_ROLE_INODE_TABLE)
			continue;
		err = jbd_read_blocks(d->j, d->tags[i].jblk, 1, d->tmp);
		if (err)
			break;
		if (d->tags[i].escape)
			put_be32(d->tmp, JBD2_MAGIC_NUMBER);
		first = m->group * d->fs->super->s_inodes_per_group +
			(ext2_ino_t)(d->tags[i].fsblk - m->start) *
			(d->fs->blocksize / isize) + 1;
		for (k = 0; k * isize < d->fs->blocksize && !err; k++)
			err = log_inode(d, i, first + k, d->tmp + k * isize);
	}
	if (!err && d->nlowners)
		qsort(d->lowners, d->nlowners, sizeof(*d->lowners), cmp_lowner);
	if (!err && d->nrevokes)
		qsort(d->revokes, d->nrevokes, sizeof(*d->revokes), cmp_revoke);
	return err;
}

static const struct tag_rec *sort_tags;

static int cmp_byblk(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (sort_tags[x].fsblk != sort_tags[y].fsblk)
		return sort_tags[x].fsblk < sort_tags[y].fsblk ? -1 : 1;
	return x < y ? -1 : x > y;
}

static errcode_t index_tags(struct jbd_decoder *d)
{
	size_t i;

	d->byblk = malloc(d->ntags * sizeof(*d->byblk));
	if (!d->byblk)
		return EXT2_ET_NO_MEMORY;
	for (i = 0; i < d->ntags; i++)
		d->byblk[i] = i;
	sort_tags = d->tags;
	qsort(d->byblk, d->ntags, sizeof(*d->byblk), cmp_byblk);
	sort_tags = NULL;
	return 0;
}

/*
 * Does the disk already hold one of the logged copies of fsblk (d->oldb)?
 * Then it was written home before the crash and shows no earlier state.
 */
static bool disk_is_a_copy(struct jbd_decoder *d, uint64_t fsblk)
{
	size_t lo = byblk_lower(d, fsblk);

	for (; lo < d->ntags && d->tags[d->byblk[lo]].fsblk == fsblk; lo++) {
		const struct tag_rec *t = &d->tags[d->byblk[lo]];

		if (jbd_read_blocks(d->j, t->jblk, 1, d->tmp))
			return false;
		if (t->escape)
			put_be32(d->tmp, JBD2_MAGIC_NUMBER);
		if (!memcmp(d->tmp, d->oldb, d->fs->blocksize))
			return true;
	}
	return false;
}

static errcode_t find_owners(struct jbd_decoder *d)
{
	size_t i, n = 0, unowned;
	errcode_t err;

	if (!d->ntags)
		return 0;
	err = index_tags(d);
	if (err)
		return err;
	d->logged = malloc(d->ntags * sizeof(*d->logged));
	d->owners = calloc(d->ntags, sizeof(*d->owners));
	if (!d->logged || !d->owners)
		return EXT2_ET_NO_MEMORY;
	for (i = 0; i < d->ntags; i++)
		d->logged[i] = d->tags[i].fsblk;
	qsort(d->logged, d->ntags, sizeof(*d->logged), cmp_u64);
	for (i = 0; i < d->ntags; i++)
		if (!d->nlogged || d->logged[d->nlogged - 1] != d->logged[i])
			d->logged[d->nlogged++] = d->logged[i];
	for (i = 0; i < d->nlogged; i++) {
		if (find_meta(d, d->logged[i]) ||
		    jbd_journal_owns_fsblk(d->j, d->logged[i]))
			continue;	/* their role is known without owners */
		d->owners[n].fsblk = d->logged[i];
		d->owners[n].role.depth = -1;
		n++;
	}
	err = find_log_owners(d);
	if (err)
		return err;
	d->nowners = unowned = n;
	if (unowned)
		scan_inodes(d, d->fs, &unowned);
	if (unowned && d->fs != d->j->fs)
		scan_inodes(d, d->j->fs, &unowned);
	return 0;
}

/* ---- roles ---- */

/*
 * The owner of fsblk at tag seq by the logged inodes: the latest copy of
 * an inode mapping it, in this transaction or before.  NULL if none.
 */
static const struct log_owner *log_owner(const struct jbd_decoder *d,
					 uint64_t fsblk, size_t seq)
{
	const struct log_owner *best = NULL;
	size_t lo = 0, hi = d->nlowners;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->lowners[mid].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->nlowners && d->lowners[lo].fsblk == fsblk; lo++)
		if (d->lowners[lo].seq < seq ||
		    d->lowners[lo].tid == d->tags[seq].tid)
			best = &d->lowners[lo];
	return best;
}

/* Is fsblk revoked after transaction tid (freed, maybe reused, later)? */
static bool revoked_after(const struct jbd_decoder *d, uint64_t fsblk,
			  uint32_t tid)
{
	size_t lo = revoke_lower(d, fsblk);

	for (; lo < d->nrevokes && d->revokes[lo].fsblk == fsblk; lo++)
		if (tid_gt(d->revokes[lo].tid, tid))
			return true;
	return false;
}

/* Was fsblk revoked (freed) after transaction from, up to transaction to? */
static bool revoked_between(const struct jbd_decoder *d, uint64_t fsblk,
			    uint32_t from, uint32_t to)
{
	size_t lo = revoke_lower(d, fsblk);

	for (; lo < d->nrevokes && d->revokes[lo].fsblk == fsblk; lo++)
		if (tid_gt(d->revokes[lo].tid, from) &&
		    tid_geq(to, d->revokes[lo].tid))
			return true;
	return false;
}

static void role_of(struct jbd_decoder *d, uint64_t fsblk, size_t seq,
		    struct jbd_role *r)
{
	const struct log_owner *lr;

	const struct meta_range *m;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->depth = -1;
	d->owner_seq = SIZE_MAX;
	if (!d->fs)
		return;
	if (jbd_journal_owns_fsblk(d->j, fsblk)) {
		r->kind = JBD_ROLE_JOURNAL;
		r->inode = d->j->source == JBD_SRC_INTERNAL ? d->j->ino : 0;
		return;
	}
	m = find_meta(d, fsblk);
	if (m) {
		ext2_filsys fs = d->fs;
		uint32_t dpb = EXT2_DESC_PER_BLOCK(fs->super);
		uint32_t ipb = fs->blocksize / EXT2_INODE_SIZE(fs->super);

		r->kind = m->kind;
		r->has_group = true;
		r->group = m->group;
		r->backup = m->backup;
		if (m->kind == JBD_ROLE_GROUP_DESCRIPTORS) {
			uint64_t idx = m->gd_index + (fsblk - m->start);

			r->first_group = (uint32_t)(idx * dpb);
			r->last_group = (uint32_t)(idx * dpb + dpb - 1);
			if (r->last_group >= fs->group_desc_count)
				r->last_group = fs->group_desc_count - 1;
		} else if (m->kind == JBD_ROLE_INODE_TABLE) {
			r->first_inode = m->group * fs->super->s_inodes_per_group +
					 (ext2_ino_t)(fsblk - m->start) * ipb + 1;
			r->last_inode = r->first_inode + ipb - 1;
		}
		return;
	}
	if (seq < d->ntags && d->tags[seq].fsblk == fsblk) {
		lr = log_owner(d, fsblk, seq);
		if (lr) {
			*r = lr->role;
			d->owner_seq = lr->seq;
			return;
		}
		if (revoked_after(d, fsblk, d->tags[seq].tid))
			return;		/* freed later: not its final owner's */
	}
	i = owner_lower(d, fsblk);
	if (i < d->nowners && d->owners[i].fsblk == fsblk && d->owners[i].known)
		*r = d->owners[i].role;
}

/* ---- open / close ---- */

errcode_t jbd_decode_open(struct jbd_journal *j, bool whole_area,
			  struct jbd_decoder **ret)
{
	struct jbd_decoder *d = calloc(1, sizeof(*d));
	errcode_t err;

	if (!d)
		return EXT2_ET_NO_MEMORY;
	d->j = j;
	jbd_blkmap_init(&d->copies);
	*ret = d;
	if (!j->fs)
		return 0;
	d->oldb = malloc(j->blocksize);
	d->newb = malloc(j->blocksize);
	d->tmp = malloc(j->blocksize);
	if (!d->oldb || !d->newb || !d->tmp)
		goto nomem;
	if (!jbd_recover_plan(j, &d->plan)) {
		d->have_plan = true;
		if (!jbd_overlay_open(j, &d->plan, &d->overlay))
			d->fs = d->overlay;
	}
	if (!d->fs)
		d->fs = j->fs;
	d->view = d->overlay;
	if (!d->view && !jbd_overlay_open(j, &d->no_plan, &d->own_view))
		d->view = d->own_view;
	d->ibuf = calloc(1, EXT2_INODE_SIZE(d->fs->super) +
			 sizeof(struct ext2_inode_large));
	d->gd_len = (size_t)d->fs->desc_blocks * d->fs->blocksize;
	d->cur_gd = calloc(1, d->gd_len);
	d->scratch_gd = calloc(1, d->gd_len);
	d->prev_gd = calloc(1, d->gd_len);
	if (!d->ibuf || !d->cur_gd || !d->scratch_gd || !d->prev_gd)
		goto nomem;
	/* Descriptors as on disk, in memory order, as libext2fs holds them. */
	memcpy(d->cur_gd, j->fs->group_desc,
	       (size_t)j->fs->desc_blocks * j->fs->blocksize < d->gd_len ?
	       (size_t)j->fs->desc_blocks * j->fs->blocksize : d->gd_len);
	err = build_meta(d);
	if (!err)
		err = collect_tags(d, whole_area);
	if (!err)
		err = find_owners(d);
	/*
	 * The kernel drops a checkpointed transaction from the log while the
	 * blocks it changed may still be logged by later ones: the first
	 * copy of a block can then hold changes of a transaction that is
	 * gone.  Only a log that begins with the journal's first transaction
	 * (tid 1) has the disk as the state before every first copy.
	 */
	d->disk_trusted = !whole_area && d->ntags && d->tags[0].tid == 1;
	if (err) {
		jbd_decode_close(d);
		*ret = NULL;
	}
	return err;
nomem:
	jbd_decode_close(d);
	*ret = NULL;
	return EXT2_ET_NO_MEMORY;
}

static void tx_reset(struct jbd_decoder *d)
{
	jbd_decode_summary_free(&d->sum);
	jbd_blkset_free(&d->tx_bset);
	jbd_blkset_free(&d->tx_bclr);
	d->ntxi = d->ntxg = 0;
	d->tx_open = false;
}

void jbd_decode_close(struct jbd_decoder *d)
{
	if (!d)
		return;
	tx_reset(d);
	if (d->overlay)
		jbd_overlay_close(d->overlay);
	if (d->own_view)
		jbd_overlay_close(d->own_view);
	if (d->have_plan)
		jbd_recovery_free(&d->plan);
	jbd_blkmap_free(&d->copies);
	free(d->meta);
	free(d->owners);
	free(d->tags);
	free(d->logged);
	free(d->byblk);
	free(d->lowners);
	free(d->revokes);
	free(d->cur_gd);
	free(d->scratch_gd);
	free(d->prev_gd);
	free(d->oldb);
	free(d->newb);
	free(d->tmp);
	free(d->ibuf);
	free(d->txi);
	free(d->txg);
	free(d);
}

void jbd_decoded_free(struct jbd_decoded *dec)
{
	size_t i;

	/*
	 * Most changes (fields, byte ranges) own nothing: free() only what
	 * they hold (under ASan each free(), even of NULL, records a stack).
	 */
	for (i = 0; i < dec->nchanges; i++) {
		struct jbd_field_change *c = &dec->changes[i];
		void *owned[] = { c->old_text, c->new_text, c->name,
				  c->old_name, c->set, c->cleared };
		size_t k;

		for (k = 0; k < sizeof(owned) / sizeof(owned[0]); k++)
			if (owned[k])
				free(owned[k]);
	}
	free(dec->changes);
	free(dec->csum_failures);
	memset(dec, 0, sizeof(*dec));
}

void jbd_decode_summary_free(struct jbd_decode_summary *s)
{
	free(s->problems);
	memset(s, 0, sizeof(*s));
}

/* ---- per-transaction bookkeeping ---- */

static struct tx_inode *tx_inode(struct jbd_decoder *d, ext2_ino_t ino)
{
	size_t i;

	for (i = 0; i < d->ntxi; i++)
		if (d->txi[i].ino == ino)
			return &d->txi[i];
	if (!jbd_dec_grow(&d->txi, &d->captxi, d->ntxi, sizeof(*d->txi)))
		return NULL;
	memset(&d->txi[d->ntxi], 0, sizeof(d->txi[0]));
	d->txi[d->ntxi].ino = ino;
	return &d->txi[d->ntxi++];
}

static struct tx_group *tx_group(struct jbd_decoder *d, uint32_t g)
{
	size_t i;

	for (i = 0; i < d->ntxg; i++)
		if (d->txg[i].group == g)
			return &d->txg[i];
	if (!jbd_dec_grow(&d->txg, &d->captxg, d->ntxg, sizeof(*d->txg)))
		return NULL;
	memset(&d->txg[d->ntxg], 0, sizeof(d->txg[0]));
	d->txg[d->ntxg].group = g;
	return &d->txg[d->ntxg++];
}

static void problem(struct jbd_decoder *d, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct jbd_decoder *d, const char *kind, const char *fmt, ...)
{
	va_list ap;

	struct jbd_decode_summary *s = &d->sum;

	if (!jbd_dec_grow(&s->problems, &s->cap, s->nproblems,
			  sizeof(*s->problems)))
		return;
	s->problems[s->nproblems].kind = kind;
	va_start(ap, fmt);
	vsnprintf(s->problems[s->nproblems].message,
		  sizeof(s->problems[0].message), fmt, ap);
	va_end(ap);
	s->nproblems++;
}

/* Bring cur_gd to the end of transaction tid: apply its descriptor copies. */
static errcode_t tx_begin(struct jbd_decoder *d, uint32_t tid)
{
	size_t i;

	d->tx_open = true;
	d->tx_stale = false;
	d->tx_tid = tid;
	d->tx_first = d->tag_cursor;
	memcpy(d->prev_gd, d->cur_gd, d->gd_len);
	memset(&d->sum, 0, sizeof(d->sum));
	d->sum.tid = tid;
	for (i = d->tag_cursor; i < d->ntags && d->tags[i].tid == tid; i++) {
		const struct meta_range *m = find_meta(d, d->tags[i].fsblk);
		uint64_t off;
		errcode_t err;

		if (!m || m->kind != JBD_ROLE_GROUP_DESCRIPTORS || m->backup)
			continue;
		off = (m->gd_index + (d->tags[i].fsblk - m->start)) *
		      (uint64_t)d->fs->blocksize;
		if (off + d->fs->blocksize > d->gd_len)
			continue;
		err = jbd_read_blocks(d->j, d->tags[i].jblk, 1, d->tmp);
		if (err)
			return err;
		if (d->tags[i].escape)
			put_be32(d->tmp, JBD2_MAGIC_NUMBER);
		memcpy(d->cur_gd + off, d->tmp, d->fs->blocksize);
#ifdef WORDS_BIGENDIAN
		{
			uint32_t k, dsz = EXT2_DESC_SIZE(d->fs->super);

			for (k = 0; k < d->fs->blocksize / dsz; k++)
				ext2fs_swap_group_desc2(d->fs, (void *)
					(d->cur_gd + off + k * dsz));
		}
#endif
	}
	return 0;
}

/*
 * Block fsblk as it stands before the tag at index limit (after, when
 * after is set: at the end of that tag's transaction): its latest copy in
 * the log, or the disk.  False if it cannot be read.
 */
static bool block_state(struct jbd_decoder *d, uint64_t fsblk, size_t limit,
			bool after, uint8_t *buf)
{
	size_t lo = byblk_lower(d, fsblk), best = SIZE_MAX;

	for (; lo < d->ntags && d->tags[d->byblk[lo]].fsblk == fsblk; lo++) {
		size_t k = d->byblk[lo];

		if (k < limit || (after && d->tags[k].tid == d->tags[limit].tid))
			best = k;
	}
	if (best != SIZE_MAX)
		return read_copy(d, best, buf);
	return !io_channel_read_blk64(d->j->fs->io, fsblk, 1, buf);
}

static uint64_t zero_bits(const uint8_t *buf, uint32_t nbits)
{
	uint64_t n = 0;
	uint32_t bit;

	for (bit = 0; bit < nbits; bit++)
		if (!ext2fs_test_bit(bit, buf))
			n++;
	return n;
}

/*
 * Group g before (gd = prev_gd) or after (cur_gd) the transaction: do
 * its free counters match its bitmaps?  -1 when it cannot be told
 * (uninitialised bitmaps, an unreadable block).
 */
static int group_consistent(struct jbd_decoder *d, dgrp_t g, bool after,
			    uint64_t *free_b, uint64_t *bits_b,
			    uint64_t *free_i, uint64_t *bits_i)
{
	ext2_filsys fs = d->fs;
	struct opaque_ext2_group_desc *saved = fs->group_desc;
	uint32_t nb = (uint32_t)ext2fs_group_blocks_count(fs, g);
	uint32_t ni = fs->super->s_inodes_per_group;
	blk64_t bb, ib;
	bool uninit;

	if ((uint64_t)(g + 1) * EXT2_DESC_SIZE(fs->super) > d->gd_len ||
	    nb > fs->blocksize * 8 || ni > fs->blocksize * 8 ||
	    EXT2FS_CLUSTER_RATIO(fs) != 1)
		return -1;
	fs->group_desc = (void *)(after ? d->cur_gd : d->prev_gd);
	*free_b = ext2fs_bg_free_blocks_count(fs, g);
	*free_i = ext2fs_bg_free_inodes_count(fs, g);
	uninit = ext2fs_bg_flags_test(fs, g, EXT2_BG_BLOCK_UNINIT) ||
		 ext2fs_bg_flags_test(fs, g, EXT2_BG_INODE_UNINIT);
	bb = ext2fs_block_bitmap_loc(fs, g);
	ib = ext2fs_inode_bitmap_loc(fs, g);
	fs->group_desc = saved;
	if (uninit || !block_state(d, bb, d->tx_first, after, d->tmp))
		return -1;
	*bits_b = zero_bits(d->tmp, nb);
	if (!block_state(d, ib, d->tx_first, after, d->tmp))
		return -1;
	*bits_i = zero_bits(d->tmp, ni);
	return *free_b == *bits_b && *free_i == *bits_i;
}

static bool read_after(void *ctx, uint64_t fsblk, uint8_t *buf)
{
	struct jbd_decoder *d = ctx;

	return block_state(d, fsblk, d->tx_first, true, buf);
}

/* Raw inode ino at the end of the transaction, in buf (a block). */
static const uint8_t *inode_after(struct jbd_decoder *d, ext2_ino_t ino,
				  uint8_t *buf)
{
	ext2_filsys fs = d->fs;
	unsigned int isize = EXT2_INODE_SIZE(fs->super);
	dgrp_t g = (ino - 1) / fs->super->s_inodes_per_group;
	uint64_t off = (uint64_t)((ino - 1) % fs->super->s_inodes_per_group) * isize;

	if (!ino || ino > fs->super->s_inodes_count ||
	    !ext2fs_inode_table_loc(fs, g) ||
	    !block_state(d, ext2fs_inode_table_loc(fs, g) + off / fs->blocksize,
			 d->tx_first, true, buf))
		return NULL;
	return buf + off % fs->blocksize;
}

/* Bits of the block bitmap at the end of the transaction, a group at a time. */
struct bits_after {
	dgrp_t group;
	int state;		/* 1 read, 0 not yet, -1 unknown */
	uint8_t *buf;
};

/* Block b in the block bitmap at the end of the transaction: 1 in use,
   0 free, -1 unknown (an uninitialised or unreadable bitmap). */
static int block_bit_after(struct jbd_decoder *d, struct bits_after *ba,
			   uint64_t b)
{
	ext2_filsys fs = d->fs;
	dgrp_t g = ext2fs_group_of_blk2(fs, b);
	uint64_t bit = b - ext2fs_group_first_block2(fs, g);

	if (!ba->state || ba->group != g) {
		struct opaque_ext2_group_desc *saved = fs->group_desc;
		bool uninit;

		ba->group = g;
		ba->state = -1;
		if ((uint64_t)(g + 1) * EXT2_DESC_SIZE(fs->super) > d->gd_len)
			return -1;
		fs->group_desc = (void *)d->cur_gd;
		uninit = ext2fs_bg_flags_test(fs, g, EXT2_BG_BLOCK_UNINIT);
		fs->group_desc = saved;
		if (!uninit && block_state(d, ext2fs_block_bitmap_loc(fs, g),
					   d->tx_first, true, ba->buf))
			ba->state = 1;
	}
	if (ba->state < 0 || bit >= fs->blocksize * 8ULL)
		return -1;
	return !!ext2fs_test_bit((unsigned int)bit, ba->buf);
}

#define MAX_RANGE_PROBLEMS 8

/* Report the runs of v[0..n) (sorted) where want(b) holds, as ranges. */
static void report_runs(struct jbd_decoder *d, const uint64_t *v, size_t n,
			bool (*want)(struct jbd_decoder *, struct bits_after *,
				     uint64_t),
			struct bits_after *ba, ext2_ino_t ino)
{
	size_t i = 0, reported = 0;
	char range[64];

	while (i < n) {
		size_t k;

		if (!want(d, ba, v[i])) {
			i++;
			continue;
		}
		for (k = i; k + 1 < n && v[k + 1] == v[k] + 1 &&
		     want(d, ba, v[k + 1]); k++)
			;
		if (reported++ == MAX_RANGE_PROBLEMS)
			break;
		if (k > i)
			snprintf(range, sizeof(range), "blocks %llu-%llu",
				 (unsigned long long)v[i], (unsigned long long)v[k]);
		else
			snprintf(range, sizeof(range), "block %llu",
				 (unsigned long long)v[i]);
		if (ino)
			problem(d, "block_bitmap", "inode %u refers to %s, but the "
				"block bitmap marks %s free", ino, range,
				k > i ? "them" : "it");
		else
			problem(d, "block_bitmap", "%s: marked in use in the block "
				"bitmap, but no logged inode refers to %s", range,
				k > i ? "them" : "it");
		i = k + 1;
	}
}

static bool free_after(struct jbd_decoder *d, struct bits_after *ba, uint64_t b)
{
	return block_bit_after(d, ba, b) == 0;
}

/* Set in this transaction and not referred to by a logged inode. */
static struct jbd_blkset *refs_now;

static bool set_unreferenced(struct jbd_decoder *d, struct bits_after *ba,
			     uint64_t b)
{
	(void)ba;
	return !jbd_blkset_has(refs_now, b) && !jbd_blkset_has(&d->tx_bclr, b) &&
	       !find_meta(d, b) && !jbd_journal_owns_fsblk(d->j, b);
}

/*
 * The block bitmap against the logged inodes: every block an inode logged
 * (or whose tree block is logged) in the transaction refers to at its end
 * must be in use, and every bit the transaction sets must belong to one of
 * them.  Clusters (bigalloc) are not checked.
 */
static void check_block_refs(struct jbd_decoder *d)
{
	struct bits_after ba = { 0 };
	struct jbd_blkset all = { 0 }, one = { 0 };
	uint8_t *ibuf;
	size_t i;

	if (!d->view || EXT2FS_CLUSTER_RATIO(d->fs) != 1 || d->tx_bset.overflow ||
	    d->tx_bclr.overflow)
		return;
	ibuf = malloc(d->fs->blocksize);
	ba.buf = malloc(d->fs->blocksize);
	for (i = 0; ibuf && ba.buf && i < d->ntxi && !all.overflow; i++) {
		const struct tx_inode *t = &d->txi[i];
		const uint8_t *raw;

		if (!(t->logged || t->tree) ||
		    (d->j->source == JBD_SRC_INTERNAL && t->ino == d->j->ino))
			continue;
		raw = inode_after(d, t->ino, ibuf);
		if (!raw || !jbd_raw_inode_in_use(raw))
			continue;
		one.n = 0;
		jbd_inode_blocks(d->view, read_after, d, t->ino, raw, &one);
		if (one.overflow) {
			all.overflow = true;
			break;
		}
		jbd_blkset_sort(&one);
		report_runs(d, one.v, one.n, free_after, &ba, t->ino);
		for (size_t k = 0; k < one.n && !all.overflow; k++)
			jbd_blkset_add(&all, one.v[k], 1);
	}
	if (ibuf && ba.buf && !all.overflow) {
		jbd_blkset_sort(&all);
		jbd_blkset_sort(&d->tx_bset);
		jbd_blkset_sort(&d->tx_bclr);
		refs_now = &all;
		report_runs(d, d->tx_bset.v, d->tx_bset.n, set_unreferenced, &ba, 0);
		refs_now = NULL;
	}
	jbd_blkset_free(&one);
	jbd_blkset_free(&all);
	free(ba.buf);
	free(ibuf);
}

static void tx_finish(struct jbd_decoder *d)
{
	bool dir_deleted = false;
	size_t i;

	/* A directory removed with its entries: the kernel drops the
	   changes of its freed blocks from the log (they are revoked). */
	for (i = 0; i < d->ntxi; i++)
		if (d->txi[i].is_dir && (d->txi[i].deleted ||
					   d->txi[i].links_delta < 0))
			dir_deleted = true;
	/*
	 * The checks compare with the state before the transaction; a disk
	 * that the kernel's checkpointing left newer in one block than in
	 * another (group counters that do not match its bitmaps) has none.
	 */
	for (i = 0; i < d->ntxg && !d->tx_stale; i++) {
		uint64_t fb, bb, fi, bi;

		if (group_consistent(d, d->txg[i].group, false, &fb, &bb,
				     &fi, &bi) == 0)
			d->tx_stale = true;
	}
	d->sum.checked = !d->tx_stale;
	if (d->tx_stale)
		return;		/* no earlier state to check against */

	for (i = 0; i < d->ntxi; i++) {
		const struct tx_inode *t = &d->txi[i];

		if (t->bit_set && !(t->logged && t->in_use))
			problem(d, "inode_bitmap", "inode %u is marked in use in "
				"the inode bitmap, but no copy of it in use is "
				"logged", t->ino);
		if (t->bit_cleared && !t->logged)
			problem(d, "inode_bitmap", "inode %u is freed in the "
				"inode bitmap, but its inode is not logged", t->ino);
		if (t->created && !t->bit_set)
			problem(d, "inode_bitmap", "inode %u comes into use, but "
				"its inode bitmap bit is not set", t->ino);
		if (!t->is_dir && t->links_delta != t->entries_delta &&
		    !(dir_deleted && t->links_delta < t->entries_delta))
			problem(d, "link_count", "inode %u: i_links_count "
				"changes by %d, directory entries by %d",
				t->ino, t->links_delta, t->entries_delta);
	}
	check_block_refs(d);
	for (i = 0; i < d->ntxg; i++) {
		uint64_t fb, bb, fi, bi;
		dgrp_t g = d->txg[i].group;

		if (group_consistent(d, g, false, &fb, &bb, &fi, &bi) != 1 ||
		    group_consistent(d, g, true, &fb, &bb, &fi, &bi) != 0)
			continue;	/* unknown before, or consistent after */
		if (fb != bb)
			problem(d, "group_counter", "group %u: bg_free_blocks_count "
				"is %llu, the block bitmap has %llu free", g,
				(unsigned long long)fb, (unsigned long long)bb);
		if (fi != bi)
			problem(d, "group_counter", "group %u: bg_free_inodes_count "
				"is %llu, the inode bitmap has %llu free", g,
				(unsigned long long)fi, (unsigned long long)bi);
	}
}

/* ---- decoding one copy ---- */

static bool has_csum(const struct jbd_decoder *d)
{
	return ext2fs_has_feature_metadata_csum(d->fs->super);
}

/* Was fsblk free on disk before replay (so its old contents mean nothing)? */
static bool free_before(struct jbd_decoder *d, uint64_t fsblk)
{
	ext2_filsys fs = d->j->fs;

	if (!d->bitmaps_tried) {
		d->bitmaps_tried = true;
		d->bitmaps_ok = !ext2fs_read_block_bitmap(fs) &&
				!ext2fs_read_inode_bitmap(fs);
	}
	return d->bitmaps_ok && fsblk >= fs->super->s_first_data_block &&
	       fsblk < ext2fs_blocks_count(fs->super) &&
	       !ext2fs_test_block_bitmap2(fs->block_map, fsblk);
}

static errcode_t decode_super(struct jbd_decoder *d, uint64_t fsblk,
			      struct jbd_decoded *dec)
{
	uint32_t off = fsblk == 0 && d->fs->blocksize > SUPERBLOCK_OFFSET ?
		       SUPERBLOCK_OFFSET : 0;
	errcode_t err = jbd_diff_super(d->oldb + off, d->newb + off, dec);

	if (!err && has_csum(d)) {
		dec->csum_checked = true;
		if (!ext2fs_superblock_csum_verify(d->fs, (void *)(d->newb + off)))
			err = jbd_dec_csum_failure(dec, "superblock", 0, false, 0);
	}
	return err;
}

static errcode_t decode_gdt(struct jbd_decoder *d, struct jbd_decoded *dec)
{
	ext2_filsys fs = d->fs;
	uint32_t dsz = EXT2_DESC_SIZE(fs->super);
	struct opaque_ext2_group_desc *saved = fs->group_desc;
	errcode_t err = 0;
	dgrp_t g;

	for (g = dec->role.first_group; g <= dec->role.last_group && !err; g++) {
		uint32_t off = (g - dec->role.first_group) * dsz;
		uint64_t at = (uint64_t)g * dsz;
		size_t before = dec->nchanges, i;
		struct tx_group *t;

		if (!memcmp(d->oldb + off, d->newb + off, dsz))
			continue;
		err = jbd_diff_group_desc(fs, g, d->oldb + off, d->newb + off, dec);
		if (err || dec->role.backup)
			break;
		t = tx_group(d, g);
		for (i = before; t && i < dec->nchanges; i++) {
			const struct jbd_field_change *c = &dec->changes[i];

			if (!strcmp(c->field, "bg_free_blocks_count"))
				t->free_blocks += (int64_t)(c->new_value - c->old_value);
			if (!strcmp(c->field, "bg_free_inodes_count"))
				t->free_inodes += (int64_t)(c->new_value - c->old_value);
		}
		if (!ext2fs_has_group_desc_csum(fs) || at + dsz > d->gd_len)
			continue;
		/* Check this copy's descriptor where libext2fs looks for it. */
		memcpy(d->scratch_gd + at, d->newb + off, dsz);
#ifdef WORDS_BIGENDIAN
		ext2fs_swap_group_desc2(fs, (void *)(d->scratch_gd + at));
#endif
		fs->group_desc = (void *)d->scratch_gd;
		dec->csum_checked = true;
		if (!ext2fs_group_desc_csum_verify(fs, g))
			err = jbd_dec_csum_failure(dec, "group_descriptor", 0, true, g);
		fs->group_desc = saved;
	}
	return err;
}

static errcode_t decode_bitmap(struct jbd_decoder *d, struct jbd_decoded *dec,
			       bool inodes)
{
	ext2_filsys fs = d->fs;
	dgrp_t g = dec->role.group;
	/* bits: inodes, or clusters (blocks but with bigalloc) */
	uint32_t nbits = inodes ? fs->super->s_inodes_per_group :
			 (uint32_t)EXT2FS_NUM_B2C(fs, ext2fs_group_blocks_count(fs, g));
	struct opaque_ext2_group_desc *saved = fs->group_desc;
	struct jbd_field_change *c;
	struct tx_group *t = tx_group(d, g);
	uint32_t bit;
	int ok;

	if (nbits > fs->blocksize * 8)
		nbits = fs->blocksize * 8;
	/* A first copy of an uninitialised bitmap: libext2fs's view of it. */
	if (dec->first_copy && ext2fs_bg_flags_test(d->j->fs, g, inodes ?
			EXT2_BG_INODE_UNINIT : EXT2_BG_BLOCK_UNINIT)) {
		(void)free_before(d, 0);
		memset(d->oldb, 0, fs->blocksize);
		if (d->bitmaps_ok && inodes)
			ext2fs_get_inode_bitmap_range2(d->j->fs->inode_map,
				g * fs->super->s_inodes_per_group + 1, nbits, d->oldb);
		else if (d->bitmaps_ok)
			ext2fs_get_block_bitmap_range2(d->j->fs->block_map,
				ext2fs_group_first_block2(fs, g), nbits, d->oldb);
	}
	c = jbd_dec_add(dec, JBD_CH_BITS);
	if (!c)
		return EXT2_ET_NO_MEMORY;
	c->inode_bits = inodes;
	for (bit = 0; bit < nbits; bit++) {
		bool a = ext2fs_test_bit(bit, d->oldb);
		bool b = ext2fs_test_bit(bit, d->newb);
		uint64_t num = inodes ? (uint64_t)g * fs->super->s_inodes_per_group +
			       bit + 1 : ext2fs_group_first_block2(fs, g) +
			       EXT2FS_C2B(fs, bit);
		uint64_t **arr = b ? &c->set : &c->cleared;
		size_t *n = b ? &c->nset : &c->ncleared;
		void *p;

		if (a == b)
			continue;
		p = realloc(*arr, (*n + 1) * sizeof(**arr));
		if (!p)
			return EXT2_ET_NO_MEMORY;
		*arr = p;
		(*arr)[(*n)++] = num;
		if (inodes) {
			struct tx_inode *ti = tx_inode(d, (ext2_ino_t)num);

			if (ti && b)
				ti->bit_set = true;
			else if (ti)
				ti->bit_cleared = true;
		} else {
			jbd_blkset_add(b ? &d->tx_bset : &d->tx_bclr, num, 1);
		}
	}
	if (t && inodes)
		t->bits_inodes += (int64_t)c->nset - (int64_t)c->ncleared;
	else if (t)
		t->bits_blocks += (int64_t)c->nset - (int64_t)c->ncleared;
	if (inodes) {
		d->sum.inodes_allocated += c->nset;
		d->sum.inodes_freed += c->ncleared;
	} else {
		d->sum.blocks_allocated += c->nset;
		d->sum.blocks_freed += c->ncleared;
	}
	if (!c->nset && !c->ncleared)
		dec->nchanges--;
	if (!has_csum(d) || (uint64_t)(g + 1) * EXT2_DESC_SIZE(fs->super) > d->gd_len)
		return 0;
	fs->group_desc = (void *)d->cur_gd;
	ok = inodes ? ext2fs_inode_bitmap_csum_verify(fs, g, (char *)d->newb,
				EXT2_INODES_PER_GROUP(fs->super) / 8) :
		      ext2fs_block_bitmap_csum_verify(fs, g, (char *)d->newb,
				EXT2_CLUSTERS_PER_GROUP(fs->super) / 8);
	fs->group_desc = saved;
	dec->csum_checked = true;
	if (!ok)
		return jbd_dec_csum_failure(dec, inodes ? "inode_bitmap" :
					    "block_bitmap", 0, true, g);
	return 0;
}

static errcode_t decode_itable(struct jbd_decoder *d, struct jbd_decoded *dec)
{
	ext2_filsys fs = d->fs;
	unsigned int isize = EXT2_INODE_SIZE(fs->super), k;
	errcode_t err = 0;

	for (k = 0; k * isize < fs->blocksize && !err; k++) {
		const uint8_t *o = d->oldb + k * isize, *n = d->newb + k * isize;
		ext2_ino_t ino = dec->role.first_inode + k;
		struct tx_inode *t;
		bool was, is;

		if (!memcmp(o, n, isize) || ino > fs->super->s_inodes_count)
			continue;
		err = jbd_diff_inode(fs, ino, o, n, dec);
		if (err)
			break;
		was = jbd_raw_inode_in_use(o);
		is = jbd_raw_inode_in_use(n);
		t = tx_inode(d, ino);
		if (t) {
			if (!t->logged && was && !is)
				t->deleted = true;
			if (!t->logged && !was && is)
				t->created = true;
			t->logged = true;
			t->in_use = is;
			t->links_delta += (int)jbd_inode_links(n) -
					  (int)jbd_inode_links(o);
			if (jbd_inode_links(o) && !jbd_inode_links(n))
				t->unlinked = true;
			if (LINUX_S_ISDIR(jbd_inode_mode(n)) ||
			    LINUX_S_ISDIR(jbd_inode_mode(o)))
				t->is_dir = true;
		}
		if (!was && is)
			d->sum.inodes_created++;
		else if (was && !is)
			d->sum.inodes_deleted++;
		else
			d->sum.inodes_changed++;
		if (has_csum(d)) {
			memcpy(d->ibuf, n, isize);
			dec->csum_checked = true;
			if (!ext2fs_inode_csum_verify(fs, ino, d->ibuf))
				err = jbd_dec_csum_failure(dec, "inode", ino, true,
							   dec->role.group);
		}
	}
	return err;
}

/*
 * Checksums seeded by an inode's generation are checked against the
 * inode as the log has it where the role came from (a directory created
 * and removed within the log is not in the filesystem after replay).
 */
static void stash_begin(struct jbd_decoder *d, ext2_ino_t ino)
{
	const struct tag_rec *t;
	struct ext2_inode_large in;
	unsigned int isize = EXT2_INODE_SIZE(d->fs->super);
	uint64_t index = (ino - 1) % d->fs->super->s_inodes_per_group;

	if (d->owner_seq >= d->ntags)
		return;
	t = &d->tags[d->owner_seq];
	if (jbd_read_blocks(d->j, t->jblk, 1, d->tmp))
		return;
	if (t->escape)
		put_be32(d->tmp, JBD2_MAGIC_NUMBER);
	jbd_inode_cpu(d->fs, d->tmp + (index % (d->fs->blocksize / isize)) *
		      isize, &in);
	jbd_inode_hook_set(d->fs, ino, EXT2_INODE(&in));
}

static void stash_end(struct jbd_decoder *d)
{
	jbd_inode_hook_clear(d->fs);
}

static void count_entry(struct jbd_decoder *d, ext2_ino_t ino, int delta,
			uint8_t type)
{
	struct tx_inode *t = tx_inode(d, ino);

	if (!t)
		return;
	t->entries_delta += delta;
	if (type == EXT2_FT_DIR)
		t->is_dir = true;
}

static errcode_t decode_dir(struct jbd_decoder *d, uint64_t fsblk,
			    struct jbd_decoded *dec)
{
	bool fresh = dec->reused || (dec->first_copy && free_before(d, fsblk));
	errcode_t err = jbd_diff_dir(d->fs, fresh ? NULL : d->oldb, d->newb, dec);
	size_t i;

	for (i = 0; !err && i < dec->nchanges; i++) {
		const struct jbd_field_change *c = &dec->changes[i];

		switch (c->kind) {
		case JBD_CH_ENTRY_ADDED:
			d->sum.entries_added++;
			count_entry(d, c->inode, 1, c->file_type);
			break;
		case JBD_CH_ENTRY_REMOVED:
			d->sum.entries_removed++;
			count_entry(d, c->inode, -1, c->file_type);
			break;
		case JBD_CH_ENTRY_RENAMED:
			d->sum.entries_renamed++;
			break;
		case JBD_CH_ENTRY_INODE:
			count_entry(d, (ext2_ino_t)c->old_value, -1, c->file_type);
			count_entry(d, (ext2_ino_t)c->new_value, 1, c->file_type);
			break;
		default:
			break;
		}
	}
	if (!err && has_csum(d) && dec->role.inode) {
		int ok;

		stash_begin(d, dec->role.inode);
		ok = ext2fs_dir_block_csum_verify(d->fs, dec->role.inode,
						  (void *)d->newb);
		stash_end(d);
		dec->csum_checked = true;
		if (!ok)
			err = jbd_dec_csum_failure(dec, "directory",
						   dec->role.inode, false, 0);
	}
	return err;
}

static errcode_t decode_extent_block(struct jbd_decoder *d,
				     struct jbd_decoded *dec)
{
	errcode_t err = jbd_diff_extents(d->oldb, d->fs->blocksize, d->newb,
					 d->fs->blocksize, dec->role.inode, dec);

	if (!err && has_csum(d)) {
		int ok;

		stash_begin(d, dec->role.inode);
		ok = ext2fs_extent_block_csum_verify(d->fs, dec->role.inode,
						     (void *)d->newb);
		stash_end(d);
		dec->csum_checked = true;
		if (!ok)
			err = jbd_dec_csum_failure(dec, "extent_block",
						   dec->role.inode, false, 0);
	}
	return err;
}

static errcode_t decode_xattr(struct jbd_decoder *d, uint64_t fsblk,
			      struct jbd_decoded *dec)
{
	errcode_t err = jbd_diff_bytes(d->oldb, d->newb, d->fs->blocksize,
				       dec->role.inode, dec);

	if (!err && has_csum(d)) {
		dec->csum_checked = true;
		if (!ext2fs_ext_attr_block_csum_verify(d->fs, dec->role.inode,
						       fsblk, (void *)d->newb))
			err = jbd_dec_csum_failure(dec, "xattr_block",
						   dec->role.inode, false, 0);
	}
	return err;
}

/* Is a role's change counted by the per-transaction checks? */
static bool counts_for_checks(enum jbd_role_kind k)
{
	return k == JBD_ROLE_INODE_TABLE || k == JBD_ROLE_BLOCK_BITMAP ||
	       k == JBD_ROLE_INODE_BITMAP || k == JBD_ROLE_GROUP_DESCRIPTORS ||
	       k == JBD_ROLE_DIRECTORY;
}

errcode_t jbd_decode_tag(struct jbd_decoder *d, const struct jbd_event *ev,
			 struct jbd_decoded *dec)
{
	struct jbd_blkmap_entry *prev;
	bool isnew;
	errcode_t err = 0;

	memset(dec, 0, sizeof(*dec));
	dec->role.depth = -1;
	if (!d->fs)
		return 0;
	/* The same tag as the pre-pass saw: keep the cursor with the walk. */
	while (d->tag_cursor < d->ntags &&
	       !(d->tags[d->tag_cursor].jblk == ev->jblk &&
		 d->tags[d->tag_cursor].fsblk == ev->fsblk))
		d->tag_cursor++;
	if (!d->tx_open || d->tx_tid != ev->tid) {
		err = tx_begin(d, ev->tid);
		if (err)
			return err;
	}
	role_of(d, ev->fsblk, d->tag_cursor, &dec->role);
	if ((dec->role.kind == JBD_ROLE_EXTENT_TREE ||
	     dec->role.kind == JBD_ROLE_INDIRECT) && dec->role.inode) {
		struct tx_inode *t = tx_inode(d, dec->role.inode);

		if (t)
			t->tree = true;
	}
	if (d->tag_cursor < d->ntags)
		d->tag_cursor++;
	if (!ev->block || ev->fsblk >= ext2fs_blocks_count(d->j->fs->super))
		return 0;
	memcpy(d->newb, ev->block, d->fs->blocksize);
	if (ev->flags & JBD2_FLAG_ESCAPE)
		put_be32(d->newb, JBD2_MAGIC_NUMBER);
	prev = jbd_blkmap_find(&d->copies, ev->fsblk);
	if (prev) {
		dec->prev_jblk = prev->jblk;
		dec->prev_tid = prev->tid;
		dec->reused = revoked_between(d, ev->fsblk, prev->tid, ev->tid);
		err = jbd_read_blocks(d->j, prev->jblk, 1, d->oldb);
		if (!err && (*jbd_blkmap_flags(&d->copies, prev) & COPY_ESCAPE))
			put_be32(d->oldb, JBD2_MAGIC_NUMBER);
	} else {
		dec->first_copy = true;
		err = io_channel_read_blk64(d->j->fs->io, ev->fsblk, 1, d->oldb);
		if (!err && disk_is_a_copy(d, ev->fsblk))
			dec->disk_written = d->tx_stale = true;
		if (!d->disk_trusted && counts_for_checks(dec->role.kind))
			d->tx_stale = true;
	}
	if (err)
		return err;
	err = jbd_blkmap_get(&d->copies, ev->fsblk, &prev, &isnew);
	if (err)
		return err;
	prev->jblk = ev->jblk;
	prev->tid = ev->tid;
	*jbd_blkmap_flags(&d->copies, prev) = JBD_BLKMAP_USED |
		((ev->flags & JBD2_FLAG_ESCAPE) ? COPY_ESCAPE : 0);

	/* A tree block that was free before holds nothing it maps. */
	if ((dec->role.kind == JBD_ROLE_INDIRECT ||
	     dec->role.kind == JBD_ROLE_EXTENT_TREE) && (dec->reused ||
	    (dec->first_copy && free_before(d, ev->fsblk))))
		memset(d->oldb, 0, d->fs->blocksize);
	switch (dec->role.kind) {
	case JBD_ROLE_SUPERBLOCK:
		err = decode_super(d, ev->fsblk, dec);
		break;
	case JBD_ROLE_GROUP_DESCRIPTORS:
		err = decode_gdt(d, dec);
		break;
	case JBD_ROLE_BLOCK_BITMAP:
	case JBD_ROLE_INODE_BITMAP:
		err = decode_bitmap(d, dec, dec->role.kind == JBD_ROLE_INODE_BITMAP);
		break;
	case JBD_ROLE_INODE_TABLE:
		err = decode_itable(d, dec);
		break;
	case JBD_ROLE_DIRECTORY:
		err = decode_dir(d, ev->fsblk, dec);
		break;
	case JBD_ROLE_EXTENT_TREE:
		err = decode_extent_block(d, dec);
		break;
	case JBD_ROLE_INDIRECT:
		err = jbd_diff_indirect(d->fs, d->oldb, d->newb, dec->role.inode, dec);
		break;
	case JBD_ROLE_XATTR:
		err = decode_xattr(d, ev->fsblk, dec);
		break;
	default:
		err = jbd_diff_bytes(d->oldb, d->newb, d->fs->blocksize,
				     dec->role.inode, dec);
		break;
	}
	d->sum.csum_failures += dec->ncsum_failures;
	return err;
}

bool jbd_decode_tx_end(struct jbd_decoder *d, const struct jbd_event *ev,
		       struct jbd_decode_summary *s)
{
	if (!d->fs || !d->tx_open)
		return false;
	if (ev->type != JBD_EV_END && ev->type != JBD_EV_COMMIT &&
	    ev->tid == d->tx_tid)
		return false;
	if (ev->type == JBD_EV_COMMIT && ev->tid != d->tx_tid)
		return false;
	tx_finish(d);
	*s = d->sum;
	memset(&d->sum, 0, sizeof(d->sum));
	jbd_blkset_free(&d->tx_bset);
	jbd_blkset_free(&d->tx_bclr);
	d->ntxi = d->ntxg = 0;
	d->tx_open = false;
	return true;
}
