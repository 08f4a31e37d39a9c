// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_peer.c — tun46 peer add | change | replace | del | show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "names.h"
#include "output.h"
#include "sanity.h"

/* "3.2s", "4m05s", "2h07m", "3d04h" */
static void fmt_ago(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ull;

	if (s < 60)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60, (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600, (unsigned long long)s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)s / 86400, (unsigned long long)s / 3600 % 24);
}

/* Liveness: " last rx 3.2s ago" / " last rx never"; JSON last_rx_ms_ago N or
 * null.  Nothing when the running datapath predates it. */
static void print_last_rx(struct be *be, uint32_t id)
{
	char ago[32], text[48];
	uint64_t ns;
	int err = be_peer_last_rx(be, id, &ns);

	if (err == -ENOENT) {
		out_null("last_rx_ms_ago", " last rx never");
	} else if (!err) {
		fmt_ago(ns, ago, sizeof(ago));
		snprintf(text, sizeof(text), " last rx %s ago", ago);
		out_uint("last_rx_ms_ago", NULL, ns / 1000000);
		out_text("%s", text);
	}
}

static void print_peer(struct be *be, uint32_t id, const struct tun46_peer *p)
{
	struct t46_name_rec rec;
	bool dns = be_name_get(be, id, &rec) == 0;
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
	if (dns) { /* the remote follows a DNS name (tun46d re-resolves it) */
		out_str("remote_name", " (%s", rec.name);
		out_uint("dns_ttl", " ttl %llu", rec.ttl);
		out_uint("dns_resolved_at", NULL, rec.resolved_at);
		out_uint("dns_resolutions", NULL, rec.resolutions);
		out_uint("dns_failures", rec.failures ? " failures %llu)" : ")", rec.failures);
	}
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
	print_last_rx(be, id);
	out_close_obj();
	out_text("\n");
}

struct show_arg {
	struct be *be;
	const char *name;
	bool found;
};

static int show_one(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct show_arg *s = arg;

	if (s->name && strncmp(s->name, p->name, TUN46_NAME_LEN))
		return 0;
	s->found = true;
	print_peer(s->be, id, p);
	return 0;
}

static int peer_show(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct show_arg s = {.be = be, .name = c->has_name ? c->name : NULL};

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
	/* loaded only once the peer passed its checks: a refused first peer
	 * leaves the namespace as it was */
	struct be *be = t46_ctx_be(ctx, T46_BE_WRITE);
	struct t46_name_rec rec, old;
	struct tun46_peer p;
	uint32_t id = 0;
	bool exists;
	int err;

	if (!be)
		return T46_EXIT_ERR;
	err = be_loaded(be) ? be_peer_find(be, c->name, &id) : -ENOENT;
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
	if (c->remote_name[0]) { /* a DNS name: resolved once now, followed by tun46d */
		struct t46_answer ans;
		char why[400];

		if (t46_resolve_aaaa(c->remote_name, &ans, why, sizeof(why))) {
			t46_error(ctx, "peer %s: cannot resolve remote %s: %s; give an IPv6 address or fix the DNS",
				  c->name, c->remote_name, why);
			return T46_EXIT_ERR;
		}
		p.remote = *t46_answer_pick(&ans, exists ? &p.remote : NULL);
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.name, sizeof(rec.name), "%s", c->remote_name);
		rec.ttl = ans.ttl;
		rec.resolved_at = (uint64_t)time(NULL);
		rec.resolutions = 1;
		if (exists && be_name_get(be, id, &old) == 0 && !strcmp(old.name, rec.name)) {
			rec.resolutions = old.resolutions + 1; /* the same name: its counters go on */
			rec.failures = old.failures;
			rec.failed_at = old.failed_at;
		}
	}
	if ((p.flags & TUN46_PEER_F_LOCAL_AUTO) && be_local_auto(be, &p.remote, &p.local))
		return T46_EXIT_ERR;
	struct remote_arg r = {.self = exists ? id : 0, .remote = &p.remote};

	if (be_peer_foreach(be, find_remote, &r) < 0) /* returns 1 when find_remote stopped it */
		return T46_EXIT_ERR;
	if (r.other[0]) {
		char a[64];

		t46_error(ctx, "remote %s is already used by peer %s; each peer needs its own remote address",
			  t46_fmt_addr6(&p.remote, a, sizeof(a)), r.other);
		return T46_EXIT_ERR;
	}
	/* local = remote, an address this router does not own, roles swapped... (lib/sanity.c) */
	if (t46_sanity_peer_emit(be, &p, p.flags & TUN46_PEER_F_LOCAL_AUTO))
		return T46_EXIT_ERR;
	if (!(be = t46_ctx_be(ctx, T46_BE_LOAD)))
		return T46_EXIT_ERR;
	if (!exists && be_peer_alloc_id(be, &id))
		return T46_EXIT_ERR;
	p.flags |= TUN46_PEER_F_ACTIVE;
	if (be_peer_set(be, id, &p))
		return T46_EXIT_ERR;
	/* the name goes with the state; a literal remote (or replace without a name) drops it */
	if (c->remote_name[0])
		return be_name_set(be, id, &rec) ? T46_EXIT_ERR : T46_EXIT_OK;
	if ((c->peer_mask & T46_PK_REMOTE) || c->verb != T46_V_CHANGE)
		return be_name_del(be, id) ? T46_EXIT_ERR : T46_EXIT_OK;
	return T46_EXIT_OK;
}

