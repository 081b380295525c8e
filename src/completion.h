/*
 * completion.h: the bash completion script, from the command table.
 */
#ifndef JBD_COMPLETION_H
#define JBD_COMPLETION_H

#include <stddef.h>

#include "jbdctl.h"

/* Print the bash completion script for these commands to stdout. */
void print_bash_completion(const struct jbd_cmd *commands, size_t n);

#endif
