// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_link.c — tun46 link attach | detach | show. */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "output.h"
#include "sanity.h"

static void print_link(const struct be_link *l)
{
	out_open_obj(NULL);
	out_str("ifname", "%s", l->ifname);
	out_uint("ifindex", " ifindex %llu", l->ifindex);
	out_str("role", " role %s", t46_role_name(l->link.role));
	out_str("mode", " mode %s", t46_mode_name(l->link.mode));
	out_text(" programs");
	out_bool("xdp", NULL, l->link.flags & TUN46_LINK_F_XDP);
	out_bool("tc_ingress", NULL, l->link.flags & TUN46_LINK_F_TC_INGRESS);
	out_bool("tc_egress", NULL, l->link.flags & TUN46_LINK_F_TC_EGRESS);
	if (l->link.flags & TUN46_LINK_F_XDP)
		out_text(" xdp");
	if (l->link.flags & TUN46_LINK_F_TC_INGRESS)
		out_text(" tc-ingress");
	if (l->link.flags & TUN46_LINK_F_TC_EGRESS)
		out_text(" tc-egress");
	out_close_obj();
	out_text("\n");
}

static int link_show(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct be_link *links = NULL;
	size_t n = 0;
	bool found = false;

	if (!be)
		return T46_EXIT_ERR;
	if (be_loaded(be) && be_link_list(be, &links, &n))
		return T46_EXIT_ERR;
	out_open_arr(NULL);
	for (size_t i = 0; i < n; i++) {
		if (c->has_dev && strcmp(links[i].ifname, c->ifname))
			continue;
		print_link(&links[i]);
		found = true;
	}
	out_close_arr();
	if (ctx->stats && !out_json() && !c->has_dev) {
		char feat[1024];

		be_kernel_features(feat, sizeof(feat));
		out_text("kernel features: %s\n", feat);
	}
	out_flush();
	free(links);
	if (c->has_dev && !found) {
		t46_error(ctx, "dev %s is not attached to tun46", c->ifname);
		return T46_EXIT_ERR;
	}
	return T46_EXIT_OK;
}

int t46_cmd_link(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be;

	switch (c->verb) {
	case T46_V_ATTACH:
		if (!(be = t46_ctx_be(ctx, T46_BE_LOAD)))
			return T46_EXIT_ERR;
		return be_link_attach(be, c->ifname, c->role, c->mode) ? T46_EXIT_ERR : T46_EXIT_OK;
	case T46_V_DETACH:
		if (!(be = t46_ctx_be(ctx, T46_BE_WRITE)))
			return T46_EXIT_ERR;
		if (!be_loaded(be)) {
			t46_error(ctx, "dev %s is not attached to tun46 (nothing is loaded in this namespace)",
				  c->ifname);
			return T46_EXIT_ERR;
		}
		t46_sanity_detach_emit(be, c->ifname); /* the last WAN while peers are configured */
		return be_link_detach(be, c->ifname) ? T46_EXIT_ERR : T46_EXIT_OK;
	default:
		return link_show(ctx, c);
	}
}
