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
 * Topology, all inside a network namespace made by unshare(CLONE_NEWNET):
 *   lan  192.168.1.1/24  02:00:00:00:01:01  neigh 192.168.1.2 = 02:00:00:00:01:02 (permanent)
 *                                            192.168.1.3 has no neighbour entry (NO_NEIGH)
 *   lan2 192.168.3.1/24  02:00:00:00:03:01  neigh 192.168.3.2 (permanent); not in tun46_ports
 *   wan  fd00::1/64      02:00:00:00:00:01  neigh fd00::2 = 02:00:00:00:00:02, fd00::4 = 02:00:00:00:00:04
 *                                            fd00::3 has no neighbour entry
 *   wan2 fd01::1/64      02:00:00:00:02:01  neigh fd01::2 (permanent); not in tun46_ports
 *   routes: unreachable 203.0.113.0/24; 192.168.4.0/24 via 192.168.1.2 mtu lock 600;
 *           fd00:9::/64 via fd00::2 mtu lock 1300; no default routes.
 *   tun46/tun46p: the slow-path veth pair; tun46 (ifindex and MAC) in tun46_config.
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
#include <tun46/flowhash.h>
#include "tun46.skel.h"
#include "pkt.h"

/* FLOW(...) / OUTER(...) give defaults that a fixture overrides field by field. */
#pragma GCC diagnostic ignored "-Woverride-init"

/* ------------------------------------------------------------------------ */
/* environment                                                              */

static struct tun46 *skel;
static int fd_peers, fd_routes, fd_decap, fd_stats, fd_ports, fd_config;
static int prog_xdp_lan, prog_xdp_wan, prog_tc_lan, prog_tc_wan, prog_tc_tun;
static uint32_t if_lan, if_lan2, if_wan, if_wan2, if_tun, if_tunp;
static uint8_t mac_lan[6], mac_lan2[6], mac_wan[6], mac_wan2[6], mac_tun[6], mac_tunp[6];
static uint8_t mac_h1[6], mac_h3[6], mac_r2[6], mac_r2b[6], mac_r3[6];
static int ncpus;
static int n_pass, n_fail, n_skip;

static const char *const counter_names[] = {
#define X(sfx, name, desc) name,
    TUN46_COUNTERS(X)
#undef X
};

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

static void skip(const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
	n_skip++;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "test_datapath: command failed (status %d): %s\n", rc, cmd);
	return rc;
}

