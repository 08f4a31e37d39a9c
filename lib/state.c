// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* state.c — in-memory tun46 state (links, peers, routes). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "hidx.h"
#include "state.h"

/* Peers by name, id and remote: lookups in O(1) among 10,000s of peers. */
struct st_peer_index {
	const struct st_peer *base; /* s->peers it was built for */
	size_t built;		    /* peers [0, built) are in it */
	struct hidx name, id, remote;
};

void st_init(struct t46_state *s)
{
	memset(s, 0, sizeof(*s));
}

void st_peers_changed(struct t46_state *s)
{
	if (!s->pidx)
		return;
	hidx_free(&s->pidx->name);
	hidx_free(&s->pidx->id);
	hidx_free(&s->pidx->remote);
	free(s->pidx);
	s->pidx = NULL;
}

void st_free(struct t46_state *s)
{
	st_peers_changed(s);
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

static uint64_t name_hash(const char *name)
{
	return hidx_hash(name, strnlen(name, TUN46_NAME_LEN));
}

static bool name_eq(const void *ctx, int32_t v, const void *key)
{
	return !strcmp(((const struct t46_state *)ctx)->peers[v].p.name, key);
}

static bool id_eq(const void *ctx, int32_t v, const void *key)
{
	return ((const struct t46_state *)ctx)->peers[v].id == *(const uint32_t *)key;
}

static bool remote_eq(const void *ctx, int32_t v, const void *key)
{
	return !memcmp(&((const struct t46_state *)ctx)->peers[v].p.remote, key, sizeof(union tun46_addr6));
}

/* Add one peer to the index unless an earlier one has the same key: lookups
 * find the first, as a walk in order would. */
static int index_one(const struct t46_state *s, struct st_peer_index *x, size_t i)
{
	const struct st_peer *p = &s->peers[i];
	uint64_t h;

	h = name_hash(p->p.name);
	if (hidx_find(&x->name, h, name_eq, s, p->p.name) < 0 && hidx_add(&x->name, h, (int32_t)i))
		return -1;
	h = hidx_hash(&p->id, sizeof(p->id));
	if (hidx_find(&x->id, h, id_eq, s, &p->id) < 0 && hidx_add(&x->id, h, (int32_t)i))
		return -1;
	h = hidx_hash(&p->p.remote, sizeof(p->p.remote));
	if (hidx_find(&x->remote, h, remote_eq, s, &p->p.remote) < 0 && hidx_add(&x->remote, h, (int32_t)i))
		return -1;
	return 0;
}

/* The index, brought up to date; NULL for a few peers or out of memory (callers walk). */
static struct st_peer_index *peer_index(const struct t46_state *cs)
{
	struct t46_state *s = (struct t46_state *)cs; /* the index is a cache, not the state */
	struct st_peer_index *x = s->pidx;

	if (!x && s->npeers < 8)
		return NULL;	      /* a walk is as fast, and an empty state owns nothing */
	if (x && x->base != s->peers) /* the array moved (grown, or a copy's): build again */
		st_peers_changed(s), x = NULL;
	if (!x) {
		if (!(x = calloc(1, sizeof(*x))))
			return NULL;
		s->pidx = x;
		x->base = s->peers;
	}
	for (; x->built < s->npeers; x->built++) {
		if (index_one(s, x, x->built)) {
			st_peers_changed(s);
			return NULL;
		}
	}
	return x;
}

struct st_peer *st_find_peer(const struct t46_state *s, const char *name)
{
	struct st_peer_index *x = peer_index(s);
	int32_t i;

	if (x) {
		i = hidx_find(&x->name, name_hash(name), name_eq, s, name);
		return i < 0 ? NULL : &s->peers[i];
	}
	for (size_t k = 0; k < s->npeers; k++) {
		if (!strcmp(s->peers[k].p.name, name))
			return &s->peers[k];
	}
	return NULL;
}

struct st_peer *st_find_peer_id(const struct t46_state *s, uint32_t id)
{
	struct st_peer_index *x = peer_index(s);
	int32_t i;

	if (x) {
		i = hidx_find(&x->id, hidx_hash(&id, sizeof(id)), id_eq, s, &id);
		return i < 0 ? NULL : &s->peers[i];
	}
	for (size_t k = 0; k < s->npeers; k++) {
		if (s->peers[k].id == id)
			return &s->peers[k];
	}
	return NULL;
}

struct st_peer *st_find_peer_remote(const struct t46_state *s, const union tun46_addr6 *remote)
{
	struct st_peer_index *x = peer_index(s);
	int32_t i;

	if (x) {
		i = hidx_find(&x->remote, hidx_hash(remote, sizeof(*remote)), remote_eq, s, remote);
		return i < 0 ? NULL : &s->peers[i];
	}
	for (size_t k = 0; k < s->npeers; k++) {
		if (!memcmp(&s->peers[k].p.remote, remote, sizeof(*remote)))
			return &s->peers[k];
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
