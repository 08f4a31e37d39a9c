// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fixture: the harness shared by the datapath fixture tests (see fixture.h). */
#define _GNU_SOURCE
#include "fixture.h"

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

#include <tun46/flowhash.h>

/* ------------------------------------------------------------------------ */
/* environment                                                              */

struct tun46 *skel;
int fd_peers, fd_routes, fd_decap, fd_stats, fd_ports, fd_config;
int prog_xdp_lan, prog_xdp_wan, prog_tc_lan, prog_tc_wan, prog_tc_tun;
uint32_t if_lan, if_lan2, if_wan, if_wan2, if_tun, if_tunp;
uint8_t mac_lan[6], mac_lan2[6], mac_wan[6], mac_wan2[6], mac_tun[6], mac_tunp[6];
uint8_t mac_h1[6], mac_h3[6], mac_r2[6], mac_r2b[6], mac_r3[6];
int ncpus;
int n_pass, n_fail, n_skip;

static const char *const counter_names[] = {
#define X(sfx, name, desc) name,
    TUN46_COUNTERS(X)
#undef X
};

void result(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void result(bool ok, const char *name, const char *fmt, ...)
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

void skip(const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
	n_skip++;
}

int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "fixture: command failed (status %d): %s\n", rc, cmd);
	return rc;
}

int setup_netns(void)
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
		fprintf(stderr, "fixture: unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
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
		fprintf(stderr, "fixture: interfaces missing after setup\n");
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

struct tun46_peer peer_default(uint32_t id)
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

/* As the backend after every write to tun46_peers, tun46_routes or
 * tun46_decap (lib/maps.c, maps_written): move tun46_config.gen, so that the
 * XDP programs' cached copies of what those maps said are stale. */
void caches_stale(void)
{
	struct tun46_config c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd_config, &zero, &c) == 0) {
		c.gen++;
		bpf_map_update_elem(fd_config, &zero, &c, BPF_ANY);
	}
}

int set_peer(uint32_t id, const struct tun46_peer *p)
{
	int err = bpf_map_update_elem(fd_peers, &id, p, BPF_ANY);

	caches_stale();
	if (err) {
		fprintf(stderr, "fixture: update tun46_peers[%u]: %s\n", id, strerror(errno));
		return -1;
	}
	return 0;
}

int restore_peer(uint32_t id)
{
	struct tun46_peer p = peer_default(id);

	return set_peer(id, &p);
}

int add_route(const char *prefix, uint32_t plen, uint32_t peer)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = htonl(ip4_addr(prefix))};
	struct tun46_route v = {.peer_id = peer};

	int err = bpf_map_update_elem(fd_routes, &k, &v, BPF_ANY);

	caches_stale();
	if (err) {
		fprintf(stderr, "fixture: update tun46_routes %s/%u: %s\n", prefix, plen, strerror(errno));
		return -1;
	}
	return 0;
}

int del_route(const char *prefix, uint32_t plen)
{
	struct tun46_route_key k = {.prefixlen = plen, .addr = htonl(ip4_addr(prefix))};
	int err = bpf_map_delete_elem(fd_routes, &k);

	caches_stale();
	return err;
}

/* The decap index entry for 'remote', carrying the peer's local address and
 * flags as the backend writes them (read back from tun46_peers). */
int add_decap(const char *remote, uint32_t peer)
{
	struct tun46_decap d = {.peer_id = peer};
	struct tun46_peer p;
	union tun46_addr6 a;

	ip6_addr(a.b, remote);
	if (bpf_map_lookup_elem(fd_peers, &peer, &p) == 0) {
		d.flags = p.flags;
		d.local = p.local;
	}
	int err = bpf_map_update_elem(fd_decap, &a, &d, BPF_ANY);

	caches_stale();
	if (err) {
		fprintf(stderr, "fixture: update tun46_decap %s: %s\n", remote, strerror(errno));
		return -1;
	}
	return 0;
}

