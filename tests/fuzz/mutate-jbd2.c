/*
 * mutate-jbd2.c: a structure-aware mutator for the fuzz target.
 *
 * An input is the head of a journal: block 0 the journal superblock, then
 * log blocks (fuzz-journal.c).  Byte mutations rarely get a well-formed
 * mutant past the checksums and the sequence rules, so most of the time
 * this mutator finds the header blocks (descriptor, commit, revoke: the
 * blocks that start with the magic, as JBD_WALK_ALL finds them) and
 * changes one field the format gives a meaning: a tag's flags or block
 * number, where LAST_TAG falls, a revoke record or r_count, a commit's
 * checksum type, size or time, a sequence number, a block type, a
 * superblock feature or bound; or it copies one log block over another.
 * The rest of the time libFuzzer's own byte mutations run.  Then, every
 * other time, the checksums are sealed again (superblock, block tails,
 * commit blocks, data tags, v2 and v3) so that the mutant reaches the
 * code behind the checksum checks.  libFuzzer uses it when linked in
 * (LLVMFuzzerCustomMutator); run-one does not need it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "csum.h"
#include "jbd2-format.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

#define MAX_HEADERS	256

struct layout {
	uint8_t *data;
	size_t size;
	uint32_t bs;			/* block size the input is cut in */
	size_t nblocks;			/* whole blocks in the input */
	bool csum;			/* csum v2 or v3 */
	bool v3, v2, hi;		/* csum v3, v2, 64-bit block numbers */
	unsigned int tag_bytes;
	unsigned int tail;		/* 4 with csum v2/v3 */
	size_t hdr[MAX_HEADERS];	/* blocks that start with the magic */
	unsigned int nhdr;
};

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static uint8_t *block(const struct layout *l, size_t i)
{
	return l->data + i * l->bs;
}

/* The block size: the superblock's when it is a sane one the input fits. */
static uint32_t input_bs(const uint8_t *data, size_t size)
{
	uint32_t bs = be32_at(data + offsetof(struct jbd2_superblock,
					      s_blocksize));

	if (bs < 1024 || bs > 65536 || (bs & (bs - 1)) || bs > size)
		return 1024;
	return bs;
}

static void read_layout(struct layout *l, uint8_t *data, size_t size)
{
	uint32_t incompat;
	size_t i;

	l->data = data;
	l->size = size;
	l->bs = input_bs(data, size);
	l->nblocks = size / l->bs;
	incompat = be32_at(data + offsetof(struct jbd2_superblock,
					   s_feature_incompat));
	l->v3 = incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3;
	l->v2 = !l->v3 && (incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2);
	l->csum = l->v2 || l->v3;
	l->hi = incompat & JBD2_FEATURE_INCOMPAT_64BIT;
	/* As the kernel's journal_tag_bytes(). */
	if (l->v3)
		l->tag_bytes = sizeof(struct jbd2_block_tag3);
	else
		l->tag_bytes = sizeof(struct jbd2_block_tag) + (l->v2 ? 2 : 0) -
			       (l->hi ? 0 : 4);
	l->tail = l->csum ? sizeof(struct jbd2_block_tail) : 0;
	l->nhdr = 0;
	for (i = 1; i < l->nblocks && l->nhdr < MAX_HEADERS; i++)
		if (be32_at(block(l, i)) == JBD2_MAGIC_NUMBER)
			l->hdr[l->nhdr++] = i;
}

static uint32_t type_of(const struct layout *l, size_t i)
{
	return be32_at(block(l, i) + offsetof(struct jbd2_header, h_blocktype));
}

/* A header block of the given type (0: any), or 0 when there is none. */
static size_t pick_header(const struct layout *l, uint32_t type)
{
	size_t found[MAX_HEADERS];
	unsigned int i, n = 0;

	for (i = 0; i < l->nhdr; i++)
		if (!type || type_of(l, l->hdr[i]) == type)
			found[n++] = l->hdr[i];
	return n ? found[rnd(n)] : 0;
}

/* Offsets of the tags of descriptor block b, as the walker parses them. */
static unsigned int tag_offsets(const struct layout *l, size_t b, size_t *off,
				unsigned int max)
{
	const uint8_t *d = block(l, b);
	size_t o = sizeof(struct jbd2_header);
	unsigned int n = 0;

	while (o + l->tag_bytes <= l->bs - l->tail && n < max) {
		uint16_t flags = be16_at(d + o + 6);

		off[n++] = o;
		o += l->tag_bytes;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			o += JBD2_UUID_SIZE;
		if (flags & JBD2_FLAG_LAST_TAG)
			break;
	}
	return n;
}

