/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * probe.c — what this kernel offers the datapath, found by trying it (as
 * libbpf's feature probes do), never from a version number:
 *   program types, map types and helpers: libbpf_probe_bpf_*() (the verifier
 *   knows them);
 *   helper flags, which the verifier does not check: small programs of
 *   bpf/probe.bpf.c run once with BPF_PROG_TEST_RUN on a crafted packet.
 * Run when the datapath is loaded and at every attach; the datapath's part of
 * the answer goes into tun46_config.flags (TUN46_CFG_F_*), and attach refuses
 * a mode that cannot work, naming what is missing and the mode that would.
 *
 * TUN46_PROBE_DISABLE=name[,name...] treats those features as missing (for
 * tests: e.g. decap_l3 makes a 6.3+ kernel use the 6.1 decapsulation).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

#if __has_include("probe.skel.h")
#include "probe.skel.h"
#define HAVE_PROBE_SKEL 1
#endif

#define M_XDP  (1u << TUN46_MODE_XDP)
#define M_XDPG (1u << TUN46_MODE_XDP_GENERIC)
#define M_TC   (1u << TUN46_MODE_TC)
#define M_ALL  (M_XDP | M_XDPG | M_TC)

enum pkind { K_PROG, K_MAP, K_HELPER, K_RUN };

struct feat {
	const char *name;  /* for TUN46_PROBE_DISABLE and the features line */
	const char *since; /* mainline release that brought it */
	const char *what;
	enum pkind kind;
	int type; /* program type / map type / program type of the helper / run probe index */
	int helper;
	unsigned int modes; /* modes that cannot work without it; 0: optional */
};

enum { RUN_DECAP_L3, RUN_DECAP_2STEP, RUN_FIB_OUTPUT, RUN_FIB_SRC };

static const struct feat feats[PROBE_F__MAX] = {
    [PROBE_F_PROG_TC] = {"prog_tc", "4.1", "TC BPF programs", K_PROG, BPF_PROG_TYPE_SCHED_CLS, 0, M_ALL},
    [PROBE_F_PROG_XDP] = {"prog_xdp", "4.8", "XDP programs", K_PROG, BPF_PROG_TYPE_XDP, 0, M_XDP | M_XDPG},
    [PROBE_F_MAP_HASH] = {"hash", "3.19", "hash maps", K_MAP, BPF_MAP_TYPE_HASH, 0, M_ALL},
    [PROBE_F_MAP_ARRAY] = {"array", "3.19", "array maps", K_MAP, BPF_MAP_TYPE_ARRAY, 0, M_ALL},
    [PROBE_F_MAP_PERCPU] = {"percpu", "4.6", "per-CPU maps", K_MAP, BPF_MAP_TYPE_PERCPU_ARRAY, 0, M_ALL},
    [PROBE_F_MAP_PERCPU_HASH] = {"percpu_hash", "4.6", "per-CPU hash maps", K_MAP, BPF_MAP_TYPE_PERCPU_HASH, 0, M_ALL},
    [PROBE_F_MAP_LPM] = {"lpm_trie", "4.11", "LPM trie maps", K_MAP, BPF_MAP_TYPE_LPM_TRIE, 0, M_ALL},
    [PROBE_F_MAP_LRU] = {"lru_hash", "4.10", "LRU hash maps", K_MAP, BPF_MAP_TYPE_LRU_HASH, 0, M_ALL},
    [PROBE_F_MAP_DEVMAP_HASH] = {"devmap_hash", "5.4", "device hash maps (redirect targets)", K_MAP,
				 BPF_MAP_TYPE_DEVMAP_HASH, 0, M_ALL},
    [PROBE_F_TC_ADJUST_ROOM] = {"skb_adjust_room", "5.2", "bpf_skb_adjust_room", K_HELPER, BPF_PROG_TYPE_SCHED_CLS,
				BPF_FUNC_skb_adjust_room, M_ALL},
    [PROBE_F_TC_CHANGE_PROTO] = {"skb_change_proto", "4.8", "bpf_skb_change_proto", K_HELPER, BPF_PROG_TYPE_SCHED_CLS,
				 BPF_FUNC_skb_change_proto, M_ALL},
    [PROBE_F_TC_CHANGE_TAIL] = {"skb_change_tail", "4.9", "bpf_skb_change_tail", K_HELPER, BPF_PROG_TYPE_SCHED_CLS,
				BPF_FUNC_skb_change_tail, M_ALL},
    [PROBE_F_TC_REDIRECT_NEIGH] = {"redirect_neigh", "5.10", "bpf_redirect_neigh", K_HELPER, BPF_PROG_TYPE_SCHED_CLS,
				   BPF_FUNC_redirect_neigh, M_ALL},
    [PROBE_F_TC_FIB_LOOKUP] = {"tc_fib_lookup", "4.18", "bpf_fib_lookup in TC", K_HELPER, BPF_PROG_TYPE_SCHED_CLS,
			       BPF_FUNC_fib_lookup, M_ALL},
    [PROBE_F_XDP_FIB_LOOKUP] = {"xdp_fib_lookup", "4.18", "bpf_fib_lookup in XDP", K_HELPER, BPF_PROG_TYPE_XDP,
				BPF_FUNC_fib_lookup, M_XDP | M_XDPG},
    [PROBE_F_XDP_ADJUST_HEAD] = {"xdp_adjust_head", "4.10", "bpf_xdp_adjust_head", K_HELPER, BPF_PROG_TYPE_XDP,
				 BPF_FUNC_xdp_adjust_head, M_XDP | M_XDPG},
    [PROBE_F_XDP_ADJUST_TAIL] = {"xdp_adjust_tail", "4.18", "bpf_xdp_adjust_tail", K_HELPER, BPF_PROG_TYPE_XDP,
				 BPF_FUNC_xdp_adjust_tail, M_XDP | M_XDPG},
    [PROBE_F_XDP_ADJUST_META] = {"xdp_adjust_meta", "4.15", "bpf_xdp_adjust_meta (XDP to TC hand-off)", K_HELPER,
				 BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_adjust_meta, M_XDP | M_XDPG},
    [PROBE_F_XDP_REDIRECT_MAP] = {"redirect_map", "4.14", "bpf_redirect_map", K_HELPER, BPF_PROG_TYPE_XDP,
				  BPF_FUNC_redirect_map, M_XDP | M_XDPG},
    [PROBE_F_FIB_OUTPUT] = {"fib_output", "4.18", "bpf_fib_lookup flag BPF_FIB_LOOKUP_OUTPUT", K_RUN, RUN_FIB_OUTPUT, 0,
			    M_ALL},
    [PROBE_F_DECAP_L3] = {"decap_l3", "6.3", "bpf_skb_adjust_room flag BPF_F_ADJ_ROOM_DECAP_L3_IPV4", K_RUN,
			  RUN_DECAP_L3, 0, 0},
    [PROBE_F_DECAP_2STEP] = {"decap_2step", "6.1", "decapsulation by bpf_skb_adjust_room + bpf_skb_change_proto", K_RUN,
			     RUN_DECAP_2STEP, 0, 0},
    [PROBE_F_FIB_SRC] = {"fib_src", "6.8", "bpf_fib_lookup flag BPF_FIB_LOOKUP_SRC", K_RUN, RUN_FIB_SRC, 0, 0},
};

const char *probe_name(enum probe_feat f)
{
	return f < PROBE_F__MAX ? feats[f].name : "?";
}

static bool disabled_by_env(const char *name)
{
	const char *s = t46_get_opts()->probe_disable;
	size_t n = strlen(name);

	while (s && *s) {
		size_t l = strcspn(s, ", ");

		if (l == n && !strncmp(s, name, n))
			return true;
		s += l;
		s += strspn(s, ", ");
	}
	return false;
}

#ifdef HAVE_PROBE_SKEL
/* Ethernet + IPv6 (next header 4) + IPv4/UDP, 28 bytes: what tc_wan gets. */
static void probe_packet(unsigned char *p, size_t *len)
{
	static const unsigned char ip6[40] = {0x60, 0, 0, 0, 0, 28, 4, 64, [23] = 1, [39] = 1};
	static const unsigned char ip4[28] = {0x45, 0, 0,   28, 0, 0, 0x40, 0, 64, 17, 0x7c, 0xcf, 127, 0,
					      0,    1, 127, 0,	0, 1, 0,    9, 0,  9,  0,    8,	   0,	0};

	memset(p, 0, 14);
	p[12] = 0x86;
	p[13] = 0xdd;
	memcpy(p + 14, ip6, sizeof(ip6));
	memcpy(p + 14 + sizeof(ip6), ip4, sizeof(ip4));
	*len = 14 + sizeof(ip6) + sizeof(ip4);
}

/* Load one program of probe.bpf.c alone and run it once: 1 works, 0 not, <0 unknown. */
static int run_probe(int idx)
{
	unsigned char pkt[128], out[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_out = out, .data_size_out = sizeof(out),
		    .repeat = 1);
	struct bpf_program *progs[4], *prog;
	struct probe *skel;
	size_t len;
	int i, err;

	skel = probe__open();
	if (!skel)
		return -errno;
	progs[RUN_DECAP_L3] = skel->progs.probe_decap_l3;
	progs[RUN_DECAP_2STEP] = skel->progs.probe_decap_2step;
	progs[RUN_FIB_OUTPUT] = skel->progs.probe_fib_output;
	progs[RUN_FIB_SRC] = skel->progs.probe_fib_src;
	for (i = 0; i < 4; i++)
		bpf_program__set_autoload(progs[i], i == idx);
	prog = progs[idx];
	err = probe__load(skel);
	if (err) {
		/* a helper it calls is missing: the feature is, too (EPERM: unknown) */
		err = err == -EPERM || err == -EACCES ? err : 0;
		goto out;
	}
	probe_packet(pkt, &len);
	opts.data_size_in = (uint32_t)len;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		err = err == -EPERM || err == -EACCES ? err : 0;
	else
		err = opts.retval == 0;
out:
	probe__destroy(skel);
	return err;
}
#else
static int run_probe(int idx)
{
	(void)idx;
	return -ENOSYS;
}
#endif

int probe_run(struct probe_result *r)
{
	libbpf_print_fn_t old;
	int i, rc;

	memset(r, 0, sizeof(*r));
	old = libbpf_set_print(NULL);
	for (i = 0; i < PROBE_F__MAX; i++) {
		const struct feat *f = &feats[i];

		switch (f->kind) {
		case K_PROG:
			rc = libbpf_probe_bpf_prog_type(f->type, NULL);
			break;
		case K_MAP:
			rc = libbpf_probe_bpf_map_type(f->type, NULL);
			break;
		case K_HELPER:
			rc = libbpf_probe_bpf_helper(f->type, f->helper, NULL);
			break;
		default:
			rc = run_probe(f->type);
			break;
		}
		if (rc < 0) /* could not tell (no permission): neither missing nor present */
			continue;
		r->probed |= 1ull << i;
		if (rc > 0 && !disabled_by_env(f->name))
			r->have |= 1ull << i;
	}
	libbpf_set_print(old);
	return r->probed ? 0 : -EPERM;
}

bool probe_has(const struct probe_result *r, enum probe_feat f)
{
	return r->have & (1ull << f);
}

static bool probe_missing(const struct probe_result *r, enum probe_feat f)
{
	return (r->probed & (1ull << f)) && !(r->have & (1ull << f));
}

uint32_t probe_cfg_flags(const struct probe_result *r)
{
	uint32_t fl = 0;

	if (!r->probed)
		return 0;
	fl |= TUN46_CFG_F_PROBED;
	if (!probe_has(r, PROBE_F_DECAP_L3))
		fl |= TUN46_CFG_F_DECAP_2STEP;
	return fl;
}

/* Decapsulation in TC (tc_wan, every mode's WAN): one way or the other. */
static bool decap_missing(const struct probe_result *r)
{
	return probe_missing(r, PROBE_F_DECAP_L3) && probe_missing(r, PROBE_F_DECAP_2STEP);
}

/* The first feature mode m needs that is missing, or -1. */
static int mode_blocker(const struct probe_result *r, enum tun46_mode m, enum tun46_role role)
{
	int i;

	for (i = 0; i < PROBE_F__MAX; i++)
		if ((feats[i].modes & (1u << m)) && probe_missing(r, (enum probe_feat)i))
			return i;
	if (role == TUN46_ROLE_WAN && decap_missing(r))
		return PROBE_F_DECAP_2STEP;
	return -1;
}

static const char *mode_str(enum tun46_mode m)
{
	return m == TUN46_MODE_XDP ? "xdp" : m == TUN46_MODE_XDP_GENERIC ? "xdp-generic" : "tc";
}

int probe_check_mode(const struct probe_result *r, const char *ifname, enum tun46_mode mode, enum tun46_role role)
{
	static const enum tun46_mode order[] = {TUN46_MODE_XDP, TUN46_MODE_TC, TUN46_MODE_XDP_GENERIC};
	int b = mode_blocker(r, mode, role);
	size_t i;

	if (b < 0)
		return 0;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] != mode && mode_blocker(r, order[i], role) < 0) {
			be_err("cannot attach to %s in mode %s: this kernel lacks %s (%s, Linux %s+); use mode %s",
			       ifname, mode_str(mode), feats[b].name, feats[b].what, feats[b].since,
			       mode_str(order[i]));
			return -EOPNOTSUPP;
		}
	}
	be_err("cannot attach to %s in mode %s: this kernel lacks %s (%s, Linux %s+); no mode of tun46 can work on "
	       "this kernel",
	       ifname, mode_str(mode), feats[b].name, feats[b].what, feats[b].since);
	return -EOPNOTSUPP;
}

