/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_lbmsg — the kernel's reason picked out of what libbpf printed
 * (lib/lbmsg.c): the netlink extended ack, the verifier's last line, a map
 * creation failure; nothing when libbpf said nothing useful.
 */
#include <stdarg.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "be_internal.h"
#include "unit.h"

/* Print through whatever libbpf print function lbmsg installed. */
static void lb_print(enum libbpf_print_level level, const char *fmt, ...)
{
	libbpf_print_fn_t fn = libbpf_set_print(NULL);
	va_list ap;

	libbpf_set_print(fn);
	va_start(ap, fmt);
	if (fn)
		fn(level, fmt, ap);
	va_end(ap);
}

static int check(const char *name, const char *want)
{
	char got[512];

	lbmsg_end();
	lbmsg_reason(got, sizeof(got));
	UNIT_CHECK(name, !strcmp(got, want), "got \"%s\", want \"%s\"", got, want);
	UNIT_PASS(name);
	return 0;
}

int main(void)
{
	lbmsg_begin();
	lb_print(LIBBPF_WARN, "libbpf: Kernel error message: %s\n",
		 "virtio_net: Can't set XDP while host is implementing GRO_HW/CSUM, disable GRO_HW/CSUM first");
	lb_print(LIBBPF_WARN, "libbpf: Error in bpf_set_link_xdp_fd(): %s\n", "Operation not supported");
	check("lbmsg/netlink-extack",
	      "virtio_net: Can't set XDP while host is implementing GRO_HW/CSUM, disable GRO_HW/CSUM first");

	lbmsg_begin();
	lb_print(LIBBPF_WARN, "libbpf: prog '%s': BPF program load failed: %s\n", "tc_wan", "Invalid argument");
	lb_print(LIBBPF_WARN,
		 "libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n0: R1=ctx() R10=fp0\n; int tc_wan(...)\n"
		 "12: (85) call bpf_skb_adjust_room#50\nunknown func bpf_xyz#211\n"
		 "processed 12 insns (limit 1000000) max_states_per_insn 0\n-- END PROG LOAD LOG --\n",
		 "tc_wan");
	lb_print(LIBBPF_WARN, "libbpf: failed to load object '%s'\n", "tun46_bpf");
	check("lbmsg/verifier-last-line", "program tc_wan: unknown func bpf_xyz#211");

	lbmsg_begin();
	lb_print(LIBBPF_INFO, "libbpf: loading something\n");
	lb_print(LIBBPF_WARN, "libbpf: map '%s': failed to create: %s(%d)\n", "tun46_ports", "Invalid argument", -22);
	check("lbmsg/map-create-failure", "map 'tun46_ports': failed to create: Invalid argument(-22)");

	lbmsg_begin();
	lb_print(LIBBPF_DEBUG, "libbpf: Kernel error message: %s\n", "debug lines are not reasons");
	lb_print(LIBBPF_INFO, "libbpf: all fine\n");
	check("lbmsg/nothing-useful", "");
	return UNIT_EXIT();
}
