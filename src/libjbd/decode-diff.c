/*
 * decode-diff.c: field-level differences between two copies of a block,
 * by the names of libext2fs's structures (struct ext2_inode_large,
 * struct ext4_group_desc, struct ext2_super_block, struct ext2_dir_entry,
 * struct ext3_extent_header).  Each copy is put in its structure in
 * memory order the way libext2fs reads it (ext2fs_swap_inode_full,
 * ext2fs_swap_group_desc2, ext2fs_swap_super on big-endian hosts), and
 * fields are read from it at their offsetof(); a _lo/_hi pair is one
 * value under the name of its low half, without "_lo".
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>
#include <ext2fs/ext3_extents.h>
#include <uuid/uuid.h>

#include "decode-int.h"

struct field {
	const char *name;
	uint16_t off, size;		/* low part */
	uint16_t hi_off, hi_size;	/* high part, hi_size 0 if none */
	uint8_t os;			/* 0 any, 1 Linux only, 2 Hurd only */
};

#define F(st, name, lo) { name, offsetof(struct st, lo), \
	sizeof(((struct st *)0)->lo), 0, 0, 0 }
#define FH(st, name, lo, hi) { name, offsetof(struct st, lo), \
	sizeof(((struct st *)0)->lo), offsetof(struct st, hi), \
	sizeof(((struct st *)0)->hi), 0 }
#define FOS(st, name, lo, os) { name, offsetof(struct st, lo), \
	sizeof(((struct st *)0)->lo), 0, 0, os }
#define FHOS(st, name, lo, hi, os) { name, offsetof(struct st, lo), \
	sizeof(((struct st *)0)->lo), offsetof(struct st, hi), \
	sizeof(((struct st *)0)->hi), os }

/* A field of size bytes of a structure in memory order. */
static uint64_t field_at(const void *p, unsigned int size)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (size) {
	case 1:
		memcpy(&v8, p, 1);
		return v8;
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

bool jbd_dec_grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *arr, *p;

	if (n < *cap)
		return true;
	memcpy(&arr, arrp, sizeof(arr));	/* *arrp: any object pointer */
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(arr, ncap * elem);
	if (!p)
		return false;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return true;
}

struct jbd_field_change *jbd_dec_add(struct jbd_decoded *dec,
				     enum jbd_change_kind kind)
{
	struct jbd_field_change *c;

