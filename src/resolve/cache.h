/* SPDX-License-Identifier: MIT */
/*
 * The resolver's record cache: RRsets and negative answers, shared by all
 * workers, sharded by name hash; each shard has its own lock, held only
 * for the copy in or out (never across I/O). A lookup copies the RRset
 * into memory the caller gives (an arena), so nothing points into the
 * cache after the call returns.
 *
 * Ranking (RFC 2181 §5.4.1): an RRset is replaced only by data of the
 * same or a higher rank, or when the cached one has expired. Glue and
 * additional data never replace answer data.
 *
 * Negative answers (RFC 2308): NXDOMAIN is cached for the name and every
 * name below it (RFC 8020: a lookup of a name below a cached NXDOMAIN
 * gets NXDOMAIN); NODATA for (name, type). Their TTL is the lower of the
 * SOA TTL and its MINIMUM, capped by neg_ttl_max; the SOA is kept to be
 * put in the answer's authority section.
 *
 * TTLs: clamped into [ttl_min, ttl_max] when stored; a lookup returns the
 * remaining TTL. Memory: a budget in bytes; when full, a shard evicts
 * (entries past the stale window first, then stale ones, then least
 * recently used).
 *
 * Serve-stale (RFC 8767): with a stale window, an entry that has expired
 * is no longer returned by odr_cache_get / odr_cache_get_neg but stays
 * findable by odr_cache_get_stale / odr_cache_get_neg_stale until the
 * window has passed since its expiry (then it is dropped as before).
 * Fresh data of any rank replaces a stale entry.
 *
 * Time is a parameter (seconds, monotonic or wall as the caller likes,
 * but the same clock for every call), so tests control it. An entry
 * stored at now with TTL t is live while the clock is below now + t.
 *
 * Keys: names are compared case-insensitively and kept lower-cased, so
 * the owner a lookup returns is the lower-cased one. An RRset and a
 * NODATA entry for the same (name, type) share one slot and compete by
 * rank (the newer of equal rank wins); NXDOMAIN has a slot of its own
 * per name. Only class IN is cached. Meta and query types (0, OPT,
 * 128-255) are refused.
 *
 * Threading: every function may be called from any thread at the same
 * time, except odr_cache_free.
 */
#ifndef OD_RESOLVE_CACHE_H
#define OD_RESOLVE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mm.h"
#include "lib/rr.h"

/*! Trust ranking, low to high (RFC 2181 §5.4.1, order of its list). */
typedef enum odr_rank {
	ODR_RANK_ADDITIONAL = 1, /*!< additional section, glue */
	ODR_RANK_AUTHORITY = 2,  /*!< authority section of a non-AA answer
	                              (referral NS) */
	ODR_RANK_ANSWER = 3,     /*!< answer section of a non-AA answer */
	ODR_RANK_AUTH_AA = 4,    /*!< authority section of an AA answer */
	ODR_RANK_ANSWER_AA = 5,  /*!< answer section of an AA answer */
	ODR_RANK_SECURE = 6,     /*!< validated secure */
} odr_rank_t;

/*!
 * Security status of an entry (RFC 4035 §4.3), set by the validator and
 * stored and returned as given; the cache never interprets it except
 * that it is part of what a replacing entry brings.
 */
typedef enum odr_sec {
	ODR_SEC_UNCHECKED = 0, /*!< not validated (validation off, CD=1,
	                            glue, or not yet) */
	ODR_SEC_INSECURE = 1,  /*!< validated: no chain of trust covers it */
	ODR_SEC_SECURE = 2,    /*!< validated */
	ODR_SEC_BOGUS = 3,     /*!< validation failed (ede says why) */
} odr_sec_t;

typedef struct odr_cache_conf {
	size_t max_bytes;      /*!< memory budget (0: 64 MiB) */
	unsigned shards;       /*!< power of two (0: 64) */
	uint32_t ttl_min;      /*!< floor (0: none) */
	uint32_t ttl_max;      /*!< ceiling (0: 86400) */
	uint32_t neg_ttl_max;  /*!< ceiling for negative entries (0: 10800) */
	uint32_t stale_window; /*!< seconds an expired entry stays findable
	                            by the stale lookups (RFC 8767; at most
	                            ODR_CACHE_STALE_MAX); 0: none, expired
	                            entries are gone */
} odr_cache_conf_t;

/*! Longest stale window (RFC 8767 suggests 1 to 3 days). */
#define ODR_CACHE_STALE_MAX (7u * 86400)

typedef struct odr_cache odr_cache_t;

