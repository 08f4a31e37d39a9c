// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* plan.c — diff live vs desired state into an ordered plan; run it with rollback. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hidx.h"
#include "plan.h"

#define perr(errs, line, ...) t46_cfg_err_add(errs, line, NULL, __VA_ARGS__)

static struct t46_op *new_op(struct t46_plan *plan, enum t46_op_kind kind)
{
	if (plan->nops == plan->cops) {
		size_t n = plan->cops ? plan->cops * 2 : 16;
		void *p = realloc(plan->ops, n * sizeof(*plan->ops));

		if (!p)
			return NULL;
		plan->ops = p;
		plan->cops = n;
	}
	struct t46_op *op = &plan->ops[plan->nops++];

	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->want = -1;
	return op;
}

void t46_plan_free(struct t46_plan *plan)
{
	for (size_t i = 0; i < plan->nops; i++)
		free(plan->ops[i].r);
	free(plan->ops);
	free(plan->want_id);
	memset(plan, 0, sizeof(*plan));
}

bool t46_plan_empty(const struct t46_plan *plan)
{
	return plan->nops == 0;
}

/* One route of the diff. */
struct rdiff {
	struct t46_plan_route r;
	bool handled; /* already put into an (early) batch */
};

/* Working data of the planner. */
struct planner {
	const struct t46_state *live, *want;
	struct t46_plan *plan;
	struct t46_cfg_errs *errs;
	int *live_fate;	 /* per live peer: -1 delete, else index of the desired peer that keeps its id */
	bool *want_done; /* per desired peer: its set op is emitted (or not needed) */
	bool *want_set;	 /* per desired peer: needs a set op */
	bool *live_gone; /* per live peer: deleted early */
	union tun46_addr6 *holder_remote; /* per live peer: remote it holds now in the simulation */
	struct hidx holders;		  /* remote -> the live peer that last took it (see holder_of) */
	int *want_live;			  /* per desired peer: index of the live peer that keeps its id, -1 */
	struct rdiff *rd;
	size_t nrd;
	bool oom;
};

static bool attaches_wan(const struct t46_state *live, const struct t46_state *want)
{
	for (size_t i = 0; i < want->nlinks; i++) {
		const struct st_link *w = &want->links[i];
		const struct st_link *l = st_find_link(live, w->ifname);

		if (w->role == TUN46_ROLE_WAN && (!l || l->role != w->role || l->mode != w->mode))
			return true;
	}
	return false;
}

static void plan_links_attach(struct planner *x)
{
	for (size_t i = 0; i < x->want->nlinks; i++) {
		const struct st_link *w = &x->want->links[i];
		const struct st_link *l = st_find_link(x->live, w->ifname);
		struct t46_op *op;

		if (l && l->role == w->role && l->mode == w->mode)
			continue;
		if (!(op = new_op(x->plan, T46_OP_LINK_ATTACH))) {
			x->oom = true;
			return;
		}
		memcpy(op->ifname, w->ifname, sizeof(op->ifname));
		op->role = w->role;
		op->mode = w->mode;
		if (l) {
			op->had_old = true;
			op->old_role = l->role;
			op->old_mode = l->mode;
			x->plan->links_change++;
		} else {
			x->plan->links_add++;
		}
	}
}

static void plan_links_detach(struct planner *x)
{
	for (size_t i = 0; i < x->live->nlinks; i++) {
		const struct st_link *l = &x->live->links[i];
		struct t46_op *op;

		if (st_find_link(x->want, l->ifname))
			continue;
		if (!(op = new_op(x->plan, T46_OP_LINK_DETACH))) {
			x->oom = true;
			return;
		}
		memcpy(op->ifname, l->ifname, sizeof(op->ifname));
		op->old_role = l->role;
		op->old_mode = l->mode;
		x->plan->links_del++;
	}
}

