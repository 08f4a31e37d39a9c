/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A per-CPU place for the parameters of bpf_fib_lookup(), instead of 64
 * bytes of stack per lookup: tc_wan, with the route cache inlined, would
 * otherwise pass the 512-byte stack limit (its frame and csum_skb's
 * together).  The lookups that use it run on a cache miss only, and each
 * fills it from zero and reads its answer back before anything else on this
 * CPU can run a tun46 program (softirq context, migration disabled).
 */
#ifndef TUN46_BPF_FIBSCRATCH_H
#define TUN46_BPF_FIBSCRATCH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_fib_lookup);
} tun46_fib_scratch SEC(".maps");

/* The zeroed parameters, or NULL (cannot be: an array's key 0). */
static __always_inline struct bpf_fib_lookup *fib_scratch(void)
{
	__u32 zero = 0;
	struct bpf_fib_lookup *fib = bpf_map_lookup_elem(&tun46_fib_scratch, &zero);

	if (fib)
		__builtin_memset(fib, 0, sizeof(*fib));
	return fib;
}

#endif /* TUN46_BPF_FIBSCRATCH_H */
