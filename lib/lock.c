/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lock.c — the state lock: flock() on the pin directory itself, exclusive
 * for commands that change state, shared for read-only ones, held from
 * be_open to be_close, so two tun46 runs never interleave.
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
#include <unistd.h>
#include "be_internal.h"

static int mkdir_ok(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
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
		if (flock(fd, be->readonly ? LOCK_SH : LOCK_EX) < 0) {
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
