/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP like an ip6tnl router (net/ipv6/ip6_tunnel.c: ip4ip6_err,
 * ip6_tnl_err, ipxip6_tnl_xmit; net/ipv4/icmp.c: __icmp_send):
 *
 *  - an ICMPv6 error arriving on the WAN that quotes one of our tunnel
 *    packets (quoted source = a peer's local, quoted destination = its
 *    remote, next header 4 or GRE (47) directly or after destination
 *    options; the relayed MTU takes the whole outer header off, GRE too):
 *      Packet Too Big     -> the peer's path MTU is learnt (pmtu.h) and, if
 *                            the quoted inner packet no longer fits, the
 *                            inner sender gets ICMPv4 frag needed (3/4)
 *                            with mtu = PTB mtu - outer header;
 *      Destination Unreachable (any code), Time Exceeded (hop limit)
 *                         -> ICMPv4 host unreachable (3/1) to the inner sender;
 *    anything else is the kernel's (TC_ACT_OK, nothing counted);
 *  - an IPv4 packet larger than the peer's effective inner MTU on the tunnel
 *    device -> ICMPv4 frag needed to its sender, packet dropped.
 *
 * The ICMPv4 error is built in place from the skb: IPv4 header (TTL 64, no
 * DF, TOS = inner TOS bits | precedence 6, as icmp_send) + ICMP header + the
 * offending packet from its IP header on, as much as fits in 576 bytes.  It
 * is routed toward the sender with bpf_fib_lookup (input = the tunnel
 * device, as if it came out of the tunnel; source = the preferred source of
 * that route, BPF_FIB_LOOKUP_SRC, Linux 6.8+, else the egress port's address
 * recorded at attach) and redirected there.  Frag needed is never rate
 * limited ("Don't limit PMTU discovery", icmpv4_mask_allow); host
 * unreachable is, per destination, like inet_peer_xrlim_allow with the
 * default net.ipv4.icmp_ratelimit: a token bucket of 1 s, burst 6.
 */
#ifndef TUN46_BPF_ICMP_H
#define TUN46_BPF_ICMP_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <tun46/tun46.h>
#include "hdr.h"
#include "maps.h"
#include "stats.h"
#include "encap.h" /* AF_INET */
#include "pmtu.h"

#ifndef EINVAL
#define EINVAL 22
#endif

#define TUN46_FIB_LOOKUP_SRC (1U << 4) /* BPF_FIB_LOOKUP_SRC (Linux 6.8+): -EINVAL before */

#define ICMP6_PROTO	       58
#define ICMP6_DEST_UNREACH     1
#define ICMP6_PKT_TOOBIG       2
#define ICMP6_TIME_EXCEED      3
#define ICMP6_EXC_HOPLIMIT     0
#define ICMP6_MAX_MSG	       1536 /* longer messages are not errors we handle (RFC 4443: <= 1280 in all) */
#define ICMP4_DEST_UNREACH     3
#define ICMP4_HOST_UNREACH     1
#define ICMP4_FRAG_NEEDED      4
#define ICMP4_HLEN	       (sizeof(struct iphdr) + 8)
#define ICMP4_MAX_LEN	       576 /* the whole error packet, as icmp_send */
#define ICMP4_MAX_QUOTE	       (ICMP4_MAX_LEN - ICMP4_HLEN)
#define ICMP4_TTL	       64   /* net.ipv4.ip_default_ttl */
#define ICMP4_TOS_MASK	       0x1e /* IPTOS_TOS_MASK */
#define ICMP4_PREC_INTERNETCTL 0xc0

/* icmp_ratelimit: 1 s per destination, burst XRLIM_BURST_FACTOR = 6 */
#define ICMP_RL_NS    (1000ULL * 1000 * 1000)
#define ICMP_RL_BURST 6
#define ICMP_RL_SLOTS 4096