	if (!jbd_dec_grow(&dec->changes, &dec->cap, dec->nchanges,
			  sizeof(*dec->changes)))
		return NULL;
	c = &dec->changes[dec->nchanges++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

errcode_t jbd_dec_csum_failure(struct jbd_decoded *dec, const char *what,
			       ext2_ino_t ino, bool has_group, uint32_t group)
{
	struct jbd_csum_failure *f;

	if (!jbd_dec_grow(&dec->csum_failures, &dec->csum_cap,
			  dec->ncsum_failures, sizeof(*f)))
		return EXT2_ET_NO_MEMORY;
	f = &dec->csum_failures[dec->ncsum_failures++];
	f->what = what;
	f->inode = ino;
	f->has_group = has_group;
	f->group = group;
	return 0;
}

static errcode_t add_field(struct jbd_decoded *dec, const char *name,
			   ext2_ino_t ino, bool has_group, uint32_t group,
			   uint64_t old, uint64_t new)
{
	struct jbd_field_change *c = jbd_dec_add(dec, JBD_CH_FIELD);

	if (!c)
		return EXT2_ET_NO_MEMORY;
	c->field = name;
	c->inode = ino;
	c->has_group = has_group;
	c->group = group;
	c->old_value = old;
	c->new_value = new;
	return 0;
}

/* Printable text of a fixed-size, possibly unterminated, byte array. */
static char *text_of(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < len && p[i]; i++)
		s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s[i] = 0;
	return s;
}

static errcode_t add_text(struct jbd_decoded *dec, const char *name,
			  ext2_ino_t ino, char *old, char *new)
{
	struct jbd_field_change *c = jbd_dec_add(dec, JBD_CH_TEXT);

	if (!c || !old || !new) {
		free(old);
		free(new);
		return EXT2_ET_NO_MEMORY;
	}
	c->field = name;
	c->inode = ino;
	c->old_text = old;
	c->new_text = new;
	return 0;
}

static char *uuid_text(const uint8_t *u)
{
	char *s = malloc(37);

	if (s)
		uuid_unparse(u, s);
	return s;
}

/* ---- inodes ---- */

#define I(name) F(ext2_inode_large, #name, name)
static const struct field inode_fields[] = {
	I(i_mode),
	FHOS(ext2_inode_large, "i_uid", i_uid, osd2.linux2.l_i_uid_high, 1),
	FHOS(ext2_inode_large, "i_uid", i_uid, osd2.hurd2.h_i_uid_high, 2),
	FH(ext2_inode_large, "i_size", i_size, i_size_high),
	I(i_atime), I(i_ctime), I(i_mtime), I(i_dtime),
	FHOS(ext2_inode_large, "i_gid", i_gid, osd2.linux2.l_i_gid_high, 1),
	FHOS(ext2_inode_large, "i_gid", i_gid, osd2.hurd2.h_i_gid_high, 2),
	I(i_links_count),
	FHOS(ext2_inode_large, "i_blocks", i_blocks, osd2.linux2.l_i_blocks_hi, 1),
	FOS(ext2_inode_large, "i_blocks", i_blocks, 2),
	I(i_flags),
	FHOS(ext2_inode_large, "i_version", osd1.linux1.l_i_version,
	     i_version_hi, 1),
	FOS(ext2_inode_large, "h_i_translator", osd1.hurd1.h_i_translator, 2),
	I(i_generation),
	FHOS(ext2_inode_large, "i_file_acl", i_file_acl,
	     osd2.linux2.l_i_file_acl_high, 1),
	FOS(ext2_inode_large, "i_file_acl", i_file_acl, 2),
	I(i_faddr),
	FHOS(ext2_inode_large, "i_checksum", osd2.linux2.l_i_checksum_lo,
	     i_checksum_hi, 1),
	FOS(ext2_inode_large, "l_i_reserved", osd2.linux2.l_i_reserved, 1),
	FOS(ext2_inode_large, "h_i_frag", osd2.hurd2.h_i_frag, 2),
	FOS(ext2_inode_large, "h_i_fsize", osd2.hurd2.h_i_fsize, 2),
	FOS(ext2_inode_large, "h_i_mode_high", osd2.hurd2.h_i_mode_high, 2),
	FOS(ext2_inode_large, "h_i_author", osd2.hurd2.h_i_author, 2),
	I(i_extra_isize),
	I(i_ctime_extra), I(i_mtime_extra), I(i_atime_extra),
	I(i_crtime), I(i_crtime_extra), I(i_projid),
};

/* The first 128 bytes of a raw inode, for the fields every inode has. */
static struct ext2_inode small_inode(const uint8_t *buf)
{
	struct ext2_inode in;

	memcpy(&in, buf, sizeof(in));
	return in;
}

uint16_t jbd_inode_links(const uint8_t *buf)
{
	return ext2fs_le16_to_cpu(small_inode(buf).i_links_count);
}

uint16_t jbd_inode_mode(const uint8_t *buf)
{
	return ext2fs_le16_to_cpu(small_inode(buf).i_mode);
}

bool jbd_raw_inode_in_use(const uint8_t *buf)
{
	uint32_t dtime = ext2fs_le32_to_cpu(small_inode(buf).i_dtime);

	return jbd_inode_links(buf) > 0 || (jbd_inode_mode(buf) && !dtime);
}

/* Bytes of the inode that hold fields: 128 plus i_extra_isize. */
static unsigned int inode_span(ext2_filsys fs, const struct ext2_inode_large *in)
{
	unsigned int isize = EXT2_INODE_SIZE(fs->super);
	unsigned int extra;

	if (isize <= EXT2_GOOD_OLD_INODE_SIZE)
		return EXT2_GOOD_OLD_INODE_SIZE;
	extra = in->i_extra_isize;
	if (extra > isize - EXT2_GOOD_OLD_INODE_SIZE)
		extra = isize - EXT2_GOOD_OLD_INODE_SIZE;
	return EXT2_GOOD_OLD_INODE_SIZE + extra;
}

/* Field f of structure st (in memory order), if within its first span
   bytes. */
static bool field_value(const struct field *f, const void *st,
			unsigned int span, uint64_t *v)
{
	const uint8_t *p = st;

	if ((unsigned int)f->off + f->size > span)
		return false;
	*v = field_at(p + f->off, f->size);
	if (f->hi_size && (unsigned int)f->hi_off + f->hi_size <= span)
		*v |= field_at(p + f->hi_off, f->hi_size) << (8 * f->size);
	return true;
}

static int os_of(ext2_filsys fs)
{
	return fs->super->s_creator_os == EXT2_OS_HURD ? 2 : 1;
}

void jbd_inode_cpu(ext2_filsys fs, const uint8_t *raw,
		   struct ext2_inode_large *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, raw, sizeof(*out) < EXT2_INODE_SIZE(fs->super) ?
	       sizeof(*out) : EXT2_INODE_SIZE(fs->super));
#ifdef WORDS_BIGENDIAN
	ext2fs_swap_inode_full(fs, out, out, 0, sizeof(*out));
#endif
}

