// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Byte-exact fixtures for path MTU and ICMP (README "Path MTU and ICMP";
 * bpf/lib/icmp.h, bpf/lib/pmtu.h), run through BPF_PROG_TEST_RUN in the
 * namespace and with the maps of fixture.h:
 *
 *  - tc_wan: ICMPv6 errors from an underlay router quoting our tunnel
 *    packets become ICMPv4 errors to the inner sender (Packet Too Big: frag
 *    needed with the path MTU minus the outer header, learnt in tun46_pmtu;
 *    Destination Unreachable, Time Exceeded in transit: host unreachable,
 *    rate limited per destination); anything else is the kernel's, untouched;
 *  - tc_tun: a packet over the learnt path MTU, or over the outer route's
 *    MTU, gets frag needed instead of being encapsulated.
 *
 * Expected ICMPv4 errors are built from RFC 792/1191 and icmp_send's rules
 * (TTL 64, no DF, TOS = the offending TOS bits | precedence 6, the offending
 * packet quoted up to 576 bytes in all, source = the router's address on the
 * route back).  The IP ID is random: only it is taken from the output.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fixture.h"

#define ICMP4_MAX_LEN	576  /* the whole error, as icmp_send */
#define ICMP6_MIN_MTU	1280 /* an ICMPv6 error quotes as much as fits in it (RFC 4443 2.4(c)) */
#define ICMP6_ERR_HLEN	48   /* its IPv6 and ICMPv6 headers */
#define ICMP6_PTB	2
#define ICMP6_DU	1
#define ICMP6_TE	3
#define ICMP4_UNREACH	3
#define ICMP4_HOST	1
#define ICMP4_FRAG	4
#define ROUTER_LAN	"192.168.1.1" /* source of our ICMPv4 errors toward 192.168.1.2 */
#define UNDERLAY_ROUTER "fd00:5::1"   /* an IPv6 router on the path, source of the ICMPv6 errors */
#define PMTU_EXPIRES_NS (600ULL * 1000 * 1000 * 1000)
#define ICMP_RL_BURST	6
#define NS_PER_SEC	1000000000ULL

static int fd_pmtu, fd_rl;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* bpf_ktime_get_ns()'s clock */
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* maps                                                                     */

static void pmtu_clear(uint32_t peer)
{
	bpf_map_delete_elem(fd_pmtu, &peer);
}

static void pmtu_set(uint32_t peer, const char *remote, uint32_t mtu, uint64_t expires)
{
	struct tun46_pmtu e;

	memset(&e, 0, sizeof(e));
	ip6_addr(e.remote.b, remote);
	e.mtu = mtu;
	e.expires = expires;
	if (bpf_map_update_elem(fd_pmtu, &peer, &e, BPF_ANY))
		fprintf(stderr, "test_icmp: update tun46_pmtu[%u] failed\n", peer);
}

static void rl_clear(const char *dst)
{
	uint32_t k = htonl(ip4_addr(dst));

	bpf_map_delete_elem(fd_rl, &k);
}

static uint32_t cfg_gen(void)
{
	struct tun46_config c;
	uint32_t zero = 0;

	memset(&c, 0, sizeof(c));
	bpf_map_lookup_elem(fd_config, &zero, &c);
	return c.gen;
}

/* What tun46_pmtu must hold after the run (F.check): mtu 0 = no entry;
 * else that mtu and remote, expiring 10 min after the run. */
static struct {
	uint32_t peer, mtu;
	const char *remote;
	bool fresh;  /* written by this run: expires 10 min after it, cache generation bumped */
	uint64_t t0; /* before the run */
	uint32_t gen0;
} want;

