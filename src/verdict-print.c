/*
 * verdict-print.c: the recovery verdict (libjbd verdict.c) as every
 * command prints it: the "verdict" JSON object, and the same sentences in
 * text, so that info, verify, replay -n, replay and logdump say the same.
 */
#include <inttypes.h>
#include <stdio.h>
#include <et/com_err.h>

#include "jbdctl.h"
#include "util.h"

static void out_u64_or_null(struct out *o, const char *key, bool have,
			    uint64_t v)
{
	if (have)
		out_u64(o, key, NULL, v);
	else
		out_null(o, key, NULL);
}

void print_verdict_json(struct out *o, const struct jbd_verdict *v)
{
	bool failed = v->failure != JBD_RECOVERY_OK;

	out_object_begin(o, "verdict");
	out_str(o, "outcome", NULL, jbd_outcome_name(v->outcome));
	out_bool(o, "needs_replay", NULL, v->needs_replay);
	if (v->outcome == JBD_OUTCOME_REFUSED) {
		out_object_begin(o, "refused");
		out_str(o, "error", NULL, error_message(v->refused));
		out_u64_or_null(o, "fs_block", v->refused_has_fsblk,
				v->refused_fsblk);
		out_object_end(o);
	} else {
		out_null(o, "refused", NULL);
	}
	out_u64(o, "transactions", NULL, v->transactions);
	out_u64_or_null(o, "first_sequence", v->transactions, v->first_tid);
	out_u64_or_null(o, "last_sequence", v->transactions, v->last_tid);
	out_u64(o, "blocks_logged", NULL, v->tags);
	out_u64(o, "blocks_to_write", NULL, v->blocks);
	out_u64(o, "revoked", NULL, v->revoked);
	out_u64(o, "skipped", NULL, v->skipped);
	out_u64(o, "fast_commit_records", NULL, v->fc_records);
	out_u64(o, "fast_commits", NULL, v->fc_commits);
	out_object_begin(o, "end");
	out_str(o, "reason", NULL, jbd_log_end_name(v->end));
	out_u64_or_null(o, "journal_block", v->end != JBD_LOGEND_EMPTY,
			v->end_jblk);
	out_u64(o, "sequence", NULL, v->end_tid);
	if (v->end != JBD_LOGEND_EMPTY)
		out_str(o, "walk", NULL, jbd_end_reason_name(v->walk_end));
	else
		out_null(o, "walk", NULL);
	out_object_end(o);
	if (failed) {
		out_object_begin(o, "failure");
		out_str(o, "kind", NULL, jbd_failure_name(v->failure));
		out_u64(o, "sequence", NULL, v->failure_tid);
		out_u64_or_null(o, "journal_block",
				v->failure != JBD_RECOVERY_DATA_CSUM,
				v->failure_jblk);
		out_object_end(o);
	} else {
		out_null(o, "failure", NULL);
	}
	out_u64_or_null(o, "failed_commit", v->failed_commit, v->failed_tid);
	out_u64(o, "sequence_before", NULL, v->sequence_before);
	out_u64(o, "sequence_after", NULL, v->sequence_after);
	out_bool(o, "journal_error", NULL, v->journal_error);
	if (v->fs_state)
		out_str(o, "filesystem_state", NULL, v->fs_state);
	else
		out_null(o, "filesystem_state", NULL);
	out_object_end(o);
}

void verdict_end_text(const struct jbd_verdict *v, char *buf, size_t len)
{
	switch (v->end) {
	case JBD_LOGEND_EMPTY:
		snprintf(buf, len, "the journal is clean: the log is empty");
		break;
	case JBD_LOGEND_CLEAN:
		snprintf(buf, len, "the log ends at journal block %u, before "
			 "transaction %u (%s)", v->end_jblk, v->end_tid,
			 jbd_end_reason_name(v->walk_end));
		break;
	case JBD_LOGEND_UNCOMMITTED:
		snprintf(buf, len, "transaction %u (journal block %u) has no "
			 "commit block and is not replayed", v->end_tid,
			 v->end_jblk);
		break;
	case JBD_LOGEND_STALE:
		snprintf(buf, len, "transaction %u ends in stale blocks (a bad "
			 "checksum, then an older commit time): the log ends "
			 "before it, at journal block %u", v->end_tid,
			 v->end_jblk);
		break;
	case JBD_LOGEND_COMMIT_CSUM:
		snprintf(buf, len, "transaction %u has a bad commit checksum: "
			 "replay stops before it and the filesystem is marked "
			 "with errors", v->failed_tid);
		break;
	case JBD_LOGEND_FAILURE:
		snprintf(buf, len, "transaction %u, journal block %u: %s",
			 v->failure_tid, v->failure_jblk,
			 jbd_failure_text(v->failure));
		break;
	}
}

bool verdict_fc_text(const struct jbd_verdict *v, bool done, char *buf,
		     size_t len)
{
	if (!v->fc_records || v->outcome == JBD_OUTCOME_REFUSED)
		return false;
	snprintf(buf, len, "%s %" PRIu64 " fast-commit record%s (%u fast "
		 "commit%s of transaction %u)", done ? "replayed" :
		 "would replay", v->fc_records, v->fc_records == 1 ? "" : "s",
		 v->fc_commits, v->fc_commits == 1 ? "" : "s", v->fc_tid);
	return true;
}

void verdict_summary_text(const struct jbd_verdict *v, bool done, char *buf,
			  size_t len)
{
	int n;

	if (v->outcome == JBD_OUTCOME_REFUSED) {
		if (v->refused_has_fsblk)
			snprintf(buf, len, "replay %s: block %" PRIu64 " (%s); "
				 "nothing is written", done ? "refused" :
				 "would refuse", v->refused_fsblk,
				 error_message(v->refused));
		else
			snprintf(buf, len, "replay %s: %s; nothing is written",
				 done ? "refused" : "would refuse",
				 error_message(v->refused));
		return;
	}
	if (v->outcome == JBD_OUTCOME_NOTHING) {
		snprintf(buf, len, "nothing to replay%s%s", v->fs_state ?
			 "; the filesystem is " : "",
			 v->fs_state ? v->fs_state : "");
		return;
	}
	n = snprintf(buf, len, "%s %u transaction%s", done ? "replayed" :
		     "would replay", v->transactions,
		     v->transactions == 1 ? "" : "s");
	if (v->transactions && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " (sequence %u..%u)",
			      v->first_tid, v->last_tid);
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ": %" PRIu64 " block%s %s, %"
			      PRIu64 " revoked, %" PRIu64 " skipped; journal "
			      "sequence %u -> %u", v->blocks,
			      v->blocks == 1 ? "" : "s",
			      done ? "written" : "to write", v->revoked,
			      v->skipped, v->sequence_before,
			      v->sequence_after);
	if (v->fs_state && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, "; the filesystem %s %s",
			 done ? "is" : "would be", v->fs_state);
}
