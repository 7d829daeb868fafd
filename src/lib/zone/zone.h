/* SPDX-License-Identifier: MIT */
/*
 * In-memory zone: what a zone file (or a transfer) says, held for lookup,
 * canonical printing, checking and ZONEMD (zonemd.h).
 *
 * Shape: the zone has nodes (one per owner name that has data), a node
 * has RRsets (type, class, TTL, records), a record is its TTL and its
 * uncompressed wire RDATA. Every byte of it lives in one arena owned by
 * the zone and released by od_zone_free(); loading allocates no memory
 * per record apart from that arena (the name hash table is the only other
 * allocation).
 *
 * Life cycle: od_zone_new() -> od_zone_add() for every record ->
 * od_zone_finalize() once, or od_zone_load_file()/od_zone_load_mem(),
 * which do all three with the zone file scanner (scanner.h). After
 * finalize the zone is read-only: nodes are in canonical order (RFC 4034
 * §6.1), RRsets of a node by type, the records of an RRset in canonical
 * RDATA order (RFC 4034 §6.3) with duplicates removed, node flags set.
 * Lookups by name work both before and after finalize.
 *
 * Rules the loader applies (each leaves a finding, see od_zone_check):
 *  - A record whose owner is not at or below the origin is out of zone:
 *    reported, not loaded (OD_ZC_OUT_OF_ZONE).
 *  - A record of a class other than the zone's is not loaded
 *    (OD_ZC_CLASS).
 *  - Duplicates (same owner, class, type and RDATA, names in RDATA compared
 *    as in canonical form) are one record (RFC 2181 §5); the extra copies
 *    are dropped and counted (OD_ZC_DUPLICATE, one finding per RRset).
 *  - Records of one RRset with different TTLs (RFC 2181 §5.2): every record
 *    of the RRset gets the lowest of them, which is the RRset's TTL, and a
 *    note (OD_ZC_TTL_MISMATCH). RRSIGs form one RRset per owner (type 46)
 *    whose TTLs legitimately differ by covered type: the rule applies to
 *    the RRSIGs of each covered type separately.
 *  - TTLs over 2^31-1 are kept as given and noted (RFC 2181 §8 says to
 *    treat them as 0; that is the server's business, not the loader's).
 *
 * RRSIG records are kept as an RRset of type RRSIG at their owner, sorted
 * canonically, so the signatures of one covered type are contiguous
 * (the covered type is the first RDATA field): od_znode_sigs() finds them.
 *
 * Empty non-terminals get no node. Threading: a finalized zone may be
 * read from any number of threads; building it is single-threaded.
 */
#ifndef OD_ZONE_ZONE_H
#define OD_ZONE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/mm.h"
#include "lib/name.h"
#include "lib/zone/scanner.h"

/*! One record of an RRset (in the zone's arena). */
typedef struct od_zrr {
	uint32_t ttl;   /*!< this record's TTL (see the TTL rule above) */
	uint16_t len;   /*!< RDATA length */
	uint8_t data[]; /*!< uncompressed wire RDATA, case as loaded */
} od_zrr_t;

/*! One RRset. */
typedef struct od_zrrset {
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;   /*!< lowest TTL of the records */
	uint32_t count; /*!< records, duplicates removed */
	uint32_t cap;   /*!< internal: slots in rrs */
	uint32_t dups;  /*!< duplicates dropped from this RRset */
	od_zrr_t **rrs; /*!< count records; canonical order after finalize */
} od_zrrset_t;

