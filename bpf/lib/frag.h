/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Outer fragment reassembly in tc_wan (RFC 2473 section 7.2: an encapsulator
 * may fragment the outer IPv6 packet; ip6tnl decapsulates after reassembly).
 *
 * xdp_wan passes fragments to the kernel stack, so tc_wan sees them.  Those
 * whose source is a configured peer, whose destination is that peer's local
 * address and whose fragmentable part starts with IPv4, GRE or destination
 * options are ours; every other fragment is left to the kernel.  Ours are collected
 * in the slots of the ARRAY map tun46_frag (struct tun46_frag_slot in
 * include/tun46/tun46.h) and dropped from the stack (counted decap_frag_held);
 * the piece that completes a datagram becomes the whole IPv6 packet (fragment
 * header gone, next header restored) and goes through the normal
 * decapsulation checks (decap_frag_reassembled).  Overlapping pieces discard
 * the datagram (RFC 5722), an exact duplicate is dropped alone (as Linux);
 * every piece dropped, at once or later, counts in decap_drop_frag.
 *
 * Concurrency: pieces of one datagram may arrive on several CPUs.  The slot's
 * spin lock guards its bookkeeping; the bytes are copied outside the lock
 * into disjoint places (overlaps were refused under the lock), and the piece
 * whose bytes complete the datagram (have == total, counted under the lock
 * after its copy) rebuilds the packet, so it sees every other piece's bytes.
 * Array slots are never freed: a slot is reclaimed (expired, or discarded
 * and wanted by another datagram) only while no piece is being copied into
 * it ('writers'), so no copy can land in another datagram.
 *
 * Destination options in front of the fragment header (Linux puts the RFC
 * 2473 option there) belong to the unfragmentable part and are restored from
 * the first piece; behind it (RFC 8200's place) they are part of the data.
 */
#ifndef TUN46_BPF_FRAG_H
#define TUN46_BPF_FRAG_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <tun46/tun46.h>
#include "hdr.h"
#include "maps.h"
#include "stats.h"

#define TUN46_NEXTHDR_FRAGMENT 44
#define FRAG6_OFFSET_MASK      0xfff8
#define FRAG6_MF	       0x0001
#define FRAG_COPY_STEPS	       ((TUN46_FRAG_MAX_PAYLOAD + TUN46_FRAG_CHUNK - 1) / TUN46_FRAG_CHUNK)

/* Not a TC verdict: tc_wan goes on decapsulating what the skb holds now. */
#define FRAG_GO (-2)

struct frag6hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset (8-byte units) << 3 | M */
	__be32 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TUN46_FRAG_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_frag_slot);
} tun46_frag SEC(".maps");

/* One arriving piece */
struct frag_piece {
	union tun46_addr6 src;
	union tun46_addr6 dst;
	__u32 id;
	__u32 peer_id;
	__u32 off;     /* offset in the fragmentable part */
	__u32 len;     /* bytes after the fragment header */
	__u32 pkt_off; /* where those bytes start in the skb */
	__u32 hdr_len; /* IPv6 header + options before the fragment header */
	__u8 nh;       /* fragment header's next header */
	__u8 mf;
	__u8 ecn;
};

enum frag_rc {
	FR_STORE, /* registered: copy the bytes in */
	FR_HELD,  /* stored, more pieces to come */
	FR_DONE,  /* this piece completed the datagram */
	FR_DROP,
};

/* Pieces to count as dropped: of this datagram, and of an expired one whose slot was taken. */
struct frag_acct {
	__u32 drops;
	__u32 old_peer;
	__u32 old_drops;
};

/* Add n to one counter (stats_count's byte counter adds any amount). */
static __always_inline void frag_count(__u32 ifindex, __u32 peer_id, int counter, __u32 n)
{
	if (n)
		stats_count(ifindex, peer_id, -1, counter, n);
}

