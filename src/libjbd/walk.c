/*
 * walk.c: the log walker.
 *
 * Theory of operation.  The log is a circular run of blocks over
 * [s_first, log_end), log_end being s_maxlen less the fast-commit area.
 * The oldest live transaction starts at s_start with tid s_sequence.  Each
 * transaction is a series of descriptor blocks (each followed by the data
 * blocks its tags describe) and revoke blocks, closed by a commit block;
 * the next transaction starts right after with tid + 1.  As in the
 * kernel's do_one_pass(), the log ends at the first block that lacks the
 * magic, carries another tid than the one expected, or has a type that
 * cannot appear in the log.  Data blocks are never examined for a header:
 * their position is known from the descriptor.
 *
 * What a bad checksum means is not decided here.  Every block's checksum
 * is computed and reported as a verdict, and the walk goes on, so that
 * logdump can show everything, verify can report everything and recovery
 * can apply e2fsck's rules.
 *
 * With JBD_WALK_ALL the walker instead visits every block of the log area
 * once, from s_first, reporting each header block whatever its tid; data
 * blocks never start with the magic (writers escape them), so this finds
 * every descriptor, revoke and commit block still on disk, stale or live.
 */
#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "walk.h"

struct walk_tag {
	uint64_t fsblk;
	uint32_t flags;
	uint32_t csum;		/* as stored: 16 bits for v2, 32 for v3 */
	uint32_t jblk;		/* where its data sits in the log */
	enum jbd_csum verdict;
	uint32_t computed;
};

struct jbd_walk {
	struct jbd_journal *j;
	const struct jbd_sb *sb;
	unsigned int flags;
	uint32_t bs;
	uint32_t seed;
	uint32_t log_end;
	uint64_t log_len;
	unsigned int tail;		/* 4 with csum v2/v3: the block tail */

	uint32_t next_jblk;		/* next block to read */
	uint32_t tid;			/* tid expected next */
	uint64_t tid_consumed;		/* blocks walked in the current tid */
	uint8_t *seen;			/* header blocks met in this tid once it
					   has gone round the log (bitmap) */
	bool seen_active;
	bool ended;
	struct jbd_event end;		/* reported once the pending work is out */
	bool end_pending;

	uint8_t *block;			/* current header block */
	uint32_t block_jblk;
	uint32_t block_tid;

	struct walk_tag *tags;		/* tags of the current descriptor */
	unsigned int ntags, tag_next;
	uint8_t *data;			/* their data, with JBD_WALK_READ_DATA: */
	unsigned int data_tags;		/* room for this many blocks, */
	unsigned int data_first;	/* holding tags data_first.. */
	unsigned int data_n;		/* ..data_first + data_n - 1 */
	unsigned int max_tags;

	unsigned int nrec, rec_next, rec_size;
	uint32_t v1_crc;		/* running crc32_be of v1 journals */
	uint32_t io_jblk;		/* block of the last read attempted */
	uint8_t *ahead;			/* JBD_WALK_ALL: blocks read ahead */
	uint32_t ahead_jblk, ahead_n;
	uint64_t area_left;		/* JBD_WALK_ALL: blocks still to visit */
};

/*
 * Memory does not grow with the block size: a descriptor's data is read
 * DATA_BYTES at a time (a 64 KiB-block descriptor can hold 4,096 tags,
 * 256 MiB of data), the whole area AHEAD_BYTES at a time.  Larger reads
 * gave nothing on the bench workloads (the kernel reads ahead anyway) and
 * cost their size in peak memory.
 */
#define DATA_BYTES	(256U << 10)
#define AHEAD_BYTES	(256U << 10)

/* Blocks per read-ahead: AHEAD_BYTES of them, and 256 at most. */
static unsigned int ahead_blocks(const struct jbd_walk *w)
{
	unsigned int n = jbd_buffer_blocks(AHEAD_BYTES, w->bs);

	return n > 256 ? 256 : n;
}

uint32_t jbd_walk_io_jblk(const struct jbd_walk *w)
{
	return w->io_jblk;
}

