/*
 * undofile.h: an undo file for e2undo(8), written whole before the first
 * home write of a replay.
 *
 * libext2fs's undo io manager saves a block as it is first overwritten
 * and makes the undo file durable only at close, after the home blocks:
 * a power cut in between leaves home blocks that no undo file can bring
 * back.  Replay knows its plan before it writes, so here every block it
 * will overwrite (the planned blocks, the filesystem superblock, the
 * journal superblock of an internal journal) is saved first and synced.
 */
#ifndef JBD_UNDOFILE_H
#define JBD_UNDOFILE_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "journal.h"
#include "recover.h"

/*
 * Save the original of every block replay r will write to the undo file
 * at path (e2undo's format, state "finished"), with the filesystem
 * superblock as it is now as the one e2undo expects to find, and sync
 * the file and its directory.
 */
errcode_t jbd_undo_save_plan(struct jbd_journal *j, const struct jbd_recovery *r,
			     const char *path);

/*
 * The superblock e2undo expects to find on the filesystem: called with
 * the one replay is about to write, so that the finished replay can be
 * undone.  Synced.
 */
errcode_t jbd_undo_expect_super(const char *path, const uint8_t sb[1024]);

#endif
