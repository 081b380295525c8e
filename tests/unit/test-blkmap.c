/*
 * test-blkmap.c: the block map, through several doublings (every key
 * found with its record and flags, absent keys not found); the revoke
 * table (a revoke cancels copies of its own and earlier transactions,
 * with tids that wrap; a block revoked again and again costs one record);
 * the in-place sort under both.
 */
#include <stdlib.h>

#include "blkmap.h"
#include "revoke.h"
#include "sort.h"
#include "tap.h"

#define NKEYS 200000

/* Clustered runs as a replay names them, plus far-away and huge blocks. */
static uint64_t key(size_t i)
{
	if (i % 7 == 6)
		return 0xFFFFFFFF00000000ULL + i;	/* a corrupt tag's block */
	return (uint64_t)(i / 256) * 32768 * 3 + i % 256;
}

static void test_map(void)
{
	struct jbd_blkmap m;
	struct jbd_blkmap_entry *e;
	size_t i, bad = 0;
	bool fresh;

	jbd_blkmap_init(&m);
	ok(jbd_blkmap_find(&m, 42) == NULL, "an empty map finds nothing");
	for (i = 0; i < NKEYS && !bad; i++) {
		if (jbd_blkmap_get(&m, key(i), &e, &fresh) || !fresh) {
			bad++;
			break;
		}
		e->tid = (uint32_t)i;
		e->jblk = (uint32_t)(i * 3);
		*jbd_blkmap_flags(&m, e) |= (i & 1);
	}
	ok(!bad && m.count == NKEYS, "%d distinct keys added as new (count %zu)",
	   NKEYS, m.count);
	ok(m.count * 4 <= m.cap * 3, "at most 3/4 full (%zu of %zu)", m.count,
	   m.cap);
	for (i = 0; i < NKEYS; i++) {
		e = jbd_blkmap_find(&m, key(i));
		if (!e || e->fsblk != key(i) || e->tid != (uint32_t)i ||
		    e->jblk != (uint32_t)(i * 3) ||
		    *jbd_blkmap_flags(&m, e) != (JBD_BLKMAP_USED | (i & 1)))
			bad++;
	}
	ok(!bad, "every record and flag survives the doublings (%zu wrong)", bad);
	for (i = 0; i < 1000; i++)
		if (jbd_blkmap_find(&m, 32768 * 3 * 5000 + 1000 + i))
			bad++;
	ok(!bad, "absent keys are not found");
	ok(!jbd_blkmap_get(&m, key(17), &e, &fresh) && !fresh &&
	   e->tid == 17 && m.count == NKEYS,
	   "get of a present key returns it, not new, count unchanged");
	jbd_blkmap_free(&m);
	ok(m.cap == 0 && m.count == 0 && !m.slots && !m.flags, "free empties it");
}

static void test_revoke(void)
{
	struct jbd_revoke_table t;

	jbd_revoke_init(&t);
	ok(!jbd_revoke_set(&t, 100, 5) && !jbd_revoke_set(&t, 100, 3),
	   "revoke block 100 in transactions 5 and 3");
	ok(!jbd_revoke_set(&t, 200, 2) && !jbd_revoke_set(&t, 200, 0xFFFFFFFEU),
	   "revoke block 200 in transactions 0xfffffffe and 2 (tids wrap)");
	jbd_revoke_seal(&t);
	ok(jbd_revoke_test(&t, 100, 5) && jbd_revoke_test(&t, 100, 4),
	   "copies of transactions 5 and 4 are revoked (highest tid kept)");
	ok(!jbd_revoke_test(&t, 100, 6), "a copy of transaction 6 is not");
	ok(!jbd_revoke_test(&t, 101, 1), "another block is not revoked");
	ok(jbd_revoke_test(&t, 200, 0xFFFFFFFFU) && jbd_revoke_test(&t, 200, 1),
	   "copies of 0xffffffff and 1, before 2 across the wrap, are revoked");
	ok(!jbd_revoke_test(&t, 200, 3), "a copy of transaction 3 is not");
	jbd_revoke_free(&t);
}

/* Many records: the array grows by the blocks, not by the records. */
static void test_revoke_many(void)
{
	struct jbd_revoke_table t;
	size_t i, bad = 0;

	jbd_revoke_init(&t);
	for (i = 0; i < NKEYS && !bad; i++)
		bad += jbd_revoke_set(&t, key(i), (uint32_t)(i + 10)) != 0;
	for (i = 0; i < 4 * NKEYS && !bad; i++)	/* 1000 blocks, again */
		bad += jbd_revoke_set(&t, key(i % 1000), (uint32_t)(i % 7)) != 0;
	jbd_revoke_seal(&t);
	ok(!bad && t.n == NKEYS, "%d blocks revoked, %d times more: %zu records",
	   NKEYS, 4 * NKEYS, t.n);
	ok(t.cap <= 2 * 262144, "the array holds %zu, for %d blocks", t.cap,
	   NKEYS);
	for (i = 0; i < NKEYS; i++)
		if (!jbd_revoke_test(&t, key(i), (uint32_t)(i + 10)) ||
		    jbd_revoke_test(&t, key(i), (uint32_t)(i + 11)))
			bad++;
	ok(!bad, "each block keeps its highest tid (%zu wrong)", bad);
	ok(!jbd_revoke_test(&t, 32768 * 3 * 5000 + 1000, 0),
	   "an absent block is not revoked");
	jbd_revoke_free(&t);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_sort(void)
{
	static uint64_t v[NKEYS];
	size_t i, n, bad = 0;
	unsigned shape;

	for (shape = 0; shape < 4; shape++) {
		n = shape == 3 ? 17 : NKEYS;
		for (i = 0; i < n; i++)
			v[i] = shape == 0 ? key(i) * 2654435761U % 1000003 :
			       shape == 1 ? n - i : shape == 2 ? i % 3 : 17 - i;
		jbd_sort(v, n, sizeof(*v), cmp_u64);
		for (i = 1; i < n; i++)
			bad += v[i - 1] > v[i];
	}
	ok(!bad, "jbd_sort orders scattered, descending, repeated and short arrays");
}

int main(void)
{
	test_map();
	test_revoke();
	test_revoke_many();
	test_sort();
	return done_testing();
}
