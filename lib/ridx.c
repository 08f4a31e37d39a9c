/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ridx.c — the per-peer route index (see ridx.h): which routes go to a
 * peer, without walking the route trie.  A peer delete, an MTU change (the
 * peer's kernel routes) and `config apply` (every route, read from ~18,000
 * index elements instead of 1,000,000 trie keys) use it.
 *
 * Memory: tun46_ridx_count is max_peers x 8 bytes (array values are
 * rounded to 8); a tun46_ridx element is a 448-byte value (RIDX_K = 56 route
 * keys), an 8-byte key and the kernel's element header, 512 bytes from the
 * BPF allocator: ~9.1 bytes per route when chunks are full, plus at most one
 * partly filled chunk per peer that has routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ridx.h"

struct ridx_key {
	uint32_t peer, chunk;
};

struct ridx_chunk {
	struct tun46_route_key k[RIDX_K];
};

struct ridx {
	int cnt_fd, chk_fd; /* -1: no index (read-only state without one) */
	bool valid;	    /* the state word says RIDX_VALID */
	bool pending;	    /* ridx_write_begin cleared it: ridx_write_end sets it again */
};

#define DIV_UP(a, b) (((a) + (b)-1) / (b))

static uint64_t key64(const struct tun46_route_key *k)
{
	return ((uint64_t)ntohl(k->addr) << 8) | (k->prefixlen & 0xff);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int rt_cmp(const void *a, const void *b)
{
	const struct be_route *x = a, *y = b;
	uint32_t ax = ntohl(x->addr), ay = ntohl(y->addr);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (int)x->plen - (int)y->plen;
}

void ridx_drop(struct be *be)
{
	struct ridx *x = be->ridx;

	if (!x)
		return;
	if (x->cnt_fd >= 0)
		close(x->cnt_fd);
	if (x->chk_fd >= 0)
		close(x->chk_fd);
	free(x);
	be->ridx = NULL;
}

static int open_pin(struct be *be, const char *name, uint32_t type, uint32_t ks, uint32_t vs, uint32_t min_entries)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (pin_path(be, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != type || info.key_size != ks ||
	    info.value_size != vs || info.max_entries < min_entries) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

static bool writable(const struct be *be)
{
	return !be->readonly && be->lock_fd >= 0 && be->loaded;
}

static int set_state(struct ridx *x, uint32_t v)
{
	uint32_t k = 0;

	if (bpf_map_update_elem(x->cnt_fd, &k, &v, BPF_ANY))
		return -errno;
	x->valid = v == RIDX_VALID;
	return 0;
}

/* (Re)create both maps, empty, and pin them (replacing any old pins).  The
 * index is valid at once when the route map is empty. */
static int create_pins(struct be *be, struct ridx *x)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
	char pc[PATH_MAX], pk[PATH_MAX];
	uint32_t max_routes = maps_max_entries(be->map_fd[BE_MAP_ROUTES]), k[2];
	uint64_t chunks = (uint64_t)max_routes / RIDX_K + be->max_peers + 1;
	int cnt, chk, err = 0;

	if (pin_path(be, RIDX_PIN_COUNT, pc, sizeof(pc)) || pin_path(be, RIDX_PIN_CHUNKS, pk, sizeof(pk)))
		return -ENAMETOOLONG;
	if (chunks > UINT32_MAX / 2)
		chunks = UINT32_MAX / 2;
	if (x->cnt_fd >= 0)
		close(x->cnt_fd);
	if (x->chk_fd >= 0)
		close(x->chk_fd);
	x->cnt_fd = x->chk_fd = -1;
	x->valid = false;
	unlink(pc); /* the state word goes first: no valid index with the old chunks */
	unlink(pk);
	cnt = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tun46_ridx_cnt", sizeof(uint32_t), sizeof(uint32_t), be->max_peers,
			     NULL);
	if (cnt < 0)
		return -errno;
	chk = bpf_map_create(BPF_MAP_TYPE_HASH, "tun46_ridx", sizeof(struct ridx_key), sizeof(struct ridx_chunk),
			     (uint32_t)chunks, &o);
	if (chk < 0) {
		err = -errno;
		close(cnt);
		return err;
	}
	if (bpf_obj_pin(chk, pk) || bpf_obj_pin(cnt, pc)) {
		err = -errno;
		unlink(pk);
		close(cnt);
		close(chk);
		return err;
	}
	x->cnt_fd = cnt;
	x->chk_fd = chk;
	if (bpf_map_get_next_key(be->map_fd[BE_MAP_ROUTES], NULL, k) && errno == ENOENT)
		err = set_state(x, RIDX_VALID);
	return err;
}