/*!
 * Check a configuration (after the 0 defaults are applied).
 * \return NULL when usable, else a message saying what is wrong (shards
 *         not a power of two or over 65536, ttl_min over ttl_max, less
 *         than 4 KiB of budget per shard, stale window over
 *         ODR_CACHE_STALE_MAX).
 */
const char *odr_cache_conf_error(const odr_cache_conf_t *conf);

/*! A new empty cache; conf NULL means all defaults. NULL when conf is
 *  unusable (see odr_cache_conf_error) or memory runs out. */
odr_cache_t *odr_cache_new(const odr_cache_conf_t *conf);
/*! The configuration of c, with the 0 defaults applied. */
const odr_cache_conf_t *odr_cache_get_conf(const odr_cache_t *c);

/*! Free the cache and every entry. No other call may be running. */
void odr_cache_free(odr_cache_t *c);

/*!
 * An RRset as stored and returned: records share owner, type, class and
 * TTL; sigs are the RRSIGs covering it (may be 0).
 */
typedef struct odr_rrset {
	const uint8_t *owner; /*!< wire name */
	uint16_t type, rclass;
	uint32_t ttl; /*!< remaining, on lookup */
	odr_rank_t rank;
	uint8_t sec;  /*!< odr_sec_t */
	uint16_t ede; /*!< Extended DNS Error of a BOGUS or INSECURE entry
	                   (RFC 8914 INFO-CODE; 0 with sec UNCHECKED/SECURE
	                   unless the validator says otherwise) */
	uint16_t count, nsigs;
	od_rr_t *rrs;  /*!< count records (owner/type/ttl filled) */
	od_rr_t *sigs; /*!< nsigs RRSIG records */
} odr_rrset_t;

/*!
 * Store set (copied) at time now. Replaces a cached RRset of the same
 * owner/type/class only when set->rank >= the cached rank or the cached
 * one has expired. Only set->owner, type, rclass (must be IN), ttl, rank,
 * sec, ede, the records' RDATA and the sigs' RDATA are read; the record
 * TTLs are not.
 * The TTL stored is set->ttl lowered to each RRSIG's original TTL, then
 * clamped into [ttl_min, ttl_max]; when that is 0 nothing is stored
 * (and 0 is returned). Storing an RRset also drops an NXDOMAIN cached
 * for its owner when that is not of a higher rank.
 * \return 0 (stored), 1 (kept the better cached one), OD_ENOMEM,
 *         OD_EINVAL (no records, class not IN, meta type, bad name or
 *         rank, an RRSIG shorter than its fixed part or covering another
 *         type), OD_ELIMIT (the entry alone exceeds a shard's budget).
 */
int odr_cache_put(odr_cache_t *c, const odr_rrset_t *set, uint64_t now);

/*!
 * Look up owner/type (class IN). On a hit the RRset is copied into mm
 * (owner, records, sigs) and 0 is returned; OD_ENOMEM; 1 for a miss
 * (absent, expired, or a NODATA entry: see odr_cache_get_neg).
 * The copy is one allocation starting at out->rrs (the records, then
 * the sigs, then owner and RDATA), so od_mm_free(mm, out->rrs) releases
 * it. Every record's ttl is the remaining TTL, at least 1.
 */
int odr_cache_get(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                  uint64_t now, od_mm_t *mm, odr_rrset_t *out);

/*!
 * Serve-stale lookup (RFC 8767): as odr_cache_get, but an entry that has
 * expired less than the stale window ago is a hit too. out->ttl (and
 * every record's ttl) is the remaining TTL of a live entry, 0 for an
 * expired one. Counted in stale_hits (hit on an expired entry) only;
 * hits and misses are left alone. With no stale window this is
 * odr_cache_get without its counters.
 */
int odr_cache_get_stale(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                        uint64_t now, od_mm_t *mm, odr_rrset_t *out);

/*! A negative answer: rcode NXDOMAIN (type ignored) or NOERROR (NODATA
 *  for type), with the SOA of the zone that said so. */
typedef struct odr_neg {
	uint16_t rcode;
	const uint8_t *zone; /*!< SOA owner */
	const uint8_t *soa;  /*!< SOA RDATA */
	uint16_t soa_len;
	uint32_t ttl; /*!< remaining, on lookup */
	odr_rank_t rank;
	uint8_t sec;    /*!< odr_sec_t */
	uint8_t vflags; /*!< the validator's own bits, stored as given */
	uint16_t ede;   /*!< as in odr_rrset_t */
	/*!
	 * The proof that came with the answer (DNSSEC, RFC 4035 §3.1.3):
	 * RRSIGs over the SOA, NSEC and NSEC3 records and their RRSIGs, in
	 * any order. Each record's owner, type, ttl and RDATA are stored
	 * and returned (rclass IN); nproof may be 0 (proof NULL).
	 */
	const od_rr_t *proof;
	uint16_t nproof;
} odr_neg_t;

