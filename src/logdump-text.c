/*
 * logdump-text.c: the text printer of logdump, in the words of debugfs
 * logdump, with checksum verdicts; the recovery verdict closes it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "jbd2-format.h"
#include "logdump.h"
#include "util.h"

static void describe_flags(uint32_t flags, char *buf, size_t len)
{
	const char *sep = ": ";
	int used = snprintf(buf, len, "0x%x", flags);
	unsigned int i;

	for (i = 0; i < LOGDUMP_NFLAGS; i++) {
		if (!(flags & (1U << i)) || used < 0 || (size_t)used >= len)
			continue;
		used += snprintf(buf + used, len - (size_t)used, "%s%s", sep,
				 logdump_flag_names[i]);
		sep = " ";
	}
}

static const char *verdict_suffix(enum jbd_csum v)
{
	return v == JBD_CSUM_OK ? ", checksum good" :
	       v == JBD_CSUM_BAD ? ", checksum BAD" : "";
}

static void hexdump(FILE *f, const uint8_t *buf, uint32_t bs)
{
	uint32_t off;
	int i;

	for (off = 0; off < bs; off += 16) {
		fprintf(f, "    %04x:  ", off);
		for (i = 0; i < 16; i++)
			fprintf(f, "%02x%s", buf[off + i], (i & 3) == 3 ? " " : "");
		for (i = 0; i < 16; i++)
			fputc(buf[off + i] >= 0x20 && buf[off + i] < 0x7f ?
			      buf[off + i] : '.', f);
		fputc('\n', f);
	}
}

static void print_inode_text(FILE *f, const struct logdump_ctx *c,
			     const struct jbd_event *ev)
{
	struct inode_fields in;
	char at[40], ct[40], mt[40];

	logdump_decode_inode(ev->block + c->inode_offset, &in);
	logdump_format_time(at, sizeof(at), in.atime);
	logdump_format_time(ct, sizeof(ct), in.ctime);
	logdump_format_time(mt, sizeof(mt), in.mtime);
	fprintf(f, "    (inode block for inode %u):\n"
		"    Inode %u: mode 0%06o, size %" PRIu64 ", links %u, "
		"uid %u, gid %u, flags 0x%x\n"
		"      atime %s, ctime %s, mtime %s, dtime %u\n",
		c->ino, c->ino, in.mode, in.size, in.links, in.uid, in.gid,
		in.flags, at, ct, mt, in.dtime);
}

static void text_tag(struct logdump_ctx *c, const struct jbd_event *ev)
{
	FILE *f = c->out.f;
	char flags[64];

	if (!c->all && !c->filtered)
		return;
	if (c->filtered && !logdump_wants(c, ev))
		return;
	describe_flags(ev->flags, flags, sizeof(flags));
	if (c->filtered) {
		fprintf(f, "  FS block %" PRIu64 " logged at sequence %u, "
			"journal block %u (flags %s)%s\n", ev->fsblk, ev->tid,
			ev->jblk, flags, verdict_suffix(ev->csum));
		if (c->have_block && ev->fsblk == c->bitmap_block)
			fprintf(f, "    (block bitmap for block %" PRIu64
				": block is %s)\n", c->block,
				logdump_bitmap_bit(c, ev->block) ? "SET" : "CLEAR");
		if (c->ino)
			print_inode_text(f, c, ev);
	} else if (c->all) {
		fprintf(f, "  FS block %" PRIu64 " logged at journal block %u "
			"(flags %s)%s\n", ev->fsblk, ev->jblk, flags,
			verdict_suffix(ev->csum));
	} else {
		return;
	}
	if (c->decode)
		decode_print_tag_text(c);
	if (c->contents) {
		logdump_restore_block(ev, c->j->blocksize, c->scratch);
		hexdump(f, c->scratch, c->j->blocksize);
	}
}

static void text_found(struct logdump_ctx *c, const struct jbd_event *ev,
		       unsigned int type, const char *name)
{
	if (c->filtered)
		return;
	fprintf(c->out.f, "Found %ssequence %u, type %u (%s) at block %u%s\n",
		c->old ? "" : "expected ", ev->tid, type, name, ev->jblk,
		verdict_suffix(ev->csum));
}

static void text_end(struct logdump_ctx *c, const struct jbd_event *ev)
{
	FILE *f = c->out.f;

	switch (ev->end) {
	case JBD_END_CLEAN:
		fprintf(f, "Journal is clean (s_start is 0): the log is empty.\n");
		break;
	case JBD_END_NO_MAGIC:
		fprintf(f, "No magic number at block %u: end of journal.\n",
			ev->jblk);
		break;
	case JBD_END_SEQUENCE:
		fprintf(f, "Found sequence %u (not %u) at block %u: "
			"end of journal.\n", ev->found_tid, ev->tid, ev->jblk);
		break;
	case JBD_END_BLOCKTYPE:
		fprintf(f, "Unexpected block type %u at block %u: "
			"end of journal.\n", ev->found_type, ev->jblk);
		break;
	case JBD_END_BAD_R_COUNT:
		fprintf(f, "Revoke block at block %u has r_count past the end "
			"of the block: log is broken.\n", ev->jblk);
		break;
	case JBD_END_LOOP:
		fprintf(f, "Log runs over itself at block %u (longer than the "
			"journal): log is broken.\n", ev->jblk);
		break;
	case JBD_END_AREA:
		fprintf(f, "End of the log area at block %u.\n", ev->jblk);
		break;
	}
}

void text_event(struct logdump_ctx *c, const struct jbd_event *ev)
{
	FILE *f = c->out.f;
	char when[40];

	switch (ev->type) {
	case JBD_EV_DESCRIPTOR:
		text_found(c, ev, JBD2_DESCRIPTOR_BLOCK, "descriptor block");
		if (c->all && !c->filtered) {
			fprintf(f, "Dumping descriptor block, sequence %u, "
				"at block %u:\n", ev->tid, ev->jblk);
			if (ev->no_last_tag)
				fprintf(f, "  (no tag has LAST_TAG: the tags "
					"run to the end of the block)\n");
		}
		break;
	case JBD_EV_TAG:
		text_tag(c, ev);
		break;
	case JBD_EV_REVOKE_BLOCK:
		text_found(c, ev, JBD2_REVOKE_BLOCK, "revoke table");
		if (c->all && !c->filtered)
			fprintf(f, "Dumping revoke block, sequence %u, at block "
				"%u:\n", ev->tid, ev->jblk);
		if (ev->r_count_bad)
			fprintf(f, "Revoke block's r_count invalid: %u\n",
				ev->r_count);
		break;
	case JBD_EV_REVOKE:
		if (c->filtered && logdump_wants(c, ev))
			fprintf(f, "  Revoke FS block %" PRIu64 " at block %u, "
				"sequence %u\n", ev->fsblk, ev->jblk, ev->tid);
		else if (c->all && !c->filtered)
			fprintf(f, "  Revoke FS block %" PRIu64 "\n", ev->fsblk);
		break;
	case JBD_EV_COMMIT:
		text_found(c, ev, JBD2_COMMIT_BLOCK, "commit block");
		if (c->all && !c->filtered) {
			/* debugfs jw stores a be32 into the be64 field. */
			bool shifted = ev->commit_sec >> 32 &&
				       !(ev->commit_sec & 0xFFFFFFFFU);

			logdump_format_time(when, sizeof(when), shifted ?
				    ev->commit_sec >> 32 : ev->commit_sec);
			fprintf(f, "  Commit time %" PRIu64 ".%09u (%s%s)\n",
				ev->commit_sec, ev->commit_nsec,
				shifted ? "seconds<<32, as debugfs writes: " : "",
				when);
		}
		break;
	case JBD_EV_END:
		text_end(c, ev);
		break;
	}
}


/* The closing lines: what recovery makes of the log just listed. */
void text_verdict(struct logdump_ctx *c, const struct jbd_verdict *v)
{
	char line[512];

	if (c->old || c->filtered)
		return;
	if (v->planned) {
		verdict_end_text(v, line, sizeof(line));
		fprintf(c->out.f, "Recovery: %s\n", line);
	}
	verdict_summary_text(v, false, line, sizeof(line));
	fprintf(c->out.f, "Recovery: %s\n", line);
}
