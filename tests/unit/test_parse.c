// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_parse.c — command line parsing: every keyword, range edges, bad input. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "unit.h"

static int parse(const char *line, struct t46_cmd *c, struct t46_err *e)
{
	char buf[8192], *argv[T46_MAX_TOKENS];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	memset(e, 0, sizeof(*e));
	argc = t46_tokenize(buf, argv, T46_MAX_TOKENS, e);
	if (argc < 0)
		return -1;
	return t46_cmd_parse(argc, argv, c, e);
}

/* Lines that must parse. */
static const char *good[] = {
    "link",
    "link show",
    "link list",
    "l s",
    "link show dev eth0",
    "link attach dev eth0 role lan",
    "link attach dev eth0 role wan mode xdp",
    "link attach dev eth0 role wan mode xdp-generic",
    "link attach dev eth0 role lan mode tc",
    "link at dev eth0 role lan",
    "link detach dev eth0",
    "link help",
    "peer",
    "peer show",
    "peer show site2",
    "peer add site2 remote 2001:db8::2 local 2001:db8::1",
    "peer add site2 remote 2001:db8::2 local auto",
    "peer add a remote 2001:db8::2 local auto hoplimit 1",
    "peer add a remote 2001:db8::2 local auto hoplimit 255",
    "peer add a remote 2001:db8::2 local auto hoplimit inherit",
    "peer add a remote 2001:db8::2 local auto tclass 0x00",
    "peer add a remote 2001:db8::2 local auto tclass 0xff",
    "peer add a remote 2001:db8::2 local auto tclass 255",
    "peer add a remote 2001:db8::2 local auto tclass inherit",
    "peer add a remote 2001:db8::2 local auto flowlabel hash",
    "peer add a remote 2001:db8::2 local auto flowlabel 0",
    "peer add a remote 2001:db8::2 local auto flowlabel 0xfffff",
    "peer add a remote 2001:db8::2 local auto flowlabel 1048575",
    "peer add a remote 2001:db8::2 local auto encaplimit none",
    "peer add a remote 2001:db8::2 local auto encaplimit 0",
    "peer add a remote 2001:db8::2 local auto encaplimit 255",
    "peer add a remote 2001:db8::2 local auto mtu 576",
    "peer add a remote 2001:db8::2 local auto mtu 65495",
    "peer add a remote 2001:db8::2 local auto mtu 1280",
    "peer add a remote 2001:db8::2 local auto encaplimit 4 mtu 65487",
    "peer add a remote 2001:db8::2 local auto encap gre",
    "peer add a remote 2001:db8::2 local auto encap ip4ip6",
    "peer add a remote 2001:db8::2 local auto encap gre key 0",
    "peer add a remote 2001:db8::2 local auto encap gre key 4294967295",
    "peer add a remote 2001:db8::2 local auto encap gre key 0xffffffff",
    "peer add a remote 2001:db8::2 local auto encap gre key 1.2.3.4",
    "peer add a remote 2001:db8::2 local auto key 7 encap gre",
    "peer add a remote 2001:db8::2 local auto encap gre key none",
    "peer add a remote 2001:db8::2 local auto key none",
    "peer add a remote 2001:db8::2 local auto encap gre encaplimit 4 key 1 mtu 65479",
    "peer change a encap gre",
    "peer change a key 5",
    "peer change a encap ip4ip6 key none",
    "peer add a.b-c_D9 remote 2001:db8::2 local auto",
    "peer add abcdefghijklmnopqrstuvwxyz01234 remote 2001:db8::2 local auto",
    "peer replace a remote 2001:db8::2 local auto",
    "peer change a hoplimit 3",
    "peer change a remote fd00::9",
    "peer del a",
    "peer delete a",
    "peer d a",
    "route",
    "route show",
    "route show peer a",
    "route add 192.168.2.0/24 peer a",
    "route add 0.0.0.0/0 peer a",
    "route add 10.0.0.1/32 peer a",
    "route add 10.0.0.1 peer a",
    "route add 128.0.0.0/1 peer a",
    "route change 192.168.2.0/24 peer a",
    "route replace 192.168.2.0/24 peer a",
    "route del 192.168.2.0/24",
    "route del 192.168.2.0/24 peer a",
    "route get 192.168.2.9",
    "route flush",
    "route flush peer a",
    "stats",
    "stats show",
    "stats show peer a",
    "stats show dev eth0",
    "stats watch",
    "stats watch interval 2",
    "stats watch interval 0.1",
    "stats watch interval 3600 count 3",
    "stats reset",
    "config check f.conf",
    "config apply -",
    "config show",
    "help",
    "peer help",
    "  route\tadd   192.168.2.0/24 peer a   # trailing comment",
    "route add 192.168.2.0/24 peer a\r",
};

