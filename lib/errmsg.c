/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* errmsg.c — the backend's one-line error messages on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "be_internal.h"

void be_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tun46: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A warning: the command goes on.  (Lead: reconcile with the print
 * callback's warning level when the library gets one.) */
void be_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("tun46: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print the message for err (negative errno) about `what`; permission errors
 * get the one message every command gives for them.  Returns err. */
int be_err_perm(int err, const char *what)
{
	if (err == -EPERM || err == -EACCES)
		be_err("permission denied: run as root (%s)", what);
	else
		be_err("%s: %s", what, strerror(-err));
	return err;
}
