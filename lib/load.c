/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * load.c — load the BPF datapath (skeleton build/tun46.skel.h) once per
 * network namespace and pin its maps and programs in the pin directory.
 *
 * Map sizes come from TUN46_MAX_PEERS / TUN46_MAX_ROUTES / TUN46_MAX_STATS
 * (t46_lib_opts, filled by the front) when a map is first created; a map already pinned (a partial earlier
 * load) is reused with its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

#if __has_include("tun46.skel.h")
#include "tun46.skel.h"
#define HAVE_SKEL 1
#endif

/* Parse the setting s (from the environment variable NAME) as a map size in
 * [lo, hi]; def when unset. */
static int env_size(const char *name, const char *s, uint32_t def, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long v;
	char *end;

	*out = def;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || s[0] == '-' || v < lo || v > hi) {
		be_err("bad %s=%s: give a number from %u to %u, or unset it for the default %u", name, s, lo, hi, def);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Interfaces per router that count traffic per peer, for the default size of
 * tun46_stats: a WAN, the tunnel device (the slow path counts there) and up
 * to four LAN ports (LAN, guest, DMZ, a VLAN), each with every peer id
 * (0 = no peer included).  TUN46_MAX_STATS overrides it. */
#define TUN46_STATS_PORTS	6
#define TUN46_STATS_DEFAULT_CAP (1u << 16) /* preallocated per CPU: ~31 MiB per CPU at the cap */
/* ... and at most this much memory over all CPUs (a hub with 10,000 peers on
 * a 64-CPU machine: 8,886 entries, not 65,536 x 64 x 472 B = 1.9 GiB), but
 * never fewer than TUN46_STATS_MIN_CAP entries. */
#define TUN46_STATS_MEM_BUDGET (256ull << 20)
#define TUN46_STATS_MIN_CAP    4096u

/* The default size of tun46_stats for max_peers peer ids on ncpu CPUs. */
static uint32_t stats_default(uint32_t max_peers, int ncpu)
{
	uint64_t n = (uint64_t)max_peers * TUN46_STATS_PORTS, cap = TUN46_STATS_DEFAULT_CAP;

	if (ncpu > 0) {
		uint64_t fit = TUN46_STATS_MEM_BUDGET / ((uint64_t)ncpu * sizeof(struct tun46_counters));

		if (fit < cap)
			cap = fit > TUN46_STATS_MIN_CAP ? fit : TUN46_STATS_MIN_CAP;
	}
	return (uint32_t)(n < cap ? n : cap);
}

/* Map sizes from the settings (validated even when not used).  The stats
 * map follows the peers: max_peers x TUN46_STATS_PORTS, capped (see
 * stats_default) unless TUN46_MAX_STATS says otherwise. */
static int map_sizes_from_env(uint32_t *peers, uint32_t *routes, uint32_t *stats)
{
	uint64_t def_stats;
	int err;

	const struct t46_lib_opts *o = t46_get_opts();

	err = env_size("TUN46_MAX_PEERS", o->max_peers, TUN46_DEFAULT_MAX_PEERS, 2, 1u << 20, peers);
	if (!err)
		err = env_size("TUN46_MAX_ROUTES", o->max_routes, TUN46_DEFAULT_MAX_ROUTES, 1, 1u << 24, routes);
	def_stats = stats_default(*peers, libbpf_num_possible_cpus());
	if (!err)
		err = env_size("TUN46_MAX_STATS", o->max_stats, (uint32_t)def_stats, 1, 1u << 20, stats);
	return err;
}

#ifdef HAVE_SKEL
/* tun46's sentence, the kernel's reason (libbpf's "Kernel error message" or
 * the verifier's last line), and what the feature probes find missing. */
static void load_error(int err)
{
	char reason[512], missing[1024];
	struct probe_result r;

	lbmsg_reason(reason, sizeof(reason));
	probe_run(&r);
	probe_format_missing(&r, missing, sizeof(missing));
	be_err("cannot load the BPF datapath: %s%s%s%s%s; rerun with TUN46_DEBUG=1 for libbpf's log", strerror(-err),
	       reason[0] ? "; the kernel says: " : "", reason, missing[0] ? "; this kernel lacks " : "", missing);
}

/* Pin fd as <pin dir>/prog_<name>: pinned under a temporary name, then renamed
 * over the old pin, so the pin always names a program. */
int pin_prog_fd(struct be *be, enum be_prog_idx p, int fd)
{
	char path[PATH_MAX], tmp[PATH_MAX], pname[64];

	snprintf(pname, sizeof(pname), "prog_%s", be_prog_names[p]);
	if (pin_path(be, pname, path, sizeof(path)))
		return -ENAMETOOLONG;
	snprintf(pname, sizeof(pname), "prog_%s_new", be_prog_names[p]); /* bpffs: no dots */
	if (pin_path(be, pname, tmp, sizeof(tmp)))
		return -ENAMETOOLONG;
	unlink(tmp); /* left by a run killed here */
	if (bpf_obj_pin(fd, tmp))
		return -errno;
	if (rename(tmp, path) == 0)
		return 0;
	unlink(tmp); /* no rename on this bpffs: replace the pin */
	unlink(path);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

/* FNV-1a, 64 bits: tells builds apart (not a security hash). */
static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

uint64_t load_build_id(void)
{
	size_t n = 0;
	const void *p = tun46__elf_bytes(&n);

	return p && n ? fnv1a64(p, n) : 0;
}

/* The route caches' lifetime in ticks (bpf/lib/nhcache.h): as many whole
 * ticks as fit in 50 ms (TUN46_NH_TTL_MS), the tick being the resolution of the
 * coarse clock (1/HZ).  5 ticks (<= 50 ms for any HZ >= 100) if unknown. */
static uint32_t nh_ttl_jiffies(void)
{
	struct timespec res;
	uint64_t tick;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || (tick = (uint64_t)res.tv_nsec) < 100000 ||
	    tick > 10000000)
		return 5;
	return (uint32_t)(50ULL * 1000 * 1000 / tick);
}

int load_programs(struct be *be, int prog_fd[BE_PROG__MAX])
{
	uint32_t peers, routes, stats;
	struct bpf_map *maps[BE_MAP__MAX];
	struct bpf_program *progs[BE_PROG__MAX];
	libbpf_print_fn_t old_print;
	struct tun46 *skel;
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < BE_PROG__MAX; i++)
		prog_fd[i] = -1;
	err = map_sizes_from_env(&peers, &routes, &stats);
	if (err)
		return err;
	old_print = libbpf_set_print(be_libbpf_warn); /* its warnings while opening the object */
	skel = tun46__open();
	if (!skel) {
		err = -errno;
		be_err("cannot open the BPF datapath object: %s", strerror(-err));
		goto out;
	}
	skel->rodata->tun46_nh_ttl_jiffies = nh_ttl_jiffies();
	maps[BE_MAP_PEERS] = skel->maps.tun46_peers;
	maps[BE_MAP_ROUTES] = skel->maps.tun46_routes;
	maps[BE_MAP_DECAP] = skel->maps.tun46_decap;
	maps[BE_MAP_STATS] = skel->maps.tun46_stats;
	maps[BE_MAP_STATS_FAST] = skel->maps.tun46_stats_fast;
	maps[BE_MAP_PORTS] = skel->maps.tun46_ports;
	maps[BE_MAP_LINKS] = skel->maps.tun46_links;
	maps[BE_MAP_CONFIG] = skel->maps.tun46_config;
	maps[BE_MAP_PEER_RX] = skel->maps.tun46_peer_rx;
	progs[BE_PROG_XDP_LAN] = skel->progs.xdp_lan;
	progs[BE_PROG_XDP_WAN] = skel->progs.xdp_wan;
	progs[BE_PROG_TC_LAN] = skel->progs.tc_lan;
	progs[BE_PROG_TC_WAN] = skel->progs.tc_wan;
	progs[BE_PROG_TC_TUN] = skel->progs.tc_tun;

	for (i = 0; i < BE_MAP__MAX; i++) {
		uint32_t max = 0;
		int fd;

		pin_path(be, be_map_names[i], path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd >= 0) { /* reuse: keep its size so libbpf accepts it */
			struct bpf_map_info info;
			uint32_t len = sizeof(info);

			max = maps_max_entries(fd);
			/* and its flags: the kernel adds BPF_F_RDONLY_PROG to a
			 * devmap, which libbpf's reuse check compares */
			memset(&info, 0, sizeof(info));
			if (!bpf_obj_get_info_by_fd(fd, &info, &len))
				bpf_map__set_map_flags(maps[i], info.map_flags);
			close(fd);
			if (i == BE_MAP_PEERS && max)
				peers = max; /* a missing tun46_peer_rx (older state) is made to match */
		} else if (i == BE_MAP_PEERS || i == BE_MAP_DECAP || i == BE_MAP_PEER_RX) {
			max = peers; /* PEER_RX after PEERS: the size of the pinned tun46_peers */
		} else if (i == BE_MAP_ROUTES) {
			max = routes;
		} else if (i == BE_MAP_STATS) {
			max = stats;
		}
		if (max)
			bpf_map__set_max_entries(maps[i], max);
		err = bpf_map__set_pin_path(maps[i], path);
		if (err) {
			be_err("cannot set the pin path %s: %s", path, strerror(-err));
			goto out;
		}
	}
	lbmsg_begin();
	err = tun46__load(skel);
	lbmsg_end();
	if (err) {
		if (err == -EPERM || err == -EACCES)
			be_err("permission denied: run as root (loading the BPF datapath)");
		else
			load_error(err);
		goto out;
	}
	for (i = 0; i < BE_PROG__MAX; i++) {
		prog_fd[i] = fcntl(bpf_program__fd(progs[i]), F_DUPFD_CLOEXEC, 3);
		if (prog_fd[i] < 0) {
			err = -errno;
			be_err("cannot keep the BPF programs: %s", strerror(-err));
			goto out;
		}
	}
out:
	tun46__destroy(skel); /* the pins keep the maps alive, prog_fd[] the programs */
	libbpf_set_print(old_print);
	if (err)
		for (i = 0; i < BE_PROG__MAX; i++)
			if (prog_fd[i] >= 0) {
				close(prog_fd[i]);
				prog_fd[i] = -1;
			}
	return err;
}

