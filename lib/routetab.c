/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * routetab.c — reading tun46_routes (exact and longest match, the sorted
 * list) and putting the kernel routes through the tunnel device back in step
 * with it (routes_kernel_sync).  Below the loading layer, which resyncs the
 * routes of a new tunnel device; routes.c writes on top of it.  See routes.c
 * for how an exact match is found in an LPM trie.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"

uint32_t routes_plen_mask(uint8_t plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

int routes_exact(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = addr}, first, next;
	struct tun46_route v;
	int fd = be->map_fd[BE_MAP_ROUTES];

	if (!be->loaded || plen > 32 || (addr & ~routes_plen_mask(plen)))
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &k, &v))
		return -ENOENT; /* nothing even covers it */
	if (bpf_map_get_next_key(fd, NULL, &first))
		return -ENOENT;
	if (bpf_map_get_next_key(fd, &k, &next)) {
		if (errno != ENOENT)
			return -errno;
		/* k is the last key */
	} else if (!memcmp(&next, &first, sizeof(next))) {
		return -ENOENT;
	}
	*peer_id = v.peer_id;
	return 0;
}

int be_route_get(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id)
{
	return routes_exact(be, addr, plen, peer_id);
}

int be_route_lookup(struct be *be, uint32_t addr, struct be_route *out)
{
	struct tun46_route_key k = {.prefixlen = 32, .addr = addr};
	struct tun46_route v;
	int plen;

	if (!be->loaded || bpf_map_lookup_elem(be->map_fd[BE_MAP_ROUTES], &k, &v))
		return -ENOENT;
	for (plen = 32; plen >= 0; plen--) {
		uint32_t a = addr & routes_plen_mask(plen), id;

		if (routes_exact(be, a, plen, &id) == 0) {
			out->addr = a;
			out->plen = plen;
			out->peer_id = id;
			return 0;
		}
	}
	return -ENOENT;
}

int routes_cmp(const void *a, const void *b)
{
	const struct be_route *x = a, *y = b;
	uint32_t ax = ntohl(x->addr), ay = ntohl(y->addr);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

static int grow(struct be_route **r, size_t *cap, size_t need)
{
	struct be_route *nr;
	size_t c = *cap ? *cap : 1024;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	nr = realloc(*r, c * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	*r = nr;
	*cap = c;
	return 0;
}

/* All routes with the kernel's batch lookup (4096 per call). */
static int list_batch(int fd, struct be_route **r, size_t *cap, size_t *cnt)
{
	enum { CHUNK = 4096 };
	struct tun46_route_key in_b, out_b, *keys;
	struct tun46_route *vals;
	bool first = true;
	int err = 0;

	keys = malloc(CHUNK * sizeof(*keys));
	vals = malloc(CHUNK * sizeof(*vals));
	while (keys && vals) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		uint32_t count = CHUNK, i;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in_b, &out_b, keys, vals, &count, &opts) ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		if (grow(r, cap, *cnt + count)) {
			err = -ENOMEM;
			break;
		}
		for (i = 0; i < count; i++)
			(*r)[(*cnt)++] = (struct be_route){keys[i].addr, (uint8_t)keys[i].prefixlen, vals[i].peer_id};
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		in_b = out_b;
		first = false;
	}
	if (!keys || !vals)
		err = -ENOMEM;
	free(keys);
	free(vals);
	return err;
}

/* All routes, one key at a time. */
static int list_slow(int fd, struct be_route **r, size_t *cap, size_t *cnt)
{
	struct tun46_route_key k, next;
	struct tun46_route v;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		if (grow(r, cap, *cnt + 1))
			return -ENOMEM;
		(*r)[(*cnt)++] = (struct be_route){k.addr, (uint8_t)k.prefixlen, v.peer_id};
	}
	return 0;
}

static int list_batch_ok = 1;

int be_route_list(struct be *be, struct be_route **out, size_t *n)
{
	struct be_route *r = NULL;
	size_t cap = 0, cnt = 0;
	int err = -EOPNOTSUPP;

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	if (list_batch_ok) {
		err = list_batch(be->map_fd[BE_MAP_ROUTES], &r, &cap, &cnt);
		if (err && err != -ENOMEM && cnt == 0)
			list_batch_ok = 0;
	}
	if (!list_batch_ok) {
		cnt = 0;
		err = list_slow(be->map_fd[BE_MAP_ROUTES], &r, &cap, &cnt);
	}
	if (err) {
		free(r);
		return err;
	}
	if (cnt)
		qsort(r, cnt, sizeof(*r), routes_cmp);
	*out = r;
	*n = cnt;
	return 0;
}

static int mtu_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	((uint16_t *)arg)[id] = peer_route_mtu(p);
	return 0;
}

/* Route MTU of every peer id (0: no such peer), from the peers in memory. */
uint16_t *routes_peer_mtus(struct be *be)
{
	uint16_t *m = calloc(be->max_peers, sizeof(*m));

	if (m)
		be_peer_foreach(be, mtu_cb, m);
	return m;
}

/* (Re)install the kernel routes of one peer (0: of all peers), e.g. after
 * its MTU changed or the tunnel device was recreated. */
int routes_kernel_sync(struct be *be, uint32_t peer_id)
{
	struct be_route *all;
	struct nl_route *nr;
	uint16_t *mtus;
	size_t cnt, i, k = 0, done;
	uint32_t tun = tundev_ifindex(be);
	int err;

	if (!tun)
		return 0;
	peers_flush(be);
	err = be_route_list(be, &all, &cnt);
	if (err)
		return err;
	mtus = routes_peer_mtus(be);
	nr = malloc((cnt ? cnt : 1) * sizeof(*nr));
	err = -ENOMEM;
	if (mtus && nr) {
		for (i = 0; i < cnt; i++) {
			if (peer_id && all[i].peer_id != peer_id)
				continue;
			nr[k++] = (struct nl_route){all[i].addr, all[i].plen,
						    all[i].peer_id < be->max_peers ? mtus[all[i].peer_id] : 0};
		}
		err = nl_routes(true, tun, nr, k, &done);
	}
	free(all);
	free(mtus);
	free(nr);
	return err;
}
