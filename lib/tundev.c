/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tundev.c — the slow-path tunnel device: a veth pair.  The kernel routes
 * remote prefixes into TUN46_TUNDEV_NAME ("tun46": NOARP, MTU 1460, 1452
 * while a peer sends the encap limit option); what it sends arrives on the
 * other end, TUN46_TUNPEER_NAME ("tun46p"), whose TC ingress runs tc_tun to
 * encapsulate.  Unlike a TC egress hook on a TUN device, this lets
 * `tcpdump -i tun46` see the inner traffic in both directions, as on an
 * ip6tnl device, and the device has a carrier.
 *
 * Its own sysctls: rp_filter=0 and forwarding=1 (packets the fast path
 * injects arrive on it and must be forwarded), disable_ipv6=1 (it carries
 * IPv4 only).  net.ipv4.ip_forward stays the administrator's choice, as
 * with ip6tnl; be_link_attach warns when it is off.  No IPv6 forwarding is
 * needed anywhere: the outer packet is the router's own.
 *
 * IPv6 forwarding on tun46p, without losing RA default routes.  The outer
 * IPv6 fib lookup (BPF_FIB_LOOKUP_OUTPUT, ifindex = tun46p) still needs
 * net.ipv6.conf.tun46p.forwarding=1: the kernel checks it for every
 * bpf_fib_lookup.  Writing 1 to that sysctl makes the kernel purge every
 * RA-learned default route of the namespace (addrconf_fixup_forwarding ->
 * rt6_purge_dflt_routers) until the next RA, which on the NGN may be
 * minutes away.  Writing net.ipv6.conf.default.forwarding purges nothing,
 * and a device inherits the default's settings when it is created: so the
 * pair is created while default.forwarding is 1 (restored right after) and
 * tun46p's forwarding sysctl is never written.  tun46p's accept_ra is 0
 * (written before it is up): it never solicits or takes RAs.  Per device,
 * forwarding=1 changes nothing for the other interfaces' RA handling.
 *
 * A later `sysctl net.ipv6.conf.all.forwarding=0` (or =1) rewrites every
 * device's forwarding, tun46p's included; tundev_repair() then recreates the
 * pair the same way, if that loses nothing the administrator made (see
 * there).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "ethtool.h"
#include "nlquery.h"

void sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* best effort: e.g. IPv6 disabled on this host */
	}
	close(fd);
}

/* Read the first bytes of a sysctl file into buf (NUL-terminated, newline
 * stripped); -errno if unreadable. */
static int sysctl_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

#define DFLT_FORWARDING "/proc/sys/net/ipv6/conf/default/forwarding"

/* net.PROTO.conf.DEV.KEY = val, best effort */
static void dev_sysctl(const char *proto, const char *dev, const char *key, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", proto, dev, key);
	sysctl_write(path, val);
}

/* Is IPv6 forwarding on for device `name`? */
bool ipv6_forwarding_on(const char *name)
{
	char path[128], v[16];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", name);
	return sysctl_read(path, v, sizeof(v)) == 0 && !strcmp(v, "1");
}

/* Create the veth pair so that both ends inherit IPv6 forwarding=1 from
 * net.ipv6.conf.default.forwarding, set to 1 for the moment of creation and
 * put back right after, whatever happened. */
static int veth_add_forwarding(const char *name, const char *peer)
{
	char old[16];
	bool restore = false;
	int err;

	if (sysctl_read(DFLT_FORWARDING, old, sizeof(old)) == 0 && strcmp(old, "1")) {
		sysctl_write(DFLT_FORWARDING, "1");
		restore = true;
	}
	err = nl_veth_add(name, peer);
	if (restore)
		sysctl_write(DFLT_FORWARDING, old);
	return err;
}

static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

static int if_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;

	ifr_init(&ifr, name);
	ifr.ifr_mtu = (int)mtu;
	return if_ioctl(SIOCSIFMTU, &ifr);
}

