/*
 * homewrite.h: write replayed blocks to their home locations in the
 * filesystem, overlapping the writes with the caller's reads.
 *
 * The caller takes a buffer, fills it with up to jbd_home_run() blocks
 * that are consecutive on the filesystem, and submits it; the buffer is
 * written while the caller fills the next.  jbd_home_close() waits for
 * every write, syncs them and returns the first error.  Nothing here
 * writes the superblocks: the caller does that after a successful close,
 * so that a crash before it leaves a journal that replays again.
 */
#ifndef JBD_HOMEWRITE_H
#define JBD_HOMEWRITE_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "journal.h"

struct jbd_home_writer;

#define JBD_HOME_BUFFERED	0x1	/* no O_DIRECT: through the page cache */

errcode_t jbd_home_open(struct jbd_journal *j, int flags,
			struct jbd_home_writer **ret);
/* Blocks one buffer holds. */
uint32_t jbd_home_run(const struct jbd_home_writer *w);
/* A free buffer; waits for one, and fails once a write has failed. */
errcode_t jbd_home_buffer(struct jbd_home_writer *w, uint8_t **buf);
/* Write the buffer's count blocks at fsblk; the buffer is then ours. */
errcode_t jbd_home_submit(struct jbd_home_writer *w, uint8_t *buf,
			  blk64_t fsblk, uint32_t count);
/*
 * Wait for the writes, sync them, free w; the first error, or 0.  How the
 * blocks went, "with direct I/O", "through the page cache" or "through
 * libext2fs's io channel", in *ret_mode when it is not NULL.
 */
errcode_t jbd_home_close(struct jbd_home_writer *w, const char **ret_mode);

#endif
