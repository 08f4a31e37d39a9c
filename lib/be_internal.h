/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * be_internal.h — private to the backend (lib/backend.c and its helpers:
 * pin.c, netns.c, lock.c, load.c, maps.c, attach.c, tundev.c, nl.c, ...).
 *
 * Layers, bottom up: base (errmsg, parse, ...) -> kernel I/O (nl, pin,
 * maps, load, tundev, ...) -> state (peertab, names, routetab, layout,
 * journal, ensure, peers, routes, links, migrate, follow) -> backend
 * (be_open/be_close) -> front-facing (live, sanity, apply, prom); the map
 * is in tests/style/test_layers.sh, which checks there is no circle.
 * The front end uses backend.h only.
 */
#ifndef TUN46_BE_INTERNAL_H
#define TUN46_BE_INTERNAL_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tun46/tun46.h>
#include <bpf/libbpf.h>
#include "backend.h"
#include "log.h"
#include "opts.h"

/* rtnetlink protocol number of the kernel routes tun46 installs through the
 * tunnel device ("proto 46" in `ip route`), so they are recognisable. */
#define TUN46_RTPROT	   46
#define TUN46_ROUTE_METRIC 46 /* metric of tun46's kernel routes */

/* The maps, in the order of enum be_map_idx; the pin of each is
 * <pin dir>/<name>. */
enum be_map_idx {
	BE_MAP_PEERS,
	BE_MAP_ROUTES,
	BE_MAP_DECAP,
	BE_MAP_STATS,
	BE_MAP_STATS_FAST,
	BE_MAP_PORTS,
	BE_MAP_LINKS,
	BE_MAP_CONFIG,
	BE_MAP_PEER_RX, /* optional: a state pinned by an older tun46 lacks it (lib/peerrx.c) */
	BE_MAP__MAX,
};
extern const char *const be_map_names[BE_MAP__MAX];

/* The programs; pin of each is <pin dir>/prog_<name>. */
enum be_prog_idx {
	BE_PROG_XDP_LAN,
	BE_PROG_XDP_WAN,
	BE_PROG_TC_LAN,
	BE_PROG_TC_WAN,
	BE_PROG_TC_TUN,
	BE_PROG__MAX,
};
extern const char *const be_prog_names[BE_PROG__MAX];

struct be {
	bool readonly;
	bool loaded;	 /* every map and program is pinned and the map fds are open */
	char bpffs[256]; /* where the bpffs is reached: /sys/fs/bpf or /proc/1/root/sys/fs/bpf */
	char pin_dir[PATH_MAX];
	uint64_t netns_cookie;
	int bpffs_fd;		 /* O_PATH fd of another namespace's bpffs, or -1 */
	int lock_fd;		 /* the pin directory, flock()ed; -1 when no state exists (readonly) */
	int map_fd[BE_MAP__MAX]; /* -1 when not open */
	uint32_t max_peers;
	bool force; /* -force: a failed veth check at attach only warns */
	/* testing hook TUN46_FAIL_AFTER */
	long fail_after; /* -1: off */
	long writes;
	/* peers.c: tun46_peers in memory, read once per open (writers hold the
	 * state lock, so it stays true; be_peer_set/del keep it in step) */
	struct tun46_peer *peer_tab; /* [max_peers]; an entry without TUN46_PEER_F_ACTIVE is free */
	bool peer_tab_ok;
	uint32_t peer_hint; /* no free id below it */
	bool tun_mtu_dirty; /* peers changed: the tunnel MTU is set at peers_flush() */
	uint8_t *forget;    /* stats.c: bitmap of peer ids whose counters go at peers_flush() */
	bool forget_any;
	int names_fd; /* names.c: tun46_names, -1 when not open */
	/* routes.c: routes deleted from the map by be_route_delete_known(state_goes)
	 * whose kernel routes were left for the teardown to flush with the tunnel
	 * device; if the state stays after all, routes_close() deletes them */
	bool skip_kernel_routes;
	struct be_route *stale;
	size_t nstale;
	/* layout.c / journal.c */
	bool migrate;		       /* -migrate: an incompatible state is rebuilt, not refused */
	bool migrate_needed;	       /* layout_check found one */
	char op[TUN46_JOURNAL_OP_LEN]; /* the command, for the journal */
	bool journal_on;	       /* journal_begin wrote it */
	struct migrate_snap *mig;      /* migrate.c: what is carried over, until migrate_finish */
	struct ridx *ridx;	       /* ridx.c: the per-peer route index, opened on first use */
};

