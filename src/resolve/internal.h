/* SPDX-License-Identifier: MIT */
/*
 * Inside the resolution engine: the request, its tasks and the layer
 * table. Not part of the engine's API (resolve.h); shared by engine.c
 * (request lifecycle, phase driver, cache layer, client answer) and
 * iterate.c (the iterate layer).
 *
 * Memory: everything a request holds comes from its arena (r->arena),
 * released at odr_req_free; whatever must outlive the request is copied
 * into the shared caches.
 */
#ifndef OD_RESOLVE_INTERNAL_H
#define OD_RESOLVE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/rrsig.h"
#include "lib/edns.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "resolve/resolve.h"

/* Bounds of one zone cut's server list (larger NS sets are cut short). */
#define ODR_CUT_MAX_NS 16
#define ODR_CUT_MAX_ADDR 32
/* RRsets in one task's answer: a CNAME/DNAME chain and the final set. */
#define ODR_MAX_GROUPS 64
/* Hard caps over the configurable limits (array sizes). */
#define ODR_MAX_DEPTH_CAP 16
#define ODR_MAX_CHAIN_CAP 30

/* Defaults of odr_conf_t (0 fields). */
#define ODR_DEF_EDNS_SIZE 1232
#define ODR_DEF_MAX_UPSTREAM 64
#define ODR_DEF_MAX_NS_RESOLVE 4
#define ODR_DEF_MAX_CHAIN 12
#define ODR_DEF_MAX_DEPTH 6
#define ODR_DEF_MAX_TIME_MS 4000
#define ODR_DEF_NSEC3_MAX_ITER 150
#define ODR_DEF_VAL_MAX_SIGS 64
#define ODR_DEF_VAL_MAX_KEYS 4
#define ODR_DEF_VAL_MAX_HASH 2048
#define ODR_DEF_BOGUS_TTL 60
/* DS/DNSKEY fetches one task's validation may make. */
#define ODR_VAL_MAX_FETCH 24
/* Authority records (proofs) one task keeps. */
#define ODR_MAX_AUTH 64
/* Memory one request may use (its arena) before it fails: hostile
   answers decompress to far more than they weigh on the wire. */
#define ODR_REQ_MEM_MAX (8u * 1024 * 1024)

/* RFC 9156 §2.3: how many labels QNAME minimisation adds per step. */
#define ODR_MINIMISE_MAX_COUNT 10
#define ODR_MINIMISE_ONE_LAB 4

/*! One NS name of a zone cut. */
typedef struct odr_ns {
	uint8_t *name;   /*!< wire name (arena) */
	bool asked_a;    /*!< an A sub-request was made (or not needed) */
	bool asked_aaaa; /*!< an AAAA sub-request was made */
	bool counted;    /*!< counted against max_ns_resolve */
	unsigned naddr;  /*!< addresses known for it */
} odr_ns_t;

/*! A zone cut: the zone's name and its servers' addresses. */
typedef struct odr_cut {
	uint8_t name[OD_NAME_MAXLEN];
	odr_ns_t ns[ODR_CUT_MAX_NS];
	size_t nns;
	struct sockaddr_storage addr[ODR_CUT_MAX_ADDR];
	bool tried[ODR_CUT_MAX_ADDR];
	uint8_t timeouts[ODR_CUT_MAX_ADDR];
	bool noedns[ODR_CUT_MAX_ADDR];  /*!< next query to it without EDNS */
	bool retried[ODR_CUT_MAX_ADDR]; /*!< tried again after a timeout */
	bool answered[ODR_CUT_MAX_ADDR];
	size_t naddr;
	unsigned ns_resolved; /*!< NS names resolved by sub-requests (NXNS) */
} odr_cut_t;

/*! An RRset (or a synthesized record) of an answer being assembled. */
typedef struct odr_group {
	od_rr_t *rrs; /*!< arena */
	uint16_t n;
	uint16_t nsigs;
	od_rr_t *sigs; /*!< RRSIGs covering it (arena), may be NULL */
	uint8_t rank;  /*!< odr_rank_t it was (or would be) cached at */
	uint8_t sec;   /*!< odr_sec_t: known (cache) or found (validator) */
	uint16_t ede;  /*!< with sec BOGUS or INSECURE: why (from cache) */
	const uint8_t *zone; /*!< the zone whose servers gave it (NULL:
	                          from cache) */
	bool synth; /*!< a CNAME synthesized from the DNAME before it */
	bool wild;  /*!< validated as a wildcard expansion */
} odr_group_t;

/*! A DS or DNSKEY fetch of the validator and what it brought. */
typedef struct odr_fetch {
	uint8_t name[OD_NAME_MAXLEN];
	uint16_t type;
	const struct odr_task *sub; /*!< the finished sub-request */
} odr_fetch_t;

/*!
 * A task: one question being resolved: the client's, or a sub-request
 * (the address of an NS name) that its parent waits for.
 */
