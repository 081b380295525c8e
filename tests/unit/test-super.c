/*
 * test-super.c: decoding, validating and encoding the journal superblock.
 * Superblocks are built byte by byte at the offsets of jbd2-format.md §1.2,
 * never with jbd_sb_encode, and their checksums come from a reference
 * crc32c written here.
 */
#include <stdint.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "super.h"
#include "refcrc.h"
#include "tap.h"

/* Store the §1.7 superblock checksum: crc32c(~0, sb with 0xFC zeroed). */
static void set_sb_csum(uint8_t *b)
{
	put_be32(b + 0xFC, 0);
	put_be32(b + 0xFC, ref_crc32c(~0U, b, 1024));
}

/* A plain sane V2 superblock: 4k blocks, 32768 blocks, no features. */
static void make_sb(uint8_t *b)
{
	memset(b, 0, 1024);
	put_be32(b + 0x00, JBD2_MAGIC_NUMBER);
	put_be32(b + 0x04, 4);
	put_be32(b + 0x08, 0);
	put_be32(b + 0x0C, 4096);
	put_be32(b + 0x10, 32768);
	put_be32(b + 0x14, 1);
	put_be32(b + 0x18, 10);
	put_be32(b + 0x1C, 0);
	put_be32(b + 0x40, 1);
	for (int i = 0; i < 16; i++)
		b[0x30 + i] = (uint8_t)(0xA0 + i);
}

static void test_decode_fields(void)
{
	uint8_t b[1024];
	struct jbd_sb sb;
	errcode_t err;
	bool users_ok = true;

	memset(b, 0, sizeof(b));
	put_be32(b + 0x00, JBD2_MAGIC_NUMBER);
	put_be32(b + 0x04, 4);
	put_be32(b + 0x08, 0x0BADBEEF);
	put_be32(b + 0x0C, 4096);
	put_be32(b + 0x10, 32768);
	put_be32(b + 0x14, 3);
	put_be32(b + 0x18, 0x12345678);
	put_be32(b + 0x1C, 77);
	put_be32(b + 0x20, (uint32_t)-5);
	put_be32(b + 0x24, 0x00000001);
	put_be32(b + 0x28, 0x00000012);
	put_be32(b + 0x2C, 0x00000000);
	for (int i = 0; i < 16; i++)
		b[0x30 + i] = (uint8_t)(0x10 + i);
	put_be32(b + 0x40, 1);
	put_be32(b + 0x44, 0x44444444);
	put_be32(b + 0x48, 0x48484848);
	put_be32(b + 0x4C, 0x4C4C4C4C);
	b[0x50] = 4;
	put_be32(b + 0x54, 64);
	put_be32(b + 0x58, 0x5858);
	put_be32(b + 0xFC, 0xFCFCFCFC);
	for (int u = 0; u < 48; u++)
		for (int i = 0; i < 16; i++)
			b[0x100 + 16 * u + i] = (uint8_t)(u * 5 + i + 1);

	err = jbd_sb_decode(b, &sb);
	ok(err == 0, "decode: a V2 superblock decodes (err %ld)", (long)err);
	ok(sb.blocktype == 4, "decode: blocktype 4 (got %u)", sb.blocktype);
	ok(sb.blocksize == 4096, "decode: s_blocksize @0x0C (got %u)", sb.blocksize);
	ok(sb.maxlen == 32768, "decode: s_maxlen @0x10 (got %u)", sb.maxlen);
	ok(sb.first == 3, "decode: s_first @0x14 (got %u)", sb.first);
	ok(sb.sequence == 0x12345678, "decode: s_sequence @0x18 (got 0x%X)", sb.sequence);
	ok(sb.start == 77, "decode: s_start @0x1C (got %u)", sb.start);
	ok(sb.errnum == -5, "decode: s_errno @0x20 is signed (got %d)", sb.errnum);
	ok(sb.feature_compat == 1, "decode: s_feature_compat @0x24 (got 0x%X)",
	   sb.feature_compat);
	ok(sb.feature_incompat == 0x12, "decode: s_feature_incompat @0x28 (got 0x%X)",
	   sb.feature_incompat);
	ok(sb.feature_ro_compat == 0, "decode: s_feature_ro_compat @0x2C (got 0x%X)",
	   sb.feature_ro_compat);
	ok(memcmp(sb.uuid, b + 0x30, 16) == 0, "decode: s_uuid @0x30");
	ok(sb.nr_users == 1, "decode: s_nr_users @0x40 (got %u)", sb.nr_users);
	ok(sb.dynsuper == 0x44444444, "decode: s_dynsuper @0x44");
	ok(sb.max_transaction == 0x48484848, "decode: s_max_transaction @0x48");
	ok(sb.max_trans_data == 0x4C4C4C4C, "decode: s_max_trans_data @0x4C");
	ok(sb.checksum_type == 4, "decode: s_checksum_type @0x50 (got %u)",
	   sb.checksum_type);
	ok(sb.num_fc_blks == 64, "decode: s_num_fc_blks @0x54 (got %u)", sb.num_fc_blks);
	ok(sb.head == 0x5858, "decode: s_head @0x58 (got 0x%X)", sb.head);
	ok(sb.checksum == 0xFCFCFCFC, "decode: s_checksum @0xFC (got 0x%X)", sb.checksum);
	for (int u = 0; u < 48; u++)
		for (int i = 0; i < 16; i++)
			if (sb.users[u][i] != (uint8_t)(u * 5 + i + 1))
				users_ok = false;
	ok(users_ok, "decode: s_users[48][16] @0x100");
	ok(sb.checksum_verdict == JBD_CSUM_BAD,
	   "decode: v3 superblock with a made-up s_checksum: verdict BAD (got %d)",
	   sb.checksum_verdict);
	ok(jbd_sb_has_64bit(&sb) && jbd_sb_has_csum_v2v3(&sb) &&
	   jbd_sb_has_csum_v1(&sb) && !jbd_sb_has_fast_commit(&sb) &&
	   !jbd_sb_has_async_commit(&sb),
	   "decode: feature predicates follow the feature words");
}

