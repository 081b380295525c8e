/*
 * cmd-logdump.c: jbdctl logdump: every transaction, descriptor tag,
 * revoke record and commit of the log, in the words of debugfs logdump,
 * with checksum verdicts; or the same as one JSON document.
 *
 * This file prints walker events; it holds no journal logic.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <et/com_err.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "jbdctl.h"
#include "logdump.h"
#include "util.h"
#include "walk.h"

const char *const cmd_logdump_usage[] = {
	"logdump [-acOS] [-b <block>] [-i <inode>] [-j <journal>] [--decode] [--json] <image>",
	"list the transactions, tags, revoke records and commits of the log",
	"-a, --all\talso list every tag and revoke record",
	"-b, --block <block>\tonly the log entries of filesystem block <block>",
	"-c, --contents\twith -a, -b or -i: hexdump the logged blocks",
	"-i, --inode <inode>\tonly the copies of an inode (number or path)",
	"-j, --journal <path>\texternal journal device or file",
	"-O, --old\tthe whole log area from s_first, stale blocks included",
	"-S, --super\tprint the journal superblock first",
	"    --decode\twhat each logged block is and changes, in filesystem terms",
	"    --json\tprint one JSON document (see JSON OUTPUT in jbdctl(8))",
	NULL
};

static void describe_flags(uint32_t flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"escape", "same_uuid", "deleted", "last_tag" };
	const char *sep = ": ";
	int used = snprintf(buf, len, "0x%x", flags);
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!(flags & (1U << i)) || used < 0 || (size_t)used >= len)
			continue;
		used += snprintf(buf + used, len - (size_t)used, "%s%s", sep,
				 names[i]);
		sep = " ";
	}
}

static const char *verdict_suffix(enum jbd_csum v)
{
	return v == JBD_CSUM_OK ? ", checksum good" :
	       v == JBD_CSUM_BAD ? ", checksum BAD" : "";
}

/* The logged block as it belongs on disk: an escaped block gets its magic back. */
static void restore_block(const struct jbd_event *ev, uint32_t bs, uint8_t *out)
{
	memcpy(out, ev->block, bs);
	if (ev->flags & JBD2_FLAG_ESCAPE)
		put_be32(out, JBD2_MAGIC_NUMBER);
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

static void format_time(char *buf, size_t len, uint64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (sec > (uint64_t)INT64_MAX || !gmtime_r(&t, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "out of range");
}

/* Key fields of the on-disk inode at buf (little-endian ext2 inode). */
void decode_inode(const uint8_t *buf, struct inode_fields *f)
{
	const struct ext2_inode *in = (const void *)buf;

	f->mode = ext2fs_le16_to_cpu(in->i_mode);
	f->uid = ext2fs_le16_to_cpu(in->i_uid) |
		 (uint32_t)ext2fs_le16_to_cpu(in->osd2.linux2.l_i_uid_high) << 16;
	f->gid = ext2fs_le16_to_cpu(in->i_gid) |
		 (uint32_t)ext2fs_le16_to_cpu(in->osd2.linux2.l_i_gid_high) << 16;
	f->size = ext2fs_le32_to_cpu(in->i_size) |
		  (uint64_t)ext2fs_le32_to_cpu(in->i_size_high) << 32;
	f->links = ext2fs_le16_to_cpu(in->i_links_count);
	f->atime = ext2fs_le32_to_cpu(in->i_atime);
	f->ctime = ext2fs_le32_to_cpu(in->i_ctime);
	f->mtime = ext2fs_le32_to_cpu(in->i_mtime);
	f->dtime = ext2fs_le32_to_cpu(in->i_dtime);
	f->flags = ext2fs_le32_to_cpu(in->i_flags);
}

static void print_inode_text(FILE *f, const struct logdump_ctx *c,
			     const struct jbd_event *ev)
{
	struct inode_fields in;
	char at[40], ct[40], mt[40];

	decode_inode(ev->block + c->inode_offset, &in);
	format_time(at, sizeof(at), in.atime);
	format_time(ct, sizeof(ct), in.ctime);
	format_time(mt, sizeof(mt), in.mtime);
	fprintf(f, "    (inode block for inode %u):\n"
		"    Inode %u: mode 0%06o, size %" PRIu64 ", links %u, "
		"uid %u, gid %u, flags 0x%x\n"
		"      atime %s, ctime %s, mtime %s, dtime %u\n",
		c->ino, c->ino, in.mode, in.size, in.links, in.uid, in.gid,
		in.flags, at, ct, mt, in.dtime);
}

/* -b: is fsblk marked in the logged copy of its group's block bitmap? */
static bool bitmap_bit(const struct logdump_ctx *c, const uint8_t *bitmap)
{
	ext2_filsys fs = c->j->fs;
	blk64_t rel = c->block - fs->super->s_first_data_block;
	uint64_t bit = EXT2FS_B2C(fs, rel) %
		       EXT2_CLUSTERS_PER_GROUP(fs->super);

	return bitmap[bit / 8] & (1U << (bit % 8));
}

/* Which tags and revokes a filter (-b, -i) keeps; all of them without one. */
bool logdump_wants(const struct logdump_ctx *c, const struct jbd_event *ev)
{
	if (c->have_block)
		return ev->fsblk == c->block ||
		       (ev->type == JBD_EV_TAG && c->bitmap_block &&
			ev->fsblk == c->bitmap_block);
	if (c->ino)
		return ev->type == JBD_EV_TAG && ev->fsblk == c->inode_block;
	return true;
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
				bitmap_bit(c, ev->block) ? "SET" : "CLEAR");
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
		restore_block(ev, c->j->blocksize, c->scratch);
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

static void text_event(struct logdump_ctx *c, const struct jbd_event *ev)
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

			format_time(when, sizeof(when), shifted ?
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

static int resolve_inode(struct logdump_ctx *c, const char *spec)
{
	ext2_filsys fs = c->j->fs;
	uint64_t n;
	dgrp_t group;
	uint32_t index, per_block;
	errcode_t err;

	if (!fs) {
		com_err(program_name, 0, "-i needs a filesystem, and '%s' is "
			"a bare journal", c->j->journal_path);
		return JBD_EXIT_USAGE;
	}
	if (spec[0] == '<' && spec[strlen(spec) - 1] == '>') {
		char *num = strndup(spec + 1, strlen(spec) - 2);
		bool ok = num && parse_u64(num, &n);

		free(num);
		if (!ok)
			n = 0;
	} else if (!parse_u64(spec, &n)) {
		err = ext2fs_namei(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, spec,
				   &c->ino);
		if (err) {
			com_err(program_name, err, "while looking up '%s' in '%s'",
				spec, c->j->image_path);
			return JBD_EXIT_ERROR;
		}
		n = c->ino;
	}
	if (n < 1 || n > fs->super->s_inodes_count) {
		com_err(program_name, JBD_ET_BAD_INODE, "while looking up "
			"inode '%s' in '%s'", spec, c->j->image_path);
		return JBD_EXIT_USAGE;
	}
	c->ino = (ext2_ino_t)n;
	group = (c->ino - 1) / fs->super->s_inodes_per_group;
	index = (c->ino - 1) % fs->super->s_inodes_per_group;
	per_block = fs->blocksize / EXT2_INODE_SIZE(fs->super);
	c->inode_block = ext2fs_inode_table_loc(fs, group) + index / per_block;
	c->inode_offset = (index % per_block) * EXT2_INODE_SIZE(fs->super);
	if (!c->out.json)
		printf("Inode %u is at group %u, block %" PRIu64 ", offset %u\n",
		       c->ino, group, c->inode_block, c->inode_offset);
	return 0;
}

/* Walk the log once, handing every event to the printer. */
static int dump_log(struct logdump_ctx *c)
{
	struct jbd_walk_opts opts = { 0 };
	struct jbd_walk *w;
	struct jbd_event ev;
	errcode_t err;
	int status = 0;

	if (c->contents || c->filtered || c->decode)
		opts.flags |= JBD_WALK_READ_DATA;
	if (c->old)
		opts.flags |= JBD_WALK_ALL;
	err = jbd_walk_begin(c->j, &opts, &w);
	if (err) {
		com_err(program_name, err, "while starting to walk the log of '%s'",
			c->j->journal_path);
		return jbd_exit_status(err);
	}
	if (c->old)
		out_text(&c->out, "Journal starts at block %u, transaction %u; "
			 "dumping the whole log area from block %u\n",
			 c->j->sb.start, c->j->sb.sequence, c->j->sb.first);
	else
		out_text(&c->out, "Journal starts at block %u, transaction %u\n",
			 c->j->sb.start, c->j->sb.sequence);
	do {
		err = jbd_walk_next(w, &ev);
		if (err) {
			com_err(program_name, err, "while reading journal block "
				"%u of '%s'", jbd_walk_io_jblk(w),
				c->j->journal_path);
			status = jbd_exit_status(err);
			break;
		}
		if (ev.csum == JBD_CSUM_BAD && !c->old)
			status |= JBD_EXIT_CORRUPT;
		if (ev.type == JBD_EV_END && ev.end == JBD_END_LOOP)
			status |= JBD_EXIT_CORRUPT;
		if (c->decode && (status |= decode_before(c, &ev)) & JBD_EXIT_ERROR)
			break;
		if (c->out.json && !json_event(c, &ev)) {
			com_err(program_name, EXT2_ET_NO_MEMORY, "while "
				"listing the log of '%s'", c->j->journal_path);
			status = JBD_EXIT_ERROR;
			break;
		}
		if (!c->out.json)
			text_event(c, &ev);
		if (c->decode)
			decode_after(c, &ev);
		if (ev.type == JBD_EV_REVOKE_BLOCK && ev.r_count_bad && !c->old) {
			/* Recovery would refuse this block: the log is broken. */
			struct jbd_event end = { .type = JBD_EV_END,
				.end = JBD_END_BAD_R_COUNT, .jblk = ev.jblk,
				.tid = ev.tid };

			status |= JBD_EXIT_CORRUPT;
			if (c->out.json)
				json_event(c, &end);
			else
				text_event(c, &end);
			break;
		}
	} while (ev.type != JBD_EV_END);
	jbd_walk_end(w);
	return status;
}

static int parse_options(struct logdump_ctx *c, const struct jbd_cmd *cmd,
			 int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "block", required_argument, NULL, 'b' },
		{ "contents", no_argument, NULL, 'c' },
		{ "decode", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "inode", required_argument, NULL, 'i' },
		{ "journal", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "old", no_argument, NULL, 'O' },
		{ "super", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "ab:chi:j:OS", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'a':
			c->all = true;
			break;
		case 'b':
			if (!parse_u64(optarg, &c->block))
				return cmd_usage_error(cmd, "bad block number '%s'",
						       optarg);
			c->have_block = true;
			break;
		case 'c':
			c->contents = true;
			break;
		case 'D':
			c->decode = true;
			break;
		case 'h':
			cmd_print_usage(cmd);
			return -1;
		case 'i':
			c->inode_spec = optarg;
			break;
		case 'j':
			c->journal = optarg;
			break;
		case 'J':
			c->out.json = true;
			break;
		case 'O':
			c->old = true;
			break;
		case 'S':
			c->super = true;
			break;
		default:
			return cmd_usage_error(cmd, "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	if (c->have_block && c->inode_spec)
		return cmd_usage_error(cmd, "-b and -i cannot be combined");
	if (c->contents && !c->all && !c->have_block && !c->inode_spec)
		return cmd_usage_error(cmd, "-c needs -a, -b or -i");
	c->image = argv[optind];
	c->filtered = c->have_block || c->inode_spec;
	return 0;
}

int cmd_logdump(const struct jbd_cmd *cmd, int argc, char **argv)
{
	struct logdump_ctx c;
	bool json;
	int status;

	memset(&c, 0, sizeof(c));
	status = parse_options(&c, cmd, argc, argv);
	if (status)
		return status < 0 ? JBD_EXIT_OK : status;
	json = c.out.json;
	status = open_journal_or_report(c.image, c.journal, 0, &c.j);
	if (status)
		return status;
	if (c.j->sb_error) {
		status = report_sb_error(c.j);
		goto out;
	}
	c.scratch = malloc(c.j->blocksize);
	if (!c.scratch) {
		status = JBD_EXIT_ERROR;
		goto out;
	}
	if (c.inode_spec && (status = resolve_inode(&c, c.inode_spec)))
		goto out;
	if (c.have_block && c.j->fs &&
	    c.block >= c.j->fs->super->s_first_data_block &&
	    c.block < ext2fs_blocks_count(c.j->fs->super))
		c.bitmap_block = ext2fs_block_bitmap_loc(c.j->fs,
				ext2fs_group_of_blk2(c.j->fs, c.block));
	out_init(&c.out, stdout, json);
	out_begin(&c.out);
	if (c.super || json)
		print_superblock(&c.out, c.j);
	if (c.j->sb.checksum_verdict == JBD_CSUM_BAD)
		status |= JBD_EXIT_CORRUPT;
	if (c.decode && (status |= decode_setup(&c)) & JBD_EXIT_ERROR)
		goto out;
	if (json)
		json_begin(&c);
	status |= dump_log(&c);
	if (json)
		json_finish(&c);
	out_finish(&c.out);
out:
	decode_teardown(&c);
	free(c.scratch);
	jbd_close(c.j);
	return status;
}
