// SPDX-License-Identifier: GPL-2.0
/*
 * tun46 datapath: RFC 2473 ip4ip6 encapsulation/decapsulation.
 *
 *   xdp_lan  LAN, XDP:  IPv4 toward a tun46 route -> IPv6 + redirect
 *   xdp_wan  WAN, XDP:  ip4ip6 from a peer -> IPv4 + redirect, or decapsulate
 *                       and pass (with struct tun46_meta) to tc_wan
 *   tc_lan   LAN, TC ingress (mode tc)
 *   tc_wan   WAN, TC ingress (every mode): decapsulation in mode tc, and the
 *                       slow path: inject into the tunnel device
 *   tc_tun   ingress of tun46p, the other end of the tunnel device (veth):
 *                       encapsulate what the kernel routed into tun46
 *
 * Whatever the fast path cannot finish correctly goes to the kernel, never
 * dropped; spoofed or malformed tunnel packets are dropped and counted.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/hdr.h"
#include "lib/encap.h"
#include "lib/decap.h"
#include "lib/nhcache.h"
#include "lib/lanroute.h"
#include "lib/portmac.h"
#include "lib/pmtu.h"
#include "lib/icmp.h"
#include "lib/frag.h"
#include "lib/tcdecap.h"
#include "lib/nested.h"
#include "lib/grecsum.h"
#include "lib/peerrx.h"

#ifndef PACKET_HOST
#define PACKET_HOST 0 /* linux/if_packet.h: addressed to this host */
#endif
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7) /* Linux 6.3+; uapi of 6.1 lacks it */
#endif

char LICENSE[] SEC("license") = "GPL";

#ifdef TUN46_BUILD_SALT
/* Test builds only (tests/e2e/test_upgrade.sh: make BPF_EXTRA=-DTUN46_BUILD_SALT=N):
 * another object, so another build id, whose programs the upgrade replaces. */
const volatile __u32 tun46_build_salt = TUN46_BUILD_SALT;
#endif

/* ------------------------------------------------------------------ XDP */

static __always_inline struct tun46_config *config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tun46_config, &zero);
}

SEC("xdp")
int xdp_lan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 in_ifindex = ctx->ingress_ifindex;
	struct tun46_config *cfg = config_get();
	struct encap_plan pl = {};
	struct ethhdr *eth = data;
	struct tun46_nh *nh;
	struct iphdr *iph;
	__u32 l3off = sizeof(*eth), frame_len, gen;
	enum lan_route lr;
	enum verdict v;
	int rc, delta, act;
	__u64 now;

	iph = (void *)(eth + 1);
	/* Only unicast IPv4 frames are candidates; VLAN-tagged frames belong to
	 * the kernel's VLAN device, broadcast and multicast to the kernel. */
	if (!cfg || (void *)(iph + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    !port_mac_ok(in_ifindex, eth->h_dest, cfg))
		return XDP_PASS;
	if (ipv4_martian(iph->saddr) || ipv4_martian(iph->daddr))
		return XDP_PASS;
	frame_len = data_end - data;
	if (!ipv4_sane(iph, frame_len - l3off))
		return XDP_PASS;

	/* encap_plan() and the kernel's decision, with the caches in front */
	now = nh_now(); /* one clock read for every cache */
	gen = nh_gen(cfg);
	/* The kernel decides: only what it routes into the tunnel device. */
	lr = lan_route_cached(ctx, iph, in_ifindex, cfg, gen, now, &pl.peer_id);
	if (lr == LR_NOT_OURS)
		return XDP_PASS;
	if (lr == LR_KERNEL) {
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
		return XDP_PASS;
	}
	v = encap_plan_cached(iph, data_end, &pl, gen, now, &nh);
	if (v != V_GO) {
		stats_inc(in_ifindex, pl.peer_id, pl.reason);
		return XDP_PASS;
	}
	if (!ipv4_csum_ok20(iph)) { /* encap_plan passed IHL != 5 to the kernel */
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_DROP_BAD_CSUM);
		return XDP_DROP;
	}

	if (!pl.nh_hit) {
		rc = encap_nexthop(ctx, &pl, nh, cfg, gen, now);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
			stats_inc(in_ifindex, pl.peer_id, encap_fib_reason(rc));
			return XDP_PASS;
		}
	}
	if (pl.inner_len > pl.eff_mtu) { /* below the path MTU: the kernel (and tc_tun) answer it */
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PASS_TOO_BIG);
		return XDP_PASS;
	}
	if (!pl.port_ok && !bpf_map_lookup_elem(&tun46_ports, &pl.ifindex)) {
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PASS_NO_PORT);
		return XDP_PASS;
	}

	/* Decided: from here on the packet is ours. */
	ipv4_dec_ttl(iph);
	if (frame_len > l3off + pl.inner_len) { /* Ethernet padding */
		if (bpf_xdp_adjust_tail(ctx, -(int)(frame_len - l3off - pl.inner_len)))
			goto drop;
	}
	delta = (int)l3off - (int)(sizeof(struct ethhdr) + pl.outer_len);
	if (bpf_xdp_adjust_head(ctx, delta))
		goto drop;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end || outer_write(eth + 1, data_end, &pl))
		goto drop;
	eth_write(eth, pl.dmac, pl.smac, bpf_htons(ETH_P_IPV6));

	/* XDP_DROP, not XDP_ABORTED, if the port was detached meanwhile */
	act = bpf_redirect_map(&tun46_ports, pl.ifindex, XDP_DROP);
	if (act != XDP_REDIRECT) {
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_DROP_PORT_GONE);
		return XDP_DROP;
	}
	stats_count(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PACKETS, TUN46_C_ENCAP_BYTES, pl.inner_len);
	return act;
