/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers shared by the bench tools: find the XDP program attached to
 * an interface and one of its maps by name, attach/detach by interface name. */
#ifndef BENCH_XDPQ_H
#define BENCH_XDPQ_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* fd of the map called @name used by the XDP program on @ifindex, or -1. */
static inline int xdpq_map_fd(unsigned int ifindex, const char *name, char *prog_name, size_t prog_name_len)
{
	__u32 prog_id = 0, map_ids[16];
	struct bpf_prog_info pinfo = {};
	__u32 plen = sizeof(pinfo);
	int pfd, mfd = -1;

	if (bpf_xdp_query_id(ifindex, 0, &prog_id) || !prog_id)
		return -1;
	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -1;
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(pfd, &pinfo, &plen)) {
		close(pfd);
		return -1;
	}
	close(pfd);
	if (prog_name)
		snprintf(prog_name, prog_name_len, "%s", pinfo.name);
	for (__u32 i = 0; i < pinfo.nr_map_ids && i < 16; i++) {
		struct bpf_map_info minfo = {};
		__u32 mlen = sizeof(minfo);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &mlen) && !strcmp(minfo.name, name)) {
			mfd = fd;
			break;
		}
		close(fd);
	}
	return mfd;
}

static inline unsigned int xdpq_ifindex(const char *tool, const char *ifname)
{
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex)
		fprintf(stderr, "%s: no interface %s in this network namespace (use ip netns exec NS)\n", tool, ifname);
	return ifindex;
}

/* The MAC address of ifname in this network namespace; -1 on error. */
static inline int if_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int rc;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

/* IPv4 header checksum from scratch. */
static inline __u16 ip_checksum(const void *hdr, int len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

#endif /* BENCH_XDPQ_H */