static bool check_pmtu(char *why, size_t whylen)
{
	struct tun46_pmtu e;
	union tun46_addr6 r;
	uint32_t gen = cfg_gen();
	uint64_t t1 = now_ns();
	bool have = bpf_map_lookup_elem(fd_pmtu, &want.peer, &e) == 0;

	if (!want.mtu) {
		if (have)
			snprintf(why, whylen, "tun46_pmtu[%u] written (mtu %u), expected none", want.peer, e.mtu);
		return !have;
	}
	ip6_addr(r.b, want.remote);
	if (!have) {
		snprintf(why, whylen, "no tun46_pmtu[%u] entry, expected mtu %u", want.peer, want.mtu);
		return false;
	}
	if (e.mtu != want.mtu || memcmp(&e.remote, &r, sizeof(r))) {
		snprintf(why, whylen, "tun46_pmtu[%u] holds mtu %u, expected %u for %s", want.peer, e.mtu, want.mtu,
			 want.remote);
		return false;
	}
	if (want.fresh && (e.expires < want.t0 + PMTU_EXPIRES_NS || e.expires > t1 + PMTU_EXPIRES_NS)) {
		snprintf(why, whylen, "tun46_pmtu[%u] expires %lld ms after the run, expected 600000", want.peer,
			 ((long long)e.expires - (long long)t1) / 1000000);
		return false;
	}
	if (gen - want.gen0 != (want.fresh ? 1u : 0u)) {
		snprintf(why, whylen, "tun46_config.gen moved by %u, expected %u", gen - want.gen0, want.fresh ? 1 : 0);
		return false;
	}
	return true;
}

/* F.check = check_pmtu with this expectation ('fresh': just written, cache
 * generation bumped); the time and generation before are taken by run_pmtu(). */
static void expect_pmtu(uint32_t peer, uint32_t mtu, const char *remote, bool fresh)
{
	memset(&want, 0, sizeof(want));
	want.peer = peer;
	want.mtu = mtu;
	want.remote = remote;
	want.fresh = fresh;
	F.check = check_pmtu;
}

static bool run_pmtu(void)
{
	want.gen0 = cfg_gen();
	want.t0 = now_ns();
	return fx_run();
}

/* ------------------------------------------------------------------------ */
/* frames                                                                   */

/* An ICMPv6 error and the tunnel packet it quotes. */
struct err6 {
	uint8_t type, code;
	uint32_t info;		 /* Packet Too Big: the MTU */
	const char *from, *to;	 /* the ICMPv6 message's addresses */
	const char *qsrc, *qdst; /* the quoted tunnel packet's outer addresses */
	uint8_t qnh;		 /* its next header: 4, 60 (RFC 2473 encap limit, then 4), or other */
	bool bad_csum;
};

#define ERR6(...)                               \
	((struct err6){.type = ICMP6_PTB,       \
		       .info = 1400,            \
		       .from = UNDERLAY_ROUTER, \
		       .to = "fd00::1",         \
		       .qsrc = "fd00::1",       \
		       .qdst = "fd00::2",       \
		       .qnh = 4,                \
		       __VA_ARGS__})

/* The WAN frame (from r2's MAC): the error quoting our tunnel packet that
 * carried 'inner', as much of it as fits in 1280 bytes. */
static void mk_err6(struct pkt *f, struct err6 e, const struct pkt *inner)
{
	struct ip6 q, h;
	struct pkt tp, msg;
	size_t qlen;

	memset(&q, 0, sizeof(q));
	q.flowlabel = 0x1d2c3;
	q.plen = (uint16_t)(inner->len + (e.qnh == 60 ? 8 : 0));
	q.nh = e.qnh;
	q.hlim = 64;
	ip6_addr(q.src, e.qsrc);
	ip6_addr(q.dst, e.qdst);
	pkt_init(&tp);
	pkt_ip6(&tp, &q);
	if (e.qnh == 60)
		pkt_dstopt_encaplimit(&tp, 4, 4);
	pkt_put(&tp, inner->b, inner->len);
	qlen = tp.len < ICMP6_MIN_MTU - ICMP6_ERR_HLEN ? tp.len : ICMP6_MIN_MTU - ICMP6_ERR_HLEN;

	memset(&h, 0, sizeof(h));
	h.plen = (uint16_t)(8 + qlen);
	h.nh = 58;
	h.hlim = 64;
	ip6_addr(h.src, e.from);
	ip6_addr(h.dst, e.to);
	pkt_init(&msg);
	l4_icmp6(&msg, h.src, h.dst, e.type, e.code, e.info, tp.b, qlen);
	if (e.bad_csum)
		msg.b[3] ^= 0x40;
	pkt_init(f);
	pkt_eth(f, mac_wan, mac_r2, -1, ETH_P_IPV6_);
	pkt_ip6(f, &h);
	pkt_put(f, msg.b, msg.len);
}

