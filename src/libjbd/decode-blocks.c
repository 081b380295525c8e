/*
 * decode-blocks.c: the blocks an inode refers to (its data, extent tree
 * and indirect blocks, its xattr block) as the log has them at one point:
 * for the owners of logged blocks and for the check of a transaction's
 * block bitmap against its logged inodes (decode.c).  The one walker of
 * an inode's block map: libext2fs's extent API and block iterator, reading
 * the tree blocks through the overlay (overlay-io.c) with a view given by
 * the caller, which knows which copy of a block (the log's or the disk's)
 * holds at that point.
 */
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#include "blkmap.h"
#include "decode-int.h"
#include "overlay-io.h"

/* Enough for a few large files in one transaction; beyond, not checked. */
#define BLKSET_MAX (1U << 22)

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

/*
 * The walker: libext2fs reads the inode's tree through the overlay, whose
 * view (the caller's) gives each tree block as it stands at the point
 * wanted, or through the filesystem's own reads when there is no view.
 * Only blocks inside the filesystem are reported or descended into, and
 * each tree block only once: an indirect block that names itself (a
 * broken or hostile log) would otherwise be walked (blocksize / 4)^2
 * times as a double indirect block, ^3 as a triple.
 */
struct walk {
	ext2_filsys fs;
	jbd_overlay_view_fn read;
	void *ctx;
	jbd_map_fn fn;
	void *priv;
	errcode_t err;
	bool indirect;		/* block-mapped: the view reads indirect blocks */
	struct jbd_blkmap expanded;	/* tree blocks descended into */
};

/* Is this the first time the walk meets tree block b? */
static bool first_visit(struct walk *w, uint64_t b)
{
	struct jbd_blkmap_entry *e;
	bool fresh;

	if (jbd_blkmap_get(&w->expanded, b, &e, &fresh)) {
		w->err = EXT2_ET_NO_MEMORY;
		return false;
	}
	return fresh;
}

static bool in_fs(ext2_filsys fs, uint64_t b, uint64_t len)
{
	uint64_t nblocks = ext2fs_blocks_count(fs->super);

	return b >= fs->super->s_first_data_block && len <= nblocks &&
	       b <= nblocks - len;
}

/*
 * ext2fs_block_iterate3 gives up the rest of a double or triple indirect
 * block at its first pointer outside the filesystem (e2fsck clears such
 * a pointer in its callback and goes on, which a read-only walk cannot
 * do): pointers outside the filesystem read as holes instead, so that a
 * broken writer's other mappings, and their logical numbers, still show.
 */
static void holes_for_bad_pointers(ext2_filsys fs, uint8_t *buf)
{
	uint32_t k, v;

	for (k = 0; k < fs->blocksize / 4; k++) {
		memcpy(&v, buf + 4 * k, 4);
		if (v && !in_fs(fs, ext2fs_le32_to_cpu(v), 1))
			memset(buf + 4 * k, 0, 4);
	}
}

static bool walk_view(void *ctx, uint64_t fsblk, uint8_t *buf)
{
	struct walk *w = ctx;

	if (!in_fs(w->fs, fsblk, 1) || !w->read(w->ctx, fsblk, buf))
		return false;
	if (w->indirect)
		holes_for_bad_pointers(w->fs, buf);
	return true;
}

/*
 * libext2fs's read_inode hook, for code of its that reads an inode by
 * number (ext2fs_block_iterate3, the directory checksums): the copy set
 * here, not the inode table's, until jbd_inode_hook_clear().
 */
static struct {
	ext2_filsys fs;
	ext2_ino_t ino;
	struct ext2_inode inode;
} hooked;

static errcode_t hooked_read_inode(ext2_filsys fs, ext2_ino_t ino,
				   struct ext2_inode *inode)
{
	if (fs != hooked.fs || ino != hooked.ino)
		return EXT2_ET_CALLBACK_NOTHANDLED;
	*inode = hooked.inode;
	return 0;
}

struct ext2_inode *jbd_inode_hook_set(ext2_filsys fs, ext2_ino_t ino,
				      const struct ext2_inode *in)
{
	hooked.fs = fs;
	hooked.ino = ino;
	memcpy(&hooked.inode, in, sizeof(hooked.inode));
	fs->read_inode = hooked_read_inode;
	return &hooked.inode;
}

void jbd_inode_hook_clear(ext2_filsys fs)
{
	fs->read_inode = NULL;
	hooked.fs = NULL;
}

static int iterate_cb(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	struct walk *w = priv;

	(void)ref_blk; (void)ref_offset;
	/* The Hurd's translator block is not part of the block map. */
	if (blockcnt == BLOCK_COUNT_TRANSLATOR || !in_fs(fs, *blocknr, 1))
		return 0;
	w->err = w->fn(w->priv, blockcnt < 0 ? JBD_MAP_INDIRECT : JBD_MAP_DATA,
		       *blocknr, 1, blockcnt < 0 ? -1 : (int64_t)blockcnt, -1);
	/*
	 * An indirect block met before: a zero pointer makes the iterator
	 * skip what it names (read-only: the zero is not written back).
	 */
	if (!w->err && blockcnt < 0 && !first_visit(w, *blocknr))
		*blocknr = 0;
	return w->err ? BLOCK_ABORT : 0;
}

