// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes (lib/probe.c loads each program alone and runs it once with
 * BPF_PROG_TEST_RUN): what the verifier cannot tell, because helper flags are
 * checked only when the helper runs.  Each returns 0 when the feature works,
 * else a small code (1..) or 100 + errno of the failed call.
 *
 * Input of the decapsulation probes: Ethernet + IPv6 (next header 4,
 * PROBE_OUTER bytes) + an IPv4 packet of PROBE_INNER bytes.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/hdr.h"
#include "lib/tcdecap.h"

#define PROBE_OUTER 40
#define PROBE_INNER 28 /* IPv4 header + 8 bytes */

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef BPF_FIB_LOOKUP_SRC
#define BPF_FIB_LOOKUP_SRC (1U << 4) /* Linux 6.8+ */
#endif

char LICENSE[] SEC("license") = "GPL";

/* After decapsulation: IPv4 protocol and Ethernet + the inner packet only. */
static __always_inline int decap_result(struct __sk_buff *skb, int rc)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);

	if (rc)
		return 100 + (rc < 0 ? -rc : rc);
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 1;
	if (skb->len != sizeof(struct ethhdr) + PROBE_INNER)
		return 2;
	if ((void *)(iph + 1) > data_end || iph->version != 4)
		return 3;
	return 0;
}

/* bpf_skb_adjust_room knows BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (Linux 6.3+) */
SEC("tc")
int probe_decap_l3(struct __sk_buff *skb)
{
	int rc = bpf_skb_adjust_room(skb, -PROBE_OUTER, BPF_ADJ_ROOM_MAC,
				     BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_FIXED_GSO);

	return decap_result(skb, rc);
}

/* the two-step decapsulation of tcdecap.h (any kernel since 5.x) */
SEC("tc")
int probe_decap_2step(struct __sk_buff *skb)
{
	return decap_result(skb, tc_decap_outer(skb, PROBE_OUTER, true));
}

static __always_inline int fib_probe(struct __sk_buff *skb, __u32 flags)
{
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = AF_INET;
	fib.ifindex = 1; /* loopback: every namespace has it */
	fib.ipv4_dst = bpf_htonl(0x7f000001);
	fib.tot_len = 20;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), flags);
	return rc == -TCDECAP_EINVAL ? 1 : 0; /* an unknown flag is -EINVAL; any answer is fine */
}

/* bpf_fib_lookup knows BPF_FIB_LOOKUP_OUTPUT (Linux 4.18+) */
SEC("tc")
int probe_fib_output(struct __sk_buff *skb)
{
	return fib_probe(skb, BPF_FIB_LOOKUP_OUTPUT);
}

/* bpf_fib_lookup knows BPF_FIB_LOOKUP_SRC (Linux 6.8+; the ICMP code falls back) */
SEC("tc")
int probe_fib_src(struct __sk_buff *skb)
{
	return fib_probe(skb, BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SRC);
}
