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
#include "fstab.h"
#include "jbdctl.h"
#include "fcreplay.h"
#include "logdump.h"
#include "recover.h"
#include "undofile.h"
#include "util.h"

const char *const cmd_replay_usage[] = {
	"replay [-fnpvC] [-j <journal>] [--undo <file>] [--buffered] [--json] <image> | -A [--fstab <file>]",
	"replay the journal into the filesystem, as e2fsck -E journal_only does",
	"-A, --all\tevery ext2/3/4 filesystem of the fstab with a pass number",
	"    --buffered\twrite through the page cache, not with direct I/O",
	"-C, --progress\tshow progress on a terminal",
	"-f, --force\treplay even if the mount state cannot be determined",
	"    --fstab <file>\twith -A: this fstab instead of /etc/fstab",
	"-j, --journal <path>\texternal journal device or file",
	"    --json\tprint the plan and the outcome as one JSON document",
	"-n, --dry-run\tprint what would be written; write nothing",
	"-p, --preen\tone line per filesystem, for boot scripts",
	"    --undo <file>\tsave the overwritten blocks for e2undo(8)",
	"-v, --verbose\tlist every block written and fast-commit record replayed",
	NULL
};

struct replay_opts {
	bool dry_run, force, verbose, progress, preen, all, buffered, json;
	bool mounted;		/* the image is mounted (read-only) */
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
		{ "json", no_argument, NULL, 'J' },
		{ "preen", no_argument, NULL, 'p' },
		{ "progress", no_argument, NULL, 'C' },
		{ "undo", required_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":ACfhj:npv", longopts, NULL)) != -1) {
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
		case 'J':
			o->json = true;
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
			return cmd_bad_option(cmd, opt, argv);
		}
	}
	if (o->dry_run && o->undo)
		return cmd_usage_error(cmd, "--undo writes; it cannot go with -n");
	if (o->json && (o->preen || o->all))
		return cmd_usage_error(cmd, "--json cannot go with -p or -A");
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

/* The plan, as one JSON document (with -v, every block written). */
static void report_json(const struct replay_opts *o, const struct jbd_verdict *v,
			const struct jbd_recovery *r, int status)
{
	bool written = !o->dry_run && v->outcome != JBD_OUTCOME_REFUSED &&
		       v->outcome != JBD_OUTCOME_NOTHING;
	struct out out;
	uint32_t k;
	size_t i;

	out_init(&out, stdout, true);
	out_begin(&out);
	out_str(&out, "image", NULL, o->image);
	out_bool(&out, "dry_run", NULL, o->dry_run);
	print_verdict_json(&out, v);
	if (o->verbose && r) {
		out_list_begin(&out, "blocks", NULL);
		for (i = 0; i < r->nplan; i++)
			for (k = 0; k < r->plan[i].count; k++) {
				struct jbd_replay_block b =
					jbd_plan_block(&r->plan[i], k);

				out_object_begin(&out, NULL);
				out_u64(&out, "fs_block", NULL, b.fsblk);
				out_u64(&out, "journal_block", NULL, b.jblk);
				out_u64(&out, "sequence", NULL, b.tid);
				out_bool(&out, "escaped", NULL, b.escape);
				out_object_end(&out);
			}
		out_list_end(&out);
	}
	out_object_begin(&out, "outcome");
	out_bool(&out, "written", NULL, written);
	out_u64(&out, "blocks_written", NULL, written ? v->blocks : 0);
	out_u64(&out, "sequence", NULL, written ? v->sequence_after :
		v->sequence_before);
	out_u64(&out, "exit_status", NULL, (uint64_t)status);
	out_object_end(&out);
	out_finish(&out);
}

