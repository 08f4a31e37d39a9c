// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * follow.c — peers that follow the network (see names.h): refreshing a DNS
 * peer's remote (be_peer_refresh) and following the WAN address of a "local
 * auto" peer (be_peer_follow_local).  Front-facing layer, above peers.c: it
 * may call the peer writes (peers.c), the name records and resolution
 * (names.c) and the peer table; nothing in lib/ below calls it (the command
 * and tun46d do).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "be_internal.h"
#include "names.h"

int be_peer_refresh(struct be *be, uint32_t id, struct t46_refresh *r)
{
	struct t46_name_rec rec;
	struct t46_answer ans;
	struct tun46_peer p;
	const union tun46_addr6 *pick;
	char a[INET6_ADDRSTRLEN];
	int err;

	memset(r, 0, sizeof(*r));
	err = be_name_get(be, id, &rec);
	if (err)
		return err;
	memcpy(r->name, rec.name, sizeof(r->name));
	err = be_peer_get(be, id, &p);
	if (err)
		return err;
	r->old = r->now = p.remote;
	err = t46_resolve_aaaa(rec.name, &ans, r->why, sizeof(r->why));
	if (!err) {
		r->ttl = ans.ttl;
		pick = t46_answer_pick(&ans, &p.remote);
		if (!memcmp(pick, &p.local, sizeof(p.local))) {
			snprintf(r->why, sizeof(r->why), "%s resolves to %s, the peer's own local address", rec.name,
				 inet_ntop(AF_INET6, pick->b, a, sizeof(a)));
			err = -EINVAL;
		} else if (memcmp(pick, &p.remote, sizeof(p.remote))) {
			struct tun46_peer np = p;

			np.remote = *pick;
			err = be_peer_set(be, id, &np);
			if (err)
				snprintf(r->why, sizeof(r->why), "%s: cannot move the peer to %s (%s)", rec.name,
					 inet_ntop(AF_INET6, pick->b, a, sizeof(a)), strerror(-err));
			else {
				r->now = *pick;
				r->changed = true;
			}
		}
	}
	if (err) {
		rec.failures++;
		rec.failed_at = (uint64_t)time(NULL);
	} else {
		rec.resolutions++;
		rec.resolved_at = (uint64_t)time(NULL);
		rec.ttl = ans.ttl;
	}
	be_name_set(be, id, &rec);
	return err;
}

/* ---- local auto ---- */

int be_peer_follow_local(struct be *be, uint32_t id, union tun46_addr6 *old, union tun46_addr6 *now)
{
	struct tun46_peer p, np;
	union tun46_addr6 l;
	int err;

	err = be_peer_get(be, id, &p);
	if (err)
		return err;
	if (!(p.flags & TUN46_PEER_F_LOCAL_AUTO))
		return 0;
	err = be_local_follow(be, &p.remote, &p.local, &l);
	if (err)
		return err;
	if (!memcmp(&l, &p.local, sizeof(l)))
		return 0;
	if (!memcmp(&l, &p.remote, sizeof(l))) {
		char a[INET6_ADDRSTRLEN];

		be_err("peer %s: local auto would be %s, the peer's remote; keeping %s", p.name,
		       inet_ntop(AF_INET6, l.b, a, sizeof(a)), "the old address");
		return -EINVAL;
	}
	np = p;
	np.local = l;
	err = be_peer_set(be, id, &np);
	if (err)
		return err;
	*old = p.local;
	*now = l;
	return 1;
}
