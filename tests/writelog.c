/*
 * writelog.c: an LD_PRELOAD write recorder for the crash-state tests
 * (tests/crashgen.c builds the states from its log).
 *
 * Why a preload shim and not an io manager of our own: jbdctl writes
 * through three paths (libext2fs's unix io manager, the undo io manager
 * that libext2fs links in, and its own descriptors with O_DIRECT from a
 * writer thread, src/libjbd/homewrite.c), and only the system calls see
 * all three, with the flushes each one really issues.
 *
 * JBDCTL_WRITELOG names the log; JBDCTL_WRITELOG_FILES the files to
 * record, colon-separated: file number i in the log is the i-th name.  A
 * file that does not exist yet (an undo file) is matched once it does.
 * Records, each one write(2) of the real call, appended under a lock:
 *
 *   struct wl_rec { char type; uint8_t file; uint16_t pad; uint32_t tid;
 *                   uint64_t off; uint64_t len; }   then len bytes for 'W'
 *
 *   'W' a write of len bytes at off that returned (the bytes written)
 *   'Z' fallocate() zeroing len bytes at off (FALLOC_FL_ZERO_RANGE or
 *       FALLOC_FL_PUNCH_HOLE, as libext2fs zeroes a new journal): a write
 *       of zeros, logged without its bytes
 *   'F' fsync or fdatasync of the file, logged before the call: every
 *       write logged before it is durable once it returns, nothing after
 *   'S' sync(): the same for every file
 *   'R' sync_file_range (the range in off/len): logged, no barrier, since
 *       it does not flush the device's cache or the file's metadata
 *   'C' close: logged, no barrier
 *
 * JBDCTL_WRITELOG_NODIRECT=1 makes a write on an O_DIRECT descriptor fail
 * with EINVAL, as a device or file system refusing direct I/O does.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FILES 8

struct wl_rec {
	char type;
	uint8_t file;
	uint16_t pad;
	uint32_t tid;
	uint64_t off;
	uint64_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *paths[MAX_FILES];
static struct stat targets[MAX_FILES];
static int known[MAX_FILES];
static int nfiles = -1;
static int logfd = -1;
static int nodirect;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);

static void load(void)
{
	const char *log = getenv("JBDCTL_WRITELOG");
	const char *files = getenv("JBDCTL_WRITELOG_FILES");
	const char *nd = getenv("JBDCTL_WRITELOG_NODIRECT");
	char *copy, *tok, *save = NULL;

	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_writev = (ssize_t (*)(int, const struct iovec *, int))
		dlsym(RTLD_NEXT, "writev");
	nfiles = 0;
	nodirect = nd && *nd == '1';
	if (!log || !files)
		return;
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0)
		return;
	copy = strdup(files);
	for (tok = strtok_r(copy, ":", &save); tok && nfiles < MAX_FILES;
	     tok = strtok_r(NULL, ":", &save))
		paths[nfiles++] = strdup(tok);
	free(copy);
}

/* The file number of fd, or -1 when it is not recorded. */
static int file_of(int fd)
{
	struct stat st;
	int i;

	if (nfiles < 0)
		load();
	if (logfd < 0 || fd == logfd || fstat(fd, &st))
		return -1;
	for (i = 0; i < nfiles; i++) {
		if (!known[i] && stat(paths[i], &targets[i]) == 0)
			known[i] = 1;
		if (known[i] && st.st_dev == targets[i].st_dev &&
		    st.st_ino == targets[i].st_ino)
			return i;
	}
	return -1;
}

static void log_rec(char type, int file, uint64_t off, uint64_t len,
		    const struct iovec *data, int ndata)
{
	struct iovec v[1 + 64];
	struct wl_rec r = { .type = type, .file = (uint8_t)file,
			    .tid = (uint32_t)syscall(SYS_gettid),
			    .off = off, .len = len };
	int n = 0, i;

	v[n].iov_base = &r;
	v[n++].iov_len = sizeof(r);
	for (i = 0; i < ndata && n < 65; i++)
		v[n++] = data[i];
	/* The log is the test's: a failure to write it shows as a bad log. */
	if (real_writev(logfd, v, n) < 0)
		abort();
}

/* Log the first `done` bytes of iov as a write at off. */
static void log_write(int file, uint64_t off, const struct iovec *iov, int cnt,
		      size_t done)
{
	struct iovec v[64];
	int n = 0;
	size_t left = done;

	for (; n < cnt && left && n < 64; n++) {
		v[n] = iov[n];
		if (v[n].iov_len > left)
			v[n].iov_len = left;
		left -= v[n].iov_len;
	}
	if (left)	/* more than 64 pieces: not expected from jbdctl */
		abort();
	log_rec('W', file, off, done, v, n);
}

