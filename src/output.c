/*
 * output.c: the text and JSON emitter.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <uuid/uuid.h>

#include "csum.h"
#include "output.h"

#define LABEL_WIDTH 26

void out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* JSON: a value without a key belongs in a list; elsewhere it is text-only. */
static bool json_wants(const struct out *o, const char *key)
{
	return key || o->closer[o->depth] == ']';
}

/* JSON: separator, indentation and "key": before a value. */
static void json_key(struct out *o, const char *key)
{
	if (o->need_comma[o->depth])
		fputc(',', o->f);
	o->need_comma[o->depth] = true;
	fprintf(o->f, "\n%*s", 2 * o->depth, "");
	if (key) {
		json_string(o->f, key);
		fputs(": ", o->f);
	}
}

/* Text: "Label:" padded, or a list item.  False when nothing is printed. */
static bool text_label(struct out *o, const char *label)
{
	if (o->in_text_list) {
		fputc(' ', o->f);
		o->text_list_items++;
		return true;
	}
	if (!label)
		return false;
	fprintf(o->f, "%-*s", LABEL_WIDTH, label);
	return true;
}

static void push(struct out *o, char open)
{
	fputc(open, o->f);
	if (o->depth < OUT_MAX_DEPTH - 1)
		o->depth++;
	o->closer[o->depth] = open == '{' ? '}' : ']';
	o->need_comma[o->depth] = false;
}

static void pop(struct out *o)
{
	bool had_items = o->need_comma[o->depth];
	char close = o->closer[o->depth];

	if (o->depth > 0)
		o->depth--;
	if (had_items)
		fprintf(o->f, "\n%*s", 2 * o->depth, "");
	fputc(close, o->f);
}

void out_begin(struct out *o)
{
	if (!o->json)
		return;
	push(o, '{');
	json_key(o, "version");
	fputs("1", o->f);
}

void out_finish(struct out *o)
{
	if (!o->json)
		return;
	while (o->depth > 0)
		pop(o);
	fputc('\n', o->f);
}

void out_object_begin(struct out *o, const char *key)
{
	if (!o->json)
		return;
	json_key(o, key);
	push(o, '{');
}

void out_object_end(struct out *o)
{
	if (o->json)
		pop(o);
}

void out_list_begin(struct out *o, const char *key, const char *label)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		push(o, '[');
		return;
	}
	if (!label)
		return;
	fprintf(o->f, "%-*s", LABEL_WIDTH - 1, label);
	o->in_text_list = true;
	o->text_list_items = 0;
}

void out_list_end(struct out *o)
{
	if (o->json) {
		pop(o);
		return;
	}
	if (!o->in_text_list)
		return;
	if (!o->text_list_items)
		fputs(" (none)", o->f);
	fputc('\n', o->f);
	o->in_text_list = false;
}

void out_u64(struct out *o, const char *key, const char *label, uint64_t v)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		fprintf(o->f, "%" PRIu64, v);
	} else if (text_label(o, label)) {
		fprintf(o->f, "%" PRIu64 "%s", v, o->in_text_list ? "" : "\n");
	}
}

void out_i64(struct out *o, const char *key, const char *label, int64_t v)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		fprintf(o->f, "%" PRId64, v);
	} else if (text_label(o, label)) {
		fprintf(o->f, "%" PRId64 "%s", v, o->in_text_list ? "" : "\n");
	}
}

void out_hex32(struct out *o, const char *key, const char *label, uint32_t v)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		fprintf(o->f, "\"0x%08x\"", v);
	} else if (text_label(o, label)) {
		fprintf(o->f, "0x%08x%s", v, o->in_text_list ? "" : "\n");
	}
}

void out_str(struct out *o, const char *key, const char *label, const char *s)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		if (s)
			json_string(o->f, s);
		else
			fputs("null", o->f);
	} else if (text_label(o, label)) {
		fprintf(o->f, "%s%s", s ? s : "<none>",
			o->in_text_list ? "" : "\n");
	}
}

void out_bool(struct out *o, const char *key, const char *label, bool v)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		fputs(v ? "true" : "false", o->f);
	} else if (text_label(o, label)) {
		fprintf(o->f, "%s%s", v ? "yes" : "no",
			o->in_text_list ? "" : "\n");
	}
}

void out_null(struct out *o, const char *key, const char *label)
{
	out_str(o, key, label, NULL);
}

void out_uuid(struct out *o, const char *key, const char *label,
	      const uint8_t uuid[16])
{
	char buf[37];

	if (uuid_is_null(uuid)) {
		out_str(o, key, label, NULL);
		return;
	}
	uuid_unparse(uuid, buf);
	out_str(o, key, label, buf);
}

void out_verdict(struct out *o, const char *key, const char *label, int verdict)
{
	if (o->json) {
		if (!json_wants(o, key))
			return;
		json_key(o, key);
		fputs(verdict == JBD_CSUM_OK ? "true" :
		      verdict == JBD_CSUM_BAD ? "false" : "null", o->f);
	} else {
		out_str(o, key, label, verdict == JBD_CSUM_OK ? "good" :
			verdict == JBD_CSUM_BAD ? "BAD" : "not checked");
	}
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}
