// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * common.c — the daemon's bottom layer: its options (d_opts), its counters
 * (d_cnt), logging (d_log, d_debug) and opening the namespace's state
 * (d_be_open).  Every other daemon/ file may call it; it calls nothing in
 * daemon/, only the library (lib/) and libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "tun46d.h"

struct d_opts d_opts = {.dns_min = 30, .dns_max = 3600};
struct d_counters d_cnt;
bool d_log_stamp = true;

static void vlog(const char *fmt, va_list ap)
{
	int saved = errno;

	if (d_log_stamp) {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
		fprintf(stderr, "%s ", ts);
	}
	fputs("tun46d: ", stderr);
	errno = saved;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void d_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void d_debug(const char *fmt, ...)
{
	va_list ap;

	if (!d_opts.verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

struct be *d_be_open(bool write)
{
	struct be_opts o = {.readonly = !write};
	struct be *be;

	if (be_open(&be, &o)) {
		d_log("cannot open the tun46 state of this namespace (see above)");
		return NULL;
	}
	return be;
}