/* How many bytes of 'inner' the error of mk_err6 quotes (behind 'outer' bytes of tunnel headers). */
static size_t quoted_inner(const struct pkt *inner, size_t outer)
{
	size_t room = ICMP6_MIN_MTU - ICMP6_ERR_HLEN - outer;

	return inner->len < room ? inner->len : room;
}

/* The ICMPv4 error to the source of 'off' ('avail' bytes of it at hand),
 * sent from the router's LAN address in an Ethernet frame dmac <- smac. */
static void exp_icmp4_eth(struct pkt *out, const uint8_t *off, size_t avail, uint8_t code, uint16_t mtu,
			  const uint8_t *dmac, const uint8_t *smac)
{
	/* TOS: (tos & IPTOS_TOS_MASK) | IPTOS_PREC_INTERNETCONTROL, as this kernel's
	 * own icmp_send answers a TOS 0x2a packet with 0xca (checked on 6.18) */
	struct ip4 h = {.tos = (uint8_t)((off[1] & 0x1e) | 0xc0),
			.ttl = 64,
			.proto = 1,
			.src = ip4_addr(ROUTER_LAN),
			.dst = get32(off + 12)};
	size_t n = avail < ICMP4_MAX_LEN - 28 ? avail : ICMP4_MAX_LEN - 28;
	struct pkt ic;

	pkt_init(&ic);
	l4_icmp(&ic, ICMP4_UNREACH, code, code == ICMP4_FRAG ? mtu : 0, off, n); /* RFC 1191: MTU in the low 16 bits */
	pkt_init(out);
	pkt_eth(out, dmac, smac, -1, ETH_P_IPV4);
	pkt_ip4(out, &h, ic.b, ic.len);
}

/* ... to host 192.168.1.2 (its neighbour entry), out of lan */
static void exp_icmp4(struct pkt *out, const uint8_t *off, size_t avail, uint8_t code, uint16_t mtu)
{
	exp_icmp4_eth(out, off, avail, code, mtu, mac_h1, mac_lan);
}

/* The LAN host's packet as it left us in the tunnel (TTL already decremented), 'len' bytes. */
static void mk_sent(struct pkt *inner, size_t len)
{
	mk_inner(inner, FLOW(.ttl = 63, .tos = 0x2a, .paylen = len - 28));
}

/* ------------------------------------------------------------------------ */
/* tc_wan                                                                   */

/* An error relayed as ICMPv4 (code, next-hop MTU) to 192.168.1.2. */
static void wan_relay_case(const char *name, struct err6 e, const struct pkt *inner, size_t outer, uint8_t code,
			   uint16_t mtu)
{
	fx_new(name, FX_TC, prog_tc_wan, if_wan);
	mk_err6(&F.in, e, inner);
	F.verdict = TC_ACT_REDIRECT;
	exp_icmp4(&F.out, inner->b, quoted_inner(inner, outer), code, mtu);
	F.ip4_id_off = 14;
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_ICMP_RELAYED, 1);
}

static void wan_untouched(const char *name, struct err6 e, const struct pkt *inner, uint32_t peer, int counter)
{
	struct pkt f;

	mk_err6(&f, e, inner);
	fx_new(name, FX_TC, prog_tc_wan, if_wan);
	pkt_copy(&F.in, &f);
	pkt_copy(&F.out, &f);
	F.verdict = TC_ACT_OK;
	if (counter >= 0)
		expect_ctr(if_wan, peer, counter, 1);
	pmtu_clear(P_A);
	expect_pmtu(P_A, 0, NULL, false);
	run_pmtu();
}

