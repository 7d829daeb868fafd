/* SPDX-License-Identifier: MIT */
/*
 * Verification of a whole zone: its ZONEMD (RFC 8976) and, when the apex
 * has a DNSKEY RRset, every RRSIG against the apex keys at a given time,
 * the signing of each authoritative RRset with each algorithm of the
 * zone's keys (RFC 4035 §2.2, RFC 6840 §5.11), the NSEC or NSEC3 chain,
 * and optionally that the DNSKEY RRset is signed by a trust anchor.
 *
 * No I/O: each problem is handed to a callback, and the result sums it
 * up. `onedot-zone verify` prints the problems; the resolver's local
 * root (daemon/localroot.h) refuses a copy with any error.
 */
#ifndef OD_ZONE_ZVERIFY_H
#define OD_ZONE_ZVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"

/*! What a problem is about (for counters by reason). */
typedef enum od_zv_class {
	OD_ZV_ZONEMD = 0,    /*!< ZONEMD missing (when required), wrong or
	                          unusable */
	OD_ZV_ANCHOR = 1,    /*!< the DNSKEY RRset is not signed by a key
	                          that matches a trust anchor */
	OD_ZV_SIGNATURE = 2, /*!< an RRSIG that does not verify, is expired
	                          or not yet valid, or an RRset without the
	                          signatures it needs */
	OD_ZV_CHAIN = 3,     /*!< NSEC/NSEC3 chain or bitmap problem */
	OD_ZV_OTHER = 4,     /*!< anything else (no SOA, limits reached) */
	OD_ZV_COUNT
} od_zv_class_t;

/*! One trust anchor record of the zone's origin. */
typedef struct od_zv_anchor {
	uint16_t type;        /*!< OD_TYPE_DS or OD_TYPE_DNSKEY */
	const uint8_t *rdata; /*!< RDATA in wire form */
	uint16_t rdlen;
	unsigned line; /*!< where it was read, for messages (0: not said) */
} od_zv_anchor_t;

/*!
 * One problem: owner and type (type 0: none), error (else a warning),
 * class and a message without owner and type ("signature expired
 * 20260101000000"). The strings are valid during the call only.
 * An invalid ZONEMD RRset is one error (the verdict, "digest mismatch")
 * followed by one OD_ZV_ZONEMD warning per ZONEMD RR examined
 * ("SERIAL SCHEME HASH: status", with the computed digest in hex after a
 * digest mismatch).
 */
typedef void (*od_zv_report_fn)(void *ctx, const uint8_t *owner, uint16_t type,
                                bool error, od_zv_class_t cls, const char *msg);

typedef struct od_zv_opts {
	uint64_t now; /*!< seconds since the epoch: signature validity */
	/*! Trust anchors of the origin: the DNSKEY RRset must be signed
	 *  by a key matching one of them (NULL/0: not checked). */
	const od_zv_anchor_t *anchors;
	size_t nanchors;
	bool require_zonemd;    /*!< a zone without ZONEMD is an error (else
	                          nothing is said about it) */
	bool require_dnssec;    /*!< a zone without an apex DNSKEY RRset is an
	                          error (else only the ZONEMD is checked) */
	bool skip_chain;        /*!< do not check the NSEC/NSEC3 chain */
	od_zv_report_fn report; /*!< NULL: problems are only counted */
	void *ctx;
} od_zv_opts_t;

typedef struct od_zv_result {
	size_t errors, warnings;
	size_t by_class[OD_ZV_COUNT]; /*!< errors by class */
	od_zonemd_status_t zonemd;    /*!< overall ZONEMD status */
	bool zonemd_checked;          /*!< a ZONEMD RRset was verified */
	uint32_t zonemd_serial;       /*!< zonemd OK: serial and hash */
	uint8_t zonemd_hash;          /*!< algorithm of the RR that verified */
	bool signed_zone;             /*!< the apex has a DNSKEY RRset */
	bool anchored;   /*!< anchors given and one signed the DNSKEYs */
	size_t rrsets;   /*!< RRsets that needed signatures */
	size_t verified; /*!< RRSIGs that verified */
	bool chain_ok;   /*!< the NSEC/NSEC3 chain was checked and no error
	                      was found in it */
	/*! Earliest expiration of the RRSIGs that verified, seconds since
	 *  the epoch (serial arithmetic resolved around now); 0: none. */
	uint64_t min_expiration;
} od_zv_result_t;

/*!
 * Verify z (finalized). res is always filled.
 * \return 0 when the checks ran (look at res->errors), OD_ENOMEM.
 */
int od_zone_verify(const od_zone_t *z, const od_zv_opts_t *opts,
                   od_zv_result_t *res);

/*! "zonemd", "anchor", "signature", "chain", "other". */
const char *od_zv_class_str(od_zv_class_t cls);

#endif
