// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Byte-exact fixtures for encap gre (GRE over IPv6 as Linux ip6gre sends it),
 * on the shared harness (fixture.h): every GRE header form tun46 sends (44,
 * 48, 52, 56-byte outer: plain, key, encaplimit, both) from xdp_lan, tc_lan
 * and tc_tun; the next-hop cache missing at once when a peer's encap changes;
 * the peer MTU with the GRE overhead; decapsulation of every accepted form
 * (key, options, sequence number, checksum verified in tc_wan) in xdp_wan and
 * tc_wan; and every drop reason (version, routing bit, key missing / wrong /
 * unexpected, checksum, protocol IPv6 / Ethernet, ip4ip6 from a keyed peer,
 * truncated), GRE from no peer left to the kernel; an ICMPv6 Packet Too Big
 * quoting a GRE packet relayed with the GRE overhead taken off.
 * Expected frames are built from the wire format, never copied from output.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"

static const uint8_t dstopt_gre[8] = {47, 0, 4, 1, 4, 1, 1, 0};

/* P_A as a GRE peer (flags added), its decap index entry written again (it carries flags and key). */
static struct tun46_peer gre_peer(uint32_t extra, uint32_t key)
{
	struct tun46_peer p = peer_default(P_A);
	struct tun46_decap d = {.peer_id = P_A};
	union tun46_addr6 a;

	p.flags |= TUN46_PEER_F_GRE | extra;
	if (extra & TUN46_PEER_F_ENCAPLIMIT)
		p.encaplimit = 4;
	p.key = key;
	p.mtu = tun46_peer_default_mtu(p.flags);
	set_peer(P_A, &p);
	d.flags = p.flags;
	d.local = p.local;
	d.key = (p.flags & TUN46_PEER_F_GRE_KEY) ? key : 0;
	memcpy(a.b, p.remote.b, 16);
	bpf_map_update_elem(fd_decap, &a, &d, BPF_ANY);
	return p;
}

static void plain_peer(void)
{
	restore_peer(P_A);
	add_decap("fd00::2", P_A);
}

/* The GRE header a peer sends */
static size_t gre_hdr(uint8_t *g, const struct tun46_peer *pe)
{
	if (pe->flags & TUN46_PEER_F_GRE_KEY) {
		uint32_t k = htonl(pe->key);

		memcpy(g, "\x20\x00\x08\x00", 4);
		memcpy(g + 4, &k, 4);
		return 8;
	}
	memcpy(g, "\x00\x00\x08\x00", 4);
	return 4;
}

/* Expected GRE encapsulation of inner (TTL - dec) toward pe */
static void exp_gre(struct pkt *out, const struct pkt *inner, const struct tun46_peer *pe, const uint8_t *dmac,
		    const uint8_t *smac, int dec)
{
	uint8_t ip[PKT_MAX], g[8];
	uint16_t tot = get16(inner->b + 2);
	bool el = pe->flags & TUN46_PEER_F_ENCAPLIMIT;
	size_t glen = gre_hdr(g, pe);
	struct ip6 o;

	memcpy(ip, inner->b, tot);
	ip[8] -= dec;
	ip4_fix_csum(ip);
	memset(&o, 0, sizeof(o));
	o.tclass = (uint8_t)((pe->tclass & 0xfc) | (ip[1] & 3));
	o.flowlabel = spec_flow_hash(ip);
	o.plen = (uint16_t)(tot + glen + (el ? 8 : 0));
	o.nh = el ? 60 : 47;
	o.hlim = pe->hoplimit;
	memcpy(o.src, pe->local.b, 16);
	memcpy(o.dst, pe->remote.b, 16);
	pkt_init(out);
	pkt_eth(out, dmac, smac, -1, ETH_P_IPV6_);
	pkt_ip6(out, &o);
	if (el)
		pkt_dstopt_encaplimit(out, 47, pe->encaplimit);
	pkt_put(out, g, glen);
	pkt_put(out, ip, tot);
}

/* A GRE tunnel packet from the WAN: outer o (dstopt: its bytes, next header 47), GRE header g, inner */
static void mk_wan_gre(struct pkt *f, struct outer o, const void *g, size_t glen, const struct pkt *inner)
{
	struct ip6 h;

	memset(&h, 0, sizeof(h));
	h.tclass = o.tclass;
	h.flowlabel = o.flowlabel;
	h.plen = (uint16_t)((int)(inner->len + glen) + (o.dstopt ? 8 : 0) + o.plen_adj);
	h.nh = o.dstopt ? 60 : 47;
	h.hlim = o.hlim;
	ip6_addr(h.src, o.src);
	ip6_addr(h.dst, o.dst);
	pkt_init(f);
	pkt_eth(f, mac_wan, mac_r2, -1, ETH_P_IPV6_);
	pkt_ip6(f, &h);
	if (o.dstopt)
		pkt_put(f, o.dstopt, 8);
	pkt_put(f, g, glen);
	pkt_put(f, inner->b, inner->len);
}

