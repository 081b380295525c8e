/*
 * cmd-replay.c: jbdctl replay: recover the journal as e2fsck -E
 * journal_only does, writing each block once, safely.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <et/com_err.h>

#include "jbd-err.h"
#include "jbdctl.h"
#include "recover.h"
#include "util.h"

const char *const cmd_replay_usage[] = {
	"replay [-fnpvC] [-j <journal>] [--undo <file>] [--buffered] <image> | -A [--fstab <file>]",
	"replay the journal into the filesystem, as e2fsck -E journal_only does",
	"-A, --all\tevery ext2/3/4 filesystem of the fstab with a pass number",
	"    --buffered\twrite through the page cache, not with direct I/O",
	"-C, --progress\tshow progress on a terminal",
	"-f, --force\treplay even if the mount state cannot be determined",
	"    --fstab <file>\twith -A: this fstab instead of /etc/fstab",
	"-j, --journal <path>\texternal journal device or file",
	"-n, --dry-run\tprint what would be written; write nothing",
	"-p, --preen\tone line per filesystem, for boot scripts",
	"    --undo <file>\tsave the overwritten blocks for e2undo(8)",
	"-v, --verbose\tlist every block written",
	NULL
};

struct replay_opts {
	bool dry_run, force, verbose, progress, preen, all, buffered;
	const char *journal, *fstab;
	const char *undo;
	const char *image;
};

static int parse_options(struct replay_opts *o, const struct jbd_cmd *cmd,
			 int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "buffered", no_argument, NULL, 'B' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "fstab", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ "preen", no_argument, NULL, 'p' },
		{ "progress", no_argument, NULL, 'C' },
		{ "undo", required_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "ACfhj:npv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'A':
			o->all = true;
			break;
		case 'B':
			o->buffered = true;
			break;
		case 'p':
			o->preen = true;
			break;
		case 'T':
			o->fstab = optarg;
			break;
		case 'C':
			o->progress = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			cmd_print_usage(cmd);
			return -1;
		case 'j':
			o->journal = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'U':
			o->undo = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			return cmd_usage_error(cmd, "bad option");
		}
	}
	if (o->dry_run && o->undo)
		return cmd_usage_error(cmd, "--undo writes; it cannot go with -n");
	if (o->fstab && !o->all)
		return cmd_usage_error(cmd, "--fstab goes with -A");
	if (o->all) {
		if (optind != argc)
			return cmd_usage_error(cmd, "-A takes no image");
		if (o->journal || o->undo)
			return cmd_usage_error(cmd, "-A cannot go with -j or --undo");
		return 0;
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	o->image = argv[optind];
	return 0;
}

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	fprintf(stderr, "\rreplaying: %" PRIu64 "/%" PRIu64 " blocks (%d%%)",
		done, total, total ? (int)(done * 100 / total) : 100);
	if (done == total)
		fputc('\n', stderr);
}

static const char *failure_text(enum jbd_recovery_failure f)
{
	switch (f) {
	case JBD_RECOVERY_OK:
		return "none";
	case JBD_RECOVERY_SCAN_CSUM:
		return "a descriptor or revoke block has a bad checksum and a "
		       "later commit is newer: the journal is corrupt, nothing "
		       "is replayed";
	case JBD_RECOVERY_DESCR_CSUM:
		return "a descriptor block of a replayed transaction has a bad "
		       "checksum: nothing is replayed";
	case JBD_RECOVERY_REVOKE_COUNT:
		return "a revoke block of a replayed transaction has r_count "
		       "past its end: nothing is replayed";
	case JBD_RECOVERY_DATA_CSUM:
		return "logged blocks with a bad checksum are not replayed";
	case JBD_RECOVERY_LOOP:
		return "the log runs round the whole journal without ending: "
		       "nothing is replayed";
	}
	return "unknown";
}

/* What recovery found and will do (or did), on stdout. */
static void report(const struct replay_opts *o, const struct jbd_recovery *r)
{
	uint32_t ntx = r->end_tid - r->start_tid;
	size_t i;

	if (jbd_recovery_failed(r))
		ntx = 0;
	if (o->preen) {
		printf("%s: %s %u transaction%s, %zu block%s%s\n", o->image,
		       o->dry_run ? "would replay" : "replayed", ntx,
		       ntx == 1 ? "" : "s", r->nplan, r->nplan == 1 ? "" : "s",
		       jbd_recovery_failed(r) || r->failed_commit ?
		       "; JOURNAL CORRUPT: run e2fsck -f" : "");
		return;
	}
	for (i = 0; i < r->nbad; i++)
		printf("%s: checksum error in the logged copy of block %" PRIu64
		       ": not replayed\n", o->image, r->bad_fsblks[i]);
	if (jbd_recovery_failed(r))
		printf("%s: transaction %u, journal block %u: %s\n", o->image,
		       r->failure_tid, r->failure_jblk, failure_text(r->failure));
	if (r->failed_commit)
		printf("%s: transaction %u has a bad commit checksum: replay "
		       "stops before it and the filesystem is marked with "
		       "errors\n", o->image, r->failed_tid);
	if (r->stale_end)
		printf("%s: transaction %u ends in stale blocks (older commit "
		       "time): the log ends before it\n", o->image, r->end_tid);
	if (o->verbose)
		for (i = 0; i < r->nplan; i++)
			printf("  block %" PRIu64 " <- journal block %u "
			       "(transaction %u%s)\n", r->plan[i].fsblk,
			       r->plan[i].jblk, r->plan[i].tid,
			       r->plan[i].escape ? ", escaped" : "");
	printf("%s: %s %u transaction%s", o->image,
	       o->dry_run ? "would replay" : "replayed", ntx, ntx == 1 ? "" : "s");
	if (ntx)
		printf(" (sequence %u..%u)", r->start_tid, r->end_tid - 1);
	printf(": %zu block%s %s, %" PRIu64 " revoked, %zu skipped; "
	       "journal sequence %u -> %u\n", r->nplan,
	       r->nplan == 1 ? "" : "s", o->dry_run ? "to write" : "written",
	       r->revoked, r->nbad, r->start_tid,
	       jbd_recovery_failed(r) ? r->start_tid : r->end_tid + 1);
}