static __always_inline bool frag_is_mine(const struct tun46_frag_slot *s, const struct frag_piece *f)
{
	return s->state != TUN46_FRAG_FREE && s->id == f->id && addr6_eq(&s->src, &f->src) &&
	       addr6_eq(&s->dst, &f->dst);
}

/*
 * Under the slot lock: find or claim the datagram, refuse what cannot belong
 * to it (overlap, a second end, too many pieces) and register the piece.
 * FR_STORE with *gen = the slot's generation, or FR_DROP with a->drops.
 */
static __always_inline enum frag_rc frag_enter(struct tun46_frag_slot *s, const struct frag_piece *f, __u64 now,
					       __u32 *gen, struct frag_acct *a)
{
	struct tun46_frag_range *w;
	__u32 end = f->off + f->len, i, n;
	bool mine;

	bpf_spin_lock(&s->lock);
	mine = frag_is_mine(s, f);
	if (s->state != TUN46_FRAG_FREE && s->writers == 0 &&
	    (now > s->expires || (s->state == TUN46_FRAG_DEAD && !mine))) {
		/* expired (its held pieces are lost), or discarded and in the way */
		a->old_peer = s->peer_id;
		a->old_drops = s->held;
		s->state = TUN46_FRAG_FREE;
		mine = false;
	}
	if (s->state == TUN46_FRAG_FREE) {
		s->state = TUN46_FRAG_BUSY;
		s->gen++;
		s->peer_id = f->peer_id;
		s->id = f->id;
		s->src = f->src;
		s->dst = f->dst;
		s->expires = now + TUN46_FRAG_TIMEOUT_NS;
		s->total = 0;
		s->have = 0;
		s->held = 0;
		s->nfrags = 0;
		s->hdr_len = 0;
		s->nh = f->nh;
		s->ecn = 0;
		mine = true;
	}
	if (!mine || s->state != TUN46_FRAG_BUSY)
		goto drop_one; /* slot taken by another datagram, or this one was discarded */
	if (f->nh != s->nh || (s->total && (end > s->total || (!f->mf && end != s->total))))
		goto kill;
	n = s->nfrags;
	for (i = 0; i < TUN46_FRAG_MAX_FRAGS; i++) {
		const struct tun46_frag_range *r = &s->r[i];

		if (i >= n)
			break;
		if (r->start == f->off && r->end == end)
			goto drop_one; /* an exact duplicate: only it goes */
		if (f->off < r->end && r->start < end)
			goto kill; /* overlap (RFC 5722) */
		if (!f->mf && r->end > end)
			goto kill; /* data beyond the end */
	}
	if (n >= TUN46_FRAG_MAX_FRAGS)
		goto kill;
	s->nfrags = n + 1;
	/* The mask after the barrier stays in the code: older verifiers (6.1)
	 * do not carry the bound through a stack spill of n. */
	asm volatile("" : "+r"(n));
	n &= TUN46_FRAG_MAX_FRAGS - 1;
	w = &s->r[n];
	w->start = f->off;
	w->end = end;
	if (!f->mf)
		s->total = end;
	s->writers++;
	*gen = s->gen;
	bpf_spin_unlock(&s->lock);
	return FR_STORE;
kill:
	s->state = TUN46_FRAG_DEAD;
	a->drops = s->held + 1;
	s->held = 0;
	bpf_spin_unlock(&s->lock);
	return FR_DROP;
drop_one:
	a->drops = 1;
	bpf_spin_unlock(&s->lock);
	return FR_DROP;
}

