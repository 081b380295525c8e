/*
 * crashgen.c: the crash states of a recorded run (tests/writelog.c), each
 * checked by a command.
 *
 *   crashgen [-n N] [-m M] [-s SEED] [-q] LOG CHECK BASE TARGET [BASE TARGET...]
 *
 * File i of the log starts as BASE i ("-": absent) and each state is built
 * in TARGET i; then CHECK runs with /bin/sh, CRASH_STATE in its
 * environment describing the state.  A non-zero exit fails the state.
 *
 * The model (as dm-log-writes and CrashMonkey use it): a write is durable
 * once a later fsync/fdatasync of the same file, or a sync(), has been
 * called; close makes nothing durable.  Power can fail before any barrier
 * of the log and at the end (a run that never synced again).  For each
 * such crash point k, the durable writes of k are all on disk, and of the
 * writes still pending at k (in the cache, any of them may have reached
 * the disk):
 *   none, all, N random subsets (applied in log order, so an overlapping
 *   later write wins when both landed), and M torn writes: a random
 *   subset of the others plus a prefix or a suffix of one pending write,
 *   cut at a 512-byte sector boundary inside it.
 * A sector holds one of its successive contents, never a mix of the
 * writes to it (see state()).  States are not capped: every crash point
 * gets its 2 + N + M states (fewer when fewer differ).
 *
 * Prints "crash states: T tried, F failed" and exits 1 if F > 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILES 8
#define SECTOR 512

struct wl_rec {
	char type;
	uint8_t file;
	uint16_t pad;
	uint32_t tid;
	uint64_t off;
	uint64_t len;
};

struct ev {
	struct wl_rec r;
	long data;		/* offset of the bytes in the log */
};

static struct ev *evs;
static size_t nevs;
static FILE *logf;
static const char *bases[MAX_FILES], *targets[MAX_FILES];
static int nfiles;
static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what, const char *obj)
{
	fprintf(stderr, "crashgen: %s: %s (%s)\n", what, obj, strerror(errno));
	exit(2);
}

static void load_log(const char *path)
{
	size_t cap = 0;
	struct wl_rec r;

	logf = fopen(path, "rb");
	if (!logf)
		die("cannot open", path);
	while (fread(&r, sizeof(r), 1, logf) == 1) {
		if (nevs == cap) {
			cap = cap ? cap * 2 : 1024;
			evs = realloc(evs, cap * sizeof(*evs));
			if (!evs)
				die("out of memory", path);
		}
		evs[nevs].r = r;
		evs[nevs].data = ftell(logf);
		if (r.type == 'W' && fseek(logf, (long)r.len, SEEK_CUR))
			die("truncated log", path);
		if (r.file >= MAX_FILES)
			die("bad file number in", path);
		nevs++;
	}
}