struct icmp_rl {
	__u64 tokens; /* ns of credit, at most ICMP_RL_BURST * ICMP_RL_NS */
	__u64 last;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ICMP_RL_SLOTS);
	__type(key, __u32); /* destination IPv4 (network order) */
	__type(value, struct icmp_rl);
} tun46_icmp_rl SEC(".maps");

/* inet_peer_xrlim_allow(): a new destination starts with a full bucket. */
static __always_inline bool icmp_rl_allow(__u32 daddr)
{
	__u64 now = bpf_ktime_get_ns(), tok;
	struct icmp_rl *e = bpf_map_lookup_elem(&tun46_icmp_rl, &daddr);

	if (!e) {
		struct icmp_rl n = {.tokens = (ICMP_RL_BURST - 1) * ICMP_RL_NS, .last = now};

		bpf_map_update_elem(&tun46_icmp_rl, &daddr, &n, BPF_NOEXIST);
		return true;
	}
	tok = e->tokens + (now - e->last);
	e->last = now;
	if (tok > ICMP_RL_BURST * ICMP_RL_NS)
		tok = ICMP_RL_BURST * ICMP_RL_NS;
	if (tok >= ICMP_RL_NS) {
		e->tokens = tok - ICMP_RL_NS;
		return true;
	}
	e->tokens = tok;
	return false;
}

/* ---- checksums over skb bytes ---- */
#define CSUM_CHUNK 64

/* The 32-bit partial sum of 'len' bytes at 'off' (even) added to 'seed',
 * or -1.  A global (separately verified) function: the loop would make
 * every caller's verification explode.  At most CSUM_MAX_CHUNKS chunks. */
#define CSUM_MAX_CHUNKS 24

/* The chunk buffer and the loop's state, per CPU rather than on the stack:
 * tc_wan's frame and this function's together must stay within the 512
 * bytes of stack, and with the state here only skb, the buffer and the
 * counter live across the helper calls (in callee-saved registers). */
struct csum_chunk {
	__u8 b[CSUM_CHUNK];
	__s64 sum;
	__u32 off;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_chunk);
} tun46_csum_buf SEC(".maps");

__noinline __s64 csum_skb(struct __sk_buff *skb, __u32 off, __u32 len, __u32 seed)
{
	__u32 zero = 0;
	struct csum_chunk *c = bpf_map_lookup_elem(&tun46_csum_buf, &zero);
	int i;

	if (!skb || !c || len > CSUM_MAX_CHUNKS * CSUM_CHUNK)
		return -1;
	c->sum = seed;
	c->off = off;
	c->len = len;
	for (i = 0; i < CSUM_MAX_CHUNKS; i++) {
		__u32 n = c->len;

		if (n == 0)
			break;
		if (n >= CSUM_CHUNK) {
			if (bpf_skb_load_bytes(skb, c->off, c->b, CSUM_CHUNK))
				return -1;
			n = CSUM_CHUNK;
		} else {
			__builtin_memset(c->b, 0, CSUM_CHUNK);
			/* 1..63 here; written so that even an older verifier (6.1)
			 * sees a size in [1, CSUM_CHUNK], never zero */
			asm volatile("" : "+r"(n));
			n = ((n - 1) & (CSUM_CHUNK - 1)) + 1;
			if (bpf_skb_load_bytes(skb, c->off, c->b, n))
				return -1;
		}
		c->off += n;
		c->len -= n;
		c->sum = bpf_csum_diff(0, 0, (__be32 *)c->b, CSUM_CHUNK, (__u32)c->sum);
		if (c->sum < 0)
			return -1;
	}
	return c->sum;
}

static __always_inline __u16 csum_finish(__u32 sum)
{
	return (__u16)~csum_fold32(sum);
}

/* ---- the ICMPv4 error ---- */

