/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* stats.c — tun46_stats (PERCPU_HASH): read summed over CPUs, reset. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

int be_stats_read(struct be *be, struct be_stats_entry **out, size_t *n)
{
	struct tun46_stats_key key, next;
	struct tun46_counters *vals;
	struct be_stats_entry *v = NULL, *nv;
	int ncpu, fd = be->map_fd[BE_MAP_STATS], c, i;
	void *prev = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			free(vals);
			return -ENOMEM;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].ifindex = key.ifindex;
		v[cnt].peer_id = key.peer_id;
		for (c = 0; c < ncpu; c++)
			for (i = 0; i < TUN46_C__MAX; i++)
				v[cnt].sum.c[i] += vals[c].c[i];
		cnt++;
	}
	free(vals);
	*out = v;
	*n = cnt;
	return 0;
}

int be_stats_reset(struct be *be)
{
	struct tun46_stats_key key, next;
	struct tun46_counters *zero;
	int ncpu, fd = be->map_fd[BE_MAP_STATS], err = 0;
	void *prev = NULL;

	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	zero = calloc(ncpu, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_update_elem(fd, &key, zero, BPF_EXIST) && errno != ENOENT) {
			err = -errno;
			be_err("cannot reset the counters: %s", strerror(-err));
			break;
		}
	}
	free(zero);
	return err;
}
