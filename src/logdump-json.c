/*
 * logdump-json.c: the JSON printer of logdump.  Walker events are grouped
 * by transaction (descriptors, tags, revokes, commit) and a transaction is
 * printed when its commit, or the end of the log, is reached.
 */
#include <stdlib.h>
#include <string.h>

#include "jbd2-format.h"
#include "logdump.h"

struct json_block {
	struct jbd_event ev;		/* block pointer not kept */
	uint8_t *data;			/* -c: the restored block */
	bool has_inode;
	struct inode_fields inode;
	bool has_decoded;
	struct jbd_decoded decoded;	/* --decode */
};

struct json_tx {
	uint32_t tid;
	struct jbd_event *descrs, *rblocks, *revokes;
	size_t ndescrs, nrblocks, nrevokes;
	struct json_block *blocks;
	size_t nblocks;
	size_t cap_descrs, cap_rblocks, cap_revokes, cap_blocks;
};

/* Room for one more element; false when out of memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * size);
	if (!p)
		return false;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

#define PUSH(arr, n, cap, val) \
	(grow((void **)&(arr), &(cap), (n), sizeof(*(arr))) ? \
	 ((arr)[(n)++] = (val), true) : false)

static void free_tx(struct json_tx *tx)
{
	size_t i;

	for (i = 0; i < tx->nblocks; i++) {
		free(tx->blocks[i].data);
		jbd_decoded_free(&tx->blocks[i].decoded);
	}
	free(tx->descrs);
	free(tx->rblocks);
	free(tx->revokes);
	free(tx->blocks);
	free(tx);
}

static void print_flags(struct out *o, uint32_t flags)
{
	unsigned int i;

	out_list_begin(o, "flags", NULL);
	for (i = 0; i < LOGDUMP_NFLAGS; i++)
		if (flags & (1U << i))
			out_str(o, NULL, NULL, logdump_flag_names[i]);
	out_list_end(o);
	out_u64(o, "flags_value", NULL, flags);
}

static void print_hex(struct out *o, const uint8_t *data, uint32_t bs)
{
	char *hex = malloc((size_t)bs * 2 + 1);
	uint32_t i;

	if (!hex) {
		out_null(o, "data", NULL);
		return;
	}
	for (i = 0; i < bs; i++)
		snprintf(hex + 2 * i, 3, "%02x", data[i]);
	out_str(o, "data", NULL, hex);
	free(hex);
}

static void print_block(struct logdump_ctx *c, const struct json_block *b)
{
	struct out *o = &c->out;

	out_object_begin(o, NULL);
	out_u64(o, "fs_block", NULL, b->ev.fsblk);
	out_u64(o, "journal_block", NULL, b->ev.jblk);
	print_flags(o, b->ev.flags);
	out_verdict(o, "checksum_ok", NULL, b->ev.csum);
	if (b->has_inode) {
		out_object_begin(o, "inode");
		out_u64(o, "number", NULL, c->ino);
		out_u64(o, "mode", NULL, b->inode.mode);
		out_u64(o, "size", NULL, b->inode.size);
		out_u64(o, "links_count", NULL, b->inode.links);
		out_u64(o, "uid", NULL, b->inode.uid);
		out_u64(o, "gid", NULL, b->inode.gid);
		out_u64(o, "flags", NULL, b->inode.flags);
		out_u64(o, "atime", NULL, b->inode.atime);
		out_u64(o, "ctime", NULL, b->inode.ctime);
		out_u64(o, "mtime", NULL, b->inode.mtime);
		out_u64(o, "dtime", NULL, b->inode.dtime);
		out_object_end(o);
	}
	if (b->has_decoded)
		decode_print_block_json(c, &b->decoded);
	if (b->data)
		print_hex(o, b->data, c->j->blocksize);
	out_object_end(o);
}

static void print_tx(struct logdump_ctx *c, const struct jbd_event *commit)
{
	struct json_tx *tx = c->tx;
	struct out *o = &c->out;
	size_t i;

	out_object_begin(o, NULL);
	out_u64(o, "sequence", NULL, tx->tid);
	out_list_begin(o, "descriptor_blocks", NULL);
	for (i = 0; i < tx->ndescrs; i++) {
		out_object_begin(o, NULL);
		out_u64(o, "journal_block", NULL, tx->descrs[i].jblk);
		out_u64(o, "tags", NULL, tx->descrs[i].ntags);
		out_bool(o, "last_tag_missing", NULL, tx->descrs[i].no_last_tag);
		out_verdict(o, "checksum_ok", NULL, tx->descrs[i].csum);
		out_object_end(o);
	}
	out_list_end(o);
	out_list_begin(o, "blocks", NULL);
	for (i = 0; i < tx->nblocks; i++)
		print_block(c, &tx->blocks[i]);
	out_list_end(o);
	out_list_begin(o, "revoke_blocks", NULL);
	for (i = 0; i < tx->nrblocks; i++) {
		out_object_begin(o, NULL);
		out_u64(o, "journal_block", NULL, tx->rblocks[i].jblk);
		out_u64(o, "r_count", NULL, tx->rblocks[i].r_count);
		out_bool(o, "r_count_valid", NULL, !tx->rblocks[i].r_count_bad);
		out_verdict(o, "checksum_ok", NULL, tx->rblocks[i].csum);
		out_object_end(o);
	}
	out_list_end(o);
	out_list_begin(o, "revokes", NULL);
	for (i = 0; i < tx->nrevokes; i++) {
		out_object_begin(o, NULL);
		out_u64(o, "fs_block", NULL, tx->revokes[i].fsblk);
		out_u64(o, "journal_block", NULL, tx->revokes[i].jblk);
		out_object_end(o);
	}
	out_list_end(o);
	if (commit) {
		out_object_begin(o, "commit");
		out_u64(o, "journal_block", NULL, commit->jblk);
		out_u64(o, "commit_sec", NULL, commit->commit_sec);
		out_u64(o, "commit_nsec", NULL, commit->commit_nsec);
		out_verdict(o, "checksum_ok", NULL, commit->csum);
		out_u64(o, "checksum_type", NULL, commit->chksum_type);
		out_u64(o, "checksum_size", NULL, commit->chksum_size);
		out_object_end(o);
	} else {
		out_null(o, "commit", NULL);
	}
	if (c->decode)
		decode_print_summary_json(c);
	out_object_end(o);
	free_tx(tx);
	c->tx = NULL;
}

void json_begin(struct logdump_ctx *c)
{
	struct out *o = &c->out;

	out_u64(o, "start", NULL, c->j->sb.start);
	out_u64(o, "start_sequence", NULL, c->j->sb.sequence);
	out_bool(o, "whole_area", NULL, c->old);
	if (c->ino) {
		out_object_begin(o, "inode_location");
		out_u64(o, "inode", NULL, c->ino);
		out_u64(o, "block", NULL, c->inode_block);
		out_u64(o, "offset", NULL, c->inode_offset);
		out_object_end(o);
	}
	out_list_begin(o, "transactions", NULL);
}

static void print_end(struct out *o, const struct jbd_event *ev)
{
	out_object_begin(o, "end");
	out_u64(o, "journal_block", NULL, ev->jblk);
	out_str(o, "reason", NULL, jbd_end_reason_name(ev->end));
	out_u64(o, "expected_sequence", NULL, ev->tid);
	if (ev->end == JBD_END_SEQUENCE || ev->end == JBD_END_BLOCKTYPE)
		out_u64(o, "found_sequence", NULL, ev->found_tid);
	else
		out_null(o, "found_sequence", NULL);
	if (ev->end == JBD_END_BLOCKTYPE)
		out_u64(o, "found_block_type", NULL, ev->found_type);
	else
		out_null(o, "found_block_type", NULL);
	out_object_end(o);
}

static bool add_block(struct logdump_ctx *c, const struct jbd_event *ev)
{
	struct json_tx *tx = c->tx;
	struct json_block b = { .ev = *ev };

	b.ev.block = NULL;
	if (c->ino && ev->block) {
		b.has_inode = true;
		logdump_decode_inode(ev->block + c->inode_offset, &b.inode);
	}
	if (c->contents && ev->block) {
		b.data = malloc(c->j->blocksize);
		if (!b.data)
			return false;
		logdump_restore_block(ev, c->j->blocksize, b.data);
	}
	if (c->decode) {	/* the block takes the decoded result over */
		b.has_decoded = true;
		b.decoded = c->decoded;
		memset(&c->decoded, 0, sizeof(c->decoded));
	}
	if (PUSH(tx->blocks, tx->nblocks, tx->cap_blocks, b))
		return true;
	jbd_decoded_free(&b.decoded);
	free(b.data);
	return false;
}

