/*
 * jbdctl.c: main, the command table, help and exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <et/com_err.h>

#include "config.h"
#include "completion.h"
#include "jbd-err.h"
#include "jbdctl.h"
#include "verdict.h"

const char *program_name = "jbdctl";

/* Alphabetical; exact names only. */
static const struct jbd_cmd commands[] = {
	{ "create", cmd_create, cmd_create_usage },
	{ "info", cmd_info, cmd_info_usage },
	{ "logdump", cmd_logdump, cmd_logdump_usage },
	{ "remove", cmd_remove, cmd_remove_usage },
	{ "replay", cmd_replay, cmd_replay_usage },
	{ "verify", cmd_verify, cmd_verify_usage },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct jbd_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cmd_print_usage(const struct jbd_cmd *cmd)
{
	const char *const *u = cmd->usage;

	printf("Usage:\n jbdctl %s\n\n%s\n\nOptions:\n", u[0], u[1]);
	for (u += 2; *u; u++) {
		const char *tab = strchr(*u, '\t');

		if (tab)
			printf(" %-28.*s%s\n", (int)(tab - *u), *u, tab + 1);
		else
			printf(" %s\n", *u);
	}
	printf(" %-28s%s\n", "-h, --help", "display this help and exit");
	printf(" %-28s%s\n", "    --version", "display version and exit");
	printf("\nSee jbdctl(8).\n");
}

int cmd_usage_error(const struct jbd_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "\nTry '%s %s --help' for more information.\n",
			program_name, cmd->name);
	else
		fprintf(stderr, "\nTry '%s --help' for more information.\n",
			program_name);
	return JBD_EXIT_USAGE;
}

int cmd_bad_option(const struct jbd_cmd *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	bool is_long = arg && arg[0] == '-' && arg[1] == '-';

	if (opt == ':' && is_long)
		return cmd_usage_error(cmd, "option '%s' requires an argument", arg);
	if (opt == ':')
		return cmd_usage_error(cmd, "option requires an argument -- '%c'",
				       optopt);
	if (is_long || !optopt)
		return cmd_usage_error(cmd, "unrecognized option '%s'", arg);
	return cmd_usage_error(cmd, "invalid option -- '%c'", optopt);
}

int jbd_exit_status(errcode_t err)
{
	switch (err) {
	case 0:
		return JBD_EXIT_OK;
	case JBD_ET_BAD_BLOCKTYPE:
	case JBD_ET_BAD_GEOMETRY:
	case JBD_ET_TOO_SHORT:
	case JBD_ET_BAD_CSUM_FEATURES:
	case JBD_ET_SB_CSUM:
	case JBD_ET_JOURNAL_HOLE:
	case JBD_ET_JOURNAL_BAD_BLOCK:
	case JBD_ET_NOT_REGULAR:
	case JBD_ET_ENCRYPTED:
	case JBD_ET_CORRUPT_LOG:
	case JBD_ET_BAD_BLOCKSIZE:
	case JBD_ET_BAD_MAGIC:		/* e2fsck: "invalid journal" */
	case JBD_ET_BAD_INODE:		/* s_journal_inum past s_inodes_count */
	case JBD_ET_BLOCK_RANGE:	/* a journal too small for its blocks */
	case JBD_ET_TARGET_RANGE:
	case JBD_ET_TARGET_JOURNAL:
	case JBD_ET_TARGET_JOURNAL_MAP:	/* a log that rewrites the journal */
	case JBD_ET_TARGET_JOURNAL_INODE:
	case JBD_ET_FC_RECOVERY_FAILS:
	case JBD_ET_FC_TARGET:
		return JBD_EXIT_CORRUPT;
	default:
		return JBD_EXIT_ERROR;
	}
}

int verdict_exit_status(const struct jbd_verdict *v, bool writes)
{
	switch (v->outcome) {
	case JBD_OUTCOME_NOTHING:
		return JBD_EXIT_OK;
	case JBD_OUTCOME_REPLAY:
		return writes ? JBD_EXIT_CHANGED : JBD_EXIT_OK;
	case JBD_OUTCOME_DAMAGED:
		return JBD_EXIT_CORRUPT | (writes ? JBD_EXIT_CHANGED : 0);
	case JBD_OUTCOME_REFUSED:
		return jbd_exit_status(v->refused);
	}
	return JBD_EXIT_ERROR;
}

static void print_main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage:\n jbdctl <command> [options] <image>\n\n"
		"Read, check and replay JBD2 (ext3/ext4) journals.\n\n"
		"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, " %-10s%s\n", commands[i].name, commands[i].usage[1]);
	fprintf(f, "\nOptions:\n"
		" %-28s%s\n %-28s%s\n\n"
		"'jbdctl help <command>' or 'jbdctl <command> --help' shows a "
		"command's options.\nSee jbdctl(8).\n",
		"-h, --help", "display this help and exit",
		"-V, --version", "display version and exit");
}

/* Fail on a write error to stdout instead of exiting 0 with lost output. */
static int close_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			com_err(program_name, errno, "while writing to stdout");
		return status | JBD_EXIT_ERROR;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct jbd_cmd *cmd;
	size_t i;

	opterr = 0;	/* commands report bad options themselves: one line */
	add_error_table(&et_jbd_error_table);
	add_error_table(&et_ext2_error_table);

	if (argc < 2) {
		print_main_usage(stderr);
		return JBD_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_main_usage(stdout);
		return close_stdout(JBD_EXIT_OK);
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("jbdctl %s\n", PACKAGE_VERSION);
		return close_stdout(JBD_EXIT_OK);
	}
	if (!strcmp(argv[1], "--list-commands")) {
		for (i = 0; i < NCOMMANDS; i++)
			printf("%s\n", commands[i].name);
		return close_stdout(JBD_EXIT_OK);
	}
	if (!strcmp(argv[1], "--bash-completion")) {	/* for make */
		print_bash_completion(commands, NCOMMANDS);
		return close_stdout(JBD_EXIT_OK);
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			print_main_usage(stdout);
			return close_stdout(JBD_EXIT_OK);
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return cmd_usage_error(NULL, "unknown command '%s'", argv[2]);
		cmd_print_usage(cmd);
		return close_stdout(JBD_EXIT_OK);
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return cmd_usage_error(NULL, "unknown command '%s'", argv[1]);
	for (i = 2; i < (size_t)argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("jbdctl %s\n", PACKAGE_VERSION);
			return close_stdout(JBD_EXIT_OK);
		}
	}
	return close_stdout(cmd->fn(cmd, argc - 1, argv + 1));
}
