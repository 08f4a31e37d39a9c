// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Byte-exact fixtures for outer fragment reassembly in tc_wan (bpf/lib/frag.h)
 * and for destination options of any valid length (xdp_wan and tc_wan), run
 * through BPF_PROG_TEST_RUN (repeat = 1) in a private network namespace.
 *
 * A reassembly fixture feeds the pieces of one tunnel packet to tc_wan in a
 * given order: every piece but the last must be held (TC_ACT_SHOT, frame
 * untouched), the last must come out as the decapsulated inner packet, byte
 * for byte, built here from the wire format with pkt.c.  Counter deltas are
 * checked over the whole sequence, and no other counter of the WAN keys may
 * move.  Topology (a subset of test_datapath's):
 *   lan  192.168.1.1/24  neigh 192.168.1.2 = 02:00:00:00:01:02, MTU 1500
 *   wan  fd00::1/64      neigh fd00::2 = 02:00:00:00:00:02
 *   tun46/tun46p         the slow-path veth pair; 10.0.0.0/8 routed into tun46
 *   peer 1: remote fd00::2, local fd00::1, route 10.0.0.0/8
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <tun46/tun46.h>
#include "tun46.skel.h"
#include "pkt.h"

#define P_A    1
#define BIG    (TUN46_FRAG_MAX_PAYLOAD + 256)
#define NPIECE 16

static struct tun46 *skel;
static int fd_stats, fd_stats_fast, fd_frag, prog_tc_wan, prog_xdp_wan, ncpus;
static uint32_t if_lan, if_wan, if_tun, if_tunp;
static uint8_t mac_lan[6], mac_wan[6], mac_tun[6], mac_h1[6], mac_r2[6];
static int n_pass, n_fail;

static void result(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		n_pass++;
		return;
	}
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	n_fail++;
}

static int setup_netns(void)
{
	static const char *const cmds[] = {
	    "ip link set lo up",
	    "ip link add name lan address 02:00:00:00:01:01 type veth peer name lanp",
	    "ip link add name wan address 02:00:00:00:00:01 type veth peer name wanp",
	    "ip link add tun46 address 02:00:00:00:46:46 type veth peer name tun46p address 02:00:00:00:46:47",
	    "sysctl -qw net.ipv4.ip_forward=1",
	    "sysctl -qw net.ipv6.conf.all.forwarding=1",
	    "for i in lan lanp wan wanp tun46 tun46p; do ip link set $i up || exit 1; done",
	    "ip addr add 192.168.1.1/24 dev lan",
	    "ip -6 addr add fd00::1/64 dev wan nodad",
	    "ip neigh add 192.168.1.2 lladdr 02:00:00:00:01:02 dev lan nud permanent",
	    "ip -6 neigh add fd00::2 lladdr 02:00:00:00:00:02 dev wan nud permanent",
	    "ip route add 10.0.0.0/8 dev tun46",
	};
	char cmd[512];
	size_t i;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "test_frag: unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s", cmds[i]);
		if (system(cmd) != 0) {
			fprintf(stderr, "test_frag: command failed: %s\n", cmd);
			return -1;
		}
	}
	if_lan = if_nametoindex("lan");
	if_wan = if_nametoindex("wan");
	if_tun = if_nametoindex("tun46");
	if_tunp = if_nametoindex("tun46p");
	mac_addr(mac_lan, "02:00:00:00:01:01");
	mac_addr(mac_wan, "02:00:00:00:00:01");
	mac_addr(mac_tun, "02:00:00:00:46:46");
	mac_addr(mac_h1, "02:00:00:00:01:02");
	mac_addr(mac_r2, "02:00:00:00:00:02");
	return if_lan && if_wan && if_tun ? 0 : -1;
}

static int setup_maps(void)
{
	struct tun46_peer p = {.flags = TUN46_PEER_F_ACTIVE, .hoplimit = 64, .mtu = TUN46_DEFAULT_MTU};
	struct tun46_route_key rk = {.prefixlen = 8, .addr = htonl(ip4_addr("10.0.0.0"))};
	struct tun46_route rv = {.peer_id = P_A};
	struct tun46_config cfg = {.tun_ifindex = if_tun, .tunp_ifindex = if_tunp};
	struct tun46_link lan = {.role = TUN46_ROLE_LAN}, wan = {.role = TUN46_ROLE_WAN};
	struct tun46_decap d = {.peer_id = P_A, .flags = TUN46_PEER_F_ACTIVE};
	uint32_t id = P_A, zero = 0, port[2] = {if_lan, if_wan};
	int i;

	ip6_addr(p.local.b, "fd00::1");
	ip6_addr(p.remote.b, "fd00::2");
	d.local = p.local;
	memcpy(cfg.tun_mac, mac_tun, 6);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_peers), &id, &p, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_routes), &rk, &rv, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_decap), &p.remote, &d, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_config), &zero, &cfg, BPF_ANY))
		return -1;
	for (i = 0; i < 2; i++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_ports), &port[i], &port[i], BPF_ANY))
			return -1;
	/* the ports' MACs, as attach records them: XDP takes only frames to them */
	memcpy(lan.mac, mac_lan, 6);
	memcpy(wan.mac, mac_wan, 6);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_links), &port[0], &lan, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.tun46_links), &port[1], &wan, BPF_ANY))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* counters of the WAN keys (peer 0 and peer A), summed over CPUs and maps  */

