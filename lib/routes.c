/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * routes.c — tun46_routes (LPM trie) and the kernel routes through the
 * tunnel device that mirror it (`PREFIX dev tun46 proto 46 mtu PEERMTU`).
 *
 * Writes are batched (bpf_map_update_batch / delete_batch where the kernel
 * supports them for the trie, else one syscall per element; rtnetlink
 * requests many per sendmsg) and all-or-nothing: on a failure the map and
 * the kernel routes are put back as they were.
 *
 * Exact-match test on an LPM trie: lookup() is a longest-prefix match, so
 * "does K exist" uses get_next_key(): for a key that is not in the trie the
 * kernel answers with the first key of the trie, for one that is, with the
 * key after it (or -ENOENT for the last one).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "ridx.h"

/* ---- writes ---- */

static const struct be_route *find_sorted(const struct be_route *all, size_t n, const struct be_route *k)
{
	return bsearch(k, all, n, sizeof(*all), routes_cmp);
}

/* What each key of the batch holds now, for the rollback. */
static int snapshot(struct be *be, const struct be_route *r, size_t n, struct old_route *old)
{
	struct be_route *all;
	size_t cnt, i, total;
	int err;

	/* three lookups per key (~3 us), or one list of every route (~0.1 us
	 * per route from the index, ~1 us from the trie): the cheaper one */
	if (n <= 4096 || (ridx_total(be, &total) == 0 && n * 32 < total)) {
		for (i = 0; i < n; i++)
			old[i].existed = routes_exact(be, r[i].addr, r[i].plen, &old[i].peer_id) == 0;
		return 0;
	}
	err = be_route_list(be, &all, &cnt);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const struct be_route *f = find_sorted(all, cnt, &r[i]);

		old[i].existed = f != NULL;
		old[i].peer_id = f ? f->peer_id : 0;
	}
	free(all);
	return 0;
}

/* Put the first cnt keys of the batch back as they were (not counted by
 * the failure hook: a rollback must not be failed). */
static bool map_restore(struct be *be, const struct be_route *r, const struct old_route *old, size_t cnt)
{
	int fd = be->map_fd[BE_MAP_ROUTES];
	bool ok = true;

	for (size_t i = 0; i < cnt; i++) {
		struct tun46_route_key k = {r[i].plen, r[i].addr};
		struct tun46_route v = {old[i].peer_id};

		if (old[i].existed)
			ok &= bpf_map_update_elem(fd, &k, &v, BPF_ANY) == 0;
		else
			ok &= bpf_map_delete_elem(fd, &k) == 0 || errno == ENOENT;
	}
	maps_written(be, BE_MAP_ROUTES);
	return ok; /* the map is as it was: the route index still holds */
}

/* Put the kernel routes of the first cnt keys back as they were: two
 * batches (re-add with the old peer's MTU, delete the new ones), errors
 * ignored (a rollback does what it can). */
static void kernel_restore(uint32_t tun, const struct be_route *r, const struct old_route *old, size_t cnt,
			   const uint16_t *mtus)
{
	struct nl_route *nr = malloc((cnt ? cnt : 1) * sizeof(*nr));
	size_t i, k = 0, done;

	if (!nr)
		return;
	for (i = 0; i < cnt; i++) {
		if (old[i].existed)
			nr[k++] = (struct nl_route){r[i].addr, r[i].plen, mtus[old[i].peer_id]};
	}
	for (i = 0; k && i < k; i += done ? done : 1) /* on an error: on after the failed one */
		nl_routes(true, tun, nr + i, k - i, &done);
	k = 0;
	for (i = 0; i < cnt; i++) {
		if (!old[i].existed)
			nr[k++] = (struct nl_route){r[i].addr, r[i].plen, 0};
	}
	for (i = 0; k && i < k; i += done ? done : 1)
		nl_routes(false, tun, nr + i, k - i, &done);
	free(nr);
}

static int check_prefix(const struct be_route *r)
{
	char a[INET_ADDRSTRLEN];

	if (r->plen <= 32 && !(r->addr & ~routes_plen_mask(r->plen)))
		return 0;
	inet_ntop(AF_INET, &r->addr, a, sizeof(a));
	be_err("bad prefix %s/%u: the length must be 0..32 and the host bits zero", a, r->plen);
	return -EINVAL;
}

static const char *why(int err)
{
	return err == -ENOSPC ? "the route map is full (its size is TUN46_MAX_ROUTES at first load)" : strerror(-err);
}

/* ---- the map and the kernel routes, side by side ----
 * A batch of 1,000,000 routes costs ~2.5 s of LPM trie updates and ~8 s of
 * kernel route changes (rtnetlink: fib_table_insert/delete, each
 * notified).  They are independent kernel work, so a helper thread writes
 * the map in chunks while this thread sends each chunk's kernel routes once
 * the chunk is in the map (a kernel route never points at a prefix the map
 * lacks, as before).  On any failure both are put back as they were (old[]),
 * so the batch stays all or nothing. */
