/*
 * fastcommit.c: reading and scanning the fast-commit area (see
 * fastcommit.h for the format).  Nothing here writes or replays; the
 * scan decides which records a recovery would replay, as the kernel's
 * PASS_SCAN does, record by record.
 */
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "jbd-err.h"
#include "fastcommit.h"
#include "super.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

const char *jbd_fc_tag_name(uint16_t tag)
{
	static const char *const names[] = { NULL, "ADD_RANGE", "DEL_RANGE",
		"CREAT", "LINK", "UNLINK", "INODE", "PAD", "TAIL", "HEAD" };

	return tag < sizeof(names) / sizeof(names[0]) ? names[tag] : NULL;
}

const char *jbd_fc_stop_name(enum jbd_fc_stop stop)
{
	switch (stop) {
	case JBD_FC_ABSENT:	return "absent";
	case JBD_FC_NO_HEAD:	return "no_head";
	case JBD_FC_OTHER_TID:	return "other_tid";
	case JBD_FC_FEATURES:	return "unknown_features";
	case JBD_FC_BAD_RECORD:	return "bad_record";
	case JBD_FC_BAD_TAIL:	return "bad_tail";
	case JBD_FC_AREA_END:	return "area_end";
	}
	return "unknown";
}

void jbd_fc_geometry(const struct jbd_sb *sb, uint32_t *first,
		     uint32_t *nblocks)
{
	uint32_t fc = jbd_sb_fc_blocks(sb);

	*first = *nblocks = 0;
	if (!fc || fc > sb->maxlen)
		return;
	/* j_fc_first = j_last + 1; the writer stops before j_fc_last = s_maxlen. */
	*first = sb->maxlen - fc + 1;
	*nblocks = sb->maxlen - *first;
}

/* ext4_fc_value_len_isvalid, on top of "fits in the block". */
static bool len_valid(uint16_t tag, uint32_t len, uint32_t inode_size)
{
	switch (tag) {
	case JBD_FC_ADD_RANGE:
		return len == 16;		/* ino + 12-byte extent */
	case JBD_FC_DEL_RANGE:
		return len == 12;		/* ino, lblk, len */
	case JBD_FC_CREAT:
	case JBD_FC_LINK:
	case JBD_FC_UNLINK:
		return len >= 8 + 1 && len <= 8 + JBD_FC_NAME_MAX;
	case JBD_FC_INODE:
		return len >= 4 + EXT2_GOOD_OLD_INODE_SIZE &&
		       len <= 4 + inode_size;
	case JBD_FC_PAD:
		return true;
	case JBD_FC_TAIL:
		return len >= 8;		/* tid, crc */
	case JBD_FC_HEAD:
		return len == 8;		/* features, tid */
	}
	return false;
}

bool jbd_fc_parse(const uint8_t *block, uint32_t blocksize, uint32_t off,
		  uint32_t inode_size, struct jbd_fc_record *r)
{
	const uint8_t *v;

	memset(r, 0, sizeof(*r));
	if (off > blocksize || blocksize - off < JBD_FC_TL_LEN)
		return false;
	r->off = off;
	r->tag = le16(block + off);
	r->len = le16(block + off + 2);
	v = r->value = block + off + JBD_FC_TL_LEN;
	if (r->len > blocksize - off - JBD_FC_TL_LEN ||
	    !len_valid(r->tag, r->len, inode_size))
		return false;
	switch (r->tag) {
	case JBD_FC_ADD_RANGE: {
		/* struct ext4_extent: ee_block, ee_len, ee_start_hi, ee_start_lo */
		uint16_t ee_len = le16(v + 8);

		r->ino = le32(v);
		r->lblk = le32(v + 4);
		/* ee_len > 32768 marks an unwritten extent of ee_len - 32768 */
		r->unwritten = ee_len > 32768;
		r->count = ee_len <= 32768 ? ee_len : ee_len - 32768u;
		r->pblk = (uint64_t)le16(v + 10) << 32 | le32(v + 12);
		break;
	}
	case JBD_FC_DEL_RANGE:
		r->ino = le32(v);
		r->lblk = le32(v + 4);
		r->count = le32(v + 8);
		break;
	case JBD_FC_CREAT:
	case JBD_FC_LINK:
	case JBD_FC_UNLINK:
		r->parent = le32(v);
		r->ino = le32(v + 4);
		r->name = v + 8;
		r->name_len = (uint16_t)(r->len - 8);
		break;
	case JBD_FC_INODE:
		r->ino = le32(v);
		r->raw_inode = v + 4;
		r->inode_len = (uint16_t)(r->len - 4);
		break;
	case JBD_FC_TAIL:
		r->tid = le32(v);
		r->crc_stored = le32(v + 4);
		break;
	case JBD_FC_HEAD:
		r->features = le32(v);
		r->tid = le32(v + 4);
		break;
	}
	return true;
}

