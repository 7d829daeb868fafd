/* SPDX-License-Identifier: MIT */
/*
 * Authenticated denial of existence: NSEC (RFC 4034 §4, RFC 4035 §5.4) and
 * NSEC3 (RFC 5155), proof checks for validators and chain generation for
 * signers.
 *
 * Proof checks take NSEC or NSEC3 records as od_rr_t views (owner and
 * uncompressed RDATA) that the caller has already validated; signatures
 * are not looked at here. Records of another type, of malformed RDATA, or
 * whose owner is not in the zone are ignored. The zone (the RRSIG signer
 * name) is a parameter. The checks return 0 and fill an od_denial_t, or a
 * negative error (OD_EINVAL, OD_ELIMIT when the hash budget runs out);
 * a proof is never "proven" by an error.
 *
 * NSEC3 cost control: every hash of a name costs (iterations + 1) SHA-1
 * computations. The caller passes the number of computations it still
 * allows in *budget (NULL: no limit); a hash that would exceed it is not
 * computed and the check returns OD_ELIMIT. Records whose iteration count
 * is above the caller's max_iterations (RFC 9276 §3.2) are not hashed at
 * all: the verdict is OD_DENIAL_ITERATIONS, which callers treat as
 * insecure (or bogus, by policy).
 *
 * All functions are thread-safe; nothing keeps state between calls.
 */
#ifndef OD_DNSSEC_NSEC_H
#define OD_DNSSEC_NSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/mm.h"
#include "lib/rr.h"

/*! NSEC3 hash algorithm 1 (SHA-1) and its output size. */
#define OD_NSEC3_ALG_SHA1 1
#define OD_NSEC3_HASH_MAXLEN 20
/*! NSEC3 flags field: Opt-Out (RFC 5155 §3.1.2.1). */
#define OD_NSEC3_FLAG_OPTOUT 0x01

/*! Verdict of a proof check. */
typedef enum od_denial_verdict {
	OD_DENIAL_PROVEN = 0,      /*!< the records prove the claim */
	OD_DENIAL_NOT_PROVEN,      /*!< a needed record is missing */
	OD_DENIAL_BOGUS,           /*!< a record contradicts the claim */
	OD_DENIAL_INSECURE_OPTOUT, /*!< only an Opt-Out span covers the name:
	                              an unsigned delegation may exist there */
	OD_DENIAL_ITERATIONS, /*!< NSEC3 iterations above the caller's limit */
} od_denial_verdict_t;

/*! Result of a proof check: the verdict and a static reason text. */
typedef struct od_denial {
	od_denial_verdict_t verdict;
	const char *reason; /*!< static string; "" when proven */
} od_denial_t;

/*! Parsed NSEC3 RDATA; pointers point into the RDATA (not owned). */
typedef struct od_nsec3_rdata {
	uint8_t alg;
	uint8_t flags;
	uint16_t iterations;
	uint8_t salt_len;
	uint8_t next_len;
	uint16_t bitmap_len;
	const uint8_t *salt;
	const uint8_t *next;   /*!< next hashed owner, raw hash octets */
	const uint8_t *bitmap; /*!< type bitmap windows */
} od_nsec3_rdata_t;

/*! NSEC3 hashing parameters (as in NSEC3PARAM). */
typedef struct od_nsec3_params {
	uint8_t alg; /*!< OD_NSEC3_ALG_SHA1 */
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt; /*!< not owned */
} od_nsec3_params_t;

/*
 * Primitives.
 */

/*!
 * RFC 5155 §5 hash of a name: IH(salt, x, 0) = H(x || salt),
 * IH(salt, x, k) = H(IH(salt, x, k-1) || salt), with x the canonical
 * (lower-case) wire name. Writes 20 octets to out.
 * \return the hash length (20), OD_ENOTSUP (unknown algorithm), OD_ELIMIT
 *         (budget below iterations + 1; *budget is then unchanged),
 *         OD_ENOMEM (libcrypto failure). On success *budget is reduced.
 */
int od_nsec3_hash(uint8_t out[OD_NSEC3_HASH_MAXLEN], const uint8_t *name,
                  const od_nsec3_params_t *p, uint32_t *budget);

/*! Parse NSEC3 RDATA. \return 0 or OD_EMALF. */
int od_nsec3_parse(od_nsec3_rdata_t *out, const uint8_t *rdata, size_t len);

/*!
 * Split NSEC RDATA into the next name and the bitmap.
 * \return 0 or OD_EMALF.
 */
int od_nsec_parse(const uint8_t *rdata, size_t len, const uint8_t **next,
                  const uint8_t **bitmap, size_t *bitmap_len);

/*! True when the type bitmap (RFC 4034 §4.1.2 windows) holds type. */
bool od_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

