/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * statsfew.c — forgetting the counters of a few deleted peers without a walk
 * of tun46_stats.  A hub's counter map holds up to 65,536 (ifindex, peer)
 * entries and a walk costs ~1.3 us per entry (~85 ms), so `tun46 peer del`
 * deletes the keys it can name instead: (ifindex, peer) for every interface
 * that counts (the attached ports and the tunnel device), and clears the
 * peer in the fast slots.  Entries of interfaces that went away while
 * attached (deleted from under tun46) are not named: the full walk
 * (stats_forget_peers, used for more than STATS_FEW peers at once, as by
 * config apply) removes those.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

struct few {
	const uint32_t *ids;
	size_t n;
};

static bool match_few(const struct tun46_stats_key *k, const void *arg)
{
	const struct few *f = arg;

	for (size_t i = 0; i < f->n; i++)
		if (k->peer_id == f->ids[i])
			return true;
	return false;
}

int stats_forget_few(struct be *be, const uint32_t *ids, size_t n)
{
	int fd = be->map_fd[BE_MAP_STATS], lfd = be->map_fd[BE_MAP_LINKS];
	uint32_t ifs[TUN46_STATS_FEW_IFS], k, next, nif = 0;
	struct few few = {ids, n};
	void *prev = NULL;
	int ncpu;

	if (!be->loaded)
		return 0;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	while (nif < TUN46_STATS_FEW_IFS - 1 && bpf_map_get_next_key(lfd, prev, &next) == 0) {
		k = next;
		prev = &k;
		ifs[nif++] = k;
	}
	if (nif == TUN46_STATS_FEW_IFS - 1) /* more ports than we can name: walk */
		return -E2BIG;
	if ((k = tundev_ifindex(be)))
		ifs[nif++] = k;
	for (size_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < nif; j++) {
			struct tun46_stats_key key = {.ifindex = ifs[j], .peer_id = ids[i]};

			bpf_map_delete_elem(fd, &key); /* -ENOENT: it never counted there */
		}
	}
	return stats_clear_fast(be, match_few, &few, ncpu);
}
