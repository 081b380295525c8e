/*
 * audit.h: a complete check of a journal, for jbdctl verify.  It reads,
 * never writes, and reports every finding, each with the journal block
 * and transaction it is about.  What recovery would do comes from
 * jbd_recover_plan(), the same code replay runs.
 */
#ifndef JBD_AUDIT_H
#define JBD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "recover.h"

enum jbd_severity {
	JBD_INFO,	/* normal after a crash: a torn tail, stale blocks */
	JBD_WARNING,	/* recovers, but not as Linux writes it */
	JBD_ERROR,	/* corruption */
};

struct jbd_finding {
	enum jbd_severity severity;
	const char *kind;	/* stable name, e.g. "commit_checksum" */
	bool has_jblk, has_tid;
	uint32_t jblk;
	uint32_t tid;
	char message[160];
};

#define JBD_AUDIT_STRICT	0x1	/* add writer-lint warnings */

struct jbd_audit {
	struct jbd_finding *findings;
	size_t nfindings, cap;
	bool log_checked;		/* the superblock allowed a walk */
	bool planned;			/* recovery could be planned */
	struct jbd_recovery plan;	/* what replay would do */
	errcode_t plan_err;		/* why it could not be planned */
	errcode_t target_err;		/* replay would refuse to write */
	uint64_t target_fsblk;
	errcode_t fc_err;		/* a fast-commit record replay refuses */
	size_t fc_bad_index;		/* ... this one of plan.fc.recs */
};

errcode_t jbd_audit(struct jbd_journal *j, unsigned int flags,
		    struct jbd_audit *a);
void jbd_audit_free(struct jbd_audit *a);

/* Counts by severity. */
size_t jbd_audit_count(const struct jbd_audit *a, enum jbd_severity s);

#endif