/* Under the slot lock, after the copy: account the bytes; FR_HELD, FR_DONE or FR_DROP. */
static __always_inline enum frag_rc frag_leave(struct tun46_frag_slot *s, const struct frag_piece *f, __u32 gen,
					       bool copied, struct frag_acct *a)
{
	enum frag_rc rc;

	bpf_spin_lock(&s->lock);
	if (s->writers)
		s->writers--;
	if (s->gen != gen || s->state != TUN46_FRAG_BUSY) {
		a->drops = 1; /* discarded while we copied */
		rc = FR_DROP;
	} else if (!copied) {
		s->state = TUN46_FRAG_DEAD;
		a->drops = s->held + 1;
		s->held = 0;
		rc = FR_DROP;
	} else {
		s->have += f->len;
		s->ecn |= 1 << (f->ecn & ECN_MASK);
		if (f->off == 0)
			s->hdr_len = f->hdr_len;
		if (s->have == s->total) {
			s->state = TUN46_FRAG_DONE; /* no piece can enter any more: the bytes stay put */
			rc = FR_DONE;
		} else {
			s->held++;
			rc = FR_HELD;
		}
	}
	bpf_spin_unlock(&s->lock);
	return rc;
}

/* Free the slot after FR_DONE; returns the pieces it held. */
static __always_inline __u32 frag_release(struct tun46_frag_slot *s)
{
	__u32 held;

	bpf_spin_lock(&s->lock);
	held = s->held;
	s->state = TUN46_FRAG_FREE;
	bpf_spin_unlock(&s->lock);
	return held;
}

/* Bytes for one helper call: 1..TUN46_FRAG_CHUNK, visibly to the verifier
 * (left is known to be >= 1). */
static __always_inline __u32 frag_chunk(__u32 left)
{
	__u32 n = left > TUN46_FRAG_CHUNK ? TUN46_FRAG_CHUNK : left;

	return ((n - 1) & (TUN46_FRAG_CHUNK - 1)) + 1;
}

/* v if v < lim, else lim: as one compare-and-set on one register, which the
 * verifier follows (the compiler may otherwise test a copy). */
static __always_inline __u32 frag_below(__u32 v, const __u32 lim)
{
	__u64 r = v;

	asm volatile("if %[r] < %[lim] goto +1\n\t"
		     "%[r] = %[lim]\n\t"
		     : [r] "+r"(r)
		     : [lim] "i"(lim));
	return r;
}

/* Length of the options before the fragment header, 1..TUN46_FRAG_UNFRAG_MAX
 * visibly to the verifier (n is known to be in that range). */
static __always_inline __u32 frag_opt_len(__u32 n)
{
	return ((n - 1) & (TUN46_FRAG_UNFRAG_MAX - 1)) + 1;
}

/* Copy the piece (and, for the first one, the headers before the fragment
 * header) into the slot.  Returns 0 or -1. */
static __always_inline int frag_copy_in(struct __sk_buff *skb, struct tun46_frag_slot *s, const struct frag_piece *f)
{
	__u32 at, n, pos;
	int i;

	if (f->off == 0) {
		if (bpf_skb_load_bytes(skb, sizeof(struct ethhdr), s->hdr, TUN46_IPV6_HLEN))
			return -1;
		n = f->hdr_len - TUN46_IPV6_HLEN; /* options: 8..TUN46_FRAG_UNFRAG_MAX bytes, or none */
		if (n && bpf_skb_load_bytes(skb, sizeof(struct ethhdr) + TUN46_IPV6_HLEN, s->hdr + TUN46_IPV6_HLEN,
					    frag_opt_len(n)))
			return -1;
	}
	/* The chunk's place follows from i alone, so that the verifier's
	 * states after the loop do not differ (f->len <= the loop's reach). */
	for (i = 0; i < FRAG_COPY_STEPS; i++) {
		at = i * TUN46_FRAG_CHUNK;
		if (at >= f->len)
			break;
		pos = frag_below(f->off + at, TUN46_FRAG_MAX_PAYLOAD);
		if (pos >= TUN46_FRAG_MAX_PAYLOAD)
			return -1;
		if (bpf_skb_load_bytes(skb, f->pkt_off + at, s->data + pos, frag_chunk(f->len - at)))
			return -1;
	}
	return 0;
}

/*
 * Turn the skb of the completing piece into the whole packet: Ethernet
 * header kept, then the first piece's IPv6 header and options (payload
 * length and next header restored, CE if a piece had it), then the data.
 * The slot is DONE: nobody writes it.  Returns 0 or -1.
 */