static int setup_netns(void)
{
	static const char *const cmds[] = {
	    "ip link set lo up",
	    "ip link add name lan address 02:00:00:00:01:01 type veth peer name lanp",
	    "ip link add name lan2 address 02:00:00:00:03:01 type veth peer name lan2p",
	    "ip link add name wan address 02:00:00:00:00:01 type veth peer name wanp",
	    "ip link add name wan2 address 02:00:00:00:02:01 type veth peer name wan2p",
	    "sysctl -qw net.ipv4.ip_forward=1",
	    "sysctl -qw net.ipv6.conf.all.forwarding=1",
	    "sysctl -qw net.ipv6.conf.default.forwarding=1",
	    "for i in lan lanp lan2 lan2p wan wanp wan2 wan2p; do ip link set $i up || exit 1; done",
	    "ip addr add 192.168.1.1/24 dev lan",
	    "ip addr add 192.168.3.1/24 dev lan2",
	    "ip -6 addr add fd00::1/64 dev wan nodad",
	    "ip -6 addr add fd01::1/64 dev wan2 nodad",
	    "ip neigh add 192.168.1.2 lladdr 02:00:00:00:01:02 dev lan nud permanent",
	    "ip neigh add 192.168.3.2 lladdr 02:00:00:00:03:02 dev lan2 nud permanent",
	    "ip -6 neigh add fd00::2 lladdr 02:00:00:00:00:02 dev wan nud permanent",
	    "ip -6 neigh add fd00::4 lladdr 02:00:00:00:00:04 dev wan nud permanent",
	    "ip -6 neigh add fd01::2 lladdr 02:00:00:00:02:02 dev wan2 nud permanent",
	    "ip route add unreachable 203.0.113.0/24",
	    "ip route add 192.168.4.0/24 via 192.168.1.2 dev lan mtu lock 600",
	    "ip -6 route add fd00:9::/64 via fd00::2 dev wan mtu lock 1300",
	    "ip link add tun46 address 02:00:00:00:46:46 type veth peer name tun46p address 02:00:00:00:46:47",
	    "ip link set tun46 up",
	    "ip link set tun46p up",
	    /* the kernel routes of tun46's routes, as the backend installs them:
	     * the LAN side encapsulates only what the kernel routes into tun46,
	     * and the reverse-path check wants the inner source routed there */
	    "for p in 10.0.0.0/8 10.1.0.0/16 172.30.3.0/24 172.30.4.0/24 172.30.5.0/24 172.30.6.0/24 "
	    "172.30.7.0/24 172.30.8.0/24 172.30.9.0/24; do ip route add $p dev tun46 metric 46 || exit 1; done",
	    /* the kernel decides: an admin route more specific than a tun46 route,
	     * a local address inside one, a policy rule for one LAN source, and
	     * a rule for what arrives on the tunnel device */
	    "ip route add 10.9.0.0/16 via 192.168.1.2 dev lan",
	    "ip addr add 10.8.0.1/24 dev lan2",
	    "ip route add blackhole default table 200",
	    "ip rule add from 192.168.1.77 lookup 200",
	    "ip route add unreachable default table 201",
	    "ip rule add iif tun46 to 192.168.1.99 lookup 201",
	};
	size_t i;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "test_datapath: unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (sh("%s", cmds[i]) != 0)
			return -1;
	if_lan = if_nametoindex("lan");
	if_lan2 = if_nametoindex("lan2");
	if_wan = if_nametoindex("wan");
	if_wan2 = if_nametoindex("wan2");
	if_tun = if_nametoindex("tun46");
	if_tunp = if_nametoindex("tun46p");
	if (!if_lan || !if_lan2 || !if_wan || !if_wan2 || !if_tun || !if_tunp) {
		fprintf(stderr, "test_datapath: interfaces missing after setup\n");
		return -1;
	}
	mac_addr(mac_tun, "02:00:00:00:46:46");
	mac_addr(mac_tunp, "02:00:00:00:46:47");
	mac_addr(mac_lan, "02:00:00:00:01:01");
	mac_addr(mac_lan2, "02:00:00:00:03:01");
	mac_addr(mac_wan, "02:00:00:00:00:01");
	mac_addr(mac_wan2, "02:00:00:00:02:01");
	mac_addr(mac_h1, "02:00:00:00:01:02");
	mac_addr(mac_h3, "02:00:00:00:03:02");
	mac_addr(mac_r2, "02:00:00:00:00:02");
	mac_addr(mac_r2b, "02:00:00:00:00:04");
	mac_addr(mac_r3, "02:00:00:00:02:02");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* maps                                                                     */

enum {
	P_A = 1,	    /* fd00::2, routes 10.0.0.0/8 */
	P_B = 2,	    /* fd00::4, routes 10.1.0.0/16 (longer, inside A's) */
	P_NONEIGH,	    /* fd00::3: no neighbour entry, 172.30.3.0/24 */
	P_NOFIB,	    /* 2001:db8:99::1: no IPv6 route, 172.30.4.0/24 */
	P_NOPORT,	    /* fd01::2 on wan2 (not in tun46_ports), 172.30.5.0/24 */
	P_PMTU,		    /* fd00:9::1 via a route with mtu 1300, 172.30.6.0/24 */
	P_INACTIVE,	    /* fd00::7, entry present without ACTIVE, 172.30.7.0/24 */
	P_ABSENT = 9,	    /* never written: 172.30.8.0/24 */
	P_OUTOFRANGE = 1000 /* beyond the peers array: 172.30.9.0/24 */
};

static struct tun46_peer peer_default(uint32_t id)
{
	struct tun46_peer p;

	memset(&p, 0, sizeof(p));
	p.flags = TUN46_PEER_F_ACTIVE;
	p.hoplimit = 64;
	p.tclass = 0;
	p.mtu = TUN46_DEFAULT_MTU;
	ip6_addr(p.local.b, "fd00::1");
	snprintf(p.name, sizeof(p.name), "peer%u", id);
	switch (id) {
	case P_A:
		ip6_addr(p.remote.b, "fd00::2");
		break;
	case P_B:
		ip6_addr(p.remote.b, "fd00::4");
		break;
	case P_NONEIGH:
		ip6_addr(p.remote.b, "fd00::3");
		break;
	case P_NOFIB:
		ip6_addr(p.remote.b, "2001:db8:99::1");
		break;
	case P_NOPORT:
		ip6_addr(p.local.b, "fd01::1");
		ip6_addr(p.remote.b, "fd01::2");
		break;
	case P_PMTU:
		ip6_addr(p.remote.b, "fd00:9::1");
		break;
	case P_INACTIVE:
		ip6_addr(p.remote.b, "fd00::7");
		p.flags = 0;
		break;
	}
	return p;
}

static int set_peer(uint32_t id, const struct tun46_peer *p)
{
	if (bpf_map_update_elem(fd_peers, &id, p, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_peers[%u]: %s\n", id, strerror(errno));
		return -1;
	}
	return 0;
}

static int restore_peer(uint32_t id)
{
	struct tun46_peer p = peer_default(id);

	return set_peer(id, &p);
}

static int add_route(const char *prefix, uint32_t plen, uint32_t peer)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = htonl(ip4_addr(prefix))};
	struct tun46_route v = {.peer_id = peer};

	if (bpf_map_update_elem(fd_routes, &k, &v, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_routes %s/%u: %s\n", prefix, plen, strerror(errno));
		return -1;
	}
	return 0;
}

static int del_route(const char *prefix, uint32_t plen)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = htonl(ip4_addr(prefix))};

	return bpf_map_delete_elem(fd_routes, &k);
}

