/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tun46: the only definition of everything shared between the BPF datapath
 * (bpf/) and user space (lib/, cli/, daemon/, tests/, bench/).  Include this file, never
 * redefine a struct from it.
 *
 * Wire format (RFC 2473 ip4ip6, ../shared/README.md section 2):
 *   [Ethernet][IPv6 nh=4][IPv4 ...]                     (default, 40-byte outer)
 *   [Ethernet][IPv6 nh=60][DstOpt: 04 00 04 01 LL 01 01 00][IPv4 ...]  (48-byte)
 * GRE over IPv6 (per peer, `encap gre`; what Linux ip6gre sends for IPv4):
 *   [Ethernet][IPv6 nh=47][GRE 00 00 08 00][IPv4 ...]                     (44-byte)
 *   [Ethernet][IPv6 nh=47][GRE 20 00 08 00][key, 4 bytes][IPv4 ...]       (48-byte)
 *   either after [IPv6 nh=60][DstOpt: 2f 00 04 01 LL 01 01 00]            (52/56-byte)
 */
#ifndef TUN46_TUN46_H
#define TUN46_TUN46_H

#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */
#include "counters.h"

/* ---- sizes (defaults; map sizes can be changed at load time, see below) ---- */

#define TUN46_NAME_LEN 32 /* peer name, NUL included */

/* Default map sizes.  `tun46` reads TUN46_MAX_PEERS / TUN46_MAX_ROUTES /
 * TUN46_MAX_STATS from the environment when it first loads the datapath in a
 * network namespace and calls bpf_map__set_max_entries() before loading. */
#define TUN46_DEFAULT_MAX_PEERS	 256	/* peer ids 1..255; id 0 = "no peer" */
#define TUN46_DEFAULT_MAX_ROUTES 131072 /* LPM trie, allocated per entry */
#define TUN46_DEFAULT_MAX_STATS	 1024	/* (ifindex, peer) counter slots */
#define TUN46_MAX_PORTS		 64	/* interfaces tun46 may redirect to */

/* Outer header sizes */
#define TUN46_IPV6_HLEN	 40
#define TUN46_DSTOPT_LEN 8 /* destination options header with the encap limit option */
#define TUN46_OUTER_MAX	 (TUN46_IPV6_HLEN + TUN46_DSTOPT_LEN) /* ip4ip6 */

/* GRE (RFC 2784/2890) as Linux ip6gre sends it: flags+version, protocol,
 * [checksum + reserved], [key], [sequence] (each optional word in that order). */
#define TUN46_GRE_HLEN	      4					/* flags/version + protocol */
#define TUN46_GRE_KEY_LEN     4					/* the key word */
#define TUN46_GRE_MAX	      8					/* the longest header tun46 sends: with a key */
#define TUN46_ENCAP_OUTER_MAX (TUN46_OUTER_MAX + TUN46_GRE_MAX) /* 56: any outer header tun46 sends */
#define TUN46_GRE_F_CSUM      0x8000				/* C: checksum + reserved1 word present */
#define TUN46_GRE_F_ROUTING   0x4000				/* R: RFC 1701 routing (ip6gre drops it) */
#define TUN46_GRE_F_KEY	      0x2000				/* K: key word present */
#define TUN46_GRE_F_SEQ	      0x1000				/* S: sequence number word present */
#define TUN46_GRE_VERSION     0x0007				/* version: 0 only */
#define TUN46_GRE_PROTO_IPV4  0x0800				/* the only payload tun46 carries */

/* Default inner MTU for a 1500-byte IPv6 underlay (FLET'S NGN) */
#define TUN46_UNDERLAY_MTU	     1500
#define TUN46_DEFAULT_MTU	     (TUN46_UNDERLAY_MTU - TUN46_IPV6_HLEN) /* 1460 */
#define TUN46_DEFAULT_MTU_ENCAPLIMIT (TUN46_UNDERLAY_MTU - TUN46_OUTER_MAX) /* 1452 */

#define TUN46_DEFAULT_HOPLIMIT 64 /* as ip6tnl */