/* Node flags, computed by od_zone_finalize(). */
enum {
	OD_ZN_APEX = 1 << 0,      /*!< the zone's origin */
	OD_ZN_DELEG = 1 << 1,     /*!< NS RRset below the apex: a zone cut */
	OD_ZN_GLUE = 1 << 2,      /*!< A/AAAA at or below a zone cut (the
	                              node's other data is occluded) */
	OD_ZN_OCCLUDED = 1 << 3,  /*!< strictly below a zone cut or a DNAME,
	                              and not glue: not authoritative, never
	                              served, still part of the zone (and of
	                              its ZONEMD digest) */
	OD_ZN_DNAME = 1 << 4,     /*!< has a DNAME RRset */
	OD_ZN_CNAME = 1 << 5,     /*!< has a CNAME RRset */
	OD_ZN_WILDCARD = 1 << 6,  /*!< first label is '*' */
	OD_ZN_BELOW_CUT = 1 << 7, /*!< strictly below a zone cut (NS), glue
	                               or not */
};

/*! One owner name and its data. */
typedef struct od_znode {
	const uint8_t *owner; /*!< wire name, case as first loaded (arena) */
	uint32_t hash;        /*!< od_name_hash(owner) */
	uint16_t flags;       /*!< OD_ZN_* */
	uint16_t nsets;       /*!< RRsets */
	uint16_t setcap;      /*!< internal: slots in sets */
	od_zrrset_t *sets;    /*!< nsets RRsets, by type after finalize */
	const uint8_t *key;   /*!< internal: canonical sort key */
	uint16_t keylen;      /*!< internal */
} od_znode_t;

/*! What a finding is about (stable codes for tools and tests). */
typedef enum od_zcheck {
	OD_ZC_SYNTAX = 1,    /*!< scanner error (record skipped) */
	OD_ZC_OUT_OF_ZONE,   /*!< owner not under the origin (not loaded) */
	OD_ZC_CLASS,         /*!< class other than the zone's (not loaded) */
	OD_ZC_NO_SOA,        /*!< no SOA at the apex */
	OD_ZC_MULTI_SOA,     /*!< more than one SOA record at the apex */
	OD_ZC_SOA_NOT_APEX,  /*!< SOA below the apex */
	OD_ZC_NO_APEX_NS,    /*!< no NS RRset at the apex */
	OD_ZC_CNAME_OTHER,   /*!< CNAME together with other data than
	                           RRSIG/NSEC */
	OD_ZC_MULTI_CNAME,   /*!< more than one CNAME record */
	OD_ZC_MISSING_GLUE,  /*!< NS target below a zone cut without
	                           A/AAAA in the zone */
	OD_ZC_NS_NO_ADDRESS, /*!< in-zone authoritative NS target without
	                           A/AAAA (warning) */
	OD_ZC_TTL_MISMATCH,  /*!< TTLs differ within an RRset (note) */
	OD_ZC_DUPLICATE,     /*!< duplicate records dropped (note) */
	OD_ZC_TTL_RANGE,     /*!< TTL over 2^31-1 (note) */
	OD_ZC_NO_ORIGIN,     /*!< origin unknown: not given and the first
	                           record is not an SOA */
} od_zcheck_t;

typedef enum od_zsev {
	OD_ZSEV_ERROR = 0,   /*!< the zone is broken */
	OD_ZSEV_WARNING = 1, /*!< probably a mistake */
	OD_ZSEV_NOTE = 2,    /*!< normalisation the loader applied */
} od_zsev_t;

/*! One finding (in the zone's arena). */
typedef struct od_zfinding {
	od_zcheck_t code;
	od_zsev_t sev;
	uint16_t type;        /*!< RR type concerned, or 0 */
	const uint8_t *owner; /*!< owner name concerned (or NULL) */
	const char *file; /*!< source file for syntax/load findings, or NULL */
	unsigned line;    /*!< source line, or 0 */
	const char *msg;  /*!< human-readable, NUL-terminated */
} od_zfinding_t;

/*! Counters, filled while loading and by finalize. */
typedef struct od_zone_stats {
	size_t records_in;    /*!< records handed to od_zone_add */
	size_t records;       /*!< records kept (duplicates removed) */
	size_t duplicates;    /*!< duplicates dropped */
	size_t out_of_zone;   /*!< records not loaded: owner outside the zone */
	size_t wrong_class;   /*!< records not loaded: other class */
	size_t syntax_errors; /*!< scanner errors (records skipped) */
	size_t rrsets;
	size_t nodes;
} od_zone_stats_t;