static void test_decode_errors(void)
{
	uint8_t b[1024];
	struct jbd_sb sb;
	static const uint32_t bad_types[] = { 1, 2, 5, 0, 6 };

	make_sb(b);
	put_be32(b, 0xC03B3999);
	ok(jbd_sb_decode(b, &sb) == JBD_ET_BAD_MAGIC, "decode: bad magic -> JBD_ET_BAD_MAGIC");
	put_be32(b, 0x98393BC0);
	ok(jbd_sb_decode(b, &sb) == JBD_ET_BAD_MAGIC,
	   "decode: byte-swapped magic -> JBD_ET_BAD_MAGIC");
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		make_sb(b);
		put_be32(b + 4, bad_types[i]);
		ok(jbd_sb_decode(b, &sb) == JBD_ET_BAD_BLOCKTYPE,
		   "decode: blocktype %u -> JBD_ET_BAD_BLOCKTYPE", bad_types[i]);
	}
	make_sb(b);
	put_be32(b + 4, 3);
	ok(jbd_sb_decode(b, &sb) == 0 && sb.blocktype == 3,
	   "decode: blocktype 3 (V1) decodes");
}

/* Checksum verdict of the superblock in b, or -1 if it does not decode. */
static int verdict_of(const uint8_t *b)
{
	struct jbd_sb sb;

	return jbd_sb_decode(b, &sb) ? -1 : (int)sb.checksum_verdict;
}

