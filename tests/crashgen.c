/*
 * crashgen.c: the crash states of a recorded run (tests/writelog.c), each
 * checked by a command.
 *
 *   crashgen [-n N] [-m M] [-s SEED] [-p P] [-t] [-j JOBS] [-a] [-q] LOG CHECK
 *            BASE TARGET [BASE TARGET...]
 *
 * A range that fallocate zeroed ('Z') is a write of zeros.
 *
 * File i of the log starts as BASE i ("-": absent) and each state is built
 * in TARGET i; then CHECK runs with /bin/sh, CRASH_STATE in its
 * environment describing the state.  Exit 0 passes the state, 100 passes
 * it but counts it apart ("noted": a state the caller wants to report),
 * anything else fails it.
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
 * writes to it (see pieces()).  States are not capped: every crash point
 * gets its 2 + N + M states (fewer when fewer differ).
 *
 * Many states are the same disk: "none" at two crash points with no
 * barrier of a written file between them, a subset that drew every
 * pending write, a write that puts back the bytes already there.  Each
 * state's content is hashed first (every sector the log writes, and each
 * file's size), and a state whose content was seen is not checked again:
 * it takes the verdict of the first one (and fails with it).
 *
 * -a checks every state, the same disk or not (to test the hashing).
 *
 * A sample (make check): -p P keeps P of the crash points with a pending
 * write, evenly spread from the first to the last of them (the others get
 * no state); -t makes the torn writes alternate prefix, suffix, prefix...
 * over the whole run instead of drawing one, so that two torn writes
 * are one of each.
 *
 * -j JOBS checks the distinct states in JOBS processes; "%j" in CHECK and
 * in each TARGET becomes the job's number (0, 1, ...), so that each job
 * builds its states in files of its own; CRASH_JOB holds it too.
 *
 * Prints "crash states: T tried, F failed, X noted (D distinct checked,
 * P crash points, E events)", then "kinds: N none, A all, S subset,
 * R prefix, U suffix" (the states tried of each kind; prefix and suffix
 * are the torn writes); exits 1 if F > 0.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILES 8
#define MAX_JOBS 64
#define SECTOR 512
#define NOTED 100	/* the check's exit status for "passed, count apart" */

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
	const uint8_t *data;	/* the bytes of a write, in the mapped log;
				 * NULL for a range zeroed ('Z') */
};

/* A write ('W') or a range zeroed by fallocate ('Z'): both change bytes. */
static bool is_write(const struct wl_rec *r)
{
	return r->type == 'W' || r->type == 'Z';
}

static struct ev *evs;
static size_t nevs;
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

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory", "");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory", "");
	return p;
}

/* The log, mapped: records, each write's bytes right after its record. */
static void *logmap;
static size_t logsize;

static void load_log(const char *path)
{
	size_t cap = 0, pos = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die("cannot open", path);
	logsize = (size_t)st.st_size;
	if (logsize) {
		logmap = mmap(NULL, logsize, PROT_READ, MAP_PRIVATE, fd, 0);
		if (logmap == MAP_FAILED)
			die("cannot map", path);
	}
	close(fd);
	while (logsize - pos >= sizeof(struct wl_rec)) {
		struct wl_rec r;

		memcpy(&r, (uint8_t *)logmap + pos, sizeof(r));
		pos += sizeof(r);
		if (nevs == cap) {
			cap = cap ? cap * 2 : 1024;
			evs = xrealloc(evs, cap * sizeof(*evs));
		}
		evs[nevs].r = r;
		evs[nevs].data = r.type == 'Z' ? NULL : (uint8_t *)logmap + pos;
		if (r.type == 'W') {
			if (r.len > logsize - pos)
				die("truncated log", path);
			pos += r.len;
		}
		if (r.file >= MAX_FILES)
			die("bad file number in", path);
		nevs++;
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n && !*p)
		p++, n--;
	return !n;
}

/* A copy that leaves holes where the source reads as zeros. */
static void copy_file(const char *from, const char *to)
{
	static uint8_t buf[1 << 16];
	ssize_t n;
	off_t off = 0;
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
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (!all_zero(buf, (size_t)n) &&
		    pwrite(out, buf, (size_t)n, off) != n)
			die("cannot write", to);
		off += n;
	}
	if (n < 0 || ftruncate(out, off))
		die("cannot copy to", to);
	close(in);
	close(out);
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
		durable[i] = is_write(r) && (all || flushed[r->file]);
	}
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
		sset = xmalloc(cap * sizeof(*sset));
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