struct ctrs {
	uint64_t c[2][TUN46_C__MAX]; /* [0]: {wan, 0}, [1]: {wan, P_A} */
};

static int read_ctrs(struct ctrs *out)
{
	size_t st = (sizeof(struct tun46_counters) + 7) / 8 * 8, fst = (sizeof(struct tun46_stats_slot) + 7) / 8 * 8;
	uint8_t *v = calloc((size_t)ncpus, fst > st ? fst : st);
	uint32_t slot, k;
	int cpu, i;

	if (!v)
		return -1;
	memset(out, 0, sizeof(*out));
	for (slot = 0; slot < TUN46_STATS_FAST_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd_stats_fast, &slot, v))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct tun46_stats_slot *s = (const void *)(v + (size_t)cpu * fst);
			if (s->key.ifindex != if_wan || s->key.peer_id > P_A)
				continue;
			for (i = 0; i < TUN46_C__MAX; i++)
				out->c[s->key.peer_id][i] += s->c.c[i];
		}
	}
	for (k = 0; k <= P_A; k++) {
		struct tun46_stats_key key = {.ifindex = if_wan, .peer_id = k};
		if (bpf_map_lookup_elem(fd_stats, &key, v))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++)
			for (i = 0; i < TUN46_C__MAX; i++)
				out->c[k][i] += ((const struct tun46_counters *)(v + (size_t)cpu * st))->c[i];
	}
	free(v);
	return 0;
}

static const char *const counter_names[] = {
#define X(sfx, name, desc) name,
    TUN46_COUNTERS(X)
#undef X
};

/* Expected deltas for peer A (peer 0: none), terminated by counter -1 */
struct want {
	int counter;
	uint64_t delta;
};

