/*
 * journal.c: locate and open a journal; map and read its blocks.
 *
 * The internal journal inode is mapped once into a list of extents, so a
 * read of many journal blocks becomes a few large device reads.  A hole,
 * or a block outside the filesystem, makes the journal unusable: e2fsck
 * refuses such an inode too.
 */
#include <stdlib.h>
#include <string.h>

#include "extjournal.h"
#include "jbd2-format.h"
#include "jbd-err.h"
#include "journal.h"

#define FS_OPEN_FLAGS (EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | \
		       EXT2_FLAG_IGNORE_CSUM_ERRORS | EXT2_FLAG_JOURNAL_DEV_OK)

struct map_build {
	struct jbd_journal *j;
	size_t cap;
	e2_blkcnt_t next;	/* next logical block expected */
	errcode_t err;
};

static int map_one_block(ext2_filsys fs, blk64_t *blocknr,
			 e2_blkcnt_t blockcnt, blk64_t ref_blk,
			 int ref_offset, void *priv)
{
	struct map_build *mb = priv;
	struct jbd_journal *j = mb->j;
	struct jbd_extent *last;
	blk64_t pblk = *blocknr;

	(void)ref_blk;
	(void)ref_offset;
	if (blockcnt < 0)
		return 0;
	if (blockcnt != mb->next) {
		mb->err = JBD_ET_JOURNAL_HOLE;
		return BLOCK_ABORT;
	}
	if (pblk < fs->super->s_first_data_block ||
	    pblk >= ext2fs_blocks_count(fs->super)) {
		mb->err = JBD_ET_JOURNAL_BAD_BLOCK;
		return BLOCK_ABORT;
	}
	mb->next++;
	last = j->nmap ? &j->map[j->nmap - 1] : NULL;
	if (last && last->pblk + last->len == pblk) {
		last->len++;
		return 0;
	}
	if (j->nmap == mb->cap) {
		size_t cap = mb->cap ? mb->cap * 2 : 16;
		struct jbd_extent *m = realloc(j->map, cap * sizeof(*m));

		if (!m) {
			mb->err = EXT2_ET_NO_MEMORY;
			return BLOCK_ABORT;
		}
		j->map = m;
		mb->cap = cap;
	}
	j->map[j->nmap++] = (struct jbd_extent){
		.jblk = (uint32_t)blockcnt, .len = 1, .pblk = pblk };
	return 0;
}

/* Append a run of the journal to the map, with the checks of map_one_block. */
static errcode_t map_run(struct map_build *mb, uint64_t lblk, blk64_t pblk,
			 uint32_t len)
{
	ext2_filsys fs = mb->j->fs;
	struct jbd_journal *j = mb->j;

	if (lblk != (uint64_t)mb->next)
		return JBD_ET_JOURNAL_HOLE;
	if (pblk < fs->super->s_first_data_block ||
	    pblk + len > ext2fs_blocks_count(fs->super) || pblk + len < pblk)
		return JBD_ET_JOURNAL_BAD_BLOCK;
	if (j->nmap == mb->cap) {
		size_t cap = mb->cap ? mb->cap * 2 : 16;
		struct jbd_extent *m = realloc(j->map, cap * sizeof(*m));

		if (!m)
			return EXT2_ET_NO_MEMORY;
		j->map = m;
		mb->cap = cap;
	}
	j->map[j->nmap++] = (struct jbd_extent){
		.jblk = (uint32_t)lblk, .len = len, .pblk = pblk };
	mb->next += len;
	return 0;
}

/*
 * An extent-mapped journal, leaf by leaf: a 1 GiB journal is a handful
 * of extents, where iterating its blocks would be a quarter million calls.
 */
static errcode_t map_extents(struct jbd_journal *j, struct map_build *mb)
{
	ext2_extent_handle_t handle;
	struct ext2fs_extent ext;
	errcode_t err;
	int op = EXT2_EXTENT_ROOT;

	err = ext2fs_extent_open2(j->fs, j->ino, NULL, &handle);
	if (err)
		return err;
	for (;;) {
		err = ext2fs_extent_get(handle, op, &ext);
		op = EXT2_EXTENT_NEXT_LEAF;
		if (err == EXT2_ET_EXTENT_NO_NEXT) {
			err = 0;
			break;
		}
		if (err)
			break;
		if (!(ext.e_flags & EXT2_EXTENT_FLAGS_LEAF))
			continue;
		if (ext.e_lblk >= j->nblocks)
			break;
		if (ext.e_len > j->nblocks - ext.e_lblk)
			ext.e_len = j->nblocks - (uint32_t)ext.e_lblk;
		err = map_run(mb, ext.e_lblk, ext.e_pblk, ext.e_len);
		if (err)
			break;
	}
	ext2fs_extent_free(handle);
	return err;
}

