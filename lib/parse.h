/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * parse.h — tokenizer and typed value parsers for the tun46 command grammar.
 *
 * Nothing here has a side effect: every function turns text into a typed
 * value or fills a struct t46_err that names the offending token and says
 * what would have been accepted.
 */
#ifndef TUN46_PARSE_H
#define TUN46_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tun46/tun46.h>

#define T46_MAX_TOKENS 64    /* words on one command line */
#define T46_MAX_LINE   4096  /* characters of one config/batch line, comment excluded */
#define T46_IFNAMSIZ   16    /* IFNAMSIZ, NUL included */
#define T46_MTU_MIN    576   /* smallest inner IPv4 MTU accepted (RFC 791 minimum datagram) */
#define T46_MTU_MAX    65495 /* 65535 - 40: largest IPv6 payload without jumbograms */

/* An error found while parsing: message and the token it is about. */
struct t46_err {
	int line;	/* config/batch line number (1-based), 0 on the command line */
	int tok;	/* index of the offending token, -1 if none */
	char token[64]; /* the offending token (truncated), "" if none */
	char msg[256];	/* what was wrong and what would be accepted */
};

void t46_err_set(struct t46_err *e, int tok, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Split line into words in place.  Words are separated by blanks (space,
 * tab, CR, LF, VT, FF); a word that starts with '#' begins a comment that
 * runs to the end of the line.  Returns the word count, or -1 (e filled)
 * when there are more than max words. */
int t46_tokenize(char *line, char **argv, int max, struct t46_err *e);

/* Length of line up to (excluding) a comment that starts a word. */
size_t t46_content_len(const char *line, size_t len);

/* Numbers: decimal, or hexadecimal with a 0x prefix.  No sign, no spaces,
 * no trailing garbage, no octal. */
bool t46_parse_u32(const char *s, uint32_t *out);

/* Typed values.  Each returns 0 or -1 with e filled (tok = tok). */
/* An IPv6 tunnel endpoint: refused when t46_addr6_endpoint_problem says why. */
int t46_parse_addr6(const char *s, int tok, union tun46_addr6 *out, struct t46_err *e);
/* A DNS host name (RFC 1123: labels of letters, digits and '-', not starting
 * or ending with '-', 1..63 characters each, 253 in all, an optional final
 * dot; the last label not all digits, so an IPv4 address is not a name). */
#define T46_HOST_LEN 254 /* 253 + NUL */
bool t46_is_hostname(const char *s);
/* remote: an IPv6 literal (into *out, name[0] = 0) or a host name (into
 * name, *out untouched); a literal is always taken as a literal. */
int t46_parse_remote(const char *s, int tok, union tun46_addr6 *out, char name[T46_HOST_LEN], struct t46_err *e);
/* "a link-local address (fe80::/10), ...", "a multicast address (ff00::/8)",
 * unspecified, loopback, IPv4-mapped; NULL for a global unicast address. */
const char *t46_addr6_endpoint_problem(const union tun46_addr6 *a);
int t46_parse_addr4(const char *s, int tok, uint32_t *out, struct t46_err *e);
/* PREFIX4: a.b.c.d/len (0..32) or a bare address (= /32).  Host bits set
 * are refused; the message names the normalised prefix. */
int t46_parse_prefix4(const char *s, int tok, uint32_t *addr, uint8_t *plen, struct t46_err *e);
int t46_parse_peer_name(const char *s, int tok, char out[TUN46_NAME_LEN], struct t46_err *e);
int t46_parse_ifname(const char *s, int tok, char out[T46_IFNAMSIZ], struct t46_err *e);

/* Peer attributes, written into p (flags updated). */
int t46_parse_hoplimit(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);
int t46_parse_tclass(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);
int t46_parse_flowlabel(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);
int t46_parse_encaplimit(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);
int t46_parse_mtu(const char *s, int tok, uint16_t *mtu, struct t46_err *e);
/* encap {ip4ip6|gre}; key {none|0..4294967295} (the GRE key, RFC 2890) */
int t46_parse_encap(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);
int t46_parse_key(const char *s, int tok, struct tun46_peer *p, struct t46_err *e);

int t46_parse_role(const char *s, int tok, enum tun46_role *role, struct t46_err *e);
int t46_parse_mode(const char *s, int tok, enum tun46_mode *mode, struct t46_err *e);
/* Seconds for stats watch: 0.1 .. 3600, decimal with an optional fraction. */
int t46_parse_interval(const char *s, int tok, double *out, struct t46_err *e);

/* Text forms (static buffers are not used: caller passes buf). */
const char *t46_role_name(uint32_t role);
const char *t46_mode_name(uint32_t mode);
const char *t46_fmt_addr6(const union tun46_addr6 *a, char *buf, size_t len);
const char *t46_fmt_prefix4(uint32_t addr, uint8_t plen, char *buf, size_t len);

#endif /* TUN46_PARSE_H */
