// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Byte-exact fixtures for the tun46 datapath (issue 2), run through
 * BPF_PROG_TEST_RUN (repeat = 1) in a private network namespace.
 *
 * Every fixture = (name, map setup, input frame, expected verdict, expected
 * whole output frame, expected counter deltas).  Expected frames are built
 * from the wire format with pkt.c, never copied from the program's output.
 * Each fixture prints one PASS/FAIL/SKIP line; on failure a hex diff follows
 * (lines starting with "  #"); TUN46_DP_DUMP=1 dumps every input and output.
 * Every redirected or decapsulated output also has its inner IPv4 header
 * checksum verified from scratch, and every fixture checks that no counter of
 * any stats key changed except the expected ones (summed over CPUs).
 *
 * XDP runs pass ctx_in.ingress_ifindex (so bpf_fib_lookup uses that device);
 * test_run returns the XDP metadata in front of data_out (ctx_out.data is its
 * length), so the slow path's struct tun46_meta is checked too.  TC runs pass
 * __sk_buff.ifindex.  See test_tc() for what test_run cannot show of tc_tun.
 *
 * The harness and the topology are in fixture.h.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"

/* An encapsulation fixture on a LAN program (xdp_lan or tc_lan): input = LAN
 * frame, expect the redirect toward peer with next hop dmac. */
static bool encap_case_on(const char *name, enum fx_kind kind, int prog, int verdict, const struct pkt *inner, int vlan,
			  uint32_t peer, const uint8_t *dmac)
{
	struct tun46_peer pe;
	uint32_t key = peer;

	bpf_map_lookup_elem(fd_peers, &key, &pe);
	fx_new(name, kind, prog, if_lan);
	mk_lan(&F.in, inner, vlan);
	F.verdict = verdict;
	exp_encap(&F.out, inner, &pe, dmac, mac_wan);
	F.inner_off = 14 + 40 + ((pe.flags & TUN46_PEER_F_ENCAPLIMIT) ? 8 : 0);
	expect_ctr(if_lan, peer, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, peer, TUN46_C_ENCAP_BYTES, get16(inner->b + 2));
	return fx_run();
}

/* Standard encap fixture on xdp_lan: input = LAN frame, expect redirect to peer. */
static bool encap_case(const char *name, const struct pkt *inner, int vlan, uint32_t peer, const uint8_t *dmac)
{
	return encap_case_on(name, FX_XDP, prog_xdp_lan, XDP_REDIRECT, inner, vlan, peer, dmac);
}

/* Encap-side pass to the kernel: frame unchanged, one reason counter (0: none). */
static bool lan_pass_case(const char *name, const struct pkt *frame, uint32_t peer, int counter)
{
	fx_new(name, FX_XDP, prog_xdp_lan, if_lan);
	pkt_copy(&F.in, frame);
	pkt_copy(&F.out, frame);
	F.verdict = XDP_PASS;
	if (counter >= 0)
		expect_ctr(if_lan, peer, counter, 1);
	return fx_run();
}

static bool lan_pass_inner(const char *name, const struct pkt *inner, uint32_t peer, int counter)
{
	struct pkt f;

	mk_lan(&f, inner, -1);
	return lan_pass_case(name, &f, peer, counter);
}

/* CPU 0's tun46_nh4 entry for saddr -> daddr (dotted) with this input
 * interface, copied into *out; false if none. */
static bool nh4_entry(const char *saddr, const char *daddr, uint32_t in_ifindex, struct tun46_nh4 *out)
{
	struct tun46_nh4 *e = calloc((size_t)ncpus, sizeof(*e));
	uint32_t a = htonl(ip4_addr(saddr)), d = htonl(ip4_addr(daddr)), slot, k;
	bool found = false;

	for (slot = 0; e && slot < TUN46_NH4_SLOTS && !found; slot++) {
		k = slot;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.tun46_nh4), &k, e) == 0 && e[0].saddr == a &&
		    e[0].daddr == d && e[0].in_ifindex == in_ifindex) {
			*out = e[0];
			found = true;
		}
	}
	free(e);
	return found;
}

/* CPU 0's tun46_nh slot of 'peer' holds it, via 'ifindex' to 'dmac' from
 * the WAN's MAC (this thread is pinned to CPU 0). */
static bool nh_entry_ok(uint32_t peer, uint32_t ifindex, const uint8_t *dmac)
{
	struct tun46_nh *nh = calloc((size_t)ncpus, sizeof(*nh));
	uint32_t slot = peer % TUN46_NH_SLOTS;
	bool ok = nh && bpf_map_lookup_elem(bpf_map__fd(skel->maps.tun46_nh), &slot, nh) == 0 &&
		  nh[0].peer_id == peer && nh[0].ifindex == ifindex && !memcmp(nh[0].dmac, dmac, 6) &&
		  !memcmp(nh[0].smac, mac_wan, 6) && nh[0].expires != 0;

	free(nh);
	return ok;
}

/* WAN side */

/* Fast decap on xdp_wan: redirect out of lan to 192.168.1.2 (or given MACs) */
static bool decap_case(const char *name, struct outer o, const struct pkt *inner, uint32_t peer, const uint8_t *dmac,
		       const uint8_t *smac)
{
	fx_new(name, FX_XDP, prog_xdp_wan, if_wan);
	mk_wan(&F.in, o, inner->b, inner->len);
	F.verdict = XDP_REDIRECT;
	exp_decap(&F.out, inner, o.tclass & 3, 1, dmac, smac);
	F.inner_off = 14;
	expect_ctr(if_wan, peer, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, peer, TUN46_C_DECAP_BYTES, get16(inner->b + 2));
	return fx_run();
}

/* Slow decap: XDP_PASS with the original MACs, inner not TTL-decremented, metadata */
static bool decap_slow_case(const char *name, struct outer o, const struct pkt *inner, uint32_t peer, int reason)
{
	fx_new(name, FX_XDP, prog_xdp_wan, if_wan);
	mk_wan(&F.in, o, inner->b, inner->len);
	F.verdict = XDP_PASS;
	exp_decap(&F.out, inner, o.tclass & 3, 0, mac_wan, mac_r2);
	F.inner_off = 14;
	F.meta_peer = (int)peer;
	expect_ctr(if_wan, peer, TUN46_C_SLOW_DECAP_PACKETS, 1);
	expect_ctr(if_wan, peer, TUN46_C_SLOW_DECAP_BYTES, get16(inner->b + 2));
	expect_ctr(if_wan, peer, reason, 1);
	return fx_run();
}

static bool wan_drop_raw(const char *name, const struct pkt *frame, uint32_t peer, int reason)
{
	fx_new(name, FX_XDP, prog_xdp_wan, if_wan);
	pkt_copy(&F.in, frame);
	F.verdict = XDP_DROP;
	/* a dropped frame: test_run still returns the buffer as the program left it; expect it untouched */
	pkt_copy(&F.out, frame);
	expect_ctr(if_wan, peer, reason, 1);
	return fx_run();
}

static bool decap_drop_case(const char *name, struct outer o, const uint8_t *inner, size_t len, uint32_t peer,
			    int reason)
{
	struct pkt f;

	mk_wan(&f, o, inner, len);
	return wan_drop_raw(name, &f, peer, reason);
}

static bool wan_pass_untouched(const char *name, const struct pkt *frame)
{
	fx_new(name, FX_XDP, prog_xdp_wan, if_wan);
	pkt_copy(&F.in, frame);
	pkt_copy(&F.out, frame);
	F.verdict = XDP_PASS;
	return fx_run();
}

