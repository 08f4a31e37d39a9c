/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lock.c — the state lock: flock() on the pin directory itself, exclusive
 * for commands that change state, shared for read-only ones, held from
 * be_open to be_close, so two tun46 runs never interleave.  A run that has
 * to wait more than a moment says so once (T46_LOG_INFO, with the holder's
 * pid from /proc/locks: bpffs holds no regular file to write it in).
 *
 * The directory is removed when the last state goes away; a waiter that
 * then gets the lock on the removed directory notices (the path no longer
 * names the inode it locked) and starts again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "be_internal.h"

static int mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The pid of a process that holds a flock on fd's inode, from /proc/locks
 * ("1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF"); 0 if not found. */
static int lock_holder(int fd)
{
	char line[256], dev[64];
	struct stat st;
	int pid = 0, p;
	unsigned long long ino;
	FILE *f;

	if (fstat(fd, &st) || !(f = fopen("/proc/locks", "re")))
		return 0;
	snprintf(dev, sizeof(dev), "%02x:%02x:", major(st.st_dev), minor(st.st_dev));
	while (!pid && fgets(line, sizeof(line), f)) {
		char type[16], kind[16], mode[16], where[64], *c;

		if (!strstr(line, "FLOCK") || strstr(line, "->")) /* "->": a waiter, not the holder */
			continue;
		if (sscanf(line, "%*s %15s %15s %15s %d %63s", type, kind, mode, &p, where) != 5)
			continue;
		c = strrchr(where, ':');
		if (!c || strncmp(where, dev, strlen(dev)) || sscanf(c + 1, "%llu", &ino) != 1)
			continue;
		if (ino == (unsigned long long)st.st_ino && p != (int)getpid())
			pid = p;
	}
	fclose(f);
	return pid;
}

/* flock(fd, op), saying once (T46_LOG_INFO) that we wait when another run
 * holds the lock for more than a moment. */
static int lock_wait(int fd, int op, const char *dir)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};
	int i, pid;

	for (i = 0; i < 10; i++) { /* 200 ms: a short command finishes unnoticed */
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		nanosleep(&tick, NULL);
	}
	pid = lock_holder(fd);
	if (pid)
		be_info("waiting for the state lock (%s) held by another tun46 (pid %d) ...", dir, pid);
	else
		be_info("waiting for the state lock (%s) held by another tun46 ...", dir);
	while (flock(fd, op) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Take the lock.  create: make the directory when missing; otherwise a
 * missing directory gives -ENOENT (no state in this namespace). */
int lock_take(struct be *be, bool create)
{
	char parent[PATH_MAX];
	struct stat a, b;
	int fd, err, tries;

	snprintf(parent, sizeof(parent), "%s/tun46", be->bpffs);
	for (tries = 0; tries < 100; tries++) {
		if (create) {
			err = mkdir_ok(parent);
			if (!err)
				err = mkdir_ok(be->pin_dir);
			if (err)
				return be_err_perm(err, be->pin_dir);
		}
		fd = open(be->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			if (err == -ENOENT && !create)
				return err;
			if (err == -ENOENT)
				continue;
			return be_err_perm(err, be->pin_dir);
		}
		if (lock_wait(fd, be->readonly ? LOCK_SH : LOCK_EX, be->pin_dir) < 0) {
			err = -errno;
			close(fd);
			be_err("cannot lock %s: %s", be->pin_dir, strerror(-err));
			return err;
		}
		if (fstat(fd, &a) == 0 && stat(be->pin_dir, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			be->lock_fd = fd;
			return 0;
		}
		close(fd); /* removed while we waited: start again */
		if (!create)
			return -ENOENT;
	}
	be_err("cannot lock %s: it keeps disappearing", be->pin_dir);
	return -EAGAIN;
}

void lock_release(struct be *be)
{
	if (be->lock_fd >= 0) {
		close(be->lock_fd); /* drops the flock */
		be->lock_fd = -1;
	}
}
