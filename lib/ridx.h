/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ridx.h — the per-peer route index (lib/ridx.c), private to the backend.
 *
 * Two user-space-only maps pinned next to the datapath's (no BPF program
 * reads them), so that a one-peer change never walks the 1,000,000-entry
 * route trie:
 *   tun46_ridx_count  ARRAY, peer id -> number of routes to that peer;
 *                     entry 0 is the index's state word (RIDX_VALID, or 0
 *                     while a route write is under way or after a failure)
 *   tun46_ridx        HASH (allocated per element), {peer id, chunk} ->
 *                     RIDX_K route keys: the peer's routes, chunk 0 first,
 *                     every chunk full but the last
 * The index is trusted only while the state word says RIDX_VALID: a route
 * write clears it first and sets it again once route map and index agree,
 * so a crash or a failure in between leaves it invalid, and the next writer
 * that needs it rebuilds it from the route map (one walk).  Maps pinned by a
 * tun46 without the index are created (invalid, unless the route map is
 * empty) on first use.
 */
#ifndef TUN46_RIDX_H
#define TUN46_RIDX_H

#include "be_internal.h"

#define RIDX_PIN_COUNT	"tun46_ridx_count"
#define RIDX_PIN_CHUNKS "tun46_ridx"
#define RIDX_K		56	    /* route keys per chunk: a 448-byte value, a 512-byte element */
#define RIDX_VALID	0x52494458u /* "RIDX" */

/* What a route key held before a batch (routes.c's snapshot). */
struct old_route {
	bool existed;
	uint32_t peer_id;
};

/* Before a route batch writes the map: the index goes invalid until
 * ridx_write_end.  0, or -errno (the batch must not run). */
int ridx_write_begin(struct be *be);
/* After the batch: ok = the route map now holds r[] (add: each r[i] with
 * r[i].peer_id; delete: none of r[]) where old[] says what it held before;
 * !ok = the batch failed and the map was put back as it was (restored: every
 * restoring write succeeded).  Updates the index and makes it valid again,
 * or leaves it invalid when it cannot. */
void ridx_write_end(struct be *be, bool ok, bool restored, bool add, const struct be_route *r,
		    const struct old_route *old, size_t n);
/* The routes of one peer (*out malloc'ed, sorted), from the index (rebuilt
 * first when invalid and the state is writable), else from the route map. */
int ridx_peer_routes(struct be *be, uint32_t peer_id, struct be_route **out, size_t *n);
/* How many routes the index holds (one read of tun46_ridx_count); -ENODATA when not valid. */
int ridx_total(struct be *be, size_t *total);
/* Every route from the index, unsorted; -ENODATA when the index is not valid. */
int ridx_list_all(struct be *be, struct be_route **out, size_t *n);
/* Rebuild the index from a full list of the route map (writable states). */
int ridx_rebuild_from(struct be *be, const struct be_route *all, size_t n);
bool ridx_valid(struct be *be);
void ridx_drop(struct be *be); /* close the index maps, free the handle */
/* Does the index match the route map exactly?  0 yes, -EBADMSG no (what
 * differs in msg), -ENODATA when it is not valid (for the tests). */
int ridx_verify(struct be *be, char *msg, size_t len);

#endif /* TUN46_RIDX_H */