/* i_block of raw copies old and new (oi, ni: the same in memory order). */
static errcode_t diff_i_block(ext2_ino_t ino, const uint8_t *old,
			      const uint8_t *new,
			      struct ext2_inode_large *oi,
			      struct ext2_inode_large *ni,
			      struct jbd_decoded *dec)
{
	const size_t ib = offsetof(struct ext2_inode_large, i_block);
	const size_t iblen = sizeof(oi->i_block);
	errcode_t err = 0;
	unsigned int k;

	if (!memcmp(old + ib, new + ib, iblen))
		return 0;
	if ((oi->i_flags | ni->i_flags) & EXT4_INLINE_DATA_FL)
		return jbd_diff_bytes(old + ib, new + ib, iblen, ino, dec);
	/* An extent root stays in on-disk order, as libext2fs keeps it. */
	if ((oi->i_flags | ni->i_flags) & EXT4_EXTENTS_FL)
		return jbd_diff_extents(old + ib, iblen, new + ib, iblen, ino, dec);
	if (ext2fs_is_fast_symlink(EXT2_INODE(oi)) ||
	    ext2fs_is_fast_symlink(EXT2_INODE(ni)))
		return add_text(dec, "i_block", ino,
				text_of(old + ib, iblen), text_of(new + ib, iblen));
	for (k = 0; k < EXT2_N_BLOCKS && !err; k++) {
		static const char *const names[EXT2_N_BLOCKS] = {
			"i_block[0]", "i_block[1]", "i_block[2]", "i_block[3]",
			"i_block[4]", "i_block[5]", "i_block[6]", "i_block[7]",
			"i_block[8]", "i_block[9]", "i_block[10]", "i_block[11]",
			"i_block[12]", "i_block[13]", "i_block[14]" };
		if (oi->i_block[k] != ni->i_block[k])
			err = add_field(dec, names[k], ino, false, 0,
					oi->i_block[k], ni->i_block[k]);
	}
	return err;
}

errcode_t jbd_diff_inode(ext2_filsys fs, ext2_ino_t ino, const uint8_t *old,
			 const uint8_t *new, struct jbd_decoded *dec)
{
	unsigned int isize = EXT2_INODE_SIZE(fs->super), ospan, nspan;
	struct ext2_inode_large oi, ni;
	int os = os_of(fs);
	errcode_t err = 0;
	size_t i;

	jbd_inode_cpu(fs, old, &oi);
	jbd_inode_cpu(fs, new, &ni);
	ospan = inode_span(fs, &oi);
	nspan = inode_span(fs, &ni);

	for (i = 0; i < sizeof(inode_fields) / sizeof(inode_fields[0]); i++) {
		const struct field *f = &inode_fields[i];
		uint64_t a = 0, b = 0;
		bool ha, hb;

		if (f->os && f->os != os)
			continue;
		ha = field_value(f, &oi, ospan, &a);
		hb = field_value(f, &ni, nspan, &b);
		if ((ha || hb) && a != b)
			err = add_field(dec, f->name, ino, false, 0, a, b);
		if (err)
			return err;
	}
	err = diff_i_block(ino, old, new, &oi, &ni, dec);
	/* In-inode extended attributes: after the fields, to the end. */
	if (!err && isize > EXT2_GOOD_OLD_INODE_SIZE) {
		unsigned int from = ospan < nspan ? ospan : nspan;

		if (from < isize && memcmp(old + from, new + from, isize - from)) {
			struct jbd_field_change *c = jbd_dec_add(dec, JBD_CH_BYTES);

			if (!c)
				return EXT2_ET_NO_MEMORY;
			c->field = "in_inode_xattrs";
			c->inode = ino;
			c->start = from;
			c->end = isize;
		}
	}
	return err;
}

/* ---- group descriptors ---- */

#define G(name) F(ext4_group_desc, #name, name)
#define GH(name, lo, hi) FH(ext4_group_desc, name, lo, hi)
static const struct field gd_fields[] = {
	GH("bg_block_bitmap", bg_block_bitmap, bg_block_bitmap_hi),
	GH("bg_inode_bitmap", bg_inode_bitmap, bg_inode_bitmap_hi),
	GH("bg_inode_table", bg_inode_table, bg_inode_table_hi),
	GH("bg_free_blocks_count", bg_free_blocks_count, bg_free_blocks_count_hi),
	GH("bg_free_inodes_count", bg_free_inodes_count, bg_free_inodes_count_hi),
	GH("bg_used_dirs_count", bg_used_dirs_count, bg_used_dirs_count_hi),
	G(bg_flags),
	GH("bg_exclude_bitmap", bg_exclude_bitmap_lo, bg_exclude_bitmap_hi),
	GH("bg_block_bitmap_csum", bg_block_bitmap_csum_lo,
	   bg_block_bitmap_csum_hi),
	GH("bg_inode_bitmap_csum", bg_inode_bitmap_csum_lo,
	   bg_inode_bitmap_csum_hi),
	GH("bg_itable_unused", bg_itable_unused, bg_itable_unused_hi),
	G(bg_checksum),
};

