/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * peers.c — tun46_peers (HASH, id -> peer; an update swaps the whole element) and tun46_decap (remote -> id),
 * "local auto", and the tunnel MTU that follows the peers' encap limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "ridx.h"

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
	ridx_drop(be);
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
static struct tun46_peer *peer_tab(struct be *be)
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

static int peer_read(struct be *be, uint32_t id, struct tun46_peer *p)
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

/* After peers changed: the tunnel device MTU follows the peers' MTUs, once
 * for a whole config apply (peers_flush), not once per peer. */
static void tun_mtu_update(struct be *be)
{
	be->tun_mtu_dirty = true;
}

void peers_flush(struct be *be)
{
	uint32_t idx;
	int err;

	if (!be->loaded)
		return;
	if (be->forget_any) {
		uint32_t few[STATS_FEW], nfew = 0;

		be->forget_any = false;
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
		be_err("warning: cannot set the MTU of the tunnel device: %s", strerror(-err));
}

/* A deleted peer's counters go at peers_flush (a peer added later may get
 * this id). */
static void stats_forget_later(struct be *be, uint32_t id)
{
	if (!be->forget && !(be->forget = calloc((be->max_peers + 7) / 8, 1))) {
		stats_forget(be, false, 0, true, id);
		return;
	}
	be->forget[id / 8] |= 1u << (id % 8);
	be->forget_any = true;
}

static void addr6_str(const union tun46_addr6 *a, char *buf, size_t len)
{
	inet_ntop(AF_INET6, a->b, buf, len);
}

/* The peer id that owns 'remote' in the decap index; -ENOENT if none. */
static int decap_owner(struct be *be, const union tun46_addr6 *remote, uint32_t *owner)
{
	struct tun46_decap d;

	if (bpf_map_lookup_elem(be->map_fd[BE_MAP_DECAP], remote, &d))
		return -ENOENT;
	*owner = d.peer_id;
	return 0;
}

static struct tun46_decap decap_of(uint32_t id, const struct tun46_peer *p)
{
	struct tun46_decap d = {.peer_id = id, .flags = p->flags, .local = p->local};

	if ((p->flags & TUN46_PEER_F_GRE) && (p->flags & TUN46_PEER_F_GRE_KEY))
		d.key = p->key;

	return d;
}

int be_peer_set(struct be *be, uint32_t id, const struct tun46_peer *peer)
{
	struct tun46_decap d;
	struct tun46_peer old, p = *peer;
	bool had_old, remote_moved;
	uint32_t owner;
	char a[INET6_ADDRSTRLEN];
	int err;

	err = be_need_loaded(be);
	if (err)
		return err;
	if (id == 0 || id >= be->max_peers) {
		be_err("peer id %u out of range 1..%u", id, be->max_peers - 1);
		return -EINVAL;
	}
	p.flags |= TUN46_PEER_F_ACTIVE;
	p.name[TUN46_NAME_LEN - 1] = 0;
	if (decap_owner(be, &p.remote, &owner) == 0 && owner != id) {
		struct tun46_peer o;

		addr6_str(&p.remote, a, sizeof(a));
		if (peer_read(be, owner, &o) == 0) {
			be_err("peer %s: remote %s is already the remote of peer %s; one remote address belongs "
			       "to one peer",
			       p.name, a, o.name);
			return -EEXIST;
		}
	}
	had_old = peer_read(be, id, &old) == 0;
	remote_moved = had_old && memcmp(&old.remote, &p.remote, sizeof(p.remote));

	/* 1. the peer, in one update: traffic sees the old or the new one */
	err = be_map_update(be, BE_MAP_PEERS, &id, &p, BPF_ANY);
	if (err) {
		be_err("cannot write peer %s: %s", p.name, strerror(-err));
		return err;
	}
	if (peer_tab(be))
		be->peer_tab[id] = p;
	/* 2. the decap index (which carries local): write the new remote's
	 * entry, then drop the old remote's */
	d = decap_of(id, &p);
	struct tun46_decap od = had_old ? decap_of(id, &old) : d;

	/* the entry carries local, flags (encap) and key: rewrite it when any changed */
	if (!had_old || remote_moved || memcmp(&od, &d, sizeof(d))) {
		err = be_map_update(be, BE_MAP_DECAP, &p.remote, &d, BPF_ANY);
		if (err) {
			be_err("cannot write the decap index of peer %s: %s", p.name, strerror(-err));
			goto undo_peer;
		}
	}
	if (remote_moved) {
		if (decap_owner(be, &old.remote, &owner) == 0 && owner == id) {
			err = be_map_delete(be, BE_MAP_DECAP, &old.remote);
			if (err) {
				be_err("cannot remove the old decap index entry of peer %s: %s", p.name,
				       strerror(-err));
				bpf_map_delete_elem(be->map_fd[BE_MAP_DECAP], &p.remote);
				goto undo_peer;
			}
		}
	}
	/* 3. kernel routes follow a changed MTU; the tunnel MTU the encap limit */
	if (had_old && peer_route_mtu(&old) != peer_route_mtu(&p)) {
		err = routes_kernel_sync(be, id);
		if (err)
			be_err("warning: the kernel routes of peer %s keep their old MTU", p.name);
	}
	if (!had_old || peer_route_mtu(&old) != peer_route_mtu(&p))
		tun_mtu_update(be);
	return 0;

undo_peer:
	if (had_old) {
		bpf_map_update_elem(be->map_fd[BE_MAP_PEERS], &id, &old, BPF_ANY);
		d = decap_of(id, &old);
		bpf_map_update_elem(be->map_fd[BE_MAP_DECAP], &old.remote, &d, BPF_ANY);
		if (be->peer_tab_ok)
			be->peer_tab[id] = old;
	} else {
		bpf_map_delete_elem(be->map_fd[BE_MAP_PEERS], &id);
		if (be->peer_tab_ok)
			memset(&be->peer_tab[id], 0, sizeof(be->peer_tab[id]));
	}
	maps_written(be, BE_MAP_PEERS);
	return err;
}

int be_peer_del(struct be *be, uint32_t id)
{
	struct tun46_peer old;
	uint32_t owner;
	bool had_decap;
	int err;

	if (peer_read(be, id, &old)) {
		be_err("peer id %u does not exist", id);
		return -ENOENT;
	}
	err = be_need_loaded(be);
	if (err)
		return err;
	had_decap = decap_owner(be, &old.remote, &owner) == 0 && owner == id;
	if (had_decap) {
		err = be_map_delete(be, BE_MAP_DECAP, &old.remote);
		if (err) {
			be_err("cannot delete peer %s: %s", old.name, strerror(-err));
			return err;
		}
	}
	err = be_map_delete(be, BE_MAP_PEERS, &id);
	if (err) {
		be_err("cannot delete peer %s: %s", old.name, strerror(-err));
		if (had_decap) {
			struct tun46_decap d = decap_of(id, &old);

			bpf_map_update_elem(be->map_fd[BE_MAP_DECAP], &old.remote, &d, BPF_ANY);
			maps_written(be, BE_MAP_DECAP);
		}
		return err;
	}
	if (be->peer_tab_ok) {
		memset(&be->peer_tab[id], 0, sizeof(be->peer_tab[id]));
		if (id < be->peer_hint)
			be->peer_hint = id;
	}
	tun_mtu_update(be);
	stats_forget_later(be, id);
	return 0;
}

/* First global IPv6 address of the first (lowest ifindex) attached WAN. */
static int wan_ifindex(struct be *be, uint32_t *out)
{
	struct be_link *links;
	size_t n, i;
	int err;

	*out = 0;
	err = be_link_list(be, &links, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (links[i].link.role == TUN46_ROLE_WAN && (!*out || links[i].ifindex < *out))
			*out = links[i].ifindex;
	}
	free(links);
	return 0;
}

int be_local_auto(struct be *be, const union tun46_addr6 *remote, union tun46_addr6 *local)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
	socklen_t len = sizeof(sa);
	char a[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
	uint32_t wan;
	int fd, err;

	err = wan_ifindex(be, &wan);
	if (err)
		return err;
	if (wan) {
		err = nl_ipv6_global_addr(wan, local);
		if (!err)
			return 0;
		if_indextoname(wan, ifname);
		if (err == -ENOENT)
			be_err("local auto: the WAN interface %s has no usable global IPv6 address (tentative ones do "
			       "not count: wait for DAD); give local ADDR6",
			       ifname);
		else
			be_err("local auto: cannot read the addresses of %s: %s; give local ADDR6", ifname,
			       strerror(-err));
		return err ? err : -ENOENT;
	}
	/* no WAN attached: the source the kernel would use toward remote */
	addr6_str(remote, a, sizeof(a));
	memcpy(&sa.sin6_addr, remote->b, 16);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		be_err("local auto: cannot create an IPv6 socket: %s; give local ADDR6", strerror(-err));
		return err;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		err = -errno;
		close(fd);
		be_err("local auto: no IPv6 route toward %s (%s); add one, attach the WAN interface first, or give "
		       "local ADDR6",
		       a, strerror(-err));
		return err;
	}
	close(fd);
	memcpy(local->b, &sa.sin6_addr, 16);
	return 0;
}
