/*
 * blkmap.c: open addressing with linear probing, kept at most 3/4 full.
 * Block numbers of a replay are clustered, so they are mixed with a
 * Fibonacci multiplier before the table index is taken.  At the peak,
 * while the table doubles, old and new tables cost 68 bytes an entry.
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
	m->flags = NULL;
	m->cap = 0;
	m->count = 0;
}

void jbd_blkmap_free(struct jbd_blkmap *m)
{
	free(m->slots);
	free(m->flags);
	jbd_blkmap_init(m);
}

/* The slot of fsblk, or the empty slot where it would go. */
static size_t probe(const struct jbd_blkmap *m, uint64_t fsblk)
{
	size_t i;

	for (i = slot_of(m, fsblk); m->flags[i] & JBD_BLKMAP_USED;
	     i = (i + 1) & (m->cap - 1))
		if (m->slots[i].fsblk == fsblk)
			break;
	return i;
}

struct jbd_blkmap_entry *jbd_blkmap_find(const struct jbd_blkmap *m,
					 uint64_t fsblk)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = probe(m, fsblk);
	return (m->flags[i] & JBD_BLKMAP_USED) ? &m->slots[i] : NULL;
}

static errcode_t grow(struct jbd_blkmap *m)
{
	struct jbd_blkmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 1024;
	m->slots = malloc(m->cap * sizeof(*m->slots));
	m->flags = calloc(m->cap, 1);
	if (!m->slots || !m->flags) {
		free(m->slots);
		free(m->flags);
		*m = old;
		return EXT2_ET_NO_MEMORY;
	}
	for (i = 0; i < old.cap; i++) {
		size_t j;

		if (!(old.flags[i] & JBD_BLKMAP_USED))
			continue;
		j = probe(m, old.slots[i].fsblk);
		m->slots[j] = old.slots[i];
		m->flags[j] = old.flags[i];
	}
	free(old.slots);
	free(old.flags);
	return 0;
}

errcode_t jbd_blkmap_get(struct jbd_blkmap *m, uint64_t fsblk,
			 struct jbd_blkmap_entry **ret, bool *ret_new)
{
	errcode_t err;
	size_t i;

	if (ret_new)
		*ret_new = false;
	if (m->cap) {
		i = probe(m, fsblk);
		if (m->flags[i] & JBD_BLKMAP_USED) {
			*ret = &m->slots[i];
			return 0;
		}
	}
	if ((m->count + 1) * 4 > m->cap * 3) {
		err = grow(m);
		if (err)
			return err;
	}
	i = probe(m, fsblk);
	m->slots[i] = (struct jbd_blkmap_entry){ .fsblk = fsblk };
	m->flags[i] = JBD_BLKMAP_USED;
	m->count++;
	if (ret_new)
		*ret_new = true;
	*ret = &m->slots[i];
	return 0;
}
