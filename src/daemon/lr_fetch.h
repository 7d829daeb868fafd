/* SPDX-License-Identifier: MIT */
/*
 * Fetching a copy of the root zone for the local root (localroot.h): by
 * AXFR or IXFR (RFC 5936, RFC 1995) over TCP from a primary, optionally
 * with TSIG (RFC 8945); by HTTP(S) (libcurl, the system CA store or the
 * configured CA file); from a file. Blocking calls, for the loader thread
 * only; every attempt is bounded by a timeout and by ODD_LR_MAX_SIZE.
 *
 * Text (HTTP, file) goes through the tolerant zone parser (an unknown RR
 * type is data); transfers are built record by record from the wire (an
 * unknown type is opaque RDATA). Either way the result is a finalized
 * od_zone_t whose origin is the root; nothing here verifies it.
 */
#ifndef OD_DAEMON_LR_FETCH_H
#define OD_DAEMON_LR_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/localroot.h"
#include "lib/rr.h"
#include "lib/zone/zone.h"

typedef struct odd_lr_fetched {
	od_zone_t *zone; /*!< the new copy (the caller owns it), or NULL when
	                      unchanged */
	bool unchanged;  /*!< the source's SOA serial equals have's: nothing
	                      was transferred */
	bool ixfr;       /*!< the copy is have with an IXFR applied */
	uint32_t serial; /*!< the source's serial */
	size_t bytes;    /*!< octets received */
} odd_lr_fetched_t;

/*!
 * Fetch from src. have: the copy held (NULL: none); with an AXFR source
 * its serial is compared with the primary's SOA first, and when
 * lc->ixfr an IXFR from it is asked (a reply with the full zone, or a
 * single SOA meaning up to date, is accepted as RFC 1995 allows); for
 * text sources the whole text is read and its serial compared after
 * parsing. stop: when it becomes true the fetch gives up soon (may be
 * NULL).
 * \return 0 and *out; else the reason (ODD_LRF_FETCH: network, HTTP
 *         status, transfer error, TSIG failure, truncation, size or time
 *         limit; ODD_LRF_PARSE: text or records that do not make the
 *         root zone; ODD_LRF_OLDER: the source's serial is lower than
 *         have's (RFC 1982)) as a negative number -(1 + reason), with a
 *         message in err.
 */
int odd_lr_fetch(const odd_lr_source_t *src, const odd_lr_conf_t *lc,
                 const od_zone_t *have, const _Atomic bool *stop,
                 odd_lr_fetched_t *out, char *err, size_t errlen);

/*! The reason of a negative odd_lr_fetch return. */
static inline odd_lr_reason_t odd_lr_fetch_reason(int rc)
{
	return (odd_lr_reason_t)(-rc - 1);
}

/*!
 * Parse zone text as the root zone with the tolerant parser (name is
 * used in messages). Also used for the saved copy.
 * \return 0 and *out (finalized), or -(1 + ODD_LRF_PARSE) with
 *         "NAME:LINE:COL: what" in err.
 */
int odd_lr_parse_text(const char *text, size_t len, const char *name,
                      od_zone_t **out, char *err, size_t errlen);

/*
 * For tests: apply the answer records of an IXFR response in the
 * incremental form (RFC 1995 §4: the new SOA, then per difference the
 * old SOA, the records removed, the new SOA, the records added, and the
 * new SOA again at the end) to have, giving a new finalized zone (have is
 * not changed). Records are matched as RFC 2181 §5 compares them (owner,
 * type, class and RDATA, names in canonical form; not the TTL); adding a
 * record that is there already updates its TTL.
 * \return 0 and *out, or -(1 + ODD_LRF_FETCH) with a message in err: a
 *         difference that does not start at the copy's serial, a record
 *         to remove that is not in the copy, a sequence out of order.
 */
int odd_lr_ixfr_apply(const od_zone_t *have, const od_rr_t *rrs, size_t n,
                      od_zone_t **out, char *err, size_t errlen);

#endif