struct icmp4_req {
	__u32 qoff;	  /* offset of the offending IPv4 header in the skb */
	__u32 qlen;	  /* bytes of the offending packet present from there */
	__u8 type;	  /* ICMP4_DEST_UNREACH */
	__u8 code;	  /* ICMP4_FRAG_NEEDED or ICMP4_HOST_UNREACH */
	__u16 mtu;	  /* next-hop MTU for FRAG_NEEDED */
	__u32 count_if;	  /* stats key */
	__u32 peer_id;	  /* stats key */
	int sent_counter; /* counted when sent, or -1 */
	int fail_counter; /* counted when the skb was damaged half way (then dropped) */
	int dflt;	  /* TC verdict when no error is sent (the packet is untouched) */
};

/* ICMP header (linux/icmp.h pulls in libc headers) */
struct icmp4_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 unused;
	__be16 mtu; /* next-hop MTU of frag needed (RFC 1191) */
};

struct icmp4_hdrs {
	struct iphdr ip;
	struct icmp4_hdr ic;
};

/* RFC 1122 3.2.2 / RFC 1812 4.3.2.7 as icmp_send: no error about an ICMP
 * error, a non-first fragment, or a source that is not a unicast host. */
static __always_inline bool icmp4_may_answer(struct __sk_buff *skb, const struct icmp4_req *r, const struct iphdr *q)
{
	__u32 src = bpf_ntohl(q->saddr);
	__u8 t;

	if (q->frag_off & bpf_htons(IPV4_OFFSET))
		return false;
	if (src == 0 || (src >> 24) == 0 || (src >> 24) == 127 || (src >> 28) >= 0xe)
		return false;
	if (q->protocol == IPPROTO_ICMP) {
		__u32 hlen = q->ihl * 4;

		if (r->qlen < hlen + 1 || bpf_skb_load_bytes(skb, r->qoff + hlen, &t, 1))
			return false;
		/* informational types only: echo reply/request, timestamp, info, mask */
		if (t != 0 && t != 8 && t != 13 && t != 14 && t != 15 && t != 16 && t != 17 && t != 18)
			return false;
	}
	return true;
}

/*
 * Turn the skb into the ICMPv4 error 'r' describes and send it to the
 * offending packet's source.  Returns the TC verdict: a redirect when sent,
 * r->dflt when not (the skb untouched), TC_ACT_SHOT if it broke half way.
 */
