/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cmd.h — one tun46 command ("OBJECT VERB ARGS...") parsed into typed values
 * before anything is done.  Used for the command line, -batch lines and
 * config file lines alike.
 */
#ifndef TUN46_CMD_H
#define TUN46_CMD_H

#include "parse.h"

enum t46_obj {
	T46_OBJ_NONE = 0,
	T46_OBJ_LINK,
	T46_OBJ_PEER,
	T46_OBJ_ROUTE,
	T46_OBJ_STATS,
	T46_OBJ_CONFIG,
	T46_OBJ_HELP,
};

enum t46_verb {
	T46_V_SHOW = 0,
	T46_V_HELP,
	T46_V_ATTACH,
	T46_V_DETACH,
	T46_V_ADD,
	T46_V_CHANGE,
	T46_V_REPLACE,
	T46_V_DEL,
	T46_V_GET,
	T46_V_FLUSH,
	T46_V_WATCH,
	T46_V_RESET,
	T46_V_CHECK,
	T46_V_APPLY,
	T46_V_PROMETHEUS, /* stats prometheus */
	T46_V_REFRESH,	  /* peer refresh [NAME]: resolve DNS remotes now */
};

/* which peer attributes a command gave (struct t46_cmd.peer_mask) */
#define T46_PK_REMOTE	  (1u << 0)
#define T46_PK_LOCAL	  (1u << 1)
#define T46_PK_HOPLIMIT	  (1u << 2)
#define T46_PK_TCLASS	  (1u << 3)
#define T46_PK_FLOWLABEL  (1u << 4)
#define T46_PK_ENCAPLIMIT (1u << 5)
#define T46_PK_MTU	  (1u << 6)
#define T46_PK_ENCAP	  (1u << 7)
#define T46_PK_KEY	  (1u << 8)

struct t46_cmd {
	enum t46_obj obj;
	enum t46_verb verb;
	/* link: dev IF role R mode M; stats: dev IF */
	bool has_dev;
	char ifname[T46_IFNAMSIZ];
	enum tun46_role role;
	enum tun46_mode mode;
	bool has_mode;
	/* peer NAME (peer verbs), route ... peer NAME, stats/route show peer NAME */
	bool has_name;
	char name[TUN46_NAME_LEN];
	/* peer attributes: values in peer, T46_PK_* in peer_mask */
	struct tun46_peer peer;
	unsigned int peer_mask;
	/* remote given as a DNS name (T46_PK_REMOTE set, peer.remote unresolved); "" for a literal */
	char remote_name[T46_HOST_LEN];
	/* route PREFIX4 / route get ADDR4 (network order) */
	uint32_t addr;
	uint8_t plen;
	/* stats watch (and peer NAME | dev IF above) */
	double interval;
	unsigned int count; /* 0 = until interrupted */
	/* config FILE (points into argv) */
	const char *file;
};

/* Fill p with the defaults of a new peer: hoplimit 64, tclass 0, flowlabel
 * hash, encaplimit none, mtu 1460. */
void t46_peer_defaults(struct tun46_peer *p);
/* Copy the attributes named in mask from src into dst.  When the mtu is not
 * given and dst's mtu was the default for its encapsulation (encap, encaplimit,
 * key: 1460/1452 ip4ip6, 1456/1448 gre, 4 less with a key), it follows the new
 * setting.  encap ip4ip6 drops a GRE key. */
void t46_peer_merge(struct tun46_peer *dst, const struct tun46_peer *src, unsigned int mask);
/* The rules a whole peer must follow (after a merge too): a key only with
 * encap gre, an mtu that fits in an IPv6 packet with the outer headers.
 * Returns 0, or -1 with e filled. */
int t46_peer_check(const struct tun46_peer *p, struct t46_err *e);
/* Once local is known (given, or "auto" resolved): it must differ from
 * remote.  Returns 0, or -1 with e filled. */
int t46_peer_check_local(const struct tun46_peer *p, struct t46_err *e);

/* Parse argv[0..argc-1] = OBJECT [VERB [ARGS...]].  Returns 0, or -1 with e
 * filled (a usage error).  Does nothing else. */
int t46_cmd_parse(int argc, char **argv, struct t46_cmd *c, struct t46_err *e);

/* Unique-prefix match of word against names[0..n-1]; names that map to the
 * same value (aliases) do not make a prefix ambiguous.  Returns the value, -1
 * if none matches, -2 if ambiguous. */
struct t46_word {
	const char *name;
	int value;
};
int t46_match_word(const char *word, const struct t46_word *words, size_t n);

#endif /* TUN46_CMD_H */
