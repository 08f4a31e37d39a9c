/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * journal.c — a write command killed half way (SIGKILL, power cut of the
 * command, OOM) is found by the next one and repaired.
 *
 * Every command that may write records itself in tun46_layout (pid, what,
 * since when) once it holds the state lock with a loaded state, and clears
 * the record when it is done (be_close).  The lock is an flock, released by
 * the kernel when a process dies, so the next command that takes the lock
 * and finds the record knows its writer died.  It says so and repairs:
 *
 *   - the decap index is rewritten from the peers (an entry per active
 *     peer's remote, with its local, flags and key; entries of no peer go);
 *   - routes whose peer does not exist leave tun46_routes;
 *   - tun46_ports entries without a tun46_links record go (a half-done attach);
 *   - the tunnel device is made again if it is missing, its MTU follows the
 *     peers;
 *   - the kernel routes through the tunnel device are made equal to
 *     tun46_routes: missing ones added, extra ones deleted, a changed MTU
 *     rewritten (routes_reconcile).
 *
 * Repair, not rollback: the maps are what the datapath runs on, and every
 * single map write is atomic, so what a killed command had written is a
 * consistent, partial step toward what it was asked to do.  Making the rest
 * of the state agree with the maps needs no record of the old state (an
 * undo log of 100,000 routes would cost the apply a second copy of every
 * write), and `config apply` of the same file afterwards finishes the job
 * (it is idempotent: it applies the difference).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "be_internal.h"

void journal_begin(struct be *be)
{
	if (be->readonly || !be->loaded || be->journal_on)
		return;
	if (layout_journal(be, true, NULL) == 0)
		be->journal_on = true;
}

void journal_end(struct be *be)
{
	if (!be->journal_on)
		return;
	if (be->loaded)
		(void)layout_journal(be, false, NULL);
	be->journal_on = false;
}

/* ---- kernel routes through the tunnel device ---- */

struct kroutes {
	uint32_t tun;
	struct nl_route *r;
	size_t n, cap;
	int err;
};

static int kroute_cb(struct nlmsghdr *n, void *arg)
{
	struct kroutes *k = arg;
	struct rtmsg *rtm = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
	struct nl_route r = {0};
	uint32_t oif = 0, table = rtm->rtm_table;
	struct rtattr *a;

	if (n->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET || rtm->rtm_protocol != TUN46_RTPROT)
		return 0;
	r.plen = rtm->rtm_dst_len;
	for (a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4)
			oif = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == 4)
			memcpy(&r.addr, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_TABLE && RTA_PAYLOAD(a) == 4)
			table = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == RTA_METRICS) {
			int ml = RTA_PAYLOAD(a);
			struct rtattr *m;

			for (m = RTA_DATA(a); RTA_OK(m, ml); m = RTA_NEXT(m, ml))
				if (m->rta_type == RTAX_MTU && RTA_PAYLOAD(m) == 4)
					r.mtu = (uint16_t) * (uint32_t *)RTA_DATA(m);
		}
	}
	if (oif != k->tun || table != RT_TABLE_MAIN)
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1024;
		struct nl_route *nr = realloc(k->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		k->r = nr;
		k->cap = cap;
	}
	k->r[k->n++] = r;
	return 0;
}

static int kroute_cmp(const void *a, const void *b)
{
	const struct nl_route *x = a, *y = b;
	uint32_t xa = ntohl(x->addr), ya = ntohl(y->addr);

	if (xa != ya)
		return xa < ya ? -1 : 1;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

static int mtu_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	uint16_t *mtus = arg;

	mtus[id] = peer_route_mtu(p);
	return 0;
}

int routes_reconcile(struct be *be, size_t *added, size_t *deleted)
{
	struct {
		struct nlmsghdr n;
		struct rtmsg rtm;
	} req = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		  .nlmsg_type = RTM_GETROUTE,
		  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .rtm = {.rtm_family = AF_INET},
	};
	struct kroutes k = {.tun = tundev_ifindex(be)};
	struct nl_route *want = NULL, *add = NULL, *del = NULL;
	struct be_route *all = NULL;
	uint16_t *mtus = NULL;
	size_t cnt = 0, i, j, na = 0, nd = 0, done;
	int fd, err;

	*added = *deleted = 0;
	if (!k.tun)
		return 0;
	peers_flush(be);
	fd = nl_socket();
	if (fd < 0)
		return fd;
	err = nl_talk_fd(fd, &req.n, kroute_cb, &k);
	close(fd);
	if (!err)
		err = be_route_list(be, &all, &cnt);
	if (err)
		goto out;
	err = -ENOMEM;
	mtus = calloc(be->max_peers, sizeof(*mtus));
	want = malloc((cnt ? cnt : 1) * sizeof(*want));
	add = malloc((cnt ? cnt : 1) * sizeof(*add));
	del = malloc((k.n ? k.n : 1) * sizeof(*del));
	if (!mtus || !want || !add || !del)
		goto out;
	be_peer_foreach(be, mtu_cb, mtus);
	for (i = 0; i < cnt; i++)
		want[i] = (struct nl_route){all[i].addr, all[i].plen,
					    all[i].peer_id < be->max_peers ? mtus[all[i].peer_id] : 0};
	qsort(want, cnt, sizeof(*want), kroute_cmp);
	if (k.n)
		qsort(k.r, k.n, sizeof(*k.r), kroute_cmp);
	for (i = j = 0; i < cnt || j < k.n;) {
		int c = i == cnt ? 1 : j == k.n ? -1 : kroute_cmp(&want[i], &k.r[j]);

		if (c < 0) {
			add[na++] = want[i++];
		} else if (c > 0) {
			del[nd++] = k.r[j++];
		} else {
			if (want[i].mtu != k.r[j].mtu)
				add[na++] = want[i]; /* replaced */
			i++;
			j++;
		}
	}
	err = 0;
	if (nd)
		err = nl_routes(false, k.tun, del, nd, &done);
	if (!err && na)
		err = nl_routes(true, k.tun, add, na, &done);
	if (!err) {
		*added = na;
		*deleted = nd;
	}
