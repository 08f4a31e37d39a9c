/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * prom.h — the namespace's counters in the Prometheus text exposition format
 * (version 0.0.4), from the same reads as `tun46 -j stats`: used by
 * `tun46 stats prometheus` (node_exporter textfile collector) and by the
 * /metrics endpoint of tun46d.
 */
#ifndef TUN46_PROM_H
#define TUN46_PROM_H

#include <stdio.h>

#include "backend.h"

struct t46_prom_opts {
	const char *version; /* tun46 version, for tun46_info */
	const char *kernel;  /* uname -r, for tun46_info; NULL: read it */
};

/* Write every metric to f.  Returns 0 or a negative errno (nothing printed
 * elsewhere; the caller reports). */
int t46_prom_write(struct be *be, FILE *f, const struct t46_prom_opts *opts);

#endif /* TUN46_PROM_H */
