/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * routes.c — tun46_routes (LPM trie) and the kernel routes through the
 * tunnel device that mirror it (`PREFIX dev tun46 proto 46 mtu PEERMTU`).
 *
 * Writes are batched (bpf_map_update_batch / delete_batch where the kernel
 * supports them for the trie, else one syscall per element; rtnetlink
 * requests many per sendmsg) and all-or-nothing: on a failure the map and
 * the kernel routes are put back as they were.
 *
 * Exact-match test on an LPM trie: lookup() is a longest-prefix match, so
 * "does K exist" uses get_next_key(): for a key that is not in the trie the
 * kernel answers with the first key of the trie, for one that is, with the
 * key after it (or -ENOENT for the last one).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

static int route_exact(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = addr}, first, next;
	struct tun46_route v;
	int fd = be->map_fd[BE_MAP_ROUTES];

	if (!be->loaded || plen > 32 || (addr & ~plen_mask(plen)))
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
	return route_exact(be, addr, plen, peer_id);
}

int be_route_lookup(struct be *be, uint32_t addr, struct be_route *out)
{
	struct tun46_route_key k = {.prefixlen = 32, .addr = addr};
	struct tun46_route v;
	int plen;

	if (!be->loaded || bpf_map_lookup_elem(be->map_fd[BE_MAP_ROUTES], &k, &v))
		return -ENOENT;
	for (plen = 32; plen >= 0; plen--) {
		uint32_t a = addr & plen_mask(plen), id;

		if (route_exact(be, a, plen, &id) == 0) {
			out->addr = a;
			out->plen = plen;
			out->peer_id = id;
			return 0;
		}
	}
	return -ENOENT;
}

static int route_cmp(const void *a, const void *b)
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
		qsort(r, cnt, sizeof(*r), route_cmp);
	*out = r;
	*n = cnt;
	return 0;
}

/* ---- writes ---- */

struct old_route {
	bool existed;
	uint32_t peer_id;
};

static const struct be_route *find_sorted(const struct be_route *all, size_t n, const struct be_route *k)
{
	return bsearch(k, all, n, sizeof(*all), route_cmp);
}

/* What each key of the batch holds now, for the rollback. */
static int snapshot(struct be *be, const struct be_route *r, size_t n, struct old_route *old)
{
	struct be_route *all;
	size_t cnt, i;
	int err;

	if (n <= 64) {
		for (i = 0; i < n; i++)
			old[i].existed = route_exact(be, r[i].addr, r[i].plen, &old[i].peer_id) == 0;
		return 0;
	}
	err = be_route_list(be, &all, &cnt);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const struct be_route *f = find_sorted(all, cnt, &r[i]);

		old[i].existed = f != NULL;
		old[i].peer_id = f ? f->peer_id : 0;
	}
	free(all);
	return 0;
}

static int mtu_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	((uint16_t *)arg)[id] = peer_route_mtu(p);
	return 0;
}

/* Route MTU of every peer id (0: no such peer), from the peers in memory. */
static uint16_t *peer_mtus(struct be *be)
{
	uint16_t *m = calloc(be->max_peers, sizeof(*m));

	if (m)
		be_peer_foreach(be, mtu_cb, m);
	return m;
}

/* Put the first cnt keys of the batch back as they were (not counted by
 * the failure hook: a rollback must not be failed). */
static void map_restore(struct be *be, const struct be_route *r, const struct old_route *old, size_t cnt)
{
	int fd = be->map_fd[BE_MAP_ROUTES];

	for (size_t i = 0; i < cnt; i++) {
		struct tun46_route_key k = {r[i].plen, r[i].addr};
		struct tun46_route v = {old[i].peer_id};

		if (old[i].existed)
			bpf_map_update_elem(fd, &k, &v, BPF_ANY);
		else
			bpf_map_delete_elem(fd, &k);
	}
}

static void kernel_restore(uint32_t tun, const struct be_route *r, const struct old_route *old, size_t cnt,
			   const uint16_t *mtus)
{
	size_t i, done;

	for (i = 0; i < cnt; i++) {
		struct nl_route nr = {r[i].addr, r[i].plen, old[i].existed ? mtus[old[i].peer_id] : 0};

		nl_routes(old[i].existed, tun, &nr, 1, &done);
	}
}

static int check_prefix(const struct be_route *r)
{
	char a[INET_ADDRSTRLEN];

	if (r->plen <= 32 && !(r->addr & ~plen_mask(r->plen)))
		return 0;
	inet_ntop(AF_INET, &r->addr, a, sizeof(a));
	be_err("bad prefix %s/%u: the length must be 0..32 and the host bits zero", a, r->plen);
	return -EINVAL;
}