static __always_inline int icmp4_send_error(struct __sk_buff *skb, const struct icmp4_req *r)
{
	struct bpf_fib_lookup fib = {};
	struct icmp4_hdrs h = {};
	struct tun46_config *cfg;
	struct tun46_link *link;
	struct iphdr q;
	__u32 zero = 0, quote, tot, cur, src = 0;
	__u16 eth_ip = bpf_htons(ETH_P_IP);
	bool local;
	__u8 tos;
	__s64 s;
	int rc;

	if (bpf_skb_load_bytes(skb, r->qoff, &q, sizeof(q)) || q.version != 4 || q.ihl < 5 || r->qlen < q.ihl * 4u)
		return r->dflt;
	if (!icmp4_may_answer(skb, r, &q))
		return r->dflt;
	quote = r->qlen > ICMP4_MAX_QUOTE ? ICMP4_MAX_QUOTE : r->qlen;
	tos = (q.tos & ICMP4_TOS_MASK) | ICMP4_PREC_INTERNETCTL;
	tot = ICMP4_HLEN + quote;

	/* Route it first: nothing is changed unless it can be sent. */
	cfg = bpf_map_lookup_elem(&tun46_config, &zero);
	fib.family = AF_INET;
	fib.tos = tos;
	fib.l4_protocol = IPPROTO_ICMP;
	fib.tot_len = tot;
	fib.ifindex = cfg && cfg->tun_ifindex ? cfg->tun_ifindex : skb->ifindex;
	fib.ipv4_dst = q.saddr;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), TUN46_FIB_LOOKUP_SRC);
	if (rc == -EINVAL) { /* kernel without BPF_FIB_LOOKUP_SRC */
		__builtin_memset(&fib, 0, sizeof(fib));
		fib.family = AF_INET;
		fib.tos = tos;
		fib.l4_protocol = IPPROTO_ICMP;
		fib.tot_len = tot;
		fib.ifindex = cfg && cfg->tun_ifindex ? cfg->tun_ifindex : skb->ifindex;
		fib.ipv4_dst = q.saddr;
		rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	} else {
		src = fib.ipv4_src;
	}
	/* The router's own packet (its source is local): the error goes to the
	 * router's stack as if it came back through the tunnel from the
	 * destination, so its sockets and routes learn the MTU, as with
	 * ip6tnl's icmp_ndo_send to a local sender. */
	local = rc == BPF_FIB_LKUP_RET_NOT_FWDED && cfg && cfg->tun_ifindex;
	if (local)
		src = q.daddr;
	else if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		stats_inc(r->count_if, r->peer_id, TUN46_C_ICMP_DROP_NO_SOURCE); /* no route back */
		return r->dflt;
	}
	if (!src) {
		link = bpf_map_lookup_elem(&tun46_links, &fib.ifindex);
		src = link ? link->addr4 : 0;
	}
	if (!src) {
		stats_inc(r->count_if, r->peer_id, TUN46_C_ICMP_DROP_NO_SOURCE);
		return r->dflt;
	}
	/* rate limited only once it can be sent, as icmp_send (after the route) */
	if (!(r->type == ICMP4_DEST_UNREACH && r->code == ICMP4_FRAG_NEEDED) && !icmp_rl_allow(q.saddr)) {
		stats_inc(r->count_if, r->peer_id, TUN46_C_ICMP_RATELIMITED);
		return r->dflt;
	}

	/* Headers, with both checksums: the ICMP one covers the quote. */
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tos = tos; /* not fib.tos: rt_metric shares its place */
	h.ip.tot_len = bpf_htons(tot);
	h.ip.id = (__u16)bpf_get_prandom_u32();
	h.ip.ttl = ICMP4_TTL;
	h.ip.protocol = IPPROTO_ICMP;
	h.ip.saddr = src;
	h.ip.daddr = q.saddr;
	s = bpf_csum_diff(0, 0, (__be32 *)&h.ip, sizeof(h.ip), 0);
	if (s < 0)
		return r->dflt;
	h.ip.check = csum_finish((__u32)s);
	h.ic.type = r->type;
	h.ic.code = r->code;
	if (r->code == ICMP4_FRAG_NEEDED)
		h.ic.mtu = bpf_htons(r->mtu);
	s = bpf_csum_diff(0, 0, (__be32 *)&h.ic, sizeof(h.ic), 0);
	if (s < 0)
		return r->dflt;
	s = csum_skb(skb, r->qoff, quote, (__u32)s);
	if (s < 0)
		return r->dflt;
	h.ic.checksum = csum_finish((__u32)s);

	/* Reshape: [Ethernet][what precedes the quote][quote ...] into
	 * [Ethernet][IPv4][ICMP][quote, at most 548 bytes]. */
	if (skb->len > r->qoff + quote && bpf_skb_change_tail(skb, r->qoff + quote, 0))
		goto broken;
	cur = r->qoff - sizeof(struct ethhdr);
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (cur < sizeof(struct ipv6hdr) - sizeof(struct iphdr) + ICMP4_HLEN)
			goto broken;
		if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0)) /* removes 20 bytes */
			goto broken;
		cur -= sizeof(struct ipv6hdr) - sizeof(struct iphdr);
	}
	if (cur != ICMP4_HLEN && bpf_skb_adjust_room(skb, (__s32)ICMP4_HLEN - (__s32)cur, BPF_ADJ_ROOM_MAC, 0))
		goto broken;
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &h, sizeof(h), 0) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_ip, sizeof(eth_ip), 0))
		goto broken;
	if (r->sent_counter >= 0)
		stats_inc(r->count_if, r->peer_id, r->sent_counter);
	if (local && cfg) {
		if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), cfg->tun_mac, ETH_ALEN, 0) ||
		    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), cfg->tun_mac, ETH_ALEN, 0))
			goto broken;
		return bpf_redirect(cfg->tun_ifindex, BPF_F_INGRESS);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return bpf_redirect_neigh(fib.ifindex, 0, 0, 0);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), fib.dmac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), fib.smac, ETH_ALEN, 0))
		goto broken;
	return bpf_redirect(fib.ifindex, 0);
