// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sink: the benchmark's receiver-side counter (bpf/bench_sink.bpf.c).
 *
 *   sink attach IF [pass]   attach native XDP: count and drop (or pass) every frame
 *   sink read IF            print "PACKETS BYTES" summed over CPUs
 *   sink detach IF          remove the XDP program (only if it is ours)
 *
 * The attachment outlives the command (no pinning needed): read finds the
 * program through the interface and its map by name.
 */
#include <stdlib.h>
#include "xdpq.h"
#include "bench_sink.skel.h"

struct sink_counts {
	__u64 packets;
	__u64 bytes;
};

static int cmd_attach(unsigned int ifindex, int pass)
{
	struct bench_sink *skel = bench_sink__open();
	int err;

	if (!skel) {
		fprintf(stderr, "sink: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->verdict = pass ? XDP_PASS : XDP_DROP;
	err = bench_sink__load(skel);
	if (!err)
		err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xdp_sink), XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "sink: cannot load/attach XDP: %s (another XDP program there? run as root)\n",
			strerror(-err));
	bench_sink__destroy(skel); /* the attachment keeps program and map alive */
	return err ? 1 : 0;
}

static int cmd_read(unsigned int ifindex)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	struct sink_counts *v;
	__u64 p = 0, b = 0;
	__u32 key = 0;

	fd = xdpq_map_fd(ifindex, "sink_stats", NULL, 0);
	if (fd < 0) {
		fprintf(stderr, "sink: no sink program on this interface (sink attach IF first)\n");
		return 1;
	}
	v = calloc(ncpu, sizeof(*v));
	if (!v || bpf_map_lookup_elem(fd, &key, v)) {
		fprintf(stderr, "sink: cannot read the counters\n");
		return 1;
	}
	for (int i = 0; i < ncpu; i++) {
		p += v[i].packets;
		b += v[i].bytes;
	}
	printf("%llu %llu\n", (unsigned long long)p, (unsigned long long)b);
	free(v);
	close(fd);
	return 0;
}

static int cmd_detach(unsigned int ifindex)
{
	char name[BPF_OBJ_NAME_LEN] = "";
	int fd = xdpq_map_fd(ifindex, "sink_stats", name, sizeof(name));

	if (fd < 0) {
		fprintf(stderr, "sink: no sink program on this interface, nothing detached\n");
		return 1;
	}
	close(fd);
	return bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL) ? 1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int ifindex;

	if (argc < 3) {
		fprintf(stderr, "usage: sink {attach IF [pass] | read IF | detach IF}\n");
		return 2;
	}
	ifindex = xdpq_ifindex("sink", argv[2]);
	if (!ifindex)
		return 1;
	if (!strcmp(argv[1], "attach"))
		return cmd_attach(ifindex, argc > 3 && !strcmp(argv[3], "pass"));
	if (!strcmp(argv[1], "read"))
		return cmd_read(ifindex);
	if (!strcmp(argv[1], "detach"))
		return cmd_detach(ifindex);
	fprintf(stderr, "sink: unknown command %s (attach, read, detach)\n", argv[1]);
	return 2;
}