static errcode_t push(struct jbd_fc_area *a, size_t *cap,
		      const struct jbd_fc_record *r)
{
	if (a->nrecs == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct jbd_fc_record *p = realloc(a->recs, n * sizeof(*p));

		if (!p)
			return EXT2_ET_NO_MEMORY;
		a->recs = p;
		*cap = n;
	}
	a->recs[a->nrecs++] = *r;
	return 0;
}

static void stop_at(struct jbd_fc_area *a, enum jbd_fc_stop why,
		    const struct jbd_fc_record *r, bool fails)
{
	a->stop = why;
	a->stop_jblk = r->jblk;
	a->stop_off = r->off;
	a->stop_tag = r->tag;
	a->stop_len = r->len;
	a->stop_tid = r->tid;
	a->recovery_fails = fails;
}

errcode_t jbd_fc_scan_buf(const uint8_t *buf, uint32_t first, uint32_t nblocks,
			  uint32_t blocksize, uint32_t expected_tid,
			  uint32_t inode_size, struct jbd_fc_area *a)
{
	uint32_t crc = 0, b;
	size_t cap = 0, cur_tag = 0, i;
	errcode_t err;

	a->data = buf;
	a->first = first;
	a->nblocks = nblocks;
	a->expected_tid = expected_tid;
	a->inode_size = inode_size;
	a->stop = JBD_FC_ABSENT;
	if (!nblocks || blocksize < JBD_FC_TL_LEN)
		return 0;
	/* The kernel looks no further unless the area begins with HEAD. */
	if (le16(buf) != JBD_FC_HEAD) {
		struct jbd_fc_record r = { .jblk = first, .tag = le16(buf) };

		stop_at(a, JBD_FC_NO_HEAD, &r, false);
		return 0;
	}
	for (b = 0; b < nblocks; b++) {
		const uint8_t *blk = buf + (size_t)b * blocksize;
		uint32_t off = 0;

		while (off <= blocksize - JBD_FC_TL_LEN) {
			struct jbd_fc_record r;
			bool valid = jbd_fc_parse(blk, blocksize, off,
						  inode_size, &r);

			r.jblk = first + b;
			if (!valid) {
				stop_at(a, JBD_FC_BAD_RECORD, &r, !a->nreplay);
				goto done;
			}
			if (r.tag == JBD_FC_HEAD) {
				if (r.features & ~JBD_FC_SUPPORTED_FEATURES) {
					stop_at(a, JBD_FC_FEATURES, &r, true);
					goto done;
				}
				if (r.tid != expected_tid) {
					stop_at(a, JBD_FC_OTHER_TID, &r, false);
					goto done;
				}
			}
			if (r.tag == JBD_FC_TAIL) {
				crc = jbd_crc32c(crc, blk + off, JBD_FC_TL_LEN + 4);
				r.crc_computed = crc;
				r.tail_good = r.tid == expected_tid &&
					      r.crc_stored == crc;
				crc = 0;
			} else {
				crc = jbd_crc32c(crc, blk + off,
						 JBD_FC_TL_LEN + r.len);
			}
			err = push(a, &cap, &r);
			if (err)
				return err;
			cur_tag++;
			if (r.tag == JBD_FC_TAIL) {
				if (!r.tail_good) {
					stop_at(a, JBD_FC_BAD_TAIL, &r, !a->nreplay);
					goto done;
				}
				a->nreplay = cur_tag;
				a->ncommits++;
			}
			off += JBD_FC_TL_LEN + r.len;
		}
	}
	/* Every block went on: the kernel then reads block s_maxlen, past
	 * the journal, and its recovery fails with EIO. */
	a->stop = JBD_FC_AREA_END;
	a->stop_jblk = first + nblocks;
	a->recovery_fails = true;
done:
	for (i = 0; i < a->nreplay; i++)
		a->recs[i].replay = true;
	return 0;
}

errcode_t jbd_fc_scan(struct jbd_journal *j, uint32_t expected_tid,
		      struct jbd_fc_area *a)
{
	uint32_t first, nblocks, inode_size;
	errcode_t err;

	memset(a, 0, sizeof(*a));
	a->expected_tid = expected_tid;
	if (!jbd_sb_has_fast_commit(&j->sb))
		return 0;
	jbd_fc_geometry(&j->sb, &first, &nblocks);
	if (!nblocks || first + nblocks > j->nblocks)
		return 0;
	inode_size = j->fs ? (uint32_t)EXT2_INODE_SIZE(j->fs->super) : j->blocksize;
	a->buf = malloc((size_t)nblocks * j->blocksize);
	if (!a->buf)
		return EXT2_ET_NO_MEMORY;
	err = jbd_read_blocks(j, first, nblocks, a->buf);
	if (!err)
		err = jbd_fc_scan_buf(a->buf, first, nblocks, j->blocksize,
				      expected_tid, inode_size, a);
	if (err)
		jbd_fc_free(a);
	return err;
}