/* ------------------------------------------------------------------------ */
/* encapsulation fixtures (xdp_lan)                                         */

static uint32_t got_flowlabel(void)
{
	return got_len >= 54 ? get32(got + 14) & 0xfffff : 0xffffffff;
}

static void test_encap(void)
{
	struct pkt in4, f;
	uint32_t l1, l2, l3, l4;
	char name[96];
	int ecn;

	/* basic: no encap limit, hash flow label, hop limit 64, tclass 0 */
	mk_inner(&in4, FLOW());
	encap_case("encap/basic-40byte-outer", &in4, -1, P_A, mac_r2);

	modify_peer(P_A, TUN46_PEER_F_ENCAPLIMIT, -1, -1, 4, 0, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	encap_case("encap/encaplimit-4-48byte-outer", &in4, -1, P_A, mac_r2);
	modify_peer(P_A, TUN46_PEER_F_ENCAPLIMIT, -1, -1, 0, 0, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	encap_case("encap/encaplimit-0", &in4, -1, P_A, mac_r2);
	modify_peer(P_A, TUN46_PEER_F_ENCAPLIMIT, -1, -1, 255, 0, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	encap_case("encap/encaplimit-255", &in4, -1, P_A, mac_r2);

	modify_peer(P_A, 0, 200, -1, -1, 0, -1);
	encap_case("encap/hoplimit-fixed-200", &in4, -1, P_A, mac_r2);
	modify_peer(P_A, TUN46_PEER_F_HOPLIMIT_INHERIT, 200, -1, -1, 0, -1);
	mk_inner(&in4, FLOW(.ttl = 37));
	encap_case("encap/hoplimit-inherit-ttl37-gives-36", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.ttl = 2));
	encap_case("encap/hoplimit-inherit-ttl2-gives-1", &in4, -1, P_A, mac_r2);

	modify_peer(P_A, 0, -1, 0xb8, -1, 0, -1);
	mk_inner(&in4, FLOW(.tos = 0x02));
	encap_case("encap/tclass-fixed-0xb8-inner-ect0", &in4, -1, P_A, mac_r2);
	modify_peer(P_A, 0, -1, 0xbb, -1, 0, -1);
	mk_inner(&in4, FLOW(.tos = 0x00));
	encap_case("encap/tclass-fixed-0xbb-ecn-bits-replaced-by-inner-notect", &in4, -1, P_A, mac_r2);
	modify_peer(P_A, TUN46_PEER_F_TCLASS_INHERIT, -1, 0xb8, -1, 0, -1);
	mk_inner(&in4, FLOW(.tos = 0x29));
	encap_case("encap/tclass-inherit-0x29", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.tos = 0xa3));
	encap_case("encap/tclass-inherit-0xa3-ce", &in4, -1, P_A, mac_r2);

	modify_peer(P_A, 0, -1, 0x20, -1, 0, -1);
	for (ecn = 0; ecn < 4; ecn++) {
		static const char *const en[] = {"not-ect", "ect1", "ect0", "ce"};
		snprintf(name, sizeof(name), "encap/ecn-copy-inner-%s", en[ecn]);
		mk_inner(&in4, FLOW(.tos = (uint8_t)(0x48 | ecn)));
		encap_case(name, &in4, -1, P_A, mac_r2);
	}
	restore_peer(P_A);

	/* next-hop cache: the fib answer for a peer is kept for a few ms, but a
	 * changed remote must move the very next packet (the cache entry keeps
	 * the addresses it was made for). */
	mk_inner(&in4, FLOW());
	encap_case("encap/nh-cache-warm", &in4, -1, P_A, mac_r2);
	result(nh_entry_ok(P_A, if_wan, mac_r2), "encap/nh-cache-entry-holds-the-fib-answer",
	       "tun46_nh slot of peer %u on CPU 0 does not hold it via ifindex %u with the neighbour's MAC",
	       (unsigned)P_A, if_wan);
	encap_case("encap/nh-cache-hit-same-bytes", &in4, -1, P_A, mac_r2);
	{
		struct tun46_peer p = peer_default(P_A);
		uint32_t id = P_A;

		ip6_addr(p.remote.b, "fd00::4"); /* neighbour 02:00:00:00:00:04 */
		set_peer(id, &p);		 /* as the backend: the write, then tun46_config.gen moves */
		encap_case("encap/nh-cache-remote-change-moves-next-packet", &in4, -1, P_A, mac_r2b);
	}
	restore_peer(P_A);
	encap_case("encap/nh-cache-remote-restored", &in4, -1, P_A, mac_r2);

	/* flow label */
	modify_peer(P_A, TUN46_PEER_F_FLOWLABEL_FIXED, -1, -1, -1, 0x12345, -1);
	mk_inner(&in4, FLOW());
	encap_case("encap/flowlabel-fixed-0x12345", &in4, -1, P_A, mac_r2);
	restore_peer(P_A);

	mk_inner(&in4, FLOW(.sport = 40000, .id = 1, .paylen = 10));
	encap_case("encap/flowlabel-hash-flow1-pkt1", &in4, -1, P_A, mac_r2);
	l1 = got_flowlabel();
	mk_inner(&in4, FLOW(.sport = 40000, .id = 2, .paylen = 200, .tos = 0x10));
	encap_case("encap/flowlabel-hash-flow1-pkt2", &in4, -1, P_A, mac_r2);
	l2 = got_flowlabel();
	mk_inner(&in4, FLOW(.sport = 40001, .id = 3, .paylen = 10));
	encap_case("encap/flowlabel-hash-flow2-other-port", &in4, -1, P_A, mac_r2);
	l3 = got_flowlabel();
	mk_inner(&in4, FLOW(.proto = 6, .sport = 40000, .dport = 443));
	encap_case("encap/flowlabel-hash-tcp", &in4, -1, P_A, mac_r2);
	l4 = got_flowlabel();
	result(l1 == l2, "encap/flowlabel-same-flow-same-label", "labels %#x and %#x differ", l1, l2);
	result(l1 != l3, "encap/flowlabel-other-port-other-label", "both %#x", l1);
	result(l1 != 0 && l2 != 0 && l3 != 0 && l4 != 0, "encap/flowlabel-nonzero", "a label is 0 (%#x %#x %#x %#x)",
	       l1, l2, l3, l4);
	result(l1 <= 0xfffff && l3 <= 0xfffff && l4 <= 0xfffff, "encap/flowlabel-20-bits", "%#x %#x %#x", l1, l3, l4);
	mk_inner(&in4, FLOW(.proto = 1, .sport = 7, .dport = 1));
	encap_case("encap/flowlabel-hash-icmp-no-ports", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.frag = IP4_MF, .paylen = 64));
	encap_case("encap/flowlabel-hash-first-fragment-no-ports", &in4, -1, P_A, mac_r2);

	/* TTL decrement and checksum: ordinary, TTL 2, and both ones'-complement edges */
	mk_inner(&in4, FLOW(.ttl = 2));
	encap_case("encap/ttl2-decremented-to-1", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.ttl = 255));
	encap_case("encap/ttl255-decremented", &in4, -1, P_A, mac_r2);
	{
		/* an ID whose post-decrement checksum is 0x0000, and one whose input checksum is 0x0000 */
		uint16_t id;
		bool found_out = false, found_in = false;
		for (id = 1; id && !(found_out && found_in); id++) {
			uint8_t h[20];
			mk_inner(&in4, FLOW(.id = id, .paylen = 0));
			memcpy(h, in4.b, 20);
			if (!found_in && get16(h + 10) == 0x0000) {
				found_in = true;
				encap_case("encap/checksum-edge-input-csum-0000", &in4, -1, P_A, mac_r2);
			}
			h[8]--;
			ip4_fix_csum(h);
			if (!found_out && get16(h + 10) == 0x0000) {
				found_out = true;
				encap_case("encap/checksum-edge-output-csum-0000", &in4, -1, P_A, mac_r2);
			}
		}
		if (!found_in)
			skip("encap/checksum-edge-input-csum-0000", "no IP ID gives that checksum");
		if (!found_out)
			skip("encap/checksum-edge-output-csum-0000", "no IP ID gives that checksum");
	}

	/* VLAN-tagged input belongs to the kernel's VLAN device: untouched, no counter */
	mk_inner(&in4, FLOW());
	mk_lan(&f, &in4, 100);
	lan_pass_case("encap/untouched-vlan-tagged", &f, 0, -1);

	/* LPM longest match: 10.0.0.0/8 -> A, 10.1.0.0/16 -> B */
	mk_inner(&in4, FLOW(.dst = "10.1.2.3"));
	encap_case("encap/lpm-10.1.2.3-to-peer-B", &in4, -1, P_B, mac_r2b);
	mk_inner(&in4, FLOW(.dst = "10.2.3.4"));
	encap_case("encap/lpm-10.2.3.4-to-peer-A", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.dst = "10.1.255.255"));
	encap_case("encap/lpm-10.1.255.255-to-peer-B", &in4, -1, P_B, mac_r2b);
	mk_inner(&in4, FLOW(.dst = "10.255.0.1"));
	encap_case("encap/lpm-10.255.0.1-to-peer-A", &in4, -1, P_A, mac_r2);

	/* small frame padded to the 60-byte Ethernet minimum: padding not carried */
	{
		struct tun46_peer pe = peer_default(P_A);
		mk_inner(&in4, FLOW(.proto = 1, .paylen = 0)); /* 20 + 8 = 28 bytes */
		fx_new("encap/padded-60-byte-frame-28-byte-ipv4", FX_XDP, prog_xdp_lan, if_lan);
		mk_lan(&F.in, &in4, -1);
		while (F.in.len < 60)
			*pkt_put(&F.in, NULL, 1) = 0xee;
		F.verdict = XDP_REDIRECT;
		exp_encap(&F.out, &in4, &pe, mac_r2, mac_wan);
		F.inner_off = 54;
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, 28);
		fx_run();
	}

	/* MTU: exactly the peer MTU is encapsulated, one byte more passes */
	mk_inner(&in4, FLOW(.paylen = TUN46_DEFAULT_MTU - 28));
	encap_case("encap/exactly-peer-mtu-1460", &in4, -1, P_A, mac_r2);
	mk_inner(&in4, FLOW(.paylen = TUN46_DEFAULT_MTU - 27));
	lan_pass_inner("encap/pass-too-big-1461-over-peer-mtu", &in4, P_A, TUN46_C_ENCAP_PASS_TOO_BIG);
	mk_inner(&in4, FLOW(.dst = "172.30.6.1", .paylen = 1300 - 40 - 28));
	encap_case("encap/route-mtu-1300-outer-exactly-1300", &in4, -1, P_PMTU, mac_r2);
	mk_inner(&in4, FLOW(.dst = "172.30.6.1", .paylen = 1300 - 40 - 27));
	lan_pass_inner("encap/pass-too-big-fib-frag-needed", &in4, P_PMTU, TUN46_C_ENCAP_PASS_TOO_BIG);

	/* pass-to-kernel reasons */
	mk_inner(&in4, FLOW(.ttl = 1));
	lan_pass_inner("encap/pass-ttl-1", &in4, P_A, TUN46_C_ENCAP_PASS_TTL);
	mk_inner(&in4, FLOW(.ttl = 0));
	lan_pass_inner("encap/pass-ttl-0", &in4, P_A, TUN46_C_ENCAP_PASS_TTL);
	{
		static const uint8_t opts[4] = {0x94, 0x04, 0x00, 0x00}; /* router alert */
		mk_inner(&in4, FLOW(.opts = opts, .optlen = 4));
		lan_pass_inner("encap/pass-ipv4-options", &in4, P_A, TUN46_C_ENCAP_PASS_OPTIONS);
	}
	mk_inner(&in4, FLOW(.dst = "172.30.3.1"));
	lan_pass_inner("encap/pass-no-neighbour", &in4, P_NONEIGH, TUN46_C_ENCAP_PASS_NO_NEIGH);
	mk_inner(&in4, FLOW(.dst = "172.30.4.1"));
	lan_pass_inner("encap/pass-fib-no-ipv6-route", &in4, P_NOFIB, TUN46_C_ENCAP_PASS_FIB);
	mk_inner(&in4, FLOW(.dst = "172.30.5.1"));
	lan_pass_inner("encap/pass-egress-not-in-ports", &in4, P_NOPORT, TUN46_C_ENCAP_PASS_NO_PORT);
	mk_inner(&in4, FLOW(.dst = "172.30.7.1"));
	lan_pass_inner("encap/pass-route-to-inactive-peer", &in4, P_INACTIVE, TUN46_C_ENCAP_PASS_NO_PEER);
	mk_inner(&in4, FLOW(.dst = "172.30.8.1"));
	lan_pass_inner("encap/pass-route-to-missing-peer", &in4, P_ABSENT, TUN46_C_ENCAP_PASS_NO_PEER);
	mk_inner(&in4, FLOW(.dst = "172.30.9.1"));
	lan_pass_inner("encap/pass-route-to-peer-id-out-of-range", &in4, P_OUTOFRANGE, TUN46_C_ENCAP_PASS_NO_PEER);

	mk_inner(&in4, FLOW(.ttl = 1));
	mk_lan(&f, &in4, 100);
	lan_pass_case("encap/untouched-ttl-1-vlan-tagged", &f, 0, -1);
	mk_inner(&in4, FLOW(.proto = 1, .paylen = 0, .ttl = 1));
	mk_lan(&f, &in4, -1);
	while (f.len < 60)
		*pkt_put(&f, NULL, 1) = 0xee;
	lan_pass_case("encap/pass-ttl-1-padded-frame-untouched", &f, P_A, TUN46_C_ENCAP_PASS_TTL);

	/* untouched, no counter */
	mk_inner(&in4, FLOW(.dst = "8.8.8.8"));
	lan_pass_inner("encap/untouched-no-route", &in4, 0, -1);
	mk_inner(&in4, FLOW(.dst = "192.168.1.1"));
	lan_pass_inner("encap/untouched-local-destination", &in4, 0, -1);
	{
		static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 2, 192, 168, 1, 2};
		pkt_init(&f);
		pkt_eth(&f, mac_lan, mac_h1, -1, ETH_P_ARP_);
		pkt_put(&f, arp, sizeof(arp));
		pkt_put(&f, NULL, 60 - f.len);
		lan_pass_case("encap/untouched-arp", &f, 0, -1);
	}
	{
		struct ip6 h6 = {.plen = 8, .nh = 17, .hlim = 64};
		ip6_addr(h6.src, "fd00:1::2");
		ip6_addr(h6.dst, "fd00:2::2");
		pkt_init(&f);
		pkt_eth(&f, mac_lan, mac_h1, -1, ETH_P_IPV6_);
		pkt_ip6(&f, &h6);
		pkt_put(&f, "\x9c\x40\x00\x35\x00\x08\x00\x00", 8);
		lan_pass_case("encap/untouched-ipv6-on-lan", &f, 0, -1);
	}
	mk_inner(&in4, FLOW());
	mk_lan(&f, &in4, -1);
	f.b[14] = 0x44; /* IHL 4 */
	lan_pass_case("encap/untouched-ihl-4", &f, 0, -1);
	mk_lan(&f, &in4, -1);
	f.b[14] = 0x65; /* version 6 behind ethertype 0x0800 */
	lan_pass_case("encap/untouched-version-6-in-ipv4-frame", &f, 0, -1);
	mk_lan(&f, &in4, -1);
	put16(f.b + 16, (uint16_t)(in4.len + 1));
	ip4_fix_csum(f.b + 14);
	lan_pass_case("encap/untouched-tot-len-beyond-frame", &f, 0, -1);
	mk_lan(&f, &in4, -1);
	put16(f.b + 16, 19);
	ip4_fix_csum(f.b + 14);
	lan_pass_case("encap/untouched-tot-len-below-ihl", &f, 0, -1);
	mk_lan(&f, &in4, -1);
	f.len = 14 + 19;
	lan_pass_case("encap/untouched-19-byte-ipv4-header", &f, 0, -1);
	mk_lan(&f, &in4, 5);
	f.len = 14 + 4 + 10;
	lan_pass_case("encap/untouched-vlan-truncated-ipv4", &f, 0, -1);
	{
		/* two VLAN tags: only one is parsed */
		pkt_init(&f);
		pkt_eth(&f, mac_lan, mac_h1, 5, ETH_P_8021Q_);
		pkt_put(&f, "\x00\x06\x08\x00", 4);
		pkt_put(&f, in4.b, in4.len);
		lan_pass_case("encap/untouched-double-vlan", &f, 0, -1);
	}

	/* The kernel decides (issue 8): frames not addressed to the port, martians,
	 * and whatever the kernel routes elsewhere go to the kernel untouched. */
	{
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
		static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x99};

		mk_inner(&in4, FLOW());
		mk_lan(&f, &in4, -1);
		memcpy(f.b, bcast, 6);
		lan_pass_case("encap/kernel-decides-broadcast-mac", &f, 0, -1);
		memcpy(f.b, mcast, 6);
		lan_pass_case("encap/kernel-decides-multicast-mac", &f, 0, -1);
		memcpy(f.b, other, 6);
		lan_pass_case("encap/kernel-decides-other-hosts-mac", &f, 0, -1);
		memcpy(f.b, other, 6); /* again: an answer cached for the flow does not change it */
		lan_pass_case("encap/kernel-decides-other-hosts-mac-cached", &f, 0, -1);
	}
	mk_inner(&in4, FLOW(.src = "0.0.0.0"));
	lan_pass_inner("encap/kernel-decides-martian-source-0.0.0.0", &in4, 0, -1);
	mk_inner(&in4, FLOW(.src = "127.0.0.1"));
	lan_pass_inner("encap/kernel-decides-martian-source-127", &in4, 0, -1);
	mk_inner(&in4, FLOW(.dst = "255.255.255.255"));
	lan_pass_inner("encap/kernel-decides-limited-broadcast", &in4, 0, -1);
	add_route("224.0.0.0", 4, P_A);
	mk_inner(&in4, FLOW(.dst = "224.0.0.251"));
	lan_pass_inner("encap/kernel-decides-multicast-destination", &in4, 0, -1);
	del_route("224.0.0.0", 4);
	/* the admin's more specific route, a local address and a policy rule win */
	mk_inner(&in4, FLOW(.dst = "10.9.0.5"));
	lan_pass_inner("encap/kernel-decides-more-specific-route", &in4, P_A, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
	mk_inner(&in4, FLOW(.dst = "10.8.0.1"));
	lan_pass_inner("encap/kernel-decides-local-address", &in4, P_A, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
	mk_inner(&in4, FLOW(.dst = "10.8.0.255"));
	lan_pass_inner("encap/kernel-decides-subnet-broadcast", &in4, P_A, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
	mk_inner(&in4, FLOW(.src = "192.168.1.77"));
	lan_pass_inner("encap/kernel-decides-policy-rule", &in4, P_A, TUN46_C_ENCAP_PASS_KERNEL_ROUTE);
	/* RFC 1812: a bad header checksum is dropped, not forwarded */
	mk_inner(&in4, FLOW());
	in4.b[10] ^= 0x5a;
	{
		fx_new("encap/drop-bad-header-checksum", FX_XDP, prog_xdp_lan, if_lan);
		mk_lan(&F.in, &in4, -1);
		pkt_copy(&F.out, &F.in);
		F.verdict = XDP_DROP;
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_DROP_BAD_CSUM, 1);
		fx_run();
	}
}

/* ------------------------------------------------------------------------ */
/* decapsulation fixtures (xdp_wan)                                         */

static void test_decap(void)
{
	static const char *const en[] = {"not-ect", "ect1", "ect0", "ce"};
	struct pkt in4, f;
	char name[96];
	int oe, ie;

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	decap_case("decap/40-byte-outer", OUTER(), &in4, P_A, mac_h1, mac_lan);
	decap_case("decap/48-byte-outer-encaplimit", OUTER(.dstopt = dstopt_std), &in4, P_A, mac_h1, mac_lan);
	{
		static const uint8_t d_pad1[8] = {4, 0, 0, 4, 1, 9, 0, 0};    /* Pad1, limit 9, Pad1, Pad1 */
		static const uint8_t d_padn[8] = {4, 0, 1, 4, 0, 0, 0, 0};    /* PadN(4) only */
		static const uint8_t d_skip[8] = {4, 0, 0x05, 1, 7, 1, 1, 0}; /* unknown type 0x05 (skip), PadN */
		decap_case("decap/dstopt-pad1-encaplimit-pad1-pad1", OUTER(.dstopt = d_pad1), &in4, P_A, mac_h1,
			   mac_lan);
		decap_case("decap/dstopt-padn-only", OUTER(.dstopt = d_padn), &in4, P_A, mac_h1, mac_lan);
		decap_case("decap/dstopt-unknown-skippable-option", OUTER(.dstopt = d_skip), &in4, P_A, mac_h1,
			   mac_lan);
	}
	decap_case("decap/trailing-bytes-after-outer-payload-trimmed", OUTER(.trailing = 6), &in4, P_A, mac_h1,
		   mac_lan);
	{
		/* inner tot_len shorter than the outer payload: the extra bytes go */
		struct pkt pad;
		pkt_copy(&pad, &in4);
		memset(pkt_put(&pad, NULL, 5), 0xdd, 5);
		fx_new("decap/inner-shorter-than-outer-payload-trimmed", FX_XDP, prog_xdp_wan, if_wan);
		mk_wan(&F.in, OUTER(), pad.b, pad.len);
		F.verdict = XDP_REDIRECT;
		exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
		F.inner_off = 14;
		expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
		expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
		fx_run();
	}
	{
		/* 48-byte form, inner shorter than the outer payload: trimmed as well */
		struct pkt pad;
		pkt_copy(&pad, &in4);
		memset(pkt_put(&pad, NULL, 9), 0xdd, 9);
		fx_new("decap/48-byte-inner-shorter-than-outer-payload-trimmed", FX_XDP, prog_xdp_wan, if_wan);
		mk_wan(&F.in, OUTER(.dstopt = dstopt_std), pad.b, pad.len);
		F.verdict = XDP_REDIRECT;
		exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
		F.inner_off = 14;
		expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
		expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
		fx_run();
	}
	/* the outer payload length, not the frame length, bounds the inner packet */
	decap_drop_case("decap/drop-outer-plen-10-inner-header-beyond-it", OUTER(.plen_adj = 10 - (int)in4.len), in4.b,
			in4.len, P_A, TUN46_C_DECAP_DROP_TRUNC_INNER);
	decap_drop_case("decap/drop-outer-plen-shorter-than-inner-tot-len", OUTER(.plen_adj = -1), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_BAD_LENGTH);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .ttl = 2));
	decap_case("decap/ttl2-decremented-to-1", OUTER(), &in4, P_A, mac_h1, mac_lan);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .tos = 0xb8));
	decap_case("decap/outer-dscp-not-copied-inward", OUTER(.tclass = 0x28), &in4, P_A, mac_h1, mac_lan);

	/* LPM on inner source: 10.1.0.0/16 belongs to B, the rest of 10/8 to A */
	mk_inner(&in4, FLOW(.src = "10.1.2.3", .dst = "192.168.1.2"));
	decap_case("decap/lpm-inner-src-10.1.2.3-from-peer-B", OUTER(.src = "fd00::4"), &in4, P_B, mac_h1, mac_lan);
	decap_drop_case("decap/drop-inner-src-10.1.2.3-from-peer-A", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_INNER_SOURCE);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-src-10.2.3.4-from-peer-B", OUTER(.src = "fd00::4"), in4.b, in4.len, P_B,
			TUN46_C_DECAP_DROP_INNER_SOURCE);
	mk_inner(&in4, FLOW(.src = "192.0.2.1", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-src-no-route", OUTER(), in4.b, in4.len, P_A, TUN46_C_DECAP_DROP_INNER_SOURCE);

	/* RFC 6040: all 16 (outer, inner) combinations, fast path */
	for (oe = 0; oe < 4; oe++) {
		for (ie = 0; ie < 4; ie++) {
			snprintf(name, sizeof(name), "decap/rfc6040-outer-%s-inner-%s", en[oe], en[ie]);
			mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .tos = (uint8_t)(0x20 | ie)));
			if (rfc6040(oe, ie) < 0)
				decap_drop_case(name, OUTER(.tclass = (uint8_t)(0xb8 | oe)), in4.b, in4.len, P_A,
						TUN46_C_DECAP_DROP_ECN);
			else
				decap_case(name, OUTER(.tclass = (uint8_t)(0xb8 | oe)), &in4, P_A, mac_h1, mac_lan);
		}
	}

	/* drops */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-unknown-outer-source", OUTER(.src = "fd00::77"), in4.b, in4.len, 0,
			TUN46_C_DECAP_DROP_UNKNOWN_PEER);
	decap_drop_case("decap/drop-outer-source-of-inactive-peer", OUTER(.src = "fd00::7"), in4.b, in4.len, 0,
			TUN46_C_DECAP_DROP_UNKNOWN_PEER);
	decap_drop_case("decap/drop-wrong-outer-destination", OUTER(.dst = "fd00::99"), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_WRONG_LOCAL);
	decap_drop_case("decap/drop-truncated-outer-payload", OUTER(.plen_adj = 1), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_TRUNC_OUTER);
	decap_drop_case("decap/drop-truncated-outer-payload-48byte", OUTER(.dstopt = dstopt_std, .plen_adj = 1), in4.b,
			in4.len, P_A, TUN46_C_DECAP_DROP_TRUNC_OUTER);
	{
		/* next header 60 with only 7 bytes after the IPv6 header */
		mk_wan(&f, OUTER(), dstopt_std, 7);
		f.b[14 + 6] = 60;
		wan_drop_raw("decap/drop-dstopt-truncated-7-bytes", &f, 0, TUN46_C_DECAP_DROP_TRUNC_OUTER);
	}
	decap_drop_case("decap/drop-truncated-inner-19-bytes", OUTER(), in4.b, 19, P_A, TUN46_C_DECAP_DROP_TRUNC_INNER);
	decap_drop_case("decap/drop-truncated-inner-0-bytes", OUTER(), in4.b, 0, P_A, TUN46_C_DECAP_DROP_TRUNC_INNER);
	{
		uint8_t b[PKT_MAX];

		memcpy(b, in4.b, in4.len);
		b[0] = 0x60;
		decap_drop_case("decap/drop-inner-version-6", OUTER(), b, in4.len, P_A, TUN46_C_DECAP_DROP_NOT_IPV4);
		memcpy(b, in4.b, in4.len);
		b[0] = 0x44;
		ip4_fix_csum(b);
		decap_drop_case("decap/drop-inner-ihl-4", OUTER(), b, in4.len, P_A, TUN46_C_DECAP_DROP_BAD_IHL);
		memcpy(b, in4.b, in4.len);
		b[0] = 0x40;
		decap_drop_case("decap/drop-inner-ihl-0", OUTER(), b, in4.len, P_A, TUN46_C_DECAP_DROP_BAD_IHL);
		memcpy(b, in4.b, in4.len);
		b[0] = 0x4f; /* 60-byte header, 40 bytes present */
		decap_drop_case("decap/drop-inner-ihl-15-beyond-payload", OUTER(), b, 40, P_A,
				TUN46_C_DECAP_DROP_TRUNC_INNER);
		memcpy(b, in4.b, in4.len);
		put16(b + 2, (uint16_t)(in4.len + 1));
		ip4_fix_csum(b);
		decap_drop_case("decap/drop-inner-tot-len-beyond-payload", OUTER(), b, in4.len, P_A,
				TUN46_C_DECAP_DROP_BAD_LENGTH);
		decap_drop_case("decap/drop-inner-tot-len-beyond-payload-48byte", OUTER(.dstopt = dstopt_std), b,
				in4.len, P_A, TUN46_C_DECAP_DROP_BAD_LENGTH);
		memcpy(b, in4.b, in4.len);
		put16(b + 2, 19);
		ip4_fix_csum(b);
		decap_drop_case("decap/drop-inner-tot-len-below-ihl", OUTER(), b, in4.len, P_A,
				TUN46_C_DECAP_DROP_BAD_LENGTH);
	}
	{
		static const uint8_t d_hdrlen1[8] = {4, 1, 4, 1, 4, 1, 1, 0};
		static const uint8_t d_unknown[8] = {4, 0, 0x85, 1, 0, 1, 1, 0};  /* type 0x85: top bits 10 */
		static const uint8_t d_unknown2[8] = {4, 0, 0x45, 1, 0, 1, 1, 0}; /* top bits 01 */
		static const uint8_t d_overrun[8] = {4, 0, 4, 1, 4, 1, 2, 0};	  /* PadN claims 2, 1 left */
		static const uint8_t d_overrun2[8] = {4, 0, 1, 5, 0, 0, 0, 0};	  /* PadN claims 5, 4 left */
		struct outer o = OUTER(.dstopt = d_hdrlen1);

		decap_drop_case("decap/drop-dstopt-hdrlen-1", o, in4.b, in4.len, 0, TUN46_C_DECAP_DROP_BAD_EXTHDR);
		decap_drop_case("decap/drop-dstopt-unknown-option-0x85", OUTER(.dstopt = d_unknown), in4.b, in4.len, 0,
				TUN46_C_DECAP_DROP_BAD_EXTHDR);
		decap_drop_case("decap/drop-dstopt-unknown-option-0x45", OUTER(.dstopt = d_unknown2), in4.b, in4.len, 0,
				TUN46_C_DECAP_DROP_BAD_EXTHDR);
		decap_drop_case("decap/drop-dstopt-padn-overruns-header", OUTER(.dstopt = d_overrun), in4.b, in4.len, 0,
				TUN46_C_DECAP_DROP_BAD_EXTHDR);
		decap_drop_case("decap/drop-dstopt-padn-overruns-header-2", OUTER(.dstopt = d_overrun2), in4.b, in4.len,
				0, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	}
	{
		/* dstopt followed by something else than IPv4: not ours, untouched */
		static const uint8_t d_udp[8] = {17, 0, 4, 1, 4, 1, 1, 0};
		mk_wan(&f, OUTER(.dstopt = d_udp), in4.b, in4.len);
		wan_pass_untouched("decap/untouched-dstopt-next-header-17", &f);
	}

	/* pass to the kernel (slow path): decapsulated, original MACs, no TTL decrement */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.1"));
	decap_slow_case("decap/slow-local-destination", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_LOCAL);
	decap_slow_case("decap/slow-local-destination-48byte", OUTER(.dstopt = dstopt_std), &in4, P_A,
			TUN46_C_DECAP_PASS_LOCAL);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.1", .tos = ECN_ECT0));
	decap_slow_case("decap/slow-local-outer-ce-sets-inner-ce", OUTER(.tclass = ECN_CE), &in4, P_A,
			TUN46_C_DECAP_PASS_LOCAL);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .ttl = 1));
	decap_slow_case("decap/slow-ttl-1", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_TTL);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .ttl = 0));
	decap_slow_case("decap/slow-ttl-0", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_TTL);
	{
		static const uint8_t opts[4] = {0x94, 0x04, 0x00, 0x00};
		mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .opts = opts, .optlen = 4));
		decap_slow_case("decap/slow-ipv4-options", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_OPTIONS);
	}
	{
		/* slow path with bytes after the outer payload: trimmed too */
		mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.1"));
		decap_slow_case("decap/slow-local-trailing-bytes-trimmed", OUTER(.trailing = 5), &in4, P_A,
				TUN46_C_DECAP_PASS_LOCAL);
	}
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.3"));
	decap_slow_case("decap/slow-no-neighbour", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_NO_NEIGH);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "203.0.113.5"));
	decap_slow_case("decap/slow-no-route-unreachable", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_FIB);
	/* No matching route at all: the kernel's fib lookup answers NOT_FWDED,
	 * which the spec maps to decap_pass_local (see the report). */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "198.51.100.1"));
	decap_slow_case("decap/slow-no-route-at-all-kernel-not-fwded", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_LOCAL);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.3.2"));
	decap_slow_case("decap/slow-egress-not-in-ports", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_NO_PORT);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.4.1", .paylen = 600 - 28));
	decap_case("decap/route-mtu-600-exactly", OUTER(), &in4, P_A, mac_h1, mac_lan);
	{
		/* the route cache (this thread runs on CPU 0) holds the answer,
		 * checked for 600 bytes: the next, larger packet is looked up again */
		struct tun46_nh4 e;

		result(nh4_entry("10.2.3.4", "192.168.4.1", if_tun, &e) && e.max_len == 600 && e.ifindex == if_lan &&
			   !memcmp(e.dmac, mac_h1, 6),
		       "decap/route-cache-entry-checked-for-600-bytes",
		       "no tun46_nh4 entry on CPU 0 for 10.2.3.4 -> 192.168.4.1 via lan, max_len 600");
	}
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.4.1", .paylen = 601 - 28));
	decap_slow_case("decap/slow-too-big-frag-needed", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_TOO_BIG);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.4.1", .paylen = 100));
	decap_case("decap/route-cache-hit-after-a-too-big-miss", OUTER(), &in4, P_A, mac_h1, mac_lan);

	/* not tunnel traffic: untouched, no counter */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(.vlan = 7), in4.b, in4.len);
	wan_pass_untouched("decap/untouched-vlan-tagged-on-wan", &f);
	{
		struct ip6 h6 = {.plen = 8, .nh = 17, .hlim = 64};
		ip6_addr(h6.src, "fd00::2");
		ip6_addr(h6.dst, "fd00::1");
		pkt_init(&f);
		pkt_eth(&f, mac_wan, mac_r2, -1, ETH_P_IPV6_);
		pkt_ip6(&f, &h6);
		pkt_put(&f, "\x9c\x40\x00\x35\x00\x08\x00\x00", 8);
		wan_pass_untouched("decap/untouched-ipv6-udp", &f);
		f.b[14 + 6] = 41; /* 6in6 from a peer: not ours */
		wan_pass_untouched("decap/untouched-ipv6-nh-41", &f);
		/* GRE (47) from a peer is tun46's since encap gre: tests/datapath/test_gre.c */
		f.b[14 + 6] = 0; /* hop-by-hop options first: not the tunnel format */
		wan_pass_untouched("decap/untouched-ipv6-hop-by-hop", &f);
	}
	pkt_init(&f);
	pkt_eth(&f, mac_wan, mac_r2, -1, ETH_P_IPV4);
	pkt_put(&f, in4.b, in4.len);
	wan_pass_untouched("decap/untouched-ipv4-on-wan", &f);
	mk_wan(&f, OUTER(), in4.b, in4.len);
	f.len = 14 + 39;
	wan_pass_untouched("decap/untouched-ipv6-header-39-bytes", &f);

	/* Header validation and the kernel's reverse-path rule (issue 8). */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(), in4.b, in4.len);
	f.b[14] = (uint8_t)((4 << 4) | (f.b[14] & 0x0f));
	wan_drop_raw("decap/drop-outer-version-4", &f, 0, TUN46_C_DECAP_DROP_NOT_IPV6);
	f.b[14] = (uint8_t)((15 << 4) | (f.b[14] & 0x0f));
	wan_drop_raw("decap/drop-outer-version-15", &f, 0, TUN46_C_DECAP_DROP_NOT_IPV6);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	in4.b[11] ^= 0x01;
	decap_drop_case("decap/drop-inner-header-checksum", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_INNER_CSUM);
	add_route("0.0.0.0", 0, P_A); /* a hub route: the prefix check alone would take anything */
	{
		static const char *const martians[] = {"0.0.0.5", "127.0.0.1", "224.0.0.5", "240.0.0.1",
						       "255.255.255.255"};
		char name[96];
		size_t k;

		for (k = 0; k < sizeof(martians) / sizeof(martians[0]); k++) {
			mk_inner(&in4, FLOW(.src = martians[k], .dst = "192.168.1.2"));
			snprintf(name, sizeof(name), "decap/drop-martian-inner-source-%s", martians[k]);
			decap_drop_case(name, OUTER(), in4.b, in4.len, P_A, TUN46_C_DECAP_DROP_MARTIAN);
		}
	}
	mk_inner(&in4, FLOW(.src = "192.168.1.1", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-source-router-lan-address", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_LOCAL_SOURCE);
	mk_inner(&in4, FLOW(.src = "192.168.1.50", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-source-in-connected-lan", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_RPF);
	del_route("0.0.0.0", 0);
	mk_inner(&in4, FLOW(.src = "10.8.0.1", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-source-local-address", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_LOCAL_SOURCE);
	mk_inner(&in4, FLOW(.src = "10.9.0.5", .dst = "192.168.1.2"));
	decap_drop_case("decap/drop-inner-source-routed-elsewhere-rpf", OUTER(), in4.b, in4.len, P_A,
			TUN46_C_DECAP_DROP_RPF);
	/* frames for another host (a promiscuous WAN port) or a multicast MAC: the kernel's */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(), in4.b, in4.len);
	f.b[5] ^= 0x77;
	wan_pass_untouched("decap/untouched-other-hosts-mac", &f);
	f.b[0] = 0x33, f.b[1] = 0x33;
	wan_pass_untouched("decap/untouched-multicast-mac", &f);
	/* `ip rule iif tun46`: the forward lookup is made as from the tunnel device */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.99"));
	decap_slow_case("decap/policy-rule-iif-tun46-honoured", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_FIB);
}

/* ------------------------------------------------------------------------ */
/* TC programs through BPF_PROG_TEST_RUN with struct __sk_buff              */

/* ---- mode tc and the fast path's caches ---- */

/* Empty a per-CPU array map on every CPU (the caches start cold). */
static bool percpu_array_clear(int fd, uint32_t slots, size_t value_size)
{
	void *zero = calloc((size_t)ncpus, value_size);
	uint32_t k;
	bool ok = zero != NULL;

	for (k = 0; ok && k < slots; k++)
		ok = bpf_map_update_elem(fd, &k, zero, BPF_ANY) == 0;
	free(zero);
	return ok;
}

/* tc_lan encapsulating toward 'peer' with next hop 'dmac' (as encap_case). */
static bool tc_encap_case(const char *name, const struct pkt *inner, uint32_t peer, const uint8_t *dmac)
{
	return encap_case_on(name, FX_TC, prog_tc_lan, TC_ACT_REDIRECT, inner, -1, peer, dmac);
}

/* tc_wan decapsulating on the fast path: redirected with dmac/smac, TTL
 * decremented, ECN 'ecn' applied; the decap counters of peer A. */
static bool tc_decap_case(const char *name, struct outer o, const struct pkt *inner, int ecn, const uint8_t *dmac,
			  const uint8_t *smac)
{
	fx_new(name, FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, o, inner->b, inner->len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, inner, ecn, 1, dmac, smac);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, inner->len);
	return fx_run();
}

/* tc_lan and tc_wan fill and use the same per-CPU caches as the XDP
 * programs (this thread runs on CPU 0): from cold caches a packet leaves
 * the answers there, the next packet of the flow gives the same bytes, and
 * a changed peer (the write moves tun46_config.gen) moves the very next
 * packet. */
static void test_tc_caches(void)
{
	struct pkt in4;
	struct tun46_nh4 e;

	bool cold = percpu_array_clear(bpf_map__fd(skel->maps.tun46_nh), TUN46_NH_SLOTS, sizeof(struct tun46_nh)) &&
		    percpu_array_clear(bpf_map__fd(skel->maps.tun46_nh4), TUN46_NH4_SLOTS, sizeof(struct tun46_nh4));
	result(cold, "tc_lan/caches-emptied", "cannot clear tun46_nh / tun46_nh4");

	mk_inner(&in4, FLOW());
	tc_encap_case("tc_lan/cache-cold-encap", &in4, P_A, mac_r2);
	result(nh_entry_ok(P_A, if_wan, mac_r2), "tc_lan/nh-cache-entry-holds-the-fib-answer",
	       "tun46_nh slot of peer %u on CPU 0 does not hold it via ifindex %u after tc_lan", (unsigned)P_A, if_wan);
	result(nh4_entry("192.168.1.2", "10.2.3.4", if_lan, &e) && e.peer_id == P_A && e.ifindex == if_tun,
	       "tc_lan/route-cache-entry-kernel-routes-into-tun46",
	       "no tun46_nh4 entry on CPU 0 for 192.168.1.2 -> 10.2.3.4 from lan naming peer %u and the tunnel device",
	       (unsigned)P_A);
	tc_encap_case("tc_lan/cache-hit-same-bytes", &in4, P_A, mac_r2);
	{
		struct tun46_peer p = peer_default(P_A);

		ip6_addr(p.remote.b, "fd00::4"); /* neighbour 02:00:00:00:00:04 */
		set_peer(P_A, &p);		 /* as the backend: the write, then tun46_config.gen moves */
		tc_encap_case("tc_lan/cache-remote-change-moves-next-packet", &in4, P_A, mac_r2b);
	}
	restore_peer(P_A);
	tc_encap_case("tc_lan/cache-remote-restored", &in4, P_A, mac_r2);

	/* tc_wan: the inner route with its checks, under the tunnel device as input */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	tc_decap_case("tc_wan/cache-cold-decap", OUTER(), &in4, 0, mac_h1, mac_lan);
	result(nh4_entry("10.2.3.4", "192.168.1.2", if_tun, &e) && e.peer_id == P_A && e.ifindex == if_lan &&
		   e.max_len == in4.len && !memcmp(e.dmac, mac_h1, 6),
	       "tc_wan/route-cache-entry-holds-the-inner-route",
	       "no tun46_nh4 entry on CPU 0 for 10.2.3.4 -> 192.168.1.2 from the tunnel device via lan, max_len %u",
	       (unsigned)in4.len);
	tc_decap_case("tc_wan/cache-hit-same-bytes", OUTER(), &in4, 0, mac_h1, mac_lan);
}

static void test_tc(void)
{
	struct tun46_peer pa = peer_default(P_A), pn = peer_default(P_NONEIGH);
	struct pkt in4, f;

	/* tc_lan (LAN ingress in mode tc): same encapsulation as xdp_lan */
	mk_inner(&in4, FLOW());
	fx_new("tc_lan/encap", FX_TC, prog_tc_lan, if_lan);
	mk_lan(&F.in, &in4, -1);
	F.verdict = TC_ACT_REDIRECT;
	exp_encap(&F.out, &in4, &pa, mac_r2, mac_wan);
	F.inner_off = 54;
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, in4.len);
	fx_run();

	mk_inner(&in4, FLOW(.proto = 1, .paylen = 0));
	fx_new("tc_lan/encap-padded-60-byte-frame", FX_TC, prog_tc_lan, if_lan);
	mk_lan(&F.in, &in4, -1);
	while (F.in.len < 60)
		*pkt_put(&F.in, NULL, 1) = 0xee;
	F.verdict = TC_ACT_REDIRECT;
	exp_encap(&F.out, &in4, &pa, mac_r2, mac_wan);
	F.inner_off = 54;
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, in4.len);
	fx_run();

	/* no IPv6 neighbour: TC encapsulates anyway and lets bpf_redirect_neigh()
	 * resolve it; the MACs stay those of the input frame until then */
	mk_inner(&in4, FLOW(.dst = "172.30.3.1"));
	fx_new("tc_lan/encap-no-neighbour-redirect-neigh", FX_TC, prog_tc_lan, if_lan);
	mk_lan(&F.in, &in4, -1);
	F.verdict = TC_ACT_REDIRECT;
	exp_encap(&F.out, &in4, &pn, mac_lan, mac_h1);
	F.inner_off = 54;
	expect_ctr(if_lan, P_NONEIGH, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, P_NONEIGH, TUN46_C_ENCAP_BYTES, in4.len);
	fx_run();

	mk_inner(&in4, FLOW(.ttl = 1));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/pass-ttl-1", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_A, TUN46_C_ENCAP_PASS_TTL);
	mk_inner(&in4, FLOW(.dst = "172.30.4.1"));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/pass-fib-no-ipv6-route", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_NOFIB,
		     TUN46_C_ENCAP_PASS_FIB);
	mk_inner(&in4, FLOW(.dst = "172.30.6.1", .paylen = 1300 - 40 - 27));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/pass-too-big-fib-frag-needed", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_PMTU,
		     TUN46_C_ENCAP_PASS_TOO_BIG);
	mk_inner(&in4, FLOW(.paylen = TUN46_DEFAULT_MTU - 27));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/pass-too-big-over-peer-mtu", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_A,
		     TUN46_C_ENCAP_PASS_TOO_BIG);
	mk_inner(&in4, FLOW(.dst = "172.30.7.1"));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/pass-route-to-inactive-peer", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_INACTIVE,
		     TUN46_C_ENCAP_PASS_NO_PEER);
	mk_inner(&in4, FLOW(.dst = "8.8.8.8"));
	mk_lan(&f, &in4, -1);
	tc_unchanged("tc_lan/untouched-no-route", prog_tc_lan, if_lan, &f, TC_ACT_OK, 0, 0, -1);

	/* tc_wan (WAN ingress in mode tc) */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .tos = ECN_ECT0));
	tc_decap_case("tc_wan/decap-40-byte-outer-ce", OUTER(.tclass = 0xb8 | ECN_CE), &in4, ECN_CE, mac_h1, mac_lan);

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	tc_decap_case("tc_wan/decap-48-byte-outer", OUTER(.dstopt = dstopt_std, .trailing = 3), &in4, 0, mac_h1,
		      mac_lan);

	/* slow path in TC: decapsulated, addressed to the tunnel device's MAC, TTL kept, injected into it */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.1"));
	fx_new("tc_wan/slow-local-to-tunnel-device", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 0, mac_tun, mac_r2);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_BYTES, in4.len);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PASS_LOCAL, 1);
	fx_run();

	/* no IPv4 neighbour: TC decapsulates and lets bpf_redirect_neigh() resolve it (input MACs kept) */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.3"));
	tc_decap_case("tc_wan/decap-no-neighbour-redirect-neigh", OUTER(), &in4, 0, mac_wan, mac_r2);

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .ttl = 1, .tos = ECN_ECT1));
	fx_new("tc_wan/slow-ttl-1-to-tunnel-device", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.tclass = ECN_CE, .dstopt = dstopt_std), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, ECN_CE, 0, mac_tun, mac_r2);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_BYTES, in4.len);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PASS_TTL, 1);
	fx_run();

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.4.1", .paylen = 601 - 28));
	fx_new("tc_wan/slow-too-big-to-tunnel-device", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 0, mac_tun, mac_r2);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_BYTES, in4.len);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PASS_TOO_BIG, 1);
	fx_run();

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(.src = "fd00::77"), in4.b, in4.len);
	tc_unchanged("tc_wan/drop-unknown-outer-source", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, 0,
		     TUN46_C_DECAP_DROP_UNKNOWN_PEER);
	mk_inner(&in4, FLOW(.src = "10.1.2.3", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(), in4.b, in4.len);
	tc_unchanged("tc_wan/drop-inner-source-of-other-peer", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, P_A,
		     TUN46_C_DECAP_DROP_INNER_SOURCE);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_wan(&f, OUTER(.tclass = ECN_CE), in4.b, in4.len);
	tc_unchanged("tc_wan/drop-ecn-ce-on-not-ect", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, P_A,
		     TUN46_C_DECAP_DROP_ECN);
	{
		struct ip6 h6 = {.plen = 8, .nh = 17, .hlim = 64};
		ip6_addr(h6.src, "fd00::2");
		ip6_addr(h6.dst, "fd00::1");
		pkt_init(&f);
		pkt_eth(&f, mac_wan, mac_r2, -1, ETH_P_IPV6_);
		pkt_ip6(&f, &h6);
		pkt_put(&f, "\x9c\x40\x00\x35\x00\x08\x00\x00", 8);
		tc_unchanged("tc_wan/untouched-ipv6-udp", prog_tc_wan, if_wan, &f, TC_ACT_OK, 0, 0, -1);
	}

	/* tc_tun (ingress of tun46p, the other end of the tunnel device): the
	 * kernel already routed the packet into tun46, so the TTL is not
	 * decremented again; counters go to the tunnel device tun46. */
	mk_inner(&in4, FLOW(.src = "192.168.1.2", .dst = "10.2.3.4"));
	fx_new("tc_tun/encap", FX_TC, prog_tc_tun, if_tunp);
	pkt_init(&F.in);
	pkt_eth(&F.in, mac_tunp, mac_tun, -1, ETH_P_IPV4);
	pkt_put(&F.in, in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_encap(&F.out, &in4, &pa, mac_r2, mac_wan);
	F.out.b[54 + 8]++; /* TTL kept */
	ip4_fix_csum(F.out.b + 54);
	expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_PACKETS, 1);
	expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_BYTES, in4.len);
	fx_run();

	mk_inner(&in4, FLOW(.src = "192.168.1.2", .dst = "8.8.8.8"));
	pkt_init(&f);
	pkt_eth(&f, mac_tunp, mac_tun, -1, ETH_P_IPV4);
	pkt_put(&f, in4.b, in4.len);
	tc_unchanged("tc_tun/drop-no-tun46-route", prog_tc_tun, if_tunp, &f, TC_ACT_SHOT, if_tun, 0,
		     TUN46_C_ENCAP_DROP_NO_ROUTE);
	mk_inner(&in4, FLOW(.src = "192.168.1.2", .dst = "172.30.8.1"));
	pkt_init(&f);
	pkt_eth(&f, mac_tunp, mac_tun, -1, ETH_P_IPV4);
	pkt_put(&f, in4.b, in4.len);
	tc_unchanged("tc_tun/drop-route-to-missing-peer", prog_tc_tun, if_tunp, &f, TC_ACT_SHOT, if_tun, P_ABSENT,
		     TUN46_C_ENCAP_DROP_NO_PEER);
	{
		struct ip6 h6 = {.plen = 8, .nh = 17, .hlim = 64};
		ip6_addr(h6.src, "fd00::1");
		ip6_addr(h6.dst, "fd00::2");
		pkt_init(&f);
		pkt_eth(&f, mac_tunp, mac_tun, -1, ETH_P_IPV6_);
		pkt_ip6(&f, &h6);
		pkt_put(&f, "\x9c\x40\x00\x35\x00\x08\x00\x00", 8);
		tc_unchanged("tc_tun/drop-not-ipv4", prog_tc_tun, if_tunp, &f, TC_ACT_SHOT, if_tun, 0,
			     TUN46_C_ENCAP_DROP_NOT_IPV4);
	}
}

/* ------------------------------------------------------------------------ */

int main(void)
{
	if (fx_setup("datapath"))
		return 1;
	test_encap();
	test_decap();
	test_tc();
	test_tc_caches();
	return fx_finish("datapath");
}