/* The decap index entry for 'remote', carrying the peer's local address and
 * flags as the backend writes them (read back from tun46_peers). */
static int add_decap(const char *remote, uint32_t peer)
{
	struct tun46_decap d = {.peer_id = peer};
	struct tun46_peer p;
	union tun46_addr6 a;

	ip6_addr(a.b, remote);
	if (bpf_map_lookup_elem(fd_peers, &peer, &p) == 0) {
		d.flags = p.flags;
		d.local = p.local;
	}
	if (bpf_map_update_elem(fd_decap, &a, &d, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_decap %s: %s\n", remote, strerror(errno));
		return -1;
	}
	return 0;
}

static int add_port(uint32_t ifindex)
{
	uint8_t val[64];
	size_t vsz = bpf_map__value_size(skel->maps.tun46_ports);

	memset(val, 0, sizeof(val));
	memcpy(val, &ifindex, sizeof(ifindex));
	if (vsz > sizeof(val) || bpf_map_update_elem(fd_ports, &ifindex, val, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_ports[%u]: %s\n", ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_maps(void)
{
	static const uint32_t ids[] = {P_A, P_B, P_NONEIGH, P_NOFIB, P_NOPORT, P_PMTU, P_INACTIVE};
	struct tun46_config cfg = {.tun_ifindex = if_tun, .tunp_ifindex = if_tunp};
	struct tun46_link lan = {.role = TUN46_ROLE_LAN}, wan = {.role = TUN46_ROLE_WAN};
	uint32_t zero = 0;
	int fd_links = bpf_map__fd(skel->maps.tun46_links);

	memcpy(cfg.tun_mac, mac_tun, sizeof(cfg.tun_mac));
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (restore_peer(ids[i]))
			return -1;
	if (add_route("10.0.0.0", 8, P_A) || add_route("10.1.0.0", 16, P_B) || add_route("172.30.3.0", 24, P_NONEIGH) ||
	    add_route("172.30.4.0", 24, P_NOFIB) || add_route("172.30.5.0", 24, P_NOPORT) ||
	    add_route("172.30.6.0", 24, P_PMTU) || add_route("172.30.7.0", 24, P_INACTIVE) ||
	    add_route("172.30.8.0", 24, P_ABSENT) || add_route("172.30.9.0", 24, P_OUTOFRANGE))
		return -1;
	if (add_decap("fd00::2", P_A) || add_decap("fd00::4", P_B) || add_decap("fd00::3", P_NONEIGH) ||
	    add_decap("fd01::2", P_NOPORT) || add_decap("fd00::7", P_INACTIVE))
		return -1;
	if (add_port(if_lan) || add_port(if_wan))
		return -1;
	memcpy(lan.mac, mac_lan, sizeof(lan.mac));
	memcpy(wan.mac, mac_wan, sizeof(wan.mac));
	if (bpf_map_update_elem(fd_links, &if_lan, &lan, BPF_ANY) ||
	    bpf_map_update_elem(fd_links, &if_wan, &wan, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_links: %s\n", strerror(errno));
		return -1;
	}
	if (bpf_map_update_elem(fd_config, &zero, &cfg, BPF_ANY)) {
		fprintf(stderr, "test_datapath: update tun46_config: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* counters                                                                 */

#define SNAP_MAX 128
struct snap {
	int n;
	struct tun46_stats_key k[SNAP_MAX];
	uint64_t c[SNAP_MAX][TUN46_C__MAX];
};

/* The snapshot entry for (ifindex, peer), created if new; NULL when full. */
static uint64_t *snap_slot(struct snap *s, const struct tun46_stats_key *k)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->k[i].ifindex == k->ifindex && s->k[i].peer_id == k->peer_id)
			return s->c[i];
	if (s->n == SNAP_MAX)
		return NULL;
	s->k[s->n] = *k;
	memset(s->c[s->n], 0, sizeof(s->c[s->n]));
	return s->c[s->n++];
}

/* Every counter, summed over CPUs and over both maps: the per-CPU fast slots
 * (each CPU's copy names its own key) and the overflow hash. */
static int snapshot(struct snap *s)
{
	size_t stride = (sizeof(struct tun46_counters) + 7) / 8 * 8;
	size_t fstride = (sizeof(struct tun46_stats_slot) + 7) / 8 * 8;
	int fd_fast = bpf_map__fd(skel->maps.tun46_stats_fast);
	struct tun46_stats_key key, next;
	void *prev = NULL;
	uint8_t *vals;
	uint64_t *dst;
	uint32_t slot;
	int cpu, i;

	vals = calloc((size_t)ncpus, fstride > stride ? fstride : stride);
	if (!vals)
		return -1;
	s->n = 0;
	for (slot = 0; slot < TUN46_STATS_FAST_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd_fast, &slot, vals))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++) {
			const struct tun46_stats_slot *v = (const void *)(vals + (size_t)cpu * fstride);

			if (!v->key.ifindex || !(dst = snap_slot(s, &v->key)))
				continue;
			for (i = 0; i < TUN46_C__MAX; i++)
				dst[i] += v->c.c[i];
		}
	}
	while (bpf_map_get_next_key(fd_stats, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd_stats, &next, vals) == 0 && (dst = snap_slot(s, &next))) {
			for (cpu = 0; cpu < ncpus; cpu++) {
				const struct tun46_counters *c = (const void *)(vals + (size_t)cpu * stride);
				for (i = 0; i < TUN46_C__MAX; i++)
					dst[i] += c->c[i];
			}
		}
		key = next;
		prev = &key;
	}
	free(vals);
	return 0;
}

static const uint64_t *snap_find(const struct snap *s, uint32_t ifindex, uint32_t peer)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->k[i].ifindex == ifindex && s->k[i].peer_id == peer)
			return s->c[i];
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* fixtures                                                                 */

enum fx_kind { FX_XDP, FX_TC };

struct ctr_exp {
	uint32_t ifindex;
	uint32_t peer;
	int counter;
	uint64_t delta;
};

#define MAX_CTR 8
struct fx {
	const char *name;
	enum fx_kind kind;
	int prog;
	uint32_t ifindex;
	struct pkt in;
	int verdict;
	struct pkt out;
	int meta_peer; /* XDP: > 0 expect struct tun46_meta {MAGIC, meta_peer} in front of the frame */
	int inner_off; /* > 0: verify the IPv4 checksum of the output at this offset from scratch */
	struct ctr_exp ctr[MAX_CTR];
	int nctr;
	size_t mask_off, mask_len; /* bytes not compared (only where test_run cannot reproduce them) */
};

static struct fx F;
static uint8_t got_buf[PKT_MAX + 512];
static uint8_t *got;
static size_t got_len;
static struct snap snap_before, snap_after;

static void fx_new(const char *name, enum fx_kind kind, int prog, uint32_t ifindex)
{
	memset(&F, 0, sizeof(F));
	F.name = name;
	F.kind = kind;
	F.prog = prog;
	F.ifindex = ifindex;
}

static void expect_ctr(uint32_t ifindex, uint32_t peer, int counter, uint64_t delta)
{
	if (F.nctr == MAX_CTR)
		abort();
	F.ctr[F.nctr++] = (struct ctr_exp){ifindex, peer, counter, delta};
}

static const char *verdict_name(enum fx_kind kind, int v)
{
	static char buf[32];

	if (kind == FX_XDP) {
		switch (v) {
		case XDP_ABORTED:
			return "XDP_ABORTED";
		case XDP_DROP:
			return "XDP_DROP";
		case XDP_PASS:
			return "XDP_PASS";
		case XDP_TX:
			return "XDP_TX";
		case XDP_REDIRECT:
			return "XDP_REDIRECT";
		}
	} else {
		switch (v) {
		case TC_ACT_OK:
			return "TC_ACT_OK";
		case TC_ACT_SHOT:
			return "TC_ACT_SHOT";
		case TC_ACT_REDIRECT:
			return "TC_ACT_REDIRECT";
		case TC_ACT_UNSPEC:
			return "TC_ACT_UNSPEC";
		}
	}
	snprintf(buf, sizeof(buf), "%d", v);
	return buf;
}

/* Compare counter deltas: every expected delta exact, every other counter of every key unchanged. */
static bool check_counters(char *why, size_t whylen)
{
	int i, j, c;

	if (snapshot(&snap_after)) {
		snprintf(why, whylen, "cannot read tun46_stats");
		return false;
	}
	for (i = 0; i < snap_after.n; i++) {
		const struct tun46_stats_key *k = &snap_after.k[i];
		const uint64_t *b = snap_find(&snap_before, k->ifindex, k->peer_id);
		for (c = 0; c < TUN46_C__MAX; c++) {
			uint64_t d = snap_after.c[i][c] - (b ? b[c] : 0), want = 0;
			for (j = 0; j < F.nctr; j++)
				if (F.ctr[j].ifindex == k->ifindex && F.ctr[j].peer == k->peer_id &&
				    F.ctr[j].counter == c)
					want = F.ctr[j].delta;
			if (d != want) {
				snprintf(why, whylen, "counter %s {ifindex %u, peer %u} changed by %llu, expected %llu",
					 counter_names[c], k->ifindex, k->peer_id, (unsigned long long)d,
					 (unsigned long long)want);
				return false;
			}
		}
	}
	for (j = 0; j < F.nctr; j++) {
		if (F.ctr[j].delta && !snap_find(&snap_after, F.ctr[j].ifindex, F.ctr[j].peer)) {
			snprintf(why, whylen, "counter %s {ifindex %u, peer %u}: no stats entry, expected +%llu",
				 counter_names[F.ctr[j].counter], F.ctr[j].ifindex, F.ctr[j].peer,
				 (unsigned long long)F.ctr[j].delta);
			return false;
		}
	}
	return true;
}

static bool frame_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i] && (i < F.mask_off || i >= F.mask_off + F.mask_len))
			return false;
	return true;
}

