/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pin.c — where the state of a network namespace lives on bpffs.
 *
 * Pin directory: <bpffs>/tun46/<netns cookie>/ holding one pin per map
 * (tun46_peers, ...) and per program (prog_xdp_lan, ...).  The cookie
 * (SO_NETNS_COOKIE) is unique and never reused, so two namespaces never
 * share a directory, even after one is deleted and another created.
 *
 * <bpffs> is /sys/fs/bpf.  When it is not a bpffs here (not mounted, or
 * hidden because `ip netns exec` mounted a fresh sysfs on /sys in a private
 * mount namespace), the host's bpffs is reached through pid 1's root:
 * /proc/1/root/sys/fs/bpf.  When no bpffs is mounted at all, tun46 mounts
 * one on /sys/fs/bpf of the initial mount namespace (from a child that
 * enters pid 1's mount namespace when we are not in it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include "be_internal.h"

#define BPFFS_HOST     "/sys/fs/bpf"
#define BPFFS_VIA_PID1 "/proc/1/root/sys/fs/bpf"

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static bool same_mount_ns_as_pid1(void)
{
	struct stat a, b;

	if (stat("/proc/self/ns/mnt", &a) < 0 || stat("/proc/1/ns/mnt", &b) < 0)
		return true; /* cannot tell: assume so, mount here */
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int mount_bpffs_here(void)
{
	if (mount("bpf", BPFFS_HOST, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* Mount bpffs on /sys/fs/bpf of pid 1's mount namespace from a child
 * process (setns(CLONE_NEWNS) must not change our own view). */
static int mount_bpffs_in_pid1_ns(void)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0)
			_exit(errno == EPERM ? 2 : 1);
		_exit(mount_bpffs_here() == 0 || is_bpffs(BPFFS_HOST) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? -EPERM : -EIO;
}

/* Find (and, when mount_if_missing, mount) the bpffs.  -ENOENT when there
 * is none and none may be mounted. */
int pin_find_bpffs(char *out, size_t len, bool mount_if_missing)
{
	int err;

	if (is_bpffs(BPFFS_HOST)) {
		snprintf(out, len, "%s", BPFFS_HOST);
		return 0;
	}
	if (same_mount_ns_as_pid1()) {
		if (!mount_if_missing)
			return -ENOENT;
		err = mount_bpffs_here();
		if (err == -EPERM || err == -EACCES)
			return be_err_perm(err, "mounting bpffs on " BPFFS_HOST);
		if (err || !is_bpffs(BPFFS_HOST)) {
			be_err("no bpffs on %s and mounting one failed: %s; run `mount -t bpf bpf %s`", BPFFS_HOST,
			       strerror(err ? -err : ENODEV), BPFFS_HOST);
			return err ? err : -ENODEV;
		}
		snprintf(out, len, "%s", BPFFS_HOST);
		return 0;
	}
	/* Private mount namespace (ip netns exec): use the host's bpffs. */
	if (!is_bpffs(BPFFS_VIA_PID1)) {
		if (!mount_if_missing)
			return -ENOENT;
		err = mount_bpffs_in_pid1_ns();
		if (err == -EPERM)
			return be_err_perm(err, "mounting bpffs on " BPFFS_HOST " of the host");
		if (err || !is_bpffs(BPFFS_VIA_PID1)) {
			be_err(
			    "%s is hidden in this mount namespace and no bpffs is reachable at %s; run `mount -t bpf "
			    "bpf %s` on the host",
			    BPFFS_HOST, BPFFS_VIA_PID1, BPFFS_HOST);
			return -ENODEV;
		}
	}
	snprintf(out, len, "%s", BPFFS_VIA_PID1);
	return 0;
}

int pin_dir_path(struct be *be)
{
	int n = snprintf(be->pin_dir, sizeof(be->pin_dir), "%s/tun46/%llu", be->bpffs,
			 (unsigned long long)be->netns_cookie);

	return n > 0 && (size_t)n < sizeof(be->pin_dir) ? 0 : -ENAMETOOLONG;
}

int pin_path(const struct be *be, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", be->pin_dir, name);

	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

bool pin_exists(const struct be *be, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return pin_path(be, name, path, sizeof(path)) == 0 && stat(path, &st) == 0;
}

/* Remove every pin tun46 makes and the pin directory itself. */
int pin_remove_all(struct be *be)
{
	char path[PATH_MAX], name[64];
	int i, err = 0;

	for (i = 0; i < BE_MAP__MAX; i++) {
		if (pin_path(be, be_map_names[i], path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	for (i = 0; i < BE_PROG__MAX; i++) {
		snprintf(name, sizeof(name), "prog_%s", be_prog_names[i]);
		if (pin_path(be, name, path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	}
	if (rmdir(be->pin_dir) < 0 && errno != ENOENT)
		err = -errno;
	if (err)
		be_err("cannot remove the pins in %s: %s; remove them with `rm -r %s`", be->pin_dir, strerror(-err),
		       be->pin_dir);
	return err;
}
