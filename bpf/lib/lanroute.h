/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel decides what is tunnelled: a LAN packet is encapsulated by the
 * fast path only when the kernel's own route for it, looked up as a
 * forwarding lookup with the LAN port as input interface (so local
 * addresses, broadcast routes, connected subnets, the admin's more specific
 * routes and `ip rule`s all apply), is the tunnel device.  The peer is then
 * the tun46 route's.
 */
#ifndef TUN46_BPF_LANROUTE_H
#define TUN46_BPF_LANROUTE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "hdr.h"
#include "maps.h"
#include "nhcache.h"

enum lan_route {
	LR_TUNNEL = 0, /* the kernel routes it into the tunnel device */
	LR_KERNEL,     /* the kernel routes it elsewhere (or not at all) */
	LR_NOT_US,     /* the frame is not addressed to the port (XDP only) */
};

/* The kernel's answer, without cache.  tot_len is the header only: the size
 * is checked against the peer's MTU, not the tunnel device's. */
static __always_inline bool lan_fib_to_tunnel(void *ctx, const struct iphdr *iph, __u32 in_ifindex,
					      const struct tun46_config *cfg)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	fib.family = AF_INET;
	fib.tos = iph->tos;
	fib.l4_protocol = iph->protocol;
	fib.tot_len = sizeof(*iph);
	fib.ifindex = in_ifindex;
	fib.ipv4_src = iph->saddr;
	fib.ipv4_dst = iph->daddr;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	return (rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) && cfg->tun_ifindex &&
	       fib.ifindex == cfg->tun_ifindex;
}

/*
 * XDP: is the frame (a unicast IPv4 frame) addressed to the port's MAC, and
 * does the kernel route it into the tunnel device?  Both answers are cached
 * per CPU with the flow (tun46_nh4, entries with the LAN port as in_ifindex).
 */
static __always_inline enum lan_route lan_route_cached(struct xdp_md *ctx, const struct ethhdr *eth,
						       const struct iphdr *iph, __u32 in_ifindex,
						       const struct tun46_config *cfg, __u64 now)
{
	struct tun46_nh4 *e = nh4_slot(iph);
	struct tun46_link *link;
	bool tunnel;

	if (e && nh4_match(e, iph, iph->tos, in_ifindex, now, cfg)) {
		if (!mac_eq(eth->h_dest, e->port_mac))
			return LR_NOT_US;
		return e->ifindex && e->ifindex == cfg->tun_ifindex ? LR_TUNNEL : LR_KERNEL;
	}
	link = bpf_map_lookup_elem(&tun46_links, &in_ifindex);
	if (!link || !mac_eq(eth->h_dest, link->mac))
		return LR_NOT_US;
	tunnel = lan_fib_to_tunnel(ctx, iph, in_ifindex, cfg);
	if (e) {
		nh4_fill(e, iph, iph->tos, in_ifindex, now, cfg);
		e->ifindex = tunnel ? cfg->tun_ifindex : 0;
		e->max_len = 0;
		__builtin_memcpy(e->port_mac, link->mac, ETH_ALEN);
	}
	return tunnel ? LR_TUNNEL : LR_KERNEL;
}

#endif /* TUN46_BPF_LANROUTE_H */
