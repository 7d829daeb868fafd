/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the onedot-auth daemon share: the published zone
 * snapshot, the transfer keys and ACLs, and the operations state read by
 * the control socket (control.h) and the metrics (metrics.h): per-worker
 * query counters, per-zone load, transfer and NOTIFY state.
 *
 * Threading: the workers read the snapshot (acquire load) and write their
 * own counters (relaxed atomics, no locked instruction on the query
 * path). Reloads (SIGHUP on the main thread, reload commands on the
 * control thread) hold reload_lock; so does everything that reads the
 * configuration (conf), the per-zone state array (zstate), the runtime
 * (rt) or the load state of the zones (oda_zstate_t's fields above the
 * atomics).
 *
 * Reload of the configuration: everything a worker reads (the zones,
 * journals, keys, transfer ACLs, the rate limiter, udp-max-size, the
 * per-zone counters) hangs off the published snapshot; a reload builds a
 * new one, publishes it, calls od_net_synchronize() and only then frees
 * what the old one alone held (net.h, Reclamation). Zones are known to
 * the workers by slot (od_authzone_slot): a zone keeps its slot for as
 * long as it stays configured, so a zone shared by the old and the new
 * snapshot indexes both correctly.
 */
#ifndef OD_AUTH_SERVER_H
#define OD_AUTH_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/config.h"
#include "auth/journal.h"
#include "auth/rrl.h"
#include "auth/xfr.h"
#include "auth/zonedb.h"
#include "lib/sbuf.h"
#include "lib/tsig.h"
#include "net/net.h"

/*! Query types counted one by one (oda_qtypes); others share the last
 *  index. */
#define ODA_QT_COUNT 17
/*! The query types counted one by one, index 0..ODA_QT_COUNT-2. */
extern const uint16_t oda_qtypes[ODA_QT_COUNT - 1];
/*! Index of qtype in the counters (ODA_QT_COUNT-1: another type). */
unsigned oda_qtype_index(uint16_t qtype);

/*! Latency buckets: the bounds of oda_lat_bounds_us, then +Inf. */
#define ODA_LAT_BUCKETS 10
/*! Upper bounds of the latency buckets, microseconds, ascending. */
extern const uint32_t oda_lat_bounds_us[ODA_LAT_BUCKETS - 1];

/*! Outgoing transfer outcomes, indexed by od_xfr_kind_t. */
#define ODA_XFR_KINDS 4

/*!
 * Query counters of one worker: written by that worker only (relaxed
 * load and store), summed over the workers by their readers.
 */
typedef struct oda_wstats {
	_Atomic uint64_t queries;   /*!< queries received (and handled) */
	_Atomic uint64_t dropped;   /*!< no response sent (not a query,
	                                 malformed beyond an answer, RRL) */
	_Atomic uint64_t rcode[16]; /*!< responses sent, by RCODE (header) */
	_Atomic uint64_t qtype[2][ODA_QT_COUNT]; /*!< [0] UDP, [1] TCP; by
	                                              oda_qtype_index */
	_Atomic uint64_t rrl_dropped;            /*!< responses RRL dropped */
	_Atomic uint64_t rrl_slipped; /*!< sent truncated instead (slip) */
	_Atomic uint64_t notify_in;   /*!< NOTIFY messages received */
	_Atomic uint64_t lat[ODA_LAT_BUCKETS]; /*!< queries by the time the
	                                            handler took (not
	                                            cumulative) */
	_Atomic uint64_t lat_ns; /*!< sum of those times, nanoseconds */
} __attribute__((aligned(64))) oda_wstats_t;

/*! Per configured zone, kept across reloads while the zone stays
 *  configured (notify threads hold it: never freed before exit). */
typedef struct oda_zstate {
	/* Under reload_lock. */
	size_t slot;           /*!< the zone's slot in the runtime */
	uint64_t queries_base; /*!< queries counted in counter arrays
	                             replaced by reloads */
	int64_t loaded;        /*!< wall clock, when the version served was
	                          read (0: never) */
	int64_t attempted;     /*!< wall clock of the last load attempt */
	uint64_t attempt_gen;  /*!< reload generation of that attempt */
	int result;            /*!< its result: 0 or an error code */
	char error[320];       /*!< its message when result < 0 */
	/* Written by the workers and NOTIFY threads. */
	_Atomic uint64_t xfr[ODA_XFR_KINDS]; /*!< transfers answered, by
	                                          od_xfr_kind_t */
	_Atomic int64_t xfr_last;   /*!< wall clock of the last one (0: none) */
	_Atomic int xfr_last_kind;  /*!< its od_xfr_kind_t */
	_Atomic int xfr_last_rcode; /*!< its RCODE */
	_Atomic uint64_t notify_ok; /*!< NOTIFYs answered (any RCODE) */
	_Atomic uint64_t notify_failed; /*!< NOTIFYs never answered */
	_Atomic int64_t notify_last;    /*!< wall clock of the last result */
	_Atomic uint32_t notify_last_serial;
	_Atomic int notify_last_rcode; /*!< -1: no answer */
} oda_zstate_t;