/*
 * Anything to do?  e2fsck replays when needs_recovery is set, and also
 * when it is clear but the log is not empty ("Run journal anyway").  A
 * journal error recorded in s_errno is moved into the filesystem either way.
 */
static bool needs_work(const struct jbd_journal *j)
{
	return ext2fs_has_feature_journal_needs_recovery(j->fs->super) ||
	       j->sb.start != 0 || j->sb.errnum != 0;
}

static int run_replay(const struct replay_opts *o, struct jbd_journal *j)
{
	const char *mode = NULL;
	struct jbd_recovery r;
	uint64_t bad = 0;
	errcode_t err;
	int status;

	err = o->dry_run ? jbd_recover_plan(j, &r) :
			   jbd_recover_plan_for_write(j, &r);
	if (err) {
		com_err(program_name, err, "while reading the journal of '%s'",
			o->image);
		jbd_recovery_free(&r);
		return jbd_exit_status(err);
	}
	err = jbd_recover_check_targets(j, &r, &bad);
	if (err) {
		com_err(program_name, err, "while checking block %" PRIu64
			" before replaying '%s' (nothing written)", bad, o->image);
		jbd_recovery_free(&r);
		return JBD_EXIT_CORRUPT;
	}
	status = JBD_EXIT_OK;
	if (!o->dry_run) {
		if (!o->preen)
			printf("%s: recovering journal\n", o->image);
		err = jbd_recover_write(j, &r, o->buffered ? JBD_HOME_BUFFERED : 0,
					o->progress && isatty(2) ?
					show_progress : NULL, NULL, &mode);
		if (!err)
			err = jbd_recover_finish(j, &r, (uint64_t)r.nplan *
						 j->blocksize / 1024, time(NULL));
		if (err) {
			com_err(program_name, err, "while replaying the journal "
				"of '%s'", o->image);
			jbd_recovery_free(&r);
			return JBD_EXIT_ERROR;
		}
		status |= JBD_EXIT_CHANGED;
	}
	/* (Writing can find a bad data checksum: see the outcome after it.) */
	if (jbd_recovery_failed(&r) || r.failed_commit)
		status |= JBD_EXIT_CORRUPT;
	report(o, &r);
	if (o->verbose && mode)
		printf("%s: home blocks written %s\n", o->image, mode);
	jbd_recovery_free(&r);
	return status;
}