/* While the backup is mapped, libext2fs reads it as the journal inode. */
static errcode_t read_backup_inode(ext2_filsys fs, ext2_ino_t ino,
				   struct ext2_inode *inode)
{
	struct jbd_journal *j = fs->priv_data;

	if (!j || ino != j->ino)
		return EXT2_ET_CALLBACK_NOTHANDLED;
	*inode = j->backup_inode;
	return 0;
}

/*
 * Map one version of the journal inode (on disk, or the backup), with the
 * checks of e2fsck_get_journal: in use, a regular file, not encrypted,
 * every block inside the filesystem and no hole.  *ret_small: fewer than
 * JBD2_MIN_JOURNAL_BLOCKS blocks, which e2fsck also calls unusable.
 */
static errcode_t map_inode(struct jbd_journal *j, const struct ext2_inode *inode,
			   bool *ret_small)
{
	ext2_filsys fs = j->fs;
	struct map_build mb = { .j = j };
	uint64_t size;
	errcode_t err;

	free(j->map);
	j->map = NULL;
	j->nmap = 0;
	*ret_small = false;
	if (!inode->i_links_count || !LINUX_S_ISREG(inode->i_mode))
		return JBD_ET_NOT_REGULAR;
	if (inode->i_flags & EXT4_ENCRYPT_FL)
		return JBD_ET_ENCRYPTED;
	size = EXT2_I_SIZE(inode) / fs->blocksize;
	if (size > UINT32_MAX)
		return JBD_ET_BAD_GEOMETRY;
	*ret_small = size < JBD2_MIN_JOURNAL_BLOCKS;
	j->nblocks = (uint32_t)size;
	if (inode->i_flags & EXT4_EXTENTS_FL) {
		err = map_extents(j, &mb);
	} else {
		err = ext2fs_block_iterate3(fs, j->ino, BLOCK_FLAG_READ_ONLY |
					    BLOCK_FLAG_DATA_ONLY, NULL,
					    map_one_block, &mb);
	}
	if (err)
		return err;
	if (mb.err)
		return mb.err;
	if ((uint64_t)mb.next < j->nblocks)
		return JBD_ET_JOURNAL_HOLE;
	return 0;
}

/*
 * The inode e2fsck builds from the superblock's backup: i_block from
 * s_jnl_blocks[0..14], the size from [15] (high) and [16], one link, a
 * regular file of mode 0600, every other field (the flags too) zero.
 */
static void make_backup_inode(ext2_filsys fs, struct ext2_inode *inode)
{
	memset(inode, 0, sizeof(*inode));
	memcpy(inode->i_block, fs->super->s_jnl_blocks, EXT2_N_BLOCKS * 4);
	inode->i_size_high = fs->super->s_jnl_blocks[15];
	inode->i_size = fs->super->s_jnl_blocks[16];
	inode->i_links_count = 1;
	inode->i_mode = LINUX_S_IFREG | 0600;
}

/*
 * Map the journal inode, as e2fsck_get_journal does: an unusable inode
 * (unreadable, not a regular file, encrypted, too small, a block outside
 * the filesystem, a hole) is replaced by the backup in the superblock
 * when s_jnl_backup_type says there is one.  Without a usable backup the
 * inode's own problem is returned (a small inode is left to the journal
 * superblock's checks).
 */
