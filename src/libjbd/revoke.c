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
 *
 * Every test comes after the last record is read, so the table is an
 * array: records are appended, and when it is full it is sorted and each
 * block's records merged into one before it grows.  Memory is 16 bytes a
 * revoked block (a hash table, as e2fsck's, costs three to four times
 * that), and growing only when merging did not free half the array
 * bounds it by the blocks, not the records, however often a block is
 * revoked.
 */
#include <stdlib.h>

#include "jbd2-format.h"
#include "revoke.h"
#include "sort.h"

void jbd_revoke_init(struct jbd_revoke_table *t)
{
	t->recs = NULL;
	t->n = t->cap = t->nsorted = 0;
}

void jbd_revoke_free(struct jbd_revoke_table *t)
{
	free(t->recs);
	jbd_revoke_init(t);
}

static int cmp_rec(const void *a, const void *b)
{
	const struct jbd_revoke_rec *x = a, *y = b;

	return x->fsblk < y->fsblk ? -1 : x->fsblk > y->fsblk;
}

/* Sort, and keep one record a block: its highest tid. */
void jbd_revoke_seal(struct jbd_revoke_table *t)
{
	size_t i, n = 0;

	if (t->nsorted == t->n)
		return;
	jbd_sort(t->recs, t->n, sizeof(*t->recs), cmp_rec);
	for (i = 0; i < t->n; i++) {
		if (n && t->recs[n - 1].fsblk == t->recs[i].fsblk) {
			if (tid_gt(t->recs[i].tid, t->recs[n - 1].tid))
				t->recs[n - 1].tid = t->recs[i].tid;
			continue;
		}
		t->recs[n++] = t->recs[i];
	}
	t->n = t->nsorted = n;
}

errcode_t jbd_revoke_set(struct jbd_revoke_table *t, uint64_t fsblk,
			 uint32_t tid)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct jbd_revoke_rec *p;

		jbd_revoke_seal(t);
		if (t->n * 2 > t->cap || !t->cap) {
			p = realloc(t->recs, cap * sizeof(*p));
			if (!p)
				return EXT2_ET_NO_MEMORY;
			t->recs = p;
			t->cap = cap;
		}
	}
	t->recs[t->n++] = (struct jbd_revoke_rec){ .fsblk = fsblk, .tid = tid };
	return 0;
}

bool jbd_revoke_test(const struct jbd_revoke_table *t, uint64_t fsblk,
		     uint32_t tid)
{
	size_t lo = 0, hi = t->nsorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->recs[mid].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nsorted && t->recs[lo].fsblk == fsblk &&
	       !tid_gt(tid, t->recs[lo].tid);
}
