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
 * With burst > 1 the frames go out in bursts of `burst` back to back, one
 * burst every `burst` intervals (the same mean rate): what a receiving NIC
 * with interrupt moderation hands its driver in one interrupt.
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
const volatile __u32 burst = 1;	      /* pacing: frames sent back to back per time slot of burst intervals */
#define GEN_BURST   16
#define GEN_HDR_LEN 42 /* Ethernet + IPv4 + UDP */
__u8 hdr[GEN_HDR_LEN]; /* filled by gen.c with the template headers (bss: never constant-folded) */

__u64 tx_frames;   /* XDP_TX verdicts: frames offered */
__u64 skip_frames; /* runs dropped by the rate limit */
__u64 next_ps;	   /* pacing: earliest time of the next frame */
__u64 seq;
__u32 burst_left; /* pacing: frames of the current burst still to send */

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

	if (interval_ps && !burst_left) {
		/* paced: one burst per slot of burst intervals; after a pause
		 * (e.g. between two BPF_PROG_RUN calls) at most max(GEN_BURST,
		 * burst) frames' worth of slots are caught up */
		__u64 now = bpf_ktime_get_ns() * 1000;
		__u64 slot = burst * interval_ps;
		__u64 catchup = (burst > GEN_BURST ? burst : GEN_BURST) * interval_ps;

		if (now < next_ps) {
			skip_frames++;
			return XDP_DROP;
		}
		if (next_ps + catchup < now)
			next_ps = now - catchup;
		next_ps += slot;
		burst_left = burst;
	}
	if (interval_ps)
		burst_left--;
	__builtin_memcpy(data, hdr, GEN_HDR_LEN);
	if (nflows > 1)
		udp->source = bpf_htons(base_port + (__u16)(seq++ % nflows));
	tx_frames++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