/* Bytes [from, to) of write ev, relative to it, reach the disk. */
struct piece {
	size_t ev;
	uint64_t from, to;
};

static struct piece *pcs;
static size_t npcs, pcap;

static void add_piece(size_t i, uint64_t lo, uint64_t hi)
{
	if (npcs && pcs[npcs - 1].ev == i && pcs[npcs - 1].from == hi) {
		pcs[npcs - 1].from = lo;	/* sectors are walked up */
		return;
	}
	if (npcs && pcs[npcs - 1].ev == i && pcs[npcs - 1].to == lo) {
		pcs[npcs - 1].to = hi;
		return;
	}
	if (npcs == pcap) {
		pcap = pcap ? pcap * 2 : 256;
		pcs = xrealloc(pcs, pcap * sizeof(*pcs));
	}
	pcs[npcs++] = (struct piece){ i, lo, hi };
}

/* What a state takes of the pending writes. */
enum kind { K_NONE, K_ALL, K_SUBSET, K_PREFIX, K_SUFFIX, NKINDS };
static const char *const kind_names[NKINDS] = {
	"none", "all", "subset", "prefix", "suffix"
};

/* One crash state: crash point k, the pending writes picked (NULL: all),
 * and a torn write (or SIZE_MAX) cut to [tfrom, tto). */
struct state {
	enum kind kind;
	size_t k, torn;
	uint64_t tfrom, tto;
	uint8_t *pick;		/* a bit per event; NULL: every pending write */
	char *desc;
	uint64_t h[2];		/* the content's hash */
	size_t first;		/* the first state with the same content */
	int rc;			/* the check's exit status; -1: not run */
};

static bool picked(const struct state *s, size_t i)
{
	return !s->pick || (s->pick[i / 8] >> (i % 8) & 1);
}

/*
 * The pieces of state s, in pcs[] (applied from the last to the first,
 * that is in log order).
 *
 * A disk writes a sector whole, from what the cache held when it was
 * written back: when a later write's part of a sector landed, so did
 * every earlier write's part of that sector.  (Several small writes to
 * one sector, as libext2fs writes a superblock field by field, reach the
 * disk as one of the sector's successive contents, never as a subset.)
 * So the writes are walked from the last, and the bytes of an earlier
 * write in a sector already reached are applied too.
 */
static void pieces(const struct state *st, bool *durable)
{
	size_t i, nsect = 0;

	classify(st->k, durable);
	for (i = 0; i < st->k; i++)
		if (is_write(&evs[i].r))
			nsect += evs[i].r.len / SECTOR + 2;
	sset_reset(nsect);
	npcs = 0;
	i = st->k;
	while (i-- > 0) {
		const struct wl_rec *r = &evs[i].r;
		uint64_t a = 0, b = 0, s, s0, s1;

		if (!is_write(r) || r->file >= nfiles)
			continue;
		if (i == st->torn)
			a = st->tfrom, b = st->tto;
		else if (durable[i] || picked(st, i))
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
			add_piece(i, lo, hi);
		}
	}
}

/* Build the state whose pieces are in pcs[] in the targets. */
static void materialize(void)
{
	int fds[MAX_FILES], f;
	size_t n = npcs;

	for (f = 0; f < nfiles; f++) {
		copy_file(bases[f], targets[f]);
		fds[f] = -1;
	}
	while (n-- > 0) {
		const struct ev *e = &evs[pcs[n].ev];
		uint64_t from = pcs[n].from, to = pcs[n].to;

		f = e->r.file;
		if (fds[f] < 0)
			fds[f] = open(targets[f], O_WRONLY | O_CREAT, 0644);
		if (fds[f] < 0)
			die("cannot open", targets[f]);
		if (e->data && pwrite(fds[f], e->data + from, to - from,
				      (off_t)(e->r.off + from)) != (ssize_t)(to - from))
			die("cannot write", targets[f]);
		while (!e->data && from < to) {		/* a range zeroed */
			static const uint8_t zeros[1 << 16];
			size_t n = to - from < sizeof(zeros) ? to - from : sizeof(zeros);

			if (pwrite(fds[f], zeros, n, (off_t)(e->r.off + from)) != (ssize_t)n)
				die("cannot write", targets[f]);
			from += n;
		}
	}
	for (f = 0; f < nfiles; f++)
		if (fds[f] >= 0)
			close(fds[f]);
}