/*!
 * Store a negative answer for qname/qtype (qtype is ignored for
 * NXDOMAIN). neg->rcode must be 0 or 3, zone and soa (soa_len > 0) are
 * required; the TTL stored is min(neg->ttl, neg_ttl_max) (the caller has
 * already taken min(SOA TTL, MINIMUM)). A NODATA competes by rank with
 * an RRset cached for qname/qtype. sec, vflags, ede and the proof
 * records are stored with it (the proof's TTLs are stored as given, not
 * clamped). \return as odr_cache_put (OD_EINVAL also for a proof record
 * with a bad owner name).
 */
int odr_cache_put_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      const odr_neg_t *neg, uint64_t now);

/*!
 * Negative lookup for qname/qtype: NODATA for that type, NXDOMAIN for the
 * name, or NXDOMAIN for an ancestor (RFC 8020; the root is not tried).
 * On a hit *out is filled (copied into mm) and 0 returned; 1 for a miss;
 * OD_ENOMEM. The copy is one allocation starting at out->zone (then the
 * SOA RDATA, the proof records and their owners and RDATA), so
 * od_mm_free(mm, (void *)out->zone) releases it. out->ttl is at least
 * 1; the proof records' TTLs are as stored, each at most out->ttl.
 */
int odr_cache_get_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      uint64_t now, od_mm_t *mm, odr_neg_t *out);

/*!
 * Serve-stale negative lookup: as odr_cache_get_neg, but entries that
 * expired less than the stale window ago are hits too (out->ttl 0 for
 * them, and the proof records' TTLs 0). At every name the NODATA or
 * NXDOMAIN found first wins, live or stale. Counted as in
 * odr_cache_get_stale.
 */
int odr_cache_get_neg_stale(odr_cache_t *c, const uint8_t *qname,
                            uint16_t qtype, uint64_t now, od_mm_t *mm,
                            odr_neg_t *out);

/*!
 * Serve-stale failure recheck (RFC 8767): remember for secs seconds
 * from now that resolving owner/type failed, so that stale data is
 * answered at once instead of trying again on every query. Nothing is
 * stored without a stale window (returns 0). Not seen by
 * odr_cache_walk; odr_cache_flush removes it with the name's entries.
 * \return 0, or as odr_cache_put (OD_EINVAL: bad name or type).
 */
int odr_cache_put_failed(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                         uint32_t secs, uint64_t now);

/*! Did resolving owner/type fail less than the time given to
 *  odr_cache_put_failed ago? */
bool odr_cache_failed(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                      uint64_t now);

/*! Remove what is cached for name (every type), or for name and every
 *  name below it. \return entries removed. */
size_t odr_cache_flush(odr_cache_t *c, const uint8_t *name, bool subtree);

/*!
 * Counters: hits/misses count odr_cache_get calls, neg_hits/neg_misses
 * odr_cache_get_neg calls; inserts counts stored entries; evictions the
 * entries removed to make room (expired or least recently used). bytes
 * is the accounted size of the entries (headers and data, not the hash
 * tables or allocator overhead); entries, bytes and inserts include the
 * stale entries kept for the stale window and the failure-recheck marks.
 * stale_hits counts hits of the stale lookups on expired entries.
 */
typedef struct odr_cache_stats {
	uint64_t hits, misses, inserts, evictions;
	size_t entries, bytes;
	uint64_t neg_hits, neg_misses;
	uint64_t stale_hits;
} odr_cache_stats_t;

/*! Sum the counters of every shard (each read under its lock). */
void odr_cache_stats(odr_cache_t *c, odr_cache_stats_t *out);

/*! Callback of odr_cache_walk: one of set or neg is non-NULL. */
typedef int (*odr_cache_walk_cb)(const odr_rrset_t *set, const odr_neg_t *neg,
                                 const uint8_t *qname, uint16_t qtype,
                                 void *ctx);

/*!
 * Call cb for every entry live at now (for dumps and "cache show"),
 * shard by shard, most recently used first within a shard. For an RRset
 * qname/qtype are its owner and type; for a negative entry the name and
 * type it answers (qtype 0 for NXDOMAIN). Everything cb gets points into
 * the cache and is valid only during the call; cb runs under the shard's
 * lock, so it must be quick and must not call into the cache.
 * Does not change the LRU order or the counters.
 * \return 0, the first non-zero cb result (which stops the walk), or
 *         OD_ENOMEM.
 */
int odr_cache_walk(odr_cache_t *c, odr_cache_walk_cb cb, void *ctx,
                   uint64_t now);

#endif
