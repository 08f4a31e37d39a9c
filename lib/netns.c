/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* netns.c — `-n NETNS` (enter /run/netns/NAME) and the namespace cookie. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "be_internal.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* Enter the named network namespace, as `ip -n NAME` does.  The mount
 * namespace is left alone: the backend never reads /sys/class/net. */
int netns_enter(const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	if (!name || !*name || strchr(name, '/')) {
		be_err("bad network namespace name '%s'; give a name listed by `ip netns list`", name ? name : "");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			be_err("network namespace %s: does not exist; see `ip netns list`", name);
		else
			be_err_perm(err, path);
		return err;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = -errno;
		close(fd);
		if (err == -EPERM)
			be_err("permission denied: run as root (entering network namespace %s)", name);
		else
			be_err("network namespace %s: cannot enter: %s", name, strerror(-err));
		return err;
	}
	close(fd);
	return 0;
}

/* The cookie of the current network namespace: unique for the life of the
 * system and never reused (unlike the namespace's inode number). */
int netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		be_err("cannot create a socket: %s", strerror(-err));
		return err;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len) < 0) {
		err = -errno;
		be_err("cannot read the network namespace cookie: %s; tun46 needs Linux 5.14 or later", strerror(-err));
	}
	close(fd);
	return err;
}

/* The process could not return to its network namespace (portcheck.c): from
 * then on it would act on the wrong one, so every write is refused. */
static bool lost;

void netns_mark_lost(void)
{
	lost = true;
}

bool netns_lost(void)
{
	return lost;
}
