/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unit.h — tiny helpers for the unit tests in tests/unit/: one result line
 * per case on stdout (PASS name / FAIL name: why / SKIP name: why), as
 * tests/run.sh expects, and the exit status.
 */
#ifndef TUN46_UNIT_H
#define TUN46_UNIT_H

#include <stdio.h>

static int unit_failed;

#define UNIT_PASS(name) printf("PASS %s\n", (name))
#define UNIT_SKIP(name, ...)                 \
	do {                                 \
		printf("SKIP %s: ", (name)); \
		printf(__VA_ARGS__);         \
		printf("\n");                \
	} while (0)
#define UNIT_FAIL(name, ...)                              \
	do {                                              \
		printf("FAIL %s: ", (name));              \
		printf(__VA_ARGS__);                      \
		printf(" (%s:%d)\n", __FILE__, __LINE__); \
		unit_failed = 1;                          \
	} while (0)
/* Check cond; on failure print FAIL and return from the calling case. */
#define UNIT_CHECK(name, cond, ...)                   \
	do {                                          \
		if (!(cond)) {                        \
			UNIT_FAIL(name, __VA_ARGS__); \
			return -1;                    \
		}                                     \
	} while (0)
/* Check cond; on failure print FAIL and jump to the calling case's `out:`
 * label, where the case releases what it opened (a backend first: its
 * state lock would stall every later case that opens one) and returns rc,
 * which it set to 0 only after its last check. */
#define UNIT_CHECK_OUT(name, cond, ...)               \
	do {                                          \
		if (!(cond)) {                        \
			UNIT_FAIL(name, __VA_ARGS__); \
			goto out;                     \
		}                                     \
	} while (0)
#define UNIT_EXIT() (fflush(stdout), unit_failed ? 1 : 0)

#endif /* TUN46_UNIT_H */