/*!
 * What the workers read of a configuration, indexed by zone slot. A
 * configuration reload makes a new one; reloads of zone files only keep
 * it.
 */
typedef struct oda_runtime {
	size_t nslots;         /*!< zone slots (some may be free) */
	oda_zstate_t **zstate; /*!< by slot, NULL: free (not owned) */
	od_acl_t *acls;        /*!< by slot: allow-transfer */
	od_tsig_key_t *keys;   /*!< nkeys */
	size_t nkeys;
	od_tsig_keyring_t keyring;
	od_rrl_t *rrl; /*!< NULL: rate limiting off */
	od_rrl_conf_t rrl_conf;
	uint16_t udp_max;      /*!< largest UDP answer */
	unsigned nworkers;     /*!< rows of zq */
	_Atomic uint64_t **zq; /*!< [worker][slot]: queries by zone, written
	                           by that worker only; [worker][nslots]:
	                           queries outside every zone */
} oda_runtime_t;

/*! What the workers read, published as one pointer so a zone, its
 *  journal and the configuration around it always match. */
typedef struct oda_snapshot {
	od_authdb_t *db;
	od_journal_t **journals; /*!< by slot (rt->nslots), each may be NULL */
	oda_runtime_t *rt;
} oda_snapshot_t;

typedef struct oda_server oda_server_t;

/*!
 * Reload. With config, the configuration is read again first (the -c
 * file and the command line): nothing changes when it or a new zone
 * fails, and err says why ("reload failed: ..."); on success the keys
 * changed and those needing a restart are appended to out (when not
 * NULL) as ,"changed":[...],"restart":[...],"zones_added":[...],
 * "zones_removed":[...]. Then zone (an origin; NULL: every zone) is
 * read, keeping the old version of any existing zone that
 * fails. Takes reload_lock.
 * \return 0 when every zone tried loaded; OD_EINVAL when one failed
 *         (its oda_zstate_t says why) or the configuration was refused
 *         (err set); another error when no new snapshot could be made.
 */
typedef int (*oda_reload_fn)(oda_server_t *s, const uint8_t *zone, bool config,
                             od_sbuf_t *out, char *err, size_t errlen);

struct oda_server {
	od_auth_conf_t conf; /*!< the running one (under reload_lock) */
	_Atomic(oda_snapshot_t *) snap;
	oda_runtime_t *rt; /*!< the snapshot's (under reload_lock) */
	od_net_t *net;
	/* Operations. */
	int64_t started;        /*!< wall clock */
	unsigned nwstats;       /*!< worker slots */
	oda_wstats_t *wstats;   /*!< owned: nwstats */
	oda_zstate_t **zstate;  /*!< per conf zone (same index as
	                            conf.zones); owned (under reload_lock) */
	oda_zstate_t **retired; /*!< zones no longer configured (a NOTIFY
	                             thread may still write to them) */
	size_t nretired;
	uint64_t outside_base; /*!< queries outside every zone counted in
	                            replaced arrays (under reload_lock) */
	oda_reload_fn reload;  /*!< what the reload commands call */
	pthread_mutex_t reload_lock;
	bool reload_lock_made;   /*!< reload_lock is initialised */
	uint64_t reload_gen;     /*!< reloads started (under the lock) */
	uint64_t reloads_ok;     /*!< under the lock */
	uint64_t reloads_failed; /*!< under the lock */
	int64_t reload_last;     /*!< wall clock (0: none yet) */
	int reload_last_result;  /*!< 0 or an error code */
	bool metrics_on;
};

/*! The snapshot being served (acquire load). */
static inline oda_snapshot_t *oda_snap(oda_server_t *s)
{
	return atomic_load_explicit(&s->snap, memory_order_acquire);
}

/*! Queries of zone zi of the configuration (under reload_lock). */
static inline uint64_t oda_zone_queries(oda_server_t *s, size_t zi)
{
	const oda_zstate_t *zs = s->zstate[zi];
	uint64_t n = zs->queries_base;
	for (unsigned w = 0; w < s->rt->nworkers; w++)
		n += atomic_load_explicit(&s->rt->zq[w][zs->slot],
		                          memory_order_relaxed);
	return n;
}

/*! Queries outside every zone (under reload_lock). */
static inline uint64_t oda_outside_queries(oda_server_t *s)
{
	uint64_t n = s->outside_base;
	for (unsigned w = 0; w < s->rt->nworkers; w++)
		n += atomic_load_explicit(&s->rt->zq[w][s->rt->nslots],
		                          memory_order_relaxed);
	return n;
}

/*! Relaxed read of a counter. */
static inline uint64_t oda_rd(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*! Counter increment by its only writer (no locked instruction). */
static inline void oda_inc(_Atomic uint64_t *c)
{
	atomic_store_explicit(c,
	                      atomic_load_explicit(c, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

/*! Counter increment by one of several writers. */
static inline void oda_add(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

#endif
