// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_peer.c — tun46 peer add | change | replace | del | show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "output.h"

static void print_peer(uint32_t id, const struct tun46_peer *p)
{
	char a[64], name[TUN46_NAME_LEN];
	bool hl_inh = p->flags & TUN46_PEER_F_HOPLIMIT_INHERIT, tc_inh = p->flags & TUN46_PEER_F_TCLASS_INHERIT;
	bool fl_fixed = p->flags & TUN46_PEER_F_FLOWLABEL_FIXED, el = p->flags & TUN46_PEER_F_ENCAPLIMIT;
	bool la = p->flags & TUN46_PEER_F_LOCAL_AUTO, gre = p->flags & TUN46_PEER_F_GRE;
	bool key = gre && (p->flags & TUN46_PEER_F_GRE_KEY);

	memcpy(name, p->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	out_open_obj(NULL);
	out_str("name", "%s", name);
	out_uint("id", " id %llu", id);
	out_str("remote", " remote %s", t46_fmt_addr6(&p->remote, a, sizeof(a)));
	out_str("local", " local %s", t46_fmt_addr6(&p->local, a, sizeof(a)));
	out_bool("local_auto", la ? " (auto)" : NULL, la);
	out_uint("hoplimit", hl_inh ? NULL : " hoplimit %llu", p->hoplimit);
	out_bool("hoplimit_inherit", hl_inh ? " hoplimit inherit" : NULL, hl_inh);
	out_uint("tclass", tc_inh ? NULL : " tclass 0x%02llx", p->tclass);
	out_bool("tclass_inherit", tc_inh ? " tclass inherit" : NULL, tc_inh);
	out_uint("flowlabel", fl_fixed ? " flowlabel 0x%05llx" : NULL, fl_fixed ? p->flowlabel : 0);
	out_bool("flowlabel_hash", fl_fixed ? NULL : " flowlabel hash", !fl_fixed);
	out_uint("encaplimit", el ? " encaplimit %llu" : NULL, el ? p->encaplimit : 0);
	out_bool("encaplimit_none", el ? NULL : " encaplimit none", !el);
	out_uint("mtu", " mtu %llu", p->mtu);
	out_str("encap", " encap %s", gre ? "gre" : "ip4ip6");
	if (gre) {
		out_uint("key", key ? " key %llu" : NULL, key ? p->key : 0);
		out_bool("key_none", key ? NULL : " key none", !key);
	}
	out_close_obj();
	out_text("\n");
}

struct show_arg {
	const char *name;
	bool found;
};

static int show_one(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct show_arg *s = arg;

	if (s->name && strncmp(s->name, p->name, TUN46_NAME_LEN))
		return 0;
	s->found = true;
	print_peer(id, p);
	return 0;
}

static int peer_show(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct show_arg s = {.name = c->has_name ? c->name : NULL};

	if (!be)
		return T46_EXIT_ERR;
	out_open_arr(NULL);
	if (be_loaded(be) && be_peer_foreach(be, show_one, &s)) {
		out_close_arr();
		out_flush();
		return T46_EXIT_ERR;
	}
	out_close_arr();
	out_flush();
	if (s.name && !s.found) {
		t46_error(ctx, "no peer named %s (tun46 peer show lists them)", s.name);
		return T46_EXIT_ERR;
	}
	return T46_EXIT_OK;
}

struct remote_arg {
	uint32_t self;
	const union tun46_addr6 *remote;
	char other[TUN46_NAME_LEN];
};

static int find_remote(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct remote_arg *r = arg;

	if (id == r->self || memcmp(&p->remote, r->remote, sizeof(*r->remote)))
		return 0;
	memcpy(r->other, p->name, sizeof(r->other));
	r->other[sizeof(r->other) - 1] = '\0';
	return 1;
}

static int peer_write(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_LOAD);
	struct tun46_peer p;
	uint32_t id = 0;
	bool exists;
	int err;

	if (!be)
		return T46_EXIT_ERR;
	err = be_peer_find(be, c->name, &id);
	if (err && err != -ENOENT)
		return T46_EXIT_ERR;
	exists = !err;
	if (c->verb == T46_V_ADD && exists) {
		t46_error(ctx, "peer %s already exists; use \"peer change\" or \"peer replace\"", c->name);
		return T46_EXIT_ERR;
	}
	if (c->verb == T46_V_CHANGE && !exists) {
		t46_error(ctx, "peer %s does not exist; use \"peer add\"", c->name);
		return T46_EXIT_ERR;
	}
	if (c->verb == T46_V_CHANGE) {
		if (be_peer_get(be, id, &p))
			return T46_EXIT_ERR;
		t46_peer_merge(&p, &c->peer, c->peer_mask);
		struct t46_err e = {0};

		if (t46_peer_check(&p, &e)) {
			t46_error(ctx, "peer %s: %s", c->name, e.msg);
			return T46_EXIT_ERR;
		}
	} else {
		p = c->peer;
	}
	memcpy(p.name, c->name, sizeof(p.name));
	if ((p.flags & TUN46_PEER_F_LOCAL_AUTO) && be_local_auto(be, &p.remote, &p.local))
		return T46_EXIT_ERR;
	if (!memcmp(&p.local, &p.remote, sizeof(p.local))) {
		t46_error(ctx, "peer %s: local and remote are the same address", c->name);
		return T46_EXIT_ERR;
	}
	struct remote_arg r = {.self = exists ? id : 0, .remote = &p.remote};

	if (be_peer_foreach(be, find_remote, &r) < 0) /* returns 1 when find_remote stopped it */
		return T46_EXIT_ERR;
	if (r.other[0]) {
		char a[64];

		t46_error(ctx, "remote %s is already used by peer %s; each peer needs its own remote address",
			  t46_fmt_addr6(&p.remote, a, sizeof(a)), r.other);
		return T46_EXIT_ERR;
	}
	if (!exists && be_peer_alloc_id(be, &id))
		return T46_EXIT_ERR;
	p.flags |= TUN46_PEER_F_ACTIVE;
	return be_peer_set(be, id, &p) ? T46_EXIT_ERR : T46_EXIT_OK;
}

