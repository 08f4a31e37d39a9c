/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-peer liveness: the time of the last packet from a peer that passed
 * every decapsulation check (fast path or handed to the kernel), for
 * `tun46 peer show` ("last rx 3.2s ago") and the metrics.
 *
 * The clock is bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC_COARSE, one
 * tick of resolution): it reads the timekeeper's last tick, where
 * bpf_ktime_get_ns() reads the clocksource (~60 ns a packet here, see
 * nhcache.h).  User space compares it with clock_gettime() of the same
 * clock.  The slot is written only when the tick moved, so a busy peer
 * dirties its per-CPU line once per tick at most. */
#ifndef TUN46_BPF_PEERRX_H
#define TUN46_BPF_PEERRX_H

#include "maps.h"

static __always_inline void peer_rx_mark(__u32 peer_id)
{
	__u64 *t = bpf_map_lookup_elem(&tun46_peer_rx, &peer_id);
	__u64 now;

	if (!t)
		return;
	now = bpf_ktime_get_coarse_ns();
	if (*t != now)
		*t = now;
}

#endif /* TUN46_BPF_PEERRX_H */