/* Block numbers worth trying: edges of a small filesystem and of types. */
static uint64_t interesting_block(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 8, 64, 255, 256, 1023, 1024, 4095, 4096, 8191,
		8192, 8193, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0xffffffffffffffffULL,
	};

	if (rnd(4) == 0)
		return rnd(8192);
	return v[rnd(sizeof(v) / sizeof(v[0]))];
}

static uint32_t interesting_u32(uint32_t near)
{
	switch (rnd(6)) {
	case 0: return near + 1;
	case 1: return near - 1;
	case 2: return 0;
	case 3: return 0xffffffffU;
	case 4: return 0x80000000U;
	default: return rnd(0xffffffffU);
	}
}

static bool mutate_tag(struct layout *l)
{
	size_t off[1024];
	size_t b = pick_header(l, JBD2_DESCRIPTOR_BLOCK);
	unsigned int n, k;
	uint8_t *t;
	uint64_t blk;

	if (!b || !(n = tag_offsets(l, b, off, 1024)))
		return false;
	k = rnd(n);
	t = block(l, b) + off[k];
	switch (rnd(6)) {
	case 0:		/* one flag: escape, same-uuid, deleted, last-tag */
		put_be16(t + 6, be16_at(t + 6) ^ (uint16_t)(1U << rnd(4)));
		break;
	case 1:		/* LAST_TAG here, and on no earlier tag */
		for (n = 0; n < k; n++)
			put_be16(block(l, b) + off[n] + 6,
				 be16_at(block(l, b) + off[n] + 6) &
				 ~JBD2_FLAG_LAST_TAG);
		put_be16(t + 6, be16_at(t + 6) | JBD2_FLAG_LAST_TAG);
		break;
	case 2:		/* no LAST_TAG at all: tags run to the block end */
		put_be16(t + 6, be16_at(t + 6) & ~JBD2_FLAG_LAST_TAG);
		break;
	case 3:		/* the block number of another tag: a block logged twice */
		blk = be32_at(block(l, b) + off[rnd(n)]);
		put_be32(t, (uint32_t)blk);
		break;
	case 4:		/* the v3 high half of t_flags, dirty as writers leave it */
		if (l->v3)
			put_be16(t + 4, (uint16_t)rnd(0x10000));
		else
			put_be16(t + 6, (uint16_t)rnd(0x10000));
		break;
	default:	/* an interesting block number */
		blk = interesting_block();
		put_be32(t, (uint32_t)blk);
		if (l->hi && l->tag_bytes >= 12)
			put_be32(t + 8, (uint32_t)(blk >> 32));
		break;
	}
	return true;
}

static bool mutate_revoke(struct layout *l)
{
	size_t b = pick_header(l, JBD2_REVOKE_BLOCK);
	const size_t hdr = sizeof(struct jbd2_revoke_header);
	size_t rec = l->hi ? 8 : 4;
	uint8_t *r;
	uint32_t count, max;
	uint64_t blk;

	if (!b)
		return false;
	r = block(l, b);
	count = be32_at(r + offsetof(struct jbd2_revoke_header, r_count));
	max = l->bs - l->tail;
	switch (rnd(3)) {
	case 0: {	/* r_count at and around its bounds */
		const uint32_t v[] = {
			0, 1, (uint32_t)hdr - 1, (uint32_t)hdr,
			(uint32_t)(hdr + rec), (uint32_t)(hdr + rec + 1),
			max - 1, max, max + 1, l->bs, 0xffffffffU,
			count + (uint32_t)rec, count - (uint32_t)rec,
		};
		put_be32(r + offsetof(struct jbd2_revoke_header, r_count),
			 v[rnd(sizeof(v) / sizeof(v[0]))]);
		break;
	}
	case 1:		/* grow the records by one, a block worth revoking */
		if (count >= hdr && count + rec <= max) {
			blk = interesting_block();
			if (rec == 8)
				put_be64(r + count, blk);
			else
				put_be32(r + count, (uint32_t)blk);
			put_be32(r + offsetof(struct jbd2_revoke_header, r_count),
				 count + (uint32_t)rec);
			break;
		}
		/* fall through */
	default:	/* one record */
		if (count <= hdr || count > max)
			return false;
		r += hdr + rnd((uint32_t)((count - hdr) / rec)) * rec;
		blk = interesting_block();
		if (rec == 8)
			put_be64(r, blk);
		else
			put_be32(r, (uint32_t)blk);
		break;
	}
	return true;
}

