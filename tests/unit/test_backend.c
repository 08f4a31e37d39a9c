/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_backend.c — the backend (lib/backend.h) against the real kernel, as
 * root, inside network namespaces this test creates (unshare); SKIP when
 * not root.  Checks state through the maps, the kernel routes, the tunnel
 * device and the attached programs; measures 100,000 routes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "backend.h"
#include "be_internal.h"
#include "ridx.h"
#include "unit.h"

/* Every case ends in `out:`, where it releases what it opened (the backend
 * first: a failed case must not leave the state lock to the next one). */
#define CHECK UNIT_CHECK_OUT

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* first line of a command's output as a number */
static long sh_num(const char *cmd)
{
	char buf[64] = "";
	FILE *f = popen(cmd, "r");
	long v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		pclose(f);
	}
	return v;
}

static int pin_fd(struct be *be, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", be_pin_dir(be), name);
	return bpf_obj_get(path);
}

static uint32_t pinned_prog_id(struct be *be, const char *name)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = pin_fd(be, name);

	memset(&info, 0, sizeof(info));
	if (fd < 0)
		return 0;
	bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return info.id;
}

static void addr6(const char *s, union tun46_addr6 *a)
{
	inet_pton(AF_INET6, s, a->b);
}

static uint32_t a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static struct tun46_peer mkpeer(const char *name, const char *remote, const char *local)
{
	struct tun46_peer p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	addr6(remote, &p.remote);
	addr6(local, &p.local);
	p.hoplimit = 64;
	return p;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static unsigned int if_mtu(const char *ifname)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "cat /sys/class/net/%s/mtu 2>/dev/null || ip -o link show %s | sed 's/.*mtu //'",
		 ifname, ifname);
	return (unsigned int)sh_num(cmd);
}

static long kroutes(void)
{
	return sh_num("ip -4 route show proto 46 | wc -l");
}

static int test_load(void)
{
	const char *t = "backend_load_pins_tundev";
	struct be *be = NULL;
	uint32_t cfgkey = 0, tun;
	struct tun46_config cfg;
	int fd = -1, err, rc = -1;

	CHECK(t, be_open(&be, &(struct be_opts){.readonly = true}) == 0, "readonly open failed");
	CHECK(t, !be_loaded(be), "fresh namespace already loaded");
	be_close(be);
	be = NULL;
	CHECK(t, be_open(&be, NULL) == 0, "open failed");
	err = be_ensure_loaded(be);
	CHECK(t, err == 0, "ensure_loaded: %d", err);
	CHECK(t, be_loaded(be), "not loaded after ensure_loaded");
	CHECK(t, strstr(be_pin_dir(be), "/tun46/") != NULL, "pin dir %s", be_pin_dir(be));
	fd = pin_fd(be, "tun46_config");
	CHECK(t, fd >= 0, "no tun46_config pin in %s", be_pin_dir(be));
	CHECK(t, bpf_map_lookup_elem(fd, &cfgkey, &cfg) == 0, "config lookup");
	tun = if_nametoindex(TUN46_TUNDEV_NAME);
	CHECK(t, tun && cfg.tun_ifindex == tun, "config tun_ifindex %u, device %u", cfg.tun_ifindex, tun);
	CHECK(t, if_mtu(TUN46_TUNDEV_NAME) == 1460, "tunnel MTU %u", if_mtu(TUN46_TUNDEV_NAME));
	CHECK(t, if_mtu(TUN46_TUNPEER_NAME) == 1460, "tunnel peer MTU %u", if_mtu(TUN46_TUNPEER_NAME));
	{
		uint32_t tunp = if_nametoindex(TUN46_TUNPEER_NAME);
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)tunp, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO);

		CHECK(t, tunp != 0, "no %s device", TUN46_TUNPEER_NAME);
		CHECK(t, bpf_tc_query(&hook, &q) == 0 && q.prog_id == pinned_prog_id(be, "prog_tc_tun"),
		      "tc_tun not on the ingress of %s", TUN46_TUNPEER_NAME);
	}
	CHECK(t, be_ensure_loaded(be) == 0, "second ensure_loaded");
	be_close(be);
	be = NULL;
	/* nothing configured: close removed everything */
	CHECK(t, if_nametoindex(TUN46_TUNDEV_NAME) == 0, "tunnel device left after close with no state");
	UNIT_PASS(t);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	be_close(be);
	return rc;
}

static int test_peers(struct be *be)
{
	const char *t = "backend_peers_decap_mtu";
	struct tun46_peer p = mkpeer("site2", "fd00::2", "fd00::1"), q;
	union tun46_addr6 r;
	uint32_t id, id2;
	int decap = pin_fd(be, "tun46_decap"), rc = -1;
	struct tun46_decap dv;

	CHECK(t, decap >= 0, "decap pin");
	CHECK(t, be_peer_alloc_id(be, &id) == 0 && id == 1, "alloc id %u", id);
	CHECK(t, be_peer_set(be, id, &p) == 0, "peer set");
	CHECK(t, be_peer_get(be, id, &q) == 0 && !strcmp(q.name, "site2") && (q.flags & TUN46_PEER_F_ACTIVE),
	      "peer get");
	CHECK(t, be_peer_find(be, "site2", &id2) == 0 && id2 == id, "find");
	CHECK(t, be_peer_find(be, "nope", &id2) == -ENOENT, "find missing");
	addr6("fd00::2", &r);
	CHECK(t, bpf_map_lookup_elem(decap, &r, &dv) == 0 && dv.peer_id == id, "decap index of remote");
	/* remote moves: new entry in, old one out */
	addr6("fd00::22", &p.remote);
	CHECK(t, be_peer_set(be, id, &p) == 0, "peer change");
	CHECK(t, bpf_map_lookup_elem(decap, &r, &dv) != 0, "old decap entry left");
	addr6("fd00::22", &r);
	CHECK(t, bpf_map_lookup_elem(decap, &r, &dv) == 0 && dv.peer_id == id, "new decap entry");
	/* a second peer may not take the same remote */
	q = mkpeer("site3", "fd00::22", "fd00::1");
	CHECK(t, be_peer_alloc_id(be, &id2) == 0 && id2 == 2, "alloc id 2");
	CHECK(t, be_peer_set(be, id2, &q) == -EEXIST, "duplicate remote accepted");
	addr6("fd00::3", &q.remote);
	q.flags = TUN46_PEER_F_ENCAPLIMIT;
	q.encaplimit = 4;
	CHECK(t, be_peer_set(be, id2, &q) == 0, "peer 2 set");
	/* the device MTU is the largest peer MTU (each peer's routes carry its own) */
	CHECK(t, if_mtu(TUN46_TUNDEV_NAME) == 1460, "MTU with peers of 1460 and 1452 %u", if_mtu(TUN46_TUNDEV_NAME));
	p.flags |= TUN46_PEER_F_ENCAPLIMIT;
	p.encaplimit = 4;
	CHECK(t, be_peer_set(be, id, &p) == 0, "peer 1 with encaplimit");
	CHECK(t, if_mtu(TUN46_TUNDEV_NAME) == 1452, "MTU with encaplimit everywhere %u", if_mtu(TUN46_TUNDEV_NAME));
	CHECK(t, if_mtu(TUN46_TUNPEER_NAME) == 1452, "peer end MTU %u", if_mtu(TUN46_TUNPEER_NAME));
	p.flags &= ~TUN46_PEER_F_ENCAPLIMIT;
	CHECK(t, be_peer_set(be, id, &p) == 0, "peer 1 without encaplimit");
	CHECK(t, be_peer_del(be, id2) == 0, "peer del");
	CHECK(t, be_peer_get(be, id2, &q) == -ENOENT, "deleted peer still there");
	addr6("fd00::3", &r);
	CHECK(t, bpf_map_lookup_elem(decap, &r, &dv) != 0, "decap entry of deleted peer");
	CHECK(t, if_mtu(TUN46_TUNDEV_NAME) == 1460, "MTU after encaplimit peer left %u", if_mtu(TUN46_TUNDEV_NAME));
	UNIT_PASS(t);
	rc = 0;
out:
	if (decap >= 0)
		close(decap);
	return rc;
}