static void test_wan_ptb(void)
{
	struct pkt in4;

	/* 1460 bytes to peer A (outer 1500) meet a 1400-byte link: frag needed 1360 */
	mk_sent(&in4, 1460);
	pmtu_clear(P_A);
	wan_relay_case("icmp/wan-ptb-1400-frag-needed-1360-learnt", ERR6(), &in4, 40, ICMP4_FRAG, 1360);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1400, "fd00::2", true);
	run_pmtu();

	/* a larger MTU later does not raise what is known; the sender still hears the PTB's */
	wan_relay_case("icmp/wan-ptb-1450-after-1400-not-learnt", ERR6(.info = 1450), &in4, 40, ICMP4_FRAG, 1410);
	expect_pmtu(P_A, 1400, "fd00::2", false);
	run_pmtu();

	/* a smaller one lowers it */
	wan_relay_case("icmp/wan-ptb-1380-after-1400-lowers", ERR6(.info = 1380), &in4, 40, ICMP4_FRAG, 1340);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1380, "fd00::2", true);
	run_pmtu();

	/* below the IPv6 minimum: taken as 1280 */
	pmtu_clear(P_A);
	wan_relay_case("icmp/wan-ptb-1200-clamped-to-1280", ERR6(.info = 1200), &in4, 40, ICMP4_FRAG, 1240);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1280, "fd00::2", true);
	run_pmtu();

	/* a PTB whose MTU the quoted packet fits: learnt, nothing to tell the sender */
	pmtu_clear(P_A);
	mk_sent(&in4, 1300);
	fx_new("icmp/wan-ptb-1400-quoted-1300-fits-learnt-not-relayed", FX_TC, prog_tc_wan, if_wan);
	mk_err6(&F.in, ERR6(), &in4);
	pkt_copy(&F.out, &F.in);
	F.verdict = TC_ACT_OK;
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1400, "fd00::2", true);
	run_pmtu();

	/* the 48-byte form: destination options with the encap limit */
	modify_peer(P_A, TUN46_PEER_F_ENCAPLIMIT, -1, -1, 4, 0, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	add_decap("fd00::2", P_A);
	pmtu_clear(P_A);
	mk_sent(&in4, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	wan_relay_case("icmp/wan-ptb-1400-encaplimit-frag-needed-1352", ERR6(.qnh = 60), &in4, 48, ICMP4_FRAG, 1352);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1400, "fd00::2", true);
	run_pmtu();
	restore_peer(P_A);
	add_decap("fd00::2", P_A);

	/* not about our packets, or not a valid message: the kernel's, nothing learnt or counted */
	mk_sent(&in4, 1460);
	wan_untouched("icmp/wan-ptb-quoting-other-outer-source-untouched", ERR6(.qsrc = "fd00::99"), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-quoting-unknown-peer-untouched", ERR6(.qdst = "fd00::77"), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-quoting-inactive-peer-untouched", ERR6(.qdst = "fd00::7"), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-quoting-non-tunnel-payload-untouched", ERR6(.qnh = 17), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-not-to-peer-local-untouched", ERR6(.to = "fd00::9"), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-bad-icmpv6-checksum-untouched", ERR6(.bad_csum = true), &in4, 0, -1);
	wan_untouched("icmp/wan-ptb-code-1-untouched", ERR6(.code = 1), &in4, 0, -1);
	pmtu_clear(P_A);
}

static void test_wan_unreach(void)
{
	struct pkt in4;
	uint64_t t0;
	char name[96];
	int i;

	mk_sent(&in4, 120);
	rl_clear("192.168.1.2");
	wan_relay_case("icmp/wan-dest-unreach-code-3-host-unreach", ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4,
		       40, ICMP4_HOST, 0);
	expect_pmtu(P_A, 0, NULL, false);
	run_pmtu();
	/* odd lengths: the ICMPv6 message (169 bytes) and the ICMPv4 quote (121) */
	mk_sent(&in4, 121);
	wan_relay_case("icmp/wan-dest-unreach-odd-lengths", ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4, 40,
		       ICMP4_HOST, 0);
	fx_run();
	mk_sent(&in4, 120);
	wan_relay_case("icmp/wan-time-exceeded-hoplimit-host-unreach", ERR6(.type = ICMP6_TE, .code = 0, .info = 0),
		       &in4, 40, ICMP4_HOST, 0);
	fx_run();
	/* a long packet: the quote stops at 576 bytes in all */
	mk_sent(&in4, 1000);
	wan_relay_case("icmp/wan-dest-unreach-code-0-long-quote-576", ERR6(.type = ICMP6_DU, .code = 0, .info = 0),
		       &in4, 40, ICMP4_HOST, 0);
	fx_run();
	/* fragment reassembly time exceeded: not relayed (ip6_tnl_err) */
	wan_untouched("icmp/wan-time-exceeded-reassembly-untouched", ERR6(.type = ICMP6_TE, .code = 1, .info = 0), &in4,
		      0, -1);

	/* a sender without a neighbour entry: bpf_redirect_neigh() resolves it (the input MACs stay) */
	mk_inner(&in4, FLOW(.src = "192.168.1.3", .ttl = 63, .paylen = 92));
	rl_clear("192.168.1.3");
	fx_new("icmp/wan-dest-unreach-sender-without-neighbour-redirect-neigh", FX_TC, prog_tc_wan, if_wan);
	mk_err6(&F.in, ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4);
	F.verdict = TC_ACT_REDIRECT;
	exp_icmp4_eth(&F.out, in4.b, in4.len, ICMP4_HOST, 0, mac_wan, mac_r2);
	F.ip4_id_off = 14;
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_ICMP_RELAYED, 1);
	fx_run();
	rl_clear("192.168.1.3");

	/* no route back to the inner sender: counted, the kernel gets the error */
	mk_inner(&in4, FLOW(.src = "203.0.113.5", .ttl = 63, .paylen = 92));
	wan_untouched("icmp/wan-dest-unreach-no-route-back-counted", ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4,
		      P_A, TUN46_C_ICMP_DROP_NO_SOURCE);
	/* an offending packet that gets no error (RFC 1122): a non-first fragment, an ICMP error */
	mk_inner(&in4, FLOW(.ttl = 63, .frag = 100, .paylen = 92));
	wan_untouched("icmp/wan-dest-unreach-quoting-non-first-fragment-untouched",
		      ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4, 0, -1);
	{
		struct ip4 h = {.ttl = 63, .proto = 1, .src = ip4_addr("192.168.1.2"), .dst = ip4_addr("10.2.3.4")};
		struct pkt ic;

		pkt_init(&ic);
		l4_icmp(&ic, ICMP4_UNREACH, ICMP4_HOST, 0, NULL, 28);
		pkt_init(&in4);
		pkt_ip4(&in4, &h, ic.b, ic.len);
	}
	wan_untouched("icmp/wan-dest-unreach-quoting-icmp-error-untouched",
		      ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4, 0, -1);

	/* rate limit: 6 host unreachables to one destination pass, the 7th within 1 s does not */
	mk_sent(&in4, 120);
	rl_clear("192.168.1.2");
	t0 = now_ns();
	for (i = 1; i <= ICMP_RL_BURST; i++) {
		snprintf(name, sizeof(name), "icmp/wan-ratelimit-%d-of-%d-sent", i, ICMP_RL_BURST);
		wan_relay_case(name, ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4, 40, ICMP4_HOST, 0);
		fx_run();
	}
	if (now_ns() - t0 > NS_PER_SEC / 2) {
		skip("icmp/wan-ratelimit-7th-within-1s-not-sent", "the burst took over 0.5 s (machine too busy)");
	} else {
		fx_new("icmp/wan-ratelimit-7th-within-1s-not-sent", FX_TC, prog_tc_wan, if_wan);
		mk_err6(&F.in, ERR6(.type = ICMP6_DU, .code = 3, .info = 0), &in4);
		pkt_copy(&F.out, &F.in);
		F.verdict = TC_ACT_OK;
		expect_ctr(if_wan, P_A, TUN46_C_ICMP_RATELIMITED, 1);
		fx_run();
	}
	/* frag needed is never limited */
	mk_sent(&in4, 1460);
	pmtu_clear(P_A);
	wan_relay_case("icmp/wan-ratelimit-frag-needed-not-limited", ERR6(), &in4, 40, ICMP4_FRAG, 1360);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	fx_run();
	pmtu_clear(P_A);
	rl_clear("192.168.1.2");
}