static int peer_del(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_WRITE);
	struct be_route *routes = NULL;
	size_t n = 0, used = 0;
	uint32_t id;
	int err;

	if (!be)
		return T46_EXIT_ERR;
	if (!be_loaded(be) || (err = be_peer_find(be, c->name, &id)) == -ENOENT) {
		t46_error(ctx, "no peer named %s", c->name);
		return T46_EXIT_ERR;
	}
	if (err)
		return T46_EXIT_ERR;
	if (be_peer_routes(be, id, &routes, &n)) /* the peer's own, from the route index */
		return T46_EXIT_ERR;
	used = n;
	if (used && !ctx->force) {
		char buf[32];

		t46_error(ctx,
			  "peer %s is used by %zu route%s (%s%s); delete them first or use -force to delete them too",
			  c->name, used, used == 1 ? "" : "s",
			  t46_fmt_prefix4(routes[0].addr, routes[0].plen, buf, sizeof(buf)), used > 1 ? ", ..." : "");
		free(routes);
		return T46_EXIT_ERR;
	}
	if (used && be_route_delete(be, routes, used)) {
		free(routes);
		return T46_EXIT_ERR;
	}
	err = be_peer_del(be, id);
	if (err && used && be_route_update(be, routes, used)) /* put the routes back */
		t46_error(ctx, "could not restore the routes of peer %s; check with tun46 route show", c->name);
	free(routes);
	return err ? T46_EXIT_ERR : T46_EXIT_OK;
}

int t46_cmd_peer(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	switch (c->verb) {
	case T46_V_ADD:
	case T46_V_CHANGE:
	case T46_V_REPLACE:
		return peer_write(ctx, c);
	case T46_V_DEL:
		return peer_del(ctx, c);
	default:
		return peer_show(ctx, c);
	}
}
