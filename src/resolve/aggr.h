/* SPDX-License-Identifier: MIT */
/*
 * The index of validated NSEC and NSEC3 records for aggressive use of the
 * DNSSEC-validated cache (RFC 8198): per signed zone, its NSEC records in
 * canonical order of their owners (RFC 4034 §6.1) or its NSEC3 records in
 * order of their owner hashes, so that the record at or before any name
 * (or hash) is found in O(log n). With such records a resolver answers a
 * name it has never seen (NXDOMAIN, NODATA, wildcard) without asking.
 *
 * Only records the validator has proven secure go in (the caller's
 * duty); each keeps its RRSIGs so that answers to DO clients carry them,
 * and an absolute expiry (the record's TTL from when it was put; RFC 8198
 * §5.4 also bounds it by the SOA MINIMUM, which the caller applies).
 * A zone keeps the SOA (and its RRSIGs) of the latest validated negative
 * answer, for the authority section of synthesized answers.
 *
 * A zone uses either NSEC or NSEC3 (the kind of its first record; a
 * record of the other kind, or NSEC3 with other parameters, replaces the
 * zone's contents: the zone was re-signed). Records of NSEC3 hash
 * algorithms other than 1 are refused.
 *
 * Memory: a budget in bytes for the whole index; when a put would exceed
 * it, expired records go first, then the zones least recently used (a
 * zone is evicted whole). Time is a parameter (seconds, the caller's
 * clock, as for the cache).
 *
 * Threading: every function may be called from any thread at the same
 * time, except odr_aggr_free. Lookups copy what they return into the
 * caller's mm, so nothing points into the index after a call.
 */
#ifndef OD_RESOLVE_AGGR_H
#define OD_RESOLVE_AGGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mm.h"
#include "lib/rr.h"

typedef struct odr_aggr odr_aggr_t;

/*! A new empty index with a memory budget (0: 16 MiB). NULL on ENOMEM. */
odr_aggr_t *odr_aggr_new(size_t max_bytes);
void odr_aggr_free(odr_aggr_t *a);

/*!
 * Put one validated NSEC or NSEC3 record of zone with its RRSIGs (sigs:
 * nsigs RRSIG records over it). The record's ttl is its lifetime from
 * now. A record with the same owner replaces the one there.
 * \return 0, OD_EINVAL (not NSEC/NSEC3, owner not in zone, malformed
 *         RDATA, NSEC3 of an unknown hash algorithm or whose owner is
 *         not one label below zone), OD_ENOMEM, OD_ELIMIT (the record
 *         alone is over the budget).
 */
int odr_aggr_put(odr_aggr_t *a, const uint8_t *zone, const od_rr_t *rr,
                 const od_rr_t *sigs, size_t nsigs, uint64_t now);

/*!
 * Keep the SOA of zone (one SOA record and its RRSIGs) with its ttl
 * from now, for synthesized negative answers. Creates the zone when
 * needed. \return 0, OD_EINVAL (not a SOA of zone), OD_ENOMEM.
 */
int odr_aggr_put_soa(odr_aggr_t *a, const uint8_t *zone, const od_rr_t *soa,
                     const od_rr_t *sigs, size_t nsigs, uint64_t now);

/*! What the index knows about the zone of a name. */
typedef struct odr_aggr_zone {
	const uint8_t *zone; /*!< copied into mm */
	bool nsec3;
	/* NSEC3 parameters of the zone (nsec3 true). */
	uint8_t alg;
	uint8_t flags; /*!< of the first record (Opt-Out) */
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt; /*!< copied into mm */
	/* The zone's SOA, when one was put and is live. */
	od_rr_t *soa; /*!< NULL: none */
	od_rr_t *soa_sigs;
	size_t nsoa_sigs;
} odr_aggr_zone_t;

/*!
 * The deepest zone of the index at or above name that has live records.
 * \return 0 (found, *out filled; copies in mm), 1 (none), OD_ENOMEM.
 */
int odr_aggr_zone(odr_aggr_t *a, const uint8_t *name, uint64_t now, od_mm_t *mm,
                  odr_aggr_zone_t *out);

/*! A record found, with its RRSIGs; all copied into mm. */
typedef struct odr_aggr_rec {
	od_rr_t rr; /*!< ttl: remaining (at least 1) */
	od_rr_t *sigs;
	size_t nsigs;
} odr_aggr_rec_t;

/*!
 * The live NSEC record of zone whose owner is the last at or before name
 * in canonical order (it matches name, or covers it when its next name
 * is after name). For an NSEC3 zone, key is the raw owner hash (its
 * base32hex first label decoded; len octets) and the record found is the
 * last whose owner hash is at or before key (octet order), wrapping to
 * the last record of the zone when key is before every owner.
 * For an NSEC zone, key is a wire name (len ignored) and there is no
 * wrapping: a name before every owner finds nothing. Expired records are
 * passed over (the one before them is returned).
 * \return 0 (found), 1 (none), OD_ENOMEM.
 */
int odr_aggr_find(odr_aggr_t *a, const uint8_t *zone, const uint8_t *key,
                  size_t len, uint64_t now, od_mm_t *mm, odr_aggr_rec_t *out);

/*!
 * Release what odr_aggr_find (rec) or odr_aggr_zone (z) copied into mm:
 * each result is one block (nothing to do for an arena). Clears *rec /
 * *z. NULL is allowed.
 */
void odr_aggr_rec_free(od_mm_t *mm, odr_aggr_rec_t *rec);
void odr_aggr_zone_free(od_mm_t *mm, odr_aggr_zone_t *z);

/*! Remove the zone and its records (a flush). \return 1 removed, 0 not
 *  there. */
int odr_aggr_flush(odr_aggr_t *a, const uint8_t *zone);

typedef struct odr_aggr_stats {
	size_t zones, records, bytes;
	uint64_t puts, finds, hits, evictions;
} odr_aggr_stats_t;

void odr_aggr_stats(odr_aggr_t *a, odr_aggr_stats_t *out);

#endif
