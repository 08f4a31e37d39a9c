// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmdparse.c — OBJECT VERB ARGS... into a struct t46_cmd (no side effects). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct t46_word objects[] = {
    {"link", T46_OBJ_LINK},   {"peer", T46_OBJ_PEER},	  {"route", T46_OBJ_ROUTE},
    {"stats", T46_OBJ_STATS}, {"config", T46_OBJ_CONFIG}, {"help", T46_OBJ_HELP},
};

static const struct t46_word link_verbs[] = {
    {"attach", T46_V_ATTACH}, {"detach", T46_V_DETACH}, {"show", T46_V_SHOW},
    {"list", T46_V_SHOW},     {"help", T46_V_HELP},
};

static const struct t46_word peer_verbs[] = {
    {"add", T46_V_ADD},	  {"change", T46_V_CHANGE}, {"replace", T46_V_REPLACE},
    {"del", T46_V_DEL},	  {"delete", T46_V_DEL},    {"show", T46_V_SHOW},
    {"list", T46_V_SHOW}, {"help", T46_V_HELP},	    {"refresh", T46_V_REFRESH},
};

static const struct t46_word route_verbs[] = {
    {"add", T46_V_ADD},	    {"change", T46_V_CHANGE}, {"replace", T46_V_REPLACE}, {"del", T46_V_DEL},
    {"delete", T46_V_DEL},  {"show", T46_V_SHOW},     {"list", T46_V_SHOW},	  {"get", T46_V_GET},
    {"flush", T46_V_FLUSH}, {"help", T46_V_HELP},
};

static const struct t46_word stats_verbs[] = {
    {"show", T46_V_SHOW},   {"list", T46_V_SHOW}, {"watch", T46_V_WATCH},
    {"reset", T46_V_RESET}, {"help", T46_V_HELP}, {"prometheus", T46_V_PROMETHEUS},
};

static const struct t46_word config_verbs[] = {
    {"check", T46_V_CHECK},
    {"apply", T46_V_APPLY},
    {"show", T46_V_SHOW},
    {"help", T46_V_HELP},
};

int t46_match_word(const char *word, const struct t46_word *words, size_t n)
{
	size_t len = strlen(word);
	int found = -1;

	if (!len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(word, words[i].name))
			return words[i].value; /* exact match wins */
	}
	for (size_t i = 0; i < n; i++) {
		if (strncmp(word, words[i].name, len))
			continue;
		if (found >= 0 && found != words[i].value)
			return -2;
		found = words[i].value;
	}
	return found;
}

void t46_peer_defaults(struct tun46_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->hoplimit = TUN46_DEFAULT_HOPLIMIT;
	p->tclass = 0;
	p->mtu = TUN46_DEFAULT_MTU;
}

void t46_peer_merge(struct tun46_peer *dst, const struct tun46_peer *src, unsigned int mask)
{
	const uint32_t keep = TUN46_PEER_F_ACTIVE;
	bool default_mtu = dst->mtu == tun46_peer_default_mtu(dst->flags);

	if (mask & T46_PK_REMOTE)
		dst->remote = src->remote;
	if (mask & T46_PK_LOCAL) {
		dst->local = src->local;
		dst->flags = (dst->flags & ~TUN46_PEER_F_LOCAL_AUTO) | (src->flags & TUN46_PEER_F_LOCAL_AUTO);
	}
	if (mask & T46_PK_HOPLIMIT) {
		dst->hoplimit = src->hoplimit;
		dst->flags =
		    (dst->flags & ~TUN46_PEER_F_HOPLIMIT_INHERIT) | (src->flags & TUN46_PEER_F_HOPLIMIT_INHERIT);
	}
	if (mask & T46_PK_TCLASS) {
		dst->tclass = src->tclass;
		dst->flags = (dst->flags & ~TUN46_PEER_F_TCLASS_INHERIT) | (src->flags & TUN46_PEER_F_TCLASS_INHERIT);
	}
	if (mask & T46_PK_FLOWLABEL) {
		dst->flowlabel = src->flowlabel;
		dst->flags = (dst->flags & ~TUN46_PEER_F_FLOWLABEL_FIXED) | (src->flags & TUN46_PEER_F_FLOWLABEL_FIXED);
	}
	if (mask & T46_PK_ENCAPLIMIT) {
		dst->encaplimit = src->encaplimit;
		dst->flags = (dst->flags & ~TUN46_PEER_F_ENCAPLIMIT) | (src->flags & TUN46_PEER_F_ENCAPLIMIT);
	}
	if (mask & T46_PK_ENCAP) {
		dst->flags = (dst->flags & ~TUN46_PEER_F_GRE) | (src->flags & TUN46_PEER_F_GRE);
		if (!(dst->flags & TUN46_PEER_F_GRE)) { /* a key is a GRE attribute */
			dst->flags &= ~TUN46_PEER_F_GRE_KEY;
			dst->key = 0;
		}
	}
	if (mask & T46_PK_KEY) {
		dst->key = src->key;
		dst->flags = (dst->flags & ~TUN46_PEER_F_GRE_KEY) | (src->flags & TUN46_PEER_F_GRE_KEY);
	}
	if (mask & T46_PK_MTU)
		dst->mtu = src->mtu;
	else if (default_mtu)
		dst->mtu = tun46_peer_default_mtu(dst->flags);
	dst->flags |= src->flags & keep;
}

