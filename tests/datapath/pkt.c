// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pkt: frame builder for the datapath tests (see pkt.h). */
#include "pkt.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "pkt: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	abort();
}

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

void pkt_init(struct pkt *p)
{
	p->len = 0;
	memset(p->b, 0, sizeof(p->b));
}

uint8_t *pkt_put(struct pkt *p, const void *data, size_t n)
{
	uint8_t *at;

	if (n > PKT_MAX - p->len)
		die("frame larger than PKT_MAX", NULL);
	at = p->b + p->len;
	if (data)
		memcpy(at, data, n);
	else
		memset(at, 0, n);
	p->len += n;
	return at;
}

void pkt_copy(struct pkt *dst, const struct pkt *src)
{
	memcpy(dst, src, sizeof(*dst));
}

void pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6], int vlan_tci, uint16_t type)
{
	uint8_t *h;

	pkt_put(p, dst, 6);
	pkt_put(p, src, 6);
	if (vlan_tci >= 0) {
		h = pkt_put(p, NULL, 4);
		put16(h, ETH_P_8021Q_);
		put16(h + 2, (uint16_t)vlan_tci);
	}
	h = pkt_put(p, NULL, 2);
	put16(h, type);
}

uint32_t csum_partial(const void *data, size_t n, uint32_t sum)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	return sum;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void ip4_fix_csum(uint8_t *hdr)
{
	size_t hlen = (size_t)(hdr[0] & 0x0f) * 4;

	put16(hdr + 10, 0);
	put16(hdr + 10, csum_fold(csum_partial(hdr, hlen, 0)));
}

bool ip4_csum_ok(const uint8_t *hdr)
{
	size_t hlen = (size_t)(hdr[0] & 0x0f) * 4;

	return hlen >= 20 && csum_fold(csum_partial(hdr, hlen, 0)) == 0;
}

size_t pkt_ip4(struct pkt *p, const struct ip4 *h, const void *l4, size_t l4len)
{
	size_t off = p->len, hlen = 20 + h->optlen;
	uint8_t *b;

	if (h->optlen % 4 || h->optlen > 40)
		die("IPv4 options must be a multiple of 4 bytes, at most 40", NULL);
	b = pkt_put(p, NULL, hlen);
	b[0] = 0x40 | (uint8_t)(hlen / 4);
	b[1] = h->tos;
	put16(b + 2, (uint16_t)(hlen + l4len));
	put16(b + 4, h->id);
	put16(b + 6, h->frag);
	b[8] = h->ttl;
	b[9] = h->proto;
	put32(b + 12, h->src);
	put32(b + 16, h->dst);
	if (h->optlen)
		memcpy(b + 20, h->opts, h->optlen);
	ip4_fix_csum(b);
	pkt_put(p, l4, l4len);
	return off;
}

size_t pkt_ip6(struct pkt *p, const struct ip6 *h)
{
	size_t off = p->len;
	uint8_t *b = pkt_put(p, NULL, 40);

	put32(b, 6u << 28 | (uint32_t)h->tclass << 20 | (h->flowlabel & 0xfffff));
	put16(b + 4, h->plen);
	b[6] = h->nh;
	b[7] = h->hlim;
	memcpy(b + 8, h->src, 16);
	memcpy(b + 24, h->dst, 16);
	return off;
}

void pkt_dstopt_encaplimit(struct pkt *p, uint8_t nh, uint8_t limit)
{
	const uint8_t opt[8] = {nh, 0, 4, 1, limit, 1, 1, 0};

	pkt_put(p, opt, sizeof(opt));
}

static uint32_t pseudo4(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return csum_partial(ph, sizeof(ph), 0);
}

void l4_udp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	size_t off = p->len;
	uint8_t *h = pkt_put(p, NULL, 8);
	uint16_t c;

	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, (uint16_t)(8 + n));
	pkt_put(p, data, n);
	c = csum_fold(csum_partial(p->b + off, 8 + n, pseudo4(src, dst, 17, 8 + n)));
	put16(p->b + off + 6, c ? c : 0xffff);
}