/* Match desired peers to live ones: by name, else by remote (a rename). */
static void match_peers(struct planner *x)
{
	const struct t46_state *live = x->live, *want = x->want;

	for (size_t i = 0; i < live->npeers; i++)
		x->live_fate[i] = -1;
	for (size_t j = 0; j < want->npeers; j++) {
		const struct st_peer *l = st_find_peer(live, want->peers[j].p.name);

		if (l) {
			x->live_fate[l - live->peers] = j;
			x->plan->want_id[j] = l->id;
		}
	}
	for (size_t j = 0; j < want->npeers; j++) {
		const struct st_peer *l;
		size_t i;

		if (x->plan->want_id[j])
			continue;
		/* live remotes are distinct: at most one live peer has this one */
		l = st_find_peer_remote(live, &want->peers[j].p.remote);
		if (!l)
			continue;
		i = l - live->peers;
		if (x->live_fate[i] >= 0 || st_find_peer(want, live->peers[i].p.name))
			continue;
		x->live_fate[i] = j; /* rename: keeps the id */
		x->plan->want_id[j] = live->peers[i].id;
	}
	for (size_t j = 0; j < want->npeers; j++)
		x->want_live[j] = -1;
	for (size_t i = 0; i < live->npeers; i++) {
		if (x->live_fate[i] >= 0 && x->want_live[x->live_fate[i]] < 0)
			x->want_live[x->live_fate[i]] = (int)i;
	}
}

static const struct st_peer *live_of_want(struct planner *x, size_t j)
{
	return x->want_live[j] >= 0 ? &x->live->peers[x->want_live[j]] : NULL;
}

static bool holder_eq(const void *ctx, int32_t v, const void *key)
{
	const struct planner *x = ctx;

	return !memcmp(&x->holder_remote[v], key, sizeof(union tun46_addr6));
}

/* Live peer i takes remote r in the simulation. */
static void hold(struct planner *x, size_t i, const union tun46_addr6 *r)
{
	x->holder_remote[i] = *r;
	if (hidx_set(&x->holders, hidx_hash(r, sizeof(*r)), holder_eq, x, r, (int32_t)i))
		x->oom = true;
}

/* The live peer (not gone) that holds remote r now, -1 if none.  Holders are
 * distinct at every step (a remote is taken only when nobody holds it), so
 * the last live peer that took r holds it unless it moved on since. */
static int holder_of(struct planner *x, const union tun46_addr6 *r)
{
	int32_t i = hidx_find(&x->holders, hidx_hash(r, sizeof(*r)), holder_eq, x, r);

	return i >= 0 && !x->live_gone[i] ? i : -1;
}

static int diff_routes(struct planner *x)
{
	const struct t46_state *live = x->live, *want = x->want;
	size_t i = 0, j = 0;

	x->rd = calloc(live->nroutes + want->nroutes + 1, sizeof(*x->rd));
	if (!x->rd)
		return -ENOMEM;
	while (i < live->nroutes || j < want->nroutes) {
		const struct st_route *l = i < live->nroutes ? &live->routes[i] : NULL;
		const struct st_route *w = j < want->nroutes ? &want->routes[j] : NULL;
		int c = !l ? 1 : !w ? -1 : st_route_cmp(l->addr, l->plen, w->addr, w->plen);
		struct rdiff *d = &x->rd[x->nrd];

		if (c < 0) { /* live only: delete */
			d->r =
			    (struct t46_plan_route){.addr = l->addr, .plen = l->plen, .old_id = l->peer_id, .want = -1};
			x->nrd++;
			x->plan->routes_del++;
			i++;
			continue;
		}
		const struct st_peer *wp = st_find_peer(want, w->peer);

		if (!wp) {
			perr(x->errs, w->line, "route refers to peer %s, which the file does not define", w->peer);
			j++;
			if (c == 0)
				i++;
			continue;
		}
		int wi = wp - want->peers;

		if (c > 0) { /* desired only: add */
			d->r = (struct t46_plan_route){.addr = w->addr, .plen = w->plen, .old_id = 0, .want = wi};
			x->nrd++;
			x->plan->routes_add++;
			j++;
			continue;
		}
		if (!x->plan->want_id[wi] || x->plan->want_id[wi] != l->peer_id) {
			d->r =
			    (struct t46_plan_route){.addr = w->addr, .plen = w->plen, .old_id = l->peer_id, .want = wi};
			x->nrd++;
			x->plan->routes_change++;
		}
		i++;
		j++;
	}
	return 0;
}

