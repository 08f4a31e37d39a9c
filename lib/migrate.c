/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * migrate.c — `-migrate`: rebuild a state whose layout this tun46 cannot use
 * (layout.c refuses it otherwise).
 *
 * Not hitless: the new programs need maps of the new layout, which start
 * empty.  What can be read is read from the old maps first:
 *   - tun46_links: ifindex, role and mode (the first two words of a record);
 *   - tun46_peers: the addressing fields (the first 48 bytes of a value:
 *     local, remote, flags, flow label, MTU, hop limit, traffic class, encap
 *     limit) and the name (the last 32 bytes); fields that are neither (the
 *     GRE key, added in layout 2) are taken when the old value has the size
 *     this tun46 uses, else 0;
 *   - tun46_routes: when its key and value sizes are this tun46's.
 * Then the old state goes (tun46's programs detached from the recorded
 * ports, the tunnel device deleted with its kernel routes, the pins
 * removed), the new one is loaded, and links, peers and routes are written
 * again.  Counters start again at 0.  Traffic stops from the detach to the
 * re-attach: the time is measured and said.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "ridx.h"

#define PEER_HEAD 48 /* bytes of struct tun46_peer before .key, the same in every layout */

struct mig_link {
	char ifname[IF_NAMESIZE];
	uint32_t role, mode;
};

struct migrate_snap {
	struct mig_link *links;
	size_t nlinks;
	uint32_t *peer_ids;
	struct tun46_peer *peers;
	size_t npeers;
	struct be_route *routes;
	size_t nroutes;
	bool routes_lost;
	struct timespec t0;
};

static int open_old(struct be *be, enum be_map_idx m, struct bpf_map_info *info)
{
	char path[PATH_MAX];
	uint32_t len = sizeof(*info);
	int fd;

	if (pin_path(be, be_map_names[m], path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static void read_links(struct be *be, struct migrate_snap *s)
{
	struct bpf_map_info info;
	uint32_t key, next, *val;
	void *prev = NULL;
	int fd = open_old(be, BE_MAP_LINKS, &info);

	if (fd < 0)
		return;
	val = calloc(1, info.value_size + 8);
	while (val && info.key_size == 4 && info.value_size >= 8 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct mig_link *nl;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, val))
			continue;
		nl = realloc(s->links, (s->nlinks + 1) * sizeof(*nl));
		if (!nl)
			break;
		s->links = nl;
		if (!if_indextoname(key, nl[s->nlinks].ifname))
			continue; /* the interface is gone */
		nl[s->nlinks].role = val[0];
		nl[s->nlinks].mode = val[1];
		s->nlinks++;
	}
	free(val);
	close(fd);
}

static void read_peers(struct be *be, struct migrate_snap *s)
{
	struct bpf_map_info info;
	uint32_t key, next;
	unsigned char *val;
	void *prev = NULL;
	int fd = open_old(be, BE_MAP_PEERS, &info);

	if (fd < 0)
		return;
	val = calloc(1, info.value_size + 8);
	while (val && info.key_size == 4 && info.value_size >= PEER_HEAD + TUN46_NAME_LEN &&
	       bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct tun46_peer p = {0}, *np;
		uint32_t *ni;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, val))
			continue;
		if (info.value_size == sizeof(p)) {
			memcpy(&p, val, sizeof(p));
		} else {
			memcpy(&p, val, PEER_HEAD);
			memcpy(p.name, val + info.value_size - TUN46_NAME_LEN, TUN46_NAME_LEN);
			p.flags &= ~TUN46_PEER_F_GRE_KEY; /* no key was carried over */
		}
		p.name[TUN46_NAME_LEN - 1] = 0;
		if (!(p.flags & TUN46_PEER_F_ACTIVE))
			continue;
		np = realloc(s->peers, (s->npeers + 1) * sizeof(*np));
		if (np)
			s->peers = np;
		ni = realloc(s->peer_ids, (s->npeers + 1) * sizeof(*ni));
		if (ni)
			s->peer_ids = ni;
		if (!np || !ni)
			break;
		s->peers[s->npeers] = p;
		s->peer_ids[s->npeers++] = key;
	}
	free(val);
	close(fd);
}