/* peer refresh [NAME]: resolve the DNS remotes now (as tun46d does on their TTL) */
struct refresh_arg {
	struct t46_ctx *ctx;
	struct be *be;
	const char *name;
	unsigned int done, failed;
};

static int refresh_one(uint32_t id, const struct t46_name_rec *rec, void *arg)
{
	struct refresh_arg *r = arg;
	struct t46_refresh res;
	struct tun46_peer p;
	char a[64], b[64];

	(void)rec;
	if (be_peer_get(r->be, id, &p) || (r->name && strncmp(r->name, p.name, TUN46_NAME_LEN)))
		return 0;
	p.name[TUN46_NAME_LEN - 1] = '\0';
	r->done++;
	if (be_peer_refresh(r->be, id, &res)) {
		r->failed++;
		t46_error(r->ctx, "peer %s: %s; keeping %s", p.name, res.why, t46_fmt_addr6(&res.old, a, sizeof(a)));
		return 0;
	}
	out_open_obj(NULL);
	out_str("name", "%s", p.name);
	out_str("remote_name", " %s", res.name);
	out_str("old", res.changed ? " %s ->" : NULL, t46_fmt_addr6(&res.old, a, sizeof(a)));
	out_str("remote", " %s", t46_fmt_addr6(&res.now, b, sizeof(b)));
	out_bool("changed", res.changed ? " (changed)" : " (unchanged)", res.changed);
	out_uint("ttl", " ttl %llu", res.ttl);
	out_close_obj();
	out_text("\n");
	return 0;
}

static int peer_refresh(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_WRITE);
	struct refresh_arg r = {.ctx = ctx, .be = be, .name = c->has_name ? c->name : NULL};
	uint32_t id;

	if (!be)
		return T46_EXIT_ERR;
	if (r.name && (!be_loaded(be) || be_peer_find(be, r.name, &id))) {
		t46_error(ctx, "no peer named %s", r.name);
		return T46_EXIT_ERR;
	}
	out_open_arr(NULL);
	if (be_loaded(be))
		be_name_foreach(be, refresh_one, &r);
	out_close_arr();
	out_flush();
	if (r.name && !r.done) {
		t46_error(ctx, "peer %s has a literal remote address: there is no DNS name to refresh", r.name);
		return T46_EXIT_ERR;
	}
	return r.failed ? T46_EXIT_ERR : T46_EXIT_OK;
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
	case T46_V_REFRESH:
		return peer_refresh(ctx, c);
	default:
		return peer_show(ctx, c);
	}
}
