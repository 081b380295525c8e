/*
 * capture.c: the write-capturing io manager (see capture.h).  Writes are
 * kept in 1 KiB units (the smallest ext2 block), whatever block size the
 * channel has at the time, so superblock byte writes and block writes of
 * any size land in the same place.  One capture at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"

#define UNIT 1024U

struct unit {
	uint64_t idx;			/* byte offset / UNIT */
	uint8_t data[UNIT];
};

struct jbd_capture {
	struct unit *u;
	size_t n, cap;
	io_channel real;
};

static struct jbd_capture *current;

static struct unit *find(struct jbd_capture *c, uint64_t idx)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->u[i].idx == idx)
			return &c->u[i];
	return NULL;
}

static errcode_t real_read(struct jbd_capture *c, uint64_t off, size_t len,
			   void *buf)
{
	/* The real channel stays at UNIT-sized blocks; off is aligned. */
	return io_channel_read_blk64(c->real, off / UNIT, -(int)len, buf);
}

static errcode_t cap_read(struct jbd_capture *c, uint64_t off, size_t len,
			  uint8_t *buf)
{
	uint64_t first = off / UNIT, last = (off + len - 1) / UNIT, i;
	uint64_t aoff = first * UNIT;
	size_t alen = (size_t)((last - first + 1) * UNIT);
	uint8_t *tmp = malloc(alen);
	errcode_t err;

	if (!tmp)
		return EXT2_ET_NO_MEMORY;
	err = real_read(c, aoff, alen, tmp);
	for (i = first; !err && i <= last; i++) {
		struct unit *u = find(c, i);

		if (u)
			memcpy(tmp + (i - first) * UNIT, u->data, UNIT);
	}
	if (!err)
		memcpy(buf, tmp + (off - aoff), len);
	free(tmp);
	return err;
}

static errcode_t cap_write(struct jbd_capture *c, uint64_t off, size_t len,
			   const uint8_t *buf)
{
	uint64_t i, first = off / UNIT, last = (off + len - 1) / UNIT;
	errcode_t err;

	for (i = first; i <= last; i++) {
		struct unit *u = find(c, i);
		uint64_t ustart = i * UNIT, from, to;

		if (!u) {
			if (c->n == c->cap) {
				size_t cap = c->cap ? c->cap * 2 : 64;
				struct unit *v = realloc(c->u, cap * sizeof(*v));

				if (!v)
					return EXT2_ET_NO_MEMORY;
				c->u = v;
				c->cap = cap;
			}
			u = &c->u[c->n];
			u->idx = i;
			err = real_read(c, ustart, UNIT, u->data);
			if (err)
				return err;
			c->n++;
		}
		from = off > ustart ? off : ustart;
		to = off + len < ustart + UNIT ? off + len : ustart + UNIT;
		memcpy(u->data + (from - ustart), buf + (from - off), to - from);
	}
	return 0;
}

static size_t bytes(io_channel ch, int count)
{
	return count < 0 ? (size_t)-count : (size_t)count * ch->block_size;
}

static errcode_t m_open(const char *name, int flags, io_channel *ret)
{
	io_channel ch;
	errcode_t err;

	(void)flags;
	if (!current)
		return EXT2_ET_BAD_DEVICE_NAME;
	err = unix_io_manager->open(name, 0, &current->real);
	if (err)
		return err;
	io_channel_set_blksize(current->real, UNIT);
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->name = strdup(name))) {
		free(ch);
		io_channel_close(current->real);
		current->real = NULL;
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = jbd_capture_io_manager;
	ch->block_size = UNIT;
	ch->refcount = 1;
	ch->private_data = current;
	*ret = ch;
	return 0;
}

static errcode_t m_close(io_channel ch)
{
	struct jbd_capture *c = ch->private_data;

	if (--ch->refcount > 0)
		return 0;
	if (c->real)
		io_channel_close(c->real);
	c->real = NULL;
	free(ch->name);
	free(ch);
	return 0;
}