int load_and_pin(struct be *be)
{
	int prog_fd[BE_PROG__MAX], i, err;

	err = load_programs(be, prog_fd);
	if (err)
		return err;
	for (i = 0; i < BE_PROG__MAX && !err; i++) {
		err = pin_prog_fd(be, (enum be_prog_idx)i, prog_fd[i]);
		if (err)
			be_err_perm(err, "pinning the BPF programs");
	}
	for (i = 0; i < BE_PROG__MAX; i++)
		close(prog_fd[i]);
	return err; /* the caller (ensure.c) records the layout: layout.c is above load.c */
}
#else
int load_and_pin(struct be *be)
{
	uint32_t peers, routes, stats;

	(void)be;
	if (map_sizes_from_env(&peers, &routes, &stats))
		return -EINVAL;
	be_err("this tun46 was built without the BPF datapath (build/tun46.skel.h); run `make`");
	return -ENOSYS;
}

int load_programs(struct be *be, int prog_fd[BE_PROG__MAX])
{
	for (int i = 0; i < BE_PROG__MAX; i++)
		prog_fd[i] = -1;
	return load_and_pin(be);
}

int pin_prog_fd(struct be *be, enum be_prog_idx p, int fd)
{
	(void)be;
	(void)p;
	(void)fd;
	return -ENOSYS;
}

uint64_t load_build_id(void)
{
	return 0;
}
#endif