uint32_t jbd_log_next(const struct jbd_sb *sb, uint32_t jblk)
{
	jblk++;
	if (jblk >= jbd_sb_log_end(sb))
		jblk -= jbd_sb_log_end(sb) - sb->first;
	return jblk;
}

const char *jbd_end_reason_name(enum jbd_end_reason r)
{
	switch (r) {
	case JBD_END_CLEAN:		return "clean";
	case JBD_END_NO_MAGIC:		return "no_magic";
	case JBD_END_SEQUENCE:		return "sequence_mismatch";
	case JBD_END_BLOCKTYPE:		return "unknown_block_type";
	case JBD_END_BAD_R_COUNT:	return "bad_revoke_count";
	case JBD_END_LOOP:		return "log_loop";
	case JBD_END_AREA:		return "end_of_area";
	}
	return "unknown";
}

errcode_t jbd_walk_begin(struct jbd_journal *j,
			 const struct jbd_walk_opts *opts,
			 struct jbd_walk **ret_w)
{
	struct jbd_walk *w;

	if (j->sb_error)
		return j->sb_error;
	w = calloc(1, sizeof(*w));
	if (!w)
		return EXT2_ET_NO_MEMORY;
	w->j = j;
	w->sb = &j->sb;
	w->flags = opts ? opts->flags : 0;
	w->bs = j->blocksize;
	w->seed = jbd_csum_seed(j->sb.uuid);
	w->log_end = jbd_sb_log_end(&j->sb);
	w->log_len = w->log_end - j->sb.first;
	w->tail = jbd_sb_has_csum_v2v3(&j->sb) ? sizeof(struct jbd2_block_tail) : 0;
	w->max_tags = jbd_max_tags(&j->sb, w->bs);
	w->v1_crc = ~0U;
	w->block = malloc(w->bs);
	w->tags = calloc(w->max_tags, sizeof(*w->tags));
	w->data_tags = jbd_buffer_blocks(DATA_BYTES, w->bs);
	if (w->data_tags > w->max_tags)
		w->data_tags = w->max_tags;
	if (w->flags & JBD_WALK_READ_DATA)
		w->data = malloc((size_t)w->data_tags * w->bs);
	if (!w->block || !w->tags ||
	    ((w->flags & JBD_WALK_READ_DATA) && !w->data)) {
		jbd_walk_end(w);
		return EXT2_ET_NO_MEMORY;
	}
	if (w->flags & JBD_WALK_ALL) {
		w->next_jblk = j->sb.first;
		w->area_left = w->log_len;
		if (opts && opts->area_len && opts->area_start >= j->sb.first &&
		    opts->area_start < w->log_end) {
			w->next_jblk = opts->area_start;
			w->area_left = opts->area_len < w->log_len ?
				       opts->area_len : w->log_len;
		}
	} else {
		w->next_jblk = j->sb.start;
		w->tid = j->sb.sequence;
		if (j->sb.start == 0) {
			w->end_pending = true;
			w->end.end = JBD_END_CLEAN;
			w->end.tid = j->sb.sequence;
		}
	}
	*ret_w = w;
	return 0;
}

void jbd_walk_end(struct jbd_walk *w)
{
	if (!w)
		return;
	free(w->block);
	free(w->tags);
	free(w->data);
	free(w->ahead);
	free(w->seen);
	free(w);
}

/* Read n log blocks from jblk on, following the wrap, into buf. */
static errcode_t read_log_run(struct jbd_walk *w, uint32_t jblk, unsigned int n,
			      uint8_t *buf)
{
	errcode_t err;

	while (n) {
		uint32_t run = w->log_end - jblk;

		if (run > n)
			run = n;
		w->io_jblk = jblk;
		err = jbd_read_blocks(w->j, jblk, run, buf);
		if (err)
			return err;
		buf += (size_t)run * w->bs;
		n -= run;
		jblk = w->sb->first;
	}
	return 0;
}

static void set_end(struct jbd_walk *w, enum jbd_end_reason why, uint32_t jblk)
{
	memset(&w->end, 0, sizeof(w->end));
	w->end.type = JBD_EV_END;
	w->end.end = why;
	w->end.jblk = jblk;
	w->end.tid = w->tid;
	w->end_pending = true;
}

