/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* backend.c — stub (being filled in): every function of backend.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "backend.h"

struct be {
	int dummy;
};

int be_open(struct be **bep, const struct be_opts *opts)
{
	(void)opts;
	*bep = calloc(1, sizeof(**bep));
	return *bep ? 0 : -ENOMEM;
}

void be_close(struct be *be)
{
	free(be);
}

bool be_loaded(const struct be *be)
{
	(void)be;
	return false;
}

int be_ensure_loaded(struct be *be)
{
	(void)be;
	fprintf(stderr, "tun46: backend not implemented yet\n");
	return -ENOSYS;
}

const char *be_pin_dir(const struct be *be)
{
	(void)be;
	return "";
}

int be_peer_max(const struct be *be)
{
	(void)be;
	return TUN46_DEFAULT_MAX_PEERS;
}

int be_peer_get(struct be *be, uint32_t id, struct tun46_peer *peer)
{
	(void)be, (void)id, (void)peer;
	return -ENOENT;
}

int be_peer_find(struct be *be, const char *name, uint32_t *id)
{
	(void)be, (void)name, (void)id;
	return -ENOENT;
}

int be_peer_alloc_id(struct be *be, uint32_t *id)
{
	(void)be, (void)id;
	return -ENOSYS;
}

int be_peer_set(struct be *be, uint32_t id, const struct tun46_peer *peer)
{
	(void)be, (void)id, (void)peer;
	return -ENOSYS;
}

int be_peer_del(struct be *be, uint32_t id)
{
	(void)be, (void)id;
	return -ENOSYS;
}

int be_peer_foreach(struct be *be, int (*cb)(uint32_t id, const struct tun46_peer *p, void *arg), void *arg)
{
	(void)be, (void)cb, (void)arg;
	return 0;
}

int be_local_auto(struct be *be, const union tun46_addr6 *remote, union tun46_addr6 *local)
{
	(void)be, (void)remote, (void)local;
	return -ENOSYS;
}

int be_route_get(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id)
{
	(void)be, (void)addr, (void)plen, (void)peer_id;
	return -ENOENT;
}

int be_route_lookup(struct be *be, uint32_t addr, struct be_route *out)
{
	(void)be, (void)addr, (void)out;
	return -ENOENT;
}

int be_route_update(struct be *be, const struct be_route *r, size_t n)
{
	(void)be, (void)r, (void)n;
	return -ENOSYS;
}

int be_route_delete(struct be *be, const struct be_route *r, size_t n)
{
	(void)be, (void)r, (void)n;
	return -ENOSYS;
}

int be_route_list(struct be *be, struct be_route **out, size_t *n)
{
	(void)be;
	*out = NULL;
	*n = 0;
	return 0;
}

int be_link_attach(struct be *be, const char *ifname, enum tun46_role role, enum tun46_mode mode)
{
	(void)be, (void)ifname, (void)role, (void)mode;
	return -ENOSYS;
}

int be_link_detach(struct be *be, const char *ifname)
{
	(void)be, (void)ifname;
	return -ENOSYS;
}

int be_link_list(struct be *be, struct be_link **out, size_t *n)
{
	(void)be;
	*out = NULL;
	*n = 0;
	return 0;
}

int be_stats_read(struct be *be, struct be_stats_entry **out, size_t *n)
{
	(void)be;
	*out = NULL;
	*n = 0;
	return 0;
}

int be_stats_reset(struct be *be)
{
	(void)be;
	return -ENOSYS;
}
