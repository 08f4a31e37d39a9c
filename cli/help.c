// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* help.c — tun46 help, tun46 OBJECT help. */
#include <stdio.h>

#include "exec.h"

void t46_usage(FILE *f)
{
	fputs("Usage: tun46 [OPTIONS] OBJECT {COMMAND | help}\n"
	      "       tun46 [-force] -batch FILE\n"
	      "where  OBJECT := { link | peer | route | stats | config | help }\n"
	      "       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -n[etns] NETNS | -force |\n"
	      "                    -mi[grate] | -V[ersion] | -h[elp] }\n"
	      "Objects and commands may be abbreviated to a unique prefix.\n"
	      "Exit status: 0 success, 1 error, 2 usage error.  See tun46(8).\n",
	      f);
}

static const char link_help[] =
    "Usage: tun46 link attach dev IF role {lan|wan} [mode {xdp|xdp-generic|tc}]\n"
    "       tun46 link detach dev IF\n"
    "       tun46 link [show [dev IF]]\n"
    "mode defaults to xdp; tc attaches the TC programs (clsact) for drivers without XDP.\n"
    "mode xdp is refused on a veth whose far end has neither XDP nor GRO (-force: warn only).\n";

static const char peer_help[] =
    "Usage: tun46 peer {add|change|replace} NAME remote ADDR6 local {ADDR6|auto}\n"
    "           [hoplimit {1..255|inherit}] [tclass {0x00..0xff|inherit}]\n"
    "           [flowlabel {hash|0..0xfffff}] [encaplimit {none|0..255}] [mtu 576..65495]\n"
    "           [encap {ip4ip6|gre}] [key {none|0..4294967295|A.B.C.D}]\n"
    "       tun46 peer del NAME                (-force also deletes its routes)\n"
    "       tun46 peer [show [NAME]]\n"
    "       tun46 peer refresh [NAME]          (resolve DNS remotes now)\n"
    "remote may be a DNS name (AAAA): resolved now, followed by tun46d on its TTL.\n"
    "NAME: 1..31 of [A-Za-z0-9_.-].  Defaults: hoplimit 64, tclass 0x00 (ECN copied), flowlabel hash,\n"
    "encaplimit none, encap ip4ip6, mtu 1460 (1452 with encaplimit; gre: 1456/1448, 4 less with a key).\n"
    "encap gre speaks Linux ip6gre (key only with gre).  change keeps the attributes it is not given.\n";

static const char route_help[] = "Usage: tun46 route {add|change|replace} PREFIX4 peer NAME\n"
				 "       tun46 route del PREFIX4 [peer NAME]\n"
				 "       tun46 route [show [peer NAME]]\n"
				 "       tun46 route get ADDR4\n"
				 "       tun46 route flush [peer NAME]\n"
				 "PREFIX4: a.b.c.d/len with no host bits set (a bare address means /32).\n";

static const char stats_help[] =
    "Usage: tun46 [-s] [-j] stats [show [peer NAME | dev IF]]\n"
    "       tun46 [-j] stats watch [peer NAME | dev IF] [interval SECONDS] [count N]\n"
    "       tun46 stats reset\n"
    "       tun46 stats prometheus    (Prometheus text format; for node_exporter's textfile collector\n"
    "                                  write FILE.$$ and rename it to FILE)\n"
    "-s shows every counter with its description; -j prints JSON (watch: raw numbers per second).\n";

static const char config_help[] =
    "Usage: tun46 config check FILE      validate only, no side effect\n"
    "       tun46 config apply FILE      make the live state equal to FILE, all or nothing\n"
    "       tun46 config show            print the live state as a config file\n"
    "FILE holds link attach, peer add and route add lines; '#' starts a comment; - is stdin.\n";

int t46_help(enum t46_obj obj, FILE *f)
{
	switch (obj) {
	case T46_OBJ_LINK:
		fputs(link_help, f);
		break;
	case T46_OBJ_PEER:
		fputs(peer_help, f);
		break;
	case T46_OBJ_ROUTE:
		fputs(route_help, f);
		break;
	case T46_OBJ_STATS:
		fputs(stats_help, f);
		break;
	case T46_OBJ_CONFIG:
		fputs(config_help, f);
		break;
	default:
		t46_usage(f);
		fputs("\n", f);
		fputs(link_help, f);
		fputs(peer_help, f);
		fputs(route_help, f);
		fputs(stats_help, f);
		fputs(config_help, f);
		break;
	}
	return T46_EXIT_OK;
}