typedef void (*tag_fn)(void *arg, unsigned int index, uint64_t fsblk,
		       uint32_t flags, uint32_t csum);

/*
 * Parse the tags of a descriptor block, following the kernel's
 * count_tags(): tags until LAST_TAG, or until the next one would run into
 * the tail; 16 bytes of UUID follow every tag without SAME_UUID.  Returns
 * the number of tags.
 */
static unsigned int parse_tags(const struct jbd_sb *sb, uint32_t bs,
			       const uint8_t *block, tag_fn fn, void *arg,
			       bool *ret_no_last_tag)
{
	const size_t tail = jbd_sb_has_csum_v2v3(sb) ?
			    sizeof(struct jbd2_block_tail) : 0;
	const size_t limit = bs - tail;
	const unsigned int tag_bytes = jbd_sb_tag_bytes(sb);
	size_t off = sizeof(struct jbd2_header);
	bool v3 = jbd_sb_has_csum_v3(sb);
	bool hi = jbd_sb_has_64bit(sb);
	unsigned int n = 0;

	*ret_no_last_tag = true;
	while (off + tag_bytes <= limit) {
		const uint8_t *t = block + off;
		/*
		 * Flags are the be16 at offset 6 for every tag size, as the
		 * kernel reads them: in a v3 tag that is the low half of the
		 * be32 t_flags, whose high half writers may leave dirty.
		 */
		uint64_t fsblk = be32_at(t);
		uint32_t flags = be16_at(t + 6);

		if (hi)
			fsblk |= (uint64_t)be32_at(t + 8) << 32;
		fn(arg, n++, fsblk, flags, v3 ? be32_at(t + 12) : be16_at(t + 4));
		off += tag_bytes;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			off += JBD2_UUID_SIZE;
		if (flags & JBD2_FLAG_LAST_TAG) {
			*ret_no_last_tag = false;
			break;
		}
	}
	return n;
}

static void walk_tag_fn(void *arg, unsigned int index, uint64_t fsblk,
			uint32_t flags, uint32_t csum)
{
	struct walk_tag *tag = (struct walk_tag *)arg + index;

	tag->fsblk = fsblk;
	tag->flags = flags;
	tag->csum = csum;
	tag->verdict = JBD_CSUM_NONE;
}

static void csum_fn(void *arg, unsigned int index, uint64_t fsblk,
		    uint32_t flags, uint32_t csum)
{
	(void)fsblk;
	(void)flags;
	((uint32_t *)arg)[index] = csum;
}

unsigned int jbd_max_tags(const struct jbd_sb *sb, uint32_t bs)
{
	return (bs - sizeof(struct jbd2_header)) / jbd_sb_tag_bytes(sb) + 1;
}

unsigned int jbd_descriptor_csums(const struct jbd_sb *sb, uint32_t bs,
				  const uint8_t *block, uint32_t *csums)
{
	bool unused;

	return parse_tags(sb, bs, block, csum_fn, csums, &unused);
}

/* Checksum verdicts of the data blocks just read for the current tags. */
static void check_data(struct jbd_walk *w, uint32_t tid)
{
	bool v2v3 = jbd_sb_has_csum_v2v3(w->sb);
	bool v2 = jbd_sb_has_csum_v2(w->sb);
	unsigned int i;

	for (i = w->data_first; i < w->data_first + w->data_n; i++) {
		struct walk_tag *tag = &w->tags[i];
		const uint8_t *data = w->data + (size_t)(i - w->data_first) * w->bs;

		if (jbd_sb_has_csum_v1(w->sb))
			w->v1_crc = jbd_crc32_be(w->v1_crc, data, w->bs);
		if (!v2v3)
			continue;
		tag->computed = jbd_tag_csum(w->seed, tid, data, w->bs, v2);
		tag->verdict = tag->computed == tag->csum ?
			       JBD_CSUM_OK : JBD_CSUM_BAD;
	}
}

