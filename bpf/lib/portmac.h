/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Is a frame addressed to the port it arrived on?  The kernel drops frames
 * for other hosts (a promiscuous port: bridge member, tcpdump) and handles
 * broadcast and multicast itself, so the XDP programs take only frames whose
 * destination is the port's own MAC, as recorded in tun46_links at attach
 * (user space follows a changed MAC and bumps tun46_config.gen).  Each CPU
 * keeps the MAC per port in a small array, so the common case is an inlined
 * array lookup and a 6-byte compare.
 */
#ifndef TUN46_BPF_PORTMAC_H
#define TUN46_BPF_PORTMAC_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "hdr.h"
#include "maps.h"

#define PORTMAC_SLOTS 64 /* a power of two; ports hash by ifindex */

struct portmac {
	__u32 ifindex;
	__u32 gen; /* tun46_config.gen when copied from tun46_links */
	__u8 mac[ETH_ALEN];
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PORTMAC_SLOTS);
	__type(key, __u32);
	__type(value, struct portmac);
} tun46_portmac SEC(".maps");

static __always_inline bool port_mac_ok(__u32 ifindex, const __u8 *dst, const struct tun46_config *cfg)
{
	__u32 slot = ifindex & (PORTMAC_SLOTS - 1);
	struct portmac *p = bpf_map_lookup_elem(&tun46_portmac, &slot);
	struct tun46_link *link;

	if (p && p->ifindex == ifindex && p->gen == cfg->gen)
		return mac_eq(dst, p->mac);
	link = bpf_map_lookup_elem(&tun46_links, &ifindex);
	if (!link)
		return false;
	if (p) {
		p->ifindex = ifindex;
		p->gen = cfg->gen;
		__builtin_memcpy(p->mac, link->mac, ETH_ALEN);
	}
	return mac_eq(dst, link->mac);
}

#endif /* TUN46_BPF_PORTMAC_H */
