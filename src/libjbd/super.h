/*
 * super.h: the journal superblock, decoded to host order, validated and
 * encoded back.
 */
#ifndef JBD_SUPER_H
#define JBD_SUPER_H

#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "csum.h"

struct jbd_sb {
	uint32_t blocktype;		/* JBD2_SUPERBLOCK_V1 or _V2 */
	uint32_t blocksize;
	uint32_t maxlen;
	uint32_t first;
	uint32_t sequence;
	uint32_t start;
	int32_t  errnum;		/* s_errno */
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint32_t feature_ro_compat;
	uint8_t  uuid[16];
	uint32_t nr_users;
	uint32_t dynsuper;
	uint32_t max_transaction;
	uint32_t max_trans_data;
	uint8_t  checksum_type;
	uint32_t num_fc_blks;		/* as stored: 0 means the default */
	uint32_t head;			/* s_head, kernel >= 6.5 */
	uint32_t checksum;		/* as stored */
	uint8_t  users[48][16];
	enum jbd_csum checksum_verdict;	/* of s_checksum (v2/v3 only) */
};

/* Decode 1024 bytes; fails only on a bad magic or block type. */
errcode_t jbd_sb_decode(const void *buf, struct jbd_sb *sb);

/*
 * Check the superblock as e2fsck and the kernel do before trusting it:
 * block size, s_first/s_maxlen against the journal's length in blocks,
 * fast-commit room, feature combinations and unknown features.  The
 * checksum verdict is left in sb->checksum_verdict, not returned.
 */
errcode_t jbd_sb_validate(const struct jbd_sb *sb, uint32_t fs_blocksize,
			  uint32_t journal_blocks);

/*
 * Every problem jbd_sb_validate() checks, not only the first: up to max
 * codes are stored in errs; the number found is returned.
 */
unsigned int jbd_sb_check(const struct jbd_sb *sb, uint32_t fs_blocksize,
			  uint32_t journal_blocks, errcode_t *errs,
			  unsigned int max);

/*
 * Store sb's fields into buf (1024 bytes), with a fresh checksum for v2/v3.
 * Bytes that sb does not describe (padding) are left as buf has them, so
 * rewriting a superblock read from disk changes only what was changed.
 */
void jbd_sb_encode(const struct jbd_sb *sb, void *buf);

bool jbd_sb_has_csum_v2v3(const struct jbd_sb *sb);
bool jbd_sb_has_csum_v2(const struct jbd_sb *sb);
bool jbd_sb_has_csum_v3(const struct jbd_sb *sb);
bool jbd_sb_has_csum_v1(const struct jbd_sb *sb);
bool jbd_sb_has_64bit(const struct jbd_sb *sb);
bool jbd_sb_has_async_commit(const struct jbd_sb *sb);
bool jbd_sb_has_fast_commit(const struct jbd_sb *sb);

/* Size of one descriptor tag: 8, 10, 12, 14 or 16 bytes. */
unsigned int jbd_sb_tag_bytes(const struct jbd_sb *sb);
/* Fast-commit blocks at the end of the journal (0 without FAST_COMMIT). */
uint32_t jbd_sb_fc_blocks(const struct jbd_sb *sb);
/* One past the last block of the circular log: s_maxlen minus the FC area. */
uint32_t jbd_sb_log_end(const struct jbd_sb *sb);
/* Max transaction length as dumpe2fs prints it. */
uint32_t jbd_sb_max_transaction(const struct jbd_sb *sb);

/*
 * Feature names, as dumpe2fs prints them (libe2p's table; unknown bits,
 * and FAST_COMMIT which libe2p does not name, as FEATURE_<C|I|R><bit>).
 * Writes the name of bit `bit` of the given word class into buf.
 */
enum jbd_feature_class { JBD_COMPAT, JBD_INCOMPAT, JBD_RO_COMPAT };
const char *jbd_feature_name(enum jbd_feature_class cls, unsigned int bit,
			     char *buf, size_t len);

#endif
