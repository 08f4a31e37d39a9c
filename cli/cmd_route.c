// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_route.c — tun46 route add | change | replace | del | show | get | flush. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "live.h"
#include "output.h"

/* Peer names by id, read once (route show may print 100,000 routes). */
struct names {
	struct be *be;
	char (*name)[TUN46_NAME_LEN];
	uint32_t max;
};

static int name_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct names *n = arg;

	if (id < n->max) {
		memcpy(n->name[id], p->name, TUN46_NAME_LEN);
		n->name[id][TUN46_NAME_LEN - 1] = '\0';
	}
	return 0;
}

static void names_load(struct names *n, struct be *be)
{
	n->be = be;
	n->max = be_loaded(be) ? be_peer_max(be) : 0;
	n->name = n->max ? calloc(n->max, TUN46_NAME_LEN) : NULL;
	if (n->name && be_peer_foreach(be, name_cb, n) < 0) {
		free(n->name);
		n->name = NULL;
	}
}

static const char *names_get(struct names *n, uint32_t id, char *buf, size_t len)
{
	if (n->name && id < n->max && n->name[id][0])
		return n->name[id];
	return t46_peer_name(n->be, id, buf, len);
}

static void print_route(struct names *names, const struct be_route *r)
{
	char pfx[32], name[TUN46_NAME_LEN + 12];

	out_open_obj(NULL);
	out_str("dst", "%s", t46_fmt_prefix4(r->addr, r->plen, pfx, sizeof(pfx)));
	out_str("peer", " peer %s", names_get(names, r->peer_id, name, sizeof(name)));
	out_uint("peer_id", NULL, r->peer_id);
	out_close_obj();
	out_text("\n");
}

/* Peer filter "peer NAME": its id, or an error. */
static int filter_id(struct t46_ctx *ctx, struct be *be, const struct t46_cmd *c, uint32_t *id)
{
	int err;

	*id = 0;
	if (!c->has_name)
		return 0;
	err = be_loaded(be) ? be_peer_find(be, c->name, id) : -ENOENT;
	if (err == -ENOENT)
		t46_error(ctx, "no peer named %s", c->name);
	return err;
}

static int route_show(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct be_route *r = NULL;
	size_t n = 0;
	uint32_t id;

	if (!be || filter_id(ctx, be, c, &id))
		return T46_EXIT_ERR;
	if (be_loaded(be) && be_route_list(be, &r, &n))
		return T46_EXIT_ERR;
	struct names names;

	names_load(&names, be);
	out_open_arr(NULL);
	for (size_t i = 0; i < n; i++) {
		if (!id || r[i].peer_id == id)
			print_route(&names, &r[i]);
	}
	out_close_arr();
	out_flush();
	free(names.name);
	free(r);
	return T46_EXIT_OK;
}

static int route_get(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct be_route r;
	char a[32];
	int err;

	if (!be)
		return T46_EXIT_ERR;
	err = be_loaded(be) ? be_route_lookup(be, c->addr, &r) : -ENOENT;
	if (err == -ENOENT) {
		t46_error(ctx, "no tun46 route covers %s", t46_fmt_prefix4(c->addr, 32, a, sizeof(a)));
		return T46_EXIT_ERR;
	}
	if (err)
		return T46_EXIT_ERR;
	struct names names = {.be = be};

	out_open_arr(NULL);
	print_route(&names, &r);
	out_close_arr();
	out_flush();
	return T46_EXIT_OK;
}

static int route_flush(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_WRITE);
	struct be_route *r = NULL;
	size_t n = 0, k = 0;
	uint32_t id;
	int err;

	if (!be || filter_id(ctx, be, c, &id))
		return T46_EXIT_ERR;
	if (!be_loaded(be))
		return T46_EXIT_OK;
	if (be_route_list(be, &r, &n))
		return T46_EXIT_ERR;
	for (size_t i = 0; i < n; i++) {
		if (!id || r[i].peer_id == id)
			r[k++] = r[i];
	}
	err = k ? be_route_delete(be, r, k) : 0;
	free(r);
	return err ? T46_EXIT_ERR : T46_EXIT_OK;
}

static int route_write(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, c->verb == T46_V_DEL ? T46_BE_WRITE : T46_BE_LOAD);
	struct be_route r = {.addr = c->addr, .plen = c->plen};
	char pfx[32], name[TUN46_NAME_LEN + 12];
	uint32_t old = 0, want = 0;
	bool exists;
	int err;

	if (!be)
		return T46_EXIT_ERR;
	t46_fmt_prefix4(c->addr, c->plen, pfx, sizeof(pfx));
	err = be_loaded(be) ? be_route_get(be, c->addr, c->plen, &old) : -ENOENT;
	if (err && err != -ENOENT)
		return T46_EXIT_ERR;
	exists = !err;
	if (c->has_name) {
		err = be_loaded(be) ? be_peer_find(be, c->name, &want) : -ENOENT;
		if (err == -ENOENT) {
			t46_error(ctx, "no peer named %s; add it first with tun46 peer add", c->name);
			return T46_EXIT_ERR;
		}
		if (err)
			return T46_EXIT_ERR;
	}
	switch (c->verb) {
	case T46_V_ADD:
		if (exists) {
			t46_error(ctx, "route %s already exists (peer %s); use \"route change\" or \"route replace\"",
				  pfx, t46_peer_name(be, old, name, sizeof(name)));
			return T46_EXIT_ERR;
		}
		break;
	case T46_V_CHANGE:
	case T46_V_DEL:
		if (!exists) {
			t46_error(ctx, "no route %s (tun46 route show lists them)", pfx);
			return T46_EXIT_ERR;
		}
		if (c->verb == T46_V_DEL && c->has_name && want != old) {
			t46_error(ctx, "route %s goes to peer %s, not %s", pfx,
				  t46_peer_name(be, old, name, sizeof(name)), c->name);
			return T46_EXIT_ERR;
		}
		break;
	default:
		break;
	}
	if (c->verb == T46_V_DEL) {
		r.peer_id = old;
		return be_route_delete(be, &r, 1) ? T46_EXIT_ERR : T46_EXIT_OK;
	}
	r.peer_id = want;
	return be_route_update(be, &r, 1) ? T46_EXIT_ERR : T46_EXIT_OK;
}

int t46_cmd_route(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	switch (c->verb) {
	case T46_V_SHOW:
		return route_show(ctx, c);
	case T46_V_GET:
		return route_get(ctx, c);
	case T46_V_FLUSH:
		return route_flush(ctx, c);
	default:
		return route_write(ctx, c);
	}
}
