/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Decapsulation checks, shared by the XDP and TC programs: is this tunnel
 * traffic, from which peer, is it well formed and allowed, and what the
 * inner header must become (RFC 6040 ECN). */
#ifndef TUN46_BPF_DECAP_H
#define TUN46_BPF_DECAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tun46/tun46.h>
#include "hdr.h"
#include "maps.h"
#include "encap.h" /* enum verdict, AF_* */
#include "nhcache.h"
#include "gre.h"
#include "decapcache.h"
#include "fibscratch.h"

struct decap_plan {
	struct iphdr *iph; /* the validated inner header (packet pointer) */
	__u32 peer_id;
	__u32 outer_len; /* IPv6 header + extension header: bytes to remove */
	__u32 inner_len; /* inner total length */
	__u32 trim;	 /* bytes after the inner packet to cut off */
	__u8 new_tos;	 /* inner TOS with the RFC 6040 ECN result */
	int reason;	 /* counter for V_PASS / V_DROP */
	/* from the fib lookup */
	__u32 ifindex;
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
	bool port_ok;  /* ifindex known to be in tun46_ports */
	bool gre_csum; /* GRE with the checksum bit: tc_wan verifies it (xdp_wan passes such packets) */
	__u32 gre_off; /* GRE: offset of its header from the IPv6 header */
	/* the caches, set by the caller before decap_plan() (xdp_wan, tc_wan; zero: none) */
	bool cache;
	__u32 gen;	     /* nh_gen() */
	__u64 now;	     /* nh_now() */
	__u32 tun_ifindex;   /* tun46_config.tun_ifindex */
	struct tun46_nh4 *e; /* the flow's tun46_nh4 slot, once looked up */
	bool src_hit;	     /* e holds this flow from this peer: its source passed the peer-prefix check */
};

/*
 * With dp->cache: does the route cache hold this inner flow (the forward
 * lookup's inputs, TOS after RFC 6040 decapsulation, input = the tunnel
 * device) from this peer, under this generation?  An entry is only made for
 * packets that passed every check, so its source is one of the peer's
 * prefixes as the routes stood then, and the generation moves with every
 * route write.  Remembers the slot for decap_route().
 */
static __always_inline bool decap_src_cached(const struct ipv6hdr *ip6, const struct iphdr *iph, struct decap_plan *dp)
{
	int ecn;

	if (!dp->cache || !dp->tun_ifindex)
		return false;
	ecn = ecn_decap(ipv6_tclass(ip6), iph->tos);
	if (ecn < 0)
		return false; /* dropped below, as without the cache */
	dp->e = nh4_slot(iph);
	dp->src_hit = dp->e &&
		      nh4_match(dp->e, iph, (iph->tos & ~ECN_MASK) | (__u8)ecn, dp->tun_ifindex, dp->now, dp->gen) &&
		      dp->e->peer_id == dp->peer_id;
	return dp->src_hit;
}

/*
 * 'ip6' points at an IPv6 header with at least 40 bytes present; 'avail' =
 * bytes from ip6 to the end of the frame.  Returns V_NOT_OURS for packets
 * that are not ip4ip6 (left alone), V_DROP with a reason, or V_GO with a
 * plan whose inner header (at ip6 + plan->outer_len) is validated.
 */