void jbd_fc_free(struct jbd_fc_area *a)
{
	free(a->buf);
	free(a->recs);
	memset(a, 0, sizeof(*a));
}

errcode_t jbd_fc_list_all(const struct jbd_fc_area *a, uint32_t blocksize,
			  struct jbd_fc_record **ret, size_t *nret)
{
	struct jbd_fc_area all = { 0 };
	const struct jbd_fc_record *last = a->nreplay ?
					   &a->recs[a->nreplay - 1] : NULL;
	size_t cap = 0;
	uint32_t b, crc = 0;
	errcode_t err;

	*ret = NULL;
	*nret = 0;
	for (b = 0; a->data && b < a->nblocks; b++) {
		const uint8_t *blk = a->data + (size_t)b * blocksize;
		uint32_t off = 0;
		struct jbd_fc_record r;

		while (jbd_fc_parse(blk, blocksize, off, a->inode_size, &r)) {
			r.jblk = a->first + b;
			if (r.tag == JBD_FC_TAIL) {
				crc = jbd_crc32c(crc, blk + off, JBD_FC_TL_LEN + 4);
				r.crc_computed = crc;
				r.tail_good = r.tid == a->expected_tid &&
					      r.crc_stored == crc;
				crc = 0;
			} else {
				crc = jbd_crc32c(crc, blk + off,
						 JBD_FC_TL_LEN + r.len);
			}
			r.replay = last && (r.jblk < last->jblk ||
				   (r.jblk == last->jblk && r.off <= last->off));
			err = push(&all, &cap, &r);
			if (err) {
				free(all.recs);
				return err;
			}
			off += JBD_FC_TL_LEN + r.len;
		}
	}
	*ret = all.recs;
	*nret = all.nrecs;
	return 0;
}

/* Is blk one of the group metadata blocks (superblock, descriptors,
 * reserved GDT, bitmaps, inode table) of its group? */
static bool is_group_metadata(ext2_filsys fs, blk64_t blk)
{
	dgrp_t g = ext2fs_group_of_blk2(fs, blk);
	blk64_t super = 0, old_desc = 0, new_desc = 0, itab;
	blk_t used = 0;
	dgrp_t i;

	if (blk < fs->super->s_first_data_block + 1)
		return true;
	ext2fs_super_and_bgd_loc2(fs, g, &super, &old_desc, &new_desc, &used);
	if (super && blk >= super && blk < super + used)
		return true;
	if ((old_desc && blk == old_desc) || (new_desc && blk == new_desc))
		return true;
	/* With flex_bg, a group's bitmaps and table may sit in any group. */
	for (i = 0; i < fs->group_desc_count; i++) {
		itab = ext2fs_inode_table_loc(fs, i);
		if (blk == ext2fs_block_bitmap_loc(fs, i) ||
		    blk == ext2fs_inode_bitmap_loc(fs, i) ||
		    (blk >= itab && blk < itab + fs->inode_blocks_per_group))
			return true;
	}
	return false;
}

static bool bad_ino(ext2_filsys fs, uint32_t ino, bool parent)
{
	if (ino == 0 || ino > fs->super->s_inodes_count)
		return true;
	if (parent && ino == EXT2_ROOT_INO)
		return false;
	return ino < EXT2_FIRST_INODE(fs->super);
}

errcode_t jbd_fc_check_targets(const struct jbd_journal *j,
			       const struct jbd_fc_area *a, size_t *ret_index)
{
	ext2_filsys fs = j->fs;
	size_t i;

	for (i = 0; fs && i < a->nreplay; i++) {
		const struct jbd_fc_record *r = &a->recs[i];
		uint64_t b;

		*ret_index = i;
		switch (r->tag) {
		case JBD_FC_ADD_RANGE:
			if (bad_ino(fs, r->ino, false) ||
			    r->pblk >= ext2fs_blocks_count(fs->super) ||
			    r->count > ext2fs_blocks_count(fs->super) - r->pblk)
				return JBD_ET_FC_TARGET;
			for (b = r->pblk; b < r->pblk + r->count; b++)
				if (jbd_journal_owns_fsblk(j, b) ||
				    is_group_metadata(fs, b))
					return JBD_ET_FC_TARGET;
			break;
		case JBD_FC_DEL_RANGE:
		case JBD_FC_INODE:
			if (bad_ino(fs, r->ino, false))
				return JBD_ET_FC_TARGET;
			break;
		case JBD_FC_CREAT:
		case JBD_FC_LINK:
		case JBD_FC_UNLINK:
			if (bad_ino(fs, r->ino, false) ||
			    bad_ino(fs, r->parent, true))
				return JBD_ET_FC_TARGET;
			break;
		}
	}
	return 0;
}