/* Run F through its program once; print PASS/FAIL.  Returns true on PASS. */
static bool fx_run(void)
{
	char why[256] = "";
	int err, retval;
	bool ok = true;
	size_t meta_len = 0;

	if (snapshot(&snap_before)) {
		result(false, F.name, "cannot read tun46_stats");
		return false;
	}
	memset(got_buf, 0, sizeof(got_buf));
	if (F.kind == FX_XDP) {
		struct xdp_md ctx_in = {.data = 0, .data_end = (__u32)F.in.len, .ingress_ifindex = F.ifindex};
		struct xdp_md ctx_out;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = F.in.b, .data_size_in = (__u32)F.in.len,
			    .data_out = got_buf, .data_size_out = sizeof(got_buf), .ctx_in = &ctx_in,
			    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
			    .repeat = 1);
		memset(&ctx_out, 0, sizeof(ctx_out));
		err = bpf_prog_test_run_opts(F.prog, &o);
		retval = (int)o.retval;
		meta_len = ctx_out.data;
		if (!err && (meta_len > o.data_size_out || meta_len > 255)) {
			result(false, F.name, "test_run returned metadata length %zu of %u bytes", meta_len,
			       o.data_size_out);
			return false;
		}
		got = got_buf + meta_len;
		got_len = o.data_size_out - meta_len;
	} else {
		struct __sk_buff ctx_in;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = F.in.b, .data_size_in = (__u32)F.in.len,
			    .data_out = got_buf, .data_size_out = sizeof(got_buf), .ctx_in = &ctx_in,
			    .ctx_size_in = sizeof(ctx_in), .repeat = 1);
		memset(&ctx_in, 0, sizeof(ctx_in));
		ctx_in.ifindex = F.ifindex;
		err = bpf_prog_test_run_opts(F.prog, &o);
		retval = (int)o.retval;
		got = got_buf;
		got_len = o.data_size_out;
	}
	if (err) {
		result(false, F.name, "bpf_prog_test_run_opts failed: %s", strerror(errno));
		return false;
	}
	if (retval != F.verdict) {
		snprintf(why, sizeof(why), "verdict %s, expected %s", verdict_name(F.kind, retval),
			 verdict_name(F.kind, F.verdict));
		ok = false;
	} else if (got_len != F.out.len || !frame_equal(got, F.out.b, got_len)) {
		snprintf(why, sizeof(why), "output frame differs (%zu bytes, expected %zu)", got_len, F.out.len);
		ok = false;
	} else if (F.inner_off > 0 && ((size_t)F.inner_off + 20 > got_len || !ip4_csum_ok(got + F.inner_off))) {
		snprintf(why, sizeof(why), "inner IPv4 checksum at offset %d is wrong (from-scratch check)",
			 F.inner_off);
		ok = false;
	} else if (F.kind == FX_XDP && F.meta_peer > 0) {
		struct tun46_meta m;
		if (meta_len != sizeof(m)) {
			snprintf(why, sizeof(why), "XDP metadata is %zu bytes, expected struct tun46_meta (%zu)",
				 meta_len, sizeof(m));
			ok = false;
		} else {
			memcpy(&m, got_buf, sizeof(m));
			if (m.magic != TUN46_META_MAGIC || m.peer_id != (__u32)F.meta_peer) {
				snprintf(why, sizeof(why), "XDP metadata {magic %#x, peer %u}, expected {%#x, %d}",
					 m.magic, m.peer_id, TUN46_META_MAGIC, F.meta_peer);
				ok = false;
			}
		}
	} else if (F.kind == FX_XDP && F.meta_peer == 0 && meta_len != 0) {
		snprintf(why, sizeof(why), "unexpected %zu bytes of XDP metadata", meta_len);
		ok = false;
	}
	if (ok)
		ok = check_counters(why, sizeof(why));
	result(ok, F.name, "%s", why);
	if (!ok || getenv("TUN46_DP_DUMP")) {
		pkt_hexdump(stdout, "input", F.in.b, F.in.len);
		if (ok)
			pkt_hexdump(stdout, "output", got, got_len);
		else
			pkt_hexdiff(stdout, F.out.b, F.out.len, got, got_len);
	}
	return ok;
}