/* Emit a route batch of the diff entries selected by pick(). */
static int emit_routes(struct planner *x, enum t46_op_kind kind, bool (*pick)(const struct rdiff *, void *), void *arg)
{
	size_t n = 0;
	struct t46_op *op;

	for (size_t k = 0; k < x->nrd; k++)
		n += !x->rd[k].handled && pick(&x->rd[k], arg);
	if (!n)
		return 0;
	if (!(op = new_op(x->plan, kind)) || !(op->r = malloc(n * sizeof(*op->r)))) {
		x->oom = true;
		return -ENOMEM;
	}
	for (size_t k = 0; k < x->nrd; k++) {
		if (x->rd[k].handled || !pick(&x->rd[k], arg))
			continue;
		op->r[op->n++] = x->rd[k].r;
		x->rd[k].handled = true;
	}
	return 0;
}

static bool pick_set(const struct rdiff *d, void *arg)
{
	(void)arg;
	return d->r.want >= 0;
}

static bool pick_del(const struct rdiff *d, void *arg)
{
	(void)arg;
	return d->r.want < 0;
}

struct early {
	struct planner *x;
	uint32_t id;
};

/* routes that currently use the peer being removed early and go elsewhere */
static bool pick_early_set(const struct rdiff *d, void *arg)
{
	const struct early *e = arg;

	return d->r.old_id == e->id && d->r.want >= 0;
}

static bool pick_early_del(const struct rdiff *d, void *arg)
{
	const struct early *e = arg;

	return d->r.old_id == e->id && d->r.want < 0;
}

/* May live peer i be removed now?  Every route that still uses it must move
 * to a peer that exists at this point. */
static bool can_remove_early(struct planner *x, size_t i)
{
	uint32_t id = x->live->peers[i].id;

	for (size_t k = 0; k < x->nrd; k++) {
		const struct rdiff *d = &x->rd[k];

		if (d->handled || d->r.old_id != id || d->r.want < 0)
			continue;
		if (!x->plan->want_id[d->r.want] && !x->want_done[d->r.want])
			return false; /* target is a new peer not written yet */
	}
	return true;
}

static void emit_peer_set(struct planner *x, size_t j, bool auto_later)
{
	const struct st_peer *w = &x->want->peers[j];
	const struct st_peer *l = live_of_want(x, j);
	struct t46_op *op = new_op(x->plan, T46_OP_PEER_SET);

	if (!op) {
		x->oom = true;
		return;
	}
	op->want = j;
	op->newp = w->p;
	op->auto_later = auto_later && (w->p.flags & TUN46_PEER_F_LOCAL_AUTO);
	if (l) {
		op->had_old = true;
		op->oldp = l->p;
		op->id = l->id;
		hold(x, l - x->live->peers, &w->p.remote);
	}
	x->want_done[j] = true;
}