static const char *why(int err)
{
	return err == -ENOSPC ? "the route map is full (its size is TUN46_MAX_ROUTES at first load)" : strerror(-err);
}

/* After the route map took a batch: make the kernel routes through the
 * tunnel device follow; if that fails, put the kernel routes and the map
 * back as they were (old[]), so the batch is all or nothing. */
static int kernel_follow(struct be *be, bool add, const struct be_route *r, const struct old_route *old,
			 const struct nl_route *nr, size_t n, const uint16_t *mtus)
{
	uint32_t tun = tundev_ifindex(be);
	size_t done;
	int err;

	if (!tun)
		return 0;
	if (add)
		peers_flush(be); /* the device MTU first: it must not be below a route's */
	err = nl_routes(add, tun, nr, n, &done);
	if (err) {
		kernel_restore(tun, r, old, done, mtus);
		map_restore(be, r, old, n);
		be_err("the routes were not changed");
	}
	return err;
}

int be_route_update(struct be *be, const struct be_route *r, size_t n)
{
	struct tun46_route_key *keys = NULL;
	struct tun46_route *vals = NULL;
	struct old_route *old = NULL;
	struct nl_route *nr = NULL;
	uint16_t *mtus = NULL;
	size_t i, done;
	int err;

	if (n == 0)
		return 0;
	err = be_need_loaded(be);
	if (err)
		return err;
	mtus = peer_mtus(be);
	keys = malloc(n * sizeof(*keys));
	vals = malloc(n * sizeof(*vals));
	old = calloc(n, sizeof(*old));
	nr = malloc(n * sizeof(*nr));
	err = -ENOMEM;
	if (!mtus || !keys || !vals || !old || !nr)
		goto out;
	for (i = 0; i < n; i++) {
		err = check_prefix(&r[i]);
		if (err)
			goto out;
		if (r[i].peer_id == 0 || r[i].peer_id >= be->max_peers || !mtus[r[i].peer_id]) {
			be_err("route: peer id %u does not exist; add the peer first", r[i].peer_id);
			err = -ENOENT;
			goto out;
		}
		keys[i] = (struct tun46_route_key){r[i].plen, r[i].addr};
		vals[i] = (struct tun46_route){r[i].peer_id};
		nr[i] = (struct nl_route){r[i].addr, r[i].plen, mtus[r[i].peer_id]};
	}
	err = snapshot(be, r, n, old);
	if (err)
		goto out;
	err = be_map_update_many(be, BE_MAP_ROUTES, keys, vals, n, &done);
	if (err) {
		be_err("cannot write %zu route(s): %s; nothing was changed", n, why(err));
		map_restore(be, r, old, done < n ? done + 1 : n);
		goto out;
	}
	err = kernel_follow(be, true, r, old, nr, n, mtus);
out:
	free(mtus);
	free(keys);
	free(vals);
	free(old);
	free(nr);
	return err;
}

int be_route_delete(struct be *be, const struct be_route *r, size_t n)
{
	struct tun46_route_key *keys = NULL;
	struct old_route *old = NULL;
	struct nl_route *nr = NULL;
	uint16_t *mtus = NULL;
	char a[INET_ADDRSTRLEN];
	size_t i, done;
	int err;

	if (n == 0)
		return 0;
	if (!be->loaded) {
		inet_ntop(AF_INET, &r[0].addr, a, sizeof(a));
		be_err("route %s/%u does not exist", a, r[0].plen);
		return -ENOENT;
	}
	err = be_need_loaded(be);
	if (err)
		return err;
	mtus = peer_mtus(be);
	keys = malloc(n * sizeof(*keys));
	old = calloc(n, sizeof(*old));
	nr = malloc(n * sizeof(*nr));
	err = -ENOMEM;
	if (!mtus || !keys || !old || !nr)
		goto out;
	err = snapshot(be, r, n, old);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		if (!old[i].existed) {
			inet_ntop(AF_INET, &r[i].addr, a, sizeof(a));
			be_err("route %s/%u does not exist; nothing was deleted", a, r[i].plen);
			err = -ENOENT;
			goto out;
		}
		keys[i] = (struct tun46_route_key){r[i].plen, r[i].addr};
		nr[i] = (struct nl_route){r[i].addr, r[i].plen, 0};
	}
	err = be_map_delete_many(be, BE_MAP_ROUTES, keys, n, &done);
	if (err) {
		be_err("cannot delete %zu route(s): %s; nothing was changed", n, strerror(-err));
		map_restore(be, r, old, done < n ? done + 1 : n);
		goto out;
	}
	err = kernel_follow(be, false, r, old, nr, n, mtus);
out:
	free(mtus);
	free(keys);
	free(old);
	free(nr);
	return err;
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
	mtus = peer_mtus(be);
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
