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
 *
 * tc_pop: what removing a header in TC costs, by length (the two-step
 * decapsulation of bpf/lib/tcdecap.h pops 20 and 20 bytes, the one-step one
 * 40; each pop moves the Ethernet header with the kernel's memmove).  One
 * run removes pop_len bytes behind the Ethernet header and puts them back,
 * so BPF_PROG_RUN can repeat it on the same skb:
 *   pop_len 0  nothing (the test run's own cost)
 *   pop_len 1  bpf_skb_change_proto IPv6 -> IPv4 -> IPv6 (pop 20, push 20)
 *   pop_len N  bpf_skb_adjust_room(-N, MAC) then (+N, MAC)
 * A failed helper counts in pop_fail (the figure is then not the cost).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

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

__u32 pop_len;	/* set by progcost before each measurement */
__u64 pop_fail; /* helper calls that failed */

SEC("tc")
int tc_pop(struct __sk_buff *skb)
{
	int len = (int)pop_len;

	if (!len)
		return 0;
	if (len == 1) {
		if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0) ||
		    bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0))
			pop_fail++;
		return 0;
	}
	if (bpf_skb_adjust_room(skb, -len, BPF_ADJ_ROOM_MAC, 0) || bpf_skb_adjust_room(skb, len, BPF_ADJ_ROOM_MAC, 0))
		pop_fail++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
