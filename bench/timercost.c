// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * timercost: what arming a timer costs on this machine, the fixed cost every
 * NAPI poll of the benchmark pays once (napi_defer_hard_irqs re-arms the
 * port's gro_flush_timeout hrtimer after each poll; see bench/lib.sh
 * cpu_isolate).  Arming the earliest timer reprograms the CPU's clock event
 * device (a TSC-deadline MSR write): ~0.1 us on bare metal, far more in a
 * virtual machine, where the write traps to the hypervisor (twice under
 * nested virtualisation).  A timer far in the future only queues.
 *
 * Measured with timerfd_settime() from user space on the calling CPU (pin it
 * with taskset to the router core): the syscall's own cost is in "far".
 * Prints one JSON object: {"far_us": .., "earliest_us": .., "reprogram_us": ..}
 *
 *   timercost [-n ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* us per timerfd_settime() arming the timer 'ahead_ns' from now (alternating
 * by 1 us so that every call changes the expiry) */
static double arm_us(int fd, long ahead_ns, int n)
{
	struct itimerspec its = {};
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		long ns = ahead_ns + (i & 1) * 1000;

		its.it_value.tv_sec = ns / 1000000000L;
		its.it_value.tv_nsec = ns % 1000000000L;
		if (timerfd_settime(fd, 0, &its, NULL))
			return -1;
	}
	return (now_ns() - t0) / n / 1000;
}

int main(int argc, char **argv)
{
	int n = 20000, opt, fd;
	double far, near;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (n = atoi(optarg)) <= 0) {
			fprintf(stderr, "usage: timercost [-n ITERATIONS]\n");
			return 2;
		}
	}
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (fd < 0) {
		perror("timercost: timerfd_create");
		return 1;
	}
	far = arm_us(fd, 100L * 1000000000L, n); /* 100 s ahead: never the earliest timer */
	near = arm_us(fd, 50000, n);		 /* 50 us ahead: the earliest, reprograms the device */
	close(fd);
	if (far < 0 || near < 0) {
		perror("timercost: timerfd_settime");
		return 1;
	}
	printf("{\"far_us\": %.3f, \"earliest_us\": %.3f, \"reprogram_us\": %.3f}\n", far, near, near - far);
	return 0;
}