/*
 * An extent tree through ext2fs_extent_get.  A node that fails
 * ext2fs_extent_header_verify (or that the view does not have) is not
 * descended into: the DOWN fails, and the next NEXT goes on with its
 * siblings.  Two errors in a row end the walk.
 */
static void walk_extents(struct walk *w, ext2_ino_t ino,
			 struct ext2_inode *inode)
{
	ext2_extent_handle_t h;
	struct ext2fs_extent e;
	struct ext2_extent_info info;
	int op = EXT2_EXTENT_ROOT, errors = 0;
	errcode_t err;

	if (ext2fs_extent_open2(w->fs, ino, inode, &h))
		return;		/* i_block fails the header check */
	while (!w->err) {
		err = ext2fs_extent_get(h, op, &e);
		/* Past an index node's last child skipped: back up a level. */
		if (op == EXT2_EXTENT_NEXT_SIB && err == EXT2_ET_EXTENT_NO_NEXT) {
			op = EXT2_EXTENT_UP;
			continue;
		}
		if (op == EXT2_EXTENT_UP && err)
			break;	/* the root's last entry */
		op = EXT2_EXTENT_NEXT;
		if (err == EXT2_ET_EXTENT_NO_NEXT || (err && ++errors > 1))
			break;
		if (err)
			continue;
		errors = 0;
		/* An empty node yields its first slot: nothing. */
		if ((e.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT) ||
		    ext2fs_extent_get_info(h, &info) || !info.num_entries)
			continue;
		if (e.e_flags & EXT2_EXTENT_FLAGS_LEAF) {
			if (in_fs(w->fs, e.e_pblk, e.e_len))
				w->err = w->fn(w->priv, JBD_MAP_DATA, e.e_pblk,
					       e.e_len, (int64_t)e.e_lblk, -1);
		} else if (in_fs(w->fs, e.e_pblk, 1)) {
			int depth = info.max_depth - info.curr_level - 1;

			w->err = w->fn(w->priv, JBD_MAP_EXTENT_TREE, e.e_pblk, 1,
				       -1, depth < 0 ? 0 : depth);
			/* A node met before: not again (see struct walk). */
			if (!w->err && !first_visit(w, e.e_pblk))
				op = EXT2_EXTENT_NEXT_SIB;
		}
	}
	ext2fs_extent_free(h);
}

errcode_t jbd_inode_walk(ext2_filsys view, jbd_overlay_view_fn read,
			 void *ctx, ext2_ino_t ino, struct ext2_inode_large *inode,
			 jbd_map_fn fn, void *priv)
{
	struct walk w = { .fs = view, .read = read, .ctx = ctx, .fn = fn,
			  .priv = priv };
	struct ext2_inode_large in = *inode;	/* the extent handle's own */
	blk64_t acl;

	acl = ext2fs_file_acl_block(view, EXT2_INODE(&in));
	if (acl && in_fs(view, acl, 1))
		w.err = fn(priv, JBD_MAP_XATTR, acl, 1, -1, -1);
	if (w.err || !ext2fs_inode_has_valid_blocks2(view, EXT2_INODE(&in)) ||
	    (in.i_flags & EXT4_INLINE_DATA_FL) || !ino ||
	    ino > view->super->s_inodes_count)
		return w.err;
	if (read)
		jbd_overlay_set_view(view, walk_view, &w);
	if (in.i_flags & EXT4_EXTENTS_FL) {
		walk_extents(&w, ino, EXT2_INODE(&in));
	} else {
		struct ext2_inode *walked;
		int k;

		walked = jbd_inode_hook_set(view, ino, EXT2_INODE(&in));
		w.indirect = true;
		for (k = EXT2_IND_BLOCK; read && k <= EXT2_TIND_BLOCK; k++)
			if (!in_fs(view, walked->i_block[k], 1))
				walked->i_block[k] = 0;	/* as above */
		ext2fs_block_iterate3(view, ino, BLOCK_FLAG_READ_ONLY, NULL,
				      iterate_cb, &w);
		jbd_inode_hook_clear(view);
	}
	if (read)
		jbd_overlay_set_view(view, NULL, NULL);
	jbd_blkmap_free(&w.expanded);
	return w.err;
}

static errcode_t add_block(void *priv, enum jbd_map_kind kind, uint64_t pblk,
			   uint64_t len, int64_t lblk, int depth)
{
	(void)kind; (void)lblk; (void)depth;
	jbd_blkset_add(priv, pblk, len);
	return 0;
}

void jbd_inode_blocks(ext2_filsys view, jbd_overlay_view_fn read, void *ctx,
		      ext2_ino_t ino, const uint8_t *raw, struct jbd_blkset *out)
{
	struct ext2_inode_large in;

	jbd_inode_cpu(view, raw, &in);
	jbd_inode_walk(view, read, ctx, ino, &in, add_block, out);
}
