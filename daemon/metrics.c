// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* metrics.c — GET /metrics over HTTP/1.0 or 1.1 (answered with
 * Connection: close): the body of t46_prom_write() (the same counters as
 * `tun46 stats`), then the daemon's own metrics (tun46d_*).  Other paths get
 * 404, other methods 405.  --metrics PORT binds localhost (127.0.0.1) only;
 * --metrics ADDR:PORT (or [ADDR6]:PORT) binds ADDR. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "names.h"
#include "prom.h"
#include "tun46d.h"

int d_metrics_open(const char *spec)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE};
	char host[256] = "127.0.0.1", port[16];
	const char *colon = strrchr(spec, ':');
	struct addrinfo *ai;
	int fd, one = 1, err;

	if (!colon) {
		snprintf(port, sizeof(port), "%s", spec);
	} else if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':' || end - spec - 1 >= (long)sizeof(host)) {
			d_log("--metrics %s: expected [ADDR6]:PORT", spec);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1), spec + 1);
		snprintf(port, sizeof(port), "%s", end + 2);
	} else {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	err = getaddrinfo(host, port, &hints, &ai);
	if (err || !atoi(port)) {
		d_log("--metrics %s: not an address and port (%s); examples: 9846, 127.0.0.1:9846, [::1]:9846", spec,
		      err ? gai_strerror(err) : "port 0");
		if (!err)
			freeaddrinfo(ai);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
		d_log("--metrics %s: cannot listen: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, const char *status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			 type, len);

	write_all(fd, head, (size_t)n);
	write_all(fd, body, len);
}

struct name_lines {
	FILE *f;
	struct be *be;
	int pass; /* 0: resolutions, 1: failures */
};

static int name_line(uint32_t id, const struct t46_name_rec *rec, void *arg)
{
	struct name_lines *x = arg;
	struct tun46_peer p;

	if (be_peer_get(x->be, id, &p))
		return 0;
	p.name[TUN46_NAME_LEN - 1] = '\0';
	fprintf(x->f, "tun46d_dns_%s_total{peer=\"%s\",name=\"%s\"} %llu\n", x->pass ? "failures" : "resolutions",
		p.name, rec->name, (unsigned long long)(x->pass ? rec->failures : rec->resolutions));
	return 0;
}

/* The daemon's own metrics, after t46_prom_write's. */
static void daemon_metrics(FILE *f, struct be *be)
{
	static const struct {
		const char *name, *help;
		const uint64_t *v;
	} c[] = {
	    {"tun46d_local_changes_total", "Local auto peers moved to a new WAN address.", &d_cnt.local_changes},
	    {"tun46d_remote_changes_total", "DNS peers moved to a new address.", &d_cnt.remote_changes},
	    {"tun46d_hook_runs_total", "Hook commands started.", &d_cnt.hooks_run},
	    {"tun46d_hook_failures_total", "Hook commands that failed.", &d_cnt.hooks_failed},
	    {"tun46d_scrapes_total", "Metrics requests answered.", &d_cnt.metrics_scrapes},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", c[i].name, c[i].help, c[i].name, c[i].name,
			(unsigned long long)*c[i].v);
	fprintf(f,
		"# HELP tun46d_config_reloads_total Config reloads on SIGHUP, by result.\n"
		"# TYPE tun46d_config_reloads_total counter\n"
		"tun46d_config_reloads_total{result=\"ok\"} %llu\n"
		"tun46d_config_reloads_total{result=\"error\"} %llu\n",
		(unsigned long long)d_cnt.reloads_ok, (unsigned long long)d_cnt.reloads_failed);
	fprintf(f, "# HELP tun46d_dns_resolutions_total Answers received for the peer's DNS name.\n"
		   "# TYPE tun46d_dns_resolutions_total counter\n");
	if (be_loaded(be)) {
		struct name_lines x = {f, be, 0};

		be_name_foreach(be, name_line, &x);
	}
	fprintf(f, "# HELP tun46d_dns_failures_total Failed resolutions of the peer's DNS name (the last good "
		   "address was kept).\n# TYPE tun46d_dns_failures_total counter\n");
	if (be_loaded(be)) {
		struct name_lines x = {f, be, 1};

		be_name_foreach(be, name_line, &x);
	}
}

static void serve(int fd)
{
	char req[4096], *body = NULL;
	size_t len = 0, blen = 0;
	struct timeval tv = {.tv_sec = 2};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1) { /* the request head (bounded: 2 s, 4 KiB) */
		ssize_t n = read(fd, req + len, sizeof(req) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	if (strncmp(req, "GET ", 4)) {
		static const char m[] = "only GET is served\n";

		reply(fd, len ? "405 Method Not Allowed" : "400 Bad Request", "text/plain", m, sizeof(m) - 1);
		return;
	}
	const char *path = req + 4, *end = path + strcspn(path, " ?\r\n");

	if ((size_t)(end - path) != strlen("/metrics") || strncmp(path, "/metrics", 8)) {
		static const char m[] = "not found: the metrics are at /metrics\n";

		d_debug("metrics: 404 for %.*s", (int)(end - path), path);
		reply(fd, "404 Not Found", "text/plain", m, sizeof(m) - 1);
		return;
	}
	FILE *f = open_memstream(&body, &blen);
	struct be *be = d_be_open(false);
	struct t46_prom_opts po = {.version = TUN46_VERSION};
	int err = -ENOMEM;

	if (f && be) {
		err = t46_prom_write(be, f, &po);
		if (!err)
			daemon_metrics(f, be);
	}
	if (be)
		be_close(be);
	if (f)
		fclose(f);
	if (err || !be) {
		static const char m[] = "cannot read the counters (see the daemon's log)\n";

		d_log("metrics: cannot read the counters: %s", strerror(err < 0 ? -err : EIO));
		reply(fd, "500 Internal Server Error", "text/plain", m, sizeof(m) - 1);
	} else {
		d_cnt.metrics_scrapes++;
		reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, blen);
	}
	free(body);
}

void d_metrics_accept(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve(fd);
		close(fd);
	}
}
