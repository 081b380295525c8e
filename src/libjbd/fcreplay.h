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

/* Called per replayed record with what was done ("entry added", ...). */
typedef void (*jbd_fc_note_fn)(void *arg, const struct jbd_fc_record *r,
			       const char *what);

/*
 * Replay a->recs[0 .. a->nreplay) on the filesystem of j (opened RW; the
 * image path is reopened), then bitmaps and counters, then flush.
 */
errcode_t jbd_fc_replay(struct jbd_journal *j, const struct jbd_fc_area *a,
			jbd_fc_note_fn note, void *arg);

#endif
