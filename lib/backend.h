/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * backend.h — the live state of tun46 in one network namespace.
 *
 * The front end (command parsing, config files, output) talks to the kernel
 * only through these functions.  The backend owns: the per-namespace bpffs
 * pin directory, the state lock, loading the BPF skeleton, attaching and
 * detaching programs, the slow-path tunnel device and its kernel routes, and
 * reading/writing the peer, route, decap, stats and link maps.
 *
 * Conventions: functions return 0 on success or a negative errno; on error
 * they have already sent one message (T46_LOG_ERR, through the print
 * function of log.h; the library itself never prints) that says what was
 * wrong and what to do ("cannot attach to eth9: no such interface"), and
 * they leave the state as it was.  Settings come from opts.h.
 */
#ifndef TUN46_BACKEND_H
#define TUN46_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tun46/tun46.h>

struct be; /* opaque handle */

struct be_opts {
	const char *netns; /* -n NETNS: name under /run/netns, or NULL for the current one */
	bool readonly;	   /* show/stats/config check: never load or create anything */
	bool force;	   /* -force: link attach only warns when the veth far-end check fails */
	bool migrate;	   /* -migrate: rebuild a state of an incompatible layout instead of refusing it */
	const char *op;	   /* what the command does ("config apply"), recorded while it runs (journal) */
};

/* Open the state of the current (or opts->netns) network namespace and take
 * the state lock (flock, blocking).  Does not load anything: when no state
 * exists yet, be_loaded() is false and read functions return empty lists. */
int be_open(struct be **bep, const struct be_opts *opts);
void be_close(struct be *be); /* releases the lock; the datapath keeps running */

bool be_loaded(const struct be *be);
/* What this kernel offers the datapath, from a probe run now (lib/probe.c):
 * the optional features present and the missing ones. */
int be_kernel_features(char *buf, size_t len);
/* Load the BPF object, create and pin maps and programs, create the tunnel
 * device, if not done yet in this namespace.  Idempotent. */
int be_ensure_loaded(struct be *be);
const char *be_pin_dir(const struct be *be);

/* ---- peers ---- */
/* Peer ids are 1..max_peers-1.  The peer's name is in peer->name. */
int be_peer_max(const struct be *be);
int be_peer_get(struct be *be, uint32_t id, struct tun46_peer *peer); /* -ENOENT if unused */
int be_peer_find(struct be *be, const char *name, uint32_t *id);      /* -ENOENT if none */
int be_peer_alloc_id(struct be *be, uint32_t *id);		      /* -ENOSPC when full */
/* Write (create or replace) a peer and its decap index entry atomically
 * enough that traffic never sees a half-written peer: the value is written in
 * one map update; a changed remote moves the decap index entry. */
int be_peer_set(struct be *be, uint32_t id, const struct tun46_peer *peer);
int be_peer_del(struct be *be, uint32_t id); /* caller has removed its routes first */
/* Iterate active peers in id order; cb returns non-zero to stop. */
int be_peer_foreach(struct be *be, int (*cb)(uint32_t id, const struct tun46_peer *p, void *arg), void *arg);
/* Liveness: how long ago (*ago_ns) peer id last sent a packet that passed
 * every decapsulation check (fast path or handed to the kernel), at the
 * resolution of the kernel tick.  0; -ENOENT: never (since the peer was
 * added); -EOPNOTSUPP: the running datapath was loaded by an older tun46
 * without it; another -errno.  Prints nothing. */
int be_peer_last_rx(struct be *be, uint32_t id, uint64_t *ago_ns);
/* Resolve "local auto": the global IPv6 address of the (first) WAN interface,
 * or of the route toward remote when no WAN is attached. */
int be_local_auto(struct be *be, const union tun46_addr6 *remote, union tun46_addr6 *local);

/* ---- routes ---- */
struct be_route {
	uint32_t addr; /* network byte order, host bits zero */
	uint8_t plen;
	uint32_t peer_id;
};
int be_route_get(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id); /* exact; -ENOENT */
int be_route_lookup(struct be *be, uint32_t addr, struct be_route *out);	 /* longest match */
/* Batch update/delete (kernel batch ops where available).  Also keeps the
 * kernel routes through the tunnel device in step.  On error nothing of the
 * batch is left applied (rolled back), *done may say how far it got. */
int be_route_update(struct be *be, const struct be_route *r, size_t n);
int be_route_delete(struct be *be, const struct be_route *r, size_t n);
/* The same when the caller knows what the map holds for each key now (it
 * read the live state under the state lock, as config apply does): no read
 * back.  old_peer[i]: the peer id r[i] has now, 0 = the route is new; for
 * the delete, r[i].peer_id is the peer id each route has now. */
int be_route_update_known(struct be *be, const struct be_route *r, const uint32_t *old_peer, size_t n);
/* state_goes: the caller removes everything (links, peers, routes) before
 * closing: the kernel routes are left to go with the tunnel device when the
 * state is torn down (one in-kernel flush, ~10x faster than 1,000,000
 * rtnetlink deletes); if anything is left at close after all, the tunnel
 * device is made again with the routes still in the map. */
int be_route_delete_known(struct be *be, const struct be_route *r, size_t n, bool state_goes);
/* All routes, sorted by (addr, plen).  *out is malloc'ed; caller frees. */
int be_route_list(struct be *be, struct be_route **out, size_t *n);
/* The routes of one peer, sorted, from the per-peer route index (no walk of
 * the route map).  *out is malloc'ed; caller frees. */
int be_peer_routes(struct be *be, uint32_t peer_id, struct be_route **out, size_t *n);

/* ---- links ---- */
struct be_link {
	uint32_t ifindex;
	char ifname[16];
	struct tun46_link link; /* role, mode, flags */
};
int be_link_attach(struct be *be, const char *ifname, enum tun46_role role, enum tun46_mode mode);
int be_link_detach(struct be *be, const char *ifname);
int be_link_list(struct be *be, struct be_link **out, size_t *n); /* caller frees; excludes the tunnel device */

/* ---- statistics ---- */
struct be_stats_entry {
	uint32_t ifindex;
	uint32_t peer_id;
	struct tun46_counters sum; /* summed over CPUs */
};
int be_stats_read(struct be *be, struct be_stats_entry **out, size_t *n); /* caller frees */
int be_stats_reset(struct be *be);

/* ---- testing hook ----
 * When t46_lib_opts.fail_after is "N" (the tun46 command: the environment
 * variable TUN46_FAIL_AFTER=N), the N+1-th map write made through this
 * backend fails with -ENOSPC, as a full map would.
 * Used by the tests to prove config apply rolls back. */

#endif /* TUN46_BACKEND_H */
