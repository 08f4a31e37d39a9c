/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tun46 BPF maps.  Sizes are defaults; user space may change max_entries
 * before loading (see include/tun46/tun46.h). */
#ifndef TUN46_BPF_MAPS_H
#define TUN46_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tun46/tun46.h>

/* A hash, not an array: an update replaces the whole element under RCU, so
 * a packet never sees a half-written peer (an array is copied in place). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TUN46_DEFAULT_MAX_PEERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct tun46_peer);
} tun46_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TUN46_DEFAULT_MAX_ROUTES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tun46_route_key);
	__type(value, struct tun46_route);
} tun46_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TUN46_DEFAULT_MAX_PEERS);
	__type(key, union tun46_addr6);
	__type(value, struct tun46_decap);
} tun46_decap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TUN46_DEFAULT_MAX_STATS);
	__type(key, struct tun46_stats_key);
	__type(value, struct tun46_counters);
} tun46_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_STATS_FAST_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_stats_slot);
} tun46_stats_fast SEC(".maps");

/* All zero: the initial value for a new stats entry (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tun46_counters);
} tun46_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, TUN46_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} tun46_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TUN46_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct tun46_link);
} tun46_links SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tun46_config);
} tun46_config SEC(".maps");

/* When each peer last sent a packet that passed every decapsulation check
 * (bpf/lib/peerrx.h): CLOCK_MONOTONIC_COARSE nanoseconds, 0 = never.  Per
 * CPU, so the receive path shares no cache line; user space takes the
 * largest value over the CPUs (lib/peerrx.c).  Indexed by peer id; sized
 * like tun46_peers by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TUN46_DEFAULT_MAX_PEERS);
	__type(key, __u32);
	__type(value, __u64);
} tun46_peer_rx SEC(".maps");

/* Path MTU per peer (see struct tun46_pmtu); written by tc_wan from ICMPv6
 * Packet Too Big, read by the encapsulating programs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TUN46_PMTU_SLOTS);
	__type(key, __u32);
	__type(value, struct tun46_pmtu);
} tun46_pmtu SEC(".maps");

#endif /* TUN46_BPF_MAPS_H */