static int test_routes(struct be *be)
{
	const char *t = "backend_routes";
	struct be_route r[3] = {
	    {a4("192.168.2.0"), 24, 1},
	    {a4("192.168.0.0"), 16, 1},
	    {a4("10.1.0.0"), 16, 1},
	};
	struct be_route *list = NULL, got, bad = {a4("10.9.9.9"), 24, 1}, nopeer = {a4("10.2.0.0"), 16, 7};
	uint32_t id;
	size_t n;
	int rc = -1;

	CHECK(t, be_route_update(be, r, 3) == 0, "update");
	CHECK(t, be_route_get(be, a4("192.168.2.0"), 24, &id) == 0 && id == 1, "exact get /24");
	CHECK(t, be_route_get(be, a4("192.168.3.0"), 24, &id) == -ENOENT, "exact get of a covered non-route");
	CHECK(t, be_route_get(be, a4("192.168.0.0"), 16, &id) == 0, "exact get /16");
	CHECK(t, be_route_lookup(be, a4("192.168.2.77"), &got) == 0 && got.plen == 24, "lookup longest");
	CHECK(t, be_route_lookup(be, a4("192.168.9.1"), &got) == 0 && got.plen == 16, "lookup shorter");
	CHECK(t, be_route_lookup(be, a4("172.16.0.1"), &got) == -ENOENT, "lookup none");
	CHECK(t, be_route_list(be, &list, &n) == 0 && n == 3, "list %zu", n);
	CHECK(t, list[0].addr == a4("10.1.0.0") && list[1].plen == 16 && list[2].plen == 24, "list order");
	CHECK(t, kroutes() == 3, "kernel routes %ld", kroutes());
	CHECK(t, sh_num("ip -4 route show 192.168.2.0/24 dev " TUN46_TUNDEV_NAME " proto 46 | grep -c 'mtu 1460'") == 1,
	      "kernel route with mtu 1460");
	CHECK(t, be_route_update(be, &bad, 1) == -EINVAL, "host bits accepted");
	CHECK(t, be_route_update(be, &nopeer, 1) == -ENOENT, "missing peer accepted");
	CHECK(t, be_route_delete(be, &r[2], 1) == 0, "delete");
	CHECK(t, be_route_get(be, a4("10.1.0.0"), 16, &id) == -ENOENT, "deleted route still there");
	CHECK(t, kroutes() == 2, "kernel routes after delete %ld", kroutes());
	CHECK(t, be_route_delete(be, &r[2], 1) == -ENOENT, "delete of a missing route");
	UNIT_PASS(t);
	rc = 0;
out:
	free(list);
	return rc;
}

/* t46_lib_opts.fail_after (TUN46_FAIL_AFTER): a failed batch leaves maps and kernel routes as they were */
static int test_rollback(void)
{
	const char *t = "backend_fail_after_rollback";
	struct be_route r[10], *list = NULL;
	struct be *be = NULL;
	size_t n, i;
	int err, rc = -1;

	for (i = 0; i < 10; i++)
		r[i] = (struct be_route){htonl(0x0b000000 + (i << 8)), 24, 1};
	r[9] = (struct be_route){a4("192.168.2.0"), 24, 1}; /* exists: must keep its value */
	t46_set_opts(&(struct t46_lib_opts){.fail_after = "5"});
	err = be_open(&be, NULL);
	t46_set_opts(NULL);
	CHECK(t, err == 0, "open");
	err = be_route_update(be, r, 10);
	CHECK(t, err == -ENOSPC, "injected failure not reported: %d", err);
	CHECK(t, be_route_list(be, &list, &n) == 0 && n == 2, "routes after rollback: %zu, want 2", n);
	CHECK(t, kroutes() == 2, "kernel routes after rollback %ld", kroutes());
	CHECK(t, be_route_update(be, r, 10) == 0, "hook is one-shot");
	CHECK(t, be_route_delete(be, r, 9) == 0, "cleanup");
	UNIT_PASS(t);
	rc = 0;
out:
	free(list);
	be_close(be);
	return rc;
}

/* The per-peer route index (lib/ridx.c) against the route map after every
 * kind of write: adds in any order, moves between peers, small and large
 * deletes, a whole peer's routes, failed batches (TUN46_FAIL_AFTER), a
 * crash between map and index, and a state pinned without an index.  The
 * verifier itself must notice a wrong index. */
