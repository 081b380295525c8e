/*
 * fdio.h: whole writes on a file descriptor.
 */
#ifndef JBD_FDIO_H
#define JBD_FDIO_H

#include <sys/types.h>
#include <ext2fs/ext2fs.h>

/* pwrite() all of buf at off, again after EINTR and short writes. */
errcode_t jbd_pwrite_all(int fd, const void *buf, size_t len, off_t off);

#endif
