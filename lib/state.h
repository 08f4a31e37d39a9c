/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * state.h — an in-memory picture of a tun46 state: links, peers, routes.
 *
 * Used for the desired state read from a config file, the live state read
 * through the backend, and the fake live state of the unit tests.  Pure data:
 * nothing here talks to the kernel.
 */
#ifndef TUN46_STATE_H
#define TUN46_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tun46/tun46.h>

#include "parse.h"

struct st_link {
	char ifname[T46_IFNAMSIZ];
	uint32_t role; /* enum tun46_role */
	uint32_t mode; /* enum tun46_mode */
	int line;      /* config line that defined it, 0 for live state */
};

struct st_peer {
	struct tun46_peer p; /* p.name is the name; TUN46_PEER_F_LOCAL_AUTO: p.local resolved later */
	uint32_t id;	     /* live peer id, 0 when not known */
	int line;
	char remote_name[T46_HOST_LEN]; /* remote given as a DNS name ("" = a literal); p.remote: resolved */
};

struct st_route {
	uint32_t addr; /* network order, host bits zero */
	uint8_t plen;
	uint32_t peer_id;	   /* live state */
	char peer[TUN46_NAME_LEN]; /* peer name */
	int line;
};

struct st_peer_index; /* state.c: peers by name, id and remote (hash), built on first lookup */

struct t46_state {
	struct st_link *links;
	size_t nlinks, clinks;
	struct st_peer *peers;
	size_t npeers, cpeers;
	struct st_route *routes;
	size_t nroutes, croutes;
	struct st_peer_index *pidx; /* owned; a struct copy must set it to NULL (or not free it) */
};

void st_init(struct t46_state *s);
void st_free(struct t46_state *s);

/* Append; return the new entry or NULL when out of memory. */
struct st_link *st_add_link(struct t46_state *s);
struct st_peer *st_add_peer(struct t46_state *s);
struct st_route *st_add_route(struct t46_state *s);

struct st_link *st_find_link(const struct t46_state *s, const char *ifname);
struct st_peer *st_find_peer(const struct t46_state *s, const char *name);
struct st_peer *st_find_peer_id(const struct t46_state *s, uint32_t id);
struct st_peer *st_find_peer_remote(const struct t46_state *s, const union tun46_addr6 *remote);
/* The st_find_peer* index covers peers as they were when first looked up
 * (new peers are added to it on the next lookup); after changing the name,
 * id or remote of a peer already in the state, call st_peers_changed(). */
void st_peers_changed(struct t46_state *s);

/* Sort routes by (addr, plen) (the order of be_route_list) and find one. */
void st_sort_routes(struct t46_state *s);
int st_route_cmp(uint32_t a_addr, uint8_t a_plen, uint32_t b_addr, uint8_t b_plen);
struct st_route *st_find_route(const struct t46_state *s, uint32_t addr, uint8_t plen); /* sorted only */

/* True when two peers have the same datapath settings (name and id aside). */
bool st_peer_equal(const struct tun46_peer *a, const struct tun46_peer *b);

#endif /* TUN46_STATE_H */