/* ------------------------------------------------------------------------ */
/* frame construction from the spec                                         */

struct flow {
	const char *src, *dst;
	uint8_t tos, ttl, proto;
	uint16_t sport, dport, id, frag;
	size_t paylen;
	const uint8_t *opts;
	size_t optlen;
};

#define FLOW(...)                            \
	((struct flow){.src = "192.168.1.2", \
		       .dst = "10.2.3.4",    \
		       .ttl = 64,            \
		       .proto = 17,          \
		       .sport = 40000,       \
		       .dport = 53,          \
		       .id = 0x1234,         \
		       .frag = IP4_DF,       \
		       .paylen = 32,         \
		       __VA_ARGS__})

/* A bare inner IPv4 packet (no Ethernet) */
static void mk_inner(struct pkt *p, struct flow fl)
{
	struct ip4 h = {.tos = fl.tos,
			.ttl = fl.ttl,
			.proto = fl.proto,
			.id = fl.id,
			.frag = fl.frag,
			.src = ip4_addr(fl.src),
			.dst = ip4_addr(fl.dst),
			.opts = fl.opts,
			.optlen = fl.optlen};
	uint8_t pay[PKT_MAX];
	struct pkt l4;
	size_t i;

	for (i = 0; i < fl.paylen && i < sizeof(pay); i++)
		pay[i] = (uint8_t)(0x30 + i * 13 + fl.id);
	pkt_init(&l4);
	if (fl.proto == 17)
		l4_udp(&l4, h.src, h.dst, fl.sport, fl.dport, pay, fl.paylen);
	else if (fl.proto == 6)
		l4_tcp(&l4, h.src, h.dst, fl.sport, fl.dport, 0x01020304, 0x18, pay, fl.paylen);
	else if (fl.proto == 1)
		l4_icmp_echo(&l4, fl.sport, fl.dport, pay, fl.paylen);
	else
		pkt_put(&l4, pay, fl.paylen);
	pkt_init(p);
	pkt_ip4(p, &h, l4.b, l4.len);
}