drop:
	stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_DROP_ADJUST);
	return XDP_DROP;
}

/* Can this driver carry XDP metadata to TC?  Without it a packet the slow
 * path decapsulated here would reach the kernel on the WAN interface instead
 * of the tunnel device.  (Tries and undoes; changes nothing.) */
static __always_inline bool xdp_meta_ok(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct tun46_meta)))
		return false;
	bpf_xdp_adjust_meta(ctx, (int)sizeof(struct tun46_meta));
	return true;
}

SEC("xdp")
int xdp_wan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 in_ifindex = ctx->ingress_ifindex;
	struct tun46_config *cfg = config_get();
	struct decap_plan dp = {};
	struct ethhdr *eth = data;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	int act;
	struct tun46_meta *meta;
	struct ipv6hdr *ip6;
	struct iphdr *iph;
	enum verdict v;
	__u32 frame_len;

	ip6 = (void *)(eth + 1);
	/* Only frames to this port's MAC: the kernel drops other hosts' */
	if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6) || !cfg ||
	    !port_mac_ok(in_ifindex, eth->h_dest, cfg))
		return XDP_PASS;
	frame_len = data_end - data;

	dp.cache = true; /* the per-CPU caches (bpf/lib/nhcache.h, decapcache.h) */
	dp.gen = nh_gen(cfg);
	dp.now = nh_now();
	dp.tun_ifindex = cfg->tun_ifindex;
	switch (decap_plan(ip6, data_end, frame_len - sizeof(*eth), &dp)) {
	case V_NOT_OURS:
		return XDP_PASS;
	case V_GO:
		break;
	default:
		stats_inc(in_ifindex, dp.peer_id, dp.reason);
		return XDP_DROP;
	}
	if (dp.gre_csum)
		return XDP_PASS; /* untouched: tc_wan verifies the GRE checksum */

	iph = dp.iph;
	v = cfg ? decap_route(ctx, iph, &dp, cfg, true) : V_PASS;
	if (v == V_DROP) {
		stats_inc(in_ifindex, dp.peer_id, dp.reason);
		return XDP_DROP;
	}
	if (v == V_GO && !dp.port_ok && !bpf_map_lookup_elem(&tun46_ports, &dp.ifindex)) {
		v = V_PASS;
		dp.reason = TUN46_C_DECAP_PASS_NO_PORT;
	}
	if (v != V_GO) {
		if (!xdp_meta_ok(ctx))
			return XDP_PASS; /* untouched: tc_wan decapsulates it and injects it into the tunnel device */
		/* the helper invalidated the packet pointers: find the headers again */
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		eth = data;
		ip6 = (void *)(eth + 1);
		iph = (void *)ip6 + (dp.outer_len & OUTER6_LEN_MASK);
		if ((void *)(ip6 + 1) > data_end || (void *)(iph + 1) > data_end)
			return XDP_PASS;
	}
	decap_fix_inner(iph, &dp, v == V_GO);
	__builtin_memcpy(dmac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(smac, eth->h_source, ETH_ALEN);

	if (dp.trim && bpf_xdp_adjust_tail(ctx, -(int)dp.trim))
		goto drop;
	if (bpf_xdp_adjust_head(ctx, (int)dp.outer_len))
		goto drop;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		goto drop;

	if (v == V_GO) {
		eth_write(eth, dp.dmac, dp.smac, bpf_htons(ETH_P_IP));
		act = bpf_redirect_map(&tun46_ports, dp.ifindex, XDP_DROP);
		if (act != XDP_REDIRECT) { /* the port was detached meanwhile */
			stats_inc(in_ifindex, dp.peer_id, TUN46_C_DECAP_DROP_PORT_GONE);
			return XDP_DROP;
		}
		stats_count(in_ifindex, dp.peer_id, TUN46_C_DECAP_PACKETS, TUN46_C_DECAP_BYTES, dp.inner_len);
		peer_rx_mark(dp.peer_id);
		return act;
	}

	/* Slow path: the kernel gets the inner packet as if from the tunnel. */
	eth_write(eth, dmac, smac, bpf_htons(ETH_P_IP));
	stats_count(in_ifindex, dp.peer_id, TUN46_C_SLOW_DECAP_PACKETS, TUN46_C_SLOW_DECAP_BYTES, dp.inner_len);
	stats_inc(in_ifindex, dp.peer_id, dp.reason);
	peer_rx_mark(dp.peer_id);
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)) == 0) {
		data = (void *)(long)ctx->data;
		meta = (void *)(long)ctx->data_meta;
		if ((void *)(meta + 1) <= data) {
			meta->magic = TUN46_META_MAGIC;
			meta->peer_id = dp.peer_id;
		}
	}
	return XDP_PASS;
