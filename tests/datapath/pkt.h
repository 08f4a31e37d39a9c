/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pkt: a small frame builder for the byte-exact datapath tests.
 *
 * Frames are built field by field from the wire format (shared README section
 * 2), independently of the BPF code: Ethernet (+ one 802.1Q tag), IPv4 with any
 * header field and options (checksum computed from scratch), IPv6, the RFC 2473
 * destination options header, UDP/TCP/ICMP payloads.  All multi-byte arguments
 * are in host byte order unless the name says otherwise.
 */
#ifndef TUN46_TEST_PKT_H
#define TUN46_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PKT_MAX 4096

struct pkt {
	size_t len;
	uint8_t b[PKT_MAX];
};

#define ETH_P_IPV4   0x0800
#define ETH_P_IPV6_  0x86dd
#define ETH_P_ARP_   0x0806
#define ETH_P_8021Q_ 0x8100

#define IP4_DF 0x4000
#define IP4_MF 0x2000

/* ECN codepoints (low two bits of TOS / traffic class) */
#define ECN_NOT_ECT 0
#define ECN_ECT1    1
#define ECN_ECT0    2
#define ECN_CE	    3

void pkt_init(struct pkt *p);
/* Append n bytes (data may be NULL: zeros); returns where they went.  Aborts on overflow. */
uint8_t *pkt_put(struct pkt *p, const void *data, size_t n);
void pkt_copy(struct pkt *dst, const struct pkt *src);

/* Ethernet header; vlan_tci < 0: untagged, else one 802.1Q tag with that TCI. */
void pkt_eth(struct pkt *p, const uint8_t dst[6], const uint8_t src[6], int vlan_tci, uint16_t type);

struct ip4 {
	uint8_t tos;
	uint8_t ttl;
	uint8_t proto;
	uint16_t id;
	uint16_t frag; /* flags and fragment offset (IP4_DF, IP4_MF, offset in 8-byte units) */
	uint32_t src;  /* host order */
	uint32_t dst;  /* host order */
	const uint8_t *opts;
	size_t optlen; /* multiple of 4, at most 40 */
};

/* Append an IPv4 header (IHL from optlen, total length = header + l4len,
 * checksum from scratch) followed by the l4 bytes.  Returns the header offset. */
size_t pkt_ip4(struct pkt *p, const struct ip4 *h, const void *l4, size_t l4len);

struct ip6 {
	uint8_t tclass;
	uint32_t flowlabel; /* 20 bits */
	uint16_t plen;	    /* payload length */
	uint8_t nh;
	uint8_t hlim;
	uint8_t src[16];
	uint8_t dst[16];
};

size_t pkt_ip6(struct pkt *p, const struct ip6 *h);
/* RFC 2473 destination options header carrying the Tunnel Encapsulation Limit
 * option: nh, 0, 4, 1, limit, PadN(1, 1, 0) = 8 bytes. */
void pkt_dstopt_encaplimit(struct pkt *p, uint8_t nh, uint8_t limit);

/* L4 segments, appended to p (a bare buffer, not a frame).  The IPv4 source and
 * destination are needed for the pseudo-header checksum. */
void l4_udp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *data, size_t n);
void l4_tcp(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
	    const void *data, size_t n);
void l4_icmp_echo(struct pkt *p, uint16_t ident, uint16_t seq, const void *data, size_t n);
/* ICMPv4: type, code, the 4 bytes after the checksum ('rest': echo id/seq,
 * frag needed's next-hop MTU, ...), then data; checksum over all of it. */
void l4_icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest, const void *data, size_t n);
/* ICMPv6 (RFC 4443): the same layout, checksummed with the IPv6 pseudo-header. */
void l4_icmp6(struct pkt *p, const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint8_t code, uint32_t rest,
	      const void *data, size_t n);

/* A whole IPv4 packet (header + UDP with a patterned payload of paylen bytes). */
void ip4_udp_packet(struct pkt *p, const struct ip4 *h, uint16_t sport, uint16_t dport, size_t paylen);

/* Ones' complement sum helpers */
uint32_t csum_partial(const void *data, size_t n, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
/* Recompute the IPv4 header checksum of hdr (IHL taken from hdr) from scratch. */
void ip4_fix_csum(uint8_t *hdr);
/* True when the IPv4 header at hdr (IHL from hdr, must be readable) sums to 0xffff. */
bool ip4_csum_ok(const uint8_t *hdr);

/* Addresses from text; abort on a typo. */
uint32_t ip4_addr(const char *s); /* host order */
void ip6_addr(uint8_t out[16], const char *s);
void mac_addr(uint8_t out[6], const char *s);

/* Big-endian accessors */
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);

/* Print the first differing offset and both frames (differing bytes marked).
 * Every line starts with "  # " so test runners never mistake it for a result. */
void pkt_hexdiff(FILE *f, const uint8_t *exp, size_t elen, const uint8_t *got, size_t glen);
void pkt_hexdump(FILE *f, const char *label, const uint8_t *b, size_t n);

#endif /* TUN46_TEST_PKT_H */
