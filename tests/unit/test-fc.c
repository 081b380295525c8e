/*
 * test-fc.c: the fast-commit scan over hand-built areas.
 *
 * Records are laid out as fs/ext4/fast_commit.h defines them (le16 tag,
 * le16 len, value) and tails carry a crc32c seeded with 0 over the
 * records since the previous tail, computed with the reference crc of
 * refcrc.h, never the library's.  Expected outcomes follow the kernel's
 * ext4_fc_replay_scan: which records replay, where the scan stops, and
 * when the kernel's recovery fails.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastcommit.h"
#include "refcrc.h"
#include "tap.h"

#define BS	1024U
#define NBLK	4U
#define FIRST	1000U
#define ISIZE	256U

static uint8_t area[NBLK * BS];
static uint32_t pos, crc;

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static void reset(void)
{
	memset(area, 0, sizeof(area));
	pos = crc = 0;
}

/* Append one record at pos; returns its value for filling. */
static uint8_t *rec(uint16_t tag, uint16_t len)
{
	uint8_t *p = area + pos;

	put16(p, tag);
	put16(p + 2, len);
	pos += 4 + len;
	return p + 4;
}

/* Fold the records from `from` to pos into the running crc. */
static void fold(uint32_t from)
{
	crc = ref_crc32c(crc, area + from, pos - from);
}

static void head(uint32_t tid)
{
	uint32_t at = pos;
	uint8_t *v = rec(9, 8);

	put32(v, 0);
	put32(v + 4, tid);
	fold(at);
}

static void add_range(uint32_t ino, uint32_t lblk, uint16_t len, uint64_t pblk)
{
	uint32_t at = pos;
	uint8_t *v = rec(1, 16);

	put32(v, ino);
	put32(v + 4, lblk);
	put16(v + 8, len);
	put16(v + 10, (uint16_t)(pblk >> 32));
	put32(v + 12, (uint32_t)pblk);
	fold(at);
}

static void dentry(uint16_t tag, uint32_t parent, uint32_t ino, const char *name)
{
	uint32_t at = pos;
	uint8_t *v = rec(tag, (uint16_t)(8 + strlen(name)));

	put32(v, parent);
	put32(v + 4, ino);
	memcpy(v + 8, name, strlen(name));
	fold(at);
}

static void inode_rec(uint32_t ino, uint16_t isize)
{
	uint32_t at = pos;
	uint8_t *v = rec(6, (uint16_t)(4 + isize));

	put32(v, ino);
	put16(v + 4, 0100644);
	fold(at);
}

/* TAIL padded to the end of the block, as the kernel writes it. */
static void tail(uint32_t tid, bool corrupt)
{
	uint32_t at = pos, end = (pos / BS + 1) * BS;
	uint8_t *v = rec(8, (uint16_t)(end - pos - 4));

	put32(v, tid);
	crc = ref_crc32c(crc, area + at, 8);
	put32(v + 4, corrupt ? crc ^ 1 : crc);
	crc = 0;
	pos = end;
}

static void scan(uint32_t tid, struct jbd_fc_area *a)
{
	memset(a, 0, sizeof(*a));
	if (jbd_fc_scan_buf(area, FIRST, NBLK, BS, tid, ISIZE, a))
		ok(0, "scan failed");
}