#define ROUTE_CHUNK 16384

struct map_writer {
	struct be *be;
	bool add;
	const struct tun46_route_key *keys;
	const struct tun46_route *vals;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t written; /* [0, written) are in the map (or out of it, for a delete) */
	bool finished, stop;
	int err;
};

static void *map_write(void *arg)
{
	struct map_writer *w = arg;

	for (size_t off = 0; off < w->n; off += ROUTE_CHUNK) {
		size_t m = w->n - off < ROUTE_CHUNK ? w->n - off : ROUTE_CHUNK, done = 0;
		bool stop;
		int err;

		pthread_mutex_lock(&w->mu);
		stop = w->stop;
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		err = w->add ? be_map_update_many(w->be, BE_MAP_ROUTES, w->keys + off, w->vals + off, m, &done)
			     : be_map_delete_many(w->be, BE_MAP_ROUTES, w->keys + off, m, &done);
		pthread_mutex_lock(&w->mu);
		w->written = off + (err ? done : m);
		w->err = err;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		if (err)
			break;
	}
	pthread_mutex_lock(&w->mu);
	w->finished = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int map_and_kernel(struct be *be, bool add, const struct be_route *r, const struct old_route *old,
			  const struct tun46_route_key *keys, const struct tun46_route *vals, const struct nl_route *nr,
			  size_t n, const uint16_t *mtus)
{
	struct map_writer w = {.be = be, .add = add, .keys = keys, .vals = vals, .n = n};
	uint32_t tun = be->skip_kernel_routes ? 0 : tundev_ifindex(be);
	size_t sent = 0, kdone = 0, avail;
	bool threaded = false, fin = false;
	pthread_t th;
	int kerr = 0, err;

	if (tun && add)
		peers_flush(be); /* the device MTU first: it must not be below a route's */
	err = ridx_write_begin(be);
	if (err)
		return err;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	if (tun && n > ROUTE_CHUNK)
		threaded = pthread_create(&th, NULL, map_write, &w) == 0;
	if (!threaded)
		map_write(&w); /* all of it now, then the kernel routes */
	while (tun && !kerr) {
		pthread_mutex_lock(&w.mu);
		while (w.written == sent && !w.finished)
			pthread_cond_wait(&w.cv, &w.mu);
		avail = w.err ? sent : w.written; /* the map failed: no more kernel routes, all go back */
		fin = w.finished;
		pthread_mutex_unlock(&w.mu);
		if (avail > sent) {
			kerr = nl_routes(add, tun, nr + sent, avail - sent, &kdone);
			kdone += sent;
			if (!kerr)
				sent = avail;
		}
		if (fin && (kerr || avail == sent))
			break;
	}
	if (kerr) {
		pthread_mutex_lock(&w.mu);
		w.stop = true;
		pthread_mutex_unlock(&w.mu);
	}
	if (threaded)
		pthread_join(th, NULL);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	err = w.err ? w.err : kerr;
	if (!err) {
		ridx_write_end(be, true, true, add, r, old, n);
		return 0;
	}
	if (tun)
		kernel_restore(tun, r, old, kerr ? kdone : sent, mtus);
	ridx_write_end(be, false, map_restore(be, r, old, w.written < n ? w.written + 1 : n), add, r, old, n);
	if (w.err)
		be_err("cannot %s %zu route(s): %s; nothing was changed", add ? "write" : "delete", n,
		       add ? why(w.err) : strerror(-w.err));
	else
		be_err("the routes were not changed");
	return err;
}

/* known: what each key holds now (peer id, 0 = nothing), when the caller
 * knows it (config apply read the live state under the lock); else it is
 * read back from the map for the rollback. */
static int route_update(struct be *be, const struct be_route *r, size_t n, const uint32_t *known)
{
	struct tun46_route_key *keys = NULL;
	struct tun46_route *vals = NULL;
	struct old_route *old = NULL;
	struct nl_route *nr = NULL;
	uint16_t *mtus = NULL;
	size_t i;
	int err;

	if (n == 0)
		return 0;
	err = be_need_loaded(be);
	if (err)
		return err;
	mtus = routes_peer_mtus(be);
	keys = malloc(n * sizeof(*keys));
	vals = malloc(n * sizeof(*vals));
	old = calloc(n, sizeof(*old));
	nr = malloc(n * sizeof(*nr));
	err = -ENOMEM;
	if (!mtus || !keys || !vals || !old || !nr)
		goto out;
	for (i = 0; i < n; i++) {
		err = check_prefix(&r[i]);
		if (err)
			goto out;
		if (r[i].peer_id == 0 || r[i].peer_id >= be->max_peers || !mtus[r[i].peer_id]) {
			be_err("route: peer id %u does not exist; add the peer first", r[i].peer_id);
			err = -ENOENT;
			goto out;
		}
		keys[i] = (struct tun46_route_key){r[i].plen, r[i].addr};
		vals[i] = (struct tun46_route){r[i].peer_id};
		nr[i] = (struct nl_route){r[i].addr, r[i].plen, mtus[r[i].peer_id]};
	}
	if (known) {
		for (i = 0; i < n; i++)
			old[i] = (struct old_route){.existed = known[i] != 0, .peer_id = known[i]};
	} else if ((err = snapshot(be, r, n, old))) {
		goto out;
	}
	err = map_and_kernel(be, true, r, old, keys, vals, nr, n, mtus);
out:
	free(mtus);
	free(keys);
	free(vals);
	free(old);
	free(nr);
	return err;
}

int be_route_update(struct be *be, const struct be_route *r, size_t n)
{
	return route_update(be, r, n, NULL);
}

int be_route_update_known(struct be *be, const struct be_route *r, const uint32_t *old_peer, size_t n)
{
	return route_update(be, r, n, old_peer);
}

/* known: the caller knows every route exists with r[i].peer_id. */
static int route_delete(struct be *be, const struct be_route *r, size_t n, bool known)
{
	struct tun46_route_key *keys = NULL;
	struct old_route *old = NULL;
	struct nl_route *nr = NULL;
	uint16_t *mtus = NULL;
	char a[INET_ADDRSTRLEN];
	size_t i;
	int err;

	if (n == 0)
		return 0;
	if (!be->loaded) {
		inet_ntop(AF_INET, &r[0].addr, a, sizeof(a));
		be_err("route %s/%u does not exist", a, r[0].plen);
		return -ENOENT;
	}
	err = be_need_loaded(be);
	if (err)
		return err;
	mtus = routes_peer_mtus(be);
	keys = malloc(n * sizeof(*keys));
	old = calloc(n, sizeof(*old));
	nr = malloc(n * sizeof(*nr));
	err = -ENOMEM;
	if (!mtus || !keys || !old || !nr)
		goto out;
	if (known) {
		for (i = 0; i < n; i++)
			old[i] = (struct old_route){.existed = true, .peer_id = r[i].peer_id};
	} else if ((err = snapshot(be, r, n, old))) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!old[i].existed) {
			inet_ntop(AF_INET, &r[i].addr, a, sizeof(a));
			be_err("route %s/%u does not exist; nothing was deleted", a, r[i].plen);
			err = -ENOENT;
			goto out;
		}
		keys[i] = (struct tun46_route_key){r[i].plen, r[i].addr};
		nr[i] = (struct nl_route){r[i].addr, r[i].plen, 0};
	}
	err = map_and_kernel(be, false, r, old, keys, NULL, nr, n, mtus);