static __always_inline enum verdict decap_plan(struct ipv6hdr *ip6, void *data_end, __u32 avail, struct decap_plan *dp)
{
	union tun46_addr6 src;
	struct tun46_route_key key = {.prefixlen = 32};
	struct tun46_route *rt;
	const struct tun46_decap *peer = 0;
	struct iphdr *iph;
	__u32 payload, inner_avail, hlen, tot;
	__u8 *opt, *g, nh;
	int ecn, olen, glen;
	bool want_key;

	dp->peer_id = 0;
	if (ip6->version != 6) {
		dp->reason = TUN46_C_DECAP_DROP_NOT_IPV6;
		return V_DROP;
	}
	__builtin_memcpy(&src, &ip6->saddr, sizeof(src));
	nh = ip6->nexthdr;
	if (nh == TUN46_NEXTHDR_DSTOPTS) {
		opt = (void *)(ip6 + 1);
		if ((void *)(opt + TUN46_DSTOPT_LEN) > data_end) {
			dp->reason = TUN46_C_DECAP_DROP_TRUNC_OUTER;
			return V_DROP;
		}
		nh = opt[0];
	}
	if (nh == TUN46_NEXTHDR_GRE) {
		/* GRE from elsewhere is the kernel's (its own ip6gre tunnels) */
		peer = decap_index(&src, dp->cache, dp->gen);
		if (!peer || !(peer->flags & TUN46_PEER_F_ACTIVE))
			return V_NOT_OURS;
	} else if (nh != TUN46_NEXTHDR_IPIP) {
		return V_NOT_OURS;
	}
	if (ip6->nexthdr == TUN46_NEXTHDR_DSTOPTS) {
		opt = (void *)(ip6 + 1);
		if ((void *)(opt + TUN46_DSTOPT_LEN) > data_end) { /* checked above: for the verifier */
			dp->reason = TUN46_C_DECAP_DROP_TRUNC_OUTER;
			return V_DROP;
		}
		olen = dstopt_check(opt, data_end); /* any valid length: 8..2048 bytes */
		if (olen < 0) {
			dp->reason =
			    olen == DSTOPT_TRUNC ? TUN46_C_DECAP_DROP_TRUNC_OUTER : TUN46_C_DECAP_DROP_BAD_EXTHDR;
			return V_DROP;
		}
		olen &= OUTER6_LEN_MASK;
		dp->outer_len = TUN46_IPV6_HLEN + olen;
	} else {
		dp->outer_len = TUN46_IPV6_HLEN;
	}

	/* Only configured peers, only toward their local address. */
	if (!peer)
		peer = decap_index(&src, dp->cache, dp->gen);
	if (!peer || !(peer->flags & TUN46_PEER_F_ACTIVE)) {
		dp->reason = TUN46_C_DECAP_DROP_UNKNOWN_PEER;
		return V_DROP;
	}
	dp->peer_id = peer->peer_id;
	if (!addr6_eq(&ip6->daddr, &peer->local)) {
		dp->reason = TUN46_C_DECAP_DROP_WRONG_LOCAL;
		return V_DROP;
	}
	want_key = (peer->flags & TUN46_PEER_F_GRE) && (peer->flags & TUN46_PEER_F_GRE_KEY);
	if (nh == TUN46_NEXTHDR_GRE) {
		/* Either encapsulation from any peer (as two kernel tunnels would
		 * take them), so that the two ends can switch one at a time. */
		g = (void *)ip6 + (dp->outer_len & OUTER6_LEN_MASK);
		glen = gre_check(g, data_end,
				 (int)bpf_ntohs(ip6->payload_len) + TUN46_IPV6_HLEN -
				     (int)(dp->outer_len & OUTER6_LEN_MASK),
				 want_key, peer->key, &dp->gre_csum, &dp->reason);
		if (glen <= 0) {
			if (glen == GRE_TRUNC)
				dp->reason = TUN46_C_DECAP_DROP_TRUNC_OUTER;
			return V_DROP;
		}
		dp->gre_off = dp->outer_len;
		dp->outer_len += glen;
	} else if (want_key) { /* a key says: only GRE with this key */
		dp->reason = TUN46_C_DECAP_DROP_GRE_KEY;
		return V_DROP;
	}
	iph = (void *)ip6 + (dp->outer_len & OUTER6_LEN_MASK);

	/* Lengths: outer payload within the frame, inner header within it. */
	payload = bpf_ntohs(ip6->payload_len);
	if (payload > avail - TUN46_IPV6_HLEN || payload < dp->outer_len - TUN46_IPV6_HLEN) {
		dp->reason = TUN46_C_DECAP_DROP_TRUNC_OUTER;
		return V_DROP;
	}
	inner_avail = payload - (dp->outer_len - TUN46_IPV6_HLEN);
	if (inner_avail < sizeof(*iph) || (void *)(iph + 1) > data_end) {
		dp->reason = TUN46_C_DECAP_DROP_TRUNC_INNER;
		return V_DROP;
	}
	if (iph->version != 4) {
		dp->reason = TUN46_C_DECAP_DROP_NOT_IPV4;
		return V_DROP;
	}
	if (iph->ihl < 5) {
		dp->reason = TUN46_C_DECAP_DROP_BAD_IHL;
		return V_DROP;
	}
	hlen = iph->ihl * 4;
	if (hlen > inner_avail) {
		dp->reason = TUN46_C_DECAP_DROP_TRUNC_INNER;
		return V_DROP;
	}
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen || tot > inner_avail) {
		dp->reason = TUN46_C_DECAP_DROP_BAD_LENGTH;
		return V_DROP;
	}
	dp->inner_len = tot;
	dp->trim = avail - dp->outer_len - tot;

	/* The inner source must be one of this peer's prefixes (longest match);
	 * with the caches, a cached answer for the flow from this peer says it is. */
	if (!decap_src_cached(ip6, iph, dp)) {
		key.addr = iph->saddr;
		rt = bpf_map_lookup_elem(&tun46_routes, &key);
		if (!rt || rt->peer_id != dp->peer_id) {
			dp->reason = TUN46_C_DECAP_DROP_INNER_SOURCE;
			return V_DROP;
		}
	}

	/* RFC 6040 normal mode. */
	ecn = ecn_decap(ipv6_tclass(ip6), iph->tos);
	if (ecn < 0) {
		dp->reason = TUN46_C_DECAP_DROP_ECN;
		return V_DROP;
	}
	dp->new_tos = (iph->tos & ~ECN_MASK) | (__u8)ecn;
	dp->iph = iph;
	return V_GO;
}

