/*
 * revoke.h: the revoke table of a recovery: for every revoked filesystem
 * block, the highest tid that revoked it.
 */
#ifndef JBD_REVOKE_H
#define JBD_REVOKE_H

#include <stdbool.h>

#include "blkmap.h"

struct jbd_revoke_table {
	struct jbd_blkmap map;
};

void jbd_revoke_init(struct jbd_revoke_table *t);
void jbd_revoke_free(struct jbd_revoke_table *t);
/* Record that transaction tid revokes fsblk. */
errcode_t jbd_revoke_set(struct jbd_revoke_table *t, uint64_t fsblk,
			 uint32_t tid);
/* Is the copy of fsblk logged in transaction tid revoked? */
bool jbd_revoke_test(const struct jbd_revoke_table *t, uint64_t fsblk,
		     uint32_t tid);

#endif
