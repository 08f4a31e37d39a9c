// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_config.c — config files (parse, errors, print) and config apply
 * (diff, order, rollback) against an in-memory fake of the live state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "plan.h"
#include "unit.h"

/* ---------------------------------------------------------------- fake live state */

#define FAKE_PEERS  16
#define FAKE_ROUTES 4096

struct fake {
	struct tun46_peer peer[FAKE_PEERS]; /* id = index, 0 unused */
	struct be_route route[FAKE_ROUTES];
	size_t nroute;
	struct st_link link[8];
	size_t nlink;
	long fail_after; /* -1 off: the N+1-th write fails */
	long writes;
	int violations; /* a route pointed at a missing peer after some write */
	char log[4096]; /* "op arg;" per write */
	size_t loglen;
	bool auto_fails;
};

static void fake_log(struct fake *f, const char *fmt, const char *arg)
{
	f->loglen +=
	    snprintf(f->log + f->loglen, f->loglen < sizeof(f->log) ? sizeof(f->log) - f->loglen : 0, fmt, arg);
}

static int fake_write(struct fake *f)
{
	if (f->fail_after >= 0 && f->writes++ == f->fail_after)
		return -ENOSPC;
	return 0;
}

static void fake_check(struct fake *f)
{
	for (size_t i = 0; i < f->nroute; i++) {
		uint32_t id = f->route[i].peer_id;

		if (!id || id >= FAKE_PEERS || !(f->peer[id].flags & TUN46_PEER_F_ACTIVE))
			f->violations++;
	}
}

static int f_link_attach(void *arg, const char *ifname, enum tun46_role role, enum tun46_mode mode)
{
	struct fake *f = arg;

	for (size_t i = 0; i < f->nlink; i++) {
		if (!strcmp(f->link[i].ifname, ifname))
			return -EEXIST;
	}
	if (fake_write(f))
		return -ENOSPC;
	snprintf(f->link[f->nlink].ifname, T46_IFNAMSIZ, "%s", ifname);
	f->link[f->nlink].role = role;
	f->link[f->nlink++].mode = mode;
	fake_log(f, "attach %s;", ifname);
	return 0;
}

static int f_link_detach(void *arg, const char *ifname)
{
	struct fake *f = arg;

	for (size_t i = 0; i < f->nlink; i++) {
		if (strcmp(f->link[i].ifname, ifname))
			continue;
		if (fake_write(f))
			return -ENOSPC;
		f->link[i] = f->link[--f->nlink];
		fake_log(f, "detach %s;", ifname);
		return 0;
	}
	return -ENOENT;
}

