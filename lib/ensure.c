/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ensure.c — the loading layer: the datapath loaded and the tunnel device
 * present before a write (be_ensure_loaded, be_need_loaded).  Peers, routes
 * and links call it; it calls only what is below them (load, layout, maps,
 * probe, tundev, the peer table, the journal and the kernel routes), so the
 * backend has no circle: -migrate's carrying over, which writes peers,
 * routes and links, is called by be_open after it (migrate_finish).
 */
#include <errno.h>
#include "be_internal.h"

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
		if (!err)
			err = layout_write(be, load_build_id()); /* the version and build just pinned */
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
			be_info("removed %zu stale kernel route%s through %s (left by an earlier tun46 state)", deleted,
				deleted == 1 ? "" : "s", TUN46_TUNDEV_NAME);
	}
	return 0;
}

/* Writes need the datapath; read-only opens get -ENOENT/empty instead. */
int be_need_loaded(struct be *be)
{
	if (netns_lost()) {
		be_err("internal error: this process lost its network namespace; nothing is changed");
		return -EIO;
	}
	return be->loaded ? 0 : be_ensure_loaded(be);
}
