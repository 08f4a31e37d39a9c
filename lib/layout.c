/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * layout.c — what the pinned state is made of, and replacing its programs.
 *
 * <pin dir>/tun46_layout (struct tun46_layout, include/tun46/tun46.h) holds
 * the layout version, the build id of the pinned programs and the journal
 * (journal.c).  A state without it is of layout 1 (tun46 before this map).
 *
 * Compatibility (layout_check, before the maps are opened): a pinned map
 * whose type, key or value size is not what this tun46 needs, or a layout
 * version newer than TUN46_LAYOUT_VERSION, makes the state incompatible: it
 * is refused, naming what differs, unless the command runs with -migrate
 * (migrate.c).  A map this tun46 has and the state lacks is compatible: it is
 * created and pinned when the programs are loaded.
 *
 * Hitless upgrade (layout_upgrade, at every command that may write): when
 * the pinned programs come from another BPF object (build id: a hash of the
 * object embedded in this tun46), this tun46 loads its own programs on the
 * pinned maps and replaces the program on every hook tun46 recorded, each
 * in one atomic kernel operation (XDP: XDP_FLAGS_REPLACE with the old
 * program; TC: the cls_bpf filter at tun46's handle and priority replaced in
 * place), then pins them.  Maps are not touched: peers, routes, links,
 * counters stay; no packet finds a hook without a program.  A program that
 * is not tun46's is never replaced (prog_owner: tun46's programs carry
 * tun46's program names and use a map named tun46_config).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "be_internal.h"

static int layout_fd(struct be *be, bool create)
{
	char path[PATH_MAX];
	int fd;

	if (pin_path(be, TUN46_LAYOUT_PIN, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create)
		return fd >= 0 ? fd : -errno;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tun46_layout", 4, sizeof(struct tun46_layout), 1, NULL);
	if (fd < 0)
		return -errno;
	if (bpf_obj_pin(fd, path)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Read tun46_layout whatever its value size (a newer tun46 may have grown it). */
static int layout_read_fd(int fd, struct tun46_layout *l)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), key = 0;
	char *buf;
	int err = 0;

	memset(l, 0, sizeof(*l));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size < sizeof(uint32_t) || info.value_size > 65536)
		return -EPROTO;
	buf = calloc(1, info.value_size);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, buf))
		err = -errno;
	else
		memcpy(l, buf, info.value_size < sizeof(*l) ? info.value_size : sizeof(*l));
	free(buf);
	return err;
}

int layout_read(struct be *be, struct tun46_layout *l)
{
	int fd = layout_fd(be, false), err;

	memset(l, 0, sizeof(*l));
	if (fd < 0)
		return fd;
	err = layout_read_fd(fd, l);
	close(fd);
	return err;
}

