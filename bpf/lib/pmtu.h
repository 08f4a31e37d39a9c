/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Path MTU toward a peer, learnt from ICMPv6 Packet Too Big messages that
 * quote one of our tunnel packets (as ip4ip6_err/ip6_tnl_err in
 * net/ipv6/ip6_tunnel.c and __ip6_rt_update_pmtu in net/ipv6/route.c):
 * never below the IPv6 minimum (1280), only ever lowered while an entry is
 * valid, and forgotten after TUN46_PMTU_EXPIRES_NS (the kernel's
 * net.ipv6.route.mtu_expires, 10 min), or when the peer's remote changes.
 */
#ifndef TUN46_BPF_PMTU_H
#define TUN46_BPF_PMTU_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tun46/tun46.h>
#include "hdr.h"
#include "maps.h"

/* Outer header bytes a peer's packets carry (40, or 48 with the encap limit
 * option; GRE: 4 more, 8 with a key). */
static __always_inline __u32 pmtu_peer_outer_len(const struct tun46_peer *peer)
{
	return tun46_peer_overhead(peer->flags);
}

/* The learnt outer path MTU toward this peer, or 0 when none is valid. */
static __always_inline __u32 pmtu_outer(__u32 peer_id, const struct tun46_peer *peer, __u64 now)
{
	struct tun46_pmtu *e = bpf_map_lookup_elem(&tun46_pmtu, &peer_id);

	if (!e || now >= e->expires || !addr6_eq(&e->remote, &peer->remote))
		return 0;
	return e->mtu;
}

/* The effective inner MTU of a peer: min(peer->mtu, learnt path MTU - outer_len). */
static __always_inline __u32 pmtu_inner_mtu(__u32 peer_id, const struct tun46_peer *peer, __u32 outer_len)
{
	struct tun46_pmtu *e = bpf_map_lookup_elem(&tun46_pmtu, &peer_id);
	__u32 mtu = peer->mtu;

	/* the map lookup first: no clock read on the common path (nothing learnt) */
	if (e && e->mtu > outer_len && e->mtu - outer_len < mtu && bpf_ktime_get_ns() < e->expires &&
	    addr6_eq(&e->remote, &peer->remote))
		mtu = e->mtu - outer_len;
	return mtu;
}

/* Every cache made under the current generation is stale from now on. */
static __always_inline void pmtu_bump_gen(void)
{
	__u32 zero = 0;
	struct tun46_config *cfg = bpf_map_lookup_elem(&tun46_config, &zero);

	if (cfg)
		__sync_fetch_and_add(&cfg->gen, 1);
}

/*
 * A Packet Too Big quoting one of our packets toward this peer reported
 * 'mtu' (outer).  As the kernel: raised to the IPv6 minimum, and taken only
 * when it lowers what we know (the valid entry, else the largest packet the
 * peer's MTU lets us send); then it expires 10 min later.  Returns true when
 * stored.
 */
static __always_inline bool pmtu_learn(__u32 peer_id, const struct tun46_peer *peer, __u32 mtu)
{
	struct tun46_pmtu n = {};
	__u64 now = bpf_ktime_get_ns();
	__u32 cur = peer->mtu + pmtu_peer_outer_len(peer);
	__u32 known = pmtu_outer(peer_id, peer, now);

	if (mtu < TUN46_IPV6_MIN_MTU)
		mtu = TUN46_IPV6_MIN_MTU;
	if (known && known < cur)
		cur = known;
	if (mtu >= cur)
		return false;
	__builtin_memcpy(&n.remote, &peer->remote, sizeof(n.remote));
	n.mtu = mtu;
	n.expires = now + TUN46_PMTU_EXPIRES_NS;
	if (bpf_map_update_elem(&tun46_pmtu, &peer_id, &n, BPF_ANY))
		return false;
	pmtu_bump_gen();
	return true;
}

#endif /* TUN46_BPF_PMTU_H */