static int f_peer_alloc(void *arg, uint32_t *id)
{
	struct fake *f = arg;

	for (uint32_t i = 1; i < FAKE_PEERS; i++) {
		if (!(f->peer[i].flags & TUN46_PEER_F_ACTIVE)) {
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static int f_peer_set(void *arg, uint32_t id, const struct tun46_peer *p)
{
	struct fake *f = arg;

	if (!id || id >= FAKE_PEERS)
		return -EINVAL;
	for (uint32_t i = 1; i < FAKE_PEERS; i++) { /* the decap index is keyed by remote */
		if (i != id && (f->peer[i].flags & TUN46_PEER_F_ACTIVE) &&
		    !memcmp(&f->peer[i].remote, &p->remote, sizeof(p->remote)))
			return -EEXIST;
	}
	if (fake_write(f))
		return -ENOSPC;
	f->peer[id] = *p;
	fake_log(f, "peer_set %s;", p->name);
	return 0;
}

static int f_peer_del(void *arg, uint32_t id)
{
	struct fake *f = arg;

	if (!id || id >= FAKE_PEERS || !(f->peer[id].flags & TUN46_PEER_F_ACTIVE))
		return -ENOENT;
	if (fake_write(f))
		return -ENOSPC;
	fake_log(f, "peer_del %s;", f->peer[id].name);
	memset(&f->peer[id], 0, sizeof(f->peer[id]));
	fake_check(f);
	return 0;
}

static struct be_route *f_find(struct fake *f, uint32_t addr, uint8_t plen)
{
	for (size_t i = 0; i < f->nroute; i++) {
		if (f->route[i].addr == addr && f->route[i].plen == plen)
			return &f->route[i];
	}
	return NULL;
}

static int f_route_update(void *arg, const struct be_route *r, size_t n)
{
	struct fake *f = arg;

	if (fake_write(f)) /* one write per batch; a failed batch changes nothing */
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		struct be_route *x = f_find(f, r[i].addr, r[i].plen);

		if (!x) {
			if (f->nroute == FAKE_ROUTES)
				return -ENOSPC;
			x = &f->route[f->nroute++];
		}
		*x = r[i];
	}
	fake_log(f, "route_update%s;", "");
	fake_check(f);
	return 0;
}

static int f_route_delete(void *arg, const struct be_route *r, size_t n)
{
	struct fake *f = arg;

	if (fake_write(f))
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		struct be_route *x = f_find(f, r[i].addr, r[i].plen);

		if (x)
			*x = f->route[--f->nroute];
	}
	fake_log(f, "route_delete%s;", "");
	return 0;
}

static int f_local_auto(void *arg, const union tun46_addr6 *remote, union tun46_addr6 *local)
{
	struct fake *f = arg;

	(void)remote;
	if (f->auto_fails)
		return -ENOENT;
	inet_pton(AF_INET6, "fd00::1", local->b);
	return 0;
}

static void fake_init(struct fake *f, struct t46_target *t)
{
	memset(f, 0, sizeof(*f));
	f->fail_after = -1;
	*t = (struct t46_target){
	    .arg = f,
	    .link_attach = f_link_attach,
	    .link_detach = f_link_detach,
	    .peer_alloc = f_peer_alloc,
	    .peer_set = f_peer_set,
	    .peer_del = f_peer_del,
	    .route_update = f_route_update,
	    .route_delete = f_route_delete,
	    .local_auto = f_local_auto,
	};
}

/* The fake as a live state, the way live.c reads the backend. */
static void fake_read(const struct fake *f, struct t46_state *st)
{
	st_init(st);
	for (size_t i = 0; i < f->nlink; i++)
		*st_add_link(st) = f->link[i];
	for (uint32_t id = 1; id < FAKE_PEERS; id++) {
		if (!(f->peer[id].flags & TUN46_PEER_F_ACTIVE))
			continue;
		struct st_peer *p = st_add_peer(st);

		p->p = f->peer[id];
		p->id = id;
	}
	for (size_t i = 0; i < f->nroute; i++) {
		struct st_route *r = st_add_route(st);
		struct st_peer *p;

		r->addr = f->route[i].addr;
		r->plen = f->route[i].plen;
		r->peer_id = f->route[i].peer_id;
		p = st_find_peer_id(st, r->peer_id);
		snprintf(r->peer, sizeof(r->peer), "%s", p ? p->p.name : "");
	}
	st_sort_routes(st);
}

/* A state as config text, links sorted by name for comparisons. */
static char *dump(const struct t46_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	struct t46_state c = *st;

	c.links = malloc((st->nlinks + 1) * sizeof(*c.links));
	if (st->nlinks)
		memcpy(c.links, st->links, st->nlinks * sizeof(*c.links));
	for (size_t i = 0; i < c.nlinks; i++) { /* insertion sort */
		for (size_t j = i; j > 0 && strcmp(c.links[j - 1].ifname, c.links[j].ifname) > 0; j--) {
			struct st_link t = c.links[j];

			c.links[j] = c.links[j - 1];
			c.links[j - 1] = t;
		}
	}
	c.peers = malloc((st->npeers + 1) * sizeof(*c.peers));
	if (st->npeers)
		memcpy(c.peers, st->peers, st->npeers * sizeof(*c.peers));
	for (size_t i = 0; i < c.npeers; i++) {
		for (size_t j = i; j > 0 && strcmp(c.peers[j - 1].p.name, c.peers[j].p.name) > 0; j--) {
			struct st_peer t = c.peers[j];

			c.peers[j] = c.peers[j - 1];
			c.peers[j - 1] = t;
		}
	}
	t46_config_print(m, &c);
	fclose(m);
	free(c.links);
	free(c.peers);
	return buf;
}

static char *dump_fake(const struct fake *f)
{
	struct t46_state st;
	char *s;

	fake_read(f, &st);
	s = dump(&st);
	st_free(&st);
	return s;
}

static struct t46_cfg_errs errs;

static size_t parse_text(const char *text, struct t46_state *st, struct t46_cfg_errs *errs)
{
	st_init(st);
	return t46_config_parse(text, strlen(text), st, errs);
}

/* Apply text to the fake.  Returns the number of plan errors, or -1 if the
 * run failed (-3: and its rollback too); *summary gets the plan's counts. */
static long apply(struct fake *f, const struct t46_target *t, const char *text, struct t46_plan *summary)
{
	struct t46_state want, live;
	struct t46_plan plan;
	bool rbf;
	long rc = 0;

	if (parse_text(text, &want, &errs)) {
		t46_config_print_errs(stdout, "apply", &errs);
		st_free(&want);
		return -2;
	}
	fake_read(f, &live);
	memset(&errs, 0, sizeof(errs));
	if (t46_plan_build(&live, &want, t, FAKE_PEERS, &plan, &errs)) {
		rc = (long)errs.total;
	} else if (t46_plan_run(&plan, t, &rbf)) {
		rc = rbf ? -3 : -1;
	}
	if (summary) {
		*summary = plan;
		summary->ops = NULL;
		summary->want_id = NULL;
	}
	t46_plan_free(&plan);
	st_free(&want);
	st_free(&live);
	return rc;
}

/* ---------------------------------------------------------------- config parsing */

static const char *sample = "# site 1\r\n"
			    "link attach dev eth1 role wan mode xdp\r\n"
			    "link attach dev eth0 role lan   # comment\r\n"
			    "\r\n"
			    "peer add site2 remote 2001:db8:2::1 local auto\r\n"
			    "peer add site3 remote 2001:db8:3::1 local 2001:db8:1::1 encaplimit 4 hoplimit inherit\r\n"
			    "route add 192.168.2.0/24 peer site2\r\n"
			    "route add 192.168.3.0/24 peer site3\r\n"
			    "route add 10.0.0.0/8 peer site3\r\n"
			    "route add 10.1.0.0/16 peer site2\r\n"; /* overlapping is fine */

static int t_parse_sample(void)
{
	const char *n = "config: sample with comments, CRLF, blank lines, overlapping routes";
	struct t46_state st;

	UNIT_CHECK(n, parse_text(sample, &st, &errs) == 0, "errors: %s", errs.e[0].msg);
	UNIT_CHECK(n, st.nlinks == 2 && st.npeers == 2 && st.nroutes == 4, "counts %zu %zu %zu", st.nlinks, st.npeers,
		   st.nroutes);
	UNIT_CHECK(n, st.links[0].role == TUN46_ROLE_WAN && st.links[1].mode == TUN46_MODE_XDP, "links");
	UNIT_CHECK(n, st_find_peer(&st, "site3")->p.mtu == 1452, "encaplimit -> mtu 1452");
	UNIT_CHECK(n, ntohl(st.routes[0].addr) == 0x0a000000 && st.routes[0].plen == 8, "routes sorted");
	st_free(&st);
	UNIT_PASS(n);
	return 0;
}

static int t_empty(void)
{
	const char *n = "config: empty file, only comments, no final newline";
	struct t46_state st;

	UNIT_CHECK(n, parse_text("", &st, &errs) == 0 && !st.npeers && !st.nroutes && !st.nlinks, "empty");
	st_free(&st);
	UNIT_CHECK(n, parse_text("# nothing\n\n   \n\t# x", &st, &errs) == 0 && !st.npeers, "comments");
	st_free(&st);
	UNIT_CHECK(n, parse_text("peer add a remote 2001:db8::2 local auto", &st, &errs) == 0 && st.npeers == 1,
		   "no final newline");
	st_free(&st);
	UNIT_PASS(n);
	return 0;
}

struct experr {
	int line;
	const char *token; /* NULL: don't care */
	const char *msg;
};

static int expect_errors(const char *n, const char *text, const struct experr *ex, size_t nex)
{
	struct t46_state st;
	size_t total = parse_text(text, &st, &errs);

	st_free(&st);
	if (total != nex)
		t46_config_print_errs(stdout, "got", &errs);
	UNIT_CHECK(n, total == nex, "%zu errors, expected %zu", total, nex);
	for (size_t i = 0; i < nex; i++) {
		const struct t46_err *e = &errs.e[i];

		UNIT_CHECK(n, e->line == ex[i].line, "error %zu on line %d, expected %d (%s)", i, e->line, ex[i].line,
			   e->msg);
		UNIT_CHECK(n, strstr(e->msg, ex[i].msg), "line %d: \"%s\" lacks \"%s\"", e->line, e->msg, ex[i].msg);
		UNIT_CHECK(n, !ex[i].token || !strcmp(e->token, ex[i].token), "line %d: token \"%s\", expected \"%s\"",
			   e->line, e->token, ex[i].token);
	}
	UNIT_PASS(n);
	return 0;
}

static int t_every_error(void)
{
	static const char text[] = "peer add a remote 2001:db8::2 local auto\n"		    /* 1 ok */
				   "peer add b remote 2001:db8::3 local auto hoplimit 0\n"  /* 2 */
				   "route add 192.168.2.7/24 peer a\n"			    /* 3 */
				   "route add 192.168.9.0/24 peer nobody\n"		    /* 4 */
				   "peer add a remote 2001:db8::4 local auto\n"		    /* 5 dup */
				   "peer add c remote 2001:db8::2 local auto\n"		    /* 6 remote */
				   "frobnicate\n"					    /* 7 */
				   "route add 10.0.0.0/8 peer a\n"			    /* 8 ok */
				   "route add 10.0.0.0/8 peer a\n"			    /* 9 dup */
				   "peer del a\n"					    /* 10 */
				   "route show\n"					    /* 11 */
				   "link attach dev eth0 role lan\n"			    /* 12 ok */
				   "link attach dev eth0 role wan\n"			    /* 13 dup */
				   "route change 172.16.0.0/12 peer a\n"		    /* 14 */
				   "peer change zz hoplimit 3\n"			    /* 15 */
				   "peer add d remote 2001:db8::5 local auto mtu 1 mtu 2\n" /* 16 */
				   "stats reset\n"					    /* 17 */
				   "config apply x\n"					    /* 18 */
				   "link detach dev eth0\n";				    /* 19 */
	static const struct experr ex[] = {
	    {2, "0", "hoplimit must be 1..255"},
	    {3, "192.168.2.7/24", "192.168.2.0/24"},
	    {4, NULL, "peer nobody is not defined"},
	    {5, NULL, "already defined at line 1"},
	    {6, NULL, "already used by peer a"},
	    {7, "frobnicate", "unknown object"},
	    {9, NULL, "already defined at line 8"},
	    {10, "del", "not allowed in a config file"},
	    {11, "show", "not allowed"},
	    {13, NULL, "already attached at line 12"},
	    {14, NULL, "no such route defined earlier"},
	    {15, NULL, "no such peer defined earlier"},
	    {16, "1", "mtu must be"},
	    {17, "reset", "not allowed"},
	    {18, "apply", "not allowed"},
	    {19, "detach", "not allowed"},
	};

	return expect_errors("config: every error reported with line and token", text, ex, sizeof(ex) / sizeof(ex[0]));
}

static int t_dup_key(void)
{
	static const struct experr ex[] = {{2, "hoplimit", "given twice"}};

	return expect_errors("config: duplicate key in one line",
			     "peer add a remote 2001:db8::2 local auto\n"
			     "peer add b remote 2001:db8::3 local auto hoplimit 5 hoplimit 6\n",
			     ex, 1);
}

static int t_long_lines(void)
{
	const char *n = "config: lines longer than 4096 characters";
	size_t big = 5000;
	char *text = malloc(3 * big + 200);
	struct t46_state st;
	size_t off = 0;

	/* line 1: long comment (fine), line 2: long words (refused), line 3: ok */
	off += sprintf(text + off, "# ");
	memset(text + off, 'c', big);
	off += big;
	off += sprintf(text + off, "\npeer show ");
	memset(text + off, 'x', big);
	off += big;
	off += sprintf(text + off, "\npeer add a remote 2001:db8::2 local auto\n");
	text[off] = '\0';
	size_t total = parse_text(text, &st, &errs);

	free(text);
	UNIT_CHECK(n, total == 1 && errs.e[0].line == 2 && strstr(errs.e[0].msg, "limit is 4096"), "%zu errors: %s",
		   total, total ? errs.e[0].msg : "");
	UNIT_CHECK(n, st.npeers == 1, "following line still parsed");
	st_free(&st);
	UNIT_PASS(n);
	return 0;
}

static int t_nul_and_words(void)
{
	const char *n = "config: NUL byte, too many words, a very long word";
	static const char text[] = "peer add a remote 2001:db8::2 local auto\nroute\0 show\n";
	struct t46_state st;
	char many[1024] = "route show";

	size_t total = t46_config_parse(text, sizeof(text) - 1, (st_init(&st), &st), &errs);

	st_free(&st);
	UNIT_CHECK(n, total == 1 && errs.e[0].line == 2 && strstr(errs.e[0].msg, "NUL"), "NUL: %zu", total);
	for (int i = 0; i < 70; i++)
		strcat(many, " x");
	UNIT_CHECK(n, parse_text(many, &st, &errs) == 1 && strstr(errs.e[0].msg, "too many words"), "words");
	st_free(&st);
	char word[4000] = "peer add ";

	memset(word + 9, 'n', 3000);
	strcpy(word + 3009, " remote 2001:db8::2 local auto");
	UNIT_CHECK(n, parse_text(word, &st, &errs) == 1 && strstr(errs.e[0].msg, "1..31"), "long name: %s",
		   errs.e[0].msg);
	st_free(&st);
	UNIT_PASS(n);
	return 0;
}

static int t_replace_change(void)
{
	const char *n = "config: replace redefines, change modifies, forward peer references";
	struct t46_state st;

	UNIT_CHECK(n,
		   parse_text("route add 10.0.0.0/8 peer b\n" /* b defined later: fine */
			      "peer add a remote 2001:db8::2 local auto\n"
			      "peer add b remote 2001:db8::3 local auto\n"
			      "peer replace a remote 2001:db8::4 local auto hoplimit 9\n"
			      "peer change b tclass 0x20\n"
			      "route replace 10.0.0.0/8 peer a\n"
			      "route change 10.0.0.0/8 peer b\n"
			      "route replace 10.2.0.0/16 peer a\n",
			      &st, &errs) == 0,
		   "errors: %s", errs.e[0].msg);
	UNIT_CHECK(n, st_find_peer(&st, "a")->p.hoplimit == 9 && st_find_peer(&st, "b")->p.tclass == 0x20, "peers");
	UNIT_CHECK(n, st.nroutes == 2 && !strcmp(st_find_route(&st, htonl(0x0a000000), 8)->peer, "b"), "routes");
	st_free(&st);
	UNIT_PASS(n);
	return 0;
}

static int t_print_roundtrip(void)
{
	const char *n = "config: print then parse gives the same state";
	struct t46_state a, b;
	char *x, *y;

	UNIT_CHECK(n, parse_text(sample, &a, &errs) == 0, "sample");
	x = dump(&a);
	UNIT_CHECK(n, parse_text(x, &b, &errs) == 0, "printed text refused: line %d %s", errs.e[0].line, errs.e[0].msg);
	y = dump(&b);
	UNIT_CHECK(n, !strcmp(x, y), "differs:\n%s\n---\n%s", x, y);
	UNIT_CHECK(n, strstr(x, "local auto") && strstr(x, "encaplimit 4") && !strstr(x, "mtu"), "text:\n%s", x);
	free(x);
	free(y);
	st_free(&a);
	st_free(&b);
	UNIT_PASS(n);
	return 0;
}

static int t_gre(void)
{
	const char *n = "config: encap gre, key, default MTUs, live change in the file, round trip, errors";
	const char *text = "peer add g remote 2001:db8:2::1 local 2001:db8:1::1 encap gre\n"
			   "peer add k remote 2001:db8:3::1 local 2001:db8:1::1 encap gre key 77 encaplimit 4\n"
			   "peer add i remote 2001:db8:4::1 local 2001:db8:1::1\n"
			   "peer change i encap gre key 5\n"
			   "peer add m remote 2001:db8:5::1 local 2001:db8:1::1 encap gre mtu 1400\n";
	struct t46_state a, b;
	const struct st_peer *p;
	char *x, *y;

	UNIT_CHECK(n, parse_text(text, &a, &errs) == 0, "errors: %s", errs.e[0].msg);
	p = st_find_peer(&a, "g");
	UNIT_CHECK(n, (p->p.flags & TUN46_PEER_F_GRE) && p->p.mtu == 1456, "g: mtu %u", p->p.mtu);
	p = st_find_peer(&a, "k");
	UNIT_CHECK(n, (p->p.flags & TUN46_PEER_F_GRE_KEY) && p->p.key == 77 && p->p.mtu == 1444, "k: mtu %u key %u",
		   p->p.mtu, p->p.key);
	p = st_find_peer(&a, "i");
	UNIT_CHECK(n, (p->p.flags & TUN46_PEER_F_GRE) && p->p.key == 5 && p->p.mtu == 1452, "i: mtu %u", p->p.mtu);
	x = dump(&a);
	UNIT_CHECK(n,
		   strstr(x, "peer add g remote 2001:db8:2::1 local 2001:db8:1::1 encap gre\n") &&
		       strstr(x, "encaplimit 4 encap gre key 77\n") && strstr(x, "mtu 1400 encap gre\n") &&
		       !strstr(x, "ip4ip6"),
		   "text:\n%s", x);
	UNIT_CHECK(n, parse_text(x, &b, &errs) == 0, "printed text refused: line %d %s", errs.e[0].line, errs.e[0].msg);
	y = dump(&b);
	UNIT_CHECK(n, !strcmp(x, y), "differs:\n%s\n---\n%s", x, y);
	UNIT_CHECK(n, st_peer_equal(&st_find_peer(&a, "k")->p, &st_find_peer(&b, "k")->p), "equal");
	{
		struct tun46_peer k2 = st_find_peer(&a, "k")->p;

		k2.key ^= 1; /* a key change is a change */
		UNIT_CHECK(n, !st_peer_equal(&st_find_peer(&a, "k")->p, &k2), "key ignored by st_peer_equal");
	}
	free(x);
	free(y);
	st_free(&a);
	st_free(&b);

	UNIT_CHECK(
	    n,
	    parse_text("peer add i remote 2001:db8:4::1 local 2001:db8:1::1\npeer change i key 5\n", &a, &errs) == 1 &&
		errs.e[0].line == 2 && strstr(errs.e[0].msg, "needs encap gre"),
	    "key on ip4ip6 in a change: %s", errs.e[0].msg);
	st_free(&a);
	UNIT_CHECK(n,
		   parse_text("peer add i remote 2001:db8:4::1 local 2001:db8:1::1 key 5\n", &a, &errs) == 1 &&
		       strstr(errs.e[0].msg, "needs encap gre"),
		   "key on ip4ip6: %s", errs.e[0].msg);
	st_free(&a);
	UNIT_PASS(n);
	return 0;
}

/* ---------------------------------------------------------------- plan and apply */

static const char *v1 = "link attach dev eth1 role wan\n"
			"link attach dev eth0 role lan\n"
			"peer add site2 remote 2001:db8:2::1 local auto\n"
			"peer add site3 remote 2001:db8:3::1 local 2001:db8:1::1\n"
			"route add 192.168.2.0/24 peer site2\n"
			"route add 192.168.3.0/24 peer site3\n"
			"route add 10.3.0.0/16 peer site3\n";

/* v2: site3 removed with its routes, site4 new, a route moves, site2 changed, eth0 mode changed */
static const char *v2 = "link attach dev eth1 role wan\n"
			"link attach dev eth0 role lan mode tc\n"
			"peer add site2 remote 2001:db8:2::1 local auto hoplimit 10\n"
			"peer add site4 remote 2001:db8:4::1 local 2001:db8:1::1\n"
			"route add 192.168.2.0/24 peer site2\n"
			"route add 192.168.4.0/24 peer site4\n"
			"route add 10.3.0.0/16 peer site4\n";

static int t_apply_fresh(void)
{
	const char *n = "apply: empty -> v1, order links, peers, routes; result equals file";
	struct t46_target t;
	struct t46_plan s;
	static struct fake f;
	struct t46_state want;
	char *a, *b;

	fake_init(&f, &t);
	UNIT_CHECK(n, apply(&f, &t, v1, &s) == 0, "apply failed: %s", errs.e[0].msg);
	UNIT_CHECK(n, !f.violations, "a route pointed to a missing peer");
	UNIT_CHECK(n, strstr(f.log, "attach eth1;attach eth0;peer_set site2;peer_set site3;route_update;") == f.log,
		   "order: %s", f.log);
	UNIT_CHECK(n, s.peers_add == 2 && s.routes_add == 3 && s.links_add == 2, "summary");
	parse_text(v1, &want, &errs);
	a = dump(&want);
	b = dump_fake(&f);
	UNIT_CHECK(n, !strcmp(a, b), "live differs:\n%s---\n%s", a, b);
	free(a);
	free(b);
	st_free(&want);
	UNIT_PASS(n);

	n = "apply: same file again is no change (round trip)";
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n, apply(&f, &t, v1, &s) == 0, "failed");
	UNIT_CHECK(n, f.loglen == 0, "wrote: %s", f.log);
	a = dump_fake(&f);
	UNIT_CHECK(n, apply(&f, &t, a, &s) == 0 && f.loglen == 0, "show output applied wrote: %s", f.log);
	free(a);
	UNIT_PASS(n);

	n = "apply: v1 -> v2 diff, routes before peer del, peers before routes";
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n, apply(&f, &t, v2, &s) == 0, "failed");
	UNIT_CHECK(n, !f.violations, "a route pointed to a missing peer: %s", f.log);
	UNIT_CHECK(n,
		   !strcmp(f.log, "detach eth0;attach eth0;peer_set site2;peer_set site4;route_update;route_delete;"
				  "peer_del site3;"),
		   "order: %s", f.log);
	UNIT_CHECK(n, s.peers_add == 1 && s.peers_change == 1 && s.peers_del == 1, "peers %u %u %u", s.peers_add,
		   s.peers_change, s.peers_del);
	UNIT_CHECK(n, s.routes_add == 1 && s.routes_change == 1 && s.routes_del == 1 && s.links_change == 1,
		   "routes %zu %zu %zu", s.routes_add, s.routes_change, s.routes_del);
	parse_text(v2, &want, &errs);
	a = dump(&want);
	b = dump_fake(&f);
	UNIT_CHECK(n, !strcmp(a, b), "live differs:\n%s---\n%s", a, b);
	free(a);
	free(b);
	st_free(&want);
	UNIT_PASS(n);

	n = "apply: empty file removes everything";
	UNIT_CHECK(n, apply(&f, &t, "", &s) == 0 && !f.violations, "failed");
	UNIT_CHECK(n, f.nlink == 0 && f.nroute == 0 && s.peers_del == 2, "left: %zu links %zu routes", f.nlink,
		   f.nroute);
	UNIT_PASS(n);
	return 0;
}

