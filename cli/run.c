// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* run.c — the per-run context and the dispatch of one parsed command. */
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

int t46_run(struct t46_ctx *ctx, int argc, char **argv)
{
	struct t46_err e = {0};
	struct t46_cmd c;

	if (!ctx->be && argc > 0) /* the command the state is opened for: named in the journal */
		snprintf(ctx->op, sizeof(ctx->op), "%s%s%.20s", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	if (t46_cmd_parse(argc, argv, &c, &e)) {
		t46_error(ctx, "%s", e.msg);
		if (!ctx->where && c.obj && c.obj != T46_OBJ_HELP)
			fprintf(stderr, "Try \"tun46 %s help\".\n", argv[0]);
		else if (!ctx->where)
			fprintf(stderr, "Try \"tun46 help\".\n");
		return T46_EXIT_USAGE;
	}
	if (c.verb == T46_V_HELP || c.obj == T46_OBJ_HELP)
		return t46_help(c.obj == T46_OBJ_HELP ? T46_OBJ_NONE : c.obj, stdout);
	switch (c.obj) {
	case T46_OBJ_LINK:
		return t46_cmd_link(ctx, &c);
	case T46_OBJ_PEER:
		return t46_cmd_peer(ctx, &c);
	case T46_OBJ_ROUTE:
		return t46_cmd_route(ctx, &c);
	case T46_OBJ_STATS:
		return t46_cmd_stats(ctx, &c);
	default:
		return t46_cmd_config(ctx, &c);
	}
}
