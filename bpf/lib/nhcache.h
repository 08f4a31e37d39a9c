/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU caches of the kernel's answers for the fast path (the XDP and the
 * TC LAN/WAN programs alike).
 *
 * The fib lookups are most of the cost of a packet, and their answers are the
 * same for every packet of a flow (or, for the outer lookup, of a peer).
 * Each CPU keeps them for at most TUN46_NH_TTL_MS and then asks the kernel again.
 *
 * Staleness is bounded and small: tun46's own configuration (peers, routes,
 * decap index), a detached port or a new path MTU misses at once
 * (tun46_config.gen, stored in every entry, moves: user space after every
 * write to those maps, the datapath on a Packet Too Big); a changed kernel
 * route, rule or neighbour is seen within TUN46_NH_TTL_MS.  (Traffic forwarded by XDP does not confirm neighbours
 * anyway: the kernel's own answer is the last resolved MAC until the entry is
 * garbage collected.)
 */
#ifndef TUN46_BPF_NHCACHE_H
#define TUN46_BPF_NHCACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "encap.h"
#include "pmtu.h"

/*
 * The clock of the caches is jiffies: bpf_jiffies64() is inlined by the
 * verifier into one load, where bpf_ktime_get_ns() reads the clocksource
 * (rdtsc behind a fence, a paravirtual clock in a VM): that read alone cost
 * ~60 ns a packet, more than any lookup it saved.  The lifetime of an entry
 * is tun46_nh_ttl_jiffies ticks, which user space sets at load from the
 * tick length (clock_getres(CLOCK_MONOTONIC_COARSE)) so that it is at most
 * TUN46_NH_TTL_MS: 12 at HZ=250 (48 ms), 50 at HZ=1000, 5 at HZ=100.  Left
 * unset (a test harness loading the object itself) it is 5 ticks, at most
 * 50 ms for any HZ >= 100.  Deadlines are compared as the kernel's
 * time_before(), so the wrap 5 minutes after boot (INITIAL_JIFFIES) is safe.
 */
#define TUN46_NH_TTL_MS		   50
#define TUN46_NH_TTL_JIFFIES_UNSET 5
const volatile __u32 tun46_nh_ttl_jiffies = TUN46_NH_TTL_JIFFIES_UNSET;

static __always_inline __u64 nh_now(void)
{
	return bpf_jiffies64();
}

static __always_inline __u64 nh_deadline(__u64 now)
{
	return now + tun46_nh_ttl_jiffies;
}

/* now is before the deadline (time_before(now, expires)) */
static __always_inline bool nh_fresh(__u64 now, __u64 expires)
{
	return (__s64)(now - expires) < 0;
}

/* ---- outer (IPv6) next hop per peer ---- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_NH_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_nh);
} tun46_nh SEC(".maps");

/* The generation the caches are checked and filled against, read once per
 * packet before any lookup: an answer looked up after user space changed a
 * map and moved the generation is then stored under the old one (stale),
 * never an old answer under the new one. */
static __always_inline __u32 nh_gen(const struct tun46_config *cfg)
{
	return *(const volatile __u32 *)&cfg->gen;
}

_Static_assert(sizeof(((struct tun46_nh *)0)->outer) == sizeof(struct outer6), "tun46_nh.outer holds struct outer6");

/*
 * encap_plan_peer() with the per-peer entry in front.  A hit (this peer,
 * fresh, this generation: user space moves the generation after every peer
 * write) needs no tun46_peers lookup and no fib lookup: the same checks are
 * made against the peer as the entry copied it, the outer header is the
 * entry's with the per-packet fields filled, and the next hop is filled in
 * (pl->nh_hit).  A miss is encap_plan_peer(); *nhp is the slot for
 * encap_nexthop() to fill.
 */
static __always_inline enum verdict encap_plan_cached(const struct iphdr *iph, void *data_end, struct encap_plan *pl,
						      __u32 gen, __u64 now, struct tun46_nh **nhp)
{
	__u32 slot = pl->peer_id & (TUN46_NH_SLOTS - 1);
	struct tun46_nh *nh = bpf_map_lookup_elem(&tun46_nh, &slot);
	__u8 ttl;

	*nhp = nh;
	if (!nh || nh->peer_id != pl->peer_id || !nh_fresh(now, nh->expires) || nh->gen != gen)
		return encap_plan_peer(iph, data_end, true, pl);
	/* as encap_plan_peer(), the peer being active (entries are made for active peers only) */
	pl->inner_len = bpf_ntohs(iph->tot_len);
	ttl = iph->ttl;
	if (!encap_may_forward(iph, pl->inner_len, nh->mtu, pl))
		return V_PASS;
	__builtin_memcpy(&pl->outer, nh->outer, sizeof(pl->outer));
	pl->outer_len = nh->outer_len;
	pl->gre = nh->flags & TUN46_PEER_F_GRE;
	encap_outer_packet(pl, nh->flags, nh->tclass, nh->hoplimit, iph->tos, ttl - 1,
			   encap_flowlabel_of(nh->flags, nh->flowlabel, iph, data_end));
	pl->ifindex = nh->ifindex;
	__builtin_memcpy(pl->smac, nh->smac, ETH_ALEN);
	__builtin_memcpy(pl->dmac, nh->dmac, ETH_ALEN);
	pl->port_ok = true;
	pl->eff_mtu = nh->eff_mtu;
	pl->nh_hit = true;
	return V_GO;
}