static int t_rollback(void)
{
	const char *n = "apply: failure at every write rolls back to the previous state";
	static struct fake f;
	struct t46_target t;
	int cases = 0;

	for (long k = 0; k < 40; k++) {
		fake_init(&f, &t);
		UNIT_CHECK(n, apply(&f, &t, v1, NULL) == 0, "setup");
		char *before = dump_fake(&f);

		f.fail_after = k;
		f.writes = 0;
		long rc = apply(&f, &t, v2, NULL);

		f.fail_after = -1;
		char *after = dump_fake(&f);

		if (rc == 0) { /* k beyond the number of writes: applied completely */
			free(before);
			free(after);
			break;
		}
		cases++;
		UNIT_CHECK(n, rc == -1, "fail after %ld: rc %ld", k, rc);
		UNIT_CHECK(n, !strcmp(before, after), "fail after %ld: state changed:\n%s---\n%s", k, before, after);
		UNIT_CHECK(n, !f.violations, "fail after %ld: a route pointed to a missing peer", k);
		free(before);
		free(after);
	}
	UNIT_CHECK(n, cases >= 6, "only %d failure points", cases);
	UNIT_PASS(n);

	n = "apply: failure on a fresh namespace leaves it empty";
	for (long k = 0; k < 10; k++) {
		fake_init(&f, &t);
		f.fail_after = k;
		long rc = apply(&f, &t, v1, NULL);

		if (rc == 0)
			break;
		UNIT_CHECK(n, f.nlink == 0 && f.nroute == 0 && f_peer_alloc(&f, &(uint32_t){0}) == 0, "k=%ld", k);
		for (int i = 1; i < FAKE_PEERS; i++)
			UNIT_CHECK(n, !(f.peer[i].flags & TUN46_PEER_F_ACTIVE), "k=%ld peer %d left", k, i);
	}
	UNIT_PASS(n);
	return 0;
}

