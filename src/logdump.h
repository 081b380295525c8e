/*
 * logdump.h: what the logdump text and JSON printers share.
 */
#ifndef JBD_LOGDUMP_H
#define JBD_LOGDUMP_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "journal.h"
#include "output.h"
#include "walk.h"

struct logdump_ctx {
	/* options */
	bool all, contents, old, super, have_block, filtered;
	uint64_t block;
	const char *inode_spec;
	const char *journal;
	const char *image;

	struct jbd_journal *j;
	struct out out;
	uint8_t *scratch;		/* one block */
	uint64_t bitmap_block;		/* -b: block bitmap of its group */
	ext2_ino_t ino;			/* -i */
	uint64_t inode_block;
	uint32_t inode_offset;
	struct json_tx *tx;		/* JSON: the transaction being built */

	/* --decode (logdump-decode.c) */
	bool decode;
	struct jbd_decoder *decoder;
	struct jbd_decoded decoded;	/* of the current tag */
	struct jbd_decode_summary summary;
	bool have_summary;		/* a transaction just ended */
};

struct inode_fields {
	uint16_t mode;
	uint32_t uid, gid;
	uint64_t size;
	uint16_t links;
	uint32_t atime, ctime, mtime, dtime;
	uint32_t flags;
};

void decode_inode(const uint8_t *buf, struct inode_fields *f);
bool logdump_wants(const struct logdump_ctx *c, const struct jbd_event *ev);

int decode_setup(struct logdump_ctx *c);
void decode_teardown(struct logdump_ctx *c);
int decode_before(struct logdump_ctx *c, const struct jbd_event *ev);
void decode_after(struct logdump_ctx *c, const struct jbd_event *ev);
void decode_print_tag_text(struct logdump_ctx *c);
void decode_print_block_json(struct logdump_ctx *c, const struct jbd_decoded *d);
void decode_print_summary_json(struct logdump_ctx *c);

void json_begin(struct logdump_ctx *c);
/* False when out of memory. */
bool json_event(struct logdump_ctx *c, const struct jbd_event *ev);
void json_finish(struct logdump_ctx *c);

#endif
