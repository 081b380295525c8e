/*
 * fdio.c: whole writes on a file descriptor (the home writer, the undo file).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "fdio.h"

errcode_t jbd_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EXT2_ET_SHORT_WRITE;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}
