/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nl.c — rtnetlink: kernel routes through the tunnel device (batched: many
 * requests per sendmsg, one ACK per batch, errors reported per request),
 * IPv6 address lookup for "local auto", and link deletion.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include "be_internal.h"
#include "names.h"

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define NL_BATCH   512 /* requests per sendmsg */
#define NL_MSG_MAX 128 /* bytes per route request, rounded */
#define NL_RCVBUF  (4 * 1024 * 1024)

int nl_socket(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int fd, one = 1, rcv = NL_RCVBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void *nl_put_attr(struct nlmsghdr *n, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static size_t route_msg(char *buf, bool add, uint32_t ifindex, const struct nl_route *r, uint32_t seq, bool ack)
{
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	struct rtmsg *rtm;
	uint32_t table = RT_TABLE_MAIN, prio = TUN46_ROUTE_METRIC;

	memset(buf, 0, NL_MSG_MAX);
	n->nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	n->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	n->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0) | (ack ? NLM_F_ACK : 0);
	n->nlmsg_seq = seq;
	rtm = NLMSG_DATA(n);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = TUN46_RTPROT;
	rtm->rtm_scope = add ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	nl_put_attr(n, RTA_DST, &r->addr, 4);
	nl_put_attr(n, RTA_OIF, &ifindex, 4);
	nl_put_attr(n, RTA_TABLE, &table, 4);
	/* Our own metric: a route the admin made for the same prefix (metric 0
	 * by default) is never replaced or deleted by tun46, and wins. */
	nl_put_attr(n, RTA_PRIORITY, &prio, 4);
	if (add && r->mtu) {
		struct rtattr *metrics = nl_put_attr(n, RTA_METRICS, NULL, 0);
		uint32_t mtu = r->mtu;

		nl_put_attr(n, RTAX_MTU, &mtu, 4);
		metrics->rta_len = (char *)n + n->nlmsg_len - (char *)metrics;
	}
	return NLMSG_ALIGN(n->nlmsg_len);
}

/* One recv of replies, again when a signal interrupted it: the length, or -errno. */
static ssize_t nl_recv(int fd, char *buf, size_t size)
{
	ssize_t len;

	do
		len = recv(fd, buf, size, 0);
	while (len < 0 && errno == EINTR);
	return len < 0 ? -errno : len;
}

/* Read replies until the ACK of seq `last`; the first error of a request
 * in [first, last] is stored in *err_seq (ignore_esrch: deleting what
 * is already gone is fine). */
static int nl_wait_ack(int fd, uint32_t last, bool ignore_esrch, uint32_t *err_seq)
{
	char buf[16384];
	int first_err = 0;

	for (;;) {
		ssize_t len = nl_recv(fd, buf, sizeof(buf));
		struct nlmsghdr *n;

		if (len < 0)
			return (int)len;
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, (size_t)len); n = NLMSG_NEXT(n, len)) {
			struct nlmsgerr *e;

			if (n->nlmsg_type != NLMSG_ERROR)
				continue;
			e = NLMSG_DATA(n);
			if (e->error && !(ignore_esrch && (e->error == -ESRCH || e->error == -ENOENT)) && !first_err) {
				first_err = e->error;
				*err_seq = n->nlmsg_seq;
			}
			if (n->nlmsg_seq == last)
				return first_err;
		}
	}
}

int nl_routes(bool add, uint32_t ifindex, const struct nl_route *r, size_t n, size_t *done)
{
	static uint32_t seq_base = 1;
	char *buf;
	size_t i = 0, len;
	int fd, err = 0;

	*done = 0;
	if (n == 0)
		return 0;
	fd = nl_socket();
	if (fd < 0)
		return fd;
	buf = malloc((size_t)NL_BATCH * NL_MSG_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (i < n) {
		size_t end = i + NL_BATCH < n ? i + NL_BATCH : n, j;
		uint32_t first = seq_base, err_seq = 0;

		len = 0;
		for (j = i; j < end; j++)
			len += route_msg(buf + len, add, ifindex, &r[j], seq_base++, j + 1 == end);
		if (send(fd, buf, len, 0) < 0) {
			err = -errno;
			*done = i;
			break;
		}
		err = nl_wait_ack(fd, seq_base - 1, !add, &err_seq);
		if (err) {
			size_t bad = i + (err_seq - first);
			char a[16];

			inet_ntop(AF_INET, &r[bad].addr, a, sizeof(a));
			be_err("cannot %s the kernel route %s/%u through the tunnel device: %s", add ? "add" : "delete",
			       a, r[bad].plen, strerror(-err));
			*done = end; /* requests after the failed one were processed too */
			break;
		}
		i = end;
		*done = i;
	}
	free(buf);
	close(fd);
	return err;
}

/* Send one request on fd and read its replies; cb sees each non-error
 * message. */
int nl_talk_fd(int fd, struct nlmsghdr *req, int (*cb)(struct nlmsghdr *n, void *arg), void *arg)
{
	char buf[32768];
	int err = 0;
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP; /* CREATE|EXCL share bits with DUMP */

	req->nlmsg_seq = 1;
	if (send(fd, req, req->nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = nl_recv(fd, buf, sizeof(buf));
		struct nlmsghdr *n;

		if (len < 0) {
			err = (int)len;
			goto out;
		}
		for (n = (struct nlmsghdr *)buf; NLMSG_OK(n, (size_t)len); n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == NLMSG_DONE)
				goto out;
			if (n->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(n))->error;
				if (err || !dump)
					goto out;
				continue;
			}
			if (cb && !err)
				err = cb(n, arg);
		}
	}
out:
	return err;
}

