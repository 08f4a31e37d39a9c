// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sanity.c — configuration mistakes that give a dead tunnel silently (see
 * sanity.h for the list): the rules, the namespace view they read, and the
 * callers' helpers.  Only read-only rtnetlink requests are made here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "be_internal.h"
#include "parse.h"
#include "sanity.h"

/* ---- findings ---- */

static void add(struct t46_findings *f, bool refuse, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(struct t46_findings *f, bool refuse, const char *fmt, ...)
{
	va_list ap;

	if (refuse)
		f->refusals++;
	else
		f->warnings++;
	if (f->n >= T46_FINDINGS_MAX)
		return;
	f->f[f->n].refuse = refuse;
	va_start(ap, fmt);
	vsnprintf(f->f[f->n].msg, sizeof(f->f[f->n].msg), fmt, ap);
	va_end(ap);
	f->n++;
}

/* ---- the view ---- */

const struct t46_netif *t46_netview_if(const struct t46_netview *v, uint32_t ifindex)
{
	for (size_t i = 0; i < v->nifs; i++)
		if (v->ifs[i].ifindex == ifindex)
			return &v->ifs[i];
	return NULL;
}

static const char *ifname_of(const struct t46_netview *v, uint32_t ifindex, char *buf, size_t len)
{
	const struct t46_netif *i = t46_netview_if(v, ifindex);

	if (i)
		return i->name;
	snprintf(buf, len, "ifindex %u", ifindex);
	return buf;
}

int t46_netview_set_role(struct t46_netview *v, const char *ifname, int role)
{
	for (size_t i = 0; i < v->nifs; i++) {
		if (!strcmp(v->ifs[i].name, ifname)) {
			v->ifs[i].role = role;
			return 0;
		}
	}
	return -ENODEV;
}

static bool any_role(const struct t46_netview *v, int role)
{
	for (size_t i = 0; i < v->nifs; i++)
		if (role ? v->ifs[i].role == role : v->ifs[i].role != 0)
			return true;
	return false;
}

/* The address entry of a6 on this router, NULL if none. */
static const struct t46_netaddr *own6(const struct t46_netview *v, const union tun46_addr6 *a6)
{
	for (size_t i = 0; i < v->naddrs; i++)
		if (v->addrs[i].family == AF_INET6 && !memcmp(&v->addrs[i].v6, a6, sizeof(*a6)))
			return &v->addrs[i];
	return NULL;
}

/* "wan0 2001:db8:1::1, lan0 ...": the router's global IPv6 addresses, for
 * a message (at most two). */
static void own_list(const struct t46_netview *v, char *buf, size_t len)
{
	size_t off = 0, shown = 0, total = 0;
	char a[INET6_ADDRSTRLEN], n[24];

	buf[0] = '\0';
	for (size_t i = 0; i < v->naddrs; i++) {
		const struct t46_netaddr *x = &v->addrs[i];
		const struct t46_netif *ifp = t46_netview_if(v, x->ifindex);

		if (x->family != AF_INET6 || x->scope != RT_SCOPE_UNIVERSE || (ifp && (ifp->loopback || ifp->tundev)))
			continue;
		total++;
		if (shown == 2 || off >= len)
			continue;
		off += snprintf(buf + off, len - off, "%s%s %s", shown ? ", " : "",
				ifname_of(v, x->ifindex, n, sizeof(n)), t46_fmt_addr6(&x->v6, a, sizeof(a)));
		shown++;
	}
	if (total > shown && off < len)
		snprintf(buf + off, len - off, ", ...");
	if (!total)
		snprintf(buf, len, "no global IPv6 address");
}

/* ---- the rules ---- */

/* Where the kernel sends packets toward remote, and what it means. */
static size_t check_route6(const struct t46_netview *v, const struct tun46_peer *p, const char *name,
			   const struct t46_netif *lif, struct t46_findings *f)
{
	char r[INET6_ADDRSTRLEN], n[24];
	const struct t46_netif *oif;
	uint32_t ifindex = 0;
	int err;

	if (!v->route6)
		return 0;
	t46_fmt_addr6(&p->remote, r, sizeof(r));
	err = v->route6(v->route_arg, &p->remote, &ifindex);
	if (err) {
		add(f, false,
		    "peer %s: no IPv6 route toward remote %s now (%s); the tunnel carries nothing until there is one "
		    "(is the WAN up, with its address and a default route?)",
		    name, r, strerror(-err));
		return 0;
	}
	oif = t46_netview_if(v, ifindex);
	if (!oif)
		return 0;
	if (oif->tundev) {
		add(f, true,
		    "peer %s: the route toward remote %s leaves through %s, tun46's own tunnel device: the tunnel "
		    "would "
		    "carry itself; route the remote through the WAN",
		    name, r, oif->name);
		return 1;
	}
	if (oif->role == TUN46_ROLE_LAN) {
		add(f, true,
		    "peer %s: the route toward remote %s leaves through %s, attached as lan, where nothing "
		    "decapsulates%s; are LAN and WAN swapped? attach the NGN port with role wan",
		    name, r, oif->name, lif && lif->role == TUN46_ROLE_LAN ? " (and local is on a lan port)" : "");
		return 1;
	}
	if (!oif->role && !oif->loopback && any_role(v, TUN46_ROLE_WAN))
		add(f, false,
		    "peer %s: the route toward remote %s leaves through %s, which tun46 is not attached to: "
		    "what arrives there is not decapsulated; attach %s with role wan, or fix the route",
		    name, r, ifname_of(v, ifindex, n, sizeof(n)), oif->name);
	return 0;
}

/* local_known: false when `local auto` cannot be predicted (config check
 * of a file whose WAN has no address yet): the remote alone is checked. */
static size_t check_peer(const struct t46_netview *v, const struct tun46_peer *p, bool local_auto, bool local_known,
			 struct t46_findings *f)
{
	char name[TUN46_NAME_LEN], l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN], list[112], n[24];
	const struct t46_netaddr *la, *ra;
	const struct t46_netif *lif = NULL;
	const char *why;

	memcpy(name, p->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	t46_fmt_addr6(&p->local, l, sizeof(l));
	t46_fmt_addr6(&p->remote, r, sizeof(r));
	if ((why = t46_addr6_endpoint_problem(&p->remote))) {
		add(f, true, "peer %s: remote %s is %s; a tunnel endpoint needs the peer's global IPv6 address", name,
		    r, why);
		return 1;
	}
	if (!local_known) {
		if ((ra = own6(v, &p->remote)))
			add(f, true,
			    "peer %s: remote %s is an address of this router (%s): the tunnel would lead to itself; "
			    "did "
			    "you apply the other site's file here? remote is the other site's address",
			    name, r, ifname_of(v, ra->ifindex, n, sizeof(n)));
		return ra ? 1 : check_route6(v, p, name, NULL, f);
	}
	if ((why = t46_addr6_endpoint_problem(&p->local))) {
		add(f, true, "peer %s: local %s is %s; give one of this router's global IPv6 addresses, or local auto",
		    name, l, why);
		return 1;
	}
	if (!memcmp(&p->local, &p->remote, sizeof(p->local))) {
		if (local_auto)
			add(f, true,
			    "peer %s: local auto resolved to %s, which is the peer's remote: this router holds the "
			    "remote's address; did you apply the other site's file here?",
			    name, l);
		else
			add(f, true, "peer %s: local and remote are the same address (%s)", name, l);
		return 1;
	}
	if ((ra = own6(v, &p->remote))) {
		add(f, true,
		    "peer %s: remote %s is an address of this router (%s): the tunnel would lead to itself; did you "
		    "apply the other site's file here? remote is the other site's address",
		    name, r, ifname_of(v, ra->ifindex, n, sizeof(n)));
		return 1;
	}
	la = own6(v, &p->local);
	if (!la) {
		own_list(v, list, sizeof(list));
		add(f, true,
		    "peer %s: local %s is not an address of this router (it has %s); did you apply the other site's "
		    "file here? %s",
		    name, l, list,
		    strncmp(list, "no ", 3) ? "use one of these, or local auto"
					    : "give the WAN port its global address first, or use local auto");
		return 1;
	}
	if (la->flags & IFA_F_DADFAILED) {
		add(f, true,
		    "peer %s: local %s on %s failed duplicate address detection (another host on the link has it): "
		    "the router cannot use it; fix the address clash, or give another local",
		    name, l, ifname_of(v, la->ifindex, n, sizeof(n)));
		return 1;
	}
	lif = t46_netview_if(v, la->ifindex);
	if (check_route6(v, p, name, lif, f))
		return 1;
	if (la->flags & IFA_F_TENTATIVE)
		add(f, false,
		    "peer %s: local %s on %s is still tentative (duplicate address detection is running): packets to "
		    "it are dropped until it ends",
		    name, l, ifname_of(v, la->ifindex, n, sizeof(n)));
	else if (la->flags & IFA_F_DEPRECATED)
		add(f, false,
		    "peer %s: local %s on %s is deprecated (its preferred lifetime ended: is the prefix being "
		    "renumbered?); local auto follows the current address",
		    name, l, ifname_of(v, la->ifindex, n, sizeof(n)));
	if (lif && lif->role == TUN46_ROLE_LAN)
		add(f, false,
		    "peer %s: local %s is on %s, which is attached as lan: fine if the NGN routes it to this router "
		    "(a delegated prefix), otherwise LAN and WAN are swapped",
		    name, l, lif->name);
	else if (lif && !lif->role && !lif->loopback && !lif->tundev && any_role(v, TUN46_ROLE_WAN))
		add(f, false,
		    "peer %s: local %s is on %s, which is not attached as wan: tunnel packets reach it only if the NGN "
		    "routes them through a WAN port",
		    name, l, lif->name);
	if (any_role(v, 0) && !any_role(v, TUN46_ROLE_WAN))
		add(f, false, "peer %s: no port is attached with role wan: nothing is decapsulated until one is", name);
	return 0;
}

size_t t46_sanity_peer(const struct t46_netview *v, const struct tun46_peer *p, bool local_auto, struct t46_findings *f)
{
	return check_peer(v, p, local_auto, true, f);
}

void t46_sanity_route(const struct t46_netview *v, uint32_t addr, uint8_t plen, const char *peer,
		      struct t46_findings *f)
{
	uint32_t a = ntohl(addr);

	for (size_t i = 0; i < v->naddrs; i++) {
		const struct t46_netaddr *x = &v->addrs[i];
		const struct t46_netif *ifp = t46_netview_if(v, x->ifindex);
		uint32_t mask, own = ntohl(x->v4);
		char pfx[32], sub[32], o[INET_ADDRSTRLEN];

		if (x->family != AF_INET || !x->plen || x->plen > 32 || (ifp && (ifp->loopback || ifp->tundev)))
			continue;
		mask = ~0u << (32 - x->plen);
		if (plen < x->plen || (a & mask) != (own & mask))
			continue;
		t46_fmt_prefix4(addr, plen, pfx, sizeof(pfx));
		t46_fmt_prefix4(htonl(own & mask), x->plen, sub, sizeof(sub));
		inet_ntop(AF_INET, &x->v4, o, sizeof(o));
		add(f, false,
		    "route %s peer %s: inside this router's own subnet %s on %s (%s): %s; did you apply the other "
		    "site's file here?",
		    pfx, peer, sub, ifp ? ifp->name : "?", o,
		    plen == x->plen ? "the kernel keeps that traffic on the port, the peer never gets it"
				    : "those hosts become unreachable from here (their traffic goes to the peer)");
		return;
	}
}

/* ---- reading the namespace ---- */

static int link_cb(struct nlmsghdr *n, void *arg)
{
	struct t46_netview *v = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct t46_netif *x;
	struct rtattr *a;

	if (n->nlmsg_type != RTM_NEWLINK)
		return 0;
	x = realloc(v->ifs, (v->nifs + 1) * sizeof(*v->ifs));
	if (!x)
		return -ENOMEM;
	v->ifs = x;
	x = &v->ifs[v->nifs++];
	memset(x, 0, sizeof(*x));
	x->ifindex = (uint32_t)ifi->ifi_index;
	x->loopback = ifi->ifi_flags & IFF_LOOPBACK;
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			snprintf(x->name, sizeof(x->name), "%.*s", (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
	x->tundev = !strcmp(x->name, TUN46_TUNDEV_NAME) || !strcmp(x->name, TUN46_TUNPEER_NAME);
	return 0;
}

static int addr_cb(struct nlmsghdr *n, void *arg)
{
	struct t46_netview *v = arg;
	struct t46_netaddr e, *x;
	struct nl_addr a;
	const void *local;

	if (!nl_addr_parse(n, &a) || (a.family != AF_INET && a.family != AF_INET6))
		return 0;
	/* IFA_LOCAL is the address itself (IFA_ADDRESS the far end on a point-to-point link) */
	local = a.local ? a.local : a.address;
	if (!local)
		return 0;
	e = (struct t46_netaddr){
	    .ifindex = a.ifindex, .family = a.family, .plen = a.plen, .scope = a.scope, .flags = a.flags};
	if (e.family == AF_INET)
		memcpy(&e.v4, local, 4);
	else
		memcpy(e.v6.b, local, 16);
	x = realloc(v->addrs, (v->naddrs + 1) * sizeof(*v->addrs));
	if (!x)
		return -ENOMEM;
	v->addrs = x;
	v->addrs[v->naddrs++] = e;
	return 0;
}

struct route_ans {
	uint32_t oif;
	bool found;
};

static int route_cb(struct nlmsghdr *n, void *arg)
{
	struct route_ans *ans = arg;
	struct rtmsg *rtm = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
	struct rtattr *a;

	if (n->nlmsg_type != RTM_NEWROUTE)
		return 0;
	for (a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4) {
			memcpy(&ans->oif, RTA_DATA(a), 4);
			ans->found = true;
		}
	}
	return 0;
}

/* RTM_GETROUTE for one IPv6 destination (what `ip -6 route get` asks). */
static int route6_nl(void *arg, const union tun46_addr6 *dst, uint32_t *oif)
{
	char buf[NLMSG_SPACE(sizeof(struct rtmsg)) + RTA_SPACE(16)] __attribute__((aligned(4))) = {0};
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	struct rtmsg *rtm = NLMSG_DATA(n);
	struct route_ans ans = {0};
	int fd = *(int *)arg, err;

	n->nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	n->nlmsg_type = RTM_GETROUTE;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	nl_put_attr(n, RTA_DST, dst->b, 16);
	err = nl_talk_fd(fd, n, route_cb, &ans);
	if (err)
		return err;
	if (!ans.found)
		return -ENETUNREACH;
	*oif = ans.oif;
	return 0;
}

static int dump(int fd, uint16_t type, int (*cb)(struct nlmsghdr *, void *), void *arg)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa; /* the same size as ifinfomsg: the family leads both */
	} req = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		  .nlmsg_type = type,
		  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .ifa = {.ifa_family = AF_UNSPEC},
	};

	if (type == RTM_GETLINK)
		req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	return nl_talk_fd(fd, &req.n, cb, arg);
}

