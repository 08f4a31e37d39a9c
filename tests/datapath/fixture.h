/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fixture: the harness shared by the byte-exact datapath tests
 * (test_datapath.c, test_icmp.c): the test network namespace, the skeleton
 * and its maps filled by hand, counter snapshots, and one fixture run through
 * BPF_PROG_TEST_RUN (repeat = 1) compared with a frame built from the spec.
 *
 * Topology, all inside a network namespace made by unshare(CLONE_NEWNET):
 *   lan  192.168.1.1/24  02:00:00:00:01:01  neigh 192.168.1.2 = 02:00:00:00:01:02 (permanent)
 *                                            192.168.1.3 has no neighbour entry (NO_NEIGH)
 *   lan2 192.168.3.1/24  02:00:00:00:03:01  neigh 192.168.3.2 (permanent); not in tun46_ports
 *   wan  fd00::1/64      02:00:00:00:00:01  neigh fd00::2 = 02:00:00:00:00:02, fd00::4 = 02:00:00:00:00:04
 *                                            fd00::3 has no neighbour entry
 *   wan2 fd01::1/64      02:00:00:00:02:01  neigh fd01::2 (permanent); not in tun46_ports
 *   routes: unreachable 203.0.113.0/24; 192.168.4.0/24 via 192.168.1.2 mtu lock 600;
 *           fd00:9::/64 via fd00::2 mtu lock 1300; no default routes.
 *   tun46/tun46p: the slow-path veth pair; tun46 (ifindex and MAC) in tun46_config.
 */
#ifndef TUN46_TEST_FIXTURE_H
#define TUN46_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <tun46/tun46.h>
#include "tun46.skel.h"
#include "pkt.h"

/* FLOW(...) / OUTER(...) give defaults that a fixture overrides field by field. */
#pragma GCC diagnostic ignored "-Woverride-init"

/* ---- environment ---- */
extern struct tun46 *skel;
extern int fd_peers, fd_routes, fd_decap, fd_stats, fd_ports, fd_config;
extern int prog_xdp_lan, prog_xdp_wan, prog_tc_lan, prog_tc_wan, prog_tc_tun;
extern uint32_t if_lan, if_lan2, if_wan, if_wan2, if_tun, if_tunp;
extern uint8_t mac_lan[6], mac_lan2[6], mac_wan[6], mac_wan2[6], mac_tun[6], mac_tunp[6];
extern uint8_t mac_h1[6], mac_h3[6], mac_r2[6], mac_r2b[6], mac_r3[6];
extern int ncpus;
extern int n_pass, n_fail, n_skip;

