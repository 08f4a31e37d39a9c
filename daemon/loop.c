// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loop.c — the poll loop: rtnetlink address events, the DNS timer, signals
 * and the metrics listener; config (re)load and the systemd notifications. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "config.h"
#include "tun46d.h"

int d_apply_config(const char *file)
{
	struct t46_cfg_errs *errs = calloc(1, sizeof(*errs));
	struct t46_plan plan = {0};
	struct t46_err fe = {0};
	struct t46_state want;
	bool rb_failed = false;
	struct be *be = NULL;
	char *buf = NULL;
	size_t len;
	int rc = -1, err;

	st_init(&want);
	if (!errs)
		goto out;
	if (t46_read_file(file, &buf, &len, &fe)) {
		d_log("%s", fe.msg);
		goto out;
	}
	if (t46_config_parse(buf, len, &want, errs)) {
		t46_config_print_errs(stderr, file, errs);
		d_log("%s: not applied; the running state is kept", file);
		goto out;
	}
	if (!(be = d_be_open(true)))
		goto out;
	err = t46_config_apply_state(be, &want, errs, &plan, &rb_failed);
	if (err == -EINVAL && errs->total) {
		t46_config_print_errs(stderr, file, errs);
		d_log("%s: not applied; the running state is kept", file);
	} else if (err) {
		d_log("%s: apply failed (%s); %s", file, strerror(-err),
		      rb_failed ? "the rollback failed too: fix the cause and reload" : "rolled back");
	} else {
		if (t46_plan_empty(&plan))
			d_log("%s: applied, no change", file);
		else
			d_log("%s: applied: links +%u ~%u -%u, peers +%u ~%u -%u, routes +%zu ~%zu -%zu", file,
			      plan.links_add, plan.links_change, plan.links_del, plan.peers_add, plan.peers_change,
			      plan.peers_del, plan.routes_add, plan.routes_change, plan.routes_del);
		rc = 0;
	}
out:
	if (be)
		be_close(be);
	t46_plan_free(&plan);
	st_free(&want);
	free(buf);
	free(errs);
	return rc;
}

static void arm(int tfd, unsigned int secs)
{
	struct itimerspec its = {.it_value = {.tv_sec = secs ? secs : 1}};

	timerfd_settime(tfd, 0, &its, NULL);
}

static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* SIGHUP: the config again, every DNS name now, the local addresses. */
static void reload(int tfd)
{
	d_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading\n", (unsigned long long)monotonic_usec());
	d_log("SIGHUP: reloading");
	if (d_opts.config) {
		if (d_apply_config(d_opts.config) == 0)
			d_cnt.reloads_ok++;
		else
			d_cnt.reloads_failed++;
	}
	arm(tfd, d_dns_run(true));
	d_addr_follow();
	d_notify("READY=1\nSTATUS=following %u DNS peer(s); reloaded\n", d_dns_count());
}

int d_loop(void)
{
	enum { P_SIG, P_NL, P_TIMER, P_METRICS, P__MAX };
	struct pollfd pfd[P__MAX];
	sigset_t mask;
	int sfd, nfd, tfd, mfd = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	nfd = d_addr_open();
	if (sfd < 0 || tfd < 0 || nfd < 0) {
		d_log("cannot set up the event loop: %s", strerror(nfd < 0 ? -nfd : errno));
		return 1;
	}
	if (d_opts.metrics && (mfd = d_metrics_open(d_opts.metrics)) < 0)
		return 1;
	/* subscribed first, then the first apply and look: no event falls between */
	if (d_opts.config && d_apply_config(d_opts.config)) {
		d_log("%s: the first apply failed; exiting", d_opts.config);
		return 1;
	}
	d_addr_follow();
	arm(tfd, d_dns_run(true));
	d_log("started (version %s%s%s%s%s)", TUN46_VERSION, d_opts.netns ? ", netns " : "",
	      d_opts.netns ? d_opts.netns : "", d_opts.metrics ? ", metrics on " : "",
	      d_opts.metrics ? d_opts.metrics : "");
	d_notify("READY=1\nSTATUS=following %u DNS peer(s)\nMAINPID=%d\n", d_dns_count(), (int)getpid());

	pfd[P_SIG] = (struct pollfd){.fd = sfd, .events = POLLIN};
	pfd[P_NL] = (struct pollfd){.fd = nfd, .events = POLLIN};
	pfd[P_TIMER] = (struct pollfd){.fd = tfd, .events = POLLIN};
	pfd[P_METRICS] = (struct pollfd){.fd = mfd, .events = POLLIN};
	for (;;) {
		if (poll(pfd, P__MAX, -1) < 0) {
			if (errno == EINTR)
				continue;
			d_log("poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[P_SIG].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload(tfd);
				} else if (si.ssi_signo == SIGCHLD) {
					d_hook_reap();
				} else {
					d_notify("STOPPING=1\nSTATUS=stopping; the datapath keeps forwarding\n");
					d_log("%s: stopping; the datapath keeps forwarding",
					      si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
					d_hook_reap();
					return 0;
				}
			}
		}
		if (pfd[P_NL].revents && d_addr_drain(nfd))
			d_addr_follow();
		if (pfd[P_TIMER].revents) {
			uint64_t n;

			if (read(tfd, &n, sizeof(n)) == sizeof(n))
				arm(tfd, d_dns_run(false));
		}
		if (mfd >= 0 && pfd[P_METRICS].revents)
			d_metrics_accept(mfd);
	}
}
