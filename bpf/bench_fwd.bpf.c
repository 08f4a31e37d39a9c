// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_fwd: plain IPv4 XDP forwarding with no encapsulation, the ceiling
 * for any XDP design on the benchmark machine (path 3 of scripts/bench.sh).
 *
 * bpf_fib_lookup on the destination, TTL decrement with an incremental
 * checksum update, MAC rewrite, redirect through a DEVMAP_HASH of the ports
 * it was attached to.  Everything it cannot finish (no neighbour entry yet,
 * TTL expiring, IP options, MTU, local delivery, egress not in the port map)
 * is handed to the kernel unchanged with XDP_PASS.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} fwd_ports SEC(".maps");

/* RFC 1624: HC' = ~(~HC + ~m + m'); TTL is the high byte of a 16-bit word,
 * so decrementing it adds 0x0100 to the (one's complement) checksum. */
static __always_inline void ttl_decrement(struct iphdr *ip)
{
	__u32 sum = ip->check;

	sum += bpf_htons(0x0100);
	ip->check = (__u16)(sum + (sum >> 16));
	ip->ttl--;
}

SEC("xdp")
int xdp_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup fib = {};
	struct iphdr *ip;
	__u32 port;
	long rc;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->ttl <= 1)
		return XDP_PASS;

	fib.family = AF_INET;
	fib.tos = ip->tos;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = bpf_ntohs(ip->tot_len);
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	fib.ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS; /* NO_NEIGH, FRAG_NEEDED, local, blackhole...: the kernel knows */

	port = fib.ifindex;
	if (!bpf_map_lookup_elem(&fwd_ports, &port))
		return XDP_PASS;

	ttl_decrement(ip);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect_map(&fwd_ports, port, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