static __always_inline int frag_rebuild(struct __sk_buff *skb, struct tun46_frag_slot *s)
{
	__u32 hdr_len = s->hdr_len, total = s->total, at, plen, n;
	__u8 ecn = s->ecn;
	int i;

	/* ECN as the kernel's reassembly (ip_frag_ecn_table): Not-ECT mixed with ECT/CE is invalid */
	if ((ecn & (1 << ECN_NOT_ECT)) && (ecn & ~(1 << ECN_NOT_ECT)))
		return -1;
	if (hdr_len < TUN46_IPV6_HLEN || hdr_len > sizeof(s->hdr) || !total || total > TUN46_FRAG_MAX_PAYLOAD)
		return -1;
	plen = hdr_len - TUN46_IPV6_HLEN + total;
	s->hdr[4] = plen >> 8;
	s->hdr[5] = plen & 0xff;
	if (hdr_len == TUN46_IPV6_HLEN)
		s->hdr[6] = s->nh; /* IPv6 next header */
	else
		s->hdr[TUN46_IPV6_HLEN] = s->nh; /* the destination options' next header */
	if (ecn & (1 << ECN_CE))
		s->hdr[1] |= ECN_CE << 4;
	if (bpf_skb_change_tail(skb, sizeof(struct ethhdr) + hdr_len + total, 0))
		return -1;
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), s->hdr, TUN46_IPV6_HLEN, BPF_F_RECOMPUTE_CSUM))
		return -1;
	n = hdr_len - TUN46_IPV6_HLEN;
	if (n && bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + TUN46_IPV6_HLEN, s->hdr + TUN46_IPV6_HLEN,
				     frag_opt_len(n), BPF_F_RECOMPUTE_CSUM))
		return -1;
	for (i = 0; i < FRAG_COPY_STEPS; i++) {
		at = i * TUN46_FRAG_CHUNK;
		if (at >= total)
			break;
		if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + hdr_len + at, s->data + at, frag_chunk(total - at),
					BPF_F_RECOMPUTE_CSUM))
			return -1;
	}
	return 0;
}

/* Make the first 'want' bytes linear if the packet has them. */
static __always_inline void frag_pull(struct __sk_buff *skb, __u32 want)
{
	if ((long)skb->data + want > (long)skb->data_end && skb->len > skb->data_end - skb->data)
		bpf_skb_pull_data(skb, skb->len < want ? skb->len : want);
}

/*
 * The tc_wan hook, before decap_plan: makes long destination options linear
 * and takes in outer fragments.  Returns FRAG_GO (decapsulate what the skb
 * holds: the packet as it came, or a reassembled one), TC_ACT_OK (not ours,
 * the kernel's) or TC_ACT_SHOT (held or dropped, counted).
 */