int t46_netview_read(struct t46_netview *v)
{
	int fd, err;

	memset(v, 0, sizeof(*v));
	fd = nl_socket();
	if (fd < 0)
		return fd;
	err = dump(fd, RTM_GETLINK, link_cb, v);
	if (!err)
		err = dump(fd, RTM_GETADDR, addr_cb, v);
	if (!err && !(v->route_arg = malloc(sizeof(int))))
		err = -ENOMEM;
	if (err) {
		close(fd);
		t46_netview_free(v);
		return err;
	}
	*(int *)v->route_arg = fd; /* kept for the route lookups */
	v->route6 = route6_nl;
	return 0;
}

void t46_netview_free(struct t46_netview *v)
{
	if (v->route6 == route6_nl && v->route_arg) {
		close(*(int *)v->route_arg);
		free(v->route_arg);
	}
	v->route6 = NULL;
	v->route_arg = NULL;
	free(v->ifs);
	free(v->addrs);
	v->ifs = NULL;
	v->addrs = NULL;
	v->nifs = v->naddrs = 0;
}

/* ---- callers ---- */

static void emit_warnings(const struct t46_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (!f->f[i].refuse)
			be_warn("%s", f->f[i].msg);
	if (f->warnings + f->refusals > f->n)
		be_warn("... and %zu more", f->warnings + f->refusals - f->n);
}