static void test_checksum_verdict(void)
{
	uint8_t b[1024];
	struct jbd_sb sb;
	static const uint32_t feats[] = { JBD2_FEATURE_INCOMPAT_CSUM_V3,
					  JBD2_FEATURE_INCOMPAT_CSUM_V2 };

	for (int f = 0; f < 2; f++) {
		const char *name = f ? "v2" : "v3";
		int v;

		make_sb(b);
		put_be32(b + 0x28, feats[f]);
		b[0x50] = 4;
		set_sb_csum(b);
		v = verdict_of(b);
		ok(v == JBD_CSUM_OK,
		   "%s: correct crc32c(~0, sb) -> checksum verdict OK (got %d)", name, v);
		b[0xFC] ^= 0x01;
		v = verdict_of(b);
		ok(v == JBD_CSUM_BAD,
		   "%s: s_checksum off by one bit -> verdict BAD (got %d)", name, v);
		b[0xFC] ^= 0x01;
		b[0x3FF] ^= 0x40;
		v = verdict_of(b);
		ok(v == JBD_CSUM_BAD,
		   "%s: a flipped byte at 0x3FF -> verdict BAD (got %d)", name, v);
	}
	/* Seeded with the UUID seed is wrong: §1.7 says unseeded. */
	make_sb(b);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	b[0x50] = 4;
	put_be32(b + 0xFC, ref_crc32c(ref_crc32c(~0U, b + 0x30, 16), b, 1024));
	ok(jbd_sb_decode(b, &sb) == 0 && sb.checksum_verdict == JBD_CSUM_BAD,
	   "v3: a checksum seeded with the uuid seed -> verdict BAD");
	/* No checksum feature: no verdict. */
	make_sb(b);
	set_sb_csum(b);
	ok(jbd_sb_decode(b, &sb) == 0 && sb.checksum_verdict == JBD_CSUM_NONE,
	   "no csum feature: verdict NONE even with a valid crc stored");
	put_be32(b + 0xFC, 0x12345678);
	ok(jbd_sb_decode(b, &sb) == 0 && sb.checksum_verdict == JBD_CSUM_NONE,
	   "no csum feature: verdict NONE with garbage s_checksum");
}

static void v2sb(struct jbd_sb *sb, uint32_t incompat)
{
	memset(sb, 0, sizeof(*sb));
	sb->blocktype = JBD2_SUPERBLOCK_V2;
	sb->feature_incompat = incompat;
}