int layout_write(struct be *be, uint64_t build_id)
{
	struct tun46_layout l;
	uint32_t key = 0;
	int fd = layout_fd(be, true), err = 0;

	if (fd < 0)
		return fd;
	if (layout_read_fd(fd, &l))
		memset(&l, 0, sizeof(l));
	l.version = TUN46_LAYOUT_VERSION;
	l.build_id = build_id;
	if (bpf_map_update_elem(fd, &key, &l, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

/* journal.c's access to the same entry */
int layout_journal(struct be *be, bool set, struct tun46_layout *out)
{
	struct tun46_layout l;
	uint32_t key = 0;
	int fd = layout_fd(be, set), err = 0;

	if (fd < 0)
		return fd;
	if (layout_read_fd(fd, &l)) {
		memset(&l, 0, sizeof(l));
		l.version = TUN46_LAYOUT_VERSION;
	}
	if (out)
		*out = l;
	if (set) {
		l.journal_pid = (uint32_t)getpid();
		l.journal_start = (uint64_t)time(NULL);
		snprintf(l.journal_op, sizeof(l.journal_op), "%s", be->op[0] ? be->op : "a write command");
	} else {
		l.journal_pid = 0;
		l.journal_start = 0;
		memset(l.journal_op, 0, sizeof(l.journal_op));
	}
	if (bpf_map_update_elem(fd, &key, &l, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

static const char *type_name(uint32_t t)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH:
		return "hash";
	case BPF_MAP_TYPE_ARRAY:
		return "array";
	case BPF_MAP_TYPE_LPM_TRIE:
		return "lpm_trie";
	case BPF_MAP_TYPE_PERCPU_HASH:
		return "percpu_hash";
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return "percpu_array";
	case BPF_MAP_TYPE_DEVMAP_HASH:
		return "devmap_hash";
	default:
		return "other";
	}
}

static void add_diff(char *buf, size_t len, const char *fmt, const char *name, const char *what, unsigned a, unsigned b)
{
	size_t n = strlen(buf);

	if (n + 8 >= len)
		return;
	snprintf(buf + n, len - n, "%s", n ? "; " : "");
	n = strlen(buf);
	snprintf(buf + n, len - n, fmt, name, what, a, b);
}

int layout_check(struct be *be)
{
	char diff[1024] = "", path[PATH_MAX];
	struct tun46_layout l;
	unsigned int found = 0;
	uint32_t version;
	int i, err;

	for (i = 0; i < BE_MAP__MAX; i++) {
		struct bpf_map_info info;
		uint32_t len = sizeof(info), t, k, v;
		int fd;

		if (pin_path(be, be_map_names[i], path, sizeof(path)))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* missing: created at load (additive) */
		found++;
		memset(&info, 0, sizeof(info));
		err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		close(fd);
		if (err)
			return be_err_perm(err, path);
		maps_want((enum be_map_idx)i, &t, &k, &v);
		if (info.type != t) {
			size_t n = strlen(diff);

			snprintf(diff + n, sizeof(diff) - n, "%s%s is a %s map, this tun46 needs a %s map",
				 n ? "; " : "", be_map_names[i], type_name(info.type), type_name(t));
		}
		if (info.key_size != k)
			add_diff(diff, sizeof(diff), "%s: %s %u bytes, this tun46 needs %u", be_map_names[i], "key",
				 info.key_size, k);
		if (info.value_size != v)
			add_diff(diff, sizeof(diff), "%s: %s %u bytes, this tun46 needs %u", be_map_names[i], "value",
				 info.value_size, v);
	}
	err = layout_read(be, &l);
	if (err && err != -ENOENT) {
		be_err("cannot read %s/%s: %s", be->pin_dir, TUN46_LAYOUT_PIN, strerror(-err));
		return err;
	}
	if (err == -ENOENT && !found)
		return 0; /* no state */
	version = err == -ENOENT ? 1 : l.version;
	if (version > TUN46_LAYOUT_VERSION)
		add_diff(diff, sizeof(diff), "%s%s %u, this tun46 knows layouts up to %u", "", "it has layout", version,
			 TUN46_LAYOUT_VERSION);
	if (!diff[0])
		return 0;
	if (be->migrate && !be->readonly) {
		be->migrate_needed = true;
		return 0;
	}
	be_err("the state in %s was made by another version of tun46 with an incompatible layout (%s); this tun46 "
	       "(layout %u) leaves it alone.  Run a write command again with -migrate to rebuild it with this "
	       "tun46 (links, peers and routes are carried over; traffic stops while it is rebuilt), or use the "
	       "tun46 that made it",
	       be->pin_dir, diff, TUN46_LAYOUT_VERSION);
	return -EPROTO;
}

/* ---- whose program is it ---- */

static bool tun46_prog_name(const char *name)
{
	for (int i = 0; i < BE_PROG__MAX; i++)
		if (!strcmp(name, be_prog_names[i]))
			return true;
	return false;
}

static uint32_t fd_map_id(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

int prog_owner(struct be *be, uint32_t prog_id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), ids[64], i, mine = fd_map_id(be->map_fd[BE_MAP_CONFIG]);
	int fd, owner = 0;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return -errno;
	}
	close(fd);
	if (!tun46_prog_name(info.name))
		return 0;
	for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &ml) == 0 && !strcmp(mi.name, "tun46_config"))
			owner = mine && mi.id == mine ? 2 : (owner > 1 ? owner : 1);
		close(mfd);
	}
	return owner;
}

