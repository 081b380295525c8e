/*
 * change-open.h: how create and remove open the filesystem they change.
 */
#ifndef JBDCTL_CHANGE_OPEN_H
#define JBDCTL_CHANGE_OPEN_H

#include <stdbool.h>

#include "mkjournal.h"

/*
 * Open IMAGE for create (create true) or remove: through the undo file
 * UNDO when given, its writes staged in the order that command makes them
 * (mkjournal.h).  Returns 0 or an exit status, reported.
 */
int open_change_or_report(const char *image, const char *undo, bool dry_run,
			  bool create, struct jbd_change *c);

#endif
