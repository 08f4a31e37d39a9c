/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * attach.c — attach and detach one program: XDP (native or generic) with
 * UPDATE_IF_NOEXIST so another's program is never replaced, and TC on the
 * clsact qdisc with tun46's own handle/priority (TUN46_TC_HANDLE/PRIO).
 * Detach removes only tun46's program (checked by program id / fd).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

int attach_tc(uint32_t ifindex, bool egress, int prog_fd, bool *clsact_created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO, .prog_fd = prog_fd);
	int err;

	*clsact_created = false;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	*clsact_created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && *clsact_created) {
		destroy_clsact(ifindex);
		*clsact_created = false;
	}
	return err;
}

/* Remove tun46's filter; expect_prog_id != 0: only if that program is the
 * one there (-ENOENT otherwise, nothing removed). */
int detach_tc(uint32_t ifindex, bool egress, uint32_t expect_prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO);
	int err;

	err = bpf_tc_query(&hook, &q);
	if (err)
		return err;
	if (expect_prog_id && q.prog_id != expect_prog_id)
		return -ENOENT;
	return bpf_tc_detach(&hook, &d);
}

int destroy_clsact(uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

int attach_xdp(uint32_t ifindex, int prog_fd, bool generic)
{
	uint32_t flags = (generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE) | XDP_FLAGS_UPDATE_IF_NOEXIST;

	return bpf_xdp_attach((int)ifindex, prog_fd, flags, NULL);
}

/* Detach only if prog_fd's program is the one attached (XDP_FLAGS_REPLACE). */
int detach_xdp(uint32_t ifindex, int prog_fd, bool generic)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	uint32_t flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	return bpf_xdp_detach((int)ifindex, flags, &opts);
}

/* Replace the XDP program old_fd names on ifindex by new_fd, atomically
 * (XDP_FLAGS_REPLACE: the kernel refuses with -EEXIST when another program is
 * there by then, so nobody else's program is ever replaced). */
int replace_xdp(uint32_t ifindex, int old_fd, int new_fd, bool generic)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	uint32_t flags = (generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE) | XDP_FLAGS_REPLACE;

	return bpf_xdp_attach((int)ifindex, new_fd, flags, &opts);
}

/* The program attached in that XDP mode (0: none). */
int query_xdp(uint32_t ifindex, bool generic, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query((int)ifindex, 0, &q);

	*prog_id = 0;
	if (err)
		return err;
	*prog_id = generic ? q.skb_prog_id : q.drv_prog_id;
	return 0;
}

/* The program of tun46's TC filter (handle/prio), 0 when there is none. */
int query_tc(uint32_t ifindex, bool egress, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO);
	int err = bpf_tc_query(&hook, &q);

	*prog_id = 0;
	if (err == -ENOENT || err == -EINVAL) /* no filter, or no clsact */
		return 0;
	if (err)
		return err;
	*prog_id = q.prog_id;
	return 0;
}

/* Replace the program of tun46's TC filter in place (cls_bpf swaps it under
 * RCU: every packet sees the old or the new program). */
int replace_tc(uint32_t ifindex, bool egress, int new_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TUN46_TC_HANDLE, .priority = TUN46_TC_PRIO, .prog_fd = new_fd,
		    .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}
