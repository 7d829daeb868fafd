/* SPDX-License-Identifier: MIT */
/*
 * onedot's workers: the glue between the transports (src/net) and the
 * I/O-free resolution engine (src/resolve). One worker per net worker
 * thread; everything in it is touched by that thread only, except the
 * shared caches the engine locks itself.
 *
 * Per client query: access control (REFUSED for clients the list does
 * not allow), then a request of the engine. A query the engine settles
 * at once (cache hit, refusal, FORMERR) is answered synchronously in the
 * receiving thread. Otherwise the answer is deferred (od_net_defer) and
 * the request runs on the worker's loop: each upstream query the engine
 * produces goes out from a UDP socket of its own (connected to the
 * server, so the kernel drops datagrams from other sources; bound by the
 * kernel to a random ephemeral port) or over a TCP connection of its own
 * (two-octet framing), with a timer for its timeout.
 *
 * Coalescing: identical upstream queries in flight from one worker (same
 * server address and transport, same message apart from the ID and the
 * case of the query name, so EDNS and DO/CD flags must match too) share
 * one exchange. The first request's query is the one sent; its request
 * judges the answer first (an answer it ignores as not matching is
 * ignored for all), then every other waiter gets a copy with its own ID
 * and query-name case written in.
 *
 * Limits: at most conf->outstanding deferred requests per worker; a
 * query beyond that gets SERVFAIL at once (cache hits are still served).
 *
 * DNSSEC (srv->trust set): each worker has its own odr_env_t (its own
 * random source); the trust store (trust.h) knows every worker's env and
 * publishes each new trust snapshot into all of them, so a request reads
 * its snapshot from its own env without a lock. Worker 0 also runs the
 * store's periodic work on its loop (odd_trust_tick, every second):
 * internal queries (RFC 5011 DNSKEY refreshes, the RFC 8145 key-tag
 * query) run like deferred client queries (same exchanges, same
 * coalescing) but have no client: their answer is discarded and the
 * store is told the outcome. They do not count against outstanding.
 */
#ifndef OD_DAEMON_WORKER_H
#define OD_DAEMON_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "daemon/config.h"
#include "daemon/trust.h"
#include "net/net.h"
#include "resolve/aggr.h"
#include "resolve/resolve.h"

/*! Query types counted one by one (odd_qtypes); others share the last
 *  index. */
#define ODD_QT_COUNT 17
/*! EDE codes counted one by one (0..ODD_EDE_COUNT-2); the last index
 *  counts every higher code. */
#define ODD_EDE_COUNT 33
/*! Latency buckets: the bounds of odd_lat_bounds_us, then +Inf. */
#define ODD_LAT_BUCKETS 14

/*! The query types counted one by one, index 0..ODD_QT_COUNT-2. */
extern const uint16_t odd_qtypes[ODD_QT_COUNT - 1];
/*! Upper bounds of the latency buckets, microseconds, ascending. */
extern const uint32_t odd_lat_bounds_us[ODD_LAT_BUCKETS - 1];

/*!
 * Client query counters of one worker. Written by that worker only (a
 * relaxed load and store: no locked instruction on the query path), read
 * by the control channel, which sums them over the workers.
 */
typedef struct odd_wstats {
	_Atomic uint64_t queries;   /*!< client queries received */
	_Atomic uint64_t cached;    /*!< answered from the cache, no upstream */
	_Atomic uint64_t dropped;   /*!< settled without an answer sent */
	_Atomic uint64_t rcode[16]; /*!< answers sent, by RCODE (header) */
	/* For the metrics (metrics.h). */
	_Atomic uint64_t qtype[2][ODD_QT_COUNT]; /*!< queries: [0] UDP,
	                                              [1] TCP; by qtype
	                                              index (odd_qtypes) */
	_Atomic uint64_t ede[ODD_EDE_COUNT];     /*!< answers by EDE code (the
	                                          last: codes beyond) */
	_Atomic uint64_t sec[4];   /*!< requests settled by the engine,
	                                   by odr_sec_t of the answer */
	_Atomic uint64_t upstream; /*!< upstream queries of client
	                                   requests */
	_Atomic uint64_t timeouts; /*!< of which timed out */
	_Atomic uint64_t overload; /*!< SERVFAIL: outstanding reached */
	_Atomic uint64_t lat[ODD_LAT_BUCKETS]; /*!< answers sent, by
	                                            latency bucket (not
	                                            cumulative; the last:
	                                            above every bound) */
	_Atomic uint64_t lat_us; /*!< sum of those latencies, µs */
} __attribute__((aligned(64))) odd_wstats_t;

/*! What every worker shares (read-only while the workers run, except
 *  the caches, which lock themselves). */
typedef struct odd_server {
	const odd_conf_t *conf;
	odr_conf_t rconf;
	odr_hints_t hints;
	odr_cache_t *cache;
	odr_infra_t *infra;
	odr_aggr_t *aggr;     /*!< NULL: RFC 8198 off */
	odd_trust_t *trust;   /*!< NULL: validation off (dnssec: false) */
	odd_wstats_t *wstats; /*!< owned: nwstats, one per worker index */
	unsigned nwstats;     /*!< workers started (wstats[idx] of each) */
	int64_t started;      /*!< wall clock of the start, seconds */
} odd_server_t;

/* od_net_conf_t callbacks; ctx is the odd_server_t. */
void *odd_worker_init(unsigned idx, void *ctx);
void odd_worker_stop(void *wctx, void *ctx);
void odd_worker_free(void *wctx, void *ctx);
int odd_handle(void *wctx, const od_net_query_t *q, uint8_t *out, size_t cap);

#endif
