// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* batch.c — tun46 -batch FILE: one command per line, like ip -batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "exec.h"

int t46_batch(struct t46_ctx *ctx, const char *file)
{
	char *buf, *line = NULL, where[4200];
	size_t len, cap = 0;
	int lineno = 0, rc = T46_EXIT_OK;

	struct t46_err fe = {0};

	if (t46_read_file(file, &buf, &len, &fe)) {
		t46_error(NULL, "%s", fe.msg);
		return T46_EXIT_ERR;
	}
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		size_t content = t46_content_len(buf + off, n);
		char *argv[T46_MAX_TOKENS];
		struct t46_err e = {0};
		int argc, r;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", file, lineno);
		ctx->where = where;
		off += n + (nl ? 1 : 0);
		if (content > T46_MAX_LINE || memchr(buf + off - n - (nl ? 1 : 0), '\0', n)) {
			if (content > T46_MAX_LINE)
				t46_error(ctx, "line longer than %d characters", T46_MAX_LINE);
			else
				t46_error(ctx, "line holds a NUL byte");
			r = T46_EXIT_ERR;
			goto done;
		}
		if (content + 1 > cap) {
			char *p = realloc(line, content + 1);

			if (!p) {
				t46_error(ctx, "out of memory");
				rc = T46_EXIT_ERR;
				break;
			}
			line = p;
			cap = content + 1;
		}
		memcpy(line, buf + off - n - (nl ? 1 : 0), content);
		line[content] = '\0';
		argc = t46_tokenize(line, argv, T46_MAX_TOKENS, &e);
		if (argc < 0) {
			t46_error(ctx, "%s", e.msg);
			r = T46_EXIT_ERR;
		} else if (argc == 0) {
			continue;
		} else {
			r = t46_run(ctx, argc, argv);
		}
	done:
		if (r != T46_EXIT_OK) {
			rc = T46_EXIT_ERR;
			if (!ctx->force)
				break;
		}
	}
	ctx->where = NULL;
	free(line);
	free(buf);
	return rc;
}
