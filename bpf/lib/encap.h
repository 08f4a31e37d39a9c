/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Encapsulation decisions, shared by the XDP and TC programs: which peer,
 * whether the fast path may finish the packet, and the outer header. */
#ifndef TUN46_BPF_ENCAP_H
#define TUN46_BPF_ENCAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tun46/tun46.h>
#include <tun46/flowhash.h>
#include "hdr.h"
#include "maps.h"
#include "pmtu.h"
#include "gre.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

enum verdict {
	V_NOT_OURS = 0, /* not tun46 traffic: leave it alone, count nothing */
	V_GO,		/* the fast path finishes it */
	V_PASS,		/* hand to the kernel, count 'reason' */
	V_DROP,		/* drop, count 'reason' */
};

struct encap_plan {
	struct outer6 outer;
	__u32 outer_len; /* 40 or 48 (ip4ip6); 44, 48, 52 or 56 (GRE) */
	bool gre;	 /* the outer header ends with GRE */
	__u32 inner_len; /* inner IPv4 total length */
	__u32 peer_id;
	const struct tun46_peer *peer; /* map value, valid for this packet */
	int reason;		       /* counter for V_PASS / V_DROP */
	/* from the fib lookup */
	__u32 ifindex;
	__u8 smac[ETH_ALEN];
	__u8 dmac[ETH_ALEN];
	bool port_ok;  /* ifindex known to be in tun46_ports */
	__u32 eff_mtu; /* largest inner packet the peer takes now (path MTU applied) */
	bool nh_hit;   /* outer header and next hop came from the per-peer cache (pl->peer unset) */
	__u16 fib_mtu; /* the route MTU when the lookup said FRAG_NEEDED */
};

/* The flow label of a peer's packet (its flags and fixed label given). */
static __always_inline __u32 encap_flowlabel_of(__u32 flags, __u32 fixed, const struct iphdr *iph, void *data_end)
{
	__u32 ports = 0;
	__u32 hlen = iph->ihl * 4;

	if (flags & TUN46_PEER_F_FLOWLABEL_FIXED)
		return fixed & TUN46_FLOWLABEL_MASK;
	if (!ipv4_is_fragment(iph) && ipv4_has_ports(iph->protocol) && hlen <= 60) {
		const void *l4 = (const void *)iph + hlen;

		if (l4 + sizeof(ports) <= data_end)
			__builtin_memcpy(&ports, l4, sizeof(ports));
	}
	return tun46_flow_hash(iph->saddr, iph->daddr, iph->protocol, ports);
}

static __always_inline __u32 encap_flowlabel(const struct tun46_peer *peer, const struct iphdr *iph, void *data_end)
{
	return encap_flowlabel_of(peer->flags, peer->flowlabel, iph, data_end);
}

/* The fields of the outer header that vary per packet: version/traffic
 * class/flow label, hop limit and payload length ('ttl' is the inner TTL as
 * it will be sent; pl->outer_len is set). */
static __always_inline void encap_outer_packet(struct encap_plan *pl, __u32 flags, __u8 peer_tclass, __u8 hoplimit,
					       __u8 tos, __u8 ttl, __u32 flowlabel)
{
	struct ipv6hdr *ip6 = &pl->outer.ip6;
	__u8 tclass;
	__u32 vtf;

	if (flags & TUN46_PEER_F_TCLASS_INHERIT)
		tclass = tos;
	else
		tclass = (peer_tclass & ~ECN_MASK) | (tos & ECN_MASK); /* RFC 6040: copy ECN */
	vtf = (6u << 28) | ((__u32)tclass << 20) | (flowlabel & TUN46_FLOWLABEL_MASK);
	*(__be32 *)ip6 = bpf_htonl(vtf);
	ip6->hop_limit = (flags & TUN46_PEER_F_HOPLIMIT_INHERIT) ? ttl : hoplimit;
	ip6->payload_len = bpf_htons(pl->inner_len + pl->outer_len - TUN46_IPV6_HLEN);
}

