// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fwd: attach the plain XDP forwarder (bpf/bench_fwd.bpf.c) in native mode to
 * every interface named, each one also a redirect target.  The attachment
 * outlives the command; remove it with `ip link set dev IF xdp off`.
 *
 *   fwd IF [IF...]
 */
#include "xdpq.h"
#include "bench_fwd.skel.h"

int main(int argc, char **argv)
{
	struct bench_fwd *skel;
	int err = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fwd IF [IF...]   (run in the router's namespace)\n");
		return 2;
	}
	skel = bench_fwd__open_and_load();
	if (!skel) {
		fprintf(stderr, "fwd: cannot load bench_fwd (run as root)\n");
		return 1;
	}
	for (int i = 1; i < argc && !err; i++) {
		__u32 ifindex = xdpq_ifindex("fwd", argv[i]);

		if (!ifindex) {
			err = 1;
			break;
		}
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.fwd_ports), &ifindex, &ifindex, 0);
		if (err)
			fprintf(stderr, "fwd: cannot add %s to the port map: %s\n", argv[i], strerror(errno));
	}
	for (int i = 1; i < argc && !err; i++) {
		err = bpf_xdp_attach(if_nametoindex(argv[i]), bpf_program__fd(skel->progs.xdp_fwd), XDP_FLAGS_DRV_MODE,
				     NULL);
		if (err)
			fprintf(stderr, "fwd: cannot attach XDP to %s: %s\n", argv[i], strerror(-err));
	}
	bench_fwd__destroy(skel);
	return err ? 1 : 0;
}