errcode_t jbd_diff_group_desc(ext2_filsys fs, dgrp_t g, const uint8_t *old,
			      const uint8_t *new, struct jbd_decoded *dec)
{
	unsigned int span = EXT2_DESC_SIZE(fs->super);
	struct ext4_group_desc og, ng;
	errcode_t err = 0;
	size_t i;

	if (span > sizeof(og))
		span = sizeof(og);
	memset(&og, 0, sizeof(og));
	memset(&ng, 0, sizeof(ng));
	memcpy(&og, old, span);
	memcpy(&ng, new, span);
#ifdef WORDS_BIGENDIAN
	ext2fs_swap_group_desc2(fs, (void *)&og);
	ext2fs_swap_group_desc2(fs, (void *)&ng);
#endif
	for (i = 0; i < sizeof(gd_fields) / sizeof(gd_fields[0]) && !err; i++) {
		uint64_t a = 0, b = 0;

		field_value(&gd_fields[i], &og, span, &a);
		field_value(&gd_fields[i], &ng, span, &b);
		if (a != b)
			err = add_field(dec, gd_fields[i].name, 0, true, g, a, b);
	}
	return err;
}

/* ---- superblock ---- */

#define S(name) F(ext2_super_block, #name, name)
#define SH(name, lo, hi) FH(ext2_super_block, name, lo, hi)
static const struct field sb_fields[] = {
	S(s_inodes_count), SH("s_blocks_count", s_blocks_count, s_blocks_count_hi),
	SH("s_r_blocks_count", s_r_blocks_count, s_r_blocks_count_hi),
	SH("s_free_blocks_count", s_free_blocks_count, s_free_blocks_hi),
	S(s_free_inodes_count), S(s_first_data_block), S(s_log_block_size),
	S(s_log_cluster_size), S(s_blocks_per_group), S(s_clusters_per_group),
	S(s_inodes_per_group), SH("s_mtime", s_mtime, s_mtime_hi),
	SH("s_wtime", s_wtime, s_wtime_hi), S(s_mnt_count), S(s_max_mnt_count),
	S(s_magic), S(s_state), S(s_errors), S(s_minor_rev_level),
	SH("s_lastcheck", s_lastcheck, s_lastcheck_hi), S(s_checkinterval),
	S(s_creator_os), S(s_rev_level), S(s_def_resuid), S(s_def_resgid),
	S(s_first_ino), S(s_inode_size), S(s_block_group_nr),
	S(s_feature_compat), S(s_feature_incompat), S(s_feature_ro_compat),
	S(s_algorithm_usage_bitmap), S(s_prealloc_blocks),
	S(s_prealloc_dir_blocks), S(s_reserved_gdt_blocks), S(s_journal_inum),
	S(s_journal_dev), S(s_last_orphan), S(s_def_hash_version),
	S(s_jnl_backup_type), S(s_desc_size), S(s_default_mount_opts),
	S(s_first_meta_bg), SH("s_mkfs_time", s_mkfs_time, s_mkfs_time_hi),
	S(s_min_extra_isize), S(s_want_extra_isize), S(s_flags),
	S(s_raid_stride), S(s_mmp_update_interval), S(s_mmp_block),
	S(s_raid_stripe_width), S(s_log_groups_per_flex), S(s_checksum_type),
	S(s_encryption_level), S(s_kbytes_written), S(s_snapshot_inum),
	S(s_snapshot_id), S(s_snapshot_r_blocks_count), S(s_snapshot_list),
	S(s_error_count),
	SH("s_first_error_time", s_first_error_time, s_first_error_time_hi),
	S(s_first_error_ino), S(s_first_error_block), S(s_first_error_line),
	SH("s_last_error_time", s_last_error_time, s_last_error_time_hi),
	S(s_last_error_ino), S(s_last_error_line), S(s_last_error_block),
	S(s_usr_quota_inum), S(s_grp_quota_inum), S(s_overhead_clusters),
	S(s_lpf_ino), S(s_prj_quota_inum), S(s_checksum_seed),
	S(s_first_error_errcode), S(s_last_error_errcode), S(s_encoding),
	S(s_encoding_flags), S(s_orphan_file_inum), S(s_checksum),
};