static void encap_fx(const char *name, int kind, const struct tun46_peer *pe, const struct pkt *in4)
{
	size_t outer = tun46_peer_overhead(pe->flags);

	if (kind == 2) { /* tc_tun: the kernel routed it already (TTL kept), counted on the tunnel device */
		fx_new(name, FX_TC, prog_tc_tun, if_tunp);
		pkt_init(&F.in);
		pkt_eth(&F.in, mac_tunp, mac_tun, -1, ETH_P_IPV4);
		pkt_put(&F.in, in4->b, in4->len);
		F.verdict = TC_ACT_REDIRECT;
		exp_gre(&F.out, in4, pe, mac_r2, mac_wan, 0);
		expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_PACKETS, 1);
		expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_BYTES, in4->len);
	} else {
		fx_new(name, kind ? FX_TC : FX_XDP, kind ? prog_tc_lan : prog_xdp_lan, if_lan);
		mk_lan(&F.in, in4, -1);
		F.verdict = kind ? TC_ACT_REDIRECT : XDP_REDIRECT;
		exp_gre(&F.out, in4, pe, mac_r2, mac_wan, 1);
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, in4->len);
	}
	F.inner_off = 14 + (int)outer;
	fx_run();
}

static void test_encap(void)
{
	static const char *kinds[] = {"xdp_lan", "tc_lan", "tc_tun"};
	static const struct {
		const char *name;
		uint32_t flags, key;
	} forms[] = {
	    {"44-byte-plain", 0, 0},
	    {"48-byte-key", TUN46_PEER_F_GRE_KEY, 0x01020304},
	    {"52-byte-encaplimit", TUN46_PEER_F_ENCAPLIMIT, 0},
	    {"56-byte-encaplimit-key", TUN46_PEER_F_ENCAPLIMIT | TUN46_PEER_F_GRE_KEY, 0xfffffffe},
	    {"48-byte-key-0", TUN46_PEER_F_GRE_KEY, 0},
	};
	struct tun46_peer pe;
	struct pkt in4, f;
	char name[128];

	mk_inner(&in4, FLOW(.tos = 0x28 | ECN_ECT0));
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			pe = gre_peer(forms[i].flags, forms[i].key);
			snprintf(name, sizeof(name), "gre/%s/encap-%s", kinds[k], forms[i].name);
			encap_fx(name, k, &pe, &in4);
		}
	}

	/* the peer MTU with the GRE overhead: 1456 fits, 1457 goes to the kernel */
	pe = gre_peer(0, 0);
	mk_inner(&in4, FLOW(.paylen = 1456 - 28));
	encap_fx("gre/xdp_lan/encap-1456-fits", 0, &pe, &in4);
	mk_inner(&in4, FLOW(.paylen = 1457 - 28));
	mk_lan(&f, &in4, -1);
	fx_new("gre/xdp_lan/pass-1457-over-gre-mtu", FX_XDP, prog_xdp_lan, if_lan);
	pkt_copy(&F.in, &f);
	pkt_copy(&F.out, &f);
	F.verdict = XDP_PASS;
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PASS_TOO_BIG, 1);
	fx_run();
	tc_unchanged("gre/tc_lan/pass-1457-over-gre-mtu", prog_tc_lan, if_lan, &f, TC_ACT_OK, if_lan, P_A,
		     TUN46_C_ENCAP_PASS_TOO_BIG);

	/* live change: the XDP next-hop cache keys on the peer flags, so the
	 * packet right after `peer change ... encap gre` is GRE, and back */
	mk_inner(&in4, FLOW());
	plain_peer();
	fx_new("gre/xdp_lan/live-ip4ip6-first", FX_XDP, prog_xdp_lan, if_lan);
	mk_lan(&F.in, &in4, -1);
	F.verdict = XDP_REDIRECT;
	pe = peer_default(P_A);
	exp_encap(&F.out, &in4, &pe, mac_r2, mac_wan);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, in4.len);
	fx_run();
	pe = gre_peer(0, 0);
	encap_fx("gre/xdp_lan/live-next-packet-is-gre", 0, &pe, &in4);
	plain_peer();
	fx_new("gre/xdp_lan/live-back-to-ip4ip6", FX_XDP, prog_xdp_lan, if_lan);
	mk_lan(&F.in, &in4, -1);
	F.verdict = XDP_REDIRECT;
	pe = peer_default(P_A);
	exp_encap(&F.out, &in4, &pe, mac_r2, mac_wan);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, in4.len);
	fx_run();
}

