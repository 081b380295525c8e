/*
 * logdump.h: what the logdump text and JSON printers share.
 */
#ifndef JBD_LOGDUMP_H
#define JBD_LOGDUMP_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "fastcommit.h"
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

void json_begin(struct logdump_ctx *c);
/* False when out of memory. */
bool json_event(struct logdump_ctx *c, const struct jbd_event *ev);
void json_finish(struct logdump_ctx *c);

/* The fast-commit area after the log (logdump-fc.c); an exit status. */
int logdump_fast_commit(struct logdump_ctx *c);
/* One fast-commit record in debugfs's words, no newline (replay -v too). */
void fc_record_text(FILE *f, const struct jbd_fc_record *r);

#endif
