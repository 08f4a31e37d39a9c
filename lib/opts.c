/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* opts.c — the library-wide settings of opts.h. */
#include <stddef.h>
#include "opts.h"

static struct t46_lib_opts opts;

void t46_set_opts(const struct t46_lib_opts *o)
{
	opts = o ? *o : (struct t46_lib_opts){0};
}

const struct t46_lib_opts *t46_get_opts(void)
{
	return &opts;
}