static void test_tag_bytes(void)
{
	struct jbd_sb sb;
	static const struct {
		uint32_t incompat;
		unsigned int bytes;
		const char *what;
	} t[] = {
		{ 0, 8, "no features" },
		{ JBD2_FEATURE_INCOMPAT_REVOKE, 8, "revoke only" },
		{ JBD2_FEATURE_INCOMPAT_64BIT, 12, "64bit" },
		{ JBD2_FEATURE_INCOMPAT_CSUM_V2, 10, "csum v2" },
		{ JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_64BIT, 14,
		  "csum v2 + 64bit" },
		{ JBD2_FEATURE_INCOMPAT_CSUM_V3, 16, "csum v3" },
		{ JBD2_FEATURE_INCOMPAT_CSUM_V3 | JBD2_FEATURE_INCOMPAT_64BIT, 16,
		  "csum v3 + 64bit" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int got;

		v2sb(&sb, t[i].incompat);
		got = jbd_sb_tag_bytes(&sb);
		ok(got == t[i].bytes, "tag bytes: %s -> %u (got %u)",
		   t[i].what, t[i].bytes, got);
	}
}

/* Decode b, then validate against 4096-byte fs blocks and `blocks`. */
static errcode_t validate_buf(const uint8_t *b, uint32_t fs_bs, uint32_t blocks)
{
	struct jbd_sb sb;
	errcode_t err = jbd_sb_decode(b, &sb);

	return err ? err : jbd_sb_validate(&sb, fs_bs, blocks);
}

static void test_validate(void)
{
	uint8_t b[1024];
	errcode_t err;

	make_sb(b);
	err = validate_buf(b, 4096, 32768);
	ok(err == 0, "validate: a sane superblock is accepted (err %ld)", (long)err);
	put_be32(b + 0x1C, 1);
	ok(validate_buf(b, 4096, 32768) == 0, "validate: s_start == s_first accepted");
	put_be32(b + 0x1C, 32767);
	ok(validate_buf(b, 4096, 32768) == 0, "validate: s_start == s_maxlen-1 accepted");
	make_sb(b);
	ok(validate_buf(b, 4096, 40000) == 0,
	   "validate: journal longer than s_maxlen accepted");

	make_sb(b);
	ok(validate_buf(b, 1024, 32768) == JBD_ET_BAD_BLOCKSIZE,
	   "validate: s_blocksize 4096 on a 1024-byte fs -> JBD_ET_BAD_BLOCKSIZE");
	ok(validate_buf(b, 4096, 32767) == JBD_ET_TOO_SHORT,
	   "validate: s_maxlen > journal blocks -> JBD_ET_TOO_SHORT");

	make_sb(b);
	put_be32(b + 0x10, 1023);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_maxlen 1023 < 1024 -> JBD_ET_BAD_GEOMETRY");
	put_be32(b + 0x10, 1024);
	ok(validate_buf(b, 4096, 32768) == 0, "validate: s_maxlen 1024 accepted");

	make_sb(b);
	put_be32(b + 0x14, 0);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_first 0 -> JBD_ET_BAD_GEOMETRY");
	put_be32(b + 0x14, 32768);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_first == s_maxlen -> JBD_ET_BAD_GEOMETRY");
	put_be32(b + 0x14, 40000);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_first > s_maxlen -> JBD_ET_BAD_GEOMETRY");

	make_sb(b);
	put_be32(b + 0x14, 2);
	put_be32(b + 0x1C, 1);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_start < s_first -> JBD_ET_BAD_GEOMETRY");
	put_be32(b + 0x1C, 32768);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "validate: s_start == s_maxlen -> JBD_ET_BAD_GEOMETRY");
	put_be32(b + 0x1C, 0);
	ok(validate_buf(b, 4096, 32768) == 0,
	   "validate: s_start 0 (clean) with s_first 2 accepted");

	make_sb(b);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3);
	b[0x50] = 4;
	set_sb_csum(b);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_CSUM_FEATURES,
	   "validate: csum v2 + v3 -> JBD_ET_BAD_CSUM_FEATURES");

	make_sb(b);
	put_be32(b + 0x24, JBD2_FEATURE_COMPAT_CHECKSUM);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	b[0x50] = 4;
	set_sb_csum(b);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_CSUM_FEATURES,
	   "validate: v1 (compat CHECKSUM) + v3 -> JBD_ET_BAD_CSUM_FEATURES");
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V2);
	set_sb_csum(b);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_CSUM_FEATURES,
	   "validate: v1 (compat CHECKSUM) + v2 -> JBD_ET_BAD_CSUM_FEATURES");

	make_sb(b);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	b[0x50] = 1;
	set_sb_csum(b);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_CSUM_FEATURES,
	   "validate: v3 with s_checksum_type 1 -> JBD_ET_BAD_CSUM_FEATURES");
	b[0x50] = 4;
	set_sb_csum(b);
	ok(validate_buf(b, 4096, 32768) == 0,
	   "validate: v3 with s_checksum_type 4 accepted");
	put_be32(b + 0x24, JBD2_FEATURE_COMPAT_CHECKSUM);
	put_be32(b + 0x28, 0);
	b[0x50] = 0;
	ok(validate_buf(b, 4096, 32768) == 0,
	   "validate: v1 (compat CHECKSUM) alone accepted");

	make_sb(b);
	put_be32(b + 0x28, 0x40);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_UNSUPP_INCOMPAT,
	   "validate: unknown incompat bit 0x40 -> JBD_ET_UNSUPP_INCOMPAT");
	put_be32(b + 0x28, 0x80000000U);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_UNSUPP_INCOMPAT,
	   "validate: unknown incompat bit 0x80000000 -> JBD_ET_UNSUPP_INCOMPAT");
	put_be32(b + 0x28, JBD2_KNOWN_INCOMPAT_FEATURES &
		 ~(JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3));
	ok(validate_buf(b, 4096, 32768) == 0,
	   "validate: revoke+64bit+async+fast_commit accepted");

	make_sb(b);
	put_be32(b + 0x2C, 0x1);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_UNSUPP_ROCOMPAT,
	   "validate: unknown ro_compat bit 0x1 -> JBD_ET_UNSUPP_ROCOMPAT");
	make_sb(b);
	put_be32(b + 0x24, 0x80);
	ok(validate_buf(b, 4096, 32768) == 0,
	   "validate: unknown compat bit 0x80 is not checked (accepted)");
}

