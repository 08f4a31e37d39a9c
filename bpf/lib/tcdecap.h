/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcdecap.h — remove the outer IPv6 header (and the RFC 2473 destination
 * options header) of an ip4ip6 skb in TC, on every kernel tun46 supports.
 *
 * Linux 6.3+: one bpf_skb_adjust_room(-outer, MAC, DECAP_L3_IPV4 | FIXED_GSO)
 * pops the bytes after the MAC header and sets skb->protocol to IPv4.
 *
 * Before 6.3 (Debian 12's 6.1) the flag is unknown: adjust_room returns
 * -EINVAL for every packet, changing nothing (the flag check comes first;
 * the verifier does not check helper flags).  The same result in two steps:
 *   1. bpf_skb_adjust_room(-(outer - 20), MAC, FIXED_GSO): pops all but the
 *      last 20 bytes of the outer header.  skb->protocol is still IPv6, so the
 *      helper's minimum is 40 bytes after the pop: outer tail 20 + inner >= 20.
 *   2. bpf_skb_change_proto(IPv4): bpf_skb_proto_6_to_4 pops the remaining 20
 *      bytes behind the MAC header and sets skb->protocol (and drops the dst,
 *      clears the hash).  In 6.1 (as in 6.18) it keeps gso_size and accepts
 *      every GSO type: only SKB_GSO_TCPV6 -> TCPV4 and SKB_GSO_DODGY are set
 *      (older kernels raised gso_size by 20: not supported).
 * For a GSO skb (GRO aggregate of ip4ip6 TCP: gso_type TCPV4 | IPXIP6) both
 * ways leave the same state: gso_size unchanged (FIXED_GSO), DODGY set,
 * gso_segs 0, encapsulation and the tunnel GSO bit as they were — the 6.18
 * DECAP_L3 path clears neither, so GSO behaves as on newer kernels.
 *
 * two_step comes from tun46_config.flags (TUN46_CFG_F_DECAP_2STEP, the load
 * time probe).  Without it the one-step call is tried, and -EINVAL (flag
 * unknown, skb untouched) still falls back: a stale or missing probe result
 * costs one failed call, never a packet.
 *
 * Returns 0, or a negative error: the skb may then be half done (drop it).
 */
#ifndef TUN46_BPF_TCDECAP_H
#define TUN46_BPF_TCDECAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "hdr.h"

#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7) /* Linux 6.3+; uapi of 6.1 lacks it */
#endif
#define TCDECAP_EINVAL	  22 /* EINVAL: the flag is unknown to this kernel */
#define TCDECAP_IPV4_HLEN 20 /* what bpf_skb_change_proto(IPv4) removes */

static __always_inline int tc_decap_outer(struct __sk_buff *skb, __u32 outer_len, bool two_step)
{
	int rc;

	if (!two_step) {
		rc = bpf_skb_adjust_room(skb, -(int)outer_len, BPF_ADJ_ROOM_MAC,
					 BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_FIXED_GSO);
		if (rc != -TCDECAP_EINVAL)
			return rc;
	}
	rc =
	    bpf_skb_adjust_room(skb, -(int)(outer_len - TCDECAP_IPV4_HLEN), BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO);
	if (rc)
		return rc;
	return bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0);
}

#endif /* TUN46_BPF_TCDECAP_H */
