/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Header-layer helpers: Ethernet/VLAN, IPv4, IPv6 + destination options,
 * ECN.  Each helper checks the bounds of its own header once. */
#ifndef TUN46_BPF_HDR_H
#define TUN46_BPF_HDR_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <tun46/tun46.h>
#include "csum.h"

#define IPV4_MF	    0x2000
#define IPV4_OFFSET 0x1fff

/* ---- Ethernet ---- */
struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* Find the L3 protocol and offset.  With vlan_ok, one 802.1Q tag is skipped.
 * Returns 0, or -1 if the frame is too short. */
static __always_inline int eth_parse(void *data, void *data_end, bool vlan_ok, __u16 *proto, __u32 *l3off)
{
	struct ethhdr *eth = data;
	struct vlan_tag *vt;

	if ((void *)(eth + 1) > data_end)
		return -1;
	*proto = eth->h_proto;
	*l3off = sizeof(*eth);
	if (vlan_ok && eth->h_proto == bpf_htons(ETH_P_8021Q)) {
		vt = (void *)(eth + 1);
		if ((void *)(vt + 1) > data_end)
			return -1;
		*proto = vt->proto;
		*l3off = sizeof(*eth) + sizeof(*vt);
	}
	return 0;
}

static __always_inline void eth_write(struct ethhdr *eth, const __u8 *dst, const __u8 *src, __u16 proto_be)
{
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = proto_be;
}

/* Give the verifier an upper bound on a length reloaded from the stack
 * (the barrier stops the compiler from dropping the check it already knows
 * to be true). */
static __always_inline __u32 bound_len(__u32 v, __u32 max)
{
	asm volatile("" : "+r"(v));
	return v > max ? max : v;
}

/* ---- IPv4 ---- */

static __always_inline __u16 load16(const void *p)
{
	__u16 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* A header we may forward: version 4, IHL >= 5, total length covering the
 * header and no longer than the bytes we have ('avail' from iph to the end). */
static __always_inline bool ipv4_sane(const struct iphdr *iph, __u32 avail)
{
	__u32 hlen = iph->ihl * 4;
	__u32 tot = bpf_ntohs(iph->tot_len);

	return iph->version == 4 && iph->ihl >= 5 && tot >= hlen && tot <= avail;
}

/* RFC 1812 5.2.2: a router verifies the header checksum.  For the 20-byte
 * header (the only one the fast path forwards; the kernel checks the others). */
static __always_inline bool ipv4_csum_ok20(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Addresses the kernel never routes as a unicast source or destination
 * (ip_route_input_slow's martians): 0/8, 127/8, 224/4 (multicast) and
 * 240/4 (reserved, with the limited broadcast 255.255.255.255). */
static __always_inline bool ipv4_martian(__be32 addr)
{
	__u8 top = bpf_ntohl(addr) >> 24;

	return top == 0 || top == 127 || top >= 224;
}

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	return ((load16(a) ^ load16(b)) | (load16(a + 2) ^ load16(b + 2)) | (load16(a + 4) ^ load16(b + 4))) == 0;
}

static __always_inline bool ipv4_is_fragment(const struct iphdr *iph)
{
	return (iph->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET)) != 0;
}

static __always_inline bool ipv4_has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_DCCP;
}

/* Set TOS (and so ECN), keeping the header checksum right. */
static __always_inline void ipv4_set_tos(struct iphdr *iph, __u8 tos)
{
	__u16 old = load16(iph);
	__u16 new;

	iph->tos = tos;
	new = load16(iph);
	csum_replace16(&iph->check, old, new);
}

/* Decrement TTL (the caller checked TTL > 1), keeping the checksum right. */
static __always_inline void ipv4_dec_ttl(struct iphdr *iph)
{
	__u16 old = load16(&iph->ttl);
	__u16 new;

	iph->ttl--;
	new = load16(&iph->ttl);
	csum_replace16(&iph->check, old, new);
}

/* ---- ECN (RFC 3168 codepoints, RFC 6040 decapsulation) ---- */
#define ECN_MASK    0x3
#define ECN_NOT_ECT 0x0
#define ECN_ECT1    0x1
#define ECN_ECT0    0x2
#define ECN_CE	    0x3

/* New inner ECN field after decapsulation, or -1: drop (outer CE, inner Not-ECT). */
static __always_inline int ecn_decap(__u8 outer, __u8 inner)
{
	outer &= ECN_MASK;
	inner &= ECN_MASK;
	if (outer == ECN_CE)
		return inner == ECN_NOT_ECT ? -1 : ECN_CE;
	if (outer == ECN_ECT1 && inner == ECN_ECT0)
		return ECN_ECT1;
	return inner;
}