static int ridx_ok(struct be *be, const char *t, const char *step)
{
	char msg[256];
	int err = ridx_verify(be, msg, sizeof(msg)), rc = -1;

	CHECK(t, err == 0, "after %s: index out of step with the route map: %s", step, msg);
	rc = 0;
out:
	return rc;
}

static int peer_routes_match(struct be *be, const char *t, uint32_t id)
{
	struct be_route *mine = NULL, *all = NULL;
	size_t n, na, want = 0;
	int rc = -1;

	CHECK(t, be_peer_routes(be, id, &mine, &n) == 0, "be_peer_routes %u", id);
	CHECK(t, routes_list_map(be, &all, &na) == 0, "routes_list_map");
	for (size_t i = 0; i < na; i++)
		want += all[i].peer_id == id;
	for (size_t i = 0; i < n; i++)
		CHECK(t, mine[i].peer_id == id && (i == 0 || ntohl(mine[i - 1].addr) < ntohl(mine[i].addr)),
		      "peer %u route %zu", id, i);
	CHECK(t, n == want, "peer %u: %zu routes from the index, %zu in the map", id, n, want);
	rc = 0;
out:
	free(mine);
	free(all);
	return rc;
}

static int test_ridx(void)
{
	const char *t = "backend_route_index";
	enum { N = 700 };
	struct tun46_peer p2 = mkpeer("rx2", "fd00::72", "fd00::1"), p3 = mkpeer("rx3", "fd00::73", "fd00::1");
	struct be_route r[N], mv[40];
	char path[PATH_MAX];
	struct be *be = NULL;
	struct be_route *list = NULL;
	size_t i, n;
	int fd = -1, err, rc = -1;
	uint32_t k, v;

	CHECK(t, be_open(&be, NULL) == 0 && be_ensure_loaded(be) == 0, "open");
	CHECK(t, be_peer_set(be, 2, &p2) == 0 && be_peer_set(be, 3, &p3) == 0, "peers 2 and 3");
	if (ridx_ok(be, t, "open"))
		goto out;
	for (i = 0; i < N; i++) /* descending addresses: not sorted */
		r[i] = (struct be_route){htonl(0x0c000000 + ((uint32_t)(N - i) << 8)), 24, 1 + (uint32_t)(i % 3)};
	CHECK(t, be_route_update(be, r, N) == 0, "add %d", N);
	if (ridx_ok(be, t, "add") || peer_routes_match(be, t, 2))
		goto out;
	for (i = 0; i < 40; i++) /* 40 routes of peers 1 and 3 move to peer 2 */
		mv[i] = (struct be_route){r[i * 3 + (i & 1 ? 2 : 0)].addr, 24, 2};
	CHECK(t, be_route_update(be, mv, 40) == 0, "move");
	if (ridx_ok(be, t, "move") || peer_routes_match(be, t, 2) || peer_routes_match(be, t, 3))
		goto out;
	CHECK(t, be_route_delete(be, &mv[5], 3) == 0, "delete 3");
	if (ridx_ok(be, t, "small delete"))
		goto out;
	CHECK(t, be_route_delete(be, r + 300, 200) == 0, "delete 200");
	if (ridx_ok(be, t, "large delete"))
		goto out;
	/* a failed batch (the 3rd write fails) is rolled back: the index too */
	be_close(be);
	be = NULL;
	t46_set_opts(&(struct t46_lib_opts){.fail_after = "2"});
	err = be_open(&be, NULL);
	t46_set_opts(NULL);
	CHECK(t, err == 0, "reopen");
	for (i = 0; i < 40; i++)
		mv[i].peer_id = 3;
	err = be_route_update(be, mv + 10, 30);
	CHECK(t, err == -ENOSPC, "injected failure not reported: %d", err);
	CHECK(t, ridx_valid(be), "index invalid after a clean rollback");
	if (ridx_ok(be, t, "rollback") || peer_routes_match(be, t, 2))
		goto out;
	/* a peer's every route (the config apply and peer del -force case) */
	CHECK(t, be_peer_routes(be, 3, &list, &n) == 0 && n > 0, "peer 3 routes");
	CHECK(t, be_route_delete(be, list, n) == 0, "delete peer 3's %zu routes", n);
	free(list);
	list = NULL;
	CHECK(t, be_peer_routes(be, 3, &list, &n) == 0 && n == 0, "peer 3 has %zu routes left", n);
	free(list);
	list = NULL;
	if (ridx_ok(be, t, "whole peer"))
		goto out;
	/* a crash between the map write and the index: invalid, then rebuilt */
	CHECK(t, ridx_write_begin(be) == 0, "begin");
	be_close(be); /* no ridx_write_end */
	be = NULL;
	CHECK(t, be_open(&be, NULL) == 0, "reopen");
	CHECK(t, !ridx_valid(be), "index valid after an interrupted write");
	if (peer_routes_match(be, t, 1))
		goto out;
	CHECK(t, ridx_valid(be), "index not rebuilt");
	if (ridx_ok(be, t, "rebuild"))
		goto out;
	/* a state pinned by a tun46 without the index: made on first use */
	be_close(be);
	be = NULL;
	CHECK(t, be_open(&be, NULL) == 0, "reopen");
	pin_path(be, RIDX_PIN_COUNT, path, sizeof(path));
	CHECK(t, unlink(path) == 0, "unlink %s", path);
	pin_path(be, RIDX_PIN_CHUNKS, path, sizeof(path));
	CHECK(t, unlink(path) == 0, "unlink %s", path);
	if (peer_routes_match(be, t, 2) || ridx_ok(be, t, "index made for an old state"))
		goto out;
	CHECK(t, pin_exists(be, RIDX_PIN_COUNT) && pin_exists(be, RIDX_PIN_CHUNKS), "index not pinned");
	/* the verifier sees a wrong count */
	fd = pin_fd(be, RIDX_PIN_COUNT);
	k = 2;
	CHECK(t, fd >= 0 && bpf_map_lookup_elem(fd, &k, &v) == 0, "count of peer 2");
	v++;
	CHECK(t, bpf_map_update_elem(fd, &k, &v, BPF_ANY) == 0, "corrupt");
	{
		char msg[256];

		CHECK(t, ridx_verify(be, msg, sizeof(msg)) == -EBADMSG, "a wrong count passed the verifier");
	}
	v--;
	bpf_map_update_elem(fd, &k, &v, BPF_ANY);
	close(fd);
	fd = -1;
	/* clean up: peers 2 and 3 and the routes go */
	{
		size_t m = 0;

		CHECK(t, be_route_list(be, &list, &n) == 0, "list");
		for (i = 0; i < n; i++) {
			if (ntohl(list[i].addr) >> 24 == 12)
				list[m++] = list[i];
		}
		CHECK(t, be_route_delete(be, list, m) == 0, "cleanup routes");
	}
	CHECK(t, be_peer_del(be, 2) == 0 && be_peer_del(be, 3) == 0, "cleanup peers");
	if (ridx_ok(be, t, "cleanup"))
		goto out;
	UNIT_PASS(t);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(list);
	be_close(be);
	return rc;
}