static bool ctrs_check(const struct ctrs *b, const struct ctrs *a, const struct want *w, char *why, size_t wl)
{
	int k, c, j;

	for (k = 0; k <= P_A; k++) {
		for (c = 0; c < TUN46_C__MAX; c++) {
			uint64_t d = a->c[k][c] - b->c[k][c], exp = 0;
			for (j = 0; k == P_A && w && w[j].counter >= 0; j++)
				if (w[j].counter == c)
					exp = w[j].delta;
			if (d != exp) {
				snprintf(why, wl, "counter %s {wan, peer %d} changed by %llu, expected %llu",
					 counter_names[c], k, (unsigned long long)d, (unsigned long long)exp);
				return false;
			}
		}
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* running the programs                                                     */

static uint8_t out_buf[BIG + 512], out_meta[64];
static size_t out_len, out_meta_len;

static int run(int prog, bool xdp, const uint8_t *in, size_t len)
{
	int err;

	memset(out_buf, 0, sizeof(out_buf));
	if (xdp) {
		struct xdp_md ctx = {.data = 0, .data_end = (__u32)len, .ingress_ifindex = if_wan}, cout;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len, .data_out = out_buf,
			    .data_size_out = sizeof(out_buf), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .ctx_out = &cout, .ctx_size_out = sizeof(cout), .repeat = 1);
		memset(&cout, 0, sizeof(cout));
		err = bpf_prog_test_run_opts(prog, &o);
		/* test_run puts the XDP metadata in front of the frame: move it aside */
		out_meta_len = cout.data < sizeof(out_meta) && cout.data <= o.data_size_out ? cout.data : 0;
		memcpy(out_meta, out_buf, out_meta_len);
		memmove(out_buf, out_buf + out_meta_len, o.data_size_out - out_meta_len);
		out_len = o.data_size_out - out_meta_len;
		return err ? -1000 : (int)o.retval;
	} else {
		struct __sk_buff ctx;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len, .data_out = out_buf,
			    .data_size_out = sizeof(out_buf), .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
		memset(&ctx, 0, sizeof(ctx));
		ctx.ifindex = if_wan;
		err = bpf_prog_test_run_opts(prog, &o);
		out_len = o.data_size_out;
		return err ? -1000 : (int)o.retval;
	}
}

/* ------------------------------------------------------------------------ */
/* packets                                                                  */

/* Inner IPv4 packet of tot bytes from src to dst: UDP for packets that fit a
 * struct pkt, protocol 253 (experimental, no checksum) beyond. */
static size_t mk_inner(uint8_t *b, size_t tot, const char *src, const char *dst, uint8_t tos, uint16_t id)
{
	struct ip4 h = {.tos = tos, .ttl = 64, .proto = 17, .id = id, .src = ip4_addr(src), .dst = ip4_addr(dst)};
	struct pkt p;
	size_t i;

	if (tot + 64 < PKT_MAX) {
		h.frag = IP4_DF;
		ip4_udp_packet(&p, &h, 40000, 4646, tot - 28);
		memcpy(b, p.b, p.len);
		return p.len;
	}
	memset(b, 0, 20);
	b[0] = 0x45;
	b[1] = tos;
	put16(b + 2, (uint16_t)tot);
	put16(b + 4, id);
	b[8] = 64;
	b[9] = 253;
	put32(b + 12, h.src);
	put32(b + 16, h.dst);
	ip4_fix_csum(b);
	for (i = 20; i < tot; i++)
		b[i] = (uint8_t)(i * 7 + id);
	return tot;
}

/* Expected output of a decapsulation: Ethernet(dmac, smac, IPv4) + inner with
 * the RFC 6040 result for outer CE (the only outer ECN used here) and TTL - dec. */
static size_t exp_decap(uint8_t *o, const uint8_t *inner, size_t len, bool outer_ce, int dec, const uint8_t *dmac,
			const uint8_t *smac)
{
	memcpy(o, dmac, 6);
	memcpy(o + 6, smac, 6);
	put16(o + 12, ETH_P_IPV4);
	memcpy(o + 14, inner, len);
	if (outer_ce && (o[15] & 3))
		o[15] |= 3;
	o[14 + 8] = (uint8_t)(o[14 + 8] - dec);
	ip4_fix_csum(o + 14);
	return 14 + len;
}

/* How a tunnel packet is fragmented */
struct layout {
	const uint8_t *unfrag; /* options before the fragment header (their next header byte is set to 44) */
	size_t ulen;
	uint8_t frag_nh;     /* 4, or 60 when data starts with destination options */
	const uint8_t *data; /* the fragmentable part */
	size_t dlen;
	const char *src, *dst;
	uint32_t id;
	uint8_t tclass[NPIECE]; /* per piece */
};

static const uint8_t dstopt_std[8] = {4, 0, 4, 1, 4, 1, 1, 0};

/* One piece: bytes [off, off + len) of the fragmentable part */
static size_t mk_piece(uint8_t *f, const struct layout *L, size_t off, size_t len, bool mf, uint8_t tclass)
{
	size_t n = 0;

	memcpy(f, mac_wan, 6);
	memcpy(f + 6, mac_r2, 6);
	put16(f + 12, ETH_P_IPV6_);
	n = 14;
	put32(f + n, 6u << 28 | (uint32_t)tclass << 20 | 0x54321);
	put16(f + n + 4, (uint16_t)(L->ulen + 8 + len));
	f[n + 6] = L->ulen ? 60 : 44;
	f[n + 7] = 64;
	ip6_addr(f + n + 8, L->src ? L->src : "fd00::2");
	ip6_addr(f + n + 24, L->dst ? L->dst : "fd00::1");
	n += 40;
	if (L->ulen) {
		memcpy(f + n, L->unfrag, L->ulen);
		f[n] = 44;
		n += L->ulen;
	}
	f[n] = L->frag_nh;
	f[n + 1] = 0;
	put16(f + n + 2, (uint16_t)(off | (mf ? 1 : 0)));
	put32(f + n + 4, L->id);
	n += 8;
	memcpy(f + n, L->data + off, len);
	return n + len;
}

static uint8_t pieces[NPIECE][BIG / 2 + 256];
static size_t piece_len[NPIECE];

/* Cut the fragmentable part at 'cuts' (n pieces: [cuts[i], cuts[i+1])) */
static void cut(const struct layout *L, const size_t *cuts, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t end = i + 1 < n ? cuts[i + 1] : L->dlen;
		piece_len[i] = mk_piece(pieces[i], L, cuts[i], end - cuts[i], i + 1 < n, L->tclass[i]);
	}
}

/*
 * Feed pieces[order[0..n-1]] to tc_wan: all but the last must be held
 * (TC_ACT_SHOT, untouched), the last must give 'verdict' and 'exp'.
 * Then the counter deltas of the whole sequence.
 */
static bool feed(const char *name, const int *order, int n, int verdict, const uint8_t *exp, size_t elen,
		 const struct want *w)
{
	struct ctrs b, a;
	char why[256] = "";
	int i, rc;

	read_ctrs(&b);
	for (i = 0; i < n; i++) {
		const uint8_t *in = pieces[order[i]];
		size_t len = piece_len[order[i]];
		bool last = i + 1 == n;

		rc = run(prog_tc_wan, false, in, len);
		if (!last && (rc != TC_ACT_SHOT || out_len != len || memcmp(out_buf, in, len))) {
			snprintf(why, sizeof(why), "piece %d (#%d of %d): verdict %d, expected TC_ACT_SHOT, untouched",
				 order[i], i + 1, n, rc);
			break;
		}
		if (last && rc != verdict) {
			snprintf(why, sizeof(why), "last piece %d: verdict %d, expected %d", order[i], rc, verdict);
			break;
		}
		if (last && exp && (out_len != elen || memcmp(out_buf, exp, elen))) {
			snprintf(why, sizeof(why), "output differs (%zu bytes, expected %zu)", out_len, elen);
			if (elen < PKT_MAX && out_len < PKT_MAX)
				pkt_hexdiff(stdout, exp, elen, out_buf, out_len);
			break;
		}
	}
	read_ctrs(&a);
	if (!why[0])
		ctrs_check(&b, &a, w, why, sizeof(why));
	result(!why[0], name, "%s", why);
	return !why[0];
}