/* The live attached ports into the view. */
static int view_live(struct be *be, struct t46_netview *v)
{
	struct be_link *links = NULL;
	size_t n = 0;
	int err;

	err = t46_netview_read(v);
	if (err)
		return err;
	if (be_loaded(be) && (err = be_link_list(be, &links, &n))) {
		t46_netview_free(v);
		return err;
	}
	for (size_t i = 0; i < n; i++)
		t46_netview_set_role(v, links[i].ifname, (int)links[i].link.role);
	free(links);
	return 0;
}

int t46_sanity_peer_emit(struct be *be, const struct tun46_peer *p, bool local_auto)
{
	struct t46_findings f = {0};
	struct t46_netview v;
	int err;

	err = view_live(be, &v);
	if (err) {
		be_warn("cannot read this namespace's addresses (%s): the peer is not checked", strerror(-err));
		return 0;
	}
	t46_sanity_peer(&v, p, local_auto, &f);
	t46_netview_free(&v);
	emit_warnings(&f);
	for (size_t i = 0; i < f.n; i++) {
		if (f.f[i].refuse) {
			be_err("%s", f.f[i].msg);
			return -EINVAL;
		}
	}
	return 0;
}

void t46_sanity_route_emit(struct be *be, uint32_t addr, uint8_t plen, const char *peer)
{
	struct t46_findings f = {0};
	struct t46_netview v;

	if (view_live(be, &v))
		return;
	t46_sanity_route(&v, addr, plen, peer, &f);
	t46_netview_free(&v);
	emit_warnings(&f);
}