/* ------------------------------------------------------------------------ */
/* tc_tun                                                                   */

static void mk_tun_frame(struct pkt *f, const struct pkt *inner)
{
	pkt_init(f);
	pkt_eth(f, mac_tunp, mac_tun, -1, ETH_P_IPV4);
	pkt_put(f, inner->b, inner->len);
}

/* frag needed with 'mtu' to 192.168.1.2 for 'inner' routed to 'peer' */
static void tun_frag_needed_case(const char *name, const struct pkt *inner, uint32_t peer, uint16_t mtu)
{
	fx_new(name, FX_TC, prog_tc_tun, if_tunp);
	mk_tun_frame(&F.in, inner);
	F.verdict = TC_ACT_REDIRECT;
	exp_icmp4(&F.out, inner->b, inner->len, ICMP4_FRAG, mtu);
	F.ip4_id_off = 14;
	F.inner_off = 14;
	expect_ctr(if_tun, peer, TUN46_C_ENCAP_ICMP_FRAG_NEEDED, 1);
	fx_run();
}

/* encapsulated toward peer A as before (the kernel already decremented the TTL) */
static void tun_encap_case(const char *name, const struct pkt *inner)
{
	struct tun46_peer pa = peer_default(P_A);

	fx_new(name, FX_TC, prog_tc_tun, if_tunp);
	mk_tun_frame(&F.in, inner);
	F.verdict = TC_ACT_REDIRECT;
	exp_encap(&F.out, inner, &pa, mac_r2, mac_wan);
	F.out.b[54 + 8]++; /* TTL kept */
	ip4_fix_csum(F.out.b + 54);
	expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_PACKETS, 1);
	expect_ctr(if_tun, P_A, TUN46_C_SLOW_ENCAP_BYTES, inner->len);
	fx_run();
}