/* ---- decapsulation ---- */

static void decap_ok(const char *name, bool tc, struct outer o, const void *g, size_t glen, const struct pkt *in4)
{
	fx_new(name, tc ? FX_TC : FX_XDP, tc ? prog_tc_wan : prog_xdp_wan, if_wan);
	mk_wan_gre(&F.in, o, g, glen, in4);
	F.verdict = tc ? TC_ACT_REDIRECT : XDP_REDIRECT;
	exp_decap(&F.out, in4, o.tclass & 3, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, get16(in4->b + 2));
	fx_run();
}

/* dropped (counted) by both xdp_wan and tc_wan, frame untouched */
static void decap_drop(const char *name, struct outer o, const void *g, size_t glen, const struct pkt *in4,
		       uint32_t peer, int reason)
{
	struct pkt f;
	char n[128];

	mk_wan_gre(&f, o, g, glen, in4);
	snprintf(n, sizeof(n), "gre/xdp_wan/%s", name);
	fx_new(n, FX_XDP, prog_xdp_wan, if_wan);
	pkt_copy(&F.in, &f);
	pkt_copy(&F.out, &f);
	F.verdict = XDP_DROP;
	expect_ctr(if_wan, peer, reason, 1);
	fx_run();
	snprintf(n, sizeof(n), "gre/tc_wan/%s", name);
	tc_unchanged(n, prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, peer, reason);
}

