/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-CPU counters keyed by (interface, peer).  Lock-free: each CPU writes
 * only its own copy; user space sums them. */
#ifndef TUN46_BPF_STATS_H
#define TUN46_BPF_STATS_H

#include "maps.h"

/* tun46_stats is full: this update is lost; say so in the reserved slot. */
static __always_inline void stats_map_full(void)
{
	__u32 slot = TUN46_STATS_FULL_SLOT;
	struct tun46_stats_slot *full = bpf_map_lookup_elem(&tun46_stats_fast, &slot);

	if (full)
		full->c.c[TUN46_C_STATS_MAP_FULL] += 1;
}

static __always_inline struct tun46_counters *stats_get(__u32 ifindex, __u32 peer_id)
{
	struct tun46_stats_key key = {.ifindex = ifindex, .peer_id = peer_id};
	__u32 slot = tun46_stats_slot_of(ifindex, peer_id) & (TUN46_STATS_FAST_SLOTS - 1);
	struct tun46_stats_slot *fast;
	struct tun46_counters *s;
	__u32 zero_key = 0;
	void *zero;

	/* Fast path: this CPU's slot for the pair (an array lookup). */
	fast = slot != TUN46_STATS_FULL_SLOT ? bpf_map_lookup_elem(&tun46_stats_fast, &slot) : 0;
	if (fast) {
		if (fast->key.ifindex == ifindex && fast->key.peer_id == peer_id)
			return &fast->c;
		if (fast->key.ifindex == 0) { /* free on this CPU: claim it */
			fast->key = key;
			return &fast->c;
		}
	}
	s = bpf_map_lookup_elem(&tun46_stats, &key);
	if (s)
		return s;
	zero = bpf_map_lookup_elem(&tun46_zero, &zero_key);
	if (!zero)
		return 0;
	/* Another CPU may create it at the same time: BPF_NOEXIST keeps the first. */
	bpf_map_update_elem(&tun46_stats, &key, zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&tun46_stats, &key);
	if (!s)
		stats_map_full();
	return s;
}

/* Count one event; 'bytes_counter' < 0 means no byte counter. */
static __always_inline void stats_count(__u32 ifindex, __u32 peer_id, int counter, int bytes_counter, __u64 bytes)
{
	struct tun46_counters *s = stats_get(ifindex, peer_id);

	if (!s)
		return;
	if (counter >= 0 && counter < TUN46_C__MAX)
		s->c[counter] += 1;
	if (bytes_counter >= 0 && bytes_counter < TUN46_C__MAX)
		s->c[bytes_counter] += bytes;
}

static __always_inline void stats_inc(__u32 ifindex, __u32 peer_id, int counter)
{
	stats_count(ifindex, peer_id, counter, -1, 0);
}

#endif /* TUN46_BPF_STATS_H */