static int t_rename_and_moves(void)
{
	const char *n = "apply: a new name with the same remote is a rename (same id, routes untouched)";
	static struct fake f;
	struct t46_target t;
	struct t46_plan s;

	fake_init(&f, &t);
	UNIT_CHECK(n, apply(&f, &t, v1, NULL) == 0, "setup");
	uint32_t id = 0;

	for (uint32_t i = 1; i < FAKE_PEERS; i++)
		if (!strcmp(f.peer[i].name, "site3"))
			id = i;
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n,
		   apply(&f, &t,
			 "link attach dev eth1 role wan\nlink attach dev eth0 role lan\n"
			 "peer add site2 remote 2001:db8:2::1 local auto\n"
			 "peer add osaka remote 2001:db8:3::1 local 2001:db8:1::1\n"
			 "route add 192.168.2.0/24 peer site2\nroute add 192.168.3.0/24 peer osaka\n"
			 "route add 10.3.0.0/16 peer osaka\n",
			 &s) == 0,
		   "failed");
	UNIT_CHECK(n, !strcmp(f.log, "peer_set osaka;"), "writes: %s", f.log);
	UNIT_CHECK(n, !strcmp(f.peer[id].name, "osaka") && !f.violations, "id %u is %s", id, f.peer[id].name);
	UNIT_PASS(n);

	n = "apply: a remote taken over from a removed peer: its routes move first, then it goes";
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n,
		   apply(&f, &t,
			 "link attach dev eth1 role wan\nlink attach dev eth0 role lan\n"
			 "peer add site2 remote 2001:db8:3::1 local auto\n" /* takes osaka's remote */
			 "route add 192.168.2.0/24 peer site2\nroute add 192.168.3.0/24 peer site2\n",
			 &s) == 0,
		   "failed: %s", errs.e[0].msg);
	UNIT_CHECK(n, !f.violations, "a route pointed to a missing peer: %s", f.log);
	UNIT_CHECK(n, !strcmp(f.log, "route_update;route_delete;peer_del osaka;peer_set site2;"), "order: %s", f.log);
	UNIT_PASS(n);

	n = "apply: a chain of remote moves is ordered";
	fake_init(&f, &t);
	UNIT_CHECK(n,
		   apply(&f, &t,
			 "peer add a remote 2001:db8::1 local auto\npeer add b remote 2001:db8::2 local auto\n"
			 "route add 10.0.0.0/8 peer a\nroute add 11.0.0.0/8 peer b\n",
			 NULL) == 0,
		   "setup");
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n,
		   apply(&f, &t,
			 "peer add a remote 2001:db8::2 local auto\npeer add b remote 2001:db8::3 local auto\n"
			 "route add 10.0.0.0/8 peer a\nroute add 11.0.0.0/8 peer b\n",
			 NULL) == 0,
		   "failed: %s", errs.e[0].msg);
	UNIT_CHECK(n, !strcmp(f.log, "peer_set b;peer_set a;"), "order: %s", f.log);
	UNIT_PASS(n);

	n = "apply: exchanged remotes are refused with a clear error, nothing written";
	f.loglen = 0;
	f.log[0] = '\0';
	UNIT_CHECK(n,
		   apply(&f, &t,
			 "peer add a remote 2001:db8::3 local auto\npeer add b remote 2001:db8::2 local auto\n"
			 "route add 10.0.0.0/8 peer a\nroute add 11.0.0.0/8 peer b\n",
			 NULL) == 1,
		   "not refused");
	UNIT_CHECK(n, strstr(errs.e[0].msg, "exchanged") && f.loglen == 0, "%s / %s", errs.e[0].msg, f.log);
	UNIT_PASS(n);

	n = "apply: local auto that cannot be resolved is an error before any write";
	fake_init(&f, &t);
	f.auto_fails = true;
	UNIT_CHECK(n, apply(&f, &t, "peer add a remote 2001:db8::2 local auto\n", NULL) == 1, "not refused");
	UNIT_CHECK(n, strstr(errs.e[0].msg, "local auto") && errs.e[0].line == 1 && f.loglen == 0, "%s", errs.e[0].msg);
	UNIT_PASS(n);

	n = "apply: local auto is resolved after a WAN is attached";
	fake_init(&f, &t);
	f.auto_fails = true;
	UNIT_CHECK(n,
		   apply(&f, &t, "link attach dev w0 role wan\npeer add a remote 2001:db8::2 local auto\n", NULL) == -1,
		   "resolution should happen when the peer is written (and fail here)");
	UNIT_CHECK(n, f.nlink == 0, "rolled back");
	f.auto_fails = false;
	UNIT_CHECK(n,
		   apply(&f, &t, "link attach dev w0 role wan\npeer add a remote 2001:db8::2 local auto\n", NULL) == 0,
		   "failed");
	UNIT_CHECK(n, f.peer[1].flags & TUN46_PEER_F_LOCAL_AUTO && f.peer[1].local.b[0] == 0xfd, "local resolved");
	UNIT_PASS(n);

	n = "apply: more peers than the datapath holds is refused";
	fake_init(&f, &t);
	{
		char text[4096] = "";
		size_t off = 0;

		for (int i = 1; i <= FAKE_PEERS; i++)
			off += sprintf(text + off, "peer add p%d remote 2001:db8::%x local auto\n", i, i);
		UNIT_CHECK(n, apply(&f, &t, text, NULL) == 1 && strstr(errs.e[0].msg, "TUN46_MAX_PEERS"), "%s",
			   errs.e[0].msg);
	}
	UNIT_PASS(n);
	return 0;
}