struct bad {
	const char *line;
	const char *token; /* expected offending token, NULL = any */
	const char *msg;   /* expected substring of the message */
};

static const struct bad bad[] = {
    {"", NULL, "missing OBJECT"},
    {"frob", "frob", "unknown object"},
    {"link frob", "frob", "unknown command"},
    {"peer x", "x", "unknown command"},
    {"peer a", NULL, "needs a peer NAME"}, /* a = add */
    {"route d 10.0.0.0/8", NULL, NULL},	   /* d: del or delete -> del (aliases) -> ok? see below */
    {"link attach dev eth0", NULL, "needs role"},
    {"link attach role lan", NULL, "needs dev"},
    {"link attach dev eth0 role dmz", "dmz", "role must be lan or wan"},
    {"link attach dev eth0 role lan mode fast", "fast", "mode must be"},
    {"link attach dev eth0 role lan role wan", "role", "given twice"},
    {"link attach dev eth0 dev eth1 role lan", "dev", "given twice"},
    {"link attach dev eth0 role", "role", "needs a value"},
    {"link attach dev a/b role lan", "a/b", "not an interface name"},
    {"link attach dev 0123456789abcdef role lan", "0123456789abcdef", "not an interface name"},
    {"link detach", NULL, "needs dev"},
    {"link detach dev eth0 role lan", "role", "unexpected"},
    {"peer add", NULL, "needs a peer NAME"},
    {"peer add a", NULL, "needs remote"},
    {"peer add a remote 2001:db8::2", NULL, "needs remote ADDR6 and local"},
    {"peer add a local auto", NULL, "needs remote"},
    {"peer add a remote 2001:db8::2 local 2001:db8::2", NULL, "same address"},
    {"peer add a remote 10.0.0.1 local auto", "10.0.0.1", "not an IPv6 address"},
    {"peer add a remote 2001:db8:::2 local auto", "2001:db8:::2", "not an IPv6 address"},
    {"peer add a remote 2001:db8::2/64 local auto", "2001:db8::2/64", "not an IPv6 address"},
    {"peer add a remote ff02::1 local auto", "ff02::1", "multicast"},
    {"peer add a remote :: local auto", "::", "unspecified"},
    {"peer add a remote ::1 local auto", "::1", "loopback"},
    {"peer add a remote ::ffff:10.0.0.1 local auto", "::ffff:10.0.0.1", "IPv4-mapped"},
    {"peer add a remote 2001:db8::2 local fe80::zz", "fe80::zz", "not an IPv6 address"},
    {"peer add a remote 2001:db8::2 local auto hoplimit 0", "0", "hoplimit must be 1..255"},
    {"peer add a remote 2001:db8::2 local auto hoplimit 256", "256", "hoplimit must be 1..255"},
    {"peer add a remote 2001:db8::2 local auto hoplimit -1", "-1", "hoplimit"},
    {"peer add a remote 2001:db8::2 local auto hoplimit 64x", "64x", "hoplimit"},
    {"peer add a remote 2001:db8::2 local auto hoplimit 064", "064", "hoplimit"},
    {"peer add a remote 2001:db8::2 local auto hoplimit inherits", "inherits", "hoplimit"},
    {"peer add a remote 2001:db8::2 local auto tclass 0x100", "0x100", "tclass must be 0x00..0xff"},
    {"peer add a remote 2001:db8::2 local auto tclass 256", "256", "tclass"},
    {"peer add a remote 2001:db8::2 local auto tclass 0x", "0x", "tclass"},
    {"peer add a remote 2001:db8::2 local auto flowlabel 0x100000", "0x100000", "flowlabel must be"},
    {"peer add a remote 2001:db8::2 local auto flowlabel 1048576", "1048576", "flowlabel"},
    {"peer add a remote 2001:db8::2 local auto flowlabel random", "random", "flowlabel"},
    {"peer add a remote 2001:db8::2 local auto encaplimit 256", "256", "encaplimit must be"},
    {"peer add a remote 2001:db8::2 local auto encaplimit off", "off", "encaplimit"},
    {"peer add a remote 2001:db8::2 local auto mtu 575", "575", "mtu must be 576..65495"},
    {"peer add a remote 2001:db8::2 local auto mtu 65496", "65496", "mtu"},
    {"peer add a remote 2001:db8::2 local auto mtu 99999999999", "99999999999", "mtu"},
    {"peer add a remote 2001:db8::2 local auto encaplimit 4 mtu 65495", NULL, "too large with encaplimit"},
    {"peer add a remote 2001:db8::2 local auto encap gre mtu 65495", NULL, "too large with encap gre (at most 65491)"},
    {"peer add a remote 2001:db8::2 local auto encap gre encaplimit 4 key 1 mtu 65480", NULL,
     "too large with encap gre, encaplimit, key (at most 65479)"},
    {"peer add a remote 2001:db8::2 local auto encap gre6", "gre6", "encap must be ip4ip6 or gre"},
    {"peer add a remote 2001:db8::2 local auto encap", "encap", "needs a value"},
    {"peer add a remote 2001:db8::2 local auto encap gre encap gre", "encap", "given twice"},
    {"peer add a remote 2001:db8::2 local auto encap gre key 4294967296", "4294967296", "key must be none"},
    {"peer add a remote 2001:db8::2 local auto encap gre key -1", "-1", "key must be none"},
    {"peer add a remote 2001:db8::2 local auto encap gre key 1.2.3", "1.2.3", "key must be none"},
    {"peer add a remote 2001:db8::2 local auto key 5", NULL, "key 5 needs encap gre"},
    {"peer add a remote 2001:db8::2 local auto encap ip4ip6 key 5", NULL, "key 5 needs encap gre"},
    {"peer change a encap ip4ip6 key 5", NULL, "needs encap gre"},
    {"peer add a remote 2001:db8::2 local auto hoplimit 3 hoplimit 4", "hoplimit", "given twice"},
    {"peer add a remote 2001:db8::2 remote 2001:db8::3 local auto", "remote", "given twice"},
    {"peer add a remote 2001:db8::2 local auto ttl 3", "ttl", "unexpected"},
    {"peer add a remote 2001:db8::2 local auto mtu", "mtu", "needs a value"},
    {"peer add a! remote 2001:db8::2 local auto", "a!", "peer name"},
    {"peer add abcdefghijklmnopqrstuvwxyz012345 remote 2001:db8::2 local auto", "abcdefghijklmnopqrstuvwxyz012345",
     "1..31"},
    {"peer change a", NULL, "at least one"},
    {"peer del", NULL, "needs a peer NAME"},
    {"peer del a b", "b", "unexpected"},
    {"peer show a b", "b", "unexpected"},
    {"route add", NULL, "needs a PREFIX4"},
    {"route add 192.168.2.0/24", NULL, "needs peer NAME"},
    {"route add 192.168.2.7/24 peer a", "192.168.2.7/24", "192.168.2.0/24"},
    {"route add 10.0.0.1/8 peer a", "10.0.0.1/8", "10.0.0.0/8"},
    {"route add 192.168.2.0/33 peer a", "192.168.2.0/33", "0..32"},
    {"route add 192.168.2.0/ peer a", "192.168.2.0/", "0..32"},
    {"route add 192.168.2.0/024 peer a", "192.168.2.0/024", "0..32"},
    {"route add 192.168.2.0/0x18 peer a", "192.168.2.0/0x18", "0..32"},
    {"route add 192.168.2/24 peer a", "192.168.2/24", "not an IPv4 prefix"},
    {"route add 256.1.1.0/24 peer a", "256.1.1.0/24", "not an IPv4 prefix"},
    {"route add 2001:db8::/32 peer a", "2001:db8::/32", "not an IPv4 prefix"},
    {"route add 192.168.2.0/24 peer", "peer", "needs a value"},
    {"route add 192.168.2.0/24 peer a peer b", "peer", "given twice"},
    {"route add 192.168.2.0/24 via a", "via", "unexpected"},
    {"route get", NULL, "needs an IPv4 address"},
    {"route get 10.0.0.0/8", "10.0.0.0/8", "not an IPv4 address"},
    {"route show dev eth0", "dev", "unexpected"},
    {"stats show peer a dev eth0", NULL, "not both"},
    {"stats watch interval 0", "0", "interval must be"},
    {"stats watch interval 0.05", "0.05", "interval"},
    {"stats watch interval 3601", "3601", "interval"},
    {"stats watch interval -1", "-1", "interval"},
    {"stats watch interval 1s", "1s", "interval"},
    {"stats watch count 0", "0", "count"},
    {"stats reset now", "now", "unexpected"},
    {"config", NULL, "needs a command"},
    {"config check", NULL, "needs a FILE"},
    {"config apply", NULL, "needs a FILE"},
    {"config show x", "x", "unexpected"},
    {"help me", "me", "unexpected"},
};