/* peer del forgets the peer's counters by key (lib/statsfew.c), in the
 * counter map and in the fast slots, and leaves other peers' counters */
/* The counter maps of a loaded datapath, for the tests of the walks that
 * forget counters: per-CPU value buffers, the pinned map fds and the
 * tunnel device's ifindex.  stats_fx_close() releases whatever was opened. */
struct stats_fx {
	int ncpu, fd, ffd;
	uint32_t tun;
	struct tun46_counters *vals;
	struct tun46_stats_slot *fv;
	struct be *be;
};

static int stats_fx_open(const char *t, struct stats_fx *x)
{
	int i;

	*x = (struct stats_fx){.ncpu = libbpf_num_possible_cpus(), .fd = -1, .ffd = -1};
	x->vals = calloc(x->ncpu, sizeof(*x->vals));
	x->fv = calloc(x->ncpu, sizeof(*x->fv));
	CHECK(t, x->vals && x->fv && be_open(&x->be, NULL) == 0 && be_ensure_loaded(x->be) == 0, "open");
	x->tun = tundev_ifindex(x->be);
	x->fd = pin_fd(x->be, "tun46_stats");
	x->ffd = pin_fd(x->be, "tun46_stats_fast");
	CHECK(t, x->tun && x->fd >= 0 && x->ffd >= 0, "pins");
	for (i = 0; i < x->ncpu; i++)
		x->vals[i].c[TUN46_C_ENCAP_PACKETS] = 1;
	return 0;
out:
	return -1;
}

static void stats_fx_close(struct stats_fx *x)
{
	if (x->fd >= 0)
		close(x->fd);
	if (x->ffd >= 0)
		close(x->ffd);
	be_close(x->be);
	free(x->vals);
	free(x->fv);
}

static int test_forget_few(void)
{
	const char *t = "backend_peer_del_forgets_counters";
	struct tun46_peer p = mkpeer("fg4", "fd00::74", "fd00::1");
	struct stats_fx x;
	uint32_t slot = 77;
	struct tun46_stats_key gone, stays;
	int rc = -1;

	if (stats_fx_open(t, &x))
		goto out;
	CHECK(t, be_peer_set(x.be, 4, &p) == 0, "peer 4");
	gone = (struct tun46_stats_key){x.tun, 4};
	stays = (struct tun46_stats_key){x.tun, 1};
	CHECK(t,
	      bpf_map_update_elem(x.fd, &gone, x.vals, BPF_ANY) == 0 &&
		  bpf_map_update_elem(x.fd, &stays, x.vals, BPF_ANY) == 0,
	      "seed");
	x.fv[0].key = gone;
	x.fv[0].c.c[TUN46_C_ENCAP_PACKETS] = 3;
	CHECK(t, bpf_map_update_elem(x.ffd, &slot, x.fv, BPF_ANY) == 0, "seed fast slot");
	CHECK(t, be_peer_del(x.be, 4) == 0, "peer del");
	peers_flush(x.be);
	CHECK(t, bpf_map_lookup_elem(x.fd, &gone, x.vals) != 0, "deleted peer's counters left");
	CHECK(t, bpf_map_lookup_elem(x.fd, &stays, x.vals) == 0, "another peer's counters gone");
	CHECK(t,
	      bpf_map_lookup_elem(x.ffd, &slot, x.fv) == 0 && x.fv[0].key.ifindex == 0 &&
		  x.fv[0].c.c[TUN46_C_ENCAP_PACKETS] == 0,
	      "deleted peer's fast slot left");
	bpf_map_delete_elem(x.fd, &stays);
	UNIT_PASS(t);
	rc = 0;
out:
	stats_fx_close(&x);
	return rc;
}

/* the walks that forget counters (lib/stats.c): by a bitmap of peer ids
 * (config apply deleting more than STATS_FEW peers) and by interface (link
 * detach), in the counter map and in every CPU's copy of the fast slots */
static int test_forget_walk(void)
{
	const char *t = "backend_forget_counters_walk";
	struct stats_fx x;
	struct tun46_stats_key keys[4];
	uint8_t *ids = NULL;
	uint32_t slot = 78;
	int i, n, rc = -1;

	if (stats_fx_open(t, &x))
		goto out;
	n = x.ncpu;
	ids = calloc(x.be->max_peers / 8 + 1, 1);
	CHECK(t, ids, "peer bitmap");
	/* peers 5 and 6 go; peer 1 stays, but not on interface 9001 */
	keys[0] = (struct tun46_stats_key){x.tun, 5};
	keys[1] = (struct tun46_stats_key){x.tun, 6};
	keys[2] = (struct tun46_stats_key){x.tun, 1};
	keys[3] = (struct tun46_stats_key){9001, 1};
	for (i = 0; i < 4; i++)
		CHECK(t, bpf_map_update_elem(x.fd, &keys[i], x.vals, BPF_ANY) == 0, "seed %d", i);
	x.fv[0].key = keys[0];
	x.fv[0].c.c[TUN46_C_ENCAP_PACKETS] = 3;
	x.fv[n - 1].key = keys[2]; /* on one CPU when there is one */
	x.fv[n - 1].c.c[TUN46_C_ENCAP_PACKETS] = 4;
	CHECK(t, bpf_map_update_elem(x.ffd, &slot, x.fv, BPF_ANY) == 0, "seed fast slot");
	ids[5 / 8] |= 1u << (5 % 8);
	ids[6 / 8] |= 1u << (6 % 8);
	CHECK(t, stats_forget_peers(x.be, ids) == 0, "stats_forget_peers");
	CHECK(t, bpf_map_lookup_elem(x.fd, &keys[0], x.vals) != 0 && bpf_map_lookup_elem(x.fd, &keys[1], x.vals) != 0,
	      "counters of peers 5 and 6 left");
	CHECK(t, bpf_map_lookup_elem(x.fd, &keys[2], x.vals) == 0 && bpf_map_lookup_elem(x.fd, &keys[3], x.vals) == 0,
	      "peer 1's counters gone");
	CHECK(t, bpf_map_lookup_elem(x.ffd, &slot, x.fv) == 0, "fast slot");
	CHECK(t,
	      (n == 1 || (x.fv[0].key.ifindex == 0 && x.fv[0].c.c[TUN46_C_ENCAP_PACKETS] == 0)) &&
		  x.fv[n - 1].key.peer_id == 1 && x.fv[n - 1].c.c[TUN46_C_ENCAP_PACKETS] == 4,
	      "fast slot: peer 5 not cleared or peer 1 cleared");
	CHECK(t, stats_forget(x.be, true, 9001, false, 0) == 0, "stats_forget by interface");
	CHECK(t, bpf_map_lookup_elem(x.fd, &keys[3], x.vals) != 0, "counters of interface 9001 left");
	CHECK(t, bpf_map_lookup_elem(x.fd, &keys[2], x.vals) == 0, "another interface's counters gone");
	CHECK(t, stats_forget(x.be, false, 0, true, 1) == 0, "stats_forget by peer");
	CHECK(t, bpf_map_lookup_elem(x.fd, &keys[2], x.vals) != 0, "counters of peer 1 left");
	CHECK(t, bpf_map_lookup_elem(x.ffd, &slot, x.fv) == 0 && x.fv[n - 1].key.ifindex == 0,
	      "peer 1's fast slot left");
	UNIT_PASS(t);
	rc = 0;
out:
	stats_fx_close(&x);
	free(ids);
	return rc;
}