/*! Internal: a hash table slot; the hash is kept next to the pointer so a
    probe that does not match never touches the node. */
typedef struct od_zslot {
	od_znode_t *node; /*!< NULL: empty */
	uint32_t hash;
} od_zslot_t;

typedef struct od_zone {
	od_arena_t arena;               /*!< owns everything below */
	uint8_t origin[OD_NAME_MAXLEN]; /*!< apex name */
	uint16_t rclass;
	bool finalized;
	od_znode_t *apex;   /*!< NULL when the apex has no data */
	od_znode_t **nodes; /*!< nnodes nodes; canonical order after
	                              finalize (arena) */
	size_t nnodes;
	size_t nodecap;          /*!< internal */
	struct od_zslot *table;  /*!< internal: hash table (malloc, owned) */
	size_t tsize;            /*!< internal: slots, a power of two */
	od_zfinding_t *findings; /*!< nfindings (malloc, owned): loader
	                              findings, then od_zone_check's */
	size_t nfindings;
	size_t fcap;          /*!< internal */
	size_t load_findings; /*!< internal: findings from loading */
	od_zone_stats_t stats;
} od_zone_t;

/*!
 * New empty zone for origin (copied) and class (0: IN).
 * origin may be NULL: it is then taken from the first record added, which
 * must be an SOA (as a zone file starts); otherwise that record fails
 * with OD_EINVAL.
 * \return the zone, or NULL when out of memory.
 */
od_zone_t *od_zone_new(const uint8_t *origin, uint16_t rclass);

/*! Release a zone and everything in it. NULL is allowed. */
void od_zone_free(od_zone_t *z);

/*!
 * Add one record (copied into the zone). Out-of-zone and other-class
 * records are counted and reported as findings but are not loaded; that
 * is not an error. Not allowed after finalize.
 * \return 0, OD_ENOMEM, OD_EINVAL (finalized zone, or the origin is
 *         unknown and the record is not an SOA).
 */
int od_zone_add(od_zone_t *z, const uint8_t *owner, uint16_t type,
                uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
                uint16_t rdlen);

/*!
 * Sort once and settle the zone: nodes in canonical order, RRsets by
 * type, records in canonical RDATA order, duplicates removed, TTLs
 * normalised, node flags, the apex. Idempotent.
 * \return 0 or OD_ENOMEM.
 */
int od_zone_finalize(od_zone_t *z);

/*! Options of the zone file loaders. */
typedef struct od_zload_opts {
	const uint8_t *origin; /*!< zone origin (NULL: the owner of the
	                            first record, which must be the SOA) */
	uint16_t rclass;       /*!< zone class (0: IN) */
	uint32_t default_ttl;  /*!< as od_zopts_t (0: 3600) */
	bool no_include;       /*!< $INCLUDE is an error */
	bool keep_going;       /*!< skip bad records (each becomes an
	                            OD_ZC_SYNTAX finding) instead of failing */
	od_zerr_cb on_err;     /*!< optional: also told of each scanner
	                            error; its return value decides (0: skip,
	                            else stop) and overrides keep_going */
	void *ctx;             /*!< for on_err */
} od_zload_opts_t;

/*!
 * Load and finalize a zone from a file. opts may be NULL (origin from the
 * SOA, class IN, stop at the first error).
 * \return 0 and *out set (the caller frees it with od_zone_free); on
 *         failure *out is untouched and the return is the scanner's error
 *         (OD_ESYNTAX, -errno for an unreadable file, ...), OD_ENOMEM, or
 *         OD_EINVAL when the origin cannot be known.
 *         With keep_going, skipped syntax errors do not fail the load:
 *         check z->stats.syntax_errors or the findings.
 */
