/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * repair.c — putting the tunnel device right at the end of a command that
 * may write the state (tundev_repair).  Above tundev.c, the peer table and
 * the kernel routes, which it uses to recreate the pair; see tundev.c for
 * why IPv6 forwarding on tun46p matters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "be_internal.h"

/* tun46p lost IPv6 forwarding (a later write of net.ipv6.conf.all.forwarding
 * rewrites every device's, or an older tun46 made the pair): the fast path's
 * outer lookups would fail.  Writing tun46p's sysctl would purge the RA
 * default routes (see the top of this file), so the pair is recreated with
 * forwarding inherited, and tun46's kernel routes are added again -- unless
 * the administrator put an address or a route of their own on tun46, which
 * deleting the device would lose: then the sysctl is written, with a
 * warning.  Runs at the end of every command that may write the state. */
void tundev_repair(struct be *be)
{
	char path[128];
	uint32_t idx = tundev_ifindex(be), nidx;
	int own, err;

	if (!idx || ipv6_forwarding_on(TUN46_TUNPEER_NAME))
		return;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", TUN46_TUNPEER_NAME);
	if (access(path, F_OK))
		return; /* IPv6 disabled in this namespace: nothing to repair */
	own = nl_dev_foreign_config(idx);
	if (own < 0) {
		be_warn("IPv6 forwarding is off on %s, so the fast path's outer IPv6 lookups fail; cannot "
			"inspect %s to recreate it: %s",
			TUN46_TUNPEER_NAME, TUN46_TUNDEV_NAME, strerror(-own));
		return;
	}
	if (own == 0) {
		err = nl_link_del(idx);
		if (!err)
			err = tundev_ensure(be, &nidx, peers_tun_mtu(be));
		if (!err)
			err = routes_kernel_sync(be, 0);
		if (!err) {
			be_info(
			    "IPv6 forwarding was off on %s (was net.ipv6.conf.all.forwarding written?); "
			    "recreated the tunnel device %s so that it is on again without purging RA default routes",
			    TUN46_TUNPEER_NAME, TUN46_TUNDEV_NAME);
			return;
		}
		be_warn("cannot recreate the tunnel device %s: %s; the next tun46 command tries again",
			TUN46_TUNDEV_NAME, strerror(-err));
		return;
	}
	sysctl_write(path, "1");
	be_warn("IPv6 forwarding was off on %s (was net.ipv6.conf.all.forwarding written?); turned it on: "
		"the kernel dropped this namespace's RA-learned default routes until the next RA (interfaces with "
		"accept_ra=2 keep theirs).  tun46 recreates its tunnel device instead when %s has no address or route "
		"of yours",
		TUN46_TUNPEER_NAME, TUN46_TUNDEV_NAME);
}
