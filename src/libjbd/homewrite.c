/*
 * homewrite.c: write replayed blocks home.
 *
 * A replay can write a gigabyte.  Through the page cache that costs a
 * copy into freshly allocated pages and then a writeback at fsync; with
 * O_DIRECT (where the system has it) the buffers go to the device as they
 * are, and a thread of ours writes one buffer while the caller reads the
 * next out of the log.  Both ways write each buffer with pwrite() on a
 * descriptor of our own, after switching libext2fs's block cache off so
 * that later reads through the io channel (the superblock, which the log
 * may have replaced) see what was written.  Through libext2fs's undo io
 * manager the writes must go through the io channel, one after another
 * (replay --undo saves its undo file itself first: see undofile.c).
 *
 * Crash points: the order of home writes does not matter, since the log
 * stays valid until the caller rewrites the superblocks after a
 * successful jbd_home_close(), which fsyncs every descriptor written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_PTHREAD_H
#include <pthread.h>
#endif

#include "fdio.h"
#include "homewrite.h"

#define NBUF		2		/* buffers in flight */
#define RUN_BYTES	(1U << 20)	/* bytes one buffer holds, direct */
#define CACHED_RUN_BYTES (64U << 10)	/* through the page cache */
#define DIRECT_ALIGN	4096		/* buffer alignment for O_DIRECT */

struct home_job {
	uint8_t *buf;
	blk64_t fsblk;
	uint32_t count;
};

struct jbd_home_writer {
	struct jbd_journal *j;
	uint32_t bs;
	uint32_t run;
	int fd;			/* our descriptor, or -1: the io channel */
	bool direct;		/* fd has O_DIRECT */
	errcode_t err;		/* the first failed write */
	uint8_t *bufs[NBUF];
	uint8_t *free_bufs[NBUF];
	unsigned nfree;
	struct home_job jobs[NBUF];	/* submitted, oldest at head */
	unsigned head, nqueued;
#ifdef HAVE_PTHREAD_H
	bool threaded;
	bool quit;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was queued, or quit */
	pthread_cond_t done;	/* a buffer came back */
#endif
};

static errcode_t write_job(struct jbd_home_writer *w, const struct home_job *job)
{
	size_t len = (size_t)job->count * w->bs;
	off_t off = (off_t)job->fsblk * w->bs;
	errcode_t err;

	if (w->fd < 0)
		return io_channel_write_blk64(w->j->fs->io, job->fsblk,
					      (int)job->count, job->buf);
	err = jbd_pwrite_all(w->fd, job->buf, len, off);
	if (err == EINVAL && w->direct) {
		/* This device or file system refuses the alignment of a
		 * direct write: the rest goes through the page cache. */
		int fd = open(w->j->fs->device_name, O_WRONLY);

		if (fd < 0)
			return errno;
		if (fsync(w->fd) < 0) {
			err = errno;
			close(fd);
			return err;
		}
		close(w->fd);
		w->fd = fd;
		w->direct = false;
		err = jbd_pwrite_all(w->fd, job->buf, len, off);
	}
	return err;
}

#ifdef HAVE_PTHREAD_H
static void *writer_main(void *arg)
{
	struct jbd_home_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct home_job job;
		errcode_t err = 0;

		while (!w->nqueued && !w->quit)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->nqueued)
			break;
		job = w->jobs[w->head];
		if (!w->err) {
			pthread_mutex_unlock(&w->lock);
			err = write_job(w, &job);
			pthread_mutex_lock(&w->lock);
			if (err && !w->err)
				w->err = err;
		}
		w->head = (w->head + 1) % NBUF;
		w->nqueued--;
		w->free_bufs[w->nfree++] = job.buf;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void start_thread(struct jbd_home_writer *w)
{
	if (pthread_mutex_init(&w->lock, NULL))
		return;
	if (pthread_cond_init(&w->work, NULL))
		goto no_work;
	if (pthread_cond_init(&w->done, NULL))
		goto no_done;
	if (pthread_create(&w->thread, NULL, writer_main, w))
		goto no_thread;
	w->threaded = true;
	return;
no_thread:
	pthread_cond_destroy(&w->done);
no_done:
	pthread_cond_destroy(&w->work);
no_work:
	pthread_mutex_destroy(&w->lock);
}