out:
	free(mtus);
	free(keys);
	free(old);
	free(nr);
	return err;
}

int be_route_delete(struct be *be, const struct be_route *r, size_t n)
{
	return route_delete(be, r, n, false);
}

int be_route_delete_known(struct be *be, const struct be_route *r, size_t n, bool state_goes)
{
	int err;

	if (!state_goes || !be->loaded)
		return route_delete(be, r, n, true);
	be->skip_kernel_routes = true;
	err = route_delete(be, r, n, true); /* on a failure the map is as it was, and the kernel untouched */
	be->skip_kernel_routes = false;
	if (!err) {
		struct be_route *s = realloc(be->stale, (be->nstale + n) * sizeof(*s));

		if (!s) { /* cannot remember them: delete them now */
			size_t done;
			struct nl_route *nr = malloc(n * sizeof(*nr));
			uint32_t tun = tundev_ifindex(be);

			for (size_t i = 0; nr && i < n; i++)
				nr[i] = (struct nl_route){r[i].addr, r[i].plen, 0};
			if (nr && tun)
				nl_routes(false, tun, nr, n, &done);
			free(nr);
			return 0;
		}
		memcpy(s + be->nstale, r, n * sizeof(*s));
		be->stale = s;
		be->nstale += n;
	}
	return err;
}

/* At close: the kernel routes a state_goes delete left are gone with the
 * tunnel device (torn_down), or are deleted now, but only those whose
 * prefix is not in the map again (a rollback put them back). */
void routes_close(struct be *be, bool torn_down)
{
	uint32_t tun, id;
	struct nl_route *nr;
	size_t k = 0, done;

	if (!be->nstale)
		return;
	tun = torn_down ? 0 : tundev_ifindex(be);
	nr = tun ? malloc(be->nstale * sizeof(*nr)) : NULL;
	for (size_t i = 0; nr && i < be->nstale; i++) {
		if (routes_exact(be, be->stale[i].addr, be->stale[i].plen, &id))
			nr[k++] = (struct nl_route){be->stale[i].addr, be->stale[i].plen, 0};
	}
	if (k)
		nl_routes(false, tun, nr, k, &done);
	free(nr);
	free(be->stale);
	be->stale = NULL;
	be->nstale = 0;
}
