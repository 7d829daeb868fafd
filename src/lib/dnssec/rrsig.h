/* SPDX-License-Identifier: MIT */
/*
 * RRSIG: the signed data of an RRset (RFC 4034 §3.1.8.1 and §6, with the
 * RFC 6840 §5.1 corrections), verification of one signature with one
 * DNSKEY, verification of an RRset against a DNSKEY RRset under work
 * limits (KeyTrap, CVE-2023-50387), and signing.
 *
 * RDATA is uncompressed wire form throughout. Times are seconds since the
 * epoch passed in by the caller (the library never reads the clock);
 * signature validity uses RFC 1982 serial-number arithmetic on 32 bits
 * (RFC 4034 §3.1.5).
 *
 * Thread-safe on distinct objects; keys (key.h) may be shared read-only.
 */
#ifndef OD_DNSSEC_RRSIG_H
#define OD_DNSSEC_RRSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnssec/key.h"
#include "lib/mm.h"

/*! One record's RDATA (not owned). */
typedef struct od_rrsig_rd {
	const uint8_t *data;
	uint16_t len;
} od_rrsig_rd_t;

/*! An RRset to sign or verify (nothing owned). */
typedef struct od_rrsig_rrset {
	const uint8_t *owner; /*!< wire name, any case */
	uint16_t type;
	uint16_t rclass;
	/*! Records in rrs: any order, duplicates allowed. */
	size_t count;
	const od_rrsig_rd_t *rrs;
} od_rrsig_rrset_t;

/*! Parsed RRSIG RDATA: a view into the RDATA it came from. */
typedef struct od_rrsig {
	uint16_t covered;
	uint8_t alg;
	uint8_t labels;
	uint32_t orig_ttl;
	uint32_t expiration;
	uint32_t inception;
	uint16_t key_tag;
	const uint8_t *signer; /*!< validated wire name, case as given */
	const uint8_t *sig;    /*!< signature, siglen octets */
	uint16_t siglen;
} od_rrsig_t;

/*! Offset of the signer name in RRSIG RDATA (fixed fields before it). */
#define OD_RRSIG_FIXED_LEN 18

/*!
 * Parse RRSIG RDATA into a view (pointers into rdata).
 * \return 0, or OD_EMALF (shorter than the fixed fields, bad signer name,
 *         empty signature).
 */
int od_rrsig_parse(od_rrsig_t *out, const uint8_t *rdata, size_t len);

/*!
 * Upper bound of the signed data of set under sig (exact unless the set
 * holds duplicates). sig->signer must be valid; the signature itself is
 * not part of the data.
 */
size_t od_rrsig_data_bound(const od_rrsig_t *sig, const od_rrsig_rrset_t *set);

/*!
 * Build the data that sig signs over set (RFC 4034 §3.1.8.1):
 *   RRSIG RDATA without the signature, signer name lower-cased,
 *   then every distinct record in canonical RDATA order (RFC 4034 §6.3),
 *   each as owner | type | class | sig->orig_ttl | RDLENGTH | RDATA, with
 *   the owner lower-cased and, when sig->labels is below the owner's
 *   label count (a wildcard expansion, RFC 4035 §5.3.2), replaced by
 *   "*." and the owner's rightmost sig->labels labels; RDATA in canonical
 *   form (od_rdata_canonicalize). Duplicate records count once.
 * Scratch memory for the sort is taken from mm (NULL = malloc) when the
 * RRset is large, in one allocation for the whole RRset, and released
 * before returning.
 * \return the data length written to out, OD_ESPACE (use
 *         od_rrsig_data_bound), OD_ERANGE (sig->labels above the owner's
 *         label count), OD_EMALF (RDATA not valid for set->type), OD_ENOMEM.
 */
int od_rrsig_data(const od_rrsig_t *sig, const od_rrsig_rrset_t *set,
                  od_mm_t *mm, uint8_t *out, size_t outcap);

/*!
 * Outcome of a signature check. Checks run in this order and the first
 * that fails is returned; values above OD_RRSIG_VALID are failures.
 */
typedef enum od_rrsig_res {
	OD_RRSIG_VALID = 0,       /*!< the signature verifies */
	OD_RRSIG_MALFORMED,       /*!< RRSIG RDATA or RRset RDATA malformed */
	OD_RRSIG_TYPE_MISMATCH,   /*!< type covered is not the RRset's type */
	OD_RRSIG_LABELS,          /*!< labels field above the owner's labels */
	OD_RRSIG_SIGNER,          /*!< signer is not the owner or an ancestor */
	OD_RRSIG_KEY_MISMATCH,    /*!< key tag, algorithm, signer = key owner,
	                              ZONE flag or protocol 3 do not match */
	OD_RRSIG_UNSUPPORTED_ALG, /*!< algorithm cannot be validated here */
	OD_RRSIG_NOT_YET_VALID,   /*!< now is before the inception */
	OD_RRSIG_EXPIRED,         /*!< now is after the expiration (or the
	                              window is empty: expiration before
	                              inception) */
	OD_RRSIG_BOGUS,           /*!< the cryptographic check failed */
} od_rrsig_res_t;

/*! Short mnemonic of a result ("valid", "bogus", "expired", ...). */
const char *od_rrsig_res_str(od_rrsig_res_t res);

