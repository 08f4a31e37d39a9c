// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* config.c — parse and print tun46 config files (no side effects). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

void t46_cfg_err_add(struct t46_cfg_errs *errs, int line, const char *token, const char *fmt, ...)
{
	struct t46_err *e;
	va_list ap;

	errs->total++;
	if (errs->n >= T46_CFG_MAX_ERRS)
		return;
	e = &errs->e[errs->n++];
	memset(e, 0, sizeof(*e));
	e->tok = -1;
	e->line = line;
	if (token)
		snprintf(e->token, sizeof(e->token), "%s", token);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

#define add_err(errs, line, ...) t46_cfg_err_add(errs, line, NULL, __VA_ARGS__)

static void add_err_from(struct t46_cfg_errs *errs, int line, const struct t46_err *src)
{
	errs->total++;
	if (errs->n >= T46_CFG_MAX_ERRS)
		return;
	errs->e[errs->n] = *src;
	errs->e[errs->n++].line = line;
}

/* A route line as written, before duplicates and references are resolved. */
struct route_line {
	uint32_t addr;
	uint8_t plen;
	enum t46_verb verb;
	int line;
	char peer[TUN46_NAME_LEN];
};

struct parse_ctx {
	struct t46_state *st;
	struct t46_cfg_errs *errs;
	struct route_line *rl;
	size_t nrl, crl;
};

static const char *verb_name(enum t46_verb v)
{
	switch (v) {
	case T46_V_ADD:
		return "add";
	case T46_V_CHANGE:
		return "change";
	case T46_V_REPLACE:
		return "replace";
	case T46_V_DEL:
		return "del";
	case T46_V_SHOW:
		return "show";
	case T46_V_GET:
		return "get";
	case T46_V_FLUSH:
		return "flush";
	case T46_V_ATTACH:
		return "attach";
	case T46_V_DETACH:
		return "detach";
	case T46_V_WATCH:
		return "watch";
	case T46_V_RESET:
		return "reset";
	case T46_V_CHECK:
		return "check";
	case T46_V_APPLY:
		return "apply";
	default:
		return "help";
	}
}

static void do_link(struct parse_ctx *x, const struct t46_cmd *c, int line)
{
	struct st_link *l = st_find_link(x->st, c->ifname);

	if (l) {
		add_err(x->errs, line, "dev %s is already attached at line %d; attach each interface once", c->ifname,
			l->line);
		return;
	}
	if (!(l = st_add_link(x->st))) {
		add_err(x->errs, line, "out of memory");
		return;
	}
	memcpy(l->ifname, c->ifname, sizeof(l->ifname));
	l->role = c->role;
	l->mode = c->mode;
	l->line = line;
}

static void do_peer(struct parse_ctx *x, const struct t46_cmd *c, int line)
{
	struct st_peer *p = st_find_peer(x->st, c->name);
	char rname[T46_HOST_LEN] = "";
	struct tun46_peer np;

	if (c->verb == T46_V_ADD && p) {
		add_err(x->errs, line, "peer %s is already defined at line %d; use replace to redefine it", c->name,
			p->line);
		return;
	}
	if (c->verb == T46_V_CHANGE && !p) {
		add_err(x->errs, line, "peer change %s: no such peer defined earlier in the file", c->name);
		return;
	}
	if (c->verb == T46_V_CHANGE) {
		np = p->p;
		struct t46_err e = {0};

		t46_peer_merge(&np, &c->peer, c->peer_mask);
		if (t46_peer_check(&np, &e)) {
			add_err(x->errs, line, "peer %s: %s", c->name, e.msg);
			return;
		}
		memcpy(rname, (c->peer_mask & T46_PK_REMOTE) ? c->remote_name : p->remote_name, sizeof(rname));
		if (!(np.flags & TUN46_PEER_F_LOCAL_AUTO) && !rname[0] && t46_peer_check_local(&np, &e)) {
			add_err(x->errs, line, "peer %s: %s", c->name, e.msg);
			return;
		}
	} else {
		np = c->peer;
		memcpy(rname, c->remote_name, sizeof(rname));
	}
	/* remotes are distinct: one holder (a DNS name is resolved when applied, see apply.c) */
	struct st_peer *o = rname[0] ? NULL : st_find_peer_remote(x->st, &np.remote);

	if (o && o != p) {
		char a[64];

		add_err(x->errs, line,
			"peer %s: remote %s is already used by peer %s (line %d); each peer needs its own remote",
			c->name, t46_fmt_addr6(&np.remote, a, sizeof(a)), o->p.name, o->line);
		return;
	}
	if (p)
		st_peers_changed(x->st); /* its remote may change: the index is built again */
	else if (!(p = st_add_peer(x->st))) {
		add_err(x->errs, line, "out of memory");
		return;
	}
	p->p = np;
	memcpy(p->p.name, c->name, sizeof(p->p.name));
	memcpy(p->remote_name, rname, sizeof(p->remote_name));
	p->line = line;
}

static void do_route(struct parse_ctx *x, const struct t46_cmd *c, int line)
{
	struct route_line *r;

	if (x->nrl == x->crl) {
		size_t n = x->crl ? x->crl * 2 : 64;
		void *p = realloc(x->rl, n * sizeof(*x->rl));

		if (!p) {
			add_err(x->errs, line, "out of memory");
			return;
		}
		x->rl = p;
		x->crl = n;
	}
	r = &x->rl[x->nrl++];
	r->addr = c->addr;
	r->plen = c->plen;
	r->verb = c->verb;
	r->line = line;
	memcpy(r->peer, c->name, sizeof(r->peer));
}

static void do_line(struct parse_ctx *x, char *text, int line)
{
	char *argv[T46_MAX_TOKENS];
	struct t46_err e = {0};
	struct t46_cmd c;
	int argc = t46_tokenize(text, argv, T46_MAX_TOKENS, &e);

	if (argc < 0) {
		add_err_from(x->errs, line, &e);
		return;
	}
	if (argc == 0)
		return;
	if (t46_cmd_parse(argc, argv, &c, &e)) {
		add_err_from(x->errs, line, &e);
		return;
	}
	if (c.obj == T46_OBJ_LINK && c.verb == T46_V_ATTACH)
		do_link(x, &c, line);
	else if (c.obj == T46_OBJ_PEER && (c.verb == T46_V_ADD || c.verb == T46_V_REPLACE || c.verb == T46_V_CHANGE))
		do_peer(x, &c, line);
	else if (c.obj == T46_OBJ_ROUTE && (c.verb == T46_V_ADD || c.verb == T46_V_REPLACE || c.verb == T46_V_CHANGE))
		do_route(x, &c, line);
	else {
		t46_err_set(&e, 1, argc > 1 ? argv[1] : argv[0],
			    "\"%s %s\" is not allowed in a config file: it describes the whole desired state with "
			    "link attach, peer add and route add lines",
			    argv[0], argc > 1 ? argv[1] : verb_name(c.verb));
		add_err_from(x->errs, line, &e);
	}
}

static int rl_cmp(const void *a, const void *b)
{
	const struct route_line *x = a, *y = b;
	int c = st_route_cmp(x->addr, x->plen, y->addr, y->plen);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void resolve_routes(struct parse_ctx *x)
{
	char buf[32];

	if (x->nrl > 1)
		qsort(x->rl, x->nrl, sizeof(*x->rl), rl_cmp);
	for (size_t i = 0; i < x->nrl;) {
		struct route_line *r = &x->rl[i];
		struct route_line *def = NULL;
		size_t j;

		for (j = i; j < x->nrl && x->rl[j].addr == r->addr && x->rl[j].plen == r->plen; j++) {
			struct route_line *q = &x->rl[j];

			if (j > i || q->verb == T46_V_CHANGE) /* (formatted for a message only: 1,000,000s of lines) */
				t46_fmt_prefix4(q->addr, q->plen, buf, sizeof(buf));
			if (q->verb == T46_V_ADD && def)
				add_err(x->errs, q->line,
					"route %s is already defined at line %d; use replace to redefine it", buf,
					def->line);
			else if (q->verb == T46_V_CHANGE && !def)
				add_err(x->errs, q->line, "route change %s: no such route defined earlier in the file",
					buf);
			else
				def = q;
		}
		if (def) {
			struct st_route *sr;

			if (!st_find_peer(x->st, def->peer)) {
				t46_fmt_prefix4(def->addr, def->plen, buf, sizeof(buf));
				add_err(x->errs, def->line, "route %s: peer %s is not defined in this file", buf,
					def->peer);
			} else if (!(sr = st_add_route(x->st))) {
				add_err(x->errs, def->line, "out of memory");
			} else {
				sr->addr = def->addr;
				sr->plen = def->plen;
				sr->line = def->line;
				memcpy(sr->peer, def->peer, sizeof(sr->peer));
			}
		}
		i = j;
	}
}

static int err_cmp(const void *a, const void *b)
{
	const struct t46_err *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

size_t t46_config_parse(const char *buf, size_t len, struct t46_state *st, struct t46_cfg_errs *errs)
{
	struct parse_ctx x = {.st = st, .errs = errs};
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	errs->n = errs->total = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		size_t content;

		lineno++;
		if (memchr(buf + off, '\0', n)) {
			add_err(errs, lineno, "line holds a NUL byte; a config file is text");
			goto next;
		}
		content = t46_content_len(buf + off, n);
		if (content > T46_MAX_LINE) {
			add_err(errs, lineno, "line is %zu characters long; the limit is %d", content, T46_MAX_LINE);
			goto next;
		}
		if (content + 1 > cap) {
			cap = content + 1;
			char *p = realloc(line, cap);

			if (!p) {
				add_err(errs, lineno, "out of memory");
				break;
			}
			line = p;
		}
		memcpy(line, buf + off, content);
		line[content] = '\0';
		do_line(&x, line, lineno);
	next:
		off += n + (nl ? 1 : 0);
	}
	free(line);
	resolve_routes(&x);
	free(x.rl);
	st_sort_routes(st);
	if (errs->n > 1)
		qsort(errs->e, errs->n, sizeof(errs->e[0]), err_cmp); /* not stable, lines are distinct enough */
	return errs->total;
}

void t46_config_print_errs(FILE *f, const char *fname, const struct t46_cfg_errs *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(f, "%s:%d: %s\n", fname, errs->e[i].line, errs->e[i].msg);
	if (errs->total > errs->n)
		fprintf(f, "%s: ... and %zu more errors\n", fname, errs->total - errs->n);
	if (errs->total)
		fprintf(f, "%s: %zu error%s\n", fname, errs->total, errs->total == 1 ? "" : "s");
}

int t46_read_file(const char *path, char **bufp, size_t *lenp, struct t46_err *e)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t len = 0, cap = 65536;
	char *buf;

	if (!f) {
		t46_err_set(e, -1, NULL, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(cap + 1);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (len < cap)
			break;
		if (cap >= T46_CFG_MAX_SIZE) {
			t46_err_set(e, -1, NULL, "%s is larger than %u MiB; split it", path, T46_CFG_MAX_SIZE >> 20);
			free(buf);
			buf = NULL;
			goto out;
		}
		cap *= 2;
		char *p = realloc(buf, cap + 1);

		if (!p) {
			free(buf);
			buf = NULL;
		}
		buf = p;
	}
	if (!buf) {
		t46_err_set(e, -1, NULL, "%s: out of memory", path);
		goto out;
	}
	if (ferror(f)) {
		t46_err_set(e, -1, NULL, "cannot read %s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
out:
	if (f != stdin)
		fclose(f);
	if (!buf)
		return -1;
	*bufp = buf;
	*lenp = len;
	return 0;
}

void t46_peer_words(const struct tun46_peer *p, bool all, char *buf, size_t len)
{
	char a[64], b[64];
	size_t off = 0;
	uint16_t dmtu = tun46_peer_default_mtu(p->flags);

#define ADD(...) (off += snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__))
	buf[0] = '\0';
	ADD("remote %s local %s", t46_fmt_addr6(&p->remote, a, sizeof(a)),
	    (p->flags & TUN46_PEER_F_LOCAL_AUTO) && !all ? "auto" : t46_fmt_addr6(&p->local, b, sizeof(b)));
	if (p->flags & TUN46_PEER_F_HOPLIMIT_INHERIT)
		ADD(" hoplimit inherit");
	else if (all || p->hoplimit != TUN46_DEFAULT_HOPLIMIT)
		ADD(" hoplimit %u", p->hoplimit);
	if (p->flags & TUN46_PEER_F_TCLASS_INHERIT)
		ADD(" tclass inherit");
	else if (all || p->tclass)
		ADD(" tclass 0x%02x", p->tclass);
	if (p->flags & TUN46_PEER_F_FLOWLABEL_FIXED)
		ADD(" flowlabel 0x%05x", p->flowlabel);
	else if (all)
		ADD(" flowlabel hash");
	if (p->flags & TUN46_PEER_F_ENCAPLIMIT)
		ADD(" encaplimit %u", p->encaplimit);
	else if (all)
		ADD(" encaplimit none");
	if (all || p->mtu != dmtu)
		ADD(" mtu %u", p->mtu);
	if (p->flags & TUN46_PEER_F_GRE)
		ADD(" encap gre");
	else if (all)
		ADD(" encap ip4ip6");
	if ((p->flags & TUN46_PEER_F_GRE) && (p->flags & TUN46_PEER_F_GRE_KEY))
		ADD(" key %u", p->key);
	else if (all && (p->flags & TUN46_PEER_F_GRE))
		ADD(" key none");
#undef ADD
}

void t46_config_print(FILE *f, const struct t46_state *st)
{
	char buf[512];

	for (size_t i = 0; i < st->nlinks; i++) {
		const struct st_link *l = &st->links[i];

		fprintf(f, "link attach dev %s role %s mode %s\n", l->ifname, t46_role_name(l->role),
			t46_mode_name(l->mode));
	}
	for (size_t i = 0; i < st->npeers; i++) {
		const struct st_peer *p = &st->peers[i];

		t46_peer_words(&p->p, false, buf, sizeof(buf));
		if (p->remote_name[0]) /* "remote ADDR6 ..." -> "remote NAME ..." */
			fprintf(f, "peer add %s remote %s %s\n", p->p.name, p->remote_name, strchr(buf + 7, ' ') + 1);
		else
			fprintf(f, "peer add %s %s\n", p->p.name, buf);
	}
	for (size_t i = 0; i < st->nroutes; i++) {
		const struct st_route *r = &st->routes[i];

		fprintf(f, "route add %s peer %s\n", t46_fmt_prefix4(r->addr, r->plen, buf, sizeof(buf)), r->peer);
	}
}
