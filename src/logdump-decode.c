/*
 * logdump-decode.c: logdump --decode, the printing side.  What each
 * logged block is and what it changes comes from libjbd's decoder
 * (src/libjbd/decode.c); this file prints it as text or JSON, and keeps
 * the decoder in step with the walk (every tag goes through it, printed
 * or not).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>

#include "jbdctl.h"
#include "logdump.h"

int decode_setup(struct logdump_ctx *c)
{
	errcode_t err = jbd_decode_open(c->j, c->old, &c->decoder);

	if (err) {
		com_err(program_name, err, "while decoding the log of '%s'",
			c->j->journal_path);
		return jbd_exit_status(err);
	}
	return 0;
}

void decode_teardown(struct logdump_ctx *c)
{
	jbd_decoded_free(&c->decoded);
	jbd_decode_summary_free(&c->summary);
	jbd_decode_close(c->decoder);
	c->decoder = NULL;
}

static void print_summary_text(struct logdump_ctx *c)
{
	const struct jbd_decode_summary *s = &c->summary;
	FILE *f = c->out.f;
	size_t i;

	fprintf(f, "  Transaction %u changes: inodes %" PRIu64 " created, %" PRIu64
		" deleted, %" PRIu64 " changed; entries %" PRIu64 " added, %" PRIu64
		" removed, %" PRIu64 " renamed; blocks %" PRIu64 " allocated, %"
		PRIu64 " freed; inodes %" PRIu64 " allocated, %" PRIu64 " freed; %"
		PRIu64 " bad metadata checksums%s\n", s->tid, s->inodes_created,
		s->inodes_deleted, s->inodes_changed, s->entries_added,
		s->entries_removed, s->entries_renamed, s->blocks_allocated,
		s->blocks_freed, s->inodes_allocated, s->inodes_freed,
		s->csum_failures, s->checked ? "" :
		" (consistency not checked: no known state before it)");
	for (i = 0; i < s->nproblems; i++)
		fprintf(f, "  INCONSISTENT (%s): %s\n", s->problems[i].kind,
			s->problems[i].message);
}

/* Every event, before it is printed. */
int decode_before(struct logdump_ctx *c, const struct jbd_event *ev)
{
	errcode_t err;

	jbd_decode_summary_free(&c->summary);
	c->have_summary = jbd_decode_tx_end(c->decoder, ev, &c->summary);
	if (c->have_summary && !c->out.json && !c->filtered &&
	    ev->type != JBD_EV_COMMIT)
		print_summary_text(c);
	jbd_decoded_free(&c->decoded);
	if (ev->type != JBD_EV_TAG)
		return 0;
	err = jbd_decode_tag(c->decoder, ev, &c->decoded);
	if (err) {
		com_err(program_name, err, "while decoding journal block %u of '%s'",
			ev->jblk, c->j->journal_path);
		return jbd_exit_status(err);
	}
	return 0;
}

/* Every event, after it is printed: the summary after a commit line. */
void decode_after(struct logdump_ctx *c, const struct jbd_event *ev)
{
	if (c->have_summary && !c->out.json && !c->filtered &&
	    ev->type == JBD_EV_COMMIT)
		print_summary_text(c);
}

/* With -i, only that inode's changes of an inode table block. */
static bool change_wanted(const struct logdump_ctx *c,
			  const struct jbd_decoded *d, const struct jbd_field_change *ch)
{
	return !c->ino || d->role.kind != JBD_ROLE_INODE_TABLE ||
	       ch->inode == c->ino;
}

