// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* output.c — text or JSON output, one call per field. */
#include <stdarg.h>
#include <string.h>

#include "output.h"

#define MAX_DEPTH 16

static struct {
	FILE *f;
	bool json, pretty;
	int depth;
	unsigned int count[MAX_DEPTH]; /* members written at each level */
} o = {.f = NULL};

void out_init(FILE *f, bool json, bool pretty)
{
	memset(&o, 0, sizeof(o));
	o.f = f;
	o.json = json;
	o.pretty = json && pretty;
}

bool out_json(void)
{
	return o.json;
}

static void indent(void)
{
	fputc('\n', o.f);
	for (int i = 0; i < o.depth; i++)
		fputs("    ", o.f);
}

static void json_string(const char *s)
{
	fputc('"', o.f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(o.f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(o.f, "\\u%04x", *p);
		else
			fputc(*p, o.f);
	}
	fputc('"', o.f);
}

/* Separator, indentation and "key": before a JSON value. */
static void json_member(const char *key)
{
	if (o.depth > 0 && o.count[o.depth - 1]++)
		fputc(',', o.f);
	if (o.pretty && o.depth > 0)
		indent();
	if (key) {
		json_string(key);
		fputs(o.pretty ? ": " : ":", o.f);
	}
}

static void open_c(const char *key, char c)
{
	if (!o.json)
		return;
	json_member(key);
	fputc(c, o.f);
	if (o.depth < MAX_DEPTH - 1)
		o.count[o.depth++] = 0;
}

static void close_c(char c)
{
	if (!o.json)
		return;
	if (o.depth > 0) {
		bool had = o.count[o.depth - 1];

		o.depth--;
		if (o.pretty && had)
			indent();
	}
	fputc(c, o.f);
}

void out_open_obj(const char *key)
{
	open_c(key, '{');
}

void out_close_obj(void)
{
	close_c('}');
}

void out_open_arr(const char *key)
{
	open_c(key, '[');
}

void out_close_arr(void)
{
	close_c(']');
}

void out_str(const char *key, const char *textfmt, const char *val)
{
	if (o.json) {
		json_member(key);
		json_string(val);
	} else if (textfmt) {
		fprintf(o.f, textfmt, val);
	}
}

void out_uint(const char *key, const char *textfmt, uint64_t val)
{
	if (o.json) {
		json_member(key);
		fprintf(o.f, "%llu", (unsigned long long)val);
	} else if (textfmt) {
		fprintf(o.f, textfmt, (unsigned long long)val);
	}
}

void out_float(const char *key, const char *textfmt, double val)
{
	if (o.json) {
		json_member(key);
		fprintf(o.f, "%.3f", val);
	} else if (textfmt) {
		fprintf(o.f, textfmt, val);
	}
}

void out_bool(const char *key, const char *textfmt, bool val)
{
	if (o.json) {
		json_member(key);
		fputs(val ? "true" : "false", o.f);
	} else if (textfmt) {
		fprintf(o.f, textfmt, val ? "true" : "false");
	}
}

void out_null(const char *key, const char *textfmt)
{
	if (o.json) {
		json_member(key);
		fputs("null", o.f);
	} else if (textfmt) {
		fputs(textfmt, o.f);
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (o.json)
		return;
	va_start(ap, fmt);
	vfprintf(o.f, fmt, ap);
	va_end(ap);
}

void out_flush(void)
{
	if (o.json)
		fputc('\n', o.f);
	fflush(o.f);
}
