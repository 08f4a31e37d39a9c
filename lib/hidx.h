/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hidx.h — a small open-addressing hash index: 64-bit hash -> int value
 * (an index into the caller's array).  Keys live in the caller's array; the
 * caller compares them with eq().  Used to find peers by name, id and remote
 * among 10,000s without walking them (state.c, plan.c).
 */
#ifndef TUN46_HIDX_H
#define TUN46_HIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hidx {
	uint64_t *hash; /* per slot */
	int32_t *val;	/* per slot; -1 = empty */
	size_t cap, n;	/* cap: power of two */
};

typedef bool (*hidx_eq_fn)(const void *ctx, int32_t val, const void *key);

uint64_t hidx_hash(const void *key, size_t len);
void hidx_free(struct hidx *h);
/* The value whose key eq() says is key; the first inserted one; -1 if none. */
int32_t hidx_find(const struct hidx *h, uint64_t hash, hidx_eq_fn eq, const void *ctx, const void *key);
/* Insert (duplicates allowed: find returns the first).  -ENOMEM or 0. */
int hidx_add(struct hidx *h, uint64_t hash, int32_t val);
/* Replace the value of an existing key, else insert. */
int hidx_set(struct hidx *h, uint64_t hash, hidx_eq_fn eq, const void *ctx, const void *key, int32_t val);

#endif /* TUN46_HIDX_H */