struct sb_array {
	const char *name;
	uint16_t off, size;
	enum { SB_UUID, SB_TEXT, SB_BYTES } type;
};

#define SA(name, type) { #name, offsetof(struct ext2_super_block, name), \
	sizeof(((struct ext2_super_block *)0)->name), type }
static const struct sb_array sb_arrays[] = {
	SA(s_uuid, SB_UUID), SA(s_volume_name, SB_TEXT),
	SA(s_last_mounted, SB_TEXT), SA(s_journal_uuid, SB_UUID),
	SA(s_hash_seed, SB_BYTES), SA(s_jnl_blocks, SB_BYTES),
	SA(s_first_error_func, SB_TEXT), SA(s_last_error_func, SB_TEXT),
	SA(s_mount_opts, SB_TEXT), SA(s_backup_bgs, SB_BYTES),
	SA(s_encrypt_algos, SB_BYTES), SA(s_encrypt_pw_salt, SB_BYTES),
	SA(s_reserved, SB_BYTES),
};

errcode_t jbd_diff_super(const uint8_t *old, const uint8_t *new,
			 struct jbd_decoded *dec)
{
	struct ext2_super_block os, ns;
	errcode_t err = 0;
	size_t i;

	memcpy(&os, old, sizeof(os));
	memcpy(&ns, new, sizeof(ns));
#ifdef WORDS_BIGENDIAN
	ext2fs_swap_super(&os);
	ext2fs_swap_super(&ns);
#endif
	for (i = 0; i < sizeof(sb_fields) / sizeof(sb_fields[0]) && !err; i++) {
		uint64_t a = 0, b = 0;

		field_value(&sb_fields[i], &os, sizeof(os), &a);
		field_value(&sb_fields[i], &ns, sizeof(ns), &b);
		if (a != b)
			err = add_field(dec, sb_fields[i].name, 0, false, 0, a, b);
	}
	for (i = 0; i < sizeof(sb_arrays) / sizeof(sb_arrays[0]) && !err; i++) {
		const struct sb_array *f = &sb_arrays[i];
		struct jbd_field_change *c;

		if (!memcmp(old + f->off, new + f->off, f->size))
			continue;
		if (f->type == SB_UUID) {
			err = add_text(dec, f->name, 0, uuid_text(old + f->off),
				       uuid_text(new + f->off));
		} else if (f->type == SB_TEXT) {
			err = add_text(dec, f->name, 0, text_of(old + f->off, f->size),
				       text_of(new + f->off, f->size));
		} else {
			c = jbd_dec_add(dec, JBD_CH_BYTES);
			if (!c)
				return EXT2_ET_NO_MEMORY;
			c->field = f->name;
			c->start = f->off;
			c->end = f->off + f->size;
		}
	}
	return err;
}

/* ---- directory blocks ---- */

struct dentry {
	char *name;
	ext2_ino_t ino;
	uint8_t type;
	bool matched;
};

static void free_entries(struct dentry *e, size_t n)
{
	while (n--)
		free(e[n].name);
	free(e);
}

/*
 * The live entries of a directory block (inode != 0), read with
 * libext2fs's dirent helpers.  False when the block is not a well-formed
 * directory block (its entries must chain exactly to its end).
 */
static bool read_entries(ext2_filsys fs, const uint8_t *raw,
			 struct dentry **ret, size_t *ret_n, errcode_t *err)
{
	uint8_t *buf = malloc(fs->blocksize);
	struct dentry *e = NULL;
	size_t n = 0;
	unsigned int off = 0;

	*err = 0;
	*ret = NULL;
	*ret_n = 0;
	if (!buf) {
		*err = EXT2_ET_NO_MEMORY;
		return false;
	}
	memcpy(buf, raw, fs->blocksize);
#ifdef WORDS_BIGENDIAN
	ext2fs_dirent_swab_in(fs, (char *)buf, 0);
#endif
	while (off < fs->blocksize) {
		struct ext2_dir_entry *d = (void *)(buf + off);
		unsigned int rec_len, name_len;

		if (off + 8 > fs->blocksize ||
		    ext2fs_get_rec_len(fs, d, &rec_len) || rec_len < 8 ||
		    rec_len % 4 || off + rec_len > fs->blocksize)
			goto bad;
		name_len = (unsigned int)ext2fs_dirent_name_len(d);
		if (name_len + 8 > rec_len)
			goto bad;
		if (d->inode && name_len) {
			void *p = realloc(e, (n + 1) * sizeof(*e));

			if (!p)
				goto nomem;
			e = p;
			e[n].name = malloc(name_len + 1);
			if (!e[n].name)
				goto nomem;
			memcpy(e[n].name, d->name, name_len);
			e[n].name[name_len] = 0;
			e[n].ino = d->inode;
			e[n].type = (uint8_t)ext2fs_dirent_file_type(d);
			e[n].matched = false;
			n++;
		}
		off += rec_len;
	}
	free(buf);
	*ret = e;
	*ret_n = n;
	return true;
nomem:
	*err = EXT2_ET_NO_MEMORY;
bad:
	free(buf);
	free_entries(e, n);
	return false;
}