static void plan_peers(struct planner *x, bool auto_later)
{
	const struct t46_state *live = x->live, *want = x->want;
	size_t left = 0;

	for (size_t i = 0; i < live->npeers; i++)
		hold(x, i, &live->peers[i].p.remote);
	for (size_t j = 0; j < want->npeers; j++) {
		const struct st_peer *l = live_of_want(x, j);

		x->want_set[j] =
		    !l || strcmp(l->p.name, want->peers[j].p.name) || !st_peer_equal(&l->p, &want->peers[j].p);
		x->want_done[j] = !x->want_set[j];
		left += x->want_set[j];
		if (x->want_set[j]) {
			if (l)
				x->plan->peers_change++;
			else
				x->plan->peers_add++;
		}
	}
	while (left && !x->oom) {
		bool progress = false;

		for (size_t j = 0; j < want->npeers; j++) {
			if (x->want_done[j])
				continue;
			int h = holder_of(x, &want->peers[j].p.remote);

			if (h >= 0 && h != x->want_live[j])
				continue; /* blocked: another live peer still holds its remote */
			emit_peer_set(x, j, auto_later);
			left--;
			progress = true;
		}
		if (!left || progress)
			continue;
		/* stuck: remove a peer that goes away and holds a wanted remote */
		for (size_t i = 0; i < live->npeers && !progress; i++) {
			if (x->live_fate[i] >= 0 || x->live_gone[i] || !can_remove_early(x, i))
				continue;
			struct early e = {.x = x, .id = live->peers[i].id};
			struct t46_op *op;

			emit_routes(x, T46_OP_ROUTE_SET, pick_early_set, &e);
			emit_routes(x, T46_OP_ROUTE_DEL, pick_early_del, &e);
			if (!(op = new_op(x->plan, T46_OP_PEER_DEL))) {
				x->oom = true;
				return;
			}
			op->id = live->peers[i].id;
			op->oldp = live->peers[i].p;
			x->live_gone[i] = true;
			x->plan->peers_del++;
			progress = true;
		}
		if (!progress) {
			char names[200] = "";
			size_t off = 0;

			for (size_t j = 0; j < want->npeers && off < sizeof(names); j++) {
				if (!x->want_done[j])
					off += snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "",
							want->peers[j].p.name);
			}
			perr(x->errs, 0,
			     "cannot order the change of peers %s: their remote addresses are exchanged; "
			     "apply it in two steps (first give one of them a temporary remote)",
			     names);
			return;
		}
	}
}

static void plan_peer_dels(struct planner *x)
{
	for (size_t i = 0; i < x->live->npeers; i++) {
		struct t46_op *op;

		if (x->live_fate[i] >= 0 || x->live_gone[i])
			continue;
		if (!(op = new_op(x->plan, T46_OP_PEER_DEL))) {
			x->oom = true;
			return;
		}
		op->id = x->live->peers[i].id;
		op->oldp = x->live->peers[i].p;
		x->plan->peers_del++;
	}
}

static void check_capacity(struct planner *x, uint32_t max_peers)
{
	size_t n = x->live->npeers;

	for (size_t j = 0; j < x->want->npeers; j++)
		n += !x->plan->want_id[j];
	if (max_peers && n > max_peers - 1)
		perr(x->errs, 0,
		     "the change needs %zu peers at once but the datapath holds %u; remove peers first or "
		     "reload with a larger TUN46_MAX_PEERS",
		     n, max_peers - 1);
}

