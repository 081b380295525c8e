/*
 * jbd2-format.h: the JBD2 on-disk format (the ext3/ext4 journal).
 *
 * Every struct mirrors a kernel type (include/linux/jbd2.h) and keeps the
 * kernel's field names, so each field greps straight to the kernel and to
 * e2fsprogs.  All fields are big-endian on disk; only super.c, csum.c,
 * walk.c and mkjournal.c read these structs, through the be*() helpers.
 */
#ifndef JBD2_FORMAT_H
#define JBD2_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define JBD2_MAGIC_NUMBER		0xC03B3998U

/* h_blocktype */
#define JBD2_DESCRIPTOR_BLOCK		1
#define JBD2_COMMIT_BLOCK		2
#define JBD2_SUPERBLOCK_V1		3
#define JBD2_SUPERBLOCK_V2		4
#define JBD2_REVOKE_BLOCK		5
#define JBD2_FC_BLOCK			6

/* Feature bits. */
#define JBD2_FEATURE_COMPAT_CHECKSUM		0x00000001U
#define JBD2_FEATURE_INCOMPAT_REVOKE		0x00000001U
#define JBD2_FEATURE_INCOMPAT_64BIT		0x00000002U
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT	0x00000004U
#define JBD2_FEATURE_INCOMPAT_CSUM_V2		0x00000008U
#define JBD2_FEATURE_INCOMPAT_CSUM_V3		0x00000010U
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT	0x00000020U
#define JBD2_KNOWN_INCOMPAT_FEATURES		0x0000003FU
#define JBD2_KNOWN_ROCOMPAT_FEATURES		0x00000000U

/* Tag flags (t_flags). */
#define JBD2_FLAG_ESCAPE		1
#define JBD2_FLAG_SAME_UUID		2
#define JBD2_FLAG_DELETED		4
#define JBD2_FLAG_LAST_TAG		8

/* Checksum types (s_checksum_type, h_chksum_type). */
#define JBD2_CRC32_CHKSUM		1
#define JBD2_MD5_CHKSUM			2
#define JBD2_SHA1_CHKSUM		3
#define JBD2_CRC32C_CHKSUM		4
#define JBD2_CRC32_CHKSUM_SIZE		4

#define JBD2_MIN_JOURNAL_BLOCKS		1024U
#define JBD2_MAX_JOURNAL_BLOCKS		10240000U
#define JBD2_DEFAULT_FAST_COMMIT_BLOCKS	256U
#define JBD2_USERS_MAX			48
#define JBD2_UUID_SIZE			16
#define JBD2_SUPERBLOCK_SIZE		1024
#define JBD2_SB_V1_SIZE			0x24	/* up to s_feature_compat */

/* journal_header_t: starts every log block. */
struct jbd2_header {
	uint32_t h_magic;
	uint32_t h_blocktype;
	uint32_t h_sequence;
};

/* journal_superblock_t (1024 bytes). */
struct jbd2_superblock {
	struct jbd2_header s_header;
	uint32_t s_blocksize;		/* 0x0C */
	uint32_t s_maxlen;		/* 0x10 */
	uint32_t s_first;		/* 0x14 */
	uint32_t s_sequence;		/* 0x18 */
	uint32_t s_start;		/* 0x1C */
	int32_t  s_errno;		/* 0x20 */
	/* Everything below is meaningful in a V2 superblock only. */
	uint32_t s_feature_compat;	/* 0x24 */
	uint32_t s_feature_incompat;	/* 0x28 */
	uint32_t s_feature_ro_compat;	/* 0x2C */
	uint8_t  s_uuid[16];		/* 0x30 */
	uint32_t s_nr_users;		/* 0x40 */
	uint32_t s_dynsuper;		/* 0x44 */
	uint32_t s_max_transaction;	/* 0x48 */
	uint32_t s_max_trans_data;	/* 0x4C */
	uint8_t  s_checksum_type;	/* 0x50 */
	uint8_t  s_padding2[3];
	uint32_t s_num_fc_blks;		/* 0x54 */
	uint32_t s_head;		/* 0x58, kernel >= 6.5 */
	uint32_t s_padding[40];
	uint32_t s_checksum;		/* 0xFC */
	uint8_t  s_users[16 * 48];	/* 0x100 */
};