/* The slot of a datagram from fd00::2 to fd00::1 */
static uint32_t slot_of(uint32_t id)
{
	union tun46_addr6 s, d;
	uint32_t nid = htonl(id);

	ip6_addr(s.b, "fd00::2");
	ip6_addr(d.b, "fd00::1");
	return tun46_frag_slot_of(s.w, d.w, nid);
}

/* Make the datagram in id's slot look older than the timeout. */
static bool age_slot(uint32_t id)
{
	static struct tun46_frag_slot s;
	uint32_t k = slot_of(id);

	if (bpf_map_lookup_elem_flags(fd_frag, &k, &s, BPF_F_LOCK))
		return false;
	s.expires = 1;
	return bpf_map_update_elem(fd_frag, &k, &s, BPF_F_LOCK) == 0;
}

/* ------------------------------------------------------------------------ */

static uint8_t inner[BIG], data[BIG], expb[BIG + 64];

#define W(...) ((const struct want[]){__VA_ARGS__, {-1, 0}})

static void test_reassembly(void)
{
	struct layout L = {.frag_nh = 4, .data = data};
	size_t il, el, c2[2] = {0, 64}, c3[3] = {0, 40, 96};
	static const int o01[] = {0, 1}, o10[] = {1, 0}, o201[] = {2, 0, 1}, o210[] = {2, 1, 0}, o021[] = {0, 2, 1},
			 o012[] = {0, 1, 2};
	uint32_t id = 100;

	il = mk_inner(inner, 160, "10.2.3.4", "192.168.1.2", 0, 1);
	memcpy(data, inner, il);
	L.dlen = il;
	el = exp_decap(expb, inner, il, false, 1, mac_h1, mac_lan);
#define DONE_FAST(n)                                                                                         \
	W({TUN46_C_DECAP_FRAG_HELD, (n)-1}, {TUN46_C_DECAP_FRAG_REASSEMBLED, 1}, {TUN46_C_DECAP_PACKETS, 1}, \
	  {TUN46_C_DECAP_BYTES, il})

	L.id = ++id;
	cut(&L, c2, 2);
	feed("frag/2-pieces-in-order", o01, 2, TC_ACT_REDIRECT, expb, el, DONE_FAST(2));
	L.id = ++id;
	cut(&L, c2, 2);
	feed("frag/2-pieces-last-first", o10, 2, TC_ACT_REDIRECT, expb, el, DONE_FAST(2));
	L.id = ++id;
	cut(&L, c3, 3);
	feed("frag/3-pieces-out-of-order-2-0-1", o201, 3, TC_ACT_REDIRECT, expb, el, DONE_FAST(3));
	L.id = ++id;
	cut(&L, c3, 3);
	feed("frag/3-pieces-reversed", o210, 3, TC_ACT_REDIRECT, expb, el, DONE_FAST(3));

	/* Linux's layout: the encap-limit option before the fragment header */
	L.unfrag = dstopt_std;
	L.ulen = 8;
	L.id = ++id;
	cut(&L, c3, 3);
	feed("frag/linux-encaplimit-option-before-fragment-header", o021, 3, TC_ACT_REDIRECT, expb, el, DONE_FAST(3));
	L.unfrag = NULL;
	L.ulen = 0;

	/* RFC 8200's layout: 16 bytes of destination options inside the fragmentable part */
	{
		static const uint8_t d16[16] = {4, 1, 4, 1, 4, 0x1e, 4, 9, 9, 9, 9, 1, 3, 0, 0, 0};
		memcpy(data, d16, 16);
		memcpy(data + 16, inner, il);
		L.frag_nh = 60;
		L.dlen = 16 + il;
		L.id = ++id;
		cut(&L, c3, 3);
		feed("frag/rfc-16-byte-options-inside-fragmentable-part", o210, 3, TC_ACT_REDIRECT, expb, el,
		     DONE_FAST(3));
		L.frag_nh = 4;
		memcpy(data, inner, il);
		L.dlen = il;
	}

	/* atomic fragment (RFC 6946): offset 0, M = 0 */
	{
		size_t c1[1] = {0};
		static const int o0[] = {0};
		L.id = ++id;
		cut(&L, c1, 1);
		feed("frag/atomic-fragment-decapsulated", o0, 1, TC_ACT_REDIRECT, expb, el, DONE_FAST(1));
	}

	/* exact duplicate: dropped alone, the datagram goes on */
	L.id = ++id;
	cut(&L, c2, 2);
	{
		static const int o00[] = {0, 0};
		feed("frag/duplicate-piece-dropped-alone", o00, 2, TC_ACT_SHOT, pieces[0], piece_len[0],
		     W({TUN46_C_DECAP_FRAG_HELD, 1}, {TUN46_C_DECAP_DROP_FRAG, 1}));
	}
	feed("frag/after-duplicate-last-piece-completes", o01 + 1, 1, TC_ACT_REDIRECT, expb, el,
	     W({TUN46_C_DECAP_FRAG_REASSEMBLED, 1}, {TUN46_C_DECAP_PACKETS, 1}, {TUN46_C_DECAP_BYTES, il}));

	/* overlap (RFC 5722): the datagram is discarded, later pieces too */
	{
		size_t cov[3] = {0, 64, 56}; /* piece 1: [64, end), piece 2: [56, end) overlaps it */
		static const int o1[] = {0}, o2[] = {2}, o3[] = {1};
		L.id = ++id;
		cut(&L, cov, 2);
		piece_len[2] = mk_piece(pieces[2], &L, 56, il - 56, false, 0);
		feed("frag/first-piece-held", o1, 1, TC_ACT_SHOT, pieces[0], piece_len[0],
		     W({TUN46_C_DECAP_FRAG_HELD, 1}));
		feed("frag/overlap-discards-datagram", o2, 1, TC_ACT_SHOT, pieces[2], piece_len[2],
		     W({TUN46_C_DECAP_DROP_FRAG, 2}));
		feed("frag/after-overlap-later-piece-dropped", o3, 1, TC_ACT_SHOT, pieces[1], piece_len[1],
		     W({TUN46_C_DECAP_DROP_FRAG, 1}));
		result(age_slot(L.id), "frag/age-discarded-slot", "cannot rewrite slot %u", slot_of(L.id));
		feed("frag/after-timeout-same-id-reassembled", o01, 2, TC_ACT_REDIRECT, expb, el, DONE_FAST(2));
	}

	/* a datagram that never completes: its held pieces are counted as dropped when its slot is reused */
	L.id = ++id;
	cut(&L, c3, 3);
	{
		static const int o0[] = {0}, o21[] = {2, 1};
		feed("frag/incomplete-first-piece-held", o0, 1, TC_ACT_SHOT, pieces[0], piece_len[0],
		     W({TUN46_C_DECAP_FRAG_HELD, 1}));
		age_slot(L.id);
		feed("frag/expired-pieces-counted-new-datagram-same-slot", o21, 2, TC_ACT_SHOT, pieces[1], piece_len[1],
		     W({TUN46_C_DECAP_DROP_FRAG, 1}, {TUN46_C_DECAP_FRAG_HELD, 2}));
		feed("frag/after-expiry-pieces-complete-again", o0, 1, TC_ACT_REDIRECT, expb, el,
		     W({TUN46_C_DECAP_FRAG_REASSEMBLED, 1}, {TUN46_C_DECAP_PACKETS, 1}, {TUN46_C_DECAP_BYTES, il}));
	}

	/* two datagrams in one slot: the second waits (dropped) until the first is done */
	{
		uint32_t id1 = ++id, id2 = id1 + 1;
		static uint8_t p1[2][512];
		size_t l1[2];
		static const int o0[] = {0}, o1[] = {1};

		while (slot_of(id2) != slot_of(id1))
			id2++;
		id = id2;
		L.id = id2;
		cut(&L, c2, 2);
		memcpy(p1[0], pieces[0], piece_len[0]);
		memcpy(p1[1], pieces[1], piece_len[1]);
		l1[0] = piece_len[0];
		l1[1] = piece_len[1];
		L.id = id1;
		cut(&L, c2, 2);
		feed("frag/slot-claimed", o0, 1, TC_ACT_SHOT, pieces[0], piece_len[0], W({TUN46_C_DECAP_FRAG_HELD, 1}));
		memcpy(pieces[2], p1[0], l1[0]);
		piece_len[2] = l1[0];
		{
			static const int o2[] = {2};
			feed("frag/slot-busy-other-datagram-dropped", o2, 1, TC_ACT_SHOT, pieces[2], piece_len[2],
			     W({TUN46_C_DECAP_DROP_FRAG, 1}));
		}
		feed("frag/slot-owner-completes", o1, 1, TC_ACT_REDIRECT, expb, el,
		     W({TUN46_C_DECAP_FRAG_REASSEMBLED, 1}, {TUN46_C_DECAP_PACKETS, 1}, {TUN46_C_DECAP_BYTES, il}));
		memcpy(pieces[0], p1[0], l1[0]);
		memcpy(pieces[1], p1[1], l1[1]);
		piece_len[0] = l1[0];
		piece_len[1] = l1[1];
		feed("frag/slot-free-again-other-datagram-completes", o01, 2, TC_ACT_REDIRECT, expb, el, DONE_FAST(2));
	}

	/* ECN: CE on one piece of an ECT(0) packet gives CE; Not-ECT mixed with ECT discards */
	{
		size_t il2 = mk_inner(inner, 160, "10.2.3.4", "192.168.1.2", ECN_ECT0, 2), el2;
		memcpy(data, inner, il2);
		el2 = exp_decap(expb, inner, il2, true, 1, mac_h1, mac_lan);
		L.id = ++id;
		L.tclass[0] = ECN_ECT0;
		L.tclass[1] = ECN_CE;
		cut(&L, c2, 2);
		feed("frag/ce-on-one-piece-inner-ce", o01, 2, TC_ACT_REDIRECT, expb, el2, DONE_FAST(2));
		L.id = ++id;
		L.tclass[0] = ECN_NOT_ECT;
		L.tclass[1] = ECN_ECT0;
		cut(&L, c2, 2);
		feed("frag/not-ect-mixed-with-ect-discarded", o01, 2, TC_ACT_SHOT, pieces[1], piece_len[1],
		     W({TUN46_C_DECAP_FRAG_HELD, 1}, {TUN46_C_DECAP_DROP_FRAG, 2}));
		memset(L.tclass, 0, sizeof(L.tclass));
		il = mk_inner(inner, 160, "10.2.3.4", "192.168.1.2", 0, 1);
		memcpy(data, inner, il);
		el = exp_decap(expb, inner, il, false, 1, mac_h1, mac_lan);
	}

	/* the reassembled packet gets every check of an unfragmented one */
	{
		size_t ilx = mk_inner(inner, 160, "192.0.2.1", "192.168.1.2", 0, 3), n;
		memcpy(data, inner, ilx);
		L.dlen = ilx;
		L.id = ++id;
		cut(&L, c2, 2);
		/* expected: the whole IPv6 packet, dropped by the inner-source check */
		memcpy(expb, pieces[0], 14 + 40);
		put16(expb + 14 + 4, (uint16_t)ilx);
		expb[14 + 6] = 4;
		memcpy(expb + 54, inner, ilx);
		n = 54 + ilx;
		feed("frag/reassembled-inner-source-checked", o01, 2, TC_ACT_SHOT, expb, n,
		     W({TUN46_C_DECAP_FRAG_HELD, 1}, {TUN46_C_DECAP_FRAG_REASSEMBLED, 1},
		       {TUN46_C_DECAP_DROP_INNER_SOURCE, 1}));
	}

	/* larger than the LAN MTU: the slow path (tunnel device; the kernel fragments or ICMPs) */
	{
		size_t c[3] = {0, 1000, 2000};
		il = mk_inner(inner, 3000, "10.2.3.4", "192.168.1.2", 0, 4);
		memcpy(data, inner, il);
		L.dlen = il;
		L.id = ++id;
		cut(&L, c, 3);
		el = exp_decap(expb, inner, il, false, 0, mac_tun, mac_r2);
		feed("frag/3000-byte-inner-over-lan-mtu-to-tunnel-device", o012, 3, TC_ACT_REDIRECT, expb, el,
		     W({TUN46_C_DECAP_FRAG_HELD, 2}, {TUN46_C_DECAP_FRAG_REASSEMBLED, 1},
		       {TUN46_C_SLOW_DECAP_PACKETS, 1}, {TUN46_C_SLOW_DECAP_BYTES, il},
		       {TUN46_C_DECAP_PASS_TOO_BIG, 1}));
	}

	/* the largest datagram: TUN46_FRAG_MAX_PAYLOAD bytes in 8 pieces; one byte more is refused */
	{
		size_t c[8];
		static const int o8[] = {7, 0, 1, 2, 3, 4, 5, 6}, o7[] = {7};
		int i;
		il = mk_inner(inner, TUN46_FRAG_MAX_PAYLOAD, "10.2.3.4", "192.168.1.2", 0, 5);
		memcpy(data, inner, il);
		L.dlen = il;
		for (i = 0; i < 8; i++)
			c[i] = (size_t)i * 1232;
		L.id = ++id;
		cut(&L, c, 8);
		el = exp_decap(expb, inner, il, false, 0, mac_tun, mac_r2);
		feed("frag/largest-9216-bytes-8-pieces", o8, 8, TC_ACT_REDIRECT, expb, el,
		     W({TUN46_C_DECAP_FRAG_HELD, 7}, {TUN46_C_DECAP_FRAG_REASSEMBLED, 1},
		       {TUN46_C_SLOW_DECAP_PACKETS, 1}, {TUN46_C_SLOW_DECAP_BYTES, il},
		       {TUN46_C_DECAP_PASS_TOO_BIG, 1}));
		L.dlen = il + 1;
		data[il] = 0;
		L.id = ++id;
		cut(&L, c, 8);
		feed("frag/drop-piece-beyond-9216-bytes", o7, 1, TC_ACT_SHOT, pieces[7], piece_len[7],
		     W({TUN46_C_DECAP_DROP_FRAG, 1}));
		il = mk_inner(inner, 160, "10.2.3.4", "192.168.1.2", 0, 1);
		memcpy(data, inner, il);
		L.dlen = il;
	}

	/* malformed pieces */
	{
		static const int o0[] = {0};
		L.id = ++id;
		piece_len[0] = mk_piece(pieces[0], &L, 0, 60, true, 0); /* not a multiple of 8 */
		feed("frag/drop-middle-piece-not-multiple-of-8", o0, 1, TC_ACT_SHOT, pieces[0], piece_len[0],
		     W({TUN46_C_DECAP_DROP_FRAG, 1}));
		piece_len[0] = mk_piece(pieces[0], &L, 0, 64, true, 0);
		put16(pieces[0] + 14 + 4, 200); /* payload length beyond the frame */
		feed("frag/drop-payload-length-beyond-frame", o0, 1, TC_ACT_SHOT, pieces[0], piece_len[0],
		     W({TUN46_C_DECAP_DROP_FRAG, 1}));
	}
}