static int test_links(struct be *be)
{
	const char *t = "backend_link_attach_detach";
	uint32_t v0 = if_nametoindex("tv0"), v2 = if_nametoindex("tv2"), v4 = if_nametoindex("tv4"), xid = 0, v;
	struct be_link *links = NULL;
	union tun46_addr6 local, remote, want;
	size_t n;
	int ports = pin_fd(be, "tun46_ports"), links_fd = -1, cfg_fd = -1, rc = -1;

	CHECK(t, v0 && v2 && v4 && ports >= 0, "veths missing");
	/* veth far end without XDP or GRO: native XDP refused, nothing changed */
	CHECK(t, sh("ethtool -K tv1 gro off >/dev/null 2>&1") == 0, "ethtool");
	CHECK(t, be_link_attach(be, "tv0", TUN46_ROLE_LAN, TUN46_MODE_XDP) == -EOPNOTSUPP, "veth check (GRO off)");
	CHECK(t, bpf_map_lookup_elem(ports, &v0, &v) != 0, "tv0 in ports after a refused attach");
	CHECK(t, sh("for i in 1 3 5; do ethtool -K tv$i gro on >/dev/null 2>&1 || exit 1; done") == 0, "GRO on");
	CHECK(t, be_link_attach(be, "tv0", TUN46_ROLE_LAN, TUN46_MODE_XDP) == 0, "attach lan xdp");
	CHECK(t, bpf_xdp_query_id(v0, XDP_FLAGS_DRV_MODE, &xid) == 0 && xid == pinned_prog_id(be, "prog_xdp_lan"),
	      "xdp_lan not attached natively (id %u)", xid);
	CHECK(t, bpf_map_lookup_elem(ports, &v0, &v) == 0 && v == v0, "tv0 not in ports");
	CHECK(t, be_link_attach(be, "tv0", TUN46_ROLE_LAN, TUN46_MODE_XDP) == -EEXIST, "double attach");
	CHECK(t, be_link_attach(be, "nosuch0", TUN46_ROLE_LAN, TUN46_MODE_XDP) == -ENODEV, "missing interface");
	CHECK(t, be_link_attach(be, TUN46_TUNDEV_NAME, TUN46_ROLE_WAN, TUN46_MODE_TC) == -EINVAL, "tunnel device");
	CHECK(t, be_link_attach(be, "tv2", TUN46_ROLE_WAN, TUN46_MODE_XDP_GENERIC) == 0, "attach wan generic");
	CHECK(t, bpf_xdp_query_id(v2, XDP_FLAGS_SKB_MODE, &xid) == 0 && xid == pinned_prog_id(be, "prog_xdp_wan"),
	      "xdp_wan generic");
	{
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)v2, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO);

		CHECK(t, bpf_tc_query(&hook, &q) == 0 && q.prog_id == pinned_prog_id(be, "prog_tc_wan"),
		      "tc_wan on WAN ingress in xdp-generic mode");
	}
	CHECK(t, be_link_attach(be, "tv4", TUN46_ROLE_LAN, TUN46_MODE_TC) == 0, "attach lan tc");
	CHECK(t, be_link_list(be, &links, &n) == 0 && n == 3, "link list %zu", n);
	CHECK(t,
	      links[1].ifindex == v2 && links[1].link.role == TUN46_ROLE_WAN &&
		  links[1].link.mode == TUN46_MODE_XDP_GENERIC &&
		  (links[1].link.flags & (TUN46_LINK_F_XDP | TUN46_LINK_F_TC_INGRESS | TUN46_LINK_F_CLSACT_OURS)) ==
		      (TUN46_LINK_F_XDP | TUN46_LINK_F_TC_INGRESS | TUN46_LINK_F_CLSACT_OURS) &&
		  !strcmp(links[1].ifname, "tv2"),
	      "link record of tv2 (flags %#x)", links[1].link.flags);
	/* local auto: the WAN's global address */
	addr6("fd00::99", &remote);
	addr6("fd00::1", &want);
	CHECK(t, be_local_auto(be, &remote, &local) == 0 && !memcmp(&local, &want, 16), "local auto from the WAN");

	{
		struct tun46_link l;
		struct tun46_config c0, c1;
		uint8_t mac[6];
		uint32_t a4, key = 0;

		links_fd = pin_fd(be, "tun46_links");
		cfg_fd = pin_fd(be, "tun46_config");
		CHECK(t, links_fd >= 0 && cfg_fd >= 0 && bpf_map_lookup_elem(links_fd, &v0, &l) == 0, "tv0 record");
		CHECK(t, port_identity("tv0", mac, &a4) == 0 && !memcmp(mac, l.mac, 6), "tv0's MAC recorded");
		CHECK(t, bpf_map_lookup_elem(cfg_fd, &key, &c0) == 0, "config");
		CHECK(t, be_link_detach(be, "tv0") == 0, "detach tv0");
		CHECK(t, bpf_map_lookup_elem(cfg_fd, &key, &c1) == 0 && c1.gen == c0.gen + 1,
		      "detach bumps the cache generation (%u -> %u)", c0.gen, c1.gen);
	}
	CHECK(t, bpf_xdp_query_id(v0, XDP_FLAGS_DRV_MODE, &xid) == 0 && xid == 0, "XDP left on tv0");
	CHECK(t, bpf_map_lookup_elem(ports, &v0, &v) != 0, "tv0 still in ports");
	CHECK(t, be_link_detach(be, "tv0") == -ENOENT, "double detach");
	CHECK(t, be_link_detach(be, "tv2") == 0 && be_link_detach(be, "tv4") == 0, "detach tv2, tv4");
	CHECK(t, sh_num("tc qdisc show dev tv2 | grep -c clsact") == 0, "clsact left on tv2");
	CHECK(t, bpf_xdp_query_id(v2, XDP_FLAGS_SKB_MODE, &xid) == 0 && xid == 0, "XDP left on tv2");
	/* local auto without a WAN: the kernel's source toward remote */
	CHECK(t, be_local_auto(be, &remote, &local) == 0 && !memcmp(&local, &want, 16), "local auto by route");
	UNIT_PASS(t);
	rc = 0;