broken:
	stats_inc(r->count_if, r->peer_id, r->fail_counter);
	return TC_ACT_SHOT;
}

/* ---- tunnel device: too big for the peer's path ---- */

/* The size to check against the MTU: the packet, or for a GSO packet one
 * segment with its headers (0 = unknown: not checked here). */
static __always_inline __u32 icmp_seg_len(struct __sk_buff *skb, const struct iphdr *iph, __u32 inner_len)
{
	__u32 hlen = iph->ihl * 4;
	__u8 doff;

	if (!skb->gso_size)
		return inner_len;
	if (iph->protocol == IPPROTO_UDP)
		return skb->gso_size + hlen + 8;
	if (iph->protocol != IPPROTO_TCP ||
	    bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + hlen + 12, &doff, sizeof(doff)))
		return 0;
	return skb->gso_size + hlen + (doff >> 4) * 4;
}

/* Drop the IPv4 packet at the tunnel device (Ethernet + IPv4) and tell its
 * sender the MTU, as ipxip6_tnl_xmit does ("send ICMP error even if DF is
 * not set").  Returns the TC verdict. */
static __always_inline int icmp_frag_needed(struct __sk_buff *skb, __u32 count_if, __u32 peer_id, __u32 mtu)
{
	struct icmp4_req r = {
	    .qoff = sizeof(struct ethhdr),
	    .qlen = skb->len - sizeof(struct ethhdr),
	    .type = ICMP4_DEST_UNREACH,
	    .code = ICMP4_FRAG_NEEDED,
	    .mtu = mtu,
	    .count_if = count_if,
	    .peer_id = peer_id,
	    .sent_counter = -1,
	    .fail_counter = TUN46_C_ENCAP_DROP_ADJUST,
	    .dflt = TC_ACT_SHOT,
	};

	stats_inc(count_if, peer_id, TUN46_C_ENCAP_ICMP_FRAG_NEEDED);
	return icmp4_send_error(skb, &r);
}

/* ---- WAN: ICMPv6 errors about our tunnel packets ---- */

struct icmp6_err_head {
	struct ipv6hdr ip6; /* to us */
	__u8 type;
	__u8 code;
	__be16 csum;
	__be32 info;	   /* PTB: mtu */
	struct ipv6hdr q6; /* the quoted tunnel packet */
};

struct icmp6_pseudo {
	union tun46_addr6 saddr;
	union tun46_addr6 daddr;
	__be32 len;
	__be32 nexthdr;
};

static __always_inline bool icmp6_csum_ok(struct __sk_buff *skb, const struct icmp6_err_head *m, __u32 plen)
{
	struct icmp6_pseudo ph = {};
	__s64 s;

	__builtin_memcpy(&ph.saddr, &m->ip6.saddr, sizeof(ph.saddr));
	__builtin_memcpy(&ph.daddr, &m->ip6.daddr, sizeof(ph.daddr));
	ph.len = bpf_htonl(plen);
	ph.nexthdr = bpf_htonl(ICMP6_PROTO);
	s = bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
	if (s < 0)
		return false;
	s = csum_skb(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr), plen, (__u32)s);
	return s >= 0 && csum_fold32((__u32)s) == 0xffff;
}

/*
 * tc_wan, for an IPv6 packet whose next header is ICMPv6.  Returns the TC
 * verdict: TC_ACT_OK (the kernel's: not about our packets, or nothing to
 * relay), or the relayed ICMPv4 error's redirect.
 */
