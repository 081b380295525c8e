/* memio.h: an io manager over an image in memory (see memio.c). */
#ifndef JBD_MEMIO_H
#define JBD_MEMIO_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

extern io_manager memio_manager;

/* The image every channel opens: img, restored from orig by memio_reset. */
void memio_set_image(uint8_t *img, const uint8_t *orig, uint64_t len);
/* Bytes [off, off + len) of the image changed outside the channel. */
void memio_dirty(uint64_t off, uint64_t len);
/* Put back every changed byte from the pristine copy. */
void memio_reset(void);
/*
 * Writes through a channel into [off, off + len) break a rule: each one,
 * and each write past the image end (a file would grow), is counted in
 * memio_bad_writes() until the next memio_reset().
 */
void memio_forbid(uint64_t off, uint64_t len);
unsigned long memio_bad_writes(uint64_t *first_off);

#endif
