/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Incremental Internet checksum update (RFC 1624: HC' = ~(~HC + ~m + m')). */
#ifndef TUN46_BPF_CSUM_H
#define TUN46_BPF_CSUM_H

#include <linux/types.h>

static __always_inline __u16 csum_fold32(__u32 c)
{
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	return (__u16)c;
}

/* Replace the 16-bit word 'from' by 'to' in the data covered by *sum.
 * Byte order does not matter as long as all three use the same one. */
static __always_inline void csum_replace16(__u16 *sum, __u16 from, __u16 to)
{
	__u32 c = (__u16) ~*sum;

	c += (__u16)~from;
	c += to;
	*sum = (__u16)~csum_fold32(c);
}

#endif /* TUN46_BPF_CSUM_H */
