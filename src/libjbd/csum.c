/*
 * csum.c: JBD2 checksums.
 *
 * crc32c here is the raw Castagnoli register update of libext2fs
 * (ext2fs_crc32c_le): no inversion inside the call, callers start from ~0.
 * v1 journals (compat CHECKSUM) use the non-reflected crc32_be instead.
 * Fields covered by a checksum are treated as zero while it is computed;
 * instead of copying the block we feed the crc a run of zero bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <ext2fs/ext2fs.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

#include "csum.h"
#include "jbd2-format.h"

static const uint8_t zero4[4];

/*
 * ISA-L's crc32_iscsi is the same raw register update (no inversions),
 * with SSE4.2/PCLMUL when the CPU has them; test-csum checks both against
 * the reference vectors.
 */
uint32_t jbd_crc32c(uint32_t crc, const void *buf, size_t len)
{
#ifdef HAVE_ISAL
	const unsigned char *p = buf;

	while (len) {
		int n = len > (1U << 30) ? 1 << 30 : (int)len;

		crc = crc32_iscsi((unsigned char *)p, n, crc);
		p += n;
		len -= (size_t)n;
	}
	return crc;
#else
	return ext2fs_crc32c_le(crc, buf, len);
#endif
}

uint32_t jbd_crc32_be(uint32_t crc, const void *buf, size_t len)
{
	return ext2fs_crc32_be(crc, buf, len);
}

uint32_t jbd_csum_seed(const uint8_t uuid[16])
{
	return jbd_crc32c(~0U, uuid, 16);
}

uint32_t jbd_sb_csum(const void *sb1024)
{
	const uint8_t *b = sb1024;
	const size_t at = offsetof(struct jbd2_superblock, s_checksum);
	uint32_t crc;

	crc = jbd_crc32c(~0U, b, at);
	crc = jbd_crc32c(crc, zero4, 4);
	return jbd_crc32c(crc, b + at + 4, JBD2_SUPERBLOCK_SIZE - at - 4);
}

uint32_t jbd_tail_csum(uint32_t seed, const void *block, size_t blocksize)
{
	uint32_t crc = jbd_crc32c(seed, block, blocksize - 4);

	return jbd_crc32c(crc, zero4, 4);
}

uint32_t jbd_commit_csum(uint32_t seed, const void *block, size_t blocksize)
{
	const uint8_t *b = block;
	const size_t at = offsetof(struct jbd2_commit_header, h_chksum);
	uint32_t crc;

	crc = jbd_crc32c(seed, b, at);
	crc = jbd_crc32c(crc, zero4, 4);
	return jbd_crc32c(crc, b + at + 4, blocksize - at - 4);
}

uint32_t jbd_data_csum(uint32_t seed, uint32_t tid, const void *block,
		       size_t blocksize)
{
	uint8_t be_tid[4];

	put_be32(be_tid, tid);
	return jbd_crc32c(jbd_crc32c(seed, be_tid, 4), block, blocksize);
}

uint32_t jbd_tag_csum(uint32_t seed, uint32_t tid, const void *block,
		      size_t blocksize, bool v2)
{
	uint32_t c = jbd_data_csum(seed, tid, block, blocksize);

	return v2 ? c & 0xFFFF : c;
}
