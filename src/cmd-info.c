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
#include "verdict.h"

const char *const cmd_info_usage[] = {
	"info [--json] [-j <journal>] <image>",
	"show the journal superblock and whether the journal needs recovery",
	"-j, --journal <path>\texternal journal device or file",
	"    --json\tprint one JSON document (see JSON OUTPUT in jbdctl(8))",
	NULL
};

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
	out_bool(o, "read_through_backup", NULL, j->via_backup);
	if (j->via_backup && !o->json)
		out_text(o, "%-26sthe superblock's backup (s_jnl_blocks): "
			 "inode %u is unusable (%s)\n", "Journal read through:",
			 j->ino, error_message(j->inode_error));
	out_bool(o, "valid_fs", NULL, es->s_state & EXT2_VALID_FS);
	out_bool(o, "error_fs", NULL, es->s_state & EXT2_ERROR_FS);
	out_object_end(o);
}

/* The log's state: the recovery verdict, as replay -n would print it. */
static void print_state(struct out *o, const struct jbd_journal *j,
			const struct jbd_verdict *v)
{
	char line[512], end[512], replay[512];
	int n;

	if (!v->needs_replay && j->sb.start == 0)
		snprintf(line, sizeof(line), "clean");
	else if (v->outcome == JBD_OUTCOME_REFUSED)
		snprintf(line, sizeof(line), "needs recovery, which replay "
			 "refuses: %s", error_message(v->refused));
	else {
		n = snprintf(line, sizeof(line), "needs recovery: %u "
			     "transaction%s to replay", v->transactions,
			     v->transactions == 1 ? "" : "s");
		if (v->transactions && n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, ", sequence %u..%u, "
				 "%llu blocks logged", v->first_tid, v->last_tid,
				 (unsigned long long)v->tags);
	}
	verdict_end_text(v, end, sizeof(end));
	verdict_summary_text(v, false, replay, sizeof(replay));
	out_object_begin(o, "state");
	out_bool(o, "clean", NULL, j->sb.start == 0);
	out_str(o, "summary", "Journal state:", line);
	out_str(o, "log_end", v->planned ? "Log end:" : NULL, end);
	out_str(o, "replay", "Replay:", replay);
	out_object_end(o);
	print_verdict_json(o, v);
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
	struct jbd_verdict v;
	struct out o;
	bool json = false;
	errcode_t err;
	int c, status;

	while ((c = getopt_long(argc, argv, ":hj:", longopts, NULL)) != -1) {
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
			return cmd_bad_option(cmd, c, argv);
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
		err = jbd_recovery_state(j, &v);
		if (err) {
			com_err(program_name, err, "while reading the log of '%s'",
				j->journal_path);
			status = jbd_exit_status(err);
		} else {
			print_state(&o, j, &v);
			/* A read command: corruption is 4, a refusal for an
			 * unsupported feature is not an error of info's. */
			status = verdict_exit_status(&v, false) & JBD_EXIT_CORRUPT;
		}
	}
	out_finish(&o);
	jbd_close(j);
	return status;
}