static void test_tun(void)
{
	struct pkt in4;

	pmtu_set(P_A, "fd00::2", 1400, now_ns() + PMTU_EXPIRES_NS);
	mk_sent(&in4, 1400);
	tun_frag_needed_case("icmp/tun-1400-over-learnt-1400-frag-needed-1360", &in4, P_A, 1360);
	mk_inner(&in4, FLOW(.ttl = 63, .frag = 0, .paylen = 1361 - 28));
	tun_frag_needed_case("icmp/tun-1361-without-df-frag-needed-too", &in4, P_A, 1360);
	mk_sent(&in4, 1360);
	tun_encap_case("icmp/tun-1360-fits-learnt-encapsulated", &in4);

	/* GSO: each segment is checked (headers + gso_size), not the aggregate */
	mk_inner(&in4, FLOW(.ttl = 63, .proto = 6, .dport = 443, .paylen = 2 * 1321));
	fx_new("icmp/tun-gso-tcp-segment-1361-frag-needed-1360", FX_TC, prog_tc_tun, if_tunp);
	mk_tun_frame(&F.in, &in4);
	F.gso_segs = 2;
	F.gso_size = 1321;
	F.verdict = TC_ACT_REDIRECT;
	exp_icmp4(&F.out, in4.b, in4.len, ICMP4_FRAG, 1360);
	F.ip4_id_off = 14;
	F.inner_off = 14;
	expect_ctr(if_tun, P_A, TUN46_C_ENCAP_ICMP_FRAG_NEEDED, 1);
	fx_run();
	/* (a GSO aggregate whose segments fit cannot be checked here: test_run
	 * sets no gso_type, and bpf_skb_adjust_room refuses to encapsulate
	 * such an skb; the e2e test_pmtu.sh sends real TCP through it) */

	/* the router's own packet: the error goes to the router's own stack, into
	 * the tunnel device's ingress, as if from the destination (so its sockets
	 * learn the MTU, as with ip6tnl's icmp_ndo_send to a local sender) */
	mk_inner(&in4, FLOW(.src = ROUTER_LAN, .ttl = 64, .paylen = 1400 - 28));
	fx_new("icmp/tun-own-source-frag-needed-to-own-stack", FX_TC, prog_tc_tun, if_tunp);
	mk_tun_frame(&F.in, &in4);
	F.verdict = TC_ACT_REDIRECT;
	exp_icmp4_eth(&F.out, in4.b, in4.len, ICMP4_FRAG, 1360, mac_tun, mac_tun);
	put32(F.out.b + 14 + 12, get32(in4.b + 16)); /* source: the packet's destination */
	ip4_fix_csum(F.out.b + 14);
	F.ip4_id_off = 14;
	F.inner_off = 14;
	expect_ctr(if_tun, P_A, TUN46_C_ENCAP_ICMP_FRAG_NEEDED, 1);
	fx_run();

	/* an entry for another remote, or expired, is not the peer's path MTU */
	pmtu_set(P_A, "fd00::4", 1400, now_ns() + PMTU_EXPIRES_NS);
	mk_sent(&in4, 1460);
	tun_encap_case("icmp/tun-pmtu-of-old-remote-ignored", &in4);
	pmtu_set(P_A, "fd00::2", 1400, now_ns() - 1);
	tun_encap_case("icmp/tun-expired-pmtu-ignored", &in4);
	pmtu_clear(P_A);

	/* the 48-byte form: the learnt path MTU less 48 */
	modify_peer(P_A, TUN46_PEER_F_ENCAPLIMIT, -1, -1, 4, 0, TUN46_DEFAULT_MTU_ENCAPLIMIT);
	pmtu_set(P_A, "fd00::2", 1400, now_ns() + PMTU_EXPIRES_NS);
	mk_sent(&in4, 1353);
	tun_frag_needed_case("icmp/tun-encaplimit-1353-over-learnt-1400-frag-needed-1352", &in4, P_A, 1352);
	restore_peer(P_A);
	pmtu_clear(P_A);

	/* the outer route's MTU (fd00:9::/64 mtu lock 1300): frag needed with 1300 - 40 */
	pmtu_clear(P_PMTU);
	mk_inner(&in4, FLOW(.dst = "172.30.6.1", .ttl = 63, .tos = 0x10, .paylen = 1300 - 28));
	tun_frag_needed_case("icmp/tun-route-mtu-lock-1300-frag-needed-1260", &in4, P_PMTU, 1260);
}