/* netns.c */
int netns_enter(const char *name);
int netns_cookie(uint64_t *cookie);
void netns_mark_lost(void); /* could not return to our namespace: refuse every write */
bool netns_lost(void);

/* pin.c */
int pin_find_bpffs(struct be *be, bool mount_if_missing);
int pin_dir_path(struct be *be);
int pin_remove_all(struct be *be);
int pin_remove_dir(const char *dir);

/* A DEVMAP_HASH made by user space, pinned as <pin dir>/tun46_alive, that
 * holds the tunnel device.  The kernel drops a device from every devmap when
 * it is unregistered, so once the namespace is gone this map (and
 * tun46_ports) is empty: gc.c then removes that namespace's pins. */
#define TUN46_ALIVE_PIN "tun46_alive"

/* The DNS names of peers' remotes (names.c): a user-space-only HASH, peer id
 * -> struct t46_name_rec, pinned as <pin dir>/tun46_names, made on first use. */
#define TUN46_NAMES_PIN "tun46_names"
void names_close(struct be *be); /* called with peers_cache_drop (backend.c) */

/* gc.c */
void gc_dead_namespaces(struct be *be);
bool pin_exists(const struct be *be, const char *name);
int pin_path(const struct be *be, const char *name, char *out, size_t len);

/* lock.c */
int lock_take(struct be *be, bool create);
void lock_release(struct be *be);

/* maps.c: writes counted by the TUN46_FAIL_AFTER hook */
void maps_init_fail_hook(struct be *be);
int maps_open_pinned(struct be *be);
void maps_close(struct be *be);
int be_map_update(struct be *be, enum be_map_idx m, const void *key, const void *val, uint64_t flags);
int be_map_delete(struct be *be, enum be_map_idx m, const void *key);
void maps_written(struct be *be, enum be_map_idx m); /* peers/routes/decap written: cached answers are stale */
/* batch update of n elements; falls back to one update per element when the
 * map type has no batch ops.  Returns 0 or -errno; *done = elements written. */
int be_map_update_many(struct be *be, enum be_map_idx m, const void *keys, const void *vals, size_t n, size_t *done);
int be_map_delete_many(struct be *be, enum be_map_idx m, const void *keys, size_t n, size_t *done);
uint32_t maps_max_entries(int fd);
int config_bump_gen(struct be *be); /* tun46_config.gen += 1: every cached route answer is stale */
void maps_want(enum be_map_idx m, uint32_t *type, uint32_t *key, uint32_t *val); /* what this tun46 needs */
int prog_open_pinned(const struct be *be, enum be_prog_idx p);
int prog_id_of_fd(int fd, uint32_t *id);

/* load.c */
int load_and_pin(struct be *be); /* the layout is recorded by the caller (layout_write) */
/* Load the object reusing every pinned map (a missing one is created and
 * pinned); prog_fd[]: its programs, not pinned (the caller closes them). */
int load_programs(struct be *be, int prog_fd[BE_PROG__MAX]);
int pin_prog_fd(struct be *be, enum be_prog_idx p, int fd); /* replaces the pin atomically (rename) */
uint64_t load_build_id(void);				    /* hash of this build's BPF object; 0: none */

/* layout.c: the layout version, the build id and the journal (tun46_layout),
 * hitless upgrade and the adoption of tun46's own programs */