static errcode_t add_entry(struct jbd_decoded *dec, enum jbd_change_kind kind,
			   const struct dentry *e, const struct dentry *old)
{
	struct jbd_field_change *c = jbd_dec_add(dec, kind);

	if (!c)
		return EXT2_ET_NO_MEMORY;
	c->inode = e->ino;
	c->file_type = e->type;
	c->name = strdup(e->name);
	if (old) {
		c->old_name = strdup(old->name);
		c->old_value = old->ino;
		c->new_value = e->ino;
		if (!c->old_name)
			return EXT2_ET_NO_MEMORY;
	}
	return c->name ? 0 : EXT2_ET_NO_MEMORY;
}

errcode_t jbd_diff_dir(ext2_filsys fs, const uint8_t *old, const uint8_t *new,
		       struct jbd_decoded *dec)
{
	struct dentry *oe = NULL, *ne = NULL;
	size_t on = 0, nn = 0, i, k;
	errcode_t err = 0;

	if (!read_entries(fs, new, &ne, &nn, &err)) {
		struct jbd_field_change *c;

		if (err)
			return err;
		if (old)
			return jbd_diff_bytes(old, new, fs->blocksize, 0, dec);
		/* Not a directory block, and no old copy to compare: all of it. */
		c = jbd_dec_add(dec, JBD_CH_BYTES);
		if (!c)
			return EXT2_ET_NO_MEMORY;
		c->start = 0;
		c->end = fs->blocksize;
		return 0;
	}
	if (old && !read_entries(fs, old, &oe, &on, &err) && err)
		goto out;
	/* Same name: unchanged, or its inode changed. */
	for (i = 0; i < nn && !err; i++)
		for (k = 0; k < on; k++) {
			if (oe[k].matched || strcmp(ne[i].name, oe[k].name))
				continue;
			oe[k].matched = ne[i].matched = true;
			if (oe[k].ino != ne[i].ino)
				err = add_entry(dec, JBD_CH_ENTRY_INODE, &ne[i], &oe[k]);
			break;
		}
	/* Same inode, another name: renamed within the block. */
	for (i = 0; i < nn && !err; i++)
		for (k = 0; k < on && !ne[i].matched; k++) {
			if (oe[k].matched || oe[k].ino != ne[i].ino)
				continue;
			oe[k].matched = ne[i].matched = true;
			err = add_entry(dec, JBD_CH_ENTRY_RENAMED, &ne[i], &oe[k]);
		}
	for (k = 0; k < on && !err; k++)
		if (!oe[k].matched)
			err = add_entry(dec, JBD_CH_ENTRY_REMOVED, &oe[k], NULL);
	for (i = 0; i < nn && !err; i++)
		if (!ne[i].matched)
			err = add_entry(dec, JBD_CH_ENTRY_ADDED, &ne[i], NULL);
out:
	free_entries(oe, on);
	free_entries(ne, nn);
	return err;
}

/* ---- extent trees and indirect blocks ---- */

/*
 * One node is set beside another copy of it here, and a node that
 * ext2fs_extent_header_verify refuses must still decode (a writer's
 * broken node is what the reader is after): the extent API
 * (ext2fs_extent_get) walks a whole tree and stops at such a node, so a
 * node is read with libext2fs's on-disk structures instead (struct
 * ext3_extent_header, ext3_extent, ext3_extent_idx): the entries its
 * header claims, as many as its length holds.
 */
struct ext_ent {
	uint64_t lblk, len, pblk;	/* an index: its child block, len 1 */
	bool unwritten;		/* leaf: an unwritten extent (len without
				   the flag) */
};

/* The entries of a raw node of len bytes into out (room for
   (len - 12) / 12); false without the extent magic. */
