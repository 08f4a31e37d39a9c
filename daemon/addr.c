// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* addr.c — "local auto" follows the WAN: rtnetlink IPv6 address events
 * (RTMGRP_IPV6_IFADDR, and link events: a WAN going down or away) wake the
 * daemon, which re-picks the local address of every local auto peer with the
 * library's rule (names.h: t46_local_pick) and rewrites the peers that moved. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "names.h"
#include "tun46d.h"

int d_addr_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV6_IFADDR | RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int rcvbuf = 1 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool d_addr_drain(int fd)
{
	char buf[16384] __attribute__((aligned(4)));
	bool changed = false;
	ssize_t len;

	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == ENOBUFS) { /* events were lost: look at everything again */
				changed = true;
				continue;
			}
			break; /* EAGAIN: drained */
		}
		for (struct nlmsghdr *n = (struct nlmsghdr *)buf; NLMSG_OK(n, (size_t)len); n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == RTM_NEWADDR || n->nlmsg_type == RTM_DELADDR) {
				struct ifaddrmsg *ifa = NLMSG_DATA(n);

				if (ifa->ifa_family == AF_INET6 && ifa->ifa_scope == RT_SCOPE_UNIVERSE)
					changed = true;
			} else if (n->nlmsg_type == RTM_NEWLINK || n->nlmsg_type == RTM_DELLINK) {
				changed = true; /* cheap: the rule reads the addresses again */
			}
		}
	}
	return changed;
}

struct auto_ids {
	uint32_t *id;
	size_t n, cap;
};

static int collect_auto(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct auto_ids *a = arg;

	if (!(p->flags & TUN46_PEER_F_LOCAL_AUTO))
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		uint32_t *n = realloc(a->id, cap * sizeof(*n));

		if (!n)
			return -1;
		a->id = n;
		a->cap = cap;
	}
	a->id[a->n++] = id;
	return 0;
}

void d_addr_follow(void)
{
	struct auto_ids a = {0};
	struct be *be;

	be = d_be_open(false); /* most events move nothing: look first under the shared lock */
	if (!be)
		return;
	if (be_loaded(be))
		be_peer_foreach(be, collect_auto, &a);
	if (a.n) {
		bool any = false;

		for (size_t i = 0; i < a.n && !any; i++) {
			struct tun46_peer p;
			union tun46_addr6 l;

			any = be_peer_get(be, a.id[i], &p) == 0 &&
			      (be_local_follow(be, &p.remote, &p.local, &l) != 0 || memcmp(&l, &p.local, sizeof(l)));
		}
		be_close(be);
		be = any ? d_be_open(true) : NULL;
	}
	for (size_t i = 0; be && i < a.n; i++) {
		union tun46_addr6 old, now;
		struct tun46_peer p;
		char o[INET6_ADDRSTRLEN], w[INET6_ADDRSTRLEN];
		int r = be_peer_follow_local(be, a.id[i], &old, &now);

		if (r == -ENOENT) {
			if (be_peer_get(be, a.id[i], &p) == 0)
				d_log("peer %s: no usable WAN address now; keeping its local address", p.name);
			continue;
		}
		if (r <= 0 || be_peer_get(be, a.id[i], &p))
			continue;
		p.name[TUN46_NAME_LEN - 1] = '\0';
		inet_ntop(AF_INET6, old.b, o, sizeof(o));
		inet_ntop(AF_INET6, now.b, w, sizeof(w));
		d_cnt.local_changes++;
		d_log("peer %s: local %s -> %s (WAN address changed)", p.name, o, w);
		d_hook_run("local", p.name, o, w, NULL);
	}
	if (be)
		be_close(be);
	free(a.id);
}
