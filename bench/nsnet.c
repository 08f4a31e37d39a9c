// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nsnet: the few iproute2/ethtool operations the bench's scaling test needs,
 * over rtnetlink and the ethtool ioctl, so that `make bench SCALE=1` runs on
 * a machine without the `ip` and `ethtool` binaries.  Named network
 * namespaces are bind mounts under /run/netns, as `ip netns` makes them (the
 * two interoperate).
 *
 *   nsnet add NS                      create a named network namespace
 *   nsnet del NS                      remove it
 *   nsnet exec NS CMD [ARG...]        run CMD in it (own mount namespace, its /sys)
 * and, run inside a namespace (nsnet exec NS nsnet ...):
 *   nsnet veth IF PEER PEERNS QUEUES  veth pair with QUEUES rx/tx queues on each end,
 *                                     PEER moved to namespace PEERNS
 *   nsnet up IF [MTU]                 set IF up (and its MTU)
 *   nsnet addr IF ADDR/PLEN           add an IPv4 or IPv6 address (no DAD)
 *   nsnet route DST/PLEN GW IF        add a route via GW out of IF
 *   nsnet neigh ADDR MAC IF           add a permanent neighbour
 *   nsnet mac IF                      print IF's MAC address
 *   nsnet gro IF on|off               GRO (ethtool -K IF gro on|off)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include "xdpq.h"

#define NETNS_DIR "/run/netns"

struct req {
	struct nlmsghdr n;
	char buf[1024];
};

static struct rtattr *put(struct nlmsghdr *n, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nest_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)n + n->nlmsg_len - (char *)nest);
}

/* Send one request, wait for its ACK; 0 or -errno. */
static int talk(struct nlmsghdr *n)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), err = -EIO;
	ssize_t len;

	if (fd < 0)
		return -errno;
	n->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	n->nlmsg_seq = 1;
	if (sendto(fd, n, n->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	len = recv(fd, buf, sizeof(buf), 0);
	if (len < 0) {
		err = -errno;
		goto out;
	}
	for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			break;
		}
	}
out:
	close(fd);
	return err;
}

static void init(struct req *r, int type, int flags, const void *hdr, size_t hlen)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(hlen);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = flags;
	memcpy(NLMSG_DATA(&r->n), hdr, hlen);
}

static unsigned int ifindex_of(const char *name)
{
	unsigned int i = if_nametoindex(name);

	if (!i)
		fprintf(stderr, "nsnet: no interface %s here\n", name);
	return i;
}

/* "a.b.c.d" or IPv6 text -> family, address bytes; -1 if neither. */
static int parse_addr(const char *s, unsigned char *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	fprintf(stderr, "nsnet: bad address %s\n", s);
	return -1;
}

static int parse_prefix(const char *s, unsigned char *a, int *plen)
{
	char tmp[64];
	char *slash;
	int fam;

	snprintf(tmp, sizeof(tmp), "%s", s);
	slash = strchr(tmp, '/');
	if (slash)
		*slash = 0;
	fam = parse_addr(tmp, a);
	if (fam < 0)
		return -1;
	*plen = slash ? atoi(slash + 1) : (fam == AF_INET ? 32 : 128);
	return fam;
}

static int cmd_veth(char **a)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	__u32 q = strtoul(a[3], NULL, 0);
	struct rtattr *li, *data, *peer;
	struct req r;
	int nsfd, err;
	char path[256];

	snprintf(path, sizeof(path), NETNS_DIR "/%s", a[2]);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		fprintf(stderr, "nsnet: no namespace %s: %s\n", a[2], strerror(errno));
		return 1;
	}
	init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	put(&r.n, IFLA_IFNAME, a[0], strlen(a[0]) + 1);
	put(&r.n, IFLA_NUM_TX_QUEUES, &q, sizeof(q));
	put(&r.n, IFLA_NUM_RX_QUEUES, &q, sizeof(q));
	li = put(&r.n, IFLA_LINKINFO, NULL, 0);
	put(&r.n, IFLA_INFO_KIND, "veth", 4);
	data = put(&r.n, IFLA_INFO_DATA, NULL, 0);
	peer = put(&r.n, VETH_INFO_PEER, &ifi, sizeof(ifi));
	put(&r.n, IFLA_IFNAME, a[1], strlen(a[1]) + 1);
	put(&r.n, IFLA_NUM_TX_QUEUES, &q, sizeof(q));
	put(&r.n, IFLA_NUM_RX_QUEUES, &q, sizeof(q));
	put(&r.n, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	nest_end(&r.n, peer);
	nest_end(&r.n, data);
	nest_end(&r.n, li);
	err = talk(&r.n);
	close(nsfd);
	if (err)
		fprintf(stderr, "nsnet: veth %s/%s: %s\n", a[0], a[1], strerror(-err));
	return !!err;
}

static int cmd_up(char **a, int n)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct req r;
	int err;

	ifi.ifi_index = (int)ifindex_of(a[0]);
	if (!ifi.ifi_index)
		return 1;
	init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (n > 1) {
		__u32 mtu = strtoul(a[1], NULL, 0);

		put(&r.n, IFLA_MTU, &mtu, sizeof(mtu));
	}
	err = talk(&r.n);
	if (err)
		fprintf(stderr, "nsnet: up %s: %s\n", a[0], strerror(-err));
	return !!err;
}

