// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * prom.c — the namespace's counters in the Prometheus text exposition format
 * 0.0.4 (see prom.h), from the same read as `tun46 -j stats` (be_stats_read).
 *
 * Families, in this order (each with # HELP and # TYPE once):
 *   tun46_info{version,kernel} 1
 *   tun46_datapath_loaded                       gauge 0/1
 *   tun46_peers                                 gauge
 *   tun46_links{role}                           gauge (lan, wan)
 *   tun46_packets_total{dir,path,dev,peer}      encap_packets (encap, fast),
 *   tun46_bytes_total{dir,path,dev,peer}        slow_encap_* (encap, slow),
 *                                               decap_* (decap, fast), slow_decap_* (decap, slow)
 *   tun46_drops_total{reason,dev,peer}          every *_drop_* counter, and
 *                                               encap_icmp_frag_needed (the packet is dropped)
 *   tun46_kernel_passes_total{reason,dev,peer}  every *_pass_* counter: handed to the kernel
 *   tun46_events_total{event,dev,peer}          the rest: decap_frag_held, decap_frag_reassembled,
 *                                               pmtu_updates, icmp_relayed, icmp_ratelimited
 *   tun46_stats_lost_updates_total              stats_map_full
 *   tun46_peer_last_rx_timestamp_seconds{peer}  Unix time of the last valid packet from the peer,
 *                                               0 = never (absent with a datapath of an older tun46)
 * reason and event values are the counter names of `tun46 stats`.  dev is the
 * interface name ("ifN" for one that is gone), peer the peer name ("(none)"
 * for packets no peer was identified for, "#ID" for a deleted one), as in
 * `tun46 -j stats`.  Packet and byte series are written for every (dev, peer)
 * pair that has counters, zero or not; drop, pass and event series only once
 * non-zero (as Cilium's drop metrics), so that 60 reasons x every pair do
 * not multiply the series count.  Series are sorted by counter, then dev,
 * then peer; pairs with the same names are summed, so no series repeats.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>

#include "live.h"
#include "prom.h"

static const char *const cname[TUN46_C__MAX] = {
#define X(sfx, n, d) [TUN46_C_##sfx] = n,
    TUN46_COUNTERS(X)
#undef X
};

enum fam { F_PACKETS, F_BYTES, F_DROPS, F_PASSES, F_EVENTS, F_LOST, F__MAX };

static const struct {
	const char *name, *label, *help;
} fams[F__MAX] = {
    [F_PACKETS] = {"tun46_packets_total", NULL,
		   "Packets tunnelled: dir encap (IPv4 sent into the tunnel) or decap (received from it); path fast "
		   "(XDP/TC programs) or slow (tunnel device, or decapsulated and handed to the kernel)."},
    [F_BYTES] = {"tun46_bytes_total", NULL, "Inner IPv4 bytes tunnelled, as tun46_packets_total."},
    [F_DROPS] = {"tun46_drops_total", "reason", "Packets dropped on purpose, by reason (the tun46 stats counter)."},
    [F_PASSES] = {"tun46_kernel_passes_total", "reason",
		  "Packets handed to the kernel (not lost), by reason (the tun46 stats counter)."},
    [F_EVENTS] = {"tun46_events_total", "event",
		  "Other datapath events (fragments, path MTU updates, ICMP errors), by tun46 stats counter."},
    [F_LOST] = {"tun46_stats_lost_updates_total", NULL,
		"Counter updates lost because the stats map was full (stats_map_full; raise TUN46_MAX_STATS)."},
};

/* The family of counter i; for packets and bytes also its dir and path. */
static enum fam family_of(int i, const char **dir, const char **path)
{
	*dir = *path = NULL;
	switch (i) {
	case TUN46_C_ENCAP_PACKETS:
	case TUN46_C_ENCAP_BYTES:
		*dir = "encap", *path = "fast";
		break;
	case TUN46_C_SLOW_ENCAP_PACKETS:
	case TUN46_C_SLOW_ENCAP_BYTES:
		*dir = "encap", *path = "slow";
		break;
	case TUN46_C_DECAP_PACKETS:
	case TUN46_C_DECAP_BYTES:
		*dir = "decap", *path = "fast";
		break;
	case TUN46_C_SLOW_DECAP_PACKETS:
	case TUN46_C_SLOW_DECAP_BYTES:
		*dir = "decap", *path = "slow";
		break;
	case TUN46_C_STATS_MAP_FULL:
		return F_LOST;
	case TUN46_C_ENCAP_ICMP_FRAG_NEEDED: /* the sender is told, the packet dropped */
		return F_DROPS;
	default:
		if (strstr(cname[i], "_drop_"))
			return F_DROPS;
		if (strstr(cname[i], "_pass_"))
			return F_PASSES;
		return F_EVENTS;
	}
	return strstr(cname[i], "_bytes") ? F_BYTES : F_PACKETS;
}

struct row {
	char dev[IF_NAMESIZE + 12];
	char peer[TUN46_NAME_LEN + 12];
	struct tun46_counters c;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d = strcmp(x->dev, y->dev);

	return d ? d : strcmp(x->peer, y->peer);
}

/* A label value with \, " and newline escaped. */
static void put_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_label(FILE *f, bool *first, const char *key, const char *val)
{
	fprintf(f, "%s%s=\"", *first ? "{" : ",", key);
	put_value(f, val);
	fputc('"', f);
	*first = false;
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type); /* help: no \ or newline */
}

/* The (dev, peer) rows of the stats entries, sorted, equal names summed.
 * The (ifindex 0) entry holds only stats_map_full: added to *lost. */
static int make_rows(struct be *be, const struct be_stats_entry *e, size_t n, struct row **out, size_t *nout,
		     uint64_t *lost)
{
	struct row *r = calloc(n ? n : 1, sizeof(*r));
	size_t k = 0, m = 0;

	*lost = 0;
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		*lost += e[i].sum.c[TUN46_C_STATS_MAP_FULL];
		if (!e[i].ifindex)
			continue;
		if (!if_indextoname(e[i].ifindex, r[k].dev))
			snprintf(r[k].dev, sizeof(r[k].dev), "if%u", e[i].ifindex);
		if (e[i].peer_id)
			t46_peer_name(be, e[i].peer_id, r[k].peer, sizeof(r[k].peer));
		else
			snprintf(r[k].peer, sizeof(r[k].peer), "(none)");
		r[k].c = e[i].sum;
		r[k].c.c[TUN46_C_STATS_MAP_FULL] = 0; /* counted once, in *lost */
		k++;
	}
	qsort(r, k, sizeof(*r), row_cmp);
	for (size_t i = 0; i < k; i++) {
		if (m && !row_cmp(&r[m - 1], &r[i])) {
			for (int c = 0; c < TUN46_C__MAX; c++)
				r[m - 1].c.c[c] += r[i].c.c[c];
		} else {
			r[m++] = r[i];
		}
	}
	*out = r;
	*nout = m;
	return 0;
}

