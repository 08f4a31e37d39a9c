// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* parse.c — tokenizer and typed value parsers (no side effects). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

void t46_err_set(struct t46_err *e, int tok, const char *token, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->tok = tok;
	snprintf(e->token, sizeof(e->token), "%s", token ? token : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int t46_tokenize(char *line, char **argv, int max, struct t46_err *e)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n >= max) {
			t46_err_set(e, n, p, "too many words on one line (at most %d)", max);
			return -1;
		}
		argv[n++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

size_t t46_content_len(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '#' && (i == 0 || is_blank(line[i - 1])))
			return i;
	}
	return len;
}

bool t46_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	int base = 10;
	const char *p = s;

	if (!s || !*s)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return false;
	} else if (p[0] == '0' && p[1]) {
		return false; /* no octal, no leading zeros */
	}
	for (; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		v = v * base + d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* What is wrong with an address as a tunnel endpoint (a phrase for a
 * message), or NULL when it is a usable global unicast address.  The one
 * home of this rule: the parser and lib/sanity.c use it. */
const char *t46_addr6_endpoint_problem(const union tun46_addr6 *a)
{
	static const uint8_t zero[16], loop[16] = {[15] = 1}, mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (!memcmp(a->b, zero, 16))
		return "the unspecified address";
	if (!memcmp(a->b, loop, 16))
		return "the loopback address";
	if (a->b[0] == 0xff)
		return "a multicast address (ff00::/8)";
	if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
		return "a link-local address (fe80::/10), valid on one link only";
	if (!memcmp(a->b, mapped, 12))
		return "an IPv4-mapped address (::ffff:0:0/96)";
	return NULL;
}

int t46_parse_addr6(const char *s, int tok, union tun46_addr6 *out, struct t46_err *e)
{
	union tun46_addr6 a;

	if (strlen(s) >= INET6_ADDRSTRLEN || inet_pton(AF_INET6, s, a.b) != 1) {
		t46_err_set(e, tok, s, "\"%s\" is not an IPv6 address (example: 2001:db8::1)", s);
		return -1;
	}
	const char *why = t46_addr6_endpoint_problem(&a);

	if (why) {
		t46_err_set(e, tok, s, "\"%s\" is %s; a tunnel endpoint needs a global unicast IPv6 address", s, why);
		return -1;
	}
	*out = a;
	return 0;
}

int t46_parse_addr4(const char *s, int tok, uint32_t *out, struct t46_err *e)
{
	struct in_addr a;

	if (strlen(s) >= INET_ADDRSTRLEN || inet_pton(AF_INET, s, &a) != 1) {
		t46_err_set(e, tok, s, "\"%s\" is not an IPv4 address (example: 192.168.2.1)", s);
		return -1;
	}
	*out = a.s_addr;
	return 0;
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

int t46_parse_prefix4(const char *s, int tok, uint32_t *addr, uint8_t *plen, struct t46_err *e)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t a, len = 32;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr ia;

	if (alen >= INET_ADDRSTRLEN) {
		t46_err_set(e, tok, s, "\"%s\" is not an IPv4 prefix (example: 192.168.2.0/24)", s);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &ia) != 1) {
		t46_err_set(e, tok, s, "\"%s\" is not an IPv4 prefix (example: 192.168.2.0/24)", s);
		return -1;
	}
	a = ia.s_addr;
	if (slash && (!t46_parse_u32(slash + 1, &len) || len > 32 || (slash[1] == '0' && slash[2]))) {
		t46_err_set(e, tok, s, "\"%s\": prefix length must be 0..32", s);
		return -1;
	}
	if (a & ~plen_mask(len)) {
		char norm[32];

		t46_fmt_prefix4(a & plen_mask(len), len, norm, sizeof(norm));
		t46_err_set(e, tok, s, "\"%s\" has host bits set; write the network prefix %s", s, norm);
		return -1;
	}
	*addr = a;
	*plen = len;
	return 0;
}

