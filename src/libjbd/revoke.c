/*
 * revoke.c: the revoke table.
 *
 * Theory of operation.  When a transaction frees a metadata block that an
 * earlier transaction logged, it writes a revoke record: the earlier
 * copies must not be replayed, because the block may since hold user
 * data that the journal never saw.  Recovery first collects every record
 * of the transactions it will replay, keeping for each block only the
 * highest revoking tid (kernel and e2fsck jbd2_journal_set_revoke).  A
 * copy logged in transaction T is then skipped when the block's revoking
 * tid is >= T: a revoke cancels copies in its own transaction and in
 * earlier ones, never in later ones, so a block that is freed, reused
 * and logged again replays its newest copy.  Tids wrap, so they are only
 * compared through tid_gt().
 */
#include "jbd2-format.h"
#include "revoke.h"

void jbd_revoke_init(struct jbd_revoke_table *t)
{
	jbd_blkmap_init(&t->map);
}

void jbd_revoke_free(struct jbd_revoke_table *t)
{
	jbd_blkmap_free(&t->map);
}

errcode_t jbd_revoke_set(struct jbd_revoke_table *t, uint64_t fsblk,
			 uint32_t tid)
{
	struct jbd_blkmap_entry *e;
	bool fresh;
	errcode_t err;

	err = jbd_blkmap_get(&t->map, fsblk, &e, &fresh);
	if (err)
		return err;
	if (fresh || tid_gt(tid, e->tid))
		e->tid = tid;
	return 0;
}

bool jbd_revoke_test(const struct jbd_revoke_table *t, uint64_t fsblk,
		     uint32_t tid)
{
	const struct jbd_blkmap_entry *e = jbd_blkmap_find(&t->map, fsblk);

	return e && !tid_gt(tid, e->tid);
}
