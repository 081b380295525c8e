/*
 * audit.c: every check jbdctl verify makes.
 *
 * Three parts: the journal superblock (all of its problems, not only the
 * first), the filesystem's side of the journal, and the log, read once
 * through the walker with every data block checked.  A problem in the log
 * is classified as recovery sees it: in a transaction that would be
 * replayed, or followed by a commit with a good checksum, it is an error;
 * in the torn tail after the last good commit it is what a crash leaves
 * behind, an info.  The replay forecast is jbd_recover_plan() itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>

#include "audit.h"
#include "decode.h"
#include "jbd2-format.h"
#include "jbd-err.h"
#include "walk.h"

/* A log finding waiting for its severity until the end of the log is known. */
struct pending {
	size_t finding;
	uint64_t event;		/* index of the event it was found at */
};

struct audit_ctx {
	struct jbd_journal *j;
	struct jbd_audit *a;
	unsigned int flags;
	struct pending *pend;
	size_t npend, cap_pend;
	uint64_t event;			/* events seen so far */
	uint64_t last_good_commit;	/* event index, or 0 */
	struct jbd_event end;
	uint32_t *bad_jblks;		/* data copies with a bad checksum */
	size_t nbad, cap_bad;
	uint64_t walked;		/* log blocks the live walk covered */
	/* the descriptor being read */
	uint64_t *descr_blocks;
	unsigned int descr_ntags, descr_seen;
	size_t descr_used;		/* bytes of tags and UUIDs */
	unsigned int max_ntags;		/* the most tags of one descriptor */
};

