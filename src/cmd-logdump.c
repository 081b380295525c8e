/*
 * cmd-logdump.c: jbdctl logdump: every transaction, descriptor tag,
 * revoke record and commit of the log, in the words of debugfs logdump,
 * with checksum verdicts; or the same as one JSON document.  The
 * closing lines are the recovery verdict (libjbd verdict.c).
 *
 * This file hands walker events to a printer (logdump-text.c or
 * logdump-json.c); it holds no journal logic.
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
	if (c->j->via_backup)
		out_text(&c->out, "Journal inode %u is unusable (%s): the log is "
			 "read through the superblock's backup (s_jnl_blocks)\n",
			 c->j->ino, error_message(c->j->inode_error));
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

	while ((opt = getopt_long(argc, argv, ":ab:chi:j:OS", longopts,
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
			return cmd_bad_option(cmd, opt, argv);
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
	struct jbd_verdict v;
	errcode_t err;
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
	if (c.decode && (status |= decode_setup(&c)) & JBD_EXIT_ERROR)
		goto out;
	if (json)
		json_begin(&c);
	status |= dump_log(&c);
	if (json)
		json_finish(&c);
	/* The closing lines, and the status: the recovery verdict. */
	if (!status) {
		err = jbd_recovery_state(c.j, &v);
		if (err) {
			com_err(program_name, err, "while reading the log of '%s'",
				c.j->journal_path);
			status = jbd_exit_status(err);
		} else {
			if (json)
				print_verdict_json(&c.out, &v);
			else
				text_verdict(&c, &v);
			status = verdict_exit_status(&v, false) & JBD_EXIT_CORRUPT;
		}
	}
	if (!c.filtered)
		status |= logdump_fast_commit(&c);
	out_finish(&c.out);
out:
	decode_teardown(&c);
	free(c.scratch);
	jbd_close(c.j);
	return status;
}
