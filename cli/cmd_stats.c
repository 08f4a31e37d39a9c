// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmd_stats.c — tun46 stats show | watch | reset | prometheus. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "live.h"
#include "output.h"
#include "prom.h"

#ifndef TUN46_VERSION
#define TUN46_VERSION "0.1" /* as cli/main.c */
#endif

static const struct {
	const char *name, *desc;
} counters[TUN46_C__MAX] = {
#define X(sfx, n, d) [TUN46_C_##sfx] = {n, d},
    TUN46_COUNTERS(X)
#undef X
};

/* Counters always shown in text even when zero. */
static bool headline(int i)
{
	return i == TUN46_C_ENCAP_PACKETS || i == TUN46_C_ENCAP_BYTES || i == TUN46_C_DECAP_PACKETS ||
	       i == TUN46_C_DECAP_BYTES;
}

static void add_counters(struct tun46_counters *dst, const struct tun46_counters *src)
{
	for (int i = 0; i < TUN46_C__MAX; i++)
		dst->c[i] += src->c[i];
}

static void print_counters(const struct t46_ctx *ctx, const struct tun46_counters *c)
{
	for (int i = 0; i < TUN46_C__MAX; i++) {
		if (out_json()) {
			out_uint(counters[i].name, NULL, c->c[i]);
		} else if (ctx->stats) {
			out_text("    %-26s %14llu  %s\n", counters[i].name, (unsigned long long)c->c[i],
				 counters[i].desc);
		} else if (c->c[i] || headline(i)) {
			out_text("    %-26s %14llu\n", counters[i].name, (unsigned long long)c->c[i]);
		}
	}
}

struct filter {
	uint32_t peer_id; /* 0 = all */
	uint32_t ifindex; /* 0 = all */
};

static bool keep(const struct filter *f, const struct be_stats_entry *e)
{
	return (!f->peer_id || e->peer_id == f->peer_id) && (!f->ifindex || e->ifindex == f->ifindex);
}

/* In the per-interface and per-peer lists: every kept entry but the
 * (ifindex 0) one of stats_map_full, which only the total shows. */
static bool listed(const struct filter *f, const struct be_stats_entry *e)
{
	return keep(f, e) && e->ifindex != 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of ifindex (by_peer false) or peer id of the kept entries. */
static size_t keys(const struct be_stats_entry *e, size_t n, const struct filter *f, bool by_peer, uint32_t *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (listed(f, &e[i]))
			out[k++] = by_peer ? e[i].peer_id : e[i].ifindex;
	}
	qsort(out, k, sizeof(*out), cmp_u32);
	size_t m = 0;

	for (size_t i = 0; i < k; i++) {
		if (!m || out[m - 1] != out[i])
			out[m++] = out[i];
	}
	return m;
}

static void ifname_of(uint32_t ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
}

static int resolve_filter(struct t46_ctx *ctx, struct be *be, const struct t46_cmd *c, struct filter *f)
{
	memset(f, 0, sizeof(*f));
	if (c->has_name) {
		int err = be_loaded(be) ? be_peer_find(be, c->name, &f->peer_id) : -ENOENT;

		if (err == -ENOENT)
			t46_error(ctx, "no peer named %s", c->name);
		if (err)
			return -1;
	}
	if (c->has_dev && !(f->ifindex = if_nametoindex(c->ifname))) {
		t46_error(ctx, "no interface named %s", c->ifname);
		return -1;
	}
	return 0;
}

static int stats_show(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct be_stats_entry *e = NULL;
	struct tun46_counters total = {0};
	size_t n = 0, nk;
	uint32_t *k;
	struct filter f;

	if (!be || resolve_filter(ctx, be, c, &f))
		return T46_EXIT_ERR;
	if (be_loaded(be) && be_stats_read(be, &e, &n))
		return T46_EXIT_ERR;
	if (!(k = malloc((n + 1) * sizeof(*k)))) {
		free(e);
		t46_error(ctx, "out of memory");
		return T46_EXIT_ERR;
	}
	for (size_t i = 0; i < n; i++) {
		if (keep(&f, &e[i]))
			add_counters(&total, &e[i].sum);
	}
	out_open_obj(NULL);
	out_open_obj("total");
	out_text("total:\n");
	print_counters(ctx, &total);
	out_close_obj();

	out_open_arr("dev");
	nk = keys(e, n, &f, false, k);
	for (size_t j = 0; j < nk; j++) {
		struct tun46_counters sum = {0};
		char ifname[IF_NAMESIZE];

		for (size_t i = 0; i < n; i++) {
			if (listed(&f, &e[i]) && e[i].ifindex == k[j])
				add_counters(&sum, &e[i].sum);
		}
		ifname_of(k[j], ifname);
		out_open_obj(NULL);
		out_str("ifname", "dev %s", ifname);
		out_uint("ifindex", " (ifindex %llu):\n", k[j]);
		print_counters(ctx, &sum);
		out_close_obj();
	}
	out_close_arr();

	out_open_arr("peer");
	nk = keys(e, n, &f, true, k);
	for (size_t j = 0; j < nk; j++) {
		struct tun46_counters sum = {0};
		char name[TUN46_NAME_LEN + 12];

		for (size_t i = 0; i < n; i++) {
			if (listed(&f, &e[i]) && e[i].peer_id == k[j])
				add_counters(&sum, &e[i].sum);
		}
		out_open_obj(NULL);
		out_str("name", "peer %s", k[j] ? t46_peer_name(be, k[j], name, sizeof(name)) : "(none)");
		out_uint("id", " (id %llu):\n", k[j]);
		print_counters(ctx, &sum);
		out_close_obj();
	}
	out_close_arr();
	out_close_obj();
	out_flush();
	free(k);
	free(e);
	return T46_EXIT_OK;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens the state for each read: the state lock is not held while sleeping. */
static int read_total(struct t46_ctx *ctx, const struct filter *f, struct tun46_counters *total)
{
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	struct be_stats_entry *e = NULL;
	size_t n = 0;
	int err;

	memset(total, 0, sizeof(*total));
	if (!be)
		return -1;
	err = be_loaded(be) ? be_stats_read(be, &e, &n) : 0;
	t46_ctx_close(ctx);
	if (err)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (keep(f, &e[i]))
			add_counters(total, &e[i].sum);
	}
	free(e);
	return 0;
}