/* Fragments that are not ours go to the kernel untouched, uncounted. */
static void test_not_ours(void)
{
	struct layout L = {.frag_nh = 4, .data = data, .dlen = 160, .id = 7};
	size_t c2[2] = {0, 64};
	static const int o0[] = {0};

	mk_inner(data, 160, "10.2.3.4", "192.168.1.2", 0, 1);
	L.src = "fd00::77";
	cut(&L, c2, 2);
	feed("frag/unknown-source-left-to-kernel", o0, 1, TC_ACT_OK, pieces[0], piece_len[0], NULL);
	L.src = NULL;
	L.dst = "fd00::99";
	cut(&L, c2, 2);
	feed("frag/other-destination-left-to-kernel", o0, 1, TC_ACT_OK, pieces[0], piece_len[0], NULL);
	L.dst = NULL;
	L.frag_nh = 17;
	cut(&L, c2, 2);
	feed("frag/peer-udp-fragment-left-to-kernel", o0, 1, TC_ACT_OK, pieces[0], piece_len[0], NULL);
	L.frag_nh = 58;
	cut(&L, c2, 2);
	feed("frag/peer-icmpv6-fragment-left-to-kernel", o0, 1, TC_ACT_OK, pieces[0], piece_len[0], NULL);
}

/* ------------------------------------------------------------------------ */
/* destination options of any valid length, unfragmented, XDP and TC        */

