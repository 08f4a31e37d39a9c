/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tun46d.h — the tun46 daemon: one poll loop (loop.c) over an rtnetlink
 * socket (addr.c: "local auto" follows the WAN address), a timerfd (dns.c:
 * DNS remotes re-resolved on their TTL), a signalfd (SIGHUP reload, SIGTERM/
 * SIGINT stop, SIGCHLD hooks) and the metrics listener (metrics.c); systemd
 * notifications (notify.c) and the --hook command (hook.c); options and
 * logging below them all (common.c), the command line above (main.c).
 */
#ifndef TUN46D_H
#define TUN46D_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

#ifndef TUN46_VERSION
#define TUN46_VERSION "0.1"
#endif

struct d_opts {
	const char *netns;   /* -n NETNS */
	const char *config;  /* -c FILE */
	const char *metrics; /* --metrics [ADDR:]PORT */
	const char *hook;    /* --hook CMD */
	int verbose;
	unsigned int dns_min, dns_max; /* re-resolution interval bounds (s) */
};

/* the daemon's own counters (exported with the metrics) */
struct d_counters {
	uint64_t local_changes;	  /* local auto peers moved to a new WAN address */
	uint64_t remote_changes;  /* DNS peers moved to a new address */
	uint64_t reloads_ok;	  /* SIGHUP config reloads applied */
	uint64_t reloads_failed;  /* ... refused (bad file: the state was kept) */
	uint64_t hooks_run;	  /* hook commands started */
	uint64_t hooks_failed;	  /* ... that exited non-zero or could not start */
	uint64_t metrics_scrapes; /* GET /metrics answered */
};

/* common.c (the bottom of daemon/: calls only lib/): the options, the
 * counters, one line per event on stderr (no timestamp under systemd:
 * d_log_stamp false) */
extern struct d_opts d_opts;
extern struct d_counters d_cnt;
extern bool d_log_stamp;

void d_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void d_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the namespace's state (the daemon is already in its namespace). NULL: logged. */
struct be *d_be_open(bool write);

/* loop.c */
int d_loop(void);
int d_apply_config(const char *file); /* 0, or -1 (logged; nothing changed) */

/* addr.c */
int d_addr_open(void);	   /* rtnetlink socket subscribed to IPv6 address events; fd or -errno */
bool d_addr_drain(int fd); /* read the pending events; true when an address changed */
void d_addr_follow(void);  /* re-pick the local address of every local auto peer */

/* dns.c */
/* Refresh the names that are due (all when force); returns seconds until
 * the next is due (at most dns_min, so new names are seen soon). */
unsigned int d_dns_run(bool force);
unsigned int d_dns_count(void); /* DNS peers seen at the last run */

/* metrics.c */
int d_metrics_open(const char *spec); /* listening socket or -1 (logged) */
void d_metrics_accept(int lfd);

/* notify.c: sd_notify through $NOTIFY_SOCKET (nothing when unset) */
void d_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* hook.c */
/* Run --hook CMD with the event in its environment (asynchronously). */
void d_hook_run(const char *event, const char *peer, const char *old_addr, const char *new_addr,
		const char *remote_name);
void d_hook_reap(void); /* SIGCHLD */

#endif /* TUN46D_H */