#define TUN46_LAYOUT_PIN "tun46_layout"
int layout_check(struct be *be); /* before the maps are opened: -EPROTO (message printed) when incompatible */
int layout_read(struct be *be, struct tun46_layout *l); /* -ENOENT: a layout-1 state */
int layout_write(struct be *be, uint64_t build_id);	/* version and build id; the journal is kept */
int layout_upgrade(struct be *be);			/* another build's programs are pinned: replace them in place */
int layout_after_load(struct be *be);			/* recorded hooks get the programs just pinned */
int adopt_hook(struct be *be, const char *ifname, uint32_t ifindex, bool xdp, bool generic, int new_fd, int err);
int layout_journal(struct be *be, bool set, struct tun46_layout *out); /* journal.c's record */
/* Make every recorded hook run the pinned programs (prog_fd[]), replacing
 * tun46's own programs found there atomically; *n: hooks replaced. */
int programs_replace(struct be *be, const int prog_fd[BE_PROG__MAX], unsigned int *n);
/* Who owns program prog_id: 2 = tun46, using this state's maps; 1 = tun46,
 * another (lost) state's; 0 = not tun46's; -errno. */
int prog_owner(struct be *be, uint32_t prog_id);

/* migrate.c: -migrate of an incompatible state: read what can be read and
 * remove the old state (begin), write it into the new one (finish, in be_open
 * after be_ensure_loaded) */
int migrate_begin(struct be *be);
int migrate_finish(struct be *be);
void migrate_free(struct be *be);

/* journal.c: a write command killed half way, found and repaired */
void journal_begin(struct be *be);
void journal_end(struct be *be);
int journal_recover(struct be *be); /* the journal is set: report and repair */
/* Bring the kernel routes through the tunnel device in line with tun46_routes. */
int routes_reconcile(struct be *be, size_t *added, size_t *deleted);

/* tundev.c */
void sysctl_write(const char *path, const char *val);
bool ipv6_forwarding_on(const char *name); /* net.ipv6.conf.NAME.forwarding is 1 */
int tundev_ensure(struct be *be, uint32_t *ifindex, unsigned int mtu);
int tundev_set_mtu(uint32_t ifindex, unsigned int mtu);
int tundev_remove(uint32_t ifindex);
uint32_t tundev_ifindex(struct be *be);
/* repair.c */
void tundev_repair(struct be *be); /* tun46p lost IPv6 forwarding: recreate the pair (see tundev.c) */

/* attach.c */
int attach_tc(uint32_t ifindex, bool egress, int prog_fd, bool *clsact_created);
int detach_tc(uint32_t ifindex, bool egress, uint32_t expect_prog_id);
int destroy_clsact(uint32_t ifindex);
int attach_xdp(uint32_t ifindex, int prog_fd, bool generic);
int detach_xdp(uint32_t ifindex, int prog_fd, bool generic);
int replace_xdp(uint32_t ifindex, int old_fd, int new_fd, bool generic);
int query_xdp(uint32_t ifindex, bool generic, uint32_t *prog_id); /* 0: none */
int query_tc(uint32_t ifindex, bool egress, uint32_t *prog_id);	  /* tun46's handle/prio; 0: none */
int replace_tc(uint32_t ifindex, bool egress, int new_fd);

/* nl.c: rtnetlink */
struct nl_route {
	uint32_t addr; /* network order */
	uint8_t plen;
	uint16_t mtu; /* 0: no mtu metric */
};
/* add (replace) or delete n routes through ifindex with proto TUN46_RTPROT.
 * On error *failed_at is the index of the first failed route; every route
 * before it was applied, none after it. */
