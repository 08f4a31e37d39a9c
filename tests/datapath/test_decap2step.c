/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_decap2step — the byte-exact datapath fixtures of test_datapath.c run
 * again with tun46_config.flags forcing the two-step decapsulation of
 * bpf/lib/tcdecap.h (what tc_wan does on kernels before 6.3, where
 * bpf_skb_adjust_room lacks BPF_F_ADJ_ROOM_DECAP_L3_IPV4), plus cases of its
 * own at the edges of that path (the smallest inner packets, both outer sizes,
 * the slow path).  The same expected bytes as the one-step path: the two must
 * be indistinguishable on the wire.  Result names carry the prefix "2step/".
 *
 * test_datapath.c is included, not copied (its main() renamed); the shared
 * harness (fixture.c) writes tun46_config once, then force_2step() sets
 * TUN46_CFG_F_DECAP_2STEP in it.
 */
#define _GNU_SOURCE /* as test_datapath.c: unshare, CPU_SET */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <linux/types.h>

#define main test_datapath_main
#include "test_datapath.c"
#undef main

#define DP2_FLAGS (TUN46_CFG_F_PROBED | TUN46_CFG_F_DECAP_2STEP)

/* Force the two-step decapsulation in tun46_config (the harness writes the
 * config once, in fx_setup, and no fixture rewrites it). */
static int force_2step(void)
{
	struct tun46_config c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd_config, &zero, &c))
		return -1;
	c.flags |= DP2_FLAGS;
	return bpf_map_update_elem(fd_config, &zero, &c, BPF_ANY);
}

static void test_2step_edges(void)
{
	uint32_t zero = 0;
	struct tun46_config cfg = {0};
	struct pkt in4;

	result(bpf_map_lookup_elem(fd_config, &zero, &cfg) == 0 && (cfg.flags & DP2_FLAGS) == DP2_FLAGS,
	       "config-forces-2step", "tun46_config.flags = 0x%x, want 0x%x set", cfg.flags, DP2_FLAGS);

	/* the smallest inner packet (IPv4 + empty UDP: 28 bytes): the first
	 * step leaves 20 + 28 bytes after the MAC header, above the helper's
	 * 40-byte IPv6 minimum */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .paylen = 0));
	fx_new("tc_wan/2step-smallest-inner-40-byte-outer", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .paylen = 0));
	fx_new("tc_wan/2step-smallest-inner-48-byte-outer", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.dstopt = dstopt_std), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

	/* a TCP segment with Ethernet padding after it, 48-byte outer */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.2", .proto = 6, .paylen = 1));
	fx_new("tc_wan/2step-tcp-48-byte-outer-padded", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.dstopt = dstopt_std, .trailing = 7), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 1, mac_h1, mac_lan);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_BYTES, in4.len);
	fx_run();

	/* the slow path after a 48-byte outer: to the tunnel device, TTL kept */
	mk_inner(&in4, FLOW(.src = "10.2.3.4", .dst = "192.168.1.1"));
	fx_new("tc_wan/2step-slow-48-byte-outer-to-tunnel-device", FX_TC, prog_tc_wan, if_wan);
	mk_wan(&F.in, OUTER(.dstopt = dstopt_std), in4.b, in4.len);
	F.verdict = TC_ACT_REDIRECT;
	exp_decap(&F.out, &in4, 0, 0, mac_tun, mac_r2);
	F.inner_off = 14;
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_PACKETS, 1);
	expect_ctr(if_wan, P_A, TUN46_C_SLOW_DECAP_BYTES, in4.len);
	expect_ctr(if_wan, P_A, TUN46_C_DECAP_PASS_LOCAL, 1);
	fx_run();
}

/* Run the fixtures in a child whose output comes through here: result names
 * get the prefix "2step/" so they never mix with test_datapath's. */
static int run_prefixed(int (*fn)(void))
{
	char line[4096];
	int pfd[2], status;
	FILE *in;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[1]);
		exit(fn());
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	while (in && fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "PASS ", 5) || !strncmp(line, "FAIL ", 5) || !strncmp(line, "SKIP ", 5))
			printf("%.5s2step/%s", line, line + 5);
		else
			fputs(line, stdout);
	}
	if (in)
		fclose(in);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

static int fixtures(void)
{
	if (fx_setup("decap2step"))
		return 1;
	if (force_2step()) {
		printf("FAIL decap2step/setup: cannot set tun46_config.flags\n");
		return 1;
	}
	test_2step_edges();
	test_encap();
	test_decap();
	test_tc();
	return fx_finish("decap2step");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run_prefixed(fixtures);
}
