/*
 * fuzz-journal.c: a fuzz target over the read path and recovery.
 *
 * The input replaces the head of the journal (up to 64 blocks) of a base
 * image, the "revoke" fixture (1 KiB blocks, csum v3), named by
 * $JBDCTL_FUZZ_BASE.  The image lives in memory, read and written through
 * an io manager of our own (memio.c): a run costs what it reads and
 * writes, and the bytes it changed are put back before the next one.
 * Each run does what logdump, logdump -O, logdump --decode, verify and
 * replay do with the mutant, replay included, and checks what tests/mutate.bats checks of
 * a replay: it writes nothing into the journal but its superblock, and
 * nothing past the image end (a finding: abort()).  With $JBDCTL_FUZZ_OUT set, the image as the
 * last run left it is written there.  Built with -fsanitize=fuzzer for
 * libFuzzer, or with tests/fuzz/run-one.c for AFL++ and for the
 * regression test that replays every saved input.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <et/com_err.h>

#include "audit.h"
#include "decode.h"
#include "jbd-err.h"
#include "journal.h"
#include "memio.h"
#include "recover.h"
#include "verdict.h"
#include "walk.h"

#define MAX_BLOCKS	64
/*
 * Buffers of 16 KiB: ASan maps and unmaps every allocation above 128 KiB
 * (the 1 MiB home-writer runs, the whole-area read-ahead), and with 16
 * 1 KiB blocks a run, descriptors of up to 63 tags and replays of a few
 * dozen blocks cross the buffer boundaries that only 4 MiB of data
 * crosses for real.
 */
#define BUFFER_LIMIT	(16 * 1024)
#define IMAGE_NAME	"memory"

static uint8_t *base, *work;
static size_t base_len;
static uint32_t blocksize;
static off_t block_off[MAX_BLOCKS];	/* where journal block i lives */
/* $JBDCTL_FUZZ_POKE_JOURNAL: each run writes into journal block 3, to
 * show that the check of replay's writes sees one (tests/fuzz.bats). */
static bool poke_journal;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what);

static int cmp_off(const void *a, const void *b)
{
	off_t x = *(const off_t *)a, y = *(const off_t *)b;

	return x < y ? -1 : x > y;
}

