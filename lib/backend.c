/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * backend.c — opening and closing the state of one network namespace, and
 * loading the datapath (see backend.h).  Peers, routes, links and stats are
 * in peers.c, routes.c, links.c and stats.c.
 *
 * Lifetime rule: the state (pins, tunnel device, kernel routes) is created
 * by be_ensure_loaded and removed by be_close of a read-write open when
 * nothing is left: no interface attached, no peer and no route.  Any of
 * those keeps everything in place, so the datapath keeps running after the
 * command exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!getenv("TUN46_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static uint32_t env_max_peers(void)
{
	const char *s = getenv("TUN46_MAX_PEERS");
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v >= 2 && v <= (1u << 20) ? (uint32_t)v : TUN46_DEFAULT_MAX_PEERS;
}

int be_open(struct be **bep, const struct be_opts *opts)
{
	struct be *be;
	int err, i;

	*bep = NULL;
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->lock_fd = -1;
	be->bpffs_fd = -1;
	for (i = 0; i < BE_MAP__MAX; i++)
		be->map_fd[i] = -1;
	be->readonly = opts && opts->readonly;
	be->force = opts && opts->force;
	be->migrate = opts && opts->migrate;
	if (opts && opts->op)
		snprintf(be->op, sizeof(be->op), "%s", opts->op);
	be->max_peers = env_max_peers();
	be->peer_hint = 1;
	libbpf_set_print(libbpf_quiet);
	maps_init_fail_hook(be);

	if (opts && opts->netns) {
		err = netns_enter(opts->netns);
		if (err)
			goto fail;
	}
	err = netns_cookie(&be->netns_cookie);
	if (err)
		goto fail;
	err = pin_find_bpffs(be, !be->readonly);
	if (err == -ENOENT && be->readonly)
		goto nostate;
	if (err)
		goto fail;
	err = pin_dir_path(be);
	if (err)
		goto fail;
	gc_dead_namespaces(be); /* pins of deleted namespaces go on any run (cheap: gc.c) */
	err = lock_take(be, !be->readonly);
	if (err == -ENOENT && be->readonly)
		goto nostate;
	if (err)
		goto fail;
	err = layout_check(be); /* an incompatible state is refused (or, with -migrate, rebuilt) */
	if (!err && be->migrate_needed)
		err = migrate_begin(be);
	if (err)
		goto fail;
	err = maps_open_pinned(be);
	if (!err) {
		be->loaded = true;
		be->max_peers = maps_max_entries(be->map_fd[BE_MAP_PEERS]);
		err = layout_upgrade(be); /* another build's programs: replaced in place */
		if (!err)
			err = journal_recover(be); /* a writer killed half way: repaired */
		if (err)
			goto fail;
		journal_begin(be);
	} else if (err != -ENOENT) {
		goto fail;
	}
	if (be->mig) { /* -migrate: the new state now, whatever the command */
		err = be_ensure_loaded(be);
		if (err)
			goto fail;
	}
nostate:
	*bep = be;
	return 0;
fail:
	maps_close(be);
	peers_cache_drop(be);
	migrate_free(be);
	lock_release(be);
	if (be->bpffs_fd >= 0)
		close(be->bpffs_fd);
	free(be);
	return err;
}

static bool map_empty(int fd, size_t key_size)
{
	char key[64];

	return key_size > sizeof(key) || bpf_map_get_next_key(fd, NULL, key) != 0;
}

/* Nothing attached, no peer, no route: the state may go. */
static bool nothing_left(struct be *be)
{
	if (!map_empty(be->map_fd[BE_MAP_LINKS], sizeof(uint32_t)) ||
	    !map_empty(be->map_fd[BE_MAP_ROUTES], sizeof(struct tun46_route_key)))
		return false;
	return peers_count(be) == 0;
}

static void teardown(struct be *be)
{
	uint32_t idx = tundev_ifindex(be);

	if (idx)
		tundev_remove(idx); /* takes its routes, clsact and tc_tun with it */
	maps_close(be);
	pin_remove_all(be);
	be->loaded = false;
	peers_cache_drop(be);
}

void be_close(struct be *be)
{
	if (!be)
		return;
	if (!be->readonly && be->lock_fd >= 0) {
		if (be->loaded) {
			peers_flush(be); /* the tunnel MTU and counters of a batch of peer changes */
			links_prune_stale(be);
			if (nothing_left(be)) {
				teardown(be); /* the tunnel device takes its kernel routes with it */
				routes_close(be, true);
			} else {
				routes_close(be, false);
				tundev_repair(be);
			}
		} else {
			rmdir(be->pin_dir); /* only if empty: nothing was loaded */
		}
	}
	journal_end(be);
	migrate_free(be);
	maps_close(be);
	peers_cache_drop(be);
	free(be->stale);
	lock_release(be);
	if (be->bpffs_fd >= 0)
		close(be->bpffs_fd);
	free(be);
}

bool be_loaded(const struct be *be)
{
	return be && be->loaded;
}

const char *be_pin_dir(const struct be *be)
{
	return be->pin_dir;
}

/* Ready for writes: loaded, and the tunnel device present. */
int be_ensure_loaded(struct be *be)
{
	struct probe_result pr;
	uint32_t idx;
	int err;

	if (be->readonly || be->lock_fd < 0) {
		be_err("internal error: the state was opened read-only; nothing can be changed");
		return -EROFS;
	}
	if (!be->loaded) {
		gc_dead_namespaces(be); /* a new state: a good time to drop dead ones */
		err = load_and_pin(be);
		if (err)
			return err;
		err = maps_open_pinned(be);
		if (err) {
			if (err == -ENOENT)
				be_err("the datapath pins in %s vanished after loading", be->pin_dir);
			return err;
		}
		be->loaded = true;
		be->max_peers = maps_max_entries(be->map_fd[BE_MAP_PEERS]);
		probe_apply(be, &pr);	     /* how tc_wan decapsulates on this kernel */
		(void)layout_after_load(be); /* recorded hooks still on older programs get these */
		err = journal_recover(be);
		if (err)
			return err;
		journal_begin(be);
	}
	if (!tundev_ifindex(be)) {
		size_t added, deleted;

		err = tundev_ensure(be, &idx, peers_tun_mtu(be));
		if (err)
			return err;
		/* a new device: its routes again; an adopted one (left by a state
		 * whose pins were removed) may carry routes this state does not have */
		err = routes_reconcile(be, &added, &deleted);
		if (err)
			return err;
		if (deleted)
			be_err("note: removed %zu stale kernel route%s through %s (left by an earlier tun46 state)",
			       deleted, deleted == 1 ? "" : "s", TUN46_TUNDEV_NAME);
	}
	return migrate_finish(be);
}

/* Writes need the datapath; read-only opens get -ENOENT/empty instead. */
int be_need_loaded(struct be *be)
{
	return be->loaded ? 0 : be_ensure_loaded(be);
}
