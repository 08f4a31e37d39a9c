/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * errmsg.c — the library's messages: formatted here, handed to the print
 * function the front installed (log.h), never written anywhere by the
 * library itself.
 */
#define _GNU_SOURCE /* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "be_internal.h"
#include "log.h"
#include "opts.h"

static t46_print_fn print_fn;
static void *print_arg;

t46_print_fn t46_set_print(t46_print_fn fn, void *arg)
{
	t46_print_fn old = print_fn;

	print_fn = fn;
	print_arg = arg;
	return old;
}

static void vlog(enum t46_log_level level, const char *fmt, va_list ap)
{
	char small[512], *msg = NULL;
	va_list aq;
	int n;

	if (!print_fn)
		return;
	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n >= (int)sizeof(small) && vasprintf(&msg, fmt, ap) < 0)
		msg = NULL; /* out of memory: the truncated text */
	print_fn(level, msg ? msg : small, print_arg);
	free(msg);
}

void t46_log(enum t46_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* One message of libbpf's, without its trailing newline. */
static int libbpf_line(enum t46_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (!print_fn)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	print_fn(level, buf, print_arg);
	return 0;
}

/* libbpf's own messages (libbpf_set_print): passed on at T46_LOG_DEBUG, only
 * when the front asked for them (t46_lib_opts.debug). */
int be_libbpf_debug(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return t46_get_opts()->debug ? libbpf_line(T46_LOG_DEBUG, fmt, ap) : 0;
}

/* The same, but libbpf's warnings and notes always (T46_LOG_WARN). */
int be_libbpf_warn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? be_libbpf_debug(level, fmt, ap) : libbpf_line(T46_LOG_WARN, fmt, ap);
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
