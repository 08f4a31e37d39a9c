// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * routemap.c — every route of the tun46_routes trie, read from the map itself
 * (batch lookup, else key by key).  Kernel I/O layer: below the route index
 * (ridx.c) and the route reads (routetab.c), which both use it; it calls only
 * the map layer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"

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

/* Every route of the trie itself (unsorted): ~0.9 s for 1,000,000 (the
 * kernel walks the trie from its root for every key). */
int routes_list_map(struct be *be, struct be_route **out, size_t *n)
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
	*out = r;
	*n = cnt;
	return 0;
}
