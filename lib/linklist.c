/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* linklist.c — the attached interfaces, read from tun46_links (be_link_list). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "be_internal.h"

static int link_cmp(const void *a, const void *b)
{
	const struct be_link *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

int be_link_list(struct be *be, struct be_link **out, size_t *n)
{
	struct be_link *v = NULL, *nv;
	uint32_t key, next;
	void *prev = NULL;
	size_t cnt = 0;
	int fd = be->map_fd[BE_MAP_LINKS];

	*out = NULL;
	*n = 0;
	if (!be->loaded)
		return 0;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		if (bpf_map_lookup_elem(fd, &key, &v[cnt].link))
			continue;
		v[cnt].ifindex = key;
		if (!if_indextoname(key, v[cnt].ifname))
			snprintf(v[cnt].ifname, sizeof(v[cnt].ifname), "if%u", key);
		cnt++;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), link_cmp);
	*out = v;
	*n = cnt;
	return 0;
}