/*!
 * Where `now` (seconds; only its low 32 bits count, RFC 1982) stands
 * against a validity window. Equal to inception or expiration is inside.
 * \return OD_RRSIG_VALID, OD_RRSIG_NOT_YET_VALID or OD_RRSIG_EXPIRED.
 */
od_rrsig_res_t od_rrsig_window(uint32_t inception, uint32_t expiration,
                               uint64_t now);

/*! Default cap of keys tried for one RRSIG (same key tag and algorithm). */
#define OD_RRSIG_MAX_KEYS_DEFAULT 4

/*!
 * Work limits of a validation (KeyTrap, CVE-2023-50387). One structure
 * is meant to span everything done for one request or one RRset.
 */
typedef struct od_rrsig_limits {
	uint32_t budget;   /*!< cryptographic verifications still allowed;
	                         each takes one; at 0 a further one fails
	                         with OD_ELIMIT */
	uint32_t max_keys; /*!< keys tried per RRSIG whose tag and algorithm
	                         match (0: OD_RRSIG_MAX_KEYS_DEFAULT); further
	                         colliding keys are not tried */
	uint32_t verifications; /*!< counter: verifications done (added to) */
	uint32_t keys_skipped;  /*!< counter: colliding keys left untried */
} od_rrsig_limits_t;

/*!
 * Verify one RRSIG (RDATA rrsig, len octets) over set with one DNSKEY
 * whose owner name is key_owner. Checks, in order: RDATA parses; type
 * covered; labels <= owner labels (RFC 4035 §5.3.1); signer is the owner
 * or an ancestor; key tag, algorithm, signer == key_owner, ZONE flag and
 * protocol 3; the algorithm can be validated and the key has a public
 * key; the validity window against now; then the work budget and the
 * signature. Revoked keys are not refused here (RFC 5011 self-signatures
 * need them); callers decide.
 * Algorithms 5 and 7 (RSA/SHA-1) verify normally; od_alg_info(alg)->sha1
 * tells the caller to apply the RFC 8624 policy.
 * limits may be NULL (no budget).
 * \return an od_rrsig_res_t (>= 0), or OD_ELIMIT (budget spent, nothing
 *         verified), OD_ENOMEM.
 */
int od_rrsig_verify(const od_rrsig_rrset_t *set, const uint8_t *rrsig,
                    size_t len, const uint8_t *key_owner,
                    const od_dnskey_t *key, uint64_t now,
                    od_rrsig_limits_t *limits, od_mm_t *mm);

/*! A DNSKEY RRset, parsed (nothing owned). */
typedef struct od_rrsig_keyset {
	const uint8_t *owner; /*!< the zone apex: owner of the DNSKEYs */
	const od_dnskey_t *keys;
	size_t count;
} od_rrsig_keyset_t;

/*! Which signature and key decided an od_rrsig_verify_set() result. */
typedef struct od_rrsig_match {
	size_t sig;  /*!< index into sigs (SIZE_MAX: none looked at) */
	size_t key;  /*!< index into keys->keys (SIZE_MAX: none) */
	uint8_t alg; /*!< that signature's algorithm */
	bool sha1;   /*!< that algorithm signs with SHA-1 (RFC 8624) */
} od_rrsig_match_t;

/*!
 * Verify set with its RRSIGs (sigs: RRSIG RDATA, those not covering
 * set->type are ignored) and a DNSKEY RRset. For each RRSIG only the keys
 * with its key tag and algorithm are tried, at most limits->max_keys of
 * them; every cryptographic check takes one unit of limits->budget.
 * Stops at the first valid signature. Otherwise the most specific
 * failure is returned: the one that got furthest through the checks of
 * od_rrsig_verify (BOGUS > EXPIRED > NOT_YET_VALID > UNSUPPORTED_ALG >
 * KEY_MISMATCH > SIGNER > LABELS > TYPE_MISMATCH > MALFORMED); with no
 * RRSIG covering the type the result is OD_RRSIG_TYPE_MISMATCH, and with
 * no key matching any RRSIG it is OD_RRSIG_KEY_MISMATCH.
 * limits must not be NULL. match may be NULL.
 * \return an od_rrsig_res_t (>= 0), OD_ELIMIT when the budget ran out
 *         before a valid signature was found, OD_ENOMEM.
 */
int od_rrsig_verify_set(const od_rrsig_rrset_t *set, const od_rrsig_rd_t *sigs,
                        size_t nsigs, const od_rrsig_keyset_t *keys,
                        uint64_t now, od_rrsig_limits_t *limits, od_mm_t *mm,
                        od_rrsig_match_t *match);

/*!
 * Sign set with key and write the RRSIG RDATA to out. The labels field is
 * the owner's label count, less one for a wildcard owner ("*." first);
 * the signer name is written lower-case; the algorithm and key tag are
 * the key's. Inception and expiration are the 32-bit serial values of
 * the RRSIG (seconds since the epoch modulo 2^32).
 * \return the RDATA length, OD_ESPACE, OD_EINVAL (empty set, signer not
 *         the owner or an ancestor, expiration before inception),
 *         OD_EMALF, OD_ENOTSUP (algorithm), OD_ENOMEM.
 */
int od_rrsig_sign(const od_rrsig_rrset_t *set, const od_privkey_t *key,
                  const uint8_t *signer, uint32_t inception,
                  uint32_t expiration, uint32_t orig_ttl, od_mm_t *mm,
                  uint8_t *out, size_t outcap);

#endif
