/*
 * fcreplay.h: applying the fast-commit records a scan selected, with the
 * kernel's semantics (fs/ext4/fast_commit.c ext4_fc_replay and its
 * handlers, ext4_fc_set_bitmaps_and_counters), through libext2fs.
 *
 * It runs after the block-level replay and before the journal is marked
 * empty, on a fresh open of the filesystem (the journal's own handle holds
 * metadata from before the block replay).  Where Linux 6.1 leaves a
 * directory created inside a fast commit inconsistent (link counts of the
 * directory and its parent, its block count, the group's directory count),
 * the counts are made right, as e2fsck -fy repairs them.
 */
#ifndef JBD_FCREPLAY_H
#define JBD_FCREPLAY_H

#include "fastcommit.h"
#include "journal.h"

struct jbd_recovery;

/* Called per replayed record with what was done ("entry added", ...). */
typedef void (*jbd_fc_note_fn)(void *arg, const struct jbd_fc_record *r,
			       const char *what);

/*
 * After jbd_recover_write(r): replay r->fc's records.  They are applied
 * to a capture of the filesystem (nothing reaches the disk), the blocks
 * that change are appended to the log as transaction r->end_tid (synced,
 * commit last), and the log is replayed again with it, home blocks
 * written and synced as for any transaction.  A crash before that commit
 * is stable leaves the fast commits to replay again; after it, the new
 * transaction.  Then jbd_recover_finish(r) ends as for the fast commits'
 * transaction.  *ret_written: blocks written home.  Flags as
 * jbd_recover_write().
 */
errcode_t jbd_recover_fast_commit(struct jbd_journal *j,
				  const struct jbd_recovery *r, int flags,
				  jbd_fc_note_fn note, void *arg,
				  uint64_t *ret_written);

#endif
