// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_config.c — libFuzzer target for the config/command parser.
 *
 * Input: a config file.  Parses it (no side effect: the parser never calls
 * the backend); when it is valid, prints it and parses the printed text
 * again, which must be valid and print the same (round trip).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char *print(const struct t46_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		abort();
	t46_config_print(m, st);
	fclose(m);
	return buf;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct t46_cfg_errs errs;
	struct t46_state a, b;
	char *x, *y;

	if (size > 1 << 20)
		return 0;
	st_init(&a);
	if (t46_config_parse((const char *)data, size, &a, &errs) == 0) {
		x = print(&a);
		st_init(&b);
		if (t46_config_parse(x, strlen(x), &b, &errs) != 0) {
			fprintf(stderr, "printed config refused: line %d: %s\n%s\n", errs.e[0].line, errs.e[0].msg, x);
			abort();
		}
		y = print(&b);
		if (strcmp(x, y)) {
			fprintf(stderr, "round trip differs:\n%s---\n%s\n", x, y);
			abort();
		}
		free(x);
		free(y);
		st_free(&b);
	}
	st_free(&a);
	return 0;
}
