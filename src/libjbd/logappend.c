/*
 * logappend.c: append one committed transaction to the log (jbd2-format.md
 * §1.4-1.7), for the fast-commit replay: its result is journaled, then
 * replayed like any transaction, so that a crash at any point leaves a
 * log that recovers to the same state.
 */
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "jbd-err.h"
#include "logappend.h"
#include "walk.h"

/* Where a transaction after the last replayed one begins. */
static errcode_t append_point(struct jbd_journal *j, uint32_t end_tid,
			      uint32_t *ret)
{
	struct jbd_walk_opts opts = { 0 };
	struct jbd_walk *w;
	struct jbd_event ev;
	errcode_t err;

	*ret = j->sb.start;
	err = jbd_walk_begin(j, &opts, &w);
	if (err)
		return err;
	do {
		err = jbd_walk_next(w, &ev);
		if (!err && ev.type == JBD_EV_COMMIT && ev.tid == end_tid - 1)
			*ret = jbd_log_next(&j->sb, ev.jblk);
	} while (!err && ev.type != JBD_EV_END);
	jbd_walk_end(w);
	return err;
}

static void put_tag(const struct jbd_sb *sb, uint8_t *t, uint64_t blk,
		    uint32_t flags, uint32_t csum)
{
	bool b64 = jbd_sb_has_64bit(sb);

	put_be32(t, (uint32_t)blk);
	if (jbd_sb_has_csum_v3(sb)) {
		put_be32(t + 4, flags);
		put_be32(t + 8, b64 ? (uint32_t)(blk >> 32) : 0);
		put_be32(t + 12, csum);
		return;
	}
	put_be16(t + 4, jbd_sb_has_csum_v2(sb) ? (uint16_t)csum : 0);
	put_be16(t + 6, (uint16_t)flags);
	if (b64)
		put_be32(t + 8, (uint32_t)(blk >> 32));
}

errcode_t jbd_log_append(struct jbd_journal *j, uint32_t tid,
			 const uint64_t *blks, const uint8_t *data, size_t n,
			 uint64_t now)
{
	const struct jbd_sb *sb = &j->sb;
	uint32_t bs = j->blocksize, tb = jbd_sb_tag_bytes(sb);
	uint32_t tail = jbd_sb_has_csum_v2v3(sb) ? 4 : 0;
	uint32_t seed = jbd_csum_seed(sb->uuid);
	uint32_t log_len = jbd_sb_log_end(sb) - sb->first;
	uint32_t per = 1 + (bs - 12 - tail - tb - 16) / tb;
	uint32_t pos, used, crc_v1 = ~0U;
	size_t ndescr = (n + per - 1) / per, i = 0;
	uint8_t *block;
	errcode_t err;

	if (!n)
		return 0;
	err = append_point(j, tid, &pos);
	if (err)
		return err;
	used = (pos + log_len - sb->start) % log_len;
	if ((uint64_t)used + n + ndescr + 1 >= log_len)
		return JBD_ET_LOG_FULL;
	block = malloc(bs);
	if (!block)
		return EXT2_ET_NO_MEMORY;
	while (!err && i < n) {
		size_t k, m = n - i < per ? n - i : per;
		uint32_t dpos = pos, off = 12;

		memset(block, 0, bs);
		put_be32(block, JBD2_MAGIC_NUMBER);
		put_be32(block + 4, JBD2_DESCRIPTOR_BLOCK);
		put_be32(block + 8, tid);
		pos = jbd_log_next(sb, pos);
		/* The data blocks first (escaped as logged), the tags after. */
		for (k = 0; !err && k < m; k++) {
			uint8_t *copy = malloc(bs);
			uint32_t flags = 0, csum = 0;

			if (!copy) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			memcpy(copy, data + (i + k) * bs, bs);
			if (be32_at(copy) == JBD2_MAGIC_NUMBER) {
				memset(copy, 0, 4);
				flags |= JBD2_FLAG_ESCAPE;
			}
			if (tail)
				csum = jbd_data_csum(seed, tid, copy, bs);
			if (k)
				flags |= JBD2_FLAG_SAME_UUID;
			if (k == m - 1)
				flags |= JBD2_FLAG_LAST_TAG;
			put_tag(sb, block + off, blks[i + k], flags, csum);
			off += tb;
			if (!k) {
				memcpy(block + off, sb->uuid, 16);
				off += 16;
			}
			err = jbd_write_blocks(j, pos, 1, copy);
			free(copy);
			pos = jbd_log_next(sb, pos);
		}
		if (tail)
			put_be32(block + bs - 4, jbd_tail_csum(seed, block, bs));
		if (!err)
			err = jbd_write_blocks(j, dpos, 1, block);
		/* v1: crc32_be over the descriptor and its data, in log order. */
		if (!err && jbd_sb_has_csum_v1(sb)) {
			crc_v1 = jbd_crc32_be(crc_v1, block, bs);
			for (k = 0; k < m; k++) {
				const uint8_t *d = data + (i + k) * bs;

				if (be32_at(d) == JBD2_MAGIC_NUMBER) {
					static const uint8_t zero[4];

					crc_v1 = jbd_crc32_be(crc_v1, zero, 4);
					crc_v1 = jbd_crc32_be(crc_v1, d + 4, bs - 4);
				} else {
					crc_v1 = jbd_crc32_be(crc_v1, d, bs);
				}
			}
		}
		i += m;
	}
	/* Descriptors and data are stable before the commit block is. */
	if (!err)
		err = jbd_flush(j);
	if (!err) {
		memset(block, 0, bs);
		put_be32(block, JBD2_MAGIC_NUMBER);
		put_be32(block + 4, JBD2_COMMIT_BLOCK);
		put_be32(block + 8, tid);
		put_be64(block + 0x30, now);
		if (jbd_sb_has_csum_v1(sb)) {
			block[0x0C] = JBD2_CRC32_CHKSUM;
			block[0x0D] = JBD2_CRC32_CHKSUM_SIZE;
			put_be32(block + 0x10, crc_v1);
		} else if (tail) {
			put_be32(block + 0x10, jbd_commit_csum(seed, block, bs));
		}
		err = jbd_write_blocks(j, pos, 1, block);
	}
	if (!err)
		err = jbd_flush(j);
	free(block);
	return err;
}