/*!
 * Build a type bitmap from n types (any order, duplicates allowed) into
 * out. \return its length (at most 8704), or OD_ESPACE.
 */
int od_bitmap_build(const uint16_t *types, size_t n, uint8_t *out,
                    size_t outcap);

/*! True when the NSEC record's owner equals name. */
bool od_nsec_matches(const od_rr_t *nsec, const uint8_t *name);

/*!
 * True when the NSEC record proves that name does not exist: name is in
 * zone, owner < name < next in canonical order; for the last NSEC of the
 * chain (next at or before owner, normally the apex) every name after
 * owner is covered.
 */
bool od_nsec_covers(const od_rr_t *nsec, const uint8_t *name,
                    const uint8_t *zone);

/*!
 * Hash octets of an NSEC3 owner: its first label decoded from base32hex,
 * the rest of the owner equal to zone.
 * \return the hash length, or OD_EMALF.
 */
int od_nsec3_owner_hash(const od_rr_t *nsec3, const uint8_t *zone,
                        uint8_t out[OD_NSEC3_HASH_MAXLEN]);

/*! True when the NSEC3 record's owner hash equals hash. */
bool od_nsec3_matches(const od_rr_t *nsec3, const uint8_t *zone,
                      const uint8_t *hash, size_t hash_len);

/*!
 * True when owner hash < hash < next hash (octet order), with the last
 * record of the chain (next <= owner) covering everything after its owner
 * and before its next.
 */
bool od_nsec3_covers(const od_rr_t *nsec3, const uint8_t *zone,
                     const uint8_t *hash, size_t hash_len);

/*!
 * Wildcard name "*." + encloser into out (which holds OD_NAME_MAXLEN).
 * \return its length or OD_ENAMELEN.
 */
int od_wildcard_of(uint8_t *out, const uint8_t *encloser);

/*
 * NSEC3 proofs. A set of records plus the limits; params are taken from
 * the first usable NSEC3 record (algorithm 1, owner directly below zone),
 * and records with other parameters are ignored (RFC 5155 §8.2).
 */
typedef struct od_nsec3_set {
	const od_rr_t *rrs; /*!< records; non-NSEC3 ones are skipped */
	size_t count;
	const uint8_t *zone;     /*!< signer name */
	uint16_t max_iterations; /*!< RFC 9276 limit, e.g. 50 or 150 */
	uint32_t *budget;        /*!< hash computations left; NULL: no limit */
} od_nsec3_set_t;

/*!
 * Closest provable encloser (RFC 5155 §8.3) of qname: the longest
 * ancestor of qname (at or below zone) whose hash matches a record, while
 * the next closer name (one label longer, towards qname) is covered.
 * On PROVEN, *ce points into qname at the closest encloser and *opt_out
 * tells whether the record covering the next closer name has Opt-Out.
 * A closest encloser with NS and no SOA (a delegation) or with DNAME is
 * BOGUS (§8.3). ce and opt_out may be NULL.
 * \return 0 (see res), OD_ELIMIT, OD_EINVAL.
 */
int od_nsec3_closest_encloser(const od_nsec3_set_t *s, const uint8_t *qname,
                              od_denial_t *res, const uint8_t **ce,
                              bool *opt_out);

/*!
 * NXDOMAIN (§8.4): closest encloser proof and a record covering the
 * wildcard at the closest encloser. INSECURE_OPTOUT when the span that
 * covers the next closer name has Opt-Out (an unsigned delegation could
 * hide there).
 */
int od_nsec3_nxdomain(const od_nsec3_set_t *s, const uint8_t *qname,
                      od_denial_t *res);

/*!
 * NODATA (§8.5, §8.6): a record matching qname without qtype and without
 * CNAME. For qtype DS without a matching record: closest encloser proof
 * whose next closer span has Opt-Out gives INSECURE_OPTOUT. For a type
 * other than DS a matching record at a delegation (NS without SOA) is
 * BOGUS. (That the signer of a DS denial is above qname is the caller's
 * check.)
 */
int od_nsec3_nodata(const od_nsec3_set_t *s, const uint8_t *qname,
                    uint16_t qtype, od_denial_t *res);

/*!
 * Wildcard NODATA (§8.7): closest encloser proof, and a record matching
 * the wildcard at the closest encloser without qtype and CNAME;
 * INSECURE_OPTOUT when the span over the next closer name has Opt-Out
 * (§9.2).
 */
int od_nsec3_wildcard_nodata(const od_nsec3_set_t *s, const uint8_t *qname,
                             uint16_t qtype, od_denial_t *res);