static bool mutate_commit(struct layout *l)
{
	static const uint8_t types[] = { 0, 1, 2, 3, 4, 5, 0xff };
	static const uint8_t sizes[] = { 0, 4, 16, 20, 32, 0xff };
	size_t b = pick_header(l, JBD2_COMMIT_BLOCK);
	uint8_t *c;

	if (!b)
		return false;
	c = block(l, b);
	switch (rnd(4)) {
	case 0:
		c[offsetof(struct jbd2_commit_header, h_chksum_type)] =
			types[rnd(sizeof(types))];
		break;
	case 1:
		c[offsetof(struct jbd2_commit_header, h_chksum_size)] =
			sizes[rnd(sizeof(sizes))];
		break;
	case 2:
		put_be64(c + offsetof(struct jbd2_commit_header, h_commit_sec),
			 rnd(2) ? 0 : ((uint64_t)rnd(0xffffffffU) << rnd(33)));
		break;
	default: {
		const uint32_t ns[] = { 0, 999999999, 1000000000, 0xffffffffU };

		put_be32(c + offsetof(struct jbd2_commit_header, h_commit_nsec),
			 ns[rnd(4)]);
		break;
	}
	}
	return true;
}

/* A header's h_sequence, or the superblock's s_sequence / s_start. */
static bool mutate_sequence(struct layout *l)
{
	uint8_t *sb = l->data;
	size_t b = pick_header(l, 0);

	if (b && rnd(3)) {
		uint8_t *h = block(l, b) + offsetof(struct jbd2_header,
						    h_sequence);
		size_t prev = b > 1 ? b - 1 : 1;

		if (rnd(3) == 0)	/* the sequence of the block before */
			put_be32(h, be32_at(block(l, prev) +
					    offsetof(struct jbd2_header,
						     h_sequence)));
		else
			put_be32(h, interesting_u32(be32_at(h)));
		return true;
	}
	if (rnd(2)) {
		uint8_t *s = sb + offsetof(struct jbd2_superblock, s_sequence);

		put_be32(s, interesting_u32(be32_at(s)));
	} else {
		uint8_t *s = sb + offsetof(struct jbd2_superblock, s_start);
		uint32_t first = be32_at(sb + offsetof(struct jbd2_superblock,
						       s_first));

		put_be32(s, rnd(2) ? first + rnd((uint32_t)l->nblocks + 1) :
				     interesting_u32(be32_at(s)));
	}
	return true;
}

/* A header's type, or a data block made to look like a header. */
static bool mutate_type(struct layout *l)
{
	size_t b = pick_header(l, 0);

	if (b && rnd(2)) {
		put_be32(block(l, b) + offsetof(struct jbd2_header, h_blocktype),
			 rnd(4) ? 1 + rnd(6) : rnd(0xffffffffU));
		return true;
	}
	if (l->nblocks < 2)
		return false;
	b = 1 + rnd((uint32_t)l->nblocks - 1);
	if (rnd(2)) {		/* magic and the tid of a header near it */
		size_t h = pick_header(l, 0);

		put_be32(block(l, b), JBD2_MAGIC_NUMBER);
		if (h)
			memcpy(block(l, b) + 8, block(l, h) + 8, 4);
	} else {
		put_be32(block(l, b), be32_at(block(l, b)) ^ 1);
	}
	return true;
}

static bool mutate_super(struct layout *l)
{
	static const uint32_t incompat[] = {
		JBD2_FEATURE_INCOMPAT_REVOKE, JBD2_FEATURE_INCOMPAT_64BIT,
		JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT,
		JBD2_FEATURE_INCOMPAT_CSUM_V2, JBD2_FEATURE_INCOMPAT_CSUM_V3,
		JBD2_FEATURE_INCOMPAT_FAST_COMMIT, 0x40,
	};
	uint8_t *sb = l->data;
	uint8_t *f;

	switch (rnd(6)) {
	case 0:
		f = sb + offsetof(struct jbd2_superblock, s_feature_incompat);
		put_be32(f, be32_at(f) ^ incompat[rnd(7)]);
		break;
	case 1:
		f = sb + offsetof(struct jbd2_superblock, s_feature_compat);
		put_be32(f, be32_at(f) ^ JBD2_FEATURE_COMPAT_CHECKSUM);
		break;
	case 2:
		f = sb + offsetof(struct jbd2_superblock, s_first);
		put_be32(f, rnd(3) ? rnd(4) : interesting_u32(be32_at(f)));
		break;
	case 3: {
		const uint32_t v[] = { 0, 1, 2, 64, 1000, 1023, 1024, 1025,
				       0xffffffffU };

		f = sb + offsetof(struct jbd2_superblock, s_maxlen);
		put_be32(f, v[rnd(9)]);
		break;
	}
	case 4:
		f = sb + offsetof(struct jbd2_superblock, s_num_fc_blks);
		put_be32(f, rnd(2) ? rnd(1024) : interesting_u32(be32_at(f)));
		break;
	default:
		f = sb + offsetof(struct jbd2_superblock, s_header.h_blocktype);
		put_be32(f, rnd(2) ? JBD2_SUPERBLOCK_V1 : JBD2_SUPERBLOCK_V2);
		break;
	}
	return true;
}