static bool extent_node(const uint8_t *buf, size_t len, struct ext_ent *out,
			size_t *n, unsigned int *depth)
{
	struct ext3_extent_header eh;
	size_t i, max;

	*n = 0;
	*depth = 0;
	if (len < sizeof(eh))
		return false;
	memcpy(&eh, buf, sizeof(eh));
	if (ext2fs_le16_to_cpu(eh.eh_magic) != EXT3_EXT_MAGIC)
		return false;
	max = (len - sizeof(eh)) / sizeof(struct ext3_extent);
	*depth = ext2fs_le16_to_cpu(eh.eh_depth);
	*n = ext2fs_le16_to_cpu(eh.eh_entries);
	if (*n > max)
		*n = max;
	for (i = 0; i < *n; i++) {
		const uint8_t *p = buf + sizeof(eh) + i * sizeof(struct ext3_extent);

		out[i].unwritten = false;
		if (*depth) {
			struct ext3_extent_idx ix;

			memcpy(&ix, p, sizeof(ix));
			out[i].lblk = ext2fs_le32_to_cpu(ix.ei_block);
			out[i].len = 1;
			out[i].pblk = ext2fs_le32_to_cpu(ix.ei_leaf) |
				      (uint64_t)ext2fs_le16_to_cpu(ix.ei_leaf_hi) << 32;
		} else {
			struct ext3_extent ex;

			memcpy(&ex, p, sizeof(ex));
			out[i].lblk = ext2fs_le32_to_cpu(ex.ee_block);
			out[i].len = ext2fs_le16_to_cpu(ex.ee_len);
			if (out[i].len > EXT_INIT_MAX_LEN) {
				out[i].len -= EXT_INIT_MAX_LEN;
				out[i].unwritten = true;
			}
			out[i].pblk = ext2fs_le32_to_cpu(ex.ee_start) |
				      (uint64_t)ext2fs_le16_to_cpu(ex.ee_start_hi) << 32;
		}
	}
	return true;
}

/* An extent header (at least 12 bytes, as a node has) in memory order. */
static struct ext3_extent_header header_cpu(const uint8_t *raw)
{
	struct ext3_extent_header eh;

	memcpy(&eh, raw, sizeof(eh));
	eh.eh_magic = ext2fs_le16_to_cpu(eh.eh_magic);
	eh.eh_entries = ext2fs_le16_to_cpu(eh.eh_entries);
	eh.eh_max = ext2fs_le16_to_cpu(eh.eh_max);
	eh.eh_depth = ext2fs_le16_to_cpu(eh.eh_depth);
	eh.eh_generation = ext2fs_le32_to_cpu(eh.eh_generation);
	return eh;
}

#define EH(name) F(ext3_extent_header, #name, name)
static const struct field eh_fields[] = {
	EH(eh_magic), EH(eh_entries), EH(eh_max), EH(eh_depth),
	EH(eh_generation),
};

errcode_t jbd_diff_extents(const uint8_t *old, size_t old_len,
			   const uint8_t *new, size_t new_len, ext2_ino_t ino,
			   struct jbd_decoded *dec)
{
	const size_t esz = sizeof(struct ext3_extent);
	struct ext_ent *oe, *ne;
	bool *matched;
	size_t on = 0, nn = 0, i, k;
	unsigned int od = 0, nd = 0;
	struct ext3_extent_header oh, nh;
	bool ook, nok;
	errcode_t err = 0;

	oe = calloc(old_len / esz + 1, sizeof(*oe));
	ne = calloc(new_len / esz + 1, sizeof(*ne));
	matched = calloc(old_len / esz + new_len / esz + 2, sizeof(*matched));
	if (!oe || !ne || !matched) {
		err = EXT2_ET_NO_MEMORY;
		goto out;
	}
	ook = extent_node(old, old_len, oe, &on, &od);
	nok = extent_node(new, new_len, ne, &nn, &nd);
	if (!nok) {
		err = jbd_diff_bytes(old, new, new_len < old_len ? new_len : old_len,
				     ino, dec);
		goto out;
	}
	/* Header fields; all 0 in an old copy that was no node (and then
	   eh_generation is reported even when it stays 0). */
	oh = header_cpu(old);
	nh = header_cpu(new);
	for (i = 0; i < sizeof(eh_fields) / sizeof(eh_fields[0]) && !err; i++) {
		const struct field *f = &eh_fields[i];
		uint64_t a = 0, b = 0;

		if (ook)
			field_value(f, &oh, sizeof(oh), &a);
		field_value(f, &nh, sizeof(nh), &b);
		if (a != b || (!ook && f->off == offsetof(struct ext3_extent_header,
							  eh_generation)))
			err = add_field(dec, f->name, ino, false, 0, a, b);
	}
	if (!ook)
		on = 0;
	/* matched[k]: old entry k; matched[on + i]: new entry i.  A node
	   whose depth changed has every old entry removed, every new added. */
	for (i = 0; i < nn && od == nd; i++)
		for (k = 0; k < on; k++)
			if (!matched[k] && oe[k].lblk == ne[i].lblk &&
			    oe[k].len == ne[i].len && oe[k].pblk == ne[i].pblk &&
			    oe[k].unwritten == ne[i].unwritten) {
				matched[k] = matched[on + i] = true;
				break;
			}
	for (k = 0; k < on + nn && !err; k++) {
		const struct ext_ent *e = k < on ? &oe[k] : &ne[k - on];
		struct jbd_field_change *c;

		if (matched[k])
			continue;
		c = jbd_dec_add(dec, k < on ? JBD_CH_EXTENT_REMOVED :
				JBD_CH_EXTENT_ADDED);
		if (!c) {
			err = EXT2_ET_NO_MEMORY;
			break;
		}
		c->inode = ino;
		c->index = (k < on ? od : nd) != 0;
		c->logical = e->lblk;
		c->physical = e->pblk;
		c->length = (k < on ? od : nd) ? 0 : e->len;
		c->unwritten = e->unwritten;
	}
out:
	free(matched);
	free(oe);
	free(ne);
	return err;
}

