/*
 * util.h: helpers shared by the commands.
 */
#ifndef JBD_UTIL_H
#define JBD_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <et/com_err.h>

#include "journal.h"
#include "output.h"
#include "verdict.h"

/* Parse a whole unsigned number (decimal, 0x hex or 0 octal). */
bool parse_u64(const char *s, uint64_t *ret);

/*
 * Open the journal of image (or the external one) and report failures
 * com_err style.  Returns 0 or an exit status.  With JBD_OPEN_KEEP_FS in
 * flags, a filesystem whose external journal cannot be found or opened is
 * returned with journal_error set (not yet reported).
 */
int open_journal_or_report(const char *image, const char *journal, int flags,
			   struct jbd_journal **ret);

/* Report why the external journal (journal_error) is missing; exit status. */
int report_journal_error(const struct jbd_journal *j);

/* Report why the journal superblock cannot be used; returns exit status. */
int report_sb_error(const struct jbd_journal *j);

/*
 * Refuse to write a mounted filesystem (read-only mounts too unless
 * allow_ro); force goes on when the state is unknown.  Returns 0 or an
 * exit status.
 */
int check_mount(const char *path, bool allow_ro, bool force);

/* Is path mounted (false when that cannot be determined)? */
bool is_mounted(const char *path);

/* Is path mounted read-only (the root at boot)? */
bool mounted_read_only(const char *path);

/*
 * Report a failed open; a device busy for writing gets the reasons (an
 * exclusive open fails while it is mounted or held by another writer).
 */
void report_open_error(errcode_t err, const char *path, bool writing);

/*
 * Check an undo file's path before libext2fs sees it: it must not exist
 * (it may be the way back from an earlier change) and its directory must
 * be writable.  Returns 0 or an exit status, reported.
 */
int check_undo_file(const char *undo);

/* After a write through an undo file: how to undo it, as e2fsprogs says. */
void print_undo_hint(const char *undo, const char *image);

/* The journal superblock, every field: shared by info and logdump -S. */
void print_superblock(struct out *o, const struct jbd_journal *j);

/* The recovery verdict (verdict-print.c): the "verdict" JSON object... */
void print_verdict_json(struct out *o, const struct jbd_verdict *v);
/* ... where and why the log ends, in one sentence ... */
void verdict_end_text(const struct jbd_verdict *v, char *buf, size_t len);
/* ... and what replay would do (done: did), in one sentence. */
void verdict_summary_text(const struct jbd_verdict *v, bool done, char *buf,
			  size_t len);
/* ... and then the fast commits, if there are any to replay. */
bool verdict_fc_text(const struct jbd_verdict *v, bool done, char *buf,
		     size_t len);

#endif