/* ---- IPv6 ---- */
static __always_inline __u8 ipv6_tclass(const struct ipv6hdr *ip6)
{
	return (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
}

static __always_inline bool addr6_eq(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* The outer header tun46 sends: IPv6 [+ destination options with the RFC
 * 2473 tunnel encapsulation limit] [+ GRE header [+ key]], opt[] holding
 * what follows the IPv6 header.  Built on the stack, then copied. */
struct outer6 {
	struct ipv6hdr ip6;
	__u8 opt[TUN46_DSTOPT_LEN + TUN46_GRE_MAX];
};

/*
 * Destination options header (RFC 8200 section 4.2), any length: hdr ext len
 * 0..255, i.e. 8..2048 bytes.  The rules are those of the Linux receive path
 * (ip6_parse_tlv, which an ip6tnl endpoint applies before decapsulating):
 * Pad1/PadN runs of at most 7 bytes, PadN payload all zero, at most
 * DSTOPT_MAX_TLVS other options (net.ipv6.max_dst_opts_number), the tunnel
 * encapsulation limit option with its one byte of data, other options
 * skipped when their action bits are 00 and the packet discarded otherwise.
 * Those limits also bound the loop: at most 7 padding steps between options.
 */
#define DSTOPT_MAX_LEN	 2048 /* (255 + 1) * 8 */
#define DSTOPT_MAX_TLVS	 8    /* Linux's default net.ipv6.max_dst_opts_number */
#define DSTOPT_MAX_PAD	 7    /* consecutive padding bytes (RFC 4942 2.1.9.5) */
#define DSTOPT_MAX_STEPS (DSTOPT_MAX_TLVS + (DSTOPT_MAX_TLVS + 1) * DSTOPT_MAX_PAD)
#define DSTOPT_BAD	 (-1)  /* malformed or an option we must not skip */
#define DSTOPT_TRUNC	 (-2)  /* the header runs past the end of the frame */
#define OUTER6_LEN_MASK	 0xfff /* bounds an outer header length (<= 40 + 2048) for the verifier */

/* The PadN payload (at most 5 bytes, padding runs being <= 7) must be zero. */
static __always_inline bool dstopt_padn_zero(const __u8 *p, const void *data_end, __u8 olen)
{
	int k;

	for (k = 0; k < DSTOPT_MAX_PAD - 2; k++) {
		if (k >= olen)
			break;
		if ((void *)(p + 2 + k + 1) > data_end || p[2 + k] != 0)
			return false;
	}
	return true;
}

/* The parser's position and counts live in this per-CPU scratch, not in
 * registers: values loaded from a map are unknown to the verifier, so the
 * states of one step all look alike and it checks the loop in
 * DSTOPT_MAX_STEPS steps instead of following every possible layout
 * (which exceeds its budget).  Accessed through a volatile pointer so that
 * the compiler reloads them too. */
struct dstopt_walk {
	__u32 off;    /* next option, from the start of the header */
	__u32 padlen; /* padding bytes since the last other option */
	__u32 tlvs;   /* options other than padding */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dstopt_walk);
} tun46_dstopt_walk SEC(".maps");

/* One option at w->off; returns 1 to go on, 0 at the end, DSTOPT_BAD. */
static __always_inline int dstopt_step(const __u8 *opt, const void *data_end, __u32 len, volatile struct dstopt_walk *w)
{
	__u32 off = w->off;
	const __u8 *p;
	__u8 type, olen;

	if (off >= len)
		return 0;
	p = opt + (off & (DSTOPT_MAX_LEN - 1));
	if ((void *)(p + 1) > data_end)
		return DSTOPT_BAD;
	type = p[0];
	if (type == TUN46_OPT_PAD1) {
		if (++w->padlen > DSTOPT_MAX_PAD)
			return DSTOPT_BAD;
		w->off = off + 1;
		return 1;
	}
	if ((void *)(p + 2) > data_end)
		return DSTOPT_BAD;
	olen = p[1];
	if (off + 2 + olen > len)
		return DSTOPT_BAD;
	if (type == TUN46_OPT_PADN) {
		w->padlen += 2 + olen;
		if (w->padlen > DSTOPT_MAX_PAD || !dstopt_padn_zero(p, data_end, olen))
			return DSTOPT_BAD;
	} else {
		if (++w->tlvs > DSTOPT_MAX_TLVS)
			return DSTOPT_BAD;
		if (type == TUN46_OPT_TUNNEL_ENCAP_LIMIT ? olen != 1 : (type & 0xc0) != 0)
			return DSTOPT_BAD; /* RFC 8200 4.2: action bits 01, 10, 11: discard */
		w->padlen = 0;
	}
	w->off = off + 2 + olen;
	return 1;
}

/* 'opt' points at the header, at least 8 bytes of which are present.
 * Returns its length in bytes, DSTOPT_BAD or DSTOPT_TRUNC. */
static __always_inline int dstopt_check(const __u8 *opt, const void *data_end)
{
	__u32 len = ((__u32)opt[1] + 1) * 8, zero = 0;
	volatile struct dstopt_walk *w; /* volatile: every step reloads it */
	int n, rc;

	if ((void *)opt + len > data_end)
		return DSTOPT_TRUNC;
	/* The form every Linux ip6tnl and tun46 send (encap limit N + PadN 1:
	 * xx 00 04 01 NN 01 01 00): no walk. */
	if (len == TUN46_DSTOPT_LEN && opt[2] == TUN46_OPT_TUNNEL_ENCAP_LIMIT && opt[3] == 1 &&
	    opt[5] == TUN46_OPT_PADN && opt[6] == 1 && opt[7] == 0)
		return TUN46_DSTOPT_LEN;
	w = bpf_map_lookup_elem(&tun46_dstopt_walk, &zero);
	if (!w)
		return DSTOPT_BAD;
	w->off = 2;
	w->padlen = 0;
	w->tlvs = 0;
	for (n = 0; n < DSTOPT_MAX_STEPS; n++) {
		rc = dstopt_step(opt, data_end, len, w);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			break;
		}
	}
	return w->off == len ? (int)len : DSTOPT_BAD;
}

#endif /* TUN46_BPF_HDR_H */
