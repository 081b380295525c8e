/*
 * overlay-io.h: the filesystem as it will be after replay, opened through
 * libext2fs.  An io_manager serves each block from its last surviving
 * logged copy (the recovery plan) and every other block from the image,
 * so that libext2fs's own superblock, group descriptor, inode, extent and
 * directory code reads the replayed filesystem without writing anything.
 */
#ifndef JBD_OVERLAY_IO_H
#define JBD_OVERLAY_IO_H

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

#endif
