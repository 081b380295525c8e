/*
 * cmd-info.c: jbdctl info: the journal superblock, the filesystem's side
 * of the journal, and whether the log needs recovery.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <et/com_err.h>
#include <uuid/uuid.h>

#include "jbdctl.h"
#include "util.h"
#include "walk.h"

const char *const cmd_info_usage[] = {
	"info [--json] [-j <journal>] <image>",
	"show the journal superblock and whether the journal needs recovery",
	"-j, --journal <path>\texternal journal device or file",
	"    --json\tprint one JSON document (see JSON OUTPUT in jbdctl(8))",
	NULL
};

struct log_summary {
	uint64_t committed;		/* transactions with a commit block */
	uint32_t first_tid, last_tid;	/* of the committed ones */
	uint64_t blocks;		/* tags in committed transactions */
	struct jbd_event end;
};

static errcode_t summarize_log(struct jbd_journal *j, struct log_summary *s)
{
	struct jbd_walk *w;
	struct jbd_event ev;
	uint64_t pending = 0;
	errcode_t err;

	memset(s, 0, sizeof(*s));
	err = jbd_walk_begin(j, NULL, &w);
	if (err)
		return err;
	while (!(err = jbd_walk_next(w, &ev)) && ev.type != JBD_EV_END) {
		if (ev.type == JBD_EV_TAG)
			pending++;
		if (ev.type != JBD_EV_COMMIT)
			continue;
		if (!s->committed++)
			s->first_tid = ev.tid;
		s->last_tid = ev.tid;
		s->blocks += pending;
		pending = 0;
	}
	s->end = ev;
	jbd_walk_end(w);
	return err;
}

static const char *source_name(enum jbd_source s)
{
	switch (s) {
	case JBD_SRC_INTERNAL:	return "internal";
	case JBD_SRC_EXTERNAL:	return "external";
	case JBD_SRC_FILE:	return "file";
	}
	return "unknown";
}

static void print_filesystem(struct out *o, const struct jbd_journal *j)
{
	struct ext2_super_block *es = j->fs ? j->fs->super : NULL;

	out_object_begin(o, "filesystem");
	out_str(o, "journal_source", "Journal source:", source_name(j->source));
	out_str(o, "journal_path", "Journal location:", j->journal_path ?
		j->journal_path : j->journal_error && !o->json ? "not found" : NULL);
	if (!es) {
		out_object_end(o);
		return;
	}
	out_bool(o, "has_journal", "Has journal:", ext2fs_has_feature_journal(es));
	out_bool(o, "needs_recovery", "Needs recovery flag:",
		 ext2fs_has_feature_journal_needs_recovery(es));
	if (es->s_journal_inum)
		out_u64(o, "journal_inode", "Journal inode:", es->s_journal_inum);
	else
		out_null(o, "journal_inode", NULL);
	out_uuid(o, "journal_uuid", uuid_is_null(es->s_journal_uuid) ? NULL :
		 "Journal UUID:", es->s_journal_uuid);
	if (o->json)
		out_u64(o, "journal_device", NULL, es->s_journal_dev);
	else if (es->s_journal_dev || !es->s_journal_inum)
		out_text(o, "%-26s0x%04x\n", "Journal device:", es->s_journal_dev);
	out_str(o, "journal_backup", "Journal backup:",
		es->s_jnl_backup_type == EXT3_JNL_BACKUP_BLOCKS ? "inode blocks" :
		es->s_jnl_backup_type ? "unknown" : NULL);
	out_bool(o, "valid_fs", NULL, es->s_state & EXT2_VALID_FS);
	out_bool(o, "error_fs", NULL, es->s_state & EXT2_ERROR_FS);
	out_object_end(o);
}

static void print_state(struct out *o, const struct jbd_journal *j,
			const struct log_summary *s)
{
	char line[160];

	if (j->sb.start == 0)
		snprintf(line, sizeof(line), "clean");
	else if (!s->committed)
		snprintf(line, sizeof(line),
			 "needs recovery: 0 committed transactions");
	else
		snprintf(line, sizeof(line),
			 "needs recovery: %llu committed transaction%s, "
			 "sequence %u..%u, %llu blocks logged",
			 (unsigned long long)s->committed,
			 s->committed == 1 ? "" : "s", s->first_tid, s->last_tid,
			 (unsigned long long)s->blocks);
	out_object_begin(o, "state");
	out_bool(o, "clean", NULL, j->sb.start == 0);
	out_u64(o, "committed_transactions", NULL, s->committed);
	if (s->committed) {
		out_u64(o, "first_sequence", NULL, s->first_tid);
		out_u64(o, "last_sequence", NULL, s->last_tid);
	} else {
		out_null(o, "first_sequence", NULL);
		out_null(o, "last_sequence", NULL);
	}
	out_u64(o, "blocks_logged", NULL, s->blocks);
	out_str(o, "end_reason", NULL, jbd_end_reason_name(s->end.end));
	out_u64(o, "end_journal_block", NULL, s->end.jblk);
	out_str(o, "summary", "Journal state:", line);
	out_object_end(o);
}

int cmd_info(const struct jbd_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 }
	};
	const char *journal = NULL;
	struct jbd_journal *j;
	struct log_summary sum;
	struct out o;
	bool json = false;
	errcode_t err;
	int c, status;

	while ((c = getopt_long(argc, argv, "hj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cmd_print_usage(cmd);
			return JBD_EXIT_OK;
		case 'j':
			journal = optarg;
			break;
		case 'J':
			json = true;
			break;
		default:
			return cmd_usage_error(cmd, "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	status = open_journal_or_report(argv[optind], journal,
					JBD_OPEN_KEEP_FS, &j);
	if (status)
		return status;
	out_init(&o, stdout, json);
	out_begin(&o);
	print_filesystem(&o, j);
	if (j->journal_error)	/* the filesystem's side is all there is */
		status = report_journal_error(j);
	else if (j->sb.blocktype)	/* decoded, even if not valid */
		print_superblock(&o, j);
	if (j->journal_error) {
		/* reported above */
	} else if (j->sb_error) {
		status = report_sb_error(j);
	} else {
		err = summarize_log(j, &sum);
		if (err) {
			com_err(program_name, err, "while reading the log of '%s'",
				j->journal_path);
			status = jbd_exit_status(err);
		} else {
			print_state(&o, j, &sum);
		}
		if (j->sb.checksum_verdict == JBD_CSUM_BAD)
			status |= JBD_EXIT_CORRUPT;
	}
	out_finish(&o);
	jbd_close(j);
	return status;
}