out:
	free(links);
	if (links_fd >= 0)
		close(links_fd);
	if (cfg_fd >= 0)
		close(cfg_fd);
	if (ports >= 0)
		close(ports);
	return rc;
}

static int test_stats(struct be *be)
{
	const char *t = "backend_stats_sum_reset";
	int ncpu = libbpf_num_possible_cpus(), fd = pin_fd(be, "tun46_stats"), ffd = -1, i, rc = -1;
	struct tun46_stats_key k = {.ifindex = 5, .peer_id = 1};
	struct tun46_counters *vals = calloc(ncpu, sizeof(*vals));
	struct tun46_stats_slot *fv = NULL;
	struct be_stats_entry *e = NULL;
	size_t n;

	CHECK(t, fd >= 0 && vals, "stats pin");
	for (i = 0; i < ncpu; i++)
		vals[i].c[TUN46_C_ENCAP_PACKETS] = i + 1;
	CHECK(t, bpf_map_update_elem(fd, &k, vals, BPF_ANY) == 0, "seed entry");
	CHECK(t, be_stats_read(be, &e, &n) == 0 && n >= 1, "read");
	for (i = 0; i < (int)n; i++)
		if (e[i].ifindex == 5)
			break;
	CHECK(t, i < (int)n && e[i].sum.c[TUN46_C_ENCAP_PACKETS] == (uint64_t)ncpu * (ncpu + 1) / 2, "sum over %d cpus",
	      ncpu);
	free(e);
	e = NULL;
	{ /* the reserved fast slot: stats_map_full, read as the (ifindex 0, peer 0) entry */
		uint32_t slot = TUN46_STATS_FULL_SLOT;

		ffd = pin_fd(be, "tun46_stats_fast");
		fv = calloc(ncpu, sizeof(*fv));
		CHECK(t, ffd >= 0 && fv, "stats_fast pin");
		for (i = 0; i < ncpu; i++)
			fv[i].c.c[TUN46_C_STATS_MAP_FULL] = 2;
		CHECK(t, bpf_map_update_elem(ffd, &slot, fv, BPF_ANY) == 0, "seed the full slot");
		CHECK(t, be_stats_read(be, &e, &n) == 0, "read full");
		for (i = 0; i < (int)n; i++)
			if (e[i].ifindex == 0)
				break;
		CHECK(t, i < (int)n && e[i].sum.c[TUN46_C_STATS_MAP_FULL] == (uint64_t)ncpu * 2,
		      "stats_map_full not read from the reserved slot");
		free(e);
		e = NULL;
	}
	{ /* reset: what was non-zero just before is zero after, in the map itself too */
		uint64_t before = 0, after = 0, left = 0;

		CHECK(t, bpf_map_lookup_elem(fd, &k, vals) == 0, "seeded entry vanished");
		for (i = 0; i < ncpu; i++)
			before += vals[i].c[TUN46_C_ENCAP_PACKETS];
		CHECK(t, before == (uint64_t)ncpu * (ncpu + 1) / 2, "seeded entry holds %llu before the reset",
		      (unsigned long long)before);
		CHECK(t, be_stats_reset(be) == 0, "reset");
		if (bpf_map_lookup_elem(fd, &k, vals) == 0)
			for (i = 0; i < ncpu; i++)
				after += vals[i].c[TUN46_C_ENCAP_PACKETS];
		CHECK(t, after == 0, "the seeded entry still holds %llu after the reset", (unsigned long long)after);
		CHECK(t, be_stats_read(be, &e, &n) == 0, "read again");
		for (i = 0; i < (int)n; i++)
			left += e[i].sum.c[TUN46_C_ENCAP_PACKETS] + e[i].sum.c[TUN46_C_STATS_MAP_FULL];
		CHECK(t, left == 0, "%llu counted after the reset", (unsigned long long)left);
	}
	bpf_map_delete_elem(fd, &k);
	UNIT_PASS(t);
	rc = 0;
out:
	free(e);
	free(fv);
	free(vals);
	if (ffd >= 0)
		close(ffd);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void print_stderr(enum t46_log_level level, const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "tun46: %s%s\n", level == T46_LOG_WARN ? "warning: " : "", msg);
}

static long memlock_of(struct be *be, const char *map)
{
	char path[64], line[256];
	long v = -1;
	int fd = pin_fd(be, map);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	close(fd);
	return v;
}

