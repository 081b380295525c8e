/*
 * walk.h: the log walker.  It reads the log as the kernel's recovery scan
 * does and reports what it finds, one event at a time, with checksum
 * verdicts.  It decides nothing: whether a bad checksum ends the log, or
 * what gets replayed, is the caller's policy (recover.c, verify, logdump).
 *
 * Events come in log order.  A descriptor is followed by one TAG event per
 * tag, a revoke block by one REVOKE event per record; the walk ends with
 * exactly one END event.  Pointers in an event stay valid until the next
 * call of jbd_walk_next().
 */
#ifndef JBD_WALK_H
#define JBD_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"

enum jbd_ev_type {
	JBD_EV_DESCRIPTOR,
	JBD_EV_TAG,
	JBD_EV_REVOKE_BLOCK,
	JBD_EV_REVOKE,
	JBD_EV_COMMIT,
	JBD_EV_END,
};

enum jbd_end_reason {
	JBD_END_CLEAN,		/* s_start == 0: the log is empty */
	JBD_END_NO_MAGIC,	/* a block without the JBD2 magic */
	JBD_END_SEQUENCE,	/* h_sequence is not the expected tid */
	JBD_END_BLOCKTYPE,	/* a block type that cannot appear in the log */
	JBD_END_BAD_R_COUNT,	/* not from the walker: a caller stopping at
				   a revoke block with r_count_bad */
	JBD_END_LOOP,		/* the walk would repeat itself for ever: a
				   header block met twice in one tid */
	JBD_END_AREA,		/* JBD_WALK_ALL: reached the end of the area */
};

struct jbd_event {
	enum jbd_ev_type type;
	uint32_t tid;		/* h_sequence of the log block */
	uint32_t jblk;		/* the log block; for TAG, the data block */

	/* DESCRIPTOR, REVOKE_BLOCK, COMMIT: the block's own checksum.
	 * TAG: the data checksum (JBD_CSUM_NONE unless data was read). */
	enum jbd_csum csum;
	uint32_t csum_stored;
	uint32_t csum_computed;
	const uint8_t *block;	/* the raw log block (TAG: its data, or NULL) */

	/* DESCRIPTOR */
	unsigned int ntags;
	bool no_last_tag;	/* tags ran to the block end without LAST_TAG */
	/* TAG (index within its descriptor) and REVOKE */
	unsigned int index;
	uint32_t descr_jblk;	/* TAG: descriptor; REVOKE: revoke block */
	uint64_t fsblk;
	uint32_t flags;		/* TAG: t_flags as stored */
	/* REVOKE_BLOCK */
	uint32_t r_count;
	bool r_count_bad;	/* past the block: no records are read */
	unsigned int nrecords;
	/* COMMIT */
	uint64_t commit_sec;
	uint32_t commit_nsec;
	uint8_t chksum_type;
	uint8_t chksum_size;

	/* END */
	enum jbd_end_reason end;
	uint32_t found_tid;	/* SEQUENCE: the tid found */
	uint32_t found_type;	/* BLOCKTYPE: the block type found */
};

#define JBD_WALK_READ_DATA	0x1	/* read data blocks: tag and v1 verdicts */
#define JBD_WALK_ALL		0x2	/* every block of the log area, one pass */

struct jbd_walk_opts {
	unsigned int flags;
	/* JBD_WALK_ALL: visit area_len blocks from area_start, following the
	 * wrap; area_len 0 means the whole area from s_first. */
	uint32_t area_start, area_len;
};

struct jbd_walk;

/*
 * Start a walk at s_start expecting tid s_sequence, or, with JBD_WALK_ALL,
 * at s_first visiting each block of the log area once whatever its tid.
 * The journal superblock must have been accepted (j->sb_error == 0).
 */
errcode_t jbd_walk_begin(struct jbd_journal *j,
			 const struct jbd_walk_opts *opts,
			 struct jbd_walk **ret_w);
/* Next event; returns an error only for I/O failures. */
errcode_t jbd_walk_next(struct jbd_walk *w, struct jbd_event *ev);
void jbd_walk_end(struct jbd_walk *w);
/* After an I/O error: the journal block whose read failed. */
uint32_t jbd_walk_io_jblk(const struct jbd_walk *w);

/* The next journal block of the circular log after jblk. */
uint32_t jbd_log_next(const struct jbd_sb *sb, uint32_t jblk);

const char *jbd_end_reason_name(enum jbd_end_reason r);

/* Tags a descriptor block of bs bytes can hold at most. */
unsigned int jbd_max_tags(const struct jbd_sb *sb, uint32_t bs);

/*
 * The stored data checksums of the tags of a descriptor block, parsed as
 * the walk parses them, into csums (room for jbd_max_tags()); returns how
 * many tags it has.
 */
unsigned int jbd_descriptor_csums(const struct jbd_sb *sb, uint32_t bs,
				  const uint8_t *block, uint32_t *csums);

#endif
