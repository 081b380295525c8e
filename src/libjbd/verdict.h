/*
 * verdict.h: the recovery verdict, the one answer to "what would
 * recovery do with this journal" that info, verify, replay -n, replay and
 * logdump's closing lines all print.
 *
 * It is computed from jbd_recover_plan() (recover.c, where the rules
 * live) and adds nothing of its own but the words for it: whether there
 * is anything to do at all, where and why the log ends, what the
 * filesystem is left as, and the class of the outcome, from which each
 * command derives its exit status (jbdctl(8), EXIT STATUS).
 */
#ifndef JBD_VERDICT_H
#define JBD_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "recover.h"

/* Why the log ends where recovery stops reading it. */
enum jbd_log_end {
	JBD_LOGEND_EMPTY,		/* s_start 0: no log */
	JBD_LOGEND_CLEAN,		/* after the last commit, nothing more */
	JBD_LOGEND_UNCOMMITTED,		/* a transaction without its commit
					   block: not replayed (a torn tail) */
	JBD_LOGEND_STALE,		/* a bad checksum, then an older commit
					   time: stale blocks (lazy init) */
	JBD_LOGEND_COMMIT_CSUM,		/* a commit with a bad checksum */
	JBD_LOGEND_FAILURE,		/* recovery fails (see failure) */
};

/* The class of the outcome: each command's exit status comes from it. */
enum jbd_outcome {
	JBD_OUTCOME_NOTHING,	/* nothing to do: the journal is clean */
	JBD_OUTCOME_REPLAY,	/* replay writes, the result is clean */
	JBD_OUTCOME_DAMAGED,	/* replay writes what can be written; the
				   journal is corrupt (exit 4 set) */
	JBD_OUTCOME_REFUSED,	/* replay refuses and writes nothing */
};

struct jbd_verdict {
	bool planned;			/* the log could be read at all */
	bool needs_replay;		/* replay has anything to do */
	enum jbd_outcome outcome;
	errcode_t refused;		/* OUTCOME_REFUSED: why */
	bool refused_has_fsblk;
	uint64_t refused_fsblk;		/* ... the block it would not write */

	uint32_t transactions;		/* to replay */
	uint32_t first_tid, last_tid;	/* when transactions > 0 */
	uint64_t tags;			/* blocks logged by them */
	uint64_t blocks;		/* to write: last surviving copies */
	uint64_t revoked;		/* blocks whose every copy is revoked */
	uint64_t skipped;		/* copies with a bad checksum */
	uint64_t fc_records;		/* fast-commit records replayed after
					   the block-level replay ... */
	uint32_t fc_commits;		/* ... from this many fast commits */
	uint32_t fc_tid;		/* ... of this transaction */

	enum jbd_log_end end;
	uint32_t end_jblk;		/* where the log ends */
	uint32_t end_tid;		/* the first transaction not replayed */
	enum jbd_end_reason walk_end;	/* what the walker met there */
	uint32_t found_tid;		/* walk_end SEQUENCE: the tid found */

	enum jbd_recovery_failure failure;
	uint32_t failure_tid, failure_jblk;
	bool failed_commit;		/* marked "clean with errors" */
	uint32_t failed_tid;

	uint32_t sequence_before, sequence_after;
	bool journal_error;		/* s_errno set, or a failed commit */
	const char *fs_state;		/* "clean", "clean with errors",
					   "not clean"; NULL without a fs */
};

/*
 * The verdict for journal j, from the plan r that jbd_recover_plan()
 * (or jbd_recover_plan_known(), or a replay's outcome) filled, and
 * plan_err, what that call returned.  A plan_err that refuses recovery
 * (fast-commit records, a corrupt log) becomes OUTCOME_REFUSED; other
 * errors (I/O, memory) are returned.
 */
errcode_t jbd_verdict_from(struct jbd_journal *j, const struct jbd_recovery *r,
			   errcode_t plan_err, struct jbd_verdict *v);

/* Plan and judge in one call, as info and logdump need it. */
errcode_t jbd_recovery_state(struct jbd_journal *j, struct jbd_verdict *v);

/* Stable names (JSON) and plain words (text). */
const char *jbd_log_end_name(enum jbd_log_end e);
const char *jbd_outcome_name(enum jbd_outcome o);
const char *jbd_failure_name(enum jbd_recovery_failure f);
const char *jbd_failure_text(enum jbd_recovery_failure f);

/* Does the verdict find the journal corrupt (exit status bit 4)? */
bool jbd_verdict_corrupt(const struct jbd_verdict *v);

#endif
