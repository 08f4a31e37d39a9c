// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ctx.c — the per-run context: error messages and the backend, opened on
 * first use.  The handlers (cmd_*.c) use it; run.c dispatches to them. */
#include <stdarg.h>
#include <stdio.h>

#include "exec.h"

/* The library's print function (log.h), installed by main with the run
 * context: "tun46: ", in -batch the line ("FILE:LINE: "), "warning: " for a
 * warning, the message.  libbpf's debug output (TUN46_DEBUG) as it is. */
void t46_cli_print(enum t46_log_level level, const char *msg, void *arg)
{
	const struct t46_ctx *ctx = arg;

	if (level == T46_LOG_DEBUG) {
		fprintf(stderr, "%s\n", msg);
		return;
	}
	fprintf(stderr, "tun46: %s%s%s%s\n", ctx && ctx->where ? ctx->where : "", ctx && ctx->where ? ": " : "",
		level == T46_LOG_WARN	? "warning: "
		: level == T46_LOG_INFO ? "note: "
					: "",
		msg);
}

void t46_error(const struct t46_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t46_cli_print(T46_LOG_ERR, msg, (void *)ctx);
}

struct be *t46_ctx_be(struct t46_ctx *ctx, enum t46_be_use use)
{
	bool write = use != T46_BE_READ;
	struct be_opts opts = {
	    .netns = ctx->netns, .readonly = !write, .force = ctx->force, .migrate = ctx->migrate, .op = ctx->op};

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
