/*
 * powercut.c: an LD_PRELOAD shim for the power-cut tests.  It counts the
 * write calls that reach the files named in JBDCTL_POWERCUT_FILES
 * (colon-separated) and kills the process with SIGKILL right after the
 * JBDCTL_POWERCUT_AFTER-th one: what was written stays, nothing after it
 * happens, as when the power fails between two writes.  With
 * JBDCTL_POWERCUT_SIGNAL=STOP it stops the process instead (SIGSTOP), once,
 * so that a test can look at a command holding its files open.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FILES 4

static struct stat targets[MAX_FILES];
static int ntargets = -1;
static long limit, count;

static void load(void)
{
	const char *after = getenv("JBDCTL_POWERCUT_AFTER");
	char *files = getenv("JBDCTL_POWERCUT_FILES");
	char *copy, *tok, *save = NULL;

	ntargets = 0;
	if (!after || !files)
		return;
	limit = strtol(after, NULL, 10);
	copy = strdup(files);
	for (tok = strtok_r(copy, ":", &save); tok && ntargets < MAX_FILES;
	     tok = strtok_r(NULL, ":", &save))
		if (stat(tok, &targets[ntargets]) == 0)
			ntargets++;
	free(copy);
}

static void counted(int fd, ssize_t ret)
{
	struct stat st;
	int i;

	if (ntargets < 0)
		load();
	if (ret <= 0 || !ntargets || fstat(fd, &st))
		return;
	for (i = 0; i < ntargets; i++) {
		if (st.st_dev != targets[i].st_dev || st.st_ino != targets[i].st_ino)
			continue;
		if (++count == limit && getenv("JBDCTL_POWERCUT_SIGNAL") &&
		    !strcmp(getenv("JBDCTL_POWERCUT_SIGNAL"), "STOP"))
			kill(getpid(), SIGSTOP);
		else if (count >= limit && !getenv("JBDCTL_POWERCUT_SIGNAL"))
			kill(getpid(), SIGKILL);
		return;
	}
}

#define WRAP(ret_t, name, params, args)					\
	ret_t name params						\
	{								\
		static ret_t (*real) params;				\
		ret_t r;						\
		if (!real)						\
			real = (ret_t (*) params)dlsym(RTLD_NEXT, #name); \
		r = real args;						\
		counted(fd, r);						\
		return r;						\
	}

WRAP(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
WRAP(ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off),
     (fd, buf, n, off))
WRAP(ssize_t, pwrite64, (int fd, const void *buf, size_t n, off64_t off),
     (fd, buf, n, off))
WRAP(ssize_t, writev, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt))
WRAP(ssize_t, pwritev, (int fd, const struct iovec *iov, int cnt, off_t off),
     (fd, iov, cnt, off))
