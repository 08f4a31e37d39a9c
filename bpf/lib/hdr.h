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
 * 2473 tunnel encapsulation limit].  Built on the stack, then copied. */
struct outer6 {
	struct ipv6hdr ip6;
	__u8 opt[TUN46_DSTOPT_LEN];
};

/* Parse the destination options header that may follow the outer IPv6
 * header.  Accepts Pad1, PadN and the tunnel encapsulation limit option;
 * returns 0 if well formed, -1 if not. */
static __always_inline __u8 byte_at(__u64 v, __u32 i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u8)(v >> ((i & 7) * 8));
#else
	return (__u8)(v >> ((7 - (i & 7)) * 8));
#endif
}

static __always_inline int dstopt_check(const __u8 *opt)
{
	__u32 i = 2;
	__u64 v;
	int n;

	/* Kept in a register: the verifier refuses variable stack offsets. */
	__builtin_memcpy(&v, opt, sizeof(v));
	if (byte_at(v, 1) != 0) /* only the 8-byte form */
		return -1;
	for (n = 0; n < TUN46_DSTOPT_LEN - 2; n++) {
		__u8 type, len;

		if (i >= TUN46_DSTOPT_LEN)
			break;
		type = byte_at(v, i);
		if (type == TUN46_OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 1 >= TUN46_DSTOPT_LEN)
			return -1;
		len = byte_at(v, i + 1);
		if (i + 2 + len > TUN46_DSTOPT_LEN)
			return -1;
		if (type == TUN46_OPT_TUNNEL_ENCAP_LIMIT) {
			if (len != 1)
				return -1;
		} else if (type != TUN46_OPT_PADN && (type & 0xc0) != 0) {
			return -1; /* unknown option we must not skip */
		}
		i += 2 + len;
	}
	return i == TUN46_DSTOPT_LEN ? 0 : -1;
}

#endif /* TUN46_BPF_HDR_H */
