/* SPDX-License-Identifier: MIT */
/*
 * NOTIFY (RFC 1996).
 *
 * Out: after a reload changed a zone's serial, the daemon tells each
 * configured secondary with od_notify_send(), which blocks (run it in a
 * thread of its own): it opens its own UDP socket, sends a NOTIFY for
 * the zone's SOA (the SOA in the answer section, optionally signed with
 * TSIG), waits for the response with the same ID and question, and
 * retries with a doubling timeout (RFC 1996 §3.6).
 *
 * In: onedot-auth is a primary only and takes no zone from elsewhere, so
 * an incoming NOTIFY is answered NOTIMP (RFC 1996 §3.2 lets a server
 * that does not implement NOTIFY do so; a secondary then does not keep
 * resending it).
 */
#ifndef OD_AUTH_NOTIFY_H
#define OD_AUTH_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/tsig.h"

typedef struct od_notify_req {
	const struct sockaddr *to; /*!< the secondary */
	socklen_t tolen;
	const struct sockaddr *from; /*!< source address to bind (port 0
	                                  for any port), so the secondary
	                                  sees the primary's address; NULL:
	                                  the system's choice */
	socklen_t fromlen;
	const uint8_t *origin; /*!< the zone (wire name) */
	uint16_t rclass;       /*!< 0: IN */
	const uint8_t *soa;    /*!< SOA RDATA for the answer section */
	uint16_t soa_len;
	uint32_t soa_ttl;
	const od_tsig_key_t *key; /*!< sign with this key; NULL: unsigned */
	unsigned timeout_ms;      /*!< first wait (0: 1000), doubled on each
	                               retry */
	unsigned tries;           /*!< 0: 3 */
} od_notify_req_t;

typedef struct od_notify_result {
	uint16_t rcode; /*!< the response's RCODE */
	unsigned tries; /*!< messages sent */
} od_notify_result_t;

/*!
 * Build the NOTIFY message for r with this ID into out (cap bytes),
 * signed when r->key is set (ctx, which may be NULL when unsigned, then
 * holds the request MAC to verify the response with).
 * \return its length, or OD_ESPACE / OD_EINVAL.
 */
int od_notify_build(const od_notify_req_t *r, uint16_t id, uint64_t now,
                    od_tsig_ctx_t *ctx, uint8_t *out, size_t cap);

/*!
 * Send the NOTIFY and wait for the answer (blocking, at most about
 * timeout_ms * (2^tries - 1)). A response counts when it has the ID, QR,
 * opcode NOTIFY and the question of the request, and, with a key, a TSIG
 * that verifies; anything else is ignored.
 * \return 0 when a response came (res->rcode holds its RCODE: NOERROR
 *         means the secondary took note); -ETIMEDOUT after the last try;
 *         -errno for socket errors; OD_EINVAL. err (may be NULL) gets a
 *         message such as "no answer to NOTIFY after 3 tries".
 */
int od_notify_send(const od_notify_req_t *r, od_notify_result_t *res, char *err,
                   size_t errlen);

/*! True when the query (qlen bytes) is a NOTIFY request. */
bool od_notify_is(const uint8_t *q, size_t qlen);

/*!
 * Answer an incoming NOTIFY: NOTIMP with the question copied, QR set.
 * \return the response length, or 0 (malformed: send nothing).
 */
int od_notify_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap);

#endif
