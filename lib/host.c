// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* host.c — DNS host names where the grammar takes an IPv6 address (peer remote). */
#include <ctype.h>
#include <string.h>

#include "parse.h"

bool t46_is_hostname(const char *s)
{
	size_t len = strlen(s), lab = 0, i;
	bool digits_only = true;

	if (len == 0 || len > T46_HOST_LEN - 1)
		return false;
	if (s[len - 1] == '.') /* a fully qualified name: the root label */
		len--;
	if (len == 0)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (lab == 0 && c == '-')
			return false;
		lab++;
	}
	/* the last label (the top-level domain) is never all digits */
	for (i = len; i > 0 && s[i - 1] != '.'; i--)
		if (!isdigit((unsigned char)s[i - 1]))
			digits_only = false;
	return !digits_only;
}

int t46_parse_remote(const char *s, int tok, union tun46_addr6 *out, char name[T46_HOST_LEN], struct t46_err *e)
{
	name[0] = '\0';
	if (strchr(s, ':') || !t46_is_hostname(s)) {
		if (t46_parse_addr6(s, tok, out, e) == 0)
			return 0;
		if (!strchr(s, ':'))
			t46_err_set(e, tok, s,
				    "\"%s\" is not an IPv6 address (example: 2001:db8::1) or a DNS name "
				    "(example: site2.example.net)",
				    s);
		return -1;
	}
	memcpy(name, s, strlen(s) + 1);
	return 0;
}