/* Read the data of tags first.. (as many as w->data holds), check it. */
static errcode_t load_data(struct jbd_walk *w, unsigned int first)
{
	unsigned int n = w->ntags - first;
	errcode_t err;

	if (n > w->data_tags)
		n = w->data_tags;
	w->data_first = first;
	w->data_n = 0;
	err = read_log_run(w, w->tags[first].jblk, n, w->data);
	if (err)
		return err;
	w->data_n = n;
	check_data(w, w->block_tid);
	return 0;
}

static errcode_t on_descriptor(struct jbd_walk *w, struct jbd_event *ev)
{
	uint32_t jblk = w->block_jblk;
	unsigned int i;

	w->ntags = parse_tags(w->sb, w->bs, w->block, walk_tag_fn, w->tags,
			      &ev->no_last_tag);
	ev->ntags = w->ntags;
	if (w->tail) {
		ev->csum_stored = be32_at(w->block + w->bs - w->tail);
		ev->csum_computed = jbd_tail_csum(w->seed, w->block, w->bs);
		ev->csum = ev->csum_stored == ev->csum_computed ?
			   JBD_CSUM_OK : JBD_CSUM_BAD;
	}
	/* The n-th tag describes the n-th block after the descriptor. */
	for (i = 0; i < w->ntags; i++) {
		jblk = jbd_log_next(w->sb, jblk);
		w->tags[i].jblk = jblk;
	}
	if (!(w->flags & JBD_WALK_ALL) && w->ntags) {
		w->next_jblk = jbd_log_next(w->sb, jblk);
		w->tid_consumed += w->ntags;
	}
	w->tag_next = 0;
	if (!(w->flags & JBD_WALK_READ_DATA) || !w->ntags)
		return 0;
	if (jbd_sb_has_csum_v1(w->sb))
		w->v1_crc = jbd_crc32_be(w->v1_crc, w->block, w->bs);
	return load_data(w, 0);
}

static void on_revoke(struct jbd_walk *w, struct jbd_event *ev)
{
	ev->r_count = be32_at(w->block + offsetof(struct jbd2_revoke_header,
						  r_count));
	if (w->tail) {
		ev->csum_stored = be32_at(w->block + w->bs - w->tail);
		ev->csum_computed = jbd_tail_csum(w->seed, w->block, w->bs);
		ev->csum = ev->csum_stored == ev->csum_computed ?
			   JBD_CSUM_OK : JBD_CSUM_BAD;
	}
	w->rec_size = jbd_sb_has_64bit(w->sb) ? 8 : 4;
	w->rec_next = 0;
	w->nrec = 0;
	/*
	 * r_count past the usable block: the kernel's REVOKE pass refuses
	 * it, but its SCAN pass walks on, so the walker reports it and goes
	 * on too; whether the log is broken there is the caller's call.
	 */
	if (ev->r_count > w->bs - w->tail) {
		ev->r_count_bad = true;
		return;
	}
	if (ev->r_count > sizeof(struct jbd2_revoke_header))
		w->nrec = (ev->r_count - sizeof(struct jbd2_revoke_header)) /
			  w->rec_size;
	ev->nrecords = w->nrec;
}

static void on_commit(struct jbd_walk *w, struct jbd_event *ev)
{
	const struct jbd2_commit_header *c = (const void *)w->block;

	ev->commit_sec = be64_at(&c->h_commit_sec);
	ev->commit_nsec = be32_at(&c->h_commit_nsec);
	ev->chksum_type = c->h_chksum_type;
	ev->chksum_size = c->h_chksum_size;
	ev->csum_stored = be32_at(&c->h_chksum[0]);
	if (jbd_sb_has_csum_v2v3(w->sb)) {
		ev->csum_computed = jbd_commit_csum(w->seed, w->block, w->bs);
		ev->csum = ev->csum_stored == ev->csum_computed ?
			   JBD_CSUM_OK : JBD_CSUM_BAD;
	} else if (jbd_sb_has_csum_v1(w->sb) &&
		   (w->flags & JBD_WALK_READ_DATA) && !(w->flags & JBD_WALK_ALL)) {
		/* A v1 commit may also say "unused": type, size and crc all 0. */
		bool match = ev->csum_stored == w->v1_crc &&
			     ev->chksum_type == JBD2_CRC32_CHKSUM &&
			     ev->chksum_size == JBD2_CRC32_CHKSUM_SIZE;
		bool unused = !ev->chksum_type && !ev->chksum_size &&
			      !ev->csum_stored;

		ev->csum_computed = w->v1_crc;
		ev->csum = match || unused ? JBD_CSUM_OK : JBD_CSUM_BAD;
	}
	w->v1_crc = ~0U;
	w->tid++;
	w->tid_consumed = 0;
	w->seen_active = false;
}

