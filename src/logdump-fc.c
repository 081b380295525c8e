/*
 * logdump-fc.c: jbdctl logdump's listing of the fast-commit area after the
 * log, text and JSON.  The text record lines are debugfs logdump's ("tag
 * INODE, inode 47"), each followed by where the record sits and, for a
 * tail, its checksum verdict.  What replay takes is the recovery plan's
 * scan (jbd_recover_plan); this file only prints it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <et/com_err.h>

#include "fastcommit.h"
#include "jbdctl.h"
#include "logdump.h"
#include "recover.h"

/* debugfs's (and the kernel's tag2str) names for the record kinds. */
static const char *debugfs_tag(uint16_t tag)
{
	static const char *const names[] = { NULL, "ADD_RANGE", "DEL_RANGE",
		"CREAT_DENTRY", "ADD_ENTRY", "DEL_ENTRY", "INODE", "PAD",
		"TAIL", "HEAD" };

	return tag < 10 && names[tag] ? names[tag] : "UNKNOWN";
}

/* A name as printable text: bytes outside ASCII graphics as \xNN. */
static void printable_name(const struct jbd_fc_record *r, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < r->name_len && o + 5 < len; i++) {
		uint8_t ch = r->name[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	buf[o] = '\0';
}

struct fc_inode {
	uint16_t mode, links;
	uint32_t uid, gid, flags, mtime;
	uint64_t size;
};

static void raw_inode(const struct jbd_fc_record *r, struct fc_inode *in)
{
	struct inode_fields f;

	logdump_decode_inode(r->raw_inode, &f);
	in->mode = f.mode;
	in->links = f.links;
	in->uid = f.uid;
	in->gid = f.gid;
	in->flags = f.flags;
	in->mtime = f.mtime;
	in->size = f.size;
}

/* A record in debugfs logdump's words ("tag INODE, inode 47"). */
void fc_record_text(FILE *f, const struct jbd_fc_record *r)
{
	char name[4 * 256 + 1];

	fprintf(f, "tag %s", debugfs_tag(r->tag));
	switch (r->tag) {
	case JBD_FC_ADD_RANGE:
		fprintf(f, ", inode %u, lblk %d, pblk %" PRIu64 ", len %u",
			r->ino, (int32_t)r->lblk, r->pblk, r->count);
		break;
	case JBD_FC_DEL_RANGE:
		fprintf(f, ", inode %u, lblk %d, len %d", r->ino,
			(int32_t)r->lblk, (int32_t)r->count);
		break;
	case JBD_FC_CREAT:
	case JBD_FC_LINK:
	case JBD_FC_UNLINK:
		printable_name(r, name, sizeof(name));
		fprintf(f, ", parent %u, ino %u, name \"%s\"", r->parent,
			r->ino, name);
		break;
	case JBD_FC_INODE:
		fprintf(f, ", inode %u", r->ino);
		break;
	case JBD_FC_TAIL:
		fprintf(f, ", tid %u", r->tid);
		break;
	case JBD_FC_HEAD:
		fprintf(f, ", features 0x%x, tid %u", r->features, r->tid);
		break;
	}
}

static void text_record(FILE *f, const struct jbd_fc_record *r, bool verdicts)
{
	struct fc_inode in;

	fc_record_text(f, r);
	fprintf(f, "  (block %u, offset %u", r->jblk, r->off);
	if (r->tag == JBD_FC_INODE) {
		raw_inode(r, &in);
		fprintf(f, ": mode 0%06o, links %u, size %" PRIu64, in.mode,
			in.links, in.size);
	}
	if (r->tag == JBD_FC_ADD_RANGE && r->unwritten)
		fprintf(f, ", unwritten");
	if (r->tag == JBD_FC_TAIL && verdicts)
		fprintf(f, ", crc 0x%08x %s", r->crc_stored, r->tail_good ?
			"good" : r->crc_stored != r->crc_computed ?
			"BAD" : "good, of another transaction");
	if (verdicts && !r->replay)
		fprintf(f, ", not replayed");
	fprintf(f, ")\n");
}

static const char *stop_text(enum jbd_fc_stop s)
{
	switch (s) {
	case JBD_FC_ABSENT:	return "nothing to scan";
	case JBD_FC_NO_HEAD:	return "the area does not begin with HEAD";
	case JBD_FC_OTHER_TID:	return "HEAD of another transaction (stale)";
	case JBD_FC_FEATURES:	return "HEAD with unknown features";
	case JBD_FC_BAD_RECORD:	return "not a valid record";
	case JBD_FC_BAD_TAIL:	return "tail of another transaction or with a bad checksum";
	case JBD_FC_AREA_END:	return "records run to the end of the area";
	}
	return "?";
}

static void json_record(struct out *o, const struct jbd_fc_record *r,
			bool verdicts)
{
	char name[4 * 256 + 1];
	struct fc_inode in;

	out_object_begin(o, NULL);
	out_u64(o, "journal_block", NULL, r->jblk);
	out_u64(o, "offset", NULL, r->off);
	out_str(o, "tag", NULL, jbd_fc_tag_name(r->tag));
	out_u64(o, "length", NULL, r->len);
	switch (r->tag) {
	case JBD_FC_ADD_RANGE:
		out_u64(o, "inode", NULL, r->ino);
		out_u64(o, "lblk", NULL, r->lblk);
		out_u64(o, "pblk", NULL, r->pblk);
		out_u64(o, "len", NULL, r->count);
		out_bool(o, "unwritten", NULL, r->unwritten);
		break;
	case JBD_FC_DEL_RANGE:
		out_u64(o, "inode", NULL, r->ino);
		out_u64(o, "lblk", NULL, r->lblk);
		out_u64(o, "len", NULL, r->count);
		break;
	case JBD_FC_CREAT:
	case JBD_FC_LINK:
	case JBD_FC_UNLINK:
		printable_name(r, name, sizeof(name));
		out_u64(o, "parent", NULL, r->parent);
		out_u64(o, "inode", NULL, r->ino);
		out_str(o, "name", NULL, name);
		break;
	case JBD_FC_INODE:
		raw_inode(r, &in);
		out_u64(o, "inode", NULL, r->ino);
		out_u64(o, "inode_bytes", NULL, r->inode_len);
		out_u64(o, "mode", NULL, in.mode);
		out_u64(o, "links", NULL, in.links);
		out_u64(o, "uid", NULL, in.uid);
		out_u64(o, "gid", NULL, in.gid);
		out_u64(o, "size", NULL, in.size);
		out_u64(o, "mtime", NULL, in.mtime);
		out_hex32(o, "flags", NULL, in.flags);
		break;
	case JBD_FC_TAIL:
		out_u64(o, "sequence", NULL, r->tid);
		out_hex32(o, "crc_stored", NULL, r->crc_stored);
		out_hex32(o, "crc_computed", NULL, r->crc_computed);
		out_verdict(o, "checksum_ok", NULL, !verdicts ? JBD_CSUM_NONE :
			    r->crc_stored == r->crc_computed ?
			    JBD_CSUM_OK : JBD_CSUM_BAD);
		out_bool(o, "good", NULL, r->tail_good);
		break;
	case JBD_FC_HEAD:
		out_hex32(o, "features", NULL, r->features);
		out_u64(o, "sequence", NULL, r->tid);
		break;
	}
	out_bool(o, "replay", NULL, r->replay);
	out_object_end(o);
}

/*
 * The area as recovery sees it: the plan's scan when the journal needs
 * recovery and the filesystem is there; otherwise read for s_sequence,
 * with no forecast (a clean journal's area is never replayed).
 */
struct fc_view {
	struct jbd_recovery r;
	struct jbd_fc_area own;
	const struct jbd_fc_area *a;
	bool forecast;
	const char *why_not;
};

static errcode_t get_view(struct jbd_journal *j, struct fc_view *v)
{
	errcode_t err;

	memset(v, 0, sizeof(*v));
	if (j->fs && j->sb.start != 0) {
		err = jbd_recover_plan(j, &v->r);
		if (!err && !jbd_recovery_failed(&v->r)) {
			v->a = &v->r.fc;
			v->forecast = true;
			return 0;
		}
		v->why_not = err ? error_message(err) :
			     "recovery fails before it reaches the area";
	} else {
		v->why_not = j->sb.start == 0 ? "the journal is clean" :
			     "no filesystem to plan the recovery of";
	}
	err = jbd_fc_scan(j, j->sb.sequence, &v->own);
	v->a = &v->own;
	return err;
}

static void put_view(struct fc_view *v)
{
	jbd_recovery_free(&v->r);
	jbd_fc_free(&v->own);
}

static void text_summary(FILE *f, const struct fc_view *v)
{
	const struct jbd_fc_area *a = v->a;

	if (a->stop != JBD_FC_ABSENT && a->stop != JBD_FC_AREA_END)
		fprintf(f, "Fast-commit scan ends at block %u, offset %u: %s "
			"(tag %u, length %u)\n", a->stop_jblk, a->stop_off,
			stop_text(a->stop), a->stop_tag, a->stop_len);
	else if (a->stop == JBD_FC_AREA_END)
		fprintf(f, "Fast-commit scan ends at block %u: %s; the kernel "
			"reads past the journal there\n", a->stop_jblk,
			stop_text(a->stop));
	if (!v->forecast) {
		fprintf(f, "No replay forecast: %s.\n", v->why_not);
		return;
	}
	if (a->recovery_fails)
		fprintf(f, "The kernel's recovery fails on this area: jbdctl "
			"replay refuses the journal.\n");
	else
		fprintf(f, "Replay takes %zu record%s of %u fast commit%s "
			"(transaction %u).\n", a->nreplay,
			a->nreplay == 1 ? "" : "s", a->ncommits,
			a->ncommits == 1 ? "" : "s", a->expected_tid);
}

static void json_summary(struct out *o, const struct fc_view *v)
{
	const struct jbd_fc_area *a = v->a;

	out_object_begin(o, "end");
	out_str(o, "reason", NULL, jbd_fc_stop_name(a->stop));
	out_u64(o, "journal_block", NULL, a->stop_jblk);
	out_u64(o, "offset", NULL, a->stop_off);
	out_u64(o, "tag", NULL, a->stop_tag);
	out_u64(o, "length", NULL, a->stop_len);
	out_object_end(o);
	out_bool(o, "forecast", NULL, v->forecast);
	if (v->forecast) {
		out_u64(o, "replay_records", NULL, a->nreplay);
		out_u64(o, "fast_commits", NULL, a->ncommits);
		out_bool(o, "recovery_fails", NULL, a->recovery_fails);
	} else {
		out_null(o, "replay_records", NULL);
		out_null(o, "fast_commits", NULL);
		out_null(o, "recovery_fails", NULL);
		out_str(o, "no_forecast_because", NULL, v->why_not);
	}
}

int logdump_fast_commit(struct logdump_ctx *c)
{
	struct out *o = &c->out;
	struct jbd_journal *j = c->j;
	struct fc_view v;
	struct jbd_fc_record *recs;
	size_t i, n;
	errcode_t err;
	int status = 0;

	if (!jbd_sb_has_fast_commit(&j->sb)) {
		out_null(o, "fast_commit", NULL);
		return 0;
	}
	err = get_view(j, &v);
	recs = v.a->recs;
	n = v.a->nrecs;
	if (!err && c->old)
		err = jbd_fc_list_all(v.a, j->blocksize, &recs, &n);
	if (err) {
		com_err(program_name, err, "while reading the fast-commit area "
			"of '%s'", j->journal_path);
		put_view(&v);
		return jbd_exit_status(err);
	}
	if (o->json) {
		out_object_begin(o, "fast_commit");
		out_u64(o, "first_block", NULL, v.a->first);
		out_u64(o, "blocks", NULL, v.a->nblocks);
		out_u64(o, "sequence", NULL, v.a->expected_tid);
		out_list_begin(o, "records", NULL);
		for (i = 0; i < n; i++)
			json_record(o, &recs[i], true);
		out_list_end(o);
		json_summary(o, &v);
		out_object_end(o);
	} else {
		fprintf(o->f, "\n*** Fast Commit Area ***\n"
			"Fast-commit area: journal blocks %u-%u, %s transaction "
			"%u\n", v.a->first, v.a->first + v.a->nblocks - 1,
			c->old ? "every record; verdicts for" : "scanned for",
			v.a->expected_tid);
		for (i = 0; i < n; i++)
			text_record(o->f, &recs[i], true);
		text_summary(o->f, &v);
	}
	if (v.forecast && v.a->recovery_fails)
		status = JBD_EXIT_CORRUPT;
	if (recs != v.a->recs)
		free(recs);
	put_view(&v);
	return status;
}