int main(void)
{
	struct jbd_fc_area a;
	struct jbd_fc_record *all;
	size_t nall;
	struct jbd_sb sb = { .blocktype = 4, .maxlen = 1040, .feature_incompat = 0x20,
			     .num_fc_blks = 16 };
	uint32_t first, n;

	/* Geometry: 16 fc blocks of 1040; block 1024 unused; 1025..1039. */
	jbd_fc_geometry(&sb, &first, &n);
	ok(first == 1025 && n == 15, "geometry: area 1025..1039 (%u, %u)",
	   first, n);
	sb.num_fc_blks = 0;
	sb.maxlen = 4096 + 256;
	jbd_fc_geometry(&sb, &first, &n);
	ok(first == 4097 && n == 255, "geometry: s_num_fc_blks 0 means 256");

	/* Two fast commits of tid 7, then zeros. */
	reset();
	head(7);
	inode_rec(12, 160);
	add_range(12, 0, 3, 5000);
	dentry(3, 2, 12, "file");
	tail(7, false);
	dentry(4, 2, 12, "link");
	tail(7, false);
	scan(7, &a);
	ok(a.nrecs == 7 && a.nreplay == 7 && a.ncommits == 2,
	   "two fast commits: 7 records replayed (%zu/%zu)", a.nreplay, a.nrecs);
	ok(a.stop == JBD_FC_BAD_RECORD && a.stop_jblk == FIRST + 2 &&
	   !a.recovery_fails, "ends at the zeroed block, recovery goes on");
	ok(a.recs[2].tag == 1 && a.recs[2].ino == 12 && a.recs[2].lblk == 0 &&
	   a.recs[2].count == 3 && a.recs[2].pblk == 5000,
	   "ADD_RANGE fields");
	ok(a.recs[3].name_len == 4 && !memcmp(a.recs[3].name, "file", 4) &&
	   a.recs[3].parent == 2, "CREAT fields");
	ok(a.recs[1].inode_len == 160 && a.recs[1].jblk == FIRST &&
	   a.recs[1].off == 12, "INODE length and place");
	ok(a.recs[4].tail_good && a.recs[6].tail_good, "tails good");
	jbd_fc_free(&a);	/* buf is not owned: free only recs */

	/* The same area for another tid: stale, nothing replays. */
	scan(8, &a);
	ok(a.stop == JBD_FC_OTHER_TID && a.nreplay == 0 && !a.recovery_fails,
	   "HEAD of another transaction: nothing, no failure");
	ok(a.stop_tid == 7 && a.stop_jblk == FIRST && a.stop_off == 0,
	   "HEAD of another transaction: its tid and place kept for verify");
	jbd_fc_free(&a);

	/* Second tail corrupt: the first fast commit replays. */
	reset();
	head(7);
	inode_rec(12, 160);
	tail(7, false);
	dentry(5, 2, 13, "gone");
	tail(7, true);
	scan(7, &a);
	ok(a.nreplay == 3 && a.nrecs == 5 && a.stop == JBD_FC_BAD_TAIL &&
	   !a.recovery_fails && !a.recs[4].tail_good && !a.recs[3].replay,
	   "bad second tail: first fast commit only");
	jbd_fc_free(&a);

	/* First tail corrupt: the kernel's recovery fails (EFSBADCRC). */
	reset();
	head(7);
	inode_rec(12, 160);
	tail(7, true);
	scan(7, &a);
	ok(a.nreplay == 0 && a.stop == JBD_FC_BAD_TAIL && a.recovery_fails,
	   "bad first tail: recovery fails");
	jbd_fc_free(&a);

	/* A tail with the wrong tid counts as bad. */
	reset();
	head(7);
	tail(6, false);
	scan(7, &a);
	ok(a.stop == JBD_FC_BAD_TAIL && a.recovery_fails, "tail of tid 6");
	jbd_fc_free(&a);

	/* Torn: the last fast commit has no tail. */
	reset();
	head(7);
	inode_rec(12, 160);
	tail(7, false);
	inode_rec(13, 160);
	add_range(13, 0, 1, 6000);
	scan(7, &a);
	ok(a.nreplay == 3 && a.nrecs == 5 && a.stop == JBD_FC_BAD_RECORD &&
	   !a.recovery_fails, "torn last fast commit: not replayed");
	jbd_fc_free(&a);

	/* Hostile lengths. */
	reset();
	head(7);
	inode_rec(12, 160);
	tail(7, false);
	rec(6, 0xFFFF);		/* runs past the block */
	scan(7, &a);
	ok(a.nreplay == 3 && a.stop == JBD_FC_BAD_RECORD &&
	   a.stop_len == 0xFFFF, "length past the block end stops");
	jbd_fc_free(&a);

	reset();
	head(7);
	inode_rec(12, ISIZE + 4);	/* bigger than an inode */
	scan(7, &a);
	ok(a.stop == JBD_FC_BAD_RECORD && a.recovery_fails,
	   "raw inode longer than s_inode_size: recovery fails");
	jbd_fc_free(&a);

	reset();
	head(7);
	inode_rec(12, 100);		/* shorter than 128 */
	scan(7, &a);
	ok(a.stop == JBD_FC_BAD_RECORD, "raw inode shorter than 128");
	jbd_fc_free(&a);

	reset();
	head(7);
	rec(3, 8);			/* dentry with an empty name */
	scan(7, &a);
	ok(a.stop == JBD_FC_BAD_RECORD, "empty name");
	jbd_fc_free(&a);

	reset();
	head(7);
	rec(2, 8);			/* DEL_RANGE must be 12 */
	scan(7, &a);
	ok(a.stop == JBD_FC_BAD_RECORD, "short DEL_RANGE");
	jbd_fc_free(&a);

	reset();
	head(7);
	put32(area + 4, 1);		/* features */
	scan(7, &a);
	ok(a.stop == JBD_FC_FEATURES && a.recovery_fails, "unknown features");
	jbd_fc_free(&a);

	reset();
	inode_rec(12, 160);
	scan(7, &a);
	ok(a.stop == JBD_FC_NO_HEAD && !a.recovery_fails && !a.nrecs,
	   "no HEAD first: nothing");
	jbd_fc_free(&a);

	/* A record at the very end of a block: 4 bytes left still parse. */
	reset();
	head(7);
	{
		uint32_t at = pos;

		rec(7, (uint16_t)(BS - pos - 4 - 4));	/* PAD */
		fold(at);
		at = pos;
		rec(7, 0);				/* PAD, 4 bytes */
		fold(at);
	}
	inode_rec(12, 160);
	tail(7, false);
	scan(7, &a);
	ok(a.nreplay == 5 && a.recs[2].off == BS - 4 && a.recs[3].jblk == FIRST + 1,
	   "PAD to the block end, tail crc over blocks");
	jbd_fc_free(&a);

	/* Every block full of valid fast commits: the kernel reads past the
	 * area and fails. */
	reset();
	head(7);
	for (n = 0; n < NBLK; n++)
		tail(7, false);
	scan(7, &a);
	ok(a.stop == JBD_FC_AREA_END && a.recovery_fails && a.nreplay == NBLK + 1,
	   "records to the end of the area: recovery fails");
	jbd_fc_free(&a);

	/* -O: stale records after the stop are listed too. */
	reset();
	head(7);
	inode_rec(12, 160);
	tail(7, false);
	pos = 2 * BS;
	head(5);
	dentry(4, 2, 14, "old");
	tail(5, false);
	scan(7, &a);
	ok(jbd_fc_list_all(&a, BS, &all, &nall) == 0 && nall == 6 &&
	   all[2].replay && !all[3].replay && all[3].tid == 5 &&
	   !all[5].tail_good, "list all: stale fast commits, not replayed");
	free(all);
	jbd_fc_free(&a);

	return done_testing();
}
