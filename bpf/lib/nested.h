/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Room for the outer header in TC, tunnels inside the tunnel included.
 *
 * bpf_skb_adjust_room() with BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 marks the skb
 * encapsulated (inner headers, SKB_GSO_IPXIP6), so GSO packets stay valid.
 * It refuses an skb the kernel already marked encapsulated (-EALREADY): a
 * GRE/IPIP/VXLAN packet with a partial checksum or GSO, from the router
 * itself or from a LAN host (veth keeps the mark across namespaces), and
 * GRO-merged tunnel traffic.  There is only one set of inner headers, so such
 * an skb cannot be marked for a second level of encapsulation.
 *
 * Not GSO: the room is made without the encapsulation mark, and the skb is
 * turned into an IPv6 one by bpf_skb_change_proto() (which pushes the other
 * 20 bytes):
 *
 *   before            [Ethernet 14][IPv4 ...]
 *   adjust_room(n-20) [Ethernet 14][0 x n-20][IPv4 ...]
 *   change_proto      [Ethernet 14][0 x 20][0 x n-20][IPv4 ...]
 *                                  ^ network header, skb->protocol IPv6
 *
 * n = 40 or 48 (the outer header the caller writes).  Both helpers move only
 * the Ethernet header: the IPv4 packet stays where it was in the buffer, so
 * a partial checksum's csum_start/csum_offset (relative to skb->head) and the
 * inner-header offsets of the nested tunnel still point at its inner L4
 * header, and the device finishes that checksum as before.  The skb keeps
 * its encapsulation mark (it describes the nested tunnel), its protocol and
 * network header are the outer IPv6 (bpf_redirect_neigh() picks the family
 * from skb->protocol).
 *
 * GSO: no correct GSO type exists for a second level, so the tunnel device
 * has the tunnel segmentation offloads turned off (lib/ethtool.c): the
 * kernel segments such packets before they reach tc_tun, and tc_lan passes
 * every GSO packet to the kernel.  One that still arrives is dropped and
 * counted (encap_drop_nested_gso), never sent with a wrong GSO type.
 */
#ifndef TUN46_BPF_NESTED_H
#define TUN46_BPF_NESTED_H

#include <linux/bpf.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <tun46/counters.h>
#include "stats.h"

/* what bpf_skb_change_proto() adds going from IPv4 to IPv6 */
#define NESTED_XLAT_GROW (sizeof(struct ipv6hdr) - sizeof(struct iphdr))

/*
 * Make outer_len bytes of room between the Ethernet and the IPv4 header.
 * Returns 0, or -1 after counting the drop (under count_if, peer_id); the
 * packet may then have been changed: the caller drops it.
 */
static __always_inline int encap_make_room(struct __sk_buff *skb, __u32 outer_len, __u64 flags, __u32 count_if,
					   __u32 peer_id)
{
	long err = bpf_skb_adjust_room(skb, outer_len, BPF_ADJ_ROOM_MAC, flags);
	int reason = TUN46_C_ENCAP_DROP_ADJUST;

	if (!err)
		return 0;
	if (err == -EALREADY) { /* already encapsulated: a tunnel inside the tunnel */
		if (skb->gso_size)
			reason = TUN46_C_ENCAP_DROP_NESTED_GSO;
		else if (outer_len >= NESTED_XLAT_GROW &&
			 !bpf_skb_adjust_room(skb, outer_len - NESTED_XLAT_GROW, BPF_ADJ_ROOM_MAC, 0) &&
			 !bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
			return 0;
	}
	stats_inc(count_if, peer_id, reason);
	return -1;
}

#endif /* TUN46_BPF_NESTED_H */
