/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * maps.c — the pinned maps: opening them, and every write the backend makes
 * to them (so the TUN46_FAIL_AFTER testing hook sees each one).
 *
 * TUN46_FAIL_AFTER=N (t46_lib_opts.fail_after): the N+1-th element written or deleted through
 * be_map_update/be_map_delete/be_map_*_many fails with -ENOSPC, once (the
 * writes that roll back are not failed).  Counted: peers, decap, routes,
 * ports and links written by be_peer_*, be_route_* and be_link_*.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"

/* key and value sizes each map must have (guards against stale pins) */
/* The type, key and value size each pinned map must have: the one table the
 * layout check (layout.c) and the stale-pin guard below use. */
static const struct {
	uint32_t type, key, val;
} map_sizes[BE_MAP__MAX] = {
    [BE_MAP_PEERS] = {BPF_MAP_TYPE_HASH, sizeof(uint32_t), sizeof(struct tun46_peer)},
    [BE_MAP_ROUTES] = {BPF_MAP_TYPE_LPM_TRIE, sizeof(struct tun46_route_key), sizeof(struct tun46_route)},
    [BE_MAP_DECAP] = {BPF_MAP_TYPE_HASH, sizeof(union tun46_addr6), sizeof(struct tun46_decap)},
    [BE_MAP_STATS] = {BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct tun46_stats_key), sizeof(struct tun46_counters)},
    [BE_MAP_STATS_FAST] = {BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(struct tun46_stats_slot)},
    [BE_MAP_PORTS] = {BPF_MAP_TYPE_DEVMAP_HASH, sizeof(uint32_t), sizeof(uint32_t)},
    [BE_MAP_LINKS] = {BPF_MAP_TYPE_HASH, sizeof(uint32_t), sizeof(struct tun46_link)},
    [BE_MAP_CONFIG] = {BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct tun46_config)},
    [BE_MAP_PEER_RX] = {BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t), sizeof(uint64_t)},
};

/* per map: 1 = batch update/delete works, -1 = not supported, 0 = unknown */
static int batch_ok[BE_MAP__MAX];

void maps_init_fail_hook(struct be *be)
{
	const char *s = t46_get_opts()->fail_after;
	char *end;
	long v;

	be->fail_after = -1;
	be->writes = 0;
	if (!s || !*s)
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		be_err("ignoring TUN46_FAIL_AFTER=%s: not a number >= 0", s);
		return;
	}
	be->fail_after = v;
}

/* How many of `want` writes may go through; *fire when the injected failure
 * happens after those. */
static size_t hook_allow(struct be *be, size_t want, bool *fire)
{
	long left;

	*fire = false;
	if (be->fail_after < 0)
		return want;
	left = be->fail_after - be->writes;
	if (left >= (long)want) {
		be->writes += want;
		return want;
	}
	*fire = true;
	be->fail_after = -1; /* once: rollback writes must succeed */
	return left > 0 ? (size_t)left : 0;
}

void maps_want(enum be_map_idx m, uint32_t *type, uint32_t *key, uint32_t *val)
{
	*type = map_sizes[m].type;
	*key = map_sizes[m].key;
	*val = map_sizes[m].val;
}

uint32_t maps_max_entries(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

void maps_close(struct be *be)
{
	for (int i = 0; i < BE_MAP__MAX; i++) {
		if (be->map_fd[i] >= 0)
			close(be->map_fd[i]);
		be->map_fd[i] = -1;
	}
}

/* Open every pinned map; -ENOENT (quietly) if any map or program pin is
 * missing, i.e. the datapath is not (completely) loaded. */
int maps_open_pinned(struct be *be)
{
	char path[PATH_MAX], name[64];
	int i, fd;

	for (i = 0; i < BE_PROG__MAX; i++) {
		snprintf(name, sizeof(name), "prog_%s", be_prog_names[i]);
		if (!pin_exists(be, name))
			return -ENOENT;
	}
	for (i = 0; i < BE_MAP__MAX; i++) {
		struct bpf_map_info info;
		uint32_t len = sizeof(info);

		if (pin_path(be, be_map_names[i], path, sizeof(path)))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT && i == BE_MAP_PEER_RX)
			continue; /* pinned by an older tun46: no liveness until the datapath is reloaded */
		if (fd < 0) {
			int err = -errno;

			maps_close(be);
			if (err == -ENOENT)
				return err;
			return be_err_perm(err, path);
		}
		be->map_fd[i] = fd;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size != map_sizes[i].key ||
		    info.value_size != map_sizes[i].val) {
			be_err("pinned map %s does not match this tun46 (key %u value %u bytes, want %u/%u): the state "
			       "was made by another version of tun46; run the command again with -migrate to rebuild "
			       "it (see tun46(8), UPGRADE)",
			       path, info.key_size, info.value_size, map_sizes[i].key, map_sizes[i].val);
			maps_close(be);
			return -EPROTO;
		}
	}
	return 0;
}

