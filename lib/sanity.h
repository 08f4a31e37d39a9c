/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sanity.h — configuration mistakes that would give a dead tunnel silently,
 * checked before anything is written: one home for the rules, used by
 * `peer add|change|replace`, `route add|change|replace`, `link detach`,
 * `config apply` (on what the plan changes) and `config check`.
 *
 * Certainly wrong (refused): an endpoint that is not a global unicast
 * address (t46_addr6_endpoint_problem in parse.c, also used by the
 * parser); local = remote (site 1's file applied on site 2 with local auto);
 * a remote that is this router's own address; a local address the router
 * does not own, or whose duplicate address detection failed; a route toward
 * the remote that leaves through a port attached as lan (roles swapped) or
 * through the tunnel device.
 * Probably wrong (a warning, the command goes on): a tentative or
 * deprecated local; local on a port attached as lan, or on a port tun46 is
 * not attached to; no IPv6 route toward the remote; the route toward the
 * remote leaving through a port tun46 is not attached to; ports attached
 * but none as wan; a tun46 route inside one of the router's own IPv4
 * subnets; detaching the last WAN while peers are configured.
 *
 * The rules (t46_sanity_peer, t46_sanity_route) are pure over a struct
 * t46_netview, so the unit tests give them a made-up router; the view is
 * read from the namespace with read-only rtnetlink dumps and route lookups.
 * Nothing here prints: refusals come back as messages, warnings of the
 * t46_sanity_*_emit helpers go through the library's warning path.
 */
#ifndef TUN46_SANITY_H
#define TUN46_SANITY_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tun46/tun46.h>

#include "backend.h"
#include "config.h"
#include "plan.h"
#include "state.h"

/* ---- the router as the rules see it ---- */
struct t46_netif {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	bool loopback;
	bool tundev; /* tun46's own tunnel device (tun46, tun46p) */
	int role;    /* TUN46_ROLE_LAN / _WAN when attached (or to be, for a config file), 0 = not attached */
};

struct t46_netaddr {
	uint32_t ifindex;
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t plen;
	uint8_t scope;	/* RT_SCOPE_* */
	uint32_t flags; /* IFA_F_* */
	uint32_t v4;	/* network order (AF_INET) */
	union tun46_addr6 v6;
};

struct t46_netview {
	struct t46_netif *ifs;
	size_t nifs;
	struct t46_netaddr *addrs;
	size_t naddrs;
	/* The interface the kernel's route toward dst leaves through: 0 and
	 * *oif, -ENETUNREACH (or another -errno) when there is none. */
	int (*route6)(void *arg, const union tun46_addr6 *dst, uint32_t *oif);
	void *route_arg;
};

/* Read the current namespace's interfaces and addresses (rtnetlink dumps;
 * changes nothing); no port is marked attached.  The view keeps a netlink
 * socket for its route lookups: t46_netview_free closes it. */
int t46_netview_read(struct t46_netview *v);
void t46_netview_free(struct t46_netview *v);
/* Mark ifname attached with role; -ENODEV if no such interface here. */
int t46_netview_set_role(struct t46_netview *v, const char *ifname, int role);
const struct t46_netif *t46_netview_if(const struct t46_netview *v, uint32_t ifindex);

/* ---- findings ---- */
#define T46_FINDINGS_MAX 8
struct t46_finding {
	bool refuse; /* certainly wrong; else a warning */
	char msg[256];
};
struct t46_findings {
	struct t46_finding f[T46_FINDINGS_MAX];
	size_t n;	 /* kept */
	size_t refusals; /* counted, kept or not */
	size_t warnings;
};

/* Check a peer about to be written, its local resolved (local_auto: it came
 * from `local auto`).  Appends to f; returns the number of refusals added. */
size_t t46_sanity_peer(const struct t46_netview *v, const struct tun46_peer *p, bool local_auto,
		       struct t46_findings *f);
/* Check a tun46 route (addr network order) to peer `peer`; warnings only. */
void t46_sanity_route(const struct t46_netview *v, uint32_t addr, uint8_t plen, const char *peer,
		      struct t46_findings *f);

/* ---- callers ---- */
/* peer add/change/replace: the namespace of be (entered by be_open) with its
 * attached ports.  Warnings go through the library's warning path; the
 * first refusal through its error path; returns -EINVAL when refused. */
int t46_sanity_peer_emit(struct be *be, const struct tun46_peer *p, bool local_auto);
/* route add/change/replace: warnings only. */
void t46_sanity_route_emit(struct be *be, uint32_t addr, uint8_t plen, const char *peer);
/* link detach: a warning when ifname is the last attached WAN and peers are
 * configured (their tunnels stop). */
void t46_sanity_detach_emit(struct be *be, const char *ifname);

/* config apply: the peers and routes the plan writes, and the WAN it may
 * detach, with the ports of the desired state.  Refusals are added to errs
 * (with the file's line numbers), warnings go through the warning path.
 * Returns the number of refusals. */
size_t t46_sanity_plan(const struct t46_state *live, const struct t46_state *want, const struct t46_plan *plan,
		       struct t46_cfg_errs *errs);
/* config check: every peer and route of the file, against the current
 * namespace, when every port the file attaches exists here (else nothing is
 * checked: the file is for another host; *host_checked says which).  Same
 * reporting as t46_sanity_plan. */
size_t t46_sanity_file(const struct t46_state *want, struct t46_cfg_errs *errs, bool *host_checked);

#endif /* TUN46_SANITY_H */