static void write_counters(FILE *f, const struct row *r, size_t n, uint64_t lost)
{
	for (int fam = 0; fam < F__MAX; fam++) {
		header(f, fams[fam].name, "counter", fams[fam].help);
		if (fam == F_LOST) {
			fprintf(f, "%s %llu\n", fams[fam].name, (unsigned long long)lost);
			continue;
		}
		for (int i = 0; i < TUN46_C__MAX; i++) {
			const char *dir, *path;

			if ((int)family_of(i, &dir, &path) != fam)
				continue;
			for (size_t j = 0; j < n; j++) {
				bool first = true;

				if (!r[j].c.c[i] && !dir)
					continue; /* drops, passes, events: once non-zero */
				fputs(fams[fam].name, f);
				if (dir) {
					put_label(f, &first, "dir", dir);
					put_label(f, &first, "path", path);
				} else {
					put_label(f, &first, fams[fam].label, cname[i]);
				}
				put_label(f, &first, "dev", r[j].dev);
				put_label(f, &first, "peer", r[j].peer);
				fprintf(f, "} %llu\n", (unsigned long long)r[j].c.c[i]);
			}
		}
	}
}

struct peer_arg {
	FILE *f;
	struct be *be;
	double now; /* CLOCK_REALTIME, seconds */
	size_t n;
	bool unsupported;
};

