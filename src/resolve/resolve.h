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
	/* DNSSEC validation (on when odr_env_t.trust is set). */
	uint16_t nsec3_max_iter; /*!< RFC 9276: NSEC3 records with more
	                              iterations prove nothing; the answer
	                              is insecure with EDE 27 (default 150) */
	uint32_t val_max_sigs;   /*!< signature verifications per client
	                              query, KeyTrap (default 64) */
	uint32_t val_max_keys;   /*!< keys tried per RRSIG whose key tag and
	                              algorithm collide (default 4) */
	uint32_t val_max_hash;   /*!< NSEC3 SHA-1 computations per client
	                              query, CVE-2023-50868 (default 2048) */
	uint32_t bogus_ttl;      /*!< seconds a bogus answer stays cached
	                              (default 60) */
} odr_conf_t;

/*! A trust anchor: a DS or DNSKEY record of an anchored zone. */
typedef struct odr_anchor {
	const uint8_t *zone; /*!< wire name */
	uint16_t type;       /*!< OD_TYPE_DS or OD_TYPE_DNSKEY */
	const uint8_t *rdata;
	uint16_t rdlen;
} odr_anchor_t;

/*! A negative trust anchor (RFC 7646): validation stops at and below
 *  zone until the wall clock reaches expires (0: never). */
typedef struct odr_nta {
	const uint8_t *zone;
	int64_t expires;
} odr_nta_t;

/*!
 * What the validator trusts: an immutable snapshot. The owner builds a
 * new one for every change (RFC 5011 transition, NTA added or removed)
 * and publishes it through odr_env_t.trust; a request reads the pointer
 * once when it starts and uses that snapshot to the end, so an old
 * snapshot must stay alive while requests that took it may run (the
 * daemon keeps retired snapshots until it exits).
 */
typedef struct odr_trust {
	const odr_anchor_t *anchors; /*!< trusted keys (Valid and Missing) */
	size_t nanchors;
	const odr_nta_t *ntas;
	size_t nntas;
} odr_trust_t;

/*!
 * A validated DNSKEY RRset of an anchored zone, as the validator saw it
 * while building a chain from fresh (not cached-secure) data: the input
 * of RFC 5011 (ta.h odr_ta_update). keys[i].self_signed tells whether
 * key i made a valid RRSIG over the set.
 */
typedef struct odr_ta_seen {
	const uint8_t *zone;
	const uint8_t *const *rdata; /*!< n DNSKEY RDATA */
	const uint16_t *rdlen;
	const bool *self_signed;
	size_t n;
	uint32_t orig_ttl;   /*!< of the set's RRSIGs (lowest) */
	uint32_t sig_expire; /*!< seconds until the earliest RRSIG expires */
} odr_ta_seen_t;

/*! What requests share: configuration, hints, caches, randomness. */
/*!
 * The local root (RFC 8806), behind the engine's localroot layer: a query
 * the iterate layer made for the root zone's servers is answered by
 * answer() instead of being sent, and the answer is taken as if a root
 * server had sent it (validated, cached, fed to RFC 8198 synthesis as
 * usual). Requests tagged ODR_TAG_DISABLE_STATIC never use it.
 */
typedef struct odr_localroot {
	/*! Answer q (qlen octets) as a root server would into out (cap
	 *  octets): over UDP (tcp false) in at most udp_max octets (TC set
	 *  when larger), over TCP in one message. \return the length, or 0
	 *  when the copy is not to be used now (none, expired, disabled):
	 *  the query then goes to the root servers. Called from any worker;
	 *  must not block. */
	size_t (*answer)(void *ctx, const uint8_t *q, size_t qlen, bool tcp,
	                 uint16_t udp_max, uint8_t *out, size_t cap);
	void *ctx;
} odr_localroot_t;

typedef struct odr_env {
	const odr_conf_t *conf;
	const odr_hints_t *hints;
	odr_cache_t *cache;
	odr_infra_t *infra;
	/*! Validated NSEC/NSEC3 records for RFC 8198 synthesis (aggr.h);
	 *  NULL: off. Used only while validating. */
	struct odr_aggr *aggr;
	/*! Random 32-bit numbers (IDs, 0x20, ties); must be unpredictable in
	    the daemon and may be seeded in tests. */
	uint32_t (*random)(void *ctx);
	void *random_ctx;
	/*! Trust anchors and NTAs; NULL: validation off. Read once per
	 *  request (atomically: the owner may publish a new snapshot). */
	const odr_trust_t *_Atomic trust;
	/*! Wall clock, seconds since the epoch (signature validity, NTA
	 *  expiry); NULL: time(). Tests pin it. */
	int64_t (*wall)(void *ctx);
	void *wall_ctx;
	/*! Called (from any worker) when the DNSKEY RRset of an anchored
	 *  zone was validated from fresh data; NULL: nobody listens. */
	void (*ta_seen)(void *ctx, const odr_ta_seen_t *seen);
	void *ta_ctx;
	/*! The local root; NULL: off (every root query is sent). */
	const odr_localroot_t *localroot;
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
	const uint8_t *zone; /*!< wire name of the zone whose servers are
	                          asked (metrics classes), or NULL */
} odr_send_t;

