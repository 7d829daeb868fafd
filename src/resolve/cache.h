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
 * (expired entries first, then least recently used).
 *
 * Time is a parameter (seconds, monotonic or wall as the caller likes,
 * but the same clock for every call), so tests control it.
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
	ODR_RANK_SECURE = 6,     /*!< validated (issue: validation) */
} odr_rank_t;

typedef struct odr_cache_conf {
	size_t max_bytes;    /*!< memory budget (0: 64 MiB) */
	unsigned shards;     /*!< power of two (0: 64) */
	uint32_t ttl_min;    /*!< floor (0: none) */
	uint32_t ttl_max;    /*!< ceiling (0: 86400) */
	uint32_t neg_ttl_max; /*!< ceiling for negative entries (0: 10800) */
} odr_cache_conf_t;

typedef struct odr_cache odr_cache_t;

odr_cache_t *odr_cache_new(const odr_cache_conf_t *conf);
void odr_cache_free(odr_cache_t *c);

/*!
 * An RRset as stored and returned: records share owner, type, class and
 * TTL; sigs are the RRSIGs covering it (may be 0).
 */
typedef struct odr_rrset {
	const uint8_t *owner; /*!< wire name */
	uint16_t type, rclass;
	uint32_t ttl;         /*!< remaining, on lookup */
	odr_rank_t rank;
	uint16_t count, nsigs;
	od_rr_t *rrs;         /*!< count records (owner/type/ttl filled) */
	od_rr_t *sigs;        /*!< nsigs RRSIG records */
} odr_rrset_t;

/*!
 * Store set (copied) at time now. Replaces a cached RRset of the same
 * owner/type/class only when set->rank >= the cached rank or the cached
 * one has expired. \return 0 (stored), 1 (kept the better cached one),
 * OD_ENOMEM, OD_EINVAL.
 */
int odr_cache_put(odr_cache_t *c, const odr_rrset_t *set, uint64_t now);

/*!
 * Look up owner/type (class IN). On a hit the RRset is copied into mm
 * (owner, records, sigs) and 0 is returned; OD_ENOMEM; 1 for a miss
 * (absent or expired).
 */
int odr_cache_get(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                  uint64_t now, od_mm_t *mm, odr_rrset_t *out);

/*! A negative answer: rcode NXDOMAIN (type ignored) or NOERROR (NODATA
 *  for type), with the SOA of the zone that said so. */
typedef struct odr_neg {
	uint16_t rcode;
	const uint8_t *zone;  /*!< SOA owner */
	const uint8_t *soa;   /*!< SOA RDATA */
	uint16_t soa_len;
	uint32_t ttl;         /*!< remaining, on lookup */
	odr_rank_t rank;
} odr_neg_t;

/*! Store a negative answer for qname/qtype. \return as odr_cache_put. */
int odr_cache_put_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      const odr_neg_t *neg, uint64_t now);

/*!
 * Negative lookup for qname/qtype: NODATA for that type, NXDOMAIN for the
 * name, or NXDOMAIN for an ancestor (RFC 8020). On a hit *out is filled
 * (copied into mm) and 0 returned; 1 for a miss.
 */
int odr_cache_get_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      uint64_t now, od_mm_t *mm, odr_neg_t *out);

/*! Remove what is cached for name (every type), or for name and every
 *  name below it. \return entries removed. */
size_t odr_cache_flush(odr_cache_t *c, const uint8_t *name, bool subtree);

typedef struct odr_cache_stats {
	uint64_t hits, misses, inserts, evictions;
	size_t entries, bytes;
} odr_cache_stats_t;

void odr_cache_stats(odr_cache_t *c, odr_cache_stats_t *out);

#endif
