// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* main.c — tun46: global options, then one command or a batch file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "output.h"

#ifndef TUN46_VERSION
#define TUN46_VERSION "0.1"
#endif

/* ip-style option match: "-j", "-json", "--json" all match "json" (min 1 char). */
static bool opt_is(const char *arg, const char *name, size_t min)
{
	size_t n;

	if (arg[0] != '-')
		return false;
	arg++;
	if (arg[0] == '-')
		arg++;
	n = strlen(arg);
	return n >= min && n <= strlen(name) && !strncmp(arg, name, n);
}

static bool valid_netns(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 256 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

int main(int argc, char **argv)
{
	struct t46_ctx ctx = {0};
	struct t46_lib_opts lo;
	const char *batch = NULL;
	int i, rc;

	t46_opts_from(&lo, getenv);
	t46_set_opts(&lo);
	t46_set_print(t46_cli_print, &ctx);

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (opt_is(a, "json", 1)) {
			ctx.json = true;
		} else if (opt_is(a, "pretty", 1)) {
			ctx.pretty = true;
		} else if (opt_is(a, "statistics", 1) || opt_is(a, "stats", 2)) {
			ctx.stats = true;
		} else if (opt_is(a, "netns", 1)) {
			if (++i >= argc) {
				fprintf(stderr, "tun46: -n needs a network namespace name\n");
				return T46_EXIT_USAGE;
			}
			if (!valid_netns(argv[i])) {
				fprintf(stderr, "tun46: \"%s\" is not a network namespace name (see ip netns list)\n",
					argv[i]);
				return T46_EXIT_USAGE;
			}
			ctx.netns = argv[i];
		} else if (opt_is(a, "force", 1)) {
			ctx.force = true;
		} else if (opt_is(a, "migrate", 2)) {
			ctx.migrate = true;
		} else if (opt_is(a, "batch", 1)) {
			if (++i >= argc) {
				fprintf(stderr, "tun46: -batch needs a FILE (- for standard input)\n");
				return T46_EXIT_USAGE;
			}
			batch = argv[i];
		} else if (opt_is(a, "Version", 1)) {
			char feat[1024];

			printf("tun46 %s\n", TUN46_VERSION);
			be_kernel_features(feat, sizeof(feat));
			printf("kernel features: %s\n", feat);
			return T46_EXIT_OK;
		} else if (opt_is(a, "help", 1)) {
			t46_usage(stdout);
			return T46_EXIT_OK;
		} else {
			fprintf(stderr, "tun46: unknown option \"%s\"; try \"tun46 -h\"\n", a);
			return T46_EXIT_USAGE;
		}
	}
	if (ctx.pretty)
		ctx.json = true;
	out_init(stdout, ctx.json, ctx.pretty);
	if (batch) {
		if (i < argc) {
			fprintf(stderr, "tun46: -batch takes no command; put the commands in the file\n");
			return T46_EXIT_USAGE;
		}
		rc = t46_batch(&ctx, batch);
	} else if (i >= argc) {
		t46_usage(stderr);
		return T46_EXIT_USAGE;
	} else {
		rc = t46_run(&ctx, argc - i, argv + i);
	}
	t46_ctx_close(&ctx);
	return rc;
}