out:
	free(k.r);
	free(all);
	free(mtus);
	free(want);
	free(add);
	free(del);
	return err;
}

/* ---- repair ---- */

struct repair {
	unsigned int peers, decap_fixed, decap_gone, routes_gone, ports_gone;
	size_t kadd, kdel;
};

static struct tun46_decap decap_want(uint32_t id, const struct tun46_peer *p)
{
	struct tun46_decap d = {.peer_id = id, .flags = p->flags, .local = p->local};

	if ((p->flags & TUN46_PEER_F_GRE) && (p->flags & TUN46_PEER_F_GRE_KEY))
		d.key = p->key;
	return d;
}

static int decap_fix_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct be **bp = arg;
	struct be *be = bp[0];
	struct repair *r = (struct repair *)bp[1];
	struct tun46_decap want = decap_want(id, p), have;

	r->peers++;
	if (bpf_map_lookup_elem(be->map_fd[BE_MAP_DECAP], &p->remote, &have) == 0 &&
	    !memcmp(&have, &want, sizeof(want)))
		return 0;
	if (bpf_map_update_elem(be->map_fd[BE_MAP_DECAP], &p->remote, &want, BPF_ANY) == 0)
		r->decap_fixed++;
	return 0;
}

static void repair_decap(struct be *be, struct repair *r)
{
	void *arg[2] = {be, r};
	union tun46_addr6 key, next;
	struct tun46_decap d;
	struct tun46_peer p;
	void *prev = NULL;
	int fd = be->map_fd[BE_MAP_DECAP];

	be_peer_foreach(be, decap_fix_cb, arg);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &d))
			continue;
		if (be_peer_get(be, d.peer_id, &p) == 0 && !memcmp(&p.remote, &key, sizeof(key)))
			continue;
		if (bpf_map_delete_elem(fd, &key) == 0) {
			r->decap_gone++;
			prev = NULL; /* the walk starts again after a delete */
		}
	}
}

static void repair_routes(struct be *be, struct repair *r)
{
	struct be_route *all = NULL;
	struct tun46_route_key *gone;
	struct tun46_peer p;
	size_t n = 0, i, k = 0, done;

	if (be_route_list(be, &all, &n) || !n) {
		free(all);
		return;
	}
	gone = malloc(n * sizeof(*gone));
	for (i = 0; gone && i < n; i++)
		if (be_peer_get(be, all[i].peer_id, &p))
			gone[k++] = (struct tun46_route_key){all[i].plen, all[i].addr};
	if (k && be_map_delete_many(be, BE_MAP_ROUTES, gone, k, &done) == 0)
		r->routes_gone = (unsigned int)k;
	free(gone);
	free(all);
}

static void repair_ports(struct be *be, struct repair *r)
{
	uint32_t key, next, v;
	struct tun46_link l;
	void *prev = NULL;
	int fd = be->map_fd[BE_MAP_PORTS];

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(be->map_fd[BE_MAP_LINKS], &key, &l) == 0 || bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (bpf_map_delete_elem(fd, &key) == 0) {
			r->ports_gone++;
			prev = NULL;
		}
	}
}

int journal_recover(struct be *be)
{
	struct tun46_layout l;
	struct repair r = {0};
	struct timespec t0, t1;
	char when[64] = "an unknown time";
	time_t start;
	struct tm tm;
	uint32_t idx;
	int err = 0;

	if (!be->loaded || layout_read(be, &l) || !l.journal_pid)
		return 0;
	start = (time_t)l.journal_start;
	if (start && localtime_r(&start, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	l.journal_op[sizeof(l.journal_op) - 1] = 0;
	if (be->readonly) {
		be_warn("a previous tun46 (pid %u) was interrupted during %s at %s; the next command that "
			"changes the state repairs it",
			l.journal_pid, l.journal_op[0] ? l.journal_op : "a write command", when);
		return 0;
	}
	be_err("a previous tun46 (pid %u) was interrupted during %s at %s; repairing", l.journal_pid,
	       l.journal_op[0] ? l.journal_op : "a write command", when);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	repair_decap(be, &r);
	repair_routes(be, &r);
	repair_ports(be, &r);
	if (!tundev_ifindex(be))
		err = tundev_ensure(be, &idx, peers_tun_mtu(be));
	be->tun_mtu_dirty = true; /* peers_flush (in routes_reconcile) sets the tunnel MTU */
	if (!err)
		err = routes_reconcile(be, &r.kadd, &r.kdel);
	(void)config_bump_gen(be);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err) {
		be_err("cannot repair the state: %s; the next tun46 command tries again", strerror(-err));
		return err;
	}
	(void)layout_journal(be, false, NULL);
	be_err("repaired in %.0f ms: %u peers checked, %u decap index entries rewritten and %u removed, %u routes of "
	       "missing peers removed, %u ports without a link record removed, kernel routes through %s: %zu added, "
	       "%zu deleted; run the interrupted command again to finish it",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, r.peers, r.decap_fixed,
	       r.decap_gone, r.routes_gone, r.ports_gone, TUN46_TUNDEV_NAME, r.kadd, r.kdel);
	return 0;
}
