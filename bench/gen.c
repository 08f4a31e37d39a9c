// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gen: IPv4/UDP packet generator for the benchmark, built on BPF_PROG_RUN in
 * live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES) with bpf/bench_gen.bpf.c.
 *
 * Run it inside the sending host's network namespace: the frames leave the
 * interface given with -i (XDP_TX out of ctx ingress_ifindex, which the
 * kernel resolves in the caller's namespace).  Each BPF_PROG_RUN call runs
 * --per-call frames (default 2^20: a call has a multi-millisecond teardown)
 * and calls repeat until --duration seconds have passed.
 *
 *   gen -i eth0 -d 02:..:.. -s 192.168.1.2 -D 192.168.2.2 [-z 64] [-f flows]
 *       [-t seconds] [-r pps] [-b burst] [-c cpu] [-n per-call]
 *
 * With -r the frames are paced: one every 1/pps seconds, or with -b N in
 * bursts of N frames back to back, one burst every N/pps seconds (a receiving
 * NIC's interrupt moderation: the driver gets a batch per interrupt).
 *
 * Prints one JSON object: frames offered, elapsed seconds, rate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench_gen.skel.h"
#include "xdpq.h"

#define MAX_FRAME 1514

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen -i IF -d DSTMAC -s SRC4 -D DST4 [-m SRCMAC] [-z FRAMESIZE] [-f FLOWS] [-p PORT]\n"
		   "           [-t SECONDS] [-r PPS [-b BURST]] [-c CPU] [-n FRAMES_PER_CALL]\n"
		   "Sends IPv4/UDP frames of FRAMESIZE bytes (no FCS; default 64) out of IF with\n"
		   "BPF_PROG_RUN live frames; run it in the namespace that owns IF.\n");
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *src = NULL, *dst = NULL, *dmac_s = NULL, *smac_s = NULL;
	unsigned int size = 64, flows = 1, port = 1024, per_call = 1u << 20, burst = 1;
	double duration = 1.0, rate = 0;
	int cpu = -1, opt;
	unsigned char frame[MAX_FRAME] = {};
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct bench_gen *skel;
	unsigned int ifindex;
	int err, calls = 0;
	double t0, t1;
	__u64 tx0;

	while ((opt = getopt(argc, argv, "i:d:m:s:D:z:f:p:t:r:b:c:n:h")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			dmac_s = optarg;
			break;
		case 'm':
			smac_s = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'D':
			dst = optarg;
			break;
		case 'z':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			flows = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			port = strtoul(optarg, NULL, 0);
			break;
		case 't':
			duration = strtod(optarg, NULL);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'b':
			burst = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'n':
			per_call = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ifname || !dmac_s || !src || !dst) {
		fprintf(stderr, "gen: -i, -d, -s and -D are required\n");
		usage(stderr);
		return 2;
	}
	if (size < sizeof(*eth) + sizeof(*ip) + sizeof(*udp) || size > MAX_FRAME) {
		fprintf(stderr, "gen: frame size %u out of range (42..%d)\n", size, MAX_FRAME);
		return 2;
	}
	if (!flows || flows > 65535 - port || !per_call || duration <= 0 || !burst || burst > 4096) {
		fprintf(stderr, "gen: -f must be 1..%u, -b 1..4096, -n and -t positive\n", 65535 - port);
		return 2;
	}
	if (burst > 1 && rate <= 0) {
		fprintf(stderr, "gen: -b %u needs -r: bursts pace the frames (one burst every BURST/PPS seconds)\n",
			burst);
		return 2;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "gen: no interface %s in this network namespace (run gen with ip netns exec)\n",
			ifname);
		return 1;
	}
	if (parse_mac(dmac_s, eth->h_dest) ||
	    (smac_s ? parse_mac(smac_s, eth->h_source) : if_mac(ifname, eth->h_source))) {
		fprintf(stderr, "gen: bad MAC address (want xx:xx:xx:xx:xx:xx) or cannot read %s's\n", ifname);
		return 2;
	}
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(size - sizeof(*eth));
	if (inet_pton(AF_INET, src, &ip->saddr) != 1 || inet_pton(AF_INET, dst, &ip->daddr) != 1) {
		fprintf(stderr, "gen: -s/-D want IPv4 addresses\n");
		return 2;
	}
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->source = htons(port);
	udp->dest = htons(9); /* discard */
	udp->len = htons(size - sizeof(*eth) - sizeof(*ip));
	udp->check = 0; /* optional in IPv4; lets the program rewrite ports freely */

	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "gen: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}

	skel = bench_gen__open();
	if (!skel) {
		fprintf(stderr, "gen: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->nflows = flows;
	skel->rodata->base_port = port;
	skel->rodata->interval_ps = rate > 0 ? (__u64)(1e12 / rate) : 0;
	skel->rodata->burst = burst;

	err = bench_gen__load(skel);
	if (err) {
		fprintf(stderr, "gen: cannot load the BPF program (%s); run as root\n", strerror(-err));
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	struct xdp_md ctx = {.data_end = size, .ingress_ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = size, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = per_call,
		    .batch_size = 64);
	int fd = bpf_program__fd(skel->progs.xdp_gen);

	memcpy(skel->bss->hdr, frame, sizeof(skel->bss->hdr));
	tx0 = skel->bss->tx_frames;
	t0 = now_s();
	do {
		err = bpf_prog_test_run_opts(fd, &opts);
		if (err) {
			fprintf(stderr, "gen: BPF_PROG_RUN live frames failed: %s (kernel >= 5.18 needed)\n",
				strerror(errno));
			bench_gen__destroy(skel);
			return 1;
		}
		calls++;
		t1 = now_s();
	} while (!stop && t1 - t0 < duration);

	__u64 tx = skel->bss->tx_frames - tx0;
	printf("{\"offered\": %llu, \"seconds\": %.6f, \"pps\": %.0f, \"calls\": %d, \"size\": %u, \"flows\": %u}\n",
	       (unsigned long long)tx, t1 - t0, tx / (t1 - t0), calls, size, flows);
	bench_gen__destroy(skel);
	return 0;
}
