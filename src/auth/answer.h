/* SPDX-License-Identifier: MIT */
/*
 * The answer engine: one query in, one response out, no I/O and no state
 * between calls, so it runs in any worker and in a fuzzer.
 *
 * RFC 1034 §4.3.2 with RFC 6672 DNAME, RFC 4592 wildcards, referrals with
 * only the glue that is needed, CNAME chains followed inside the zone,
 * NODATA/NXDOMAIN with the SOA (negative TTL per RFC 2308: the lower of
 * the SOA TTL and MINIMUM), AA/TC flags, REFUSED for names outside every
 * zone, FORMERR/NOTIMP, EDNS0 (RFC 6891: BADVERS for versions above 0,
 * unknown options ignored), minimal responses. Pre-signed zones answer
 * DO=1 queries with RRSIGs and NSEC/NSEC3 proofs (RFC 4035 §3.1, RFC 5155
 * §7.2). ANY (RFC 8482): see below.
 *
 * Choices where the RFCs leave room:
 *  - ANY over UDP (RFC 8482 §4.1, §4.2): a signed zone answers with one
 *    RRset of the name, the first in type order that is not RRSIG, NSEC
 *    or NSEC3 (with its RRSIGs under DO); an unsigned zone answers with a
 *    synthesized `HINFO "RFC8482" ""` of TTL 3600. Over TCP every RRset
 *    of the name is returned (RRSIG, NSEC and NSEC3 only under DO).
 *  - AXFR over UDP is FORMERR (RFC 5936 §4.2 leaves it undefined); IXFR
 *    over UDP gets the zone's SOA alone (RFC 1995 §2: "use TCP").
 *  - Meta query types (OPT, 128-254 other than IXFR/AXFR, e.g.
 *    MAILB/MAILA) are NOTIMP; other classes than IN are REFUSED.
 *  - Malformed queries (bad names, a second or misplaced OPT, an option
 *    overrunning the OPT) get FORMERR without OPT, with the question
 *    when it could be read; bytes after the last record are ignored.
 *  - CNAME and DNAME chains are followed inside the answering zone only,
 *    for at most 16 steps; the RCODE is that of the last name.
 *  - Referrals carry the in-domain glue (TC when it does not fit, RFC
 *    9471) and then other in-zone addresses of the NS names if they fit;
 *    positive answers carry no NS and no additional addresses (MX, SRV
 *    targets are left to the resolver).
 *  - A DS query for a zone apex is answered from the parent zone when
 *    that is served here too (RFC 4035 §3.1.4.1).
 *  - TSIG on queries is not checked here (the caller's business).
 */
#ifndef OD_AUTH_ANSWER_H
#define OD_AUTH_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/zonedb.h"
#include "lib/mm.h"

typedef struct od_auth_opts {
	uint16_t udp_max; /*!< largest UDP answer we send (0: 1232); the
	                       limit is min(max(512, client's EDNS size),
	                       udp_max), 512 without EDNS */
	bool tcp;         /*!< the query came over TCP (no size limit but
	                       65535) */
} od_auth_opts_t;

/*! What the engine did, for the transport, RRL and metrics. */
typedef enum od_auth_kind {
	OD_AK_DROP = 0, /*!< no answer (not a query, or a response) */
	OD_AK_ANSWER,   /*!< positive answer (incl. CNAME/DNAME) */
	OD_AK_NODATA,   /*!< NOERROR, no data */
	OD_AK_NXDOMAIN, /*!< name error */
	OD_AK_REFERRAL, /*!< delegation */
	OD_AK_REFUSED,  /*!< outside every zone, or refused opcode/class */
	OD_AK_ERROR,    /*!< FORMERR, NOTIMP, BADVERS, SERVFAIL */
	OD_AK_XFR,      /*!< AXFR/IXFR: left to the transfer code */
	OD_AK_NOTIFY,   /*!< NOTIFY: left to the caller */
} od_auth_kind_t;

typedef struct od_auth_info {
	od_auth_kind_t kind;
	const od_authzone_t *zone; /*!< the zone that answered, or NULL */
	uint16_t qtype;
	uint16_t rcode;
	bool truncated;
	bool do_bit;
	bool tsig; /*!< the query carries a TSIG: the engine does not check
	                it; the caller verifies and signs (lib/tsig.h) */
} od_auth_info_t;

/*!
 * Answer the query in q (qlen bytes) from db into out (cap bytes; at most
 * 65535 are used). arena: per-call scratch memory the caller resets
 * afterwards (required). opts may be NULL (UDP, 1232). info may be NULL.
 * For kind OD_AK_XFR (AXFR/IXFR over TCP; info->zone is the zone of that
 * origin or NULL) and OD_AK_NOTIFY nothing is written and 0 is returned:
 * the caller hands the query on. Responses (QR set) and messages shorter
 * than a header are dropped (0, OD_AK_DROP). Nothing is written past
 * cap; a cap too small for the header, OPT and question gives 0.
 * \return the response length, or 0 (send nothing).
 */
int od_auth_answer(const od_authdb_t *db, const uint8_t *q, size_t qlen,
                   const od_auth_opts_t *opts, uint8_t *out, size_t cap,
                   od_arena_t *arena, od_auth_info_t *info);

#endif