/*
 * The XDP programs cache what peers, routes and the decap index say
 * (bpf/lib/nhcache.h: the peer of a flow, a peer's outer header, the sender
 * of a remote address) under tun46_config.gen: after any write to those maps
 * the generation moves, so the very next packet sees the change.  Called
 * after the write, successful or not (a batch may have been written in part).
 */
void maps_written(struct be *be, enum be_map_idx m)
{
	if (m == BE_MAP_PEERS || m == BE_MAP_ROUTES || m == BE_MAP_DECAP)
		(void)config_bump_gen(be); /* fails only without a datapath: nothing cached then */
}

int be_map_update(struct be *be, enum be_map_idx m, const void *key, const void *val, uint64_t flags)
{
	bool fire;
	int err = 0;

	if (hook_allow(be, 1, &fire) == 0 && fire)
		return -ENOSPC;
	if (bpf_map_update_elem(be->map_fd[m], key, val, flags))
		err = -errno;
	maps_written(be, m);
	return err;
}

int be_map_delete(struct be *be, enum be_map_idx m, const void *key)
{
	bool fire;
	int err = 0;

	if (hook_allow(be, 1, &fire) == 0 && fire)
		return -ENOSPC;
	if (bpf_map_delete_elem(be->map_fd[m], key))
		err = -errno;
	maps_written(be, m);
	return err;
}

static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */;
}

/* Write n entries (v NULL: delete n keys) in one batch where the kernel
 * takes batches for this map, else one by one; *done: how many were written. */
static int write_range(struct be *be, enum be_map_idx m, const char *k, const char *v, size_t n, size_t *done)
{
	size_t ks = map_sizes[m].key, vs = map_sizes[m].val, i;
	int fd = be->map_fd[m];

	*done = 0;
	if (n == 0)
		return 0;
	if (batch_ok[m] >= 0) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		uint32_t count = n;
		int err;

		if (v)
			err = bpf_map_update_batch(fd, k, v, &count, &opts);
		else
			err = bpf_map_delete_batch(fd, k, &count, &opts);
		err = err ? -errno : 0;
		if (!err || !batch_unsupported(err) || batch_ok[m] > 0) {
			batch_ok[m] = 1;
			*done = err ? (count < n ? count : n) : n;
			return err;
		}
		batch_ok[m] = -1;
	}
	for (i = 0; i < n; i++) {
		if (v ? bpf_map_update_elem(fd, k + i * ks, v + i * vs, BPF_ANY) : bpf_map_delete_elem(fd, k + i * ks))
			return -errno;
		*done = i + 1;
	}
	return 0;
}

static int write_many(struct be *be, enum be_map_idx m, const void *keys, const void *vals, size_t n, size_t *done)
{
	bool fire;
	size_t allow = hook_allow(be, n, &fire);
	int err = write_range(be, m, keys, vals, allow, done);

	maps_written(be, m);
	if (!err && fire)
		err = -ENOSPC;
	return err;
}

int be_map_update_many(struct be *be, enum be_map_idx m, const void *keys, const void *vals, size_t n, size_t *done)
{
	return write_many(be, m, keys, vals, n, done);
}

int be_map_delete_many(struct be *be, enum be_map_idx m, const void *keys, size_t n, size_t *done)
{
	return write_many(be, m, keys, NULL, n, done);
}

int prog_open_pinned(const struct be *be, enum be_prog_idx p)
{
	char path[PATH_MAX], name[64];
	int fd;

	snprintf(name, sizeof(name), "prog_%s", be_prog_names[p]);
	if (pin_path(be, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return be_err_perm(-errno, path);
	return fd;
}

int prog_id_of_fd(int fd, uint32_t *id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* tun46_config.gen += 1: every cached route answer is stale */
int config_bump_gen(struct be *be)
{
	struct tun46_config cfg;
	uint32_t key = 0;

	if (be->map_fd[BE_MAP_CONFIG] < 0)
		return -EBADF;
	if (bpf_map_lookup_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg))
		return -errno;
	cfg.gen++;
	if (bpf_map_update_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg, BPF_EXIST))
		return -errno;
	return 0;
}
