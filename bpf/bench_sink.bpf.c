// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_sink: receiver-side counter for the benchmark (bench/sink.c).
 * Counts every frame and its bytes per CPU, then drops it (forwarding-rate
 * runs: "counted at the receiver without the stack's cost") or passes it
 * (TCP runs: keeps a veth able to receive XDP-redirected frames with GRO off).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sink_counts {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_counts);
} sink_stats SEC(".maps");

const volatile __u32 verdict = XDP_DROP;

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct sink_counts *c = bpf_map_lookup_elem(&sink_stats, &key);

	if (c) {
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return verdict;
}

/* The "empty" reference program for bench/progcost. */
SEC("xdp")
int xdp_empty(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
