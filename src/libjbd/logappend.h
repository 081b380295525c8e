/*
 * logappend.h: append one committed transaction to the log.
 */
#ifndef JBD_LOGAPPEND_H
#define JBD_LOGAPPEND_H

#include <stdint.h>

#include "journal.h"

/*
 * Write blocks blks[0..n) (data: n whole blocks) as transaction tid right
 * after the commit of tid - 1 (or at s_start when tid is s_sequence),
 * descriptors and data first, synced, then the commit block, synced; with
 * the tags, escapes and checksums the journal's features ask for.  The
 * journal superblock is not changed: recovery now finds tid as the last
 * transaction.  JBD_ET_LOG_FULL when it would reach the live log.
 */
errcode_t jbd_log_append(struct jbd_journal *j, uint32_t tid,
			 const uint64_t *blks, const uint8_t *data, size_t n,
			 uint64_t now);

#endif
