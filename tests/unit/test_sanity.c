// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_sanity.c — the rules of lib/sanity.c (configuration mistakes that give
 * a dead tunnel) over a made-up router: each refusal is refused with its
 * message, each warning is a warning, a sane peer has no finding.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "parse.h"
#include "sanity.h"
#include "unit.h"

/* lo 1, wan0 2 (wan), lan0 3 (lan), ext0 4 (not attached), tun46 5 */
static struct t46_netif ifs[] = {
    {.ifindex = 1, .name = "lo", .loopback = true},	    {.ifindex = 2, .name = "wan0", .role = TUN46_ROLE_WAN},
    {.ifindex = 3, .name = "lan0", .role = TUN46_ROLE_LAN}, {.ifindex = 4, .name = "ext0"},
    {.ifindex = 5, .name = "tun46", .tundev = true},
};

static struct t46_netaddr addrs[16];
static size_t naddrs;

static void a6(uint32_t ifindex, const char *s, uint8_t scope, uint32_t flags)
{
	struct t46_netaddr *x = &addrs[naddrs++];

	memset(x, 0, sizeof(*x));
	x->ifindex = ifindex;
	x->family = AF_INET6;
	x->plen = 64;
	x->scope = scope;
	x->flags = flags;
	inet_pton(AF_INET6, s, x->v6.b);
}

static void a4(uint32_t ifindex, const char *s, uint8_t plen)
{
	struct t46_netaddr *x = &addrs[naddrs++];

	memset(x, 0, sizeof(*x));
	x->ifindex = ifindex;
	x->family = AF_INET;
	x->plen = plen;
	inet_pton(AF_INET, s, &x->v4);
}

/* 2001:db8:2::/48 via wan0, :3:: via lan0, :4:: via tun46, :6:: via ext0, fd00::/8 via wan0 */
static int fake_route6(void *arg, const union tun46_addr6 *dst, uint32_t *oif)
{
	static const uint8_t db8[4] = {0x20, 0x01, 0x0d, 0xb8};

	(void)arg;
	if (dst->b[0] == 0xfd) {
		*oif = 2;
		return 0;
	}
	if (memcmp(dst->b, db8, 4) || dst->b[4])
		return -ENETUNREACH;
	switch (dst->b[5]) {
	case 1:
	case 2:
		*oif = 2;
		return 0;
	case 3:
		*oif = 3;
		return 0;
	case 4:
		*oif = 5;
		return 0;
	case 6:
		*oif = 4;
		return 0;
	default:
		return -ENETUNREACH;
	}
}

static struct t46_netview view(void)
{
	naddrs = 0;
	a6(1, "::1", RT_SCOPE_HOST, IFA_F_PERMANENT);
	a6(2, "fe80::1", RT_SCOPE_LINK, IFA_F_PERMANENT);
	a6(2, "2001:db8:1::1", RT_SCOPE_UNIVERSE, IFA_F_PERMANENT);
	a6(2, "2001:db8:1::7e", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE);
	a6(2, "2001:db8:1::bad", RT_SCOPE_UNIVERSE, IFA_F_TENTATIVE | IFA_F_DADFAILED);
	a6(2, "2001:db8:1::01d", RT_SCOPE_UNIVERSE, IFA_F_DEPRECATED);
	a6(3, "2001:db8:5::1", RT_SCOPE_UNIVERSE, IFA_F_PERMANENT);
	a6(4, "2001:db8:9::1", RT_SCOPE_UNIVERSE, IFA_F_PERMANENT);
	a4(3, "192.168.1.1", 24);
	a4(1, "127.0.0.1", 8);
	for (size_t i = 0; i < sizeof(ifs) / sizeof(ifs[0]); i++)
		ifs[i].role = i == 1 ? TUN46_ROLE_WAN : i == 2 ? TUN46_ROLE_LAN : 0;
	return (struct t46_netview){
	    .ifs = ifs, .nifs = sizeof(ifs) / sizeof(ifs[0]), .addrs = addrs, .naddrs = naddrs, .route6 = fake_route6};
}

static struct tun46_peer peer(const char *remote, const char *local)
{
	struct tun46_peer p = {.name = "site2"};

