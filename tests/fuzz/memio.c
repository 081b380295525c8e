/*
 * memio.c: an io manager over an image in memory, for the fuzz target.
 *
 * Every channel it opens, whatever its name, reads and writes the one
 * image set with memio_set_image().  Writes are recorded, so that
 * memio_reset() puts back the bytes they changed (and the caller's own
 * patches) from the pristine copy without copying the whole image for
 * each input: a run costs what it reads and writes, not the image size.
 */
#include <stdlib.h>
#include <string.h>

#include "memio.h"

struct range {
	uint64_t off, len;
};

static uint8_t *image;		/* what the channels see */
static const uint8_t *pristine;
static uint64_t image_len;
static struct range *dirty;
static size_t ndirty, cap_dirty;
static struct range *forbidden;	/* sorted, apart */
static size_t nforbidden;
static unsigned long nbad;
static uint64_t first_bad;

void memio_set_image(uint8_t *img, const uint8_t *orig, uint64_t len)
{
	image = img;
	pristine = orig;
	image_len = len;
	ndirty = 0;
}

/* Note bytes [off, off + len) as changed. */
void memio_dirty(uint64_t off, uint64_t len)
{
	if (ndirty == cap_dirty) {
		size_t cap = cap_dirty ? cap_dirty * 2 : 64;
		struct range *r = realloc(dirty, cap * sizeof(*r));

		if (!r)
			abort();
		dirty = r;
		cap_dirty = cap;
	}
	dirty[ndirty++] = (struct range){ off, len };
}

void memio_reset(void)
{
	size_t i;

	for (i = 0; i < ndirty; i++)
		memcpy(image + dirty[i].off, pristine + dirty[i].off, dirty[i].len);
	ndirty = 0;
	nbad = 0;
}

/* Ranges are added in order; one that continues the last extends it. */
void memio_forbid(uint64_t off, uint64_t len)
{
	struct range *r;

	if (nforbidden && forbidden[nforbidden - 1].off +
			  forbidden[nforbidden - 1].len == off) {
		forbidden[nforbidden - 1].len += len;
		return;
	}
	r = realloc(forbidden, (nforbidden + 1) * sizeof(*r));
	if (!r)
		abort();
	forbidden = r;
	forbidden[nforbidden++] = (struct range){ off, len };
}

unsigned long memio_bad_writes(uint64_t *first_off)
{
	if (nbad && first_off)
		*first_off = first_bad;
	return nbad;
}

static void bad_write(uint64_t off)
{
	if (!nbad++)
		first_bad = off;
}

static void check_write(uint64_t off, uint64_t len)
{
	size_t lo = 0, hi = nforbidden;

	/* The first range that ends after off: does it start before the end? */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (forbidden[mid].off + forbidden[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nforbidden && forbidden[lo].off < off + len)
		bad_write(off > forbidden[lo].off ? off : forbidden[lo].off);
}

static errcode_t mem_rw(io_channel ch, unsigned long long block, int count,
			void *data, int write)
{
	uint64_t len = count < 0 ? (uint64_t)-count :
		       (uint64_t)count * (uint64_t)ch->block_size;
	uint64_t off = block * (uint64_t)ch->block_size;

	if (off > image_len || len > image_len - off) {
		/* As a file would: a short read is zero-filled and fails. */
		if (!write) {
			memset(data, 0, len);
			if (off < image_len)
				memcpy(data, image + off, image_len - off);
			return EXT2_ET_SHORT_READ;
		}
		bad_write(off);
		return EXT2_ET_SHORT_WRITE;
	}
	if (write) {
		check_write(off, len);
		memio_dirty(off, len);
		memcpy(image + off, data, len);
	} else {
		memcpy(data, image + off, len);
	}
	return 0;
}

static errcode_t mem_read64(io_channel ch, unsigned long long block, int count,
			    void *data)
{
	return mem_rw(ch, block, count, data, 0);
}

static errcode_t mem_write64(io_channel ch, unsigned long long block, int count,
			     const void *data)
{
	return mem_rw(ch, block, count, (void *)data, 1);
}

static errcode_t mem_read(io_channel ch, unsigned long block, int count,
			  void *data)
{
	return mem_rw(ch, block, count, data, 0);
}

static errcode_t mem_write(io_channel ch, unsigned long block, int count,
			   const void *data)
{
	return mem_rw(ch, block, count, (void *)data, 1);
}

static errcode_t mem_write_byte(io_channel ch, unsigned long offset, int size,
				const void *data)
{
	(void)ch;
	if (size < 0 || offset > image_len || (uint64_t)size > image_len - offset) {
		bad_write(offset);
		return EXT2_ET_SHORT_WRITE;
	}
	check_write(offset, (uint64_t)size);
	memio_dirty(offset, (uint64_t)size);
	memcpy(image + offset, data, (size_t)size);
	return 0;
}

static errcode_t mem_set_blksize(io_channel ch, int blksize)
{
	ch->block_size = blksize;
	return 0;
}

static errcode_t mem_flush(io_channel ch)
{
	(void)ch;
	return 0;
}

static errcode_t mem_set_option(io_channel ch, const char *opt, const char *arg)
{
	(void)ch;
	(void)opt;
	(void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t mem_close(io_channel ch)
{
	if (--ch->refcount > 0)
		return 0;
	free(ch->name);
	free(ch);
	return 0;
}

static errcode_t mem_open(const char *name, int flags, io_channel *ret);

static struct struct_io_manager mem_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "jbdctl fuzz memory I/O manager",
	.open = mem_open,
	.close = mem_close,
	.set_blksize = mem_set_blksize,
	.read_blk = mem_read,
	.write_blk = mem_write,
	.flush = mem_flush,
	.write_byte = mem_write_byte,
	.set_option = mem_set_option,
	.read_blk64 = mem_read64,
	.write_blk64 = mem_write64,
};
io_manager memio_manager = &mem_manager;

static errcode_t mem_open(const char *name, int flags, io_channel *ret)
{
	io_channel ch;

	(void)flags;
	if (!image)
		return EXT2_ET_BAD_DEVICE_NAME;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return EXT2_ET_NO_MEMORY;
	ch->name = strdup(name ? name : "memory");
	if (!ch->name) {
		free(ch);
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = memio_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	*ret = ch;
	return 0;
}
