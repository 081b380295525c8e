/*
 * undofile.c: write an e2undo file before replay writes anything.
 *
 * The format is e2fsprogs' "E2UNDO02" (lib/ext2fs/undo_io.c, misc/e2undo.c),
 * in blocks of the filesystem's block size:
 *   block 0   the header: magic, key count, where the superblock copy and
 *             the first key block are, block sizes, crc32c of the
 *             superblock copy, state (1: finished), crc32c of the header
 *   block 1   the filesystem superblock e2undo expects to find, with
 *             s_magic inverted (later, the header points to a newer copy
 *             after the data)
 *   block 2.. a key block (magic 0xCADECADE, crc32c of the block, then
 *             16-byte keys: fs block, crc32c of the data, size in bytes),
 *             then the data of its keys, then the next key block, ...
 * e2undo checks every crc before it writes anything, and refuses a
 * filesystem whose superblock is not the copy's.
 *
 * Crash points: the keys and data are written and synced, then the header
 * and the superblock copy, synced, before the first home write: a power
 * cut before that leaves the filesystem untouched and an undo file e2undo
 * rejects as a whole.  The copy is the superblock as it is before replay,
 * until jbd_undo_expect_super() replaces it just before replay writes its
 * final superblock: e2undo then undoes the finished replay too.  A power
 * cut between those two writes leaves a filesystem whose superblock is
 * not the copy: e2undo refuses it, writing nothing (e2undo -f restores
 * the blocks and marks the filesystem for a check).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "jbd2-format.h"
#include "undofile.h"

#define HDR_SIZE	512
#define HDR_CRC_OFF	508
#define KEY_SIZE	16
#define KEY_MAGIC	0xCADECADEU
#define STATE_FINISHED	0x1
#define MAX_RUN		128	/* blocks one key covers (e2undo: <= 512) */
#define SB_MAGIC_OFF	0x38

/* The superblock copy (magic inverted) in buf, its crc32c returned. */
static uint32_t super_copy(uint8_t *buf, const uint8_t sb[1024])
{
	uint32_t crc = ext2fs_crc32c_le(~0U, sb, 1024);

	memcpy(buf, sb, 1024);
	buf[SB_MAGIC_OFF] = (uint8_t)~sb[SB_MAGIC_OFF];
	buf[SB_MAGIC_OFF + 1] = (uint8_t)~sb[SB_MAGIC_OFF + 1];
	return crc;
}

static void header(uint8_t *h, uint64_t nkeys, uint32_t bs, uint32_t sb_crc)
{
	memset(h, 0, HDR_SIZE);
	memcpy(h, "E2UNDO02", 8);
	put_le64(h + 8, nkeys);
	put_le64(h + 16, 1);		/* superblock copy: block 1 */
	put_le64(h + 24, 2);		/* first key block: block 2 */
	put_le32(h + 32, bs);		/* undo file block size */
	put_le32(h + 36, bs);		/* filesystem block size */
	put_le32(h + 40, sb_crc);
	put_le32(h + 44, STATE_FINISHED);
	put_le32(h + HDR_CRC_OFF, ext2fs_crc32c_le(~0U, h, HDR_CRC_OFF));
}

/* A new file's name is durable once its directory is synced. */
static void sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	fd = open(slash ? dir : ".", O_RDONLY);
	if (fd >= 0) {
		(void)fsync(fd);	/* not every system syncs directories */
		close(fd);
	}
	free(dir);
}

