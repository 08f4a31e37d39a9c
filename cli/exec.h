/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * exec.h — running parsed commands: the per-run context (global options and
 * the backend handle, opened once and only when a command needs it) and the
 * handler of each object.
 */
#ifndef TUN46_EXEC_H
#define TUN46_EXEC_H

#include <stdio.h>

#include "backend.h"
#include "cmd.h"
#include "log.h"
#include "opts.h"

/* exit codes */
#define T46_EXIT_OK    0
#define T46_EXIT_ERR   1
#define T46_EXIT_USAGE 2

struct t46_ctx {
	bool json, pretty, stats, force;
	bool migrate;	   /* -migrate: rebuild a state of an incompatible layout */
	char op[40];	   /* the command being run, for the backend's journal */
	const char *netns; /* -n NETNS */
	struct be *be;
	bool be_write;	   /* be was opened for writing */
	bool be_loaded;	   /* be_ensure_loaded() done */
	const char *where; /* "FILE:LINE" prefix for messages in -batch, else NULL */
};

/* The backend, opened on first use.  Returns NULL after printing why. */
enum t46_be_use {
	T46_BE_READ,  /* show: never creates anything */
	T46_BE_WRITE, /* change existing state (detach, del): loads nothing */
	T46_BE_LOAD,  /* add: loads the datapath in the namespace if needed */
};
struct be *t46_ctx_be(struct t46_ctx *ctx, enum t46_be_use use);
void t46_ctx_close(struct t46_ctx *ctx);

/* ctx.c: print "tun46: message" (with the batch position) to stderr;
 * t46_cli_print is the library's print function (t46_set_print, arg = ctx). */
void t46_cli_print(enum t46_log_level level, const char *msg, void *arg);
void t46_error(const struct t46_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse and run one command (argv[0] = OBJECT).  Returns an exit code. */
int t46_run(struct t46_ctx *ctx, int argc, char **argv);

/* Handlers, one per object (cmd_*.c); return an exit code. */
int t46_cmd_link(struct t46_ctx *ctx, const struct t46_cmd *c);
int t46_cmd_peer(struct t46_ctx *ctx, const struct t46_cmd *c);
int t46_cmd_route(struct t46_ctx *ctx, const struct t46_cmd *c);
int t46_cmd_stats(struct t46_ctx *ctx, const struct t46_cmd *c);
int t46_cmd_config(struct t46_ctx *ctx, const struct t46_cmd *c);

/* help.c */
void t46_usage(FILE *f);
int t46_help(enum t46_obj obj, FILE *f);

/* batch.c: run every line of FILE ("-" = stdin). */
int t46_batch(struct t46_ctx *ctx, const char *file);

#endif /* TUN46_EXEC_H */