static errcode_t map_internal(struct jbd_journal *j)
{
	ext2_filsys fs = j->fs;
	struct ext2_inode inode;
	void *priv = fs->priv_data;
	bool small = false, bsmall;
	errcode_t err, berr;

	j->ino = fs->super->s_journal_inum;
	if (j->ino < 1 || j->ino > fs->super->s_inodes_count)
		return JBD_ET_BAD_INODE;
	err = ext2fs_read_inode(fs, j->ino, &inode);
	if (!err)
		err = map_inode(j, &inode, &small);
	if ((!err && !small) ||
	    fs->super->s_jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS)
		return err;
	make_backup_inode(fs, &j->backup_inode);
	fs->priv_data = j;
	fs->read_inode = read_backup_inode;
	berr = map_inode(j, &j->backup_inode, &bsmall);
	fs->read_inode = NULL;
	fs->priv_data = priv;
	if (!berr && !bsmall) {
		j->via_backup = true;
		j->inode_error = err ? err : JBD_ET_TOO_SHORT;
		return 0;
	}
	if (!err) {	/* small, and no better backup: as before */
		berr = map_inode(j, &inode, &small);
		return berr;
	}
	return err;
}

errcode_t jbd_iterate_journal_inode(struct jbd_journal *j, int flags,
				    int (*func)(ext2_filsys, blk64_t *,
						e2_blkcnt_t, blk64_t, int,
						void *),
				    void *priv)
{
	ext2_filsys fs = j->fs;
	void *saved = fs->priv_data;
	errcode_t err;

	if (j->via_backup) {
		fs->priv_data = j;
		fs->read_inode = read_backup_inode;
	}
	err = ext2fs_block_iterate3(fs, j->ino, flags, NULL, func, priv);
	if (j->via_backup) {
		fs->read_inode = NULL;
		fs->priv_data = saved;
	}
	return err;
}

errcode_t jbd_restore_journal_inode(struct jbd_journal *j)
{
	errcode_t err;

	if (!j->via_backup)
		return 0;
	err = ext2fs_write_inode(j->fs, j->ino, &j->backup_inode);
	if (!err)
		err = jbd_flush(j);
	if (!err)
		j->via_backup = false;
	return err;
}

/*
 * Close without letting libext2fs write: its in-memory superblock and
 * group descriptors are those read before replay, and ext2fs_close()
 * would write them back (with its own s_kbytes_written) over the ones
 * replay brought home.  Everything jbdctl writes it has already synced.
 */
static void close_fs(ext2_filsys *fs)
{
	(*fs)->flags &= ~(EXT2_FLAG_DIRTY | EXT2_FLAG_RW);
	ext2fs_close_free(fs);
}

/* An ext2 superblock with the journal_dev feature: an external journal. */
static errcode_t use_journal_dev(struct jbd_journal *j, ext2_filsys jdev)
{
	blk64_t blocks = ext2fs_blocks_count(jdev->super);

	if (!ext2fs_has_feature_journal_dev(jdev->super))
		return JBD_ET_NOT_JOURNAL_DEV;
	j->source = JBD_SRC_EXTERNAL;
	j->jdev = jdev;
	j->io = jdev->io;
	j->blocksize = jdev->blocksize;
	j->nblocks = blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks;
	j->sb_jblk = ext2fs_journal_sb_start(jdev->blocksize);
	return 0;
}

/* A file or device whose first block is a JBD2 superblock. */
static errcode_t use_bare_file(struct jbd_journal *j, const char *path,
			       int flags)
{
	uint8_t raw[JBD2_SUPERBLOCK_SIZE];
	struct jbd_sb sb;
	blk64_t size;
	errcode_t err;

	err = unix_io_manager->open(path, ((flags & JBD_OPEN_RW) ? IO_FLAG_RW : 0) |
				    ((flags & JBD_OPEN_EXCL) ? IO_FLAG_EXCLUSIVE : 0),
				    &j->io);
	if (err)
		return err;
	j->own_io = true;
	io_channel_set_blksize(j->io, JBD2_SUPERBLOCK_SIZE);
	err = io_channel_read_blk64(j->io, 0, 1, raw);
	if (err || jbd_sb_decode(raw, &sb))
		return JBD_ET_UNKNOWN_FORMAT;
	if (sb.blocksize < 1024 || sb.blocksize > 65536 ||
	    (sb.blocksize & (sb.blocksize - 1)))
		return JBD_ET_BAD_BLOCKSIZE;
	j->source = JBD_SRC_FILE;
	j->blocksize = sb.blocksize;
	io_channel_set_blksize(j->io, sb.blocksize);
	err = ext2fs_get_device_size2(path, sb.blocksize, &size);
	if (err)
		return err;
	j->nblocks = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	j->sb_jblk = 0;
	return 0;
}

