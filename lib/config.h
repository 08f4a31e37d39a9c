/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * config.h — tun46 config files: text <-> struct t46_state.
 *
 * A config file holds lines of the command grammar without "tun46":
 *   link attach dev IF role {lan|wan} [mode M]
 *   peer {add|replace|change} NAME ...
 *   route {add|replace|change} PREFIX4 peer NAME
 * '#' starts a comment, blank lines are ignored, CRLF line ends are fine.
 * The file is a whole desired state: show/del/flush/stats/config lines are
 * refused.  Parsing has no side effect and reports every error.
 */
#ifndef TUN46_CONFIG_H
#define TUN46_CONFIG_H

#include <stdio.h>

#include "state.h"

#define T46_CFG_MAX_ERRS 200 /* errors kept (all are counted) */
#define T46_CFG_MAX_SIZE (256u << 20)

struct t46_cfg_errs {
	struct t46_err e[T46_CFG_MAX_ERRS];
	size_t n;     /* kept */
	size_t total; /* found */
};

/* Count one error (kept while there is room): at line (0: none), about token
 * (NULL: none), the message formatted from fmt. */
void t46_cfg_err_add(struct t46_cfg_errs *errs, int line, const char *token, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parse buf[0..len-1] into st (initialised by the caller).  Returns the
 * number of errors (0 = valid); errors are in errs, in line order. */
size_t t46_config_parse(const char *buf, size_t len, struct t46_state *st, struct t46_cfg_errs *errs);

/* Write errors to f (the caller's stream) as "FILE:LINE: message", one per
 * line, and a count. */
void t46_config_print_errs(FILE *f, const char *fname, const struct t46_cfg_errs *errs);

/* Read a whole file ("-" = standard input).  *buf is malloc'ed and NUL
 * terminated.  Returns 0, or -1 with e->msg saying why (nothing printed). */
int t46_read_file(const char *path, char **buf, size_t *len, struct t46_err *e);

/* Print st as a config file that t46_config_parse accepts. */
void t46_config_print(FILE *f, const struct t46_state *st);

/* The attributes of a peer as command words ("remote X local Y ..."), only
 * those that differ from the defaults unless all is true. */
void t46_peer_words(const struct tun46_peer *p, bool all, char *buf, size_t len);

#endif /* TUN46_CONFIG_H */