static errcode_t m_set_blksize(io_channel ch, int blksize)
{
	ch->block_size = blksize;
	return 0;
}

static errcode_t m_read64(io_channel ch, unsigned long long blk, int count,
			  void *data)
{
	return cap_read(ch->private_data, blk * ch->block_size,
			bytes(ch, count), data);
}

static errcode_t m_write64(io_channel ch, unsigned long long blk, int count,
			   const void *data)
{
	return cap_write(ch->private_data, blk * ch->block_size,
			 bytes(ch, count), data);
}

static errcode_t m_read(io_channel ch, unsigned long blk, int count, void *data)
{
	return m_read64(ch, blk, count, data);
}

static errcode_t m_write(io_channel ch, unsigned long blk, int count,
			 const void *data)
{
	return m_write64(ch, blk, count, data);
}

static errcode_t m_write_byte(io_channel ch, unsigned long off, int count,
			      const void *data)
{
	return cap_write(ch->private_data, off, (size_t)count, data);
}

static errcode_t m_flush(io_channel ch)
{
	(void)ch;
	return 0;
}

static errcode_t m_set_option(io_channel ch, const char *opt, const char *arg)
{
	(void)ch; (void)opt; (void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager capture_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "jbdctl capture",
	.open = m_open,
	.close = m_close,
	.set_blksize = m_set_blksize,
	.read_blk = m_read,
	.write_blk = m_write,
	.flush = m_flush,
	.write_byte = m_write_byte,
	.set_option = m_set_option,
	.read_blk64 = m_read64,
	.write_blk64 = m_write64,
};

io_manager jbd_capture_io_manager = &capture_manager;

errcode_t jbd_capture_begin(struct jbd_capture **ret)
{
	if (current)
		return EXT2_ET_INVALID_ARGUMENT;
	current = calloc(1, sizeof(*current));
	if (!current)
		return EXT2_ET_NO_MEMORY;
	*ret = current;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

errcode_t jbd_capture_blocks(struct jbd_capture *c, const char *path,
			     uint32_t blocksize, uint64_t **ret_blks,
			     uint8_t **ret_data, size_t *ret_n)
{
	uint64_t *blks = NULL;
	uint8_t *data = NULL, *old = NULL;
	size_t i, n = 0, k;
	uint32_t per = blocksize / UNIT;
	errcode_t err;

	*ret_blks = NULL;
	*ret_data = NULL;
	*ret_n = 0;
	if (!c->n)
		return 0;
	blks = malloc(c->n * sizeof(*blks));
	if (!blks)
		return EXT2_ET_NO_MEMORY;
	for (i = 0; i < c->n; i++)
		blks[i] = c->u[i].idx / per;
	qsort(blks, c->n, sizeof(*blks), cmp_u64);
	for (i = 0; i < c->n; i++)
		if (!n || blks[n - 1] != blks[i])
			blks[n++] = blks[i];
	data = malloc(n * blocksize);
	old = malloc(blocksize);
	err = data && old ? unix_io_manager->open(path, 0, &c->real) :
	      EXT2_ET_NO_MEMORY;
	if (!err)
		io_channel_set_blksize(c->real, UNIT);
	for (i = 0, k = 0; !err && i < n; i++) {
		uint8_t *out = data + k * blocksize;

		err = cap_read(c, blks[i] * blocksize, blocksize, out);
		if (!err)
			err = real_read(c, blks[i] * blocksize, blocksize, old);
		if (!err && memcmp(out, old, blocksize))
			blks[k++] = blks[i];	/* changed: kept */
	}
	if (c->real)
		io_channel_close(c->real);
	c->real = NULL;
	free(old);
	if (err) {
		free(blks);
		free(data);
		return err;
	}
	*ret_blks = blks;
	*ret_data = data;
	*ret_n = k;
	return 0;
}

void jbd_capture_end(struct jbd_capture *c)
{
	if (!c)
		return;
	free(c->u);
	free(c);
	if (current == c)
		current = NULL;
}
