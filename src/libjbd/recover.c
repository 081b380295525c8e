/*
 * recover.c: journal recovery, as e2fsck 1.47 does it.
 *
 * Theory of operation.  The kernel and e2fsck recover in three passes
 * over the log (jbd2_journal_recover): SCAN finds where the log ends and
 * which transactions are complete, REVOKE collects the revoke records of
 * those transactions, REPLAY writes every logged block that no later
 * revoke cancels, in log order, so the last copy of a block wins.
 *
 * Here the passes are policies over walker events.  The scan is one
 * walk; the revoke and replay passes share a second walk that stops at
 * the scan's end.  Instead of writing every copy as it is met, the second
 * walk remembers the last copy of each block whose checksum is good, and
 * once every revoke is known keeps it unless it is revoked.  Writing that
 * one copy per block, in ascending block order, leaves the disk exactly
 * as the sequential replay would: a copy that is revoked was logged no
 * later than the revoke, so every earlier copy is revoked too, and a copy
 * with a bad checksum is skipped by both.
 *
 * A replay that writes can skip reading the data in that walk: when no
 * block has two copies, the last copy is the only one, so its checksum
 * decides only whether that block is written, and the write phase checks
 * it as it reads the copy anyway (jbd_recover_plan_for_write).
 *
 * How recovery ends follows e2fsck's recover_ext3_journal() and
 * e2fsck_run_ext3_journal(): see jbd_recover_finish().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "csum.h"
#include "homewrite.h"
#include "recover.h"
#include "revoke.h"
#include "selfmod.h"
#include "sort.h"

static void set_failure(struct jbd_recovery *r, enum jbd_recovery_failure f,
			const struct jbd_event *ev)
{
	if (r->failure != JBD_RECOVERY_OK)
		return;
	r->failure = f;
	r->failure_tid = ev->tid;
	r->failure_jblk = ev->jblk;
}

/*
 * PASS_SCAN (kernel do_one_pass): find end_tid, the first transaction
 * not to replay.  A bad descriptor or revoke checksum is not fatal by
 * itself, since lazy journal init can leave stale blocks: the next commit
 * decides.  If its time is not older than the previous commit's, the
 * journal is corrupt and nothing is replayed; if it is older, the blocks
 * were stale and the log ends there.  A commit with a bad checksum ends
 * the log before its transaction; without async commit it also marks
 * the journal as having a failed commit ("clean with errors").
 */
static errcode_t scan_pass(struct jbd_journal *j, struct jbd_recovery *r)
{
	const struct jbd_sb *sb = &j->sb;
	struct jbd_walk_opts opts = { 0 };
	struct jbd_walk *w;
	struct jbd_event ev;
	uint32_t next_tid = sb->sequence;
	uint64_t last_commit_time = 0;
	bool need_check_commit_time = false;
	bool end_set = false;
	bool v1 = jbd_sb_has_csum_v1(sb);
	bool open_tx = false;		/* blocks of next_tid seen, no commit */
	uint32_t open_jblk = 0;
	errcode_t err;

	/* v1 checksums cover the data blocks: read them to verify commits. */
	if (v1)
		opts.flags |= JBD_WALK_READ_DATA;
	err = jbd_walk_begin(j, &opts, &w);
	if (err)
		return err;
	for (;;) {
		err = jbd_walk_next(w, &ev);
		if (err)
			break;
		if (ev.type == JBD_EV_END) {
			r->end = ev;
			/* No end in sight: trust none of it. */
			if (ev.end == JBD_END_LOOP)
				set_failure(r, JBD_RECOVERY_LOOP, &ev);
			else if (open_tx) {
				/* A torn tail: what a crash mid-commit leaves. */
				r->uncommitted = true;
				r->uncommitted_jblk = open_jblk;
			}
			break;
		}
		if ((ev.type == JBD_EV_DESCRIPTOR ||
		     ev.type == JBD_EV_REVOKE_BLOCK) && !open_tx) {
			open_tx = true;
			open_jblk = ev.jblk;
		}
		if ((ev.type == JBD_EV_DESCRIPTOR || ev.type == JBD_EV_REVOKE_BLOCK) &&
		    ev.csum == JBD_CSUM_BAD) {
			need_check_commit_time = true;
			continue;
		}
		if (ev.type != JBD_EV_COMMIT)
			continue;
		r->end = ev;
		if (need_check_commit_time) {
			if (ev.commit_sec >= last_commit_time)
				set_failure(r, JBD_RECOVERY_SCAN_CSUM, &ev);
			else
				r->stale_end = true;
			break;
		}
		/*
		 * v1, async commit: after a failed commit the kernel stops at
		 * the next commit, marking the first failure as the failed one.
		 * (Strictly, the kernel leaves its switch there still expecting
		 * the same tid, and stops at the next block unless a crafted log
		 * repeats that tid; such a log is not followed further here.)
		 */
		if (v1 && end_set) {
			r->failed_commit = true;
			r->failed_tid = r->end_tid;
			break;
		}
		if (ev.csum == JBD_CSUM_BAD) {
			if (ev.commit_sec < last_commit_time) {
				r->stale_end = true;
				break;
			}
			r->end_tid = ev.tid;
			end_set = true;
			if (!jbd_sb_has_async_commit(sb)) {
				r->failed_commit = true;
				r->failed_tid = ev.tid;
				break;
			}
		}
		last_commit_time = ev.commit_sec;
		next_tid = ev.tid + 1;
		open_tx = false;
	}
	jbd_walk_end(w);
	if (!end_set)
		r->end_tid = next_tid;
	return err;
}

