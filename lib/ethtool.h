/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ethtool.h — device features of the tunnel device (ethtool.c). */
#ifndef TUN46_ETHTOOL_H
#define TUN46_ETHTOOL_H

/* Turn the tunnel segmentation offloads (GRE, IPIP, UDP tunnels, GSO
 * partial) off on ifname, so that the kernel segments GSO packets of nested
 * tunnels before they reach tc_tun.  Prints a warning on failure; returns 0
 * or -errno. */
int ethtool_tunnel_gso_off(const char *ifname);

#endif /* TUN46_ETHTOOL_H */
