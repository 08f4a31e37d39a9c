// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * localpick.c — the one rule for "local auto" (names.h: t46_local_pick):
 * which of an interface's IPv6 addresses a peer uses.  Base layer: pure, it
 * calls nothing in lib/; nl.c (nl_ipv6_global_addr_keep) uses it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <linux/if_addr.h>
#include "names.h"

int t46_local_pick(const struct t46_addr_cand *c, size_t n, const union tun46_addr6 *current, union tun46_addr6 *out)
{
	const uint32_t bad = IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED;

	/* pass 0: stable addresses, pass 1: temporary ones */
	for (int pass = 0; pass < 2; pass++) {
		const struct t46_addr_cand *first = NULL;

		for (size_t i = 0; i < n; i++) {
			bool temp = c[i].flags & IFA_F_TEMPORARY;

			if ((c[i].flags & bad) || temp != (pass == 1))
				continue;
			if (current && !memcmp(&c[i].addr, current, sizeof(*current))) {
				*out = c[i].addr;
				return 0;
			}
			if (!first)
				first = &c[i];
		}
		if (first) {
			*out = first->addr;
			return 0;
		}
	}
	return -ENOENT;
}