static bool emit_pending(struct jbd_walk *w, struct jbd_event *ev)
{
	if (w->tag_next < w->ntags) {
		const struct walk_tag *tag = &w->tags[w->tag_next];

		memset(ev, 0, sizeof(*ev));
		ev->type = JBD_EV_TAG;
		ev->tid = w->block_tid;
		ev->jblk = tag->jblk;
		ev->descr_jblk = w->block_jblk;
		ev->index = w->tag_next;
		ev->fsblk = tag->fsblk;
		ev->flags = tag->flags;
		ev->csum = tag->verdict;
		ev->csum_stored = tag->csum;
		ev->csum_computed = tag->computed;
		if (w->flags & JBD_WALK_READ_DATA)
			ev->block = w->data +
				    (size_t)(w->tag_next - w->data_first) * w->bs;
		w->tag_next++;
		return true;
	}
	if (w->rec_next < w->nrec) {
		const uint8_t *r = w->block + sizeof(struct jbd2_revoke_header) +
				   (size_t)w->rec_next * w->rec_size;

		memset(ev, 0, sizeof(*ev));
		ev->type = JBD_EV_REVOKE;
		ev->tid = w->block_tid;
		ev->jblk = w->block_jblk;
		ev->descr_jblk = w->block_jblk;
		ev->index = w->rec_next;
		ev->fsblk = w->rec_size == 8 ? be64_at(r) : be32_at(r);
		w->rec_next++;
		return true;
	}
	if (w->end_pending) {
		*ev = w->end;
		ev->type = JBD_EV_END;
		w->end_pending = false;
		w->ended = true;
		return true;
	}
	return false;
}

/* JBD_WALK_ALL reads the area in order: fetch it in large reads. */
static errcode_t read_ahead(struct jbd_walk *w, uint32_t jblk)
{
	errcode_t err;

	if (!w->ahead) {
		w->ahead = malloc((size_t)ahead_blocks(w) * w->bs);
		if (!w->ahead)
			return EXT2_ET_NO_MEMORY;
	}
	if (jblk < w->ahead_jblk || jblk >= w->ahead_jblk + w->ahead_n) {
		uint32_t n = w->log_end - jblk;

		if (n > ahead_blocks(w))
			n = ahead_blocks(w);
		if (n > w->area_left + 1)	/* this block and those left */
			n = (uint32_t)w->area_left + 1;
		err = jbd_read_blocks(w->j, jblk, n, w->ahead);
		if (err)
			return err;
		w->ahead_jblk = jblk;
		w->ahead_n = n;
	}
	memcpy(w->block, w->ahead + (size_t)(jblk - w->ahead_jblk) * w->bs, w->bs);
	return 0;
}

/*
 * Does the walk repeat itself for ever?  The kernel and e2fsck have no
 * guard: their scan goes on while blocks carry the magic and the expected
 * tid.  The tid only grows (at each commit), so a walk that never ends
 * stays in one tid, and within one tid it is a loop exactly when it meets
 * a header block it has met before.  That cannot happen before the tid
 * has gone round the whole log, so header blocks are only remembered from
 * then on: a long log that ends (a descriptor whose blocks run past a
 * lap, then a normal end) is no loop.  *ret_ok: false when this is one.
 */