void l4_tcp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
	    const void *data, size_t n)
{
	size_t off = p->len;
	uint8_t *h = pkt_put(p, NULL, 20);

	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	put32(h + 8, 0);
	h[12] = 5 << 4;
	h[13] = flags;
	put16(h + 14, 65535);
	pkt_put(p, data, n);
	put16(p->b + off + 16, csum_fold(csum_partial(p->b + off, 20 + n, pseudo4(src, dst, 6, 20 + n))));
}

void l4_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest, const void *data, size_t n)
{
	size_t off = p->len;
	uint8_t *h = pkt_put(p, NULL, 8);

	h[0] = type;
	h[1] = code;
	put32(h + 4, rest);
	pkt_put(p, data, n);
	put16(p->b + off + 2, csum_fold(csum_partial(p->b + off, 8 + n, 0)));
}

void l4_icmp_echo(struct pkt *p, uint16_t ident, uint16_t seq, const void *data, size_t n)
{
	l4_icmp(p, 8, 0, (uint32_t)ident << 16 | seq, data, n); /* echo request */
}

void l4_icmp6(struct pkt *p, const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint8_t code, uint32_t rest,
	      const void *data, size_t n)
{
	size_t off = p->len;
	uint8_t ph[40];

	l4_icmp(p, type, code, rest, data, n);
	/* RFC 8200 8.1 pseudo-header: source, destination, upper-layer length, next header 58 */
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	put32(ph + 32, (uint32_t)(8 + n));
	put32(ph + 36, 58);
	put16(p->b + off + 2, 0);
	put16(p->b + off + 2, csum_fold(csum_partial(p->b + off, 8 + n, csum_partial(ph, sizeof(ph), 0))));
}

void ip4_udp_packet(struct pkt *p, const struct ip4 *h, uint16_t sport, uint16_t dport, size_t paylen)
{
	struct pkt l4;
	uint8_t pay[PKT_MAX];
	size_t i;

	if (paylen > sizeof(pay) - 100)
		die("UDP payload too long", NULL);
	for (i = 0; i < paylen; i++)
		pay[i] = (uint8_t)(0xa0 + i * 7);
	pkt_init(&l4);
	l4_udp(&l4, h->src, h->dst, sport, dport, pay, paylen);
	pkt_init(p);
	pkt_ip4(p, h, l4.b, l4.len);
}

uint32_t ip4_addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("bad IPv4 address", s);
	return ntohl(a.s_addr);
}

void ip6_addr(uint8_t out[16], const char *s)
{
	if (inet_pton(AF_INET6, s, out) != 1)
		die("bad IPv6 address", s);
}

void mac_addr(uint8_t out[6], const char *s)
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		die("bad MAC address", s);
	for (i = 0; i < 6; i++)
		out[i] = (uint8_t)m[i];
}

void pkt_hexdump(FILE *f, const char *label, const uint8_t *b, size_t n)
{
	size_t i;

	fprintf(f, "  # %s (%zu bytes)\n", label, n);
	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			fprintf(f, "  #   %04zx:", i);
		fprintf(f, " %02x", b[i]);
		if (i % 16 == 15 || i + 1 == n)
			fprintf(f, "\n");
	}
}

static void diff_row(FILE *f, const char *tag, const uint8_t *b, size_t n, const uint8_t *o, size_t on, size_t row)
{
	size_t i;

	fprintf(f, "  #   %s %04zx:", tag, row);
	for (i = row; i < row + 16 && i < n; i++) {
		bool differs = i >= on || b[i] != o[i];
		fprintf(f, "%c%02x", differs ? '*' : ' ', b[i]);
	}
	fprintf(f, "\n");
}

void pkt_hexdiff(FILE *f, const uint8_t *exp, size_t elen, const uint8_t *got, size_t glen)
{
	size_t first = 0, max = elen > glen ? elen : glen, row;

	while (first < elen && first < glen && exp[first] == got[first])
		first++;
	if (first == elen && first == glen) {
		fprintf(f, "  # frames are identical (%zu bytes)\n", elen);
		return;
	}
	fprintf(f,
		"  # first difference at offset %zu (0x%zx); expected %zu bytes, got %zu; '*' marks differing bytes\n",
		first, first, elen, glen);
	for (row = 0; row < max; row += 16) {
		if (row < elen)
			diff_row(f, "exp", exp, elen, got, glen, row);
		if (row < glen)
			diff_row(f, "got", got, glen, exp, elen, row);
	}
}
