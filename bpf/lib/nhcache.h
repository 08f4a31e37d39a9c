/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU caches of the kernel's answers for the XDP programs.
 *
 * The fib lookups are most of the cost of a packet, and their answers are the
 * same for every packet of a flow (or, for the outer lookup, of a peer).
 * Each CPU keeps them for TUN46_NH_TTL_NS and then asks the kernel again.
 *
 * Staleness is bounded and small: a changed peer address, MTU or option
 * misses at once (an entry keeps what it was made for); a detached port or a
 * new path MTU misses at once too (tun46_config.gen, stored in every entry,
 * changes); a changed route, rule or neighbour is seen within
 * TUN46_NH_TTL_NS.  (Traffic forwarded by XDP does not confirm neighbours
 * anyway: the kernel's own answer is the last resolved MAC until the entry is
 * garbage collected.)
 */
#ifndef TUN46_BPF_NHCACHE_H
#define TUN46_BPF_NHCACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "encap.h"
#include "pmtu.h"

#define TUN46_NH_TTL_NS (50ULL * 1000 * 1000) /* 50 ms */

/* ---- outer (IPv6) next hop per peer ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_NH_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_nh);
} tun46_nh SEC(".maps");

/*
 * encap_fib() with the cache in front: same return values; pl->port_ok says
 * the egress is known to be in tun46_ports, pl->eff_mtu is the largest inner
 * packet the peer takes now.  Only successful lookups made for the peer's
 * largest packet (outer + peer MTU) are cached, so a cached answer never hides
 * a route MTU smaller than the peer MTU, and only answers whose egress is in
 * tun46_ports.
 */
static __always_inline int encap_nexthop(void *ctx, struct encap_plan *pl, const struct tun46_peer *peer,
					 const struct tun46_config *cfg, __u64 now)
{
	__u32 slot = pl->peer_id & (TUN46_NH_SLOTS - 1);
	struct tun46_nh *nh = bpf_map_lookup_elem(&tun46_nh, &slot);
	__u32 inner_len = pl->inner_len;
	int rc;

	if (nh && nh->peer_id == pl->peer_id && now < nh->expires && nh->gen == cfg->gen && nh->flags == peer->flags &&
	    nh->mtu == peer->mtu && addr6_eq(&nh->remote, &peer->remote) && addr6_eq(&nh->local, &peer->local)) {
		pl->ifindex = nh->ifindex;
		__builtin_memcpy(pl->smac, nh->smac, ETH_ALEN);
		__builtin_memcpy(pl->dmac, nh->dmac, ETH_ALEN);
		pl->port_ok = true;
		pl->eff_mtu = nh->eff_mtu;
		return BPF_FIB_LKUP_RET_SUCCESS;
	}
	pl->eff_mtu = pmtu_inner_mtu(pl->peer_id, peer, pl->outer_len);
	/* Ask for the largest packet this peer may carry. */
	pl->inner_len = peer->mtu;
	rc = encap_fib(ctx, pl, cfg, true);
	pl->inner_len = inner_len;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return encap_fib(ctx, pl, cfg, true); /* route MTU below the peer's: no caching */
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && nh && bpf_map_lookup_elem(&tun46_ports, &pl->ifindex)) {
		pl->port_ok = true;
		__builtin_memcpy(&nh->local, &peer->local, sizeof(nh->local));
		__builtin_memcpy(&nh->remote, &peer->remote, sizeof(nh->remote));
		nh->peer_id = pl->peer_id;
		nh->ifindex = pl->ifindex;
		nh->flags = peer->flags;
		nh->mtu = peer->mtu;
		nh->eff_mtu = pl->eff_mtu;
		nh->gen = cfg->gen;
		__builtin_memcpy(nh->smac, pl->smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, pl->dmac, ETH_ALEN);
		nh->expires = now + TUN46_NH_TTL_NS;
	}
	return rc;
}

/* ---- kernel IPv4 routes ----
 * Direct-mapped by (source, destination).  An entry holds every input of the
 * lookup (source, destination, TOS, protocol, input interface), so policy
 * routing answers are kept apart, and, for the WAN side, the largest packet
 * size it was checked for, so a route MTU is never skipped. */
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
				      __u64 now, const struct tun46_config *cfg)
{
	return now < e->expires && e->saddr == iph->saddr && e->daddr == iph->daddr && e->tos == tos &&
	       e->proto == iph->protocol && e->in_ifindex == in_ifindex && e->gen == cfg->gen;
}

static __always_inline void nh4_fill(struct tun46_nh4 *e, const struct iphdr *iph, __u8 tos, __u32 in_ifindex,
				     __u64 now, const struct tun46_config *cfg)
{
	e->saddr = iph->saddr;
	e->daddr = iph->daddr;
	e->tos = tos;
	e->proto = iph->protocol;
	e->in_ifindex = in_ifindex;
	e->gen = cfg->gen;
	e->expires = now + TUN46_NH_TTL_NS;
}

#endif /* TUN46_BPF_NHCACHE_H */
