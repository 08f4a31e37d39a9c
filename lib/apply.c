// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* apply.c — config apply of a desired state (see apply.h). */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "sanity.h"
#include "live.h"
#include "names.h"

#define add_err t46_cfg_err_add

/* The desired peers whose remote is a DNS name get an address: the live one
 * when the live peer of that name follows the same DNS name, else a fresh
 * answer (ttl[j] = its TTL, fresh[j] = true). */
static void resolve_names(const struct t46_state *live, struct t46_state *want, uint32_t *ttl, bool *fresh,
			  struct t46_cfg_errs *errs)
{
	for (size_t j = 0; j < want->npeers; j++) {
		struct st_peer *w = &want->peers[j];
		const struct st_peer *l;
		struct t46_answer ans;
		char why[400];

		if (!w->remote_name[0])
			continue;
		l = st_find_peer(live, w->p.name);
		if (l && !strcmp(l->remote_name, w->remote_name)) {
			w->p.remote = l->p.remote;
			continue;
		}
		if (t46_resolve_aaaa(w->remote_name, &ans, why, sizeof(why))) {
			add_err(errs, w->line, w->remote_name, "peer %s: cannot resolve remote %s: %s", w->p.name,
				w->remote_name, why);
			continue;
		}
		w->p.remote = *t46_answer_pick(&ans, l ? &l->p.remote : NULL);
		ttl[j] = ans.ttl;
		fresh[j] = true;
		if (!(w->p.flags & TUN46_PEER_F_LOCAL_AUTO) && !memcmp(&w->p.local, &w->p.remote, 16))
			add_err(errs, w->line, w->remote_name, "peer %s: remote %s resolves to its local address",
				w->p.name, w->remote_name);
	}
	st_peers_changed(want);
	/* remotes are distinct: one holder (literals were checked when parsed) */
	for (size_t j = 0; j < want->npeers; j++) {
		const struct st_peer *o = st_find_peer_remote(want, &want->peers[j].p.remote);
		char a[64];

		if (o && o != &want->peers[j] && want->peers[j].remote_name[0])
			add_err(errs, want->peers[j].line, want->peers[j].remote_name,
				"peer %s: remote %s (%s) is already used by peer %s (line %d)", want->peers[j].p.name,
				want->peers[j].remote_name, t46_fmt_addr6(&want->peers[j].p.remote, a, sizeof(a)),
				o->p.name, o->line);
	}
}

/* After the plan ran: each desired peer's DNS name (or none) in the table. */
static void record_names(struct be *be, const struct t46_state *want, const struct t46_plan *plan, const uint32_t *ttl,
			 const bool *fresh)
{
	for (size_t j = 0; j < want->npeers; j++) {
		const struct st_peer *w = &want->peers[j];
		uint32_t id = plan->want_id[j];
		struct t46_name_rec rec;

		if (!id && be_peer_find(be, w->p.name, &id))
			continue;
		if (!w->remote_name[0]) {
			be_name_del(be, id);
			continue;
		}
		if (be_name_get(be, id, &rec) || strcmp(rec.name, w->remote_name)) {
			memset(&rec, 0, sizeof(rec));
			snprintf(rec.name, sizeof(rec.name), "%s", w->remote_name);
		} else if (!fresh[j]) {
			continue; /* unchanged: the daemon keeps following it */
		}
		if (fresh[j]) {
			rec.ttl = ttl[j];
			rec.resolved_at = (uint64_t)time(NULL);
			rec.resolutions++;
		}
		be_name_set(be, id, &rec);
	}
}

/* Plan want against live and add what would be refused: interfaces missing
 * from this namespace, and what would give a dead tunnel (sanity.c). */
static void plan_checked(struct be *be, const struct t46_state *live, const struct t46_state *want,
			 const struct t46_target *target, struct t46_plan *plan, struct t46_cfg_errs *errs)
{
	if (t46_plan_build(live, want, target, be_loaded(be) ? be_peer_max(be) : 0, plan, errs))
		return;
	for (size_t i = 0; i < plan->nops; i++) {
		const struct t46_op *op = &plan->ops[i];
		const struct st_link *l = st_find_link(want, op->ifname);

		if (op->kind == T46_OP_LINK_ATTACH && !if_nametoindex(op->ifname))
			add_err(errs, l ? l->line : 0, op->ifname, "no interface named %s in this namespace",
				op->ifname);
	}
	t46_sanity_plan(live, want, plan, errs);
}

int t46_config_apply_state(struct be *be, struct t46_state *want, struct t46_cfg_errs *errs, struct t46_plan *plan,
			   bool *rollback_failed)
{
	struct t46_state live;
	struct t46_target target;
	uint32_t *ttl = NULL;
	bool *fresh = NULL;
	int err;

	*rollback_failed = false;
	memset(plan, 0, sizeof(*plan));
	st_init(&live);
	ttl = calloc(want->npeers + 1, sizeof(*ttl));
	fresh = calloc(want->npeers + 1, sizeof(*fresh));
	if (!ttl || !fresh) {
		err = -ENOMEM;
		goto out;
	}
	t46_live_target(be, &target);
	if (!be_loaded(be) && (want->nlinks || want->npeers || want->nroutes)) {
		/* the first apply in this namespace: check the file before loading
		 * anything, so that a refused file leaves the namespace as it was */
		resolve_names(&live, want, ttl, fresh, errs);
		if (!errs->total)
			plan_checked(be, &live, want, &target, plan, errs);
		t46_plan_free(plan);
		memset(plan, 0, sizeof(*plan));
		if (errs->total) {
			err = -EINVAL;
			goto out;
		}
		if ((err = be_ensure_loaded(be)))
			goto out;
	}
	if ((err = t46_live_read(be, &live))) {
		add_err(errs, 0, "", "cannot read the live state: %s", strerror(-err));
		goto out;
	}
	resolve_names(&live, want, ttl, fresh, errs);
	if (errs->total) {
		err = -EINVAL;
		goto out;
	}
	plan_checked(be, &live, want, &target, plan, errs);
	if (errs->total) {
		err = -EINVAL;
		goto out;
	}
	err = t46_plan_run(plan, &target, rollback_failed);
	if (!err)
		record_names(be, want, plan, ttl, fresh);
out:
	free(ttl);
	free(fresh);
	st_free(&live);
	return err;
}