static void read_routes(struct be *be, struct migrate_snap *s)
{
	struct bpf_map_info info;
	struct tun46_route_key key, next;
	struct tun46_route v;
	void *prev = NULL;
	size_t cap = 0;
	int fd = open_old(be, BE_MAP_ROUTES, &info);

	if (fd < 0)
		return;
	if (info.key_size != sizeof(key) || info.value_size != sizeof(v)) {
		s->routes_lost = true;
		close(fd);
		return;
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (s->nroutes == cap) {
			struct be_route *nr = realloc(s->routes, (cap ? cap * 2 : 1024) * sizeof(*nr));

			if (!nr)
				break;
			s->routes = nr;
			cap = cap ? cap * 2 : 1024;
		}
		s->routes[s->nroutes++] =
		    (struct be_route){.addr = key.addr, .plen = (uint8_t)key.prefixlen, .peer_id = v.peer_id};
	}
	close(fd);
}

/* Detach whatever tun46 program runs on ifindex (any mode, TC at tun46's handle). */
static void detach_tun46(struct be *be, uint32_t ifindex)
{
	uint32_t id;
	int fd;

	for (int generic = 0; generic < 2; generic++) {
		if (query_xdp(ifindex, generic, &id) || !id || prog_owner(be, id) <= 0)
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd >= 0) {
			detach_xdp(ifindex, fd, generic);
			close(fd);
		}
	}
	if (query_tc(ifindex, false, &id) == 0 && id && prog_owner(be, id) > 0)
		detach_tc(ifindex, false, id);
}

int migrate_begin(struct be *be)
{
	struct migrate_snap *s = calloc(1, sizeof(*s));
	char path[PATH_MAX], name[64];
	uint32_t tun;
	size_t i;

	if (!s)
		return -ENOMEM;
	read_links(be, s);
	read_peers(be, s);
	read_routes(be, s);
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	for (i = 0; i < s->nlinks; i++)
		detach_tun46(be, if_nametoindex(s->links[i].ifname));
	tun = if_nametoindex(TUN46_TUNDEV_NAME);
	if (tun)
		nl_link_del(tun); /* takes tun46p, tc_tun and the kernel routes with it */
	/* the pins, not the directory: it is the lock other commands wait on */
	for (i = 0; i < BE_MAP__MAX + BE_PROG__MAX + 2; i++) {
		if (i < BE_MAP__MAX)
			snprintf(name, sizeof(name), "%s", be_map_names[i]);
		else if (i < BE_MAP__MAX + BE_PROG__MAX)
			snprintf(name, sizeof(name), "prog_%s", be_prog_names[i - BE_MAP__MAX]);
		else
			snprintf(name, sizeof(name), "%s",
				 i == BE_MAP__MAX + BE_PROG__MAX ? TUN46_ALIVE_PIN : TUN46_LAYOUT_PIN);
		if (pin_path(be, name, path, sizeof(path)) == 0)
			unlink(path);
	}
	/* the route index describes the old route map: rebuilt from the new one */
	ridx_drop(be);
	for (i = 0; i < 2; i++)
		if (pin_path(be, i ? RIDX_PIN_CHUNKS : RIDX_PIN_COUNT, path, sizeof(path)) == 0)
			unlink(path);
	be->mig = s;
	return 0;
}

int migrate_finish(struct be *be)
{
	struct migrate_snap *s = be->mig;
	struct timespec t1;
	size_t i, nl = 0, np = 0;
	int err = 0;

	if (!s)
		return 0;
	be->mig = NULL;
	for (i = 0; i < s->npeers; i++)
		if (be_peer_set(be, s->peer_ids[i], &s->peers[i]) == 0)
			np++;
	if (s->nroutes)
		err = be_route_update(be, s->routes, s->nroutes);
	for (i = 0; i < s->nlinks; i++)
		if (be_link_attach(be, s->links[i].ifname, s->links[i].role, s->links[i].mode) == 0)
			nl++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	be_info("migrated the state to layout %u: %zu of %zu links, %zu of %zu peers and %s%zu routes carried "
		"over; traffic was interrupted for %.0f ms; counters start again at 0",
		TUN46_LAYOUT_VERSION, nl, s->nlinks, np, s->npeers, s->routes_lost ? "none of the (unreadable) " : "",
		err ? (size_t)0 : s->nroutes,
		(double)(t1.tv_sec - s->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e6);
	be->mig = s;
	migrate_free(be);
	return err;
}

void migrate_free(struct be *be)
{
	struct migrate_snap *s = be->mig;

	if (!s)
		return;
	free(s->links);
	free(s->peers);
	free(s->peer_ids);
	free(s->routes);
	free(s);
	be->mig = NULL;
}
