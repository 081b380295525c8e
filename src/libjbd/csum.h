/*
 * csum.h: every JBD2 checksum rule, as pure functions over buffers.
 * The exact bytes covered are in jbd2-format.md §1.7.
 */
#ifndef JBD_CSUM_H
#define JBD_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Verdict of one checksum: "not checked" is distinct from good and bad. */
enum jbd_csum {
	JBD_CSUM_NONE = 0,	/* no checksum feature, or the data was not read */
	JBD_CSUM_OK,
	JBD_CSUM_BAD,
};

uint32_t jbd_crc32c(uint32_t crc, const void *buf, size_t len);
uint32_t jbd_crc32_be(uint32_t crc, const void *buf, size_t len);

/* v2/v3 seed: crc32c(~0, s_uuid). */
uint32_t jbd_csum_seed(const uint8_t uuid[16]);

/* v2/v3 journal superblock: crc32c(~0, 1024 bytes with s_checksum zeroed). */
uint32_t jbd_sb_csum(const void *sb1024);

/* v2/v3 descriptor and revoke blocks: crc32c(seed, block, tail zeroed). */
uint32_t jbd_tail_csum(uint32_t seed, const void *block, size_t blocksize);

/* v2/v3 commit block: crc32c(seed, block with h_chksum[0] zeroed). */
uint32_t jbd_commit_csum(uint32_t seed, const void *block, size_t blocksize);

/* v2/v3 data block tag: crc32c(crc32c(seed, be32 tid), logged copy). */
uint32_t jbd_data_csum(uint32_t seed, uint32_t tid, const void *block,
		       size_t blocksize);

/*
 * The data checksum as a tag stores it: csum v3 keeps all 32 bits, v2
 * the low 16.  Compare a tag's t_checksum with this and nothing else.
 */
uint32_t jbd_tag_csum(uint32_t seed, uint32_t tid, const void *block,
		      size_t blocksize, bool v2);

#endif