size_t t46_plan_build(const struct t46_state *live, const struct t46_state *want, const struct t46_target *target,
		      uint32_t max_peers, struct t46_plan *plan, struct t46_cfg_errs *errs)
{
	struct planner x = {.live = live, .want = want, .plan = plan, .errs = errs};
	size_t errs_before = errs->total;
	bool auto_later = attaches_wan(live, want);
	struct t46_state w2;

	memset(plan, 0, sizeof(*plan));
	plan->nwant = want->npeers;
	plan->state_goes = !want->nlinks && !want->npeers && !want->nroutes;
	plan->want_id = calloc(want->npeers + 1, sizeof(*plan->want_id));
	x.live_fate = calloc(live->npeers + 1, sizeof(int));
	x.want_done = calloc(want->npeers + 1, sizeof(bool));
	x.want_set = calloc(want->npeers + 1, sizeof(bool));
	x.live_gone = calloc(live->npeers + 1, sizeof(bool));
	x.holder_remote = calloc(live->npeers + 1, sizeof(union tun46_addr6));
	x.want_live = calloc(want->npeers + 1, sizeof(int));
	/* resolve "local auto" now unless a WAN is attached by this plan */
	w2 = *want;
	w2.peers = calloc(want->npeers + 1, sizeof(*w2.peers));
	w2.pidx = NULL; /* its own index (the array is its own) */
	if (!plan->want_id || !x.live_fate || !x.want_done || !x.want_set || !x.live_gone || !x.holder_remote ||
	    !x.want_live || !w2.peers) {
		perr(errs, 0, "out of memory");
		goto out;
	}
	if (want->npeers)
		memcpy(w2.peers, want->peers, want->npeers * sizeof(*w2.peers));
	for (size_t j = 0; j < w2.npeers && !auto_later; j++) {
		struct tun46_peer *p = &w2.peers[j].p;

		if ((p->flags & TUN46_PEER_F_LOCAL_AUTO) && target->local_auto(target->arg, &p->remote, &p->local))
			perr(errs, w2.peers[j].line, "peer %s: cannot resolve local auto (see above); give local ADDR6",
			     p->name);
	}
	x.want = &w2;
	match_peers(&x);
	check_capacity(&x, max_peers);
	if (diff_routes(&x)) {
		perr(errs, 0, "out of memory");
		goto out;
	}
	if (errs->total != errs_before)
		goto out;
	plan_links_attach(&x);
	plan_peers(&x, auto_later);
	emit_routes(&x, T46_OP_ROUTE_SET, pick_set, NULL);
	emit_routes(&x, T46_OP_ROUTE_DEL, pick_del, NULL);
	plan_peer_dels(&x);
	plan_links_detach(&x);
	if (x.oom)
		perr(errs, 0, "out of memory");
	/* the planned peer values carry the resolved local addresses */
	for (size_t k = 0; k < plan->nops; k++) {
		struct t46_op *op = &plan->ops[k];

		if (op->kind == T46_OP_PEER_SET)
			op->newp = w2.peers[op->want].p;
	}
out:
	st_peers_changed(&w2);
	free(w2.peers);
	free(x.want_live);
	hidx_free(&x.holders);
	free(x.live_fate);
	free(x.want_done);
	free(x.want_set);
	free(x.live_gone);
	free(x.holder_remote);
	free(x.rd);
	return errs->total - errs_before;
}

/* ---- execution ---- */

static int run_routes(const struct t46_target *t, const struct t46_op *op, const struct t46_plan *plan, bool undo)
{
	struct be_route *r = malloc((op->n + 1) * sizeof(*r));
	size_t nset = 0, ndel = 0;
	int err = 0;

	if (!r)
		return -ENOMEM;
	if (!undo) {
		uint32_t *old = t->route_update_known ? malloc((op->n + 1) * sizeof(*old)) : NULL;

		for (size_t k = 0; k < op->n; k++) {
			r[k].addr = op->r[k].addr;
			r[k].plen = op->r[k].plen;
			r[k].peer_id = op->kind == T46_OP_ROUTE_SET ? plan->want_id[op->r[k].want] : op->r[k].old_id;
			if (old)
				old[k] = op->r[k].old_id;
		}
		if (op->kind == T46_OP_ROUTE_SET)
			err = old ? t->route_update_known(t->arg, r, old, op->n) : t->route_update(t->arg, r, op->n);
		else
			err = t->route_delete_known ? t->route_delete_known(t->arg, r, op->n, plan->state_goes)
						    : t->route_delete(t->arg, r, op->n);
		free(old);
		free(r);
		return err;
	}
	/* undo: routes that existed get their old peer back, new ones go */
	for (size_t k = 0; k < op->n; k++) {
		if (op->r[k].old_id)
			r[nset++] =
			    (struct be_route){.addr = op->r[k].addr, .plen = op->r[k].plen, .peer_id = op->r[k].old_id};
	}
	if (nset)
		err = t->route_update(t->arg, r, nset);
	for (size_t k = 0; k < op->n; k++) {
		if (!op->r[k].old_id)
			r[ndel++] = (struct be_route){.addr = op->r[k].addr, .plen = op->r[k].plen};
	}
	if (ndel && !err)
		err = t->route_delete(t->arg, r, ndel);
	free(r);
	return err;
}

