/* SPDX-License-Identifier: MIT */
/* Helpers shared by the micro-benchmarks. */
#ifndef OD_BENCH_BENCH_H
#define OD_BENCH_BENCH_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* qsort comparator for doubles (medians of runs). */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#endif
