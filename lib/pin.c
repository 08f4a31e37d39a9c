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
 * mount namespace), the host's bpffs is reached through the root of a
 * process in the outer mount namespace: /proc/1/root/sys/fs/bpf, or, where
 * pid 1 is out of reach (containers, sandboxes: EACCES), the same path
 * under our nearest ancestor in another mount namespace.  It is then held
 * open (O_PATH) and used as /proc/self/fd/N.  When no bpffs is mounted at
 * all, tun46 mounts one on /sys/fs/bpf of that outer namespace (from a
 * child that setns()es into it), or here when ours is the outermost.
 */
#define _GNU_SOURCE
#include <dirent.h>
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
#include "ridx.h"

#define BPFFS_HOST "/sys/fs/bpf"

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int mount_bpffs_here(void)
{
	if (mount("bpf", BPFFS_HOST, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* Mount bpffs on /sys/fs/bpf of pid's mount namespace from a child process
 * (setns(CLONE_NEWNS) must not change our own view). */
static int mount_bpffs_in_ns_of(pid_t target)
{
	char path[64];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)target);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

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

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = 0;
	fclose(f);
	return ppid;
}

/* Use <root of pid>/sys/fs/bpf through an O_PATH descriptor, so later paths
 * (/proc/self/fd/N/...) do not depend on that process living on. */
static int use_root_of(struct be *be, pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root" BPFFS_HOST, (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	be->bpffs_fd = fd;
	snprintf(be->bpffs, sizeof(be->bpffs), "/proc/self/fd/%d", fd);
	return 0;
}

/*
 * Find (and, when mount_if_missing, mount) the bpffs; -ENOENT when there is
 * none and none may be mounted.
 *
 * 1. /sys/fs/bpf here.
 * 2. We may be in a private mount namespace whose /sys was remounted (`ip
 *    netns exec`): look at /sys/fs/bpf in the root of pid 1, then of each
 *    ancestor process, whose mount namespace differs from ours (pid 1's may
 *    be unreadable, e.g. in a container; `ip netns exec` execs us directly,
 *    so our parent is in the namespace it came from).
 * 3. None mounted: mount one in the first such other namespace, or here if
 *    our namespace is the outermost we can see.
 */
int pin_find_bpffs(struct be *be, bool mount_if_missing)
{
	struct stat self, other;
	pid_t pid, outer = 0;
	char path[64];
	int err, hops;

	if (is_bpffs(BPFFS_HOST)) {
		snprintf(be->bpffs, sizeof(be->bpffs), "%s", BPFFS_HOST);
		return 0;
	}
	if (stat("/proc/self/ns/mnt", &self) < 0)
		memset(&self, 0, sizeof(self));
	for (pid = 1, hops = 0; pid > 0 && hops < 64; pid = hops++ ? parent_of(pid) : getppid()) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (stat(path, &other) < 0 || (other.st_ino == self.st_ino && other.st_dev == self.st_dev))
			continue; /* unreadable, or our own namespace */
		if (!outer)
			outer = pid;
		snprintf(path, sizeof(path), "/proc/%d/root" BPFFS_HOST, (int)pid);
		if (is_bpffs(path))
			return use_root_of(be, pid);
	}
	if (!mount_if_missing)
		return -ENOENT;
	if (outer) {
		err = mount_bpffs_in_ns_of(outer);
		snprintf(path, sizeof(path), "/proc/%d/root" BPFFS_HOST, (int)outer);
		if (err == -EPERM)
			return be_err_perm(err, "mounting bpffs on " BPFFS_HOST " of the host");
		if (err || !is_bpffs(path)) {
			be_err("%s is hidden in this mount namespace and no bpffs could be mounted for the host; run "
			       "`mount -t bpf bpf %s` on the host",
			       BPFFS_HOST, BPFFS_HOST);
			return -ENODEV;
		}
		return use_root_of(be, outer);
	}
	err = mount_bpffs_here();
	if (err == -EPERM || err == -EACCES)
		return be_err_perm(err, "mounting bpffs on " BPFFS_HOST);
	if (err || !is_bpffs(BPFFS_HOST)) {
		be_err("no bpffs on %s and mounting one failed: %s; run `mount -t bpf bpf %s`", BPFFS_HOST,
		       strerror(err ? -err : ENODEV), BPFFS_HOST);
		return err ? err : -ENODEV;
	}
	snprintf(be->bpffs, sizeof(be->bpffs), "%s", BPFFS_HOST);
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

/* Remove every pin in dir (all are tun46's: its maps and programs, and any a
 * newer or older tun46 made there), and dir itself. */
int pin_remove_dir(const char *dir)
{
	struct dirent *e;
	int err = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
			err = -errno;
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		err = -errno;
	return err;
}

int pin_remove_all(struct be *be)
{
	int err = pin_remove_dir(be->pin_dir);

	if (err)
		be_err("cannot remove the pins in %s: %s; the next tun46 command tries again", be->pin_dir,
		       strerror(-err));
	return err;
}
