/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * names.h — what must follow the network over time: peers whose remote is a
 * DNS name (AAAA), and "local auto" peers whose WAN address changes.  Used
 * by `tun46 peer add/refresh/show`, `config apply/show` and tun46d alike, so
 * the command and the daemon follow one rule.
 *
 * A peer's DNS name lives with the state, in a user-space-only pinned HASH
 * map <pin dir>/tun46_names (peer id -> struct t46_name_rec) that the
 * library makes when it is first needed (older states stay loadable).  The
 * datapath sees only the resolved address, in the peer's remote.
 */
#ifndef TUN46_NAMES_H
#define TUN46_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "parse.h"

/* Re-resolution interval: the answer's TTL clamped to these bounds (s). */
#define T46_DNS_MIN_INTERVAL 30
#define T46_DNS_MAX_INTERVAL 3600

struct t46_name_rec {
	char name[T46_HOST_LEN]; /* the host name, NUL terminated */
	uint8_t pad[2];
	uint32_t ttl;	      /* TTL of the last answer (s) */
	uint64_t resolved_at; /* Unix time of the last answer, 0 = never */
	uint64_t failed_at;   /* Unix time of the last failed resolution, 0 = never */
	uint64_t resolutions; /* answers received (total) */
	uint64_t failures;    /* failed resolutions (total) */
};

/* The record of peer id: 0, or -ENOENT (no name: the remote is a literal). */
int be_name_get(struct be *be, uint32_t id, struct t46_name_rec *rec);
int be_name_set(struct be *be, uint32_t id, const struct t46_name_rec *rec); /* state opened for writing */
int be_name_del(struct be *be, uint32_t id);				     /* 0 also when there was none */
/* Every record, in id order of the peers; cb returns non-zero to stop. */
int be_name_foreach(struct be *be, int (*cb)(uint32_t id, const struct t46_name_rec *rec, void *arg), void *arg);
/* When the name is next due for resolution (Unix time): the last answer +
 * its TTL clamped to [min_s, max_s]; after a failure, the failure + min_s. */
uint64_t t46_name_due(const struct t46_name_rec *rec, unsigned int min_s, unsigned int max_s);

/* ---- resolution (DNS only, through the servers of /etc/resolv.conf: not
 * /etc/hosts, since a TTL is needed) ---- */
#define T46_ANSWER_MAX 16
struct t46_answer {
	union tun46_addr6 addr[T46_ANSWER_MAX]; /* usable unicast addresses, in answer order */
	size_t n;
	uint32_t ttl; /* the smallest TTL of the AAAA records */
};
/* 0, or a negative errno with why filled: -ENOENT no such name, -ENODATA no
 * usable AAAA record, -EAGAIN no answer (server unreachable, timeout), -EIO. */
int t46_resolve_aaaa(const char *host, struct t46_answer *ans, char *why, size_t len);
/* Several addresses: keep current when it is still among them, else the first. */
const union tun46_addr6 *t46_answer_pick(const struct t46_answer *ans, const union tun46_addr6 *current);

struct t46_refresh {
	char name[T46_HOST_LEN];
	union tun46_addr6 old, now; /* the remote before and after */
	bool changed;
	uint32_t ttl;
	char why[400]; /* on failure */
};
/* Resolve the DNS name of peer id now and move the peer when its address
 * changed (be_peer_set: one map update, the decap index moves with it).
 * The record counts the answer or the failure.  Returns 0, -ENOENT when the
 * peer has no DNS name, or a negative errno (why says what; the peer keeps
 * its last good address). */
int be_peer_refresh(struct be *be, uint32_t id, struct t46_refresh *r);

/* ---- local auto ---- */
/* A candidate WAN address: IFA_F_* flags as rtnetlink reports them. */
struct t46_addr_cand {
	union tun46_addr6 addr;
	uint32_t flags;
};
/* The one rule for "local auto": skip tentative, dadfailed and deprecated
 * addresses; prefer stable ones to temporary (privacy) ones; among the
 * preferred kind keep current when it is there, else take the first.
 * Returns 0 or -ENOENT. */
int t46_local_pick(const struct t46_addr_cand *c, size_t n, const union tun46_addr6 *current, union tun46_addr6 *out);
/* be_local_auto() keeping current (NULL: none) when it is still the rule's choice. */
int be_local_follow(struct be *be, const union tun46_addr6 *remote, const union tun46_addr6 *current,
		    union tun46_addr6 *local);
/* Re-pick the local address of a "local auto" peer and rewrite the peer when
 * it changed.  Returns 1 (changed: *old, *now), 0 (unchanged or not a local
 * auto peer), or a negative errno (message printed, peer unchanged). */
int be_peer_follow_local(struct be *be, uint32_t id, union tun46_addr6 *old, union tun46_addr6 *now);

#endif /* TUN46_NAMES_H */