int add_port(uint32_t ifindex)
{
	uint8_t val[64];
	size_t vsz = bpf_map__value_size(skel->maps.tun46_ports);

	memset(val, 0, sizeof(val));
	memcpy(val, &ifindex, sizeof(ifindex));
	if (vsz > sizeof(val) || bpf_map_update_elem(fd_ports, &ifindex, val, BPF_ANY)) {
		fprintf(stderr, "fixture: update tun46_ports[%u]: %s\n", ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

int setup_maps(void)
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
		fprintf(stderr, "fixture: update tun46_links: %s\n", strerror(errno));
		return -1;
	}
	if (bpf_map_update_elem(fd_config, &zero, &cfg, BPF_ANY)) {
		fprintf(stderr, "fixture: update tun46_config: %s\n", strerror(errno));
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

struct fx F;
static uint8_t got_buf[PKT_MAX + 512];
uint8_t *got;
size_t got_len;
static struct snap snap_before, snap_after;

void fx_new(const char *name, enum fx_kind kind, int prog, uint32_t ifindex)
{
	memset(&F, 0, sizeof(F));
	F.name = name;
	F.kind = kind;
	F.prog = prog;
	F.ifindex = ifindex;
}

void expect_ctr(uint32_t ifindex, uint32_t peer, int counter, uint64_t delta)
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
bool fx_run(void)
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
		ctx_in.gso_segs = F.gso_segs;
		ctx_in.gso_size = F.gso_size;
		err = bpf_prog_test_run_opts(F.prog, &o);
		retval = (int)o.retval;
		got = got_buf;
		got_len = o.data_size_out;
	}
	if (err) {
		result(false, F.name, "bpf_prog_test_run_opts failed: %s", strerror(errno));
		return false;
	}
	if (F.ip4_id_off > 0 && (size_t)F.ip4_id_off + 20 <= got_len && (size_t)F.ip4_id_off + 20 <= F.out.len) {
		/* only the ID is taken: the checksum over it is still the spec's */
		memcpy(F.out.b + F.ip4_id_off + 4, got + F.ip4_id_off + 4, 2);
		ip4_fix_csum(F.out.b + F.ip4_id_off);
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
	if (ok && F.check)
		ok = F.check(why, sizeof(why));
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

/* A bare inner IPv4 packet (no Ethernet) */
void mk_inner(struct pkt *p, struct flow fl)
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
void mk_lan(struct pkt *f, const struct pkt *inner, int vlan)
{
	pkt_init(f);
	pkt_eth(f, mac_lan, mac_h1, vlan, ETH_P_IPV4);
	pkt_put(f, inner->b, inner->len);
}

/* The flow label the spec asks for: tun46_flow_hash over the inner flow. */
uint32_t spec_flow_hash(const uint8_t *ip)
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
void exp_encap(struct pkt *out, const struct pkt *inner, const struct tun46_peer *pe, const uint8_t *dmac,
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

const uint8_t dstopt_std[8] = {4, 0, 4, 1, 4, 1, 1, 0};

void mk_wan(struct pkt *f, struct outer o, const uint8_t *inner, size_t inner_len)
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
int rfc6040(int outer, int inner)
{
	if (outer == ECN_CE)
		return inner == ECN_NOT_ECT ? -1 : ECN_CE;
	if (outer == ECN_ECT1 && inner == ECN_ECT0)
		return ECN_ECT1;
	return inner;
}

/* Expected decap output: Ethernet(dmac, smac, IPv4) + inner (tot_len bytes) with ECN applied, TTL - dec */
void exp_decap(struct pkt *out, const struct pkt *inner, int outer_ecn, int dec, const uint8_t *dmac,
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

void modify_peer(uint32_t id, uint32_t set_flags, int hoplimit, int tclass, int encaplimit, uint32_t flowlabel, int mtu)
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

bool tc_unchanged(const char *name, int prog, uint32_t ifindex, const struct pkt *frame, int verdict, uint32_t ctr_if,
		  uint32_t peer, int counter)
{
	fx_new(name, FX_TC, prog, ifindex);
	pkt_copy(&F.in, frame);
	pkt_copy(&F.out, frame);
	F.verdict = verdict;
	if (counter >= 0)
		expect_ctr(ctr_if, peer, counter, 1);
	return fx_run();
}

int open_skel(void)
{
	skel = tun46__open_and_load();
	if (!skel) {
		fprintf(stderr, "fixture: cannot load the tun46 BPF object: %s\n", strerror(errno));
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

int fx_setup(const char *suite)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("FAIL %s/setup: must run as root (BPF_PROG_TEST_RUN, network namespace)\n", suite);
		return -1;
	}
	if (setup_netns()) {
		printf("FAIL %s/setup: could not build the test network namespace (see stderr)\n", suite);
		return -1;
	}
	{
		cpu_set_t one; /* per-CPU maps (next-hop cache) are then read on CPU 0 */

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || open_skel() || setup_maps()) {
		printf("FAIL %s/setup: could not load the datapath or fill its maps (see stderr)\n", suite);
		return -1;
	}
	return 0;
}

int fx_finish(const char *suite)
{
	tun46__destroy(skel);
	fprintf(stderr, "test_%s: %d passed, %d failed, %d skipped\n", suite, n_pass, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