static __always_inline int frag_tc_wan(struct __sk_buff *skb)
{
	struct frag_acct a = {};
	struct frag_piece f = {};
	struct tun46_frag_slot *s;
	struct tun46_decap *peer;
	void *data, *data_end;
	struct ipv6hdr *ip6;
	struct frag6hdr *fh;
	__u32 ulen = 0, plen, fo, idx, gen = 0;
	enum frag_rc rc;
	__u8 *opt;

	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip6 = data + sizeof(struct ethhdr);
	if ((void *)(ip6 + 1) > data_end)
		return FRAG_GO;
	if (ip6->nexthdr == TUN46_NEXTHDR_DSTOPTS) {
		opt = (void *)(ip6 + 1);
		if ((void *)(opt + 2) > data_end)
			return FRAG_GO;
		/* the options and the header after them, for decap_plan or below */
		ulen = ((__u32)opt[1] + 1) * 8;
		frag_pull(skb, sizeof(struct ethhdr) + TUN46_IPV6_HLEN + ulen + sizeof(struct frag6hdr) +
				   sizeof(struct iphdr));
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		ip6 = data + sizeof(struct ethhdr);
		opt = (void *)(ip6 + 1);
		if ((void *)(opt + 2) > data_end || opt[0] != TUN46_NEXTHDR_FRAGMENT)
			return FRAG_GO;
	} else if (ip6->nexthdr != TUN46_NEXTHDR_FRAGMENT) {
		return FRAG_GO;
	}

	/* A fragment.  Ours only from a configured peer to its local address. */
	__builtin_memcpy(&f.src, &ip6->saddr, sizeof(f.src));
	__builtin_memcpy(&f.dst, &ip6->daddr, sizeof(f.dst));
	peer = bpf_map_lookup_elem(&tun46_decap, &f.src);
	if (!peer || !(peer->flags & TUN46_PEER_F_ACTIVE) || !addr6_eq(&f.dst, &peer->local))
		return TC_ACT_OK;
	f.peer_id = peer->peer_id;
	fh = (void *)(ip6 + 1) + (ulen & OUTER6_LEN_MASK);
	if ((void *)(fh + 1) > data_end)
		goto drop;
	if (fh->nexthdr != TUN46_NEXTHDR_IPIP && fh->nexthdr != TUN46_NEXTHDR_DSTOPTS &&
	    fh->nexthdr != TUN46_NEXTHDR_GRE)
		return TC_ACT_OK; /* not a tunnel packet: the kernel reassembles it */

	plen = bpf_ntohs(ip6->payload_len);
	if (ulen > TUN46_FRAG_UNFRAG_MAX || plen < ulen + sizeof(*fh) ||
	    sizeof(struct ethhdr) + TUN46_IPV6_HLEN + plen > skb->len)
		goto drop;
	fo = bpf_ntohs(fh->frag_off);
	f.off = fo & FRAG6_OFFSET_MASK;
	f.mf = fo & FRAG6_MF;
	f.len = plen - ulen - sizeof(*fh);
	f.id = fh->id;
	f.nh = fh->nexthdr;
	f.hdr_len = TUN46_IPV6_HLEN + ulen;
	f.pkt_off = sizeof(struct ethhdr) + TUN46_IPV6_HLEN + ulen + sizeof(*fh);
	f.ecn = ipv6_tclass(ip6) & ECN_MASK;
	/* RFC 8200 4.5: every piece but the last is a multiple of 8 bytes */
	if (!f.len || (f.mf && (f.len & 7)) || f.off + f.len > TUN46_FRAG_MAX_PAYLOAD)
		goto drop;

	idx = tun46_frag_slot_of(f.src.w, f.dst.w, f.id);
	s = bpf_map_lookup_elem(&tun46_frag, &idx);
	if (!s)
		goto drop;
	rc = frag_enter(s, &f, bpf_ktime_get_ns(), &gen, &a);
	frag_count(skb->ifindex, a.old_peer, TUN46_C_DECAP_DROP_FRAG, a.old_drops);
	if (rc == FR_STORE)
		rc = frag_leave(s, &f, gen, frag_copy_in(skb, s, &f) == 0, &a);
	if (rc == FR_HELD) {
		stats_inc(skb->ifindex, f.peer_id, TUN46_C_DECAP_FRAG_HELD);
		return TC_ACT_SHOT;
	}
	if (rc == FR_DONE) {
		if (frag_rebuild(skb, s) == 0) {
			frag_release(s);
			stats_inc(skb->ifindex, f.peer_id, TUN46_C_DECAP_FRAG_REASSEMBLED);
			return FRAG_GO;
		}
		a.drops = frag_release(s) + 1;
	}
	frag_count(skb->ifindex, f.peer_id, TUN46_C_DECAP_DROP_FRAG, a.drops);
	return TC_ACT_SHOT;
drop:
	stats_inc(skb->ifindex, f.peer_id, TUN46_C_DECAP_DROP_FRAG);
	return TC_ACT_SHOT;
}

#endif /* TUN46_BPF_FRAG_H */