void result(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void skip(const char *name, const char *why);
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int setup_netns(void);
int open_skel(void);
/* Root check, namespace, CPU 0 pinning, skeleton and maps: 0, or -1 after
 * printing "FAIL <suite>/setup: ...". */
int fx_setup(const char *suite);
/* Destroys the skeleton, prints the totals; the exit status. */
int fx_finish(const char *suite);

/* ---- maps ---- */
enum {
	P_A = 1,	    /* fd00::2, routes 10.0.0.0/8 */
	P_B = 2,	    /* fd00::4, routes 10.1.0.0/16 (longer, inside A's) */
	P_NONEIGH,	    /* fd00::3: no neighbour entry, 172.30.3.0/24 */
	P_NOFIB,	    /* 2001:db8:99::1: no IPv6 route, 172.30.4.0/24 */
	P_NOPORT,	    /* fd01::2 on wan2 (not in tun46_ports), 172.30.5.0/24 */
	P_PMTU,		    /* fd00:9::1 via a route with mtu 1300, 172.30.6.0/24 */
	P_INACTIVE,	    /* fd00::7, entry present without ACTIVE, 172.30.7.0/24 */
	P_ABSENT = 9,	    /* never written: 172.30.8.0/24 */
	P_OUTOFRANGE = 1000 /* beyond the peers array: 172.30.9.0/24 */
};

struct tun46_peer peer_default(uint32_t id);
void caches_stale(void); /* tun46_config.gen += 1, as the backend after a peer/route/decap write */
int set_peer(uint32_t id, const struct tun46_peer *p);
int restore_peer(uint32_t id);
void modify_peer(uint32_t id, uint32_t set_flags, int hoplimit, int tclass, int encaplimit, uint32_t flowlabel,
		 int mtu);
int add_route(const char *prefix, uint32_t plen, uint32_t peer);
int del_route(const char *prefix, uint32_t plen);
int add_decap(const char *remote, uint32_t peer);
int add_port(uint32_t ifindex);
int setup_maps(void);

/* ---- fixtures ---- */
enum fx_kind { FX_XDP, FX_TC };

struct ctr_exp {
	uint32_t ifindex;
	uint32_t peer;
	int counter;
	uint64_t delta;
};

#define MAX_CTR 8
struct fx {
	const char *name;
	enum fx_kind kind;
	int prog;
	uint32_t ifindex;
	struct pkt in;
	int verdict;
	struct pkt out;
	int meta_peer; /* XDP: > 0 expect struct tun46_meta {MAGIC, meta_peer} in front of the frame */
	int inner_off; /* > 0: verify the IPv4 checksum of the output at this offset from scratch */
	struct ctr_exp ctr[MAX_CTR];
	int nctr;
	size_t mask_off, mask_len;   /* bytes not compared (only where test_run cannot reproduce them) */
	int ip4_id_off;		     /* > 0: an IPv4 header there whose ID the program draws at random: the expected
				    * frame takes the output's ID and its header checksum is recomputed from scratch */
	uint32_t gso_segs, gso_size; /* TC: a GSO aggregate as test_run can make one (no gso_type) */
	bool (*check)(char *why, size_t whylen); /* more to verify after the run (maps): false with why */
};

extern struct fx F;
extern uint8_t *got; /* the last run's output frame */
extern size_t got_len;

void fx_new(const char *name, enum fx_kind kind, int prog, uint32_t ifindex);
void expect_ctr(uint32_t ifindex, uint32_t peer, int counter, uint64_t delta);
/* Run F through its program once; print PASS/FAIL.  Returns true on PASS. */
bool fx_run(void);
/* A TC fixture whose frame comes back untouched, with one counter (< 0: none). */
bool tc_unchanged(const char *name, int prog, uint32_t ifindex, const struct pkt *frame, int verdict, uint32_t ctr_if,
		  uint32_t peer, int counter);

/* ---- frames from the spec ---- */
struct flow {
	const char *src, *dst;
	uint8_t tos, ttl, proto;
	uint16_t sport, dport, id, frag;
	size_t paylen;
	const uint8_t *opts;
	size_t optlen;
};

#define FLOW(...)                            \
	((struct flow){.src = "192.168.1.2", \
		       .dst = "10.2.3.4",    \
		       .ttl = 64,            \
		       .proto = 17,          \
		       .sport = 40000,       \
		       .dport = 53,          \
		       .id = 0x1234,         \
		       .frag = IP4_DF,       \
		       .paylen = 32,         \
		       __VA_ARGS__})

/* A bare inner IPv4 packet (no Ethernet) */
void mk_inner(struct pkt *p, struct flow fl);
/* LAN frame from host 192.168.1.2 to the router: Ethernet (+ VLAN) + inner */
void mk_lan(struct pkt *f, const struct pkt *inner, int vlan);
/* The flow label the spec asks for: tun46_flow_hash over the inner flow. */
uint32_t spec_flow_hash(const uint8_t *ip);
/* Expected encapsulated frame (README section 2) */
void exp_encap(struct pkt *out, const struct pkt *inner, const struct tun46_peer *pe, const uint8_t *dmac,
	       const uint8_t *smac);

/* WAN side */
struct outer {
	const char *src, *dst;
	uint8_t tclass;
	uint32_t flowlabel;
	uint8_t hlim;
	const uint8_t *dstopt; /* 8 bytes, NULL: none (next header 4) */
	int plen_adj;	       /* added to the correct payload length */
	size_t trailing;       /* bytes after the IPv6 payload */
	int vlan;	       /* < 0: untagged */
};

#define OUTER(...)                            \
	((struct outer){.src = "fd00::2",     \
			.dst = "fd00::1",     \
			.tclass = 0,          \
			.flowlabel = 0x54321, \
			.hlim = 64,           \
			.vlan = -1,           \
			__VA_ARGS__})

extern const uint8_t dstopt_std[8];

void mk_wan(struct pkt *f, struct outer o, const uint8_t *inner, size_t inner_len);
/* RFC 6040 decapsulation: new inner ECN, or -1 = drop */
int rfc6040(int outer, int inner);
/* Expected decap output: Ethernet(dmac, smac, IPv4) + inner (tot_len bytes) with ECN applied, TTL - dec */
void exp_decap(struct pkt *out, const struct pkt *inner, int outer_ecn, int dec, const uint8_t *dmac,
	       const uint8_t *smac);

#endif /* TUN46_TEST_FIXTURE_H */
