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
#include "names.h"

/* After peers changed: the tunnel device MTU follows the peers' MTUs, once
 * for a whole config apply (peers_flush), not once per peer. */
static void tun_mtu_update(struct be *be)
{
	be->tun_mtu_dirty = true;
}

/* A deleted peer's counters go at peers_flush (a peer added later may get
 * this id). */
static void stats_forget_later(struct be *be, uint32_t id)
{
	if (!be->forget && !(be->forget = calloc((be->max_peers + 7) / 8, 1))) {
		stats_forget(be, false, 0, true, id);
		peer_rx_forget_one(be, id);
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
			be_warn("the kernel routes of peer %s keep their old MTU", p.name);
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
	be_name_del(be, id); /* a later peer with this id starts without the DNS name */
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
	return be_local_follow(be, remote, NULL, local);
}

int be_local_follow(struct be *be, const union tun46_addr6 *remote, const union tun46_addr6 *current,
		    union tun46_addr6 *local)
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
		err = nl_ipv6_global_addr_keep(wan, current, local);
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