int tundev_set_mtu(uint32_t ifindex, unsigned int mtu)
{
	char name[IF_NAMESIZE];
	int err;

	/* The peer end first: it must accept every frame tun46 sends. */
	err = if_set_mtu(TUN46_TUNPEER_NAME, mtu);
	if (err)
		return err;
	if (!if_indextoname(ifindex, name))
		return -errno;
	return if_set_mtu(name, mtu);
}

/* Is ifindex a veth whose other end is peer_ifindex, both in this
 * namespace?  Asked with rtnetlink: /sys/class/net shows the devices of the
 * namespace sysfs was mounted in, which after `-n NETNS` (setns without a new
 * mount namespace) is not ours. */
static bool veth_pair_of(uint32_t ifindex, uint32_t peer_ifindex)
{
	struct nl_linkinfo li;
	int fd = nl_socket();
	bool ok;

	if (fd < 0)
		return false;
	ok = nl_link_info_fd(fd, ifindex, &li) == 0 && li.is_veth && !li.has_link_netnsid && li.link == peer_ifindex;
	close(fd);
	return ok;
}

/* Create the pair; *created says whether this call made it (an existing pair
 * from an earlier run is adopted, and then never deleted on a failure). */
static int tundev_create(const char *name, const char *peer, bool *created)
{
	int err;

	*created = false;
	if (if_nametoindex(name) && if_nametoindex(peer)) {
		if (veth_pair_of(if_nametoindex(name), if_nametoindex(peer)) &&
		    veth_pair_of(if_nametoindex(peer), if_nametoindex(name)))
			return 0; /* ours from an earlier run (adopted) */
		be_err("cannot use %s and %s as the tunnel device: they exist but are not a veth pair; delete or "
		       "rename them",
		       name, peer);
		return -EEXIST;
	}
	if (if_nametoindex(name) || if_nametoindex(peer)) {
		be_err("cannot create the tunnel device %s: a device named %s or %s exists that tun46 did not make; "
		       "delete or rename it",
		       name, name, peer);
		return -EEXIST;
	}
	err = veth_add_forwarding(name, peer);
	*created = err == 0;
	if (err == -EPERM)
		return be_err_perm(err, "creating the tunnel device");
	if (err)
		be_err("cannot create the tunnel device %s (veth pair with %s): %s", name, peer, strerror(-err));
	return err;
}

static int tundev_up(const char *name, unsigned int mtu, bool noarp)
{
	struct ifreq ifr;
	int err;

	err = if_set_mtu(name, mtu);
	ifr_init(&ifr, name);
	if (!err)
		err = if_ioctl(SIOCGIFFLAGS, &ifr);
	if (!err) {
		ifr.ifr_flags |= IFF_UP;
		if (noarp)
			ifr.ifr_flags |= IFF_NOARP;
		err = if_ioctl(SIOCSIFFLAGS, &ifr);
	}
	return err;
}

static int tundev_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;
	int err;

	ifr_init(&ifr, name);
	err = if_ioctl(SIOCGIFHWADDR, &ifr);
	if (!err)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return err;
}

/* The tunnel device's ifindex as recorded in tun46_config, if that device
 * still exists under our name; 0 otherwise. */
uint32_t tundev_ifindex(struct be *be)
{
	struct tun46_config cfg;
	char name[IF_NAMESIZE];
	uint32_t key = 0;

	if (be->map_fd[BE_MAP_CONFIG] < 0 || bpf_map_lookup_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg))
		return 0;
	if (!cfg.tun_ifindex || !if_indextoname(cfg.tun_ifindex, name) || strcmp(name, TUN46_TUNDEV_NAME))
		return 0;
	return cfg.tun_ifindex;
}