static int test_scale(struct be *be)
{
	const char *t = "backend_100k_routes";
	enum { N = 100000 };
	struct be_route *r = malloc(N * sizeof(*r)), *list = NULL;
	double t0, t_add, t_list, t_del, t_repl;
	long mem0 = memlock_of(be, "tun46_routes"), mem;
	size_t i, n;
	int rc = -1;

	CHECK(t, r != NULL, "malloc");
	for (i = 0; i < N; i++) /* 100,000 distinct /24s from 20.0.0.0 */
		r[i] = (struct be_route){htonl(0x14000000 + ((uint32_t)i << 8)), 24, 1};
	t0 = now();
	CHECK(t, be_route_update(be, r, N) == 0, "update 100k");
	t_add = now() - t0;
	mem = memlock_of(be, "tun46_routes");
	CHECK(t, kroutes() == N + 2, "kernel routes %ld", kroutes());
	t0 = now();
	CHECK(t, be_route_list(be, &list, &n) == 0 && n == N + 2, "list %zu", n);
	t_list = now() - t0;
	for (i = 1; i < n; i++) /* sorted by (addr, plen) */
		CHECK(t,
		      ntohl(list[i - 1].addr) < ntohl(list[i].addr) ||
			  (list[i - 1].addr == list[i].addr && list[i - 1].plen < list[i].plen),
		      "list order at %zu", i);
	t0 = now();
	CHECK(t, be_route_update(be, r, N) == 0, "replace 100k");
	t_repl = now() - t0;
	t0 = now();
	CHECK(t, be_route_delete(be, r, N) == 0, "delete 100k");
	t_del = now() - t0;
	CHECK(t, kroutes() == 2, "kernel routes after delete %ld", kroutes());
	printf("PASS %s: add %.3f s, replace %.3f s, list %.3f s, delete %.3f s; route map memlock %.1f MiB "
	       "(%.0f bytes/route)\n",
	       t, t_add, t_repl, t_list, t_del, (mem - mem0) / 1048576.0, (double)(mem - mem0) / N);
	rc = 0;
out:
	free(list);
	free(r);
	return rc;
}

/* Closes be (it checks what the close removes), on failure too. */
static int test_teardown(struct be *be)
{
	const char *t = "backend_teardown_removes_pins";
	struct be_route r[2] = {{a4("192.168.2.0"), 24, 1}, {a4("192.168.0.0"), 16, 1}};
	char dir[4096];
	int rc = -1;

	snprintf(dir, sizeof(dir), "%s", be_pin_dir(be));
	CHECK(t, be_route_delete(be, r, 2) == 0, "delete routes");
	CHECK(t, be_peer_del(be, 1) == 0, "delete peer");
	be_close(be);
	be = NULL;
	CHECK(t, !dir_exists(dir), "pin dir %s left", dir);
	CHECK(t, if_nametoindex(TUN46_TUNDEV_NAME) == 0, "tunnel device left");
	UNIT_PASS(t);
	rc = 0;
out:
	be_close(be);
	return rc;
}

/* In a child: new netns (optionally a private mount ns with a fresh sysfs
 * on /sys, as `ip netns exec` makes), load, add a peer named `name`, print
 * the pin dir to fd, then check that no other peer is visible. */
static int child_ns(int wfd, const char *name, bool hide_sys)
{
	struct tun46_peer p = mkpeer(name, "fd00::2", "fd00::1");
	struct be *be;
	uint32_t id;
	int n = 0;

	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	if (hide_sys) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return 11;
		umount2("/sys", MNT_DETACH);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
			return 12;
	}
	if (be_open(&be, NULL) || be_ensure_loaded(be) || be_peer_set(be, 1, &p))
		return 13;
	if (dprintf(wfd, "%s\n", be_pin_dir(be)) < 0)
		return 14;
	for (id = 1; id < 8; id++)
		n += be_peer_get(be, id, &p) == 0;
	if (n != 1)
		return 15;
	be_peer_del(be, 1);
	be_close(be);
	return 0;
}