static int cmd_addr(char **a)
{
	struct ifaddrmsg ifa = {.ifa_flags = IFA_F_NODAD | IFA_F_PERMANENT};
	unsigned char addr[16];
	struct req r;
	int plen, fam, err;

	ifa.ifa_index = ifindex_of(a[0]);
	fam = parse_prefix(a[1], addr, &plen);
	if (!ifa.ifa_index || fam < 0)
		return 1;
	ifa.ifa_family = fam;
	ifa.ifa_prefixlen = plen;
	init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	put(&r.n, IFA_LOCAL, addr, fam == AF_INET ? 4 : 16);
	put(&r.n, IFA_ADDRESS, addr, fam == AF_INET ? 4 : 16);
	err = talk(&r.n);
	if (err)
		fprintf(stderr, "nsnet: addr %s %s: %s\n", a[0], a[1], strerror(-err));
	return !!err;
}

static int cmd_route(char **a)
{
	struct rtmsg rtm = {.rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST};
	unsigned char dst[16], gw[16];
	__u32 oif = ifindex_of(a[2]);
	struct req r;
	int plen, fam, err;

	fam = parse_prefix(a[0], dst, &plen);
	if (!oif || fam < 0 || parse_addr(a[1], gw) != fam)
		return 1;
	rtm.rtm_family = fam;
	rtm.rtm_dst_len = plen;
	init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rtm, sizeof(rtm));
	put(&r.n, RTA_DST, dst, fam == AF_INET ? 4 : 16);
	put(&r.n, RTA_GATEWAY, gw, fam == AF_INET ? 4 : 16);
	put(&r.n, RTA_OIF, &oif, sizeof(oif));
	err = talk(&r.n);
	if (err)
		fprintf(stderr, "nsnet: route %s via %s: %s\n", a[0], a[1], strerror(-err));
	return !!err;
}

static int cmd_neigh(char **a)
{
	struct ndmsg nd = {.ndm_state = NUD_PERMANENT};
	unsigned char addr[16], mac[6];
	unsigned int b[6];
	struct req r;
	int fam, err;

	nd.ndm_ifindex = (int)ifindex_of(a[2]);
	fam = parse_addr(a[0], addr);
	if (!nd.ndm_ifindex || fam < 0)
		return 1;
	if (sscanf(a[1], "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
		fprintf(stderr, "nsnet: bad MAC %s\n", a[1]);
		return 1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
	nd.ndm_family = fam;
	init(&r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, &nd, sizeof(nd));
	put(&r.n, NDA_DST, addr, fam == AF_INET ? 4 : 16);
	put(&r.n, NDA_LLADDR, mac, 6);
	err = talk(&r.n);
	if (err)
		fprintf(stderr, "nsnet: neigh %s: %s\n", a[0], strerror(-err));
	return !!err;
}

static int cmd_mac(char **a)
{
	unsigned char m[6];

	if (if_mac(a[0], m)) {
		fprintf(stderr, "nsnet: cannot read %s's MAC\n", a[0]);
		return 1;
	}
	printf("%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

static int cmd_gro(char **a)
{
	struct ethtool_value ev = {.cmd = ETHTOOL_SGRO, .data = !strcmp(a[1], "on")};
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return 1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a[0]);
	ifr.ifr_data = (void *)&ev;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (rc)
		fprintf(stderr, "nsnet: gro %s: %s\n", a[0], strerror(errno));
	return !!rc;
}

static int cmd_add(const char *ns)
{
	char path[256];
	int fd;

	mkdir(NETNS_DIR, 0755);
	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	if (fd < 0) {
		fprintf(stderr, "nsnet: cannot create %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	if (unshare(CLONE_NEWNET) || mount("/proc/self/ns/net", path, "none", MS_BIND, NULL)) {
		fprintf(stderr, "nsnet: cannot create namespace %s: %s\n", ns, strerror(errno));
		unlink(path);
		return 1;
	}
	return 0;
}

static int cmd_del(const char *ns)
{
	char path[256];

	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	umount2(path, MNT_DETACH);
	return unlink(path) ? 1 : 0;
}

static int cmd_exec(const char *ns, char **argv)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nsnet: cannot enter namespace %s: %s\n", ns, strerror(errno));
		return 1;
	}
	close(fd);
	/* its own /sys, as ip netns exec: /sys/class/net shows this namespace */
	if (!unshare(CLONE_NEWNS) && !mount("", "/", "none", MS_SLAVE | MS_REC, NULL)) {
		umount2("/sys", MNT_DETACH);
		mount(ns, "/sys", "sysfs", 0, NULL);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "nsnet: cannot run %s: %s\n", argv[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int args;
	} cmds[] = {{"add", 1},	 {"del", 1},   {"exec", 2},  {"veth", 4}, {"up", 1},
		    {"addr", 2}, {"route", 3}, {"neigh", 3}, {"mac", 1},  {"gro", 2}};
	const char *c = argc > 1 ? argv[1] : "";
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(c, cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]) || argc - 2 < cmds[i].args) {
		fprintf(stderr,
			"usage: nsnet {add NS | del NS | exec NS CMD... | veth IF PEER PEERNS QUEUES | up IF [MTU]\n"
			"             | addr IF ADDR/PLEN | route DST/PLEN GW IF | neigh ADDR MAC IF | mac IF | gro IF "
			"on|off}\n");
		return 2;
	}
	if (!strcmp(c, "add"))
		return cmd_add(argv[2]);
	if (!strcmp(c, "del"))
		return cmd_del(argv[2]);
	if (!strcmp(c, "exec"))
		return cmd_exec(argv[2], argv + 3);
	if (!strcmp(c, "veth"))
		return cmd_veth(argv + 2);
	if (!strcmp(c, "up"))
		return cmd_up(argv + 2, argc - 2);
	if (!strcmp(c, "addr"))
		return cmd_addr(argv + 2);
	if (!strcmp(c, "route"))
		return cmd_route(argv + 2);
	if (!strcmp(c, "neigh"))
		return cmd_neigh(argv + 2);
	if (!strcmp(c, "mac"))
		return cmd_mac(argv + 2);
	return cmd_gro(argv + 2);
}