static void copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	ssize_t n;
	int in, out;

	unlink(to);
	if (!strcmp(from, "-"))
		return;
	in = open(from, O_RDONLY);
	if (in < 0)
		die("cannot open", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("cannot create", to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("cannot write", to);
	close(in);
	close(out);
}

/* Apply bytes [from, to) of write e to its target file. */
static void apply(const struct ev *e, uint64_t from, uint64_t to)
{
	const char *path = targets[e->r.file];
	char *buf;
	int fd;

	if (e->r.file >= nfiles)
		return;		/* a file the caller does not care about */
	buf = malloc(to - from ? to - from : 1);
	if (!buf)
		die("out of memory", path);
	if (fseek(logf, e->data + (long)from, SEEK_SET) ||
	    fread(buf, 1, to - from, logf) != to - from)
		die("cannot read the log", "");
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		die("cannot open", path);
	if (pwrite(fd, buf, to - from, (off_t)(e->r.off + from)) != (ssize_t)(to - from))
		die("cannot write", path);
	close(fd);
	free(buf);
}

/*
 * The crash point before event k (k == nevs: after the last one).  A
 * write i < k is durable if a barrier for its file lies in (i, k).
 */
static void classify(size_t k, bool *durable)
{
	bool flushed[MAX_FILES] = { false }, all = false;
	size_t i = k;

	while (i-- > 0) {
		const struct wl_rec *r = &evs[i].r;

		if (r->type == 'S')
			all = true;
		else if (r->type == 'F')
			flushed[r->file] = true;
		durable[i] = r->type == 'W' && (all || flushed[r->file]);
	}
}

static int run_check(const char *check, const char *desc)
{
	int st;

	setenv("CRASH_STATE", desc, 1);
	st = system(check);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The sectors that a later write reached the disk in: a small hash set. */
static uint64_t *sset;
static size_t scap;

static void sset_reset(size_t want)
{
	size_t cap = 64;

	while (cap < want * 2)
		cap *= 2;
	if (cap > scap) {
		free(sset);
		sset = malloc(cap * sizeof(*sset));
		if (!sset)
			die("out of memory", "");
		scap = cap;
	}
	memset(sset, 0xff, scap * sizeof(*sset));
}

static bool sset_has(uint64_t key, bool add)
{
	size_t h = (size_t)(key * 0x9E3779B97F4A7C15ULL) & (scap - 1);

	while (sset[h] != UINT64_MAX) {
		if (sset[h] == key)
			return true;
		h = (h + 1) & (scap - 1);
	}
	if (add)
		sset[h] = key;
	return false;
}

struct piece {
	size_t ev;
	uint64_t from, to;
};

/*
 * Build one state: durable writes, plus the pending ones whose bit is set
 * in pick (pick NULL: all), plus torn write `torn` (or SIZE_MAX) cut to
 * [tfrom, tto); then check it.
 *
 * A disk writes a sector whole, from what the cache held when it was
 * written back: when a later write's part of a sector landed, so did
 * every earlier write's part of that sector.  (Several small writes to
 * one sector, as libext2fs writes a superblock field by field, reach the
 * disk as one of the sector's successive contents, never as a subset.)
 * So the writes are walked from the last, and the bytes of an earlier
 * write in a sector already reached are applied too.
 */
static int state(size_t k, const bool *durable, const bool *pick, size_t torn,
		 uint64_t tfrom, uint64_t tto, const char *check,
		 const char *desc, bool quiet)
{
	struct piece *pieces;
	size_t i, np = 0, cap = 0, nsect = 0;
	int f, rc;

	for (i = 0; i < k; i++)
		if (evs[i].r.type == 'W')
			nsect += evs[i].r.len / SECTOR + 2;
	sset_reset(nsect);
	for (f = 0; f < nfiles; f++)
		copy_file(bases[f], targets[f]);
	pieces = NULL;
	i = k;
	while (i-- > 0) {
		const struct wl_rec *r = &evs[i].r;
		uint64_t a = 0, b = 0, s, s0, s1;

		if (r->type != 'W' || r->file >= nfiles)
			continue;
		if (i == torn)
			a = tfrom, b = tto;
		else if (durable[i] || !pick || pick[i])
			a = 0, b = r->len;
		s0 = r->off / SECTOR;
		s1 = (r->off + r->len + SECTOR - 1) / SECTOR;
		for (s = s0; s < s1; s++) {
			uint64_t lo = s * SECTOR, hi = lo + SECTOR;
			uint64_t key = (uint64_t)r->file << 56 | s;
			bool own;

			/* This write's bytes in sector s, relative to it. */
			lo = lo > r->off ? lo - r->off : 0;
			hi = hi - r->off < r->len ? hi - r->off : r->len;
			own = a < hi && lo < b;
			if (own) {
				lo = lo > a ? lo : a;
				hi = hi < b ? hi : b;
			}
			if (!sset_has(key, own) && !own)
				continue;
			if (np && pieces[np - 1].ev == i && pieces[np - 1].from == hi) {
				pieces[np - 1].from = lo;	/* sectors are walked up */
			} else if (np && pieces[np - 1].ev == i && pieces[np - 1].to == lo) {
				pieces[np - 1].to = hi;
			} else {
				if (np == cap) {
					cap = cap ? cap * 2 : 256;
					pieces = realloc(pieces, cap * sizeof(*pieces));
					if (!pieces)
						die("out of memory", "");
				}
				pieces[np++] = (struct piece){ i, lo, hi };
			}
		}
	}
	while (np-- > 0)
		apply(&evs[pieces[np].ev], pieces[np].from, pieces[np].to);
	free(pieces);
	rc = run_check(check, desc);
	if (rc && !quiet)
		fprintf(stderr, "crashgen: state failed (check exit %d): %s\n",
			rc, desc);
	return rc != 0;
}

int main(int argc, char **argv)
{
	unsigned long nsub = 4, ntorn = 4;
	bool quiet = false;
	unsigned long tried = 0, failed = 0;
	const char *check;
	bool *durable, *pick;
	size_t k, i, npoints = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:m:s:q")) != -1) {
		switch (opt) {
		case 'n':
			nsub = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			ntorn = strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 10) * 2654435761ULL + 1;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 4 || (argc - optind) % 2)
		goto usage;
	load_log(argv[optind]);
	check = argv[optind + 1];
	for (i = optind + 2; i < (size_t)argc && nfiles < MAX_FILES; i += 2) {
		bases[nfiles] = argv[i];
		targets[nfiles++] = argv[i + 1];
	}
	durable = calloc(nevs + 1, sizeof(*durable));
	pick = calloc(nevs + 1, sizeof(*pick));
	if (!durable || !pick)
		die("out of memory", "");

	for (k = 0; k <= nevs; k++) {
		size_t pending[4096], npend = 0, j;
		size_t *pend = pending;
		char desc[256];
		unsigned long s;

		/* Crash points: before each barrier, and the end. */
		if (k < nevs && evs[k].r.type != 'F' && evs[k].r.type != 'S')
			continue;
		npoints++;
		classify(k, durable);
		for (i = 0; i < k; i++)
			npend += evs[i].r.type == 'W' && !durable[i] &&
				 evs[i].r.file < nfiles;
		if (npend > sizeof(pending) / sizeof(pending[0]))
			pend = malloc(npend * sizeof(*pend));
		if (!pend)
			die("out of memory", "");
		npend = 0;
		for (i = 0; i < k; i++)
			if (evs[i].r.type == 'W' && !durable[i] &&
			    evs[i].r.file < nfiles)
				pend[npend++] = i;

		snprintf(desc, sizeof(desc), "event %zu: none of %zu pending",
			 k, npend);
		memset(pick, 0, nevs + 1);
		tried++;
		failed += state(k, durable, pick, SIZE_MAX, 0, 0, check, desc, quiet);
		if (!npend)
			goto next;
		snprintf(desc, sizeof(desc), "event %zu: all %zu pending", k, npend);
		tried++;
		failed += state(k, durable, NULL, SIZE_MAX, 0, 0, check, desc, quiet);
		for (s = 0; npend > 1 && s < nsub; s++) {
			size_t taken = 0;

			memset(pick, 0, nevs + 1);
			for (j = 0; j < npend; j++)
				taken += pick[pend[j]] = rnd() & 1;
			snprintf(desc, sizeof(desc), "event %zu: random subset %lu (%zu of %zu pending)",
				 k, s, taken, npend);
			tried++;
			failed += state(k, durable, pick, SIZE_MAX, 0, 0, check, desc, quiet);
		}
		for (s = 0; s < ntorn; s++) {
			size_t t = pend[rnd() % npend];
			uint64_t len = evs[t].r.len, sectors = len / SECTOR, cut;
			bool prefix = rnd() & 1;

			if (sectors < 2)
				continue;	/* nothing to tear */
			cut = (1 + rnd() % (sectors - 1)) * SECTOR;
			memset(pick, 0, nevs + 1);
			for (j = 0; j < npend; j++)
				pick[pend[j]] = rnd() & 1;
			snprintf(desc, sizeof(desc), "event %zu: torn write %zu (file %u, offset %" PRIu64
				 ", %" PRIu64 " bytes): %s %" PRIu64 " bytes, with a random subset",
				 k, t, evs[t].r.file, evs[t].r.off, len,
				 prefix ? "prefix" : "suffix", prefix ? cut : len - cut);
			tried++;
			failed += state(k, durable, pick, t, prefix ? 0 : cut,
					prefix ? cut : len, check, desc, quiet);
		}
next:
		if (pend != pending)
			free(pend);
	}
	printf("crash states: %lu tried, %lu failed (%zu crash points, %zu events)\n",
	       tried, failed, npoints, nevs);
	free(durable);
	free(pick);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: crashgen [-n N] [-m M] [-s SEED] [-q] LOG CHECK BASE TARGET...\n");
	return 2;
}
