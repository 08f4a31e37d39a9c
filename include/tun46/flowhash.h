/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IPv6 flow label tun46 derives from the inner IPv4 flow (RFC 6437 style,
 * as Linux auto flow labels do): stable for one flow, spread across flows so
 * that the underlay can use it for ECMP/RSS.  Shared by the datapath and the
 * tests so both compute the same value.
 *
 * Inputs are taken as they sit in the packet (network byte order words); the
 * result only needs to be stable on one host.
 */
#ifndef TUN46_FLOWHASH_H
#define TUN46_FLOWHASH_H

#include <linux/types.h>

#define TUN46_FLOWLABEL_MASK 0xfffffu

static inline __u32 tun46_mix32(__u32 h)
{
	/* murmur3 finaliser: every input bit affects every output bit */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * saddr, daddr: inner IPv4 addresses as read from the header.
 * proto: inner protocol.
 * ports: the first 4 bytes of the L4 header (source and destination port for
 *        TCP, UDP, SCTP, UDP-Lite, DCCP) as read from the packet, or 0 for
 *        other protocols and for fragments.
 * Returns a non-zero 20-bit flow label.
 */
static inline __u32 tun46_flow_hash(__u32 saddr, __u32 daddr, __u8 proto, __u32 ports)
{
	__u32 h;

	h = tun46_mix32(saddr ^ 0x9e3779b9u);
	h = tun46_mix32(h ^ daddr);
	h = tun46_mix32(h ^ ports);
	h = tun46_mix32(h ^ proto);
	h = (h ^ (h >> 20)) & TUN46_FLOWLABEL_MASK;
	return h ? h : 1;
}

#endif /* TUN46_FLOWHASH_H */