/*
 * The kernel's strict reverse-path rule (fib_validate_source) for an inner
 * packet arriving on the tunnel device: the route back to its source must go
 * out through the tunnel device.  Returns 0, or the drop counter: a local (or
 * broadcast) source, or any other route back.  The lookup is made
 * as a forwarding lookup with the tunnel device as input, so `ip rule ... iif
 * tun46` applies to it as to the forward lookup.
 */
static __always_inline int decap_rpf(void *ctx, const struct iphdr *iph, __u8 tos, const struct tun46_config *cfg)
{
	struct bpf_fib_lookup *fib = fib_scratch();
	int rc;

	if (!fib)
		return TUN46_C_DECAP_DROP_RPF;

	fib->family = AF_INET;
	fib->tos = tos;
	fib->l4_protocol = iph->protocol;
	fib->tot_len = sizeof(*iph); /* never a reason for FRAG_NEEDED */
	fib->ifindex = cfg->tun_ifindex;
	fib->ipv4_src = iph->daddr;
	fib->ipv4_dst = iph->saddr;
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) && fib->ifindex == cfg->tun_ifindex)
		return 0;
	/* NOT_FWDED: a local or broadcast route (or no route at all, which
	 * cannot be: the peer-prefix check found a tun46 route, which has a
	 * kernel route).  A lookup in the main table alone cannot tell them
	 * apart: without custom rules the kernel merges the local table into it. */
	return rc == BPF_FIB_LKUP_RET_NOT_FWDED ? TUN46_C_DECAP_DROP_LOCAL_SOURCE : TUN46_C_DECAP_DROP_RPF;
}

/*
 * What the kernel would do with the inner packet arriving on the tunnel
 * device.  V_GO: the fast path forwards it (egress filled in); V_PASS with a
 * reason: decapsulate, then the kernel (slow path, as if from the tunnel
 * device); V_DROP with a reason: a source the kernel would refuse (martian,
 * local, failing the reverse-path check) or a bad header checksum.
 * With 'cache', answers come from and go to tun46_nh4; an entry means
 * that every check passed for its flow.
 */