/* GRE default MTUs, the kernel's figures (ip6gre: 1500 - 40 - 4 [- 8 option] [- 4 key]) */
#define TUN46_DEFAULT_MTU_GRE		 (TUN46_UNDERLAY_MTU - TUN46_IPV6_HLEN - TUN46_GRE_HLEN) /* 1456 */
#define TUN46_DEFAULT_MTU_GRE_ENCAPLIMIT (TUN46_DEFAULT_MTU_GRE - TUN46_DSTOPT_LEN)		 /* 1448 */

/* Protocol numbers used on the wire */
#define TUN46_NEXTHDR_IPIP	     4	/* IPPROTO_IPIP: inner IPv4 */
#define TUN46_NEXTHDR_DSTOPTS	     60 /* IPPROTO_DSTOPTS */
#define TUN46_NEXTHDR_GRE	     47 /* IPPROTO_GRE */
#define TUN46_OPT_TUNNEL_ENCAP_LIMIT 4	/* RFC 2473 option type */
#define TUN46_OPT_PAD1		     0
#define TUN46_OPT_PADN		     1

/* The slow-path tunnel device tun46 creates in each namespace: a veth pair.
 * The kernel routes remote prefixes into "tun46" (NOARP, MTU 1460), where
 * tcpdump sees the inner traffic both ways, as on an ip6tnl device; tc_tun on
 * the ingress of its other end "tun46p" encapsulates.  Decapsulated packets
 * the fast path hands to the kernel are injected into the ingress of tun46. */
#define TUN46_TUNDEV_NAME  "tun46"
#define TUN46_TUNPEER_NAME "tun46p"

/* ---- IPv6 address as stored in maps (network byte order) ---- */
union tun46_addr6 {
	__u8 b[16];
	__u32 w[4]; /* network order words, as struct bpf_fib_lookup wants */
};

/* ---- peers: HASH map "tun46_peers" (no prealloc: updates replace the
 * element atomically), key = __u32 peer id (1..max-1) ---- */

/* struct tun46_peer.flags */
#define TUN46_PEER_F_ACTIVE	      (1u << 0) /* entry in use; datapath ignores others */
#define TUN46_PEER_F_HOPLIMIT_INHERIT (1u << 1) /* outer hop limit = inner TTL */
#define TUN46_PEER_F_TCLASS_INHERIT   (1u << 2) /* outer traffic class = inner TOS */
#define TUN46_PEER_F_FLOWLABEL_FIXED  (1u << 3) /* use .flowlabel, else hash of the inner flow */
#define TUN46_PEER_F_ENCAPLIMIT	      (1u << 4) /* send the RFC 2473 encap limit option */
#define TUN46_PEER_F_LOCAL_AUTO	      (1u << 5) /* .local was resolved from the WAN ("local auto") */
#define TUN46_PEER_F_GRE	      (1u << 6) /* encap gre: GRE over IPv6 (ip6gre), else ip4ip6 */
#define TUN46_PEER_F_GRE_KEY	      (1u << 7) /* with GRE: send and require the key .key */

struct tun46_peer {
	union tun46_addr6 local;  /* our WAN address: outer source on encap, required outer dst on decap */
	union tun46_addr6 remote; /* the peer's address: outer dst on encap, required outer src on decap */
	__u32 flags;		  /* TUN46_PEER_F_* */
	__u32 flowlabel;	  /* 20-bit fixed label when TUN46_PEER_F_FLOWLABEL_FIXED */
	__u16 mtu;		  /* largest inner IPv4 packet sent by the fast path */
	__u8 hoplimit;		  /* outer hop limit unless HOPLIMIT_INHERIT */
	__u8 tclass;		  /* outer traffic class (DSCP part; ECN is copied) unless TCLASS_INHERIT */
	__u8 encaplimit;	  /* option value when TUN46_PEER_F_ENCAPLIMIT */
	__u8 pad[3];
	__u32 key;		   /* GRE key (host order) when TUN46_PEER_F_GRE_KEY, else 0 */
	char name[TUN46_NAME_LEN]; /* user-space only: the peer's name */
};
/* Layout note: .key was added with GRE (84 bytes, was 80); state pinned by an
 * older tun46 has another value size and must be recreated (tun46 refuses to
 * reuse a map whose layout differs). */

