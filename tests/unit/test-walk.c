/*
 * test-walk.c: the log walker over hand-built bare journal files.
 *
 * Every journal here is written from jbd2-format.md §1 by the small
 * builders below (superblock, descriptor, revoke, commit, data blocks),
 * with checksums from a reference crc32c/crc32_be written in this file,
 * never with the library's own csum functions.  The expected walks follow
 * the scan loop of §2.2.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "journal.h"
#include "walk.h"
#include "refcrc.h"
#include "tap.h"

#define BS		1024U
#define MAXLEN		1024U
#define MAXEV		4096

/* ---- reference checksums (§1.7) ---------------------------------------- */

/* ---- the journal image being built --------------------------------------- */

struct jcfg {
	uint32_t blocktype;	/* 4 (V2) or 3 (V1) */
	uint32_t maxlen, first, seq, start;
	uint32_t compat, incompat, rocompat, num_fc;
	uint8_t uuid[16];
};

static struct jcfg cfg;
static uint8_t *img;
static uint32_t img_blocks;
static char path[4096];

static uint8_t *blk(uint32_t n)
{
	return img + (size_t)n * BS;
}

/* Features as the format defines them: a V1 superblock has none. */
static uint32_t incompat(void)
{
	return cfg.blocktype == 4 ? cfg.incompat : 0;
}

static bool f_v3(void) { return incompat() & 0x10; }
static bool f_v2(void) { return incompat() & 0x08; }
static bool f_csum(void) { return f_v2() || f_v3(); }
static bool f_64(void) { return incompat() & 0x02; }

/* §1.4 tag size table. */
static unsigned int tag_bytes(void)
{
	if (f_v3())
		return 16;
	return (f_64() ? 12 : 8) + (f_v2() ? 2 : 0);
}

static uint32_t log_end(void)
{
	uint32_t fc = 0;

	if (incompat() & 0x20)
		fc = cfg.num_fc ? cfg.num_fc : 256;
	return cfg.maxlen - fc;
}

static uint32_t lnext(uint32_t b)
{
	b++;
	return b >= log_end() ? cfg.first : b;
}

static uint32_t seed(void)
{
	return ref_crc32c(~0U, cfg.uuid, 16);
}

/* A fresh image of nblocks zero blocks and a default V2 configuration. */
static void img_new(uint32_t seq, uint32_t start, uint32_t incompat_feats)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.blocktype = 4;
	cfg.maxlen = MAXLEN;
	cfg.first = 1;
	cfg.seq = seq;
	cfg.start = start;
	cfg.incompat = incompat_feats;
	for (int i = 0; i < 16; i++)
		cfg.uuid[i] = (uint8_t)(0x5A ^ (i * 17));
	free(img);
	img_blocks = MAXLEN;
	img = calloc(img_blocks, BS);
}

static void img_resize(uint32_t nblocks)
{
	img = realloc(img, (size_t)nblocks * BS);
	if (nblocks > img_blocks)
		memset(blk(img_blocks), 0, (size_t)(nblocks - img_blocks) * BS);
	img_blocks = nblocks;
}

/* §1.2 superblock at block 0, with the §1.7 checksum when v2/v3. */
static void write_sb(void)
{
	uint8_t *b = blk(0);

	memset(b, 0, BS);
	put_be32(b + 0x00, JBD2_MAGIC_NUMBER);
	put_be32(b + 0x04, cfg.blocktype);
	put_be32(b + 0x0C, BS);
	put_be32(b + 0x10, cfg.maxlen);
	put_be32(b + 0x14, cfg.first);
	put_be32(b + 0x18, cfg.seq);
	put_be32(b + 0x1C, cfg.start);
	put_be32(b + 0x24, cfg.compat);
	put_be32(b + 0x28, cfg.incompat);
	put_be32(b + 0x2C, cfg.rocompat);
	memcpy(b + 0x30, cfg.uuid, 16);
	put_be32(b + 0x40, 1);
	put_be32(b + 0x54, cfg.num_fc);
	if (f_csum()) {
		b[0x50] = 4;
		put_be32(b + 0xFC, ref_crc32c(~0U, b, 1024));
	}
}

static void hdr(uint32_t jblk, uint32_t type, uint32_t tid)
{
	uint8_t *b = blk(jblk);

	memset(b, 0, BS);
	put_be32(b, JBD2_MAGIC_NUMBER);
	put_be32(b + 4, type);
	put_be32(b + 8, tid);
}

static uint8_t pattern(uint32_t jblk, size_t i)
{
	return (uint8_t)(jblk * 3 + i * 13 + 1);
}

/* A data block; its bytes never start with the magic. */
static void put_data(uint32_t jblk)
{
	uint8_t *b = blk(jblk);

	for (size_t i = 0; i < BS; i++)
		b[i] = pattern(jblk, i);
}

static uint32_t data_csum(uint32_t tid, const uint8_t *data)
{
	uint8_t t[4];

	put_be32(t, tid);
	return ref_crc32c(ref_crc32c(seed(), t, 4), data, BS);
}

/* Tail checksum of descriptor and revoke blocks (v2/v3). */
static void set_tail(uint32_t jblk)
{
	uint8_t *b = blk(jblk);

	put_be32(b + BS - 4, 0);
	put_be32(b + BS - 4, ref_crc32c(seed(), b, BS));
}

struct tag {
	uint32_t lo, hi, flags;
	bool set_csum;		/* store csum instead of the right value */
	uint32_t csum;
};

#define SAME	JBD2_FLAG_SAME_UUID
#define LAST	JBD2_FLAG_LAST_TAG
#define ESC	JBD2_FLAG_ESCAPE

/*
 * A descriptor at jblk with n tags; 16 UUID bytes after every tag without
 * SAME_UUID.  The data blocks must already be in place: the tag checksums
 * are computed from them.  Returns the block after the last data block.
 */
static uint32_t put_descr(uint32_t jblk, uint32_t tid, const struct tag *t, int n)
{
	uint8_t *b;
	size_t off = 12;
	uint32_t d = jblk;

	hdr(jblk, JBD2_DESCRIPTOR_BLOCK, tid);
	b = blk(jblk);
	for (int i = 0; i < n; i++) {
		uint8_t *p = b + off;
		uint32_t csum;

		d = lnext(d);
		csum = t[i].set_csum ? t[i].csum : data_csum(tid, blk(d));
		put_be32(p, t[i].lo);
		if (f_v3()) {
			put_be32(p + 4, t[i].flags);
			put_be32(p + 8, t[i].hi);
			put_be32(p + 12, csum);
		} else {
			put_be16(p + 4, f_v2() ? (uint16_t)csum : 0);
			put_be16(p + 6, (uint16_t)t[i].flags);
			if (f_64())
				put_be32(p + 8, t[i].hi);
		}
		off += tag_bytes();
		if (!(t[i].flags & SAME)) {
			/* Distinctive, never-zero UUID bytes. */
			for (int k = 0; k < 16; k++)
				b[off + k] = (uint8_t)(0xE0 + k);
			off += 16;
		}
	}
	if (f_csum())
		set_tail(jblk);
	return lnext(d);
}

/* Descriptor with n data blocks filled in, tags lo = fs0 + i. */
static uint32_t put_tx_data(uint32_t jblk, uint32_t tid, uint32_t fs0, int n)
{
	struct tag t[64];
	uint32_t d = jblk;

	for (int i = 0; i < n; i++) {
		d = lnext(d);
		put_data(d);
		memset(&t[i], 0, sizeof(t[i]));
		t[i].lo = fs0 + (uint32_t)i;
		t[i].flags = (i ? SAME : 0) | (i == n - 1 ? LAST : 0);
	}
	return put_descr(jblk, tid, t, n);
}

