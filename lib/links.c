/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * links.c — `link attach/detach`: which programs go where, per role and
 * mode, recorded in tun46_links so detach undoes exactly what attach did.
 *
 *   mode xdp          xdp_lan / xdp_wan native XDP; WAN also tc_wan on TC ingress
 *   mode xdp-generic  the same in generic (skb) XDP
 *   mode tc           tc_lan / tc_wan on TC ingress (clsact)
 * Every attached interface is in tun46_ports (the redirect targets).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"
#include "parse.h"

static void warn_sysctl_off(const char *path, const char *name)
{
	char c = '1';
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read(fd, &c, 1) == 1 && c == '0')
		be_warn("%s is 0 in this network namespace: tun46 cannot forward until you run `sysctl -w %s=1`", name,
			name);
	close(fd);
}

/* Undo what `flags` says was done on ifindex (reverse order). */
static void undo_attach(struct be *be, uint32_t ifindex, const struct tun46_link *l, const char *ifname)
{
	bool generic = l->mode == TUN46_MODE_XDP_GENERIC;
	enum be_prog_idx tcp = l->role == TUN46_ROLE_LAN ? BE_PROG_TC_LAN : BE_PROG_TC_WAN;
	enum be_prog_idx xp = l->role == TUN46_ROLE_LAN ? BE_PROG_XDP_LAN : BE_PROG_XDP_WAN;
	uint32_t id = 0;
	int fd, err;

	if (l->flags & TUN46_LINK_F_TC_INGRESS) {
		fd = prog_open_pinned(be, tcp);
		if (fd >= 0) {
			prog_id_of_fd(fd, &id);
			close(fd);
		}
		err = detach_tc(ifindex, false, id);
		if (err && err != -ENOENT)
			be_warn("cannot remove %s from %s: %s", be_prog_names[tcp], ifname, strerror(-err));
	}
	if (l->flags & TUN46_LINK_F_CLSACT_OURS)
		destroy_clsact(ifindex);
	if (l->flags & TUN46_LINK_F_XDP) {
		fd = prog_open_pinned(be, xp);
		if (fd >= 0) {
			err = detach_xdp(ifindex, fd, generic);
			if (err == -EEXIST || err == -EBUSY)
				be_warn("the XDP program on %s is not tun46's; left in place", ifname);
			else if (err && err != -ENODEV)
				be_warn("cannot remove the XDP program from %s: %s", ifname, strerror(-err));
			close(fd);
		}
	}
}

/* tun46's sentence first, then the kernel's own reason (the netlink extended
 * ack that libbpf printed), which says why a driver that has XDP refused. */
static int xdp_error(int err, const char *ifname, uint32_t mode, const char *kmsg)
{
	char why[600] = "";
	bool no_native = kmsg[0] ? strstr(kmsg, "does not support XDP in native mode") != NULL : err == -EOPNOTSUPP;

	if (kmsg[0])
		snprintf(why, sizeof(why), "; the kernel says: %s", kmsg);
	if (err == -EPERM || err == -EACCES)
		be_err("permission denied: run as root (attaching XDP to %s)%s", ifname, why);
	else if (no_native && mode == TUN46_MODE_XDP)
		be_err("cannot attach to %s in mode xdp: its driver has no native XDP; use mode xdp-generic (for "
		       "testing) or mode tc%s",
		       ifname, why);
	else if (err == -EBUSY || err == -EEXIST)
		be_err("cannot attach to %s: another XDP program is attached; remove it (`ip link set dev %s xdp off`) "
		       "or use mode tc%s",
		       ifname, ifname, why);
	else if (kmsg[0])
		be_err("cannot attach to %s in mode %s: the driver refused XDP (%s); the kernel says: %s; fix that, or "
		       "use mode tc",
		       ifname, t46_mode_name(mode), strerror(-err), kmsg);
	else
		be_err("cannot attach XDP to %s in mode %s: %s", ifname, t46_mode_name(mode), strerror(-err));
	return err;
}

