// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * progcost: per-packet CPU cost of tun46's xdp_lan (encap) and xdp_wan
 * (decap) alone, next to an XDP program that does nothing, measured with
 * BPF_PROG_RUN in live-frames mode (never repeat > 1 without live frames on
 * an encap program: the packet would not be restored between runs).
 *
 * Run it inside a namespace prepared by bench/lib.sh (progcost_up):
 *   pl0 (192.168.1.1/24, LAN) <-> pl1    pw0 (fd00::1/64, WAN) <-> pw1
 *   tun46 <-> tun46p (the tunnel device), 192.168.2.0/24 dev tun46,
 *   192.168.3.0/24 via pw0 (plain forwarding: bench_fwd's frames)
 * with static neighbours 192.168.1.2 and fd00::2 on pl1/pw1, and the bench
 * sink (count + drop) on pl1 and pw1.  progcost loads build/tun46.skel.h,
 * fills the maps for one peer (remote fd00::2, local fd00::1) owning
 * 192.168.2.0/24 and the tunnel device as user space would (the kernel's
 * route into tun46 is what makes xdp_lan encapsulate), runs each program on
 * --frames live frames and prints JSON: ns per frame (kernel's test-run
 * duration), frames seen at the sinks and tun46's own encap_packets /
 * decap_packets ("fast"), so the caller can check the programs really took
 * the fast path (a frame passed to the kernel costs far more).  Each program runs
 * behind bpf/bench_cost.bpf.c, which restores the frame bytes first (live
 * frames reset pointers, not bytes); bench_fwd is measured the same way.
 *
 * Then the cost of removing a header in TC by its length (bench_cost's
 * tc_pop on the WAN frame, BPF_PROG_RUN repeating on one skb): "pop_ns" has
 * ns a run for nothing ("none"), change_proto 6->4->6 ("xlat20") and
 * adjust_room -N/+N ("20", "28", "40", "48"): the two-step decapsulation of
 * Linux < 6.3 pops 20 + 20 (28 + 20 with the RFC 2473 option), the one-step
 * one 40 (48).
 *
 *   progcost [-n FRAMES] [-z FRAMESIZE]
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include "xdpq.h"
#include <tun46/tun46.h>
#include "tun46.skel.h"
#include "bench_sink.skel.h"
#include "bench_fwd.skel.h"
#include "bench_cost.skel.h"

static __u16 csum16(const void *hdr, int len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Ethernet + IPv4/UDP of 'ip_len' bytes at 'p'; returns the frame length. */
static int put_ipv4(unsigned char *p, const char *src, const char *dst, int ip_len)
{
	struct iphdr *ip = (void *)p;
	struct udphdr *udp = (void *)(ip + 1);

	memset(p, 0, ip_len);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(ip_len);
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = csum16(ip, sizeof(*ip));
	udp->source = htons(1024);
	udp->dest = htons(9);
	udp->len = htons(ip_len - sizeof(*ip));
	return ip_len;
}

/* Ethernet (dst, src) + IPv4/UDP src -> dst; returns the frame length. */
static int put_lan(unsigned char *p, const unsigned char *dmac, const unsigned char *smac, const char *src,
		   const char *dst, unsigned int size)
{
	struct ethhdr *eth = (void *)p;

	memcpy(eth->h_dest, dmac, 6);
	memcpy(eth->h_source, smac, 6);
	eth->h_proto = htons(ETH_P_IP);
	return sizeof(*eth) + put_ipv4(p + sizeof(*eth), src, dst, size - sizeof(*eth));
}

/* A tun46 counter of (ifindex, peer), summed over CPUs and both stats maps. */
static __u64 tun46_count(struct tun46 *t, __u32 ifindex, __u32 peer_id, int counter)
{
	struct tun46_stats_key key = {.ifindex = ifindex, .peer_id = peer_id};
	__u32 slot = tun46_stats_slot_of(ifindex, peer_id) & (TUN46_STATS_FAST_SLOTS - 1);
	int ncpu = libbpf_num_possible_cpus();
	struct tun46_stats_slot *fast;
	struct tun46_counters *c;
	__u64 sum = 0;

	if (ncpu <= 0)
		return 0;
	fast = calloc(ncpu, sizeof(*fast));
	c = calloc(ncpu, sizeof(*c));
	if (fast && !bpf_map_lookup_elem(bpf_map__fd(t->maps.tun46_stats_fast), &slot, fast))
		for (int i = 0; i < ncpu; i++)
			if (fast[i].key.ifindex == ifindex && fast[i].key.peer_id == peer_id)
				sum += fast[i].c.c[counter];
	if (c && !bpf_map_lookup_elem(bpf_map__fd(t->maps.tun46_stats), &key, c))
		for (int i = 0; i < ncpu; i++)
			sum += c[i].c[counter];
	free(fast);
	free(c);
	return sum;
}

static __u64 sink_packets(const char *ifname)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 v[2 * 512] = {}, sum = 0;
	__u32 key = 0;

	fd = xdpq_map_fd(if_nametoindex(ifname), "sink_stats", NULL, 0);
	if (fd < 0 || ncpu > 512 || bpf_map_lookup_elem(fd, &key, v))
		return 0;
	close(fd);
	for (int i = 0; i < ncpu; i++)
		sum += v[2 * i];
	return sum;
}

static struct bench_cost *cost;

struct cost {
	double frame_ns; /* test-run duration per frame: program + redirect + receive side */
	double prog_ns;	 /* bpf_stats run time per run: the program alone (plus the restoring wrapper) */
};

static int prog_stats(int fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* Runs prog (through the restoring wrapper) on 'frames' live frames arriving
 * on 'ifname'. */
static struct cost run_live(int target_fd, const char *ifname, unsigned char *frame, int len, __u32 frames)
{
	struct cost c = {-1, -1};
	__u64 ns0 = 0, n0 = 0, ns1 = 0, n1 = 0;
	int prog_fd = bpf_program__fd(cost->progs.xdp_cost);
	__u32 zero = 0;

	memcpy(cost->bss->tmpl, frame, sizeof(cost->bss->tmpl));
	if (bpf_map_update_elem(bpf_map__fd(cost->maps.cost_target), &zero, &target_fd, 0)) {
		fprintf(stderr, "progcost: cannot install the program in the tail-call slot: %s\n", strerror(errno));
		return c;
	}
	struct xdp_md ctx = {.data_end = len, .ingress_ifindex = if_nametoindex(ifname)};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = frames,
		    .batch_size = 64);

	prog_stats(prog_fd, &ns0, &n0);
	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		fprintf(stderr, "progcost: BPF_PROG_RUN live frames on %s failed: %s\n", ifname, strerror(errno));
		return c;
	}
	prog_stats(prog_fd, &ns1, &n1);
	c.frame_ns = opts.duration;
	c.prog_ns = n1 > n0 ? (double)(ns1 - ns0) / (n1 - n0) : 0;
	return c;
}

