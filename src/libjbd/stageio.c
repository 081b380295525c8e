/*
 * stageio.c: the staging io_manager (see stageio.h).
 */
#include <stdlib.h>
#include <string.h>

#include "stageio.h"

struct held_write {
	unsigned long long off;
	size_t len;
	unsigned char *data;
};

struct stage_data {
	io_channel real;
	int dry;		/* hold every write, drop them at close */
	struct held_write *held;
	size_t nheld, cap;
	struct jbd_stage_plan plan;
	int has_plan;
};

static io_manager backing;
static int dry_run;
static errcode_t close_status;

void jbd_stage_set_backing(io_manager m, int dry)
{
	backing = m;
	dry_run = dry;
}

errcode_t jbd_stage_close_status(void)
{
	return close_status;
}

void jbd_stage_set_plan(io_channel channel, const struct jbd_stage_plan *plan)
{
	struct stage_data *d = channel->private_data;

	d->plan = *plan;
	d->has_plan = 1;
}

void jbd_stage_drop(io_channel channel)
{
	struct stage_data *d = channel->private_data;
	size_t i;

	for (i = 0; i < d->nheld; i++)
		ext2fs_free_mem(&d->held[i].data);
	d->nheld = 0;
}

static errcode_t stage_open(const char *name, int flags, io_channel *ret)
{
	io_manager real_mgr = backing ? backing : unix_io_manager;
	struct stage_data *d = NULL;
	io_channel ch;
	errcode_t err;

	err = ext2fs_get_memzero(sizeof(*ch), &ch);
	if (err)
		return err;
	err = ext2fs_get_memzero(sizeof(*d), &d);
	if (!err && dry_run) {
		d->dry = 1;
		flags &= ~(IO_FLAG_RW | IO_FLAG_EXCLUSIVE);
	}
	if (!err)
		err = real_mgr->open(name, flags, &d->real);
	if (!err)
		err = ext2fs_get_mem(strlen(name) + 1, &ch->name);
	if (err) {
		if (d && d->real)
			io_channel_close(d->real);
		ext2fs_free_mem(&d);
		ext2fs_free_mem(&ch);
		return err;
	}
	strcpy(ch->name, name);
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = jbd_stage_io_manager;
	ch->block_size = d->real->block_size;
	ch->refcount = 1;
	ch->flags = d->real->flags;
	ch->align = d->real->align;
	ch->private_data = d;
	*ret = ch;
	return 0;
}

static unsigned long long nbytes(io_channel ch, int count)
{
	return count < 0 ? (unsigned long long)-count :
			   (unsigned long long)count * ch->block_size;
}

static errcode_t stage_set_blksize(io_channel ch, int blksize)
{
	struct stage_data *d = ch->private_data;
	errcode_t err = io_channel_set_blksize(d->real, blksize);

	if (!err)
		ch->block_size = blksize;
	return err;
}

/* Reads see the held writes, in the order they were made. */
static errcode_t stage_read64(io_channel ch, unsigned long long block,
			      int count, void *buf)
{
	struct stage_data *d = ch->private_data;
	unsigned long long off = block * ch->block_size, len = nbytes(ch, count);
	errcode_t err = io_channel_read_blk64(d->real, block, count, buf);
	size_t i;

	if (err)
		return err;
	for (i = 0; i < d->nheld; i++) {
		const struct held_write *h = &d->held[i];
		unsigned long long lo = h->off > off ? h->off : off;
		unsigned long long hi = h->off + h->len < off + len ?
					h->off + h->len : off + len;

		if (lo < hi)
			memcpy((unsigned char *)buf + (lo - off),
			       h->data + (lo - h->off), hi - lo);
	}
	return 0;
}

static errcode_t stage_read(io_channel ch, unsigned long block, int count,
			    void *buf)
{
	return stage_read64(ch, block, count, buf);
}