/* Bytes a peer's packets carry in front of the inner IPv4 packet: IPv6
 * header [+ encap limit option] [+ GRE header [+ key]]. */
static inline __u32 tun46_peer_overhead(__u32 flags)
{
	__u32 n = TUN46_IPV6_HLEN;

	if (flags & TUN46_PEER_F_ENCAPLIMIT)
		n += TUN46_DSTOPT_LEN;
	if (flags & TUN46_PEER_F_GRE) {
		n += TUN46_GRE_HLEN;
		if (flags & TUN46_PEER_F_GRE_KEY)
			n += TUN46_GRE_KEY_LEN;
	}
	return n;
}

/* The default inner MTU for those flags on a 1500-byte underlay: 1460/1452
 * (ip4ip6), 1456/1448 (GRE), 4 less with a key. */
static inline __u16 tun46_peer_default_mtu(__u32 flags)
{
	return TUN46_UNDERLAY_MTU - tun46_peer_overhead(flags);
}

/* ---- routes: LPM_TRIE "tun46_routes" (BPF_F_NO_PREALLOC) ---- */
struct tun46_route_key {
	__u32 prefixlen; /* 0..32 */
	__u32 addr;	 /* IPv4 prefix, network byte order, host bits zero */
};

struct tun46_route {
	__u32 peer_id; /* encapsulate toward this peer; inner sources from it are allowed */
};

/* ---- decap index: HASH "tun46_decap", key = peer's remote address ----
 * A remote address belongs to one peer only.  The value carries what
 * decapsulation needs, so the WAN path makes one lookup, not two; user
 * space writes it with the peer (one update replaces the element whole). */
struct tun46_decap {
	__u32 peer_id;
	__u32 flags;		 /* the peer's TUN46_PEER_F_* (ACTIVE is checked; GRE, GRE_KEY: what it sends) */
	union tun46_addr6 local; /* the outer destination this peer must use */
	__u32 key;		 /* the GRE key its packets must carry (host order), with TUN46_PEER_F_GRE_KEY */
};

/* ---- statistics: PERCPU_HASH "tun46_stats" ---- */
struct tun46_stats_key {
	__u32 ifindex; /* interface the program ran on (tunnel device for slow encap) */
	__u32 peer_id; /* 0 when no peer could be identified */
};

struct tun46_counters {
	__u64 c[TUN46_C__MAX]; /* indexed by enum tun46_counter */
};

/* ---- statistics fast path: PERCPU_ARRAY "tun46_stats_fast" ----
 * TUN46_STATS_FAST_SLOTS slots per CPU; a (ifindex, peer) pair hashes to one
 * slot and claims it on this CPU if it is free (key.ifindex == 0).  A pair
 * whose slot another pair holds on that CPU is counted in tun46_stats.
 * Readers add both maps, taking each CPU's key from its own copy. */
#define TUN46_STATS_FAST_SLOTS 256
/* Slot 0 is never claimed by a pair: its key stays {0, 0} and it counts
 * stats_map_full (counter updates lost because tun46_stats was full), so that
 * count always has a place.  Pairs that hash to slot 0 use tun46_stats.
 * (TUN46_DEFAULT_MAX_STATS is the object's size; tun46 loads tun46_stats with
 * max_peers x 6 entries, see lib/load.c.) */
#define TUN46_STATS_FULL_SLOT 0
struct tun46_stats_slot {
	struct tun46_stats_key key;
	struct tun46_counters c;
};

static inline __u32 tun46_stats_slot_of(__u32 ifindex, __u32 peer_id)
{
	return ((ifindex * 0x9e3779b1u) ^ (peer_id * 0x85ebca6bu)) >> 24; /* 0..255 */
}

/* ---- next-hop cache of the XDP encapsulation path: PERCPU_ARRAY "tun46_nh",
 * slot = peer id % TUN46_NH_SLOTS (see bpf/lib/nhcache.h) ---- */
