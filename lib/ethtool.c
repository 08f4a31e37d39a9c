/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ethtool.c — device features of the tunnel device (SIOCETHTOOL).
 *
 * A tunnel inside the tunnel (GRE, IPIP, VXLAN ... of the router or of a LAN
 * host) reaches the tunnel device as an skb already marked encapsulated; when
 * it is a GSO packet, tc_tun cannot add a second level of encapsulation with
 * a valid GSO type (bpf/lib/nested.h).  With the tunnel segmentation
 * offloads off on the device the kernel transmits on ("tun46"), the kernel
 * segments such packets in software (validate_xmit_skb: the device lacks the
 * packet's SKB_GSO_* tunnel type) before they reach tc_tun; plain TCP/UDP GSO
 * is kept, so tc_tun still encapsulates it whole.
 *
 * Feature bit numbers are not uapi: they are found by name in the device's
 * ETH_SS_FEATURES string set, as ethtool -K does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "be_internal.h"
#include "ethtool.h"

/* the SKB_GSO_* types of tunnels, and GSO partial (which would let a device
 * take some of them) */
static const char *const tunnel_gso_features[] = {
    "tx-gre-segmentation",
    "tx-gre-csum-segmentation",
    "tx-ipxip4-segmentation",
    "tx-ipxip6-segmentation",
    "tx-udp_tnl-segmentation",
    "tx-udp_tnl-csum-segmentation",
    "tx-tunnel-remcsum-segmentation",
    "tx-gso-partial",
};

static int ethtool_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* The device's feature names: *names holds n strings of ETH_GSTRING_LEN. */
static int feature_names(int fd, const char *ifname, char **names, uint32_t *n)
{
	union { /* the header and the one length it returns */
		struct ethtool_sset_info hdr;
		uint8_t buf[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} sset;
	struct ethtool_gstrings *gs;
	uint32_t len;
	int err;

	memset(&sset, 0, sizeof(sset));
	sset.hdr.cmd = ETHTOOL_GSSET_INFO;
	sset.hdr.sset_mask = 1ULL << ETH_SS_FEATURES;
	err = ethtool_ioctl(fd, ifname, &sset);
	if (err)
		return err;
	len = sset.hdr.data[0];
	if (!(sset.hdr.sset_mask & (1ULL << ETH_SS_FEATURES)) || !len || len > 4096)
		return -EOPNOTSUPP;
	gs = calloc(1, sizeof(*gs) + (size_t)len * ETH_GSTRING_LEN);
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = len;
	err = ethtool_ioctl(fd, ifname, gs);
	if (err) {
		free(gs);
		return err;
	}
	*n = gs->len < len ? gs->len : len;
	*names = malloc((size_t)*n * ETH_GSTRING_LEN);
	if (!*names) {
		free(gs);
		return -ENOMEM;
	}
	memcpy(*names, gs->data, (size_t)*n * ETH_GSTRING_LEN);
	free(gs);
	return 0;
}

int ethtool_tunnel_gso_off(const char *ifname)
{
	struct ethtool_sfeatures *sf = NULL;
	uint32_t n = 0, i, j, blocks;
	char *names = NULL;
	int fd, err, found = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = feature_names(fd, ifname, &names, &n);
	if (err)
		goto out;
	blocks = (n + 31) / 32;
	sf = calloc(1, sizeof(*sf) + blocks * sizeof(sf->features[0]));
	if (!sf) {
		err = -ENOMEM;
		goto out;
	}
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = blocks;
	for (i = 0; i < n; i++) {
		const char *name = names + (size_t)i * ETH_GSTRING_LEN;

		for (j = 0; j < sizeof(tunnel_gso_features) / sizeof(tunnel_gso_features[0]); j++) {
			if (!strncmp(name, tunnel_gso_features[j], ETH_GSTRING_LEN)) {
				sf->features[i / 32].valid |= 1u << (i % 32);
				found++; /* requested stays 0: off */
			}
		}
	}
	/* Bits the device cannot change (a veth lacks GSO partial) come back
	 * as ETHTOOL_F_UNSUPPORTED: the others are applied all the same. */
	if (found)
		err = ethtool_ioctl(fd, ifname, sf);
out:
	if (err)
		be_warn("cannot turn the tunnel segmentation offloads off on %s (%s): GSO packets of tunnels "
			"inside the tunnel will be dropped (encap_drop_nested_gso)",
			ifname, strerror(-err));
	free(sf);
	free(names);
	close(fd);
	return err;
}
