/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * peertab.c — tun46_peers read into memory once per open: reads, walks, id
 * allocation, the tunnel MTU the peers need, and the work deferred while
 * peers change (peers_flush).  Below routes and the loading layer; peers.c
 * (be_peer_set/del, local auto) writes on top of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"

int be_peer_max(const struct be *be)
{
	return (int)be->max_peers;
}

/* ---- tun46_peers in memory ----
 * Read once per open with the kernel's batch lookup (one syscall per 1024
 * peers), then every read, id allocation and walk is in memory: nothing per
 * peer walks the map again. */

void peers_cache_drop(struct be *be)
{
	free(be->peer_tab);
	free(be->forget);
	be->peer_tab = NULL;
	be->forget = NULL;
	be->peer_tab_ok = false;
	be->forget_any = false;
	be->peer_hint = 1;
}

static void tab_put(struct be *be, uint32_t id, const struct tun46_peer *p)
{
	if (id < be->max_peers && (p->flags & TUN46_PEER_F_ACTIVE))
		be->peer_tab[id] = *p;
}

static int tab_load_batch(struct be *be)
{
	enum { CHUNK = 1024 };
	int fd = be->map_fd[BE_MAP_PEERS];
	uint32_t *keys = malloc(CHUNK * sizeof(*keys)), in_b = 0, out_b = 0;
	struct tun46_peer *vals = malloc(CHUNK * sizeof(*vals));
	bool first = true;
	int err = -ENOMEM;

	while (keys && vals) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		uint32_t count = CHUNK;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in_b, &out_b, keys, vals, &count, &opts) ? -errno : 0;
		if (err && err != -ENOENT)
			break;
		for (uint32_t i = 0; i < count; i++)
			tab_put(be, keys[i], &vals[i]);
		if (err == -ENOENT) {
			err = 0;
			break;
		}
		in_b = out_b;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}

static int tab_load_walk(struct be *be)
{
	int fd = be->map_fd[BE_MAP_PEERS];
	uint32_t k, next;
	struct tun46_peer p;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &p) == 0)
			tab_put(be, k, &p);
	}
	return 0;
}

/* The table, loaded on first use; NULL when not loaded or out of memory. */
struct tun46_peer *peer_tab(struct be *be)
{
	int err;

	if (!be->loaded || !be->max_peers)
		return NULL;
	if (be->peer_tab_ok)
		return be->peer_tab;
	if (!be->peer_tab && !(be->peer_tab = calloc(be->max_peers, sizeof(*be->peer_tab))))
		return NULL;
	memset(be->peer_tab, 0, (size_t)be->max_peers * sizeof(*be->peer_tab));
	err = tab_load_batch(be);
	if (err) { /* no batch ops on this kernel: one key at a time */
		memset(be->peer_tab, 0, (size_t)be->max_peers * sizeof(*be->peer_tab));
		tab_load_walk(be);
	}
	be->peer_tab_ok = true;
	be->peer_hint = 1;
	return be->peer_tab;
}

int peer_read(struct be *be, uint32_t id, struct tun46_peer *p)
{
	struct tun46_peer *t;

	if (!be->loaded || id == 0 || id >= be->max_peers)
		return -ENOENT;
	t = peer_tab(be);
	if (!t) { /* out of memory: the map itself */
		if (bpf_map_lookup_elem(be->map_fd[BE_MAP_PEERS], &id, p))
			return -errno;
		return (p->flags & TUN46_PEER_F_ACTIVE) ? 0 : -ENOENT;
	}
	if (!(t[id].flags & TUN46_PEER_F_ACTIVE))
		return -ENOENT;
	*p = t[id];
	return 0;
}

int be_peer_get(struct be *be, uint32_t id, struct tun46_peer *peer)
{
	return peer_read(be, id, peer);
}

int be_peer_foreach(struct be *be, int (*cb)(uint32_t id, const struct tun46_peer *p, void *arg), void *arg)
{
	struct tun46_peer p;
	uint32_t id;
	int ret;

	if (!be->loaded)
		return 0;
	for (id = 1; id < be->max_peers; id++) {
		if (peer_read(be, id, &p))
			continue;
		ret = cb(id, &p, arg);
		if (ret)
			return ret;
	}
	return 0;
}

