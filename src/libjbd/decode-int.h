/*
 * decode-int.h: what decode.c and decode-diff.c share (not installed
 * anywhere else).
 */
#ifndef JBD_DECODE_INT_H
#define JBD_DECODE_INT_H

#include "decode.h"

/* Room for element n of the array *arrp points to (T **arrp; *cap elements
   of elem bytes): doubles it.  False when out of memory. */
bool jbd_dec_grow(void *arrp, size_t *cap, size_t n, size_t elem);
/* Append a change (zeroed but for kind); NULL when out of memory. */
struct jbd_field_change *jbd_dec_add(struct jbd_decoded *dec,
				     enum jbd_change_kind kind);
errcode_t jbd_dec_csum_failure(struct jbd_decoded *dec, const char *what,
			       ext2_ino_t ino, bool has_group, uint32_t group);

/* Is the raw inode at buf in use (links, or a mode without dtime)? */
bool jbd_raw_inode_in_use(const uint8_t *buf);
uint16_t jbd_inode_links(const uint8_t *buf);
uint16_t jbd_inode_mode(const uint8_t *buf);
/* The raw inode at raw in memory order (at most sizeof(*out) bytes). */
void jbd_inode_cpu(ext2_filsys fs, const uint8_t *raw,
		   struct ext2_inode_large *out);

/* Field-level differences of one raw inode (inode_size bytes each). */
errcode_t jbd_diff_inode(ext2_filsys fs, ext2_ino_t ino, const uint8_t *old,
			 const uint8_t *new, struct jbd_decoded *dec);
/* One raw group descriptor (EXT2_DESC_SIZE bytes) of group g. */
errcode_t jbd_diff_group_desc(ext2_filsys fs, dgrp_t g, const uint8_t *old,
			      const uint8_t *new, struct jbd_decoded *dec);
/* A raw superblock (1024 bytes). */
errcode_t jbd_diff_super(const uint8_t *old, const uint8_t *new,
			 struct jbd_decoded *dec);
/* A directory block; old NULL when it held no directory before. */
errcode_t jbd_diff_dir(ext2_filsys fs, const uint8_t *old, const uint8_t *new,
		       struct jbd_decoded *dec);
/* One entry of an extent node: a leaf's extent, or an index's child block
   (len 1). */
struct jbd_ext_ent {
	uint64_t lblk, len, pblk;
	bool unwritten;		/* leaf: an unwritten extent (len without
				   the flag) */
};
/* The entries of a raw extent node of len bytes into out (room for
   (len - 12) / 12); false without the extent magic. */
bool jbd_extent_node(const uint8_t *buf, size_t len, struct jbd_ext_ent *out,
		     size_t *n, unsigned int *depth);

/* An extent tree block (or i_block): entries added and removed. */
errcode_t jbd_diff_extents(const uint8_t *old, size_t old_len,
			   const uint8_t *new, size_t new_len, ext2_ino_t ino,
			   struct jbd_decoded *dec);
/* An indirect block: mappings added and removed (slot -> block). */
errcode_t jbd_diff_indirect(ext2_filsys fs, const uint8_t *old,
			    const uint8_t *new, ext2_ino_t ino,
			    struct jbd_decoded *dec);
/* Changed byte ranges. */
errcode_t jbd_diff_bytes(const uint8_t *old, const uint8_t *new, size_t len,
			 ext2_ino_t ino, struct jbd_decoded *dec);

/* A set of block numbers (decode-blocks.c): add, then sort before has. */
struct jbd_blkset {
	uint64_t *v;
	size_t n, cap;
	bool overflow;		/* too many, or out of memory: not usable */
};
void jbd_blkset_add(struct jbd_blkset *s, uint64_t start, uint64_t len);
void jbd_blkset_sort(struct jbd_blkset *s);
bool jbd_blkset_has(const struct jbd_blkset *s, uint64_t b);
void jbd_blkset_free(struct jbd_blkset *s);

/* Where the blocks of a filesystem are read at one point of the log. */
struct jbd_block_src {
	ext2_filsys fs;
	bool (*read)(void *ctx, uint64_t fsblk, uint8_t *buf);
	void *ctx;
};
/* Add to out every block the raw inode refers to: data, extent tree and
   indirect blocks, its xattr block (pointers outside the fs left out). */
void jbd_inode_blocks(const struct jbd_block_src *src, const uint8_t *raw,
		      struct jbd_blkset *out);

#endif
