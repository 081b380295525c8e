/*
 * recover.h: journal recovery with e2fsck 1.47's semantics.
 *
 * jbd_recover_plan() reads the log and decides everything: which
 * transactions replay, the last surviving copy of every block, and how
 * recovery ends.  It writes nothing, so a dry run is the same call.
 * jbd_recover_write() then writes the home blocks and syncs them, and
 * jbd_recover_finish() marks the journal clean and updates the
 * filesystem superblock, in the order that makes a re-run after a crash
 * at any point end the same.
 */
#ifndef JBD_RECOVER_H
#define JBD_RECOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fastcommit.h"
#include "homewrite.h"
#include "journal.h"
#include "walk.h"

/* How recovery went, as e2fsck's jbd2_journal_recover() would return. */
enum jbd_recovery_failure {
	JBD_RECOVERY_OK,
	JBD_RECOVERY_SCAN_CSUM,		/* bad descriptor/revoke checksum
					   followed by a newer commit */
	JBD_RECOVERY_DESCR_CSUM,	/* bad descriptor checksum met while
					   revoking or replaying */
	JBD_RECOVERY_REVOKE_COUNT,	/* r_count past the block */
	JBD_RECOVERY_DATA_CSUM,		/* data blocks with a bad checksum,
					   skipped; the rest replayed */
	JBD_RECOVERY_LOOP,		/* the log runs round the journal
					   without ending (e2fsck would hang) */
};

/*
 * What to write: count consecutive filesystem blocks from fsblk, whose
 * last surviving copies sit one after another in the log from jblk, all
 * in transaction tid (consecutive tags of one descriptor): a log of large
 * transactions costs an entry per run of blocks, not per block.  A
 * checked plan in which some block is logged twice holds one block an
 * entry.
 */
struct jbd_replay_block {
	uint64_t fsblk;
	uint32_t jblk;
	uint32_t tid;
	union {
		uint32_t seq;	/* checked, while planning: the first
				   copy's place in log order */
		uint32_t descr_jblk;	/* deferred: the tags' descriptor */
	};
	uint32_t count : 16;
	uint32_t tag : 13;	/* the first block's tag in its descriptor */
	uint32_t escape : 1;	/* count is 1 */
	uint32_t check : 1;	/* checksums not read yet: jbd_recover_write's */
};

#define JBD_RUN_MAX	0xffffU		/* blocks in one entry at most */

struct jbd_recovery {
	uint32_t start_tid;		/* s_sequence */
	uint32_t end_tid;		/* first tid not replayed */
	bool failed_commit;		/* a commit failed its checksum ... */
	uint32_t failed_tid;		/* ... in this transaction */
	bool stale_end;			/* the log ended at an older commit */
	bool bad_logged_super;		/* the copy of the superblock's block
					   replay writes holds no valid
					   superblock: e2fsck cannot re-open
					   the filesystem after replaying it */
	bool uncommitted;		/* end_tid has blocks but no commit */
	uint32_t uncommitted_jblk;	/* its first block */
	enum jbd_recovery_failure failure;
	uint32_t failure_tid;
	uint32_t failure_jblk;
	struct jbd_event end;		/* where the scan stopped */

	uint64_t tags;			/* tags in replayed transactions */
	uint64_t revoke_records;
	uint64_t revoked;		/* blocks whose every copy is revoked */
	uint64_t *bad_fsblks;		/* copies skipped for a bad checksum */
	size_t nbad;

	struct jbd_replay_block *plan;	/* ascending fsblk, no overlap */
	size_t nplan;			/* entries */
	uint64_t nblocks;		/* blocks in them */

	uint8_t pre_sb[1024];		/* fs superblock before replay */

	/* The fast-commit area, scanned for end_tid (empty when recovery
	 * fails, the journal is clean or has no fast commits). */
	struct jbd_fc_area fc;
};

/*
 * Can the fast-commit area be replayed: JBD_ET_FC_RECOVERY_FAILS when
 * the kernel's recovery would fail on it, else 0.
 */
errcode_t jbd_recover_fc_status(const struct jbd_recovery *r);