#define TUN46_NH_SLOTS 1024
struct tun46_nh {
	union tun46_addr6 local; /* the peer addresses, flags and MTU it was made for */
	union tun46_addr6 remote;
	__u64 expires; /* bpf_jiffies64() deadline (bpf/lib/nhcache.h) */
	__u32 peer_id;
	__u32 ifindex; /* egress, known to be in tun46_ports */
	__u32 flags;
	__u32 mtu; /* the peer MTU it was made for */
	__u8 smac[6];
	__u8 dmac[6];
	__u32 gen;     /* tun46_config.gen when made */
	__u32 eff_mtu; /* largest inner packet: the peer MTU, or less after a Packet Too Big */
	/* The rest of the peer, so that a hit needs no tun46_peers lookup (user
	 * space moves tun46_config.gen after every peer write): what the
	 * per-packet part of the outer header needs, and the header itself as
	 * built for this peer (addresses, options, GRE), fields that vary per
	 * packet (traffic class, flow label, hop limit, payload length) left to
	 * be filled. */
	__u32 flowlabel;
	__u8 hoplimit;
	__u8 tclass;
	__u8 outer_len; /* bytes of outer[] in use: 40..56 */
	__u8 pad;
	__u8 outer[TUN46_ENCAP_OUTER_MAX];
};

/* ---- kernel IPv4 route cache of the XDP programs: PERCPU_ARRAY "tun46_nh4",
 * direct-mapped by hash of (source, destination); entries of the LAN side
 * (input = LAN port) and of the WAN side (input = tunnel device) are told
 * apart by in_ifindex ---- */
#define TUN46_NH4_SLOTS 4096
struct tun46_nh4 {
	__u64 expires; /* bpf_jiffies64() deadline (bpf/lib/nhcache.h) */
	__u32 saddr;   /* the fib lookup's inputs the answer is for */
	__u32 daddr;
	__u32 in_ifindex;
	__u8 tos;
	__u8 proto;
	__u16 max_len; /* the largest inner packet the answer was checked for */
	__u32 ifindex; /* egress (in tun46_ports), or the tunnel device for a LAN-side answer */
	__u8 smac[6];
	__u8 dmac[6];
	__u32 gen;     /* tun46_config.gen when made */
	__u32 peer_id; /* the tun46 route's peer: of the destination (LAN side), of the source (WAN side,
			* which also says the source passed the peer-prefix check for that peer) */
};

/* ---- interfaces tun46 is attached to: HASH "tun46_links", key = ifindex ---- */
enum tun46_role {
	TUN46_ROLE_NONE = 0,
	TUN46_ROLE_LAN = 1,
	TUN46_ROLE_WAN = 2,
	TUN46_ROLE_TUNDEV = 3, /* the slow-path tunnel device */
};

enum tun46_mode {
	TUN46_MODE_XDP = 0,	    /* native XDP (+ TC ingress on WAN for the slow path) */
	TUN46_MODE_XDP_GENERIC = 1, /* generic (skb) XDP, for testing */
	TUN46_MODE_TC = 2,	    /* TC clsact only */
};

/* struct tun46_link.flags: what attach did, so detach undoes exactly that */
#define TUN46_LINK_F_XDP	 (1u << 0) /* XDP program attached */
#define TUN46_LINK_F_TC_INGRESS	 (1u << 1) /* TC ingress filter attached */
#define TUN46_LINK_F_TC_EGRESS	 (1u << 2) /* TC egress filter attached */
#define TUN46_LINK_F_CLSACT_OURS (1u << 3) /* we created the clsact qdisc */

struct tun46_link {
	__u32 role;   /* enum tun46_role */
	__u32 mode;   /* enum tun46_mode */
	__u32 flags;  /* TUN46_LINK_F_* */
	__be32 addr4; /* the port's primary IPv4 address at attach (source of ICMP errors tun46 sends), 0 = none */
	__u8 mac[6];  /* the port's MAC at attach: LAN frames to any other destination are the kernel's */
	__u8 pad[2];
};

