/*
 * blkmap.c: open addressing with linear probing, kept at most half full.
 * Block numbers of a replay are clustered, so they are mixed with a
 * Fibonacci multiplier before the table index is taken.
 */
#include <stdlib.h>

#include "blkmap.h"

static size_t slot_of(const struct jbd_blkmap *m, uint64_t fsblk)
{
	return (size_t)((fsblk * 0x9E3779B97F4A7C15ULL) >> 17) & (m->cap - 1);
}

void jbd_blkmap_init(struct jbd_blkmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
}

void jbd_blkmap_free(struct jbd_blkmap *m)
{
	free(m->slots);
	jbd_blkmap_init(m);
}

struct jbd_blkmap_entry *jbd_blkmap_find(const struct jbd_blkmap *m,
					 uint64_t fsblk)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, fsblk); m->slots[i].flags & JBD_BLKMAP_USED;
	     i = (i + 1) & (m->cap - 1))
		if (m->slots[i].fsblk == fsblk)
			return &m->slots[i];
	return NULL;
}

static errcode_t grow(struct jbd_blkmap *m)
{
	struct jbd_blkmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return EXT2_ET_NO_MEMORY;
	}
	m->count = 0;
	for (i = 0; i < old.cap; i++) {
		struct jbd_blkmap_entry *e = &old.slots[i];
		size_t j;

		if (!(e->flags & JBD_BLKMAP_USED))
			continue;
		for (j = slot_of(m, e->fsblk); m->slots[j].flags & JBD_BLKMAP_USED;
		     j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = *e;
		m->count++;
	}
	free(old.slots);
	return 0;
}

errcode_t jbd_blkmap_get(struct jbd_blkmap *m, uint64_t fsblk,
			 struct jbd_blkmap_entry **ret)
{
	struct jbd_blkmap_entry *e = jbd_blkmap_find(m, fsblk);
	errcode_t err;
	size_t i;

	if (e) {
		*ret = e;
		return 0;
	}
	if ((m->count + 1) * 2 > m->cap) {
		err = grow(m);
		if (err)
			return err;
	}
	for (i = slot_of(m, fsblk); m->slots[i].flags & JBD_BLKMAP_USED;
	     i = (i + 1) & (m->cap - 1))
		;
	m->slots[i] = (struct jbd_blkmap_entry){ .fsblk = fsblk,
						 .flags = JBD_BLKMAP_USED };
	m->count++;
	*ret = &m->slots[i];
	return 0;
}