static void test_v1(void)
{
	uint8_t b[1024];
	struct jbd_sb sb;

	make_sb(b);
	put_be32(b + 0x04, 3);
	put_be32(b + 0x24, 0xFFFFFFFF);
	put_be32(b + 0x28, 0xFFFFFFFF);
	put_be32(b + 0x2C, 0xFFFFFFFF);
	b[0x50] = 9;
	put_be32(b + 0xFC, 0xDEADBEEF);
	ok(jbd_sb_decode(b, &sb) == 0, "V1: decodes with garbage feature words");
	ok(jbd_sb_validate(&sb, 4096, 32768) == 0,
	   "V1: garbage feature words and checksum type are accepted");
	ok(!jbd_sb_has_64bit(&sb), "V1: no 64bit");
	ok(!jbd_sb_has_csum_v2v3(&sb), "V1: no csum v2/v3");
	ok(!jbd_sb_has_csum_v1(&sb), "V1: no csum v1");
	ok(!jbd_sb_has_async_commit(&sb), "V1: no async commit");
	ok(!jbd_sb_has_fast_commit(&sb), "V1: no fast commit");
	ok(jbd_sb_tag_bytes(&sb) == 8, "V1: 8-byte tags (got %u)", jbd_sb_tag_bytes(&sb));
	ok(jbd_sb_fc_blocks(&sb) == 0 && jbd_sb_log_end(&sb) == 32768,
	   "V1: no fast-commit area, log end = s_maxlen");
	ok(sb.checksum_verdict == JBD_CSUM_NONE, "V1: checksum verdict NONE");
	put_be32(b + 0x14, 0);
	ok(jbd_sb_decode(b, &sb) == 0 &&
	   jbd_sb_validate(&sb, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "V1: geometry is still checked (s_first 0 rejected)");
}

static void test_fast_commit(void)
{
	uint8_t b[1024];
	struct jbd_sb sb;

	make_sb(b);
	put_be32(b + 0x10, 4096 + 256);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
	jbd_sb_decode(b, &sb);
	ok(jbd_sb_has_fast_commit(&sb), "fc: FAST_COMMIT seen");
	ok(jbd_sb_fc_blocks(&sb) == 256, "fc: s_num_fc_blks 0 -> 256 blocks (got %u)",
	   jbd_sb_fc_blocks(&sb));
	ok(jbd_sb_log_end(&sb) == 4096, "fc: log end = s_maxlen - 256 (got %u)",
	   jbd_sb_log_end(&sb));
	put_be32(b + 0x54, 64);
	jbd_sb_decode(b, &sb);
	ok(jbd_sb_fc_blocks(&sb) == 64 && jbd_sb_log_end(&sb) == 4096 + 256 - 64,
	   "fc: s_num_fc_blks 64 -> 64 blocks, log end s_maxlen-64");
	put_be32(b + 0x28, 0);
	jbd_sb_decode(b, &sb);
	ok(jbd_sb_fc_blocks(&sb) == 0 && jbd_sb_log_end(&sb) == 4096 + 256,
	   "fc: s_num_fc_blks ignored without FAST_COMMIT");

	make_sb(b);
	put_be32(b + 0x10, 1024 + 256);
	put_be32(b + 0x28, JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
	ok(validate_buf(b, 4096, 32768) == 0,
	   "fc: s_maxlen 1280 leaves 1024 log blocks: accepted");
	put_be32(b + 0x10, 1024 + 255);
	ok(validate_buf(b, 4096, 32768) == JBD_ET_BAD_GEOMETRY,
	   "fc: s_maxlen 1279 leaves too little room for 256 fc blocks: rejected");
}

static void test_encode(void)
{
	uint8_t orig[1024], out[1024];
	struct jbd_sb sb;
	bool users_ok = true;

	/* A v3 superblock with every field set and a correct checksum. */
	make_sb(orig);
	put_be32(orig + 0x18, 0xFFFFFFF0U);
	put_be32(orig + 0x1C, 1234);
	put_be32(orig + 0x20, (uint32_t)-30);
	put_be32(orig + 0x28, JBD2_FEATURE_INCOMPAT_CSUM_V3 |
		 JBD2_FEATURE_INCOMPAT_64BIT | JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
	put_be32(orig + 0x10, 32768);
	put_be32(orig + 0x44, 0x11);
	put_be32(orig + 0x48, 0x22);
	put_be32(orig + 0x4C, 0x33);
	orig[0x50] = 4;
	put_be32(orig + 0x54, 32);
	put_be32(orig + 0x58, 999);
	for (int i = 0; i < 48 * 16; i++)
		orig[0x100 + i] = (uint8_t)(i * 7 + 1);
	set_sb_csum(orig);

	ok(jbd_sb_decode(orig, &sb) == 0 && sb.checksum_verdict == JBD_CSUM_OK,
	   "encode: the hand-built v3 superblock decodes with verdict OK");
	memset(out, 0, sizeof(out));
	jbd_sb_encode(&sb, out);
	ok(memcmp(out, orig, 1024) == 0,
	   "encode: decode then encode (into zeroes) reproduces the 1024 bytes exactly");
	/* Pre-fill with 0xEE but for the undescribed bytes (0x08 too). */
	memset(out, 0xEE, sizeof(out));
	memset(out + 0x08, 0, 4);
	memset(out + 0x51, 0, 3);
	memset(out + 0x5C, 0, 0xFC - 0x5C);
	jbd_sb_encode(&sb, out);
	ok(memcmp(out, orig, 1024) == 0,
	   "encode: every described field is written (buffer pre-filled with 0xEE)");

	/* Undescribed bytes survive. */
	orig[0x60] = 0xA5;
	orig[0x61] = 0x5A;
	orig[0x51] = 0x77;
	orig[0xFB] = 0x42;
	put_be32(orig + 0x08, 0x01020304);
	set_sb_csum(orig);
	jbd_sb_decode(orig, &sb);
	memcpy(out, orig, sizeof(out));
	sb.sequence = 0xFFFFFFFFU;
	sb.start = 0;
	jbd_sb_encode(&sb, out);
	ok(out[0x60] == 0xA5 && out[0x61] == 0x5A,
	   "encode: padding at 0x60 is kept");
	ok(out[0x51] == 0x77, "encode: s_padding2 at 0x51 is kept");
	ok(out[0xFB] == 0x42, "encode: padding at 0xFB is kept");
	ok(be32_at(out + 0x08) == 0x01020304,
	   "encode: the unused header h_sequence at 0x08 is kept");
	ok(be32_at(out + 0x18) == 0xFFFFFFFFU && be32_at(out + 0x1C) == 0,
	   "encode: changed s_sequence and s_start are written at 0x18 and 0x1C");
	{
		uint8_t tmp[1024];

		memcpy(tmp, out, sizeof(tmp));
		put_be32(tmp + 0xFC, 0);
		ok(be32_at(out + 0xFC) == ref_crc32c(~0U, tmp, 1024),
		   "encode: the new s_checksum is crc32c(~0, sb with 0xFC zeroed)");
		memcpy(tmp, orig, sizeof(tmp));
		put_be32(tmp + 0x18, 0xFFFFFFFFU);
		put_be32(tmp + 0x1C, 0);
		ok(memcmp(tmp, out, 0xFC) == 0 &&
		   memcmp(tmp + 0x100, out + 0x100, 1024 - 0x100) == 0,
		   "encode: only s_sequence, s_start and s_checksum changed");
	}
	ok(jbd_sb_decode(out, &sb) == 0 && sb.checksum_verdict == JBD_CSUM_OK,
	   "encode: the encoded superblock decodes with checksum verdict OK");
	ok(sb.sequence == 0xFFFFFFFFU && sb.start == 0 && sb.errnum == -30 &&
	   sb.num_fc_blks == 32 && sb.head == 999,
	   "encode: fields read back after the round trip");
	for (int i = 0; i < 48 * 16; i++)
		if (out[0x100 + i] != (uint8_t)(i * 7 + 1))
			users_ok = false;
	ok(users_ok, "encode: s_users written back");

	/* Without v2/v3 the stored s_checksum is kept, not recomputed. */
	make_sb(orig);
	put_be32(orig + 0xFC, 0xCAFEF00D);
	jbd_sb_decode(orig, &sb);
	memset(out, 0, sizeof(out));
	jbd_sb_encode(&sb, out);
	ok(memcmp(out, orig, 1024) == 0,
	   "encode: no-csum superblock round trip keeps s_checksum as stored");

	/* A V1 superblock round trip. */
	make_sb(orig);
	put_be32(orig + 0x04, 3);
	jbd_sb_decode(orig, &sb);
	memset(out, 0, sizeof(out));
	jbd_sb_encode(&sb, out);
	ok(memcmp(out, orig, 1024) == 0 && be32_at(out + 4) == 3,
	   "encode: V1 superblock round trip");
}

static void test_feature_names(void)
{
	char buf[32];
	const char *n;

	n = jbd_feature_name(JBD_INCOMPAT, 1, buf, sizeof(buf));
	ok(strcmp(n, "journal_64bit") == 0, "name: incompat bit 1 = journal_64bit (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 4, buf, sizeof(buf));
	ok(strcmp(n, "journal_checksum_v3") == 0,
	   "name: incompat bit 4 = journal_checksum_v3 (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 3, buf, sizeof(buf));
	ok(strcmp(n, "journal_checksum_v2") == 0,
	   "name: incompat bit 3 = journal_checksum_v2 (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 0, buf, sizeof(buf));
	ok(strcmp(n, "journal_incompat_revoke") == 0,
	   "name: incompat bit 0 = journal_incompat_revoke (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 2, buf, sizeof(buf));
	ok(strcmp(n, "journal_async_commit") == 0,
	   "name: incompat bit 2 = journal_async_commit (%s)", n);
	n = jbd_feature_name(JBD_COMPAT, 0, buf, sizeof(buf));
	ok(strcmp(n, "journal_checksum") == 0,
	   "name: compat bit 0 = journal_checksum (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 5, buf, sizeof(buf));
	ok(strcmp(n, "FEATURE_I5") == 0, "name: incompat bit 5 (fast commit) = FEATURE_I5 (%s)", n);
	n = jbd_feature_name(JBD_RO_COMPAT, 0, buf, sizeof(buf));
	ok(strcmp(n, "FEATURE_R0") == 0, "name: ro_compat bit 0 = FEATURE_R0 (%s)", n);
	n = jbd_feature_name(JBD_COMPAT, 3, buf, sizeof(buf));
	ok(strcmp(n, "FEATURE_C3") == 0, "name: compat bit 3 = FEATURE_C3 (%s)", n);
	n = jbd_feature_name(JBD_INCOMPAT, 31, buf, sizeof(buf));
	ok(strcmp(n, "FEATURE_I31") == 0, "name: incompat bit 31 = FEATURE_I31 (%s)", n);
}

int main(void)
{
	test_decode_fields();
	test_decode_errors();
	test_checksum_verdict();
	test_tag_bytes();
	test_validate();
	test_v1();
	test_fast_commit();
	test_encode();
	test_feature_names();
	return done_testing();
}
