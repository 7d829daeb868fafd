/* SPDX-License-Identifier: MIT */
/*
 * The journal of a zone: the differences between its successive
 * versions, for incremental transfers (RFC 1995).
 *
 * A difference (od_jdiff_t) is computed from two finalized versions of a
 * zone by one merge walk (both are in canonical order): the records only
 * in the old version are removed, those only in the new one are added; a
 * record whose TTL changed is removed and added again. The first removed
 * record is the old SOA and the first added one the new SOA, so the
 * difference is written out as it stands in an IXFR response.
 *
 * Threading (the choice made here): a difference is immutable and
 * reference-counted (atomically), and so is a journal, which is an array
 * of references to differences. Adding a difference never changes a
 * journal: od_journal_add() builds a new one that shares the older
 * differences. The reload thread publishes the new journal by pointer
 * swap (with the zone version it ends at), waits with
 * od_net_synchronize() and then calls od_journal_free() on the old one;
 * workers read whichever journal they loaded without any lock.
 */
#ifndef OD_AUTH_JOURNAL_H
#define OD_AUTH_JOURNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/rdata.h"
#include "lib/rr.h"
#include "lib/zone/zone.h"

typedef struct od_jdiff {
	uint32_t serial_from; /*!< serial of the old version */
	uint32_t serial_to;   /*!< serial of the new version */
	size_t nremoved;      /*!< removed[0] is the old SOA */
	size_t nadded;        /*!< added[0] is the new SOA */
	od_rr_t *removed;     /*!< views into this difference's own memory */
	od_rr_t *added;
	size_t bytes;     /*!< memory held, for the journal's bound */
	atomic_uint refs; /*!< internal */
} od_jdiff_t;

/*!
 * The difference from old_z to new_z (both finalized, same origin, with
 * an SOA). The new serial must be greater than the old one in serial
 * arithmetic (RFC 1982).
 * \return 0 and *out (one reference, released with od_jdiff_unref);
 *         OD_ERANGE (serial not increased: the caller drops the journal,
 *         clients then get full transfers), OD_EINVAL (no SOA, different
 *         origins), OD_ENOMEM.
 */
int od_journal_diff(od_jdiff_t **out, const od_zone_t *old_z,
                    const od_zone_t *new_z);

void od_jdiff_ref(od_jdiff_t *d);
void od_jdiff_unref(od_jdiff_t *d);

/*! Bounds of a journal; 0 fields take the defaults. */
typedef struct od_journal_limits {
	size_t max_diffs; /*!< differences kept (default 64) */
	size_t max_bytes; /*!< memory of the differences (default 64 MiB);
	                       the newest is always kept */
} od_journal_limits_t;

/*! An immutable list of consecutive differences, oldest first. */
typedef struct od_journal od_journal_t;

/*!
 * A new journal: the differences of old (may be NULL) followed by d,
 * dropping the oldest ones beyond lim (NULL: defaults). When d does not
 * continue old (d->serial_from is not old's last serial_to), the new
 * journal holds d alone. Takes over the caller's reference to d (also on
 * error); old is left unchanged.
 * \return 0 and *out, or OD_ENOMEM.
 */
int od_journal_add(od_journal_t **out, const od_journal_t *old, od_jdiff_t *d,
                   const od_journal_limits_t *lim);

/*! Release a journal (and its references to differences). NULL is fine. */
void od_journal_free(od_journal_t *j);

/*! Differences held (0 for NULL). */
size_t od_journal_count(const od_journal_t *j);
/*! The i-th difference, oldest first. */
const od_jdiff_t *od_journal_at(const od_journal_t *j, size_t i);

/*!
 * The chain of differences leading from serial `from` to serial `to`.
 * \return 0 with *first and *n set, or OD_ERANGE when the journal (may be
 *         NULL) does not cover that span.
 */
int od_journal_find(const od_journal_t *j, uint32_t from, uint32_t to,
                    size_t *first, size_t *n);

#endif