void t46_sanity_detach_emit(struct be *be, const char *ifname)
{
	struct be_link *links = NULL;
	size_t n = 0, wans = 0;
	bool is_wan = false;
	uint32_t peers;

	if (!be_loaded(be) || be_link_list(be, &links, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (links[i].link.role != TUN46_ROLE_WAN)
			continue;
		wans++;
		if (!strcmp(links[i].ifname, ifname))
			is_wan = true;
	}
	free(links);
	if (!is_wan || wans > 1)
		return;
	peers = peers_count(be);
	if (peers)
		be_warn("detaching wan %s: the %u peer%s tunnel%s until a WAN is attached again", ifname, peers,
			peers == 1 ? "'s" : "s'", peers == 1 ? " stops" : "s stop");
}

/* A refusal into the config errors, at the line that defined the peer. */
#define cfg_err(errs, line, msg) t46_cfg_err_add(errs, line, NULL, "%s", msg)

/* What `local auto` will resolve to once the desired ports are attached:
 * the first usable global address of the lowest-ifindex WAN (be_local_auto,
 * nl_ipv6_global_addr).  false when there is none (the apply reports it). */
static bool predict_auto(const struct t46_netview *v, union tun46_addr6 *out)
{
	uint32_t wan = 0;

	for (size_t i = 0; i < v->nifs; i++)
		if (v->ifs[i].role == TUN46_ROLE_WAN && (!wan || v->ifs[i].ifindex < wan))
			wan = v->ifs[i].ifindex;
	for (size_t i = 0; wan && i < v->naddrs; i++) {
		const struct t46_netaddr *x = &v->addrs[i];

		if (x->ifindex == wan && x->family == AF_INET6 && x->scope == RT_SCOPE_UNIVERSE &&
		    !(x->flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED))) {
			*out = x->v6;
			return true;
		}
	}
	return false;
}

