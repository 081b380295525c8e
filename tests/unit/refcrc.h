/*
 * refcrc.h: bitwise reference CRCs for the unit tests, written from
 * jbd2-format.md §1.7 and independent of csum.c: the expected checksums
 * of the tests come from here, never from the library under test.
 */
#ifndef JBD_REFCRC_H
#define JBD_REFCRC_H

#include <stddef.h>
#include <stdint.h>

/* crc32c: reflected Castagnoli (0x82F63B78), raw register, no inversion. */
static inline uint32_t ref_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78U & (0U - (crc & 1)));
	}
	return crc;
}

/* crc32_be: polynomial 0x04C11DB7, MSB first, no inversion. */
static inline uint32_t ref_crc32_be(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= (uint32_t)*p++ << 24;
		for (int k = 0; k < 8; k++)
			crc = (crc << 1) ^ ((crc & 0x80000000U) ? 0x04C11DB7U : 0);
	}
	return crc;
}

#endif