static int refuse_direct(int fd)
{
	if (nfiles < 0)
		load();
	if (!nodirect)
		return 0;
#ifdef O_DIRECT
	{
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (fl & O_DIRECT)) {
			errno = EINVAL;
			return 1;
		}
	}
#endif
	return 0;
}

/*
 * One write call: the lock is held across the call and its record, so
 * that the log's order is the order in which the writes were done.
 */
#define WRITE_AT(call, fd, iov, cnt, offexpr)				\
	do {								\
		int f_;							\
		off_t o_;						\
		ssize_t r_;						\
		if (refuse_direct(fd))					\
			return -1;					\
		pthread_mutex_lock(&lock);				\
		f_ = file_of(fd);					\
		o_ = (offexpr);						\
		r_ = call;						\
		if (r_ > 0 && f_ >= 0)					\
			log_write(f_, (uint64_t)o_, iov, cnt, (size_t)r_); \
		pthread_mutex_unlock(&lock);				\
		return r_;						\
	} while (0)

#define REAL(ret_t, name, params)					\
	static ret_t (*real) params;					\
	if (!real)							\
		real = (ret_t (*) params)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec v = { (void *)buf, n };

	if (nfiles < 0)
		load();
	WRITE_AT(real_write(fd, buf, n), fd, &v, 1, lseek(fd, 0, SEEK_CUR));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	struct iovec v = { (void *)buf, n };
	REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
	WRITE_AT(real(fd, buf, n, off), fd, &v, 1, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	struct iovec v = { (void *)buf, n };
	REAL(ssize_t, pwrite64, (int, const void *, size_t, off64_t));
	WRITE_AT(real(fd, buf, n, off), fd, &v, 1, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (nfiles < 0)
		load();
	WRITE_AT(real_writev(fd, iov, cnt), fd, iov, cnt, lseek(fd, 0, SEEK_CUR));
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	REAL(ssize_t, pwritev, (int, const struct iovec *, int, off_t));
	WRITE_AT(real(fd, iov, cnt, off), fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	REAL(ssize_t, pwritev64, (int, const struct iovec *, int, off64_t));
	WRITE_AT(real(fd, iov, cnt, off), fd, iov, cnt, off);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	REAL(ssize_t, pwritev2, (int, const struct iovec *, int, off_t, int));
	WRITE_AT(real(fd, iov, cnt, off, fl), fd, iov, cnt,
		 off == -1 ? lseek(fd, 0, SEEK_CUR) : off);
}

#if defined(FALLOC_FL_ZERO_RANGE) || defined(FALLOC_FL_PUNCH_HOLE)
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0
#endif
/* An fallocate that zeroes a range is logged as a write of zeros. */
#define ZERO_AT(call, fd, mode, off, len)				\
	do {								\
		int f_;							\
		int r_;							\
		if (nfiles < 0)						\
			load();						\
		pthread_mutex_lock(&lock);				\
		f_ = file_of(fd);					\
		r_ = call;						\
		if (r_ == 0 && f_ >= 0 && len > 0 &&			\
		    ((mode) & (FALLOC_FL_ZERO_RANGE | FALLOC_FL_PUNCH_HOLE))) \
			log_rec('Z', f_, (uint64_t)(off), (uint64_t)(len), NULL, 0); \
		pthread_mutex_unlock(&lock);				\
		return r_;						\
	} while (0)

int fallocate(int fd, int mode, off_t off, off_t len)
{
	REAL(int, fallocate, (int, int, off_t, off_t));
	ZERO_AT(real(fd, mode, off, len), fd, mode, off, len);
}

int fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	REAL(int, fallocate64, (int, int, off64_t, off64_t));
	ZERO_AT(real(fd, mode, off, len), fd, mode, off, len);
}
#endif

/* A barrier is logged before the call: writes that finish while it runs
 * are not covered by it. */
static void log_barrier(char type, int fd, uint64_t off, uint64_t len)
{
	int f;

	pthread_mutex_lock(&lock);
	f = type == 'S' ? 0 : file_of(fd);
	if (f >= 0 && logfd >= 0)
		log_rec(type, f, off, len, NULL, 0);
	pthread_mutex_unlock(&lock);
}

int fsync(int fd)
{
	REAL(int, fsync, (int));
	log_barrier('F', fd, 0, 0);
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(int, fdatasync, (int));
	log_barrier('F', fd, 0, 0);
	return real(fd);
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	REAL(int, sync_file_range, (int, off64_t, off64_t, unsigned int));
	log_barrier('R', fd, (uint64_t)off, (uint64_t)n);
	return real(fd, off, n, flags);
}

void sync(void)
{
	REAL(void, sync, (void));
	if (nfiles < 0)
		load();
	log_barrier('S', -1, 0, 0);
	real();
}

int close(int fd)
{
	REAL(int, close, (int));
	if (nfiles >= 0 && logfd >= 0 && fd != logfd)
		log_barrier('C', fd, 0, 0);
	return real(fd);
}