/* journal_block_tag3_t: csum v3 (always 16 bytes). */
struct jbd2_block_tag3 {
	uint32_t t_blocknr;
	uint32_t t_flags;
	uint32_t t_blocknr_high;
	uint32_t t_checksum;
};

/*
 * journal_block_tag_t: no checksum or csum v2.  8 bytes when 32-bit, 12
 * with 64BIT, and 2 bytes of padding more with csum v2 (10 or 14): the
 * misaligned v2 layout is why v3 exists.
 */
struct jbd2_block_tag {
	uint32_t t_blocknr;
	uint16_t t_checksum;		/* v2: low 16 bits of the crc32c */
	uint16_t t_flags;
	uint32_t t_blocknr_high;
};

/* jbd2_journal_block_tail: last 4 bytes of descriptor and revoke blocks. */
struct jbd2_block_tail {
	uint32_t t_checksum;
};

/* jbd2_journal_revoke_header_t; records of 4 or 8 bytes follow. */
struct jbd2_revoke_header {
	struct jbd2_header r_header;
	uint32_t r_count;		/* bytes used, this header included */
};

/* struct commit_header. */
struct jbd2_commit_header {
	struct jbd2_header h_header;
	uint8_t  h_chksum_type;
	uint8_t  h_chksum_size;
	uint8_t  h_padding[2];
	uint32_t h_chksum[8];
	uint64_t h_commit_sec;
	uint32_t h_commit_nsec;
} __attribute__((packed));

_Static_assert(sizeof(struct jbd2_header) == 12, "journal header");
_Static_assert(sizeof(struct jbd2_superblock) == 1024, "journal superblock");
_Static_assert(offsetof(struct jbd2_superblock, s_checksum_type) == 0x50, "s_checksum_type");
_Static_assert(offsetof(struct jbd2_superblock, s_head) == 0x58, "s_head");
_Static_assert(offsetof(struct jbd2_superblock, s_checksum) == 0xFC, "s_checksum");
_Static_assert(offsetof(struct jbd2_superblock, s_users) == 0x100, "s_users");
_Static_assert(sizeof(struct jbd2_block_tag3) == 16, "tag3");
_Static_assert(sizeof(struct jbd2_block_tag) == 12, "tag");
_Static_assert(sizeof(struct jbd2_revoke_header) == 16, "revoke header");
_Static_assert(offsetof(struct jbd2_commit_header, h_chksum) == 0x10, "h_chksum");
_Static_assert(offsetof(struct jbd2_commit_header, h_commit_sec) == 0x30, "h_commit_sec");
_Static_assert(sizeof(struct jbd2_commit_header) == 60, "commit header");

/* Byte-order helpers over unaligned buffers (v2 tags are misaligned). */
static inline uint16_t be16_at(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t be32_at(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t be64_at(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)be32_at(b) << 32 | be32_at(b + 4);
}

static inline void put_be16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = v >> 8;
	b[1] = v;
}

static inline void put_be32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static inline void put_be64(void *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32((uint8_t *)p + 4, (uint32_t)v);
}

/* Little-endian fields of ext2/3/4 structures, over raw blocks. */
static inline uint16_t le16_at(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t le32_at(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = v >> 8;
}

static inline void put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = v >> 24;
}

static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/*
 * A logged copy whose tag has JBD2_FLAG_ESCAPE began with the JBD2 magic,
 * which was zeroed to log it: put it back.  The one place this is done.
 */
static inline void jbd_unescape(void *block, uint32_t tag_flags)
{
	if (tag_flags & JBD2_FLAG_ESCAPE)
		put_be32(block, JBD2_MAGIC_NUMBER);
}

/* Transaction ids wrap: compare them only through these (kernel tid_gt). */
static inline int tid_gt(uint32_t x, uint32_t y)
{
	return (int32_t)(x - y) > 0;
}

static inline int tid_geq(uint32_t x, uint32_t y)
{
	return (int32_t)(x - y) >= 0;
}

#endif /* JBD2_FORMAT_H */