int t46_peer_check_local(const struct tun46_peer *p, struct t46_err *e)
{
	if (memcmp(&p->local, &p->remote, sizeof(p->local)))
		return 0;
	t46_err_set(e, -1, "", "local and remote are the same address");
	return -1;
}

int t46_peer_check(const struct tun46_peer *p, struct t46_err *e)
{
	unsigned int over = tun46_peer_overhead(p->flags);

	if ((p->flags & TUN46_PEER_F_GRE_KEY) && !(p->flags & TUN46_PEER_F_GRE)) {
		t46_err_set(e, -1, "", "key %u needs encap gre (an ip4ip6 tunnel has no key)", p->key);
		return -1;
	}
	if (p->mtu > 65535 - over) {
		bool gre = p->flags & TUN46_PEER_F_GRE, el = p->flags & TUN46_PEER_F_ENCAPLIMIT;

		t46_err_set(e, -1, "", "mtu %u is too large with %s%s%s%s (at most %u)", p->mtu, gre ? "encap gre" : "",
			    gre && el ? ", " : "", el ? "encaplimit" : "",
			    (p->flags & TUN46_PEER_F_GRE_KEY) ? ", key" : "", 65535 - over);
		return -1;
	}
	return 0;
}

/* ---- argument helpers ---- */

struct args {
	int argc;
	char **argv;
	int i;
	struct t46_err *e;
};

static const char *next_value(struct args *a, const char *key)
{
	if (a->i + 1 >= a->argc) {
		t46_err_set(a->e, a->i, key, "\"%s\" needs a value", key);
		return NULL;
	}
	a->i++;
	return a->argv[a->i];
}

static int dup_key(struct args *a, const char *key)
{
	t46_err_set(a->e, a->i, key, "\"%s\" given twice", key);
	return -1;
}

static int unknown(struct args *a, const char *what)
{
	const char *w = a->argv[a->i];

	t46_err_set(a->e, a->i, w, "unexpected \"%s\" %s", w, what);
	return -1;
}

static int need_end(struct args *a, const char *what)
{
	if (a->i < a->argc)
		return unknown(a, what);
	return 0;
}

/* ---- link ---- */

static int parse_link(struct args *a, struct t46_cmd *c)
{
	bool has_role = false;

	for (; a->i < a->argc; a->i++) {
		const char *k = a->argv[a->i], *v;

		if (!strcmp(k, "dev")) {
			if (c->has_dev)
				return dup_key(a, k);
			if (!(v = next_value(a, k)) || t46_parse_ifname(v, a->i, c->ifname, a->e))
				return -1;
			c->has_dev = true;
		} else if (!strcmp(k, "role") && c->verb == T46_V_ATTACH) {
			if (has_role)
				return dup_key(a, k);
			if (!(v = next_value(a, k)) || t46_parse_role(v, a->i, &c->role, a->e))
				return -1;
			has_role = true;
		} else if (!strcmp(k, "mode") && c->verb == T46_V_ATTACH) {
			if (c->has_mode)
				return dup_key(a, k);
			if (!(v = next_value(a, k)) || t46_parse_mode(v, a->i, &c->mode, a->e))
				return -1;
			c->has_mode = true;
		} else if (c->verb == T46_V_ATTACH) {
			return unknown(a, "(expected dev IF, role {lan|wan} or mode {xdp|xdp-generic|tc})");
		} else {
			return unknown(a, "(expected dev IF)");
		}
	}
	if ((c->verb == T46_V_ATTACH || c->verb == T46_V_DETACH) && !c->has_dev) {
		t46_err_set(a->e, -1, "", "link %s needs dev IF", c->verb == T46_V_ATTACH ? "attach" : "detach");
		return -1;
	}
	if (c->verb == T46_V_ATTACH && !has_role) {
		t46_err_set(a->e, -1, "", "link attach needs role {lan|wan}");
		return -1;
	}
	if (c->verb == T46_V_ATTACH && !c->has_mode)
		c->mode = TUN46_MODE_XDP;
	return 0;
}