/* Replay may write journal block 0 (the superblock) and no other. */
static void forbid_journal(struct jbd_journal *j)
{
	off_t *offs = malloc(j->nblocks * sizeof(*offs));
	blk64_t pblk;
	uint32_t i;

	if (!offs)
		die("out of memory");
	for (i = 1; i < j->nblocks; i++) {
		if (jbd_journal_pblk(j, i, &pblk))
			die("the base journal has a hole");
		offs[i - 1] = (off_t)pblk * blocksize;
	}
	qsort(offs, j->nblocks - 1, sizeof(*offs), cmp_off);
	for (i = 0; i + 1 < j->nblocks; i++)
		memio_forbid((uint64_t)offs[i], blocksize);
	free(offs);
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz-journal: %s\n", what);
	exit(2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("JBDCTL_FUZZ_BASE");
	struct jbd_journal *j;
	blk64_t pblk;
	FILE *f;
	uint32_t i;

	(void)argc;
	(void)argv;
	add_error_table(&et_jbd_error_table);
	add_error_table(&et_ext2_error_table);
	if (!path || !(f = fopen(path, "rb")))
		die("set JBDCTL_FUZZ_BASE to an image with an internal journal");
	fseek(f, 0, SEEK_END);
	base_len = (size_t)ftell(f);
	rewind(f);
	base = malloc(base_len);
	work = malloc(base_len);
	if (!base || !work || fread(base, 1, base_len, f) != base_len)
		die("cannot read the base image");
	fclose(f);
	memcpy(work, base, base_len);
	memio_set_image(work, base, base_len);
	jbd_set_io_manager(memio_manager);
	jbd_set_buffer_limit(BUFFER_LIMIT);
	if (jbd_open(IMAGE_NAME, NULL, 0, &j) || j->sb_error)
		die("the base image has no usable journal");
	blocksize = j->blocksize;
	for (i = 0; i < MAX_BLOCKS; i++) {
		if (jbd_journal_pblk(j, i, &pblk))
			die("the base journal is too short");
		block_off[i] = (off_t)pblk * blocksize;
	}
	forbid_journal(j);
	poke_journal = getenv("JBDCTL_FUZZ_POKE_JOURNAL") != NULL;
	jbd_close(j);
	return 0;
}

/* $JBDCTL_FUZZ_OUT: the image as this run left it, for a look. */
static void save_image(void)
{
	const char *out = getenv("JBDCTL_FUZZ_OUT");
	FILE *f;

	if (!out || !(f = fopen(out, "wb")))
		return;
	if (fwrite(work, 1, base_len, f) != base_len)
		die("cannot write $JBDCTL_FUZZ_OUT");
	fclose(f);
}

static void walk_all(struct jbd_journal *j, unsigned int flags)
{
	/*
	 * logdump -O walks the whole area; here only its first 2 * MAX_BLOCKS
	 * blocks from s_first: past the input lie the base image's blocks,
	 * the same for every input (1,024 blocks read per run for nothing).
	 */
	struct jbd_walk_opts opts = {
		.flags = flags,
		.area_start = j->sb.first,
		.area_len = 2 * MAX_BLOCKS,
	};
	struct jbd_walk *w;
	struct jbd_event ev;

	if (jbd_walk_begin(j, &opts, &w))
		return;
	while (!jbd_walk_next(w, &ev) && ev.type != JBD_EV_END)
		;
	jbd_walk_end(w);
}

/*
 * logdump --decode: every tag through the decoder (roles, changes,
 * checksums, the inodes' extent trees and indirect blocks in the logged
 * copies) and every transaction's summary, stopping where logdump stops.
 */
static void decode_all(struct jbd_journal *j)
{
	struct jbd_walk_opts opts = { .flags = JBD_WALK_READ_DATA };
	struct jbd_decode_summary s;
	struct jbd_decoded dec;
	struct jbd_decoder *d;
	struct jbd_walk *w;
	struct jbd_event ev;
	errcode_t err = 0;

	if (jbd_decode_open(j, false, &d))
		return;
	if (!jbd_walk_begin(j, &opts, &w)) {
		while (!err && !jbd_walk_next(w, &ev)) {
			if (jbd_decode_tx_end(d, &ev, &s))
				jbd_decode_summary_free(&s);
			if (ev.type == JBD_EV_TAG) {
				err = jbd_decode_tag(d, &ev, &dec);
				jbd_decoded_free(&dec);
			}
			if (ev.type == JBD_EV_END)
				break;
		}
		jbd_walk_end(w);
	}
	jbd_decode_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jbd_journal *j;
	struct jbd_recovery r;
	struct jbd_verdict v;
	struct jbd_audit a;
	uint64_t bad;
	size_t i;

	memio_reset();
	for (i = 0; i * blocksize < size && i < MAX_BLOCKS; i++) {
		size_t n = size - i * blocksize;

		if (n > blocksize)
			n = blocksize;
		memcpy(work + block_off[i], data + i * blocksize, n);
		memio_dirty((uint64_t)block_off[i], n);
	}

	if (jbd_open(IMAGE_NAME, NULL, JBD_OPEN_RW, &j))
		return 0;
	if (!j->sb_error) {
		walk_all(j, 0);
		walk_all(j, JBD_WALK_ALL | JBD_WALK_READ_DATA);
		decode_all(j);
	}
	if (!jbd_audit(j, JBD_AUDIT_STRICT, &a))
		jbd_audit_free(&a);
	jbd_recovery_state(j, &v);	/* the verdict info and logdump print */
	/* A dry run's plan, then replay as jbdctl replay would, onto the
	 * image in memory (its plan may leave data checksums to the write). */
	if (!j->sb_error && j->sb.checksum_verdict != JBD_CSUM_BAD) {
		if (!jbd_recover_plan(j, &r))
			jbd_recover_check_targets(j, &r, &bad);
		jbd_recovery_free(&r);
		if (!jbd_recover_plan_for_write(j, &r) &&
		    !jbd_recover_check_targets(j, &r, &bad) &&
		    !jbd_recover_write(j, &r, JBD_HOME_BUFFERED, NULL, NULL, NULL))
			jbd_recover_finish(j, &r, 0, time(NULL));
		jbd_recovery_free(&r);
	}
	if (poke_journal && j->fs)
		io_channel_write_blk64(j->fs->io, (unsigned long long)
				       (block_off[3] / blocksize), 1, base);
	jbd_close(j);
	save_image();
	if (memio_bad_writes(&bad)) {
		fprintf(stderr, "fuzz-journal: %lu writes into the journal or "
			"past the image end, the first at byte %llu\n",
			memio_bad_writes(NULL), (unsigned long long)bad);
		abort();
	}
	return 0;
}