/* The index of this state; NULL when there is none (nothing loaded, or a
 * read-only open of a state made without one). */
static struct ridx *ridx_get(struct be *be)
{
	struct ridx *x = be->ridx;
	uint32_t k = 0, v = 0;

	if (x)
		return x->cnt_fd >= 0 ? x : NULL;
	if (!be->loaded || !be->max_peers)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	be->ridx = x;
	x->cnt_fd = open_pin(be, RIDX_PIN_COUNT, BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(uint32_t), be->max_peers);
	x->chk_fd =
	    open_pin(be, RIDX_PIN_CHUNKS, BPF_MAP_TYPE_HASH, sizeof(struct ridx_key), sizeof(struct ridx_chunk), 1);
	if (x->cnt_fd < 0 || x->chk_fd < 0) {
		if (!writable(be) || create_pins(be, x)) {
			if (x->cnt_fd >= 0)
				close(x->cnt_fd);
			if (x->chk_fd >= 0)
				close(x->chk_fd);
			x->cnt_fd = x->chk_fd = -1;
			return NULL;
		}
		return x;
	}
	x->valid = bpf_map_lookup_elem(x->cnt_fd, &k, &v) == 0 && v == RIDX_VALID;
	return x;
}

bool ridx_valid(struct be *be)
{
	struct ridx *x = ridx_get(be);

	return x && x->valid;
}

/* ---- batched writes (one syscall when the kernel has batch ops) ---- */