/* ns a run of tc_pop with pop_len on the frame (len bytes), repeated 'runs' times on one skb; -1 on failure */
static double run_pop(unsigned char *frame, int len, __u32 pop_len, __u32 runs)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = runs);
	__u64 fail0 = cost->bss->pop_fail;

	cost->bss->pop_len = pop_len;
	if (bpf_prog_test_run_opts(bpf_program__fd(cost->progs.tc_pop), &opts)) {
		fprintf(stderr, "progcost: BPF_PROG_RUN of tc_pop failed: %s\n", strerror(errno));
		return -1;
	}
	if (cost->bss->pop_fail != fail0) {
		fprintf(stderr, "progcost: tc_pop %u: %llu helper calls failed\n", pop_len,
			(unsigned long long)(cost->bss->pop_fail - fail0));
		return -1;
	}
	return opts.duration;
}

int main(int argc, char **argv)
{
	unsigned char lan[1600], fwdf[1600], wan[1600], m_pl0[6], m_pl1[6], m_pw0[6], m_pw1[6], m_tun[6];
	unsigned int frames = 1u << 20, size = 64;
	struct bench_sink *sk = NULL;
	struct bench_fwd *fw = NULL;
	struct tun46 *t = NULL;
	int opt, rc = 1, stats_fd = -1;
	bool gre = false;
	unsigned int mtu = 0;

	while ((opt = getopt(argc, argv, "gm:n:z:")) != -1) {
		switch (opt) {
		case 'm': /* the peer's MTU (default: tun46's for the encapsulation) */
			mtu = strtoul(optarg, NULL, 0);
			break;
		case 'g': /* the peer speaks GRE (encap gre): both directions carry the 4-byte GRE header */
			gre = true;
			break;
		case 'n':
			frames = strtoul(optarg, NULL, 0);
			break;
		case 'z':
			size = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: progcost [-g] [-m MTU] [-n FRAMES] [-z FRAMESIZE]\n");
			return 2;
		}
	}
	if (size < 42 || size > 1400 || !frames) {
		fprintf(stderr, "progcost: frame size must be 42..1400 and frames > 0\n");
		return 2;
	}
	if (if_mac("pl0", m_pl0) || if_mac("pl1", m_pl1) || if_mac("pw0", m_pw0) || if_mac("pw1", m_pw1) ||
	    if_mac("tun46", m_tun) || !if_nametoindex("tun46p")) {
		fprintf(stderr, "progcost: interfaces pl0/pl1/pw0/pw1/tun46/tun46p missing: run in the namespace "
				"bench/lib.sh prepares (progcost_up)\n");
		return 1;
	}

	/* LAN frames, arriving on pl0: h1 -> h2 (the kernel routes it into
	 * tun46: xdp_lan encapsulates it), and h1 -> 192.168.3.2 (routed via
	 * pw0: bench_fwd forwards it) */
	int lan_len = put_lan(lan, m_pl0, m_pl1, "192.168.1.2", "192.168.2.2", size);
	int fwd_len = put_lan(fwdf, m_pl0, m_pl1, "192.168.1.2", "192.168.3.2", size);

	/* WAN frame: fd00::2 -> fd00::1, ip4ip6 (no encap limit), inner h2 -> h1, arriving on pw0 */
	struct ethhdr *eth = (void *)wan;
	memcpy(eth->h_dest, m_pw0, 6);
	memcpy(eth->h_source, m_pw1, 6);
	eth->h_proto = htons(ETH_P_IPV6);
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	int inner = size - sizeof(*eth);
	memset(ip6, 0, sizeof(*ip6));
	ip6->version = 6;
	ip6->nexthdr = gre ? TUN46_NEXTHDR_GRE : TUN46_NEXTHDR_IPIP;
	ip6->hop_limit = 64;
	ip6->payload_len = htons(inner);
	inet_pton(AF_INET6, "fd00::2", &ip6->saddr);
	inet_pton(AF_INET6, "fd00::1", &ip6->daddr);
	unsigned char *after6 = (void *)(ip6 + 1);
	if (gre) { /* 00 00 08 00: no flags, version 0, IPv4 */
		memset(after6, 0, 4);
		after6[2] = 0x08;
		after6 += 4;
		inner -= 4;
	}
	int wan_len = (int)(after6 - wan) + put_ipv4((void *)after6, "192.168.2.2", "192.168.1.2", inner);

	sk = bench_sink__open_and_load();
	t = tun46__open_and_load();
	fw = bench_fwd__open_and_load();
	cost = bench_cost__open_and_load();
	if (!sk || !t || !fw || !cost) {
		fprintf(stderr, "progcost: cannot load bench_sink or tun46 BPF objects (run as root; make all)\n");
		goto out;
	}

	/* one peer, one route, ports and their identity, the tunnel device */
	struct tun46_peer peer = {};
	__u32 id = 1, zero = 0;
	inet_pton(AF_INET6, "fd00::1", peer.local.b);
	inet_pton(AF_INET6, "fd00::2", peer.remote.b);
	peer.flags = TUN46_PEER_F_ACTIVE | (gre ? TUN46_PEER_F_GRE : 0);
	peer.mtu = mtu ? mtu : tun46_peer_default_mtu(peer.flags); /* 1460, or 1456 with GRE */
	peer.hoplimit = TUN46_DEFAULT_HOPLIMIT;
	snprintf(peer.name, sizeof(peer.name), "bench");
	struct tun46_route_key rk = {.prefixlen = 24};
	inet_pton(AF_INET, "192.168.2.0", &rk.addr);
	struct tun46_route rv = {.peer_id = 1};
	struct tun46_config cfg = {.tun_ifindex = if_nametoindex("tun46"), .tunp_ifindex = if_nametoindex("tun46p")};
	struct tun46_decap dv = {.peer_id = id, .flags = peer.flags, .local = peer.local};
	struct tun46_link ll = {.role = TUN46_ROLE_LAN, .mode = TUN46_MODE_XDP};
	struct tun46_link wl = {.role = TUN46_ROLE_WAN, .mode = TUN46_MODE_XDP};
	__u32 pl0 = if_nametoindex("pl0"), pw0 = if_nametoindex("pw0");
	memcpy(cfg.tun_mac, m_tun, 6);
	memcpy(ll.mac, m_pl0, 6);
	memcpy(wl.mac, m_pw0, 6);
	inet_pton(AF_INET, "192.168.1.1", &ll.addr4);
	inet_pton(AF_INET, "10.0.0.1", &wl.addr4);
	if (bpf_map_update_elem(bpf_map__fd(t->maps.tun46_peers), &id, &peer, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_links), &pl0, &ll, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_links), &pw0, &wl, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_routes), &rk, &rv, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_decap), &peer.remote, &dv, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_ports), &pl0, &pl0, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_ports), &pw0, &pw0, 0) ||
	    bpf_map_update_elem(bpf_map__fd(t->maps.tun46_config), &zero, &cfg, 0)) {
		fprintf(stderr, "progcost: cannot fill the tun46 maps: %s\n", strerror(errno));
		goto out;
	}

	if (bpf_map_update_elem(bpf_map__fd(fw->maps.fwd_ports), &pl0, &pl0, 0) ||
	    bpf_map_update_elem(bpf_map__fd(fw->maps.fwd_ports), &pw0, &pw0, 0)) {
		fprintf(stderr, "progcost: cannot fill the bench_fwd port map: %s\n", strerror(errno));
		goto out;
	}

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME); /* run_time_ns while the fd is open */
	__u64 w0 = sink_packets("pw1");
	struct cost empty = run_live(bpf_program__fd(sk->progs.xdp_empty), "pl0", lan, lan_len, frames);
	struct cost fwd = run_live(bpf_program__fd(fw->progs.xdp_fwd), "pl0", fwdf, fwd_len, frames);
	usleep(100000);
	__u64 w1 = sink_packets("pw1"), e0 = tun46_count(t, pl0, id, TUN46_C_ENCAP_PACKETS);
	struct cost enc = run_live(bpf_program__fd(t->progs.xdp_lan), "pl0", lan, lan_len, frames);
	usleep(100000);
	__u64 w2 = sink_packets("pw1"), l0 = sink_packets("pl1"), e1 = tun46_count(t, pl0, id, TUN46_C_ENCAP_PACKETS);
	__u64 d0 = tun46_count(t, pw0, id, TUN46_C_DECAP_PACKETS);
	struct cost dec = run_live(bpf_program__fd(t->progs.xdp_wan), "pw0", wan, wan_len, frames);
	usleep(100000);
	__u64 l1 = sink_packets("pl1"), d1 = tun46_count(t, pw0, id, TUN46_C_DECAP_PACKETS);
	if (empty.frame_ns < 0 || fwd.frame_ns < 0 || enc.frame_ns < 0 || dec.frame_ns < 0)
		goto out;
	static const __u32 pops[] = {0, 1, 20, 28, 40, 48};
	double pop_ns[sizeof(pops) / sizeof(pops[0])];
	for (unsigned int i = 0; i < sizeof(pops) / sizeof(pops[0]); i++)
		if ((pop_ns[i] = run_pop(wan, wan_len, pops[i], frames)) < 0)
			goto out;
	printf("{\"frames\": %u, \"size\": %u, \"bpf_stats\": %s,\n"
	       " \"prog_ns\": {\"empty\": %.1f, \"xdp_fwd\": %.1f, \"xdp_lan\": %.1f, \"xdp_wan\": %.1f},\n"
	       " \"frame_ns\": {\"empty\": %.1f, \"xdp_fwd\": %.1f, \"xdp_lan\": %.1f, \"xdp_wan\": %.1f},\n"
	       " \"out\": {\"xdp_fwd\": %llu, \"xdp_lan\": %llu, \"xdp_wan\": %llu},\n"
	       " \"fast\": {\"xdp_lan\": %llu, \"xdp_wan\": %llu},\n"
	       " \"pop_ns\": {\"none\": %.1f, \"xlat20\": %.1f, \"20\": %.1f, \"28\": %.1f, \"40\": %.1f, \"48\": "
	       "%.1f}}\n",
	       frames, size, stats_fd >= 0 ? "true" : "false", empty.prog_ns, fwd.prog_ns, enc.prog_ns, dec.prog_ns,
	       empty.frame_ns, fwd.frame_ns, enc.frame_ns, dec.frame_ns, (unsigned long long)(w1 - w0),
	       (unsigned long long)(w2 - w1), (unsigned long long)(l1 - l0), (unsigned long long)(e1 - e0),
	       (unsigned long long)(d1 - d0), pop_ns[0], pop_ns[1], pop_ns[2], pop_ns[3], pop_ns[4], pop_ns[5]);
	rc = 0;
out:
	if (stats_fd >= 0)
		close(stats_fd);
	bench_cost__destroy(cost);
	bench_fwd__destroy(fw);
	tun46__destroy(t);
	bench_sink__destroy(sk);
	return rc;
}
