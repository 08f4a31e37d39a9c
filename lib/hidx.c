// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hidx.c — open-addressing hash index (see hidx.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hidx.h"

uint64_t hidx_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

void hidx_free(struct hidx *h)
{
	free(h->hash);
	free(h->val);
	memset(h, 0, sizeof(*h));
}

int32_t hidx_find(const struct hidx *h, uint64_t hash, hidx_eq_fn eq, const void *ctx, const void *key)
{
	if (!h->cap)
		return -1;
	for (size_t i = hash & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->val[i] < 0)
			return -1;
		if (h->hash[i] == hash && eq(ctx, h->val[i], key))
			return h->val[i];
	}
}

static void put(struct hidx *h, uint64_t hash, int32_t val)
{
	size_t i = hash & (h->cap - 1);

	while (h->val[i] >= 0)
		i = (i + 1) & (h->cap - 1);
	h->hash[i] = hash;
	h->val[i] = val;
	h->n++;
}

static int grow(struct hidx *h)
{
	struct hidx o = *h;
	size_t cap = h->cap ? h->cap * 2 : 64;

	h->hash = malloc(cap * sizeof(*h->hash));
	h->val = malloc(cap * sizeof(*h->val));
	if (!h->hash || !h->val) {
		free(h->hash);
		free(h->val);
		*h = o;
		return -ENOMEM;
	}
	memset(h->val, 0xff, cap * sizeof(*h->val));
	h->cap = cap;
	h->n = 0;
	for (size_t i = 0; i < o.cap; i++) /* in slot order: the first of duplicates stays first */
		if (o.val[i] >= 0)
			put(h, o.hash[i], o.val[i]);
	free(o.hash);
	free(o.val);
	return 0;
}

int hidx_add(struct hidx *h, uint64_t hash, int32_t val)
{
	if ((h->n + 1) * 2 > h->cap && grow(h))
		return -ENOMEM;
	put(h, hash, val);
	return 0;
}

int hidx_set(struct hidx *h, uint64_t hash, hidx_eq_fn eq, const void *ctx, const void *key, int32_t val)
{
	for (size_t i = h->cap ? hash & (h->cap - 1) : 0; h->cap && h->val[i] >= 0; i = (i + 1) & (h->cap - 1)) {
		if (h->hash[i] == hash && eq(ctx, h->val[i], key)) {
			h->val[i] = val;
			return 0;
		}
	}
	return hidx_add(h, hash, val);
}
