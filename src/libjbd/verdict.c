/*
 * verdict.c: the recovery verdict, in words every command prints.
 *
 * Nothing here reads the log: the plan (recover.c) has decided which
 * transactions replay, which copies are written, skipped or revoked, and
 * how recovery ends.  This file names it: whether replay has anything to
 * do (e2fsck's rule), where and why the log ends, the sequence and the
 * filesystem state afterwards, and the outcome class.
 */
#include <string.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "fastcommit.h"
#include "verdict.h"

/*
 * Anything to do?  e2fsck recovers when needs_recovery is set, and also
 * when it is clear but the log is not empty ("Run journal anyway"); a
 * journal error recorded in s_errno is moved into the filesystem either
 * way.
 */
static bool needs_replay(const struct jbd_journal *j)
{
	return (j->fs && ext2fs_has_feature_journal_needs_recovery(j->fs->super)) ||
	       j->sb.start != 0 || j->sb.errnum != 0;
}

/* dumpe2fs's "Filesystem state" words for an s_state. */
static const char *state_words(uint16_t state)
{
	bool valid = state & EXT2_VALID_FS, errors = state & EXT2_ERROR_FS;

	return valid ? (errors ? "clean with errors" : "clean") :
		       (errors ? "not clean with errors" : "not clean");
}

/*
 * The filesystem's state after recovery, by the rule jbd_recover_finish()
 * applies (VALID_FS cleared when recovery fails, ERROR_FS set for a
 * journal error), on the state from before the replay.
 */
static const char *fs_state_after(const struct jbd_journal *j,
				  const struct jbd_recovery *r,
				  const struct jbd_verdict *v)
{
	uint16_t state;

	if (!j->fs)
		return NULL;
	state = le16_at(r->pre_sb + offsetof(struct ext2_super_block, s_state));
	if (!r->pre_sb[56] && !r->pre_sb[57])	/* no s_magic: not read */
		state = j->fs->super->s_state;
	if (v->outcome == JBD_OUTCOME_REPLAY || v->outcome == JBD_OUTCOME_DAMAGED) {
		if (jbd_recovery_failed(r))
			state &= ~EXT2_VALID_FS;
		if (v->journal_error)
			state |= EXT2_ERROR_FS;
	}
	return state_words(state);
}

static void describe_end(const struct jbd_recovery *r, struct jbd_verdict *v)
{
	v->walk_end = r->end.type == JBD_EV_END ? r->end.end : JBD_END_CLEAN;
	v->end_jblk = r->end.jblk;
	v->found_tid = r->end.found_tid;
	if (jbd_recovery_failed(r) && r->failure != JBD_RECOVERY_DATA_CSUM)
		v->end = JBD_LOGEND_FAILURE;
	else if (r->failed_commit)
		v->end = JBD_LOGEND_COMMIT_CSUM;
	else if (r->stale_end)
		v->end = JBD_LOGEND_STALE;
	else if (r->uncommitted)
		v->end = JBD_LOGEND_UNCOMMITTED;
	else
		v->end = JBD_LOGEND_CLEAN;
	if (v->end == JBD_LOGEND_UNCOMMITTED)
		v->end_jblk = r->uncommitted_jblk;
}

