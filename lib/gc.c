/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gc.c — remove the pins of network namespaces that no longer exist.
 *
 * Pins outlive a namespace: without this, every deleted namespace that ran
 * tun46 would keep its programs and maps (all its routes) in memory.  A
 * namespace's state is dead when both its tun46_alive devmap (the tunnel
 * device) and its tun46_ports devmap (the attached interfaces) are empty:
 * the kernel removes a device from every devmap when it is unregistered,
 * which happens to all of a namespace's devices when it dies.  A state dir
 * whose lock is held (a command is making or using it) is left alone.  One
 * that is not locked and has neither devmap pinned holds nothing (a load
 * killed before the tunnel device was made, or pins an older tun46 left):
 * it goes too.  Runs at every tun46 command (backend.c): one readdir and
 * two map opens per other namespace's state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"

/* A devmap without an entry, or no such pin (a state left half made, or
 * what an older tun46's teardown left). */
static bool devmap_empty(const char *path)
{
	uint32_t key;
	int fd = bpf_obj_get(path);
	bool empty;

	if (fd < 0)
		return errno == ENOENT;
	empty = bpf_map_get_next_key(fd, NULL, &key) != 0 && errno == ENOENT;
	close(fd);
	return empty;
}

void gc_dead_namespaces(struct be *be)
{
	char parent[PATH_MAX], dir[PATH_MAX + 256], alive[PATH_MAX + 300], ports[PATH_MAX + 300];
	const char *mine = strrchr(be->pin_dir, '/');
	struct dirent *e;
	DIR *d;

	snprintf(parent, sizeof(parent), "%.*s", (int)(mine ? mine - be->pin_dir : 0), be->pin_dir);
	d = opendir(parent);
	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || (mine && !strcmp(e->d_name, mine + 1)))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", parent, e->d_name);
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			snprintf(alive, sizeof(alive), "%s/%s", dir, TUN46_ALIVE_PIN);
			snprintf(ports, sizeof(ports), "%s/%s", dir, be_map_names[BE_MAP_PORTS]);
			if (devmap_empty(alive) && devmap_empty(ports))
				pin_remove_dir(dir);
		}
		close(fd);
	}
	closedir(d);
}
