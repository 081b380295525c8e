/*
 * decode-int.h: what decode.c and decode-diff.c share (not installed
 * anywhere else).
 */
#ifndef JBD_DECODE_INT_H
#define JBD_DECODE_INT_H

#include "decode.h"

/* Append a change (zeroed but for kind); NULL when out of memory. */
struct jbd_change *jbd_dec_add(struct jbd_decoded *dec, enum jbd_change_kind kind);
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

#endif