typedef struct odr_task {
	struct odr_task *parent;
	unsigned depth;                /*!< 0 for the client question */
	uint8_t qname[OD_NAME_MAXLEN]; /*!< current target (moves along
	                                   CNAME/DNAME chains) */
	uint16_t qtype;
	odr_state_t state;               /*!< ODR_PRODUCE while working */
	uint16_t rcode;                  /*!< the answer's RCODE once settled */
	odr_group_t ans[ODR_MAX_GROUPS]; /*!< answer section, in order */
	size_t nans;
	odr_group_t soa; /*!< authority: SOA of a negative answer */
	unsigned chain;  /*!< CNAME/DNAME steps taken */
	bool from_cache; /*!< settled by the cache layer */
	/* Iteration. */
	odr_cut_t *cut;       /*!< arena; NULL until iterate begins */
	bool no_min;          /*!< QNAME minimisation off for this task */
	unsigned min_labels;  /*!< labels of the name known to exist
	                                (or the cut's) */
	unsigned min_steps;   /*!< minimised queries taken */
	int sub_ns;           /*!< cut->ns index a sub-request resolves */
	uint16_t sub_type;    /*!< its type (A or AAAA) */
	int retry_srv;        /*!< next query to this server (-1: pick) */
	bool retry_tcp;       /*!< ... over TCP */
	const char *fail_why; /*!< why the task failed (any task) */
	uint16_t fail_ede;
	/* DNSSEC. */
	odr_group_t soa_sigs; /*!< RRSIGs over soa */
	od_rr_t *auth;        /*!< NSEC, NSEC3 and RRSIGs from the authority
	                    sections (arena, ODR_MAX_AUTH when allocated) */
	size_t nauth;
	uint8_t neg_sec; /*!< odr_sec_t of a negative answer from cache */
	uint16_t neg_ede;
	bool val_fetch; /*!< a fetch of the validator: not validated itself */
	bool val_done;  /*!< the validator has settled this task */
	uint8_t sec;    /*!< odr_sec_t of the whole answer */
	odr_fetch_t *fetch; /*!< arena, ODR_VAL_MAX_FETCH when allocated */
	size_t nfetch;
} odr_task_t;

/*! The upstream query in flight. */
typedef struct odr_query {
	bool active;
	odr_task_t *task;
	int srv; /*!< index into task->cut->addr */
	uint16_t id;
	uint8_t qname[OD_NAME_MAXLEN]; /*!< as sent (0x20 case) */
	uint16_t qtype;
	bool minimised; /*!< qname/qtype are not the task's */
	bool tcp, edns;
	bool local; /*!< answered by the local root, not sent: no server
	               statistics are learnt from it */
	uint64_t sent_ms;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint8_t wire[512];
	size_t len;
} odr_query_t;

struct odr_req {
	od_arena_t arena;
	const odr_env_t *env;
	odr_conf_t conf; /*!< with the defaults filled in */
	uint64_t begin_ms;
	/* The client query. */
	uint8_t *cq; /*!< arena copy of the wire */
	size_t cqlen;
	od_pkt_t cpkt;
	bool parsed; /*!< cpkt is valid */
	bool have_question;
	bool drop; /*!< send nothing */
	bool client_edns;
	uint16_t client_udp;
	uint16_t early_rcode; /*!< answer without resolving */
	bool early;           /*!< early_rcode is the answer */
	/* Tasks. */
	odr_task_t *stack[ODR_MAX_DEPTH_CAP + 1];
	size_t ntasks;
	odr_task_t *root;
	bool done;
	odr_query_t q;
	/* Accounting and the failure reason. */
	unsigned upstream, timeouts;
	unsigned local;      /*!< root queries answered by the local root */
	uint32_t tags;       /*!< ODR_TAG_* */
	const char *fail;    /*!< static text */
	uint16_t fail_ede;   /*!< Extended DNS Error code */
	bool fatal;          /*!< a request-wide limit was hit */
	unsigned limits_hit; /*!< ODR_LIMIT_* bits */
	bool dnssec_ok;      /*!< DO=1 upstream (validation on) */
	/* Validation. */
	const odr_trust_t *trust; /*!< snapshot; NULL: validation off */
	bool client_do;           /*!< the client set DO */
	bool client_cd;           /*!< the client set CD */
	bool client_ad;           /*!< the client set AD (RFC 6840 §5.7) */
	bool nocache;             /*!< odr_req_nocache */
	int64_t wall;             /*!< wall clock at begin (seconds) */
	od_rrsig_limits_t limits; /*!< KeyTrap budget of the request */
	uint32_t hash_budget;     /*!< NSEC3 SHA-1 computations left */
	int note_ede;             /*!< EDE of an answer that did not fail
	                               (insecure by NTA, NSEC3 iterations,
	                               unsupported algorithm); -1: none */
	const char *note_text;
	od_dnskey_t **keys; /*!< parsed DNSKEYs to free (arena array) */
	size_t nkeys, capkeys;
	struct odr_val *val; /*!< the validator's memory (validate.c) */
	uint64_t val_now_ms; /*!< clock of the running validation */
	uint32_t val_left;   /*!< seconds the last verifying RRSIG has
	                          left; val_left_min: lowest since reset */
	uint32_t val_left_min;
	/* Serve-stale (RFC 8767). */
	odr_task_t *stale; /*!< the stale answer, once built (arena) */
	bool stale_answer; /*!< odr_req_finish writes the stale answer */
};

