/*
 * super.c: decode, validate and encode the journal superblock.
 *
 * Validation follows what e2fsck (e2fsck_journal_load) and the kernel
 * (journal_check_superblock) refuse; a checksum mismatch is a verdict
 * stored in the decoded superblock, because read commands show it and go
 * on, while recovery refuses.
 */
#include <stdio.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "super.h"

errcode_t jbd_sb_decode(const void *buf, struct jbd_sb *sb)
{
	const struct jbd2_superblock *d = buf;
	const uint8_t *b = buf;

	memset(sb, 0, sizeof(*sb));
	if (be32_at(&d->s_header.h_magic) != JBD2_MAGIC_NUMBER)
		return JBD_ET_BAD_MAGIC;
	sb->blocktype = be32_at(&d->s_header.h_blocktype);
	if (sb->blocktype != JBD2_SUPERBLOCK_V1 &&
	    sb->blocktype != JBD2_SUPERBLOCK_V2)
		return JBD_ET_BAD_BLOCKTYPE;

	sb->blocksize = be32_at(&d->s_blocksize);
	sb->maxlen = be32_at(&d->s_maxlen);
	sb->first = be32_at(&d->s_first);
	sb->sequence = be32_at(&d->s_sequence);
	sb->start = be32_at(&d->s_start);
	sb->errnum = (int32_t)be32_at(&d->s_errno);
	sb->feature_compat = be32_at(&d->s_feature_compat);
	sb->feature_incompat = be32_at(&d->s_feature_incompat);
	sb->feature_ro_compat = be32_at(&d->s_feature_ro_compat);
	memcpy(sb->uuid, d->s_uuid, 16);
	sb->nr_users = be32_at(&d->s_nr_users);
	sb->dynsuper = be32_at(&d->s_dynsuper);
	sb->max_transaction = be32_at(&d->s_max_transaction);
	sb->max_trans_data = be32_at(&d->s_max_trans_data);
	sb->checksum_type = d->s_checksum_type;
	sb->num_fc_blks = be32_at(&d->s_num_fc_blks);
	sb->head = be32_at(&d->s_head);
	sb->checksum = be32_at(&d->s_checksum);
	memcpy(sb->users, d->s_users, sizeof(sb->users));

	sb->checksum_verdict = JBD_CSUM_NONE;
	if (jbd_sb_has_csum_v2v3(sb))
		sb->checksum_verdict = jbd_sb_csum(b) == sb->checksum ?
				       JBD_CSUM_OK : JBD_CSUM_BAD;
	return 0;
}

/* Feature words mean something only in a V2 superblock (kernel and e2fsck). */
static uint32_t incompat(const struct jbd_sb *sb)
{
	return sb->blocktype == JBD2_SUPERBLOCK_V2 ? sb->feature_incompat : 0;
}

static uint32_t compat(const struct jbd_sb *sb)
{
	return sb->blocktype == JBD2_SUPERBLOCK_V2 ? sb->feature_compat : 0;
}

bool jbd_sb_has_csum_v2v3(const struct jbd_sb *sb)
{
	return incompat(sb) & (JBD2_FEATURE_INCOMPAT_CSUM_V2 |
			       JBD2_FEATURE_INCOMPAT_CSUM_V3);
}

bool jbd_sb_has_csum_v2(const struct jbd_sb *sb)
{
	return incompat(sb) & JBD2_FEATURE_INCOMPAT_CSUM_V2;
}

bool jbd_sb_has_csum_v3(const struct jbd_sb *sb)
{
	return incompat(sb) & JBD2_FEATURE_INCOMPAT_CSUM_V3;
}

bool jbd_sb_has_csum_v1(const struct jbd_sb *sb)
{
	return compat(sb) & JBD2_FEATURE_COMPAT_CHECKSUM;
}

bool jbd_sb_has_64bit(const struct jbd_sb *sb)
{
	return incompat(sb) & JBD2_FEATURE_INCOMPAT_64BIT;
}

bool jbd_sb_has_async_commit(const struct jbd_sb *sb)
{
	return incompat(sb) & JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT;
}

bool jbd_sb_has_fast_commit(const struct jbd_sb *sb)
{
	return incompat(sb) & JBD2_FEATURE_INCOMPAT_FAST_COMMIT;
}

unsigned int jbd_sb_tag_bytes(const struct jbd_sb *sb)
{
	unsigned int sz;

	if (incompat(sb) & JBD2_FEATURE_INCOMPAT_CSUM_V3)
		return sizeof(struct jbd2_block_tag3);
	sz = sizeof(struct jbd2_block_tag);	/* 12 */
	if (incompat(sb) & JBD2_FEATURE_INCOMPAT_CSUM_V2)
		sz += 2;
	return jbd_sb_has_64bit(sb) ? sz : sz - 4;
}

uint32_t jbd_sb_fc_blocks(const struct jbd_sb *sb)
{
	if (!jbd_sb_has_fast_commit(sb))
		return 0;
	return sb->num_fc_blks ? sb->num_fc_blks : JBD2_DEFAULT_FAST_COMMIT_BLOCKS;
}

uint32_t jbd_sb_log_end(const struct jbd_sb *sb)
{
	return sb->maxlen - jbd_sb_fc_blocks(sb);
}

