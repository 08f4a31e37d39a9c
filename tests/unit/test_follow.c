// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_follow.c — DNS host names in the grammar, the "local auto" rule,
 * answer picking and the re-resolution schedule (lib/host.c, lib/names.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_addr.h>

#include "cmd.h"
#include "names.h"
#include "unit.h"

static union tun46_addr6 a6(const char *s)
{
	union tun46_addr6 a;

	inet_pton(AF_INET6, s, a.b);
	return a;
}

int main(void)
{
	static const char *good[] = {"r2.example.net", "site2", "a-b.c", "x.example.net.", "1a.example.com"};
	static const char *bad[] = {"", "-a.b", "a-.b", "a..b", "1.2.3.4", "a_b.c", "a b", "site.123"};
	char long_label[80], long_name[300];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		UNIT_CHECK("host/good", t46_is_hostname(good[i]), "\"%s\" refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		UNIT_CHECK("host/bad", !t46_is_hostname(bad[i]), "\"%s\" accepted", bad[i]);
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".net");
	UNIT_CHECK("host/label-64", !t46_is_hostname(long_label), "a 64-character label accepted");
	for (int i = 0; i < 127; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	strcpy(long_name + 254, "aa"); /* 256 characters */
	UNIT_CHECK("host/254+", !t46_is_hostname(long_name), "a name over 253 characters accepted");
	UNIT_PASS("host/rfc1123");

	/* the grammar: a literal stays a literal, a name is kept */
	{
		char *argv[] = {"peer", "add", "s", "remote", "r2.example.net", "local", "auto"};
		char *argv2[] = {"peer", "add", "s", "remote", "2001:db8::2", "local", "auto"};
		char *argv3[] = {"peer", "add", "s", "remote", "2001:db8::zz", "local", "auto"};
		struct t46_err e = {0};
		struct t46_cmd c;

		UNIT_CHECK("cmd/remote-name",
			   t46_cmd_parse(7, argv, &c, &e) == 0 && !strcmp(c.remote_name, "r2.example.net"), "%s",
			   e.msg);
		UNIT_CHECK("cmd/remote-literal", t46_cmd_parse(7, argv2, &c, &e) == 0 && !c.remote_name[0], "%s",
			   e.msg);
		UNIT_CHECK("cmd/remote-bad", t46_cmd_parse(7, argv3, &c, &e) != 0, "a bad literal was accepted");
		char *argv4[] = {"peer", "refresh"};
		UNIT_CHECK("cmd/refresh", t46_cmd_parse(2, argv4, &c, &e) == 0 && c.verb == T46_V_REFRESH, "%s", e.msg);
		UNIT_PASS("cmd/remote-name-or-literal");
	}

	/* local auto: skip bad flags, stable before temporary, keep the current one */
	{
		struct t46_addr_cand c[] = {
		    {a6("2001:db8::1"), IFA_F_TENTATIVE},  {a6("2001:db8::2"), IFA_F_TEMPORARY},
		    {a6("2001:db8::3"), IFA_F_DEPRECATED}, {a6("2001:db8::4"), 0},
		    {a6("2001:db8::5"), IFA_F_PERMANENT},  {a6("2001:db8::6"), IFA_F_DADFAILED},
		};
		union tun46_addr6 out, cur = a6("2001:db8::5"), tmp = a6("2001:db8::2");

		UNIT_CHECK("local/first-stable", t46_local_pick(c, 6, NULL, &out) == 0 && out.b[15] == 4, "got ::%x",
			   out.b[15]);
		UNIT_CHECK("local/keep-current", t46_local_pick(c, 6, &cur, &out) == 0 && out.b[15] == 5, "got ::%x",
			   out.b[15]);
		UNIT_CHECK("local/stable-over-temporary", t46_local_pick(c, 6, &tmp, &out) == 0 && out.b[15] == 4,
			   "got ::%x", out.b[15]);
		UNIT_CHECK("local/temporary-if-only", t46_local_pick(c, 3, NULL, &out) == 0 && out.b[15] == 2,
			   "got ::%x", out.b[15]);
		UNIT_CHECK("local/none", t46_local_pick(c, 1, NULL, &out) == -ENOENT, "a tentative address was taken");
		UNIT_PASS("local/rule");
	}

	/* several AAAA: keep the current one, else the first */
	{
		struct t46_answer ans = {.addr = {a6("2001:db8::a"), a6("2001:db8::b")}, .n = 2, .ttl = 60};
		union tun46_addr6 b = a6("2001:db8::b"), z = a6("2001:db8::c");

		UNIT_CHECK("answer/keep", t46_answer_pick(&ans, &b)->b[15] == 0xb, "current not kept");
		UNIT_CHECK("answer/first", t46_answer_pick(&ans, &z)->b[15] == 0xa, "not the first");
		UNIT_PASS("answer/pick");
	}

	/* schedule: TTL clamped, failures retried after the floor */
	{
		struct t46_name_rec r = {.ttl = 5, .resolved_at = 1000};

		UNIT_CHECK("due/floor", t46_name_due(&r, 30, 3600) == 1030, "%llu",
			   (unsigned long long)t46_name_due(&r, 30, 3600));
		r.ttl = 86400;
		UNIT_CHECK("due/ceiling", t46_name_due(&r, 30, 3600) == 4600, "%llu",
			   (unsigned long long)t46_name_due(&r, 30, 3600));
		r.failed_at = 2000;
		UNIT_CHECK("due/after-failure", t46_name_due(&r, 30, 3600) == 2030, "%llu",
			   (unsigned long long)t46_name_due(&r, 30, 3600));
	}
	UNIT_PASS("dns/schedule");
	return UNIT_EXIT();
}