struct route_warn {
	size_t shown, more;
};

static void check_one(const struct t46_netview *v, const struct tun46_peer *p, int line, bool predict,
		      struct t46_cfg_errs *errs, size_t *refused)
{
	struct t46_findings f = {0};
	struct tun46_peer q = *p;
	bool is_auto = p->flags & TUN46_PEER_F_LOCAL_AUTO;

	bool known = !(is_auto && predict) || predict_auto(v, &q.local);

	check_peer(v, &q, is_auto, known, &f);
	emit_warnings(&f);
	for (size_t i = 0; i < f.n; i++) {
		if (f.f[i].refuse) {
			cfg_err(errs, line, f.f[i].msg);
			++*refused;
			break;
		}
	}
}

static void check_route(const struct t46_netview *v, uint32_t addr, uint8_t plen, const char *peer,
			struct route_warn *rw)
{
	struct t46_findings f = {0};

	t46_sanity_route(v, addr, plen, peer, &f);
	if (!f.n)
		return;
	if (rw->shown < 5) {
		emit_warnings(&f);
		rw->shown++;
	} else {
		rw->more++;
	}
}

static void view_want(struct t46_netview *v, const struct t46_state *want)
{
	for (size_t i = 0; i < want->nlinks; i++)
		t46_netview_set_role(v, want->links[i].ifname, (int)want->links[i].role);
}

