/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_peer_rx — per-peer liveness (tun46_peer_rx, bpf/lib/peerrx.h): after
 * a packet from a peer that passed every decapsulation check (xdp_wan fast
 * and slow path, tc_wan) the map holds a non-zero time for that peer, close
 * to CLOCK_MONOTONIC_COARSE now; after a dropped packet it holds nothing for
 * anyone.  The fixtures of test_datapath.c are reused (included, its main()
 * renamed); each case also checks the frame and counters byte by byte.
 * Result names carry the prefix "peer_rx/".
 */
#define _GNU_SOURCE /* as test_datapath.c: unshare, CPU_SET */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/types.h>

#define main test_datapath_main
#include "test_datapath.c"
#undef main

static int fd_rx;

/* Newest time over the CPUs for peer id (0 = never), or -1 on error. */
static int64_t rx_of(uint32_t id)
{
	uint64_t v[1024] = {0}, last = 0;

	if (ncpus > 1024 || bpf_map_lookup_elem(fd_rx, &id, v))
		return -1;
	for (int c = 0; c < ncpus; c++)
		if (v[c] > last)
			last = v[c];
	return (int64_t)last;
}

static int rx_clear(void)
{
	static const uint64_t zero[1024];

	for (uint32_t id = 0; id < TUN46_DEFAULT_MAX_PEERS; id++)
		if (bpf_map_update_elem(fd_rx, &id, zero, BPF_ANY))
			return -1;
	return 0;
}

static uint64_t coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* After a case: only peer 'want' (0: none) has a time, and it is recent. */
static void expect_rx(const char *name, uint32_t want, uint64_t t0)
{
	uint64_t t1 = coarse_now();

	for (uint32_t id = 0; id < TUN46_DEFAULT_MAX_PEERS; id++) {
		int64_t t = rx_of(id);

		if (t < 0) {
			result(false, name, "cannot read tun46_peer_rx[%u]", id);
			return;
		}
		if (want && id == want && (t == 0 || (uint64_t)t < t0 || (uint64_t)t > t1)) {
			result(false, name, "tun46_peer_rx[%u] = %lld, want a time in [%llu, %llu]", id, (long long)t,
			       (unsigned long long)t0, (unsigned long long)t1);
			return;
		}
		if ((!want || id != want) && t != 0) {
			result(false, name, "tun46_peer_rx[%u] = %lld after a packet %s, want 0", id, (long long)t,
			       want ? "of another peer" : "that was dropped");
			return;
		}
	}
	result(true, name, "ok");
}

int main(void)
{
	struct pkt in4, inB, inNN;
	uint64_t t0;
	bool ok;

	if (fx_setup("peer_rx"))
		return 1;
	fd_rx = bpf_map__fd(skel->maps.tun46_peer_rx);
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2"));
	mk_inner(&inB, FLOW(.src = "10.1.2.3", .dst = "192.168.1.2"));
	mk_inner(&inNN, FLOW(.src = "10.2.3.4", .dst = "192.168.1.3")); /* no neighbour: slow path */

	result(rx_clear() == 0, "peer_rx/map-present", "cannot write tun46_peer_rx: %s", strerror(errno));
	t0 = coarse_now();
	ok = decap_case("peer_rx/xdp-fast-decap", OUTER(), &in4, P_A, mac_h1, mac_lan);
	if (ok)
		expect_rx("peer_rx/xdp-fast-decap-marks-peer-A", P_A, t0);

	rx_clear();
	t0 = coarse_now();
	if (decap_slow_case("peer_rx/xdp-slow-decap", OUTER(), &inNN, P_A, TUN46_C_DECAP_PASS_NO_NEIGH))
		expect_rx("peer_rx/xdp-slow-decap-marks-peer-A", P_A, t0);

	rx_clear();
	t0 = coarse_now();
	if (decap_case("peer_rx/xdp-fast-decap-peer-B", OUTER(.src = "fd00::4"), &inB, P_B, mac_h1, mac_lan))
		expect_rx("peer_rx/xdp-fast-decap-marks-peer-B-only", P_B, t0);

	/* drops: nobody's time moves */
	rx_clear();
	t0 = coarse_now();
	if (decap_drop_case("peer_rx/xdp-drop-inner-source", OUTER(.src = "fd00::4"), in4.b, in4.len, P_B,
			    TUN46_C_DECAP_DROP_INNER_SOURCE))
		expect_rx("peer_rx/xdp-drop-inner-source-marks-nobody", 0, t0);
	if (decap_drop_case("peer_rx/xdp-drop-wrong-local", OUTER(.dst = "fd00::99"), in4.b, in4.len, P_A,
			    TUN46_C_DECAP_DROP_WRONG_LOCAL))
		expect_rx("peer_rx/xdp-drop-wrong-local-marks-nobody", 0, t0);
	if (decap_drop_case("peer_rx/xdp-drop-ecn", OUTER(.tclass = ECN_CE), in4.b, in4.len, P_A,
			    TUN46_C_DECAP_DROP_ECN))
		expect_rx("peer_rx/xdp-drop-ecn-marks-nobody", 0, t0);

	/* tc_wan (mode tc) */
	rx_clear();
	t0 = coarse_now();
	fx_new("peer_rx/tc-fast-decap", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.src = "fd00::4"), inB.b, inB.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &inB, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_B, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_B, TUN46_C_DECAP_BYTES, inB.len);
	if (fx_run())
		expect_rx("peer_rx/tc-fast-decap-marks-peer-B", P_B, t0);

	rx_clear();
	t0 = coarse_now();
	{
		struct pkt f;

		mk_wan(&f, OUTER(.src = "fd00::4"), in4.b, in4.len);
		if (tc_unchanged("peer_rx/tc-drop-inner-source", prog_tc_wan, if_wan, &f, TC_ACT_SHOT, if_wan, P_B,
				 TUN46_C_DECAP_DROP_INNER_SOURCE))
			expect_rx("peer_rx/tc-drop-inner-source-marks-nobody", 0, t0);
	}
	return fx_finish("peer_rx");
}
