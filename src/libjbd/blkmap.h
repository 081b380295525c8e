/*
 * blkmap.h: a hash map from filesystem block number to a small record,
 * sized as it fills.  The revoke table and the replay plan both use it.
 */
#ifndef JBD_BLKMAP_H
#define JBD_BLKMAP_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct jbd_blkmap_entry {
	uint64_t fsblk;
	uint32_t tid;
	uint32_t jblk;
	uint32_t flags;		/* JBD_BLKMAP_USED plus the user's bits */
};

#define JBD_BLKMAP_USED		0x80000000U

struct jbd_blkmap {
	struct jbd_blkmap_entry *slots;
	size_t cap;		/* a power of two, or 0 */
	size_t count;
};

void jbd_blkmap_init(struct jbd_blkmap *m);
void jbd_blkmap_free(struct jbd_blkmap *m);
/* The entry of fsblk, or NULL. */
struct jbd_blkmap_entry *jbd_blkmap_find(const struct jbd_blkmap *m,
					 uint64_t fsblk);
/* The entry of fsblk, added zeroed (flags = USED) if it was not there. */
errcode_t jbd_blkmap_get(struct jbd_blkmap *m, uint64_t fsblk,
			 struct jbd_blkmap_entry **ret);

#endif