int nl_routes(bool add, uint32_t ifindex, const struct nl_route *r, size_t n, size_t *failed_at);
int nl_ipv6_global_addr(uint32_t ifindex, union tun46_addr6 *out); /* -ENOENT if none */
int nl_ipv6_global_addr_keep(uint32_t ifindex, const union tun46_addr6 *current, union tun46_addr6 *out);
int nl_link_del(uint32_t ifindex);
int nl_veth_add(const char *name, const char *peer);
struct nlmsghdr;
int nl_socket(void); /* bound NETLINK_ROUTE socket in the current namespace */
void *nl_put_attr(struct nlmsghdr *n, unsigned short type, const void *data, size_t len);
int nl_talk_fd(int fd, struct nlmsghdr *req, int (*cb)(struct nlmsghdr *n, void *arg), void *arg);
/* One address of an RTM_NEWADDR message (a dump or an event). */
struct nl_addr {
	uint32_t ifindex;
	uint8_t family, plen, scope; /* AF_*, prefix length, RT_SCOPE_* */
	uint32_t flags;		     /* IFA_F_*: IFA_FLAGS when present, else the header's 8 bits */
	/* 4 bytes (AF_INET) or 16 (AF_INET6) inside the message, NULL when
	 * absent or of another size (or another family): local is the address
	 * itself, address the far end's on a point-to-point link with a peer
	 * and otherwise the address itself (then local is often absent). */
	const void *local, *address;
};
/* Parse n into *a: false when n is not an RTM_NEWADDR message. */
bool nl_addr_parse(const struct nlmsghdr *n, struct nl_addr *a);

/* portcheck.c: what attach records about a port, and the veth far-end check */
int port_identity(const char *ifname, uint8_t mac[6], uint32_t *addr4); /* addr4: network order, 0 = none */
/* Before attaching ifname in mode: refuse (-EOPNOTSUPP, message printed)
 * when a native-XDP redirect would go into a veth whose far end has neither
 * an XDP program nor GRO; warn when a far end cannot be inspected. */
int veth_xdp_check(struct be *be, const char *ifname, uint32_t ifindex, enum tun46_mode mode);
/* does the device have addresses or routes tun46 did not make? 1 yes, 0 no, -errno */
int nl_dev_foreign_config(uint32_t ifindex);

/* ensure.c: the loading layer (below peers.c, routes.c and links.c) */
int be_need_loaded(struct be *be);

/* peertab.c: the peer table in memory (below routes and the loading layer) */
int peer_read(struct be *be, uint32_t id, struct tun46_peer *p); /* -ENOENT if unused */
struct tun46_peer *peer_tab(struct be *be); /* loaded on first use; NULL when not loaded / no memory */
uint32_t peers_count(struct be *be);
/* Work deferred while peers change, done once: the tunnel MTU (max over the
 * peers) and forgetting the counters of deleted peers.  Called before kernel
 * routes are written and when the state is closed. */
void peers_flush(struct be *be);
void peers_cache_drop(struct be *be);	   /* the maps were closed or recreated */
unsigned int peers_tun_mtu(struct be *be); /* 1452 while a peer uses encaplimit, else 1460 */
uint16_t peer_route_mtu(const struct tun46_peer *p);
int stats_forget(struct be *be, bool match_if, uint32_t ifindex, bool match_peer, uint32_t peer_id);
/* Whether the counters of a pair go; stats_clear_fast clears the matching
 * pairs from every CPU's copy of the fast slots (ncpu: possible CPUs). */
typedef bool (*stats_key_match)(const struct tun46_stats_key *k, const void *arg);
int stats_clear_fast(struct be *be, stats_key_match match, const void *arg, int ncpu);
/* Forget the counters of every peer id set in the bitmap ids (max_peers bits), in one walk. */
int stats_forget_peers(struct be *be, const uint8_t *ids);
/* statsfew.c: the same for n <= STATS_FEW ids, by key (no walk); -E2BIG: walk instead */
#define STATS_FEW	    16
#define TUN46_STATS_FEW_IFS 256
int stats_forget_few(struct be *be, const uint32_t *ids, size_t n);

/* routemap.c: every route of the trie itself, unsorted (a full walk) */
int routes_list_map(struct be *be, struct be_route **out, size_t *n);

/* routetab.c: reading tun46_routes, and the kernel routes in step with it */
uint32_t routes_plen_mask(uint8_t plen);					 /* network order */
int routes_exact(struct be *be, uint32_t addr, uint8_t plen, uint32_t *peer_id); /* -ENOENT */
int routes_cmp(const void *a, const void *b);					 /* struct be_route, by (addr, plen) */
uint16_t *routes_peer_mtus(struct be *be);		 /* route MTU per peer id (0: none); malloc'ed */
int routes_kernel_sync(struct be *be, uint32_t peer_id); /* re-add kernel routes (of one peer, 0: all) */