/*
 * The content of a state, for finding the same disk twice: every sector
 * that a write of the log touches, per file, in one buffer (the base's
 * bytes, then the state's pieces), and each file's size.
 */
struct span {
	uint64_t from, to;	/* bytes of the file, sector-aligned */
	size_t at;		/* where they are in the buffer */
};

static struct span *spans[MAX_FILES];
static size_t nspans[MAX_FILES];
static uint8_t *basebuf, *workbuf;
static size_t bufsize;
static int64_t basesize[MAX_FILES];	/* -1: absent */

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

static void content_setup(void)
{
	size_t i, j;
	int f;

	for (i = 0; i < nevs; i++) {
		const struct wl_rec *r = &evs[i].r;

		if (!is_write(r) || r->file >= nfiles)
			continue;
		f = r->file;
		spans[f] = xrealloc(spans[f], (nspans[f] + 1) * sizeof(struct span));
		spans[f][nspans[f]++] = (struct span){
			r->off / SECTOR * SECTOR,
			(r->off + r->len + SECTOR - 1) / SECTOR * SECTOR, 0 };
	}
	for (f = 0; f < nfiles; f++) {
		struct stat st;
		int fd = -1;

		qsort(spans[f], nspans[f], sizeof(struct span), cmp_span);
		for (i = j = 0; i < nspans[f]; i++) {
			if (j && spans[f][i].from <= spans[f][j - 1].to) {
				if (spans[f][i].to > spans[f][j - 1].to)
					spans[f][j - 1].to = spans[f][i].to;
			} else {
				spans[f][j++] = spans[f][i];
			}
		}
		nspans[f] = j;
		for (i = 0; i < j; i++) {
			spans[f][i].at = bufsize;
			bufsize += spans[f][i].to - spans[f][i].from;
		}
		basesize[f] = -1;
		if (strcmp(bases[f], "-")) {
			fd = open(bases[f], O_RDONLY);
			if (fd < 0 || fstat(fd, &st))
				die("cannot open", bases[f]);
			basesize[f] = st.st_size;
		}
		basebuf = xrealloc(basebuf, bufsize);
		for (i = 0; i < j; i++) {
			uint8_t *p = basebuf + spans[f][i].at;
			size_t n = spans[f][i].to - spans[f][i].from;
			ssize_t got = 0;

			if (fd >= 0)
				got = pread(fd, p, n, (off_t)spans[f][i].from);
			if (got < 0)
				die("cannot read", bases[f]);
			memset(p + got, 0, n - (size_t)got);
		}
		if (fd >= 0)
			close(fd);
	}
	workbuf = xmalloc(bufsize);
}

