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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>
#include <ext2fs/ext3_extents.h>

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

struct tx_inode {
	ext2_ino_t ino;
	bool logged, created, deleted, in_use, is_dir;
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
	struct jbd_recovery plan;
	bool have_plan;
	struct meta_range *meta;
	size_t nmeta;
	struct owner *owners;		/* ascending fsblk */
	size_t nowners;
	struct tag_rec *tags;		/* every tag, in log order */
	size_t ntags, tag_cursor;
	struct jbd_blkmap copies;	/* fsblk -> last copy seen */
	uint8_t *cur_gd, *scratch_gd;	/* descriptors as of the transaction's end */
	size_t gd_len;
	uint8_t *oldb, *newb, *tmp;
	struct ext2_inode_large *ibuf;
	bool bitmaps_tried, bitmaps_ok;

	bool tx_open;
	uint32_t tx_tid;
	struct tx_inode *txi;
	size_t ntxi, captxi;
	struct tx_group *txg;
	size_t ntxg, captxg;
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
	if (d->nmeta == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(d->meta, ncap * sizeof(*d->meta));

		if (!p)
			return EXT2_ET_NO_MEMORY;
		d->meta = p;
		*cap = ncap;
	}
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

static int iterate_cb(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct owner_scan *s = priv;

	(void)fs; (void)ref_blk; (void)ref_offset;
	if (blockcnt < 0)
		mark(s, *blocknr, 1, JBD_ROLE_INDIRECT, -1, -1);
	else
		mark(s, *blocknr, 1, s->kind, blockcnt, -1);
	return s->unowned ? 0 : BLOCK_ABORT;
}

static void scan_extents(ext2_filsys fs, struct owner_scan *s,
			 struct ext2_inode *inode)
{
	ext2_extent_handle_t h;
	struct ext2fs_extent e;
	struct ext2_extent_info info;
	int op = EXT2_EXTENT_ROOT;

	if (ext2fs_extent_open2(fs, s->ino, inode, &h))
		return;
	while (s->unowned && !ext2fs_extent_get(h, op, &e)) {
		op = EXT2_EXTENT_NEXT;
		if (e.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT)
			continue;
		if (e.e_flags & EXT2_EXTENT_FLAGS_LEAF) {
			mark(s, e.e_pblk, e.e_len, s->kind, (int64_t)e.e_lblk, -1);
		} else if (!ext2fs_extent_get_info(h, &info)) {
			int depth = info.max_depth - info.curr_level - 1;

			mark(s, e.e_pblk, 1, JBD_ROLE_EXTENT_TREE, -1,
			     depth < 0 ? 0 : depth);
		}
	}
	ext2fs_extent_free(h);
}

static void scan_inodes(struct jbd_decoder *d, ext2_filsys fs, size_t *unowned)
{
	unsigned int isize = EXT2_INODE_SIZE(fs->super);
	struct owner_scan s = { .d = d, .unowned = *unowned };
	ext2_inode_scan scan;
	struct ext2_inode *inode;
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
		if (ext2fs_file_acl_block(fs, inode))
			mark(&s, ext2fs_file_acl_block(fs, inode), 1,
			     JBD_ROLE_XATTR, -1, -1);
		if (!ext2fs_inode_has_valid_blocks2(fs, inode) ||
		    (inode->i_flags & EXT4_INLINE_DATA_FL))
			continue;
		s.kind = LINUX_S_ISDIR(inode->i_mode) ? JBD_ROLE_DIRECTORY :
			 LINUX_S_ISLNK(inode->i_mode) ? JBD_ROLE_SYMLINK :
			 JBD_ROLE_DATA;
		if (inode->i_flags & EXT4_EXTENTS_FL)
			scan_extents(fs, &s, inode);
		else
			ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, NULL,
					      iterate_cb, &s);
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

static errcode_t find_owners(struct jbd_decoder *d)
{
	uint64_t *blks;
	size_t i, n = 0, unowned;

	if (!d->ntags)
		return 0;
	blks = malloc(d->ntags * sizeof(*blks));
	if (!blks)
		return EXT2_ET_NO_MEMORY;
	for (i = 0; i < d->ntags; i++)
		blks[i] = d->tags[i].fsblk;
	qsort(blks, d->ntags, sizeof(*blks), cmp_u64);
	d->owners = calloc(d->ntags, sizeof(*d->owners));
	if (!d->owners) {
		free(blks);
		return EXT2_ET_NO_MEMORY;
	}
	for (i = 0; i < d->ntags; i++) {
		if (n && d->owners[n - 1].fsblk == blks[i])
			continue;
		if (find_meta(d, blks[i]) ||
		    jbd_journal_owns_fsblk(d->j, blks[i]))
			continue;	/* their role is known without owners */
		d->owners[n].fsblk = blks[i];
		d->owners[n].role.depth = -1;
		n++;
	}
	free(blks);
	d->nowners = unowned = n;
	if (unowned)
		scan_inodes(d, d->fs, &unowned);
	if (unowned && d->fs != d->j->fs)
		scan_inodes(d, d->j->fs, &unowned);
	return 0;
}

/* ---- roles ---- */

static void role_of(const struct jbd_decoder *d, uint64_t fsblk,
		    struct jbd_role *r)
{
	const struct meta_range *m;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->depth = -1;
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
	d->ibuf = calloc(1, EXT2_INODE_SIZE(d->fs->super) +
			 sizeof(struct ext2_inode_large));
	d->gd_len = (size_t)d->fs->desc_blocks * d->fs->blocksize;
	d->cur_gd = calloc(1, d->gd_len);
	d->scratch_gd = calloc(1, d->gd_len);
	if (!d->ibuf || !d->cur_gd || !d->scratch_gd)
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
	if (d->have_plan)
		jbd_recovery_free(&d->plan);
	jbd_blkmap_free(&d->copies);
	free(d->meta);
	free(d->owners);
	free(d->tags);
	free(d->cur_gd);
	free(d->scratch_gd);
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

