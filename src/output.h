/*
 * output.h: one emitter for text and JSON.
 *
 * Commands describe what they print once, as typed key/label/value calls;
 * in JSON mode the key is used, in text mode the label ("Journal start:"),
 * padded to a column as dumpe2fs does.  A NULL label keeps a value out of
 * the text output.  Lists of strings print on one text line.
 */
#ifndef JBD_OUTPUT_H
#define JBD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MAX_DEPTH 16

struct out {
	FILE *f;
	bool json;
	int depth;
	bool need_comma[OUT_MAX_DEPTH];
	char closer[OUT_MAX_DEPTH];	/* '}' or ']' for each open level */
	bool in_text_list;
	int text_list_items;
};

void out_init(struct out *o, FILE *f, bool json);
void out_begin(struct out *o);			/* JSON: { "version": 1 */
void out_finish(struct out *o);			/* JSON: closes every open level */

void out_object_begin(struct out *o, const char *key);	/* key NULL in lists */
void out_object_end(struct out *o);
void out_list_begin(struct out *o, const char *key, const char *label);
void out_list_end(struct out *o);

void out_u64(struct out *o, const char *key, const char *label, uint64_t v);
void out_i64(struct out *o, const char *key, const char *label, int64_t v);
void out_hex32(struct out *o, const char *key, const char *label, uint32_t v);
void out_str(struct out *o, const char *key, const char *label, const char *s);
void out_bool(struct out *o, const char *key, const char *label, bool v);
void out_null(struct out *o, const char *key, const char *label);
void out_uuid(struct out *o, const char *key, const char *label,
	      const uint8_t uuid[16]);
/* A checksum verdict: JSON true/false/null; text "good"/"BAD"/"not checked". */
void out_verdict(struct out *o, const char *key, const char *label, int verdict);

/* Text-only line (ignored in JSON mode). */
void out_text(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
