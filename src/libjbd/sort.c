/*
 * sort.c: introsort (quicksort with a median of three, insertion sort for
 * short ranges, heapsort once the recursion is deeper than 2 log2 n), in
 * place and not stable.  Elements are swapped eight bytes at a time.
 */
#include <stdint.h>
#include <string.h>

#include "sort.h"

#define SHORT_RANGE	16

struct sorter {
	unsigned char *base;
	size_t size;
	int (*cmp)(const void *, const void *);
};

static inline unsigned char *at(const struct sorter *s, size_t i)
{
	return s->base + i * s->size;
}

static void swap(const struct sorter *s, size_t i, size_t j)
{
	unsigned char *a = at(s, i), *b = at(s, j);
	size_t k = 0;

	for (; k + 8 <= s->size; k += 8) {
		uint64_t x, y;

		memcpy(&x, a + k, 8);
		memcpy(&y, b + k, 8);
		memcpy(a + k, &y, 8);
		memcpy(b + k, &x, 8);
	}
	for (; k < s->size; k++) {
		unsigned char t = a[k];

		a[k] = b[k];
		b[k] = t;
	}
}

static int cmp_at(const struct sorter *s, size_t i, size_t j)
{
	return s->cmp(at(s, i), at(s, j));
}

static void insertion(const struct sorter *s, size_t lo, size_t hi)
{
	size_t i, j;

	for (i = lo + 1; i < hi; i++)
		for (j = i; j > lo && cmp_at(s, j - 1, j) > 0; j--)
			swap(s, j - 1, j);
}

static void sift_down(const struct sorter *s, size_t lo, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && cmp_at(s, lo + child, lo + child + 1) < 0)
			child++;
		if (cmp_at(s, lo + root, lo + child) >= 0)
			return;
		swap(s, lo + root, lo + child);
		root = child;
	}
}

static void heapsort_range(const struct sorter *s, size_t lo, size_t hi)
{
	size_t n = hi - lo, i;

	for (i = n / 2; i-- > 0;)
		sift_down(s, lo, i, n);
	for (i = n; i-- > 1;) {
		swap(s, lo, lo + i);
		sift_down(s, lo, 0, i);
	}
}

/* Partition [lo, hi) round the median of its first, middle and last. */
static size_t partition(const struct sorter *s, size_t lo, size_t hi)
{
	size_t mid = lo + (hi - lo) / 2, last = hi - 1, i, j;

	if (cmp_at(s, mid, lo) < 0)
		swap(s, mid, lo);
	if (cmp_at(s, last, lo) < 0)
		swap(s, last, lo);
	if (cmp_at(s, last, mid) < 0)
		swap(s, last, mid);
	/* The pivot waits at lo; [lo+1, last] holds it in place of sentinels. */
	swap(s, lo, mid);
	i = lo;
	j = hi;
	for (;;) {
		do
			i++;
		while (i < last && cmp_at(s, i, lo) < 0);
		do
			j--;
		while (cmp_at(s, j, lo) > 0);
		if (i >= j)
			break;
		swap(s, i, j);
	}
	swap(s, lo, j);
	return j;
}

static void introsort(const struct sorter *s, size_t lo, size_t hi,
		      unsigned depth)
{
	while (hi - lo > SHORT_RANGE) {
		size_t p;

		if (!depth--) {
			heapsort_range(s, lo, hi);
			return;
		}
		p = partition(s, lo, hi);
		/* Recurse into the smaller side: the stack stays log n deep. */
		if (p - lo < hi - p - 1) {
			introsort(s, lo, p, depth);
			lo = p + 1;
		} else {
			introsort(s, p + 1, hi, depth);
			hi = p;
		}
	}
	insertion(s, lo, hi);
}

void jbd_sort(void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	struct sorter s = { base, size, cmp };
	unsigned depth = 0;
	size_t m;

	if (n < 2 || !size)
		return;
	for (m = n; m; m >>= 1)
		depth += 2;
	introsort(&s, 0, n, depth);
}
