/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nlquery.c — read-only rtnetlink queries: a link's kind, veth peer and XDP
 * state (for the veth far-end check, portcheck.c), a namespace's id as seen
 * from ours, and whether a device carries addresses or routes of the
 * administrator's (tundev_repair).  Each query takes the socket to use, so
 * that a socket opened in another namespace answers about that namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include "be_internal.h"
#include "nlquery.h"

/* ---- one link ---- */

static void parse_linkinfo(struct rtattr *li, struct nl_linkinfo *out)
{
	int len = RTA_PAYLOAD(li);
	struct rtattr *a;

	for (a = RTA_DATA(li); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND && RTA_PAYLOAD(a) >= 4 && !strncmp(RTA_DATA(a), "veth", 5))
			out->is_veth = true;
}

static void parse_xdp(struct rtattr *x, struct nl_linkinfo *out)
{
	int len = RTA_PAYLOAD(x);
	struct rtattr *a;

	for (a = RTA_DATA(x); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_XDP_ATTACHED && RTA_PAYLOAD(a) >= 1 &&
		    *(uint8_t *)RTA_DATA(a) == XDP_ATTACHED_DRV)
			out->xdp_drv = true;
		else if (a->rta_type == IFLA_XDP_DRV_PROG_ID && RTA_PAYLOAD(a) == 4 && *(uint32_t *)RTA_DATA(a))
			out->xdp_drv = true;
	}
}

static int link_cb(struct nlmsghdr *n, void *arg)
{
	struct nl_linkinfo *out = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *a;

	if (n->nlmsg_type != RTM_NEWLINK || (uint32_t)ifi->ifi_index != out->ifindex)
		return 0;
	out->found = true;
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(out->name, sizeof(out->name), "%.*s", (int)RTA_PAYLOAD(a), (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			if (RTA_PAYLOAD(a) == 4)
				memcpy(&out->link, RTA_DATA(a), 4);
			break;
		case IFLA_LINK_NETNSID:
			if (RTA_PAYLOAD(a) == 4) {
				memcpy(&out->link_netnsid, RTA_DATA(a), 4);
				out->has_link_netnsid = true;
			}
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, out);
			break;
		case IFLA_XDP:
			parse_xdp(a, out);
			break;
		}
	}
	return 0;
}

int nl_link_info_fd(int fd, uint32_t ifindex, struct nl_linkinfo *out)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg ifi;
	} req = {
	    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		  .nlmsg_type = RTM_GETLINK,
		  .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)ifindex},
	};
	int err;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	err = nl_talk_fd(fd, &req.n, link_cb, out);
	if (!err && !out->found)
		err = -ENODEV;
	return err;
}

/* ---- the id our namespace gives another one (RTM_GETNSID by fd) ---- */

static int nsid_cb(struct nlmsghdr *n, void *arg)
{
	struct rtgenmsg *g = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*g)));
	struct rtattr *a;

	if (n->nlmsg_type != RTM_NEWNSID)
		return 0;
	for (a = (struct rtattr *)((char *)g + NLMSG_ALIGN(sizeof(*g))); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == NETNSA_NSID && RTA_PAYLOAD(a) == 4)
			memcpy(arg, RTA_DATA(a), 4);
	return 0;
}

int nl_nsid_of(int fd, int ns_fd, int32_t *nsid)
{
	char buf[NLMSG_SPACE(sizeof(struct rtgenmsg)) + RTA_SPACE(4)] __attribute__((aligned(4))) = {0};
	struct nlmsghdr *n = (struct nlmsghdr *)buf;
	uint32_t v = (uint32_t)ns_fd;

	n->nlmsg_len = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	n->nlmsg_type = RTM_GETNSID;
	n->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	((struct rtgenmsg *)NLMSG_DATA(n))->rtgen_family = AF_UNSPEC;
	nl_put_attr(n, NETNSA_FD, &v, 4);
	*nsid = -1;
	return nl_talk_fd(fd, n, nsid_cb, nsid);
}

/* ---- does a device carry configuration of the administrator's? ---- */

struct foreign_walk {
	uint32_t ifindex;
	bool found;
};

static int addr_cb(struct nlmsghdr *n, void *arg)
{
	struct foreign_walk *w = arg;
	struct nl_addr a;

	if (nl_addr_parse(n, &a) && a.ifindex == w->ifindex && a.scope != RT_SCOPE_LINK)
		w->found = true;
	return 0;
}

static bool nexthops_use(struct rtattr *mp, uint32_t ifindex)
{
	int len = RTA_PAYLOAD(mp);
	struct rtnexthop *nh = RTA_DATA(mp);

	while (len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= len) {
		if ((uint32_t)nh->rtnh_ifindex == ifindex)
			return true;
		len -= NLMSG_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return false;
}

static int route_cb(struct nlmsghdr *n, void *arg)
{
	struct foreign_walk *w = arg;
	struct rtmsg *rtm = NLMSG_DATA(n);
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm));
	struct rtattr *a;
	bool uses = false;

	/* tun46's own routes, and the kernel's (which follow addresses, checked apart) */
	if (n->nlmsg_type != RTM_NEWROUTE || rtm->rtm_protocol == TUN46_RTPROT || rtm->rtm_protocol == RTPROT_KERNEL)
		return 0;
	for (a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == 4 && *(uint32_t *)RTA_DATA(a) == w->ifindex)
			uses = true;
		else if (a->rta_type == RTA_MULTIPATH && nexthops_use(a, w->ifindex))
			uses = true;
	}
	if (uses)
		w->found = true;
	return 0;
}

int nl_dev_foreign_config(uint32_t ifindex)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	struct foreign_walk w = {.ifindex = ifindex};
	int fd, err = 0;
	size_t i;

	fd = nl_socket();
	if (fd < 0)
		return fd;
	for (i = 0; !err && !w.found && i < sizeof(families); i++) {
		struct {
			struct nlmsghdr n;
			struct ifaddrmsg ifa;
		} areq = {
		    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
			  .nlmsg_type = RTM_GETADDR,
			  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		    .ifa = {.ifa_family = families[i]},
		};
		struct {
			struct nlmsghdr n;
			struct rtmsg rtm;
		} rreq = {
		    .n = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			  .nlmsg_type = RTM_GETROUTE,
			  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		    .rtm = {.rtm_family = families[i]},
		};

		err = nl_talk_fd(fd, &areq.n, addr_cb, &w);
		if (!err && !w.found)
			err = nl_talk_fd(fd, &rreq.n, route_cb, &w);
	}
	close(fd);
	return err ? err : w.found;
}