/* What recovery found and will do (or did), on stdout. */
static void report(const struct replay_opts *o, const struct jbd_verdict *v,
		   const struct jbd_recovery *r)
{
	bool done = !o->dry_run;
	char line[512];
	uint32_t k;
	size_t i;

	if (o->preen) {
		printf("%s: %s %u transaction%s, %" PRIu64 " block%s%s%s\n",
		       o->image, done ? "replayed" : "would replay",
		       v->transactions, v->transactions == 1 ? "" : "s",
		       v->blocks, v->blocks == 1 ? "" : "s",
		       jbd_verdict_corrupt(v) ?
		       "; JOURNAL CORRUPT: run e2fsck -f" : "",
		       o->mounted ? "; MOUNTED: REBOOT THE SYSTEM" : "");
		return;
	}
	for (i = 0; i < r->nbad; i++)
		printf("%s: checksum error in the logged copy of block %" PRIu64
		       ": not replayed\n", o->image, r->bad_fsblks[i]);
	if (v->end != JBD_LOGEND_CLEAN && v->end != JBD_LOGEND_EMPTY) {
		verdict_end_text(v, line, sizeof(line));
		printf("%s: %s\n", o->image, line);
	}
	if (o->verbose)
		for (i = 0; i < r->nplan; i++)
			for (k = 0; k < r->plan[i].count; k++) {
				struct jbd_replay_block b =
					jbd_plan_block(&r->plan[i], k);

				printf("  block %" PRIu64 " <- journal block %u "
				       "(transaction %u%s)\n", b.fsblk, b.jblk,
				       b.tid, b.escape ? ", escaped" : "");
			}
	if (o->verbose && o->dry_run)
		for (i = 0; i < r->fc.nreplay; i++) {
			printf("  fast commit: ");
			fc_record_text(stdout, &r->fc.recs[i]);
			printf("\n");
		}
	verdict_summary_text(v, done, line, sizeof(line));
	printf("%s: %s\n", o->image, line);
	if (verdict_fc_text(v, done, line, sizeof(line)))
		printf("%s: %s\n", o->image, line);
	if (o->mounted)
		printf("%s: ***** REBOOT SYSTEM ***** (replayed under the "
		       "mounted filesystem, which keeps the journal state it "
		       "read before)\n", o->image);
}

/* replay -v: what each fast-commit record did. */
static void fc_note(void *arg, const struct jbd_fc_record *r, const char *what)
{
	(void)arg;
	printf("  fast commit: ");
	fc_record_text(stdout, r);
	printf(": %s\n", what);
}

/*
 * The fast-commit area, before anything is written: the kernel's recovery
 * must not fail on it, its records must name only what they may change,
 * and its replay cannot go through an undo file.
 */
static int check_fast_commit(const struct replay_opts *o, struct jbd_journal *j,
			     const struct jbd_recovery *r)
{
	const struct jbd_fc_record *rec;
	size_t bad;
	errcode_t err = jbd_recover_fc_status(r);

	if (err) {
		com_err(program_name, err, "while reading the fast-commit area "
			"of '%s' (nothing written)", o->image);
		return jbd_exit_status(err);
	}
	if (!r->fc.nreplay)
		return 0;
	err = jbd_fc_check_targets(j, &r->fc, &bad);
	if (err) {
		rec = &r->fc.recs[bad];
		com_err(program_name, err, "while checking the fast-commit "
			"record at journal block %u, offset %u of '%s' (nothing "
			"written)", rec->jblk, rec->off, o->image);
		return jbd_exit_status(err);
	}
	if (o->undo && !o->dry_run) {
		com_err(program_name, JBD_ET_FC_UNDO, "while replaying '%s' "
			"(nothing written)", o->image);
		return JBD_EXIT_ERROR;
	}
	return 0;
}

/* Replay refuses: say why, on stderr, as the check that refused words it. */
static void report_refusal(const struct replay_opts *o, struct jbd_journal *j,
			   const struct jbd_verdict *v)
{
	if (j->sb_error)
		report_sb_error(j);
	else if (v->refused == JBD_ET_SB_CSUM)
		com_err(program_name, JBD_ET_SB_CSUM, "while reading the journal "
			"superblock of '%s' (nothing written)", j->journal_path);
	else if (v->refused_has_fsblk)
		com_err(program_name, v->refused, "while checking block %" PRIu64
			" before replaying '%s' (nothing written)",
			v->refused_fsblk, o->image);
	else
		com_err(program_name, v->refused, "while reading the journal of "
			"'%s' (nothing written)", o->image);
}

static void report_nothing(const struct replay_opts *o,
			   const struct jbd_verdict *v)
{
	bool clean = !v->fs_state || !strcmp(v->fs_state, "clean");

	if (o->preen && clean)
		printf("%s: clean\n", o->image);
	else if (o->preen)
		printf("%s: journal clean; filesystem %s: run e2fsck -f\n",
		       o->image, v->fs_state);
	else if (clean)
		printf("%s: journal is clean, nothing to replay\n", o->image);
	else
		printf("%s: journal is clean, nothing to replay; the filesystem "
		       "is %s\n", o->image, v->fs_state);
}

/* e2undo checks the superblock it finds: the one replay ends with. */
static errcode_t undo_expect_final(struct jbd_journal *j,
				   const struct jbd_recovery *r, uint64_t kbytes,
				   time_t now, const char *path)
{
	uint8_t sb[1024];
	errcode_t err;

	err = jbd_recover_final_fs_super(j, r, kbytes, now, sb);
	return err ? err : jbd_undo_expect_super(path, sb);
}

