/*
 * cmd-remove.c: jbdctl remove: remove the journal, as tune2fs -O
 * ^has_journal does, refusing while the journal holds transactions.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <et/com_err.h>

#include "jbd-err.h"
#include "jbdctl.h"
#include "mkjournal.h"
#include "change-open.h"
#include "util.h"

const char *const cmd_remove_usage[] = {
	"remove [-fn] [-j <journal>] [-z <file>] <image>",
	"remove the journal, as tune2fs -O ^has_journal does",
	"-f, --force\tremove even a journal that needs recovery (its log is lost)",
	"-j, --journal <path>\tthe external journal, whose users lose this "
	"filesystem",
	"-n, --dry-run\tsay what would be done; write nothing",
	"-z, --undo <file>\tsave the overwritten blocks for e2undo(8)",
	NULL
};

struct remove_opts {
	bool force, dry_run;
	const char *journal, *image, *undo;
};

/* Drop the filesystem's UUID from the external journal's users. */
static errcode_t drop_user(struct jbd_journal *j)
{
	struct jbd_sb sb = j->sb;
	unsigned int i, n = sb.nr_users < 48 ? sb.nr_users : 48;

	for (i = 0; i < n; i++)
		if (!memcmp(sb.users[i], j->fs->super->s_uuid, 16))
			break;
	if (i == n)
		return 0;
	memmove(sb.users[i], sb.users[i + 1], (n - i - 1) * 16);
	memset(sb.users[n - 1], 0, 16);
	sb.nr_users--;
	return jbd_write_superblock(j, &sb);
}

/* Refuse while the log holds transactions, unless --force. */
static int check_recovery(const struct remove_opts *o, const struct jbd_journal *j)
{
	bool dirty = ext2fs_has_feature_journal_needs_recovery(j->fs->super) ||
		     (!j->sb_error && j->sb.start != 0);

	if (!dirty || o->force)
		return 0;
	com_err(program_name, JBD_ET_NEEDS_RECOVERY, "while removing the "
		"journal of '%s': run 'jbdctl replay' first, or -f to discard "
		"its log", o->image);
	return JBD_EXIT_ERROR;
}

/* The external journal's side: drop the filesystem from its users. */
static int remove_external(const struct remove_opts *o)
{
	struct jbd_journal *j;
	errcode_t err = 0;
	int status;

	if ((status = check_mount(o->journal, false, false)))
		return status;
	err = jbd_open(o->image, o->journal, o->dry_run ? 0 :
		       JBD_OPEN_RW | JBD_OPEN_EXCL, &j);
	if (err == EBUSY) {
		report_open_error(err, o->journal, true);
		return JBD_EXIT_ERROR;
	}
	if (err)
		return open_journal_or_report(o->image, o->journal, 0, &j);
	status = check_recovery(o, j);
	/* First the user list: a cut before the fs is written leaves a
	 * journal without this user, and a re-run finds nothing to drop. */
	if (!status && !j->sb_error && !o->dry_run)
		err = drop_user(j);
	jbd_close(j);
	if (err) {
		com_err(program_name, err, "while updating the users of '%s'",
			o->journal);
		return JBD_EXIT_ERROR;
	}
	return status;
}

/* Is the internal journal one that can go (or a cut remove to finish)? */
static int check_internal(const struct remove_opts *o, ext2_filsys fs,
			  bool *interrupted)
{
	struct jbd_journal *j;
	struct ext2_inode inode;
	errcode_t err;
	int status;

	*interrupted = false;
	if (!ext2fs_has_feature_journal(fs->super)) {
		err = ext2fs_read_inode(fs, EXT2_JOURNAL_INO, &inode);
		if (!err && fs->super->s_journal_inum == 0 &&
		    jbd_inode_in_use(&inode)) {
			*interrupted = true;
			return 0;
		}
		com_err(program_name, err ? err : JBD_ET_NO_JOURNAL,
			"while removing the journal of '%s'", o->image);
		return JBD_EXIT_ERROR;
	}
	/* A cut remove may have freed the blocks already: -f reads no log. */
	if (o->force)
		return 0;
	status = open_journal_or_report(o->image, NULL, 0, &j);
	if (!status)
		status = check_recovery(o, j);
	jbd_close(j);
	return status;
}

int cmd_remove(const struct jbd_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ "undo", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	struct remove_opts o = { 0 };
	struct jbd_change c;
	blk64_t freed = 0;
	bool external, interrupted = false;
	errcode_t err = 0;
	int opt, status;

	while ((opt = getopt_long(argc, argv, ":fhj:nz:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			o.force = true;
			break;
		case 'h':
			cmd_print_usage(cmd);
			return JBD_EXIT_OK;
		case 'j':
			o.journal = optarg;
			break;
		case 'n':
			o.dry_run = true;
			break;
		case 'z':
			o.undo = optarg;
			break;
		default:
			return cmd_bad_option(cmd, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	if (o.dry_run && o.undo)
		return cmd_usage_error(cmd, "-z writes; it cannot go with -n");
	o.image = argv[optind];
	if ((status = check_undo_file(o.undo)))
		return status;
	if ((status = check_mount(o.image, false, false)))
		return status;
	/* -j: the journal's users first (see remove_external). */
	if (o.journal && (status = remove_external(&o)))
		return status;
	if ((status = open_change_or_report(o.image, o.undo, o.dry_run, false,
					    &c)))
		return status;
	external = ext2fs_has_feature_journal(c.fs->super) &&
		   c.fs->super->s_journal_inum == 0;
	/* A torn superblock is finished only for a cut internal remove. */
	if (c.sb_torn && (external || o.journal)) {
		report_open_error(EXT2_ET_SB_CSUM_INVALID, o.image, !o.dry_run);
		jbd_change_abort(&c);
		return JBD_EXIT_ERROR;
	}
	if (external && o.journal) {
		status = 0;
	} else if (o.journal) {
		com_err(program_name, JBD_ET_INTERNAL_JOURNAL, "while removing "
			"the journal of '%s'", o.image);
		status = JBD_EXIT_ERROR;
	} else if (external && !o.force) {
		com_err(program_name, JBD_ET_EXTERNAL_NEEDED, "while removing the "
			"journal of '%s' (or -f to detach it without updating the "
			"journal's users)", o.image);
		status = JBD_EXIT_ERROR;
	} else if (!external) {
		status = check_internal(&o, c.fs, &interrupted);
	} else {
		status = 0;
	}
	if (!status && external)
		jbd_detach_external(c.fs);
	else if (!status)
		err = jbd_remove_internal(c.fs, &freed, c.bitmap_csum_bad,
					  c.sb_torn);
	if (err) {
		com_err(program_name, err, "while removing the journal of '%s'",
			o.image);
		status = JBD_EXIT_ERROR;
	}
	if (status || o.dry_run) {
		jbd_change_abort(&c);
		if (!status)
			printf("%s: would %s\n", o.image, interrupted ?
			       "finish an interrupted remove" : external ?
			       "detach the external journal" :
			       "remove the internal journal");
		return status;
	}
	err = jbd_change_close(&c);
	if (err) {
		com_err(program_name, err, "while writing '%s'", o.image);
		return JBD_EXIT_ERROR;
	}
	if (external)
		printf("%s: detached the external journal\n", o.image);
	else
		printf("%s: %s (%llu blocks freed)\n", o.image, interrupted ?
		       "finished an interrupted remove" : "removed the journal",
		       (unsigned long long)freed);
	print_undo_hint(o.undo, o.image);
	return JBD_EXIT_CHANGED;
}