/* ---- global settings: ARRAY "tun46_config", one entry (key 0) ---- */
struct tun46_config {
	__u32 tun_ifindex; /* slow-path tunnel device, 0 = none (pass to kernel on WAN) */
	__u32 flags;	   /* TUN46_CFG_F_*: what the kernel offers, found by lib/probe.c at load */
	__u8 tun_mac[6];   /* its MAC: destination of packets injected into it */
	__u8 pad[2];
	__u32 tunp_ifindex; /* the tunnel device's other end (tun46p): the outer IPv6 lookup is made as
			     * the router's own output through it (it alone has IPv6 forwarding on) */
	__u32 gen;	    /* cache generation: every route-cache entry made under another value is stale.
		    * Bumped by user space when a port is detached and by the datapath when a peer's
		    * path MTU changes, so no cached answer outlives either. */
};

/* struct tun46_config.flags, written by user space from its feature probes
 * (lib/probe.c) when it loads the datapath and at every attach. */
#define TUN46_CFG_F_PROBED (1u << 0) /* the bits below come from a probe run */
#define TUN46_CFG_F_DECAP_2STEP \
	(1u << 1) /* bpf_skb_adjust_room lacks BPF_F_ADJ_ROOM_DECAP_L3_IPV4
					   * (before Linux 6.3): tc_wan removes the outer header in
					   * two steps (bpf/lib/tcdecap.h) */

/* ---- path MTU toward a peer, learnt from ICMPv6 Packet Too Big that quotes one of
 * our tunnel packets (as ip4ip6_err in net/ipv6/ip6_tunnel.c): LRU_HASH
 * "tun46_pmtu", key = peer id.  Valid while remote matches the peer's remote
 * and until expires (net.ipv6.route.mtu_expires, 10 min). ---- */
#define TUN46_IPV6_MIN_MTU    1280
#define TUN46_PMTU_EXPIRES_NS (600ULL * 1000 * 1000 * 1000)
#define TUN46_PMTU_SLOTS      4096
struct tun46_pmtu {
	union tun46_addr6 remote; /* the peer address it was learnt for */
	__u64 expires;		  /* bpf_ktime_get_ns() deadline */
	__u32 mtu;		  /* outer IPv6 path MTU (>= TUN46_IPV6_MIN_MTU) */
	__u32 pad;
};

/* ---- XDP -> TC hand-off: metadata written in front of a packet that the
 * WAN XDP program decapsulated but could not forward; the WAN TC ingress
 * program sees it and injects the packet into the tunnel device. ---- */
#define TUN46_META_MAGIC 0x34367475u /* "tu64" */
struct tun46_meta {
	__u32 magic;
	__u32 peer_id;
};

/* ---- outer fragment reassembly (RFC 2473 section 7.2; bpf/lib/frag.h):
 * ARRAY "tun46_frag", one datagram in progress per slot, the slot chosen by
 * tun46_frag_slot_of(outer source, outer destination, fragment id).  tc_wan
 * holds the fragments of a configured peer's tunnel packets there and
 * decapsulates the whole packet when the last piece arrives.
 * Limits: a tunnel packet of at most TUN46_FRAG_MAX_PAYLOAD bytes after the
 * fragment header (a 9000-byte jumbo inner packet with headers to spare; a
 * tunnel MTU larger than that does not exist on the networks tun46 is for),
 * at most TUN46_FRAG_MAX_FRAGS pieces, TUN46_FRAG_UNFRAG_MAX bytes of
 * destination options in front of the fragment header, TUN46_FRAG_SLOTS
 * datagrams in progress (~2.6 MiB), each abandoned TUN46_FRAG_TIMEOUT_NS
 * after its first fragment (the kernel waits 60 s, ip6frag_time: the pieces
 * of one tunnel packet leave the encapsulator back to back, and a short
 * timeout frees slots held by datagrams that lost a piece). ---- */
#define TUN46_FRAG_SLOTS       256 /* power of 2 */
#define TUN46_FRAG_MAX_PAYLOAD 9216
#define TUN46_FRAG_MAX_FRAGS   64  /* power of 2 */
#define TUN46_FRAG_UNFRAG_MAX  256 /* power of 2 */
#define TUN46_FRAG_CHUNK       512 /* bytes moved per helper call */
#define TUN46_FRAG_TIMEOUT_NS  (5ULL * 1000 * 1000 * 1000)

