// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* run.c — the dispatch of one parsed command to its object's handler (cmd_*.c). */
#include <stdio.h>

#include "exec.h"

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
