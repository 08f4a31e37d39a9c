/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* peerrx.c — per-peer liveness: tun46_peer_rx (PERCPU_ARRAY by peer id)
 * holds, per CPU, the CLOCK_MONOTONIC_COARSE time of the last packet from
 * the peer that passed every decapsulation check (bpf/lib/peerrx.h).  The
 * newest time over the CPUs, compared with the same clock now, says how long
 * ago the peer was last heard from.  A deleted peer's entry is zeroed (with
 * its counters, at peers_flush) so that a reused id starts as "never". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

int be_peer_last_rx(struct be *be, uint32_t id, uint64_t *ago_ns)
{
	int fd = be->map_fd[BE_MAP_PEER_RX], ncpu, c;
	uint64_t *vals, last = 0, now;
	struct timespec ts;

	*ago_ns = 0;
	if (!be->loaded || fd < 0)
		return -EOPNOTSUPP;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	if (!(vals = calloc(ncpu, sizeof(*vals))))
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &id, vals)) {
		int err = -errno;

		free(vals);
		return err == -ENOENT ? -ENOENT : err; /* beyond the map: never */
	}
	for (c = 0; c < ncpu; c++)
		if (vals[c] > last)
			last = vals[c];
	free(vals);
	if (!last)
		return -ENOENT;
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return -errno;
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	*ago_ns = now > last ? now - last : 0;
	return 0;
}

static void forget(struct be *be, uint32_t id, void *zero)
{
	bpf_map_update_elem(be->map_fd[BE_MAP_PEER_RX], &id, zero, BPF_ANY);
}

void peer_rx_forget_one(struct be *be, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zero;

	if (!be->loaded || be->map_fd[BE_MAP_PEER_RX] < 0 || ncpu <= 0 || !(zero = calloc(ncpu, sizeof(uint64_t))))
		return;
	forget(be, id, zero);
	free(zero);
}

void peer_rx_forget(struct be *be, const uint8_t *ids)
{
	int ncpu = libbpf_num_possible_cpus();
	void *zero;

	if (!be->loaded || !ids || be->map_fd[BE_MAP_PEER_RX] < 0 || ncpu <= 0 ||
	    !(zero = calloc(ncpu, sizeof(uint64_t))))
		return;
	for (uint32_t id = 0; id < be->max_peers; id++)
		if (ids[id / 8] & (1u << (id % 8)))
			forget(be, id, zero);
	free(zero);
}
