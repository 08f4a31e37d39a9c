/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * output.h — one print call per field that emits either text or JSON (as
 * iproute2's json_print), so the two outputs never drift.
 *
 *   out_str("name", "peer %s ", name);   text: "peer site2 "   JSON: "name":"site2"
 *   out_text("\n");                       text only
 * A NULL text format prints nothing in text mode (JSON-only field).
 */
#ifndef TUN46_OUTPUT_H
#define TUN46_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void out_init(FILE *f, bool json, bool pretty);
bool out_json(void);

/* Containers.  key is NULL inside an array and for the top level. */
void out_open_obj(const char *key);
void out_close_obj(void);
void out_open_arr(const char *key);
void out_close_arr(void);

void out_str(const char *key, const char *textfmt, const char *val);
void out_uint(const char *key, const char *textfmt, uint64_t val);
void out_float(const char *key, const char *textfmt, double val);
void out_bool(const char *key, const char *textfmt, bool val);
/* JSON null; text: textfmt printed as it is (no conversion) */
void out_null(const char *key, const char *textfmt);
/* Text only. */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End of one JSON document (a newline; one document per line with -j). */
void out_flush(void);

#endif /* TUN46_OUTPUT_H */
