/*
 * logdump.h: logdump's context, its two printers and what they share.
 *
 * cmd-logdump.c walks the log once and hands every event to one printer
 * (logdump-text.c or logdump-json.c), then the recovery verdict.  The
 * printers share only logdump-fields.c; a new way of showing a logged
 * block (a decoder, say) goes there, and each printer calls it.
 */
#ifndef JBD_LOGDUMP_H
#define JBD_LOGDUMP_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "decode.h"
#include "fastcommit.h"
#include "journal.h"
#include "output.h"
#include "verdict.h"
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

/* logdump-fields.c: shared by both printers. */
#define LOGDUMP_NFLAGS 4
extern const char *const logdump_flag_names[LOGDUMP_NFLAGS];	/* t_flags bits */
void logdump_decode_inode(const uint8_t *buf, struct inode_fields *f);
bool logdump_wants(const struct logdump_ctx *c, const struct jbd_event *ev);
/* -b: is the block marked in the logged copy of its group's block bitmap? */
bool logdump_bitmap_bit(const struct logdump_ctx *c, const uint8_t *bitmap);
/* The logged block as it belongs on disk (escaped magic restored). */
void logdump_restore_block(const struct jbd_event *ev, uint32_t bs, uint8_t *out);
void logdump_format_time(char *buf, size_t len, uint64_t sec);

/* logdump-text.c */
void text_event(struct logdump_ctx *c, const struct jbd_event *ev);
void text_verdict(struct logdump_ctx *c, const struct jbd_verdict *v);

/* logdump-decode.c: --decode, called by both printers. */
int decode_setup(struct logdump_ctx *c);
void decode_teardown(struct logdump_ctx *c);
int decode_before(struct logdump_ctx *c, const struct jbd_event *ev);
void decode_after(struct logdump_ctx *c, const struct jbd_event *ev);
void decode_print_tag_text(struct logdump_ctx *c);
void decode_print_block_json(struct logdump_ctx *c, const struct jbd_decoded *d);
void decode_print_summary_json(struct logdump_ctx *c);

/* logdump-json.c */
void json_begin(struct logdump_ctx *c);
/* False when out of memory. */
bool json_event(struct logdump_ctx *c, const struct jbd_event *ev);
void json_finish(struct logdump_ctx *c);

/* The fast-commit area after the log (logdump-fc.c); an exit status. */
int logdump_fast_commit(struct logdump_ctx *c);
/* One fast-commit record in debugfs's words, no newline (replay -v too). */
void fc_record_text(FILE *f, const struct jbd_fc_record *r);

#endif
