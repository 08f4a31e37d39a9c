// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* dns.c — peers whose remote is a DNS name: each is re-resolved when its
 * answer's TTL (clamped to [dns_min, dns_max]) ran out, after a failure
 * every dns_min, and all at once on SIGHUP.  A new address moves the peer
 * (be_peer_refresh); a failure keeps the last good address, is counted in
 * the peer's record (metrics) and logged. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "names.h"
#include "tun46d.h"

static unsigned int dns_peers;

unsigned int d_dns_count(void)
{
	return dns_peers;
}

struct due {
	uint32_t *id;
	size_t n, cap;
	uint64_t now, next;
	bool force;
	unsigned int count;
};

static int scan(uint32_t id, const struct t46_name_rec *rec, void *arg)
{
	struct due *d = arg;
	uint64_t at = t46_name_due(rec, d_opts.dns_min, d_opts.dns_max);

	d->count++;
	if (!d->force && at > d->now) {
		if (at < d->next)
			d->next = at;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		uint32_t *n = realloc(d->id, cap * sizeof(*n));

		if (!n)
			return -1;
		d->id = n;
		d->cap = cap;
	}
	d->id[d->n++] = id;
	return 0;
}

unsigned int d_dns_run(bool force)
{
	struct due d = {.now = (uint64_t)time(NULL), .force = force};
	struct be *be;

	d.next = d.now + d_opts.dns_min; /* names added by the command are seen within dns_min */
	be = d_be_open(false);
	if (!be)
		return d_opts.dns_min;
	if (be_loaded(be))
		be_name_foreach(be, scan, &d);
	be_close(be);
	dns_peers = d.count;
	be = d.n ? d_be_open(true) : NULL;
	for (size_t i = 0; be && i < d.n; i++) {
		struct t46_refresh r;
		struct t46_name_rec rec;
		struct tun46_peer p;
		char o[INET6_ADDRSTRLEN], w[INET6_ADDRSTRLEN];
		int err;

		if (be_peer_get(be, d.id[i], &p))
			continue; /* deleted meanwhile */
		p.name[TUN46_NAME_LEN - 1] = '\0';
		err = be_peer_refresh(be, d.id[i], &r);
		if (err == -ENOENT && !r.name[0])
			continue; /* its name went meanwhile */
		inet_ntop(AF_INET6, r.old.b, o, sizeof(o));
		inet_ntop(AF_INET6, r.now.b, w, sizeof(w));
		if (err) {
			d_log("peer %s: cannot resolve %s: %s; keeping %s", p.name, r.name, r.why, o);
		} else if (r.changed) {
			d_cnt.remote_changes++;
			d_log("peer %s: remote %s -> %s (%s, ttl %u)", p.name, o, w, r.name, r.ttl);
			d_hook_run("remote", p.name, o, w, r.name);
		} else {
			d_debug("peer %s: %s still %s (ttl %u)", p.name, r.name, w, r.ttl);
		}
		if (be_name_get(be, d.id[i], &rec) == 0) {
			uint64_t at = t46_name_due(&rec, d_opts.dns_min, d_opts.dns_max);

			if (at < d.next)
				d.next = at;
		}
	}
	if (be)
		be_close(be);
	free(d.id);
	d.now = (uint64_t)time(NULL);
	return d.next > d.now ? (unsigned int)(d.next - d.now) : 1;
}