/*
 * After a miss of encap_plan_cached(): encap_fib() for pl->peer, and the
 * answer stored in 'nh' with the peer's outer header.  Same return values as
 * encap_fib(); pl->port_ok says the egress is known to be in tun46_ports,
 * pl->eff_mtu is the largest inner packet the peer takes now.  Only
 * successful lookups made for the peer's largest packet (outer + peer MTU)
 * are cached, so a cached answer never hides a route MTU smaller than the
 * peer MTU, and only answers whose egress is in tun46_ports.
 */
static __always_inline int encap_nexthop(void *ctx, struct encap_plan *pl, struct tun46_nh *nh,
					 const struct tun46_config *cfg, __u32 gen, __u64 now)
{
	const struct tun46_peer *peer = pl->peer;
	__u32 inner_len = pl->inner_len;
	int rc;

	if (!peer) /* cannot be (a miss planned with the peer); for the verifier, which may merge the hit path */
		return BPF_FIB_LKUP_RET_NOT_FWDED;
	pl->eff_mtu = pmtu_inner_mtu(pl->peer_id, peer, pl->outer_len);
	/* Ask for the largest packet this peer may carry. */
	pl->inner_len = peer->mtu;
	rc = encap_fib(ctx, pl, cfg, true);
	pl->inner_len = inner_len;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) {
		/* The route's MTU is below the peer's (a PPPoE WAN of 1454, a
		 * peer `mtu` set too large): the fast path takes what fits, the
		 * rest goes to the kernel and the tunnel device answers it with
		 * frag needed, and the answer is cached like any other (it used
		 * to cost two lookups on every packet). */
		if (pl->fib_mtu > pl->outer_len && pl->fib_mtu - pl->outer_len < pl->eff_mtu) {
			pl->eff_mtu = pl->fib_mtu - pl->outer_len;
			pl->inner_len = pl->eff_mtu;
			rc = encap_fib(ctx, pl, cfg, true);
			pl->inner_len = inner_len;
		}
		if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
			return encap_fib(ctx, pl, cfg, true); /* no usable route MTU: no caching */
	}
	if (rc == BPF_FIB_LKUP_RET_SUCCESS && nh && bpf_map_lookup_elem(&tun46_ports, &pl->ifindex)) {
		pl->port_ok = true;
		__builtin_memcpy(&nh->local, &peer->local, sizeof(nh->local));
		__builtin_memcpy(&nh->remote, &peer->remote, sizeof(nh->remote));
		nh->peer_id = pl->peer_id;
		nh->ifindex = pl->ifindex;
		nh->flags = peer->flags;
		nh->mtu = peer->mtu;
		nh->eff_mtu = pl->eff_mtu;
		nh->gen = gen;
		__builtin_memcpy(nh->smac, pl->smac, ETH_ALEN);
		__builtin_memcpy(nh->dmac, pl->dmac, ETH_ALEN);
		nh->flowlabel = peer->flowlabel;
		nh->hoplimit = peer->hoplimit;
		nh->tclass = peer->tclass;
		nh->outer_len = pl->outer_len;
		__builtin_memcpy(nh->outer, &pl->outer, sizeof(nh->outer));
		nh->expires = nh_deadline(now);
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
				      __u64 now, __u32 gen)
{
	return nh_fresh(now, e->expires) && e->saddr == iph->saddr && e->daddr == iph->daddr && e->tos == tos &&
	       e->proto == iph->protocol && e->in_ifindex == in_ifindex && e->gen == gen;
}

static __always_inline void nh4_fill(struct tun46_nh4 *e, const struct iphdr *iph, __u8 tos, __u32 in_ifindex,
				     __u64 now, __u32 gen, __u32 peer_id)
{
	e->saddr = iph->saddr;
	e->daddr = iph->daddr;
	e->tos = tos;
	e->proto = iph->protocol;
	e->in_ifindex = in_ifindex;
	e->gen = gen;
	e->peer_id = peer_id;
	e->expires = nh_deadline(now);
}

#endif /* TUN46_BPF_NHCACHE_H */
