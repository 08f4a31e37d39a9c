/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lbmsg.c — what libbpf printed during one call, kept to give the kernel's
 * own reason after tun46's sentence: the netlink extended ack of an attach
 * ("libbpf: Kernel error message: ..."), the verifier's last line of a
 * failed program load, or libbpf's last "failed" line (a map creation).
 * With t46_lib_opts.debug (TUN46_DEBUG=1) everything libbpf says is still passed
 * on as it says it (T46_LOG_DEBUG).
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "be_internal.h"

#define LBMSG_CAP 16384

static char buf[LBMSG_CAP];
static size_t used;
static libbpf_print_fn_t prev_print;
static bool capturing;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	be_libbpf_debug(level, fmt, aq); /* everything, with t46_lib_opts.debug */
	va_end(aq);
	if (level == LIBBPF_DEBUG)
		return 0;
	if (used > LBMSG_CAP / 2) { /* keep the newest half: the reason comes last */
		memmove(buf, buf + used - LBMSG_CAP / 4, LBMSG_CAP / 4);
		used = LBMSG_CAP / 4;
	}
	n = vsnprintf(buf + used, LBMSG_CAP - used, fmt, ap);
	if (n > 0)
		used += (size_t)n < LBMSG_CAP - used ? (size_t)n : LBMSG_CAP - used - 1;
	return 0;
}

void lbmsg_begin(void)
{
	used = 0;
	buf[0] = '\0';
	if (!capturing)
		prev_print = libbpf_set_print(capture_print);
	capturing = true;
}

void lbmsg_end(void)
{
	if (capturing)
		libbpf_set_print(prev_print);
	capturing = false;
}

/* Copy the line that starts at p (without "libbpf: " and the newline). */
static void copy_line(char *out, size_t len, const char *p)
{
	size_t n = strcspn(p, "\n");

	if (!strncmp(p, "libbpf: ", 8)) {
		p += 8;
		n -= n >= 8 ? 8 : n;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
		n--;
	snprintf(out, len, "%.*s", (int)n, p);
}

/* Start of the line before the one starting at end (NULL when none). */
static const char *line_before(const char *start, const char *end)
{
	const char *p = end;

	if (p <= start)
		return NULL;
	p--; /* the '\n' ending the previous line */
	while (p > start && p[-1] != '\n')
		p--;
	return p;
}

/* The verifier's last meaningful line before "-- END PROG LOAD LOG --". */
static bool verifier_reason(char *out, size_t len)
{
	const char *end = NULL, *p, *q, *name;
	char line[256];

	for (p = buf; (p = strstr(p, "-- END PROG LOAD LOG --")); p++)
		end = p;
	if (!end)
		return false;
	while (end > buf && end[-1] != '\n')
		end--;
	for (p = line_before(buf, end); p; p = line_before(buf, p)) {
		copy_line(line, sizeof(line), p);
		if (!line[0] || !strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17))
			continue;
		if (strstr(line, "-- BEGIN PROG LOAD LOG --"))
			return false;
		/* the program's name: the nearest "prog 'NAME'" before the log */
		name = NULL;
		for (q = buf; (q = strstr(q, "prog '")) && q < p; q++)
			name = q + 6;
		if (name)
			snprintf(out, len, "program %.*s: %s", (int)strcspn(name, "'"), name, line);
		else
			snprintf(out, len, "%s", line);
		return true;
	}
	return false;
}

const char *lbmsg_reason(char *out, size_t len)
{
	const char *p, *last = NULL;
	const char *km = "Kernel error message: ";

	out[0] = '\0';
	if ((p = strstr(buf, km))) {
		copy_line(out, len, p + strlen(km));
		return out;
	}
	if (verifier_reason(out, len))
		return out;
	for (p = buf; *p;) {
		size_t n = strcspn(p, "\n");

		if (memmem(p, n, "fail", 4) || memmem(p, n, "rror", 4))
			last = p;
		p += n;
		if (*p)
			p++;
	}
	if (last)
		copy_line(out, len, last);
	return out;
}
