/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * log.h — how libtun46 says things: it never writes to stderr itself.  Each
 * message (one line, no "tun46: " prefix, no newline) goes to the function
 * the front installs, as libxdp_set_print does; with none installed,
 * messages are discarded.
 *
 *   T46_LOG_ERR    why a call failed and what to do ("cannot attach to eth9:
 *                  no such interface"); the call also returns -errno.
 *   T46_LOG_WARN   the call went on, but something deserves a look.
 *   T46_LOG_INFO   progress worth a line ("waiting for the state lock ...").
 *   T46_LOG_DEBUG  libbpf's own output, only with t46_lib_opts.debug; the
 *                  text is libbpf's ("libbpf: ...").
 */
#ifndef TUN46_LOG_H
#define TUN46_LOG_H

enum t46_log_level {
	T46_LOG_ERR,
	T46_LOG_WARN,
	T46_LOG_INFO,
	T46_LOG_DEBUG,
};

typedef void (*t46_print_fn)(enum t46_log_level level, const char *msg, void *arg);

/* Install fn (NULL: discard everything); returns the previous function. */
t46_print_fn t46_set_print(t46_print_fn fn, void *arg);

/* Send one message through the installed function (the library's own
 * messages use this; a front may too, to keep one format). */
void t46_log(enum t46_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* TUN46_LOG_H */