/* Fill the outer header.  'ttl' is the inner TTL as it will be sent. */
static __always_inline void encap_build_outer(struct encap_plan *pl, const struct tun46_peer *peer, __u8 tos, __u8 ttl,
					      __u32 flowlabel)
{
	struct ipv6hdr *ip6 = &pl->outer.ip6;
	__u32 ext = 0;
	__u8 nh;

	__builtin_memcpy(&ip6->saddr, &peer->local, sizeof(ip6->saddr));
	__builtin_memcpy(&ip6->daddr, &peer->remote, sizeof(ip6->daddr));
	pl->gre = peer->flags & TUN46_PEER_F_GRE;
	nh = pl->gre ? TUN46_NEXTHDR_GRE : TUN46_NEXTHDR_IPIP;
	if (peer->flags & TUN46_PEER_F_ENCAPLIMIT) {
		ip6->nexthdr = TUN46_NEXTHDR_DSTOPTS;
		pl->outer.opt[0] = nh;
		pl->outer.opt[1] = 0;
		pl->outer.opt[2] = TUN46_OPT_TUNNEL_ENCAP_LIMIT;
		pl->outer.opt[3] = 1;
		pl->outer.opt[4] = peer->encaplimit;
		pl->outer.opt[5] = TUN46_OPT_PADN;
		pl->outer.opt[6] = 1;
		pl->outer.opt[7] = 0;
		ext = TUN46_DSTOPT_LEN;
		if (nh == TUN46_NEXTHDR_GRE)
			ext += gre_build(pl->outer.opt + TUN46_DSTOPT_LEN, peer);
	} else {
		ip6->nexthdr = nh;
		if (nh == TUN46_NEXTHDR_GRE)
			ext = gre_build(pl->outer.opt, peer);
	}
	pl->outer_len = TUN46_IPV6_HLEN + ext;
	encap_outer_packet(pl, peer->flags, peer->tclass, peer->hoplimit, tos, ttl, flowlabel);
}

/* Copy the outer header into the packet at p: one constant-size copy per
 * possible length.  Returns 0, or -1 if the packet is too short. */
static __always_inline int outer_write(void *p, const void *data_end, const struct encap_plan *pl)
{
	switch (pl->outer_len) {
	case TUN46_IPV6_HLEN:
		if (p + TUN46_IPV6_HLEN > data_end)
			return -1;
		__builtin_memcpy(p, &pl->outer, TUN46_IPV6_HLEN);
		return 0;
	case TUN46_IPV6_HLEN + 4:
		if (p + TUN46_IPV6_HLEN + 4 > data_end)
			return -1;
		__builtin_memcpy(p, &pl->outer, TUN46_IPV6_HLEN + 4);
		return 0;
	case TUN46_IPV6_HLEN + 8:
		if (p + TUN46_IPV6_HLEN + 8 > data_end)
			return -1;
		__builtin_memcpy(p, &pl->outer, TUN46_IPV6_HLEN + 8);
		return 0;
	case TUN46_IPV6_HLEN + 12:
		if (p + TUN46_IPV6_HLEN + 12 > data_end)
			return -1;
		__builtin_memcpy(p, &pl->outer, TUN46_IPV6_HLEN + 12);
		return 0;
	case TUN46_IPV6_HLEN + 16:
		if (p + TUN46_IPV6_HLEN + 16 > data_end)
			return -1;
		__builtin_memcpy(p, &pl->outer, TUN46_IPV6_HLEN + 16);
		return 0;
	}
	return -1;
}

/*
 * Decide what to do with an IPv4 packet that wants to leave through the
 * tunnel (GSO packets are passed with forwarding = false for the MTU: the
 * caller handles them).  'avail' = bytes from iph to the end of the frame (data_end for
 * direct access may end earlier on a non-linear skb).  'forwarding'
 * is true on the LAN hook, where the packet still has to be routed (TTL,
 * options and MTU are then our job); false on the tunnel device, where the
 * kernel already routed it (decremented TTL, fragmented, sent ICMP).
 */
/* The tun46 route's peer for an address (longest match): false when no tun46
 * route covers it. */
static __always_inline bool encap_route_peer(__be32 addr, __u32 *peer_id)
{
	struct tun46_route_key key = {.prefixlen = 32, .addr = addr};
	struct tun46_route *rt = bpf_map_lookup_elem(&tun46_routes, &key);

	if (!rt)
		return false;
	*peer_id = rt->peer_id;
	return true;
}

