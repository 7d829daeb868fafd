/* SPDX-License-Identifier: MIT */
/*
 * The resolution engine: I/O-free. The daemon (or the replay tests' fake
 * network) drives one request per client query with four calls:
 *
 *   r = odr_req_new(env);
 *   st = odr_req_begin(r, query, len, now);      // ODR_DONE or ODR_PRODUCE
 *   while (st == ODR_PRODUCE) {
 *           st = odr_req_produce(r, now, &send);  // ODR_PRODUCE: send it
 *           if (st != ODR_PRODUCE) break;         // ODR_DONE: finished
 *           ... send send.wire to send.addr (UDP or TCP), wait for the
 *               answer or send.timeout_ms ...
 *           st = odr_req_consume(r, answer, len, from, now); // NULL: timeout
 *   }
 *   len = odr_req_finish(r, out, cap, tcp);       // the client's answer
 *   odr_req_free(r);
 *
 * A request has at most one upstream query outstanding. Inside, the work
 * runs in phases (pre-cache, cache, localroot, iterate, validate, post,
 * finish) by layers registered in one table; layers return states
 * (odr_state_t), never error codes. Sub-requests (NS addresses, later DS
 * and DNSKEY) are requests of their own that the engine runs to the end
 * before the parent resumes (the parent yields).
 *
 * Everything a request learns goes into the shared cache (cache.h) and
 * what it learns about servers into the infrastructure cache (infra.h).
 * Time is always a parameter (milliseconds of one monotonic clock; the
 * cache gets seconds derived from it).
 */
#ifndef OD_RESOLVE_RESOLVE_H
#define OD_RESOLVE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/name.h"
#include "resolve/cache.h"
#include "resolve/infra.h"

/*! States returned by layers and by the request calls. */
typedef enum odr_state {
	ODR_CONSUME = 1 << 0, /*!< waiting for an answer to consume */
	ODR_PRODUCE = 1 << 1, /*!< has (or may have) a query to send */
	ODR_DONE = 1 << 2,    /*!< the answer is settled */
	ODR_FAIL = 1 << 3,    /*!< failed: SERVFAIL (with a reason) */
	ODR_YIELD = 1 << 4,   /*!< waiting for a sub-request */
} odr_state_t;

/*! Phases, in order; operators name them in override rules. */
typedef enum odr_phase {
	ODR_PH_PRECACHE = 0,
	ODR_PH_CACHE,
	ODR_PH_LOCALROOT,
	ODR_PH_ITERATE,
	ODR_PH_VALIDATE,
	ODR_PH_POST,
	ODR_PH_FINISH,
	ODR_PH_COUNT
} odr_phase_t;

const char *odr_phase_name(odr_phase_t ph);

/*! Root hints: names and addresses of the root servers. */
typedef struct odr_hint {
	uint8_t name[OD_NAME_MAXLEN];
	struct sockaddr_storage addr;
	socklen_t addrlen;
} odr_hint_t;

typedef struct odr_hints {
	odr_hint_t *v; /*!< owned */
	size_t n;
} odr_hints_t;

/*! The built-in hints: the 13 IANA root servers, IPv4 and IPv6. */
int odr_hints_default(odr_hints_t *out);
/*!
 * Read hints from a zone-file-syntax file (NS records for "." and A/AAAA
 * for their names, as IANA's named.root). \return 0, or an error with a
 * message (file and line) in err.
 */
int odr_hints_load(odr_hints_t *out, const char *path, char *err,
                   size_t errlen);
void odr_hints_free(odr_hints_t *h);

/*! Engine configuration; 0 fields take the defaults. */
typedef struct odr_conf {
	bool no_qname_min;       /*!< turn RFC 9156 off (default on) */
	bool use_0x20;           /*!< randomise qname case upstream */
	bool no_ipv6;            /*!< never query IPv6 addresses */
	bool no_ipv4;            /*!< never query IPv4 addresses */
	uint16_t edns_size;      /*!< EDNS buffer upstream (1232) */
	unsigned max_upstream;   /*!< upstream queries per client query
	                              (default 64) */
	unsigned max_ns_resolve; /*!< NS names whose addresses are resolved
	                              per delegation, NXNS (default 4) */
	unsigned max_chain;      /*!< CNAME/DNAME steps (default 12) */
	unsigned max_depth;      /*!< sub-request nesting (default 6) */
	uint32_t max_time_ms;    /*!< per client query; SERVFAIL after it
	                              (default 4000, before the usual 5 s
	                              client timeout) */
} odr_conf_t;

/*! What requests share: configuration, hints, caches, randomness. */
typedef struct odr_env {
	const odr_conf_t *conf;
	const odr_hints_t *hints;
	odr_cache_t *cache;
	odr_infra_t *infra;
	/*! Random 32-bit numbers (IDs, 0x20, ties); must be unpredictable in
	    the daemon and may be seeded in tests. */
	uint32_t (*random)(void *ctx);
	void *random_ctx;
} odr_env_t;

typedef struct odr_req odr_req_t;

/*! One upstream query to send. Valid until the next call on the request. */
typedef struct odr_send {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool tcp;            /*!< send over TCP (after TC=1) */
	const uint8_t *wire; /*!< the query message */
	size_t len;
	uint32_t timeout_ms; /*!< give up on it after this */
} odr_send_t;

/*! A new request (its own arena). NULL when out of memory. */
odr_req_t *odr_req_new(const odr_env_t *env);

/*!
 * Start on a client query (wire form; copied). \return ODR_DONE when the
 * answer is settled already (cache hit, a query to refuse or a FORMERR),
 * else ODR_PRODUCE.
 */
odr_state_t odr_req_begin(odr_req_t *r, const uint8_t *q, size_t qlen,
                          uint64_t now_ms);

/*!
 * The next upstream query. \return ODR_PRODUCE with *out filled (send
 * it, then call odr_req_consume), or ODR_DONE (call odr_req_finish).
 */
odr_state_t odr_req_produce(odr_req_t *r, uint64_t now_ms, odr_send_t *out);

/*!
 * The answer to the last query produced: resp/len as received, from its
 * source address; resp NULL for a timeout or a network error. An answer
 * whose ID, question or source does not match is ignored as if it had
 * not come (the caller keeps waiting; \return ODR_CONSUME).
 * \return ODR_PRODUCE (call produce again), ODR_DONE, or ODR_CONSUME.
 */
odr_state_t odr_req_consume(odr_req_t *r, const uint8_t *resp, size_t len,
                            const struct sockaddr *from, uint64_t now_ms);

/*!
 * Write the client's answer (ID, question and RD from its query; RA
 * set) into out; over UDP (tcp false) within the client's EDNS size
 * (512 without EDNS) and our 1232, truncated with TC=1 when needed.
 * \return the length, or 0 when nothing is to be sent.
 */
int odr_req_finish(odr_req_t *r, uint8_t *out, size_t cap, bool tcp);

/*! What the request did (for logs and metrics). */
typedef struct odr_req_info {
	uint16_t rcode;
	bool cached;       /*!< answered from cache without upstream */
	unsigned upstream; /*!< upstream queries sent */
	unsigned timeouts;
	const char *fail; /*!< why it failed (static text), or NULL */
} odr_req_info_t;

void odr_req_info(const odr_req_t *r, odr_req_info_t *out);

void odr_req_free(odr_req_t *r);

#endif