static int cmp_blk(const void *a, const void *b)
{
	blk64_t x = *(const blk64_t *)a, y = *(const blk64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every block replay writes, sorted, once each. */
static errcode_t planned_blocks(struct jbd_journal *j,
				const struct jbd_recovery *r,
				blk64_t **ret, size_t *ret_n)
{
	blk64_t *b = malloc((r->nblocks + 2) * sizeof(*b));
	size_t i, n = 0, k;
	uint32_t x;

	if (!b)
		return EXT2_ET_NO_MEMORY;
	for (i = 0; i < r->nplan; i++)
		for (x = 0; x < r->plan[i].count; x++)
			b[n++] = r->plan[i].fsblk + x;
	b[n++] = SUPERBLOCK_OFFSET / j->fs->blocksize;
	if (j->source == JBD_SRC_INTERNAL &&
	    !jbd_journal_pblk(j, j->sb_jblk, &b[n]))
		n++;
	qsort(b, n, sizeof(*b), cmp_blk);
	for (i = k = 0; i < n; i++)
		if (!k || b[k - 1] != b[i])
			b[k++] = b[i];
	*ret = b;
	*ret_n = k;
	return 0;
}

/* Keys and data from block 2 on; the number of keys in *ret_nkeys. */
static errcode_t write_keys(int fd, struct jbd_journal *j, const blk64_t *b,
			    size_t n, uint64_t *ret_nkeys)
{
	uint32_t bs = j->fs->blocksize;
	size_t per_block = bs / KEY_SIZE - 1, in_block = 0, i = 0;
	uint64_t next = 3, kb = 2, nkeys = 0;
	uint8_t *keyb = NULL, *data = NULL;
	errcode_t err;

	err = ext2fs_get_mem(bs, &keyb);
	if (!err)
		err = ext2fs_get_mem((size_t)MAX_RUN * bs, &data);
	if (err)
		goto out;
	memset(keyb, 0, bs);
	while (i < n) {
		size_t run = 1;
		uint8_t *key;

		while (i + run < n && run < MAX_RUN && b[i + run] == b[i] + run)
			run++;
		err = io_channel_read_blk64(j->fs->io, b[i], (int)run, data);
		if (!err)
			err = jbd_pwrite_all(fd, data, run * bs, (off_t)(next * bs));
		if (err)
			goto out;
		key = keyb + KEY_SIZE * (1 + in_block++);
		put_le64(key, b[i]);
		put_le32(key + 8, ext2fs_crc32c_le(~0U, data, run * bs));
		put_le32(key + 12, (uint32_t)(run * bs));
		next += run;
		nkeys++;
		i += run;
		if (in_block < per_block && i < n)
			continue;
		/* This key block is full, or the last one: write it. */
		put_le32(keyb, KEY_MAGIC);
		put_le32(keyb + 4, 0);
		put_le32(keyb + 4, ext2fs_crc32c_le(~0U, keyb, bs));
		err = jbd_pwrite_all(fd, keyb, bs, (off_t)(kb * bs));
		if (err)
			goto out;
		memset(keyb, 0, bs);
		in_block = 0;
		kb = next++;
	}
	*ret_nkeys = nkeys;
out:
	ext2fs_free_mem(&keyb);
	ext2fs_free_mem(&data);
	return err;
}

/* Header and superblock copy (blocks 0 and 1) for nkeys keys, synced. */
static errcode_t write_head(int fd, uint32_t bs, uint64_t nkeys,
			    const uint8_t sb[1024])
{
	uint8_t *buf;
	uint32_t crc;
	errcode_t err;

	err = ext2fs_get_memzero((size_t)2 * bs, &buf);
	if (err)
		return err;
	crc = super_copy(buf + bs, sb);
	header(buf, nkeys, bs, crc);
	err = jbd_pwrite_all(fd, buf, (size_t)2 * bs, 0);
	if (!err && fsync(fd) < 0)
		err = errno;
	ext2fs_free_mem(&buf);
	return err;
}

errcode_t jbd_undo_save_plan(struct jbd_journal *j, const struct jbd_recovery *r,
			     const char *path)
{
	uint8_t sb[1024];
	blk64_t *blocks = NULL;
	size_t n = 0;
	uint64_t nkeys = 0;
	errcode_t err;
	int fd;

	err = jbd_read_fs_super(j, sb);
	if (!err)
		err = planned_blocks(j, r, &blocks, &n);
	if (err)
		return err;
	/* An undo file left by a replay that a power cut stopped holds the
	 * originals: never overwrite one (an empty file is welcome). */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || lseek(fd, 0, SEEK_END) != 0) {
		err = fd < 0 ? errno : EEXIST;
		if (fd >= 0)
			close(fd);
		free(blocks);
		return err;
	}
	err = write_keys(fd, j, blocks, n, &nkeys);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (!err)
		err = write_head(fd, j->fs->blocksize, nkeys, sb);
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err)
		sync_dir(path);
	free(blocks);
	return err;
}

errcode_t jbd_undo_expect_super(const char *path, const uint8_t sb[1024])
{
	uint8_t h[HDR_SIZE], copy[1024];
	uint32_t bs, crc;
	errcode_t err = 0;
	ssize_t got;
	off_t end;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return errno;
	got = pread(fd, h, HDR_SIZE, 0);
	end = lseek(fd, 0, SEEK_END);
	if (got != HDR_SIZE || end < 0) {
		err = got < 0 || end < 0 ? errno : EXT2_ET_SHORT_READ;
		goto out;
	}
	bs = (uint32_t)h[32] | (uint32_t)h[33] << 8 | (uint32_t)h[34] << 16 |
	     (uint32_t)h[35] << 24;
	if (!bs) {
		err = EXT2_ET_SHORT_READ;
		goto out;
	}
	/*
	 * The new copy goes in a block of its own after the data, synced;
	 * then one 512-byte write of the header (one sector) switches to
	 * it, so that the undo file holds one copy or the other, whole.
	 */
	end = (end + bs - 1) / bs;
	crc = super_copy(copy, sb);
	err = jbd_pwrite_all(fd, copy, sizeof(copy), end * (off_t)bs);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (err)
		goto out;
	put_le64(h + 16, (uint64_t)end);
	put_le32(h + 40, crc);
	put_le32(h + HDR_CRC_OFF, ext2fs_crc32c_le(~0U, h, HDR_CRC_OFF));
	err = jbd_pwrite_all(fd, h, HDR_SIZE, 0);
	if (!err && fsync(fd) < 0)
		err = errno;
out:
	close(fd);
	return err;
}