int be_link_attach(struct be *be, const char *ifname, enum tun46_role role, enum tun46_mode mode)
{
	struct tun46_link l = {.role = role, .mode = mode};
	enum be_prog_idx tcp = role == TUN46_ROLE_LAN ? BE_PROG_TC_LAN : BE_PROG_TC_WAN;
	enum be_prog_idx xp = role == TUN46_ROLE_LAN ? BE_PROG_XDP_LAN : BE_PROG_XDP_WAN;
	struct probe_result pr;
	char kmsg[512];
	uint32_t ifindex, tun;
	bool created;
	int err, fd;

	if (role != TUN46_ROLE_LAN && role != TUN46_ROLE_WAN) {
		be_err("cannot attach to %s: role must be lan or wan", ifname);
		return -EINVAL;
	}
	if (mode != TUN46_MODE_XDP && mode != TUN46_MODE_XDP_GENERIC && mode != TUN46_MODE_TC) {
		be_err("cannot attach to %s: mode must be xdp, xdp-generic or tc", ifname);
		return -EINVAL;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		be_err("cannot attach to %s: no such interface; see `ip link`", ifname);
		return -ENODEV;
	}
	if (!strcmp(ifname, TUN46_TUNDEV_NAME)) {
		be_err("cannot attach to %s: it is tun46's own tunnel device; attach the LAN and WAN interfaces",
		       ifname);
		return -EINVAL;
	}
	if (be->loaded && bpf_map_lookup_elem(be->map_fd[BE_MAP_LINKS], &ifindex, &l) == 0) {
		be_err("cannot attach to %s: already attached (role %s, mode %s); detach it first", ifname,
		       t46_role_name(l.role), t46_mode_name(l.mode));
		return -EEXIST;
	}
	l = (struct tun46_link){.role = role, .mode = mode};
	err = veth_xdp_check(be, ifname, ifindex, mode);
	if (err)
		return err;
	err = port_identity(ifname, l.mac, &l.addr4);
	if (err) {
		be_err("cannot attach to %s: cannot read its MAC address: %s", ifname, strerror(-err));
		return err;
	}
	err = be_need_loaded(be);
	if (err)
		return err;
	/* what this kernel offers: recorded for the datapath, and a mode that
	 * cannot work here is refused before anything is attached */
	probe_apply(be, &pr);
	err = probe_check_mode(&pr, ifname, mode, role);
	if (err)
		return err;
	tun = tundev_ifindex(be);
	if (tun == ifindex || (tun && ifindex == if_nametoindex(TUN46_TUNPEER_NAME))) {
		be_err("cannot attach to %s: it is tun46's own tunnel device", ifname);
		return -EINVAL;
	}
	/* 1. a redirect target before any program can redirect to it */
	err = be_map_update(be, BE_MAP_PORTS, &ifindex, &ifindex, BPF_ANY);
	if (err) {
		be_err("cannot attach to %s: cannot add it to tun46_ports: %s", ifname, strerror(-err));
		return err;
	}
	/* 2. programs */
	if (mode != TUN46_MODE_TC) {
		fd = prog_open_pinned(be, xp);
		if (fd < 0) {
			err = fd;
			goto undo;
		}
		lbmsg_begin();
		err = attach_xdp(ifindex, fd, mode == TUN46_MODE_XDP_GENERIC);
		lbmsg_end();
		if (err == -EBUSY || err == -EEXIST) /* tun46's own, left by an earlier state? */
			err = adopt_hook(be, ifname, ifindex, true, mode == TUN46_MODE_XDP_GENERIC, fd, err);
		close(fd);
		if (err) {
			xdp_error(err, ifname, mode, lbmsg_reason(kmsg, sizeof(kmsg)));
			goto undo;
		}
		l.flags |= TUN46_LINK_F_XDP;
	}
	if (mode == TUN46_MODE_TC || role == TUN46_ROLE_WAN) {
		fd = prog_open_pinned(be, tcp);
		if (fd < 0) {
			err = fd;
			goto undo;
		}
		lbmsg_begin();
		err = attach_tc(ifindex, false, fd, &created);
		lbmsg_end();
		if (err == -EEXIST) /* tun46's own, left by an earlier state? */
			err = adopt_hook(be, ifname, ifindex, false, false, fd, err);
		close(fd);
		if (err) {
			lbmsg_reason(kmsg, sizeof(kmsg));
			if (err == -EPERM || err == -EACCES)
				be_err("permission denied: run as root (attaching TC to %s)", ifname);
			else if (err == -EEXIST)
				be_err("cannot attach to %s: a TC filter with tun46's handle and priority (0x%x) is "
				       "already on its ingress; remove it with `tc filter del dev %s ingress`",
				       ifname, TUN46_TC_PRIO, ifname);
			else
				be_err("cannot attach %s to the TC ingress of %s: %s%s%s", be_prog_names[tcp], ifname,
				       strerror(-err), kmsg[0] ? "; the kernel says: " : "", kmsg);
			goto undo;
		}
		l.flags |= TUN46_LINK_F_TC_INGRESS | (created ? TUN46_LINK_F_CLSACT_OURS : 0);
	}
	/* 3. the record detach works from */
	err = be_map_update(be, BE_MAP_LINKS, &ifindex, &l, BPF_NOEXIST);
	if (err) {
		be_err("cannot attach to %s: cannot record it in tun46_links: %s", ifname, strerror(-err));
		goto undo;
	}
	/* IPv4 forwarding is the administrator's, as on any router (the LAN port
	 * is the input of the encapsulation's lookup).  No IPv6 forwarding is
	 * needed: the outer packet is the router's own, as with ip6tnl. */
	warn_sysctl_off("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward");
	return 0;
undo:
	undo_attach(be, ifindex, &l, ifname);
	bpf_map_delete_elem(be->map_fd[BE_MAP_PORTS], &ifindex);
	return err;
}