static errcode_t check_loop(struct jbd_walk *w, bool *ret_ok)
{
	uint32_t b = w->next_jblk;
	size_t bytes = ((size_t)w->log_end + 7) / 8;

	*ret_ok = true;
	if (!w->seen) {
		w->seen = calloc(bytes, 1);
		if (!w->seen)
			return EXT2_ET_NO_MEMORY;
	} else if (!w->seen_active) {
		memset(w->seen, 0, bytes);
	}
	w->seen_active = true;
	if (w->seen[b / 8] & (1U << (b % 8))) {
		set_end(w, JBD_END_LOOP, b);
		*ret_ok = false;
		return 0;
	}
	w->seen[b / 8] |= (uint8_t)(1U << (b % 8));
	return 0;
}

/* Read the next header block; false when the walk ends before it. */
static errcode_t read_header(struct jbd_walk *w, bool *ret_got)
{
	errcode_t err;

	*ret_got = false;
	if (w->flags & JBD_WALK_ALL) {
		if (!w->area_left) {
			/* A whole-area walk ends where the area does. */
			set_end(w, JBD_END_AREA, w->next_jblk == w->sb->first ?
				w->log_end : w->next_jblk);
			return 0;
		}
		w->area_left--;
	} else if (w->tid_consumed > w->log_len) {
		bool ok;

		err = check_loop(w, &ok);
		if (err || !ok)
			return err;
	}
	w->block_jblk = w->next_jblk;
	w->io_jblk = w->block_jblk;
	if (w->flags & JBD_WALK_ALL)
		err = read_ahead(w, w->block_jblk);
	else
		err = jbd_read_blocks(w->j, w->block_jblk, 1, w->block);
	if (err)
		return err;
	w->next_jblk = jbd_log_next(w->sb, w->next_jblk);
	w->tid_consumed++;
	*ret_got = true;
	return 0;
}

errcode_t jbd_walk_next(struct jbd_walk *w, struct jbd_event *ev)
{
	errcode_t err;
	bool got;

	for (;;) {
		const struct jbd2_header *h;
		uint32_t type;

		/* The next part of a descriptor's data, once the last is out. */
		if ((w->flags & JBD_WALK_READ_DATA) && w->tag_next < w->ntags &&
		    w->tag_next >= w->data_first + w->data_n) {
			err = load_data(w, w->tag_next);
			if (err)
				return err;
		}
		if (emit_pending(w, ev))
			return 0;
		if (w->ended) {
			*ev = w->end;
			return 0;
		}
		err = read_header(w, &got);
		if (err)
			return err;
		if (!got)
			continue;
		h = (const void *)w->block;
		w->block_tid = be32_at(&h->h_sequence);
		type = be32_at(&h->h_blocktype);
		if (be32_at(&h->h_magic) != JBD2_MAGIC_NUMBER) {
			if (w->flags & JBD_WALK_ALL)
				continue;
			set_end(w, JBD_END_NO_MAGIC, w->block_jblk);
			continue;
		}
		if (!(w->flags & JBD_WALK_ALL) && w->block_tid != w->tid) {
			set_end(w, JBD_END_SEQUENCE, w->block_jblk);
			w->end.found_tid = w->block_tid;
			continue;
		}
		memset(ev, 0, sizeof(*ev));
		ev->tid = w->block_tid;
		ev->jblk = w->block_jblk;
		ev->block = w->block;
		switch (type) {
		case JBD2_DESCRIPTOR_BLOCK:
			ev->type = JBD_EV_DESCRIPTOR;
			err = on_descriptor(w, ev);
			return err;
		case JBD2_REVOKE_BLOCK:
			ev->type = JBD_EV_REVOKE_BLOCK;
			on_revoke(w, ev);
			return 0;
		case JBD2_COMMIT_BLOCK:
			ev->type = JBD_EV_COMMIT;
			on_commit(w, ev);
			return 0;
		default:
			if (w->flags & JBD_WALK_ALL)
				continue;
			set_end(w, JBD_END_BLOCKTYPE, w->block_jblk);
			w->end.found_type = type;
			w->end.found_tid = w->block_tid;
			continue;
		}
	}
}