/* counter: -1 decapsulated and forwarded, DSTOPT_SLOW decapsulated for the
 * kernel (inner destination local), else dropped with that counter. */
#define DSTOPT_SLOW (-2)
static void dstopt_case(const char *name, const uint8_t *opt, size_t olen, int counter)
{
	uint8_t f[PKT_MAX], e[PKT_MAX];
	size_t il = mk_inner(inner, 100, "10.2.3.4", counter == DSTOPT_SLOW ? "192.168.1.1" : "192.168.1.2", 0, 9), n,
	       el = 0;
	char nm[128];
	int pass;

	memcpy(f, mac_wan, 6);
	memcpy(f + 6, mac_r2, 6);
	put16(f + 12, ETH_P_IPV6_);
	put32(f + 14, 6u << 28);
	put16(f + 18, (uint16_t)(olen + il));
	f[20] = 60;
	f[21] = 64;
	ip6_addr(f + 22, "fd00::2");
	ip6_addr(f + 38, "fd00::1");
	memcpy(f + 54, opt, olen);
	memcpy(f + 54 + olen, inner, il);
	n = 54 + olen + il;
	if (counter == -1)
		el = exp_decap(e, inner, il, false, 1, mac_h1, mac_lan);
	for (pass = 0; pass < 2; pass++) {
		bool xdp = pass == 0;
		struct ctrs b, a;
		char why[256] = "";
		int rc, vexp;

		snprintf(nm, sizeof(nm), "%s/%s", xdp ? "xdp_wan" : "tc_wan", name);
		read_ctrs(&b);
		rc = run(xdp ? prog_xdp_wan : prog_tc_wan, xdp, f, n);
		read_ctrs(&a);
		vexp = counter < 0 ? (xdp ? XDP_REDIRECT : TC_ACT_REDIRECT) : (xdp ? XDP_DROP : TC_ACT_SHOT);
		if (counter == DSTOPT_SLOW) {
			/* XDP: decapsulated in place, metadata for tc_wan; TC: injected into the tunnel device */
			vexp = xdp ? XDP_PASS : TC_ACT_REDIRECT;
			el = exp_decap(e, inner, il, false, 0, xdp ? mac_wan : mac_tun, mac_r2);
		}
		if (rc != vexp)
			snprintf(why, sizeof(why), "verdict %d, expected %d", rc, vexp);
		else if (counter < 0 && (out_len != el || memcmp(out_buf, e, el)))
			snprintf(why, sizeof(why), "output differs (%zu bytes, expected %zu)", out_len, el);
		else if (counter == DSTOPT_SLOW && xdp &&
			 (out_meta_len != sizeof(struct tun46_meta) ||
			  ((struct tun46_meta *)out_meta)->magic != TUN46_META_MAGIC ||
			  ((struct tun46_meta *)out_meta)->peer_id != P_A))
			snprintf(why, sizeof(why), "no struct tun46_meta {MAGIC, peer 1} in front of the frame");
		else if (counter == DSTOPT_SLOW)
			ctrs_check(&b, &a,
				   W({TUN46_C_SLOW_DECAP_PACKETS, 1}, {TUN46_C_SLOW_DECAP_BYTES, il},
				     {TUN46_C_DECAP_PASS_LOCAL, 1}),
				   why, sizeof(why));
		else if (counter < 0)
			ctrs_check(&b, &a, W({TUN46_C_DECAP_PACKETS, 1}, {TUN46_C_DECAP_BYTES, il}), why, sizeof(why));
		else {
			/* dropped before the peer is known: counted under peer 0 */
			if (a.c[0][counter] - b.c[0][counter] != 1)
				snprintf(why, sizeof(why), "counter %s {wan, 0} changed by %llu, expected 1",
					 counter_names[counter],
					 (unsigned long long)(a.c[0][counter] - b.c[0][counter]));
		}
		result(!why[0], nm, "%s", why);
	}
}