struct replay_state {
	struct jbd_revoke_table revokes;
	uint32_t seq;			/* copies added, for log order */
	uint64_t *bad_tids;		/* tid of each bad copy in r->bad_fsblks */
	size_t bad_cap;
	bool stop_copies;
	bool deferred;		/* checksums left to jbd_recover_write */
	bool csums;		/* the journal has tag checksums */
	size_t plan_cap;
	bool runs;		/* entries hold runs: no block met twice yet */
	size_t last;		/* the entry a copy may extend, */
	uint32_t last_descr;	/* its first copy's descriptor */
	bool logged_twice;	/* deferred, and a block has two copies */
};

static errcode_t note_bad_copy(struct jbd_recovery *r, struct replay_state *st,
			       const struct jbd_event *ev)
{
	if (r->nbad == st->bad_cap) {
		size_t cap = st->bad_cap ? st->bad_cap * 2 : 16;
		uint64_t *f = realloc(r->bad_fsblks, cap * sizeof(*f));
		uint64_t *t;

		if (!f)
			return EXT2_ET_NO_MEMORY;
		r->bad_fsblks = f;
		t = realloc(st->bad_tids, cap * sizeof(*t));
		if (!t)
			return EXT2_ET_NO_MEMORY;
		st->bad_tids = t;
		st->bad_cap = cap;
	}
	r->bad_fsblks[r->nbad] = ev->fsblk;
	st->bad_tids[r->nbad++] = ev->tid;
	return 0;
}

static int cmp_fsblk(const void *a, const void *b)
{
	const struct jbd_replay_block *x = a, *y = b;

	return x->fsblk < y->fsblk ? -1 : x->fsblk > y->fsblk;
}