errcode_t jbd_verdict_from(struct jbd_journal *j, const struct jbd_recovery *r,
			   errcode_t plan_err, struct jbd_verdict *v)
{
	uint64_t fsblk = 0;
	size_t bad_rec;
	errcode_t err;

	memset(v, 0, sizeof(*v));
	v->sequence_before = j->sb.sequence;
	v->sequence_after = j->sb.sequence;
	v->end_tid = j->sb.sequence;
	v->end = JBD_LOGEND_EMPTY;
	if (j->sb_error || j->sb.checksum_verdict == JBD_CSUM_BAD) {
		/* Nothing is written to a journal that cannot be trusted. */
		v->outcome = JBD_OUTCOME_REFUSED;
		v->refused = j->sb_error ? j->sb_error : JBD_ET_SB_CSUM;
		v->needs_replay = !j->sb_error && needs_replay(j);
		return 0;
	}
	v->needs_replay = needs_replay(j);
	if (plan_err && plan_err != JBD_ET_FAST_COMMIT)
		return plan_err;
	v->planned = true;
	v->journal_error = j->sb.errnum != 0 || r->failed_commit;
	v->failure = r->failure;
	v->failure_tid = r->failure_tid;
	v->failure_jblk = r->failure_jblk;
	v->failed_commit = r->failed_commit;
	v->failed_tid = r->failed_tid;
	v->end_tid = r->end_tid;
	if (j->sb.start != 0)
		describe_end(r, v);
	if (plan_err) {		/* fast commit: the scan is done, no plan */
		v->outcome = JBD_OUTCOME_REFUSED;
		v->refused = plan_err;
		return 0;
	}
	if (!jbd_recovery_failed(r) || r->failure == JBD_RECOVERY_DATA_CSUM)
		v->transactions = r->end_tid - r->start_tid;
	if (v->transactions) {
		v->first_tid = r->start_tid;
		v->last_tid = r->end_tid - 1;
	}
	v->tags = v->transactions ? r->tags : 0;
	v->blocks = r->nblocks;
	v->revoked = r->revoked;
	v->skipped = r->nbad;
	if (j->fs) {
		err = jbd_recover_check_targets(j, r, &fsblk);
		if (err) {
			v->outcome = JBD_OUTCOME_REFUSED;
			v->refused = err;
			v->refused_has_fsblk = true;
			v->refused_fsblk = fsblk;
			return 0;
		}
		/* The fast-commit area: the kernel's refusals, then its targets. */
		err = jbd_recover_fc_status(r);
		if (!err)
			err = jbd_fc_check_targets(j, &r->fc, &bad_rec);
		if (err) {
			v->outcome = JBD_OUTCOME_REFUSED;
			v->refused = err;
			return 0;
		}
		v->fc_records = r->fc.nreplay;
		v->fc_commits = r->fc.ncommits;
		v->fc_tid = r->fc.expected_tid;
	}
	if (!v->needs_replay)
		v->outcome = JBD_OUTCOME_NOTHING;
	else if (jbd_recovery_failed(r) || r->failed_commit)
		v->outcome = JBD_OUTCOME_DAMAGED;
	else
		v->outcome = JBD_OUTCOME_REPLAY;
	if (v->needs_replay)
		v->sequence_after = jbd_recovery_sequence_after(j, r);
	v->fs_state = fs_state_after(j, r, v);
	return 0;
}

errcode_t jbd_recovery_state(struct jbd_journal *j, struct jbd_verdict *v)
{
	struct jbd_recovery r;
	errcode_t err;

	err = j->sb_error ? 0 : jbd_recover_plan(j, &r);
	if (j->sb_error)
		memset(&r, 0, sizeof(r));
	err = jbd_verdict_from(j, &r, err, v);
	jbd_recovery_free(&r);
	return err;
}

bool jbd_verdict_corrupt(const struct jbd_verdict *v)
{
	return v->outcome == JBD_OUTCOME_DAMAGED;
}

const char *jbd_log_end_name(enum jbd_log_end e)
{
	switch (e) {
	case JBD_LOGEND_EMPTY:		return "empty";
	case JBD_LOGEND_CLEAN:		return "clean";
	case JBD_LOGEND_UNCOMMITTED:	return "uncommitted";
	case JBD_LOGEND_STALE:		return "stale";
	case JBD_LOGEND_COMMIT_CSUM:	return "commit_checksum";
	case JBD_LOGEND_FAILURE:	return "failure";
	}
	return "unknown";
}

const char *jbd_outcome_name(enum jbd_outcome o)
{
	switch (o) {
	case JBD_OUTCOME_NOTHING:	return "nothing_to_do";
	case JBD_OUTCOME_REPLAY:	return "replay";
	case JBD_OUTCOME_DAMAGED:	return "replay_corrupt";
	case JBD_OUTCOME_REFUSED:	return "refused";
	}
	return "unknown";
}

const char *jbd_failure_name(enum jbd_recovery_failure f)
{
	switch (f) {
	case JBD_RECOVERY_OK:		return "none";
	case JBD_RECOVERY_SCAN_CSUM:	return "scan_checksum";
	case JBD_RECOVERY_DESCR_CSUM:	return "descriptor_checksum";
	case JBD_RECOVERY_REVOKE_COUNT:	return "revoke_count";
	case JBD_RECOVERY_DATA_CSUM:	return "data_checksum";
	case JBD_RECOVERY_LOOP:		return "log_loop";
	}
	return "unknown";
}

const char *jbd_failure_text(enum jbd_recovery_failure f)
{
	switch (f) {
	case JBD_RECOVERY_OK:
		return "none";
	case JBD_RECOVERY_SCAN_CSUM:
		return "a descriptor or revoke block has a bad checksum and a "
		       "later commit is newer: the journal is corrupt, nothing "
		       "is replayed";
	case JBD_RECOVERY_DESCR_CSUM:
		return "a descriptor block of a replayed transaction has a bad "
		       "checksum: nothing is replayed";
	case JBD_RECOVERY_REVOKE_COUNT:
		return "a revoke block of a replayed transaction has r_count "
		       "past its end: nothing is replayed";
	case JBD_RECOVERY_DATA_CSUM:
		return "logged blocks with a bad checksum are not replayed";
	case JBD_RECOVERY_LOOP:
		return "the log runs round the whole journal without ending: "
		       "nothing is replayed";
	}
	return "unknown";
}