static void role_text(FILE *f, const struct jbd_role *r)
{
	switch (r->kind) {
	case JBD_ROLE_SUPERBLOCK:
		if (r->backup)
			fprintf(f, "backup superblock in group %u", r->group);
		else
			fprintf(f, "primary superblock");
		break;
	case JBD_ROLE_GROUP_DESCRIPTORS:
		fprintf(f, "%sgroup descriptors of groups %u-%u",
			r->backup ? "backup " : "", r->first_group, r->last_group);
		if (r->backup)
			fprintf(f, " in group %u", r->group);
		break;
	case JBD_ROLE_RESERVED_GDT:
		fprintf(f, "reserved GDT block in group %u", r->group);
		break;
	case JBD_ROLE_BLOCK_BITMAP:
	case JBD_ROLE_INODE_BITMAP:
		fprintf(f, "%s bitmap of group %u", r->kind ==
			JBD_ROLE_BLOCK_BITMAP ? "block" : "inode", r->group);
		break;
	case JBD_ROLE_INODE_TABLE:
		fprintf(f, "inode table of group %u (inodes %u-%u)", r->group,
			r->first_inode, r->last_inode);
		break;
	case JBD_ROLE_DIRECTORY:
	case JBD_ROLE_SYMLINK:
	case JBD_ROLE_DATA:
		fprintf(f, "%s of inode %u", r->kind == JBD_ROLE_DIRECTORY ?
			"directory block" : r->kind == JBD_ROLE_SYMLINK ?
			"symlink block" : "file data", r->inode);
		if (r->has_logical)
			fprintf(f, " (logical block %" PRIu64 ")", r->logical);
		break;
	case JBD_ROLE_EXTENT_TREE:
		fprintf(f, "extent tree block (depth %d) of inode %u", r->depth,
			r->inode);
		break;
	case JBD_ROLE_INDIRECT:
	case JBD_ROLE_XATTR:
		fprintf(f, "%s block of inode %u", r->kind == JBD_ROLE_INDIRECT ?
			"indirect" : "xattr", r->inode);
		break;
	case JBD_ROLE_JOURNAL:
		fprintf(f, "the journal");
		break;
	case JBD_ROLE_UNKNOWN:
		fprintf(f, "unknown");
		break;
	}
}

static void list_text(FILE *f, const char *what, const uint64_t *v, size_t n)
{
	size_t i = 0;

	if (!n)
		return;
	fprintf(f, " %s", what);
	while (i < n) {
		size_t k = i;

		while (k + 1 < n && v[k + 1] == v[k] + 1)
			k++;
		if (k > i)
			fprintf(f, " %" PRIu64 "-%" PRIu64, v[i], v[k]);
		else
			fprintf(f, " %" PRIu64, v[i]);
		i = k + 1;
	}
}

