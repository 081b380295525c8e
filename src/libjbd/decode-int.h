/*
 * decode-int.h: what decode.c and decode-diff.c share (not installed
 * anywhere else).
 */
#ifndef JBD_DECODE_INT_H
#define JBD_DECODE_INT_H

#include "decode.h"
#include "overlay-io.h"

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

/*
 * Make libext2fs read inode ino of fs as in (for its code that reads an
 * inode by number) until jbd_inode_hook_clear(fs): one inode at a time.
 * Returns the copy it serves, which the caller may still change.
 */
struct ext2_inode *jbd_inode_hook_set(ext2_filsys fs, ext2_ino_t ino,
				      const struct ext2_inode *in);
void jbd_inode_hook_clear(ext2_filsys fs);

/* What an inode's block map refers to (jbd_inode_walk). */
enum jbd_map_kind {
	JBD_MAP_DATA,		/* data (directory, symlink, file) blocks */
	JBD_MAP_EXTENT_TREE,	/* an extent tree block below i_block */
	JBD_MAP_INDIRECT,	/* an indirect block of any level */
	JBD_MAP_XATTR,		/* its xattr block */
};
/*
 * Blocks [pblk, pblk+len) are kind of the inode: data from logical block
 * lblk (-1 for other kinds); an extent tree block at depth (-1 for other
 * kinds).  Non-zero stops the walk and is its result.
 */
typedef errcode_t (*jbd_map_fn)(void *priv, enum jbd_map_kind kind,
				uint64_t pblk, uint64_t len, int64_t lblk,
				int depth);
/*
 * Every block inode ino (in memory order, as jbd_inode_cpu gives it)
 * refers to that lies in the filesystem, its xattr block first, through
 * libext2fs (ext2fs_extent_open2/ext2fs_extent_get, ext2fs_block_iterate3)
 * on fs.  With read, fs is a filesystem from jbd_overlay_open whose tree
 * blocks are read with read(ctx, ...) for the walk; without, as fs reads
 * them.
 */
errcode_t jbd_inode_walk(ext2_filsys fs, jbd_overlay_view_fn read,
			 void *ctx, ext2_ino_t ino,
			 struct ext2_inode_large *inode, jbd_map_fn fn,
			 void *priv);
/* Add to out every block jbd_inode_walk reports. */
void jbd_inode_blocks(ext2_filsys view, jbd_overlay_view_fn read, void *ctx,
		      ext2_ino_t ino, const uint8_t *raw,
		      struct jbd_blkset *out);

#endif