size_t t46_sanity_plan(const struct t46_state *live, const struct t46_state *want, const struct t46_plan *plan,
		       struct t46_cfg_errs *errs)
{
	struct route_warn rw = {0};
	struct t46_netview v;
	size_t refused = 0;
	bool live_wan = false, want_wan = false;
	int err;

	err = t46_netview_read(&v);
	if (err) {
		be_warn("cannot read this namespace's addresses (%s): the peers are not checked", strerror(-err));
		return 0;
	}
	view_want(&v, want);
	/* ports attached, re-attached or detached: every peer meets new roles */
	bool links_change = plan->links_add || plan->links_change || plan->links_del;
	bool *done = calloc(want->npeers + 1, sizeof(*done));

	for (size_t k = 0; k < plan->nops; k++) {
		const struct t46_op *op = &plan->ops[k];

		if (op->kind == T46_OP_PEER_SET && op->want >= 0 && (size_t)op->want < want->npeers) {
			check_one(&v, &op->newp, want->peers[op->want].line, op->auto_later, errs, &refused);
			if (done)
				done[op->want] = true;
		} else if (op->kind == T46_OP_ROUTE_SET)
			for (size_t i = 0; i < op->n; i++)
				if (op->r[i].want >= 0 && (size_t)op->r[i].want < want->npeers)
					check_route(&v, op->r[i].addr, op->r[i].plen, want->peers[op->r[i].want].p.name,
						    &rw);
	}
	for (size_t j = 0; links_change && done && j < want->npeers; j++) {
		/* unchanged peers: as they are live (local auto resolved then) */
		const struct st_peer *l = st_find_peer(live, want->peers[j].p.name);

		if (!done[j] && l)
			check_one(&v, &l->p, want->peers[j].line, false, errs, &refused);
	}
	free(done);
	if (rw.more)
		be_warn("... and %zu more routes inside this router's own subnets", rw.more);
	for (size_t i = 0; i < live->nlinks; i++)
		live_wan |= live->links[i].role == TUN46_ROLE_WAN;
	for (size_t i = 0; i < want->nlinks; i++)
		want_wan |= want->links[i].role == TUN46_ROLE_WAN;
	if (live_wan && !want_wan && want->npeers)
		be_warn("the file attaches no wan: the %zu peer%s tunnel%s until a WAN is attached again", want->npeers,
			want->npeers == 1 ? "'s" : "s'", want->npeers == 1 ? " stops" : "s stop");
	t46_netview_free(&v);
	return refused;
}

size_t t46_sanity_file(const struct t46_state *want, struct t46_cfg_errs *errs, bool *host_checked)
{
	struct route_warn rw = {0};
	struct t46_netview v = {0};
	size_t refused = 0;
	bool host = t46_netview_read(&v) == 0;

	for (size_t i = 0; host && i < want->nlinks; i++)
		if (t46_netview_set_role(&v, want->links[i].ifname, (int)want->links[i].role))
			host = false; /* a port that is not here: the file is for another host */
	*host_checked = host;
	for (size_t j = 0; host && j < want->npeers; j++) {
		const struct st_peer *sp = &want->peers[j];

		/* local auto: as it resolves once the file's WAN is attached */
		check_one(&v, &sp->p, sp->line, sp->p.flags & TUN46_PEER_F_LOCAL_AUTO, errs, &refused);
	}
	for (size_t i = 0; host && i < want->nroutes; i++)
		check_route(&v, want->routes[i].addr, want->routes[i].plen, want->routes[i].peer, &rw);
	if (rw.more)
		be_warn("... and %zu more routes inside this router's own subnets", rw.more);
	t46_netview_free(&v);
	return refused;
}
