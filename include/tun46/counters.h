/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tun46 counters: the one list of every counter the datapath keeps.
 *
 * X(ENUM_SUFFIX, "name", "one-line description")
 *
 * The enum (TUN46_C_<SUFFIX>), the names printed by `tun46 stats` and the
 * JSON keys are all generated from this list, so they never drift.
 *
 * Naming: encap_* are outcomes of the LAN/tunnel-device (encapsulating)
 * programs, decap_* of the WAN (decapsulating) programs.
 *   *_packets / *_bytes : finished by the fast path (bytes = inner IPv4 bytes)
 *   *_pass_*            : handed to the kernel (slow path), never lost
 *   *_drop_*            : dropped on purpose, counted by reason
 */
#ifndef TUN46_COUNTERS_H
#define TUN46_COUNTERS_H

#define TUN46_COUNTERS(X)                                                                                           \
	/* encapsulation (LAN side XDP/TC, tunnel device egress) */                                                 \
	X(ENCAP_PACKETS, "encap_packets", "IPv4 packets encapsulated by the fast path")                             \
	X(ENCAP_BYTES, "encap_bytes", "inner IPv4 bytes encapsulated by the fast path")                             \
	X(SLOW_ENCAP_PACKETS, "slow_encap_packets", "packets encapsulated on the tunnel device (slow path)")        \
	X(SLOW_ENCAP_BYTES, "slow_encap_bytes", "inner IPv4 bytes encapsulated on the tunnel device")               \
	X(ENCAP_PASS_TTL, "encap_pass_ttl", "TTL <= 1: kernel sends ICMP time exceeded")                            \
	X(ENCAP_PASS_OPTIONS, "encap_pass_options", "IPv4 header with options: kernel forwards")                    \
	X(ENCAP_PASS_TOO_BIG, "encap_pass_too_big", "larger than the tunnel MTU: kernel fragments or ICMPs")        \
	X(ENCAP_PASS_NO_NEIGH, "encap_pass_no_neigh", "IPv6 next hop not resolved yet: kernel resolves it")         \
	X(ENCAP_PASS_FIB, "encap_pass_fib", "no usable IPv6 route to the peer (fib lookup failed)")                 \
	X(ENCAP_PASS_NO_PORT, "encap_pass_no_port", "egress interface is not attached to tun46")                    \
	X(ENCAP_PASS_NO_PEER, "encap_pass_no_peer", "route points to a peer that is not configured")                \
	X(ENCAP_PASS_GSO, "encap_pass_gso", "GSO packet larger than the tunnel MTU (TC): kernel segments")          \
	X(ENCAP_DROP_NO_ROUTE, "encap_drop_no_route", "tunnel device got a packet no tun46 route covers")           \
	X(ENCAP_DROP_NO_PEER, "encap_drop_no_peer", "tunnel device: route points to a missing peer")                \
	X(ENCAP_DROP_NOT_IPV4, "encap_drop_not_ipv4", "tunnel device got a non-IPv4 packet")                        \
	X(ENCAP_DROP_MALFORMED, "encap_drop_malformed", "tunnel device got a malformed IPv4 header")                \
	X(ENCAP_DROP_NO_ROUTE6, "encap_drop_no_route6", "tunnel device: no IPv6 route to the peer")                 \
	X(ENCAP_DROP_ADJUST, "encap_drop_adjust", "could not make room for the outer header")                       \
	X(ENCAP_PASS_KERNEL_ROUTE, "encap_pass_kernel_route",                                                       \
	  "the kernel routes it elsewhere (local, broadcast, connected, more specific route, rule)")                \
	X(ENCAP_DROP_BAD_CSUM, "encap_drop_bad_csum", "LAN IPv4 header checksum wrong (RFC 1812: not forwarded)")   \
	X(ENCAP_DROP_PORT_GONE, "encap_drop_port_gone", "egress port detached while the packet was in flight")      \
	X(ENCAP_ICMP_FRAG_NEEDED, "encap_icmp_frag_needed",                                                         \
	  "larger than the peer's path MTU: ICMP frag needed sent to the sender, packet dropped")                   \
	X(ENCAP_DROP_NESTED_GSO, "encap_drop_nested_gso", "tunnel device: GSO packet of a nested tunnel")           \
	/* decapsulation (WAN side XDP/TC) */                                                                       \
	X(DECAP_PACKETS, "decap_packets", "packets decapsulated and forwarded by the fast path")                    \
	X(DECAP_BYTES, "decap_bytes", "inner IPv4 bytes decapsulated by the fast path")                             \
	X(SLOW_DECAP_PACKETS, "slow_decap_packets", "packets decapsulated and handed to the kernel")                \
	X(SLOW_DECAP_BYTES, "slow_decap_bytes", "inner IPv4 bytes decapsulated and handed to the kernel")           \
	X(DECAP_PASS_LOCAL, "decap_pass_local", "inner destination is this router (or unroutable): kernel decides") \
	X(DECAP_PASS_TTL, "decap_pass_ttl", "inner TTL <= 1: kernel sends ICMP time exceeded")                      \
	X(DECAP_PASS_OPTIONS, "decap_pass_options", "inner IPv4 header with options")                               \
	X(DECAP_PASS_TOO_BIG, "decap_pass_too_big", "inner packet larger than the LAN MTU")                         \
	X(DECAP_PASS_NO_NEIGH, "decap_pass_no_neigh", "IPv4 next hop not resolved yet")                             \
	X(DECAP_PASS_FIB, "decap_pass_fib", "no usable IPv4 route for the inner destination")                       \
	X(DECAP_PASS_NO_PORT, "decap_pass_no_port", "egress interface is not attached to tun46")                    \
	X(DECAP_DROP_UNKNOWN_PEER, "decap_drop_unknown_peer", "outer source is not a configured peer")              \
	X(DECAP_DROP_WRONG_LOCAL, "decap_drop_wrong_local", "outer destination is not the peer's local")            \
	X(DECAP_DROP_INNER_SOURCE, "decap_drop_inner_source", "inner source outside the peer's prefixes")           \
	X(DECAP_DROP_TRUNC_OUTER, "decap_drop_trunc_outer", "outer IPv6 header or payload truncated")               \
	X(DECAP_DROP_TRUNC_INNER, "decap_drop_trunc_inner", "inner IPv4 header truncated")                          \
	X(DECAP_DROP_BAD_IHL, "decap_drop_bad_ihl", "inner IPv4 IHL < 5")                                           \
	X(DECAP_DROP_BAD_LENGTH, "decap_drop_bad_length", "inner total length inconsistent with the frame")         \
	X(DECAP_DROP_NOT_IPV4, "decap_drop_not_ipv4", "inner header is not IPv4")                                   \
	X(DECAP_DROP_BAD_EXTHDR, "decap_drop_bad_exthdr", "malformed or unsupported destination options")           \
	X(DECAP_DROP_ECN, "decap_drop_ecn", "outer CE on a Not-ECT inner packet (RFC 6040)")                        \
	X(DECAP_DROP_ADJUST, "decap_drop_adjust", "could not remove the outer header")                              \
	X(DECAP_DROP_NOT_IPV6, "decap_drop_not_ipv6", "outer header version is not 6")                              \
	X(DECAP_DROP_INNER_CSUM, "decap_drop_inner_csum", "inner IPv4 header checksum wrong")                       \
	X(DECAP_DROP_MARTIAN, "decap_drop_martian", "inner source is a martian (0/8, 127/8, 224/4, 240/4)")         \
	X(DECAP_DROP_LOCAL_SOURCE, "decap_drop_local_source", "inner source is an address of this router")          \
	X(DECAP_DROP_RPF, "decap_drop_rpf", "inner source fails the reverse-path check (not routed via tun46)")     \
	X(DECAP_DROP_PORT_GONE, "decap_drop_port_gone", "egress port detached while the packet was in flight")      \
	X(DECAP_FRAG_HELD, "decap_frag_held", "outer IPv6 fragment held for reassembly")                            \
	X(DECAP_FRAG_REASSEMBLED, "decap_frag_reassembled", "tunnel packets reassembled from outer fragments")      \
	X(DECAP_DROP_FRAG, "decap_drop_frag", "outer fragment dropped (overlap, too large, timeout, table full)")   \
	X(DECAP_DROP_GRE_VERSION, "decap_drop_gre_version", "GRE version is not 0")                                 \
	X(DECAP_DROP_GRE_FLAGS, "decap_drop_gre_flags", "GRE routing bit set (RFC 1701 source routing)")            \
	X(DECAP_DROP_GRE_KEY, "decap_drop_gre_key", "GRE key missing, unexpected or not the peer's key")            \
	X(DECAP_DROP_GRE_CSUM, "decap_drop_gre_csum", "GRE checksum wrong (or over 9216 bytes: not verified)")      \
	X(DECAP_DROP_GRE_PROTO, "decap_drop_gre_proto", "GRE payload is not IPv4 (IPv6 router solicitations, ...)") \
	/* underlay ICMPv6 errors quoting our tunnel packets (ip4ip6_err) */                                        \
	X(PMTU_UPDATES, "pmtu_updates", "ICMPv6 packet too big quoting our packet: peer path MTU lowered")          \
	X(ICMP_RELAYED, "icmp_relayed", "underlay ICMPv6 error relayed to the inner sender as ICMPv4")              \
	X(ICMP_RATELIMITED, "icmp_ratelimited", "ICMPv4 error not sent: rate limit (1/s per destination)")          \
	X(ICMP_DROP_NO_SOURCE, "icmp_drop_no_source", "ICMPv4 error not sent: no IPv4 source address for it")       \
	/* bookkeeping */                                                                                           \
	X(STATS_MAP_FULL, "stats_map_full", "counter updates lost: the stats map was full (raise TUN46_MAX_STATS)")

enum tun46_counter {
#define TUN46_X_ENUM(sfx, name, desc) TUN46_C_##sfx,
	TUN46_COUNTERS(TUN46_X_ENUM)
#undef TUN46_X_ENUM
	    TUN46_C__MAX,
};

#endif /* TUN46_COUNTERS_H */