static int run_replay(const struct replay_opts *o, struct jbd_journal *j)
{
	const char *mode = NULL;
	struct jbd_recovery r;
	struct jbd_verdict v;
	uint64_t fc_written = 0;
	errcode_t err = 0;
	int status;

	memset(&r, 0, sizeof(r));
	if (!j->sb_error && j->sb.checksum_verdict != JBD_CSUM_BAD)
		err = o->dry_run ? jbd_recover_plan(j, &r) :
				   jbd_recover_plan_for_write(j, &r);
	err = jbd_verdict_from(j, &r, err, &v);
	if (err) {
		com_err(program_name, err, "while reading the journal of '%s'",
			o->image);
		jbd_recovery_free(&r);
		return jbd_exit_status(err);
	}
	if (v.outcome == JBD_OUTCOME_REFUSED) {
		/* The fast-commit checks word their own refusal. */
		if (!check_fast_commit(o, j, &r))
			report_refusal(o, j, &v);
		status = verdict_exit_status(&v, false);
		if (o->json)
			report_json(o, &v, NULL, status);
		jbd_recovery_free(&r);
		return status;
	}
	if (v.outcome == JBD_OUTCOME_NOTHING) {
		if (o->json)
			report_json(o, &v, NULL, JBD_EXIT_OK);
		else
			report_nothing(o, &v);
		jbd_recovery_free(&r);
		return JBD_EXIT_OK;
	}
	status = check_fast_commit(o, j, &r);
	if (status) {
		jbd_recovery_free(&r);
		return status;
	}
	if (!o->dry_run) {
		time_t now = time(NULL);
		uint64_t kbytes;

		if (!o->preen && !o->json)
			printf("%s: recovering journal\n", o->image);
		/* The undo file is whole and synced before the first write. */
		if (o->undo && (err = jbd_undo_save_plan(j, &r, o->undo))) {
			com_err(program_name, err, "while writing the undo file "
				"'%s' (nothing replayed)", o->undo);
			jbd_recovery_free(&r);
			return JBD_EXIT_ERROR;
		}
		err = jbd_recover_write(j, &r, o->buffered ? JBD_HOME_BUFFERED : 0,
					o->progress && isatty(2) ?
					show_progress : NULL, NULL, &mode);
		/* Writing can find a bad data checksum: the verdict follows. */
		if (!err)
			err = jbd_verdict_from(j, &r, 0, &v);
		/* The fast commits after the blocks, before the journal is
		 * marked empty, journaled (see fcreplay.h). */
		if (!err)
			err = jbd_recover_fast_commit(j, &r, o->buffered ?
					JBD_HOME_BUFFERED : 0, o->verbose ?
					fc_note : NULL, NULL, &fc_written);
		kbytes = (r.nblocks + fc_written) * j->blocksize / 1024;
		if (!err && o->undo)
			err = undo_expect_final(j, &r, kbytes, now, o->undo);
		if (!err)
			err = jbd_recover_finish(j, &r, kbytes, now);
		if (err) {
			com_err(program_name, err, "while replaying the journal "
				"of '%s'", o->image);
			jbd_recovery_free(&r);
			/* Written, journal empty, as e2fsck leaves it. */
			return err == JBD_ET_BAD_LOGGED_SUPER ?
			       JBD_EXIT_CHANGED | JBD_EXIT_CORRUPT : JBD_EXIT_ERROR;
		}
	}
	status = verdict_exit_status(&v, !o->dry_run);
	if (o->mounted)		/* e2fsck: changed while mounted: reboot */
		status |= JBD_EXIT_REBOOT;
	if (o->json)
		report_json(o, &v, &r, status);
	else
		report(o, &v, &r);
	if (o->verbose && mode && !o->json)
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
	} else {
		struct replay_opts m = *o;

		/* e2fsck: changed while mounted (read-only): reboot */
		m.mounted = !o->dry_run && is_mounted(o->image);
		status = run_replay(&m, j);
	}
	jbd_close(j);
	if (status & JBD_EXIT_CHANGED)
		print_undo_hint(o->undo, o->image);
	return status;
}

/* -A: one fstab entry, by its device name, with -p's one line. */
static int replay_entry(const char *device, void *arg)
{
	struct replay_opts one = *(const struct replay_opts *)arg;

	one.image = device;
	one.preen = true;
	return replay_one(&one);
}

/* -A: every entry fsck -A would check (fstab.c); the statuses are OR-ed. */
static int replay_fstab(struct replay_opts *o)
{
	return fstab_each(o->fstab ? o->fstab : "/etc/fstab", replay_entry, o);
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
