// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hook.c — the --hook command: /bin/sh -c CMD, started asynchronously on
 * each address change with the event in its environment, reaped on SIGCHLD:
 *   TUN46_EVENT        local (the WAN address of a local auto peer changed)
 *                      or remote (a DNS remote resolved to a new address)
 *   TUN46_PEER         the peer's name
 *   TUN46_OLD_LOCAL, TUN46_NEW_LOCAL     (local events)
 *   TUN46_OLD_REMOTE, TUN46_NEW_REMOTE, TUN46_REMOTE_NAME  (remote events)
 *   TUN46_NETNS        -n NETNS, when given */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tun46d.h"

void d_hook_run(const char *event, const char *peer, const char *old_addr, const char *new_addr,
		const char *remote_name)
{
	bool local = !strcmp(event, "local");
	sigset_t all;
	pid_t pid;

	if (!d_opts.hook)
		return;
	pid = fork();
	if (pid < 0) {
		d_cnt.hooks_failed++;
		d_log("hook: cannot start \"%s\": %s", d_opts.hook, strerror(errno));
		return;
	}
	if (pid > 0) {
		d_cnt.hooks_run++;
		d_debug("hook: started pid %d for %s event of peer %s", (int)pid, event, peer);
		return;
	}
	/* child: the signals the daemon blocked for its signalfd are unblocked */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setenv("TUN46_EVENT", event, 1);
	setenv("TUN46_PEER", peer, 1);
	setenv(local ? "TUN46_OLD_LOCAL" : "TUN46_OLD_REMOTE", old_addr, 1);
	setenv(local ? "TUN46_NEW_LOCAL" : "TUN46_NEW_REMOTE", new_addr, 1);
	if (remote_name)
		setenv("TUN46_REMOTE_NAME", remote_name, 1);
	if (d_opts.netns)
		setenv("TUN46_NETNS", d_opts.netns, 1);
	execl("/bin/sh", "sh", "-c", d_opts.hook, (char *)NULL);
	_exit(127);
}

void d_hook_reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			d_debug("hook: pid %d done", (int)pid);
			continue;
		}
		d_cnt.hooks_failed++;
		if (WIFEXITED(status))
			d_log("hook: pid %d exited with status %d", (int)pid, WEXITSTATUS(status));
		else
			d_log("hook: pid %d killed by signal %d", (int)pid, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
}