errcode_t jbd_recover_plan(struct jbd_journal *j, struct jbd_recovery *r);

/*
 * The plan for a replay that writes: when every replayed block is logged
 * once (a log of large transactions), the data checksums are left to
 * jbd_recover_write(), which checks each copy as it reads it to write it,
 * so that the log's data is read once.  Otherwise, or when a target is
 * out of bounds, this is jbd_recover_plan().  The result on disk is the
 * same; only the dry run needs the verdicts in advance.
 */
errcode_t jbd_recover_plan_for_write(struct jbd_journal *j,
				     struct jbd_recovery *r);

/*
 * The same plan, for a caller that has already read every logged block
 * and checked its checksum (verify): bad_jblks, sorted, are the journal
 * blocks of the copies whose checksum is bad.  No data block is read.
 */
struct jbd_known_verdicts {
	const uint32_t *bad_jblks;
	size_t nbad;
};
errcode_t jbd_recover_plan_known(struct jbd_journal *j, struct jbd_recovery *r,
				 const struct jbd_known_verdicts *known);
void jbd_recovery_free(struct jbd_recovery *r);

/*
 * Refuse a plan that would write outside the fs, into the journal, or
 * into the journal inode's block map (selfmod.h).
 */
errcode_t jbd_recover_check_targets(struct jbd_journal *j,
				    const struct jbd_recovery *r,
				    uint64_t *ret_fsblk);

/*
 * The planned copy of fsblk, as an entry of count 1, if the plan writes
 * that block.
 */
bool jbd_plan_find(const struct jbd_recovery *r, uint64_t fsblk,
		   struct jbd_replay_block *ret);

/*
 * Read the copy of a planned block (count 1) as replay writes it, into
 * buf: *ret_good is false when its checksum, left to the write, is bad
 * and replay skips it.
 */
errcode_t jbd_read_planned_copy(struct jbd_journal *j,
				const struct jbd_replay_block *b, uint8_t *buf,
				bool *ret_good);

/* Block k of a plan entry, as an entry of count 1. */
struct jbd_replay_block jbd_plan_block(const struct jbd_replay_block *b,
				       uint32_t k);

/*
 * s_sequence once recovery has run: the transaction after the last one
 * replayed, or, when recovery fails, the old one (e2fsck keeps it).  The
 * one place this rule lives: replay writes it, the verdict forecasts it.
 */
uint32_t jbd_recovery_sequence_after(const struct jbd_journal *j,
				     const struct jbd_recovery *r);

/* Does recovery, as planned, leave the filesystem needing a full check? */
bool jbd_recovery_failed(const struct jbd_recovery *r);

typedef void (*jbd_progress_fn)(void *arg, uint64_t done, uint64_t total);

/*
 * Write every planned block home, then sync; flags as jbd_home_open().
 * *ret_mode (if not NULL) tells how, as jbd_home_close() does.  A copy whose
 * checksum was left for here and is bad is not written: it leaves the
 * plan for r->bad_fsblks, and recovery fails as jbd_recover_plan()
 * would have said.
 */
errcode_t jbd_recover_write(struct jbd_journal *j, struct jbd_recovery *r,
			    int flags, jbd_progress_fn progress, void *arg,
			    const char **ret_mode);

/*
 * Update the filesystem superblock (needs_recovery cleared, error state),
 * sync, then mark the journal empty with e2fsck's s_sequence, sync.
 * When the replayed superblock is not a valid one (bad_logged_super),
 * e2fsck marks the journal empty and stops at its re-open: the journal is
 * marked empty, the superblock left as replayed, JBD_ET_BAD_LOGGED_SUPER
 * returned.
 */
/*
 * The filesystem superblock jbd_recover_finish() will write, with the
 * same arguments, once jbd_recover_write() is done.
 */
errcode_t jbd_recover_final_fs_super(struct jbd_journal *j,
				     const struct jbd_recovery *r,
				     uint64_t kbytes_written, time_t now,
				     uint8_t sb[1024]);

errcode_t jbd_recover_finish(struct jbd_journal *j, const struct jbd_recovery *r,
			     uint64_t kbytes_written, time_t now);

#endif