static int run_child(const char *name, bool hide_sys, char *dir, size_t len)
{
	int pfd[2], status;
	pid_t pid;
	ssize_t r;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(child_ns(pfd[1], name, hide_sys));
	}
	close(pfd[1]);
	r = read(pfd[0], dir, len - 1);
	dir[r > 0 ? r : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int test_isolation(void)
{
	const char *t = "backend_namespaces_isolated";
	char a[4096], b[4096], pa[4200], pb[4200];
	int ra = run_child("nsA", false, a, sizeof(a)), rb = run_child("nsB", true, b, sizeof(b)), rc = -1;

	CHECK(t, ra == 0 && rb == 0, "children failed: %d %d", ra, rb);
	strtok(a, "\n");
	strtok(b, "\n");
	CHECK(t, strstr(a, "/tun46/") && strstr(b, "/tun46/"), "pin dirs %s %s", a, b);
	CHECK(t, strcmp(strstr(a, "/tun46/"), strstr(b, "/tun46/")) != 0, "two namespaces share %s", a);
	snprintf(pa, sizeof(pa), "/sys/fs/bpf%s", strstr(a, "/tun46/"));
	snprintf(pb, sizeof(pb), "/sys/fs/bpf%s", strstr(b, "/tun46/"));
	CHECK(t, !dir_exists(pa) && !dir_exists(pb), "pins left after the last peer went");
	printf("PASS %s: %s and %s (new netns + hidden /sys)\n", t, a, b);
	rc = 0;
out:
	return rc;
}

/* A namespace that dies with state in it: its pins go at the next first
 * load in another namespace (its devmaps empty when its devices go). */
static int test_gc(void)
{
	const char *t = "backend_gc_dead_namespace";
	char dead[4096], other[4096], path[4200];
	int pfd[2], status, i, rc = -1;
	pid_t pid;
	ssize_t r;

	CHECK(t, pipe(pfd) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		struct tun46_peer p = mkpeer("left", "fd00::2", "fd00::1");
		struct be *be;

		close(pfd[0]);
		if (unshare(CLONE_NEWNET) || be_open(&be, NULL) || be_ensure_loaded(be) || be_peer_set(be, 1, &p))
			_exit(1);
		dprintf(pfd[1], "%s", strstr(be_pin_dir(be), "/tun46/"));
		be_close(be);
		_exit(0); /* the namespace dies with its last process */
	}
	close(pfd[1]);
	r = read(pfd[0], dead, sizeof(dead) - 1);
	dead[r > 0 ? r : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	CHECK(t, WIFEXITED(status) && WEXITSTATUS(status) == 0 && r > 0, "child failed");
	snprintf(path, sizeof(path), "/sys/fs/bpf%s", dead);
	CHECK(t, dir_exists(path), "state of the child not found at %s", path);
	for (i = 0; i < 50 && dir_exists(path); i++) {
		usleep(100000); /* namespace cleanup is asynchronous */
		run_child("gc", false, other, sizeof(other));
	}
	CHECK(t, !dir_exists(path), "pins of a dead namespace left at %s", path);
	UNIT_PASS(t);
	rc = 0;
out:
	return rc;
}

/* As under `ip netns exec`: a private mount namespace with a fresh sysfs on
 * /sys hides /sys/fs/bpf; the state of this namespace must still be found
 * (through another process's root) and be writable. */
static int test_hidden_sysfs(const char *mine)
{
	const char *t = "backend_hidden_sysfs_finds_host_bpffs";
	char dir[4096];
	int pfd[2], status, step, rc = -1;
	pid_t pid;
	ssize_t r;

	CHECK(t, mine && pipe(pfd) == 0, "setup");
	pid = fork();
	if (pid == 0) {
		struct be_route rt = {a4("10.77.0.0"), 16, 1};
		struct be *be;
		uint32_t id;

		close(pfd[0]);
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(10);
		umount2("/sys", MNT_DETACH);
		if (mount("sysfs", "/sys", "sysfs", 0, NULL))
			_exit(11);
		if (be_open(&be, NULL))
			_exit(12);
		dprintf(pfd[1], "%s", be_pin_dir(be));
		if (!be_loaded(be) || be_peer_find(be, "site2", &id) || id != 1)
			_exit(13);
		if (be_route_update(be, &rt, 1) || be_route_get(be, rt.addr, 16, &id) || be_route_delete(be, &rt, 1))
			_exit(14);
		be_close(be);
		_exit(0);
	}
	close(pfd[1]);
	r = read(pfd[0], dir, sizeof(dir) - 1);
	dir[r > 0 ? r : 0] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	step = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	CHECK(t, step == 0, "child step %d failed (pin dir '%s')", step, dir);
	CHECK(t, strncmp(dir, "/proc/", 6) == 0 && strstr(dir, "/tun46/") && !strcmp(strstr(dir, "/tun46/"), mine),
	      "pin dir %s, want the state %s", dir, mine);
	printf("PASS %s: reached as %s\n", t, dir);
	rc = 0;
out:
	return rc;
}

/* -n NAME and `ip netns exec NAME` reach the same state */
static int test_netns_option(void)
{
	const char *t = "backend_dash_n_and_ip_netns_exec";
	char ns[64], cmd[256];
	int status, step, rc = -1;
	pid_t pid;

	snprintf(ns, sizeof(ns), "t46be%d", getpid());
	if (sh("ip netns add %s", ns)) {
		UNIT_SKIP(t, "ip netns add failed");
		return 0;
	}
	pid = fork();
	if (pid == 0) {
		struct tun46_peer p = mkpeer("viaN", "fd00::2", "fd00::1");
		struct be *be;

		if (be_open(&be, &(struct be_opts){.netns = ns}) || be_ensure_loaded(be) || be_peer_set(be, 1, &p))
			_exit(1);
		be_close(be);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	step = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	/* the tunnel device exists in that namespace, not here */
	snprintf(cmd, sizeof(cmd), "ip netns exec %s ip link show %s >/dev/null 2>&1", ns, TUN46_TUNDEV_NAME);
	if (step == 0 && sh("%s", cmd))
		step = 2;
	pid = fork();
	if (pid == 0) { /* as under `ip netns exec`: a private mount ns, fresh sysfs */
		struct tun46_peer p;
		struct be *be;
		uint32_t id;

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(3);
		umount2("/sys", MNT_DETACH);
		if (be_open(&be, &(struct be_opts){.netns = ns}) || !be_loaded(be) || be_peer_find(be, "viaN", &id) ||
		    be_peer_get(be, id, &p) || be_peer_del(be, id))
			_exit(4);
		be_close(be);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (step == 0)
		step = WIFEXITED(status) ? WEXITSTATUS(status) : 5;
	if (step == 0 && !sh("%s", cmd))
		step = 6; /* state removed with the last peer */
	sh("ip netns del %s", ns);
	CHECK(t, step == 0, "step %d failed", step);
	UNIT_PASS(t);
	rc = 0;
out:
	return rc;
}

int main(void)
{
	char suffix[256];
	struct tun46_peer p;
	struct be *be;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t46_set_print(print_stderr, NULL); /* the library's messages, for the log of a failure */
	if (geteuid() != 0) {
		UNIT_SKIP("backend", "needs root (network namespaces, BPF)");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		UNIT_SKIP("backend", "cannot create a network namespace: %s", strerror(errno));
		return 0;
	}
	if (sh("ip link set lo up && ip link add tv0 type veth peer name tv1 && ip link add tv2 type veth peer name "
	       "tv3 "
	       "&& ip link add tv4 type veth peer name tv5 && for i in 0 1 2 3 4 5; do ip link set tv$i up; done && "
	       "ip -6 addr add fd00::1/64 dev tv2 nodad && sysctl -qw net.ipv4.ip_forward=1 "
	       "net.ipv6.conf.all.forwarding=1")) {
		UNIT_FAIL("backend", "cannot set up veths in the test namespace");
		return UNIT_EXIT();
	}
	if (test_load())
		return UNIT_EXIT();
	if (be_open(&be, NULL) || be_ensure_loaded(be)) {
		UNIT_FAIL("backend", "open/load");
		return UNIT_EXIT();
	}
	if (test_peers(be) || test_routes(be) || test_links(be) || test_stats(be) || test_scale(be)) {
		be_close(be);
		return UNIT_EXIT();
	}
	be_close(be); /* a peer and routes remain: the state stays */
	if (be_open(&be, &(struct be_opts){.readonly = true}) || !be_loaded(be) || be_peer_get(be, 1, &p)) {
		UNIT_FAIL("backend_state_survives_close", "state gone after close");
		return UNIT_EXIT();
	}
	UNIT_PASS("backend_state_survives_close");
	snprintf(suffix, sizeof(suffix), "%s", strstr(be_pin_dir(be), "/tun46/"));
	be_close(be); /* the child below takes the lock */
	test_hidden_sysfs(suffix);
	test_rollback();
	test_ridx();
	test_forget_few();
	test_forget_walk();
	if (be_open(&be, NULL) == 0)
		test_teardown(be);
	test_isolation();
	test_gc();
	test_netns_option();
	return UNIT_EXIT();
}