int od_zone_load_file(od_zone_t **out, const char *path,
                      const od_zload_opts_t *opts);

/*! As od_zone_load_file, from len bytes of text; name is used in findings
 *  and to resolve relative $INCLUDE paths. */
int od_zone_load_mem(od_zone_t **out, const char *text, size_t len,
                     const char *name, const od_zload_opts_t *opts);

/*! Node of a name (case-insensitive), or NULL. */
const od_znode_t *od_zone_find(const od_zone_t *z, const uint8_t *name);

/*! RRset of a type at a node, or NULL. */
const od_zrrset_t *od_znode_rrset(const od_znode_t *n, uint16_t type);

/*!
 * The RRSIGs at node n that cover `covered` (finalized zone): *first is
 * the index of the first one in the node's RRSIG RRset.
 * \return how many (0: none, *first untouched).
 */
size_t od_znode_sigs(const od_znode_t *n, uint16_t covered, size_t *first);

/*! The apex SOA RRset, or NULL. */
const od_zrrset_t *od_zone_soa(const od_zone_t *z);

/*!
 * The SOA serial (finalized zone with an SOA at the apex).
 * \return 0 and *serial set, or OD_EINVAL when there is no usable SOA.
 */
int od_zone_serial(const od_zone_t *z, uint32_t *serial);

/*! The SOA's five numbers, in RDATA order. */
typedef struct od_soa_fields {
	uint32_t serial, refresh, retry, expire, minimum;
} od_soa_fields_t;

/*!
 * The apex SOA's numbers (finalized zone; exactly one SOA record).
 * \return 0 and *out set, or OD_EINVAL when there is no usable SOA.
 */
int od_zone_soa_fields(const od_zone_t *z, od_soa_fields_t *out);

/*!
 * Run the semantic checks on a finalized zone: SOA present exactly once
 * at the apex, NS at the apex, CNAME exclusivity, glue for NS targets
 * below a zone cut. The findings (loader findings first, then the
 * checks', each in canonical owner order) are in z->findings; a second
 * call recomputes the checks' part.
 * \param errors  if not NULL, the number of findings of severity ERROR.
 * \return the number of findings, or OD_ENOMEM / OD_EINVAL (not
 *         finalized).
 */
int od_zone_check(od_zone_t *z, size_t *errors);

/*! Mnemonic of a finding code ("missing-glue", ...). */
const char *od_zcheck_str(od_zcheck_t code);
/*! "error", "warning" or "note". */
const char *od_zsev_str(od_zsev_t sev);

/*
 * Canonical presentation printer. One record per line:
 *   owner TTL CLASS TYPE rdata
 * separated by single blanks (owner and names absolute, rdata from
 * od_rdata_to_str so types without a layout use the RFC 3597 form),
 * nodes in canonical order, RRsets by type, records in canonical RDATA
 * order. Loading the output again gives the same zone (same records,
 * same TTLs), so printing it again gives the same text.
 */

/*! Line writer: return 0 to go on, non-zero to stop. line is NUL-terminated, without '\n'. */
typedef int (*od_zprint_cb)(const char *line, size_t len, void *ctx);

/*!
 * Print a finalized zone line by line through cb.
 * \return 0, OD_EINVAL (not finalized), OD_ENOMEM, or cb's non-zero value.
 */
int od_zone_print(const od_zone_t *z, od_zprint_cb cb, void *ctx);

/*!
 * Print a finalized zone to a stdio stream (one line per record, '\n').
 * \return 0, OD_EINVAL, OD_ENOMEM, or -errno when writing fails.
 */
int od_zone_print_file(const od_zone_t *z, FILE *fp);

/*!
 * Print one record in the form above into out (NUL-terminated).
 * \return the length, or OD_ESPACE.
 */
int od_zone_rr_to_str(const uint8_t *owner, const od_zrrset_t *set,
                      const od_zrr_t *rr, char *out, size_t outcap);

#endif
