/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * plan.h — config apply: the difference between the live state and a
 * desired state as an ordered list of operations, and its execution with
 * rollback.
 *
 * Building the plan is pure (struct t46_state in, struct t46_plan out).  The
 * plan runs against a struct t46_target: the backend for real, an in-memory
 * fake in the unit tests.
 *
 * Order of a plan (so that traffic never meets a missing peer):
 *   1. link attach (new interfaces; changed role/mode = detach + attach)
 *   2. peer add/change, ordered so that a remote address moves only once its
 *      previous owner let go of it (when that owner is being removed, its
 *      routes move away and it is removed first)
 *   3. route add/change (one batch)
 *   4. route del (one batch)
 *   5. peer del
 *   6. link detach
 * A new peer that takes over the remote of a peer that goes away is a
 * rename: it keeps the old peer id, so its routes never stop working.
 * On failure every operation already done is undone, newest first.
 */
#ifndef TUN46_PLAN_H
#define TUN46_PLAN_H

#include "backend.h"
#include "config.h"
#include "state.h"

struct t46_target {
	void *arg;
	int (*link_attach)(void *arg, const char *ifname, enum tun46_role role, enum tun46_mode mode);
	int (*link_detach)(void *arg, const char *ifname);
	int (*peer_alloc)(void *arg, uint32_t *id);
	int (*peer_set)(void *arg, uint32_t id, const struct tun46_peer *p);
	int (*peer_del)(void *arg, uint32_t id);
	int (*route_update)(void *arg, const struct be_route *r, size_t n);
	int (*route_delete)(void *arg, const struct be_route *r, size_t n);
	int (*local_auto)(void *arg, const union tun46_addr6 *remote, union tun46_addr6 *local);
	/* optional: route_update/route_delete told what each key holds now (the
	 * plan knows it from the live state), so the target need not read it */
	int (*route_update_known)(void *arg, const struct be_route *r, const uint32_t *old_peer, size_t n);
	/* state_goes: the plan removes every link, peer and route (the state is
	 * torn down when closed) */
	int (*route_delete_known)(void *arg, const struct be_route *r, size_t n, bool state_goes);
};

enum t46_op_kind {
	T46_OP_LINK_ATTACH,
	T46_OP_LINK_DETACH,
	T46_OP_PEER_SET,
	T46_OP_PEER_DEL,
	T46_OP_ROUTE_SET,
	T46_OP_ROUTE_DEL,
};

struct t46_plan_route {
	uint32_t addr;
	uint8_t plen;
	uint32_t old_id; /* live peer id before, 0 = the route is new */
	int want;	 /* index of the desired peer (ROUTE_SET), -1 for a delete */
};

struct t46_op {
	enum t46_op_kind kind;
	/* links */
	char ifname[T46_IFNAMSIZ];
	uint32_t role, mode, old_role, old_mode;
	/* peers */
	int want;    /* index into the desired peers (PEER_SET) */
	uint32_t id; /* peer id; 0 = allocate when run */
	struct tun46_peer newp, oldp;
	bool auto_later; /* resolve "local auto" when run (after links are attached) */
	/* links and peers: an old entry exists (change) */
	bool had_old;
	/* routes */
	struct t46_plan_route *r;
	size_t n;
	/* execution progress, for rollback */
	int stage;
	bool allocated;
};

struct t46_plan {
	struct t46_op *ops;
	size_t nops, cops;
	uint32_t *want_id; /* per desired peer: its id (after run for new peers) */
	size_t nwant;
	/* summary */
	unsigned int links_add, links_change, links_del;
	unsigned int peers_add, peers_change, peers_del;
	size_t routes_add, routes_change, routes_del;
	bool state_goes; /* the desired state is empty: everything goes */
};

/* Compute the plan that turns live into want.  live peers carry their ids
 * and live routes their peer_id; want routes name their peer.  Resolves
 * "local auto" of desired peers through target->local_auto unless the plan
 * attaches a WAN interface (then it is resolved when the peer is written).
 * max_peers: peer ids are 1..max_peers-1.  Returns the number of errors
 * (added to errs), 0 when the plan can run. */
size_t t46_plan_build(const struct t46_state *live, const struct t46_state *want, const struct t46_target *target,
		      uint32_t max_peers, struct t46_plan *plan, struct t46_cfg_errs *errs);
void t46_plan_free(struct t46_plan *plan);
bool t46_plan_empty(const struct t46_plan *plan);

/* Run the plan.  On failure undoes what was done and returns the error of
 * the failed operation (negative errno); *rollback_failed says whether the
 * undo itself failed. */
int t46_plan_run(struct t46_plan *plan, const struct t46_target *target, bool *rollback_failed);

#endif /* TUN46_PLAN_H */
