// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* prom.c — Prometheus text exposition of the counters (see prom.h).
 * Placeholder while the formatter is written: only tun46_info. */
#include <errno.h>
#include <sys/utsname.h>

#include "prom.h"

int t46_prom_write(struct be *be, FILE *f, const struct t46_prom_opts *opts)
{
	struct utsname u;
	const char *kernel = opts->kernel;

	(void)be;
	if (!kernel)
		kernel = uname(&u) == 0 ? u.release : "unknown";
	fprintf(f, "# HELP tun46_info tun46 version and kernel.\n# TYPE tun46_info gauge\n");
	fprintf(f, "tun46_info{version=\"%s\",kernel=\"%s\"} 1\n", opts->version ? opts->version : "unknown", kernel);
	return ferror(f) ? -EIO : 0;
}