static const struct span *span_of(int f, uint64_t off)
{
	size_t lo = 0, hi = nspans[f];

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (spans[f][mid].from <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &spans[f][lo];
}

static void mix(uint64_t h[2], uint64_t w)
{
	h[0] = (h[0] ^ w) * 0x100000001b3ULL;
	h[1] = ((h[1] + w * 0x9E3779B97F4A7C15ULL) << 31 |
		(h[1] + w * 0x9E3779B97F4A7C15ULL) >> 33) * 0xC2B2AE3D27D4EB4FULL;
}

/* The hash of the state whose pieces are in pcs[]. */
static void content_hash(uint64_t h[2])
{
	int64_t size[MAX_FILES];
	size_t n = npcs, i;
	int f;

	memcpy(workbuf, basebuf, bufsize);
	memcpy(size, basesize, sizeof(size));
	while (n-- > 0) {
		const struct ev *e = &evs[pcs[n].ev];
		uint64_t from = e->r.off + pcs[n].from, to = e->r.off + pcs[n].to;
		const struct span *sp;

		f = e->r.file;
		sp = span_of(f, from);
		if (e->data)
			memcpy(workbuf + sp->at + (from - sp->from),
			       e->data + pcs[n].from, to - from);
		else
			memset(workbuf + sp->at + (from - sp->from), 0, to - from);
		if ((int64_t)to > size[f])
			size[f] = (int64_t)to;
	}
	h[0] = 0xcbf29ce484222325ULL;
	h[1] = 0x27D4EB2F165667C5ULL;
	for (f = 0; f < nfiles; f++)
		mix(h, (uint64_t)size[f]);
	for (i = 0; i + 8 <= bufsize; i += 8) {
		uint64_t w;

		memcpy(&w, workbuf + i, 8);
		mix(h, w);
	}
	for (; i < bufsize; i++)
		mix(h, workbuf[i]);
}

static int run_check(const char *check, const char *desc)
{
	int st;

	setenv("CRASH_STATE", desc, 1);
	st = system(check);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* s with every "%j" replaced by job. */
static char *with_job(const char *s, int job)
{
	size_t n = strlen(s);
	char *out = xmalloc(n * 2 + 16), *o = out;

	while (*s) {
		if (s[0] == '%' && s[1] == 'j') {
			o += sprintf(o, "%d", job);
			s += 2;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

static struct state *states;
static size_t nstates, stcap;

static void add_state(enum kind kind, size_t k, const bool *pick, size_t torn,
		      uint64_t tfrom, uint64_t tto, const char *desc)
{
	struct state *s;
	size_t i;

	if (nstates == stcap) {
		stcap = stcap ? stcap * 2 : 256;
		states = xrealloc(states, stcap * sizeof(*states));
	}
	s = &states[nstates++];
	*s = (struct state){ .kind = kind, .k = k, .torn = torn,
			     .tfrom = tfrom, .tto = tto, .rc = -1 };
	if (pick) {
		s->pick = calloc(nevs / 8 + 1, 1);
		if (!s->pick)
			die("out of memory", "");
		for (i = 0; i < k; i++)
			if (pick[i])
				s->pick[i / 8] |= (uint8_t)(1 << (i % 8));
	}
	s->desc = strdup(desc);
	if (!s->desc)
		die("out of memory", "");
}

/* Crash points: before each barrier, and the end. */
static bool crash_point(size_t k)
{
	return k == nevs || evs[k].r.type == 'F' || evs[k].r.type == 'S';
}

/* The writes still pending at crash point k, into pend; their number. */
static size_t pending(size_t k, bool *durable, size_t *pend)
{
	size_t i, npend = 0;

	classify(k, durable);
	for (i = 0; i < k; i++)
		if (is_write(&evs[i].r) && !durable[i] && evs[i].r.file < nfiles)
			pend[npend++] = i;
	return npend;
}

/* -p: the npick crash points kept (a flag per event), evenly spread over
 * those with a pending write, the first and the last of them included
 * (none with a pending write: the end, a state of the durable writes). */
static bool *sample_points(unsigned long npick, bool *durable, size_t *pend)
{
	bool *keep = xmalloc(nevs + 1);
	size_t *cand = xmalloc((nevs + 1) * sizeof(size_t)), ncand = 0, k, i;

	memset(keep, 0, nevs + 1);
	for (k = 0; k <= nevs; k++)
		if (crash_point(k) && pending(k, durable, pend))
			cand[ncand++] = k;
	for (i = 0; i < ncand && i < npick; i++) {
		if (ncand <= npick)
			keep[cand[i]] = true;
		else if (npick == 1)
			keep[cand[(ncand - 1) / 2]] = true;
		else
			keep[cand[i * (ncand - 1) / (npick - 1)]] = true;
	}
	if (!ncand)
		keep[nevs] = true;
	free(cand);
	return keep;
}

/* Every state of every crash point (or of the npick kept), in order; torn
 * writes alternate prefix and suffix if alternate. */
static size_t enumerate(unsigned long nsub, unsigned long ntorn,
			unsigned long npick, bool alternate, bool *durable,
			bool *pick)
{
	size_t k, j, npoints = 0, ntorn_made = 0;
	size_t *pend = xmalloc((nevs + 1) * sizeof(size_t));
	bool *keep = npick ? sample_points(npick, durable, pend) : NULL;
	char desc[256];

	for (k = 0; k <= nevs; k++) {
		size_t npend;
		unsigned long s;

		if (!crash_point(k) || (keep && !keep[k]))
			continue;
		npoints++;
		npend = pending(k, durable, pend);

		memset(pick, 0, nevs + 1);
		snprintf(desc, sizeof(desc), "event %zu: none of %zu pending",
			 k, npend);
		add_state(K_NONE, k, pick, SIZE_MAX, 0, 0, desc);
		if (!npend)
			continue;
		snprintf(desc, sizeof(desc), "event %zu: all %zu pending", k, npend);
		add_state(K_ALL, k, NULL, SIZE_MAX, 0, 0, desc);
		for (s = 0; npend > 1 && s < nsub; s++) {
			size_t taken = 0;

			memset(pick, 0, nevs + 1);
			for (j = 0; j < npend; j++)
				taken += pick[pend[j]] = rnd() & 1;
			snprintf(desc, sizeof(desc), "event %zu: random subset %lu (%zu of %zu pending)",
				 k, s, taken, npend);
			add_state(K_SUBSET, k, pick, SIZE_MAX, 0, 0, desc);
		}
		for (s = 0; s < ntorn; s++) {
			size_t t = pend[rnd() % npend];
			uint64_t len = evs[t].r.len, sectors = len / SECTOR, cut;
			bool prefix;

			if (alternate)
				prefix = !(ntorn_made & 1);
			else
				prefix = rnd() & 1;
			if (sectors < 2)
				continue;	/* nothing to tear */
			ntorn_made++;
			cut = (1 + rnd() % (sectors - 1)) * SECTOR;
			memset(pick, 0, nevs + 1);
			for (j = 0; j < npend; j++)
				pick[pend[j]] = rnd() & 1;
			pick[t] = false;
			snprintf(desc, sizeof(desc), "event %zu: torn write %zu (file %u, offset %" PRIu64
				 ", %" PRIu64 " bytes): %s %" PRIu64 " bytes, with a random subset",
				 k, t, evs[t].r.file, evs[t].r.off, len,
				 prefix ? "prefix" : "suffix", prefix ? cut : len - cut);
			add_state(prefix ? K_PREFIX : K_SUFFIX, k, pick, t,
				  prefix ? 0 : cut, prefix ? cut : len, desc);
		}
	}
	free(pend);
	free(keep);
	return npoints;
}

/* A simple open-addressing table from content hash to first state. */
static size_t *seen;
static size_t seencap;

static size_t first_with(size_t idx)
{
	const uint64_t *h = states[idx].h;
	size_t at = (size_t)h[0] & (seencap - 1);

	while (seen[at] != SIZE_MAX) {
		const uint64_t *o = states[seen[at]].h;

		if (o[0] == h[0] && o[1] == h[1])
			return seen[at];
		at = (at + 1) & (seencap - 1);
	}
	seen[at] = idx;
	return idx;
}

/* Check the distinct states d (counted among distinct ones) with
 * d % jobs == job; report "index rc" records on fd (or set rc). */
static void check_share(const char *check, int job, int jobs, int fd,
			bool *durable, bool quiet)
{
	size_t i, d = 0;

	for (i = 0; i < nstates; i++) {
		struct state *s = &states[i];
		int rc;

		if (s->first != i)
			continue;
		if (d++ % (size_t)jobs != (size_t)job)
			continue;
		pieces(s, durable);
		materialize();
		rc = run_check(check, s->desc);
		if (rc && rc != NOTED && !quiet)
			fprintf(stderr, "crashgen: state failed (check exit %d): %s\n",
				rc, s->desc);
		if (fd < 0) {
			s->rc = rc;
		} else {
			uint64_t rec[2] = { i, (uint64_t)rc };

			if (write(fd, rec, sizeof(rec)) != sizeof(rec))
				die("cannot report", "to the parent");
		}
	}
}

static void check_all(const char *check, int jobs, bool *durable, bool quiet)
{
	const char *tpl[MAX_FILES];
	pid_t pids[MAX_JOBS];
	uint64_t rec[2];
	int p[2], j, f;
	char num[16];

	if (jobs <= 1) {
		setenv("CRASH_JOB", "0", 1);
		check_share(check, 0, 1, -1, durable, quiet);
		return;
	}
	memcpy(tpl, targets, sizeof(tpl));
	if (pipe(p))
		die("cannot make a pipe", "");
	fflush(NULL);
	for (j = 0; j < jobs; j++) {
		pids[j] = fork();
		if (pids[j] < 0)
			die("cannot fork", "");
		if (pids[j] == 0) {
			close(p[0]);
			for (f = 0; f < nfiles; f++)
				targets[f] = with_job(tpl[f], j);
			snprintf(num, sizeof(num), "%d", j);
			setenv("CRASH_JOB", num, 1);
			check_share(with_job(check, j), j, jobs, p[1], durable, quiet);
			fflush(NULL);
			_exit(0);
		}
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], rec, sizeof(rec));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(rec))
			break;
		if (rec[0] < nstates)
			states[rec[0]].rc = (int)rec[1];
	}
	close(p[0]);
	for (j = 0; j < jobs; j++)
		while (waitpid(pids[j], NULL, 0) < 0 && errno == EINTR)
			;
	for (j = 0; j < jobs; j++)	/* each job's own files */
		for (f = 0; f < nfiles; f++) {
			char *t = with_job(tpl[f], j);

			if (strcmp(t, tpl[f]))
				unlink(t);
			free(t);
		}
}

int main(int argc, char **argv)
{
	unsigned long nsub = 4, ntorn = 4, npick = 0;
	unsigned long failed = 0, noted = 0, distinct = 0, kinds[NKINDS] = { 0 };
	bool quiet = false, every = false, alternate = false;
	const char *check;
	bool *durable, *pick;
	size_t i, npoints;
	int opt, jobs = 1;

	while ((opt = getopt(argc, argv, "n:m:s:p:tj:aq")) != -1) {
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
		case 'p':
			npick = strtoul(optarg, NULL, 10);
			break;
		case 't':
			alternate = true;
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > MAX_JOBS)
				goto usage;
			break;
		case 'a':
			every = true;
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
	durable = xmalloc((nevs + 1) * sizeof(*durable));
	pick = xmalloc((nevs + 1) * sizeof(*pick));

	npoints = enumerate(nsub, ntorn, npick, alternate, durable, pick);
	content_setup();
	seencap = 64;
	while (seencap < nstates * 2)
		seencap *= 2;
	seen = xmalloc(seencap * sizeof(*seen));
	memset(seen, 0xff, seencap * sizeof(*seen));
	for (i = 0; i < nstates; i++) {
		pieces(&states[i], durable);
		content_hash(states[i].h);
		states[i].first = every ? i : first_with(i);
		distinct += states[i].first == i;
	}
	check_all(check, jobs, durable, quiet);

	for (i = 0; i < nstates; i++) {
		const struct state *s = &states[i], *o = &states[s->first];
		int rc = o->rc;

		if (rc == -1) {
			if (s->first == i)
				fprintf(stderr, "crashgen: state not checked (a job died): %s\n",
					s->desc);
			rc = 128;
		}
		kinds[s->kind]++;
		if (rc == NOTED)
			noted++;
		else if (rc) {
			failed++;
			if (s->first != i && !quiet)
				fprintf(stderr, "crashgen: state failed (check exit %d): %s"
					" (the same disk as %s)\n", rc, s->desc, o->desc);
		}
	}
	printf("crash states: %zu tried, %lu failed, %lu noted (%lu distinct checked, %zu crash points, %zu events)\n",
	       nstates, failed, noted, distinct, npoints, nevs);
	printf("kinds:");
	for (i = 0; i < NKINDS; i++)
		printf("%s %lu %s", i ? "," : "", kinds[i], kind_names[i]);
	printf("\n");
	for (i = 0; i < nstates; i++) {
		free(states[i].pick);
		free(states[i].desc);
	}
	free(states);
	free(seen);
	free(durable);
	free(pick);
	free(pcs);
	free(sset);
	free(basebuf);
	free(workbuf);
	for (i = 0; i < MAX_FILES; i++)
		free(spans[i]);
	free(evs);
	if (logsize)
		munmap(logmap, logsize);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: crashgen [-n N] [-m M] [-s SEED] [-p P] [-t] [-j JOBS] [-a] [-q] LOG CHECK BASE TARGET...\n");
	return 2;
}