void probe_format(const struct probe_result *r, char *buf, size_t len)
{
	size_t off = 0;
	int i, pass;

	buf[0] = '\0';
	if (!r->probed) {
		snprintf(buf, len, "unknown (probing needs root)");
		return;
	}
	/* the optional features by name, then what is missing */
	for (pass = 0; pass < 2; pass++) {
		bool first = true;

		for (i = 0; i < PROBE_F__MAX; i++) {
			bool show = pass == 0 ? feats[i].modes == 0 && probe_has(r, (enum probe_feat)i)
					      : probe_missing(r, (enum probe_feat)i);

			if (!show || off >= len)
				continue;
			if (pass == 1 && first)
				off += (size_t)snprintf(buf + off, len - off, "%smissing:", off ? "; " : "");
			off += (size_t)snprintf(buf + off, len - off, "%s%s", first && pass == 0 ? "" : " ",
						feats[i].name);
			first = false;
		}
		if (pass == 0 && first && off < len)
			off += (size_t)snprintf(buf + off, len - off, "base");
	}
	if (off < len)
		snprintf(buf + off, len - off, "%s",
			 probe_missing(r, PROBE_F_DECAP_L3) && probe_has(r, PROBE_F_DECAP_2STEP)
			     ? "; decapsulation in TC: 2 steps"
			     : "");
}

