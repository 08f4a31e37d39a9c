// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* live.c — live state through the backend (read, and a plan target). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "names.h"

struct read_ctx {
	struct t46_state *st;
	int err;
};

static int read_peer(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct read_ctx *r = arg;
	struct st_peer *sp = st_add_peer(r->st);

	if (!sp) {
		r->err = -ENOMEM;
		return 1;
	}
	sp->p = *p;
	sp->p.name[TUN46_NAME_LEN - 1] = '\0';
	sp->id = id;
	return 0;
}

int t46_live_read(struct be *be, struct t46_state *st)
{
	struct read_ctx r = {.st = st};
	struct be_route *routes = NULL;
	struct be_link *links = NULL;
	size_t n = 0;
	int err;

	if (!be_loaded(be))
		return 0;
	if ((err = be_link_list(be, &links, &n)))
		return err;
	for (size_t i = 0; i < n; i++) {
		struct st_link *l = st_add_link(st);

		if (!l) {
			free(links);
			return -ENOMEM;
		}
		snprintf(l->ifname, sizeof(l->ifname), "%s", links[i].ifname);
		l->role = links[i].link.role;
		l->mode = links[i].link.mode;
	}
	free(links);
	if ((err = be_peer_foreach(be, read_peer, &r)) < 0)
		return err;
	if (r.err)
		return r.err;
	for (size_t i = 0; i < st->npeers; i++) { /* remotes given as DNS names */
		struct t46_name_rec rec;

		if (be_name_get(be, st->peers[i].id, &rec) == 0)
			snprintf(st->peers[i].remote_name, sizeof(st->peers[i].remote_name), "%s", rec.name);
	}
	if ((err = be_route_list(be, &routes, &n)))
		return err;
	for (size_t i = 0; i < n; i++) {
		struct st_route *sr = st_add_route(st);
		struct st_peer *p;

		if (!sr) {
			free(routes);
			return -ENOMEM;
		}
		sr->addr = routes[i].addr;
		sr->plen = routes[i].plen;
		sr->peer_id = routes[i].peer_id;
		p = st_find_peer_id(st, sr->peer_id);
		snprintf(sr->peer, sizeof(sr->peer), "%s", p ? p->p.name : "");
	}
	free(routes);
	st_sort_routes(st);
	return 0;
}

const char *t46_peer_name(struct be *be, uint32_t id, char *buf, size_t len)
{
	struct tun46_peer p;

	if (id && !be_peer_get(be, id, &p)) {
		p.name[TUN46_NAME_LEN - 1] = '\0';
		snprintf(buf, len, "%s", p.name);
	} else {
		snprintf(buf, len, "#%u", id);
	}
	return buf;
}

/* ---- target ---- */

static int t_link_attach(void *arg, const char *ifname, enum tun46_role role, enum tun46_mode mode)
{
	return be_link_attach(arg, ifname, role, mode);
}

static int t_link_detach(void *arg, const char *ifname)
{
	return be_link_detach(arg, ifname);
}

static int t_peer_alloc(void *arg, uint32_t *id)
{
	return be_peer_alloc_id(arg, id);
}

static int t_peer_set(void *arg, uint32_t id, const struct tun46_peer *p)
{
	return be_peer_set(arg, id, p);
}

static int t_peer_del(void *arg, uint32_t id)
{
	return be_peer_del(arg, id);
}

static int t_route_update(void *arg, const struct be_route *r, size_t n)
{
	return be_route_update(arg, r, n);
}

static int t_route_delete(void *arg, const struct be_route *r, size_t n)
{
	return be_route_delete(arg, r, n);
}

static int t_route_update_known(void *arg, const struct be_route *r, const uint32_t *old_peer, size_t n)
{
	return be_route_update_known(arg, r, old_peer, n);
}

static int t_route_delete_known(void *arg, const struct be_route *r, size_t n, bool state_goes)
{
	return be_route_delete_known(arg, r, n, state_goes);
}

static int t_local_auto(void *arg, const union tun46_addr6 *remote, union tun46_addr6 *local)
{
	return be_local_auto(arg, remote, local);
}

void t46_live_target(struct be *be, struct t46_target *t)
{
	*t = (struct t46_target){
	    .arg = be,
	    .link_attach = t_link_attach,
	    .link_detach = t_link_detach,
	    .peer_alloc = t_peer_alloc,
	    .peer_set = t_peer_set,
	    .peer_del = t_peer_del,
	    .route_update = t_route_update,
	    .route_delete = t_route_delete,
	    .local_auto = t_local_auto,
	    .route_update_known = t_route_update_known,
	    .route_delete_known = t_route_delete_known,
	};
}