	inet_pton(AF_INET6, remote, p.remote.b);
	inet_pton(AF_INET6, local, p.local.b);
	return p;
}

/* refused NAME: the peer is refused, and the message holds every word */
static int expect(const char *name, const struct t46_netview *v, const char *remote, const char *local, bool is_auto,
		  bool refuse, const char *w1, const char *w2)
{
	struct tun46_peer p = peer(remote, local);
	struct t46_findings f = {0};
	size_t r = t46_sanity_peer(v, &p, is_auto, &f);
	size_t i;

	UNIT_CHECK(name, refuse ? r == 1 && f.refusals == 1 : r == 0 && f.refusals == 0,
		   "refusals %zu (expected %d): %s", f.refusals, refuse, f.n ? f.f[0].msg : "(no finding)");
	for (i = 0; i < f.n; i++) {
		if (f.f[i].refuse == refuse && strstr(f.f[i].msg, w1) && (!w2 || strstr(f.f[i].msg, w2)))
			break;
	}
	UNIT_CHECK(name, i < f.n, "no %s with \"%s\"%s%s; got %zu: %s", refuse ? "refusal" : "warning", w1,
		   w2 ? " and " : "", w2 ? w2 : "", f.n, f.n ? f.f[0].msg : "");
	UNIT_CHECK(name, strstr(f.f[i].msg, "site2"), "the message does not name the peer: %s", f.f[i].msg);
	UNIT_PASS(name);
	return 0;
}

static int sane(const char *name, const struct t46_netview *v, const char *remote, const char *local)
{
	struct tun46_peer p = peer(remote, local);
	struct t46_findings f = {0};

	t46_sanity_peer(v, &p, false, &f);
	UNIT_CHECK(name, f.n == 0 && !f.refusals && !f.warnings, "%zu findings: %s", f.n, f.n ? f.f[0].msg : "");
	UNIT_PASS(name);
	return 0;
}

static int route_case(const char *name, const struct t46_netview *v, const char *pfx, uint8_t plen, const char *word)
{
	struct t46_findings f = {0};
	uint32_t addr;

	inet_pton(AF_INET, pfx, &addr);
	t46_sanity_route(v, addr, plen, "site2", &f);
	if (!word) {
		UNIT_CHECK(name, f.n == 0, "unexpected: %s", f.f[0].msg);
	} else {
		UNIT_CHECK(name, f.n == 1 && !f.f[0].refuse && !f.refusals, "expected one warning, got %zu", f.n);
		UNIT_CHECK(name, strstr(f.f[0].msg, word) && strstr(f.f[0].msg, "lan0") && strstr(f.f[0].msg, "site2"),
			   "message: %s", f.f[0].msg);
	}
	UNIT_PASS(name);
	return 0;
}

static int forms(void)
{
	static const struct {
		const char *a, *word;
	} c[] = {
	    {"fe80::2", "link-local"}, {"febf::1", "link-local"}, {"ff02::1", "multicast"},
	    {"::", "unspecified"},     {"::1", "loopback"},	  {"::ffff:10.0.0.1", "IPv4-mapped"},
	    {"fec0::1", NULL},	       {"2001:db8::1", NULL},	  {"fd00::1", NULL},
	};
	const char *name = "sanity: endpoint address forms";

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		union tun46_addr6 a;
		const char *why;

		inet_pton(AF_INET6, c[i].a, a.b);
		why = t46_addr6_endpoint_problem(&a);
		UNIT_CHECK(name, c[i].word ? why && strstr(why, c[i].word) : !why, "%s: %s", c[i].a,
			   why ? why : "(accepted)");
	}
	UNIT_PASS(name);
	return 0;
}

