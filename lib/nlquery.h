/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* nlquery.h — read-only rtnetlink queries (nlquery.c), private to the backend. */
#ifndef TUN46_NLQUERY_H
#define TUN46_NLQUERY_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct nl_linkinfo {
	uint32_t ifindex;
	bool found;
	char name[IF_NAMESIZE];
	bool is_veth;	       /* IFLA_INFO_KIND "veth" */
	uint32_t link;	       /* IFLA_LINK: a veth's peer ifindex (in link_netnsid's namespace if set) */
	bool has_link_netnsid; /* the peer is in another namespace ... */
	int32_t link_netnsid;  /* ... whose id, as our namespace numbers it, is this */
	bool xdp_drv;	       /* a native (driver) XDP program is attached */
};

/* Ask the namespace of the netlink socket fd about one link; -ENODEV if none. */
int nl_link_info_fd(int fd, uint32_t ifindex, struct nl_linkinfo *out);
/* The id fd's namespace gives the namespace ns_fd refers to; -1 if none. */
int nl_nsid_of(int fd, int ns_fd, int32_t *nsid);

#endif /* TUN46_NLQUERY_H */