drop:
	stats_inc(in_ifindex, dp.peer_id, TUN46_C_DECAP_DROP_ADJUST);
	return XDP_DROP;
}

/* ------------------------------------------------------------------- TC */

/* Make sure the first 'want' bytes (or the whole packet) are linear.  A
 * packet shorter than 'want' that is all there already (a 64-byte frame)
 * costs no helper call. */
static __always_inline void skb_pull_headers(struct __sk_buff *skb, __u32 want)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 len = skb->len;

	if (data + want > data_end && data + len > data_end)
		bpf_skb_pull_data(skb, len < want ? len : want);
}

#define ENCAP_PULL (sizeof(struct ethhdr) + 60 + 4)
#define DECAP_PULL (sizeof(struct ethhdr) + TUN46_OUTER_MAX + 16 + sizeof(struct iphdr)) /* + the longest GRE header */

/*
 * The LAN hook forwards the packet itself: once the packet is sure to be
 * sent, drop a VLAN tag the driver left in the skb, cut Ethernet padding and
 * decrement the TTL.  Returns 0, or -1 if the packet became unreadable.
 */
static __always_inline int tc_lan_forward_fixup(struct __sk_buff *skb, const struct encap_plan *pl)
{
	void *data, *data_end;
	struct iphdr *iph;

	if (skb->vlan_present && bpf_skb_vlan_pop(skb))
		return -1;
	if (skb->len > sizeof(struct ethhdr) + pl->inner_len &&
	    bpf_skb_change_tail(skb, sizeof(struct ethhdr) + pl->inner_len, 0))
		return -1;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	iph = data + sizeof(struct ethhdr);
	if ((void *)(iph + 1) > data_end)
		return -1;
	ipv4_dec_ttl(iph);
	return 0;
}

/*
 * Send an skb (Ethernet + IPv4) encapsulated as 'pl' plans, once the outer
 * route is known: 'rc' is its lookup result, SUCCESS (write the MACs and
 * redirect) or NO_NEIGH (the kernel resolves it: bpf_redirect_neigh).
 * Nothing was changed before, so a packet handed back to the kernel is
 * untouched.  Returns the TC verdict.
 */
