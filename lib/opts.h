/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * opts.h — library-wide settings, filled by the front (libtun46 never reads
 * the environment).  The tun46 command fills them from the environment
 * variables named below (see tun46(8)); the text settings are taken as the
 * administrator wrote them and checked where they are used, with a message
 * that names the variable.  Set them before be_open(); the strings must
 * stay valid while the library runs.
 */
#ifndef TUN46_OPTS_H
#define TUN46_OPTS_H

#include <stdbool.h>

struct t46_lib_opts {
	bool debug;		   /* TUN46_DEBUG: pass libbpf's own output on at T46_LOG_DEBUG */
	const char *max_peers;	   /* TUN46_MAX_PEERS: peer map size at first load; NULL = default */
	const char *max_routes;	   /* TUN46_MAX_ROUTES: route map size at first load */
	const char *max_stats;	   /* TUN46_MAX_STATS: stats map size at first load */
	const char *fail_after;	   /* TUN46_FAIL_AFTER (testing): the N+1-th map write fails */
	const char *probe_disable; /* TUN46_PROBE_DISABLE: probed features treated as missing, "a,b" */
};

/* Copy o (NULL: all defaults). */
void t46_set_opts(const struct t46_lib_opts *o);
const struct t46_lib_opts *t46_get_opts(void);

/* Fill o from the variables named above, through lookup (a front passes
 * getenv; the names live here once, for the command and the daemon alike). */
void t46_opts_from(struct t46_lib_opts *o, char *(*lookup)(const char *name));

#endif /* TUN46_OPTS_H */
