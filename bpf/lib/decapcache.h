/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The decap index (tun46_decap, a hash keyed by the peer's 16-byte
 * address) with a per-CPU direct-mapped copy in front, so that a tunnel
 * packet from a known peer costs an inlined array lookup and a 16-byte
 * compare instead of a hash lookup (a helper call, jhash of the address and
 * a memcmp).  An entry is a copy of the map's value under tun46_config.gen,
 * which user space moves after every write to the decap index: a changed or
 * removed peer is seen by the very next packet.  Only addresses found in the
 * map are copied (packets from elsewhere keep asking the map).
 */
#ifndef TUN46_BPF_DECAPCACHE_H
#define TUN46_BPF_DECAPCACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tun46/tun46.h>
#include <tun46/flowhash.h>
#include "hdr.h"
#include "maps.h"

#define DECAP_CACHE_SLOTS 256 /* a power of two */

struct decap_cached {
	union tun46_addr6 src; /* the key */
	struct tun46_decap d;  /* the map's value for it */
	__u32 gen;	       /* tun46_config.gen when copied */
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DECAP_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct decap_cached);
} tun46_decap_cache SEC(".maps");

/* The decap index entry for 'src' (a copy of it on a hit), or NULL; with
 * 'cache' false, the map alone. */
static __always_inline const struct tun46_decap *decap_index(const union tun46_addr6 *src, bool cache, __u32 gen)
{
	__u32 slot = tun46_mix32(src->w[0] ^ src->w[1] ^ src->w[2] ^ src->w[3]) & (DECAP_CACHE_SLOTS - 1);
	const struct tun46_decap *d;
	struct decap_cached *c;

	if (!cache)
		return bpf_map_lookup_elem(&tun46_decap, src);
	c = bpf_map_lookup_elem(&tun46_decap_cache, &slot);
	if (c && c->valid && c->gen == gen && addr6_eq(&c->src, src))
		return &c->d;
	d = bpf_map_lookup_elem(&tun46_decap, src);
	if (d && c) {
		__builtin_memcpy(&c->src, src, sizeof(c->src));
		__builtin_memcpy(&c->d, d, sizeof(c->d));
		c->gen = gen;
		c->valid = 1;
	}
	return d;
}

#endif /* TUN46_BPF_DECAPCACHE_H */