static void stop_thread(struct jbd_home_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	w->threaded = false;
}
#endif

/* Our own descriptor on the filesystem, once libext2fs's cache is off. */
static void open_fd(struct jbd_home_writer *w, int flags)
{
	ext2_filsys fs = w->j->fs;

	if (fs->io->manager != unix_io_manager ||
	    io_channel_set_options(fs->io, "cache=off"))
		return;		/* the undo manager, or no way to bypass it */
#if HAVE_DECL_O_DIRECT
	if (!(flags & JBD_HOME_BUFFERED)) {
		w->fd = open(fs->device_name, O_WRONLY | O_DIRECT);
		if (w->fd >= 0) {
			w->direct = true;
			return;
		}
	}
#else
	(void)flags;
#endif
	w->fd = open(fs->device_name, O_WRONLY);
}

errcode_t jbd_home_open(struct jbd_journal *j, int flags,
			struct jbd_home_writer **ret)
{
	struct jbd_home_writer *w;
	unsigned i;

	w = calloc(1, sizeof(*w));
	if (!w)
		return EXT2_ET_NO_MEMORY;
	w->j = j;
	w->bs = j->fs->blocksize;
	w->fd = -1;
	open_fd(w, flags);
	/*
	 * A direct write goes to the device as it is issued: it takes
	 * requests of a megabyte to keep the disk busy.  Through the page
	 * cache, writes are copies that the kernel merges and writes back at
	 * fsync, as fast from small buffers (measured on the bench workloads).
	 */
	w->run = jbd_buffer_blocks(w->direct ? RUN_BYTES : CACHED_RUN_BYTES,
				   w->bs);
	for (i = 0; i < NBUF; i++) {
		void *p;

		if (posix_memalign(&p, DIRECT_ALIGN, (size_t)w->run * w->bs)) {
			jbd_home_close(w, NULL);
			return EXT2_ET_NO_MEMORY;
		}
		w->bufs[i] = w->free_bufs[w->nfree++] = p;
	}
#ifdef HAVE_PTHREAD_H
	if (w->fd >= 0)
		start_thread(w);
#endif
	*ret = w;
	return 0;
}

uint32_t jbd_home_run(const struct jbd_home_writer *w)
{
	return w->run;
}

errcode_t jbd_home_buffer(struct jbd_home_writer *w, uint8_t **buf)
{
	errcode_t err;

#ifdef HAVE_PTHREAD_H
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		while (!w->nfree && !w->err)
			pthread_cond_wait(&w->done, &w->lock);
		err = w->err;
		if (!err)
			*buf = w->free_bufs[--w->nfree];
		pthread_mutex_unlock(&w->lock);
		return err;
	}
#endif
	err = w->err;
	if (!err)
		*buf = w->free_bufs[--w->nfree];
	return err;
}

errcode_t jbd_home_submit(struct jbd_home_writer *w, uint8_t *buf,
			  blk64_t fsblk, uint32_t count)
{
	struct home_job job = { .buf = buf, .fsblk = fsblk, .count = count };
	errcode_t err;

#ifdef HAVE_PTHREAD_H
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		w->jobs[(w->head + w->nqueued) % NBUF] = job;
		w->nqueued++;
		err = w->err;
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->lock);
		return err;
	}
#endif
	err = write_job(w, &job);
	if (err && !w->err)
		w->err = err;
	w->free_bufs[w->nfree++] = buf;
	return err;
}

errcode_t jbd_home_close(struct jbd_home_writer *w, const char **ret_mode)
{
	errcode_t err;
	unsigned i;

#ifdef HAVE_PTHREAD_H
	stop_thread(w);
#endif
	if (ret_mode)
		*ret_mode = w->fd < 0 ? "through libext2fs's io channel" :
			    w->direct ? "with direct I/O" : "through the page cache";
	err = w->err;
	if (w->fd >= 0) {
		if (fsync(w->fd) < 0 && !err)
			err = errno;
		close(w->fd);
	}
	for (i = 0; i < NBUF; i++)
		free(w->bufs[i]);
	free(w);
	return err;
}