/* GRE with a checksum over header + inner (RFC 2784); 'bad' flips it */
static size_t gre_csum_hdr(uint8_t *g, const struct pkt *in4, bool key, uint32_t keyval, bool bad)
{
	size_t n = 8;
	uint32_t sum;
	uint16_t c;

	memset(g, 0, 16);
	g[0] = 0x80 | (key ? 0x20 : 0);
	g[2] = 0x08;
	if (key) {
		uint32_t k = htonl(keyval);

		memcpy(g + 8, &k, 4);
		n = 12;
	}
	sum = csum_partial(g, n, 0);
	sum = csum_partial(in4->b, in4->len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	if (bad)
		c ^= 0x0100;
	g[4] = (uint8_t)(c >> 8); /* csum_partial sums big-endian words */
	g[5] = (uint8_t)c;
	return n;
}

static void test_decap(void)
{
	static const uint8_t g_plain[] = {0, 0, 8, 0};
	static const uint8_t g_key7[] = {0x20, 0, 8, 0, 0, 0, 0, 7};
	static const uint8_t g_key8[] = {0x20, 0, 8, 0, 0, 0, 0, 8};
	static const uint8_t g_key0[] = {0x20, 0, 8, 0, 0, 0, 0, 0};
	static const uint8_t g_seq[] = {0x10, 0, 8, 0, 0, 0, 0x12, 0x34};
	static const uint8_t g_key7_seq[] = {0x30, 0, 8, 0, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t g_other_bits[] = {0x0f, 0xf8, 8, 0}; /* strict route, recursion, flags: ignored */
	static const uint8_t g_ver1[] = {0, 1, 8, 0};
	static const uint8_t g_routing[] = {0x40, 0, 8, 0};
	static const uint8_t g_ipv6[] = {0, 0, 0x86, 0xdd};
	static const uint8_t g_teb[] = {0, 0, 0x65, 0x58};
	uint8_t g[16];
	struct pkt in4, f;
	size_t n;

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .tos = ECN_ECT0));
	gre_peer(0, 0);
	for (int tc = 0; tc < 2; tc++) {
		const char *p = tc ? "gre/tc_wan/" : "gre/xdp_wan/";
		char nm[128];

#define NAME(s) (snprintf(nm, sizeof(nm), "%s%s", p, s), nm)
		decap_ok(NAME("decap-44-byte-plain-outer-ce"), tc, OUTER(.tclass = 0xb8 | ECN_CE), g_plain, 4, &in4);
		decap_ok(NAME("decap-52-byte-encaplimit"), tc, OUTER(.dstopt = dstopt_gre), g_plain, 4, &in4);
		decap_ok(NAME("decap-sequence-number-ignored"), tc, OUTER(), g_seq, 8, &in4);
		decap_ok(NAME("decap-other-flag-bits-ignored"), tc, OUTER(), g_other_bits, 4, &in4);
	}
	/* the 40-byte ip4ip6 form above: mk_wan_gre with no GRE bytes writes next header 47; redo it as ip4ip6 */
	fx_new("gre/xdp_wan/decap-ip4ip6-form-from-gre-peer", FX_XDP, prog_xdp_wan, if_wan);
	mk_wan(&F.in, OUTER(), in4.b, in4.len);
	F.verdict = XDP_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

	/* drops, peer without a key */
	decap_drop("drop-version-1", OUTER(), g_ver1, 4, &in4, P_A, TUN46_C_DECAP_DROP_GRE_VERSION);
	decap_drop("drop-routing-bit", OUTER(), g_routing, 4, &in4, P_A, TUN46_C_DECAP_DROP_GRE_FLAGS);
	decap_drop("drop-key-unexpected", OUTER(), g_key7, 8, &in4, P_A, TUN46_C_DECAP_DROP_GRE_KEY);
	decap_drop("drop-key-0-unexpected", OUTER(), g_key0, 8, &in4, P_A, TUN46_C_DECAP_DROP_GRE_KEY);
	decap_drop("drop-proto-ipv6-router-solicitation", OUTER(), g_ipv6, 4, &in4, P_A, TUN46_C_DECAP_DROP_GRE_PROTO);
	decap_drop("drop-proto-transparent-ethernet", OUTER(.dstopt = dstopt_gre), g_teb, 4, &in4, P_A,
		   TUN46_C_DECAP_DROP_GRE_PROTO);
	decap_drop("drop-gre-truncated", OUTER(.plen_adj = -(int)in4.len), g_seq, 2, &in4, P_A,
		   TUN46_C_DECAP_DROP_TRUNC_OUTER);
	decap_drop("drop-wrong-local", OUTER(.dst = "fd00::9"), g_plain, 4, &in4, P_A, TUN46_C_DECAP_DROP_WRONG_LOCAL);
	{
		struct pkt bad;

		mk_inner(&bad, FLOW(.src = "10.1.2.3", .dst = "192.168.1.2"));
		decap_drop("drop-inner-source-of-other-peer", OUTER(), g_plain, 4, &bad, P_A,
			   TUN46_C_DECAP_DROP_INNER_SOURCE);
	}

	/* a peer with key 7 */
	gre_peer(TUN46_PEER_F_GRE_KEY, 7);
	decap_ok("gre/xdp_wan/decap-48-byte-key", false, OUTER(), g_key7, 8, &in4);
	decap_ok("gre/tc_wan/decap-48-byte-key", true, OUTER(), g_key7, 8, &in4);
	decap_ok("gre/xdp_wan/decap-56-byte-encaplimit-key", false, OUTER(.dstopt = dstopt_gre), g_key7, 8, &in4);
	decap_ok("gre/xdp_wan/decap-key-and-sequence", false, OUTER(), g_key7_seq, 12, &in4);
	decap_drop("drop-key-missing", OUTER(), g_plain, 4, &in4, P_A, TUN46_C_DECAP_DROP_GRE_KEY);
	decap_drop("drop-key-wrong", OUTER(), g_key8, 8, &in4, P_A, TUN46_C_DECAP_DROP_GRE_KEY);
	mk_wan(&f, OUTER(), in4.b, in4.len);
	tc_unchanged("gre/tc_wan/drop-ip4ip6-from-keyed-peer", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, P_A,
		     TUN46_C_DECAP_DROP_GRE_KEY);

	/* checksum: xdp_wan leaves it to tc_wan, which verifies it */
	n = gre_csum_hdr(g, &in4, true, 7, false);
	mk_wan_gre(&f, OUTER(), g, n, &in4);
	fx_new("gre/xdp_wan/checksum-left-to-tc_wan", FX_XDP, prog_xdp_wan, if_wan);
	pkt_copy(&F.in, &f);
	pkt_copy(&F.out, &f);
	F.verdict = XDP_PASS;
	fx_run();
	decap_ok("gre/tc_wan/decap-checksum-right-with-key", true, OUTER(), g, n, &in4);
	n = gre_csum_hdr(g, &in4, true, 7, true);
	mk_wan_gre(&f, OUTER(), g, n, &in4);
	tc_unchanged("gre/tc_wan/drop-checksum-wrong", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, P_A,
		     TUN46_C_DECAP_DROP_GRE_CSUM);
	{
		struct pkt big;

		mk_inner(&big, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .paylen = 1400));
		n = gre_csum_hdr(g, &big, true, 7, false);
		decap_ok("gre/tc_wan/decap-checksum-right-1428-bytes", true, OUTER(), g, n, &big);
	}

	/* GRE from an address that is no peer: the kernel's (its own ip6gre tunnels), nothing counted */
	mk_wan_gre(&f, OUTER(.src = "fd00::77"), g_plain, 4, &in4);
	fx_new("gre/xdp_wan/untouched-gre-from-no-peer", FX_XDP, prog_xdp_wan, if_wan);
	pkt_copy(&F.in, &f);
	pkt_copy(&F.out, &f);
	F.verdict = XDP_PASS;
	fx_run();
	tc_unchanged("gre/tc_wan/untouched-gre-from-no-peer", prog_tc_wan, if_wan, &f, TC_ACT_OK, 0, 0, -1);

	/* an ip4ip6 peer takes GRE too (both ends switch one at a time) */
	plain_peer();
	decap_ok("gre/xdp_wan/decap-gre-from-ip4ip6-peer", false, OUTER(), g_plain, 4, &in4);
	decap_drop("drop-key-to-ip4ip6-peer", OUTER(), g_key7, 8, &in4, P_A, TUN46_C_DECAP_DROP_GRE_KEY);
