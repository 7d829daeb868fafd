/* SPDX-License-Identifier: MIT */
/*
 * onedot's monotonic clock: CLOCK_MONOTONIC moved forward by
 * ODD_CLOCK_BASE_S. Every part of the daemon that hands a time to the
 * engine or the cache (workers, prefill, control commands, the cache
 * snapshot) reads this one, so their times agree.
 *
 * Why the base: the cache places a stale entry from a snapshot at its
 * expiry in the past (up to the longest stale window ago). Right after
 * a boot CLOCK_MONOTONIC is near 0, and such a time would be below it;
 * with the base it never is.
 */
#ifndef OD_DAEMON_CLOCK_H
#define OD_DAEMON_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "resolve/cache.h"

/*! Seconds added to CLOCK_MONOTONIC: the longest stale window and a
 *  day for the shortest TTL the cache keeps. */
#define ODD_CLOCK_BASE_S ((uint64_t)ODR_CACHE_STALE_MAX + 86400)

/*! The daemon's monotonic time, microseconds. */
static inline uint64_t odd_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec + ODD_CLOCK_BASE_S) * 1000000 +
	       (uint64_t)ts.tv_nsec / 1000;
}

/*! The daemon's monotonic time, milliseconds. */
static inline uint64_t odd_mono_ms(void)
{
	return odd_mono_us() / 1000;
}

#endif
