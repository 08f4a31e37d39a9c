/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * GRE over IPv6, as Linux ip6gre (net/ipv6/ip6_gre.c, gre_parse_header in
 * net/ipv4/gre_demux.c) sends and accepts it for an IPv4 payload.
 *
 * Send (per peer, `encap gre`): the 4-byte header `00 00 08 00`, or with a
 * key `20 00 08 00` + the key; never a checksum or a sequence number (GSO
 * stays possible, as in Linux, where an output sequence number disables it).
 *
 * Receive, from a configured peer (what is not from one is the kernel's:
 * the router may run ip6gre tunnels of its own):
 *   version != 0                      -> decap_drop_gre_version
 *   routing bit (RFC 1701)            -> decap_drop_gre_flags
 *   key present iff the peer has one,
 *   and equal to it                   -> else decap_drop_gre_key
 *   protocol != 0x0800 (IPv4)         -> decap_drop_gre_proto (the IPv6
 *                                        router solicitations a Linux ip6gre
 *                                        sends into the tunnel, 0x86DD;
 *                                        Ethernet, 0x6558; anything else)
 *   checksum present (C)              -> verified by tc_wan over the GRE
 *                                        header and payload (xdp_wan hands
 *                                        such packets to it untouched); a
 *                                        wrong one: decap_drop_gre_csum
 *   sequence number (S)               -> accepted and ignored (as ip6gre
 *                                        without iseq)
 * The other bits (strict source route, recursion, reserved flags) are
 * ignored, as by Linux.
 */
#ifndef TUN46_BPF_GRE_H
#define TUN46_BPF_GRE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <tun46/tun46.h>

struct gre_base {
	__be16 flags; /* C R K S s Recur(3) Flags(5) Ver(3) */
	__be16 proto;
};

/* Write the GRE header of this peer's packets at p (TUN46_GRE_MAX bytes of
 * room); returns its length. */
static __always_inline __u32 gre_build(__u8 *p, const struct tun46_peer *peer)
{
	struct gre_base g = {.proto = bpf_htons(TUN46_GRE_PROTO_IPV4)};
	__be32 key;

	if (peer->flags & TUN46_PEER_F_GRE_KEY) {
		g.flags = bpf_htons(TUN46_GRE_F_KEY);
		key = bpf_htonl(peer->key);
		__builtin_memcpy(p, &g, sizeof(g));
		__builtin_memcpy(p + sizeof(g), &key, sizeof(key));
		return TUN46_GRE_HLEN + TUN46_GRE_KEY_LEN;
	}
	__builtin_memcpy(p, &g, sizeof(g));
	return TUN46_GRE_HLEN;
}

/* Length of a GRE header from its flags (words present: C, K, S). */
static __always_inline __u32 gre_hlen(__u16 flags)
{
	__u32 n = TUN46_GRE_HLEN;

	if (flags & TUN46_GRE_F_CSUM)
		n += 4;
	if (flags & TUN46_GRE_F_KEY)
		n += 4;
	if (flags & TUN46_GRE_F_SEQ)
		n += 4;
	return n;
}

#define GRE_TRUNC (-1) /* the header runs past the frame */

/*
 * Check the GRE header at g (a packet pointer) against ip6gre's rules and the
 * peer's key ('want_key': the peer has one; 'key': its value).  'room' = the
 * outer payload bytes from g on (the header must lie within them).  Returns
 * the header length, GRE_TRUNC, or 0 with *reason set (drop).  *csum says the
 * C bit is set (the caller verifies the checksum).
 */
static __always_inline int gre_check(const __u8 *g, const void *data_end, int room, bool want_key, __u32 key,
				     bool *csum, int *reason)
{
	const struct gre_base *h = (const void *)g;
	__u32 off = TUN46_GRE_HLEN;
	__u16 flags;
	__be32 k;

	if (room < TUN46_GRE_HLEN || (const void *)(h + 1) > data_end)
		return GRE_TRUNC;
	flags = bpf_ntohs(h->flags);
	if (flags & TUN46_GRE_VERSION) {
		*reason = TUN46_C_DECAP_DROP_GRE_VERSION;
		return 0;
	}
	if (flags & TUN46_GRE_F_ROUTING) {
		*reason = TUN46_C_DECAP_DROP_GRE_FLAGS;
		return 0;
	}
	if ((int)gre_hlen(flags) > room || (const void *)g + gre_hlen(flags) > data_end)
		return GRE_TRUNC;
	*csum = flags & TUN46_GRE_F_CSUM;
	if (*csum)
		off += 4;
	if (!!(flags & TUN46_GRE_F_KEY) != want_key) {
		*reason = TUN46_C_DECAP_DROP_GRE_KEY;
		return 0;
	}
	if (want_key) {
		if (off == TUN46_GRE_HLEN) {
			if ((const void *)(g + TUN46_GRE_HLEN + 4) > data_end)
				return GRE_TRUNC;
			__builtin_memcpy(&k, g + TUN46_GRE_HLEN, 4);
		} else {
			if ((const void *)(g + TUN46_GRE_HLEN + 8) > data_end)
				return GRE_TRUNC;
			__builtin_memcpy(&k, g + TUN46_GRE_HLEN + 4, 4);
		}
		if (bpf_ntohl(k) != key) {
			*reason = TUN46_C_DECAP_DROP_GRE_KEY;
			return 0;
		}
	}
	if (h->proto != bpf_htons(TUN46_GRE_PROTO_IPV4)) {
		*reason = TUN46_C_DECAP_DROP_GRE_PROTO;
		return 0;
	}
	return gre_hlen(flags);
}

#endif /* TUN46_BPF_GRE_H */