	for (i = 0; i < dec->nchanges; i++) {
		free(dec->changes[i].old_text);
		free(dec->changes[i].new_text);
		free(dec->changes[i].name);
		free(dec->changes[i].old_name);
		free(dec->changes[i].set);
		free(dec->changes[i].cleared);
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
	if (d->ntxi == d->captxi) {
		size_t cap = d->captxi ? d->captxi * 2 : 16;
		void *p = realloc(d->txi, cap * sizeof(*d->txi));

		if (!p)
			return NULL;
		d->txi = p;
		d->captxi = cap;
	}
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
	if (d->ntxg == d->captxg) {
		size_t cap = d->captxg ? d->captxg * 2 : 8;
		void *p = realloc(d->txg, cap * sizeof(*d->txg));

		if (!p)
			return NULL;
		d->txg = p;
		d->captxg = cap;
	}
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

	if (s->nproblems == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		void *p = realloc(s->problems, cap * sizeof(*s->problems));

		if (!p)
			return;
		s->problems = p;
		s->cap = cap;
	}
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
	d->tx_tid = tid;
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

static void tx_finish(struct jbd_decoder *d)
{
	size_t i;

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
		if (!t->is_dir && t->links_delta != t->entries_delta)
			problem(d, "link_count", "inode %u: i_links_count "
				"changes by %d, directory entries by %d",
				t->ino, t->links_delta, t->entries_delta);
	}
	for (i = 0; i < d->ntxg; i++) {
		const struct tx_group *g = &d->txg[i];

		if (g->bits_blocks != -g->free_blocks)
			problem(d, "group_counter", "group %u: %lld blocks "
				"allocated in the bitmap, bg_free_blocks_count "
				"changes by %lld", g->group,
				(long long)g->bits_blocks, (long long)g->free_blocks);
		if (g->bits_inodes != -g->free_inodes)
			problem(d, "group_counter", "group %u: %lld inodes "
				"allocated in the bitmap, bg_free_inodes_count "
				"changes by %lld", g->group,
				(long long)g->bits_inodes, (long long)g->free_inodes);
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
	return d->bitmaps_ok && fsblk < ext2fs_blocks_count(fs->super) &&
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
			const struct jbd_change *c = &dec->changes[i];

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
	uint32_t nbits = inodes ? fs->super->s_inodes_per_group :
			 (uint32_t)ext2fs_group_blocks_count(fs, g);
	struct opaque_ext2_group_desc *saved = fs->group_desc;
	struct jbd_change *c;
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
		bool a = d->oldb[bit / 8] & (1U << (bit % 8));
		bool b = d->newb[bit / 8] & (1U << (bit % 8));
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
		was = jbd_inode_in_use(o);
		is = jbd_inode_in_use(n);
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
	bool fresh = dec->first_copy && free_before(d, fsblk);
	errcode_t err = jbd_diff_dir(d->fs, fresh ? NULL : d->oldb, d->newb, dec);
	size_t i;

	for (i = 0; !err && i < dec->nchanges; i++) {
		const struct jbd_change *c = &dec->changes[i];

		switch (c->kind) {
		case JBD_CH_ENTRY_ADDED:
			d->sum.entries_added++;
			count_entry(d, c->inode, 1, c->file_type);
			break;
		case JBD_CH_ENTRY_REMOVED:
			d->sum.entries_removed++;
			count_entry(d, c->inode, -1, c->file_type);
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
		dec->csum_checked = true;
		if (!ext2fs_dir_block_csum_verify(d->fs, dec->role.inode,
						  (void *)d->newb))
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
		dec->csum_checked = true;
		if (!ext2fs_extent_block_csum_verify(d->fs, dec->role.inode,
						     (void *)d->newb))
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
	if (!d->tx_open || d->tx_tid != ev->tid) {
		err = tx_begin(d, ev->tid);
		if (err)
			return err;
	}
	/* The same tag as the pre-pass saw: keep the cursor with the walk. */
	while (d->tag_cursor < d->ntags &&
	       !(d->tags[d->tag_cursor].jblk == ev->jblk &&
		 d->tags[d->tag_cursor].fsblk == ev->fsblk))
		d->tag_cursor++;
	if (d->tag_cursor < d->ntags)
		d->tag_cursor++;
	role_of(d, ev->fsblk, &dec->role);
	if (!ev->block || ev->fsblk >= ext2fs_blocks_count(d->j->fs->super))
		return 0;
	memcpy(d->newb, ev->block, d->fs->blocksize);
	if (ev->flags & JBD2_FLAG_ESCAPE)
		put_be32(d->newb, JBD2_MAGIC_NUMBER);
	prev = jbd_blkmap_find(&d->copies, ev->fsblk);
	if (prev) {
		dec->prev_jblk = prev->jblk;
		dec->prev_tid = prev->tid;
		err = jbd_read_blocks(d->j, prev->jblk, 1, d->oldb);
		if (!err && (*jbd_blkmap_flags(&d->copies, prev) & COPY_ESCAPE))
			put_be32(d->oldb, JBD2_MAGIC_NUMBER);
	} else {
		dec->first_copy = true;
		err = io_channel_read_blk64(d->j->fs->io, ev->fsblk, 1, d->oldb);
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
	d->ntxi = d->ntxg = 0;
	d->tx_open = false;
	return true;
}
