/* SPDX-License-Identifier: MIT */
/*
 * TSIG, secret key transaction authentication (RFC 8945).
 *
 * Keys: a name, an HMAC algorithm (hmac-sha256 is the one every peer
 * has; hmac-sha1, hmac-sha384 and hmac-sha512 are also supported) and a
 * secret. A keyring is a plain array of keys searched by name.
 *
 * One transaction (a request and its response, or a request and the
 * stream of messages of a zone transfer) is carried by an od_tsig_ctx_t
 * that remembers the key and the previous MAC, because every MAC covers
 * the one before it (RFC 8945 §4.3.1, §5.3.1):
 *
 *   server:  od_tsig_verify_query()   -> ctx holds the request MAC
 *            od_tsig_sign() per response message (the first one covers
 *            the request MAC, the whole message and all TSIG variables;
 *            each later one the previous MAC, the message and the timers
 *            only). Every message of a stream is signed.
 *   client:  od_tsig_ctx_client() + od_tsig_sign() on the request,
 *            od_tsig_verify_response() on each response message.
 *
 * Time is always the caller's (seconds since the epoch), so tests are
 * deterministic. Nothing here does I/O or keeps global state; a context
 * belongs to one thread.
 */
#ifndef OD_TSIG_H
#define OD_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/name.h"
#include "lib/pkt.h"

typedef enum od_tsig_alg {
	OD_TSIG_HMAC_SHA1 = 1,
	OD_TSIG_HMAC_SHA256 = 2,
	OD_TSIG_HMAC_SHA384 = 3,
	OD_TSIG_HMAC_SHA512 = 4,
} od_tsig_alg_t;

/*!
 * TSIG errors (the 16-bit Error field; RFC 8945 §4.2). BADSIG shares the
 * value 16 with the EDNS BADVERS RCODE, hence its own name here.
 */
enum {
	OD_TSIG_BADSIG = 16,
	OD_TSIG_BADKEY = 17,
	OD_TSIG_BADTIME = 18,
	OD_TSIG_BADTRUNC = 22,
};

/*! Longest MAC (HMAC-SHA512). */
#define OD_TSIG_MAC_MAX 64
/*! Longest secret accepted (larger keys than the hash block add nothing). */
#define OD_TSIG_SECRET_MAX 256
/*! Default fudge (RFC 8945 §10: 300 seconds). */
#define OD_TSIG_FUDGE 300

/*! The algorithm's mnemonic ("hmac-sha256"), or NULL. */
const char *od_tsig_alg_str(od_tsig_alg_t alg);
/*! The algorithm's wire name (RFC 8945 §6), or NULL. */
const uint8_t *od_tsig_alg_name(od_tsig_alg_t alg);
/*! The full MAC length in bytes, or 0 for an unknown algorithm. */
size_t od_tsig_mac_len(od_tsig_alg_t alg);
/*!
 * The algorithm named by s ("hmac-sha256" or "hmac-sha256.", any case).
 * \return 0, or OD_ENOTSUP (with *alg untouched).
 */
int od_tsig_alg_from_str(const char *s, od_tsig_alg_t *alg);

typedef struct od_tsig_key {
	uint8_t name[OD_NAME_MAXLEN]; /*!< wire name, lower-cased */
	od_tsig_alg_t alg;
	uint16_t secret_len;
	uint8_t secret[OD_TSIG_SECRET_MAX];
} od_tsig_key_t;

/*!
 * Fill k from its parts: a key name ("transfer-key" or
 * "transfer-key."; a relative name is taken as absolute), an algorithm
 * mnemonic and the secret in base64.
 * \return 0, or OD_ESYNTAX (bad name), OD_ENOTSUP (unknown algorithm),
 *         OD_EBASE64 (bad or empty secret), OD_ERANGE (secret longer
 *         than OD_TSIG_SECRET_MAX); err (may be NULL) gets a message.
 *         k is written only on success.
 */
int od_tsig_key_set(od_tsig_key_t *k, const char *name, const char *alg,
                    const char *secret_b64, char *err, size_t errlen);

/*!
 * Parse "name:algorithm:base64secret" (the algorithm may be left out,
 * "name:base64secret", meaning hmac-sha256). As od_tsig_key_set, and
 * OD_ESYNTAX when the form is wrong.
 */
int od_tsig_key_parse(od_tsig_key_t *k, const char *spec, char *err,
                      size_t errlen);

/*! A set of keys (not owned). */
typedef struct od_tsig_keyring {
	const od_tsig_key_t *keys;
	size_t n;
} od_tsig_keyring_t;

/*! The key with this name (case-insensitive), or NULL. kr may be NULL. */
const od_tsig_key_t *od_tsig_keyring_find(const od_tsig_keyring_t *kr,
                                          const uint8_t *name);