static __always_inline int icmp6_from_wan(struct __sk_buff *skb)
{
	const __u32 qoff6 = sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + 8;
	struct icmp6_err_head m;
	struct tun46_decap *d;
	struct tun46_peer *peer;
	struct iphdr q4;
	struct icmp4_req r = {
	    .type = ICMP4_DEST_UNREACH,
	    .code = ICMP4_HOST_UNREACH,
	    .count_if = skb->ifindex,
	    .sent_counter = TUN46_C_ICMP_RELAYED,
	    .fail_counter = TUN46_C_DECAP_DROP_ADJUST,
	    .dflt = TC_ACT_OK,
	};
	__u32 peer_id, plen, end, qoff, outer, mtu;
	struct gre_base gre;
	__u8 opt[2], nh;

	if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr), &m, sizeof(m)) || m.ip6.nexthdr != ICMP6_PROTO)
		return TC_ACT_OK;
	if (!((m.type == ICMP6_PKT_TOOBIG && m.code == 0) || m.type == ICMP6_DEST_UNREACH ||
	      (m.type == ICMP6_TIME_EXCEED && m.code == ICMP6_EXC_HOPLIMIT)))
		return TC_ACT_OK;

	/* Is the quoted packet one of ours? */
	qoff = qoff6 + sizeof(struct ipv6hdr);
	nh = m.q6.nexthdr;
	if (nh == TUN46_NEXTHDR_DSTOPTS) {
		if (bpf_skb_load_bytes(skb, qoff, opt, sizeof(opt)) || opt[1] > 7)
			return TC_ACT_OK;
		nh = opt[0];
		qoff += (opt[1] + 1) * 8;
	}
	if (nh == TUN46_NEXTHDR_GRE) { /* our GRE packets: 4 bytes, 8 with a key */
		if (bpf_skb_load_bytes(skb, qoff, &gre, sizeof(gre)) || gre.proto != bpf_htons(TUN46_GRE_PROTO_IPV4) ||
		    (bpf_ntohs(gre.flags) & (TUN46_GRE_VERSION | TUN46_GRE_F_ROUTING)))
			return TC_ACT_OK;
		qoff += gre_hlen(bpf_ntohs(gre.flags));
	} else if (nh != TUN46_NEXTHDR_IPIP) {
		return TC_ACT_OK;
	}
	d = bpf_map_lookup_elem(&tun46_decap, &m.q6.daddr);
	if (!d || !(d->flags & TUN46_PEER_F_ACTIVE) || !addr6_eq(&m.q6.saddr, &d->local) ||
	    !addr6_eq(&m.ip6.daddr, &d->local))
		return TC_ACT_OK;
	peer_id = d->peer_id;
	peer = bpf_map_lookup_elem(&tun46_peers, &peer_id);
	if (!peer || !(peer->flags & TUN46_PEER_F_ACTIVE))
		return TC_ACT_OK;

	/* Lengths, the quoted inner header, the checksum. */
	plen = bpf_ntohs(m.ip6.payload_len);
	end = sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + plen;
	if (end > skb->len || plen > ICMP6_MAX_MSG || qoff + sizeof(q4) > end)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, qoff, &q4, sizeof(q4)) || q4.version != 4 || q4.ihl < 5 || qoff + q4.ihl * 4 > end)
		return TC_ACT_OK;
	if (!icmp6_csum_ok(skb, &m, plen))
		return TC_ACT_OK;

	outer = qoff - qoff6;
	r.qoff = qoff;
	r.qlen = end - qoff;
	r.peer_id = peer_id;
	if (m.type == ICMP6_PKT_TOOBIG) {
		mtu = bpf_ntohl(m.info);
		if (pmtu_learn(peer_id, peer, mtu))
			stats_inc(r.count_if, peer_id, TUN46_C_PMTU_UPDATES);
		if (mtu < TUN46_IPV6_MIN_MTU)
			mtu = TUN46_IPV6_MIN_MTU;
		mtu -= outer;
		if (bpf_ntohs(q4.tot_len) <= mtu)
			return TC_ACT_OK; /* it fits now: nothing to tell the sender */
		r.code = ICMP4_FRAG_NEEDED;
		r.mtu = mtu;
	}
	return icmp4_send_error(skb, &r);
}

#endif /* TUN46_BPF_ICMP_H */
