/*
 * overlay-io.h: the filesystem as it will be after replay, opened through
 * libext2fs.  An io_manager serves each block from its last surviving
 * logged copy (the recovery plan) and every other block from the image,
 * so that libext2fs's own superblock, group descriptor, inode, extent and
 * directory code reads the replayed filesystem without writing anything.
 */
#ifndef JBD_OVERLAY_IO_H
#define JBD_OVERLAY_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "journal.h"
#include "recover.h"

/*
 * Open j's filesystem as recovery r would leave it (read-only).  r must
 * outlive the returned filesystem, which jbd_overlay_close() closes.
 */
errcode_t jbd_overlay_open(struct jbd_journal *j, const struct jbd_recovery *r,
			   ext2_filsys *ret_fs);
void jbd_overlay_close(ext2_filsys fs);

/*
 * A view: fill buf with block fsblk as it stands at some point (a copy in
 * the log, or the disk); false when there is no such block.
 */
typedef bool (*jbd_overlay_view_fn)(void *ctx, uint64_t fsblk, uint8_t *buf);
/*
 * Serve every read of fs (from jbd_overlay_open) from view instead of the
 * recovery plan, until set again with view NULL, so that libext2fs's
 * extent and block iterators read the tree blocks of that point.  A block
 * the view does not have reads as zeros: it maps nothing (an extent node
 * of zeros fails ext2fs_extent_header_verify, an indirect block of zeros
 * is all holes), and the walk goes on with its siblings.
 */
void jbd_overlay_set_view(ext2_filsys fs, jbd_overlay_view_fn view, void *ctx);

#endif