int t46_parse_peer_name(const char *s, int tok, char out[TUN46_NAME_LEN], struct t46_err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TUN46_NAME_LEN) {
		t46_err_set(e, tok, s, "peer name \"%.40s\" must be 1..%d characters", s, TUN46_NAME_LEN - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-')) {
			t46_err_set(e, tok, s, "peer name \"%s\" may hold only letters, digits, '_', '.' and '-'", s);
			return -1;
		}
	}
	memcpy(out, s, n + 1);
	return 0;
}

int t46_parse_ifname(const char *s, int tok, char out[T46_IFNAMSIZ], struct t46_err *e)
{
	size_t n = strlen(s);

	if (n == 0 || n >= T46_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, "..")) {
		t46_err_set(e, tok, s, "\"%.40s\" is not an interface name (1..%d characters)", s, T46_IFNAMSIZ - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f) {
			t46_err_set(e, tok, s, "\"%s\" is not an interface name (no '/', ':' or blanks)", s);
			return -1;
		}
	}
	memcpy(out, s, n + 1);
	return 0;
}

int t46_parse_hoplimit(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	uint32_t v;

	if (!strcmp(s, "inherit")) {
		p->flags |= TUN46_PEER_F_HOPLIMIT_INHERIT;
		p->hoplimit = TUN46_DEFAULT_HOPLIMIT;
		return 0;
	}
	if (!t46_parse_u32(s, &v) || v < 1 || v > 255) {
		t46_err_set(e, tok, s, "hoplimit must be 1..255 or inherit, not \"%s\"", s);
		return -1;
	}
	p->flags &= ~TUN46_PEER_F_HOPLIMIT_INHERIT;
	p->hoplimit = v;
	return 0;
}

int t46_parse_tclass(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	uint32_t v;

	if (!strcmp(s, "inherit")) {
		p->flags |= TUN46_PEER_F_TCLASS_INHERIT;
		p->tclass = 0;
		return 0;
	}
	if (!t46_parse_u32(s, &v) || v > 0xff) {
		t46_err_set(e, tok, s, "tclass must be 0x00..0xff or inherit, not \"%s\"", s);
		return -1;
	}
	p->flags &= ~TUN46_PEER_F_TCLASS_INHERIT;
	p->tclass = v;
	return 0;
}

int t46_parse_flowlabel(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	uint32_t v;

	if (!strcmp(s, "hash")) {
		p->flags &= ~TUN46_PEER_F_FLOWLABEL_FIXED;
		p->flowlabel = 0;
		return 0;
	}
	if (!t46_parse_u32(s, &v) || v > 0xfffff) {
		t46_err_set(e, tok, s, "flowlabel must be hash or 0..0xfffff, not \"%s\"", s);
		return -1;
	}
	p->flags |= TUN46_PEER_F_FLOWLABEL_FIXED;
	p->flowlabel = v;
	return 0;
}

int t46_parse_encaplimit(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	uint32_t v;

	if (!strcmp(s, "none")) {
		p->flags &= ~TUN46_PEER_F_ENCAPLIMIT;
		p->encaplimit = 0;
		return 0;
	}
	if (!t46_parse_u32(s, &v) || v > 255) {
		t46_err_set(e, tok, s, "encaplimit must be none or 0..255, not \"%s\"", s);
		return -1;
	}
	p->flags |= TUN46_PEER_F_ENCAPLIMIT;
	p->encaplimit = v;
	return 0;
}

int t46_parse_encap(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	if (!strcmp(s, "gre")) {
		p->flags |= TUN46_PEER_F_GRE;
		return 0;
	}
	if (!strcmp(s, "ip4ip6")) {
		p->flags &= ~TUN46_PEER_F_GRE;
		return 0;
	}
	t46_err_set(e, tok, s, "encap must be ip4ip6 or gre, not \"%s\"", s);
	return -1;
}

