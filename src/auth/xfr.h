/* SPDX-License-Identifier: MIT */
/*
 * Outgoing zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995), with
 * transfer ACLs and TSIG (RFC 8945).
 *
 * od_xfr_answer() answers one AXFR or IXFR query (the answer engine hands
 * these over as OD_AK_XFR). It writes every message but the last through
 * an emit callback and the last one into the caller's buffer, so the
 * whole transfer is produced inside one handler call: the daemon passes
 * a callback that calls od_net_emit() and returns the last message as
 * the handler's answer; tests pass one that collects the messages. The
 * zone and journal only need to stay valid during the call (the net
 * layer's od_net_synchronize() guarantees that for published pointers).
 *
 * Messages: the query's ID, QR and AA set, the question in the first
 * message only (RFC 5936 §2.2.1), records in the answer section filled up
 * to msg_max bytes with name compression, an OPT record when the query
 * had one, and a TSIG on every message when the query was signed.
 *
 * AXFR: the SOA, every other record of the zone in canonical order
 * (RRSIG, NSEC/NSEC3, delegations, glue and occluded data included),
 * the SOA again. Not over UDP (REFUSED).
 *
 * IXFR, with the client's serial from the SOA in the query's authority
 * section: when the client is current (its serial is not lower than
 * ours), the current SOA alone; when the journal holds the differences
 * from its serial to the current one, the incremental form (current SOA,
 * then per difference old SOA, removed records, new SOA, added records,
 * and the current SOA at the end); otherwise the AXFR form (RFC 1995
 * §4). Over UDP anything but the single SOA does not fit: the current SOA
 * alone is sent, which tells the client to retry over TCP (RFC 1995 §2).
 *
 * Refusals are one message: REFUSED when the ACL does not allow the
 * client (or requires a key the query was not signed with), NOTAUTH with
 * the TSIG error (BADKEY/BADSIG unsigned, BADTIME signed, RFC 8945 §5.2)
 * when the TSIG does not verify, NOTAUTH when the question's name is not
 * the zone's origin, FORMERR for an IXFR without an SOA in authority.
 */
#ifndef OD_AUTH_XFR_H
#define OD_AUTH_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/journal.h"
#include "lib/name.h"
#include "lib/tsig.h"
#include "lib/zone/zone.h"

/*
 * Access lists: address prefixes, each optionally requiring a TSIG key.
 */

typedef struct od_acl_entry {
	int family;       /*!< AF_INET or AF_INET6 */
	uint8_t addr[16]; /*!< network address (bits past prefix zero) */
	uint8_t prefix;   /*!< prefix length in bits */
	bool need_key;    /*!< the query must be signed with `key` */
	uint8_t key[OD_NAME_MAXLEN]; /*!< key name (lower-cased) */
} od_acl_entry_t;

typedef struct od_acl {
	od_acl_entry_t *v; /*!< owned (malloc) */
	size_t n;
} od_acl_t;

/*!
 * Parse one entry: "ADDR", "ADDR/LEN" (IPv4 or IPv6) optionally followed
 * by " key NAME": "127.0.0.0/8", "::1", "192.0.2.0/24 key xfr-key".
 * \return 0, or OD_ESYNTAX with a message in err (may be NULL).
 */
int od_acl_parse(od_acl_entry_t *out, const char *spec, char *err,
                 size_t errlen);

/*! Parse spec and append it to acl. \return as od_acl_parse, OD_ENOMEM. */
int od_acl_add(od_acl_t *acl, const char *spec, char *err, size_t errlen);

/*! Free the entries (acl itself is the caller's). */
void od_acl_clear(od_acl_t *acl);

/*!
 * True when some entry matches: the address is in its prefix (IPv4-mapped
 * IPv6 addresses count as IPv4) and, when the entry needs a key, key (the
 * verified TSIG key name of the query, NULL when unsigned) is that key.
 * An empty or NULL ACL matches nothing.
 */
bool od_acl_match(const od_acl_t *acl, const struct sockaddr *sa,
                  const uint8_t *key);

/*
 * Transfers.
 */

/*!
 * Send one message of the transfer (not the last). msg is valid only
 * during the call. \return 0 to go on, non-zero to abort the transfer.
 */
typedef int (*od_xfr_emit_fn)(void *ctx, const uint8_t *msg, size_t len);

typedef struct od_xfr_req {
	const uint8_t *query; /*!< the query as received */
	size_t qlen;
	const struct sockaddr *peer;   /*!< the client, for the ACL */
	bool tcp;                      /*!< false: UDP */
	const od_zone_t *zone;         /*!< the zone asked for (finalized),
	                                  NULL when not served: NOTAUTH */
	const od_journal_t *journal;   /*!< its differences, ending at the
	                                  zone's serial; may be NULL */
	const od_acl_t *acl;           /*!< who may transfer; NULL: nobody */
	const od_tsig_keyring_t *keys; /*!< may be NULL */
	uint64_t now;                  /*!< seconds since the epoch (TSIG) */
	size_t msg_max;                /*!< message size limit (0: 16384;
	                                  clamped to 512..65535) */
	od_xfr_emit_fn emit;           /*!< may be NULL when the transfer is
	                                  known to fit one message */
	void *emit_ctx;
} od_xfr_req_t;

typedef enum od_xfr_kind {
	OD_XFR_REFUSED = 0, /*!< an error answer (see rcode) */
	OD_XFR_AXFR,        /*!< a full zone (AXFR, or IXFR in AXFR form) */
	OD_XFR_IXFR,        /*!< incremental */
	OD_XFR_UPTODATE,    /*!< IXFR: the current SOA alone */
} od_xfr_kind_t;

typedef struct od_xfr_info {
	od_xfr_kind_t kind;
	uint16_t qtype; /*!< OD_TYPE_AXFR or OD_TYPE_IXFR (0: unknown) */
	uint16_t rcode;
	uint16_t tsig_error;         /*!< OD_TSIG_* when the TSIG failed */
	bool signed_;                /*!< the query carried a valid TSIG */
	uint8_t key[OD_NAME_MAXLEN]; /*!< its key name when signed_ */
	uint32_t client_serial;      /*!< IXFR */
	size_t messages; /*!< messages produced, the last included */
	size_t records;  /*!< answer records sent */
} od_xfr_info_t;

/*!
 * Answer the AXFR/IXFR query in req. Every message but the last goes
 * through req->emit; the last one is written to out (cap bytes, at least
 * req->msg_max; 65535 is always enough).
 * info (may be NULL) tells what was done, for logs.
 * \return the last message's length; 0 when no answer is to be sent (the
 *         query is not a transfer query, or is malformed beyond an
 *         answer); OD_ELIMIT when emit asked to stop (over TCP the
 *         daemon then closes the connection); OD_ESPACE (a record does
 *         not fit msg_max, or cap is too small); OD_ENOMEM.
 */
int od_xfr_answer(const od_xfr_req_t *req, uint8_t *out, size_t cap,
                  od_xfr_info_t *info);

#endif