/* One log block over another: a commit moved, a block logged twice, a loop. */
static bool copy_block(struct layout *l)
{
	size_t from, to;

	if (l->nblocks < 3)
		return false;
	from = rnd(2) && l->nhdr ? pick_header(l, 0) :
				   1 + rnd((uint32_t)l->nblocks - 1);
	to = 1 + rnd((uint32_t)l->nblocks - 1);
	if (from == to)
		return false;
	memcpy(block(l, to), block(l, from), l->bs);
	return true;
}

/*
 * Seal the v2/v3 checksums again: descriptor and revoke tails, commit
 * blocks, the data of every tag whose block is in the input, and the
 * superblock.  A v1 journal (COMPAT_CHECKSUM) is left as it is.
 */
static void reseal(struct layout *l)
{
	const uint8_t *uuid;
	uint32_t seed;
	unsigned int i;

	read_layout(l, l->data, l->size);
	if (!l->csum || l->size < JBD2_SUPERBLOCK_SIZE)
		return;
	uuid = l->data + offsetof(struct jbd2_superblock, s_uuid);
	seed = jbd_csum_seed(uuid);
	for (i = 0; i < l->nhdr; i++) {
		size_t b = l->hdr[i];
		uint8_t *d = block(l, b);
		uint32_t tid = be32_at(d + offsetof(struct jbd2_header,
						    h_sequence));

		switch (type_of(l, b)) {
		case JBD2_DESCRIPTOR_BLOCK: {
			size_t off[1024];
			unsigned int n = tag_offsets(l, b, off, 1024), k;

			for (k = 0; k < n && b + 1 + k < l->nblocks; k++) {
				uint32_t c = jbd_tag_csum(seed, tid,
							  block(l, b + 1 + k),
							  l->bs, l->v2);

				if (l->v3)
					put_be32(d + off[k] + 12, c);
				else
					put_be16(d + off[k] + 4, (uint16_t)c);
			}
			put_be32(d + l->bs - 4, jbd_tail_csum(seed, d, l->bs));
			break;
		}
		case JBD2_REVOKE_BLOCK:
			put_be32(d + l->bs - 4, jbd_tail_csum(seed, d, l->bs));
			break;
		case JBD2_COMMIT_BLOCK:
			put_be32(d + offsetof(struct jbd2_commit_header,
					      h_chksum),
				 jbd_commit_csum(seed, d, l->bs));
			break;
		}
	}
	l->data[offsetof(struct jbd2_superblock, s_checksum_type)] =
		JBD2_CRC32C_CHKSUM;
	put_be32(l->data + offsetof(struct jbd2_superblock, s_checksum),
		 jbd_sb_csum(l->data));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	static bool (*const ops[])(struct layout *) = {
		mutate_tag, mutate_tag, mutate_revoke, mutate_commit,
		mutate_sequence, mutate_type, mutate_super, copy_block,
	};
	struct layout l;
	unsigned int i, n;
	bool done = false;

	rng = ((uint64_t)seed << 32) ^ seed ^ 0x9e3779b97f4a7c15ULL;
	if (size < JBD2_SUPERBLOCK_SIZE || rnd(4) == 0) {
		size = LLVMFuzzerMutate(data, size, max_size);
	} else {
		read_layout(&l, data, size);
		n = 1 + rnd(3);
		for (i = 0; i < n * 4 && n; i++)
			if (ops[rnd(sizeof(ops) / sizeof(ops[0]))](&l)) {
				done = true;
				n--;
			}
		if (!done)
			size = LLVMFuzzerMutate(data, size, max_size);
	}
	if (size >= JBD2_SUPERBLOCK_SIZE && rnd(2)) {
		read_layout(&l, data, size);
		reseal(&l);
	}
	return size;
}
