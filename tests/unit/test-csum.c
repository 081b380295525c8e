/*
 * test-csum.c: the checksum primitives of csum.c against published CRC
 * check values, against bitwise reference implementations written here
 * from jbd2-format.md §1.7, and the exact byte coverage of every rule.
 */
#include <stdint.h>
#include <string.h>

#include "csum.h"
#include "jbd2-format.h"
#include "refcrc.h"
#include "tap.h"

static uint32_t lcg = 0x2545F491U;

static void fill_random(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		lcg = lcg * 1103515245U + 12345U;
		buf[i] = (uint8_t)(lcg >> 16);
	}
}

static const char check_input[] = "123456789";

static void test_vectors(void)
{
	uint32_t c;

	c = jbd_crc32c(~0U, check_input, 9);
	ok(~c == 0xE3069283U,
	   "CRC-32C check value: ~jbd_crc32c(~0, \"123456789\") = 0xE3069283 (got 0x%08X)",
	   ~c);
	ok(~ref_crc32c(~0U, check_input, 9) == 0xE3069283U,
	   "reference crc32c gives the CRC-32C check value (sanity of the test)");
	c = jbd_crc32_be(~0U, check_input, 9);
	ok(c == 0x0376E6E7U,
	   "CRC-32/MPEG-2 check value: jbd_crc32_be(~0, \"123456789\") = 0x0376E6E7 (got 0x%08X)",
	   c);
	ok(ref_crc32_be(~0U, check_input, 9) == 0x0376E6E7U,
	   "reference crc32_be gives the CRC-32/MPEG-2 check value (sanity of the test)");
	/* No inversion inside the call: starting from 0 over zeros stays 0. */
	{
		static const uint8_t z[16];

		ok(jbd_crc32c(0, z, sizeof(z)) == 0,
		   "jbd_crc32c does not invert: crc32c(0, 16 zero bytes) = 0");
		ok(jbd_crc32_be(0, z, sizeof(z)) == 0,
		   "jbd_crc32_be does not invert: crc32_be(0, 16 zero bytes) = 0");
	}
}

static void test_reference(void)
{
	static uint8_t buf[4096];
	static const size_t lens[] = { 0, 1, 7, 4096 };
	static const uint32_t seeds[] = { ~0U, 0, 0x12345678U };

	fill_random(buf, sizeof(buf));
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			uint32_t want = ref_crc32c(seeds[s], buf, lens[i]);
			uint32_t got = jbd_crc32c(seeds[s], buf, lens[i]);

			ok(got == want,
			   "jbd_crc32c(0x%08X, buf, %zu) = reference 0x%08X (got 0x%08X)",
			   seeds[s], lens[i], want, got);
			want = ref_crc32_be(seeds[s], buf, lens[i]);
			got = jbd_crc32_be(seeds[s], buf, lens[i]);
			ok(got == want,
			   "jbd_crc32_be(0x%08X, buf, %zu) = reference 0x%08X (got 0x%08X)",
			   seeds[s], lens[i], want, got);
		}
	}
	ok(jbd_crc32c(0xDEADBEEFU, buf, 0) == 0xDEADBEEFU,
	   "jbd_crc32c over 0 bytes returns the register unchanged");
	ok(jbd_crc32c(jbd_crc32c(~0U, buf, 1000), buf + 1000, 3096) ==
	   ref_crc32c(~0U, buf, 4096),
	   "jbd_crc32c chains: crc(crc(a), b) = crc(ab)");
	ok(jbd_crc32_be(jbd_crc32_be(~0U, buf, 3), buf + 3, 4093) ==
	   ref_crc32_be(~0U, buf, 4096),
	   "jbd_crc32_be chains: crc(crc(a), b) = crc(ab)");
}