/* ---- peer ---- */

static int parse_peer_attrs(struct args *a, struct t46_cmd *c)
{
	struct tun46_peer *p = &c->peer;

	for (; a->i < a->argc; a->i++) {
		const char *k = a->argv[a->i], *v;
		unsigned int bit;
		int r;

		if (!strcmp(k, "remote"))
			bit = T46_PK_REMOTE;
		else if (!strcmp(k, "local"))
			bit = T46_PK_LOCAL;
		else if (!strcmp(k, "hoplimit"))
			bit = T46_PK_HOPLIMIT;
		else if (!strcmp(k, "tclass"))
			bit = T46_PK_TCLASS;
		else if (!strcmp(k, "flowlabel"))
			bit = T46_PK_FLOWLABEL;
		else if (!strcmp(k, "encaplimit"))
			bit = T46_PK_ENCAPLIMIT;
		else if (!strcmp(k, "mtu"))
			bit = T46_PK_MTU;
		else if (!strcmp(k, "encap"))
			bit = T46_PK_ENCAP;
		else if (!strcmp(k, "key"))
			bit = T46_PK_KEY;
		else
			return unknown(a,
				       "(expected remote, local, hoplimit, tclass, flowlabel, encaplimit, mtu, encap "
				       "or key)");
		if (c->peer_mask & bit)
			return dup_key(a, k);
		if (!(v = next_value(a, k)))
			return -1;
		switch (bit) {
		case T46_PK_REMOTE:
			r = t46_parse_remote(v, a->i, &p->remote, c->remote_name, a->e);
			break;
		case T46_PK_LOCAL:
			if (!strcmp(v, "auto")) {
				p->flags |= TUN46_PEER_F_LOCAL_AUTO;
				memset(&p->local, 0, sizeof(p->local));
				r = 0;
			} else {
				p->flags &= ~TUN46_PEER_F_LOCAL_AUTO;
				r = t46_parse_addr6(v, a->i, &p->local, a->e);
			}
			break;
		case T46_PK_HOPLIMIT:
			r = t46_parse_hoplimit(v, a->i, p, a->e);
			break;
		case T46_PK_TCLASS:
			r = t46_parse_tclass(v, a->i, p, a->e);
			break;
		case T46_PK_FLOWLABEL:
			r = t46_parse_flowlabel(v, a->i, p, a->e);
			break;
		case T46_PK_ENCAPLIMIT:
			r = t46_parse_encaplimit(v, a->i, p, a->e);
			break;
		case T46_PK_ENCAP:
			r = t46_parse_encap(v, a->i, p, a->e);
			break;
		case T46_PK_KEY:
			r = t46_parse_key(v, a->i, p, a->e);
			break;
		default:
			r = t46_parse_mtu(v, a->i, &p->mtu, a->e);
			break;
		}
		if (r)
			return -1;
		c->peer_mask |= bit;
	}
	return 0;
}

static int parse_peer(struct args *a, struct t46_cmd *c)
{
	bool writes = c->verb == T46_V_ADD || c->verb == T46_V_CHANGE || c->verb == T46_V_REPLACE;

	if (a->i < a->argc) {
		if (t46_parse_peer_name(a->argv[a->i], a->i, c->name, a->e))
			return -1;
		c->has_name = true;
		a->i++;
	} else if (c->verb != T46_V_SHOW && c->verb != T46_V_REFRESH) {
		t46_err_set(a->e, -1, "", "peer %s needs a peer NAME", a->argv[1]);
		return -1;
	}
	if (!writes)
		return need_end(a, "after the peer name");
	t46_peer_defaults(&c->peer);
	if (parse_peer_attrs(a, c))
		return -1;
	if (c->verb != T46_V_CHANGE &&
	    (c->peer_mask & (T46_PK_REMOTE | T46_PK_LOCAL)) != (T46_PK_REMOTE | T46_PK_LOCAL)) {
		t46_err_set(a->e, -1, "", "peer %s needs remote ADDR6 and local {ADDR6|auto}",
			    c->verb == T46_V_ADD ? "add" : "replace");
		return -1;
	}
	if (c->verb == T46_V_CHANGE && !c->peer_mask) {
		t46_err_set(a->e, -1, "", "peer change needs at least one attribute to change");
		return -1;
	}
	if (!(c->peer_mask & T46_PK_MTU))
		c->peer.mtu = tun46_peer_default_mtu(c->peer.flags);
	/* key N with encap ip4ip6 (given, or by default on add/replace) is an
	 * error now; peer change without encap is checked after the merge */
	if ((c->peer.flags & TUN46_PEER_F_GRE_KEY) && !(c->peer.flags & TUN46_PEER_F_GRE) &&
	    (c->verb != T46_V_CHANGE || (c->peer_mask & T46_PK_ENCAP))) {
		t46_err_set(a->e, -1, "", "key %u needs encap gre (an ip4ip6 tunnel has no key)", c->peer.key);
		return -1;
	}
	if ((c->verb != T46_V_CHANGE || (c->peer_mask & T46_PK_MTU)) && t46_peer_check(&c->peer, a->e))
		return -1;
	if ((c->peer_mask & (T46_PK_REMOTE | T46_PK_LOCAL)) == (T46_PK_REMOTE | T46_PK_LOCAL) &&
	    !(c->peer.flags & TUN46_PEER_F_LOCAL_AUTO) && !c->remote_name[0] && t46_peer_check_local(&c->peer, a->e))
		return -1;
	memcpy(c->peer.name, c->name, sizeof(c->name));
	return 0;
}

