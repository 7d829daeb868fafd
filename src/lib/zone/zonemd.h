/* SPDX-License-Identifier: MIT */
/*
 * Message digest for DNS zones: ZONEMD (RFC 8976), SIMPLE scheme with
 * SHA-384 and SHA-512, over a finalized in-memory zone (zone.h).
 *
 * The digest covers every RR of the zone in canonical order (RFC 4034
 * §6.1 names, then RR type, then canonical RDATA, §6.3) and canonical
 * form (§6.2: owner and the RDATA names of the listed types lower-cased),
 * each with the TTL the zone holds for it, duplicates once (the zone has
 * already dropped them), glue and occluded data included, except
 * (RFC 8976 §3.3.1, inclusion/exclusion rules):
 *  - the apex ZONEMD RRset (all of it, placeholder or not);
 *  - the apex RRSIGs whose Type Covered is ZONEMD.
 * ZONEMD RRsets below the apex and their signatures are ordinary data.
 *
 * Verification (RFC 8976 §4) without DNSSEC (the caller validates the
 * ZONEMD and SOA RRsets separately when it wants origin authenticity):
 * a ZONEMD RR is successful when its scheme (SIMPLE) and hash algorithm
 * (SHA-384, SHA-512) are supported, its digest has the algorithm's length,
 * its serial equals the SOA serial and its digest equals the computed
 * one. The zone verifies when at least one RR is successful and the
 * RRset holds no two RRs with the same scheme and hash algorithm (RFC 8976
 * forbids that; such an RRset fails as OD_ZONEMD_DUPLICATE, the verdict
 * Unbound gives, whatever the digests say).
 *
 * Digest computation canonicalises each RR into one reusable buffer and
 * feeds it to the hash; no memory is allocated per RR. Thread-safe for
 * concurrent calls on the same finalized zone (nothing in it is written).
 */
#ifndef OD_ZONE_ZONEMD_H
#define OD_ZONE_ZONEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zone/zone.h"

enum {
	OD_ZONEMD_SCHEME_SIMPLE = 1, /*!< RFC 8976 §5.2 */
	OD_ZONEMD_HASH_SHA384 = 1,   /*!< 48-octet digest */
	OD_ZONEMD_HASH_SHA512 = 2,   /*!< 64-octet digest */
	OD_ZONEMD_DIGEST_MIN = 12, /*!< shorter digests are invalid (§2.2.4) */
	OD_ZONEMD_DIGEST_MAX = 64, /*!< longest digest this code computes */
	OD_ZONEMD_RDATA_FIXED = 6, /*!< serial(4) scheme(1) hash(1) */
	OD_ZONEMD_MAXREC = 16,     /*!< ZONEMD RRs examined per zone */
};

/*! Outcome of a verification, overall or per ZONEMD RR. */
typedef enum od_zonemd_status {
	OD_ZONEMD_OK = 0,          /*!< digest verified */
	OD_ZONEMD_NONE,            /*!< no ZONEMD RRset at the apex */
	OD_ZONEMD_NO_SOA,          /*!< no (single) SOA at the apex */
	OD_ZONEMD_SERIAL_MISMATCH, /*!< ZONEMD serial != SOA serial */
	OD_ZONEMD_DIGEST_MISMATCH, /*!< computed digest differs */
	OD_ZONEMD_UNSUPPORTED,     /*!< scheme or hash algorithm unsupported;
	                                 overall: only such RRs are present */
	OD_ZONEMD_MALFORMED,       /*!< RDATA shorter than 6 + 12 octets, or
	                                 digest length wrong for the algorithm */
	OD_ZONEMD_DUPLICATE,       /*!< overall: two RRs with the same scheme
	                                 and hash algorithm (per RR: this one
	                                 repeats an earlier one's pair;
	                                 digest_ok is still computed) */
} od_zonemd_status_t;

/*! What was found for one ZONEMD RR of the apex RRset. */
typedef struct od_zonemd_rr_result {
	uint32_t serial;
	uint8_t scheme;
	uint8_t hash;
	uint16_t digest_len;
	od_zonemd_status_t status; /*!< OK or why this RR did not verify */
	bool digest_ok;            /*!< the digest matched (even when the
	                                serial did not) */
} od_zonemd_rr_result_t;

typedef struct od_zonemd_result {
	od_zonemd_status_t status; /*!< overall verdict; OK = verified */
	int matched;               /*!< index in rr[] of the first RR that
	                                verified, or -1 */
	uint32_t soa_serial;       /*!< the zone's SOA serial (when present) */
	size_t count;              /*!< ZONEMD RRs at the apex (rr[] holds
	                                the first OD_ZONEMD_MAXREC) */
	od_zonemd_rr_result_t rr[OD_ZONEMD_MAXREC]; /*!< in canonical order */
} od_zonemd_result_t;

/*!
 * Verify the zone's apex ZONEMD RRset (RFC 8976 §4, without DNSSEC).
 * The overall status when no RR verified is the most telling of the
 * per-RR ones: DUPLICATE, then DIGEST_MISMATCH, SERIAL_MISMATCH,
 * MALFORMED, and UNSUPPORTED only when every RR is unsupported.
 * \return 0 with *res filled (look at res->status), OD_EINVAL when the
 *         zone is not finalized, OD_ENOMEM, or OD_ENOTSUP when the crypto
 *         library lacks a hash.
 */
int od_zonemd_verify(const od_zone_t *z, od_zonemd_result_t *res);

/*!
 * Compute the SIMPLE-scheme digest of the zone with hash algorithm `hash`
 * into out (outcap >= OD_ZONEMD_DIGEST_MAX is always enough).
 * \return the digest length (48 or 64), OD_ENOTSUP (unsupported scheme or
 *         algorithm), OD_ESPACE, OD_EINVAL (not finalized), OD_ENOMEM.
 */
int od_zonemd_digest(const od_zone_t *z, uint8_t scheme, uint8_t hash,
                     uint8_t *out, size_t outcap);

/*!
 * The RDATA of the ZONEMD record the zone should carry at its apex:
 * the SOA serial, scheme, hash algorithm and the digest computed as
 * above (the zone's current apex ZONEMD RRset, if any, does not enter
 * the digest, so the result is right whether the zone holds a
 * placeholder, a stale record or none).
 * \return the RDATA length (6 + digest), or as od_zonemd_digest, or
 *         OD_EINVAL when the zone has no SOA at its apex.
 */
int od_zonemd_make(const od_zone_t *z, uint8_t scheme, uint8_t hash,
                   uint8_t *rdata, size_t cap);

/*! Digest length of a supported hash algorithm, 0 when unsupported. */
size_t od_zonemd_hash_len(uint8_t hash);

/*! Short text for a status ("digest mismatch", ...). */
const char *od_zonemd_status_str(od_zonemd_status_t st);

#endif