static void change_text(FILE *f, const struct jbd_decoded *d,
			const struct jbd_field_change *ch)
{
	fputs("      ", f);
	if (ch->inode && (ch->kind == JBD_CH_FIELD || ch->kind == JBD_CH_TEXT ||
			  ch->kind == JBD_CH_BYTES))
		fprintf(f, "inode %u: ", ch->inode);
	if (ch->has_group)
		fprintf(f, "group %u: ", ch->group);
	switch (ch->kind) {
	case JBD_CH_FIELD:
		if (!strcmp(ch->field, "i_mode"))
			fprintf(f, "%s 0%" PRIo64 " -> 0%" PRIo64 "\n", ch->field,
				ch->old_value, ch->new_value);
		else
			fprintf(f, "%s %" PRIu64 " -> %" PRIu64 "\n", ch->field,
				ch->old_value, ch->new_value);
		break;
	case JBD_CH_TEXT:
		fprintf(f, "%s \"%s\" -> \"%s\"\n", ch->field, ch->old_text,
			ch->new_text);
		break;
	case JBD_CH_ENTRY_ADDED:
	case JBD_CH_ENTRY_REMOVED:
		fprintf(f, "entry %s: \"%s\" -> inode %u\n", ch->kind ==
			JBD_CH_ENTRY_ADDED ? "added" : "removed", ch->name, ch->inode);
		break;
	case JBD_CH_ENTRY_RENAMED:
		fprintf(f, "entry renamed: \"%s\" -> \"%s\" (inode %u)\n",
			ch->old_name, ch->name, ch->inode);
		break;
	case JBD_CH_ENTRY_INODE:
		fprintf(f, "entry \"%s\": inode %" PRIu64 " -> %" PRIu64 "\n",
			ch->name, ch->old_value, ch->new_value);
		break;
	case JBD_CH_BITS:
		fprintf(f, "%s", ch->inode_bits ? "inodes" : "blocks");
		list_text(f, "set", ch->set, ch->nset);
		list_text(f, "cleared", ch->cleared, ch->ncleared);
		fputc('\n', f);
		break;
	case JBD_CH_EXTENT_ADDED:
	case JBD_CH_EXTENT_REMOVED:
		fprintf(f, "%s %s: ", d->role.kind == JBD_ROLE_INDIRECT ?
			"mapping" : ch->index ? "index" : "extent",
			ch->kind == JBD_CH_EXTENT_ADDED ? "added" : "removed");
		if (d->role.kind == JBD_ROLE_INDIRECT)
			fprintf(f, "slot %" PRIu64 " -> block %" PRIu64 "\n",
				ch->logical, ch->physical);
		else if (ch->index)
			fprintf(f, "logical %" PRIu64 " -> block %" PRIu64 "\n",
				ch->logical, ch->physical);
		else
			fprintf(f, "logical %" PRIu64 "+%" PRIu64 " -> block %"
				PRIu64 "%s\n", ch->logical, ch->length, ch->physical,
				ch->unwritten ? " (unwritten)" : "");
		break;
	case JBD_CH_BYTES:
		fprintf(f, "%s%sbytes %u-%u changed\n", ch->field ? ch->field : "",
			ch->field ? ": " : "", ch->start, ch->end - 1);
		break;
	}
}

/* Text: the role, the changes and checksum failures of the tag just printed. */
void decode_print_tag_text(struct logdump_ctx *c)
{
	const struct jbd_decoded *d = &c->decoded;
	FILE *f = c->out.f;
	size_t i;

	fputs("    role: ", f);
	role_text(f, &d->role);
	if (d->first_copy)
		fputs("; changes against the block on disk\n", f);
	else if (d->prev_jblk || d->prev_tid)
		fprintf(f, "; changes against the copy at journal block %u "
			"(sequence %u)\n", d->prev_jblk, d->prev_tid);
	else
		fputc('\n', f);
	for (i = 0; i < d->nchanges; i++)
		if (change_wanted(c, d, &d->changes[i]))
			change_text(f, d, &d->changes[i]);
	for (i = 0; i < d->ncsum_failures; i++) {
		const struct jbd_csum_failure *x = &d->csum_failures[i];

		if (c->ino && x->inode && x->inode != c->ino)
			continue;
		if (!strcmp(x->what, "inode"))
			fprintf(f, "      CHECKSUM BAD: inode %u", x->inode);
		else
			fprintf(f, "      CHECKSUM BAD: %s", x->what);
		if (x->inode && strcmp(x->what, "inode"))
			fprintf(f, " of inode %u", x->inode);
		else if (x->has_group)
			fprintf(f, " of group %u", x->group);
		fputc('\n', f);
	}
}

/* ---- JSON ---- */

