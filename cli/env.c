// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* env.c — the environment variables of tun46(8), read by the command (the
 * library never reads the environment) into the library's settings. */
#include <stdlib.h>
#include <string.h>

#include "exec.h"

void t46_env_opts(struct t46_lib_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->debug = getenv("TUN46_DEBUG") != NULL;
	o->max_peers = getenv("TUN46_MAX_PEERS");
	o->max_routes = getenv("TUN46_MAX_ROUTES");
	o->max_stats = getenv("TUN46_MAX_STATS");
	o->fail_after = getenv("TUN46_FAIL_AFTER");
	o->probe_disable = getenv("TUN46_PROBE_DISABLE");
}