static int upd_many(int fd, const void *k, const void *v, size_t ks, size_t vs, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t cnt = (uint32_t)n;

	if (n == 0)
		return 0;
	if (n > 1 && bpf_map_update_batch(fd, k, v, &cnt, &o) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) { /* no batch ops, or it stopped: each again (idempotent) */
		if (bpf_map_update_elem(fd, (const char *)k + i * ks, (const char *)v + i * vs, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int del_many(int fd, const void *k, size_t ks, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t cnt = (uint32_t)n;

	if (n == 0)
		return 0;
	if (n > 1 && bpf_map_delete_batch(fd, k, &cnt, &o) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_delete_elem(fd, (const char *)k + i * ks) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* Every peer's route count (max_peers entries, [0] = the state word). */
static int read_counts(struct ridx *x, uint32_t max_peers, uint32_t *cnt)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	uint32_t *keys = malloc(max_peers * sizeof(*keys)), n = max_peers, out_b = 0;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	memset(cnt, 0, max_peers * sizeof(*cnt));
	if (bpf_map_lookup_batch(x->cnt_fd, NULL, &out_b, keys, cnt, &n, &o) && errno != ENOENT) {
		for (uint32_t i = 0; i < max_peers; i++) { /* no batch ops: one at a time */
			if (bpf_map_lookup_elem(x->cnt_fd, &i, &cnt[i])) {
				err = -errno;
				break;
			}
		}
	} else {
		/* an array answers in key order: keys[i] == i */
		for (uint32_t i = n; i-- > 0;) {
			uint32_t v = cnt[i];

			cnt[i] = 0;
			if (keys[i] < max_peers)
				cnt[keys[i]] = v;
		}
	}
	free(keys);
	return err;
}

/* What one batch of index writes holds until it is sent. */
struct wr {
	struct ridx_key *uk;
	struct ridx_chunk *uv;
	size_t nu, cu;
	struct ridx_key *dk;
	size_t nd, cd;
	uint32_t *ck, *cv;
	size_t nc, cc;
};

static int wr_upd(struct wr *w, uint32_t peer, uint32_t chunk, const struct tun46_route_key *k, size_t n)
{
	if (w->nu == w->cu) {
		size_t c = w->cu ? w->cu * 2 : 64;
		struct ridx_key *uk = realloc(w->uk, c * sizeof(*uk));

		if (uk)
			w->uk = uk;
		struct ridx_chunk *uv = realloc(w->uv, c * sizeof(*uv));

		if (!uk || !uv)
			return -ENOMEM;
		w->uv = uv;
		w->cu = c;
	}
	w->uk[w->nu] = (struct ridx_key){peer, chunk};
	memset(&w->uv[w->nu], 0, sizeof(w->uv[0]));
	memcpy(w->uv[w->nu].k, k, n * sizeof(*k));
	w->nu++;
	return 0;
}

static int wr_del(struct wr *w, uint32_t peer, uint32_t chunk)
{
	if (w->nd == w->cd) {
		size_t c = w->cd ? w->cd * 2 : 64;
		struct ridx_key *dk = realloc(w->dk, c * sizeof(*dk));

		if (!dk)
			return -ENOMEM;
		w->dk = dk;
		w->cd = c;
	}
	w->dk[w->nd++] = (struct ridx_key){peer, chunk};
	return 0;
}

static int wr_cnt(struct wr *w, uint32_t peer, uint32_t cnt)
{
	if (w->nc == w->cc) {
		size_t c = w->cc ? w->cc * 2 : 64;
		uint32_t *ck = realloc(w->ck, c * sizeof(*ck));

		if (ck)
			w->ck = ck;
		uint32_t *cv = realloc(w->cv, c * sizeof(*cv));

		if (!ck || !cv)
			return -ENOMEM;
		w->cv = cv;
		w->cc = c;
	}
	w->ck[w->nc] = peer;
	w->cv[w->nc++] = cnt;
	return 0;
}

static int wr_send(struct ridx *x, struct wr *w)
{
	int err = upd_many(x->chk_fd, w->uk, w->uv, sizeof(*w->uk), sizeof(*w->uv), w->nu);

	if (!err)
		err = del_many(x->chk_fd, w->dk, sizeof(*w->dk), w->nd);
	if (!err)
		err = upd_many(x->cnt_fd, w->ck, w->cv, sizeof(*w->ck), sizeof(*w->cv), w->nc);
	return err;
}

static void wr_free(struct wr *w)
{
	free(w->uk);
	free(w->uv);
	free(w->dk);
	free(w->ck);
	free(w->cv);
}

/* Chunks [from, to) of a peer into dst (RIDX_K keys each). */
static int load_chunks(struct ridx *x, uint32_t peer, uint32_t from, uint32_t to, struct tun46_route_key *dst)
{
	for (uint32_t c = from; c < to; c++) {
		struct ridx_key k = {peer, c};

		if (bpf_map_lookup_elem(x->chk_fd, &k, dst + (size_t)(c - from) * RIDX_K))
			return errno == ENOENT ? -EBADMSG : -errno;
	}
	return 0;
}

/* One peer: cnt routes now; remove rem[0..nrem) (all present), add
 * add[0..nadd) (all absent).  Queues the writes in w. */
static int peer_change(struct ridx *x, struct wr *w, uint32_t peer, uint32_t cnt, const struct tun46_route_key *add,
		       size_t nadd, const struct tun46_route_key *rem, size_t nrem)
{
	uint32_t nold = DIV_UP(cnt, RIDX_K), off, nnew, c;
	struct tun46_route_key *buf = NULL, *orig = NULL;
	size_t len, newcnt, cap;
	int err;

	if (nrem > cnt)
		return -EBADMSG;
	if (nrem == cnt && nadd == 0) { /* all of them go: no need to read them */
		for (c = 0; c < nold; c++) {
			if ((err = wr_del(w, peer, c)))
				return err;
		}
		return cnt ? wr_cnt(w, peer, 0) : 0;
	}
	off = nrem ? 0 : cnt / RIDX_K; /* only adds: from the last, partly filled chunk on */
	len = cnt - (size_t)off * RIDX_K;
	cap = ((size_t)DIV_UP(cnt + nadd, RIDX_K) + 1 - off) * RIDX_K;
	buf = calloc(cap, sizeof(*buf));
	orig = calloc(((size_t)nold - off + 1) * RIDX_K, sizeof(*orig));
	err = -ENOMEM;
	if (!buf || !orig)
		goto out;
	if ((err = load_chunks(x, peer, off, nold, orig)))
		goto out;
	memcpy(buf, orig, ((size_t)nold - off) * RIDX_K * sizeof(*buf));
	err = -EBADMSG; /* a route to remove is not in the index */
	if (nrem && nrem <= 16) {
		for (size_t i = 0; i < nrem; i++) {
			size_t j;

			for (j = 0; j < len && memcmp(&buf[j], &rem[i], sizeof(*buf)); j++)
				;
			if (j == len)
				goto out;
			buf[j] = buf[--len]; /* the last one fills the hole: two chunks change */
		}
	} else if (nrem) {
		uint64_t *rk = malloc(nrem * sizeof(*rk));
		size_t kept = 0;

		if (!rk) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nrem; i++)
			rk[i] = key64(&rem[i]);
		qsort(rk, nrem, sizeof(*rk), u64_cmp);
		for (size_t i = 0; i < len; i++) {
			uint64_t k = key64(&buf[i]);

			if (!bsearch(&k, rk, nrem, sizeof(*rk), u64_cmp))
				buf[kept++] = buf[i];
		}
		free(rk);
		if (len - kept != nrem)
			goto out;
		len = kept;
	}
	memcpy(buf + len, add, nadd * sizeof(*add));
	len += nadd;
	memset(buf + len, 0, (cap - len) * sizeof(*buf));
	newcnt = (size_t)off * RIDX_K + len;
	nnew = DIV_UP(newcnt, RIDX_K);
	err = 0;
	for (c = off; c < nnew && !err; c++) {
		const struct tun46_route_key *ch = buf + (size_t)(c - off) * RIDX_K;
		size_t m = newcnt - (size_t)c * RIDX_K;

		if (c < nold && !memcmp(ch, orig + (size_t)(c - off) * RIDX_K, RIDX_K * sizeof(*ch)))
			continue;
		err = wr_upd(w, peer, c, ch, m < RIDX_K ? m : RIDX_K);
	}
	for (c = nnew; c < nold && !err; c++)
		err = wr_del(w, peer, c);
	if (!err && newcnt != cnt)
		err = wr_cnt(w, peer, (uint32_t)newcnt);
out:
	free(buf);
	free(orig);
	return err;
}

static bool strictly_sorted(const struct be_route *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (rt_cmp(&r[i - 1], &r[i]) >= 0)
			return false;
	}
	return true;
}

static bool has_dups(const struct be_route *r, size_t n)
{
	uint64_t *k = malloc((n ? n : 1) * sizeof(*k));
	bool dup = false;

	if (!k)
		return true;
	for (size_t i = 0; i < n; i++)
		k[i] = ((uint64_t)ntohl(r[i].addr) << 8) | r[i].plen;
	qsort(k, n, sizeof(*k), u64_cmp);
	for (size_t i = 1; i < n && !dup; i++)
		dup = k[i] == k[i - 1];
	free(k);
	return dup;
}

/* Changes of a batch, grouped by peer (a counting sort), then each peer's
 * chunks are rewritten where they changed. */
static int apply(struct be *be, struct ridx *x, bool add, const struct be_route *r, const struct old_route *old,
		 size_t n)
{
	uint32_t maxp = be->max_peers, *na = NULL, *nr = NULL, *cnt = NULL, *peers = NULL, np = 0;
	size_t *ao = NULL, *ro = NULL, *afill = NULL, *rfill = NULL;
	struct tun46_route_key *A = NULL, *R = NULL;
	struct wr w = {0};
	size_t i;
	int err = -ENOMEM;

	if (n == 0)
		return 0;
	if (!strictly_sorted(r, n) && has_dups(r, n))
		return -EINVAL; /* one key twice in a batch: rebuilt when next needed */
	na = calloc(maxp, sizeof(*na));
	nr = calloc(maxp, sizeof(*nr));
	ao = calloc(maxp + 1, sizeof(*ao));
	ro = calloc(maxp + 1, sizeof(*ro));
	afill = calloc(maxp, sizeof(*afill));
	rfill = calloc(maxp, sizeof(*rfill));
	A = malloc(n * sizeof(*A));
	R = malloc(n * sizeof(*R));
	peers = malloc(maxp * sizeof(*peers));
	cnt = calloc(maxp, sizeof(*cnt));
	if (!na || !nr || !ao || !ro || !afill || !rfill || !A || !R || !peers || !cnt)
		goto out;
	err = -EINVAL;
	for (i = 0; i < n; i++) {
		uint32_t np_ = add ? r[i].peer_id : 0, op = old[i].existed ? old[i].peer_id : 0;

		if (np_ >= maxp || op >= maxp || (old[i].existed && !op) || (add && !np_))
			goto out;
		if (np_ == op)
			continue;
		if (op)
			nr[op]++;
		if (np_)
			na[np_]++;
	}
	for (uint32_t p = 0; p < maxp; p++) {
		ao[p + 1] = ao[p] + na[p];
		ro[p + 1] = ro[p] + nr[p];
		if (na[p] || nr[p])
			peers[np++] = p;
	}
	for (i = 0; i < n; i++) {
		uint32_t np_ = add ? r[i].peer_id : 0, op = old[i].existed ? old[i].peer_id : 0;
		struct tun46_route_key k = {r[i].plen, r[i].addr};

		if (np_ == op)
			continue;
		if (op)
			R[ro[op] + rfill[op]++] = k;
		if (np_)
			A[ao[np_] + afill[np_]++] = k;
	}
	if (np > 256) {
		err = read_counts(x, maxp, cnt);
	} else {
		err = 0;
		for (uint32_t j = 0; j < np && !err; j++)
			err = bpf_map_lookup_elem(x->cnt_fd, &peers[j], &cnt[peers[j]]) ? -errno : 0;
	}
	for (uint32_t j = 0; j < np && !err; j++) {
		uint32_t p = peers[j];

		err = peer_change(x, &w, p, cnt[p], A + ao[p], na[p], R + ro[p], nr[p]);
	}
	if (!err)
		err = wr_send(x, &w);
out:
	wr_free(&w);
	free(na);
	free(nr);
	free(ao);
	free(ro);
	free(afill);
	free(rfill);
	free(A);
	free(R);
	free(peers);
	free(cnt);
	return err;
}

int ridx_write_begin(struct be *be)
{
	struct ridx *x = ridx_get(be);
	int err;

	if (!x || !x->valid)
		return 0; /* no valid index: nothing to keep in step */
	err = set_state(x, 0);
	if (err) {
		be_err("cannot update the route index %s: %s", RIDX_PIN_COUNT, strerror(-err));
		return err;
	}
	x->pending = true;
	return 0;
}

void ridx_write_end(struct be *be, bool ok, bool restored, bool add, const struct be_route *r,
		    const struct old_route *old, size_t n)
{
	struct ridx *x = be->ridx;

	if (!x || !x->pending)
		return;
	x->pending = false;
	if (ok ? apply(be, x, add, r, old, n) == 0 : restored)
		set_state(x, RIDX_VALID); /* else it stays invalid: rebuilt when next needed */
}

/* Rebuild: fresh maps, every route grouped by peer, then valid. */
int ridx_rebuild_from(struct be *be, const struct be_route *all, size_t n)
{
	struct ridx *x = ridx_get(be);
	struct be_route *s = NULL;
	struct wr w = {0};
	size_t i, j;
	int err;

	if (!x && !writable(be))
		return -EROFS;
	if (!x && !(x = be->ridx))
		return -ENOMEM;
	if ((err = create_pins(be, x)))
		return err;
	if (n == 0)
		return set_state(x, RIDX_VALID);
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, all, n * sizeof(*s));
	/* by peer (a stable order inside each peer is not needed) */
	{
		uint32_t maxp = be->max_peers;
		size_t *off = calloc(maxp + 1, sizeof(*off));
		struct be_route *t = malloc(n * sizeof(*t));

		err = -ENOMEM;
		if (!off || !t) {
			free(off);
			free(t);
			goto out;
		}
		err = -EINVAL;
		for (i = 0; i < n; i++) {
			if (s[i].peer_id == 0 || s[i].peer_id >= maxp) {
				free(off);
				free(t);
				goto out;
			}
			off[s[i].peer_id + 1]++;
		}
		for (uint32_t p = 0; p < maxp; p++)
			off[p + 1] += off[p];
		for (i = 0; i < n; i++)
			t[off[s[i].peer_id]++] = s[i];
		free(off);
		free(s);
		s = t;
	}
	err = 0;
	for (i = 0; i < n && !err; i = j) {
		struct tun46_route_key k[RIDX_K];
		uint32_t p = s[i].peer_id, c = 0;

		for (j = i; j < n && s[j].peer_id == p; j++)
			;
		for (size_t a = i; a < j && !err; a += RIDX_K, c++) {
			size_t m = j - a < RIDX_K ? j - a : RIDX_K;

			for (size_t b = 0; b < m; b++)
				k[b] = (struct tun46_route_key){s[a + b].plen, s[a + b].addr};
			err = wr_upd(&w, p, c, k, m);
		}
		if (!err)
			err = wr_cnt(&w, p, (uint32_t)(j - i));
	}
	if (!err)
		err = wr_send(x, &w);
	if (!err)
		err = set_state(x, RIDX_VALID);
out:
	wr_free(&w);
	free(s);
	return err;
}

int ridx_total(struct be *be, size_t *total)
{
	struct ridx *x = ridx_get(be);
	uint32_t *cnt;
	int err;

	*total = 0;
	if (!x || !x->valid)
		return -ENODATA;
	cnt = malloc(be->max_peers * sizeof(*cnt));
	if (!cnt)
		return -ENOMEM;
	err = read_counts(x, be->max_peers, cnt);
	for (uint32_t p = 1; !err && p < be->max_peers; p++)
		*total += cnt[p];
	free(cnt);
	return err;
}

int ridx_peer_routes(struct be *be, uint32_t peer_id, struct be_route **out, size_t *n)
{
	struct ridx *x = ridx_get(be);
	struct tun46_route_key *k = NULL;
	struct be_route *r = NULL, *all;
	size_t cnt_all, m = 0;
	uint32_t cnt = 0, nch;
	int err;

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	if (!x || !x->valid) {
		/* one walk of the route map: the answer, and the index again */
		err = routes_list_map(be, &all, &cnt_all);
		if (err)
			return err;
		if (writable(be))
			ridx_rebuild_from(be, all, cnt_all);
		for (size_t i = 0; i < cnt_all; i++) {
			if (all[i].peer_id == peer_id)
				all[m++] = all[i];
		}
		qsort(all, m, sizeof(*all), rt_cmp);
		*out = all;
		*n = m;
		return 0;
	}
	if (peer_id == 0 || peer_id >= be->max_peers)
		return 0;
	if (bpf_map_lookup_elem(x->cnt_fd, &peer_id, &cnt))
		return -errno;
	if (cnt == 0)
		return 0;
	nch = DIV_UP(cnt, RIDX_K);
	k = malloc((size_t)nch * RIDX_K * sizeof(*k));
	r = malloc(cnt * sizeof(*r));
	err = -ENOMEM;
	if (k && r && !(err = load_chunks(x, peer_id, 0, nch, k))) {
		for (uint32_t i = 0; i < cnt; i++)
			r[i] = (struct be_route){k[i].addr, (uint8_t)k[i].prefixlen, peer_id};
		qsort(r, cnt, sizeof(*r), rt_cmp);
		*out = r;
		*n = cnt;
		r = NULL;
	}
	free(k);
	free(r);
	return err;
}

int ridx_list_all(struct be *be, struct be_route **out, size_t *n)
{
	enum { CHUNK = 1024 };
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	struct ridx *x = ridx_get(be);
	struct ridx_key *keys = NULL, in_b, out_b;
	struct ridx_chunk *vals = NULL;
	struct be_route *r = NULL;
	uint32_t *cnt = NULL;
	size_t total = 0, got = 0;
	bool first = true;
	int err = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (!x || !x->valid)
		return -ENODATA;
	cnt = malloc(be->max_peers * sizeof(*cnt));
	keys = malloc(CHUNK * sizeof(*keys));
	vals = malloc(CHUNK * sizeof(*vals));
	if (!cnt || !keys || !vals || (err = read_counts(x, be->max_peers, cnt)))
		goto out;
	for (uint32_t p = 1; p < be->max_peers; p++)
		total += cnt[p];
	r = malloc((total ? total : 1) * sizeof(*r));
	err = -ENOMEM;
	if (!r)
		goto out;
	for (;;) {
		uint32_t c = CHUNK;

		err = bpf_map_lookup_batch(x->chk_fd, first ? NULL : &in_b, &out_b, keys, vals, &c, &o) ? -errno : 0;
		if (err && err != -ENOENT)
			goto out; /* no batch ops: the caller walks the route map */
		for (uint32_t i = 0; i < c; i++) {
			uint32_t p = keys[i].peer;
			uint64_t base = (uint64_t)keys[i].chunk * RIDX_K;
			size_t m;

			if (p == 0 || p >= be->max_peers || base >= cnt[p]) {
				err = -EBADMSG;
				goto out;
			}
			m = cnt[p] - base < RIDX_K ? cnt[p] - base : RIDX_K;
			if (got + m > total) {
				err = -EBADMSG;
				goto out;
			}
			for (size_t j = 0; j < m; j++)
				r[got++] = (struct be_route){vals[i].k[j].addr, (uint8_t)vals[i].k[j].prefixlen, p};
		}
		if (err == -ENOENT)
			break;
		in_b = out_b;
		first = false;
	}
	err = got == total ? 0 : -EBADMSG;
	if (!err) {
		*out = r;
		*n = got;
		r = NULL;
	}
out:
	free(cnt);
	free(keys);
	free(vals);
	free(r);
	return err;
}

int ridx_verify(struct be *be, char *msg, size_t len)
{
	struct be_route *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;
	int err;

	msg[0] = '\0';
	if ((err = ridx_list_all(be, &b, &nb))) {
		snprintf(msg, len, "index not readable: %s", strerror(-err));
		return err;
	}
	if ((err = routes_list_map(be, &a, &na))) {
		free(b);
		snprintf(msg, len, "route map not readable: %s", strerror(-err));
		return err;
	}
	qsort(a, na, sizeof(*a), rt_cmp);
	qsort(b, nb, sizeof(*b), rt_cmp);
	err = 0;
	if (na != nb) {
		snprintf(msg, len, "route map has %zu routes, the index %zu", na, nb);
		err = -EBADMSG;
	}
	for (i = 0; !err && i < na; i++) {
		if (a[i].addr != b[i].addr || a[i].plen != b[i].plen || a[i].peer_id != b[i].peer_id) {
			char s[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &a[i].addr, s, sizeof(s));
			snprintf(msg, len, "route %zu (%s/%u peer %u) differs in the index", i, s, a[i].plen,
				 a[i].peer_id);
			err = -EBADMSG;
		}
	}
	free(a);
	free(b);
	return err;
}