static __always_inline int tc_encap_finish(struct __sk_buff *skb, struct encap_plan *pl, __u32 count_if, bool slow,
					   int rc)
{
	__u64 flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_FIXED_GSO;
	/* GRE: the kernel's GSO segments the inner packet behind the GRE header
	 * (SKB_GSO_GRE; inner MAC = inner network header, no inner L2). */
	if (pl->gre)
		flags |= BPF_F_ADJ_ROOM_ENCAP_L4_GRE;
	void *data, *data_end;
	struct ethhdr *eth;

	if (!slow && tc_lan_forward_fixup(skb, pl))
		goto drop;
	if (encap_make_room(skb, pl->outer_len, flags, count_if, pl->peer_id)) /* counted; nested tunnels too */
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end || outer_write(eth + 1, data_end, pl))
		goto drop;
	if (slow)
		stats_count(count_if, pl->peer_id, TUN46_C_SLOW_ENCAP_PACKETS, TUN46_C_SLOW_ENCAP_BYTES, pl->inner_len);
	else
		stats_count(count_if, pl->peer_id, TUN46_C_ENCAP_PACKETS, TUN46_C_ENCAP_BYTES, pl->inner_len);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		eth_write(eth, pl->dmac, pl->smac, bpf_htons(ETH_P_IPV6));
		return bpf_redirect(pl->ifindex, 0);
	}
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	return bpf_redirect_neigh(pl->ifindex, 0, 0, 0);
drop:
	stats_inc(count_if, pl->peer_id, TUN46_C_ENCAP_DROP_ADJUST);
	return TC_ACT_SHOT;
}

/* The tunnel device's packets (slow): route the outer packet, answer a
 * route MTU below the packet with frag needed, then tc_encap_finish(). */
static __always_inline int tc_encap_send(struct __sk_buff *skb, struct encap_plan *pl, const struct tun46_config *cfg,
					 __u32 count_if)
{
	int rc = encap_fib(skb, pl, cfg, skb->gso_segs <= 1);

	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED) /* the outer route's MTU: tell the sender */
		return icmp_frag_needed(skb, count_if, pl->peer_id, pl->fib_mtu - pl->outer_len);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
		stats_inc(count_if, pl->peer_id, TUN46_C_ENCAP_DROP_NO_ROUTE6);
		return TC_ACT_SHOT;
	}
	return tc_encap_finish(skb, pl, count_if, true, rc);
}

/* tc_lan for a GSO/GRO aggregate: counted and left to the kernel, which
 * routes it into the tunnel device, checks every segment against the MTU,
 * and tc_tun encapsulates it keeping GSO.  Returns the TC verdict. */
static __always_inline int tc_lan_gso(struct __sk_buff *skb, const struct iphdr *iph, void *data_end,
				      struct encap_plan *pl)
{
	if (encap_plan_peer(iph, data_end, true, pl) != V_GO) {
		stats_inc(skb->ifindex, pl->peer_id,
			  pl->reason == TUN46_C_ENCAP_PASS_TOO_BIG ? TUN46_C_ENCAP_PASS_GSO : pl->reason);
		return TC_ACT_OK;
	}
	if (!ipv4_csum_ok20(iph)) {
		stats_inc(skb->ifindex, pl->peer_id, TUN46_C_ENCAP_DROP_BAD_CSUM);
		return TC_ACT_SHOT;
	}
	stats_inc(skb->ifindex, pl->peer_id, TUN46_C_ENCAP_PASS_GSO);
	return TC_ACT_OK;
}