int t46_parse_key(const char *s, int tok, struct tun46_peer *p, struct t46_err *e)
{
	uint32_t v;

	if (!strcmp(s, "none")) {
		p->flags &= ~TUN46_PEER_F_GRE_KEY;
		p->key = 0;
		return 0;
	}
	if (strchr(s, '.')) { /* dotted quad, as ip(8) accepts it */
		struct in_addr a;

		if (inet_pton(AF_INET, s, &a) != 1) {
			t46_err_set(e, tok, s, "key must be none, 0..4294967295 or A.B.C.D, not \"%s\"", s);
			return -1;
		}
		v = ntohl(a.s_addr);
	} else if (!t46_parse_u32(s, &v)) {
		t46_err_set(e, tok, s, "key must be none, 0..4294967295 or A.B.C.D, not \"%s\"", s);
		return -1;
	}
	p->flags |= TUN46_PEER_F_GRE_KEY;
	p->key = v;
	return 0;
}

int t46_parse_mtu(const char *s, int tok, uint16_t *mtu, struct t46_err *e)
{
	uint32_t v;

	if (!t46_parse_u32(s, &v) || v < T46_MTU_MIN || v > T46_MTU_MAX) {
		t46_err_set(e, tok, s, "mtu must be %d..%d, not \"%s\"", T46_MTU_MIN, T46_MTU_MAX, s);
		return -1;
	}
	*mtu = v;
	return 0;
}

/* The names of roles and modes, in one place: parsing and printing use them. */
static const char *const role_names[] = {
    [TUN46_ROLE_LAN] = "lan", [TUN46_ROLE_WAN] = "wan", [TUN46_ROLE_TUNDEV] = "tundev"};
static const char *const mode_names[] = {
    [TUN46_MODE_XDP] = "xdp", [TUN46_MODE_XDP_GENERIC] = "xdp-generic", [TUN46_MODE_TC] = "tc"};
#define NAME_OF(tab, v) ((v) < sizeof(tab) / sizeof(tab[0]) && tab[v] ? tab[v] : NULL)

int t46_parse_role(const char *s, int tok, enum tun46_role *role, struct t46_err *e)
{
	static const enum tun46_role can[] = {TUN46_ROLE_LAN, TUN46_ROLE_WAN}; /* tundev is tun46's own */

	for (size_t i = 0; i < sizeof(can) / sizeof(can[0]); i++) {
		if (!strcmp(s, role_names[can[i]])) {
			*role = can[i];
			return 0;
		}
	}
	t46_err_set(e, tok, s, "role must be %s or %s, not \"%s\"", role_names[TUN46_ROLE_LAN],
		    role_names[TUN46_ROLE_WAN], s);
	return -1;
}

int t46_parse_mode(const char *s, int tok, enum tun46_mode *mode, struct t46_err *e)
{
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++) {
		if (mode_names[m] && !strcmp(s, mode_names[m])) {
			*mode = (enum tun46_mode)m;
			return 0;
		}
	}
	t46_err_set(e, tok, s, "mode must be %s, %s or %s, not \"%s\"", mode_names[TUN46_MODE_XDP],
		    mode_names[TUN46_MODE_XDP_GENERIC], mode_names[TUN46_MODE_TC], s);
	return -1;
}

int t46_parse_interval(const char *s, int tok, double *out, struct t46_err *e)
{
	char *end;
	double v;

	if (!*s || !((*s >= '0' && *s <= '9') || *s == '.'))
		goto bad;
	v = strtod(s, &end);
	if (*end || !(v >= 0.1 && v <= 3600))
		goto bad;
	*out = v;
	return 0;
bad:
	t46_err_set(e, tok, s, "interval must be 0.1..3600 seconds, not \"%s\"", s);
	return -1;
}

const char *t46_role_name(uint32_t role)
{
	const char *n = NAME_OF(role_names, role);

	return n ? n : "none";
}

const char *t46_mode_name(uint32_t mode)
{
	const char *n = NAME_OF(mode_names, mode);

	return n ? n : "unknown";
}

const char *t46_fmt_addr6(const union tun46_addr6 *a, char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a->b, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *t46_fmt_prefix4(uint32_t addr, uint8_t plen, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, plen);
	return buf;
}