/* The same on a new socket in the current network namespace. */
static int nl_talk(struct nlmsghdr *req, int (*cb)(struct nlmsghdr *n, void *arg), void *arg)
{
	int fd = nl_socket(), err;

	if (fd < 0)
		return fd;
	err = nl_talk_fd(fd, req, cb, arg);
	close(fd);
	return err;
}

enum { ADDR_CANDS = 64 };
struct addr_walk {
	uint32_t ifindex;
	size_t n;
	struct t46_addr_cand c[ADDR_CANDS];
};

bool nl_addr_parse(const struct nlmsghdr *n, struct nl_addr *a)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(n);
	int len = (int)n->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	size_t size;
	const struct rtattr *rta;

	if (n->nlmsg_type != RTM_NEWADDR || len < 0)
		return false;
	*a = (struct nl_addr){.ifindex = ifa->ifa_index,
			      .family = ifa->ifa_family,
			      .plen = ifa->ifa_prefixlen,
			      .scope = ifa->ifa_scope,
			      .flags = ifa->ifa_flags};
	size = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL && size && RTA_PAYLOAD(rta) == size)
			a->local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS && size && RTA_PAYLOAD(rta) == size)
			a->address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_FLAGS && RTA_PAYLOAD(rta) == 4)
			memcpy(&a->flags, RTA_DATA(rta), 4);
	}
	return true;
}

static int addr_cb(struct nlmsghdr *n, void *arg)
{
	struct addr_walk *w = arg;
	struct nl_addr a;
	const void *mine;

	if (!nl_addr_parse(n, &a) || w->n >= ADDR_CANDS || a.family != AF_INET6 || a.ifindex != w->ifindex ||
	    a.scope != RT_SCOPE_UNIVERSE)
		return 0;
	/* this router's own address: IFA_LOCAL where present (on a
	 * point-to-point address with a peer, IFA_ADDRESS is the far end's) */
	mine = a.local ? a.local : a.address;
	if (!mine)
		return 0;
	memcpy(w->c[w->n].addr.b, mine, 16);
	w->c[w->n++].flags = a.flags;
	return 0;
}

/* The global IPv6 address of ifindex that "local auto" uses (the rule is
 * t46_local_pick, localpick.c), keeping current (may be NULL) when it is still
 * the choice; -ENOENT if none. */
int nl_ipv6_global_addr_keep(uint32_t ifindex, const union tun46_addr6 *current, union tun46_addr6 *out)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa;
	} req = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		  .nlmsg_type = RTM_GETADDR,
		  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
	    .ifa = {.ifa_family = AF_INET6, .ifa_index = ifindex},
	};
	struct addr_walk *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	w->ifindex = ifindex;
	err = nl_talk(&req.n, addr_cb, w);
	if (!err)
		err = t46_local_pick(w->c, w->n, current, out);
	free(w);
	return err;
}

int nl_ipv6_global_addr(uint32_t ifindex, union tun46_addr6 *out)
{
	return nl_ipv6_global_addr_keep(ifindex, NULL, out);
}

int nl_link_del(uint32_t ifindex)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg ifi;
	} req = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		  .nlmsg_type = RTM_DELLINK,
		  .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex},
	};

	return nl_talk(&req.n, NULL, NULL);
}

/* Close a nested attribute opened with nl_put_attr(n, type, NULL, 0). */
static void nl_nest_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)n + n->nlmsg_len - (char *)nest);
}

/* Create a veth pair 'name' <-> 'peer' (both down, default MTU). */
int nl_veth_add(const char *name, const char *peer)
{
	static_assert(sizeof(struct ifinfomsg) % 4 == 0, "netlink alignment");
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct rtattr *linkinfo, *data, *peerinfo;
	struct nlmsghdr *n;
	char *buf;
	int err;

	buf = calloc(1, 512); /* heap: lets the compiler see the real size */
	if (!buf)
		return -ENOMEM;
	n = (struct nlmsghdr *)buf;
	n->nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	n->nlmsg_type = RTM_NEWLINK;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	memcpy(NLMSG_DATA(n), &ifi, sizeof(ifi));
	nl_put_attr(n, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nl_put_attr(n, IFLA_LINKINFO, NULL, 0);
	nl_put_attr(n, IFLA_INFO_KIND, "veth", 4);
	data = nl_put_attr(n, IFLA_INFO_DATA, NULL, 0);
	peerinfo = nl_put_attr(n, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_put_attr(n, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_nest_end(n, peerinfo);
	nl_nest_end(n, data);
	nl_nest_end(n, linkinfo);
	err = nl_talk(n, NULL, NULL);
	free(buf);
	return err;
}