int main(void)
{
	struct t46_netview v = view();

	forms();
	/* certainly wrong: refused */
	expect("sanity: refuse link-local remote", &v, "fe80::2", "2001:db8:1::1", false, true, "link-local", NULL);
	expect("sanity: refuse link-local local", &v, "2001:db8:2::1", "fe80::1", false, true, "local fe80::1",
	       "link-local");
	expect("sanity: refuse local auto = remote (other site's file)", &v, "2001:db8:1::1", "2001:db8:1::1", true,
	       true, "local auto resolved to 2001:db8:1::1", "other site's file");
	expect("sanity: refuse local = remote", &v, "2001:db8:2::1", "2001:db8:2::1", false, true, "same address",
	       NULL);
	expect("sanity: refuse a remote of this router", &v, "2001:db8:5::1", "2001:db8:1::1", false, true,
	       "remote 2001:db8:5::1 is an address of this router (lan0)", NULL);
	expect("sanity: refuse a local this router does not own", &v, "2001:db8:1::2", "2001:db8:2::1", false, true,
	       "local 2001:db8:2::1 is not an address of this router", "wan0 2001:db8:1::1");
	expect("sanity: refuse a local whose DAD failed", &v, "2001:db8:2::1", "2001:db8:1::bad", false, true,
	       "duplicate address detection", "wan0");
	expect("sanity: refuse remote routed through a lan port (roles swapped)", &v, "2001:db8:3::1", "2001:db8:1::1",
	       false, true, "leaves through lan0, attached as lan", "swapped");
	expect("sanity: refuse swapped roles, local on the lan port too", &v, "2001:db8:3::1", "2001:db8:5::1", false,
	       true, "and local is on a lan port", NULL);
	expect("sanity: refuse remote routed through the tunnel device", &v, "2001:db8:4::1", "2001:db8:1::1", false,
	       true, "tun46", NULL);
	/* probably wrong: warned */
	expect("sanity: warn no route toward remote", &v, "2001:db8:77::1", "2001:db8:1::1", false, false,
	       "no IPv6 route toward remote 2001:db8:77::1", NULL);
	expect("sanity: warn remote routed through a port not attached", &v, "2001:db8:6::1", "2001:db8:1::1", false,
	       false, "leaves through ext0, which tun46 is not attached to", NULL);
	expect("sanity: warn tentative local", &v, "2001:db8:2::1", "2001:db8:1::7e", false, false, "tentative", NULL);
	expect("sanity: warn deprecated local", &v, "2001:db8:2::1", "2001:db8:1::1d", false, false, "deprecated",
	       NULL);
	expect("sanity: warn local on a lan port (delegated prefix?)", &v, "2001:db8:2::1", "2001:db8:5::1", false,
	       false, "is on lan0, which is attached as lan", NULL);
	expect("sanity: warn local on a port not attached", &v, "2001:db8:2::1", "2001:db8:9::1", false, false,
	       "is on ext0, which is not attached as wan", NULL);
	/* sane */
	sane("sanity: a sane peer has no finding", &v, "2001:db8:2::1", "2001:db8:1::1");
	sane("sanity: a remote of another prefix, same route", &v, "fd00::2", "2001:db8:1::1");
	{
		struct t46_netview w = view();

		ifs[1].role = ifs[2].role = 0; /* nothing attached yet (peer before link attach) */
		sane("sanity: nothing attached: no role finding", &w, "2001:db8:6::1", "2001:db8:9::1");
		ifs[2].role = TUN46_ROLE_LAN; /* only a LAN */
		expect("sanity: warn ports attached but no wan", &w, "2001:db8:2::1", "2001:db8:1::1", false, false,
		       "no port is attached with role wan", NULL);
		v = view();
	}
	/* tun46 routes against the router's own IPv4 subnets */
	route_case("sanity: warn route = own subnet", &v, "192.168.1.0", 24, "the kernel keeps");
	route_case("sanity: warn route inside own subnet", &v, "192.168.1.128", 25, "unreachable");
	route_case("sanity: warn route = own address", &v, "192.168.1.1", 32, "unreachable");
	route_case("sanity: route covering own subnet is fine", &v, "192.168.0.0", 16, NULL);
	route_case("sanity: default route is fine", &v, "0.0.0.0", 0, NULL);
	route_case("sanity: other site's subnet is fine", &v, "192.168.2.0", 24, NULL);
	route_case("sanity: loopback addresses do not count", &v, "127.0.0.0", 8, NULL);
	return UNIT_EXIT();
}