/*
 * Not an ext2 superblock (bad magic, or a file too short to hold one):
 * perhaps a bare journal.  If it is not that either, say so, or keep the
 * short read, which is the more precise complaint.
 */
static errcode_t try_bare_file(struct jbd_journal *j, const char *path,
			       int flags, errcode_t ext2_err)
{
	errcode_t err;

	j->journal_path = path;
	if (!j->fs)
		j->image_path = NULL;
	err = use_bare_file(j, path, flags);
	if (err == JBD_ET_UNKNOWN_FORMAT && ext2_err == EXT2_ET_SHORT_READ)
		return ext2_err;
	return err;
}

/* Open `path` as an external journal: journal_dev first, bare file next. */
static errcode_t open_external(struct jbd_journal *j, const char *path,
			       int flags)
{
	ext2_filsys jdev;
	errcode_t err;

	err = ext2fs_open2(path, NULL, FS_OPEN_FLAGS |
			   ((flags & JBD_OPEN_RW) ? EXT2_FLAG_RW : 0) |
			   ((flags & JBD_OPEN_EXCL) ? EXT2_FLAG_EXCLUSIVE : 0),
			   0, 0, unix_io_manager, &jdev);
	if (err == EXT2_ET_BAD_MAGIC || err == EXT2_ET_SHORT_READ)
		return try_bare_file(j, path, flags, err);
	if (err)
		return err;
	err = use_journal_dev(j, jdev);
	if (err)
		close_fs(&jdev);
	return err;
}

static void load_superblock(struct jbd_journal *j)
{
	uint32_t fs_bs = j->fs ? j->fs->blocksize : j->blocksize;
	uint8_t *block;

	j->sb_error = ext2fs_get_mem(j->blocksize, &block);
	if (j->sb_error)
		return;
	j->sb_error = jbd_read_blocks(j, j->sb_jblk, 1, block);
	if (!j->sb_error) {
		memcpy(j->sb_raw, block, sizeof(j->sb_raw));
		j->sb_error = jbd_sb_decode(j->sb_raw, &j->sb);
	}
	if (!j->sb_error)
		j->sb_error = jbd_sb_validate(&j->sb, fs_bs, j->nblocks);
	ext2fs_free_mem(&block);
}

/* The io manager of filesystem images (tests: one over memory). */
static io_manager fs_io_manager;

void jbd_set_io_manager(io_manager mgr)
{
	fs_io_manager = mgr;
}

/* 0: buffers have their own sizes. */
static size_t buffer_limit;

void jbd_set_buffer_limit(size_t bytes)
{
	buffer_limit = bytes;
}

uint32_t jbd_buffer_blocks(size_t bytes, uint32_t blocksize)
{
	size_t n;

	if (buffer_limit && bytes > buffer_limit)
		bytes = buffer_limit;
	n = bytes / blocksize;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return n ? (uint32_t)n : 1;
}

errcode_t jbd_set_undo_file(const char *path)
{
	static char *undo_path;	/* the undo manager keeps the pointer */
	errcode_t err = set_undo_io_backing_manager(unix_io_manager);

	if (err)
		return err;
	free(undo_path);
	undo_path = strdup(path);
	return undo_path ? set_undo_io_backup_file(undo_path) : EXT2_ET_NO_MEMORY;
}

