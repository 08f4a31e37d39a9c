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
	LR_NOT_OURS,   /* no tun46 route covers the destination (XDP: not looked up further) */
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
 * The tun46 route's peer (*peer_id) and whether the kernel routes the
 * packet into the tunnel device (XDP and TC LAN hooks).  Both answers are cached per CPU with the
 * flow (tun46_nh4, entries with the LAN port as in_ifindex), so a hit needs
 * neither the LPM trie nor a fib lookup; the peer part is kept under the
 * generation user space moves after every route write.  Destinations no
 * tun46 route covers are not cached (LR_NOT_OURS: the kernel's, untouched).
 */
static __always_inline enum lan_route lan_route_cached(void *ctx, const struct iphdr *iph, __u32 in_ifindex,
						       const struct tun46_config *cfg, __u32 gen, __u64 now,
						       __u32 *peer_id)
{
	struct tun46_nh4 *e = nh4_slot(iph);
	bool tunnel;

	if (e && nh4_match(e, iph, iph->tos, in_ifindex, now, gen)) {
		*peer_id = e->peer_id;
		return e->ifindex && e->ifindex == cfg->tun_ifindex ? LR_TUNNEL : LR_KERNEL;
	}
	if (!encap_route_peer(iph->daddr, peer_id))
		return LR_NOT_OURS;
	tunnel = lan_fib_to_tunnel(ctx, iph, in_ifindex, cfg);
	if (e) {
		nh4_fill(e, iph, iph->tos, in_ifindex, now, gen, *peer_id);
		e->ifindex = tunnel ? cfg->tun_ifindex : 0;
		e->max_len = 0;
	}
	return tunnel ? LR_TUNNEL : LR_KERNEL;
}

#endif /* TUN46_BPF_LANROUTE_H */