/* LAN frame from host 192.168.1.2 to the router: Ethernet (+ VLAN) + inner */
static void mk_lan(struct pkt *f, const struct pkt *inner, int vlan)
{
	pkt_init(f);
	pkt_eth(f, mac_lan, mac_h1, vlan, ETH_P_IPV4);
	pkt_put(f, inner->b, inner->len);
}

/* The flow label the spec asks for: tun46_flow_hash over the inner flow. */
static uint32_t spec_flow_hash(const uint8_t *ip)
{
	uint32_t saddr, daddr, ports = 0;
	size_t hl = (size_t)(ip[0] & 15) * 4;
	uint8_t proto = ip[9];
	uint16_t frag = get16(ip + 6);

	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	if ((proto == 6 || proto == 17 || proto == 132 || proto == 136 || proto == 33) && !(frag & 0x3fff) &&
	    get16(ip + 2) >= hl + 4)
		memcpy(&ports, ip + hl, 4);
	return tun46_flow_hash(saddr, daddr, proto, ports);
}

/* Expected encapsulated frame (README section 2) */
static void exp_encap(struct pkt *out, const struct pkt *inner, const struct tun46_peer *pe, const uint8_t *dmac,
		      const uint8_t *smac)
{
	uint8_t ip[PKT_MAX];
	uint16_t tot = get16(inner->b + 2);
	bool el = pe->flags & TUN46_PEER_F_ENCAPLIMIT;
	struct ip6 o;

	memcpy(ip, inner->b, tot);
	ip[8]--;
	ip4_fix_csum(ip);
	memset(&o, 0, sizeof(o));
	o.tclass = (pe->flags & TUN46_PEER_F_TCLASS_INHERIT) ? ip[1] : (uint8_t)((pe->tclass & 0xfc) | (ip[1] & 3));
	o.flowlabel = (pe->flags & TUN46_PEER_F_FLOWLABEL_FIXED) ? (pe->flowlabel & 0xfffff) : spec_flow_hash(ip);
	o.plen = (uint16_t)(tot + (el ? 8 : 0));
	o.nh = el ? 60 : 4;
	o.hlim = (pe->flags & TUN46_PEER_F_HOPLIMIT_INHERIT) ? ip[8] : pe->hoplimit;
	memcpy(o.src, pe->local.b, 16);
	memcpy(o.dst, pe->remote.b, 16);
	pkt_init(out);
	pkt_eth(out, dmac, smac, -1, ETH_P_IPV6_);
	pkt_ip6(out, &o);
	if (el)
		pkt_dstopt_encaplimit(out, 4, pe->encaplimit);
	pkt_put(out, ip, tot);
}

