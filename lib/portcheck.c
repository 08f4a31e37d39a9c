/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * portcheck.c — what `link attach` learns about a port: its MAC and primary
 * IPv4 address (recorded in tun46_links), and the veth far-end check.
 *
 * The veth check.  An XDP_REDIRECT into a veth (ndo_xdp_xmit) is delivered
 * only if the far end of the veth has a native XDP program or GRO on (only
 * then has it the NAPI instance that takes redirected frames); otherwise the
 * kernel drops every frame silently.  tun46 redirects from a port in mode xdp
 * into any attached port, itself included, so:
 *   - attaching in mode xdp checks every attached port and the new one;
 *   - attaching in another mode checks the new port when some attached port
 *     is in mode xdp (generic XDP and TC redirect skbs: no such drop).
 * A far end known to have neither refuses the attach (unless -force); one that
 * cannot be inspected (its namespace cannot be found or entered) gives a
 * warning with the same advice.  The far end's XDP state comes from
 * rtnetlink (RTM_GETLINK, IFLA_XDP), its GRO state from the ETHTOOL_GGRO
 * ioctl; in another namespace (IFLA_LINK_NETNSID) both are asked through
 * sockets opened in that namespace: it is found by comparing the ids our
 * namespace gives to /run/netns/<name> and /proc/<pid>/ns/net
 * (RTM_GETNSID), entered with setns just long enough to open the sockets.
 * Real NICs are not veths: nothing to check there.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include "be_internal.h"
#include "nlquery.h"
#include "parse.h"

int port_identity(const char *ifname, uint8_t mac[6], uint32_t *addr4)
{
	struct ifreq ifr;
	int fd, err = 0;

	memset(mac, 0, 6);
	*addr4 = 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* SIOCGIFADDR answers the primary address; EADDRNOTAVAIL: none */
	if (ioctl(fd, SIOCGIFADDR, &ifr) == 0 && ifr.ifr_addr.sa_family == AF_INET)
		*addr4 = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	close(fd);
	return err;
}

struct far_end {
	bool veth;		/* the port is a veth */
	bool known;		/* the far end's state was read */
	bool ok;		/* it has native XDP or GRO */
	char name[IF_NAMESIZE]; /* the far end's name, or "ifindex N" */
	char ns[64];		/* its namespace's name ("" when ours or unnamed) */
	char where[96];		/* " (in netns r2)", " (in the network namespace of pid 42)", "" */
	char why[160];		/* when !known */
};

static bool gro_on(int sock_fd, const char *ifname)
{
	struct ethtool_value ev = {.cmd = ETHTOOL_GGRO};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	return ioctl(sock_fd, SIOCETHTOOL, &ifr) == 0 && ev.data;
}

/* Fill fe from sockets of the far end's namespace. */
static void far_end_read(int nl_fd, int sock_fd, uint32_t ifindex, struct far_end *fe)
{
	struct nl_linkinfo li;
	int err = nl_link_info_fd(nl_fd, ifindex, &li);

	if (err) {
		snprintf(fe->why, sizeof(fe->why), "reading it: %s", strerror(-err));
		return;
	}
	snprintf(fe->name, sizeof(fe->name), "%s", li.name);
	fe->known = true;
	fe->ok = li.xdp_drv || gro_on(sock_fd, li.name);
}

/* A file descriptor of the namespace our namespace calls nsid; its name in
 * fe->ns / fe->where.  -ENOENT if none is found. */
static int netns_find(int nl_fd, int32_t nsid, struct far_end *fe)
{
	static const char *const dirs[] = {"/run/netns", "/var/run/netns"};
	struct dirent *d;
	DIR *dir;
	size_t i;
	int fd;
	int32_t id;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		dir = opendir(dirs[i]);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (nl_nsid_of(nl_fd, fd, &id) == 0 && id == nsid) {
				snprintf(fe->ns, sizeof(fe->ns), "%.63s", d->d_name);
				snprintf(fe->where, sizeof(fe->where), " (in netns %.63s)", d->d_name);
				closedir(dir);
				return fd;
			}
			close(fd);
		}
		closedir(dir);
	}
	dir = opendir("/proc");
	if (!dir)
		return -ENOENT;
	while ((d = readdir(dir))) {
		char path[64];

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (nl_nsid_of(nl_fd, fd, &id) == 0 && id == nsid) {
			snprintf(fe->where, sizeof(fe->where), " (in the network namespace of pid %.20s)", d->d_name);
			closedir(dir);
			return fd;
		}
		close(fd);
	}
	closedir(dir);
	return -ENOENT;
}

/* Enter ns_fd's namespace just long enough to open a netlink and an ioctl
 * socket there. */
static int sockets_in(int ns_fd, int *nl_fd, int *sock_fd)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), err = 0;

	*nl_fd = *sock_fd = -1;
	if (self < 0)
		return -errno;
	if (setns(ns_fd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	*nl_fd = nl_socket();
	*sock_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(self, CLONE_NEWNET)) {
		/* cannot happen (we came from there); going on would act on the wrong
		 * namespace: every later write of this process is refused */
		err = -errno;
		netns_mark_lost();
		be_err("internal error: cannot return to this network namespace: %s; nothing more is changed",
		       strerror(-err));
		close(self);
		if (*nl_fd >= 0)
			close(*nl_fd);
		if (*sock_fd >= 0)
			close(*sock_fd);
		*nl_fd = *sock_fd = -1;
		return err;
	}
	close(self);
	if (*nl_fd < 0 || *sock_fd < 0) {
		err = *nl_fd < 0 ? *nl_fd : -errno;
		if (*nl_fd >= 0)
			close(*nl_fd);
		if (*sock_fd >= 0)
			close(*sock_fd);
		*nl_fd = *sock_fd = -1;
	}
	return err;
}

