/*
 * revoke.h: the revoke table of a recovery: for every revoked filesystem
 * block, the highest tid that revoked it.  Records are added while the
 * log is read; jbd_revoke_seal() then makes the table ready for tests.
 */
#ifndef JBD_REVOKE_H
#define JBD_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct jbd_revoke_rec {
	uint64_t fsblk;
	uint32_t tid;
};

struct jbd_revoke_table {
	struct jbd_revoke_rec *recs;
	size_t n, cap;
	size_t nsorted;		/* recs[0..nsorted) sorted, one per block */
};

void jbd_revoke_init(struct jbd_revoke_table *t);
void jbd_revoke_free(struct jbd_revoke_table *t);
/* Record that transaction tid revokes fsblk. */
errcode_t jbd_revoke_set(struct jbd_revoke_table *t, uint64_t fsblk,
			 uint32_t tid);
/* Every record is in: sort the table for jbd_revoke_test(). */
void jbd_revoke_seal(struct jbd_revoke_table *t);
/* Is the copy of fsblk logged in transaction tid revoked?  (Sealed only.) */
bool jbd_revoke_test(const struct jbd_revoke_table *t, uint64_t fsblk,
		     uint32_t tid);

#endif