/* What the LAN hook leaves to the kernel: IPv4 options, TTL <= 1, larger
 * than 'mtu'.  Returns true if the fast path may forward it; else sets the
 * pass reason. */
static __always_inline bool encap_may_forward(const struct iphdr *iph, __u32 inner_len, __u32 mtu,
					      struct encap_plan *pl)
{
	if (iph->ihl != 5) {
		pl->reason = TUN46_C_ENCAP_PASS_OPTIONS;
		return false;
	}
	if (iph->ttl <= 1) {
		pl->reason = TUN46_C_ENCAP_PASS_TTL;
		return false;
	}
	if (inner_len > mtu) {
		pl->reason = TUN46_C_ENCAP_PASS_TOO_BIG;
		return false;
	}
	return true;
}

/* encap_plan() once the peer id (pl->peer_id, from the tun46 route) is known. */
static __always_inline enum verdict encap_plan_peer(const struct iphdr *iph, void *data_end, bool forwarding,
						    struct encap_plan *pl)
{
	struct tun46_peer *peer;
	__u8 ttl;

	pl->inner_len = bpf_ntohs(iph->tot_len);
	peer = bpf_map_lookup_elem(&tun46_peers, &pl->peer_id);
	if (!peer || !(peer->flags & TUN46_PEER_F_ACTIVE)) {
		pl->reason = forwarding ? TUN46_C_ENCAP_PASS_NO_PEER : TUN46_C_ENCAP_DROP_NO_PEER;
		return forwarding ? V_PASS : V_DROP;
	}
	pl->peer = peer;
	ttl = iph->ttl;
	if (forwarding) {
		/* the peer's MTU; the learnt path MTU is the caller's (cached in XDP) */
		if (!encap_may_forward(iph, pl->inner_len, peer->mtu, pl))
			return V_PASS;
		ttl--;
	}
	encap_build_outer(pl, peer, iph->tos, ttl, encap_flowlabel(peer, iph, data_end));
	return V_GO;
}

static __always_inline enum verdict encap_plan(const struct iphdr *iph, void *data_end, __u32 avail, bool forwarding,
					       struct encap_plan *pl)
{
	if (!ipv4_sane(iph, avail))
		return V_NOT_OURS;
	if (!encap_route_peer(iph->daddr, &pl->peer_id))
		return V_NOT_OURS;
	return encap_plan_peer(iph, data_end, forwarding, pl);
}

/*
 * Route the outer packet: the router's own output (BPF_FIB_LOOKUP_OUTPUT), as
 * with ip6tnl, so no IPv6 forwarding is needed on any interface the admin
 * sees.  bpf_fib_lookup() still wants forwarding on the device it is given:
 * that is tun46p, the tunnel device's hidden end, created with it (see
 * lib/tundev.c).  Returns the bpf_fib_lookup() result; fills the egress
 * interface and MACs on success (and the interface on NO_NEIGH).
 */
static __always_inline int encap_fib(void *ctx, struct encap_plan *pl, const struct tun46_config *cfg, bool check_mtu)
{
	struct bpf_fib_lookup fib = {};
	int rc;

	fib.family = AF_INET6;
	fib.l4_protocol = pl->outer.ip6.nexthdr;
	/* A GSO packet's tot_len is the whole aggregate: its segments were
	 * already checked against the tunnel MTU, so skip the check (0). */
	fib.tot_len = check_mtu ? pl->outer_len + pl->inner_len : 0;
	fib.ifindex = cfg->tunp_ifindex;
	__builtin_memcpy(fib.ipv6_src, &pl->outer.ip6.saddr, 16);
	__builtin_memcpy(fib.ipv6_dst, &pl->outer.ip6.daddr, 16);
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	pl->ifindex = fib.ifindex;
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(pl->smac, fib.smac, ETH_ALEN);
		__builtin_memcpy(pl->dmac, fib.dmac, ETH_ALEN);
	}
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		pl->fib_mtu = fib.mtu_result;
	return rc;
}

/* Map a failed fib lookup to the pass reason. */
static __always_inline int encap_fib_reason(int rc)
{
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return TUN46_C_ENCAP_PASS_NO_NEIGH;
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return TUN46_C_ENCAP_PASS_TOO_BIG;
	return TUN46_C_ENCAP_PASS_FIB;
}

#endif /* TUN46_BPF_ENCAP_H */