static errcode_t open_sources(struct jbd_journal *j, const char *image,
			      const char *journal, int flags)
{
	int fsflags = FS_OPEN_FLAGS | ((flags & JBD_OPEN_RW) ? EXT2_FLAG_RW : 0) |
		      ((flags & JBD_OPEN_EXCL) ? EXT2_FLAG_EXCLUSIVE : 0);
	io_manager mgr = (flags & JBD_OPEN_UNDO) ? undo_io_manager : fs_io_manager;
	errcode_t err;

	err = ext2fs_open2(image, NULL, fsflags, 0, 0, mgr, &j->fs);
	if ((err == EXT2_ET_BAD_MAGIC || err == EXT2_ET_SHORT_READ) && !journal)
		return try_bare_file(j, image, flags, err);
	if (err)
		return err;
	if (ext2fs_has_feature_journal_dev(j->fs->super)) {
		ext2_filsys jdev = j->fs;

		if (journal)
			return JBD_ET_NOT_JOURNAL_DEV;	/* image must be a fs */
		j->fs = NULL;
		j->journal_path = image;
		j->image_path = NULL;
		return use_journal_dev(j, jdev);
	}
	if (!ext2fs_has_feature_journal(j->fs->super))
		return JBD_ET_NO_JOURNAL;
	j->blocksize = j->fs->blocksize;
	if (!journal && j->fs->super->s_journal_inum == 0) {
		/* e2fsck's way: by s_journal_uuid (extjournal.c) */
		j->source = JBD_SRC_EXTERNAL;
		j->journal_path = NULL;
		err = jbd_find_external(j->fs->super, &j->found_path,
					&j->found_by_devno);
		if (err)
			return err;
		journal = j->journal_path = j->found_path;
	}
	if (!journal) {
		j->source = JBD_SRC_INTERNAL;
		j->io = j->fs->io;
		j->journal_path = image;
		return map_internal(j);
	}
	if (j->fs->super->s_journal_inum)
		return JBD_ET_INTERNAL_JOURNAL;
	err = open_external(j, journal, flags);
	if (err)
		return err;
	if (j->jdev && memcmp(j->jdev->super->s_uuid,
			      j->fs->super->s_journal_uuid, 16))
		return JBD_ET_UUID_MISMATCH;
	return 0;
}

/*
 * JBD_OPEN_KEEP_FS: the filesystem opened but its external journal did
 * not: drop what was opened of the journal, keep the filesystem.
 */
static bool keep_fs(struct jbd_journal *j)
{
	if (!j->fs || j->fs->super->s_journal_inum ||
	    !ext2fs_has_feature_journal(j->fs->super))
		return false;
	if (j->own_io && j->io)
		io_channel_close(j->io);
	if (j->jdev)
		close_fs(&j->jdev);
	j->io = NULL;
	j->own_io = false;
	j->source = JBD_SRC_EXTERNAL;
	memset(&j->sb, 0, sizeof(j->sb));
	return true;
}

errcode_t jbd_open(const char *image, const char *journal, int flags,
		   struct jbd_journal **ret)
{
	struct jbd_journal *j;
	errcode_t err;

	if (!fs_io_manager)
		fs_io_manager = unix_io_manager;
	j = calloc(1, sizeof(*j));
	if (!j)
		return EXT2_ET_NO_MEMORY;
	j->image_path = image;
	j->journal_path = journal ? journal : image;
	err = open_sources(j, image, journal, flags);
	if (err && (flags & JBD_OPEN_KEEP_FS) && keep_fs(j)) {
		j->journal_error = err;
		*ret = j;
		return 0;
	}
	if (err) {
		jbd_close(j);
		return err;
	}
	load_superblock(j);
	*ret = j;
	return 0;
}

void jbd_close(struct jbd_journal *j)
{
	if (!j)
		return;
	if (j->own_io && j->io)
		io_channel_close(j->io);
	if (j->jdev)
		close_fs(&j->jdev);
	if (j->fs)
		close_fs(&j->fs);
	free(j->map);
	free(j->found_path);
	free(j);
}