uint32_t jbd_sb_max_transaction(const struct jbd_sb *sb)
{
	return jbd_sb_log_end(sb);
}

unsigned int jbd_sb_check(const struct jbd_sb *sb, uint32_t fs_blocksize,
			  uint32_t journal_blocks, errcode_t *errs,
			  unsigned int max)
{
	uint32_t fc = jbd_sb_fc_blocks(sb);
	unsigned int n = 0;

#define PROBLEM(e) do { if (n < max) errs[n] = (e); n++; } while (0)
	if (sb->blocksize != fs_blocksize)
		PROBLEM(JBD_ET_BAD_BLOCKSIZE);
	if (sb->maxlen > journal_blocks)
		PROBLEM(JBD_ET_TOO_SHORT);
	if (sb->maxlen < JBD2_MIN_JOURNAL_BLOCKS || fc >= sb->maxlen ||
	    sb->maxlen - fc < JBD2_MIN_JOURNAL_BLOCKS)
		PROBLEM(JBD_ET_BAD_GEOMETRY);
	else if (sb->first == 0 || sb->first >= jbd_sb_log_end(sb))
		PROBLEM(JBD_ET_BAD_GEOMETRY);
	else if (sb->start != 0 &&
		 (sb->start < sb->first || sb->start >= jbd_sb_log_end(sb)))
		PROBLEM(JBD_ET_BAD_GEOMETRY);
	if (sb->blocktype == JBD2_SUPERBLOCK_V1)
		return n;
	if (sb->feature_incompat & ~JBD2_KNOWN_INCOMPAT_FEATURES)
		PROBLEM(JBD_ET_UNSUPP_INCOMPAT);
	if (sb->feature_ro_compat & ~JBD2_KNOWN_ROCOMPAT_FEATURES)
		PROBLEM(JBD_ET_UNSUPP_ROCOMPAT);
	if (((sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2) &&
	     (sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3)) ||
	    (jbd_sb_has_csum_v2v3(sb) && jbd_sb_has_csum_v1(sb)) ||
	    (jbd_sb_has_csum_v2v3(sb) && sb->checksum_type != JBD2_CRC32C_CHKSUM))
		PROBLEM(JBD_ET_BAD_CSUM_FEATURES);
#undef PROBLEM
	return n;
}

errcode_t jbd_sb_validate(const struct jbd_sb *sb, uint32_t fs_blocksize,
			  uint32_t journal_blocks)
{
	errcode_t err = 0;

	jbd_sb_check(sb, fs_blocksize, journal_blocks, &err, 1);
	return err;
}

void jbd_sb_encode(const struct jbd_sb *sb, void *buf)
{
	struct jbd2_superblock *d = buf;

	put_be32(&d->s_header.h_magic, JBD2_MAGIC_NUMBER);
	put_be32(&d->s_header.h_blocktype, sb->blocktype);
	put_be32(&d->s_blocksize, sb->blocksize);
	put_be32(&d->s_maxlen, sb->maxlen);
	put_be32(&d->s_first, sb->first);
	put_be32(&d->s_sequence, sb->sequence);
	put_be32(&d->s_start, sb->start);
	put_be32(&d->s_errno, (uint32_t)sb->errnum);
	put_be32(&d->s_feature_compat, sb->feature_compat);
	put_be32(&d->s_feature_incompat, sb->feature_incompat);
	put_be32(&d->s_feature_ro_compat, sb->feature_ro_compat);
	memcpy(d->s_uuid, sb->uuid, 16);
	put_be32(&d->s_nr_users, sb->nr_users);
	put_be32(&d->s_dynsuper, sb->dynsuper);
	put_be32(&d->s_max_transaction, sb->max_transaction);
	put_be32(&d->s_max_trans_data, sb->max_trans_data);
	d->s_checksum_type = sb->checksum_type;
	put_be32(&d->s_num_fc_blks, sb->num_fc_blks);
	put_be32(&d->s_head, sb->head);
	memcpy(d->s_users, sb->users, sizeof(d->s_users));
	put_be32(&d->s_checksum, jbd_sb_has_csum_v2v3(sb) ?
		 jbd_sb_csum(buf) : sb->checksum);
}

static const char *const compat_names[32] = {
	[0] = "journal_checksum",
};

static const char *const incompat_names[32] = {
	[0] = "journal_incompat_revoke",
	[1] = "journal_64bit",
	[2] = "journal_async_commit",
	[3] = "journal_checksum_v2",
	[4] = "journal_checksum_v3",
	/* bit 5, FAST_COMMIT: libe2p has no name, dumpe2fs prints FEATURE_I5 */
};

const char *jbd_feature_name(enum jbd_feature_class cls, unsigned int bit,
			     char *buf, size_t len)
{
	static const char letter[] = { 'C', 'I', 'R' };
	const char *name = NULL;

	if (bit < 32 && cls == JBD_COMPAT)
		name = compat_names[bit];
	else if (bit < 32 && cls == JBD_INCOMPAT)
		name = incompat_names[bit];
	if (name)
		return name;
	snprintf(buf, len, "FEATURE_%c%u", letter[cls], bit);
	return buf;
}