static void far_end_of(uint32_t ifindex, struct far_end *fe)
{
	struct nl_linkinfo li;
	int nl_fd, sock_fd, ns_fd, err;

	memset(fe, 0, sizeof(*fe));
	nl_fd = nl_socket();
	if (nl_fd < 0)
		return; /* not even our own links: not a veth as far as we know */
	err = nl_link_info_fd(nl_fd, ifindex, &li);
	if (err || !li.is_veth) {
		close(nl_fd);
		return;
	}
	fe->veth = true;
	snprintf(fe->name, sizeof(fe->name), "ifindex %u", li.link);
	if (!li.has_link_netnsid) { /* both ends here */
		sock_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (sock_fd >= 0) {
			far_end_read(nl_fd, sock_fd, li.link, fe);
			close(sock_fd);
		} else {
			snprintf(fe->why, sizeof(fe->why), "socket: %s", strerror(errno));
		}
		close(nl_fd);
		return;
	}
	ns_fd = netns_find(nl_fd, li.link_netnsid, fe);
	close(nl_fd);
	if (ns_fd < 0) {
		snprintf(fe->where, sizeof(fe->where), " (in network namespace id %d)", li.link_netnsid);
		snprintf(fe->why, sizeof(fe->why),
			 "its namespace is neither under /run/netns nor the namespace of a process in /proc");
		return;
	}
	err = sockets_in(ns_fd, &nl_fd, &sock_fd);
	close(ns_fd);
	if (err) {
		snprintf(fe->why, sizeof(fe->why), "cannot enter its namespace: %s", strerror(-err));
		return;
	}
	far_end_read(nl_fd, sock_fd, li.link, fe);
	close(nl_fd);
	close(sock_fd);
}

/* The advice, for far end fe of port `port`. */
static void advice(const struct far_end *fe, const char *via, char *buf, size_t len)
{
	char cmd[160];

	if (fe->ns[0])
		snprintf(cmd, sizeof(cmd), "`ip netns exec %s ethtool -K %s gro on`", fe->ns, fe->name);
	else
		snprintf(cmd, sizeof(cmd), "`ethtool -K %s gro on`%s", fe->name,
			 fe->where[0] ? " in its namespace" : "");
	snprintf(buf, len,
		 "fix it with %s, or an XDP program on %s, or attach %s in mode xdp-generic or tc instead of mode "
		 "xdp",
		 cmd, fe->name, via);
}

/* Check the far end of target port `tname` (tidx); `via`: the port(s) whose
 * native XDP redirects into it.  Returns -EOPNOTSUPP when refused. */
static int check_target(struct be *be, const char *ifname, enum tun46_mode mode, const char *tname, uint32_t tidx,
			const char *via)
{
	struct far_end fe;
	char adv[400];

	far_end_of(tidx, &fe);
	if (!fe.veth || (fe.known && fe.ok))
		return 0;
	advice(&fe, via, adv, sizeof(adv));
	if (!fe.known) {
		be_warn("%s is a veth whose far end %s%s cannot be inspected (%s): if it has neither an XDP "
			"program nor GRO on, the kernel silently drops every frame that native XDP on %s redirects "
			"into %s; %s",
			tname, fe.name, fe.where, fe.why, via, tname, adv);
		return 0;
	}
	t46_log(be->force ? T46_LOG_WARN : T46_LOG_ERR,
		"%s %s in mode %s: %s is a veth whose far end %s%s has neither an XDP program nor GRO on, so the "
		"kernel would silently drop every frame that native XDP on %s redirects into %s; %s%s",
		be->force ? "attaching anyway (-force)" : "cannot attach to", ifname, t46_mode_name(mode), tname,
		fe.name, fe.where, via, tname, adv, be->force ? "" : " (or use -force)");
	return be->force ? 0 : -EOPNOTSUPP;
}

int veth_xdp_check(struct be *be, const char *ifname, uint32_t ifindex, enum tun46_mode mode)
{
	struct be_link *v = NULL;
	const char *xdp_port = NULL;
	size_t n = 0, i;
	int err = 0, e;

	if (be->loaded && be_link_list(be, &v, &n))
		n = 0;
	for (i = 0; i < n; i++)
		if (v[i].link.mode == TUN46_MODE_XDP && v[i].ifindex != ifindex)
			xdp_port = v[i].ifname;
	if (mode != TUN46_MODE_XDP && !xdp_port) {
		free(v);
		return 0;
	}
	/* the new port: a target of every port in mode xdp (itself included) */
	err = check_target(be, ifname, mode, ifname, ifindex, mode == TUN46_MODE_XDP ? ifname : xdp_port);
	/* the others: targets of the new port's native XDP */
	for (i = 0; mode == TUN46_MODE_XDP && i < n; i++) {
		if (v[i].ifindex == ifindex)
			continue;
		e = check_target(be, ifname, mode, v[i].ifname, v[i].ifindex, ifname);
		if (e && !err)
			err = e;
	}
	free(v);
	return err;
}
