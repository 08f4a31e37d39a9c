// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_gen: packet generator program for BPF_PROG_RUN in live-frames mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES), driven by bench/gen.c.
 *
 * In live-frames mode the kernel runs this program on a page-pool frame that
 * holds the template packet; XDP_TX is turned into a redirect out of the
 * device named by ctx ingress_ifindex (h1's veth), so each XDP_TX verdict is
 * one frame on the wire.  The kernel re-copies the template into a recycled
 * page only when the data pointer moved, but a frame the receiver turned into
 * an skb and forwarded comes back with the router's rewrites (MACs, TTL): so
 * the program writes the Ethernet/IPv4/UDP headers from `hdr` on every run,
 * with the UDP source port varied over `nflows` flows.
 *
 * Optional pacing (interval_ps): a frame is sent only when its time slot has
 * come; other runs end in XDP_DROP (cheap: the page goes straight back).
 * Single-threaded by design: gen.c pins itself to one CPU.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 nflows = 1; /* UDP source ports base_port .. base_port+nflows-1 */
const volatile __u16 base_port = 1024;
const volatile __u64 interval_ps = 0; /* pacing: picoseconds between frames, 0 = as fast as possible */
#define GEN_BURST   16
#define GEN_HDR_LEN 42 /* Ethernet + IPv4 + UDP */
__u8 hdr[GEN_HDR_LEN]; /* filled by gen.c with the template headers (bss: never constant-folded) */

__u64 tx_frames;   /* XDP_TX verdicts: frames offered */
__u64 skip_frames; /* runs dropped by the rate limit */
__u64 next_ps;	   /* pacing: earliest time of the next frame */
__u64 seq;

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;

	if (interval_ps) {
		/* paced: one frame per interval, at most GEN_BURST back to back
		 * after a pause (e.g. between two BPF_PROG_RUN calls) */
		__u64 now = bpf_ktime_get_ns() * 1000;

		if (now < next_ps) {
			skip_frames++;
			return XDP_DROP;
		}
		if (next_ps + GEN_BURST * interval_ps < now)
			next_ps = now - GEN_BURST * interval_ps;
		next_ps += interval_ps;
	}
	__builtin_memcpy(data, hdr, GEN_HDR_LEN);
	if (nflows > 1)
		udp->source = bpf_htons(base_port + (__u16)(seq++ % nflows));
	tx_frames++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
