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
 * Serve-stale (RFC 8767): a deferred client request that is still
 * running when its client has waited conf->stale_client_ms gets the
 * engine's stale answer (odr_req_stale), if there is one; the request
 * goes on, and its own outcome only refreshes the cache. One timer per
 * worker serves a queue of the requests in arrival order (one timeout
 * for all, so deadlines come in that order).
 *
 * Configuration: a reload (reload.h) may replace srv->conf and
 * srv->rconf at any time. Each handler call loads conf once; each engine
 * request copies the rconf current when it is created (odr_req_new), so
 * it finishes with the settings it started with; deferred work loads
 * conf again when it needs it. Replaced configurations stay valid until
 * the daemon exits.
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
 *
 * Prefill (srv->prefill set): worker 0 runs odd_prefill_tick on its loop
 * (every 250 ms) with internal queries of the same kind; their answer
 * goes to the prefill scheduler, which reads its TTLs.
 *
 * Local root (srv->localroot set, localroot.h): every worker's env
 * carries srv->lr_hook, so the engine answers root-server queries from
 * the verified copy when it may. A client query with opcode NOTIFY goes
 * to odd_localroot_notify (before the access list: a primary need not
 * be a client), which acknowledges it from an AXFR source and refuses
 * it from anyone else; without a local root a NOTIFY is the engine's
 * (NOTIMP).
 *
 * Upstream exchanges are counted by class (odd_ucls_t: the zone whose
 * servers were asked, from odr_send_t.zone): the round-trip time of each
 * answered exchange and each exchange timeout, once per exchange however
 * many requests share it.
 */
#ifndef OD_DAEMON_WORKER_H
#define OD_DAEMON_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "daemon/config.h"
#include "daemon/prefill.h"
#include "daemon/qlog.h"
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

/*! Upstream round-trip buckets: the bounds of odd_rtt_bounds_us, then
 *  +Inf. */
#define ODD_RTT_BUCKETS 13

/*! Class of an upstream exchange: the zone the query was sent for
 *  (odr_send_t.zone). */
typedef enum odd_ucls {
	ODD_UCLS_ROOT = 0,  /*!< the root zone */
	ODD_UCLS_TLD = 1,   /*!< a single-label zone */
	ODD_UCLS_OTHER = 2, /*!< anything deeper (or unknown) */
	ODD_UCLS_COUNT
} odd_ucls_t;

/*! Upper bounds of the upstream round-trip buckets, microseconds. */
extern const uint32_t odd_rtt_bounds_us[ODD_RTT_BUCKETS - 1];

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
	_Atomic uint64_t limit[4]; /*!< client requests that ran into
	                                an engine limit, by bit number of
	                                ODR_LIMIT_* */
	_Atomic uint64_t stale;    /*!< stale answers sent (RFC 8767) */
	_Atomic uint64_t lat[ODD_LAT_BUCKETS]; /*!< answers sent, by
	                                            latency bucket (not
	                                            cumulative; the last:
	                                            above every bound) */
	_Atomic uint64_t lat_us; /*!< sum of those latencies, µs */
	/* Upstream exchanges (client and internal queries; a coalesced
	   exchange once), by odd_ucls_t of the zone queried. */
	_Atomic uint64_t rtt[ODD_UCLS_COUNT][ODD_RTT_BUCKETS]; /*!< answered,
	                                 by round-trip bucket (not
	                                 cumulative; the last: above every
	                                 bound) */
	_Atomic uint64_t rtt_us[ODD_UCLS_COUNT]; /*!< sum of those RTTs, µs */
	_Atomic uint64_t ex_timeouts[ODD_UCLS_COUNT]; /*!< no answer in time */
} __attribute__((aligned(64))) odd_wstats_t;

struct odd_reload;

/*! What every worker shares (read-only while the workers run, except
 *  the caches, which lock themselves, and conf and rconf, which a reload
 *  replaces: load each pointer once per use, never free what it points
 *  to, see reload.h). */
typedef struct odd_server {
	_Atomic(const odd_conf_t *) conf;  /*!< the running configuration */
	_Atomic(const odr_conf_t *) rconf; /*!< the engine settings of conf */
	struct odd_reload *reload; /*!< NULL: no reload (not started yet) */
	odr_hints_t hints;
	odr_cache_t *cache;
	odr_infra_t *infra;
	odr_aggr_t *aggr;     /*!< NULL: RFC 8198 off */
	odd_trust_t *trust;   /*!< NULL: validation off (dnssec: false) */
	odd_qlog_t *qlog;     /*!< NULL: no query log (qlog.h) */
	odd_wstats_t *wstats; /*!< owned: nwstats, one per worker index */
	unsigned nwstats;     /*!< workers started (wstats[idx] of each) */
	int64_t started;      /*!< wall clock of the start, seconds */
	/*! NULL: no prefill list; worker 0 runs it (prefill.h). */
	odd_prefill_t *prefill;
	/*! NULL: no local root (localroot.h); set before the workers
	 *  start, freed after they stopped. */
	odd_localroot_t *localroot;
	/*! The engine's hook to localroot (every worker's env.localroot
	 *  points here when localroot is set). */
	odr_localroot_t lr_hook;
} odd_server_t;

/* od_net_conf_t callbacks; ctx is the odd_server_t. */
void *odd_worker_init(unsigned idx, void *ctx);
void odd_worker_stop(void *wctx, void *ctx);
void odd_worker_free(void *wctx, void *ctx);
int odd_handle(void *wctx, const od_net_query_t *q, uint8_t *out, size_t cap);

#endif