int be_link_detach(struct be *be, const char *ifname)
{
	struct tun46_link l;
	uint32_t ifindex;
	int err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		be_err("cannot detach from %s: no such interface; see `ip link`", ifname);
		return -ENODEV;
	}
	if (!be->loaded || bpf_map_lookup_elem(be->map_fd[BE_MAP_LINKS], &ifindex, &l)) {
		be_err("cannot detach from %s: it is not attached; see `tun46 link show`", ifname);
		return -ENOENT;
	}
	/* 1. no new redirect into it: the datapath's redirect into a port not in
	 * tun46_ports falls back (pass to the kernel) and is counted *_port_gone;
	 * 2. cached next hops naming it (up to 50 ms) become stale at once;
	 * 3. then its own programs go. */
	err = be_map_delete(be, BE_MAP_PORTS, &ifindex);
	if (err && err != -ENOENT) {
		be_err("cannot detach from %s: cannot remove it from tun46_ports: %s", ifname, strerror(-err));
		return err;
	}
	err = config_bump_gen(be);
	if (err)
		be_warn("cannot invalidate the route caches (tun46_config): %s; they expire within 50 ms",
			strerror(-err));
	err = be_map_delete(be, BE_MAP_LINKS, &ifindex);
	if (err) {
		be_err("cannot detach from %s: %s", ifname, strerror(-err));
		be_map_update(be, BE_MAP_PORTS, &ifindex, &ifindex, BPF_ANY);
		return err;
	}
	undo_attach(be, ifindex, &l, ifname);
	stats_forget(be, true, ifindex, false, 0); /* its counters go with it */
	return 0;
}

/* Forget interfaces that were deleted (their programs went with them), and
 * follow a port whose MAC or primary IPv4 address changed since attach (the
 * LAN program encapsulates only frames to the port's MAC). */
void links_prune_stale(struct be *be)
{
	struct be_link *v;
	char name[IF_NAMESIZE];
	struct tun46_link l;
	bool changed = false;
	size_t n, i;

	if (be_link_list(be, &v, &n))
		return;
	for (i = 0; i < n; i++) {
		if (if_indextoname(v[i].ifindex, name)) {
			l = v[i].link;
			if (port_identity(name, l.mac, &l.addr4) == 0 &&
			    (memcmp(l.mac, v[i].link.mac, sizeof(l.mac)) || l.addr4 != v[i].link.addr4) &&
			    bpf_map_update_elem(be->map_fd[BE_MAP_LINKS], &v[i].ifindex, &l, BPF_EXIST) == 0)
				changed = true;
			continue;
		}
		bpf_map_delete_elem(be->map_fd[BE_MAP_LINKS], &v[i].ifindex);
		bpf_map_delete_elem(be->map_fd[BE_MAP_PORTS], &v[i].ifindex);
		changed = true;
	}
	if (changed)
		config_bump_gen(be);
	free(v);
}