/*! A new request (its own arena). NULL when out of memory. */
odr_req_t *odr_req_new(const odr_env_t *env);

/*!
 * Request tags: decisions made before resolution (override rules, a
 * peer's forwarded request) that layers honour for the request and all
 * its sub-requests.
 */
enum {
	/*! rec_disable_static: no answer from the local root copy; root
	 *  queries go to the root servers. */
	ODR_TAG_DISABLE_STATIC = 1u << 0,
};

/*! Set the request's tags (ODR_TAG_* bits), before odr_req_begin or
 *  between calls; they apply from the next exchange on. */
void odr_req_set_tags(odr_req_t *r, uint32_t tags);
uint32_t odr_req_tags(const odr_req_t *r);

/*!
 * Before odr_req_begin: the client question is not answered from the
 * cache (what it learns is still cached). For refreshes the resolver
 * makes itself: the RFC 5011 DNSKEY query of an anchored zone, prefill.
 */
void odr_req_nocache(odr_req_t *r);

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

/*! TTL of every record of a stale answer (RFC 8767). */
#define ODR_STALE_TTL 30
/*! How long a failed resolution is not tried again while stale data
 *  can answer it (RFC 8767 failure recheck), seconds. */
#define ODR_STALE_RECHECK 30

/*
 * Serve-stale (RFC 8767). Cache entries that expired less than the
 * cache's stale window ago (cache.h) may answer a client when fresh data
 * cannot be had, with every TTL ODR_STALE_TTL and EDE 3 (Stale Answer;
 * 19, Stale NXDOMAIN Answer, for an NXDOMAIN). Never from entries that
 * failed validation (BOGUS) nor, when the request validates (validation
 * on, CD=0), from entries that were not validated; stale answers carry
 * no AD bit. The engine answers stale by itself:
 *  - when the client's question fails for another reason than
 *    validation (timeouts, unreachable servers, limits): odr_req_finish
 *    writes the stale answer instead of SERVFAIL, and the failure is
 *    remembered for ODR_STALE_RECHECK seconds (odr_cache_put_failed);
 *  - at odr_req_begin, while such a failure is remembered: the stale
 *    answer at once (ODR_DONE), no upstream query.
 * Requests made with odr_req_nocache never answer stale. The daemon
 * adds the client-facing timer with odr_req_stale.
 */

/*!
 * Serve-stale at the client-facing timer: write a stale answer to the
 * client's question into out (as odr_req_finish: cap, tcp) while the
 * request goes on, so that what it learns refreshes the cache. Call on
 * a request that has not settled yet (otherwise 0); the request is not
 * changed (its own answer stays what odr_req_finish writes).
 * \return the length, or 0 when there is no usable stale data.
 */
int odr_req_stale(odr_req_t *r, uint64_t now_ms, uint8_t *out, size_t cap,
                  bool tcp);

/*! What the request did (for logs and metrics). */
/*! Request limits, as bits of odr_req_info_t.limits. */
enum {
	ODR_LIMIT_TIME = 1u << 0,     /*!< max_time_ms */
	ODR_LIMIT_UPSTREAM = 1u << 1, /*!< max_upstream */
	ODR_LIMIT_NS = 1u << 2,       /*!< max_ns_resolve: a name server
	                                   left unresolved */
	ODR_LIMIT_DNSSEC = 1u << 3,   /*!< the KeyTrap budget (signature
	                                   verifications, colliding keys,
	                                   NSEC3 hashes) */
};

typedef struct odr_req_info {
	uint16_t rcode;
	bool cached;       /*!< answered from cache without upstream */
	unsigned upstream; /*!< upstream queries sent */
	unsigned timeouts;
	const char *fail; /*!< why it failed, or NULL */
	uint8_t sec;      /*!< odr_sec_t of the answer (UNCHECKED when not
	                       validated: validation off, CD=1, failure) */
	int ede;          /*!< EDE INFO-CODE in the answer, -1 for none */
	uint32_t sigs;    /*!< signature verifications done */
	unsigned limits;  /*!< ODR_LIMIT_* bits: the limits the request ran
	                       into (its answer may be SERVFAIL or
	                       incomplete because of them) */
	bool stale;       /*!< the answer is stale data (rcode and ede are
	                       the stale answer's; fail says why fresh data
	                       could not be had, when it is known) */
	unsigned local;   /*!< root queries answered by the local root
	                       (not in upstream) */
} odr_req_info_t;

void odr_req_info(const odr_req_t *r, odr_req_info_t *out);

void odr_req_free(odr_req_t *r);

#endif
