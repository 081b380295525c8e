/*
 * blkmap.h: a hash map from filesystem block number to a small record,
 * sized as it fills: the replay plan of a log that logs blocks twice, and
 * decode's last copy of each block.
 * An entry is 16 bytes; its flags live in a byte array beside the slots.
 */
#ifndef JBD_BLKMAP_H
#define JBD_BLKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct jbd_blkmap_entry {
	uint64_t fsblk;
	uint32_t tid;
	uint32_t jblk;
};

#define JBD_BLKMAP_USED		0x80	/* in flags[]: the slot holds an entry */

struct jbd_blkmap {
	struct jbd_blkmap_entry *slots;
	uint8_t *flags;		/* per slot: JBD_BLKMAP_USED plus the user's bits */
	size_t cap;		/* a power of two, or 0 */
	size_t count;
};

void jbd_blkmap_init(struct jbd_blkmap *m);
void jbd_blkmap_free(struct jbd_blkmap *m);
/* The entry of fsblk, or NULL. */
struct jbd_blkmap_entry *jbd_blkmap_find(const struct jbd_blkmap *m,
					 uint64_t fsblk);
/*
 * The entry of fsblk, added zeroed (flags USED) if it was not there, in
 * which case *ret_new (when not NULL) is set.  Entries move when the map
 * grows: a pointer is good until the next jbd_blkmap_get().
 */
errcode_t jbd_blkmap_get(struct jbd_blkmap *m, uint64_t fsblk,
			 struct jbd_blkmap_entry **ret, bool *ret_new);

/* The flags byte of an entry of m. */
static inline uint8_t *jbd_blkmap_flags(const struct jbd_blkmap *m,
					const struct jbd_blkmap_entry *e)
{
	return &m->flags[e - m->slots];
}

#endif