#undef NAME
}

/* ---- an ICMPv6 Packet Too Big quoting one of our GRE packets ---- */
static void test_icmp(void)
{
	struct tun46_peer pe = gre_peer(TUN46_PEER_F_GRE_KEY, 7);
	struct pkt in4, tun, msg, f, q;
	uint8_t me[16], r1[16];
	struct ip6 h;
	size_t qlen;

	/* the tunnel packet we sent: 1400-byte inner from 192.168.1.2 toward 10.2.3.4 */
	mk_inner(&in4, FLOW(.paylen = 1400 - 28));
	exp_gre(&tun, &in4, &pe, mac_r2, mac_wan, 1);
	/* a router on the path (fd00::2 stands in) says: mtu 1400; it quotes what fits in 1280 */
	qlen = tun.len - 14 > 1280 - 48 ? 1280 - 48 : tun.len - 14;
	ip6_addr(me, "fd00::1");
	ip6_addr(r1, "fd00::2");
	pkt_init(&msg);
	l4_icmp6(&msg, r1, me, 2, 0, 1400, tun.b + 14, qlen);
	memset(&h, 0, sizeof(h));
	h.plen = (uint16_t)msg.len;
	h.nh = 58;
	h.hlim = 64;
	memcpy(h.src, r1, 16);
	memcpy(h.dst, me, 16);
	pkt_init(&f);
	pkt_eth(&f, mac_wan, mac_r2, -1, ETH_P_IPV6_);
	pkt_ip6(&f, &h);
	pkt_put(&f, msg.b, msg.len);

	/* expected: ICMPv4 frag needed, mtu 1400 - 48 (IPv6 + GRE with key) = 1352, to 192.168.1.2 */
	fx_new("gre/tc_wan/icmp6-ptb-quoting-gre-relayed-mtu-1352", FX_TC, prog_tc_wan, if_wan);
	pkt_copy(&F.in, &f);
	F.verdict = TC_ACT_REDIRECT;
	{
		const uint8_t *quote = tun.b + 14 + 48; /* the inner packet as we sent it (TTL decremented) */
		size_t ql = qlen - 48;
		struct ip4 ih = {
		    .tos = 0xc0, .ttl = 64, .proto = 1, .src = ip4_addr("192.168.1.1"), .dst = ip4_addr("192.168.1.2")};

		if (ql > 576 - 28)
			ql = 576 - 28;
		pkt_init(&q);
		l4_icmp(&q, 3, 4, 1352, quote, ql);
		pkt_init(&F.out);
		pkt_eth(&F.out, mac_h1, mac_lan, -1, ETH_P_IPV4);
		pkt_ip4(&F.out, &ih, q.b, q.len);
	}
	F.inner_off = 14;
	F.ip4_id_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_ctr(if_wan, P_A, TUN46_C_ICMP_RELAYED, 1);
	fx_run();
	bpf_map_delete_elem(bpf_map__fd(skel->maps.tun46_pmtu), &(uint32_t){P_A});
}

int main(void)
{
	if (fx_setup("gre"))
		return 1;
	test_encap();
	test_decap();
	test_icmp();
	plain_peer();
	return fx_finish("gre");
}