static int count_peer(uint32_t id, const struct tun46_peer *p, void *arg)
{
	(void)id, (void)p;
	((struct peer_arg *)arg)->n++;
	return 0;
}

static int peer_rx(uint32_t id, const struct tun46_peer *p, void *arg)
{
	struct peer_arg *a = arg;
	char name[TUN46_NAME_LEN];
	bool first = true;
	uint64_t ago;
	int err = be_peer_last_rx(a->be, id, &ago);

	if (err == -EOPNOTSUPP) {
		a->unsupported = true;
		return 1;
	}
	memcpy(name, p->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	fputs("tun46_peer_last_rx_timestamp_seconds", a->f);
	put_label(a->f, &first, "peer", name);
	if (err)
		fputs("} 0\n", a->f);
	else
		fprintf(a->f, "} %.3f\n", a->now - ago / 1e9);
	return 0;
}

int t46_prom_write(struct be *be, FILE *f, const struct t46_prom_opts *opts)
{
	struct be_stats_entry *e = NULL;
	struct be_link *links = NULL;
	struct peer_arg pa = {.f = f, .be = be};
	const char *kernel = opts ? opts->kernel : NULL;
	struct row *rows = NULL;
	size_t n = 0, nrows = 0, nlinks = 0, lan = 0, wan = 0;
	uint64_t lost = 0;
	struct timespec ts;
	struct utsname u;
	bool first = true;
	int err = 0;

	if (!kernel)
		kernel = uname(&u) == 0 ? u.release : "unknown";
	if (be_loaded(be)) {
		err = be_stats_read(be, &e, &n);
		if (!err)
			err = make_rows(be, e, n, &rows, &nrows, &lost);
		if (!err)
			err = be_link_list(be, &links, &nlinks);
		if (!err)
			err = be_peer_foreach(be, count_peer, &pa);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < nlinks; i++) {
		if (links[i].link.role == TUN46_ROLE_WAN)
			wan++;
		else
			lan++;
	}

	header(f, "tun46_info", "gauge", "tun46 version and the kernel it runs on.");
	fputs("tun46_info", f);
	put_label(f, &first, "version", opts && opts->version ? opts->version : "unknown");
	put_label(f, &first, "kernel", kernel);
	fputs("} 1\n", f);
	header(f, "tun46_datapath_loaded", "gauge", "1 when the tun46 datapath is loaded in this network namespace.");
	fprintf(f, "tun46_datapath_loaded %d\n", be_loaded(be) ? 1 : 0);
	header(f, "tun46_peers", "gauge", "Configured peers.");
	fprintf(f, "tun46_peers %zu\n", pa.n);
	header(f, "tun46_links", "gauge", "Interfaces tun46 is attached to, by role.");
	fprintf(f, "tun46_links{role=\"lan\"} %zu\ntun46_links{role=\"wan\"} %zu\n", lan, wan);
	write_counters(f, rows, nrows, lost);

	if (be_loaded(be)) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len); /* the family is left out whole when unsupported */

		if (!mem) {
			err = -ENOMEM;
			goto out;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		pa.f = mem;
		pa.now = ts.tv_sec + ts.tv_nsec / 1e9;
		err = be_peer_foreach(be, peer_rx, &pa);
		fclose(mem);
		if (err >= 0 && !pa.unsupported) {
			header(f, "tun46_peer_last_rx_timestamp_seconds", "gauge",
			       "Unix time of the last packet from the peer that passed every decapsulation check; 0: "
			       "never.");
			fwrite(buf, 1, len, f);
		}
		free(buf);
		err = err < 0 ? err : 0;
	}
	if (!err && ferror(f))
		err = -EIO;
out:
	free(links);
	free(rows);
	free(e);
	return err;
}