static void test_sb_csum(void)
{
	static uint8_t sb[1024], tmp[1024];
	static const size_t ignored[] = { 0xFC, 0xFD, 0xFE, 0xFF };
	static const size_t covered[] = { 0x00, 0xFB, 0x100, 0x3FF };
	uint32_t base;

	fill_random(sb, sizeof(sb));
	base = jbd_sb_csum(sb);
	memcpy(tmp, sb, sizeof(tmp));
	memset(tmp + 0xFC, 0, 4);
	ok(base == ref_crc32c(~0U, tmp, 1024),
	   "jbd_sb_csum = crc32c(~0, 1024 bytes with 0xFC..0xFF zeroed), unseeded");
	for (size_t i = 0; i < 4; i++) {
		memcpy(tmp, sb, sizeof(tmp));
		tmp[ignored[i]] ^= 0xFF;
		ok(jbd_sb_csum(tmp) == base,
		   "jbd_sb_csum ignores byte 0x%zX (s_checksum)", ignored[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		memcpy(tmp, sb, sizeof(tmp));
		tmp[covered[i]] ^= 0x01;
		ok(jbd_sb_csum(tmp) != base,
		   "jbd_sb_csum depends on byte 0x%zX", covered[i]);
	}
}

static void test_tail_csum(void)
{
	static uint8_t blk[4096], tmp[4096];
	static const size_t sizes[] = { 1024, 4096 };
	const uint32_t seed = 0xA5A5F00DU;

	fill_random(blk, sizeof(blk));
	for (size_t s = 0; s < 2; s++) {
		size_t bs = sizes[s];
		uint32_t base = jbd_tail_csum(seed, blk, bs);

		memcpy(tmp, blk, bs);
		memset(tmp + bs - 4, 0, 4);
		ok(base == ref_crc32c(seed, tmp, bs),
		   "bs %zu: jbd_tail_csum = crc32c(seed, block with last 4 bytes zeroed)",
		   bs);
		for (size_t k = 1; k <= 4; k++) {
			memcpy(tmp, blk, bs);
			tmp[bs - k] ^= 0xFF;
			ok(jbd_tail_csum(seed, tmp, bs) == base,
			   "bs %zu: jbd_tail_csum ignores byte bs-%zu", bs, k);
		}
		memcpy(tmp, blk, bs);
		tmp[bs - 5] ^= 0x01;
		ok(jbd_tail_csum(seed, tmp, bs) != base,
		   "bs %zu: jbd_tail_csum depends on byte bs-5", bs);
		memcpy(tmp, blk, bs);
		tmp[0] ^= 0x80;
		ok(jbd_tail_csum(seed, tmp, bs) != base,
		   "bs %zu: jbd_tail_csum depends on byte 0", bs);
		ok(jbd_tail_csum(seed + 1, blk, bs) != base,
		   "bs %zu: jbd_tail_csum depends on the seed", bs);
	}
}

static void test_commit_csum(void)
{
	static uint8_t blk[4096], tmp[4096];
	const uint32_t seed = 0x0BADCAFEU;
	const size_t bs = 4096;
	uint32_t base;

	fill_random(blk, sizeof(blk));
	base = jbd_commit_csum(seed, blk, bs);
	memcpy(tmp, blk, bs);
	memset(tmp + 0x10, 0, 4);
	ok(base == ref_crc32c(seed, tmp, bs),
	   "jbd_commit_csum = crc32c(seed, block with 0x10..0x13 zeroed)");
	for (size_t off = 0x10; off <= 0x13; off++) {
		memcpy(tmp, blk, bs);
		tmp[off] ^= 0xFF;
		ok(jbd_commit_csum(seed, tmp, bs) == base,
		   "jbd_commit_csum ignores byte 0x%zX (h_chksum[0])", off);
	}
	{
		static const size_t covered[] = { 0x0F, 0x14, 0x0C, 0x3C, 4095 };

		for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]); i++) {
			memcpy(tmp, blk, bs);
			tmp[covered[i]] ^= 0x01;
			ok(jbd_commit_csum(seed, tmp, bs) != base,
			   "jbd_commit_csum depends on byte 0x%zX", covered[i]);
		}
	}
	/* A 1024-byte block: the size is honoured. */
	memcpy(tmp, blk, 1024);
	memset(tmp + 0x10, 0, 4);
	ok(jbd_commit_csum(seed, blk, 1024) == ref_crc32c(seed, tmp, 1024),
	   "jbd_commit_csum covers exactly blocksize bytes (1024)");
}

static void test_data_csum(void)
{
	static uint8_t blk[4096], tmp[4096];
	const uint32_t seed = 0x600DF00DU;
	uint8_t be_tid[4];
	uint32_t want, base;

	fill_random(blk, sizeof(blk));
	base = jbd_data_csum(seed, 77, blk, 4096);
	put_be32(be_tid, 77);
	want = ref_crc32c(ref_crc32c(seed, be_tid, 4), blk, 4096);
	ok(base == want,
	   "jbd_data_csum = crc32c(crc32c(seed, be32 tid), block) (want 0x%08X got 0x%08X)",
	   want, base);
	ok(jbd_data_csum(seed, 78, blk, 4096) != base,
	   "jbd_data_csum depends on the tid (77 vs 78)");
	ok(jbd_data_csum(seed, 77U | 0x01000000U, blk, 4096) != base,
	   "jbd_data_csum depends on the high byte of the tid");
	ok(jbd_data_csum(seed ^ 1, 77, blk, 4096) != base,
	   "jbd_data_csum depends on the seed");
	memcpy(tmp, blk, sizeof(tmp));
	tmp[4095] ^= 0x01;
	ok(jbd_data_csum(seed, 77, tmp, 4096) != base,
	   "jbd_data_csum depends on the last byte of the block");
	memcpy(tmp, blk, sizeof(tmp));
	tmp[0] ^= 0x01;
	ok(jbd_data_csum(seed, 77, tmp, 4096) != base,
	   "jbd_data_csum depends on the first byte (no bytes are skipped)");
	put_be32(be_tid, 0xFFFFFFFFU);
	ok(jbd_data_csum(seed, 0xFFFFFFFFU, blk, 1024) ==
	   ref_crc32c(ref_crc32c(seed, be_tid, 4), blk, 1024),
	   "jbd_data_csum with tid 0xFFFFFFFF and 1024-byte block");
}

static void test_seed(void)
{
	uint8_t uuid[16];
	uint32_t s;

	for (int i = 0; i < 16; i++)
		uuid[i] = (uint8_t)(0x11 * i + 3);
	s = jbd_csum_seed(uuid);
	ok(s == jbd_crc32c(~0U, uuid, 16),
	   "jbd_csum_seed(uuid) = jbd_crc32c(~0, uuid, 16)");
	ok(s == ref_crc32c(~0U, uuid, 16),
	   "jbd_csum_seed(uuid) = reference crc32c(~0, uuid, 16)");
	uuid[15] ^= 1;
	ok(jbd_csum_seed(uuid) != s, "jbd_csum_seed depends on the last uuid byte");
}

int main(void)
{
	test_vectors();
	test_reference();
	test_sb_csum();
	test_tail_csum();
	test_commit_csum();
	test_data_csum();
	test_seed();
	return done_testing();
}