static void put_revoke(uint32_t jblk, uint32_t tid, uint32_t r_count,
		       const uint64_t *recs, int n)
{
	uint8_t *b;

	hdr(jblk, JBD2_REVOKE_BLOCK, tid);
	b = blk(jblk);
	put_be32(b + 12, r_count);
	for (int i = 0; i < n; i++) {
		if (f_64())
			put_be64(b + 16 + 8 * i, recs[i]);
		else
			put_be32(b + 16 + 4 * i, (uint32_t)recs[i]);
	}
	if (f_csum())
		set_tail(jblk);
}

static void put_commit(uint32_t jblk, uint32_t tid, uint64_t sec, uint32_t nsec)
{
	uint8_t *b;

	hdr(jblk, JBD2_COMMIT_BLOCK, tid);
	b = blk(jblk);
	put_be64(b + 0x30, sec);
	put_be32(b + 0x38, nsec);
	if (f_csum())
		put_be32(b + 0x10, ref_crc32c(seed(), b, BS));
}

/* ---- writing, opening, walking ------------------------------------------ */

static bool write_file(uint32_t nblocks)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	size_t len = (size_t)nblocks * BS;
	bool good;

	if (fd < 0)
		return false;
	good = write(fd, img, len) == (ssize_t)len;
	return close(fd) == 0 && good;
}

/* Write the image (superblock included) and open it as a bare journal. */
static struct jbd_journal *open_img(const char *what)
{
	struct jbd_journal *j = NULL;
	errcode_t err;

	write_sb();
	if (!write_file(img_blocks)) {
		ok(0, "%s: write the journal file", what);
		return NULL;
	}
	err = jbd_open(path, NULL, 0, &j);
	if (err) {
		ok(0, "%s: jbd_open failed (err %ld)", what, (long)err);
		return NULL;
	}
	if (j->sb_error) {
		ok(0, "%s: superblock refused (sb_error %ld)", what, (long)j->sb_error);
		jbd_close(j);
		return NULL;
	}
	return j;
}

struct rec {
	struct jbd_event ev;
	bool has_block;
	uint8_t head[4];	/* first bytes of ev.block */
};

static struct rec evs[MAXEV];
static int nev;
static errcode_t walk_err;
static char seq[MAXEV + 1];

static char type_letter(enum jbd_ev_type t)
{
	switch (t) {
	case JBD_EV_DESCRIPTOR:		return 'D';
	case JBD_EV_TAG:		return 'T';
	case JBD_EV_REVOKE_BLOCK:	return 'R';
	case JBD_EV_REVOKE:		return 'r';
	case JBD_EV_COMMIT:		return 'C';
	case JBD_EV_END:		return 'E';
	}
	return '?';
}

/*
 * Walk until END, an error or `max` events.  Events are copied; the
 * block pointers must not be used afterwards (only head[] is kept).
 */
static bool walk(struct jbd_journal *j, unsigned int flags, int max)
{
	struct jbd_walk_opts opts = { .flags = flags };
	struct jbd_walk *w = NULL;

	nev = 0;
	seq[0] = 0;
	walk_err = jbd_walk_begin(j, &opts, &w);
	if (walk_err)
		return false;
	while (nev < max && nev < MAXEV) {
		struct rec *r = &evs[nev];

		memset(r, 0, sizeof(*r));
		walk_err = jbd_walk_next(w, &r->ev);
		if (walk_err)
			break;
		if (r->ev.block) {
			r->has_block = true;
			memcpy(r->head, r->ev.block, 4);
		}
		seq[nev++] = type_letter(r->ev.type);
		seq[nev] = 0;
		if (r->ev.type == JBD_EV_END)
			break;
	}
	jbd_walk_end(w);
	return walk_err == 0;
}

/* The k-th event (from 0) of the given type, or NULL. */
static const struct jbd_event *nth(enum jbd_ev_type type, int k)
{
	for (int i = 0; i < nev; i++)
		if (evs[i].ev.type == type && k-- == 0)
			return &evs[i].ev;
	return NULL;
}

/* The verdict of that event, or -1 when there is no such event. */
static int csum_of(enum jbd_ev_type type, int k)
{
	const struct jbd_event *e = nth(type, k);

	return e ? (int)e->csum : -1;
}

static const struct jbd_event *last_ev(void)
{
	return nev ? &evs[nev - 1].ev : NULL;
}

static bool seq_is(const char *want, const char *what)
{
	return ok(strcmp(seq, want) == 0 && walk_err == 0,
		  "%s: events %s (got %s, err %ld)", what, want, seq,
		  (long)walk_err);
}

static bool is_end(const struct jbd_event *e, enum jbd_end_reason why,
		   uint32_t jblk)
{
	return e && e->type == JBD_EV_END && e->end == why && e->jblk == jblk;
}

static const char *end_name(const struct jbd_event *e)
{
	return e && e->type == JBD_EV_END ? jbd_end_reason_name(e->end) : "(none)";
}

/* ---- the cases ----------------------------------------------------------- */

