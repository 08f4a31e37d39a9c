// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * names.c — peers that follow the network (see names.h): the pinned table of
 * DNS names and AAAA resolution with the TTL (libresolv).  State layer,
 * beside peertab.c: it reads the peer table and the pins, and is called by
 * peers.c (a deleted peer's name goes) and follow.c; it calls nothing above.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "names.h"

_Static_assert(sizeof(struct t46_name_rec) == 296, "struct t46_name_rec is pinned: its layout is fixed");

/* ---- the pinned table ---- */

void names_close(struct be *be)
{
	if (be->names_fd >= 0)
		close(be->names_fd);
	be->names_fd = -1;
}

static int names_open(struct be *be, bool create)
{
	char path[PATH_MAX];
	struct bpf_map_info info = {0};
	uint32_t ilen = sizeof(info);
	int fd, err;

	if (be->names_fd >= 0)
		return 0;
	if (!be->loaded)
		return -ENOENT;
	err = pin_path(be, TUN46_NAMES_PIN, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT && create) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);

		if (be->readonly || be->lock_fd < 0)
			return -EROFS;
		fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tun46_names", sizeof(uint32_t), sizeof(struct t46_name_rec),
				    be->max_peers, &o);
		if (fd < 0) {
			err = -errno;
			be_err("cannot create the map of DNS names: %s", strerror(-err));
			return err;
		}
		if (bpf_obj_pin(fd, path)) {
			err = -errno;
			close(fd);
			be_err("cannot pin %s: %s", path, strerror(-err));
			return err;
		}
	}
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0 &&
	    (info.key_size != sizeof(uint32_t) || info.value_size != sizeof(struct t46_name_rec))) {
		close(fd);
		be_err("%s has another layout (value size %u, expected %zu): it was made by another tun46 version",
		       path, info.value_size, sizeof(struct t46_name_rec));
		return -EPROTO;
	}
	be->names_fd = fd;
	return 0;
}

int be_name_get(struct be *be, uint32_t id, struct t46_name_rec *rec)
{
	int err = names_open(be, false);

	if (err)
		return err == -ENOENT ? -ENOENT : err;
	if (bpf_map_lookup_elem(be->names_fd, &id, rec))
		return -errno;
	rec->name[T46_HOST_LEN - 1] = '\0';
	return 0;
}

int be_name_set(struct be *be, uint32_t id, const struct t46_name_rec *rec)
{
	int err = names_open(be, true);

	if (!err && bpf_map_update_elem(be->names_fd, &id, rec, BPF_ANY))
		err = -errno;
	if (err)
		be_err("cannot record the DNS name %s of peer id %u: %s", rec->name, id, strerror(-err));
	return err;
}

int be_name_del(struct be *be, uint32_t id)
{
	int err = names_open(be, false);

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (bpf_map_delete_elem(be->names_fd, &id) && errno != ENOENT)
		return -errno;
	return 0;
}

struct name_walk {
	int (*cb)(uint32_t id, const struct t46_name_rec *rec, void *arg);
	void *arg;
	struct be *be;
};

static int name_walk_cb(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct name_walk *w = arg;
	struct t46_name_rec rec;

	(void)p;
	if (be_name_get(w->be, id, &rec))
		return 0;
	return w->cb(id, &rec, w->arg);
}

int be_name_foreach(struct be *be, int (*cb)(uint32_t id, const struct t46_name_rec *rec, void *arg), void *arg)
{
	struct name_walk w = {cb, arg, be};

	if (names_open(be, false))
		return 0; /* no table: no names */
	return be_peer_foreach(be, name_walk_cb, &w);
}

uint64_t t46_name_due(const struct t46_name_rec *rec, unsigned int min_s, unsigned int max_s)
{
	uint32_t ttl = rec->ttl;

	if (rec->failed_at > rec->resolved_at)
		return rec->failed_at + min_s;
	if (ttl < min_s)
		ttl = min_s;
	if (ttl > max_s)
		ttl = max_s;
	return rec->resolved_at + ttl;
}

/* ---- resolution ---- */

static bool usable_remote(const uint8_t *a)
{
	static const uint8_t zero[16], loop[16] = {[15] = 1}, mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)) /* multicast, link-local */
		return false;
	return memcmp(a, zero, 16) && memcmp(a, loop, 16) && memcmp(a, mapped, 12);
}

int t46_resolve_aaaa(const char *host, struct t46_answer *ans, char *why, size_t len)
{
	struct __res_state st;
	unsigned char buf[4096];
	ns_msg msg;
	ns_rr rr;
	int n, herr, skipped = 0;

	memset(ans, 0, sizeof(*ans));
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st)) {
		snprintf(why, len, "cannot read the resolver configuration (/etc/resolv.conf)");
		return -EIO;
	}
	st.retrans = 2; /* seconds per try, two tries per server: a dead server costs a few seconds */
	st.retry = 2;
	n = res_nquery(&st, host, ns_c_in, ns_t_aaaa, buf, sizeof(buf));
	herr = st.res_h_errno;
	res_nclose(&st);
	if (n < 0) {
		switch (herr) {
		case HOST_NOT_FOUND:
			snprintf(why, len, "%s: no such name (NXDOMAIN)", host);
			return -ENOENT;
		case NO_DATA:
			snprintf(why, len, "%s: no AAAA record", host);
			return -ENODATA;
		case TRY_AGAIN:
			snprintf(why, len, "%s: no answer from the DNS servers (timeout or SERVFAIL)", host);
			return -EAGAIN;
		default:
			snprintf(why, len, "%s: the DNS query failed (%s)", host, hstrerror(herr));
			return -EIO;
		}
	}
	if (ns_initparse(buf, n, &msg)) {
		snprintf(why, len, "%s: malformed DNS answer", host);
		return -EIO;
	}
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr))
			break;
		if (ns_rr_type(rr) != ns_t_aaaa || ns_rr_class(rr) != ns_c_in || ns_rr_rdlen(rr) != 16)
			continue;
		if (!usable_remote(ns_rr_rdata(rr))) {
			skipped++;
			continue;
		}
		if (ans->n == 0 || ns_rr_ttl(rr) < ans->ttl)
			ans->ttl = ns_rr_ttl(rr);
		if (ans->n < T46_ANSWER_MAX)
			memcpy(ans->addr[ans->n++].b, ns_rr_rdata(rr), 16);
	}
	if (!ans->n) {
		snprintf(why, len, "%s: no usable AAAA record%s", host,
			 skipped ? " (only multicast, link-local, loopback or unspecified ones)" : "");
		return -ENODATA;
	}
	return 0;
}

const union tun46_addr6 *t46_answer_pick(const struct t46_answer *ans, const union tun46_addr6 *current)
{
	if (!ans->n)
		return NULL;
	for (size_t i = 0; current && i < ans->n; i++)
		if (!memcmp(&ans->addr[i], current, sizeof(*current)))
			return &ans->addr[i];
	return &ans->addr[0];
}

/* be_peer_refresh and be_peer_follow_local, which move peers, are in
 * follow.c (above peers.c); the "local auto" rule t46_local_pick is in
 * localpick.c (below nl.c). */