/*! State of one signed transaction. */
typedef struct od_tsig_ctx {
	const od_tsig_key_t *key; /*!< the key (not owned), or NULL when the
	                               request named an unknown key */
	uint8_t key_name[OD_NAME_MAXLEN]; /*!< as the request named it */
	uint8_t alg_name[OD_NAME_MAXLEN]; /*!< as the request named it */
	uint16_t error;    /*!< TSIG error: 0, OD_TSIG_BADSIG, BADKEY,
	                           BADTIME (server: to report; client: what
	                           went wrong, or the server's error) */
	uint16_t orig_id;  /*!< the request's original ID */
	uint16_t fudge;    /*!< fudge to sign with */
	uint64_t req_time; /*!< the request's time signed */
	uint8_t mac[OD_TSIG_MAC_MAX]; /*!< the previous MAC in the exchange */
	uint16_t mac_len;             /*!< 0: none yet */
	unsigned nmsg;                /*!< messages signed (server) or verified
	                           (client) so far after the request */
	bool client;                  /*!< this side sent the request */
} od_tsig_ctx_t;

/*!
 * Verify the TSIG of a request (RFC 8945 §5.2). wire/len is the message
 * as received, p its parse (od_pkt_parse), which must have a TSIG
 * (p->tsig). Checks, in the RFC's order: the key is in kr and its
 * algorithm is the one named (else BADKEY), the MAC (else BADSIG), the
 * time: |now - time signed| <= fudge (else BADTIME).
 *
 * ctx is always initialised for the response: on success and on BADTIME
 * ctx->key is set and od_tsig_sign() signs the response; on BADKEY and
 * BADSIG the response gets an unsigned TSIG carrying the error.
 * \return 0 (verified); OD_ETSIG (ctx->error says why: the response is
 *         NOTAUTH with that TSIG error); OD_EMALF (a MAC size the RFC
 *         calls malformed: the response is FORMERR); OD_EINVAL (no TSIG
 *         in p).
 */
int od_tsig_verify_query(od_tsig_ctx_t *ctx, const od_tsig_keyring_t *kr,
                         const uint8_t *wire, size_t len, const od_pkt_t *p,
                         uint64_t now);

/*! Start a client transaction with key (the request is signed next). */
void od_tsig_ctx_client(od_tsig_ctx_t *ctx, const od_tsig_key_t *key,
                        uint16_t fudge);

/*!
 * Bytes a TSIG record of this transaction takes: what the caller keeps
 * free with od_pkt_w_reserve() before adding records.
 */
size_t od_tsig_space(const od_tsig_ctx_t *ctx);

/*!
 * Sign the finished message in b (after od_pkt_w_finish, with
 * od_tsig_space(ctx) reserved) and append the TSIG with od_pkt_w_last.
 * A client signs its request (the message's ID becomes the original ID);
 * a server signs each message of its response in turn. With ctx->error
 * BADKEY or BADSIG the record is appended unsigned (empty MAC); with
 * BADTIME the other data holds now (RFC 8945 §5.2.3).
 * \return the new message length, OD_ESPACE, OD_EINVAL (not finished),
 *         OD_ENOMEM (crypto library failure).
 */
int od_tsig_sign(od_tsig_ctx_t *ctx, od_pkt_w_t *b, uint64_t now);

/*!
 * As od_tsig_sign, for a message already complete in msg (len bytes, a
 * buffer of cap bytes): the TSIG is appended and ARCOUNT incremented.
 * This is how a server signs an answer written by code that knows
 * nothing of TSIG (the answer engine): verify the query, answer into a
 * buffer od_tsig_space(ctx) bytes smaller than the real one, then sign.
 * \return the new length, OD_ESPACE, OD_ELIMIT, OD_EINVAL, OD_ENOMEM.
 */
int od_tsig_sign_wire(od_tsig_ctx_t *ctx, uint8_t *msg, size_t len, size_t cap,
                      uint64_t now);

/*!
 * Client side: verify one message of the response (the first, or any
 * later one of a stream: every message must carry a TSIG). p is its
 * parse; the key must be the request's.
 * \return 0; OD_ETSIG (ctx->error: OD_TSIG_BADKEY when the response
 *         names another key or algorithm, OD_TSIG_BADSIG, OD_TSIG_BADTIME,
 *         or the error the server put in its TSIG); OD_EMALF (malformed
 *         TSIG RDATA); OD_EINVAL (no TSIG in p).
 */
int od_tsig_verify_response(od_tsig_ctx_t *ctx, const uint8_t *wire, size_t len,
                            const od_pkt_t *p, uint64_t now);

#endif