/* ---- replacing programs ---- */

static uint32_t fd_prog_id(int fd)
{
	uint32_t id = 0;

	return fd >= 0 && prog_id_of_fd(fd, &id) == 0 ? id : 0;
}

/* One hook: cur is what runs there (0: nothing), new_fd what should. */
static int replace_one(struct be *be, const char *ifname, bool xdp, bool generic, uint32_t ifindex, uint32_t cur,
		       int new_fd, unsigned int *n)
{
	bool created;
	int owner, old_fd, err;

	if (cur == fd_prog_id(new_fd))
		return 0;
	if (!cur) { /* the program went (removed by hand): put it back */
		err = xdp ? attach_xdp(ifindex, new_fd, generic) : attach_tc(ifindex, false, new_fd, &created);
		if (!err && n)
			(*n)++;
		return err;
	}
	owner = prog_owner(be, cur);
	if (owner <= 0) {
		be_warn("the %s program on %s (id %u) is not tun46's; left in place", xdp ? "XDP" : "TC", ifname, cur);
		return -EBUSY;
	}
	if (!xdp) {
		err = replace_tc(ifindex, false, new_fd);
	} else {
		old_fd = bpf_prog_get_fd_by_id(cur);
		if (old_fd < 0)
			return -errno;
		err = replace_xdp(ifindex, old_fd, new_fd, generic);
		close(old_fd);
	}
	if (err)
		be_warn("cannot replace tun46's %s program on %s (id %u): %s", xdp ? "XDP" : "TC", ifname, cur,
			strerror(-err));
	else if (n)
		(*n)++;
	return err;
}

int programs_replace(struct be *be, const int prog_fd[BE_PROG__MAX], unsigned int *n)
{
	struct tun46_config cfg;
	struct be_link *v = NULL;
	uint32_t key = 0, cur;
	size_t cnt = 0, i;
	int err = 0, e;

	if (n)
		*n = 0;
	if (be_link_list(be, &v, &cnt))
		cnt = 0;
	for (i = 0; i < cnt; i++) {
		const struct tun46_link *l = &v[i].link;
		bool lan = l->role == TUN46_ROLE_LAN, generic = l->mode == TUN46_MODE_XDP_GENERIC;

		if (l->flags & TUN46_LINK_F_XDP) {
			e = query_xdp(v[i].ifindex, generic, &cur);
			if (!e)
				e = replace_one(be, v[i].ifname, true, generic, v[i].ifindex, cur,
						prog_fd[lan ? BE_PROG_XDP_LAN : BE_PROG_XDP_WAN], n);
			if (e && !err)
				err = e;
		}
		if (l->flags & TUN46_LINK_F_TC_INGRESS) {
			e = query_tc(v[i].ifindex, false, &cur);
			if (!e)
				e = replace_one(be, v[i].ifname, false, false, v[i].ifindex, cur,
						prog_fd[lan ? BE_PROG_TC_LAN : BE_PROG_TC_WAN], n);
			if (e && !err)
				err = e;
		}
	}
	free(v);
	/* tc_tun on the tunnel device's other end */
	if (be->map_fd[BE_MAP_CONFIG] >= 0 && bpf_map_lookup_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg) == 0 &&
	    tundev_ifindex(be) && cfg.tunp_ifindex && query_tc(cfg.tunp_ifindex, false, &cur) == 0 && cur) {
		e = replace_one(be, TUN46_TUNPEER_NAME, false, false, cfg.tunp_ifindex, cur, prog_fd[BE_PROG_TC_TUN],
				n);
		if (e && !err)
			err = e;
	}
	return err;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int layout_upgrade(struct be *be)
{
	uint64_t own = load_build_id();
	struct tun46_layout l;
	struct timespec t0;
	unsigned int n = 0;
	int prog_fd[BE_PROG__MAX], i, err, rerr;

	if (!own || be->readonly)
		return 0;
	err = layout_read(be, &l);
	if (err && err != -ENOENT)
		return 0; /* unreadable: layout_check said so */
	if (!err && l.build_id == own && l.version == TUN46_LAYOUT_VERSION)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = load_programs(be, prog_fd);
	if (err)
		return err;
	rerr = programs_replace(be, prog_fd, &n);
	for (i = 0; i < BE_PROG__MAX; i++) {
		int e = pin_prog_fd(be, (enum be_prog_idx)i, prog_fd[i]);

		if (e && !err)
			err = be_err_perm(e, "pinning the BPF programs");
		close(prog_fd[i]);
	}
	if (!err)
		err = layout_write(be, own);
	if (err)
		return err;
	be_info("upgraded the datapath in place: the programs of %s%016llx (layout %u) were replaced by this "
		"tun46's (build %016llx, layout %u) on %u hook%s in %.1f ms; peers, routes, links and counters kept%s",
		l.build_id ? "build " : "an older tun46, build ", (unsigned long long)l.build_id,
		l.version ? l.version : 1, (unsigned long long)own, TUN46_LAYOUT_VERSION, n, n == 1 ? "" : "s",
		ms_since(&t0), rerr ? " (a hook above kept its program)" : "");
	return 0;
}

