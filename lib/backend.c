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
#include "ridx.h"

/* The peer ids before the maps are open (t46_lib_opts.max_peers, checked at load). */
static uint32_t opt_max_peers(void)
{
	const char *s = t46_get_opts()->max_peers;
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v >= 2 && v <= (1u << 20) ? (uint32_t)v : TUN46_DEFAULT_MAX_PEERS;
}

int be_open(struct be **bep, const struct be_opts *opts)
{
	struct be *be;
	int err, i;

	*bep = NULL;
	if (netns_lost()) {
		be_err("internal error: this process lost its network namespace; nothing is changed");
		return -EIO;
	}
	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->lock_fd = -1;
	be->bpffs_fd = -1;
	be->names_fd = -1;
	for (i = 0; i < BE_MAP__MAX; i++)
		be->map_fd[i] = -1;
	be->readonly = opts && opts->readonly;
	be->force = opts && opts->force;
	be->migrate = opts && opts->migrate;
	if (opts && opts->op)
		snprintf(be->op, sizeof(be->op), "%s", opts->op);
	be->max_peers = opt_max_peers();
	be->peer_hint = 1;
	libbpf_set_print(be_libbpf_debug);
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
		if (!err)
			err = migrate_finish(be); /* what migrate_begin read, written into it */
		if (err)
			goto fail;
	}
nostate:
	*bep = be;
	return 0;
fail:
	maps_close(be);
	peers_cache_drop(be);
	names_close(be);
	ridx_drop(be);
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
	names_close(be);
	ridx_drop(be);
}

void be_close(struct be *be)
{
	if (!be)
		return;
	if (!be->readonly && be->lock_fd >= 0 && !netns_lost()) {
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
	names_close(be);
	ridx_drop(be);
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