/* Standard encap fixture on xdp_lan: input = LAN frame, expect redirect to peer. */
static bool encap_case(const char *name, const struct pkt *inner, int vlan, uint32_t peer, const uint8_t *dmac)
{
	struct tun46_peer pe;
	uint32_t key = peer;

	bpf_map_lookup_elem(fd_peers, &key, &pe);
	fx_new(name, FX_XDP, prog_xdp_lan, if_lan);
	mk_lan(&F.in, inner, vlan);
	F.verdict = XDP_REDIRECT;
	exp_encap(&F.out, inner, &pe, dmac, mac_wan);
	F.inner_off = 14 + 40 + ((pe.flags & TUN46_PEER_F_ENCAPLIMIT) ? 8 : 0);
	expect_ctr(if_lan, peer, TUN46_C_ENCAP_PACKETS, 1);
	expect_ctr(if_lan, peer, TUN46_C_ENCAP_BYTES, get16(inner->b + 2));
	return fx_run();
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

/* WAN side */
struct outer {
	const char *src, *dst;
	uint8_t tclass;
	uint32_t flowlabel;
	uint8_t hlim;
	const uint8_t *dstopt; /* 8 bytes, NULL: none (next header 4) */
	int plen_adj;	       /* added to the correct payload length */
	size_t trailing;       /* bytes after the IPv6 payload */
	int vlan;	       /* < 0: untagged */
};

#define OUTER(...)                            \
	((struct outer){.src = "fd00::2",     \
			.dst = "fd00::1",     \
			.tclass = 0,          \
			.flowlabel = 0x54321, \
			.hlim = 64,           \
			.vlan = -1,           \
			__VA_ARGS__})

static const uint8_t dstopt_std[8] = {4, 0, 4, 1, 4, 1, 1, 0};

static void mk_wan(struct pkt *f, struct outer o, const uint8_t *inner, size_t inner_len)
{
	struct ip6 h;

	memset(&h, 0, sizeof(h));
	h.tclass = o.tclass;
	h.flowlabel = o.flowlabel;
	h.plen = (uint16_t)((int)inner_len + (o.dstopt ? 8 : 0) + o.plen_adj);
	h.nh = o.dstopt ? 60 : 4;
	h.hlim = o.hlim;
	ip6_addr(h.src, o.src);
	ip6_addr(h.dst, o.dst);
	pkt_init(f);
	pkt_eth(f, mac_wan, mac_r2, o.vlan, ETH_P_IPV6_);
	pkt_ip6(f, &h);
	if (o.dstopt)
		pkt_put(f, o.dstopt, 8);
	pkt_put(f, inner, inner_len);
	if (o.trailing) {
		uint8_t *t = pkt_put(f, NULL, o.trailing);
		memset(t, 0xee, o.trailing);
	}
}

/* RFC 6040 decapsulation: new inner ECN, or -1 = drop */
static int rfc6040(int outer, int inner)
{
	if (outer == ECN_CE)
		return inner == ECN_NOT_ECT ? -1 : ECN_CE;
	if (outer == ECN_ECT1 && inner == ECN_ECT0)
		return ECN_ECT1;
	return inner;
}

/* Expected decap output: Ethernet(dmac, smac, IPv4) + inner (tot_len bytes) with ECN applied, TTL - dec */
static void exp_decap(struct pkt *out, const struct pkt *inner, int outer_ecn, int dec, const uint8_t *dmac,
		      const uint8_t *smac)
{
	uint8_t ip[PKT_MAX];
	uint16_t tot = get16(inner->b + 2);

	memcpy(ip, inner->b, tot);
	ip[1] = (uint8_t)((ip[1] & 0xfc) | rfc6040(outer_ecn, ip[1] & 3));
	ip[8] = (uint8_t)(ip[8] - dec);
	ip4_fix_csum(ip);
	pkt_init(out);
	pkt_eth(out, dmac, smac, -1, ETH_P_IPV4);
	pkt_put(out, ip, tot);
}

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

static void modify_peer(uint32_t id, uint32_t set_flags, int hoplimit, int tclass, int encaplimit, uint32_t flowlabel,
			int mtu)
{
	struct tun46_peer p = peer_default(id);

	p.flags |= set_flags;
	if (hoplimit >= 0)
		p.hoplimit = (uint8_t)hoplimit;
	if (tclass >= 0)
		p.tclass = (uint8_t)tclass;
	if (encaplimit >= 0)
		p.encaplimit = (uint8_t)encaplimit;
	p.flowlabel = flowlabel;
	if (mtu >= 0)
		p.mtu = (uint16_t)mtu;
	set_peer(id, &p);
}

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
	{
		/* this thread is pinned to CPU 0: its copy of the slot holds the answer */
		struct tun46_nh *nh = calloc((size_t)ncpus, sizeof(*nh));
		uint32_t slot = P_A % TUN46_NH_SLOTS;

		bool ok = nh && bpf_map_lookup_elem(bpf_map__fd(skel->maps.tun46_nh), &slot, nh) == 0 &&
			  nh[0].peer_id == P_A && nh[0].ifindex == if_wan && !memcmp(nh[0].dmac, mac_r2, 6) &&
			  !memcmp(nh[0].smac, mac_wan, 6) && nh[0].expires != 0;

		result(ok, "encap/nh-cache-entry-holds-the-fib-answer",
		       "tun46_nh slot %u on CPU 0 does not hold peer %u via ifindex %u with the neighbour's MAC", slot,
		       (unsigned)P_A, if_wan);
		free(nh);
	}
	encap_case("encap/nh-cache-hit-same-bytes", &in4, -1, P_A, mac_r2);
	{
		struct tun46_peer p = peer_default(P_A);
		uint32_t id = P_A;

		ip6_addr(p.remote.b, "fd00::4"); /* neighbour 02:00:00:00:00:04 */
		bpf_map_update_elem(fd_peers, &id, &p, BPF_ANY);
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
		struct tun46_nh4 *e = calloc((size_t)ncpus, sizeof(*e));
		uint32_t a = htonl(ip4_addr("10.2.3.4")), d = htonl(ip4_addr("192.168.4.1")), slot, k;
		bool found = false;

		for (slot = 0; e && slot < TUN46_NH4_SLOTS && !found; slot++) {
			k = slot;
			if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.tun46_nh4), &k, e) == 0 && e[0].saddr == a &&
			    e[0].daddr == d)
				found = e[0].max_len == 600 && e[0].ifindex == if_lan && !memcmp(e[0].dmac, mac_h1, 6);
		}
		result(found, "decap/route-cache-entry-checked-for-600-bytes",
		       "no tun46_nh4 entry on CPU 0 for 10.2.3.4 -> 192.168.4.1 via lan, max_len 600");
		free(e);
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
		f.b[14 + 6] = 47; /* GRE: not handled */
		wan_pass_untouched("decap/untouched-ipv6-nh-47", &f);
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
	/* `ip rule iif tun46`: the forward lookup is made as from the tunnel device */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.99"));
	decap_slow_case("decap/policy-rule-iif-tun46-honoured", OUTER(), &in4, P_A, TUN46_C_DECAP_PASS_FIB);
}

