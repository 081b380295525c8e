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
#include "util.h"

const char *const cmd_remove_usage[] = {
	"remove [-fn] [-j <journal>] <image>",
	"remove the journal, as tune2fs -O ^has_journal does",
	"-f, --force\tremove even a journal that needs recovery (its log is lost)",
	"-j, --journal <path>\tthe external journal, whose users lose this "
	"filesystem",
	"-n, --dry-run\tsay what would be done; write nothing",
	NULL
};

struct remove_opts {
	bool force, dry_run;
	const char *journal, *image;
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

static int remove_external(const struct remove_opts *o)
{
	struct jbd_journal *j;
	errcode_t err = 0;
	int status;

	status = open_journal_or_report(o->image, o->journal, JBD_OPEN_RW, &j);
	if (status)
		return status;
	status = check_recovery(o, j);
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

int cmd_remove(const struct jbd_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct remove_opts o = { 0 };
	struct jbd_journal *j = NULL;
	ext2_filsys fs;
	blk64_t freed = 0;
	bool external;
	errcode_t err;
	int opt, status;

	while ((opt = getopt_long(argc, argv, ":fhj:n", longopts, NULL)) != -1) {
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
		default:
			return cmd_bad_option(cmd, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	o.image = argv[optind];
	if (!o.dry_run && (status = check_mount(o.image, false, false)))
		return status;
	err = ext2fs_open2(o.image, NULL, EXT2_FLAG_64BITS |
			   (o.dry_run ? 0 : EXT2_FLAG_RW), 0, 0,
			   unix_io_manager, &fs);
	if (err) {
		com_err(program_name, err, "while opening '%s'", o.image);
		return JBD_EXIT_ERROR;
	}
	if (!ext2fs_has_feature_journal(fs->super)) {
		com_err(program_name, JBD_ET_NO_JOURNAL, "while removing the "
			"journal of '%s'", o.image);
		ext2fs_close_free(&fs);
		return JBD_EXIT_ERROR;
	}
	external = fs->super->s_journal_inum == 0;
	if (external && o.journal) {
		status = remove_external(&o);
	} else if (external && !o.force) {
		com_err(program_name, JBD_ET_EXTERNAL_NEEDED, "while removing the "
			"journal of '%s' (or -f to detach it without updating the "
			"journal's users)", o.image);
		status = JBD_EXIT_ERROR;
	} else if (!external) {
		status = open_journal_or_report(o.image, NULL, 0, &j);
		if (!status)
			status = check_recovery(&o, j);
		jbd_close(j);
	} else {
		status = 0;
	}
	if (status || o.dry_run) {
		if (!status)
			printf("%s: would remove the %s journal\n", o.image,
			       external ? "external" : "internal");
		ext2fs_close_free(&fs);
		return status;
	}
	if (external)
		jbd_detach_external(fs);
	else
		err = jbd_remove_internal(fs, &freed);
	if (!err)
		err = ext2fs_close_free(&fs);
	if (err) {
		com_err(program_name, err, "while removing the journal of '%s'",
			o.image);
		if (fs)
			ext2fs_close_free(&fs);
		return JBD_EXIT_ERROR;
	}
	if (external)
		printf("%s: detached the external journal\n", o.image);
	else
		printf("%s: removed the journal (%llu blocks freed)\n", o.image,
		       (unsigned long long)freed);
	return JBD_EXIT_CHANGED;
}