/*
 * An indirect block is an array of __le32 block numbers (what
 * ext2fs_read_ind_block reads): libext2fs has no structure for it.
 */
errcode_t jbd_diff_indirect(ext2_filsys fs, const uint8_t *old,
			    const uint8_t *new, ext2_ino_t ino,
			    struct jbd_decoded *dec)
{
	unsigned int slot;

	for (slot = 0; slot < fs->blocksize / 4; slot++) {
		uint32_t ra, rb;
		uint64_t a, b;
		int pass;

		memcpy(&ra, old + 4 * slot, 4);
		memcpy(&rb, new + 4 * slot, 4);
		a = ext2fs_le32_to_cpu(ra);
		b = ext2fs_le32_to_cpu(rb);

		for (pass = 0; pass < 2 && a != b; pass++) {
			uint64_t v = pass ? b : a;
			struct jbd_field_change *c;

			if (!v)
				continue;
			c = jbd_dec_add(dec, pass ? JBD_CH_EXTENT_ADDED :
					JBD_CH_EXTENT_REMOVED);
			if (!c)
				return EXT2_ET_NO_MEMORY;
			c->inode = ino;
			c->logical = slot;
			c->physical = v;
			c->length = 1;
			c->field = "indirect";
		}
	}
	return 0;
}

#define MAX_RANGES 32

static uint64_t word_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Does no byte of v read 0? */
static bool no_zero_byte(uint64_t v)
{
	return !((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL);
}

/* The first i >= from where old and new differ (len if none). */
static size_t next_diff(const uint8_t *old, const uint8_t *new, size_t from,
			size_t len)
{
	size_t i = from;

	while (i + 8 <= len && word_at(old + i) == word_at(new + i))
		i += 8;
	while (i < len && old[i] == new[i])
		i++;
	return i;
}

/* The first i >= from where old and new agree (len if none). */
static size_t next_same(const uint8_t *old, const uint8_t *new, size_t from,
			size_t len)
{
	size_t i = from;

	while (i + 8 <= len && no_zero_byte(word_at(old + i) ^ word_at(new + i)))
		i += 8;
	while (i < len && old[i] != new[i])
		i++;
	return i;
}

/* One past the last byte where old and new differ, at least from. */
static size_t last_diff_end(const uint8_t *old, const uint8_t *new,
			    size_t from, size_t len)
{
	size_t i = len;

	while (i >= from + 8 && word_at(old + i - 8) == word_at(new + i - 8))
		i -= 8;
	while (i > from && old[i - 1] == new[i - 1])
		i--;
	return i;
}

/*
 * The byte ranges that differ, MAX_RANGES at most: the last one then
 * runs to the last byte that differs.  Equal stretches are skipped a
 * word at a time (a block and its next copy share most of their bytes).
 */
errcode_t jbd_diff_bytes(const uint8_t *old, const uint8_t *new, size_t len,
			 ext2_ino_t ino, struct jbd_decoded *dec)
{
	size_t i = 0, nranges = 0;
	struct jbd_field_change *c = NULL;

	while ((i = next_diff(old, new, i, len)) < len) {
		size_t start = i;

		if (nranges >= MAX_RANGES) {
			c->end = (uint32_t)last_diff_end(old, new, i, len);
			break;		/* the rest in one range */
		}
		i = next_same(old, new, i, len);
		c = jbd_dec_add(dec, JBD_CH_BYTES);
		if (!c)
			return EXT2_ET_NO_MEMORY;
		c->inode = ino;
		c->start = (uint32_t)start;
		c->end = (uint32_t)i;
		nranges++;
	}
	return 0;
}
