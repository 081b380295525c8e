/*
 * logdump-fields.c: what logdump's text and JSON printers share: the
 * names of tag flags, a logged block as it belongs on disk, the fields
 * of a logged inode, and which events a filter (-b, -i) keeps.  Neither
 * printer calls into the other; both call here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jbd2-format.h"
#include "logdump.h"

const char *const logdump_flag_names[LOGDUMP_NFLAGS] = {
	"escape", "same_uuid", "deleted", "last_tag" };

/* The logged block as it belongs on disk: an escaped block gets its magic back. */
void logdump_restore_block(const struct jbd_event *ev, uint32_t bs, uint8_t *out)
{
	memcpy(out, ev->block, bs);
	jbd_unescape(out, ev->flags);
}

void logdump_format_time(char *buf, size_t len, uint64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (sec > (uint64_t)INT64_MAX || !gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "out of range");
}

/*
 * Key fields of the on-disk inode at buf (little-endian ext2 inode), which
 * may sit at any address (a fast-commit record's payload): copied first.
 */
void logdump_decode_inode(const uint8_t *buf, struct inode_fields *f)
{
	struct ext2_inode copy;
	const struct ext2_inode *in = &copy;

	memcpy(&copy, buf, sizeof(copy));

	f->mode = ext2fs_le16_to_cpu(in->i_mode);
	f->uid = ext2fs_le16_to_cpu(in->i_uid) |
		 (uint32_t)ext2fs_le16_to_cpu(in->osd2.linux2.l_i_uid_high) << 16;
	f->gid = ext2fs_le16_to_cpu(in->i_gid) |
		 (uint32_t)ext2fs_le16_to_cpu(in->osd2.linux2.l_i_gid_high) << 16;
	f->size = ext2fs_le32_to_cpu(in->i_size) |
		  (uint64_t)ext2fs_le32_to_cpu(in->i_size_high) << 32;
	f->links = ext2fs_le16_to_cpu(in->i_links_count);
	f->atime = ext2fs_le32_to_cpu(in->i_atime);
	f->ctime = ext2fs_le32_to_cpu(in->i_ctime);
	f->mtime = ext2fs_le32_to_cpu(in->i_mtime);
	f->dtime = ext2fs_le32_to_cpu(in->i_dtime);
	f->flags = ext2fs_le32_to_cpu(in->i_flags);
}

/* -b: is fsblk marked in the logged copy of its group's block bitmap? */
bool logdump_bitmap_bit(const struct logdump_ctx *c, const uint8_t *bitmap)
{
	ext2_filsys fs = c->j->fs;
	blk64_t rel = c->block - fs->super->s_first_data_block;
	uint64_t bit = EXT2FS_B2C(fs, rel) %
		       EXT2_CLUSTERS_PER_GROUP(fs->super);

	return bitmap[bit / 8] & (1U << (bit % 8));
}

/* Which tags and revokes a filter (-b, -i) keeps; all of them without one. */
bool logdump_wants(const struct logdump_ctx *c, const struct jbd_event *ev)
{
	if (c->have_block)
		return ev->fsblk == c->block ||
		       (ev->type == JBD_EV_TAG && c->bitmap_block &&
			ev->fsblk == c->bitmap_block);
	if (c->ino)
		return ev->type == JBD_EV_TAG && ev->fsblk == c->inode_block;
	return true;
}

