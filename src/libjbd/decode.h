/*
 * decode.h: what a logged block is and what it changes, in filesystem
 * terms (logdump --decode).  The role of a block comes from the
 * filesystem as it will be after replay (overlay-io.h); the changes of a
 * copy are against the copy before it: the previous copy in the log, or
 * the block on disk for the first.  Structures are read with libext2fs's
 * own types and checksum helpers.
 *
 * Use: jbd_decode_open(), then every walker event in log order to
 * jbd_decode_tx_end() and every TAG to jbd_decode_tag().
 */
#ifndef JBD_DECODE_H
#define JBD_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "walk.h"

enum jbd_role_kind {
	JBD_ROLE_UNKNOWN,
	JBD_ROLE_SUPERBLOCK,
	JBD_ROLE_GROUP_DESCRIPTORS,
	JBD_ROLE_RESERVED_GDT,
	JBD_ROLE_BLOCK_BITMAP,
	JBD_ROLE_INODE_BITMAP,
	JBD_ROLE_INODE_TABLE,
	JBD_ROLE_DIRECTORY,
	JBD_ROLE_EXTENT_TREE,
	JBD_ROLE_INDIRECT,
	JBD_ROLE_XATTR,
	JBD_ROLE_SYMLINK,
	JBD_ROLE_DATA,
	JBD_ROLE_JOURNAL,
};

struct jbd_role {
	enum jbd_role_kind kind;
	bool has_group;
	uint32_t group;		/* the group described (bitmaps, inode table)
				   or holding the copy (superblock, gdt) */
	bool backup;		/* superblock, gdt: a backup copy */
	uint32_t first_group, last_group;	/* gdt block: groups described */
	ext2_ino_t inode;	/* owner, 0 if none */
	ext2_ino_t first_inode, last_inode;	/* inode table block */
	bool has_logical;
	uint64_t logical;	/* data, directory, symlink: logical block */
	int depth;		/* extent tree block: eh_depth; -1 else */
};

enum jbd_change_kind {
	JBD_CH_FIELD,		/* field old -> new (inode, gd, sb, extent header) */
	JBD_CH_TEXT,		/* field old_text -> new_text (names, uuids, symlink) */
	JBD_CH_ENTRY_ADDED,	/* directory entry name -> inode */
	JBD_CH_ENTRY_REMOVED,
	JBD_CH_ENTRY_RENAMED,	/* old_name -> name, same inode */
	JBD_CH_ENTRY_INODE,	/* name: inode old -> new */
	JBD_CH_BITS,		/* bitmap: set[] and cleared[] */
	JBD_CH_EXTENT_ADDED,	/* logical, length, physical (depth 0), or
				   logical -> physical child (index) */
	JBD_CH_EXTENT_REMOVED,
	JBD_CH_BYTES,		/* bytes [start, end) changed */
};

struct jbd_field_change {
	enum jbd_change_kind kind;
	ext2_ino_t inode;	/* inode field, entry's inode; 0 if none */
	bool has_group;
	uint32_t group;		/* group descriptor field */
	const char *field;	/* static name */
	uint64_t old_value, new_value;
	char *old_text, *new_text;	/* TEXT */
	char *name, *old_name;		/* entries */
	uint8_t file_type;
	uint64_t *set, *cleared;	/* BITS: block or inode numbers */
	size_t nset, ncleared;
	bool inode_bits;		/* BITS: inode numbers */
	uint64_t logical, length, physical;	/* extents, mappings */
	bool index;			/* extent index entry */
	bool unwritten;			/* unwritten extent */
	uint32_t start, end;		/* BYTES */
};

/* A metadata checksum of the new copy that does not match. */
struct jbd_csum_failure {
	const char *what;	/* "inode", "directory", "block_bitmap", ... */
	ext2_ino_t inode;
	bool has_group;
	uint32_t group;
};

struct jbd_decoded {
	struct jbd_role role;
	bool first_copy;		/* compared with the block on disk */
	bool disk_written;		/* ... which already holds a logged
					   copy: written home before the crash */
	uint32_t prev_jblk, prev_tid;	/* else: the previous copy */
	bool reused;			/* revoked since the previous copy: a
					   block freed and allocated again */
	struct jbd_field_change *changes;
	size_t nchanges, cap;
	struct jbd_csum_failure *csum_failures;
	size_t ncsum_failures, csum_cap;
	bool csum_checked;		/* some checksum was checked */
};

struct jbd_inconsistency {
	const char *kind;	/* stable name, e.g. "link_count" */
	char message[160];
};

struct jbd_decode_summary {
	uint32_t tid;
	uint64_t inodes_created, inodes_deleted, inodes_changed;
	uint64_t entries_added, entries_removed, entries_renamed;
	uint64_t blocks_allocated, blocks_freed;
	uint64_t inodes_allocated, inodes_freed;	/* inode bitmap */
	uint64_t csum_failures;
	bool checked;		/* consistency checked: every first copy had
				   its earlier state on disk */
	struct jbd_inconsistency *problems;
	size_t nproblems, cap;
};

struct jbd_decoder;

/* Without a filesystem (a bare journal) every block decodes as unknown. */
errcode_t jbd_decode_open(struct jbd_journal *j, bool whole_area,
			  struct jbd_decoder **ret);
void jbd_decode_close(struct jbd_decoder *d);

/*
 * A TAG event (walked with JBD_WALK_READ_DATA for changes; without its
 * data only the role is known): *dec gets the block's role and changes.
 * Every tag must be handed over, in log order, even those not printed.
 */
errcode_t jbd_decode_tag(struct jbd_decoder *d, const struct jbd_event *ev,
			 struct jbd_decoded *dec);
/*
 * Call with every event before jbd_decode_tag(): true when it closes the
 * pending transaction (its COMMIT, the END, or a tag of another tid),
 * whose summary then goes to *s (free with jbd_decode_summary_free).
 */
bool jbd_decode_tx_end(struct jbd_decoder *d, const struct jbd_event *ev,
		       struct jbd_decode_summary *s);

void jbd_decoded_free(struct jbd_decoded *dec);
void jbd_decode_summary_free(struct jbd_decode_summary *s);

const char *jbd_role_kind_name(enum jbd_role_kind k);

#endif