/* (a) one transaction: descriptor with three tags, commit, end. */
static void test_simple(void)
{
	struct tag t[3] = {
		{ .lo = 500, .flags = 0 },
		{ .lo = 501, .flags = SAME },
		{ .lo = 502, .flags = SAME | LAST | JBD2_FLAG_DELETED },
	};
	struct jbd_journal *j;
	const struct jbd_event *e;
	bool tags_ok = true;

	img_new(100, 1, 0);
	put_data(2);
	put_data(3);
	put_data(4);
	put_descr(1, 100, t, 3);
	put_commit(5, 100, 0x123456789ULL, 424242);
	j = open_img("(a)");
	if (!j)
		return;
	ok(j->source == JBD_SRC_FILE, "(a) bare file: source JBD_SRC_FILE (got %d)",
	   j->source);
	ok(j->sb_error == 0, "(a) superblock accepted");
	ok(j->blocksize == BS && j->nblocks == MAXLEN && j->sb_jblk == 0,
	   "(a) blocksize 1024, 1024 blocks, superblock at jblk 0");
	ok(j->sb.start == 1 && j->sb.sequence == 100, "(a) s_start 1, s_sequence 100");

	walk(j, 0, 100);
	seq_is("DTTTCE", "(a)");
	e = nth(JBD_EV_DESCRIPTOR, 0);
	ok(e && e->jblk == 1 && e->tid == 100 && e->ntags == 3 && !e->no_last_tag,
	   "(a) descriptor at 1, tid 100, 3 tags, LAST_TAG seen");
	ok(e && e->csum == JBD_CSUM_NONE, "(a) no checksum feature: descriptor verdict NONE");
	for (int i = 0; i < 3; i++) {
		e = nth(JBD_EV_TAG, i);
		if (!e || e->jblk != (uint32_t)(2 + i) || e->fsblk != t[i].lo ||
		    e->flags != t[i].flags || e->index != (unsigned int)i ||
		    e->descr_jblk != 1 || e->tid != 100 || e->csum != JBD_CSUM_NONE)
			tags_ok = false;
	}
	ok(tags_ok, "(a) tags: jblk 2,3,4, fsblk 500..502, flags as stored, index 0..2");
	e = nth(JBD_EV_TAG, 0);
	ok(e && !evs[1].has_block,
	   "(a) without JBD_WALK_READ_DATA a tag carries no data");
	e = nth(JBD_EV_COMMIT, 0);
	ok(e && e->jblk == 5 && e->tid == 100, "(a) commit at 5, tid 100");
	ok(e && e->commit_sec == 0x123456789ULL && e->commit_nsec == 424242,
	   "(a) commit time: be64 h_commit_sec @0x30, be32 h_commit_nsec @0x38");
	e = last_ev();
	ok(is_end(e, JBD_END_NO_MAGIC, 6), "(a) END no_magic at jblk 6 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	ok(e && e->tid == 101, "(a) END expects tid 101 next (got %u)", e ? e->tid : 0);
	jbd_close(j);
}

/* (b) UUID bytes after every tag without SAME_UUID. */
static void test_same_uuid(void)
{
	struct tag t1[5] = {
		{ .lo = 10, .flags = 0 },
		{ .lo = 11, .flags = SAME },
		{ .lo = 12, .flags = SAME },
		{ .lo = 13, .flags = SAME },
		{ .lo = 14, .flags = SAME | LAST },
	};
	struct tag t2[4] = {
		{ .lo = 20, .flags = 0 },
		{ .lo = 21, .flags = 0 },
		{ .lo = 22, .flags = SAME },
		{ .lo = 23, .flags = LAST },
	};
	struct jbd_journal *j;
	const struct jbd_event *e;
	bool ok1 = true, ok2 = true;

	img_new(7, 1, 0);
	for (uint32_t b = 2; b <= 6; b++)
		put_data(b);
	put_descr(1, 7, t1, 5);
	for (uint32_t b = 8; b <= 11; b++)
		put_data(b);
	put_descr(7, 7, t2, 4);
	put_commit(12, 7, 1, 0);
	j = open_img("(b)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("DTTTTTDTTTTCE", "(b)");
	e = nth(JBD_EV_DESCRIPTOR, 0);
	ok(e && e->ntags == 5, "(b) first tag with UUID, 4 with SAME_UUID: 5 tags (got %u)",
	   e ? e->ntags : 0);
	for (int i = 0; i < 5; i++) {
		e = nth(JBD_EV_TAG, i);
		if (!e || e->fsblk != t1[i].lo || e->jblk != (uint32_t)(2 + i))
			ok1 = false;
	}
	ok(ok1, "(b) the 16 UUID bytes are skipped: fsblk 10..14 at jblk 2..6");
	e = nth(JBD_EV_DESCRIPTOR, 1);
	ok(e && e->jblk == 7 && e->ntags == 4,
	   "(b) descriptor at 7 with three UUID-carrying tags: 4 tags (got %u)",
	   e ? e->ntags : 0);
	for (int i = 0; i < 4; i++) {
		e = nth(JBD_EV_TAG, 5 + i);
		if (!e || e->fsblk != t2[i].lo || e->jblk != (uint32_t)(8 + i) ||
		    e->flags != t2[i].flags)
			ok2 = false;
	}
	ok(ok2, "(b) second descriptor: fsblk 20..23 at jblk 8..11, flags as stored");
	e = last_ev();
	ok(is_end(e, JBD_END_NO_MAGIC, 13), "(b) END no_magic at 13 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	jbd_close(j);
}

/* (c) no LAST_TAG: tags run to the block end (tail excluded with csum). */
static void no_last_case(const char *what, uint32_t feats, bool first_uuid,
			 unsigned int want)
{
	static struct tag t[200];
	struct jbd_journal *j;
	const struct jbd_event *e;
	uint32_t after;
	bool tags_ok = true;
	int nt = 200;

	img_new(40, 1, feats);
	memset(t, 0, sizeof(t));
	for (int i = 0; i < nt; i++) {
		t[i].lo = 1000 + (uint32_t)i;
		t[i].flags = (i == 0 && first_uuid) ? 0 : SAME;
	}
	/* Put data for every block a tag could describe, then the descriptor
	 * (put_descr writes only the tags that fit: stop when they don't). */
	{
		size_t off = 12, lim = BS - (f_csum() ? 4 : 0);

		nt = 0;
		while (off + tag_bytes() <= lim) {
			off += tag_bytes() + ((t[nt].flags & SAME) ? 0 : 16);
			nt++;
		}
	}
	for (int i = 0; i < nt; i++)
		put_data(2 + (uint32_t)i);
	after = put_descr(1, 40, t, nt);
	put_commit(after, 40, 5, 5);
	j = open_img(what);
	if (!j)
		return;
	walk(j, 0, MAXEV);
	e = nth(JBD_EV_DESCRIPTOR, 0);
	ok(e && e->ntags == want && e->no_last_tag,
	   "%s: no LAST_TAG: %u tags fit, no_last_tag set (got %u, %d)",
	   what, want, e ? e->ntags : 0, e ? e->no_last_tag : -1);
	for (unsigned int i = 0; i < want; i++) {
		e = nth(JBD_EV_TAG, (int)i);
		if (!e || e->fsblk != 1000 + i || e->jblk != 2 + i)
			tags_ok = false;
	}
	ok(tags_ok, "%s: every tag read right up to the last one", what);
	e = nth(JBD_EV_COMMIT, 0);
	ok(e && e->jblk == 2 + want, "%s: commit found right after the %u data blocks",
	   what, want);
	e = last_ev();
	ok(is_end(e, JBD_END_NO_MAGIC, 3 + want), "%s: END no_magic at %u (got %s at %u)",
	   what, 3 + want, end_name(e), e ? e->jblk : 0);
	jbd_close(j);
}

static void test_no_last_tag(void)
{
	/* 12 + (8+16) + 8*123 = 1020 <= 1024: 124 tags. */
	no_last_case("(c) 8-byte tags, first with UUID", 0, true, 124);
	/* §1.4: 1k blocks and v3 hold 62 tags (12 + 32 + 16*61 = 1020). */
	no_last_case("(c) csum v3, first with UUID", JBD2_FEATURE_INCOMPAT_CSUM_V3,
		     true, 62);
	/* csum v2, 10-byte tags, all SAME_UUID: 12 + 10*100 = 1012, and a
	 * 101st would end at 1022 > 1020 = blocksize - tail. */
	no_last_case("(c) csum v2, 10-byte tags, tail honoured",
		     JBD2_FEATURE_INCOMPAT_CSUM_V2, false, 100);
	/* The same without a tail: 12 + 8*126 = 1020, a 127th ends at 1028. */
	no_last_case("(c) 8-byte tags, all SAME_UUID", 0, false, 126);
}

/* (d) 64-bit block numbers. */
static void test_64bit(void)
{
	static const struct {
		const char *what;
		uint32_t feats;
		uint64_t want;
	} c[] = {
		{ "(d) 64bit, 12-byte tags", JBD2_FEATURE_INCOMPAT_64BIT, 0x100000005ULL },
		{ "(d) 64bit + csum v3", JBD2_FEATURE_INCOMPAT_64BIT |
		  JBD2_FEATURE_INCOMPAT_CSUM_V3, 0x100000005ULL },
		{ "(d) 64bit + csum v2, 14-byte tags", JBD2_FEATURE_INCOMPAT_64BIT |
		  JBD2_FEATURE_INCOMPAT_CSUM_V2, 0x100000005ULL },
		{ "(d) csum v3 without 64bit: t_blocknr_high ignored",
		  JBD2_FEATURE_INCOMPAT_CSUM_V3, 5 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct tag t[2] = {
			{ .lo = 5, .hi = 1, .flags = 0 },
			{ .lo = 6, .hi = 0xFFFFFFFFU, .flags = SAME | LAST },
		};
		struct jbd_journal *j;
		const struct jbd_event *e0, *e1;
		uint64_t want1 = c[i].want == 5 ? 6 : 0xFFFFFFFF00000006ULL;

		img_new(3, 1, c[i].feats);
		put_data(2);
		put_data(3);
		put_descr(1, 3, t, 2);
		put_commit(4, 3, 0, 0);
		j = open_img(c[i].what);
		if (!j)
			continue;
		walk(j, 0, 100);
		seq_is("DTTCE", c[i].what);
		e0 = nth(JBD_EV_TAG, 0);
		e1 = nth(JBD_EV_TAG, 1);
		ok(e0 && e0->fsblk == c[i].want,
		   "%s: hi 1, lo 5 -> fsblk 0x%llX (got 0x%llX)", c[i].what,
		   (unsigned long long)c[i].want,
		   e0 ? (unsigned long long)e0->fsblk : 0ULL);
		ok(e1 && e1->fsblk == want1,
		   "%s: hi 0xFFFFFFFF, lo 6 -> fsblk 0x%llX (got 0x%llX)", c[i].what,
		   (unsigned long long)want1, e1 ? (unsigned long long)e1->fsblk : 0ULL);
		jbd_close(j);
	}
}

/* (e) the log wraps from maxlen-1 to s_first. */
static void wrap_case(const char *what, uint32_t maxlen, uint32_t feats)
{
	struct jbd_journal *j;
	const struct jbd_event *e;
	uint32_t end = maxlen - ((feats & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) ? 256 : 0);
	uint32_t start = end - 2;
	const uint32_t want[3] = { end - 1, 1, 2 };
	bool tags_ok = true, data_ok = true;

	img_new(4000000000U, start, feats);
	cfg.maxlen = maxlen;
	img_resize(maxlen);
	/* Garbage journal-looking blocks in the fast-commit area and at 0. */
	if (maxlen > end) {
		put_commit(end, 4000000000U, 0, 0);
		put_commit(end + 1, 4000000000U, 0, 0);
	}
	ok(put_tx_data(start, 4000000000U, 70, 3) == 3,
	   "%s: builder wraps the data to %u, 1, 2", what, end - 1);
	put_commit(3, 4000000000U, 9, 9);
	j = open_img(what);
	if (!j)
		return;
	walk(j, JBD_WALK_READ_DATA, 100);
	seq_is("DTTTCE", what);
	e = nth(JBD_EV_DESCRIPTOR, 0);
	ok(e && e->jblk == start, "%s: descriptor at s_start %u", what, start);
	for (int i = 0; i < 3; i++) {
		e = nth(JBD_EV_TAG, i);
		if (!e || e->jblk != want[i] || e->fsblk != 70 + (uint32_t)i)
			tags_ok = false;
		if (!e || !evs[1 + i].has_block ||
		    evs[1 + i].head[0] != pattern(want[i], 0) ||
		    evs[1 + i].head[1] != pattern(want[i], 1) ||
		    e->csum != JBD_CSUM_OK)
			data_ok = false;
	}
	ok(tags_ok, "%s: tag data at jblk %u, 1, 2", what, end - 1);
	ok(data_ok, "%s: data read across the wrap, tag checksums OK", what);
	e = nth(JBD_EV_COMMIT, 0);
	ok(e && e->jblk == 3 && e->csum == JBD_CSUM_OK, "%s: commit at 3, checksum OK",
	   what);
	e = last_ev();
	ok(is_end(e, JBD_END_NO_MAGIC, 4), "%s: END no_magic at 4 (got %s at %u)",
	   what, end_name(e), e ? e->jblk : 0);
	jbd_close(j);
}

static void test_wrap(void)
{
	wrap_case("(e) wrap", MAXLEN, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	/* §1.8: with FAST_COMMIT the log is [s_first, s_maxlen - fc). */
	wrap_case("(e) wrap before the fast-commit area", MAXLEN + 256,
		  JBD2_FEATURE_INCOMPAT_CSUM_V3 | JBD2_FEATURE_INCOMPAT_FAST_COMMIT);
}

/* (f) tid 0xFFFFFFFF then tid 0. */
static void test_tid_wrap(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;

	img_new(0xFFFFFFFFU, 1, 0);
	put_tx_data(1, 0xFFFFFFFFU, 300, 1);
	put_commit(3, 0xFFFFFFFFU, 1, 0);
	put_tx_data(4, 0, 301, 1);
	put_commit(6, 0, 2, 0);
	put_commit(7, 2, 3, 0);		/* not tid 1: the log ends here */
	j = open_img("(f)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("DTCDTCE", "(f) tid wrap");
	e = nth(JBD_EV_COMMIT, 0);
	ok(e && e->tid == 0xFFFFFFFFU && e->jblk == 3, "(f) commit of tid 0xFFFFFFFF at 3");
	e = nth(JBD_EV_DESCRIPTOR, 1);
	ok(e && e->tid == 0 && e->jblk == 4, "(f) tid 0 follows tid 0xFFFFFFFF at 4");
	e = nth(JBD_EV_COMMIT, 1);
	ok(e && e->tid == 0 && e->jblk == 6, "(f) commit of tid 0 at 6");
	e = last_ev();
	ok(is_end(e, JBD_END_SEQUENCE, 7) && e->tid == 1 && e->found_tid == 2,
	   "(f) END sequence at 7: expected tid 1, found 2 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	jbd_close(j);
}

/* (g) h_sequence other than the expected tid ends the log. */
static void test_sequence(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;

	img_new(50, 1, 0);
	put_tx_data(1, 50, 1, 1);
	put_commit(3, 50, 0, 0);
	put_tx_data(4, 52, 2, 1);	/* 51 expected */
	put_commit(6, 52, 0, 0);
	j = open_img("(g)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("DTCE", "(g) next transaction with tid 52 instead of 51");
	e = last_ev();
	ok(is_end(e, JBD_END_SEQUENCE, 4), "(g) END sequence at jblk 4 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	ok(e && e->found_tid == 52 && e->tid == 51,
	   "(g) found_tid 52, expected tid 51 (got %u, %u)", e ? e->found_tid : 0,
	   e ? e->tid : 0);
	jbd_close(j);

	/* The commit of the first transaction carries a wrong tid. */
	img_new(50, 1, 0);
	put_tx_data(1, 50, 1, 2);
	put_commit(4, 49, 0, 0);
	j = open_img("(g2)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("DTTE", "(g) commit with tid 49 in transaction 50");
	e = last_ev();
	ok(is_end(e, JBD_END_SEQUENCE, 4) && e->found_tid == 49,
	   "(g) END sequence at the commit, jblk 4, found 49 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	jbd_close(j);
}

/* (h) block types that cannot appear in the log. */
static void test_blocktype(void)
{
	static const uint32_t types[] = { 7, 3, 4, 6, 0 };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct jbd_journal *j;
		const struct jbd_event *e;
		char what[64];

		snprintf(what, sizeof(what), "(h) block type %u", types[i]);
		img_new(60, 1, 0);
		put_tx_data(1, 60, 1, 1);
		put_commit(3, 60, 0, 0);
		hdr(4, types[i], 61);
		put_commit(5, 61, 0, 0);
		j = open_img(what);
		if (!j)
			continue;
		walk(j, 0, 100);
		seq_is("DTCE", what);
		e = last_ev();
		ok(is_end(e, JBD_END_BLOCKTYPE, 4) && e->found_type == types[i],
		   "%s: END unknown_block_type at 4, found_type %u (got %s at %u, type %u)",
		   what, types[i], end_name(e), e ? e->jblk : 0, e ? e->found_type : 0);
		jbd_close(j);
	}
}

/* (i) revoke blocks. */
static void test_revoke(void)
{
	static const uint64_t r64[3] = { 0x100000001ULL, 7, 0xFFFFFFFF00000002ULL };
	static const uint64_t r32[5] = { 9, 0xFFFFFFFFU, 11, 12, 13 };
	struct jbd_journal *j;
	const struct jbd_event *e;
	bool recs_ok = true;

	/* 8-byte records with 64BIT. */
	img_new(10, 1, JBD2_FEATURE_INCOMPAT_64BIT);
	put_revoke(1, 10, 16 + 3 * 8, r64, 3);
	put_commit(2, 10, 0, 0);
	j = open_img("(i) 64bit");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("RrrrCE", "(i) 64bit revoke");
	e = nth(JBD_EV_REVOKE_BLOCK, 0);
	ok(e && e->jblk == 1 && e->tid == 10 && e->r_count == 40 && !e->r_count_bad &&
	   e->nrecords == 3, "(i) 64bit: revoke block at 1, r_count 40, 3 records");
	for (int i = 0; i < 3; i++) {
		e = nth(JBD_EV_REVOKE, i);
		if (!e || e->fsblk != r64[i] || e->index != (unsigned int)i ||
		    e->jblk != 1 || e->tid != 10)
			recs_ok = false;
	}
	ok(recs_ok, "(i) 64bit: be64 records read in order");
	e = last_ev();
	ok(is_end(e, JBD_END_NO_MAGIC, 3), "(i) 64bit: END at 3 (got %s at %u)",
	   end_name(e), e ? e->jblk : 0);
	jbd_close(j);

	/* 4-byte records; r_count with a partial record at the end. */
	img_new(10, 1, 0);
	put_revoke(1, 10, 16 + 4 * 4 + 2, r32, 5);
	put_commit(2, 10, 0, 0);
	j = open_img("(i) 32bit");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("RrrrrCE", "(i) 32bit revoke, r_count 34: the half record is not read");
	recs_ok = true;
	for (int i = 0; i < 4; i++) {
		e = nth(JBD_EV_REVOKE, i);
		if (!e || e->fsblk != r32[i])
			recs_ok = false;
	}
	ok(recs_ok, "(i) 32bit: be32 records read in order");
	e = nth(JBD_EV_REVOKE_BLOCK, 0);
	ok(e && e->nrecords == 4 && e->r_count == 34, "(i) 32bit: nrecords 4");
	jbd_close(j);

	/* r_count: blocksize - tail is the last good value. */
	{
		static const struct {
			uint32_t feats, r_count;
			bool bad;
			const char *seq;
			unsigned int nrec;
		} c[] = {
			{ 0, 1024, false, NULL, 252 },
			{ 0, 1025, true, "RCE", 0 },
			{ JBD2_FEATURE_INCOMPAT_CSUM_V3, 1020, false, NULL, 251 },
			{ JBD2_FEATURE_INCOMPAT_CSUM_V3, 1021, true, "RCE", 0 },
			{ JBD2_FEATURE_INCOMPAT_64BIT, 0xFFFFFFF0U, true, "RCE", 0 },
			{ 0, 16, false, "RCE", 0 },
			{ 0, 0, false, "RCE", 0 },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			char what[96];

			snprintf(what, sizeof(what), "(i) r_count %u%s", c[i].r_count,
				 c[i].feats ? (c[i].feats & 0x10 ? " (csum v3)" : " (64bit)") : "");
			img_new(10, 1, c[i].feats);
			put_revoke(1, 10, c[i].r_count, NULL, 0);
			put_commit(2, 10, 0, 0);
			j = open_img(what);
			if (!j)
				continue;
			walk(j, 0, MAXEV);
			e = nth(JBD_EV_REVOKE_BLOCK, 0);
			if (c[i].bad) {
				seq_is(c[i].seq, what);
				ok(e && e->r_count_bad && e->r_count == c[i].r_count &&
				   e->nrecords == 0,
				   "%s: REVOKE_BLOCK reports r_count_bad, no records", what);
				/* Like the kernel's SCAN pass, the walk goes on. */
				e = last_ev();
				ok(is_end(e, JBD_END_NO_MAGIC, 3),
				   "%s: walk goes on to END no_magic at 3 (got %s at %u)",
				   what, end_name(e), e ? e->jblk : 0);
			} else {
				if (c[i].seq)
					seq_is(c[i].seq, what);
				ok(e && !e->r_count_bad && e->nrecords == c[i].nrec,
				   "%s: accepted, %u records (got %u)", what, c[i].nrec,
				   e ? e->nrecords : 0);
				e = last_ev();
				ok(is_end(e, JBD_END_NO_MAGIC, 3),
				   "%s: walk goes on to END no_magic at 3 (got %s at %u)",
				   what, end_name(e), e ? e->jblk : 0);
			}
			jbd_close(j);
		}
	}
}

/*
 * (j) csum v3 verdicts.  Tx 300: descriptor 1 (data 2, 3), revoke 4,
 * commit 5; tx 301: descriptor 6 (data 7), commit 8; END at 9.
 * flip: 0 none, 1 descriptor byte, 2 revoke byte, 3 commit byte,
 * 4 stored commit checksum, 5 data block 3, 6 descriptor tail.
 */
static void build_v3(int flip)
{
	static const uint64_t recs[2] = { 2000, 2001 };

	img_new(300, 1, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	put_tx_data(1, 300, 1000, 2);
	put_revoke(4, 300, 16 + 8, recs, 2);
	put_commit(5, 300, 100, 1);
	put_tx_data(6, 301, 1002, 1);
	put_commit(8, 301, 101, 1);
	switch (flip) {
	case 1: blk(1)[700] ^= 0x01; break;
	case 2: blk(4)[500] ^= 0x01; break;
	case 3: blk(5)[0x14] ^= 0x01; break;
	case 4: blk(5)[0x13] ^= 0x01; break;
	case 5: blk(3)[10] ^= 0x01; break;
	case 6: blk(1)[BS - 1] ^= 0x01; break;
	}
}

static void test_csum_v3(void)
{
	static const char *const names[] = {
		"none", "descriptor byte 700", "revoke byte 500", "commit byte 0x14",
		"commit h_chksum[0]", "data block 3 byte 10", "descriptor tail",
	};
	struct jbd_journal *j;
	const struct jbd_event *e;

	for (int flip = 0; flip <= 6; flip++) {
		char what[96];
		enum jbd_csum d1 = flip == 1 || flip == 6 ? JBD_CSUM_BAD : JBD_CSUM_OK;
		enum jbd_csum r = flip == 2 ? JBD_CSUM_BAD : JBD_CSUM_OK;
		enum jbd_csum c1 = flip == 3 || flip == 4 ? JBD_CSUM_BAD : JBD_CSUM_OK;

		snprintf(what, sizeof(what), "(j) v3, flipped %s", names[flip]);
		build_v3(flip);
		j = open_img(what);
		if (!j)
			continue;
		if (flip == 0)
			ok(j->sb.checksum_verdict == JBD_CSUM_OK,
			   "(j) v3 superblock checksum verdict OK");
		walk(j, 0, 100);
		seq_is("DTTRrrCDTCE", what);
		e = nth(JBD_EV_DESCRIPTOR, 0);
		ok(e && e->csum == d1, "%s: descriptor verdict %s (got %d)", what,
		   d1 == JBD_CSUM_OK ? "OK" : "BAD", e ? (int)e->csum : -1);
		if (flip == 0) {
			uint8_t tmp[BS];

			memcpy(tmp, blk(1), BS);
			put_be32(tmp + BS - 4, 0);
			ok(e && e->csum_stored == be32_at(blk(1) + BS - 4) &&
			   e->csum_computed == ref_crc32c(seed(), tmp, BS),
			   "(j) descriptor csum_stored/csum_computed reported");
		}
		e = nth(JBD_EV_REVOKE_BLOCK, 0);
		ok(e && e->csum == r, "%s: revoke verdict %s (got %d)", what,
		   r == JBD_CSUM_OK ? "OK" : "BAD", e ? (int)e->csum : -1);
		e = nth(JBD_EV_COMMIT, 0);
		ok(e && e->csum == c1, "%s: commit verdict %s (got %d)", what,
		   c1 == JBD_CSUM_OK ? "OK" : "BAD", e ? (int)e->csum : -1);
		if (flip == 0)
			ok(e && e->csum_stored == be32_at(blk(5) + 0x10) &&
			   e->chksum_type == 0 && e->chksum_size == 0,
			   "(j) commit csum_stored is h_chksum[0]; type and size 0");
		e = nth(JBD_EV_DESCRIPTOR, 1);
		ok(e && e->csum == JBD_CSUM_OK && csum_of(JBD_EV_COMMIT, 1) == JBD_CSUM_OK,
		   "%s: the walk goes on: tx 301 verdicts OK", what);
		e = last_ev();
		ok(is_end(e, JBD_END_NO_MAGIC, 9), "%s: END no_magic at 9 (got %s at %u)",
		   what, end_name(e), e ? e->jblk : 0);
		ok(csum_of(JBD_EV_TAG, 0) == JBD_CSUM_NONE &&
		   csum_of(JBD_EV_TAG, 1) == JBD_CSUM_NONE,
		   "%s: tag verdicts NONE without JBD_WALK_READ_DATA", what);

		/* Now with the data read. */
		walk(j, JBD_WALK_READ_DATA, 100);
		seq_is("DTTRrrCDTCE", what);
		e = nth(JBD_EV_TAG, 0);
		ok(e && e->csum == JBD_CSUM_OK, "%s: READ_DATA: tag 0 verdict OK (got %d)",
		   what, e ? (int)e->csum : -1);
		e = nth(JBD_EV_TAG, 1);
		ok(e && e->csum == (flip == 5 ? JBD_CSUM_BAD : JBD_CSUM_OK),
		   "%s: READ_DATA: tag 1 verdict %s (got %d)", what,
		   flip == 5 ? "BAD" : "OK", e ? (int)e->csum : -1);
		if (flip == 0)
			ok(e && e->csum_stored == data_csum(300, blk(3)) &&
			   e->csum_computed == e->csum_stored,
			   "(j) tag 1: 32-bit stored and computed checksums reported");
		if (flip == 5)
			ok(e && e->csum_computed == data_csum(300, blk(3)) &&
			   e->csum_stored != e->csum_computed,
			   "(j) tag 1: computed checksum is that of the block as logged");
		e = nth(JBD_EV_TAG, 2);
		ok(e && e->csum == JBD_CSUM_OK && e->tid == 301,
		   "%s: READ_DATA: tx 301 tag verdict OK (seeded with tid 301)", what);
		ok(evs[1].has_block && evs[1].head[0] == pattern(2, 0) &&
		   evs[1].head[3] == pattern(2, 3),
		   "%s: READ_DATA: tag 0 carries the bytes of jblk 2", what);
		jbd_close(j);
	}

	/* A tag checksum computed with the wrong tid is BAD. */
	img_new(300, 1, JBD2_FEATURE_INCOMPAT_CSUM_V3);
	put_data(2);
	{
		struct tag t = { .lo = 1, .flags = LAST, .set_csum = true,
				 .csum = data_csum(301, blk(2)) };

		put_descr(1, 300, &t, 1);
	}
	put_commit(3, 300, 0, 0);
	j = open_img("(j) wrong tid");
	if (j) {
		walk(j, JBD_WALK_READ_DATA, 100);
		e = nth(JBD_EV_TAG, 0);
		ok(e && e->csum == JBD_CSUM_BAD,
		   "(j) tag checksum seeded with tid 301 in tx 300: BAD");
		jbd_close(j);
	}
}

/* (j) csum v2: 10-byte tags, 16-bit tag checksums. */
static void test_csum_v2(void)
{
	for (int flip = 0; flip <= 1; flip++) {
		struct jbd_journal *j;
		const struct jbd_event *e;
		const char *what = flip ? "(j) v2, data flipped" : "(j) v2";
		bool all_ok = true;

		img_new(5, 1, JBD2_FEATURE_INCOMPAT_CSUM_V2);
		put_tx_data(1, 5, 800, 3);
		put_commit(5, 5, 0, 0);
		if (flip)
			blk(4)[BS - 1] ^= 0x80;
		j = open_img(what);
		if (!j)
			continue;
		walk(j, 0, 100);
		seq_is("DTTTCE", what);
		e = nth(JBD_EV_DESCRIPTOR, 0);
		ok(e && e->csum == JBD_CSUM_OK && e->ntags == 3,
		   "%s: descriptor with 10-byte tags: 3 tags, tail OK", what);
		e = nth(JBD_EV_COMMIT, 0);
		ok(e && e->csum == JBD_CSUM_OK, "%s: commit verdict OK", what);
		ok(csum_of(JBD_EV_TAG, 2) == JBD_CSUM_NONE,
		   "%s: tag verdict NONE without JBD_WALK_READ_DATA", what);
		walk(j, JBD_WALK_READ_DATA, 100);
		for (int i = 0; i < 3; i++) {
			e = nth(JBD_EV_TAG, i);
			if (!e || e->fsblk != 800 + (uint32_t)i)
				all_ok = false;
		}
		ok(all_ok, "%s: fsblk 800..802 from 10-byte tags", what);
		e = nth(JBD_EV_TAG, 0);
		ok(e && e->csum == JBD_CSUM_OK &&
		   e->csum_stored == (data_csum(5, blk(2)) & 0xFFFF),
		   "%s: tag 0 verdict OK, stored checksum is the low 16 bits", what);
		e = nth(JBD_EV_TAG, 2);
		ok(e && e->csum == (flip ? JBD_CSUM_BAD : JBD_CSUM_OK),
		   "%s: tag 2 verdict %s (got %d)", what, flip ? "BAD" : "OK",
		   e ? (int)e->csum : -1);
		jbd_close(j);
	}
}

/* v1 (compat CHECKSUM): crc32_be over descriptor and data blocks. */
static void test_csum_v1(void)
{
	static const uint64_t recs[1] = { 77 };

	for (int mode = 0; mode <= 2; mode++) {
		static const char *const names[] = { "(v1) good crc", "(v1) wrong crc",
						     "(v1) unused commit" };
		struct jbd_journal *j;
		const struct jbd_event *e;
		uint32_t crc;
		enum jbd_csum want = mode == 1 ? JBD_CSUM_BAD : JBD_CSUM_OK;

		img_new(20, 1, 0);
		cfg.compat = JBD2_FEATURE_COMPAT_CHECKSUM;
		put_tx_data(1, 20, 40, 2);
		put_revoke(4, 20, 16 + 4, recs, 1);	/* not covered */
		put_commit(5, 20, 0, 0);
		crc = ref_crc32_be(~0U, blk(1), BS);
		crc = ref_crc32_be(crc, blk(2), BS);
		crc = ref_crc32_be(crc, blk(3), BS);
		if (mode != 2) {
			blk(5)[0x0C] = JBD2_CRC32_CHKSUM;
			blk(5)[0x0D] = JBD2_CRC32_CHKSUM_SIZE;
			put_be32(blk(5) + 0x10, mode == 1 ? crc ^ 1 : crc);
		}
		/* Second transaction: the crc restarts at ~0. */
		put_tx_data(6, 21, 50, 1);
		put_commit(8, 21, 0, 0);
		crc = ref_crc32_be(ref_crc32_be(~0U, blk(6), BS), blk(7), BS);
		blk(8)[0x0C] = JBD2_CRC32_CHKSUM;
		blk(8)[0x0D] = JBD2_CRC32_CHKSUM_SIZE;
		put_be32(blk(8) + 0x10, crc);
		j = open_img(names[mode]);
		if (!j)
			continue;
		walk(j, 0, 100);
		seq_is("DTTRrCDTCE", names[mode]);
		e = nth(JBD_EV_COMMIT, 0);
		ok(e && e->csum == JBD_CSUM_NONE,
		   "%s: verdict NONE without JBD_WALK_READ_DATA", names[mode]);
		walk(j, JBD_WALK_READ_DATA, 100);
		e = nth(JBD_EV_COMMIT, 0);
		ok(e && e->csum == want, "%s: commit verdict %s (got %d)", names[mode],
		   want == JBD_CSUM_OK ? "OK" : "BAD", e ? (int)e->csum : -1);
		e = nth(JBD_EV_COMMIT, 1);
		ok(e && e->csum == JBD_CSUM_OK,
		   "%s: second commit OK (crc restarted, revoke not covered)", names[mode]);
		ok(csum_of(JBD_EV_DESCRIPTOR, 0) == JBD_CSUM_NONE,
		   "%s: descriptor verdict NONE (no tail in v1)", names[mode]);
		jbd_close(j);
	}
}

/* (k) ESCAPE is reported as stored; data stays as logged. */
static void test_escape(void)
{
	static const uint32_t feats[2] = { 0, JBD2_FEATURE_INCOMPAT_CSUM_V3 };

	for (int f = 0; f < 2; f++) {
		struct jbd_journal *j;
		const struct jbd_event *e;
		const char *what = f ? "(k) v3 escape" : "(k) escape";
		struct tag t[2] = {
			{ .lo = 90, .flags = ESC },
			{ .lo = 91, .flags = ESC | SAME | LAST | JBD2_FLAG_DELETED },
		};

		img_new(8, 1, feats[f]);
		put_data(2);
		put_data(3);
		memset(blk(2), 0, 4);	/* escaped: the magic was zeroed */
		memset(blk(3), 0, 4);
		put_descr(1, 8, t, 2);
		put_commit(4, 8, 0, 0);
		j = open_img(what);
		if (!j)
			continue;
		walk(j, JBD_WALK_READ_DATA, 100);
		seq_is("DTTCE", what);
		e = nth(JBD_EV_TAG, 0);
		ok(e && e->flags == ESC, "%s: tag 0 flags 0x1 (ESCAPE) as stored (got 0x%X)",
		   what, e ? e->flags : 0);
		e = nth(JBD_EV_TAG, 1);
		ok(e && e->flags == (ESC | SAME | LAST | JBD2_FLAG_DELETED),
		   "%s: tag 1 flags 0xF as stored (got 0x%X)", what, e ? e->flags : 0);
		ok(evs[1].has_block && !evs[1].head[0] && !evs[1].head[3],
		   "%s: the data is given as logged (escaped bytes still zero)", what);
		if (f)
			ok(csum_of(JBD_EV_TAG, 0) == JBD_CSUM_OK &&
			   csum_of(JBD_EV_TAG, 1) == JBD_CSUM_OK,
			   "%s: tag checksums over the escaped copy are OK", what);
		jbd_close(j);
	}
}

/* (l) JBD_WALK_ALL: every block of the area, stale ones included. */
static void test_walk_all(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;

	img_new(20, 10, 0);
	put_tx_data(1, 15, 1, 1);	/* stale: 1, data 2 */
	put_commit(3, 15, 0, 0);
	put_commit(5, 18, 0, 0);	/* stale */
	hdr(6, 7, 18);			/* stale garbage type: skipped */
	put_tx_data(10, 20, 2, 1);	/* live: 10, data 11 */
	put_commit(12, 20, 0, 0);
	put_commit(MAXLEN - 1, 99, 0, 0);
	j = open_img("(l)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("DTCE", "(l) normal walk from s_start 10");
	ok(nth(JBD_EV_DESCRIPTOR, 0) && nth(JBD_EV_DESCRIPTOR, 0)->jblk == 10,
	   "(l) normal walk starts at s_start");
	walk(j, JBD_WALK_ALL, 100);
	seq_is("DTCCDTCCE", "(l) JBD_WALK_ALL");
	ok(nth(JBD_EV_DESCRIPTOR, 0) && nth(JBD_EV_DESCRIPTOR, 0)->jblk == 1 &&
	   nth(JBD_EV_DESCRIPTOR, 0)->tid == 15,
	   "(l) ALL: stale descriptor at 1 (tid 15) before s_start");
	ok(nth(JBD_EV_COMMIT, 0) && nth(JBD_EV_COMMIT, 0)->jblk == 3 &&
	   nth(JBD_EV_COMMIT, 1) && nth(JBD_EV_COMMIT, 1)->jblk == 5 &&
	   nth(JBD_EV_COMMIT, 1)->tid == 18,
	   "(l) ALL: stale commits at 3 and 5");
	ok(nth(JBD_EV_DESCRIPTOR, 1) && nth(JBD_EV_DESCRIPTOR, 1)->jblk == 10 &&
	   nth(JBD_EV_COMMIT, 2) && nth(JBD_EV_COMMIT, 2)->jblk == 12,
	   "(l) ALL: the live transaction at 10..12");
	ok(nth(JBD_EV_COMMIT, 3) && nth(JBD_EV_COMMIT, 3)->jblk == MAXLEN - 1 &&
	   nth(JBD_EV_COMMIT, 3)->tid == 99,
	   "(l) ALL: the last block of the area (1023) is visited");
	e = last_ev();
	ok(e && e->type == JBD_EV_END && e->end == JBD_END_AREA,
	   "(l) ALL ends with JBD_END_AREA (got %s)", end_name(e));
	jbd_close(j);
}

/* (m) s_start 0: the log is empty. */
static void test_clean(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;

	img_new(33, 0, 0);
	put_tx_data(1, 33, 1, 1);	/* would be walked if s_start were 1 */
	put_commit(3, 33, 0, 0);
	j = open_img("(m)");
	if (!j)
		return;
	walk(j, 0, 100);
	seq_is("E", "(m) s_start 0");
	e = last_ev();
	ok(e && e->type == JBD_EV_END && e->end == JBD_END_CLEAN,
	   "(m) a single END clean (got %s)", end_name(e));
	jbd_close(j);
}

/* (n) logs that would go round forever. */
static void test_loop(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;
	uint32_t len = MAXLEN - 1;

	/* Every block a commit, tids increasing along the log from s_start. */
	img_new(1000, 500, 0);
	for (uint32_t b = 1; b < MAXLEN; b++)
		put_commit(b, 1000 + (b + len - 500) % len, 0, 0);
	j = open_img("(n) commits");
	if (j) {
		walk(j, 0, 3 * MAXLEN);
		e = last_ev();
		ok(e && e->type == JBD_EV_END &&
		   (e->end == JBD_END_LOOP || e->end == JBD_END_SEQUENCE),
		   "(n) ring of commits ends (loop or sequence; got %s)", end_name(e));
		ok(nev <= (int)len + 1, "(n) ring of commits: at most %u events (got %d)",
		   len + 1, nev);
		jbd_close(j);
	}

	/* Every block a descriptor of the same tid, one tag each: no tid
	 * ever changes, only the loop guard can end this walk. */
	img_new(1000, 1, 0);
	for (uint32_t b = 1; b < MAXLEN; b++) {
		struct tag t = { .lo = b, .flags = LAST | SAME };

		put_descr(b, 1000, &t, 1);
	}
	j = open_img("(n) descriptors");
	if (j) {
		walk(j, 0, 3 * MAXLEN);
		e = last_ev();
		ok(e && e->type == JBD_EV_END && e->end == JBD_END_LOOP,
		   "(n) ring of same-tid descriptors ends with JBD_END_LOOP (got %s, %d events)",
		   end_name(e), nev);
		/* Header blocks are remembered once the tid has gone round
		 * the log, so the repeat is seen within three laps (two
		 * events per descriptor, a descriptor every other block). */
		ok(nev <= 3 * (int)len + 4,
		   "(n) ring of descriptors: bounded number of events (got %d)", nev);
		jbd_close(j);
	}
}

/* (o) a journal file shorter than s_maxlen. */
static void test_truncated(void)
{
	struct jbd_journal *j = NULL;
	errcode_t err;

	img_new(5, 1, 0);
	put_tx_data(1, 5, 1, 1);
	put_commit(3, 5, 0, 0);
	write_sb();
	if (!write_file(100)) {
		ok(0, "(o) write the truncated journal");
		return;
	}
	err = jbd_open(path, NULL, 0, &j);
	ok(err == 0 && j, "(o) truncated bare journal opens (err %ld)", (long)err);
	if (!j)
		return;
	ok(j->sb_error == JBD_ET_TOO_SHORT,
	   "(o) s_maxlen 1024 in a 100-block file: sb_error JBD_ET_TOO_SHORT (got %ld)",
	   (long)j->sb_error);
	ok(j->source == JBD_SRC_FILE && j->nblocks == 100,
	   "(o) still a bare file of 100 blocks");
	{
		struct jbd_walk *w = NULL;

		err = jbd_walk_begin(j, NULL, &w);
		ok(err != 0, "(o) jbd_walk_begin refuses a refused superblock (err %ld)",
		   (long)err);
		if (!err)
			jbd_walk_end(w);
	}
	jbd_close(j);

	/* Down to the superblock block alone. */
	for (uint32_t n = 3; n >= 1; n--) {
		j = NULL;
		if (!write_file(n)) {
			ok(0, "(o) write a %u-block journal", n);
			continue;
		}
		err = jbd_open(path, NULL, 0, &j);
		/* journal.h: an unusable journal superblock is reported
		 * in sb_error; only "not ext2/3/4 nor JBD2" fails the open. */
		ok(err == 0 && j && j->sb_error == JBD_ET_TOO_SHORT,
		   "(o) %u-block journal file: opens with sb_error JBD_ET_TOO_SHORT "
		   "(err %ld, sb_error %ld)", n, (long)err,
		   j ? (long)j->sb_error : 0L);
		jbd_close(j);
	}
}

/*
 * (p) A V1 superblock: the feature words mean nothing (§1.2), so garbage
 * there must not change how the log is read: 8-byte tags, be16 flags at 6.
 */
static void test_v1_superblock(void)
{
	struct jbd_journal *j;
	const struct jbd_event *e;
	uint8_t *b;

	img_new(70, 1, JBD2_FEATURE_INCOMPAT_CSUM_V3 | JBD2_FEATURE_INCOMPAT_64BIT);
	cfg.blocktype = 3;
	cfg.compat = 0xFFFFFFFFU;
	put_data(2);
	put_data(3);
	hdr(1, JBD2_DESCRIPTOR_BLOCK, 70);
	b = blk(1);
	/* tag 0: 8 bytes + UUID; unused be16 checksum field nonzero */
	put_be32(b + 12, 1234);
	put_be16(b + 16, 0xABCD);
	put_be16(b + 18, 0);
	memset(b + 20, 0xEE, 16);
	/* tag 1 at 36 */
	put_be32(b + 36, 1235);
	put_be16(b + 40, 0x1234);
	put_be16(b + 42, SAME | LAST);
	put_be32(b + 44, 0x00000001);	/* would be a high word / next tag */
	put_commit(4, 70, 0, 0);
	j = open_img("(p) V1 superblock");
	if (!j)
		return;
	ok(j->sb.blocktype == 3, "(p) V1 superblock with garbage feature words accepted");
	walk(j, 0, 100);
	seq_is("DTTCE", "(p) V1");
	e = nth(JBD_EV_TAG, 0);
	ok(e && e->fsblk == 1234 && e->flags == 0,
	   "(p) V1: tag 0 fsblk 1234, flags 0 from the be16 at 6 (got %llu, 0x%X)",
	   e ? (unsigned long long)e->fsblk : 0ULL, e ? e->flags : 0);
	e = nth(JBD_EV_TAG, 1);
	ok(e && e->fsblk == 1235 && e->flags == (SAME | LAST),
	   "(p) V1: tag 1 fsblk 1235, flags 0xA from the be16 at 6 (got %llu, 0x%X)",
	   e ? (unsigned long long)e->fsblk : 0ULL, e ? e->flags : 0);
	e = nth(JBD_EV_DESCRIPTOR, 0);
	ok(e && e->csum == JBD_CSUM_NONE, "(p) V1: no checksum verdict");
	jbd_close(j);
}

/*
 * A buffer limit (jbd_set_buffer_limit, set by the fuzz target) smaller
 * than a descriptor's data and than the whole-area read-ahead: the same
 * events, verdicts and data, read a few blocks at a time.
 */
static void test_buffer_limit(void)
{
	static struct rec want[MAXEV];
	static const unsigned int flags[] = {
		JBD_WALK_READ_DATA, JBD_WALK_ALL | JBD_WALK_READ_DATA,
	};
	char want_seq[MAXEV + 1];
	struct jbd_journal *j;
	int want_n;
	uint32_t b;

	img_new(1, 1, 0x10);
	b = put_tx_data(1, 1, 5000, 20);
	put_commit(b, 1, 0, 0);
	b = put_tx_data(lnext(b), 2, 6000, 7);
	put_commit(b, 2, 0, 0);
	j = open_img("(buffer limit)");
	if (!j)
		return;
	for (unsigned int f = 0; f < 2; f++) {
		bool same = true;

		jbd_set_buffer_limit(0);
		walk(j, flags[f], MAXEV);
		memcpy(want, evs, sizeof(want));
		want_n = nev;
		strcpy(want_seq, seq);
		jbd_set_buffer_limit(3 * BS);
		walk(j, flags[f], MAXEV);
		for (int i = 0; i < nev && i < want_n; i++)
			if (evs[i].ev.type != want[i].ev.type ||
			    evs[i].ev.jblk != want[i].ev.jblk ||
			    evs[i].ev.csum != want[i].ev.csum ||
			    evs[i].has_block != want[i].has_block ||
			    memcmp(evs[i].head, want[i].head, 4))
				same = false;
		ok(nev == want_n && same && strcmp(seq, want_seq) == 0 &&
		   walk_err == 0 && csum_of(JBD_EV_TAG, 19) == JBD_CSUM_OK,
		   "(buffer limit) 3-block buffers walk %s as 4 MiB ones (%s)",
		   f ? "the whole area" : "the log", seq);
	}
	jbd_set_buffer_limit(0);
	jbd_close(j);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/test-walk-XXXXXX", tmp);
	fd = mkstemp(path);
	if (fd < 0) {
		ok(0, "mkstemp in %s", tmp);
		return done_testing();
	}
	close(fd);

	test_simple();
	test_same_uuid();
	test_no_last_tag();
	test_64bit();
	test_wrap();
	test_tid_wrap();
	test_sequence();
	test_blocktype();
	test_revoke();
	test_csum_v3();
	test_csum_v2();
	test_csum_v1();
	test_escape();
	test_walk_all();
	test_clean();
	test_loop();
	test_truncated();
	test_v1_superblock();
	test_buffer_limit();

	unlink(path);
	free(img);
	return done_testing();
}
