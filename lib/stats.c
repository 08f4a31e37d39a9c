/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* stats.c — the counters: tun46_stats_fast (PERCPU_ARRAY of slots, each CPU's
 * copy holding its own (ifindex, peer) key) plus tun46_stats (PERCPU_HASH, for
 * pairs whose slot was taken), summed over CPUs and merged by key; reset.
 * The reserved fast slot TUN46_STATS_FULL_SLOT (stats_map_full: updates lost
 * to a full tun46_stats) is read as an entry with ifindex 0, peer 0. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

struct acc {
	struct be_stats_entry *v;
	size_t n;
};

static struct tun46_counters *acc_entry(struct acc *a, uint32_t ifindex, uint32_t peer_id)
{
	struct be_stats_entry *nv;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].ifindex == ifindex && a->v[i].peer_id == peer_id)
			return &a->v[i].sum;
	nv = realloc(a->v, (a->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	a->v = nv;
	memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
	a->v[a->n].ifindex = ifindex;
	a->v[a->n].peer_id = peer_id;
	return &a->v[a->n++].sum;
}

static void add_counters(struct tun46_counters *dst, const struct tun46_counters *src)
{
	int i;

	for (i = 0; i < TUN46_C__MAX; i++)
		dst->c[i] += src->c[i];
}

static int read_hash(struct be *be, struct acc *a, int ncpu)
{
	struct tun46_stats_key key, next;
	int fd = be->map_fd[BE_MAP_STATS], c;
	struct tun46_counters *vals, *dst;
	void *prev = NULL;

	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		dst = acc_entry(a, key.ifindex, key.peer_id);
		if (!dst) {
			free(vals);
			return -ENOMEM;
		}
		for (c = 0; c < ncpu; c++)
			add_counters(dst, &vals[c]);
	}
	free(vals);
	return 0;
}

static int read_fast(struct be *be, struct acc *a, int ncpu)
{
	int fd = be->map_fd[BE_MAP_STATS_FAST], c;
	struct tun46_stats_slot *vals;
	struct tun46_counters *dst;
	uint32_t slot;

	if (fd < 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (slot = 0; slot < TUN46_STATS_FAST_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, vals))
			continue;
		if (slot == TUN46_STATS_FULL_SLOT) { /* the (ifindex 0, peer 0) entry: not a port's */
			uint64_t lost = 0;

			for (c = 0; c < ncpu; c++)
				lost += vals[c].c.c[TUN46_C_STATS_MAP_FULL];
			if (lost && !(dst = acc_entry(a, 0, 0))) {
				free(vals);
				return -ENOMEM;
			}
			if (lost)
				dst->c[TUN46_C_STATS_MAP_FULL] += lost;
			continue;
		}
		for (c = 0; c < ncpu; c++) {
			if (!vals[c].key.ifindex)
				continue;
			dst = acc_entry(a, vals[c].key.ifindex, vals[c].key.peer_id);
			if (!dst) {
				free(vals);
				return -ENOMEM;
			}
			add_counters(dst, &vals[c].c);
		}
	}
	free(vals);
	return 0;
}

int be_stats_read(struct be *be, struct be_stats_entry **out, size_t *n)
{
	struct acc a = {0};
	int ncpu, err;

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	err = read_fast(be, &a, ncpu);
	if (!err)
		err = read_hash(be, &a, ncpu);
	if (err) {
		free(a.v);
		return err;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

int be_stats_reset(struct be *be)
{
	struct tun46_stats_key key, next;
	int ncpu, fd = be->map_fd[BE_MAP_STATS], err = 0;
	void *zero, *prev = NULL;
	uint32_t slot;

	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc(ncpu, sizeof(struct tun46_stats_slot));
	if (!zero)
		return -ENOMEM;
	/* Freed slots are claimed again by the next packet of their pair. */
	for (slot = 0; be->map_fd[BE_MAP_STATS_FAST] >= 0 && slot < TUN46_STATS_FAST_SLOTS; slot++) {
		if (bpf_map_update_elem(be->map_fd[BE_MAP_STATS_FAST], &slot, zero, BPF_ANY)) {
			err = -errno;
			be_err("cannot reset the counters: %s", strerror(-err));
			goto out;
		}
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_update_elem(fd, &key, zero, BPF_EXIST) && errno != ENOENT) {
			err = -errno;
			be_err("cannot reset the counters: %s", strerror(-err));
			break;
		}
	}
out:
	free(zero);
	return err;
}

/* Clear, in every CPU's copy of every fast slot, the pairs that match (a copy
 * with ifindex 0 holds none): the slots are free for others. */
int stats_clear_fast(struct be *be, stats_key_match match, const void *arg, int ncpu)
{
	int ffd = be->map_fd[BE_MAP_STATS_FAST], c;
	struct tun46_stats_slot *vals;
	uint32_t slot;
	bool changed;

	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (slot = 0; ffd >= 0 && slot < TUN46_STATS_FAST_SLOTS; slot++) {
		if (bpf_map_lookup_elem(ffd, &slot, vals))
			continue;
		changed = false;
		for (c = 0; c < ncpu; c++) {
			if (vals[c].key.ifindex && match(&vals[c].key, arg)) {
				memset(&vals[c], 0, sizeof(vals[c]));
				changed = true;
			}
		}
		if (changed)
			bpf_map_update_elem(ffd, &slot, vals, BPF_ANY);
	}
	free(vals);
	return 0;
}

/* One walk of tun46_stats deleting the pairs that match, then of the fast
 * slots. */
static int forget_walk(struct be *be, stats_key_match match, const void *arg)
{
	int fd = be->map_fd[BE_MAP_STATS], ncpu;
	struct tun46_stats_key key, next;
	void *prev = NULL;

	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (match(&next, arg)) {
			bpf_map_delete_elem(fd, &next);
			continue; /* prev stays: the walk goes on after it */
		}
		key = next;
		prev = &key;
	}
	return stats_clear_fast(be, match, arg, ncpu);
}

struct forget_one {
	bool match_if, match_peer;
	uint32_t ifindex, peer_id;
};

static bool match_one(const struct tun46_stats_key *k, const void *arg)
{
	const struct forget_one *m = arg;

	return (!m->match_if || k->ifindex == m->ifindex) && (!m->match_peer || k->peer_id == m->peer_id);
}

/* Forget the counters of a deleted peer (match_peer) or of a detached
 * interface (match_if), so that a peer id or ifindex used again starts from
 * zero and the slots are free for others. */
int stats_forget(struct be *be, bool match_if, uint32_t ifindex, bool match_peer, uint32_t peer_id)
{
	struct forget_one m = {.match_if = match_if, .match_peer = match_peer, .ifindex = ifindex, .peer_id = peer_id};

	return forget_walk(be, match_one, &m);
}

struct forget_ids {
	const struct be *be;
	const uint8_t *ids;
};

static bool match_ids(const struct tun46_stats_key *k, const void *arg)
{
	const struct forget_ids *m = arg;

	return k->peer_id < m->be->max_peers && (m->ids[k->peer_id / 8] & (1u << (k->peer_id % 8)));
}

/* stats_forget for many deleted peers at once: one walk of each map, not
 * one per peer (config apply removing 10,000 peers). */
int stats_forget_peers(struct be *be, const uint8_t *ids)
{
	struct forget_ids m = {be, ids};

	if (!ids)
		return 0;
	return forget_walk(be, match_ids, &m);
}
