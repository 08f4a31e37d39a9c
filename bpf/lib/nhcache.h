/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Next-hop cache for the XDP encapsulation path.
 *
 * The IPv6 fib lookup toward a peer is most of the cost of xdp_lan (about
 * 200 ns of 390 on the reference machine), and its answer is the same for
 * every packet to that peer.  Each CPU keeps the answer per peer for
 * TUN46_NH_TTL_NS and then asks the kernel again.
 *
 * Staleness is bounded and small: a changed peer address, MTU or option
 * misses at once (the entry keeps what it was made for), a changed route or
 * neighbour is seen within TUN46_NH_TTL_NS.  (Traffic forwarded by XDP does
 * not confirm neighbours anyway: the kernel's own answer is the last
 * resolved MAC until the entry is garbage collected.)  Only successful
 * lookups made for the peer's largest packet (outer + peer MTU) are cached,
 * so a cached answer never hides a route MTU smaller than the peer MTU, and
 * only answers whose egress is in tun46_ports: a hit needs no port lookup
 * (an interface detached meanwhile is noticed within the same bound).
 */
#ifndef TUN46_BPF_NHCACHE_H
#define TUN46_BPF_NHCACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "encap.h"

#define TUN46_NH_SLOTS	1024		      /* per CPU; peers hash into it by id */
#define TUN46_NH_TTL_NS (50ULL * 1000 * 1000) /* 50 ms */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_NH_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_nh);
} tun46_nh SEC(".maps");

/* encap_fib() with the cache in front: same return values; pl->port_ok says
 * the egress is known to be in tun46_ports. */
static __always_inline int encap_nexthop(void *ctx, struct encap_plan *pl, const struct tun46_peer *peer,
					 __u32 in_ifindex)
{
	__u32 slot = pl->peer_id & (TUN46_NH_SLOTS - 1);
	struct tun46_nh *nh = bpf_map_lookup_elem(&tun46_nh, &slot);
	__u64 now = bpf_ktime_get_ns();
	__u32 inner_len = pl->inner_len;
	int rc;

	if (nh && nh->peer_id == pl->peer_id && now < nh->expires && nh->flags == peer->flags && nh->mtu == peer->mtu &&
	    addr6_eq(&nh->remote, &peer->remote) && addr6_eq(&nh->local, &peer->local)) {
		pl->ifindex = nh->ifindex;
		__builtin_memcpy(pl->smac, nh->smac, ETH_ALEN);
		__builtin_memcpy(pl->dmac, nh->dmac, ETH_ALEN);
		pl->port_ok = true;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	/* Ask for the largest packet this peer may carry. */
	pl->inner_len = peer->mtu;
	rc = encap_fib(ctx, pl, in_ifindex, true);
	pl->inner_len = inner_len;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return encap_fib(ctx, pl, in_ifindex, true); /* route MTU below the peer's: no caching */
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && nh && bpf_map_lookup_elem(&tun46_ports, &pl->ifindex)) {
		pl->port_ok = true;
		__builtin_memcpy(&nh->local, &peer->local, sizeof(nh->local));
		__builtin_memcpy(&nh->remote, &peer->remote, sizeof(nh->remote));
		nh->peer_id = pl->peer_id;
		nh->ifindex = pl->ifindex;
		nh->flags = peer->flags;
		nh->mtu = peer->mtu;
		__builtin_memcpy(nh->smac, pl->smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, pl->dmac, ETH_ALEN);
		nh->expires = now + TUN46_NH_TTL_NS;
	}
	return rc;
}

/*
 * The same for the decapsulation path: the IPv4 route lookup of the inner
 * packet, per CPU, direct-mapped by (source, destination), for
 * TUN46_NH_TTL_NS.  An entry holds every input of the lookup (source,
 * destination, TOS, protocol, input interface), so policy routing answers
 * are kept apart, and the largest packet size it was checked for, so a
 * route MTU is never skipped.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_NH4_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_nh4);
} tun46_nh4 SEC(".maps");

static __always_inline struct tun46_nh4 *nh4_slot(const struct iphdr *iph)
{
	__u32 slot = tun46_mix32(iph->saddr ^ tun46_mix32(iph->daddr)) & (TUN46_NH4_SLOTS - 1);

	return bpf_map_lookup_elem(&tun46_nh4, &slot);
}

static __always_inline bool nh4_match(const struct tun46_nh4 *e, const struct iphdr *iph, __u8 tos, __u32 in_ifindex,
				      __u64 now)
{
	return now < e->expires && e->saddr == iph->saddr && e->daddr == iph->daddr && e->tos == tos &&
	       e->proto == iph->protocol && e->in_ifindex == in_ifindex;
}

#endif /* TUN46_BPF_NHCACHE_H */