/* Names of the missing features every load needs (maps, program types and
 * helpers the object uses), for a failed load. */
void probe_format_missing(const struct probe_result *r, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < PROBE_F__MAX && off < len; i++)
		if (feats[i].kind != K_RUN && probe_missing(r, (enum probe_feat)i))
			off += (size_t)snprintf(buf + off, len - off, "%s%s (%s, Linux %s+)", off ? ", " : "",
						feats[i].name, feats[i].what, feats[i].since);
}

int be_kernel_features(char *buf, size_t len)
{
	struct probe_result r;
	int err = probe_run(&r);

	probe_format(&r, buf, len);
	return err;
}

/* Probe, record the datapath's part in tun46_config.flags; fills *r. */
int probe_apply(struct be *be, struct probe_result *r)
{
	struct tun46_config cfg;
	uint32_t key = 0, fl;

	probe_run(r);
	if (!r->probed || be->map_fd[BE_MAP_CONFIG] < 0)
		return 0;
	if (bpf_map_lookup_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg))
		return -errno;
	fl = probe_cfg_flags(r);
	if ((cfg.flags & (TUN46_CFG_F_PROBED | TUN46_CFG_F_DECAP_2STEP)) == fl)
		return 0;
	cfg.flags = (cfg.flags & ~(TUN46_CFG_F_PROBED | TUN46_CFG_F_DECAP_2STEP)) | fl;
	if (bpf_map_update_elem(be->map_fd[BE_MAP_CONFIG], &key, &cfg, BPF_EXIST))
		return -errno;
	return 0;
}
