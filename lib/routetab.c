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
#include "ridx.h"

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

/* Sort by (addr, plen): an LSD radix sort on the 40-bit key (addr << 8 |
 * plen), three passes, for the long lists (1,000,000 routes: ~15 ms against
 * ~100 ms for qsort); qsort for short ones or without memory. */
static void sort_routes(struct be_route *r, size_t n)
{
	static const int shift[3] = {0, 16, 32}, bits[3] = {16, 16, 8};
	struct be_route *tmp = n > 4096 ? malloc(n * sizeof(*tmp)) : NULL, *src = r, *dst = tmp, *t;
	size_t *cnt = tmp ? malloc(((size_t)1 << 16) * sizeof(*cnt)) : NULL;

	if (!tmp || !cnt) {
		free(tmp);
		free(cnt);
		if (n > 1)
			qsort(r, n, sizeof(*r), routes_cmp);
		return;
	}
	for (int p = 0; p < 3; p++) {
		size_t nb = (size_t)1 << bits[p], sum = 0;

		memset(cnt, 0, nb * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[((((uint64_t)ntohl(src[i].addr) << 8) | src[i].plen) >> shift[p]) & (nb - 1)]++;
		for (size_t b = 0; b < nb; b++) {
			size_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[((((uint64_t)ntohl(src[i].addr) << 8) | src[i].plen) >> shift[p]) & (nb - 1)]++] =
			    src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != r) /* an odd number of passes: the result is in tmp */
		memcpy(r, src, n * sizeof(*r));
	free(tmp);
	free(cnt);
}

/* From the per-peer route index when it is valid (~18,000 elements for
 * 1,000,000 routes), else from the trie (and the index is rebuilt from
 * that list when the state is writable). */
int be_route_list(struct be *be, struct be_route **out, size_t *n)
{
	int err;

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	if (ridx_list_all(be, out, n)) {
		err = routes_list_map(be, out, n);
		if (err)
			return err;
		if (!be->readonly)
			ridx_rebuild_from(be, *out, *n);
	}
	sort_routes(*out, *n);
	return 0;
}

int be_peer_routes(struct be *be, uint32_t peer_id, struct be_route **out, size_t *n)
{
	return ridx_peer_routes(be, peer_id, out, n);
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
	err = peer_id ? ridx_peer_routes(be, peer_id, &all, &cnt) : be_route_list(be, &all, &cnt);
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
