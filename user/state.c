// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* state.c — in-memory tun46 state (links, peers, routes). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

void st_init(struct t46_state *s)
{
	memset(s, 0, sizeof(*s));
}

void st_free(struct t46_state *s)
{
	free(s->links);
	free(s->peers);
	free(s->routes);
	st_init(s);
}

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(arr, ncap * size);

	if (!p)
		return NULL;
	*cap = ncap;
	return p;
}

struct st_link *st_add_link(struct t46_state *s)
{
	struct st_link *p = grow(s->links, &s->clinks, s->nlinks, sizeof(*p));

	if (!p)
		return NULL;
	s->links = p;
	memset(&p[s->nlinks], 0, sizeof(*p));
	return &p[s->nlinks++];
}

struct st_peer *st_add_peer(struct t46_state *s)
{
	struct st_peer *p = grow(s->peers, &s->cpeers, s->npeers, sizeof(*p));

	if (!p)
		return NULL;
	s->peers = p;
	memset(&p[s->npeers], 0, sizeof(*p));
	return &p[s->npeers++];
}

struct st_route *st_add_route(struct t46_state *s)
{
	struct st_route *p = grow(s->routes, &s->croutes, s->nroutes, sizeof(*p));

	if (!p)
		return NULL;
	s->routes = p;
	memset(&p[s->nroutes], 0, sizeof(*p));
	return &p[s->nroutes++];
}

struct st_link *st_find_link(const struct t46_state *s, const char *ifname)
{
	for (size_t i = 0; i < s->nlinks; i++) {
		if (!strcmp(s->links[i].ifname, ifname))
			return &s->links[i];
	}
	return NULL;
}

struct st_peer *st_find_peer(const struct t46_state *s, const char *name)
{
	for (size_t i = 0; i < s->npeers; i++) {
		if (!strcmp(s->peers[i].p.name, name))
			return &s->peers[i];
	}
	return NULL;
}

struct st_peer *st_find_peer_id(const struct t46_state *s, uint32_t id)
{
	for (size_t i = 0; i < s->npeers; i++) {
		if (s->peers[i].id == id)
			return &s->peers[i];
	}
	return NULL;
}

struct st_peer *st_find_peer_remote(const struct t46_state *s, const union tun46_addr6 *remote)
{
	for (size_t i = 0; i < s->npeers; i++) {
		if (!memcmp(&s->peers[i].p.remote, remote, sizeof(*remote)))
			return &s->peers[i];
	}
	return NULL;
}

int st_route_cmp(uint32_t a_addr, uint8_t a_plen, uint32_t b_addr, uint8_t b_plen)
{
	uint32_t a = ntohl(a_addr), b = ntohl(b_addr);

	if (a != b)
		return a < b ? -1 : 1;
	if (a_plen != b_plen)
		return a_plen < b_plen ? -1 : 1;
	return 0;
}

static int route_qcmp(const void *x, const void *y)
{
	const struct st_route *a = x, *b = y;
	int c = st_route_cmp(a->addr, a->plen, b->addr, b->plen);

	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line; /* stable for duplicate reports */
}

void st_sort_routes(struct t46_state *s)
{
	if (s->nroutes > 1)
		qsort(s->routes, s->nroutes, sizeof(s->routes[0]), route_qcmp);
}

struct st_route *st_find_route(const struct t46_state *s, uint32_t addr, uint8_t plen)
{
	size_t lo = 0, hi = s->nroutes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = st_route_cmp(s->routes[mid].addr, s->routes[mid].plen, addr, plen);

		if (c == 0)
			return &s->routes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool st_peer_equal(const struct tun46_peer *a, const struct tun46_peer *b)
{
	const uint32_t fl = ~TUN46_PEER_F_ACTIVE;

	if (memcmp(&a->local, &b->local, sizeof(a->local)) || memcmp(&a->remote, &b->remote, sizeof(a->remote)))
		return false;
	if ((a->flags & fl) != (b->flags & fl) || a->mtu != b->mtu)
		return false;
	if (!(a->flags & TUN46_PEER_F_HOPLIMIT_INHERIT) && a->hoplimit != b->hoplimit)
		return false;
	if (!(a->flags & TUN46_PEER_F_TCLASS_INHERIT) && a->tclass != b->tclass)
		return false;
	if ((a->flags & TUN46_PEER_F_FLOWLABEL_FIXED) && a->flowlabel != b->flowlabel)
		return false;
	if ((a->flags & TUN46_PEER_F_ENCAPLIMIT) && a->encaplimit != b->encaplimit)
		return false;
	if ((a->flags & TUN46_PEER_F_GRE_KEY) && a->key != b->key)
		return false;
	return true;
}
