// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_config.c — tun46 config check | apply | show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "config.h"
#include "exec.h"
#include "live.h"
#include "output.h"
#include "plan.h"
#include "sanity.h"

static int load(struct t46_ctx *ctx, const char *file, struct t46_state *want, struct t46_cfg_errs *errs)
{
	char *buf;
	size_t len;

	struct t46_err e = {0};

	if (t46_read_file(file, &buf, &len, &e)) {
		t46_error(ctx, "%s", e.msg);
		return -1;
	}
	st_init(want);
	t46_config_parse(buf, len, want, errs);
	free(buf);
	return 0;
}

static void print_errs_json(const char *file, const struct t46_cfg_errs *errs)
{
	out_open_arr("errors");
	for (size_t i = 0; i < errs->n; i++) {
		out_open_obj(NULL);
		out_str("file", NULL, file);
		out_uint("line", NULL, errs->e[i].line);
		out_str("token", NULL, errs->e[i].token);
		out_str("message", NULL, errs->e[i].msg);
		out_close_obj();
	}
	out_close_arr();
}

static int config_check(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct t46_cfg_errs *errs = calloc(1, sizeof(*errs));
	struct t46_state want;

	if (!errs || load(ctx, c->file, &want, errs)) {
		free(errs);
		return T46_EXIT_ERR;
	}
	/* against this host (-n: that namespace) when the file's ports are here;
	 * reads only (lib/sanity.c) */
	if (!errs->total && (!ctx->netns || t46_ctx_be(ctx, T46_BE_READ))) {
		bool host;

		t46_sanity_file(&want, errs, &host);
		if (!host && !out_json())
			t46_error(ctx,
				  "note: %s attaches ports this host does not have: its addresses and roles are "
				  "not checked here",
				  c->file);
	}
	out_open_obj(NULL);
	out_str("file", "%s:", c->file);
	out_bool("valid", errs->total ? NULL : " valid,", errs->total == 0);
	out_uint("links", " %llu links,", want.nlinks);
	out_uint("peers", " %llu peers,", want.npeers);
	out_uint("routes", " %llu routes\n", want.nroutes);
	out_uint("error_count", NULL, errs->total);
	if (out_json())
		print_errs_json(c->file, errs);
	out_close_obj();
	out_flush();
	if (errs->total && !out_json())
		t46_config_print_errs(stderr, c->file, errs);
	int rc = errs->total ? T46_EXIT_ERR : T46_EXIT_OK;

	st_free(&want);
	free(errs);
	return rc;
}

static void print_summary(const struct t46_plan *p, double secs)
{
	out_open_obj(NULL);
	out_bool("changed", NULL, !t46_plan_empty(p));
	if (t46_plan_empty(p) && !out_json()) {
		out_close_obj();
		return;
	}
	out_uint("links_added", "links: %llu attached,", p->links_add);
	out_uint("links_changed", " %llu re-attached,", p->links_change);
	out_uint("links_removed", " %llu detached; ", p->links_del);
	out_uint("peers_added", "peers: %llu added,", p->peers_add);
	out_uint("peers_changed", " %llu changed,", p->peers_change);
	out_uint("peers_removed", " %llu removed; ", p->peers_del);
	out_uint("routes_added", "routes: %llu added,", p->routes_add);
	out_uint("routes_changed", " %llu changed,", p->routes_change);
	out_uint("routes_removed", " %llu removed", p->routes_del);
	out_float("seconds", " (%.3f s)\n", secs);
	out_close_obj();
	out_flush();
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int config_apply(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct t46_cfg_errs *errs = calloc(1, sizeof(*errs));
	struct t46_state want;
	struct t46_plan plan = {0};
	bool rb_failed;
	struct be *be;
	double t0;
	int rc = T46_EXIT_ERR, err;

	if (!errs || load(ctx, c->file, &want, errs)) {
		free(errs);
		return T46_EXIT_ERR;
	}
	if (errs->total) {
		t46_config_print_errs(stderr, c->file, errs);
		t46_error(ctx, "%s: nothing applied", c->file);
		goto out;
	}
	t0 = now();
	if (!(be = t46_ctx_be(ctx, want.nlinks || want.npeers || want.nroutes ? T46_BE_LOAD : T46_BE_WRITE)))
		goto out;
	err = t46_config_apply_state(be, &want, errs, &plan, &rb_failed);
	if (err == -EINVAL && errs->total) {
		t46_config_print_errs(stderr, c->file, errs);
		t46_error(ctx, "%s: nothing applied", c->file);
		goto out;
	}
	if (err) {
		if (rb_failed)
			t46_error(ctx, "%s: apply failed and the rollback failed too; run config apply again", c->file);
		else
			t46_error(ctx, "%s: apply failed; rolled back, the live state is as it was", c->file);
		goto out;
	}
	if (t46_plan_empty(&plan))
		out_text("no change\n");
	else
		out_text("applied: ");
	print_summary(&plan, now() - t0);
	rc = T46_EXIT_OK;
out:
	t46_plan_free(&plan);
	st_free(&want);
	free(errs);
	return rc;
}

static int config_show(struct t46_ctx *ctx)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct t46_state live;
	int err;

	if (!be)
		return T46_EXIT_ERR;
	st_init(&live);
	if ((err = t46_live_read(be, &live))) {
		t46_error(ctx, "cannot read the live state: %s", strerror(-err));
		st_free(&live);
		return T46_EXIT_ERR;
	}
	printf("# tun46 configuration (tun46 config show); apply with: tun46 config apply FILE\n");
	if (be_loaded(be))
		printf("# state pinned in %s\n", be_pin_dir(be));
	t46_config_print(stdout, &live);
	fflush(stdout);
	st_free(&live);
	return T46_EXIT_OK;
}

int t46_cmd_config(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	switch (c->verb) {
	case T46_V_CHECK:
		return config_check(ctx, c);
	case T46_V_APPLY:
		return config_apply(ctx, c);
	default:
		return config_show(ctx);
	}
}