static int run_op(struct t46_op *op, struct t46_plan *plan, const struct t46_target *t)
{
	struct tun46_peer p;
	int err;

	switch (op->kind) {
	case T46_OP_LINK_ATTACH:
		if (op->had_old) {
			if ((err = t->link_detach(t->arg, op->ifname)))
				return err;
			op->stage = 1;
		}
		if ((err = t->link_attach(t->arg, op->ifname, op->role, op->mode)))
			return err;
		op->stage = 2;
		return 0;
	case T46_OP_LINK_DETACH:
		if ((err = t->link_detach(t->arg, op->ifname)))
			return err;
		op->stage = 2;
		return 0;
	case T46_OP_PEER_SET:
		p = op->newp;
		if (op->auto_later && (err = t->local_auto(t->arg, &p.remote, &p.local)))
			return err;
		if (!op->id) {
			if ((err = t->peer_alloc(t->arg, &op->id)))
				return err;
			op->allocated = true;
		}
		p.flags |= TUN46_PEER_F_ACTIVE;
		if ((err = t->peer_set(t->arg, op->id, &p))) {
			if (op->allocated)
				op->id = 0, op->allocated = false;
			return err;
		}
		plan->want_id[op->want] = op->id;
		op->stage = 2;
		return 0;
	case T46_OP_PEER_DEL:
		if ((err = t->peer_del(t->arg, op->id)))
			return err;
		op->stage = 2;
		return 0;
	default:
		if ((err = run_routes(t, op, plan, false)))
			return err;
		op->stage = 2;
		return 0;
	}
}

static int undo_op(struct t46_op *op, struct t46_plan *plan, const struct t46_target *t)
{
	struct tun46_peer p;
	int err = 0;

	switch (op->kind) {
	case T46_OP_LINK_ATTACH:
		if (op->stage == 2)
			err = t->link_detach(t->arg, op->ifname);
		if (!err && op->had_old && op->stage >= 1)
			err = t->link_attach(t->arg, op->ifname, op->old_role, op->old_mode);
		return err;
	case T46_OP_LINK_DETACH:
		return op->stage == 2 ? t->link_attach(t->arg, op->ifname, op->old_role, op->old_mode) : 0;
	case T46_OP_PEER_SET:
		if (op->stage != 2)
			return 0;
		if (!op->had_old)
			return t->peer_del(t->arg, op->id);
		p = op->oldp;
		p.flags |= TUN46_PEER_F_ACTIVE;
		return t->peer_set(t->arg, op->id, &p);
	case T46_OP_PEER_DEL:
		if (op->stage != 2)
			return 0;
		p = op->oldp;
		p.flags |= TUN46_PEER_F_ACTIVE;
		return t->peer_set(t->arg, op->id, &p);
	default:
		return op->stage == 2 ? run_routes(t, op, plan, true) : 0;
	}
}

int t46_plan_run(struct t46_plan *plan, const struct t46_target *target, bool *rollback_failed)
{
	size_t i;
	int err = 0;

	*rollback_failed = false;
	for (i = 0; i < plan->nops; i++) {
		if ((err = run_op(&plan->ops[i], plan, target)))
			break;
	}
	if (!err)
		return 0;
	/* the failed op may have done its first stage (link re-attach) */
	for (size_t k = i + 1; k-- > 0;) {
		if (undo_op(&plan->ops[k], plan, target))
			*rollback_failed = true;
	}
	return err;
}
