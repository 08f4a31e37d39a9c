/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live.h — the live state through the backend: read it into a struct
 * t46_state, and a struct t46_target that writes through the backend.
 */
#ifndef TUN46_LIVE_H
#define TUN46_LIVE_H

#include "backend.h"
#include "plan.h"
#include "state.h"

/* Read links, peers (with ids) and routes (with peer ids and names, sorted)
 * of the namespace.  Empty when nothing is loaded. */
int t46_live_read(struct be *be, struct t46_state *st);

/* A target whose operations call the backend. */
void t46_live_target(struct be *be, struct t46_target *t);

/* Name of peer id (from be), or "#ID" when it is not configured. */
const char *t46_peer_name(struct be *be, uint32_t id, char *buf, size_t len);

#endif /* TUN46_LIVE_H */