bool json_event(struct logdump_ctx *c, const struct jbd_event *ev)
{
	struct json_tx *tx;
	struct jbd_event copy = *ev;
	bool ok = true;

	copy.block = NULL;
	if (ev->type == JBD_EV_END) {
		if (c->tx)
			print_tx(c, NULL);
		out_list_end(&c->out);
		print_end(&c->out, ev);
		return true;
	}
	if (c->tx && c->tx->tid != ev->tid)
		print_tx(c, NULL);	/* -O: a new tid without a commit */
	if (!c->tx) {
		c->tx = calloc(1, sizeof(*c->tx));
		if (!c->tx)
			return false;
		c->tx->tid = ev->tid;
	}
	tx = c->tx;
	switch (ev->type) {
	case JBD_EV_DESCRIPTOR:
		ok = PUSH(tx->descrs, tx->ndescrs, tx->cap_descrs, copy);
		break;
	case JBD_EV_TAG:
		if (logdump_wants(c, ev))
			ok = add_block(c, ev);
		break;
	case JBD_EV_REVOKE_BLOCK:
		ok = PUSH(tx->rblocks, tx->nrblocks, tx->cap_rblocks, copy);
		break;
	case JBD_EV_REVOKE:
		if (logdump_wants(c, ev))
			ok = PUSH(tx->revokes, tx->nrevokes, tx->cap_revokes, copy);
		break;
	case JBD_EV_COMMIT:
		print_tx(c, ev);
		break;
	case JBD_EV_END:
		break;
	}
	return ok;
}

void json_finish(struct logdump_ctx *c)
{
	if (c->tx)
		free_tx(c->tx);
	c->tx = NULL;
}
