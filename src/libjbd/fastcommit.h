/*
 * fastcommit.h: the fast-commit area after the log, read as the kernel's
 * recovery reads it (fs/jbd2/recovery.c fc_do_one_pass, fs/ext4/
 * fast_commit.c ext4_fc_replay_scan).
 *
 * Geometry: with incompat FAST_COMMIT, s_maxlen includes s_num_fc_blks
 * (256 when 0) blocks at the end of the journal.  The log ends at
 * j_last = s_maxlen - num_fc; the kernel's area starts at j_last + 1 and
 * its writer fills blocks up to s_maxlen - 1 (block j_last is unused).
 *
 * Contents: ext4-level TLV records (le16 tag, le16 len, value), never
 * crossing a block.  A fast commit is HEAD (first one of a transaction
 * only), the records, then TAIL {tid, crc}: crc32c seeded with 0 over every
 * record since the previous TAIL (or HEAD) up to the tail's crc field.
 * Only records up to the last TAIL whose tid is the transaction after the
 * last full commit and whose crc matches are replayed.
 *
 * Every length is checked before use (ext4_fc_value_len_isvalid): records
 * never reach past their block, names are 1..255 bytes, raw inodes
 * 128..s_inode_size bytes.
 */
#ifndef JBD_FASTCOMMIT_H
#define JBD_FASTCOMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>

#include "journal.h"

/* EXT4_FC_TAG_* */
#define JBD_FC_ADD_RANGE	1
#define JBD_FC_DEL_RANGE	2
#define JBD_FC_CREAT		3
#define JBD_FC_LINK		4
#define JBD_FC_UNLINK		5
#define JBD_FC_INODE		6
#define JBD_FC_PAD		7
#define JBD_FC_TAIL		8
#define JBD_FC_HEAD		9

#define JBD_FC_TL_LEN		4	/* le16 tag, le16 len */
#define JBD_FC_NAME_MAX		255	/* EXT4_NAME_LEN */
#define JBD_FC_SUPPORTED_FEATURES 0

struct jbd_fc_record {
	uint32_t jblk;			/* journal block */
	uint32_t off;			/* byte offset of the tag in it */
	uint16_t tag, len;		/* len: of the value, as stored */
	const uint8_t *value;		/* into the area buffer */

	uint32_t ino;			/* all but PAD, TAIL, HEAD */
	uint32_t parent;		/* CREAT, LINK, UNLINK */
	const uint8_t *name;		/* CREAT, LINK, UNLINK (not 0-ended) */
	uint16_t name_len;
	uint32_t lblk, count;		/* ADD_RANGE (extent), DEL_RANGE */
	uint64_t pblk;			/* ADD_RANGE */
	bool unwritten;			/* ADD_RANGE */
	const uint8_t *raw_inode;	/* INODE: inode_len bytes */
	uint16_t inode_len;
	uint32_t tid;			/* HEAD, TAIL */
	uint32_t features;		/* HEAD */
	uint32_t crc_stored;		/* TAIL */
	uint32_t crc_computed;		/* TAIL: over the records since the last */
	bool tail_good;			/* TAIL: right tid and crc */

	bool replay;			/* inside the part recovery replays */
};

/* Why the kernel's scan of the area stopped. */
enum jbd_fc_stop {
	JBD_FC_ABSENT,		/* no FAST_COMMIT, or recovery never looks */
	JBD_FC_NO_HEAD,		/* first record is not HEAD: nothing */
	JBD_FC_OTHER_TID,	/* HEAD of another transaction: stale */
	JBD_FC_FEATURES,	/* HEAD with unknown features (EOPNOTSUPP) */
	JBD_FC_BAD_RECORD,	/* unknown tag, or a length out of bounds */
	JBD_FC_BAD_TAIL,	/* TAIL of another tid or with a bad crc */
	JBD_FC_AREA_END,	/* records ran to the end of the area */
};

struct jbd_fc_area {
	uint32_t first;			/* first journal block of the area */
	uint32_t nblocks;		/* blocks read: first .. s_maxlen-1 */
	uint32_t expected_tid;
	uint32_t inode_size;		/* largest raw inode accepted */
	const uint8_t *data;		/* the blocks scanned */
	uint8_t *buf;			/* data, when read by jbd_fc_scan */

	struct jbd_fc_record *recs;	/* every record the scan accepted */
	size_t nrecs;
	size_t nreplay;			/* the first nreplay are replayed */
	unsigned int ncommits;		/* fast commits (good tails) replayed */

	enum jbd_fc_stop stop;
	uint32_t stop_jblk, stop_off;	/* the record that stopped the scan */
	uint16_t stop_tag, stop_len;
	uint32_t stop_tid;		/* OTHER_TID: the HEAD's transaction */
	/*
	 * The kernel's recovery fails (the mount is refused) when the scan
	 * errs before any fast commit is complete: a HEAD for this
	 * transaction followed by a bad record or tail, unknown HEAD
	 * features, or records that run off the end of the area.
	 */
	bool recovery_fails;
};

/*
 * Scan blocks [first, first + nblocks) already in `buf` (which the area
 * keeps pointing into, not owning) as the kernel would for transaction
 * expected_tid.  Pure: for the unit tests and for jbd_fc_scan().
 */
errcode_t jbd_fc_scan_buf(const uint8_t *buf, uint32_t first, uint32_t nblocks,
			  uint32_t blocksize, uint32_t expected_tid,
			  uint32_t inode_size, struct jbd_fc_area *a);

/* Read the area of j and scan it for expected_tid. */
errcode_t jbd_fc_scan(struct jbd_journal *j, uint32_t expected_tid,
		      struct jbd_fc_area *a);

void jbd_fc_free(struct jbd_fc_area *a);

/*
 * One record at byte `off` of a block: false when it does not fit or its
 * length is not valid for its tag (the kernel's scan would stop there).
 * Fields of r other than replay/tail_good/crc_computed are set.
 */
bool jbd_fc_parse(const uint8_t *block, uint32_t blocksize, uint32_t off,
		  uint32_t inode_size, struct jbd_fc_record *r);

/* "ADD_RANGE" ... "HEAD", or NULL for an unknown tag. */
const char *jbd_fc_tag_name(uint16_t tag);
const char *jbd_fc_stop_name(enum jbd_fc_stop stop);

/* First journal block of the area and how many blocks the kernel reads. */
void jbd_fc_geometry(const struct jbd_sb *sb, uint32_t *first,
		     uint32_t *nblocks);

#endif

/*
 * -O: every record of every block of the area, each block parsed from its
 * start up to the first record that does not parse, stale ones included.
 * Tail verdicts are computed as the scan would (crc since the previous
 * tail, for a->expected_tid); `replay` is set on the records the scan
 * takes.  *ret is malloc'ed; records point into a->buf.
 */
errcode_t jbd_fc_list_all(const struct jbd_fc_area *a, uint32_t blocksize,
			  struct jbd_fc_record **ret, size_t *nret);

/*
 * Before the first write: does a replayed record name something outside
 * the filesystem?  ADD_RANGE blocks must lie inside the filesystem, not in
 * the journal and not on group metadata (superblocks, descriptors, bitmaps,
 * inode tables); inode numbers must be in range and not reserved (the
 * root only as a parent).  Returns JBD_ET_FC_TARGET with *ret_index the
 * first bad record, or 0.
 */
errcode_t jbd_fc_check_targets(const struct jbd_journal *j,
			       const struct jbd_fc_area *a, size_t *ret_index);