static __always_inline enum verdict decap_route(void *ctx, const struct iphdr *iph, struct decap_plan *dp,
						const struct tun46_config *cfg, bool cache)
{
	struct bpf_fib_lookup *fib;
	struct tun46_nh4 *e = 0;
	__u64 now = 0;
	int rc;

	if (iph->ihl == 5 && !ipv4_csum_ok20(iph)) {
		dp->reason = TUN46_C_DECAP_DROP_INNER_CSUM;
		return V_DROP;
	}
	if (ipv4_martian(iph->saddr)) {
		dp->reason = TUN46_C_DECAP_DROP_MARTIAN;
		return V_DROP;
	}
	if (!cfg->tun_ifindex) { /* no tunnel device (yet): the kernel decides on the WAN */
		dp->reason = TUN46_C_DECAP_PASS_NO_PORT;
		return V_PASS;
	}
	if (cache && iph->ihl == 5) {
		e = dp->e ? dp->e : nh4_slot(iph);
		now = dp->now;
		if (e &&
		    (dp->src_hit ||
		     (nh4_match(e, iph, dp->new_tos, cfg->tun_ifindex, now, dp->gen) && e->peer_id == dp->peer_id)) &&
		    dp->inner_len <= e->max_len && iph->ttl > 1) {
			dp->ifindex = e->ifindex;
			__builtin_memcpy(dp->smac, e->smac, ETH_ALEN);
			__builtin_memcpy(dp->dmac, e->dmac, ETH_ALEN);
			dp->port_ok = true;
			return V_GO;
		}
	}
	rc = decap_rpf(ctx, iph, dp->new_tos, cfg);
	if (rc) {
		dp->reason = rc;
		return V_DROP;
	}
	if (iph->ihl != 5) {
		dp->reason = TUN46_C_DECAP_PASS_OPTIONS;
		return V_PASS;
	}
	if (iph->ttl <= 1) {
		dp->reason = TUN46_C_DECAP_PASS_TTL;
		return V_PASS;
	}
	fib = fib_scratch();
	if (!fib) {
		dp->reason = TUN46_C_DECAP_PASS_FIB;
		return V_PASS;
	}
	fib->family = AF_INET;
	fib->tos = dp->new_tos;
	fib->l4_protocol = iph->protocol;
	fib->tot_len = dp->inner_len;
	fib->ifindex = cfg->tun_ifindex; /* as if received on the tunnel device, like ip6tnl */
	fib->ipv4_src = iph->saddr;
	fib->ipv4_dst = iph->daddr;
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	dp->ifindex = fib->ifindex;
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		__builtin_memcpy(dp->smac, fib->smac, ETH_ALEN);
		__builtin_memcpy(dp->dmac, fib->dmac, ETH_ALEN);
		if (e && bpf_map_lookup_elem(&tun46_ports, &dp->ifindex)) {
			/* a same-key live entry checked for a larger size keeps it */
			if (!nh4_match(e, iph, dp->new_tos, cfg->tun_ifindex, now, dp->gen) ||
			    e->peer_id != dp->peer_id || e->max_len < dp->inner_len)
				e->max_len = dp->inner_len;
			nh4_fill(e, iph, dp->new_tos, cfg->tun_ifindex, now, dp->gen, dp->peer_id);
			e->ifindex = dp->ifindex;
			__builtin_memcpy(e->smac, dp->smac, ETH_ALEN);
			__builtin_memcpy(e->dmac, dp->dmac, ETH_ALEN);
			dp->port_ok = true;
		}
		return V_GO;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		dp->reason = TUN46_C_DECAP_PASS_NO_NEIGH;
		break;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		dp->reason = TUN46_C_DECAP_PASS_TOO_BIG;
		break;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		dp->reason = TUN46_C_DECAP_PASS_LOCAL;
		break;
	default:
		dp->reason = TUN46_C_DECAP_PASS_FIB;
		break;
	}
	return V_PASS;
}

/* Apply the RFC 6040 result and, on the fast path, the TTL decrement. */
static __always_inline void decap_fix_inner(struct iphdr *iph, const struct decap_plan *dp, bool dec_ttl)
{
	if (iph->tos != dp->new_tos)
		ipv4_set_tos(iph, dp->new_tos);
	if (dec_ttl)
		ipv4_dec_ttl(iph);
}

#endif /* TUN46_BPF_DECAP_H */
