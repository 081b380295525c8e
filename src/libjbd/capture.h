/*
 * capture.h: an io manager that reads through to the device but keeps
 * every write in memory, so that a logical change made through libext2fs
 * (the fast-commit replay) becomes a set of whole blocks that can be
 * journaled before any of them reaches its home.
 */
#ifndef JBD_CAPTURE_H
#define JBD_CAPTURE_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

struct jbd_capture;

/* The manager; open it (ext2fs_open2) only between begin and end. */
extern io_manager jbd_capture_io_manager;

errcode_t jbd_capture_begin(struct jbd_capture **ret);

/*
 * The changed filesystem blocks, ascending, as whole blocks of
 * `blocksize` bytes (blocks written with their old content left out).
 * *ret_data holds n * blocksize bytes; both are malloc'ed.
 */
errcode_t jbd_capture_blocks(struct jbd_capture *c, const char *path,
			     uint32_t blocksize, uint64_t **ret_blks,
			     uint8_t **ret_data, size_t *ret_n);
void jbd_capture_end(struct jbd_capture *c);

#endif