SEC("tc")
int tc_lan(struct __sk_buff *skb)
{
	struct tun46_config *cfg = config_get();
	struct encap_plan pl = {};
	void *data, *data_end;
	struct tun46_nh *nh;
	struct iphdr *iph;
	__u32 in_ifindex = skb->ifindex, gen;
	enum lan_route lr;
	int rc = BPF_FIB_LKUP_RET_SUCCESS;
	__u64 now;

	/* Unicast to this port only (the kernel drops other hosts' frames and
	 * handles broadcast/multicast); VLAN-tagged frames belong to the
	 * kernel's VLAN device. */
	if (!cfg || skb->protocol != bpf_htons(ETH_P_IP) || skb->pkt_type != PACKET_HOST || skb->vlan_present)
		return TC_ACT_OK;
	skb_pull_headers(skb, ENCAP_PULL);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	iph = data + sizeof(struct ethhdr);
	if ((void *)(iph + 1) > data_end)
		return TC_ACT_OK;
	if (ipv4_martian(iph->saddr) || ipv4_martian(iph->daddr))
		return TC_ACT_OK;
	if (!ipv4_sane(iph, skb->len - sizeof(struct ethhdr)))
		return TC_ACT_OK;

	/* The kernel decides, with the per-CPU caches in front (as xdp_lan). */
	now = nh_now();
	gen = nh_gen(cfg);
	lr = lan_route_cached(skb, iph, in_ifindex, cfg, gen, now, &pl.peer_id);
	if (lr == LR_NOT_OURS)
		return TC_ACT_OK;
	if (lr == LR_KERNEL) {
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
		return TC_ACT_OK;
	}
	if (skb->gso_segs > 1 || skb->gso_size)
		return tc_lan_gso(skb, iph, data_end, &pl);
	if (encap_plan_cached(iph, data_end, &pl, gen, now, &nh) != V_GO) {
		stats_inc(in_ifindex, pl.peer_id, pl.reason);
		return TC_ACT_OK;
	}
	if (!ipv4_csum_ok20(iph)) {
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_DROP_BAD_CSUM);
		return TC_ACT_SHOT;
	}
	if (!pl.nh_hit) {
		rc = encap_nexthop(skb, &pl, nh, cfg, gen, now);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
			stats_inc(in_ifindex, pl.peer_id, encap_fib_reason(rc));
			return TC_ACT_OK;
		}
	}
	if (pl.inner_len > pl.eff_mtu) { /* the kernel (and tc_tun) answer it */
		stats_inc(in_ifindex, pl.peer_id, TUN46_C_ENCAP_PASS_TOO_BIG);
		return TC_ACT_OK;
	}
	return tc_encap_finish(skb, &pl, in_ifindex, false, rc);
}

SEC("tc")
int tc_tun(struct __sk_buff *skb)
{
	struct tun46_config *cfg = config_get();
	struct encap_plan pl = {};
	void *data, *data_end;
	struct iphdr *iph;
	__u32 ifindex, mtu;

	/* Count under the tunnel device the admin sees, not its hidden peer. */
	if (!cfg)
		return TC_ACT_SHOT; /* cannot happen: an array's key 0 */
	ifindex = cfg->tun_ifindex ? cfg->tun_ifindex : skb->ifindex;
	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		stats_inc(ifindex, 0, TUN46_C_ENCAP_DROP_NOT_IPV4);
		return TC_ACT_SHOT;
	}
	skb_pull_headers(skb, ENCAP_PULL);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	iph = data + sizeof(struct ethhdr);
	if ((void *)(iph + 1) > data_end) {
		stats_inc(ifindex, 0, TUN46_C_ENCAP_DROP_MALFORMED);
		return TC_ACT_SHOT;
	}
	switch (encap_plan(iph, data_end, skb->len - sizeof(struct ethhdr), false, &pl)) {
	case V_GO:
		break;
	case V_NOT_OURS:
		stats_inc(ifindex, 0,
			  ipv4_sane(iph, skb->len - sizeof(struct ethhdr)) ? TUN46_C_ENCAP_DROP_NO_ROUTE
									   : TUN46_C_ENCAP_DROP_MALFORMED);
		return TC_ACT_SHOT;
	default:
		stats_inc(ifindex, pl.peer_id, pl.reason);
		return TC_ACT_SHOT;
	}
	mtu = pmtu_inner_mtu(pl.peer_id, pl.peer, pl.outer_len);
	if (icmp_seg_len(skb, iph, pl.inner_len) > mtu)
		return icmp_frag_needed(skb, ifindex, pl.peer_id, mtu);
	return tc_encap_send(skb, &pl, cfg, ifindex);
}

/* Inject a decapsulated packet (IPv4 behind an Ethernet header) so the
 * kernel sees it arrive on the tunnel device, as with ip6tnl. */
static __always_inline int tc_to_tunnel(struct __sk_buff *skb)
{
	struct tun46_config *cfg = config_get();
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if (!cfg || !cfg->tun_ifindex)
		return TC_ACT_OK; /* no tunnel device: the kernel gets it on the WAN */
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	/* Addressed to the tunnel device, or its stack would see OTHERHOST. */
	__builtin_memcpy(eth->h_dest, cfg->tun_mac, ETH_ALEN);
	return bpf_redirect(cfg->tun_ifindex, BPF_F_INGRESS);
}

