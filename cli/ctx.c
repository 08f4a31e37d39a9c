// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ctx.c — the per-run context: error messages and the backend, opened on
 * first use.  The handlers (cmd_*.c) use it; run.c dispatches to them. */
#include <stdarg.h>
#include <stdio.h>

#include "exec.h"

void t46_error(const struct t46_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx && ctx->where)
		fprintf(stderr, "tun46: %s: ", ctx->where);
	else
		fputs("tun46: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct be *t46_ctx_be(struct t46_ctx *ctx, enum t46_be_use use)
{
	bool write = use != T46_BE_READ;
	struct be_opts opts = {.netns = ctx->netns, .readonly = !write, .force = ctx->force};

	if (ctx->be && write && !ctx->be_write) {
		be_close(ctx->be); /* reopen for writing */
		ctx->be = NULL;
	}
	if (!ctx->be) {
		if (be_open(&ctx->be, &opts)) {
			ctx->be = NULL;
			return NULL;
		}
		ctx->be_write = write;
		ctx->be_loaded = false;
		/* the backend entered the namespace: -n must not be applied twice */
		ctx->netns = NULL;
	}
	if (use == T46_BE_LOAD && !ctx->be_loaded) {
		if (be_ensure_loaded(ctx->be))
			return NULL;
		ctx->be_loaded = true;
	}
	return ctx->be;
}

void t46_ctx_close(struct t46_ctx *ctx)
{
	if (ctx->be)
		be_close(ctx->be);
	ctx->be = NULL;
}