/* A rate with an SI prefix: "850 pps", "1.2 kpps", "12.3 Mbit/s", "3/s". */
static void fmt_rate(double v, const char *unit, char *buf, size_t len)
{
	static const char *const pfx[] = {"", "k", "M", "G", "T"};
	int p = 0;

	while (v >= 999.95 && p < 4) {
		v /= 1000;
		p++;
	}
	if (!p)
		snprintf(buf, len, "%.0f%s%s", v, unit[0] == '/' ? "" : " ", unit);
	else
		snprintf(buf, len, "%.1f%s%s%s", v, unit[0] == '/' ? "" : " ", pfx[p], unit);
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && !strcmp(s + a - b, sfx);
}

/* Text: counter name and rate in human units (bytes as bit/s). */
static void print_rate(int i, double r)
{
	char buf[32];

	if (ends_with(counters[i].name, "_bytes"))
		fmt_rate(r * 8, "bit/s", buf, sizeof(buf));
	else if (ends_with(counters[i].name, "_packets"))
		fmt_rate(r, "pps", buf, sizeof(buf));
	else
		fmt_rate(r, "/s", buf, sizeof(buf));
	out_text(" %s %s", counters[i].name, buf);
}

static int stats_watch(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct tun46_counters a, b;
	struct filter f = {0};
	struct sigaction sa = {.sa_handler = on_signal};
	struct be *be;
	double ta, tb;

	if (c->has_name || c->has_dev) { /* resolved once: the ids stay while watching */
		if (!(be = t46_ctx_be(ctx, T46_BE_READ)) || resolve_filter(ctx, be, c, &f)) {
			t46_ctx_close(ctx);
			return T46_EXIT_ERR;
		}
		t46_ctx_close(ctx);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (read_total(ctx, &f, &a))
		return T46_EXIT_ERR;
	ta = now();
	for (unsigned int round = 0; !stop && (!c->count || round < c->count); round++) {
		struct timespec ts = {.tv_sec = (time_t)c->interval,
				      .tv_nsec = (long)((c->interval - (time_t)c->interval) * 1e9)};
		struct timespec wall;
		char tbuf[32];
		struct tm tm;

		while (nanosleep(&ts, &ts) && !stop)
			;
		if (stop)
			break;
		if (read_total(ctx, &f, &b))
			return T46_EXIT_ERR;
		tb = now();
		clock_gettime(CLOCK_REALTIME, &wall);
		localtime_r(&wall.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		out_open_obj(NULL);
		out_text("%s", tbuf);
		out_float("time", NULL, wall.tv_sec + wall.tv_nsec / 1e9);
		out_float("interval", NULL, tb - ta);
		out_open_obj("rates");
		for (int i = 0; i < TUN46_C__MAX; i++) {
			double r = (b.c[i] >= a.c[i] ? b.c[i] - a.c[i] : 0) / (tb - ta);

			if (out_json())
				out_float(counters[i].name, NULL, r);
			else if (r > 0 || headline(i))
				print_rate(i, r);
		}
		out_close_obj();
		out_close_obj();
		out_text("\n");
		out_flush();
		a = b;
		ta = tb;
	}
	return T46_EXIT_OK;
}

/* The Prometheus text exposition (lib/prom.c) on stdout; -j has no effect. */
static int stats_prometheus(struct t46_ctx *ctx)
{
	struct t46_prom_opts o = {.version = TUN46_VERSION};
	struct be *be = t46_ctx_be(ctx, T46_BE_READ);
	int err;

	if (!be)
		return T46_EXIT_ERR;
	err = t46_prom_write(be, stdout, &o);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		t46_error(ctx, "cannot write the metrics: %s", strerror(-err));
		return T46_EXIT_ERR;
	}
	return T46_EXIT_OK;
}

int t46_cmd_stats(struct t46_ctx *ctx, const struct t46_cmd *c)
{
	struct be *be;

	switch (c->verb) {
	case T46_V_WATCH:
		return stats_watch(ctx, c);
	case T46_V_PROMETHEUS:
		return stats_prometheus(ctx);
	case T46_V_RESET:
		if (!(be = t46_ctx_be(ctx, T46_BE_WRITE)))
			return T46_EXIT_ERR;
		if (!be_loaded(be))
			return T46_EXIT_OK;
		return be_stats_reset(be) ? T46_EXIT_ERR : T46_EXIT_OK;
	default:
		return stats_show(ctx, c);
	}
}