/* ---- route ---- */

static int parse_peer_filter(struct args *a, struct t46_cmd *c, bool allow_dev)
{
	for (; a->i < a->argc; a->i++) {
		const char *k = a->argv[a->i], *v;

		if (!strcmp(k, "peer")) {
			if (c->has_name)
				return dup_key(a, k);
			if (!(v = next_value(a, k)) || t46_parse_peer_name(v, a->i, c->name, a->e))
				return -1;
			c->has_name = true;
		} else if (allow_dev && !strcmp(k, "dev")) {
			if (c->has_dev)
				return dup_key(a, k);
			if (!(v = next_value(a, k)) || t46_parse_ifname(v, a->i, c->ifname, a->e))
				return -1;
			c->has_dev = true;
		} else {
			return unknown(a, allow_dev ? "(expected peer NAME or dev IF)" : "(expected peer NAME)");
		}
	}
	return 0;
}

static int parse_route(struct args *a, struct t46_cmd *c)
{
	switch (c->verb) {
	case T46_V_SHOW:
	case T46_V_FLUSH:
		return parse_peer_filter(a, c, false);
	case T46_V_GET:
		if (a->i >= a->argc) {
			t46_err_set(a->e, -1, "", "route get needs an IPv4 address");
			return -1;
		}
		if (t46_parse_addr4(a->argv[a->i], a->i, &c->addr, a->e))
			return -1;
		c->plen = 32;
		a->i++;
		return need_end(a, "after the address");
	default:
		break;
	}
	if (a->i >= a->argc) {
		t46_err_set(a->e, -1, "", "route %s needs a PREFIX4 (example: 192.168.2.0/24)", a->argv[1]);
		return -1;
	}
	if (t46_parse_prefix4(a->argv[a->i], a->i, &c->addr, &c->plen, a->e))
		return -1;
	a->i++;
	if (c->verb == T46_V_DEL) {
		/* "peer NAME" is accepted after del, as ip accepts "via" */
		if (parse_peer_filter(a, c, false))
			return -1;
		return 0;
	}
	if (parse_peer_filter(a, c, false))
		return -1;
	if (!c->has_name) {
		t46_err_set(a->e, -1, "", "route %s needs peer NAME", a->argv[1]);
		return -1;
	}
	return 0;
}

/* ---- stats ---- */