/* Is every filesystem block of the byte range free before the command? */
static int was_free(const struct stage_data *d, unsigned long long off,
		    unsigned long long len)
{
	unsigned long long bs = d->plan.fs_blocksize, b;

	if (!d->has_plan || !d->plan.free_map || !len)
		return 0;
	for (b = off / bs; b <= (off + len - 1) / bs; b++)
		if (b < d->plan.first_data_blk || b >= d->plan.blocks_count ||
		    ext2fs_test_block_bitmap2(d->plan.free_map, b))
			return 0;
	return 1;
}

/* May this write go straight to the disk? */
static int all_free(const struct stage_data *d, unsigned long long off,
		    unsigned long long len)
{
	return !d->dry && was_free(d, off, len);
}

static errcode_t stage_write64(io_channel ch, unsigned long long block,
			       int count, const void *buf)
{
	struct stage_data *d = ch->private_data;
	unsigned long long off = block * ch->block_size, len = nbytes(ch, count);
	struct held_write *h;
	errcode_t err;

	if (all_free(d, off, len))
		return io_channel_write_blk64(d->real, block, count, buf);
	/* Dry: a new journal's contents need not be kept, only its map. */
	if (d->dry && len > d->plan.fs_blocksize && was_free(d, off, len))
		return 0;
	if (d->nheld == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct held_write *n = realloc(d->held, cap * sizeof(*n));

		if (!n)
			return EXT2_ET_NO_MEMORY;
		d->held = n;
		d->cap = cap;
	}
	h = &d->held[d->nheld];
	err = ext2fs_get_mem(len, &h->data);
	if (err)
		return err;
	memcpy(h->data, buf, len);
	h->off = off;
	h->len = len;
	d->nheld++;
	return 0;
}

static errcode_t stage_write(io_channel ch, unsigned long block, int count,
			     const void *buf)
{
	return stage_write64(ch, block, count, buf);
}

/* Zeroing and discards reach only blocks that were free. */
static errcode_t stage_zeroout(io_channel ch, unsigned long long block,
			       unsigned long long count)
{
	struct stage_data *d = ch->private_data;

	/* Elsewhere libext2fs writes zeroes (held, or dropped dry). */
	if (d->dry && was_free(d, block * ch->block_size, count * ch->block_size))
		return 0;
	if (!all_free(d, block * ch->block_size, count * ch->block_size))
		return EXT2_ET_UNIMPLEMENTED;
	return io_channel_zeroout(d->real, block, count);
}

static errcode_t stage_discard(io_channel ch, unsigned long long block,
			       unsigned long long count)
{
	struct stage_data *d = ch->private_data;

	if (!all_free(d, block * ch->block_size, count * ch->block_size))
		return EXT2_ET_UNIMPLEMENTED;
	return io_channel_discard(d->real, block, count);
}

/* Held writes stay held: only the pass-through ones are flushed. */
static errcode_t stage_flush(io_channel ch)
{
	struct stage_data *d = ch->private_data;

	return io_channel_flush(d->real);
}

static errcode_t stage_set_option(io_channel ch, const char *opt,
				  const char *arg)
{
	struct stage_data *d = ch->private_data;

	if (!d->real->manager->set_option)
		return EXT2_ET_INVALID_ARGUMENT;
	return d->real->manager->set_option(d->real, opt, arg);
}

static errcode_t stage_get_stats(io_channel ch, io_stats *stats)
{
	struct stage_data *d = ch->private_data;

	if (!d->real->manager->get_stats)
		return EXT2_ET_UNIMPLEMENTED;
	return d->real->manager->get_stats(d->real, stats);
}

static errcode_t stage_readahead(io_channel ch, unsigned long long block,
				 unsigned long long count)
{
	struct stage_data *d = ch->private_data;

	return io_channel_cache_readahead(d->real, block, count);
}

