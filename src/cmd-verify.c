/*
 * cmd-verify.c: jbdctl verify: is the journal well formed, and what would
 * replay do?  Prints the findings of jbd_audit(); never writes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <et/com_err.h>

#include "audit.h"
#include "jbdctl.h"
#include "util.h"

const char *const cmd_verify_usage[] = {
	"verify [-v] [--strict] [-j <journal>] [--json] <image>",
	"check the journal's structure and checksums and forecast its replay",
	"-j, --journal <path>\texternal journal device or file",
	"    --json\tprint one JSON document (see JSON OUTPUT in jbdctl(8))",
	"    --strict\talso warn where the journal differs from what Linux "
	"writes, and fail on warnings",
	"-v, --verbose\talso print the notes (info findings)",
	NULL
};

static const char *const severity_name[] = {
	[JBD_INFO] = "info", [JBD_WARNING] = "warning", [JBD_ERROR] = "error" };

/* What replay would do: the verdict, as replay -n prints it. */
static void print_replay(struct out *o, const struct jbd_verdict *v,
			 const char *image)
{
	char line[512];

	print_verdict_json(o, v);
	if (o->json)
		return;
	verdict_summary_text(v, false, line, sizeof(line));
	printf("%s: replay: %s\n", image, line);
	if (verdict_fc_text(v, false, line, sizeof(line)))
		printf("%s: replay: %s\n", image, line);
}

static void print_findings(struct out *o, const struct jbd_audit *a,
			   const char *image, bool verbose)
{
	size_t i;

	out_list_begin(o, "problems", NULL);
	for (i = 0; i < a->nfindings; i++) {
		const struct jbd_finding *f = &a->findings[i];

		out_object_begin(o, NULL);
		out_str(o, "severity", NULL, severity_name[f->severity]);
		if (f->has_jblk)
			out_u64(o, "journal_block", NULL, f->jblk);
		else
			out_null(o, "journal_block", NULL);
		if (f->has_tid)
			out_u64(o, "sequence", NULL, f->tid);
		else
			out_null(o, "sequence", NULL);
		out_str(o, "kind", NULL, f->kind);
		out_str(o, "message", NULL, f->message);
		out_object_end(o);
		if (o->json || (f->severity == JBD_INFO && !verbose))
			continue;
		printf("%s: ", image);
		if (f->has_jblk)
			printf("journal block %u: ", f->jblk);
		if (f->has_tid)
			printf("transaction %u: ", f->tid);
		printf("%s: %s (%s)\n", severity_name[f->severity], f->message,
		       f->kind);
	}
	out_list_end(o);
}

int cmd_verify(const struct jbd_cmd *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "strict", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	const char *journal = NULL;
	bool json = false, strict = false, verbose = false;
	struct jbd_journal *j;
	struct jbd_audit a;
	struct jbd_verdict v;
	struct out o;
	size_t errors, warnings;
	errcode_t err;
	int opt, status;

	while ((opt = getopt_long(argc, argv, ":hj:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			cmd_print_usage(cmd);
			return JBD_EXIT_OK;
		case 'j':
			journal = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'S':
			strict = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			return cmd_bad_option(cmd, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	status = open_journal_or_report(argv[optind], journal, 0, &j);
	if (status)
		return status;
	err = jbd_audit(j, strict ? JBD_AUDIT_STRICT : 0, &a);
	if (!err)
		err = jbd_verdict_from(j, &a.plan, a.log_checked && j->fs ?
				       a.plan_err : 0, &v);
	if (err) {
		com_err(program_name, err, "while verifying the journal of '%s'",
			argv[optind]);
		jbd_audit_free(&a);
		jbd_close(j);
		return jbd_exit_status(err) == JBD_EXIT_CORRUPT ?
		       JBD_EXIT_CORRUPT : JBD_EXIT_ERROR;
	}
	out_init(&o, stdout, json);
	out_begin(&o);
	if (json && j->sb.blocktype)
		print_superblock(&o, j);
	print_findings(&o, &a, argv[optind], verbose);
	if (j->fs)
		print_replay(&o, &v, argv[optind]);
	errors = jbd_audit_count(&a, JBD_ERROR);
	warnings = jbd_audit_count(&a, JBD_WARNING);
	out_u64(&o, "errors", NULL, errors);
	out_u64(&o, "warnings", NULL, warnings);
	out_finish(&o);
	if (!json)
		printf("%s: %s: %zu error%s, %zu warning%s, %zu note%s\n",
		       argv[optind], errors || (strict && warnings) ?
		       "journal is NOT well formed" : "journal is well formed",
		       errors, errors == 1 ? "" : "s", warnings,
		       warnings == 1 ? "" : "s", jbd_audit_count(&a, JBD_INFO),
		       jbd_audit_count(&a, JBD_INFO) == 1 ? "" : "s");
	/* Never less than replay -n: its status, and 4 for any error; but
	 * where replay refuses for an unsupported feature, that (8) alone. */
	status = errors || (strict && warnings) ? JBD_EXIT_CORRUPT : JBD_EXIT_OK;
	if (j->fs)
		status |= verdict_exit_status(&v, false);
	if (status & JBD_EXIT_ERROR)
		status = JBD_EXIT_ERROR;
	jbd_audit_free(&a);
	jbd_close(j);
	return status;
}
