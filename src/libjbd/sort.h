/*
 * sort.h: an in-place sort for the large arrays of a recovery (the plan,
 * the revoke table).  glibc's qsort() merges through a copy of the array
 * as large as the array itself, which doubled the peak memory of a replay.
 */
#ifndef JBD_SORT_H
#define JBD_SORT_H

#include <stddef.h>

/* Sort n elements of size bytes at base, as qsort() does, without memory. */
void jbd_sort(void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

#endif