/* ------------------------------------------------------------------------ */
/* TC programs through BPF_PROG_TEST_RUN with struct __sk_buff              */

static bool tc_unchanged(const char *name, int prog, uint32_t ifindex, const struct pkt *frame, int verdict,
			 uint32_t ctr_if, uint32_t peer, int counter)
{
	fx_new(name, FX_TC, prog, ifindex);
	pkt_copy(&F.in, frame);
	pkt_copy(&F.out, frame);
	F.verdict = verdict;
	if (counter >= 0)
		expect_ctr(ctr_if, peer, counter, 1);
	return fx_run();
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
	fx_new("tc_wan/decap-40-byte-outer-ce", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.tclass = 0xb8 | ECN_CE), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, ECN_CE, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	fx_new("tc_wan/decap-48-byte-outer", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.dstopt = dstopt_std, .trailing = 3), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

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
	fx_new("tc_wan/decap-no-neighbour-redirect-neigh", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_wan, mac_r2);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

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

static int open_skel(void)
{
	skel = tun46__open_and_load();
	if (!skel) {
		fprintf(stderr, "test_datapath: cannot load the tun46 BPF object: %s\n", strerror(errno));
		return -1;
	}
	fd_peers = bpf_map__fd(skel->maps.tun46_peers);
	fd_routes = bpf_map__fd(skel->maps.tun46_routes);
	fd_decap = bpf_map__fd(skel->maps.tun46_decap);
	fd_stats = bpf_map__fd(skel->maps.tun46_stats);
	fd_ports = bpf_map__fd(skel->maps.tun46_ports);
	fd_config = bpf_map__fd(skel->maps.tun46_config);
	prog_xdp_lan = bpf_program__fd(skel->progs.xdp_lan);
	prog_xdp_wan = bpf_program__fd(skel->progs.xdp_wan);
	prog_tc_lan = bpf_program__fd(skel->progs.tc_lan);
	prog_tc_wan = bpf_program__fd(skel->progs.tc_wan);
	prog_tc_tun = bpf_program__fd(skel->progs.tc_tun);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("FAIL datapath/setup: must run as root (BPF_PROG_TEST_RUN, network namespace)\n");
		return 1;
	}
	if (setup_netns()) {
		printf("FAIL datapath/setup: could not build the test network namespace (see stderr)\n");
		return 1;
	}
	{
		cpu_set_t one; /* per-CPU maps (next-hop cache) are then read on CPU 0 */

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || open_skel() || setup_maps()) {
		printf("FAIL datapath/setup: could not load the datapath or fill its maps (see stderr)\n");
		return 1;
	}
	test_encap();
	test_decap();
	test_tc();
	tun46__destroy(skel);
	fprintf(stderr, "test_datapath: %d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
