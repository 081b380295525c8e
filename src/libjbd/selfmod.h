/*
 * selfmod.h: refuse a log that rewrites the journal's own block map.
 */
#ifndef JBD_SELFMOD_H
#define JBD_SELFMOD_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "journal.h"
#include "recover.h"

/*
 * JBD_ET_TARGET_JOURNAL_MAP if plan r writes an indirect or extent-tree
 * block of the (internal) journal inode, JBD_ET_TARGET_JOURNAL_INODE if
 * it writes the inode-table block holding it with another size, flags or
 * block map; the block in *ret_fsblk.  0 if neither.
 */
errcode_t jbd_check_self_modifying(struct jbd_journal *j,
				   const struct jbd_recovery *r,
				   uint64_t *ret_fsblk);

#endif
