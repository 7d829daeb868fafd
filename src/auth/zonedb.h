/* SPDX-License-Identifier: MIT */
/*
 * The authoritative server's zone database: each zone is a finalized
 * od_zone_t plus the indexes answering needs (empty non-terminals, the
 * NSEC3 chain in hash order, the zone's DNSSEC shape), and the database is
 * the set of zones served, looked up by the deepest origin at or above a
 * query name.
 *
 * A database is immutable once built: a reload builds a new one, the
 * server publishes it with an atomic pointer swap and frees the old one
 * after od_net_synchronize(). Zones are reference-counted so that an
 * unchanged zone is shared by the old and the new database (and so that
 * a zone transfer in progress keeps its version).
 */
#ifndef OD_AUTH_ZONEDB_H
#define OD_AUTH_ZONEDB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/dnssec/nsec.h"
#include "lib/zone/zone.h"

/*! od_authdb_add: a zone with that origin is already in (-errno space). */
#define OD_EEXIST (-EEXIST)

typedef enum od_authzone_dnssec {
	OD_AZ_UNSIGNED = 0, /*!< no DNSKEY at the apex */
	OD_AZ_NSEC = 1,     /*!< signed, NSEC chain */
	OD_AZ_NSEC3 = 2,    /*!< signed, NSEC3 chain (NSEC3PARAM at apex) */
} od_authzone_dnssec_t;

typedef struct od_authzone od_authzone_t;

/*!
 * Wrap a finalized zone (ownership passes to the new object, also on
 * error) and build its indexes.
 * \return 0, OD_ENOMEM, OD_EINVAL (zone not finalized, no SOA).
 */
int od_authzone_new(od_authzone_t **out, od_zone_t *z);

/*! The zone inside (read-only). */
const od_zone_t *od_authzone_zone(const od_authzone_t *az);
od_authzone_dnssec_t od_authzone_dnssec(const od_authzone_t *az);
uint32_t od_authzone_serial(const od_authzone_t *az);

/*!
 * The owner's number for the zone (the daemon: its index in the
 * configuration, for per-zone counters), 0 until set. Set it before the
 * zone is published: it is read without a lock.
 */
void od_authzone_set_slot(od_authzone_t *az, size_t slot);
size_t od_authzone_slot(const od_authzone_t *az);

/*
 * Lookups the answer engine needs, all O(log n) in the zone size.
 */

/*!
 * Index in z->nodes of the first node at or after name in canonical
 * order (z->nnodes when name sorts after every node).
 */
size_t od_authzone_lower_bound(const od_authzone_t *az, const uint8_t *name);

/*!
 * True when node n only holds NSEC3 records and their RRSIGs: such an
 * owner is outside the zone's name space (RFC 5155 §7.2.8).
 */
bool od_znode_nsec3_only(const od_znode_t *n);

/*!
 * The nearest node at index i or before that has an NSEC RRset (the
 * NSEC whose span covers a name sorting just after node i), or NULL.
 */
const od_znode_t *od_authzone_nsec_at_or_before(const od_authzone_t *az,
                                                size_t i);

/*! The NSEC3 parameters (NSEC3PARAM), or NULL for a zone without NSEC3. */
const od_nsec3_params_t *od_authzone_nsec3_params(const od_authzone_t *az);

/*!
 * The node of the NSEC3 record matching hash (*exact true), or else of
 * the one covering it (the highest owner hash below it, wrapping round
 * to the last): NULL when the zone has no NSEC3 chain for its
 * parameters.
 */
const od_znode_t *od_authzone_nsec3_find(const od_authzone_t *az,
                                         const uint8_t *hash, size_t len,
                                         bool *exact);

void od_authzone_ref(od_authzone_t *az);
void od_authzone_unref(od_authzone_t *az);

typedef struct od_authdb od_authdb_t;

/*! A new empty database. */
od_authdb_t *od_authdb_new(void);

/*!
 * Add a zone (takes a reference). \return 0, OD_ENOMEM, -EEXIST
 * (a zone with that origin is already in).
 */
int od_authdb_add(od_authdb_t *db, od_authzone_t *az);

/*! The zone whose origin is the deepest at or above name, or NULL. */
const od_authzone_t *od_authdb_find(const od_authdb_t *db, const uint8_t *name);

/*! The zone with exactly this origin, or NULL. */
od_authzone_t *od_authdb_get(const od_authdb_t *db, const uint8_t *origin);

size_t od_authdb_count(const od_authdb_t *db);
od_authzone_t *od_authdb_at(const od_authdb_t *db, size_t i);

/*! Drop the references and free the database. */
void od_authdb_free(od_authdb_t *db);

#endif