static int parse_stats(struct args *a, struct t46_cmd *c)
{
	switch (c->verb) {
	case T46_V_SHOW:
		if (parse_peer_filter(a, c, true))
			return -1;
		if (c->has_name && c->has_dev) {
			t46_err_set(a->e, -1, "", "stats show takes peer NAME or dev IF, not both");
			return -1;
		}
		return 0;
	case T46_V_WATCH:
		c->interval = 1.0;
		for (bool has_int = false, has_count = false; a->i < a->argc; a->i++) {
			const char *k = a->argv[a->i], *v;

			if (!strcmp(k, "interval")) {
				if (has_int)
					return dup_key(a, k);
				if (!(v = next_value(a, k)) || t46_parse_interval(v, a->i, &c->interval, a->e))
					return -1;
				has_int = true;
			} else if (!strcmp(k, "count")) {
				uint32_t n;

				if (has_count)
					return dup_key(a, k);
				if (!(v = next_value(a, k)))
					return -1;
				if (!t46_parse_u32(v, &n) || n < 1 || n > 1000000) {
					t46_err_set(a->e, a->i, v, "count must be 1..1000000, not \"%s\"", v);
					return -1;
				}
				c->count = n;
				has_count = true;
			} else if (!strcmp(k, "peer") || !strcmp(k, "dev")) {
				bool dev = k[0] == 'd';

				if (dev ? c->has_dev : c->has_name)
					return dup_key(a, k);
				if (!(v = next_value(a, k)) || (dev ? t46_parse_ifname(v, a->i, c->ifname, a->e)
								    : t46_parse_peer_name(v, a->i, c->name, a->e)))
					return -1;
				if (dev)
					c->has_dev = true;
				else
					c->has_name = true;
				if (c->has_name && c->has_dev) {
					t46_err_set(a->e, -1, "", "stats watch takes peer NAME or dev IF, not both");
					return -1;
				}
			} else {
				return unknown(a, "(expected peer NAME, dev IF, interval SECONDS or count N)");
			}
		}
		return 0;
	case T46_V_PROMETHEUS:
		return need_end(a, "(stats prometheus takes no arguments)");
	default:
		return need_end(a, "(stats reset takes no arguments)");
	}
}

/* ---- config ---- */

static int parse_config(struct args *a, struct t46_cmd *c)
{
	if (c->verb == T46_V_CHECK || c->verb == T46_V_APPLY) {
		if (a->i >= a->argc) {
			t46_err_set(a->e, -1, "", "config %s needs a FILE (- for standard input)",
				    c->verb == T46_V_CHECK ? "check" : "apply");
			return -1;
		}
		c->file = a->argv[a->i++];
	}
	return need_end(a, "(too many arguments)");
}

int t46_cmd_parse(int argc, char **argv, struct t46_cmd *c, struct t46_err *e)
{
	struct args a = {.argc = argc, .argv = argv, .i = 0, .e = e};
	const struct t46_word *verbs = NULL;
	size_t nverbs = 0;
	int v;

	memset(c, 0, sizeof(*c));
	if (argc < 1) {
		t46_err_set(e, -1, "", "missing OBJECT (link, peer, route, stats, config or help)");
		return -1;
	}
	v = t46_match_word(argv[0], objects, ARRAY_SIZE(objects));
	if (v < 0) {
		t46_err_set(e, 0, argv[0], "%s object \"%s\" (expected link, peer, route, stats, config or help)",
			    v == -2 ? "ambiguous" : "unknown", argv[0]);
		return -1;
	}
	c->obj = v;
	switch (c->obj) {
	case T46_OBJ_LINK:
		verbs = link_verbs, nverbs = ARRAY_SIZE(link_verbs);
		break;
	case T46_OBJ_PEER:
		verbs = peer_verbs, nverbs = ARRAY_SIZE(peer_verbs);
		break;
	case T46_OBJ_ROUTE:
		verbs = route_verbs, nverbs = ARRAY_SIZE(route_verbs);
		break;
	case T46_OBJ_STATS:
		verbs = stats_verbs, nverbs = ARRAY_SIZE(stats_verbs);
		break;
	case T46_OBJ_CONFIG:
		verbs = config_verbs, nverbs = ARRAY_SIZE(config_verbs);
		break;
	default:
		c->verb = T46_V_HELP;
		a.i = 1;
		return need_end(&a, "after help");
	}
	a.i = 1;
	if (argc < 2) {
		if (c->obj == T46_OBJ_CONFIG) {
			t46_err_set(e, -1, "", "config needs a command: check FILE, apply FILE or show");
			return -1;
		}
		c->verb = T46_V_SHOW;
		return 0;
	}
	v = t46_match_word(argv[1], verbs, nverbs);
	if (v < 0) {
		char list[160] = "";
		size_t off = 0;

		for (size_t i = 0; i < nverbs && off < sizeof(list); i++)
			off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", verbs[i].name);
		t46_err_set(e, 1, argv[1], "%s command \"%s\" for %s (expected %s)", v == -2 ? "ambiguous" : "unknown",
			    argv[1], objects[c->obj - 1].name, list);
		return -1;
	}
	c->verb = v;
	a.i = 2;
	if (c->verb == T46_V_HELP)
		return need_end(&a, "after help");
	switch (c->obj) {
	case T46_OBJ_LINK:
		return parse_link(&a, c);
	case T46_OBJ_PEER:
		return parse_peer(&a, c);
	case T46_OBJ_ROUTE:
		return parse_route(&a, c);
	case T46_OBJ_STATS:
		return parse_stats(&a, c);
	default:
		return parse_config(&a, c);
	}
}