enum tun46_frag_state {
	TUN46_FRAG_FREE = 0,
	TUN46_FRAG_BUSY = 1, /* collecting pieces */
	TUN46_FRAG_DEAD = 2, /* discarded (overlap, ...): later pieces are dropped until it expires */
	TUN46_FRAG_DONE = 3, /* complete: being copied into the last piece's packet */
};

struct tun46_frag_range {
	__u16 start, end; /* bytes of the fragmentable part */
};

struct tun46_frag_slot {
	struct bpf_spin_lock lock; /* guards every field but hdr[] and data[] */
	__u32 state;		   /* enum tun46_frag_state */
	__u32 gen;		   /* bumped each time the slot is claimed */
	__u32 writers;		   /* pieces being copied into data[] right now */
	__u32 peer_id;
	__u32 id; /* fragment identification, network order */
	union tun46_addr6 src;
	union tun46_addr6 dst;
	__u64 expires; /* bpf_ktime_get_ns() deadline */
	__u32 total;   /* length of the fragmentable part; 0 until the last piece came */
	__u32 have;    /* bytes copied in */
	__u32 held;    /* pieces held (counted decap_frag_held) */
	__u32 nfrags;  /* entries of r[] */
	__u32 hdr_len; /* IPv6 header + options before the fragment header, from the first piece */
	__u8 nh;       /* next header of the fragmentable part */
	__u8 ecn;      /* ECN codepoints seen: bit (1 << codepoint) */
	__u8 pad[2];
	struct tun46_frag_range r[TUN46_FRAG_MAX_FRAGS];
	__u8 hdr[TUN46_IPV6_HLEN + TUN46_FRAG_UNFRAG_MAX];
	__u8 data[TUN46_FRAG_MAX_PAYLOAD + TUN46_FRAG_CHUNK]; /* + one chunk of slack for the verifier */
};

/* The words as they are in the packet (network order). */
static inline __u32 tun46_frag_slot_of(const __u32 *src, const __u32 *dst, __u32 id)
{
	__u32 h = id * 0x9e3779b1u;

	h ^= (src[0] ^ src[1] ^ src[2] ^ src[3]) * 0x85ebca6bu;
	h ^= (dst[0] ^ dst[1] ^ dst[2] ^ dst[3]) * 0xc2b2ae35u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 16;
	return h & (TUN46_FRAG_SLOTS - 1);
}

/* ---- the layout of the pinned state: ARRAY "tun46_layout", one entry
 * (key 0), made and read by user space only (lib/layout.c).  A pin directory
 * without it was made by a tun46 of layout 1.  TUN46_LAYOUT_VERSION moves when
 * a pinned map changes in a way an older tun46 cannot read (key or value size,
 * type); a new map alone does not need it (it is created and pinned next to
 * the others).  build_id says which BPF object's programs are pinned and
 * attached: a tun46 built from another object replaces them in place (hitless
 * upgrade, keeping every map).  The journal fields say that a write command
 * is in progress: set when it starts changing the state, cleared when it ends;
 * found set by the next command, they mean it was killed half way. ---- */
#define TUN46_LAYOUT_VERSION 2
#define TUN46_JOURNAL_OP_LEN 40
struct tun46_layout {
	__u32 version;	     /* TUN46_LAYOUT_VERSION of the tun46 that made or last upgraded the state */
	__u32 journal_pid;   /* the command in progress (0: none) ... */
	__u64 build_id;	     /* hash of the BPF object whose programs are pinned */
	__u64 journal_start; /* ... since (CLOCK_REALTIME, seconds) ... */
	char journal_op[TUN46_JOURNAL_OP_LEN]; /* ... doing this ("config apply") */
};

/* TC filter identity used by attach/detach */
#define TUN46_TC_HANDLE 0x46
#define TUN46_TC_PRIO	0x46

#endif /* TUN46_TUN46_H */
