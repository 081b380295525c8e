/*
 * fc-tree: list the file tree of an ext2/3/4 image, read-only, in the
 * format of the corpus's fast-commit reference trees
 * (../shared/corpus/README.md, fast-commit-kernel/):
 *
 *   PATH ino=N mode=OCTAL uid=U gid=G nlink=L size=S mtime=SEC.NSEC
 *        hash=FNV-1a-64 rdev=MAJ:MIN xattr=NAMES
 *
 * one line per path (hard links under each of their paths), directories
 * with mtime=(dir-ignored) and hash 0, a symlink's hash over its target,
 * xattr the attribute names joined by ',' (the corpus has none).  The
 * caller sorts (LC_ALL=C sort).  It uses libext2fs only, never jbdctl's
 * code; tests/fastcommit.bats checks it against the kernel's own tree
 * listing of the kernel-replayed image.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

#define FNV_BASIS	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static ext2_filsys fs;
static int failed;

static uint64_t fnv(uint64_t h, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

static uint64_t content_hash(ext2_ino_t ino, struct ext2_inode *in)
{
	uint64_t h = FNV_BASIS;
	ext2_file_t f;
	char buf[65536];
	unsigned int got;

	if (LINUX_S_ISLNK(in->i_mode) && ext2fs_is_fast_symlink(in))
		return fnv(h, in->i_block, EXT2_I_SIZE(in));
	if (ext2fs_file_open2(fs, ino, in, 0, &f)) {
		failed = 1;
		return 0;
	}
	while (!ext2fs_file_read(f, buf, sizeof(buf), &got) && got)
		h = fnv(h, buf, got);
	ext2fs_file_close(f);
	return h;
}

static void rdev(const struct ext2_inode *in, unsigned *maj, unsigned *min)
{
	uint32_t b0 = in->i_block[0], b1 = in->i_block[1];

	*maj = *min = 0;
	if (!LINUX_S_ISCHR(in->i_mode) && !LINUX_S_ISBLK(in->i_mode))
		return;
	if (b0) {
		*maj = (b0 >> 8) & 0xff;
		*min = b0 & 0xff;
	} else {
		*maj = (b1 & 0xfff00) >> 8;
		*min = (b1 & 0xff) | ((b1 >> 12) & 0xfff00);
	}
}

struct names {
	char buf[4096];
	size_t len;
};

static int add_name(char *name, char *value, size_t value_len, void *data)
{
	struct names *n = data;
	int w;

	(void)value; (void)value_len;
	w = snprintf(n->buf + n->len, sizeof(n->buf) - n->len, "%s%s",
		     n->len ? "," : "", name);
	if (w > 0 && n->len + (size_t)w < sizeof(n->buf))
		n->len += (size_t)w;
	return 0;
}

static void xattrs(ext2_ino_t ino, struct names *n)
{
	struct ext2_xattr_handle *h;

	n->len = 0;
	n->buf[0] = '\0';
	if (ext2fs_xattrs_open(fs, ino, &h))
		return;
	if (!ext2fs_xattrs_read(h))
		ext2fs_xattrs_iterate(h, add_name, n);
	ext2fs_xattrs_close(&h);
}

static void walk(ext2_ino_t ino, const char *path);

struct dir_walk {
	const char *path;
};

static int entry(struct ext2_dir_entry *de, int offset, int blocksize,
		 char *buf, void *priv)
{
	struct dir_walk *w = priv;
	int len = ext2fs_dirent_name_len(de);
	char child[8192];

	(void)offset; (void)blocksize; (void)buf;
	if (!de->inode || (len == 1 && de->name[0] == '.') ||
	    (len == 2 && de->name[0] == '.' && de->name[1] == '.'))
		return 0;
	snprintf(child, sizeof(child), "%s/%.*s",
		 strcmp(w->path, "/") ? w->path : "", len, de->name);
	walk(de->inode, child);
	return 0;
}

static void walk(ext2_ino_t ino, const char *path)
{
	struct ext2_inode_large in;
	struct names n;
	unsigned maj, min;
	char mtime[64];
	struct dir_walk w = { path };
	bool dir;

	memset(&in, 0, sizeof(in));
	if (ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)&in,
				   sizeof(in))) {
		fprintf(stderr, "fc-tree: cannot read inode %u (%s)\n", ino, path);
		failed = 1;
		return;
	}
	dir = LINUX_S_ISDIR(in.i_mode);
	if (dir) {
		snprintf(mtime, sizeof(mtime), "(dir-ignored)");
	} else {
		int64_t sec = (int32_t)in.i_mtime;
		uint32_t nsec = 0;

		if (in.i_extra_isize >= 4 + 4 + 4) {	/* i_mtime_extra */
			sec += (int64_t)(in.i_mtime_extra & 3) << 32;
			nsec = in.i_mtime_extra >> 2;
		}
		snprintf(mtime, sizeof(mtime), "%" PRId64 ".%09u", sec, nsec);
	}
	rdev((struct ext2_inode *)&in, &maj, &min);
	xattrs(ino, &n);
	printf("%s ino=%u mode=%o uid=%u gid=%u nlink=%u size=%llu mtime=%s "
	       "hash=%016" PRIx64 " rdev=%u:%u xattr=%s\n", path, ino,
	       in.i_mode, inode_uid(in), inode_gid(in), in.i_links_count,
	       (unsigned long long)EXT2_I_SIZE(&in), mtime,
	       dir ? 0 : content_hash(ino, (struct ext2_inode *)&in),
	       maj, min, n.buf);
	if (dir && ext2fs_dir_iterate(fs, ino, 0, NULL, entry, &w)) {
		fprintf(stderr, "fc-tree: cannot read directory %s\n", path);
		failed = 1;
	}
}

int main(int argc, char **argv)
{
	errcode_t err;

	if (argc != 2) {
		fprintf(stderr, "usage: fc-tree <image>\n");
		return 2;
	}
	err = ext2fs_open2(argv[1], NULL, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP,
			   0, 0, unix_io_manager, &fs);
	if (err) {
		fprintf(stderr, "fc-tree: cannot open %s (%ld)\n", argv[1], (long)err);
		return 1;
	}
	walk(EXT2_ROOT_INO, "/");
	ext2fs_close_free(&fs);
	return failed;
}