/* By block, and a block's copies in log order. */
static int cmp_fsblk_seq(const void *a, const void *b)
{
	const struct jbd_replay_block *x = a, *y = b;

	if (x->fsblk != y->fsblk)
		return x->fsblk < y->fsblk ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort the plan by block; is any block in it twice? */
static bool sort_find_twice(struct jbd_recovery *r)
{
	size_t i;

	jbd_sort(r->plan, r->nplan, sizeof(*r->plan), cmp_fsblk);
	for (i = 1; i < r->nplan; i++)
		if (r->plan[i].fsblk - r->plan[i - 1].fsblk <
		    r->plan[i - 1].count)
			return true;
	return false;
}

/* Sort the plan by block, keeping each block's last copy (one block an entry). */
static void keep_last_copies(struct jbd_recovery *r)
{
	size_t i, n = 0;

	jbd_sort(r->plan, r->nplan, sizeof(*r->plan), cmp_fsblk_seq);
	for (i = 0; i < r->nplan; i++) {
		if (n && r->plan[n - 1].fsblk == r->plan[i].fsblk)
			n--;
		r->plan[n++] = r->plan[i];
	}
	r->nplan = n;
}

/* Blocks k.. of entry b, count of them, as an entry of their own. */
static struct jbd_replay_block sub_entry(const struct jbd_replay_block *b,
					 uint32_t k, uint32_t count)
{
	struct jbd_replay_block s = *b;

	s.fsblk += k;
	s.jblk += k;
	s.tag += k;
	s.count = count;
	return s;
}

/*
 * Checked, a block met twice ends the entries of more than one block:
 * each entry becomes one a block, block k of an entry k copies later in
 * log order, and from then on the plan is cut to each block's last copy
 * as it fills.
 */
static errcode_t one_block_entries(struct jbd_recovery *r,
				   struct replay_state *st)
{
	size_t i, total = 0, pos;

	for (i = 0; i < r->nplan; i++)
		total += r->plan[i].count;
	if (total > st->plan_cap) {
		struct jbd_replay_block *p = realloc(r->plan, total * sizeof(*p));

		if (!p)
			return EXT2_ET_NO_MEMORY;
		r->plan = p;
		st->plan_cap = total;
	}
	/* From the end, so that no entry is overwritten before it is read. */
	pos = total;
	for (i = r->nplan; i-- > 0;) {
		struct jbd_replay_block b = r->plan[i];
		uint32_t k;

		for (k = b.count; k-- > 0;) {
			r->plan[--pos] = sub_entry(&b, k, 1);
			r->plan[pos].seq = b.seq + k;
		}
	}
	r->nplan = total;
	st->runs = false;
	keep_last_copies(r);
	return 0;
}

/*
 * A copy that continues the last one (the next tag of the same
 * descriptor, the next block in the log and in the filesystem) joins its
 * entry: a transaction of consecutive blocks is one entry.
 */
static bool extends_last(const struct jbd_recovery *r,
			 const struct replay_state *st,
			 const struct jbd_event *ev)
{
	const struct jbd_replay_block *b;

	if (!st->runs || st->last >= r->nplan)
		return false;
	b = &r->plan[st->last];
	return b->count < JBD_RUN_MAX && !b->escape &&
	       !(ev->flags & JBD2_FLAG_ESCAPE) && ev->tid == b->tid &&
	       ev->descr_jblk == st->last_descr && ev->index == b->tag + b->count &&
	       ev->jblk - b->jblk == b->count && ev->fsblk - b->fsblk == b->count;
}

/*
 * Make room for one more entry.  Each time the plan fills, it is sorted
 * by block; checked, it is cut to each block's last copy, and grows only
 * if that did not free half of it: a long log of blocks rewritten again
 * and again costs one array of its distinct blocks.  Deferred, a block
 * logged twice means an earlier copy's verdict could matter, so the
 * caller plans again with the data read: the plan is checked for that
 * each time it fills and once at the end, so that such a log stops early.
 */
static errcode_t make_room(struct jbd_recovery *r, struct replay_state *st)
{
	size_t cap = st->plan_cap ? st->plan_cap * 2 : 1024;
	struct jbd_replay_block *p;
	errcode_t err;

	if (st->runs && sort_find_twice(r)) {
		if (st->deferred) {
			st->logged_twice = true;
			return 0;
		}
		err = one_block_entries(r, st);
		if (err)
			return err;
	} else if (!st->runs) {
		keep_last_copies(r);
	}
	if (r->nplan * 2 > st->plan_cap || !st->plan_cap) {
		if (cap < r->nplan * 2)
			cap = r->nplan * 2;
		p = realloc(r->plan, cap * sizeof(*p));
		if (!p)
			return EXT2_ET_NO_MEMORY;
		r->plan = p;
		st->plan_cap = cap;
	}
	return 0;
}

/*
 * Every good copy goes into the plan as it is met, in an entry of its
 * own or joining the last one.  Deferred, the copy's checksum is left in
 * its descriptor.
 */
static errcode_t add_copy(struct jbd_recovery *r, struct replay_state *st,
			  const struct jbd_event *ev)
{
	struct jbd_replay_block *b;

	if (extends_last(r, st, ev)) {
		r->plan[st->last].count++;
		st->seq++;
		return 0;
	}
	if (r->nplan == st->plan_cap) {
		errcode_t err = make_room(r, st);

		if (err || st->logged_twice)
			return err;
	}
	st->last = r->nplan;
	st->last_descr = ev->descr_jblk;
	b = &r->plan[r->nplan++];
	*b = (struct jbd_replay_block){
		.fsblk = ev->fsblk, .jblk = ev->jblk, .tid = ev->tid,
		.count = 1, .check = st->deferred && st->csums,
		.tag = ev->index, .escape = (ev->flags & JBD2_FLAG_ESCAPE) != 0 };
	if (st->deferred)
		b->descr_jblk = ev->descr_jblk;
	else
		b->seq = st->seq++;
	return 0;
}

static errcode_t replay_event(struct jbd_recovery *r, struct replay_state *st,
			      const struct jbd_event *ev)
{
	switch (ev->type) {
	case JBD_EV_DESCRIPTOR:
		/* Past the scan, a bad descriptor is fatal (kernel REVOKE pass). */
		if (ev->csum == JBD_CSUM_BAD) {
			set_failure(r, JBD_RECOVERY_DESCR_CSUM, ev);
			st->stop_copies = true;
		}
		return 0;
	case JBD_EV_REVOKE_BLOCK:
		if (ev->r_count_bad) {
			set_failure(r, JBD_RECOVERY_REVOKE_COUNT, ev);
			st->stop_copies = true;
		}
		return 0;
	case JBD_EV_REVOKE:
		r->revoke_records++;
		return jbd_revoke_set(&st->revokes, ev->fsblk, ev->tid);
	case JBD_EV_TAG:
		r->tags++;
		if (st->stop_copies)
			return 0;
		if (!st->deferred && ev->csum == JBD_CSUM_BAD)
			return note_bad_copy(r, st, ev);
		return add_copy(r, st, ev);
	default:
		return 0;
	}
}

/*
 * Entry b without its revoked blocks: the pieces, into out if it is not
 * NULL (and then counting the revoked blocks).
 */
static size_t cut_revoked(struct jbd_recovery *r, const struct replay_state *st,
			  const struct jbd_replay_block *b,
			  struct jbd_replay_block *out)
{
	uint32_t k, start = 0;
	size_t n = 0;

	for (k = 0; k <= b->count; k++) {
		if (k < b->count &&
		    !jbd_revoke_test(&st->revokes, b->fsblk + k, b->tid))
			continue;
		if (k > start && out)
			out[n] = sub_entry(b, start, k - start);
		n += k > start;
		if (k < b->count && out)
			r->revoked++;
		start = k + 1;
	}
	return n;
}

/*
 * Drop the revoked copies from the plan (sorted by block, no block in it
 * twice); an entry with a revoked block in its middle becomes two.  In
 * place unless such splits would overtake entries not read yet.
 */
static errcode_t drop_revoked(struct jbd_recovery *r,
			      const struct replay_state *st)
{
	struct jbd_replay_block *out = r->plan;
	size_t i, n = 0;
	bool in_place = true;

	r->nblocks = 0;
	if (!st->revokes.n) {
		for (i = 0; i < r->nplan; i++)
			r->nblocks += r->plan[i].count;
		return 0;
	}
	for (i = 0; i < r->nplan; i++) {
		n += cut_revoked(r, st, &r->plan[i], NULL);
		in_place = in_place && n <= i + 1;
	}
	if (!in_place && !(out = malloc((n + 1) * sizeof(*out))))
		return EXT2_ET_NO_MEMORY;
	for (i = 0, n = 0; i < r->nplan; i++) {
		struct jbd_replay_block b = r->plan[i];
		size_t k, m = cut_revoked(r, st, &b, out + n);

		for (k = 0; k < m; k++)
			r->nblocks += out[n++].count;
	}
	if (!in_place) {
		free(r->plan);
		r->plan = out;
	}
	r->nplan = n;
	return 0;
}

/* Keep each block's last good copy unless a revoke cancels it. */
static errcode_t build_plan(struct jbd_recovery *r, struct replay_state *st)
{
	size_t i, n = 0;
	errcode_t err;

	for (i = 0; i < r->nbad; i++) {
		if (jbd_revoke_test(&st->revokes, r->bad_fsblks[i],
				    (uint32_t)st->bad_tids[i]))
			continue;
		if (r->failure == JBD_RECOVERY_OK) {
			r->failure = JBD_RECOVERY_DATA_CSUM;
			r->failure_tid = (uint32_t)st->bad_tids[i];
		}
		r->bad_fsblks[n++] = r->bad_fsblks[i];
	}
	r->nbad = n;
	if (!st->runs)
		keep_last_copies(r);
	else if (sort_find_twice(r) && (err = one_block_entries(r, st)))
		return err;
	return drop_revoked(r, st);
}

/*
 * Deferred: drop the revoked copies from the plan, sorted by block on the
 * way; a block logged twice sends the caller back to plan with the data.
 */
static errcode_t build_deferred_plan(struct jbd_recovery *r,
				     struct replay_state *st)
{
	if (sort_find_twice(r)) {
		st->logged_twice = true;
		return 0;
	}
	return drop_revoked(r, st);
}

/*
 * PASS_REVOKE and PASS_REPLAY in one walk up to end_tid.  A failure of the
 * revoke pass (r_count past the block, a bad descriptor) means nothing is
 * replayed at all, since e2fsck runs the replay pass only after it.
 */
static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static errcode_t revoke_replay_pass(struct jbd_journal *j,
				    struct jbd_recovery *r,
				    const struct jbd_known_verdicts *known,
				    bool deferred, bool *ret_logged_twice)
{
	struct jbd_walk_opts opts = { 0 };
	struct replay_state st = { .deferred = deferred, .runs = true,
				   .last = SIZE_MAX,
				   .csums = jbd_sb_has_csum_v2v3(&j->sb) };
	struct jbd_walk *w;
	struct jbd_event ev;
	errcode_t err;

	if (jbd_sb_has_csum_v2v3(&j->sb) && !known && !deferred)
		opts.flags |= JBD_WALK_READ_DATA;
	err = jbd_walk_begin(j, &opts, &w);
	if (err)
		return err;
	jbd_revoke_init(&st.revokes);
	while (!(err = jbd_walk_next(w, &ev))) {
		if (ev.type == JBD_EV_END || tid_geq(ev.tid, r->end_tid))
			break;
		if (ev.type == JBD_EV_TAG && known && jbd_sb_has_csum_v2v3(&j->sb))
			ev.csum = known->nbad &&
				  bsearch(&ev.jblk, known->bad_jblks, known->nbad,
					  sizeof(*known->bad_jblks), cmp_u32) ?
				  JBD_CSUM_BAD : JBD_CSUM_OK;
		err = replay_event(r, &st, &ev);
		if (err || st.logged_twice)
			break;
	}
	jbd_walk_end(w);
	jbd_revoke_seal(&st.revokes);
	if (err || r->failure != JBD_RECOVERY_OK)
		r->nplan = r->nblocks = 0;	/* nothing is replayed */
	else if (deferred && !st.logged_twice)
		err = build_deferred_plan(r, &st);
	else if (!deferred)
		err = build_plan(r, &st);
	*ret_logged_twice = st.logged_twice;
	jbd_revoke_free(&st.revokes);
	free(st.bad_tids);
	return err;
}

/*
 * Fast commits live after the log, as ext4-level records that only a
 * logical (inode, extent, dentry) replay can apply.  The kernel scans them
 * for end_tid, the transaction after the last full commit, once the log's
 * own scan is done (fc_do_one_pass); a clean journal is not scanned.
 */
static errcode_t scan_fast_commit(struct jbd_journal *j, struct jbd_recovery *r)
{
	if (!jbd_sb_has_fast_commit(&j->sb))
		return 0;
	return jbd_fc_scan(j, r->end_tid, &r->fc);
}

/*
 * The superblock as e2fsck's journal load leaves it (e2fsck_journal_load,
 * clear_v2_journal_fields): a V1 superblock with any V2 field set, or an
 * internal V2 journal claiming several users, has every byte from
 * s_feature_compat on zeroed before the log is read, so its features no
 * longer count.  Only done when there is a log to recover: with nothing
 * to replay, jbdctl writes nothing (verify reports the fields).
 */
static void e2fsck_journal_view(struct jbd_journal *j, bool recovering)
{
	struct jbd_sb *sb = &j->sb;
	bool clear;

	if (j->sb_v2_cleared || !recovering)
		return;
	if (sb->blocktype == JBD2_SUPERBLOCK_V1)
		clear = sb->feature_compat || sb->feature_incompat ||
			sb->feature_ro_compat || sb->nr_users;
	else
		clear = sb->nr_users > 1 && j->source == JBD_SRC_INTERNAL;
	if (!clear)
		return;
	sb->feature_compat = sb->feature_incompat = sb->feature_ro_compat = 0;
	memset(sb->uuid, 0, sizeof(sb->uuid));
	sb->nr_users = sb->dynsuper = 0;
	sb->max_transaction = sb->max_trans_data = 0;
	sb->checksum_type = 0;
	sb->num_fc_blks = sb->head = sb->checksum = 0;
	memset(sb->users, 0, sizeof(sb->users));
	sb->checksum_verdict = JBD_CSUM_NONE;
	j->sb_v2_cleared = true;
}

/* Is there a log to recover, as e2fsck decides (needs_recovery, or s_start)? */
static errcode_t recovering(struct jbd_journal *j, bool *ret)
{
	uint8_t fs_sb[SUPERBLOCK_SIZE];
	errcode_t err = jbd_read_fs_super(j, fs_sb);

	*ret = j->sb.start != 0 ||
	       (le32_at(fs_sb + offsetof(struct ext2_super_block,
					 s_feature_incompat)) &
		EXT3_FEATURE_INCOMPAT_RECOVER);
	return err;
}

/*
 * Refusals of e2fsck's journal load that concern recovery only: an
 * external journal shared by several filesystems (exit 12 there).
 */
static errcode_t check_load(struct jbd_journal *j)
{
	bool rec;
	errcode_t err;

	if (j->sb_error)
		return j->sb_error;
	if (!j->fs)	/* a bare journal: a forecast, checked when written */
		return 0;
	if (j->source != JBD_SRC_INTERNAL &&
	    j->sb.blocktype == JBD2_SUPERBLOCK_V2 && j->sb.nr_users > 1)
		return JBD_ET_MULTI_FS_USERS;
	err = recovering(j, &rec);
	if (!err)
		e2fsck_journal_view(j, rec);
	return err;
}

/*
 * Would e2fsck's re-open after replay (ext2fs_open) take this primary
 * superblock?  The checks that do not depend on the rest of the disk:
 * the magic, a revision libext2fs knows, the same block size.
 */
static bool fs_super_valid(const struct jbd_journal *j, const uint8_t *sb)
{
	const struct ext2_super_block *es = (const void *)sb;

	return ext2fs_le16_to_cpu(es->s_magic) == EXT2_SUPER_MAGIC &&
	       ext2fs_le32_to_cpu(es->s_rev_level) <= EXT2_LIB_CURRENT_REV &&
	       ext2fs_le32_to_cpu(es->s_log_block_size) ==
	       j->fs->super->s_log_block_size;
}

/* Does the plan write a copy of the superblock's block that is no superblock? */
static errcode_t check_logged_super(struct jbd_journal *j, struct jbd_recovery *r)
{
	struct jbd_replay_block b;
	uint8_t *block;
	errcode_t err;

	bool good;

	if (!jbd_plan_find(r, SUPERBLOCK_OFFSET / j->blocksize, &b))
		return 0;
	err = ext2fs_get_mem(j->blocksize, &block);
	if (err)
		return err;
	/* A copy with a bad checksum is not written. */
	err = jbd_read_planned_copy(j, &b, block, &good);
	if (!err && good)
		r->bad_logged_super = !fs_super_valid(j, block +
						      SUPERBLOCK_OFFSET % j->blocksize);
	ext2fs_free_mem(&block);
	return err;
}

static errcode_t plan(struct jbd_journal *j, struct jbd_recovery *r,
		      const struct jbd_known_verdicts *known, bool deferred,
		      bool *ret_logged_twice)
{
	errcode_t err;

	*ret_logged_twice = false;
	memset(r, 0, sizeof(*r));
	err = check_load(j);
	if (err)
		return err;
	/* A bare journal can be planned (a forecast), not replayed. */
	err = j->fs ? jbd_read_fs_super(j, r->pre_sb) : 0;
	if (err)
		return err;
	r->start_tid = j->sb.sequence;
	r->end_tid = j->sb.sequence;
	if (j->sb.start == 0)
		return 0;	/* empty log: nothing to replay */
	err = scan_pass(j, r);
	if (!err && r->failure == JBD_RECOVERY_OK)
		err = scan_fast_commit(j, r);
	if (err || r->failure != JBD_RECOVERY_OK)
		return err;
	err = revoke_replay_pass(j, r, known, deferred, ret_logged_twice);
	if (!err)
		err = check_logged_super(j, r);
	return err;
}

errcode_t jbd_recover_plan(struct jbd_journal *j, struct jbd_recovery *r)
{
	return jbd_recover_plan_known(j, r, NULL);
}

errcode_t jbd_recover_plan_known(struct jbd_journal *j, struct jbd_recovery *r,
				 const struct jbd_known_verdicts *known)
{
	bool unused;

	return plan(j, r, known, false, &unused);
}

errcode_t jbd_recover_plan_for_write(struct jbd_journal *j,
				     struct jbd_recovery *r)
{
	bool logged_twice;
	uint64_t fsblk;
	errcode_t err;

	err = check_load(j);
	if (err) {
		memset(r, 0, sizeof(*r));
		return err;
	}
	if (!jbd_sb_has_csum_v2v3(&j->sb))
		return jbd_recover_plan(j, r);	/* no data read either way */
	err = plan(j, r, NULL, true, &logged_twice);
	/* A target out of bounds may be a copy with a bad checksum, which
	 * the checked plan leaves out: let that plan decide. */
	if (!err && !logged_twice &&
	    !jbd_recover_check_targets(j, r, &fsblk))
		return 0;
	jbd_recovery_free(r);
	return err ? err : jbd_recover_plan(j, r);
}

void jbd_recovery_free(struct jbd_recovery *r)
{
	free(r->plan);
	free(r->bad_fsblks);
	jbd_fc_free(&r->fc);
	r->plan = NULL;
	r->bad_fsblks = NULL;
	r->nplan = r->nbad = 0;
	r->nblocks = 0;
}

errcode_t jbd_recover_fc_status(const struct jbd_recovery *r)
{
	return r->fc.recovery_fails ? JBD_ET_FC_RECOVERY_FAILS : 0;
}

bool jbd_recovery_failed(const struct jbd_recovery *r)
{
	return r->failure != JBD_RECOVERY_OK;
}

errcode_t jbd_recover_check_targets(struct jbd_journal *j,
				    const struct jbd_recovery *r,
				    uint64_t *ret_fsblk)
{
	blk64_t blocks;
	size_t i;

	if (!j->fs)	/* a bare journal's plan is a forecast, never written */
		return JBD_ET_NEED_FS;
	blocks = ext2fs_blocks_count(j->fs->super);
	for (i = 0; i < r->nplan; i++) {
		const struct jbd_replay_block *b = &r->plan[i];
		uint64_t inside = b->fsblk >= blocks ? 0 :
				  blocks - b->fsblk < b->count ?
				  blocks - b->fsblk : b->count;

		blk64_t owned;

		if (jbd_journal_owns_range(j, b->fsblk, inside, &owned)) {
			*ret_fsblk = owned;
			return JBD_ET_TARGET_JOURNAL;
		}
		if (inside < b->count) {
			*ret_fsblk = b->fsblk + inside;
			return JBD_ET_TARGET_RANGE;
		}
	}
	return jbd_check_self_modifying(j, r, ret_fsblk);
}

struct jbd_replay_block jbd_plan_block(const struct jbd_replay_block *b,
				       uint32_t k)
{
	return sub_entry(b, k, 1);
}

bool jbd_plan_find(const struct jbd_recovery *r, uint64_t fsblk,
		   struct jbd_replay_block *ret)
{
	size_t lo = 0, hi = r->nplan;

	while (lo < hi) {	/* the last entry starting at or before fsblk */
		size_t mid = lo + (hi - lo) / 2;

		if (r->plan[mid].fsblk <= fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || fsblk - r->plan[lo - 1].fsblk >= r->plan[lo - 1].count)
		return false;
	*ret = sub_entry(&r->plan[lo - 1],
			 (uint32_t)(fsblk - r->plan[lo - 1].fsblk), 1);
	return true;
}

/* Where the writer is in the plan: block k of entry i. */
struct plan_cursor {
	size_t i;
	uint32_t k;
};

static void advance(const struct jbd_recovery *r, struct plan_cursor *c,
		    size_t n)
{
	while (n) {
		uint32_t m = r->plan[c->i].count - c->k;

		if (n < m) {
			c->k += (uint32_t)n;
			return;
		}
		n -= m;
		c->i++;
		c->k = 0;
	}
}

/* Blocks from c that follow one another in the filesystem, up to max. */
static size_t consecutive(const struct jbd_recovery *r, struct plan_cursor c,
			  size_t max)
{
	size_t n = r->plan[c.i].count - c.k;

	while (n < max && c.i + 1 < r->nplan &&
	       r->plan[c.i + 1].fsblk == r->plan[c.i].fsblk + r->plan[c.i].count) {
		c.i++;
		n += r->plan[c.i].count;
	}
	return n < max ? n : max;
}

/* The tag checksums of the descriptor last read (a deferred plan's). */
struct tag_csums {
	uint8_t *block;
	uint32_t *csum;
	uint32_t descr_jblk;
	unsigned int n;
	bool loaded;
};

static errcode_t tag_csum(struct jbd_journal *j, struct tag_csums *t,
			  const struct jbd_replay_block *b, uint32_t k,
			  uint32_t *ret)
{
	errcode_t err;

	if (!t->loaded || t->descr_jblk != b->descr_jblk) {
		if (!t->block) {
			err = ext2fs_get_mem(j->blocksize, &t->block);
			if (!err)
				err = ext2fs_get_array(jbd_max_tags(&j->sb,
								    j->blocksize),
						       sizeof(*t->csum), &t->csum);
			if (err)
				return err;
		}
		t->loaded = false;
		err = jbd_read_blocks(j, b->descr_jblk, 1, t->block);
		if (err)
			return err;
		t->n = jbd_descriptor_csums(&j->sb, j->blocksize, t->block,
					    t->csum);
		t->descr_jblk = b->descr_jblk;
		t->loaded = true;
	}
	/* The walk met this tag in this descriptor: it is there. */
	if (b->tag + k >= t->n)
		return JBD_ET_CORRUPT_LOG;
	*ret = t->csum[b->tag + k];
	return 0;
}

/*
 * Read the logged copies of n planned blocks from c into buf, restoring
 * escaped magic numbers.  The copies of one entry sit one after another
 * in the log and are read in one request.  A copy whose checksum was left
 * for here is checked as read (before unescaping, as it was logged);
 * *ret_good is how many copies come before the first bad one (n if none
 * is).
 */
static errcode_t read_copies(struct jbd_journal *j, const struct jbd_recovery *r,
			     struct plan_cursor c, size_t n, uint8_t *buf,
			     struct tag_csums *t, size_t *ret_good)
{
	uint32_t bs = j->blocksize;
	uint32_t seed = jbd_csum_seed(j->sb.uuid);
	bool v2 = jbd_sb_has_csum_v2(&j->sb);
	size_t done = 0;
	errcode_t err;

	while (done < n) {
		const struct jbd_replay_block *b = &r->plan[c.i];
		uint32_t m = b->count - c.k, x;

		if (m > n - done)
			m = (uint32_t)(n - done);
		err = jbd_read_blocks(j, b->jblk + c.k, m, buf + done * bs);
		if (err)
			return err;
		for (x = 0; x < m; x++, done++) {
			uint8_t *data = buf + done * bs;
			uint32_t csum;

			if (b->check) {
				err = tag_csum(j, t, b, c.k + x, &csum);
				if (err)
					return err;
				if (jbd_tag_csum(seed, b->tid, data, bs, v2) != csum) {
					*ret_good = done;
					return 0;
				}
			}
			jbd_unescape(data, b->escape ? JBD2_FLAG_ESCAPE : 0);
		}
		advance(r, &c, m);
	}
	*ret_good = n;
	return 0;
}

errcode_t jbd_read_planned_copy(struct jbd_journal *j,
				const struct jbd_replay_block *b, uint8_t *buf,
				bool *ret_good)
{
	struct jbd_recovery one = { .plan = (struct jbd_replay_block *)b,
				    .nplan = 1, .nblocks = 1 };
	struct plan_cursor c = { 0, 0 };
	struct tag_csums t = { 0 };
	size_t good;
	errcode_t err;

	err = read_copies(j, &one, c, 1, buf, &t, &good);
	ext2fs_free_mem(&t.block);
	ext2fs_free_mem(&t.csum);
	*ret_good = good == 1;
	return err;
}

/* Log order, for copies whose tid counts from the first replayed one. */
static int cmp_log_order(const void *a, const void *b)
{
	const struct jbd_replay_block *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->jblk < y->jblk ? -1 : x->jblk > y->jblk;
}

/*
 * Copies found bad while writing (one block each, in block order) leave
 * the plan for r->bad_fsblks, in log order, and recovery fails as
 * e2fsck's replay pass makes it fail.  An entry with a bad copy in its
 * middle becomes two.
 */
static errcode_t drop_bad_copies(struct jbd_recovery *r,
				 struct jbd_replay_block *bad, size_t nbad)
{
	struct jbd_replay_block *plan;
	size_t i, n = 0, x = 0;

	if (!nbad)
		return 0;
	plan = malloc((r->nplan + nbad) * sizeof(*plan));
	r->bad_fsblks = malloc(nbad * sizeof(*r->bad_fsblks));
	if (!plan || !r->bad_fsblks) {
		free(plan);
		return EXT2_ET_NO_MEMORY;
	}
	for (i = 0; i < r->nplan; i++) {
		const struct jbd_replay_block *b = &r->plan[i];
		uint32_t start = 0;

		for (; x < nbad && bad[x].fsblk - b->fsblk < b->count; x++) {
			uint32_t k = (uint32_t)(bad[x].fsblk - b->fsblk);

			if (k > start)
				plan[n++] = sub_entry(b, start, k - start);
			start = k + 1;
		}
		if (start < b->count)
			plan[n++] = sub_entry(b, start, b->count - start);
	}
	free(r->plan);
	r->plan = plan;
	r->nplan = n;
	r->nblocks -= nbad;
	for (i = 0; i < nbad; i++)
		bad[i].tid -= r->start_tid;	/* tids wrap */
	qsort(bad, nbad, sizeof(*bad), cmp_log_order);
	for (i = 0; i < nbad; i++)
		r->bad_fsblks[i] = bad[i].fsblk;
	r->nbad = nbad;
	if (r->failure == JBD_RECOVERY_OK) {
		r->failure = JBD_RECOVERY_DATA_CSUM;
		r->failure_tid = bad[0].tid + r->start_tid;
	}
	return 0;
}

static errcode_t note_bad_write(struct jbd_replay_block **bad, size_t *nbad,
				size_t *cap, struct jbd_replay_block b)
{
	if (*nbad == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct jbd_replay_block *p = realloc(*bad, c * sizeof(*p));

		if (!p)
			return EXT2_ET_NO_MEMORY;
		*bad = p;
		*cap = c;
	}
	(*bad)[(*nbad)++] = b;
	return 0;
}

errcode_t jbd_recover_write(struct jbd_journal *j, struct jbd_recovery *r,
			    int flags, jbd_progress_fn progress, void *arg,
			    const char **ret_mode)
{
	struct jbd_home_writer *w;
	struct tag_csums tags = { 0 };
	struct jbd_replay_block *bad = NULL;
	struct plan_cursor c = { 0, 0 };
	size_t nbad = 0, bad_cap = 0;
	uint64_t done = 0;
	uint8_t *buf = NULL;
	uint32_t run;
	errcode_t err = 0, close_err;

	/* e2fsck writes the journal inode back from its backup first. */
	err = jbd_restore_journal_inode(j);
	if (err || !r->nplan)
		return err;
	err = jbd_home_open(j, flags, &w);
	if (err)
		return err;
	run = jbd_home_run(w);
	while (c.i < r->nplan) {
		/* A run of consecutive filesystem blocks: one write. */
		size_t n = consecutive(r, c, run), good;
		uint64_t fsblk = r->plan[c.i].fsblk + c.k;

		if (!buf)
			err = jbd_home_buffer(w, &buf);
		if (!err)
			err = read_copies(j, r, c, n, buf, &tags, &good);
		if (!err && good)
			err = jbd_home_submit(w, buf, fsblk, (uint32_t)good);
		if (err)
			break;
		if (good)
			buf = NULL;
		advance(r, &c, good);
		/* A bad copy is skipped; the run goes on after it. */
		if (good < n) {
			err = note_bad_write(&bad, &nbad, &bad_cap,
					     jbd_plan_block(&r->plan[c.i], c.k));
			if (err)
				break;
			advance(r, &c, 1);
			good++;
		}
		done += good;
		if (progress)
			progress(arg, done, r->nblocks);
	}
	close_err = jbd_home_close(w, ret_mode);
	ext2fs_free_mem(&tags.block);
	ext2fs_free_mem(&tags.csum);
	if (!err)
		err = close_err;
	if (!err)
		err = drop_bad_copies(r, bad, nbad);
	free(bad);
	if (!err)
		err = jbd_flush(j);
	return err;
}

#define SB_OFF(f)	offsetof(struct ext2_super_block, f)
/* EXT4_S_ERR_START .. EXT4_S_ERR_END: the error information region. */
#define SB_ERR_START	SB_OFF(s_error_count)
#define SB_ERR_END	SB_OFF(s_mount_opts)

/*
 * The filesystem side of e2fsck's end state, on the superblock as the
 * replay left it (the journal may have logged block 0): needs_recovery
 * cleared (e2fsck_clear_recover); VALID_FS cleared when recovery failed,
 * forcing a full check; ERROR_FS set when the journal records an error
 * (e2fsck_check_ext3_journal); and, as e2fsprogs 1.47.1 does, the error
 * state from before the replay kept, since the logged copy is older.
 */
static void update_fs_super(uint8_t *sb, const struct jbd_recovery *r,
			    bool journal_error, uint64_t kbytes, time_t now)
{
	uint32_t incompat = le32_at(sb + SB_OFF(s_feature_incompat));
	uint16_t state = sb[SB_OFF(s_state)] | sb[SB_OFF(s_state) + 1] << 8;
	uint16_t pre_state = r->pre_sb[SB_OFF(s_state)] |
			     r->pre_sb[SB_OFF(s_state) + 1] << 8;
	uint64_t written;

	put_le32(sb + SB_OFF(s_feature_incompat),
		 incompat & ~EXT3_FEATURE_INCOMPAT_RECOVER);
	if (jbd_recovery_failed(r))
		state &= ~EXT2_VALID_FS;
	if (journal_error || (pre_state & EXT2_ERROR_FS))
		state |= EXT2_ERROR_FS;
	put_le16(sb + SB_OFF(s_state), state);
	memcpy(sb + SB_ERR_START, r->pre_sb + SB_ERR_START,
	       SB_ERR_END - SB_ERR_START);

	written = le32_at(sb + SB_OFF(s_kbytes_written)) |
		  (uint64_t)le32_at(sb + SB_OFF(s_kbytes_written) + 4) << 32;
	written += kbytes;
	put_le32(sb + SB_OFF(s_kbytes_written), (uint32_t)written);
	put_le32(sb + SB_OFF(s_kbytes_written) + 4, (uint32_t)(written >> 32));
	put_le32(sb + SB_OFF(s_wtime), (uint32_t)now);
	sb[SB_OFF(s_wtime_hi)] = (uint8_t)((uint64_t)now >> 32);

	if (le32_at(sb + SB_OFF(s_feature_ro_compat)) &
	    EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
		put_le32(sb + SB_OFF(s_checksum),
			 ext2fs_crc32c_le(~0U, sb, SB_OFF(s_checksum)));
}

errcode_t jbd_recover_final_fs_super(struct jbd_journal *j,
				     const struct jbd_recovery *r,
				     uint64_t kbytes_written, time_t now,
				     uint8_t sb[1024])
{
	errcode_t err = jbd_read_fs_super(j, sb);

	if (!err)
		update_fs_super(sb, r, j->sb.errnum != 0 ||
				(!jbd_recovery_failed(r) && r->failed_commit),
				kbytes_written, now);
	return err;
}

/*
 * The journal side (e2fsck_journal_release): the log is empty, s_start 0.
 * On success the next transaction is end_tid + 1, which invalidates any
 * commit block left in the log; after a failed recovery e2fsck keeps the
 * old s_sequence.  A failed commit is recorded as s_errno -EINVAL, and
 * any s_errno is then moved into the filesystem's ERROR_FS and cleared.
 * Nothing to recover (needs_recovery clear, s_start 0): e2fsck runs only
 * its journal check, which moves s_errno into the filesystem and leaves
 * s_sequence as it is (e2fsck_check_ext3_journal).
 */
uint32_t jbd_recovery_sequence_after(const struct jbd_journal *j,
				     const struct jbd_recovery *r)
{
	bool recovering = j->sb.start != 0 ||
		(le32_at(r->pre_sb + SB_OFF(s_feature_incompat)) &
		 EXT3_FEATURE_INCOMPAT_RECOVER);

	if (!recovering || jbd_recovery_failed(r))
		return j->sb.sequence;
	return r->end_tid + 1;
}

errcode_t jbd_recover_finish(struct jbd_journal *j, const struct jbd_recovery *r,
			     uint64_t kbytes_written, time_t now)
{
	struct jbd_sb sb = j->sb;
	uint8_t fs_sb[SUPERBLOCK_SIZE];
	bool recovering = j->sb.start != 0 ||
		(le32_at(r->pre_sb + SB_OFF(s_feature_incompat)) &
		 EXT3_FEATURE_INCOMPAT_RECOVER);
	errcode_t err;

	sb.sequence = jbd_recovery_sequence_after(j, r);
	if (recovering && !jbd_recovery_failed(r) && r->failed_commit)
		sb.errnum = -EINVAL;
	sb.start = 0;

	/* The filesystem first: a crash before the journal is marked empty
	 * leaves a log that replays again to the same result. */
	err = jbd_read_fs_super(j, fs_sb);
	if (err)
		return err;
	if (recovering && !fs_super_valid(j, fs_sb)) {
		/* e2fsck marks the journal empty, then fails to re-open. */
		err = jbd_write_superblock(j, &sb);
		return err ? err : JBD_ET_BAD_LOGGED_SUPER;
	}
	err = jbd_recover_final_fs_super(j, r, kbytes_written, now, fs_sb);
	if (err)
		return err;
	err = jbd_write_fs_super(j, fs_sb);
	if (!err)
		err = jbd_flush(j);
	if (err)
		return err;

	sb.errnum = 0;
	return jbd_write_superblock(j, &sb);
}