/* A name as JSON can carry it: bytes that are not UTF-8 become '?'. */
static char *utf8_clean(const char *s)
{
	char *out = strdup(s ? s : "");
	unsigned char *p = (unsigned char *)out;

	while (p && *p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 :
			(*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		int k;

		for (k = 1; n > 0 && k <= n; k++)
			if ((p[k] & 0xC0) != 0x80)
				n = -1;
		if (n < 0) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
	return out;
}

static void json_name(struct out *o, const char *key, const char *s)
{
	char *clean = utf8_clean(s);

	if (clean)
		out_str(o, key, NULL, clean);
	else
		out_null(o, key, NULL);
	free(clean);
}

static void json_numbers(struct out *o, const char *key, const uint64_t *v,
			 size_t n)
{
	size_t i;

	out_list_begin(o, key, NULL);
	for (i = 0; i < n; i++)
		out_u64(o, NULL, NULL, v[i]);
	out_list_end(o);
}

static void json_role(struct out *o, const struct jbd_role *r)
{
	out_object_begin(o, "role");
	out_str(o, "kind", NULL, jbd_role_kind_name(r->kind));
	if (r->has_group)
		out_u64(o, "group", NULL, r->group);
	if (r->inode)
		out_u64(o, "inode", NULL, r->inode);
	if (r->kind == JBD_ROLE_INODE_TABLE) {
		uint64_t v[2] = { r->first_inode, r->last_inode };

		json_numbers(o, "inodes", v, 2);
	}
	if (r->kind == JBD_ROLE_GROUP_DESCRIPTORS) {
		uint64_t v[2] = { r->first_group, r->last_group };

		json_numbers(o, "groups", v, 2);
	}
	if (r->kind == JBD_ROLE_SUPERBLOCK || r->kind == JBD_ROLE_GROUP_DESCRIPTORS)
		out_bool(o, "backup", NULL, r->backup);
	if (r->has_logical)
		out_u64(o, "logical", NULL, r->logical);
	if (r->kind == JBD_ROLE_EXTENT_TREE)
		out_i64(o, "depth", NULL, r->depth);
	out_object_end(o);
}

static void json_change(struct out *o, const struct jbd_decoded *d,
			const struct jbd_field_change *ch)
{
	out_object_begin(o, NULL);
	switch (ch->kind) {
	case JBD_CH_FIELD:
	case JBD_CH_TEXT:
		if (ch->inode)
			out_u64(o, "inode", NULL, ch->inode);
		if (ch->has_group)
			out_u64(o, "group", NULL, ch->group);
		out_str(o, "field", NULL, ch->field);
		if (ch->kind == JBD_CH_FIELD) {
			out_u64(o, "old", NULL, ch->old_value);
			out_u64(o, "new", NULL, ch->new_value);
		} else {
			json_name(o, "old", ch->old_text);
			json_name(o, "new", ch->new_text);
		}
		break;
	case JBD_CH_ENTRY_ADDED:
	case JBD_CH_ENTRY_REMOVED:
		json_name(o, ch->kind == JBD_CH_ENTRY_ADDED ? "entry_added" :
			  "entry_removed", ch->name);
		out_u64(o, "inode", NULL, ch->inode);
		out_u64(o, "file_type", NULL, ch->file_type);
		break;
	case JBD_CH_ENTRY_RENAMED:
		json_name(o, "entry_renamed", ch->name);
		json_name(o, "old_name", ch->old_name);
		out_u64(o, "inode", NULL, ch->inode);
		break;
	case JBD_CH_ENTRY_INODE:
		json_name(o, "entry_inode_changed", ch->name);
		out_u64(o, "inode", NULL, ch->new_value);
		out_u64(o, "old", NULL, ch->old_value);
		out_u64(o, "new", NULL, ch->new_value);
		break;
	case JBD_CH_BITS:
		out_str(o, "numbers", NULL, ch->inode_bits ? "inodes" : "blocks");
		json_numbers(o, "set", ch->set, ch->nset);
		json_numbers(o, "cleared", ch->cleared, ch->ncleared);
		break;
	case JBD_CH_EXTENT_ADDED:
	case JBD_CH_EXTENT_REMOVED: {
		bool added = ch->kind == JBD_CH_EXTENT_ADDED;
		bool ind = d->role.kind == JBD_ROLE_INDIRECT;

		out_object_begin(o, ind ? (added ? "mapping_added" : "mapping_removed") :
				 ch->index ? (added ? "index_added" : "index_removed") :
				 (added ? "extent_added" : "extent_removed"));
		out_u64(o, ind ? "slot" : "logical", NULL, ch->logical);
		if (!ind && !ch->index)
			out_u64(o, "length", NULL, ch->length);
		out_u64(o, "physical", NULL, ch->physical);
		if (!ind && !ch->index)
			out_bool(o, "unwritten", NULL, ch->unwritten);
		out_object_end(o);
		if (ch->inode)
			out_u64(o, "inode", NULL, ch->inode);
		break;
	}
	case JBD_CH_BYTES: {
		uint64_t v[2] = { ch->start, ch->end };

		if (ch->inode)
			out_u64(o, "inode", NULL, ch->inode);
		if (ch->field)
			out_str(o, "field", NULL, ch->field);
		json_numbers(o, "bytes", v, 2);
		break;
	}
	}
	out_object_end(o);
}

void decode_print_block_json(struct logdump_ctx *c, const struct jbd_decoded *d)
{
	struct out *o = &c->out;
	size_t i;

	json_role(o, &d->role);
	if (d->first_copy || (!d->prev_jblk && !d->prev_tid)) {
		out_null(o, "previous", NULL);
	} else {
		out_object_begin(o, "previous");
		out_u64(o, "journal_block", NULL, d->prev_jblk);
		out_u64(o, "sequence", NULL, d->prev_tid);
		out_object_end(o);
	}
	out_list_begin(o, "changes", NULL);
	for (i = 0; i < d->nchanges; i++)
		if (change_wanted(c, d, &d->changes[i]))
			json_change(o, d, &d->changes[i]);
	out_list_end(o);
	out_bool(o, "metadata_checksums_checked", NULL, d->csum_checked);
	out_list_begin(o, "checksum_failures", NULL);
	for (i = 0; i < d->ncsum_failures; i++) {
		const struct jbd_csum_failure *x = &d->csum_failures[i];

		if (c->ino && x->inode && x->inode != c->ino)
			continue;
		out_object_begin(o, NULL);
		out_str(o, "structure", NULL, x->what);
		if (x->inode)
			out_u64(o, "inode", NULL, x->inode);
		if (x->has_group)
			out_u64(o, "group", NULL, x->group);
		out_object_end(o);
	}
	out_list_end(o);
}

void decode_print_summary_json(struct logdump_ctx *c)
{
	const struct jbd_decode_summary *s = &c->summary;
	struct out *o = &c->out;
	size_t i;

	if (!c->have_summary) {
		out_null(o, "summary", NULL);
		return;
	}
	out_object_begin(o, "summary");
	out_u64(o, "inodes_created", NULL, s->inodes_created);
	out_u64(o, "inodes_deleted", NULL, s->inodes_deleted);
	out_u64(o, "inodes_changed", NULL, s->inodes_changed);
	out_u64(o, "entries_added", NULL, s->entries_added);
	out_u64(o, "entries_removed", NULL, s->entries_removed);
	out_u64(o, "entries_renamed", NULL, s->entries_renamed);
	out_u64(o, "blocks_allocated", NULL, s->blocks_allocated);
	out_u64(o, "blocks_freed", NULL, s->blocks_freed);
	out_u64(o, "inodes_allocated", NULL, s->inodes_allocated);
	out_u64(o, "inodes_freed", NULL, s->inodes_freed);
	out_u64(o, "checksum_failures", NULL, s->csum_failures);
	out_bool(o, "consistency_checked", NULL, s->checked);
	out_list_begin(o, "inconsistencies", NULL);
	for (i = 0; i < s->nproblems; i++) {
		out_object_begin(o, NULL);
		out_str(o, "kind", NULL, s->problems[i].kind);
		out_str(o, "message", NULL, s->problems[i].message);
		out_object_end(o);
	}
	out_list_end(o);
	out_object_end(o);
	jbd_decode_summary_free(&c->summary);
	c->have_summary = false;
}