static void test_dstopt(void)
{
	/* encap limit, an unknown skippable option (0x1e: action 00), PadN */
	static const uint8_t d16[16] = {4, 1, 4, 1, 4, 0x1e, 4, 9, 9, 9, 9, 1, 3, 0, 0, 0};
	static const uint8_t d24[24] = {4, 2, 0, 4, 1, 4, 0x1e, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 4, 0, 0, 0, 0};
	static const uint8_t d8[8] = {4, 0, 4, 1, 4, 1, 1, 0};
	static const uint8_t d_act01[16] = {4, 1, 4, 1, 4, 0x5e, 4, 9, 9, 9, 9, 1, 3, 0, 0, 0};
	static const uint8_t d_act10[16] = {4, 1, 4, 1, 4, 0x9e, 4, 9, 9, 9, 9, 1, 3, 0, 0, 0};
	static const uint8_t d_act11[16] = {4, 1, 4, 1, 4, 0xde, 4, 9, 9, 9, 9, 1, 3, 0, 0, 0};
	static const uint8_t d_padnz[16] = {4, 1, 4, 1, 4, 0x1e, 4, 9, 9, 9, 9, 1, 3, 0, 7, 0};
	static const uint8_t d_pad8[16] = {4, 1, 4, 1, 4, 0x1e, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t d_9opts[24] = {4,	  2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
					    0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 1,    2, 0,    0};
	static const uint8_t d_8opts[24] = {4,	  2, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
					    0x1e, 0, 0x1e, 0, 0x1e, 0, 1,    4, 0,    0, 0,    0};
	static const uint8_t d_long[16] = {4, 255, 4, 1, 4, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

	dstopt_case("dstopt-8-bytes", d8, 8, -1);
	dstopt_case("dstopt-16-bytes", d16, 16, -1);
	dstopt_case("dstopt-24-bytes", d24, 24, -1);
	dstopt_case("dstopt-8-options-accepted", d_8opts, 24, -1);
	dstopt_case("dstopt-24-bytes-slow-path-local-destination", d24, 24, DSTOPT_SLOW);
	dstopt_case("drop-dstopt-unknown-option-action-01", d_act01, 16, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-unknown-option-action-10", d_act10, 16, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-unknown-option-action-11", d_act11, 16, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-padn-not-zero", d_padnz, 16, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-8-pad1-in-a-row", d_pad8, 16, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-9-options", d_9opts, 24, TUN46_C_DECAP_DROP_BAD_EXTHDR);
	dstopt_case("drop-dstopt-longer-than-frame", d_long, 16, TUN46_C_DECAP_DROP_TRUNC_OUTER);
}

int main(void)
{
	cpu_set_t one;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("FAIL frag/setup: must run as root (BPF_PROG_TEST_RUN, network namespace)\n");
		return 1;
	}
	if (setup_netns()) {
		printf("FAIL frag/setup: could not build the test network namespace (see stderr)\n");
		return 1;
	}
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	ncpus = libbpf_num_possible_cpus();
	skel = tun46__open_and_load();
	if (ncpus <= 0 || !skel) {
		printf("FAIL frag/setup: cannot load the tun46 BPF object: %s\n", strerror(errno));
		return 1;
	}
	fd_stats = bpf_map__fd(skel->maps.tun46_stats);
	fd_stats_fast = bpf_map__fd(skel->maps.tun46_stats_fast);
	fd_frag = bpf_map__fd(skel->maps.tun46_frag);
	prog_tc_wan = bpf_program__fd(skel->progs.tc_wan);
	prog_xdp_wan = bpf_program__fd(skel->progs.xdp_wan);
	if (setup_maps()) {
		printf("FAIL frag/setup: could not fill the maps: %s\n", strerror(errno));
		return 1;
	}
	test_reassembly();
	test_not_ours();
	test_dstopt();
	tun46__destroy(skel);
	fprintf(stderr, "test_frag: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
