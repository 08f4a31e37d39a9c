// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main.c — tun46d [-n NETNS] [-c FILE] [--metrics [ADDR:]PORT] [--hook CMD]
 *                 [-v] [-h] [-V]
 * The command line, the network namespace (and its /etc/netns/NETNS/resolv.conf,
 * as `ip netns exec` does), the library's printer; the work is in loop.c, the
 * options, counters and logging in common.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "tun46d.h"

/* The library's messages (it never prints itself): errors and warnings always,
 * its notes with -v, libbpf's own output only with TUN46_DEBUG and -v. */
static void lib_print(enum t46_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == T46_LOG_WARN)
		d_log("warning: %s", msg);
	else if (level == T46_LOG_ERR)
		d_log("%s", msg);
	else
		d_debug("%s", msg);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tun46d [-n NETNS] [-c FILE] [--metrics [ADDR:]PORT] [--hook CMD] [-v]\n"
		   "       tun46d -h | -V\n"
		   "Keeps a tun46 state following the network: local auto peers follow the WAN's\n"
		   "global IPv6 address, DNS remotes are re-resolved on their TTL, SIGHUP reloads -c FILE.\n"
		   "  -n, --netns NETNS        work in network namespace NETNS (/run/netns/NETNS)\n"
		   "  -c, --config FILE        apply FILE at start and on SIGHUP (as tun46 config apply)\n"
		   "  -m, --metrics [ADDR:]PORT  serve GET /metrics (PORT alone: 127.0.0.1 only)\n"
		   "  -H, --hook CMD           run /bin/sh -c CMD when an address changes (see tun46d(8))\n"
		   "  -v, --verbose            log every resolution, hook and request too\n"
		   "  -h, --help               this text;  -V, --version  the version\n");
}

/* Enter /run/netns/NAME; with /etc/netns/NAME/resolv.conf, use it (a mount
 * namespace of our own, as ip netns exec does). */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (!*name || strchr(name, '/')) {
		d_log("\"%s\" is not a network namespace name (see ip netns list)", name);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		d_log("network namespace %s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "/etc/netns/%s/resolv.conf", name);
	if (stat(path, &st) == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
		    mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
			d_log("cannot use %s as /etc/resolv.conf: %s", path, strerror(errno));
			return -1;
		}
		d_debug("resolver: %s", path);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"netns", required_argument, NULL, 'n'},   {"config", required_argument, NULL, 'c'},
	    {"metrics", required_argument, NULL, 'm'}, {"hook", required_argument, NULL, 'H'},
	    {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
	};
	static struct t46_lib_opts lib_opts;
	const char *env;
	int c;

	t46_opts_from(&lib_opts, getenv); /* the same TUN46_* variables as tun46(8) */
	t46_set_opts(&lib_opts);
	t46_set_print(lib_print, NULL);
	if (getenv("JOURNAL_STREAM")) /* the journal stamps each line itself */
		d_log_stamp = false;
	while ((c = getopt_long(argc, argv, "n:c:m:H:vhV", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			d_opts.netns = optarg;
			break;
		case 'c':
			d_opts.config = optarg;
			break;
		case 'm':
			d_opts.metrics = optarg;
			break;
		case 'H':
			d_opts.hook = optarg;
			break;
		case 'v':
			d_opts.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tun46d %s\n", TUN46_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tun46d: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* for tests: a shorter floor of the DNS re-resolution interval */
	if ((env = getenv("TUN46D_DNS_MIN_INTERVAL"))) {
		long v = strtol(env, NULL, 10);

		if (v >= 1 && v <= (long)d_opts.dns_max)
			d_opts.dns_min = (unsigned int)v;
	}
	if (d_opts.netns && enter_netns(d_opts.netns))
		return 1;
	return d_loop();
}