/*! Consume input for layers: the parsed answer, or a failure. */
typedef struct odr_answer {
	const od_pkt_t *pkt; /*!< NULL: timeout or malformed */
	bool malformed;      /*!< an answer came but did not parse */
	uint32_t rtt_ms;
} odr_answer_t;

/*! A layer: hooks called in phase order; NULL hooks pass. */
typedef struct odr_layer {
	const char *name;
	odr_phase_t phase;
	odr_state_t (*begin)(odr_req_t *r, odr_task_t *t, uint64_t now_ms);
	odr_state_t (*produce)(odr_req_t *r, odr_task_t *t, uint64_t now_ms,
	                       odr_send_t *out);
	odr_state_t (*consume)(odr_req_t *r, odr_task_t *t,
	                       const odr_answer_t *a, uint64_t now_ms);
	odr_state_t (*finish)(odr_req_t *r, odr_task_t *t, odr_state_t st);
} odr_layer_t;

/* iterate.c */
odr_state_t odr_iter_begin(odr_req_t *r, odr_task_t *t, uint64_t now_ms);
odr_state_t odr_iter_produce(odr_req_t *r, odr_task_t *t, uint64_t now_ms,
                             odr_send_t *out);
odr_state_t odr_iter_consume(odr_req_t *r, odr_task_t *t, const odr_answer_t *a,
                             uint64_t now_ms);
/*! A sub-request of t finished (sub is still readable). */
void odr_iter_sub_done(odr_req_t *r, odr_task_t *t, const odr_task_t *sub);

/* validate.c */
/*! Is t to be validated (validation on, client task without CD)? */
bool odr_val_wanted(const odr_req_t *r, const odr_task_t *t);
/*!
 * Validate t's settled answer (t->state ODR_DONE). \return ODR_DONE
 * (t->sec set, t->val_done; bogus answers turn t into ODR_FAIL with the
 * reason and EDE) or ODR_YIELD (a DS/DNSKEY fetch was pushed; call again
 * when it has finished).
 */
odr_state_t odr_val_step(odr_req_t *r, odr_task_t *t, uint64_t now_ms);
/*!
 * RFC 8198: answer t from validated NSEC/NSEC3 records of the index
 * (odr_env_t.aggr) when they prove it. \return ODR_DONE (settled,
 * secure) or ODR_PRODUCE (not proven: resolve as usual).
 */
odr_state_t odr_val_synth(odr_req_t *r, odr_task_t *t, uint64_t now_ms);
/*! A fetch of t's validator finished. */
void odr_val_sub_done(odr_req_t *r, odr_task_t *t, const odr_task_t *sub);

/* engine.c, for the layers */
/*!
 * Answer t from the cache, following cached CNAMEs. \return ODR_DONE
 * (settled: positive or negative), ODR_FAIL (chain too long) or
 * ODR_PRODUCE (not in cache: t->qname is the name still to resolve).
 */
odr_state_t odr_cache_answer(odr_req_t *r, odr_task_t *t, uint64_t now_ms);
/*! Store an RRset (n records of one owner/type) at rank; TTL = lowest. */
void odr_store_rrset(odr_req_t *r, const od_rr_t *rrs, size_t n,
                     odr_rank_t rank, uint64_t now_ms);
/*! Append a group to t's answer. \return false when full. */
bool odr_task_add(odr_task_t *t, od_rr_t *rrs, size_t n);
/*! t->auth allocated (ODR_MAX_AUTH records). \return false on ENOMEM. */
bool odr_task_auth_room(odr_req_t *r, odr_task_t *t);
/*! The group last added to t. */
static inline odr_group_t *odr_task_last(odr_task_t *t)
{
	return &t->ans[t->nans - 1];
}
/*! Store a group (with its sigs) at its rank with sec/ede. */
void odr_store_group(odr_req_t *r, const odr_group_t *g, uint8_t sec,
                     uint16_t ede, uint64_t now_ms);
/*!
 * Start a sub-request for name/type under t and run its begin phases;
 * it becomes the top task. \return false (nothing started) when the
 * depth limit is reached or the same question is already on the stack.
 */
bool odr_sub_push(odr_req_t *r, odr_task_t *t, const uint8_t *name,
                  uint16_t type, uint64_t now_ms);
/*! Fail the whole request (a request-wide limit). */
void odr_req_fatal(odr_req_t *r, const char *why, uint16_t ede);
/*! Set t's failure reason (kept unless one is set already). */
odr_state_t odr_task_fail(odr_req_t *r, odr_task_t *t, const char *why,
                          uint16_t ede);
/*! Cache time (seconds) from the request clock. */
static inline uint64_t odr_now_s(uint64_t now_ms)
{
	return now_ms / 1000;
}

#endif
