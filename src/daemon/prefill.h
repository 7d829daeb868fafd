/* SPDX-License-Identifier: MIT */
/*
 * Prefill: a configured list of popular (name, type) pairs that the
 * resolver resolves by itself at start, so that the first client query
 * after a restart is a cache hit, and resolves again shortly before each
 * answer expires, so the pair never drops out of the cache while it is
 * configured (docs/onedot.md, "Prefill").
 *
 * The list file: one name per line, optionally followed by a type
 * ("www.example.org AAAA"); a name without a type stands for every type
 * of the configuration's types list (default A and AAAA). '#' starts a
 * comment; blank lines are ignored; names without a final dot are
 * absolute anyway. A line that is not a name and an optional type is an
 * error naming FILE:LINE, and the daemon does not start.
 *
 * Resolutions are internal queries (worker.c: the same upstream path as
 * client queries, not answered from the cache, not counted as client
 * queries) on one worker's loop, at most conf.concurrency at a time. A
 * successful answer (NOERROR, including NODATA, or NXDOMAIN) is resolved
 * again when 90 % of its lowest TTL has passed (or ODD_PREFILL_MARGIN_MS
 * before it expires, if that is earlier), less a random jitter of up to
 * 5 % of the TTL, never sooner than ODD_PREFILL_FLOOR_MS; a failed
 * one (SERVFAIL, no answer) is tried again after ODD_PREFILL_RETRY_MS,
 * doubled for every failure in a row up to ODD_PREFILL_RETRY_MAX_MS.
 *
 * Threading: odd_prefill_tick and the done callbacks it hands out run on
 * one thread; odd_prefill_stats may be called from any thread.
 */
#ifndef OD_DAEMON_PREFILL_H
#define OD_DAEMON_PREFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/yconf.h"
#include "lib/name.h"

/*! Earliest refresh after a successful answer (TTLs below it). */
#define ODD_PREFILL_FLOOR_MS 2000u
/*! Least time left before expiry when a refresh starts (TTLs under
 *  10 s: 90 % would leave too little for the resolution). */
#define ODD_PREFILL_MARGIN_MS 1000u
/*! First retry after a failure; doubled per failure in a row. */
#define ODD_PREFILL_RETRY_MS 5000u
#define ODD_PREFILL_RETRY_MAX_MS 300000u
/*! Longest refresh interval: the cache keeps nothing longer (its
 *  default ttl_max). */
#define ODD_PREFILL_TTL_MAX 86400u
/*! Default and largest concurrency. */
#define ODD_PREFILL_CONCURRENCY 16u
#define ODD_PREFILL_CONCURRENCY_MAX 1024u
/*! Types in the types list at most. */
#define ODD_PREFILL_TYPES_MAX 8
/*! Pairs in the list file at most. */
#define ODD_PREFILL_MAX 1000000u

/*! The prefill key of the configuration. */
typedef struct odd_prefill_conf {
	char *file;                            /*!< owned; NULL: prefill off */
	uint16_t types[ODD_PREFILL_TYPES_MAX]; /*!< for names without a
	                                            type (A, AAAA) */
	size_t ntypes;
	unsigned concurrency; /*!< resolutions at a time (16) */
	bool refresh;         /*!< resolve again before expiry (true) */
} odd_prefill_conf_t;

/*! The defaults (off, types A and AAAA, concurrency 16, refresh on). */
void odd_prefill_conf_init(odd_prefill_conf_t *pc);
void odd_prefill_conf_free(odd_prefill_conf_t *pc);

/*!
 * Read the `prefill:` value m of a configuration file into pc: a
 * mapping with file (required), types, concurrency and refresh, or a
 * scalar, the file alone. \return 0, or an error with the message in yc.
 */
int odd_prefill_conf_load(odd_prefill_conf_t *pc, od_yc_t *yc,
                          const od_ycn_t *m);

/*! One pair of the list. */
typedef struct odd_prefill_entry {
	uint8_t name[OD_NAME_MAXLEN]; /*!< wire form, lower case */
	uint16_t type;
} odd_prefill_entry_t;

/*!
 * Parse the text of a list file (len octets; fname is used in messages).
 * Names without a type get every type of types[0..ntypes-1]. A pair that
 * is listed twice is kept once. \return 0 and *out (owned by the caller,
 * free()) with *n pairs (possibly 0), or OD_ESYNTAX / OD_ETYPE /
 * OD_ELIMIT with "FILE:LINE: what" in err, or OD_ENOMEM.
 */
int odd_prefill_parse(const char *text, size_t len, const char *fname,
                      const uint16_t *types, size_t ntypes,
                      odd_prefill_entry_t **out, size_t *n, char *err,
                      size_t errlen);

typedef struct odd_prefill odd_prefill_t;

/*!
 * Read and parse pc->file. \return 0 and *out, or an error with the
 * message in err ("FILE: cannot read: ..." or "FILE:LINE: ...").
 */
int odd_prefill_open(odd_prefill_t **out, const odd_prefill_conf_t *pc,
                     char *err, size_t errlen);
/*! Free (after the loop that ran odd_prefill_tick has stopped); NULL is
 *  fine. */
void odd_prefill_free(odd_prefill_t *p);

/*!
 * The end of one resolution: ans/len is the answer (a DNS message;
 * SERVFAIL when it failed), or ans NULL when the resolution was
 * abandoned (the resolver is stopping): nothing is counted then.
 */
typedef void (*odd_prefill_done_fn)(void *arg, const uint8_t *ans, size_t len);

/*!
 * Start one resolution of qname (wire) qtype IN, not answered from the
 * cache. \return 0 when done will be called (possibly before the
 * return), or an error when it will not.
 */
typedef int (*odd_prefill_launch_fn)(void *ctx, const uint8_t *qname,
                                     uint16_t qtype, odd_prefill_done_fn done,
                                     void *arg);

/*!
 * Periodic work (a few times a second, always from the same thread):
 * start the resolutions that are due at now_ms (CLOCK_MONOTONIC, ms) with
 * launch, up to the concurrency; when one ends, the next due one starts
 * at once. launch and ctx are kept until odd_prefill_free.
 */
void odd_prefill_tick(odd_prefill_t *p, odd_prefill_launch_fn launch, void *ctx,
                      uint64_t now_ms);

/*! Progress (docs/onedotctl.md, docs/metrics.md). */
typedef struct odd_prefill_stats {
	uint64_t names;     /*!< (name, type) pairs configured */
	uint64_t resolved;  /*!< pairs resolved at least once */
	uint64_t pending;   /*!< pairs not resolved yet: names - resolved */
	uint64_t failed;    /*!< resolutions that failed (each retried) */
	uint64_t refreshed; /*!< successful resolutions after the first */
	uint64_t inflight;  /*!< resolutions running now */
} odd_prefill_stats_t;

/*! Read the counters (relaxed atomic loads). */
void odd_prefill_stats(const odd_prefill_t *p, odd_prefill_stats_t *out);

#endif