/* The extent holding jblk (internal journals), by binary search. */
static const struct jbd_extent *find_extent(const struct jbd_journal *j,
					    uint32_t jblk)
{
	size_t lo = 0, hi = j->nmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct jbd_extent *e = &j->map[mid];

		if (jblk < e->jblk)
			hi = mid;
		else if (jblk - e->jblk >= e->len)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

errcode_t jbd_journal_pblk(const struct jbd_journal *j, uint32_t jblk,
			   blk64_t *ret_pblk)
{
	const struct jbd_extent *e;

	if (jblk >= j->nblocks)
		return JBD_ET_BLOCK_RANGE;
	if (j->source != JBD_SRC_INTERNAL) {
		*ret_pblk = jblk;
		return 0;
	}
	e = find_extent(j, jblk);
	if (!e)
		return JBD_ET_BLOCK_RANGE;
	*ret_pblk = e->pblk + (jblk - e->jblk);
	return 0;
}

/*
 * Read or write count journal blocks: an internal journal is split at
 * extent boundaries into as few device requests as its map allows.
 */
static errcode_t journal_io(struct jbd_journal *j, uint32_t jblk,
			    uint32_t count, uint8_t *buf, bool write)
{
	errcode_t err;

	if (jblk >= j->nblocks || count > j->nblocks - jblk)
		return JBD_ET_BLOCK_RANGE;
	while (count) {
		uint32_t run = count;
		blk64_t pblk;

		if (j->source == JBD_SRC_INTERNAL) {
			const struct jbd_extent *e = find_extent(j, jblk);

			if (!e)
				return JBD_ET_BLOCK_RANGE;
			pblk = e->pblk + (jblk - e->jblk);
			if (run > e->len - (jblk - e->jblk))
				run = e->len - (jblk - e->jblk);
		} else {
			pblk = jblk;
		}
		if (write)
			err = io_channel_write_blk64(j->io, pblk, (int)run, buf);
		else
			err = io_channel_read_blk64(j->io, pblk, (int)run, buf);
		if (err == EXT2_ET_SHORT_READ)
			return JBD_ET_SHORT_READ;
		if (err)
			return err;
		buf += (size_t)run * j->blocksize;
		jblk += run;
		count -= run;
	}
	return 0;
}

errcode_t jbd_read_blocks(struct jbd_journal *j, uint32_t jblk,
			  uint32_t count, void *buf)
{
	return journal_io(j, jblk, count, buf, false);
}

errcode_t jbd_write_blocks(struct jbd_journal *j, uint32_t jblk,
			   uint32_t count, const void *buf)
{
	return journal_io(j, jblk, count, (uint8_t *)buf, true);
}

errcode_t jbd_write_superblock(struct jbd_journal *j, const struct jbd_sb *sb)
{
	uint8_t *block;
	errcode_t err;

	err = ext2fs_get_mem(j->blocksize, &block);
	if (err)
		return err;
	err = jbd_read_blocks(j, j->sb_jblk, 1, block);
	if (!err) {
		if (j->sb_v2_cleared)
			memset(block + JBD2_SB_V1_SIZE, 0,
			       j->blocksize - JBD2_SB_V1_SIZE);
		jbd_sb_encode(sb, block);
		err = jbd_write_blocks(j, j->sb_jblk, 1, block);
	}
	if (!err)
		err = jbd_flush(j);
	if (!err) {
		memcpy(j->sb_raw, block, sizeof(j->sb_raw));
		j->sb = *sb;
	}
	ext2fs_free_mem(&block);
	return err;
}

/* The primary superblock sits at byte 1024 whatever the block size. */
errcode_t jbd_read_fs_super(struct jbd_journal *j, uint8_t sb[1024])
{
	uint32_t bs = j->fs->blocksize;
	uint8_t *block;
	errcode_t err;

	err = ext2fs_get_mem(bs, &block);
	if (err)
		return err;
	err = io_channel_read_blk64(j->fs->io, SUPERBLOCK_OFFSET / bs, 1, block);
	if (!err)
		memcpy(sb, block + SUPERBLOCK_OFFSET % bs, SUPERBLOCK_SIZE);
	ext2fs_free_mem(&block);
	return err;
}

errcode_t jbd_write_fs_super(struct jbd_journal *j, const uint8_t sb[1024])
{
	return io_channel_write_byte(j->fs->io, SUPERBLOCK_OFFSET,
				     SUPERBLOCK_SIZE, sb);
}

errcode_t jbd_flush(struct jbd_journal *j)
{
	errcode_t err = 0;

	if (j->fs)
		err = io_channel_flush(j->fs->io);
	if (!err && j->io && (!j->fs || j->io != j->fs->io))
		err = io_channel_flush(j->io);
	return err;
}

bool jbd_journal_owns_fsblk(const struct jbd_journal *j, blk64_t fsblk)
{
	blk64_t unused;

	return jbd_journal_owns_range(j, fsblk, 1, &unused);
}

bool jbd_journal_owns_range(const struct jbd_journal *j, blk64_t fsblk,
			    uint64_t count, blk64_t *ret_first)
{
	blk64_t first = 0;
	bool owns = false;
	size_t i;

	if (j->source != JBD_SRC_INTERNAL)
		return false;
	for (i = 0; i < j->nmap; i++) {
		blk64_t lo = j->map[i].pblk, hi = lo + j->map[i].len;
		blk64_t at = fsblk > lo ? fsblk : lo;

		if (at < hi && at - fsblk < count && (!owns || at < first)) {
			first = at;
			owns = true;
		}
	}
	if (owns)
		*ret_first = first;
	return owns;
}
