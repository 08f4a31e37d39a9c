/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The GRE checksum (RFC 2784: the one's complement sum of the GRE header and
 * payload, checksum field included, is all ones), verified in tc_wan as
 * gre_parse_header does.  Uses csum_skb (icmp.h) in steps of 1536 bytes, up
 * to TUN46_FRAG_MAX_PAYLOAD bytes: a longer GRE packet with a checksum is
 * not verified and so not accepted.
 */
#ifndef TUN46_BPF_GRECSUM_H
#define TUN46_BPF_GRECSUM_H

#include "icmp.h"
#include "decap.h"

#define GRECSUM_STEP  (CSUM_MAX_CHUNKS * CSUM_CHUNK) /* 1536: even, so the sum stays aligned */
#define GRECSUM_STEPS ((TUN46_FRAG_MAX_PAYLOAD + GRECSUM_STEP - 1) / GRECSUM_STEP)

/* 'ip6' is the packet's IPv6 header (at Ethernet + 0), dp the plan decap_plan made. */
static __always_inline bool gre_csum_ok(struct __sk_buff *skb, const struct ipv6hdr *ip6, const struct decap_plan *dp)
{
	__u32 off = sizeof(struct ethhdr) + dp->gre_off;
	__u32 len = bpf_ntohs(ip6->payload_len) + TUN46_IPV6_HLEN - dp->gre_off;
	__s64 s = 0;
	int i;

	if (len > GRECSUM_STEPS * GRECSUM_STEP)
		return false;
	for (i = 0; i < GRECSUM_STEPS; i++) {
		__u32 n = len > GRECSUM_STEP ? GRECSUM_STEP : len;

		if (n == 0)
			break;
		s = csum_skb(skb, off, n, (__u32)s);
		if (s < 0)
			return false;
		off += n;
		len -= n;
	}
	return csum_fold32((__u32)s) == 0xffff;
}

#endif /* TUN46_BPF_GRECSUM_H */