static struct jbd_finding *add(struct jbd_audit *a, enum jbd_severity sev,
			       const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct jbd_finding *add(struct jbd_audit *a, enum jbd_severity sev,
			       const char *kind, const char *fmt, ...)
{
	struct jbd_finding *f;
	va_list ap;

	if (a->nfindings == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct jbd_finding *n = realloc(a->findings, cap * sizeof(*n));

		if (!n)
			return NULL;
		a->findings = n;
		a->cap = cap;
	}
	f = &a->findings[a->nfindings++];
	memset(f, 0, sizeof(*f));
	f->severity = sev;
	f->kind = kind;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return f;
}

static void at(struct jbd_finding *f, uint32_t jblk, bool has_tid, uint32_t tid)
{
	if (!f)
		return;
	f->has_jblk = true;
	f->jblk = jblk;
	f->has_tid = has_tid;
	f->tid = tid;
}

/* A finding in the log, classified once the whole log has been read. */
static errcode_t log_finding(struct audit_ctx *c, const struct jbd_event *ev,
			     const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static errcode_t log_finding(struct audit_ctx *c, const struct jbd_event *ev,
			     const char *kind, const char *fmt, ...)
{
	struct jbd_finding *f;
	va_list ap;

	f = add(c->a, JBD_ERROR, kind, "%s", "");
	if (!f)
		return EXT2_ET_NO_MEMORY;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	at(f, ev->jblk, true, ev->tid);
	if (c->npend == c->cap_pend) {
		size_t cap = c->cap_pend ? c->cap_pend * 2 : 16;
		struct pending *p = realloc(c->pend, cap * sizeof(*p));

		if (!p)
			return EXT2_ET_NO_MEMORY;
		c->pend = p;
		c->cap_pend = cap;
	}
	c->pend[c->npend++] = (struct pending){ c->a->nfindings - 1, c->event };
	return 0;
}

static errcode_t lint(struct audit_ctx *c, const struct jbd_event *ev,
		      const char *kind, const char *msg)
{
	struct jbd_finding *f;

	if (!(c->flags & JBD_AUDIT_STRICT))
		return 0;
	f = add(c->a, JBD_WARNING, kind, "%s", msg);
	if (!f)
		return EXT2_ET_NO_MEMORY;
	at(f, ev->jblk, true, ev->tid);
	return 0;
}

static const char *sb_kind(errcode_t err)
{
	switch (err) {
	case JBD_ET_BAD_BLOCKSIZE:	return "superblock_block_size";
	case JBD_ET_TOO_SHORT:		return "superblock_maxlen";
	case JBD_ET_BAD_GEOMETRY:	return "superblock_geometry";
	case JBD_ET_UNSUPP_INCOMPAT:
	case JBD_ET_UNSUPP_ROCOMPAT:	return "unknown_feature";
	case JBD_ET_BAD_CSUM_FEATURES:	return "checksum_features";
	case JBD_ET_BAD_MAGIC:		return "superblock_magic";
	case JBD_ET_BAD_BLOCKTYPE:	return "superblock_block_type";
	}
	return "superblock";
}

static void audit_superblock(struct jbd_journal *j, struct jbd_audit *a,
			     unsigned int flags)
{
	const struct jbd_sb *sb = &j->sb;
	uint32_t fs_bs = j->fs ? j->fs->blocksize : j->blocksize;
	errcode_t errs[8];
	unsigned int i, n;

	if (!sb->blocktype) {		/* not even decoded */
		at(add(a, JBD_ERROR, sb_kind(j->sb_error), "%s",
		       error_message(j->sb_error)), j->sb_jblk, false, 0);
		return;
	}
	n = jbd_sb_check(sb, fs_bs, j->nblocks, errs, 8);
	for (i = 0; i < n && i < 8; i++)
		at(add(a, JBD_ERROR, sb_kind(errs[i]), "%s",
		       error_message(errs[i])), j->sb_jblk, false, 0);
	if (sb->checksum_verdict == JBD_CSUM_BAD)
		at(add(a, JBD_ERROR, "superblock_checksum", "journal superblock "
		       "checksum 0x%08x does not match its contents",
		       sb->checksum), j->sb_jblk, false, 0);
	if (sb->nr_users > JBD2_USERS_MAX)
		at(add(a, JBD_ERROR, "nr_users", "s_nr_users %u is more than "
		       "the %d users a superblock holds", sb->nr_users,
		       JBD2_USERS_MAX), j->sb_jblk, false, 0);
	else if (sb->nr_users > 1 && sb->blocktype == JBD2_SUPERBLOCK_V2 &&
		 j->source == JBD_SRC_INTERNAL)
		at(add(a, JBD_WARNING, "nr_users", "s_nr_users is %u on an "
		       "internal journal: recovery clears the superblock past "
		       "its V1 fields, as e2fsck does", sb->nr_users),
		   j->sb_jblk, false, 0);
	else if (sb->nr_users > 1)
		at(add(a, JBD_WARNING, "nr_users", "%u filesystems share this "
		       "journal; e2fsck refuses more than one", sb->nr_users),
		   j->sb_jblk, false, 0);
	if (sb->blocktype == JBD2_SUPERBLOCK_V1 &&
	    (sb->feature_compat || sb->feature_incompat ||
	     sb->feature_ro_compat || sb->nr_users))
		at(add(a, JBD_WARNING, "v2_fields", "a V1 journal superblock "
		       "with V2 fields set (features 0x%x/0x%x/0x%x, %u users): "
		       "recovery clears them, as e2fsck does",
		       sb->feature_compat, sb->feature_incompat,
		       sb->feature_ro_compat, sb->nr_users),
		   j->sb_jblk, false, 0);
	if ((flags & JBD_AUDIT_STRICT) && sb->blocktype == JBD2_SUPERBLOCK_V2 &&
	    !sb->max_transaction)
		at(add(a, JBD_WARNING, "lint_max_transaction", "s_max_transaction "
		       "is not set"), j->sb_jblk, false, 0);
	a->log_checked = n == 0;
}

/* s_jnl_blocks keeps a copy of the journal inode's i_block and size. */
static void audit_backup(struct jbd_journal *j, struct jbd_audit *a)
{
	struct ext2_super_block *es = j->fs->super;
	struct ext2_inode inode;

	if (es->s_jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS) {
		add(a, JBD_INFO, "journal_backup", "the superblock keeps no "
		    "backup of the journal inode");
		return;
	}
	if (ext2fs_read_inode(j->fs, j->ino, &inode))
		return;
	if (memcmp(es->s_jnl_blocks, inode.i_block, sizeof(inode.i_block)) ||
	    es->s_jnl_blocks[15] != inode.i_size_high ||
	    es->s_jnl_blocks[16] != inode.i_size)
		add(a, JBD_WARNING, "journal_backup", "the superblock's backup "
		    "of the journal inode (s_jnl_blocks) differs from inode %u",
		    j->ino);
}

static void audit_filesystem(struct jbd_journal *j, struct jbd_audit *a)
{
	struct ext2_super_block *es;
	bool needs_recovery;
	unsigned int i;

	if (j->jdev && ext2fs_has_feature_metadata_csum(j->jdev->super) &&
	    !ext2fs_superblock_csum_verify(j->jdev, j->jdev->super))
		add(a, JBD_ERROR, "external_superblock_checksum", "the external "
		    "journal device's ext2 superblock checksum does not match");
	if (!j->fs)
		return;
	es = j->fs->super;
	needs_recovery = ext2fs_has_feature_journal_needs_recovery(es);
	if (j->sb.blocktype && needs_recovery && j->sb.start == 0)
		add(a, JBD_WARNING, "needs_recovery", "needs_recovery is set but "
		    "the log is empty (s_start is 0)");
	if (j->sb.blocktype && !needs_recovery && j->sb.start != 0)
		add(a, JBD_WARNING, "needs_recovery", "needs_recovery is clear "
		    "but the log is not empty: e2fsck -y and jbdctl replay "
		    "replay it, the kernel would discard it");
	if (j->via_backup)
		add(a, JBD_WARNING, "journal_inode", "journal inode %u "
		    "unusable (%s): log read through the superblock's backup "
		    "(s_jnl_blocks); replay restores the inode", j->ino,
		    error_message(j->inode_error));
	else if (j->source == JBD_SRC_INTERNAL)
		audit_backup(j, a);
	if (j->source != JBD_SRC_EXTERNAL || !j->sb.blocktype)
		return;
	for (i = 0; i < j->sb.nr_users && i < JBD2_USERS_MAX; i++)
		if (!memcmp(j->sb.users[i], es->s_uuid, 16))
			return;
	add(a, JBD_WARNING, "external_users", "the external journal does not "
	    "list this filesystem among its users");
}

static errcode_t on_descriptor(struct audit_ctx *c, const struct jbd_event *ev)
{
	errcode_t err = 0;

	c->descr_ntags = ev->ntags;
	c->descr_seen = 0;
	c->descr_used = sizeof(struct jbd2_header);
	if (ev->csum == JBD_CSUM_BAD)
		err = log_finding(c, ev, "descriptor_checksum", "descriptor block "
				  "checksum 0x%08x, computed 0x%08x",
				  ev->csum_stored, ev->csum_computed);
	if (!err && ev->no_last_tag)
		err = lint(c, ev, "lint_no_last_tag", "no tag of this "
			   "descriptor has LAST_TAG");
	return err;
}

static bool in_journal_or_past_fs(const struct jbd_journal *j, uint64_t fsblk,
				  const char **kind)
{
	if (!j->fs)
		return false;
	if (fsblk >= ext2fs_blocks_count(j->fs->super))
		*kind = "tag_target_range";
	else if (jbd_journal_owns_fsblk(j, fsblk))
		*kind = "tag_target_journal";
	else
		return false;
	return true;
}

static errcode_t on_tag(struct audit_ctx *c, const struct jbd_event *ev)
{
	const struct jbd_sb *sb = &c->j->sb;
	const char *kind;
	errcode_t err = 0;
	unsigned int i;

	c->descr_used += jbd_sb_tag_bytes(sb) +
			 ((ev->flags & JBD2_FLAG_SAME_UUID) ? 0 : JBD2_UUID_SIZE);
	if (ev->csum == JBD_CSUM_BAD && c->nbad == c->cap_bad) {
		size_t cap = c->cap_bad ? c->cap_bad * 2 : 16;
		uint32_t *b = realloc(c->bad_jblks, cap * sizeof(*b));

		if (!b)
			return EXT2_ET_NO_MEMORY;
		c->bad_jblks = b;
		c->cap_bad = cap;
	}
	if (ev->csum == JBD_CSUM_BAD)
		c->bad_jblks[c->nbad++] = ev->jblk;
	if (ev->csum == JBD_CSUM_BAD)
		err = log_finding(c, ev, "data_checksum", "logged copy of block "
				  "%llu: checksum 0x%x, computed 0x%x",
				  (unsigned long long)ev->fsblk, ev->csum_stored,
				  ev->csum_computed);
	if (!err && in_journal_or_past_fs(c->j, ev->fsblk, &kind)) {
		err = log_finding(c, ev, kind, "tag %u names block %llu, %s",
				  ev->index, (unsigned long long)ev->fsblk,
				  strcmp(kind, "tag_target_range") ?
				  "a block of the journal itself" :
				  "past the end of the filesystem");
		/* The tag lives in its descriptor block: name that one. */
		if (!err)
			c->a->findings[c->a->nfindings - 1].jblk = ev->descr_jblk;
	}
	for (i = 0; !err && i < c->descr_seen; i++)
		if (c->descr_blocks[i] == ev->fsblk) {
			struct jbd_finding *f = add(c->a, JBD_WARNING,
				"duplicate_tag", "block %llu is logged twice in "
				"descriptor block %u",
				(unsigned long long)ev->fsblk, ev->descr_jblk);

			at(f, ev->jblk, true, ev->tid);
			break;
		}
	c->descr_blocks[c->descr_seen++] = ev->fsblk;
	if (!err && ev->index == 0 && (ev->flags & JBD2_FLAG_SAME_UUID))
		err = lint(c, ev, "lint_no_uuid", "the first tag has SAME_UUID: "
			   "no journal UUID follows it");
	if (!err && c->descr_seen == c->descr_ntags &&
	    c->j->blocksize - (jbd_sb_has_csum_v2v3(sb) ? 4 : 0) -
	    c->descr_used < 16)
		err = lint(c, ev, "lint_descriptor_full", "the descriptor is "
			   "filled to its end (Linux leaves room after the tags)");
	return err;
}

static errcode_t on_event(struct audit_ctx *c, const struct jbd_event *ev)
{
	switch (ev->type) {
	case JBD_EV_DESCRIPTOR:
		if (ev->ntags > c->max_ntags)
			c->max_ntags = ev->ntags;
		return on_descriptor(c, ev);
	case JBD_EV_TAG:
		return on_tag(c, ev);
	case JBD_EV_REVOKE_BLOCK:
		if (ev->r_count_bad)
			return log_finding(c, ev, "revoke_count", "revoke block "
					   "r_count %u is past the end of the "
					   "block", ev->r_count);
		if (ev->csum == JBD_CSUM_BAD)
			return log_finding(c, ev, "revoke_checksum", "revoke block "
					   "checksum 0x%08x, computed 0x%08x",
					   ev->csum_stored, ev->csum_computed);
		return 0;
	case JBD_EV_COMMIT:
		if (ev->csum == JBD_CSUM_BAD)
			return log_finding(c, ev, "commit_checksum", "commit block "
					   "checksum 0x%08x, computed 0x%08x",
					   ev->csum_stored, ev->csum_computed);
		c->last_good_commit = c->event;
		if (!ev->commit_sec && !ev->commit_nsec)
			return lint(c, ev, "lint_commit_time", "commit time is 0");
		return 0;
	default:
		return 0;
	}
}

static void on_end(struct audit_ctx *c, const struct jbd_event *ev)
{
	static const char *const why[] = {
		[JBD_END_CLEAN] = "",
		[JBD_END_NO_MAGIC] = "a block without the journal magic",
		[JBD_END_SEQUENCE] = "a block of another transaction",
		[JBD_END_BLOCKTYPE] = "a block of an unknown type",
		[JBD_END_BAD_R_COUNT] = "a broken revoke block",
		[JBD_END_LOOP] = "the log runs over itself",
		[JBD_END_AREA] = "the end of the area",
	};
	struct jbd_finding *f;

	if (ev->end == JBD_END_LOOP) {
		f = add(c->a, JBD_ERROR, "log_loop", "the log is longer than the "
			"journal: it runs over itself");
	} else if (ev->end == JBD_END_SEQUENCE) {
		f = add(c->a, JBD_INFO, "log_end", "the log ends at %s (sequence "
			"%u, expected %u)", why[ev->end], ev->found_tid, ev->tid);
	} else if (ev->end == JBD_END_CLEAN) {
		f = add(c->a, JBD_INFO, "log_end", "the journal is clean: the "
			"log is empty");
	} else {
		f = add(c->a, JBD_INFO, "log_end", "the log ends at %s",
			why[ev->end]);
	}
	at(f, ev->jblk, ev->end != JBD_END_CLEAN, ev->tid);
}

/*
 * After a crash the log ends at a block that was never written, and what
 * lies beyond is older history.  A header block beyond the end that
 * carries the tid the log expected, or a later one, means the log was
 * broken in the middle: a commit with a wrong tid, a destroyed header.
 *
 * The cost is bounded by the log, not the journal: the search covers a
 * third as many blocks as the log holds (verify reads the log once with
 * its data and its headers twice more, as replay does: this keeps it
 * within 1.5 times what replay reads), and never less than the reach of the largest
 * descriptor the log has (its tags' blocks, then the next header).  A
 * destroyed descriptor, revoke or commit block is followed by the next
 * header of its transaction, or of the next one, within that reach, and
 * is still found; a break followed by more stale blocks than that (a
 * larger transaction than any before it) is not.
 */
static errcode_t audit_beyond_end(struct jbd_journal *j, struct audit_ctx *c)
{
	const struct jbd_sb *sb = &j->sb;
	uint32_t len = jbd_sb_log_end(sb) - sb->first;
	struct jbd_walk_opts opts = { .flags = JBD_WALK_ALL };
	struct jbd_walk *w;
	struct jbd_event ev;
	struct jbd_finding *f;
	uint32_t reach;
	errcode_t err;

	if (c->end.end != JBD_END_NO_MAGIC && c->end.end != JBD_END_SEQUENCE &&
	    c->end.end != JBD_END_BLOCKTYPE)
		return 0;
	/* A log that went round the whole journal leaves no such area. */
	if (c->walked >= len) {
		f = add(c->a, JBD_WARNING, "log_lap", "the log is longer than "
			"the journal: its last blocks run over its start");
		at(f, c->end.jblk, true, c->end.tid);
		return 0;
	}
	/* From the block after the end round to s_start: never walked. */
	opts.area_start = jbd_log_next(sb, c->end.jblk);
	opts.area_len = (sb->start - opts.area_start + len) % len;
	reach = c->max_ntags + 2;
	if (reach < (c->end.jblk - sb->start + len) % len / 3)
		reach = (c->end.jblk - sb->start + len) % len / 3;
	if (opts.area_len > reach)
		opts.area_len = reach;
	if (!opts.area_len)
		return 0;
	err = jbd_walk_begin(j, &opts, &w);
	if (err)
		return err;
	while (!(err = jbd_walk_next(w, &ev)) && ev.type != JBD_EV_END) {
		if (ev.type != JBD_EV_DESCRIPTOR && ev.type != JBD_EV_REVOKE_BLOCK &&
		    ev.type != JBD_EV_COMMIT)
			continue;
		if (!tid_geq(ev.tid, c->end.tid))
			continue;
		f = add(c->a, JBD_ERROR, "log_break", "the log ends here, but "
			"transaction %u goes on at journal block %u", ev.tid,
			ev.jblk);
		at(f, c->end.jblk, true, c->end.tid);
		break;
	}
	jbd_walk_end(w);
	return err;
}

static errcode_t audit_log(struct jbd_journal *j, struct audit_ctx *c)
{
	struct jbd_walk_opts opts = { .flags = JBD_WALK_READ_DATA };
	struct jbd_walk *w;
	struct jbd_event ev;
	errcode_t err;

	c->descr_blocks = malloc(((j->blocksize - 12) / 8 + 1) *
				 sizeof(*c->descr_blocks));
	if (!c->descr_blocks)
		return EXT2_ET_NO_MEMORY;
	err = jbd_walk_begin(j, &opts, &w);
	if (err)
		return err;
	while (!(err = jbd_walk_next(w, &ev))) {
		c->event++;
		if (ev.type == JBD_EV_END) {
			c->end = ev;
			on_end(c, &ev);
			break;
		}
		if (ev.type == JBD_EV_DESCRIPTOR)
			c->walked += 1 + ev.ntags;
		else if (ev.type == JBD_EV_REVOKE_BLOCK || ev.type == JBD_EV_COMMIT)
			c->walked++;
		err = on_event(c, &ev);
		if (err)
			break;
	}
	jbd_walk_end(w);
	return err ? err : audit_beyond_end(j, c);
}

/* Recovery's view: errors in replayed or later-committed parts of the log. */
static void classify(struct audit_ctx *c)
{
	const struct jbd_recovery *r = &c->a->plan;
	size_t i;

	/* The log ends where recovery stops, at a torn tail or stale
	 * blocks: what lies past that end is no damage of the log's. */
	bool normal_end = c->a->planned && !jbd_recovery_failed(r) &&
			  !r->failed_commit;

	for (i = 0; i < c->npend; i++) {
		struct jbd_finding *f = &c->a->findings[c->pend[i].finding];
		bool replayed = c->a->planned && tid_geq(f->tid, r->start_tid) &&
				tid_gt(r->end_tid, f->tid);

		if (!replayed && (normal_end ||
				  c->pend[i].event > c->last_good_commit))
			f->severity = JBD_INFO;
	}
}

static int cmp_jblk(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The log_end note where recovery's end says more: in its words. */
static void name_log_end(struct jbd_audit *a, const struct jbd_recovery *r)
{
	size_t i;

	for (i = 0; i < a->nfindings; i++) {
		struct jbd_finding *f = &a->findings[i];

		if (strcmp(f->kind, "log_end"))
			continue;
		if (r->stale_end) {
			snprintf(f->message, sizeof(f->message), "the log ends "
				 "at the stale blocks of transaction %u",
				 r->end_tid);
			at(f, r->end.jblk, true, r->end_tid);
		} else {
			snprintf(f->message, sizeof(f->message), "transaction "
				 "%u has no commit block and is not replayed",
				 r->end_tid);
			at(f, r->uncommitted_jblk, true, r->end_tid);
		}
	}
}

/*
 * The fast-commit area as the plan scanned it: tails with a bad checksum
 * or tid, the end of the scan, records that name what they may not, and
 * whether the kernel's recovery fails on it.
 */
static void audit_fast_commit(struct jbd_journal *j, struct jbd_audit *a)
{
	const struct jbd_fc_area *fc = &a->plan.fc;
	struct jbd_finding *f;
	size_t i;

	if (fc->stop == JBD_FC_ABSENT)
		return;
	for (i = 0; i < fc->nrecs; i++) {
		const struct jbd_fc_record *r = &fc->recs[i];

		if (r->tag != JBD_FC_TAIL || r->tail_good)
			continue;
		f = add(a, fc->recovery_fails ? JBD_ERROR : JBD_INFO, "fc_tail",
			"fast-commit tail at offset %u %s; the records since "
			"the last good tail are not replayed", r->off,
			r->crc_stored != r->crc_computed ? "has a bad checksum" :
			"belongs to another transaction");
		at(f, r->jblk, true, r->tid);
	}
	if (fc->stop == JBD_FC_OTHER_TID) {
		/* Normal after a full commit that followed the fast commits
		 * (the kernel does not clear the area): a note. */
		f = add(a, JBD_INFO, "fc_stale", "the fast-commit area begins "
			"with fast commits of transaction %u, not %u: none is "
			"replayed", fc->stop_tid, fc->expected_tid);
		at(f, fc->stop_jblk, true, fc->stop_tid);
	}
	if (fc->stop == JBD_FC_BAD_RECORD && (fc->stop_tag || fc->stop_len)) {
		f = add(a, fc->recovery_fails ? JBD_ERROR : JBD_INFO,
			"fc_bad_record", "fast-commit record at offset %u (tag "
			"%u, length %u) is not valid: the scan ends there",
			fc->stop_off, fc->stop_tag, fc->stop_len);
		at(f, fc->stop_jblk, true, fc->expected_tid);
	}
	if (fc->recovery_fails) {
		f = add(a, JBD_ERROR, "fc_recovery_fails", "the kernel's "
			"recovery fails on the fast-commit area (%s): replay "
			"refuses the journal", jbd_fc_stop_name(fc->stop));
		at(f, fc->stop_jblk, true, fc->expected_tid);
	}
	a->fc_err = jbd_fc_check_targets(j, fc, &a->fc_bad_index);
	if (a->fc_err) {
		const struct jbd_fc_record *r = &fc->recs[a->fc_bad_index];

		f = add(a, JBD_ERROR, "fc_target", "fast-commit %s record at "
			"offset %u names inode %u%s outside what it may change",
			jbd_fc_tag_name(r->tag), r->off, r->ino,
			r->tag == JBD_FC_ADD_RANGE ? " or blocks" :
			r->parent ? " or parent" : "");
		at(f, r->jblk, true, fc->expected_tid);
	}
}

/* The plan, from the data verdicts the audit walk already has. */
static void audit_recovery(struct jbd_journal *j, struct audit_ctx *c)
{
	struct jbd_audit *a = c->a;
	const struct jbd_recovery *r = &a->plan;
	struct jbd_known_verdicts known = { c->bad_jblks, c->nbad };
	struct jbd_finding *f;

	if (c->nbad)	/* qsort and bsearch want a real array, even empty */
		qsort(c->bad_jblks, c->nbad, sizeof(*c->bad_jblks), cmp_jblk);
	a->plan_err = jbd_recover_plan_known(j, &a->plan, &known);
	if (a->plan_err)
		add(a, JBD_ERROR, "recovery_refused", "replay refuses this "
		    "journal: %s", error_message(a->plan_err));
	if (a->plan_err)
		return;
	a->planned = true;
	if (r->bad_logged_super)
		add(a, JBD_ERROR, "logged_superblock", "the log replays a copy "
		    "of block %u that holds no valid superblock: e2fsck stops "
		    "after replaying it", SUPERBLOCK_OFFSET / j->blocksize);
	audit_fast_commit(j, a);
	a->target_err = jbd_recover_check_targets(j, r, &a->target_fsblk);
	if (jbd_recovery_failed(r) && r->failure != JBD_RECOVERY_DATA_CSUM) {
		f = add(a, JBD_ERROR, "recovery_failure", "recovery would fail "
			"here and replay nothing");
		at(f, r->failure_jblk, true, r->failure_tid);
	}
	if (r->failed_commit) {
		f = add(a, JBD_ERROR, "failed_commit", "recovery would stop "
			"before this transaction and mark the filesystem with "
			"errors");
		at(f, r->end.jblk, true, r->failed_tid);
	}
	if (!jbd_recovery_failed(r) && !r->failed_commit &&
	    (r->stale_end || r->uncommitted))
		name_log_end(a, r);
	if (r->stale_end) {
		f = add(a, JBD_INFO, "stale_end", "older commit time after a bad "
			"checksum: stale blocks, the log ends here");
		at(f, r->end.jblk, true, r->end_tid);
	}
}

/*
 * --strict: what the writer left wrong in filesystem terms (decode.c):
 * metadata checksums it did not update, and inconsistencies inside one
 * transaction.  Warnings: replay goes through, the filesystem is wrong.
 */
static errcode_t audit_writer(struct jbd_journal *j, struct jbd_audit *a)
{
	struct jbd_walk_opts opts = { .flags = JBD_WALK_READ_DATA };
	struct jbd_decoder *d;
	struct jbd_walk *w;
	struct jbd_event ev;
	struct jbd_decoded dec;
	struct jbd_decode_summary s;
	errcode_t err;
	size_t i;

	err = jbd_decode_open(j, false, &d);
	if (err)
		return err;
	err = jbd_walk_begin(j, &opts, &w);
	if (err) {
		jbd_decode_close(d);
		return err;
	}
	do {
		err = jbd_walk_next(w, &ev);
		if (err)
			break;
		if (jbd_decode_tx_end(d, &ev, &s)) {
			for (i = 0; i < s.nproblems; i++)
				at(add(a, JBD_WARNING, s.problems[i].kind, "%s",
				       s.problems[i].message), ev.jblk, true, s.tid);
			jbd_decode_summary_free(&s);
		}
		if (ev.type == JBD_EV_REVOKE_BLOCK && ev.r_count_bad)
			break;
		if (ev.type != JBD_EV_TAG)
			continue;
		err = jbd_decode_tag(d, &ev, &dec);
		for (i = 0; !err && i < dec.ncsum_failures; i++)
			at(add(a, JBD_WARNING, "metadata_checksum", "fs block %llu "
			       "(%s): the %s checksum does not match",
			       (unsigned long long)ev.fsblk,
			       jbd_role_kind_name(dec.role.kind),
			       dec.csum_failures[i].what), ev.jblk, true, ev.tid);
		jbd_decoded_free(&dec);
	} while (!err && ev.type != JBD_EV_END);
	jbd_walk_end(w);
	jbd_decode_close(d);
	return err;
}

errcode_t jbd_audit(struct jbd_journal *j, unsigned int flags,
		    struct jbd_audit *a)
{
	struct audit_ctx c = { .j = j, .a = a, .flags = flags };
	errcode_t err = 0;

	memset(a, 0, sizeof(*a));
	audit_superblock(j, a, flags);
	audit_filesystem(j, a);
	if (a->log_checked && j->sb_error == 0) {
		err = audit_log(j, &c);
		if (!err && j->fs && j->sb.checksum_verdict != JBD_CSUM_BAD)
			audit_recovery(j, &c);
		classify(&c);
		if (!err && j->fs && (flags & JBD_AUDIT_STRICT))
			err = audit_writer(j, a);
	}
	free(c.pend);
	free(c.descr_blocks);
	free(c.bad_jblks);
	return err;
}

void jbd_audit_free(struct jbd_audit *a)
{
	free(a->findings);
	jbd_recovery_free(&a->plan);
	memset(a, 0, sizeof(*a));
}

size_t jbd_audit_count(const struct jbd_audit *a, enum jbd_severity s)
{
	size_t i, n = 0;

	for (i = 0; i < a->nfindings; i++)
		n += a->findings[i].severity == s;
	return n;
}