static int check_good(const char *line)
{
	struct t46_cmd c;
	struct t46_err e;
	char name[160];

	snprintf(name, sizeof(name), "parse ok: %.120s", line);
	UNIT_CHECK(name, parse(line, &c, &e) == 0, "refused: %s (token \"%s\")", e.msg, e.token);
	UNIT_PASS(name);
	return 0;
}

static int check_bad(const struct bad *b)
{
	struct t46_cmd c;
	struct t46_err e;
	char name[160];

	if (!b->msg)
		return 0;
	snprintf(name, sizeof(name), "parse refuses: %.120s", b->line);
	UNIT_CHECK(name, parse(b->line, &c, &e) != 0, "accepted");
	UNIT_CHECK(name, strstr(e.msg, b->msg), "message \"%s\" lacks \"%s\"", e.msg, b->msg);
	UNIT_CHECK(name, !b->token || !strcmp(e.token, b->token), "token \"%s\", expected \"%s\"", e.token, b->token);
	UNIT_PASS(name);
	return 0;
}

/* Values land in the right fields. */
static int check_values(void)
{
	const char *n = "parse values: peer attributes";
	struct t46_cmd c;
	struct t46_err e;
	char a[64];

	UNIT_CHECK(n,
		   !parse("peer add s2 remote 2001:db8::2 local 2001:db8::1 hoplimit 7 tclass 0xb8 flowlabel 0x12345 "
			  "encaplimit 4",
			  &c, &e),
		   "%s", e.msg);
	UNIT_CHECK(n, c.obj == T46_OBJ_PEER && c.verb == T46_V_ADD && !strcmp(c.name, "s2"), "object/verb/name");
	UNIT_CHECK(n, !strcmp(t46_fmt_addr6(&c.peer.remote, a, sizeof(a)), "2001:db8::2"), "remote %s", a);
	UNIT_CHECK(n, !strcmp(t46_fmt_addr6(&c.peer.local, a, sizeof(a)), "2001:db8::1"), "local %s", a);
	UNIT_CHECK(n, c.peer.hoplimit == 7 && c.peer.tclass == 0xb8 && c.peer.flowlabel == 0x12345, "values");
	UNIT_CHECK(n, c.peer.flags & TUN46_PEER_F_FLOWLABEL_FIXED && c.peer.flags & TUN46_PEER_F_ENCAPLIMIT, "flags %x",
		   c.peer.flags);
	UNIT_CHECK(n, c.peer.encaplimit == 4 && c.peer.mtu == TUN46_DEFAULT_MTU_ENCAPLIMIT, "encaplimit/mtu %u/%u",
		   c.peer.encaplimit, c.peer.mtu);
	UNIT_PASS(n);

	n = "parse values: peer defaults";
	UNIT_CHECK(n, !parse("peer add s2 remote 2001:db8::2 local auto", &c, &e), "%s", e.msg);
	UNIT_CHECK(n, c.peer.hoplimit == 64 && c.peer.tclass == 0 && c.peer.mtu == 1460, "defaults %u %u %u",
		   c.peer.hoplimit, c.peer.tclass, c.peer.mtu);
	UNIT_CHECK(n, c.peer.flags == TUN46_PEER_F_LOCAL_AUTO, "flags %x", c.peer.flags);
	UNIT_PASS(n);

	n = "parse values: inherit flags";
	UNIT_CHECK(n, !parse("peer add s2 remote 2001:db8::2 local auto hoplimit inherit tclass inherit", &c, &e), "%s",
		   e.msg);
	UNIT_CHECK(n, (c.peer.flags & TUN46_PEER_F_HOPLIMIT_INHERIT) && (c.peer.flags & TUN46_PEER_F_TCLASS_INHERIT),
		   "flags %x", c.peer.flags);
	UNIT_PASS(n);

	n = "parse values: route prefix network order";
	UNIT_CHECK(n, !parse("route add 192.168.2.0/24 peer s2", &c, &e), "%s", e.msg);
	UNIT_CHECK(n, c.addr == htonl(0xc0a80200) && c.plen == 24 && !strcmp(c.name, "s2"), "addr %x plen %u", c.addr,
		   c.plen);
	UNIT_CHECK(n, !parse("route add 10.1.2.3 peer s2", &c, &e) && c.plen == 32, "bare address is /32");
	UNIT_PASS(n);

	n = "parse values: link defaults to mode xdp";
	UNIT_CHECK(n, !parse("link attach dev eth1 role wan", &c, &e), "%s", e.msg);
	UNIT_CHECK(n, c.role == TUN46_ROLE_WAN && c.mode == TUN46_MODE_XDP && !strcmp(c.ifname, "eth1"), "values");
	UNIT_PASS(n);

	n = "parse values: unique prefixes and aliases";
	UNIT_CHECK(n, !parse("ro del 10.0.0.0/8", &c, &e) && c.obj == T46_OBJ_ROUTE && c.verb == T46_V_DEL, "ro del");
	UNIT_CHECK(n, !parse("ro d 10.0.0.0/8", &c, &e) && c.verb == T46_V_DEL, "d = del/delete");
	UNIT_CHECK(n, !parse("st w", &c, &e) && c.verb == T46_V_WATCH && c.interval == 1.0, "st w");
	UNIT_CHECK(n, !parse("co ch x", &c, &e) && c.verb == T46_V_CHECK, "co ch");
	{
		static const struct t46_word w[] = {{"show", 1}, {"list", 1}, {"set", 2}, {"del", 3}, {"delete", 3}};

		UNIT_CHECK(n, t46_match_word("s", w, 5) == -2, "s is ambiguous");
		UNIT_CHECK(n, t46_match_word("d", w, 5) == 3, "d: aliases do not make it ambiguous");
		UNIT_CHECK(n, t46_match_word("se", w, 5) == 2 && t46_match_word("x", w, 5) == -1, "se / x");
		UNIT_CHECK(n, t46_match_word("", w, 5) == -1, "empty");
	}
	UNIT_CHECK(n, parse("route re 10.0.0.0/8 peer a", &c, &e) == 0 && c.verb == T46_V_REPLACE, "re = replace");
	UNIT_PASS(n);

	n = "parse values: peer change merge keeps others, mtu follows encaplimit";
	{
		struct tun46_peer p;

		t46_peer_defaults(&p);
		UNIT_CHECK(n, !parse("peer change a encaplimit 4", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1452 && p.hoplimit == 64 && (p.flags & TUN46_PEER_F_ENCAPLIMIT), "mtu %u",
			   p.mtu);
		UNIT_CHECK(n, !parse("peer change a encaplimit none", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1460 && !(p.flags & TUN46_PEER_F_ENCAPLIMIT), "mtu %u", p.mtu);
		UNIT_CHECK(n, !parse("peer change a mtu 1400", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, !parse("peer change a encaplimit 2", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1400, "explicit mtu kept: %u", p.mtu);
	}
	UNIT_PASS(n);

	n = "parse values: encap gre, key, default MTUs 1456/1448/1452/1444, merge follows";
	{
		struct tun46_peer p;

		UNIT_CHECK(n, !parse("peer add a remote 2001:db8::2 local auto encap gre", &c, &e), "%s", e.msg);
		UNIT_CHECK(n,
			   (c.peer.flags & TUN46_PEER_F_GRE) && !(c.peer.flags & TUN46_PEER_F_GRE_KEY) &&
			       c.peer.mtu == 1456 && (c.peer_mask & T46_PK_ENCAP),
			   "gre: flags 0x%x mtu %u", c.peer.flags, c.peer.mtu);
		UNIT_CHECK(n, !parse("peer add a remote 2001:db8::2 local auto encap gre encaplimit 4", &c, &e), "%s",
			   e.msg);
		UNIT_CHECK(n, c.peer.mtu == 1448, "gre encaplimit: mtu %u", c.peer.mtu);
		UNIT_CHECK(n, !parse("peer add a remote 2001:db8::2 local auto encap gre key 0x01020304", &c, &e), "%s",
			   e.msg);
		UNIT_CHECK(n, c.peer.mtu == 1452 && c.peer.key == 0x01020304 && (c.peer.flags & TUN46_PEER_F_GRE_KEY),
			   "gre key: mtu %u key 0x%x", c.peer.mtu, c.peer.key);
		UNIT_CHECK(
		    n, !parse("peer add a remote 2001:db8::2 local auto encap gre key 1.2.3.4 encaplimit 0", &c, &e),
		    "%s", e.msg);
		UNIT_CHECK(n, c.peer.mtu == 1444 && c.peer.key == 0x01020304, "gre key encaplimit: mtu %u key 0x%x",
			   c.peer.mtu, c.peer.key);
		UNIT_CHECK(n, tun46_peer_overhead(c.peer.flags) == 56 && tun46_peer_overhead(0) == 40, "overhead %u",
			   tun46_peer_overhead(c.peer.flags));
		UNIT_CHECK(n, !parse("peer add a remote 2001:db8::2 local auto encap ip4ip6", &c, &e), "%s", e.msg);
		UNIT_CHECK(n, c.peer.mtu == 1460 && !(c.peer.flags & TUN46_PEER_F_GRE), "ip4ip6: mtu %u", c.peer.mtu);

		/* live change: ip4ip6 -> gre -> key -> encaplimit -> ip4ip6, the default MTU follows */
		t46_peer_defaults(&p);
		UNIT_CHECK(n, !parse("peer change a encap gre", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1456 && (p.flags & TUN46_PEER_F_GRE) && !t46_peer_check(&p, &e), "mtu %u",
			   p.mtu);
		UNIT_CHECK(n, !parse("peer change a key 9", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1452 && p.key == 9 && !t46_peer_check(&p, &e), "key: mtu %u", p.mtu);
		UNIT_CHECK(n, !parse("peer change a encaplimit 4", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1444, "key+encaplimit: mtu %u", p.mtu);
		UNIT_CHECK(n, !parse("peer change a encap ip4ip6", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, p.mtu == 1452 && !(p.flags & (TUN46_PEER_F_GRE | TUN46_PEER_F_GRE_KEY)) && p.key == 0,
			   "back to ip4ip6: mtu %u flags 0x%x", p.mtu, p.flags);
		/* a key on an ip4ip6 peer: refused after the merge */
		UNIT_CHECK(n, !parse("peer change a key 3", &c, &e), "%s", e.msg);
		t46_peer_merge(&p, &c.peer, c.peer_mask);
		UNIT_CHECK(n, t46_peer_check(&p, &e) && strstr(e.msg, "needs encap gre"), "check: %s", e.msg);
	}
	UNIT_PASS(n);
	return 0;
}

static int check_tokenizer(void)
{
	const char *n = "tokenizer: blanks, CRLF, comments, too many words";
	char buf[1024], *argv[T46_MAX_TOKENS];
	struct t46_err e;

	snprintf(buf, sizeof(buf), " \tpeer  show\r\n");
	UNIT_CHECK(n, t46_tokenize(buf, argv, T46_MAX_TOKENS, &e) == 2 && !strcmp(argv[1], "show"), "CRLF");
	snprintf(buf, sizeof(buf), "# only a comment");
	UNIT_CHECK(n, t46_tokenize(buf, argv, T46_MAX_TOKENS, &e) == 0, "comment line");
	snprintf(buf, sizeof(buf), "route show #peer a");
	UNIT_CHECK(n, t46_tokenize(buf, argv, T46_MAX_TOKENS, &e) == 2, "trailing comment");
	snprintf(buf, sizeof(buf), "peer show a#b");
	UNIT_CHECK(n, t46_tokenize(buf, argv, T46_MAX_TOKENS, &e) == 3 && !strcmp(argv[2], "a#b"), "# inside a word");
	buf[0] = '\0';
	for (int i = 0; i < T46_MAX_TOKENS + 1; i++)
		strcat(buf, "x ");
	UNIT_CHECK(n, t46_tokenize(buf, argv, T46_MAX_TOKENS, &e) < 0 && strstr(e.msg, "too many"), "limit");
	UNIT_CHECK(n, t46_content_len("abc # x", 7) == 4 && t46_content_len("a#b", 3) == 3, "content_len");
	UNIT_PASS(n);

	n = "numbers: decimal and hex only";
	uint32_t v;

	UNIT_CHECK(n, t46_parse_u32("0", &v) && v == 0, "0");
	UNIT_CHECK(n, t46_parse_u32("4294967295", &v) && v == UINT32_MAX, "max");
	UNIT_CHECK(n, !t46_parse_u32("4294967296", &v), "overflow");
	UNIT_CHECK(n, t46_parse_u32("0xFF", &v) && v == 255, "hex");
	UNIT_CHECK(n,
		   !t46_parse_u32("010", &v) && !t46_parse_u32("", &v) && !t46_parse_u32("+1", &v) &&
		       !t46_parse_u32(" 1", &v) && !t46_parse_u32("0x", &v),
		   "junk");
	UNIT_PASS(n);
	return 0;
}

/* The man page documents every counter, every object and every variable. */
static int check_man(void)
{
	const char *n = "man page names every counter, command and environment variable";
	static const char *names[] = {
#define X(sfx, name, desc) name,
	    TUN46_COUNTERS(X)
#undef X
		"TUN46_MAX_PEERS",
	    "TUN46_MAX_ROUTES",
	    "TUN46_MAX_STATS",
	    "TUN46_FAIL_AFTER",
	    "link attach",
	    "link detach",
	    "peer del",
	    "route get",
	    "route flush",
	    "stats watch",
	    "stats reset",
	    "stats prometheus",
	    "config check",
	    "config apply",
	    "config show",
	    "EXIT STATUS",
	};
	FILE *f = fopen("man/tun46.8", "r");
	static char buf[1 << 17];
	size_t len;

	if (!f) {
		UNIT_SKIP(n, "man/tun46.8 not found (run from the repository root)");
		return 0;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char bold[96];

		snprintf(bold, sizeof(bold), ".B %s\n", names[i]);
		UNIT_CHECK(n, strstr(buf, names[i]), "\"%s\" missing", names[i]);
		UNIT_CHECK(n, i >= TUN46_C__MAX || strstr(buf, bold), "counter %s has no entry", names[i]);
	}
	UNIT_PASS(n);
	return 0;
}

int main(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_good(good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(&bad[i]);
	check_values();
	check_tokenizer();
	check_man();
	return UNIT_EXIT();
}