/* After a load that (re)pinned programs: hooks recorded by the state that
 * still run programs of an earlier load get the pinned ones. */
int layout_after_load(struct be *be)
{
	int prog_fd[BE_PROG__MAX], i, err = 0;

	for (i = 0; i < BE_PROG__MAX; i++)
		prog_fd[i] = -1;
	for (i = 0; i < BE_PROG__MAX && !err; i++) {
		prog_fd[i] = prog_open_pinned(be, (enum be_prog_idx)i);
		if (prog_fd[i] < 0)
			err = prog_fd[i];
	}
	if (!err)
		(void)programs_replace(be, prog_fd, NULL);
	for (i = 0; i < BE_PROG__MAX; i++)
		if (prog_fd[i] >= 0)
			close(prog_fd[i]);
	return err;
}

/* Attach found a program on a hook (err -EBUSY/-EEXIST): when it is tun46's
 * own (left by a state whose pins were removed, or a run killed between
 * attaching and recording), it is replaced by new_fd, atomically when it is
 * in the same XDP mode.  Returns 0 when new_fd is attached, else err. */
int adopt_hook(struct be *be, const char *ifname, uint32_t ifindex, bool xdp, bool generic, int new_fd, int err)
{
	uint32_t cur = 0, other = 0;
	int old_fd, e;

	if (!xdp) {
		if (query_tc(ifindex, false, &cur) || !cur || prog_owner(be, cur) <= 0)
			return err;
		e = replace_tc(ifindex, false, new_fd);
	} else {
		if (query_xdp(ifindex, generic, &cur) || query_xdp(ifindex, !generic, &other))
			return err;
		if (cur && prog_owner(be, cur) > 0) {
			old_fd = bpf_prog_get_fd_by_id(cur);
			if (old_fd < 0)
				return err;
			e = replace_xdp(ifindex, old_fd, new_fd, generic);
			close(old_fd);
		} else if (!cur && other && prog_owner(be, other) > 0) {
			/* in the other XDP mode: no atomic swap between modes */
			old_fd = bpf_prog_get_fd_by_id(other);
			if (old_fd < 0)
				return err;
			e = detach_xdp(ifindex, old_fd, !generic);
			close(old_fd);
			if (!e)
				e = attach_xdp(ifindex, new_fd, generic);
			cur = other;
		} else {
			return err;
		}
	}
	if (e)
		return err;
	be_info("replaced tun46's %s program (id %u) left on %s by an earlier tun46 state", xdp ? "XDP" : "TC", cur,
		ifname);
	return 0;
}
