// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_cost: wrapper for measuring one XDP program's cost with
 * BPF_PROG_RUN live frames (bench/progcost.c).
 *
 * Live-frames mode recycles pages and, when a program moved the data
 * pointer, resets the pointers only, not the bytes: an encapsulation leaves
 * its outer header over the template's Ethernet header, a decapsulation its
 * new Ethernet header over the outer IPv6 destination, and a TTL decrement
 * accumulates.  So this wrapper first restores the frame's first bytes from
 * `tmpl`, then tail-calls the program under test (slot 0 of cost_target).
 * The "empty" baseline is this wrapper tail-calling an empty program, so the
 * restore and tail call cancel out of the difference.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COST_TMPL_LEN 96 /* Ethernet + IPv6 + IPv4 + UDP fit */

__u8 tmpl[COST_TMPL_LEN]; /* the frame's first bytes, set by progcost (bss: never constant-folded) */

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cost_target SEC(".maps");

SEC("xdp")
int xdp_cost(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + COST_TMPL_LEN <= end)
		__builtin_memcpy(data, tmpl, COST_TMPL_LEN);
	else if (data + 64 <= end)
		__builtin_memcpy(data, tmpl, 64);
	bpf_tail_call(ctx, &cost_target, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