static int replay_one(const struct replay_opts *o)
{
	struct jbd_journal *j;
	errcode_t err;
	int status, flags;

	/* A dry run checks as the real one does, refusals included. */
	status = check_mount(o->image, true, o->force);
	if (!status && o->journal)
		status = check_mount(o->journal, true, o->force);
	if (!status)
		status = check_undo_file(o->undo);
	if (status)
		return status;
	/*
	 * Exclusive, as e2fsck: a mount or a second writer (another jbdctl,
	 * e2fsck) is refused by the kernel, except for a filesystem mounted
	 * read-only (the root at boot), which the kernel holds itself.
	 */
	flags = o->dry_run ? 0 : JBD_OPEN_RW;
	if (!o->dry_run && !mounted_read_only(o->image))
		flags |= JBD_OPEN_EXCL;
	if (o->undo) {
		flags |= JBD_OPEN_UNDO;
		jbd_set_undo_file(o->undo);
	}
	/* At boot, a filesystem without a journal is simply done. */
	if (o->preen && (err = jbd_open(o->image, o->journal, flags, &j))) {
		if (err == JBD_ET_NO_JOURNAL) {
			printf("%s: no journal\n", o->image);
			return JBD_EXIT_OK;
		}
		return open_journal_or_report(o->image, o->journal, flags, &j);
	} else if (!o->preen) {
		status = open_journal_or_report(o->image, o->journal, flags, &j);
		if (status)
			return status;
	}
	if (!j->fs) {
		com_err(program_name, JBD_ET_NEED_FS, "while opening '%s'",
			o->image);
		status = JBD_EXIT_ERROR;
	} else if (j->sb_error) {
		/* Replay writes nothing to a journal it cannot trust: a corrupt
		 * superblock (bad magic too) is corruption, exit 4. */
		status = report_sb_error(j);
		if (j->sb_error == JBD_ET_BAD_MAGIC)
			status = JBD_EXIT_CORRUPT;
	} else if (j->sb.checksum_verdict == JBD_CSUM_BAD) {
		com_err(program_name, JBD_ET_SB_CSUM, "while reading the journal "
			"superblock of '%s' (nothing written)", j->journal_path);
		status = JBD_EXIT_CORRUPT;
	} else if (!needs_work(j)) {
		printf("%s: %s\n", o->image, o->preen ? "clean" :
		       "journal is clean, nothing to replay");
		status = JBD_EXIT_OK;
	} else {
		status = run_replay(o, j);
	}
	jbd_close(j);
	if (status & JBD_EXIT_CHANGED)
		print_undo_hint(o->undo, o->image);
	return status;
}

/* Is word one of the comma-separated options of opts? */
static bool has_option(const char *opts, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = opts; (p = strstr(p, word)); p += n)
		if ((p == opts || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/*
 * -A: every ext2/ext3/ext4 line of the fstab with a pass number and
 * without noauto, device names as written; the statuses are OR-ed.
 */
static int replay_fstab(const struct replay_opts *o)
{
	const char *path = o->fstab ? o->fstab : "/etc/fstab";
	struct replay_opts one = *o;
	char line[4096];
	int status = 0, found = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		com_err(program_name, errno, "while opening '%s'", path);
		return JBD_EXIT_ERROR;
	}
	one.preen = true;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *spec, *type, *opts, *pass;

		line[strcspn(line, "#\n")] = '\0';
		spec = strtok_r(line, " \t", &save);
		if (!spec || !strtok_r(NULL, " \t", &save))
			continue;
		type = strtok_r(NULL, " \t", &save);
		opts = strtok_r(NULL, " \t", &save);
		strtok_r(NULL, " \t", &save);		/* dump frequency */
		pass = strtok_r(NULL, " \t", &save);
		if (!type || (strcmp(type, "ext2") && strcmp(type, "ext3") &&
			      strcmp(type, "ext4")))
			continue;
		if (!pass || !strcmp(pass, "0") || (opts && has_option(opts, "noauto")))
			continue;
		one.image = spec;
		status |= replay_one(&one);
		found++;
	}
	fclose(f);
	if (!found)
		printf("%s: no ext2/ext3/ext4 filesystem to check\n", path);
	return status;
}

int cmd_replay(const struct jbd_cmd *cmd, int argc, char **argv)
{
	struct replay_opts o = { 0 };
	int status;

	status = parse_options(&o, cmd, argc, argv);
	if (status)
		return status < 0 ? JBD_EXIT_OK : status;
	return o.all ? replay_fstab(&o) : replay_one(&o);
}
