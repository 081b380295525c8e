/*
 * jbdctl.h: the command table, exit statuses and what commands share.
 *
 * Adding a command:
 *  1. write src/cmd-foo.c with cmd_foo() and cmd_foo_usage[];
 *  2. declare both below;
 *  3. add the row to commands[] in jbdctl.c (alphabetical);
 *  4. add the file to src_jbdctl_SOURCES in Makefile.am;
 *  5. add a .SS section to man/jbdctl.8.in with the same synopsis;
 *  6. add tests/foo.bats.  tests/cli.bats fails until 3, 5 and 6 agree.
 */
#ifndef JBDCTL_H
#define JBDCTL_H

#include <stdbool.h>
#include <ext2fs/ext2fs.h>

/* Exit statuses: fsck's bit flags, OR-able. */
#define JBD_EXIT_OK		0
#define JBD_EXIT_CHANGED	1
#define JBD_EXIT_REBOOT		2	/* changed under a mounted filesystem */
#define JBD_EXIT_CORRUPT	4
#define JBD_EXIT_ERROR		8
#define JBD_EXIT_USAGE		16

struct jbd_cmd {
	const char *name;
	int (*fn)(const struct jbd_cmd *cmd, int argc, char **argv);
	/*
	 * usage[0] is the synopsis (without "jbdctl "), usage[1] a one-line
	 * summary, then option lines ("-x, --long <arg>\tDescription"),
	 * ending with NULL.
	 */
	const char *const *usage;
};

extern const char *program_name;

int cmd_create(const struct jbd_cmd *cmd, int argc, char **argv);
extern const char *const cmd_create_usage[];
int cmd_info(const struct jbd_cmd *cmd, int argc, char **argv);
int cmd_logdump(const struct jbd_cmd *cmd, int argc, char **argv);
int cmd_remove(const struct jbd_cmd *cmd, int argc, char **argv);
extern const char *const cmd_remove_usage[];
int cmd_replay(const struct jbd_cmd *cmd, int argc, char **argv);
int cmd_verify(const struct jbd_cmd *cmd, int argc, char **argv);
extern const char *const cmd_verify_usage[];
extern const char *const cmd_replay_usage[];
extern const char *const cmd_info_usage[];
extern const char *const cmd_logdump_usage[];

/* Print the command's help to stdout. */
void cmd_print_usage(const struct jbd_cmd *cmd);
/* Report a usage error on stderr; returns JBD_EXIT_USAGE. */
int cmd_usage_error(const struct jbd_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Report what getopt_long (optstring starting with ':') returned for a bad
 * option, one line as util-linux tools print it; returns JBD_EXIT_USAGE.
 */
int cmd_bad_option(const struct jbd_cmd *cmd, int opt, char **argv);
/* Exit status for a failure: 4 for journal corruption, 8 otherwise. */
int jbd_exit_status(errcode_t err);

/*
 * Exit status from the recovery verdict (the table in jbdctl(8), EXIT
 * STATUS): what replay exits, with bit 1 only when it writes.
 */
struct jbd_verdict;
int verdict_exit_status(const struct jbd_verdict *v, bool writes);

#endif