static int t_big_plan(void)
{
	const char *n = "plan: 100000 routes parse and diff quickly";
	size_t N = 100000;
	char *text = malloc(N * 40 + 200), *p = text;
	struct t46_state want, live;
	struct t46_plan plan;
	static struct fake f;
	struct t46_target t;
	struct timespec t0, t1;

	fake_init(&f, &t);
	p += sprintf(p, "peer add a remote 2001:db8::2 local 2001:db8::1\n");
	for (size_t i = 0; i < N; i++)
		p += sprintf(p, "route add %zu.%zu.%zu.0/24 peer a\n", 10 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	UNIT_CHECK(n, parse_text(text, &want, &errs) == 0, "errors: %s", errs.e[0].msg);
	st_init(&live);
	UNIT_CHECK(n, t46_plan_build(&live, &want, &t, FAKE_PEERS, &plan, &errs) == 0, "plan");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	UNIT_CHECK(n, want.nroutes == N && plan.routes_add == N, "routes %zu", want.nroutes);
	size_t batches = 0;

	for (size_t i = 0; i < plan.nops; i++)
		batches += plan.ops[i].kind == T46_OP_ROUTE_SET;
	UNIT_CHECK(n, batches == 1, "%zu route batches", batches);
	UNIT_CHECK(n, s < 5.0, "took %.2f s", s);
	printf("# 100000 routes: parse + plan %.3f s (ASan build)\n", s);
	t46_plan_free(&plan);
	st_free(&want);
	free(text);
	UNIT_PASS(n);
	return 0;
}

/* Thousands of peers: lookups by name, id and remote (the hash index of
 * state.c) agree with the file, also after a replace moved a remote; a
 * duplicate remote is still refused; a rename by remote keeps the id. */
static int t_many_peers(void)
{
	const char *n = "state: 3000 peers found by name, id and remote";
	size_t N = 3000;
	char *text = malloc(N * 80 + 400), *p = text, name[16];
	struct t46_state st, live, want;
	struct t46_plan plan;
	static struct fake f;
	struct t46_target t;
	union tun46_addr6 r;

	fake_init(&f, &t);
	for (size_t i = 0; i < N; i++)
		p += sprintf(p, "peer add p%zu remote 2001:db8::%zx local 2001:db8:1::1\n", i, i + 1);
	p += sprintf(p, "peer replace p7 remote 2001:db8:2::7 local 2001:db8:1::1\n");
	strcpy(p, "peer add dup remote 2001:db8::5 local 2001:db8:1::1\n");
	UNIT_CHECK(n, parse_text(text, &st, &errs) == 1 && strstr(errs.e[0].msg, "already used by peer p4"), "%s",
		   errs.e[0].msg);
	UNIT_CHECK(n, st.npeers == N, "%zu peers", st.npeers);
	for (size_t i = 0; i < N; i += 97) {
		snprintf(name, sizeof(name), "p%zu", i);
		UNIT_CHECK(n, st_find_peer(&st, name) == &st.peers[i], "name %s", name);
		st.peers[i].id = (uint32_t)i + 1;
	}
	st_peers_changed(&st);
	UNIT_CHECK(n, st_find_peer_id(&st, 98) == &st.peers[97], "id");
	memset(&r, 0, sizeof(r));
	r.b[0] = 0x20, r.b[1] = 0x01, r.b[2] = 0x0d, r.b[3] = 0xb8, r.b[15] = 8;
	UNIT_CHECK(n, st_find_peer_remote(&st, &r) == NULL, "the old remote of p7 is free");
	r.b[5] = 2, r.b[15] = 7;
	UNIT_CHECK(n, st_find_peer_remote(&st, &r) == &st.peers[7], "p7 by its new remote");
	UNIT_CHECK(n, st_find_peer(&st, "nobody") == NULL, "no such name");
	st_free(&st);
	/* a live state of 3000 peers against a file that renames one of them */
	st_init(&live);
	for (size_t i = 0; i < N; i++) {
		struct st_peer *lp = st_add_peer(&live);

		snprintf(lp->p.name, sizeof(lp->p.name), "p%zu", i);
		lp->p.remote.b[0] = 0x20, lp->p.remote.b[14] = (uint8_t)((i + 1) >> 8),
		lp->p.remote.b[15] = (uint8_t)(i + 1);
		lp->p.local.b[0] = 0x20, lp->p.local.b[15] = 0xff;
		lp->p.flags = TUN46_PEER_F_ACTIVE;
		lp->p.mtu = 1460;
		lp->p.hoplimit = 64;
		lp->id = (uint32_t)i + 1;
	}
	st_init(&want);
	for (size_t i = 0; i < N; i++) {
		struct st_peer *wp = st_add_peer(&want);

		*wp = live.peers[i];
		wp->id = 0;
		if (i == 5)
			strcpy(wp->p.name, "renamed");
	}
	UNIT_CHECK(n, t46_plan_build(&live, &want, &t, 0, &plan, &errs) == 0, "plan: %s", errs.e[0].msg);
	UNIT_CHECK(n, plan.peers_change == 1 && plan.peers_add == 0 && plan.peers_del == 0 && plan.want_id[5] == 6,
		   "rename: %u changed %u added %u removed, id %u", plan.peers_change, plan.peers_add, plan.peers_del,
		   plan.want_id[5]);
	t46_plan_free(&plan);
	st_free(&live);
	st_free(&want);
	free(text);
	UNIT_PASS(n);
	return 0;
}

int main(void)
{
	t_parse_sample();
	t_many_peers();
	t_empty();
	t_every_error();
	t_dup_key();
	t_long_lines();
	t_nul_and_words();
	t_replace_change();
	t_print_roundtrip();
	t_gre();
	t_apply_fresh();
	t_rollback();
	t_rename_and_moves();
	t_big_plan();
	return UNIT_EXIT();
}