SEC("tc")
int tc_wan(struct __sk_buff *skb)
{
	struct tun46_config *cfg = config_get();
	__u32 in_ifindex = skb->ifindex;
	struct decap_plan dp = {};
	void *data, *data_end, *meta_end;
	struct tun46_meta *meta;
	struct ipv6hdr *ip6;
	struct iphdr *iph;
	struct ethhdr *eth;
	enum verdict v;
	int rc;

	/* Already decapsulated by xdp_wan, which could not forward it. */
	meta = (void *)(long)skb->data_meta;
	meta_end = (void *)(long)skb->data;
	if ((void *)(meta + 1) <= meta_end && meta->magic == TUN46_META_MAGIC && skb->protocol == bpf_htons(ETH_P_IP))
		return tc_to_tunnel(skb);

	/* as xdp_wan: VLAN-tagged frames and frames to other MACs are not ours */
	if (skb->protocol != bpf_htons(ETH_P_IPV6) || skb->vlan_present || skb->pkt_type != PACKET_HOST)
		return TC_ACT_OK;
	skb_pull_headers(skb, DECAP_PULL);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip6 = data + sizeof(struct ethhdr);
	if ((void *)(ip6 + 1) > data_end)
		return TC_ACT_OK;
	if (ip6->nexthdr == ICMP6_PROTO)
		return icmp6_from_wan(skb); /* underlay errors about our packets (ip4ip6_err) */
	/* Outer fragments, long destination options (lib/frag.h) */
	rc = frag_tc_wan(skb);
	if (rc != FRAG_GO)
		return rc;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip6 = data + sizeof(struct ethhdr);
	if ((void *)(ip6 + 1) > data_end)
		return TC_ACT_OK;

	if (cfg) { /* the per-CPU caches, as xdp_wan */
		dp.cache = true;
		dp.gen = nh_gen(cfg);
		dp.now = nh_now();
		dp.tun_ifindex = cfg->tun_ifindex;
	}
	switch (decap_plan(ip6, data_end, skb->len - sizeof(struct ethhdr), &dp)) {
	case V_NOT_OURS:
		return TC_ACT_OK;
	case V_GO:
		break;
	default:
		stats_inc(in_ifindex, dp.peer_id, dp.reason);
		return TC_ACT_SHOT;
	}
	if (dp.gre_csum && !gre_csum_ok(skb, ip6, &dp)) {
		stats_inc(in_ifindex, dp.peer_id, TUN46_C_DECAP_DROP_GRE_CSUM);
		return TC_ACT_SHOT;
	}
	iph = dp.iph;
	v = cfg ? decap_route(skb, iph, &dp, cfg, true) : V_PASS;
	if (v == V_DROP) {
		stats_inc(in_ifindex, dp.peer_id, dp.reason);
		return TC_ACT_SHOT;
	}
	if (v != V_GO && dp.reason == TUN46_C_DECAP_PASS_NO_NEIGH)
		v = V_GO; /* bpf_redirect_neigh() resolves it */
	decap_fix_inner(iph, &dp, v == V_GO);

	if (dp.trim && bpf_skb_change_tail(skb, skb->len - dp.trim, 0))
		goto drop;
	if (tc_decap_outer(skb, dp.outer_len, cfg && (cfg->flags & TUN46_CFG_F_DECAP_2STEP)))
		goto drop;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		goto drop;
	eth->h_proto = bpf_htons(ETH_P_IP);

	if (v == V_GO) {
		stats_count(in_ifindex, dp.peer_id, TUN46_C_DECAP_PACKETS, TUN46_C_DECAP_BYTES, dp.inner_len);
		peer_rx_mark(dp.peer_id);
		if (dp.reason == TUN46_C_DECAP_PASS_NO_NEIGH)
			return bpf_redirect_neigh(dp.ifindex, 0, 0, 0);
		eth_write(eth, dp.dmac, dp.smac, bpf_htons(ETH_P_IP));
		return bpf_redirect(dp.ifindex, 0);
	}
	stats_count(in_ifindex, dp.peer_id, TUN46_C_SLOW_DECAP_PACKETS, TUN46_C_SLOW_DECAP_BYTES, dp.inner_len);
	stats_inc(in_ifindex, dp.peer_id, dp.reason);
	peer_rx_mark(dp.peer_id);
	return tc_to_tunnel(skb);
drop:
	stats_inc(in_ifindex, dp.peer_id, TUN46_C_DECAP_DROP_ADJUST);
	return TC_ACT_SHOT;
}