/* Record the tunnel device in <pin dir>/tun46_alive (see gc.c). */
static int mark_alive(struct be *be, uint32_t idx)
{
	char path[PATH_MAX];
	int fd, err = 0;

	if (pin_path(be, TUN46_ALIVE_PIN, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = bpf_map_create(BPF_MAP_TYPE_DEVMAP_HASH, "tun46_alive", 4, 4, 1, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_obj_pin(fd, path))
			err = -errno;
	}
	if (!err && bpf_map_update_elem(fd, &idx, &idx, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

/* Create (or adopt) the tunnel device, configure it, attach tc_tun and
 * record it in tun46_config.  *ifindex: the device. */
int tundev_ensure(struct be *be, uint32_t *ifindex, unsigned int mtu)
{
	const char *name = TUN46_TUNDEV_NAME, *peer = TUN46_TUNPEER_NAME;
	struct tun46_config cfg = {0}, old;
	uint32_t key = 0, idx, peer_idx;
	bool created, made;
	int err, prog_fd;

	err = tundev_create(name, peer, &made);
	if (err)
		return err;
	idx = if_nametoindex(name);
	peer_idx = if_nametoindex(peer);
	if (!idx || !peer_idx) {
		be_err("the tunnel device %s vanished while being set up", name);
		return -ENODEV;
	}
	/* tun46: packets injected into it are forwarded like ip6tnl's. */
	dev_sysctl("ipv4", name, "rp_filter", "0");
	dev_sysctl("ipv4", name, "forwarding", "1");
	dev_sysctl("ipv6", name, "disable_ipv6", "1");
	/* tun46p: never an IPv4 endpoint; never takes or solicits RAs.  Its IPv6
	 * forwarding (inherited at creation, see the top of this file) lets the
	 * outer fib lookups made with ifindex = tun46p succeed. */
	dev_sysctl("ipv4", peer, "rp_filter", "0");
	dev_sysctl("ipv6", peer, "accept_ra", "0");
	dev_sysctl("ipv6", peer, "router_solicitations", "0");
	if (made && !ipv6_forwarding_on(peer))
		be_warn("IPv6 forwarding is off on %s (net.ipv6.conf.default.forwarding could not be used): "
			"the fast path's outer IPv6 lookups will fail; see `sysctl net.ipv6.conf.%s.forwarding`",
			peer, peer);
	err = tundev_up(peer, mtu, true);
	if (!err)
		err = tundev_up(name, mtu, true);
	if (!err)
		err = tundev_mac(name, cfg.tun_mac);
	if (err) {
		be_err("cannot bring the tunnel device %s up with MTU %u: %s", name, mtu, strerror(-err));
		goto fail;
	}
	(void)ethtool_tunnel_gso_off(name); /* GSO of nested tunnels: segmented before tc_tun */
	prog_fd = prog_open_pinned(be, BE_PROG_TC_TUN);
	if (prog_fd < 0) {
		err = prog_fd;
		goto fail;
	}
	detach_tc(peer_idx, false, 0); /* a filter left from an earlier datapath instance, if any */
	err = attach_tc(peer_idx, false, prog_fd, &created);
	close(prog_fd);
	if (err) {
		be_err("cannot attach tc_tun to the ingress of %s: %s", peer, strerror(-err));
		goto fail;
	}
	err = mark_alive(be, idx);
	if (err) {
		be_err("cannot record the tunnel device in %s: %s", TUN46_ALIVE_PIN, strerror(-err));
		goto fail;
	}
	/* keep what else is there (flags); no cached answer survives a new tunnel device */
	if (bpf_map_lookup_elem(be->map_fd[BE_MAP_CONFIG], &key, &old) == 0) {
		cfg.flags = old.flags;
		cfg.gen = old.gen + 1;
	}
	cfg.tun_ifindex = idx;
	cfg.tunp_ifindex = peer_idx;
	if (bpf_map_update_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg, BPF_ANY)) {
		err = -errno;
		be_err("cannot write tun46_config: %s", strerror(-err));
		goto fail;
	}
	*ifindex = idx;
	return 0;
fail:
	if (made)
		nl_link_del(idx); /* takes its peer with it */
	return err;
}

int tundev_remove(uint32_t ifindex)
{
	return nl_link_del(ifindex);
}
