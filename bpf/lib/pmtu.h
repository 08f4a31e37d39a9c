/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Path MTU toward a peer (struct tun46_pmtu, map tun46_pmtu). */
#ifndef TUN46_BPF_PMTU_H
#define TUN46_BPF_PMTU_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "hdr.h"
#include "maps.h"

/* The largest inner packet this peer can carry now: its configured MTU, or
 * less while a learnt path MTU (minus the outer header) is smaller. */
static __always_inline __u32 pmtu_inner_mtu(__u32 peer_id, const struct tun46_peer *peer, __u32 outer_len)
{
	struct tun46_pmtu *p = bpf_map_lookup_elem(&tun46_pmtu, &peer_id);
	__u32 mtu = peer->mtu;

	if (p && addr6_eq(&p->remote, &peer->remote) && bpf_ktime_get_ns() < p->expires && p->mtu > outer_len &&
	    p->mtu - outer_len < mtu)
		mtu = p->mtu - outer_len;
	return mtu;
}

#endif /* TUN46_BPF_PMTU_H */