/*!
 * Wildcard answer (§8.8): the answer's RRSIG label count rrsig_labels is
 * below the labels of qname, so it was synthesized from the wildcard at
 * the suffix of qname with rrsig_labels labels; a record must cover the
 * next closer name (the suffix with rrsig_labels + 1 labels). When that
 * record has Opt-Out the verdict is INSECURE_OPTOUT (RFC 5155 §9.2).
 */
int od_nsec3_wildcard_answer(const od_nsec3_set_t *s, const uint8_t *qname,
                             int rrsig_labels, od_denial_t *res);

/*!
 * Referral without DS (§8.9): a record matching the delegation name with
 * NS, without DS and SOA (PROVEN: insecure delegation); or no matching
 * record, a closest encloser proof and an Opt-Out span over the next
 * closer name (INSECURE_OPTOUT).
 */
int od_nsec3_insecure_delegation(const od_nsec3_set_t *s, const uint8_t *name,
                                 od_denial_t *res);

/*
 * NSEC proofs over n records (non-NSEC ones skipped).
 */

/*!
 * NXDOMAIN: a record covers qname, and a record covers the wildcard at
 * the closest encloser (derived from the covering record: the longest of
 * the common ancestors of qname with the owner and with the next name).
 */
int od_nsec_nxdomain(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                     const uint8_t *zone, od_denial_t *res);

/*!
 * NODATA: a record matches qname and its bitmap has neither qtype nor
 * CNAME. For a type other than DS, a record at a delegation (NS without
 * SOA) is BOGUS: it belongs to the parent side. (That the signer of a DS
 * denial is above qname is the caller's check.)
 * An empty non-terminal (a record covering qname whose next name is
 * below qname) is also proven.
 */
int od_nsec_nodata(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                   uint16_t qtype, const uint8_t *zone, od_denial_t *res);

/*!
 * Wildcard NODATA: a record covers qname, and a record matches the
 * wildcard at the closest encloser without qtype and CNAME.
 */
int od_nsec_wildcard_nodata(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                            uint16_t qtype, const uint8_t *zone,
                            od_denial_t *res);

/*!
 * Wildcard answer: rrsig_labels is below the labels of qname, and a
 * record covers qname (RFC 4035 §5.3.4).
 */
int od_nsec_wildcard_answer(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                            int rrsig_labels, const uint8_t *zone,
                            od_denial_t *res);

/*!
 * Insecure delegation: a record matches name with NS, without DS and SOA.
 */
int od_nsec_insecure_delegation(const od_rr_t *rrs, size_t n,
                                const uint8_t *name, const uint8_t *zone,
                                od_denial_t *res);

/*
 * Chain generation for signing a whole zone.
 */

/*! One authoritative name of the zone and the types present there. */
typedef struct od_denial_node {
	const uint8_t *name;   /*!< not owned */
	const uint16_t *types; /*!< not owned; RRSIG/NSEC/NSEC3 not needed */
	size_t ntypes;
} od_denial_node_t;

/*! One generated record: owner and RDATA, both owned (from mm). */
typedef struct od_denial_rec {
	uint8_t *owner;
	uint8_t *rdata;
	uint16_t rdlen;
} od_denial_rec_t;

/*!
 * NSEC chain over nodes, which must be in canonical order, start with
 * the apex, and hold only names the zone is authoritative for plus
 * delegation points (no glue, nothing below a delegation). Each record's
 * next name is the following node (the apex for the last one); its bitmap
 * is the node's types plus RRSIG and NSEC.
 * On success *out is an array of n records from mm (release with
 * od_denial_recs_free).
 * \return 0, OD_EINVAL (empty, unordered), OD_ENOMEM.
 */
int od_nsec_chain(od_mm_t *mm, const od_denial_node_t *nodes, size_t n,
                  od_denial_rec_t **out);

/*!
 * NSEC3 chain over nodes (same rules, any order) for zone. Empty
 * non-terminals between a node and the apex get records without types.
 * With opt_out, insecure delegations (NS without DS, not the apex) get no
 * record and every record has the Opt-Out flag. Bitmaps are the node's
 * types plus RRSIG when some RRset of the name is signed (anything but a
 * delegation with NS only).
 * On success *out is an array of *count records from mm in hash order;
 * owners are the base32hex hash label under zone.
 * \return 0, OD_EINVAL, OD_ENOMEM, OD_ENOTSUP, OD_ENAMELEN, OD_ERANGE
 *         (two names with the same hash).
 */
int od_nsec3_chain(od_mm_t *mm, const od_denial_node_t *nodes, size_t n,
                   const uint8_t *zone, const od_nsec3_params_t *p,
                   bool opt_out, od_denial_rec_t **out, size_t *count);

/*! Release what od_nsec_chain / od_nsec3_chain returned. */
void od_denial_recs_free(od_mm_t *mm, od_denial_rec_t *recs, size_t count);

#endif
