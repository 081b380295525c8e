/*
 * overlay-io.c: a read-only io_manager over the image and the recovery
 * plan (see overlay-io.h).  Reads may be of any size and alignment (the
 * superblock is read as 1024 bytes at byte 1024); each filesystem block
 * they touch is fetched whole, from the log or from the image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "overlay-io.h"

struct overlay {
	struct jbd_journal *j;
	const struct jbd_recovery *r;
	uint32_t bs;			/* filesystem block size */
	uint8_t *block;
	jbd_overlay_view_fn view;	/* when set, blocks come from it */
	void *view_ctx;
};

static struct struct_io_manager overlay_manager;

static errcode_t read_fs_block(struct overlay *ov, uint64_t fsblk)
{
	struct jbd_replay_block p;
	bool good = false;
	errcode_t err = 0;

	if (ov->view) {
		if (!ov->view(ov->view_ctx, fsblk, ov->block))
			memset(ov->block, 0, ov->bs);
		return 0;
	}
	if (jbd_plan_find(ov->r, fsblk, &p))
		err = jbd_read_planned_copy(ov->j, &p, ov->block, &good);
	if (err || good)
		return err;
	return io_channel_read_blk64(ov->j->fs->io, fsblk, 1, ov->block);
}

static errcode_t overlay_open(const char *name, int flags, io_channel *ret)
{
	struct overlay *ov = NULL;
	io_channel io;

	if (flags & IO_FLAG_RW)
		return EXT2_ET_RO_FILSYS;
	if (sscanf(name, "jbd-overlay:%p", (void **)&ov) != 1 || !ov)
		return EXT2_ET_BAD_DEVICE_NAME;
	io = calloc(1, sizeof(*io));
	if (!io)
		return EXT2_ET_NO_MEMORY;
	io->name = strdup(name);
	if (!io->name) {
		free(io);
		return EXT2_ET_NO_MEMORY;
	}
	io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	io->manager = &overlay_manager;
	io->block_size = 1024;
	io->refcount = 1;
	io->private_data = ov;
	*ret = io;
	return 0;
}

static errcode_t overlay_close(io_channel io)
{
	if (--io->refcount > 0)
		return 0;
	free(io->name);
	free(io);
	return 0;
}

static errcode_t overlay_set_blksize(io_channel io, int blksize)
{
	io->block_size = blksize;
	return 0;
}

static errcode_t overlay_read64(io_channel io, unsigned long long block,
				int count, void *data)
{
	struct overlay *ov = io->private_data;
	uint64_t off = block * (uint64_t)io->block_size;
	uint64_t len = count < 0 ? (uint64_t)-(int64_t)count :
		       (uint64_t)count * (uint64_t)io->block_size;
	uint8_t *out = data;
	errcode_t err;

	while (len) {
		uint64_t fsblk = off / ov->bs;
		uint32_t in = (uint32_t)(off % ov->bs);
		uint64_t n = ov->bs - in < len ? ov->bs - in : len;

		err = read_fs_block(ov, fsblk);
		if (err)
			return err;
		memcpy(out, ov->block + in, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

static errcode_t overlay_read(io_channel io, unsigned long block, int count,
			      void *data)
{
	return overlay_read64(io, block, count, data);
}

static errcode_t overlay_write(io_channel io, unsigned long block, int count,
			       const void *data)
{
	(void)io; (void)block; (void)count; (void)data;
	return EXT2_ET_RO_FILSYS;
}

static errcode_t overlay_write64(io_channel io, unsigned long long block,
				 int count, const void *data)
{
	(void)io; (void)block; (void)count; (void)data;
	return EXT2_ET_RO_FILSYS;
}

static errcode_t overlay_flush(io_channel io)
{
	(void)io;
	return 0;
}

static errcode_t overlay_set_option(io_channel io, const char *option,
				    const char *arg)
{
	(void)io; (void)option; (void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager overlay_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "jbdctl replay overlay",
	.open = overlay_open,
	.close = overlay_close,
	.set_blksize = overlay_set_blksize,
	.read_blk = overlay_read,
	.write_blk = overlay_write,
	.flush = overlay_flush,
	.set_option = overlay_set_option,
	.read_blk64 = overlay_read64,
	.write_blk64 = overlay_write64,
};

errcode_t jbd_overlay_open(struct jbd_journal *j, const struct jbd_recovery *r,
			   ext2_filsys *ret_fs)
{
	struct overlay *ov;
	char name[64];
	errcode_t err;

	if (!j->fs)
		return EXT2_ET_NO_JOURNAL;
	ov = calloc(1, sizeof(*ov));
	if (!ov)
		return EXT2_ET_NO_MEMORY;
	ov->j = j;
	ov->r = r;
	ov->bs = j->fs->blocksize;
	ov->block = malloc(ov->bs);
	if (!ov->block) {
		free(ov);
		return EXT2_ET_NO_MEMORY;
	}
	snprintf(name, sizeof(name), "jbd-overlay:%p", (void *)ov);
	err = ext2fs_open2(name, NULL, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP |
			   EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0,
			   &overlay_manager, ret_fs);
	if (err) {
		free(ov->block);
		free(ov);
		return err;
	}
	(*ret_fs)->priv_data = ov;
	return 0;
}

void jbd_overlay_set_view(ext2_filsys fs, jbd_overlay_view_fn view, void *ctx)
{
	struct overlay *ov = fs->priv_data;

	ov->view = view;
	ov->view_ctx = ctx;
}

void jbd_overlay_close(ext2_filsys fs)
{
	struct overlay *ov;

	if (!fs)
		return;
	ov = fs->priv_data;
	ext2fs_close_free(&fs);
	if (ov)
		free(ov->block);
	free(ov);
}