/* ------------------------------------------------------------------------ */
/* LAN side: what the fast path leaves to the kernel after a PTB            */

static void lan_case(const char *name, int prog, const struct pkt *inner, bool encap)
{
	struct tun46_peer pa = peer_default(P_A);
	bool xdp = prog == prog_xdp_lan;

	fx_new(name, xdp ? FX_XDP : FX_TC, prog, if_lan);
	mk_lan(&F.in, inner, -1);
	if (encap) {
		F.verdict = xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
		exp_encap(&F.out, inner, &pa, mac_r2, mac_wan);
		F.inner_off = 54;
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PACKETS, 1);
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_BYTES, inner->len);
	} else {
		F.verdict = xdp ? XDP_PASS : TC_ACT_OK;
		pkt_copy(&F.out, &F.in);
		expect_ctr(if_lan, P_A, TUN46_C_ENCAP_PASS_TOO_BIG, 1);
	}
	fx_run();
}

static void test_lan(void)
{
	struct pkt in4, sent;

	/* xdp_lan caches its route with the peer's MTU; a learnt path MTU makes the entry stale */
	pmtu_clear(P_A);
	mk_inner(&in4, FLOW(.paylen = 1400 - 28));
	lan_case("icmp/xdp-lan-1400-encapsulated-before-ptb", prog_xdp_lan, &in4, true);
	mk_sent(&sent, 1400);
	wan_relay_case("icmp/lan-ptb-1400-for-1400-frag-needed-1360", ERR6(), &sent, 40, ICMP4_FRAG, 1360);
	expect_ctr(if_wan, P_A, TUN46_C_PMTU_UPDATES, 1);
	expect_pmtu(P_A, 1400, "fd00::2", true);
	run_pmtu();
	lan_case("icmp/xdp-lan-1400-after-ptb-to-kernel", prog_xdp_lan, &in4, false);
	lan_case("icmp/tc-lan-1400-after-ptb-to-kernel", prog_tc_lan, &in4, false);
	mk_inner(&in4, FLOW(.paylen = 1360 - 28));
	lan_case("icmp/xdp-lan-1360-after-ptb-encapsulated", prog_xdp_lan, &in4, true);
	lan_case("icmp/tc-lan-1360-after-ptb-encapsulated", prog_tc_lan, &in4, true);
	pmtu_clear(P_A);
}

int main(void)
{
	if (fx_setup("icmp"))
		return 1;
	fd_pmtu = bpf_map__fd(skel->maps.tun46_pmtu);
	fd_rl = bpf_map__fd(skel->maps.tun46_icmp_rl);
	test_wan_ptb();
	test_wan_unreach();
	test_tun();
	test_lan();
	return fx_finish("icmp");
}
