/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* opts.c — the library-wide settings of opts.h. */
#include <stddef.h>
#include <string.h>

#include "opts.h"

static struct t46_lib_opts opts;

void t46_set_opts(const struct t46_lib_opts *o)
{
	opts = o ? *o : (struct t46_lib_opts){0};
}

const struct t46_lib_opts *t46_get_opts(void)
{
	return &opts;
}

void t46_opts_from(struct t46_lib_opts *o, char *(*lookup)(const char *name))
{
	memset(o, 0, sizeof(*o));
	o->debug = lookup("TUN46_DEBUG") != NULL;
	o->max_peers = lookup("TUN46_MAX_PEERS");
	o->max_routes = lookup("TUN46_MAX_ROUTES");
	o->max_stats = lookup("TUN46_MAX_STATS");
	o->fail_after = lookup("TUN46_FAIL_AFTER");
	o->probe_disable = lookup("TUN46_PROBE_DISABLE");
}