/* peerrx.c: forget the liveness of deleted peers (bitmap of max_peers bits, or one id) */
void peer_rx_forget(struct be *be, const uint8_t *ids);
void peer_rx_forget_one(struct be *be, uint32_t id);
/* routes.c */
void routes_close(struct be *be, bool torn_down); /* the kernel routes left by a state_goes delete */

/* links.c */
void links_prune_stale(struct be *be);

/* probe.c: kernel feature probes (run at load and at every attach) */
enum probe_feat {
	PROBE_F_PROG_TC,
	PROBE_F_PROG_XDP,
	PROBE_F_MAP_HASH,
	PROBE_F_MAP_ARRAY,
	PROBE_F_MAP_PERCPU,
	PROBE_F_MAP_PERCPU_HASH,
	PROBE_F_MAP_LPM,
	PROBE_F_MAP_LRU,
	PROBE_F_MAP_DEVMAP_HASH,
	PROBE_F_TC_ADJUST_ROOM,
	PROBE_F_TC_CHANGE_PROTO,
	PROBE_F_TC_CHANGE_TAIL,
	PROBE_F_TC_REDIRECT_NEIGH,
	PROBE_F_TC_FIB_LOOKUP,
	PROBE_F_XDP_FIB_LOOKUP,
	PROBE_F_XDP_ADJUST_HEAD,
	PROBE_F_XDP_ADJUST_TAIL,
	PROBE_F_XDP_ADJUST_META,
	PROBE_F_XDP_REDIRECT_MAP,
	PROBE_F_FIB_OUTPUT,  /* run: BPF_FIB_LOOKUP_OUTPUT */
	PROBE_F_DECAP_L3,    /* run: BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (6.3+) */
	PROBE_F_DECAP_2STEP, /* run: adjust_room + change_proto (bpf/lib/tcdecap.h) */
	PROBE_F_FIB_SRC,     /* run: BPF_FIB_LOOKUP_SRC (6.8+, optional) */
	PROBE_F__MAX,
};
struct probe_result {
	uint64_t probed; /* 1 << feature: the probe could tell */
	uint64_t have;	 /* 1 << feature: present (and not in TUN46_PROBE_DISABLE) */
};
int probe_run(struct probe_result *r); /* -EPERM when nothing could be probed */
bool probe_has(const struct probe_result *r, enum probe_feat f);
const char *probe_name(enum probe_feat f);
uint32_t probe_cfg_flags(const struct probe_result *r); /* TUN46_CFG_F_* */
/* 0, or -EOPNOTSUPP with the message printed (what is missing, which mode would work) */
int probe_check_mode(const struct probe_result *r, const char *ifname, enum tun46_mode mode, enum tun46_role role);
void probe_format(const struct probe_result *r, char *buf, size_t len);
void probe_format_missing(const struct probe_result *r, char *buf, size_t len);
int probe_apply(struct be *be, struct probe_result *r); /* probe, write tun46_config.flags */

/* lbmsg.c: libbpf's output during one call, for the kernel's own reason */
void lbmsg_begin(void);
void lbmsg_end(void);
const char *lbmsg_reason(char *out, size_t len); /* "" when libbpf said nothing useful */

/* errmsg.c: messages go through the front's print function (log.h); be_err,
 * be_warn and be_info are t46_log at their level (its format check applies) */
#define be_err(...)  t46_log(T46_LOG_ERR, __VA_ARGS__)
#define be_warn(...) t46_log(T46_LOG_WARN, __VA_ARGS__)
#define be_info(...) t46_log(T46_LOG_INFO, __VA_ARGS__)
int be_libbpf_debug(enum libbpf_print_level level, const char *fmt, va_list ap); /* for libbpf_set_print */
int be_libbpf_warn(enum libbpf_print_level level, const char *fmt, va_list ap);	 /* + its warnings, always */
int be_err_perm(int err, const char *what); /* EPERM/EACCES -> "permission denied: run as root" */

#endif /* TUN46_BE_INTERNAL_H */