struct find_arg {
	const char *name;
	uint32_t id;
};

static int find_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct find_arg *f = arg;

	if (strncmp(p->name, f->name, TUN46_NAME_LEN))
		return 0;
	f->id = id;
	return 1;
}

int be_peer_find(struct be *be, const char *name, uint32_t *id)
{
	struct find_arg f = {.name = name};

	if (be_peer_foreach(be, find_cb, &f) == 1) {
		*id = f.id;
		return 0;
	}
	return -ENOENT;
}

/* The lowest free id, from a hint that only moves up between frees: ids are
 * allocated without walking the map. */
int be_peer_alloc_id(struct be *be, uint32_t *id)
{
	struct tun46_peer p;
	uint32_t i;

	if (!be->loaded) { /* nothing exists yet: the first id */
		*id = 1;
		return 0;
	}
	if (!peer_tab(be)) {
		for (i = 1; i < be->max_peers; i++) {
			if (peer_read(be, i, &p) == -ENOENT) {
				*id = i;
				return 0;
			}
		}
	}
	for (i = be->peer_hint ? be->peer_hint : 1; i < be->max_peers; i++) {
		if (!(be->peer_tab[i].flags & TUN46_PEER_F_ACTIVE)) {
			be->peer_hint = i;
			if (be->forget && (be->forget[i / 8] & (1u << (i % 8))))
				peers_flush(be); /* the id is used again: its old counters go first */
			*id = i;
			return 0;
		}
	}
	be_err("no free peer slot: all %u are used; delete a peer, or recreate the state with a larger "
	       "TUN46_MAX_PEERS",
	       be->max_peers - 1);
	return -ENOSPC;
}

static int count_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	(void)id, (void)p;
	++*(uint32_t *)arg;
	return 0;
}

uint32_t peers_count(struct be *be)
{
	uint32_t n = 0;

	be_peer_foreach(be, count_cb, &n);
	return n;
}

static int max_mtu_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	unsigned int *max = arg;

	(void)id;
	if (peer_route_mtu(p) > *max)
		*max = peer_route_mtu(p);
	return 0;
}

/* The tunnel device's MTU: the largest route MTU of any peer (each peer's
 * kernel routes carry its own MTU, which is what the kernel checks when it
 * forwards; a device MTU below a route's would drop packets silently).
 * 1460 with no peer. */
unsigned int peers_tun_mtu(struct be *be)
{
	unsigned int max = 0;

	be_peer_foreach(be, max_mtu_cb, &max);
	return max ? max : TUN46_DEFAULT_MTU;
}

/* The MTU of the kernel routes toward a peer: its own mtu, or the tunnel
 * default for its encapsulation. */
uint16_t peer_route_mtu(const struct tun46_peer *p)
{
	if (p->mtu)
		return p->mtu;
	return tun46_peer_default_mtu(p->flags);
}

void peers_flush(struct be *be)
{
	uint32_t idx;
	int err;

	if (!be->loaded)
		return;
	if (be->forget_any) {
		be->forget_any = false;
		uint32_t few[STATS_FEW], nfew = 0;

		for (uint32_t i = 1; i < be->max_peers && nfew <= STATS_FEW; i++) {
			if (be->forget[i / 8] & (1u << (i % 8))) {
				if (nfew < STATS_FEW)
					few[nfew] = i;
				nfew++;
			}
		}
		/* a peer del: by key; config apply deleting many: one walk */
		if (nfew > STATS_FEW || stats_forget_few(be, few, nfew))
			stats_forget_peers(be, be->forget);
		peer_rx_forget(be, be->forget);
		memset(be->forget, 0, (be->max_peers + 7) / 8);
	}
	if (!be->tun_mtu_dirty)
		return;
	be->tun_mtu_dirty = false;
	idx = tundev_ifindex(be);
	if (!idx)
		return;
	err = tundev_set_mtu(idx, peers_tun_mtu(be));
	if (err)
		be_warn("cannot set the MTU of the tunnel device: %s", strerror(-err));
}