static int is_bitmap(const struct jbd_stage_plan *p, blk64_t blk)
{
	size_t lo = 0, hi = p->nbitmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->bitmap_blks[mid] == blk)
			return 1;
		if (p->bitmap_blks[mid] < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static enum jbd_stage_class classify(const struct stage_data *d,
				     const struct held_write *h)
{
	const struct jbd_stage_plan *p = &d->plan;
	blk64_t blk;

	if (h->off == 1024 && h->len <= 1024)
		return JBD_STAGE_PRIMARY;
	blk = h->off / p->fs_blocksize;
	if (h->len <= p->fs_blocksize && blk == p->inode_blk)
		return JBD_STAGE_INODE;
	if (h->len <= p->fs_blocksize && is_bitmap(p, blk))
		return JBD_STAGE_BITMAP;
	return JBD_STAGE_OTHER;
}

/*
 * Write the held blocks class by class, each class in libext2fs's order,
 * with a flush (fsync) after each: a later class reaches the disk only
 * after every earlier one.  Byte writes through a 1-byte block size keep
 * any block alignment out of the way.
 */
static errcode_t write_held(io_channel ch)
{
	struct stage_data *d = ch->private_data;
	int old_bs = ch->block_size;
	errcode_t err = 0;
	size_t i;
	int c;

	if (!d->nheld)
		return 0;
	for (c = 0; !err && c < JBD_STAGE_NCLASSES; c++) {
		enum jbd_stage_class want = d->has_plan ? d->plan.order[c] :
					    (enum jbd_stage_class)c;
		int any = 0;

		for (i = 0; !err && i < d->nheld; i++) {
			const struct held_write *h = &d->held[i];

			if ((d->has_plan ? classify(d, h) : JBD_STAGE_OTHER) != want)
				continue;
			/* whole filesystem blocks when aligned, else bytes */
			if (h->off % d->plan.fs_blocksize == 0 &&
			    h->len % d->plan.fs_blocksize == 0 && d->has_plan) {
				err = io_channel_set_blksize(d->real,
							     d->plan.fs_blocksize);
				if (!err)
					err = io_channel_write_blk64(d->real,
						h->off / d->plan.fs_blocksize,
						h->len / d->plan.fs_blocksize,
						h->data);
			} else {
				err = io_channel_set_blksize(d->real, 1024);
				if (!err)
					err = io_channel_write_blk64(d->real,
						h->off / 1024, -(int)h->len,
						h->data);
			}
			any = 1;
		}
		if (!err && any)
			err = io_channel_flush(d->real);
	}
	if (!err)
		err = io_channel_set_blksize(d->real, old_bs);
	return err;
}

static errcode_t stage_close(io_channel ch)
{
	struct stage_data *d = ch->private_data;
	errcode_t err;
	size_t i;

	if (--ch->refcount > 0)
		return 0;
	if (d->dry)
		jbd_stage_drop(ch);
	err = write_held(ch);
	close_status = err;
	if (!err)
		err = io_channel_close(d->real);
	else
		io_channel_close(d->real);
	if (err && !close_status)
		close_status = err;
	for (i = 0; i < d->nheld; i++)
		ext2fs_free_mem(&d->held[i].data);
	free(d->held);
	ext2fs_free_mem(&d);
	ext2fs_free_mem(&ch->name);
	ext2fs_free_mem(&ch);
	return err;
}

static struct struct_io_manager stage_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "jbdctl staging I/O manager",
	.open = stage_open,
	.close = stage_close,
	.set_blksize = stage_set_blksize,
	.read_blk = stage_read,
	.write_blk = stage_write,
	.flush = stage_flush,
	.set_option = stage_set_option,
	.get_stats = stage_get_stats,
	.read_blk64 = stage_read64,
	.write_blk64 = stage_write64,
	.discard = stage_discard,
	.cache_readahead = stage_readahead,
	.zeroout = stage_zeroout,
};

io_manager jbd_stage_io_manager = &stage_manager;
