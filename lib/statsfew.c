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
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

int stats_forget_few(struct be *be, const uint32_t *ids, size_t n)
{
	int fd = be->map_fd[BE_MAP_STATS], ffd = be->map_fd[BE_MAP_STATS_FAST], lfd = be->map_fd[BE_MAP_LINKS];
	uint32_t ifs[TUN46_STATS_FEW_IFS], k, next, nif = 0, slot;
	struct tun46_stats_slot *vals;
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
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (slot = 0; ffd >= 0 && slot < TUN46_STATS_FAST_SLOTS; slot++) {
		bool changed = false;

		if (bpf_map_lookup_elem(ffd, &slot, vals))
			continue;
		for (int c = 0; c < ncpu; c++) {
			for (size_t i = 0; vals[c].key.ifindex && i < n; i++) {
				if (vals[c].key.peer_id == ids[i]) {
					memset(&vals[c], 0, sizeof(vals[c]));
					changed = true;
					break;
				}
			}
		}
		if (changed)
			bpf_map_update_elem(ffd, &slot, vals, BPF_ANY);
	}
	free(vals);
	return 0;
}
