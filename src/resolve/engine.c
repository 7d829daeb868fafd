/* SPDX-License-Identifier: MIT */
/*
 * The request lifecycle, the layer table and the phase driver; the cache
 * layer and the client's answer.
 */
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/error.h"
#include "lib/rrtype.h"
#include "resolve/internal.h"

/* Our own UDP payload limit for answers (DNS flag day 2020). */
#define ANSWER_UDP_MAX 1232

static odr_state_t cache_begin(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	/* A refresh must reach the servers (what it learns is cached). */
	if (r->nocache && t == r->root)
		return ODR_PRODUCE;
	odr_state_t st = odr_cache_answer(r, t, now_ms);
	if (st == ODR_PRODUCE && t->nans == 0 && odr_val_wanted(r, t))
		st = odr_val_synth(r, t, now_ms);
	return st;
}

static odr_state_t post_finish(odr_req_t *r, odr_task_t *t, odr_state_t st)
{
	(void)r;
	(void)t;
	return st;
}

/* The layers, in phase order. The validate phase is not a hook of this
 * table: it runs when a task has settled and may itself wait for
 * sub-requests (unwind below). The localroot layer acts on the exchange
 * the iterate layer produced (localroot_exchange below), so it has no
 * hook here. */
static const odr_layer_t layers[] = {
	{ "cache", ODR_PH_CACHE, cache_begin, NULL, NULL, NULL },
	{ "localroot", ODR_PH_LOCALROOT, NULL, NULL, NULL, NULL },
	{ "iterate", ODR_PH_ITERATE, odr_iter_begin, odr_iter_produce,
	  odr_iter_consume, NULL },
	{ "post", ODR_PH_POST, NULL, NULL, NULL, post_finish },
};
#define NLAYERS (sizeof(layers) / sizeof(layers[0]))

static bool settled(odr_state_t st)
{
	return st == ODR_DONE || st == ODR_FAIL;
}

odr_state_t odr_task_fail(odr_req_t *r, odr_task_t *t, const char *why,
                          uint16_t ede)
{
	if (t == r->root && r->fail == NULL) {
		r->fail = why;
		r->fail_ede = ede;
	}
	if (t->fail_why == NULL) {
		t->fail_why = why;
		t->fail_ede = ede;
	}
	t->state = ODR_FAIL;
	return ODR_FAIL;
}

void odr_req_fatal(odr_req_t *r, const char *why, uint16_t ede)
{
	if (r->fail == NULL) {
		r->fail = why;
		r->fail_ede = ede;
	}
	r->fatal = true;
}

/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
static uint32_t sane_ttl(uint32_t ttl)
{
	return ttl > INT32_MAX ? 0 : ttl;
}

bool odr_task_add(odr_task_t *t, od_rr_t *rrs, size_t n)
{
	if (t->nans >= ODR_MAX_GROUPS || n == 0 || n > UINT16_MAX)
		return false;
	/* One TTL per RRset (RFC 2181 §5.2): the lowest, as cached. */
	uint32_t ttl = sane_ttl(rrs[0].ttl);
	for (size_t i = 1; i < n; i++)
		if (sane_ttl(rrs[i].ttl) < ttl)
			ttl = sane_ttl(rrs[i].ttl);
	for (size_t i = 0; i < n; i++)
		rrs[i].ttl = ttl;
	t->ans[t->nans].rrs = rrs;
	t->ans[t->nans].n = (uint16_t)n;
	t->nans++;
	return true;
}

void odr_store_group(odr_req_t *r, const odr_group_t *g, uint8_t sec,
                     uint16_t ede, uint64_t now_ms)
{
	if (g->n == 0 || r->env->cache == NULL || g->synth)
		return;
	uint32_t ttl = sane_ttl(g->rrs[0].ttl);
	for (size_t i = 1; i < g->n; i++)
		if (sane_ttl(g->rrs[i].ttl) < ttl)
			ttl = sane_ttl(g->rrs[i].ttl);
	odr_rank_t rank = (odr_rank_t)g->rank;
	if (rank < ODR_RANK_ADDITIONAL || rank > ODR_RANK_SECURE)
		rank = ODR_RANK_ANSWER;
	if (sec == ODR_SEC_SECURE)
		rank = ODR_RANK_SECURE;
	/* RFC 4035 §4.7: bogus data is kept only briefly. */
	if (sec == ODR_SEC_BOGUS && ttl > r->conf.bogus_ttl)
		ttl = r->conf.bogus_ttl;
	odr_rrset_t set = {
		.owner = g->rrs[0].owner,
		.type = g->rrs[0].type,
		.rclass = g->rrs[0].rclass,
		.ttl = ttl,
		.rank = rank,
		.sec = sec,
		.ede = ede,
		.count = g->n,
		.nsigs = g->nsigs,
		.rrs = g->rrs,
		.sigs = g->sigs,
	};
	(void)odr_cache_put(r->env->cache, &set, odr_now_s(now_ms));
}

void odr_store_rrset(odr_req_t *r, const od_rr_t *rrs, size_t n,
                     odr_rank_t rank, uint64_t now_ms)
{
	if (n == 0 || n > UINT16_MAX || r->env->cache == NULL)
		return;
	/* RFC 2181 §5.2: one TTL per RRset; the lowest is the safe one. */
	uint32_t ttl = sane_ttl(rrs[0].ttl);
	for (size_t i = 1; i < n; i++)
		if (sane_ttl(rrs[i].ttl) < ttl)
			ttl = sane_ttl(rrs[i].ttl);
	odr_rrset_t set = {
		.owner = rrs[0].owner,
		.type = rrs[0].type,
		.rclass = rrs[0].rclass,
		.ttl = ttl,
		.rank = rank,
		.count = (uint16_t)n,
		.rrs = (od_rr_t *)rrs,
	};
	(void)odr_cache_put(r->env->cache, &set, odr_now_s(now_ms));
}

/* Data that only a referral or the additional section vouched for is not
 * given to clients as an answer (RFC 2181 §5.4.1); sub-requests may use
 * it (glue addresses). */
static bool usable(const odr_task_t *t, const odr_rrset_t *s)
{
	return t->depth > 0 || s->rank >= ODR_RANK_ANSWER;
}

static void from_cache(odr_group_t *g, const odr_rrset_t *s)
{
	g->sigs = s->nsigs > 0 ? s->sigs : NULL;
	g->nsigs = s->nsigs;
	g->rank = (uint8_t)s->rank;
	g->sec = s->sec;
	g->ede = s->ede;
}

/* The proof of a cached negative answer back into the task: RRSIGs over
 * the SOA beside it, the rest to the authority records. */
static void neg_proof(odr_req_t *r, odr_task_t *t, const odr_neg_t *neg)
{
	if (neg->nproof == 0)
		return;
	od_rr_t *sigs = od_mm_alloc(&r->arena.mm, neg->nproof * sizeof(*sigs));
	if (sigs == NULL || !odr_task_auth_room(r, t))
		return;
	uint16_t ns = 0;
	for (uint16_t i = 0; i < neg->nproof; i++) {
		const od_rr_t *rr = &neg->proof[i];
		if (rr->type == OD_TYPE_RRSIG && rr->rdlen >= 2 &&
		    od_get_u16(rr->rdata) == OD_TYPE_SOA)
			sigs[ns++] = *rr;
		else if (t->nauth < ODR_MAX_AUTH)
			t->auth[t->nauth++] = *rr;
	}
	t->soa_sigs.rrs = sigs;
	t->soa_sigs.n = ns;
}

bool odr_task_auth_room(odr_req_t *r, odr_task_t *t)
{
	if (t->auth == NULL)
		t->auth = od_mm_alloc(&r->arena.mm,
		                      ODR_MAX_AUTH * sizeof(*t->auth));
	return t->auth != NULL;
}

/*
 * Serve-stale (RFC 8767): may data of this security status answer the
 * client stale? Never what failed validation; when the request
 * validates, only what was validated (the validator does not run on a
 * stale answer).
 */
static bool stale_ok(const odr_req_t *r, uint8_t sec)
{
	if (sec == ODR_SEC_BOGUS)
		return false;
	if (r->trust != NULL && !r->client_cd)
		return sec == ODR_SEC_SECURE || sec == ODR_SEC_INSECURE;
	return true;
}

/* A lookup of live data, or with stale set of data live or stale. */
static int get_set(odr_cache_t *c, const uint8_t *name, uint16_t type,
                   uint64_t now, bool stale, od_mm_t *mm, odr_rrset_t *s)
{
	return stale ? odr_cache_get_stale(c, name, type, now, mm, s)
	             : odr_cache_get(c, name, type, now, mm, s);
}

/*
 * odr_cache_answer, or with stale set the same from live or stale data
 * whose security status stale_ok accepts (one that does not ends the
 * answer: ODR_FAIL).
 */
static odr_state_t cache_fill(odr_req_t *r, odr_task_t *t, uint64_t now_ms,
                              bool stale)
{
	odr_cache_t *c = r->env->cache;
	od_mm_t *mm = &r->arena.mm;
	uint64_t now = odr_now_s(now_ms);
	if (c == NULL)
		return ODR_PRODUCE;
	for (;;) {
		odr_rrset_t s;
		if (get_set(c, t->qname, t->qtype, now, stale, mm, &s) == 0 &&
		    s.count > 0 && usable(t, &s)) {
			if (stale && !stale_ok(r, s.sec))
				return ODR_FAIL;
			if (!odr_task_add(t, s.rrs, s.count))
				return odr_task_fail(r, t, "answer too long",
				                     OD_EDE_OTHER);
			from_cache(odr_task_last(t), &s);
			t->rcode = OD_RCODE_NOERROR;
			t->from_cache = true;
			return ODR_DONE;
		}
		if (t->qtype != OD_TYPE_CNAME &&
		    get_set(c, t->qname, OD_TYPE_CNAME, now, stale, mm, &s) ==
		            0 &&
		    s.count > 0 && usable(t, &s) && s.rrs[0].rdlen > 0) {
			if (stale && !stale_ok(r, s.sec))
				return ODR_FAIL;
			if (++t->chain > r->conf.max_chain ||
			    !odr_task_add(t, s.rrs, 1))
				return odr_task_fail(r, t,
				                     "CNAME chain too long",
				                     OD_EDE_OTHER);
			from_cache(odr_task_last(t), &s);
			od_name_copy(t->qname, s.rrs[0].rdata);
			continue;
		}
		odr_neg_t neg;
		int nret = stale ? odr_cache_get_neg_stale(
		                           c, t->qname, t->qtype, now, mm, &neg)
		                 : odr_cache_get_neg(c, t->qname, t->qtype, now,
		                                     mm, &neg);
		if (nret == 0) {
			if (stale && !stale_ok(r, neg.sec))
				return ODR_FAIL;
			t->rcode = neg.rcode;
			if (neg.soa != NULL && neg.zone != NULL) {
				od_rr_t *soa = od_mm_calloc(mm, sizeof(*soa));
				if (soa != NULL) {
					soa->owner = neg.zone;
					soa->type = OD_TYPE_SOA;
					soa->rclass = OD_CLASS_IN;
					soa->ttl = neg.ttl;
					soa->rdata = neg.soa;
					soa->rdlen = neg.soa_len;
					t->soa.rrs = soa;
					t->soa.n = 1;
					t->soa.rank = (uint8_t)neg.rank;
				}
			}
			neg_proof(r, t, &neg);
			t->neg_sec = neg.sec;
			t->neg_ede = neg.ede;
			t->from_cache = true;
			return ODR_DONE;
		}
		return ODR_PRODUCE;
	}
}

odr_state_t odr_cache_answer(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	return cache_fill(r, t, now_ms, false);
}

static void stale_ttls(od_rr_t *rrs, size_t n)
{
	for (size_t i = 0; i < n && rrs != NULL; i++)
		rrs[i].ttl = ODR_STALE_TTL;
}

static odr_task_t *task_new(odr_req_t *r, odr_task_t *parent,
                            const uint8_t *name, uint16_t type);

/*
 * Build the stale answer to the client's question (r->stale), once.
 * \return whether there is one.
 */
static bool stale_build(odr_req_t *r, uint64_t now_ms)
{
	if (r->stale != NULL)
		return true;
	if (r->root == NULL || r->nocache || r->env->cache == NULL)
		return false;
	const od_question_t *qd = od_pkt_question(&r->cpkt);
	odr_task_t *t = task_new(r, NULL, qd->qname, qd->qtype);
	if (t == NULL || cache_fill(r, t, now_ms, true) != ODR_DONE)
		return false;
	/* RFC 8767: stale records go out with a TTL of 30 seconds. */
	for (size_t i = 0; i < t->nans; i++) {
		stale_ttls(t->ans[i].rrs, t->ans[i].n);
		stale_ttls(t->ans[i].sigs, t->ans[i].nsigs);
	}
	stale_ttls(t->soa.rrs, t->soa.n);
	stale_ttls(t->soa_sigs.rrs, t->soa_sigs.n);
	stale_ttls(t->auth, t->nauth);
	t->sec = ODR_SEC_UNCHECKED;
	r->stale = t;
	return true;
}

/*
 * The client's question failed: for another reason than validation
 * (which settles the task first), remember the failure for the recheck
 * time and answer stale when possible.
 */
static void stale_on_failure(odr_req_t *r, uint64_t now_ms)
{
	odr_task_t *t = r->root;
	if (t == NULL || t->state == ODR_DONE || t->val_done ||
	    t->sec == ODR_SEC_BOGUS || r->nocache || r->env->cache == NULL)
		return;
	const od_question_t *qd = od_pkt_question(&r->cpkt);
	if (!stale_build(r, now_ms))
		return;
	(void)odr_cache_put_failed(r->env->cache, qd->qname, qd->qtype,
	                           ODR_STALE_RECHECK, odr_now_s(now_ms));
	r->stale_answer = true;
}

/* Phase driver. */

static odr_state_t run_begin(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	odr_state_t st = ODR_PRODUCE;
	for (size_t i = 0; i < NLAYERS; i++) {
		if (layers[i].begin == NULL)
			continue;
		st = layers[i].begin(r, t, now_ms);
		if (settled(st))
			break;
	}
	if (!settled(st))
		st = ODR_PRODUCE;
	t->state = st;
	return st;
}

static odr_state_t run_finish(odr_req_t *r, odr_task_t *t)
{
	odr_state_t st = t->state;
	for (size_t i = 0; i < NLAYERS; i++)
		if (layers[i].finish != NULL)
			st = layers[i].finish(r, t, st);
	if (!settled(st))
		st = ODR_FAIL;
	t->state = st;
	return st;
}

/* Pop settled tasks off the stack, handing each to its parent.
 * \return true when the client's task is settled. */
static bool unwind(odr_req_t *r, uint64_t now_ms)
{
	while (r->ntasks > 0) {
		odr_task_t *t = r->stack[r->ntasks - 1];
		/* A request-wide limit ends every task. */
		if (r->fatal)
			t->state = ODR_FAIL;
		if (!settled(t->state))
			return false;
		/* The validate phase: a settled answer is checked before it
		 * leaves the task; it may need DS/DNSKEY sub-requests first,
		 * which then run on top of it. */
		if (t->state == ODR_DONE && !t->val_done &&
		    odr_val_wanted(r, t)) {
			if (odr_val_step(r, t, now_ms) == ODR_YIELD &&
			    r->stack[r->ntasks - 1] != t)
				continue;
			t->val_done = true;
		}
		run_finish(r, t);
		r->ntasks--;
		if (t->parent != NULL) {
			if (t->val_fetch)
				odr_val_sub_done(r, t->parent, t);
			else
				odr_iter_sub_done(r, t->parent, t);
		}
	}
	if (!r->done && r->root != NULL && r->root->state != ODR_DONE)
		stale_on_failure(r, now_ms);
	r->done = true;
	return true;
}

static odr_task_t *task_new(odr_req_t *r, odr_task_t *parent,
                            const uint8_t *name, uint16_t type)
{
	odr_task_t *t = od_mm_calloc(&r->arena.mm, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->parent = parent;
	t->depth = parent ? parent->depth + 1 : 0;
	od_name_copy(t->qname, name);
	t->qtype = type;
	t->state = ODR_PRODUCE;
	t->sub_ns = -1;
	t->retry_srv = -1;
	return t;
}

bool odr_sub_push(odr_req_t *r, odr_task_t *t, const uint8_t *name,
                  uint16_t type, uint64_t now_ms)
{
	if (t->depth + 1 > r->conf.max_depth ||
	    r->ntasks >= ODR_MAX_DEPTH_CAP + 1)
		return false;
	/* The same question further down the stack would loop. */
	for (size_t i = 0; i < r->ntasks; i++) {
		const odr_task_t *o = r->stack[i];
		if (o->qtype == type && od_name_equal(o->qname, name))
			return false;
	}
	odr_task_t *sub = task_new(r, t, name, type);
	if (sub == NULL)
		return false;
	r->stack[r->ntasks++] = sub;
	run_begin(r, sub, now_ms);
	return true;
}

/* Lifecycle. */

static uint32_t def_u32(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

odr_req_t *odr_req_new(const odr_env_t *env)
{
	static const odr_conf_t defaults;
	if (env == NULL || env->random == NULL)
		return NULL;
	odr_req_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	od_arena_init(&r->arena, 0);
	r->env = env;
	r->conf = env->conf != NULL ? *env->conf : defaults;
	r->conf.edns_size =
	        (uint16_t)def_u32(r->conf.edns_size, ODR_DEF_EDNS_SIZE);
	r->conf.max_upstream =
	        def_u32(r->conf.max_upstream, ODR_DEF_MAX_UPSTREAM);
	r->conf.max_ns_resolve =
	        def_u32(r->conf.max_ns_resolve, ODR_DEF_MAX_NS_RESOLVE);
	r->conf.max_chain = def_u32(r->conf.max_chain, ODR_DEF_MAX_CHAIN);
	if (r->conf.max_chain > ODR_MAX_CHAIN_CAP)
		r->conf.max_chain = ODR_MAX_CHAIN_CAP;
	r->conf.max_depth = def_u32(r->conf.max_depth, ODR_DEF_MAX_DEPTH);
	if (r->conf.max_depth > ODR_MAX_DEPTH_CAP)
		r->conf.max_depth = ODR_MAX_DEPTH_CAP;
	r->conf.max_time_ms = def_u32(r->conf.max_time_ms, ODR_DEF_MAX_TIME_MS);
	r->conf.nsec3_max_iter = (uint16_t)def_u32(r->conf.nsec3_max_iter,
	                                           ODR_DEF_NSEC3_MAX_ITER);
	r->conf.val_max_sigs =
	        def_u32(r->conf.val_max_sigs, ODR_DEF_VAL_MAX_SIGS);
	r->conf.val_max_keys =
	        def_u32(r->conf.val_max_keys, ODR_DEF_VAL_MAX_KEYS);
	r->conf.val_max_hash =
	        def_u32(r->conf.val_max_hash, ODR_DEF_VAL_MAX_HASH);
	r->conf.bogus_ttl = def_u32(r->conf.bogus_ttl, ODR_DEF_BOGUS_TTL);
	r->trust = atomic_load(&((odr_env_t *)env)->trust);
	r->dnssec_ok = r->trust != NULL;
	r->limits.budget = r->conf.val_max_sigs;
	r->limits.max_keys = r->conf.val_max_keys;
	r->hash_budget = r->conf.val_max_hash;
	r->note_ede = -1;
	if (r->conf.edns_size < OD_EDNS_MIN_UDP)
		r->conf.edns_size = OD_EDNS_MIN_UDP;
	return r;
}

void odr_req_set_tags(odr_req_t *r, uint32_t tags)
{
	r->tags = tags;
}

uint32_t odr_req_tags(const odr_req_t *r)
{
	return r->tags;
}

void odr_req_nocache(odr_req_t *r)
{
	r->nocache = true;
}

void odr_req_free(odr_req_t *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nkeys; i++)
		od_dnskey_free(r->keys[i]);
	od_arena_deinit(&r->arena);
	free(r);
}

static odr_state_t early(odr_req_t *r, uint16_t rcode)
{
	r->early = true;
	r->early_rcode = rcode;
	r->done = true;
	return ODR_DONE;
}

odr_state_t odr_req_begin(odr_req_t *r, const uint8_t *q, size_t qlen,
                          uint64_t now_ms)
{
	r->begin_ms = now_ms;
	if (q == NULL || qlen < OD_HDR_LEN) {
		r->drop = true;
		r->done = true;
		return ODR_DONE;
	}
	r->cq = od_mm_dup(&r->arena.mm, q, qlen);
	if (r->cq == NULL) {
		r->drop = true;
		r->done = true;
		return ODR_DONE;
	}
	r->cqlen = qlen;
	od_hdr_t h;
	od_hdr_unpack(&h, q);
	/* Never answer an answer (that is how forwarding loops start). */
	if (h.qr) {
		r->drop = true;
		r->done = true;
		return ODR_DONE;
	}
	if (od_pkt_parse(&r->cpkt, r->cq, qlen, &r->arena.mm, 0) != 0)
		return early(r, OD_RCODE_FORMERR);
	r->parsed = true;
	if (r->cpkt.opt != NULL) {
		r->client_edns = true;
		r->client_udp = r->cpkt.edns.udp_size;
		r->client_do = (r->cpkt.edns.flags & OD_EDNS_DO) != 0;
	}
	r->client_cd = h.cd;
	r->client_ad = h.ad;
	r->wall = r->env->wall != NULL ? r->env->wall(r->env->wall_ctx)
	                               : (int64_t)time(NULL);
	/* The question is echoed in every answer that has one. */
	r->have_question = r->cpkt.count[OD_QUESTION] == 1;
	if (h.opcode != OD_OPCODE_QUERY)
		return early(r, OD_RCODE_NOTIMP);
	if (!r->have_question)
		return early(r, OD_RCODE_FORMERR);
	const od_question_t *qd = od_pkt_question(&r->cpkt);
	if (r->client_edns && r->cpkt.edns.version != 0)
		return early(r, OD_RCODE_BADVERS);
	if (qd->qclass != OD_CLASS_IN)
		return early(r, OD_RCODE_REFUSED);
	/* A query without RD asks what the cache holds: answering it would
	   let anyone learn what other clients looked up (cache snooping).
	   This is a recursive-only server: REFUSED (RFC 1034 §4.3.1 leaves
	   the choice to the server). */
	if (!h.rd)
		return early(r, OD_RCODE_REFUSED);
	switch (qd->qtype) {
	case OD_TYPE_OPT:
		return early(r, OD_RCODE_FORMERR);
	case 251: /* IXFR */
	case 252: /* AXFR */
	case 253: /* MAILB */
	case 254: /* MAILA */
		return early(r, OD_RCODE_NOTIMP);
	default:
		break;
	}
	odr_task_t *t = task_new(r, NULL, qd->qname, qd->qtype);
	if (t == NULL) {
		r->fail = "out of memory";
		return early(r, OD_RCODE_SERVFAIL);
	}
	r->root = t;
	r->stack[r->ntasks++] = t;
	run_begin(r, t, now_ms);
	/* RFC 8767 failure recheck: a question that failed a moment ago
	   is answered from stale data at once, not tried again. */
	if (!settled(t->state) && !r->nocache &&
	    odr_cache_failed(r->env->cache, qd->qname, qd->qtype,
	                     odr_now_s(now_ms)) &&
	    stale_build(r, now_ms)) {
		r->stale_answer = true;
		r->done = true;
		return ODR_DONE;
	}
	if (unwind(r, now_ms))
		return ODR_DONE;
	return ODR_PRODUCE;
}

/*
 * The localroot layer (RFC 8806): a query for the root zone's servers is
 * answered from the local copy when there is one and the request may use
 * it. The answer goes through the consume path as if a root server had
 * sent it, so it is checked, validated and cached like any other; only
 * the server statistics ignore it (r->q.local). \return true when the
 * exchange was answered here.
 */
static bool localroot_exchange(odr_req_t *r, const odr_send_t *out,
                               uint64_t now_ms)
{
	/* One answer at a time per thread; the parse copies what it keeps
	 * into the request's arena. */
	static _Thread_local uint8_t buf[65535];
	const odr_localroot_t *lr = r->env->localroot;
	if (lr == NULL || lr->answer == NULL ||
	    (r->tags & ODR_TAG_DISABLE_STATIC) || out->zone == NULL ||
	    out->zone[0] != 0)
		return false;
	uint16_t udp_max = r->q.edns ? r->conf.edns_size : OD_PKT_UDP_MAXLEN;
	size_t n = lr->answer(lr->ctx, out->wire, out->len, out->tcp, udp_max,
	                      buf, sizeof(buf));
	if (n == 0 || n > sizeof(buf))
		return false;
	r->local++;
	r->q.local = true;
	r->q.sent_ms = now_ms;
	(void)odr_req_consume(r, buf, n, NULL, now_ms);
	r->q.local = false;
	return true;
}

static bool over_time(odr_req_t *r, uint64_t now_ms)
{
	return now_ms > r->begin_ms &&
	       now_ms - r->begin_ms > r->conf.max_time_ms;
}

odr_state_t odr_req_produce(odr_req_t *r, uint64_t now_ms, odr_send_t *out)
{
	if (r->done)
		return ODR_DONE;
	while (!unwind(r, now_ms)) {
		if (over_time(r, now_ms)) {
			odr_req_fatal(r, "time limit exceeded",
			              OD_EDE_NO_REACHABLE_AUTH);
			r->limits_hit |= ODR_LIMIT_TIME;
			continue;
		}
		odr_task_t *t = r->stack[r->ntasks - 1];
		odr_state_t st = ODR_FAIL;
		bool any = false;
		for (size_t i = 0; i < NLAYERS; i++) {
			if (layers[i].produce == NULL)
				continue;
			any = true;
			st = layers[i].produce(r, t, now_ms, out);
			if (st != ODR_DONE)
				break;
		}
		if (!any)
			st = odr_task_fail(r, t, "no layer can resolve",
			                   OD_EDE_OTHER);
		switch (st) {
		case ODR_PRODUCE:
			if (r->upstream + r->local >= r->conf.max_upstream) {
				r->q.active = false;
				odr_req_fatal(r, "too many upstream queries",
				              OD_EDE_OTHER);
				r->limits_hit |= ODR_LIMIT_UPSTREAM;
				continue;
			}
			if (localroot_exchange(r, out, now_ms))
				continue;
			r->upstream++;
			/* No exchange may outlive the request's time. */
			uint64_t spent =
			        now_ms > r->begin_ms ? now_ms - r->begin_ms : 0;
			uint64_t left = spent < r->conf.max_time_ms
			                        ? r->conf.max_time_ms - spent
			                        : 1;
			if (out->timeout_ms > left)
				out->timeout_ms = (uint32_t)left;
			return ODR_PRODUCE;
		case ODR_YIELD:
			/* A sub-request is on top now; loop to run it. A
			 * layer that yields without one would spin. */
			if (r->stack[r->ntasks - 1] == t)
				odr_task_fail(r, t,
				              "yield without a sub-request",
				              OD_EDE_OTHER);
			continue;
		case ODR_DONE:
		case ODR_FAIL:
			t->state = st;
			continue;
		default:
			odr_task_fail(r, t, "layer returned a bad state",
			              OD_EDE_OTHER);
			continue;
		}
	}
	return ODR_DONE;
}

static bool same_addr(const struct sockaddr_storage *a,
                      const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	/* Typed copies: no access through casts of another struct type. */
	if (b->sa_family == AF_INET) {
		struct sockaddr_in x, y;
		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		return x.sin_port == y.sin_port &&
		       x.sin_addr.s_addr == y.sin_addr.s_addr;
	}
	if (b->sa_family == AF_INET6) {
		struct sockaddr_in6 x, y;
		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		return x.sin6_port == y.sin6_port &&
		       memcmp(&x.sin6_addr, &y.sin6_addr, 16) == 0;
	}
	return false;
}

/*
 * Does the answer belong to the query in flight? Checked on the raw bytes
 * (header and question only) before anything is parsed, so an answer
 * that is not ours costs no memory, however many of them a server sends.
 * Error answers may come without the question (servers that cannot parse
 * ours), and so may a truncated answer (it is retried over TCP).
 */
static bool matches_raw(const odr_req_t *r, const uint8_t *msg, size_t len)
{
	od_hdr_t h;
	od_hdr_unpack(&h, msg);
	if (!h.qr || h.opcode != OD_OPCODE_QUERY)
		return false;
	unsigned qd = (unsigned)msg[4] << 8 | msg[5];
	if (qd == 0)
		return h.tc || (h.rcode != OD_RCODE_NOERROR &&
		                h.rcode != OD_RCODE_NXDOMAIN);
	if (qd != 1)
		return false;
	od_rd_t rd;
	od_rd_init(&rd, msg, len);
	od_rd_skip(&rd, OD_HDR_LEN);
	uint8_t qname[OD_NAME_MAXLEN];
	if (od_name_unpack(&rd, qname) < 0)
		return false;
	uint16_t qtype = od_rd_u16(&rd), qclass = od_rd_u16(&rd);
	if (od_rd_err(&rd) || qtype != r->q.qtype || qclass != OD_CLASS_IN)
		return false;
	if (r->conf.use_0x20) {
		size_t n = od_name_len(r->q.qname);
		return od_name_len(qname) == n &&
		       memcmp(qname, r->q.qname, n) == 0;
	}
	return od_name_equal(qname, r->q.qname);
}

odr_state_t odr_req_consume(odr_req_t *r, const uint8_t *resp, size_t len,
                            const struct sockaddr *from, uint64_t now_ms)
{
	if (r->done)
		return ODR_DONE;
	if (!r->q.active)
		return ODR_PRODUCE;
	odr_answer_t a = { 0 };
	od_pkt_t pkt;
	if (resp != NULL) {
		if (len < OD_HDR_LEN)
			return ODR_CONSUME;
		if (from != NULL && !same_addr(&r->q.addr, from))
			return ODR_CONSUME;
		od_hdr_t h;
		od_hdr_unpack(&h, resp);
		if (h.id != r->q.id || !matches_raw(r, resp, len))
			return ODR_CONSUME;
		/* Over UDP nothing larger than the size we offered is a real
		 * answer (and decompressing a large one costs memory). */
		size_t udp_max = r->q.edns ? r->conf.edns_size
		                           : OD_PKT_UDP_MAXLEN;
		if (!r->q.tcp && len > udp_max)
			return ODR_CONSUME;
		/* Parsed into the arena: answer records may end up in the
		 * client's answer. A request that has used its memory budget
		 * (hostile answers decompress to far more than they weigh)
		 * fails rather than grow. */
		if (r->arena.used > ODR_REQ_MEM_MAX) {
			r->q.active = false;
			odr_req_fatal(r, "answers too large", OD_EDE_OTHER);
			return ODR_PRODUCE;
		}
		if (od_pkt_parse(&pkt, resp, len, &r->arena.mm,
		                 OD_PKT_TRAILING_OK) == 0)
			a.pkt = &pkt;
		else
			a.malformed = true;
		uint64_t d = now_ms >= r->q.sent_ms ? now_ms - r->q.sent_ms : 0;
		a.rtt_ms = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	} else {
		r->timeouts++;
	}
	odr_task_t *t = r->q.task;
	if (r->ntasks == 0 || t != r->stack[r->ntasks - 1]) {
		r->q.active = false;
		return ODR_PRODUCE;
	}
	odr_state_t st = ODR_PRODUCE;
	for (size_t i = 0; i < NLAYERS; i++) {
		if (layers[i].consume == NULL)
			continue;
		st = layers[i].consume(r, t, &a, now_ms);
		if (settled(st))
			break;
	}
	r->q.active = false;
	if (settled(st))
		t->state = st;
	if (unwind(r, now_ms))
		return ODR_DONE;
	return ODR_PRODUCE;
}

/* The client's answer. */

/* The answer with rcode, and t's records (t NULL: none). */
static int write_answer(odr_req_t *r, uint8_t *out, size_t max, uint16_t rcode,
                        const odr_task_t *t)
{
	bool records = t != NULL;
	bool stale = t != NULL && t == r->stale;
	od_hdr_t ch;
	od_hdr_unpack(&ch, r->cq);
	od_hdr_t h = {
		.id = ch.id,
		.opcode = ch.opcode,
		.qr = true,
		.rd = ch.rd,
		.cd = ch.cd,
		.ra = true,
		/* RFC 4035 §3.2.3, RFC 6840 §5.7/§5.8: AD for a secure
		 * answer to a client that asked with DO or AD. */
		.ad = records && t->sec == ODR_SEC_SECURE &&
		      (r->client_do || r->client_ad),
	};
	od_pkt_w_t b;
	if (od_pkt_w_init(&b, out, max, &h) != 0)
		return 0;
	od_edns_t e;
	if (r->client_edns) {
		od_edns_init(&e, ANSWER_UDP_MAX);
		/* RFC 3225 §3: the DO bit is copied into the response. */
		e.flags = r->cpkt.edns.flags & OD_EDNS_DO;
		if (stale)
			(void)od_edns_add_ede(&e, &r->arena.mm,
			                      rcode == OD_RCODE_NXDOMAIN
			                              ? OD_EDE_STALE_NXDOMAIN
			                              : OD_EDE_STALE,
			                      r->fail,
			                      r->fail ? strlen(r->fail) : 0);
		else if (rcode == OD_RCODE_SERVFAIL && r->fail != NULL)
			(void)od_edns_add_ede(&e, &r->arena.mm, r->fail_ede,
			                      r->fail, strlen(r->fail));
		else if (records && r->note_ede >= 0)
			(void)od_edns_add_ede(
			        &e, &r->arena.mm, (uint16_t)r->note_ede,
			        r->note_text,
			        r->note_text ? strlen(r->note_text) : 0);
		if (od_pkt_w_edns(&b, &e) != 0 && rcode > 15)
			return 0;
	}
	if (r->have_question) {
		const od_question_t *qd = od_pkt_question(&r->cpkt);
		if (od_pkt_w_question(&b, qd->qname, qd->qtype, qd->qclass) !=
		    0)
			return 0;
	}
	if (records) {
		/* RFC 4035 §3.2.1: signatures and proofs only for DO. */
		bool dnssec = r->client_do;
		for (size_t i = 0; i < t->nans && !b.tc; i++) {
			const odr_group_t *g = &t->ans[i];
			if (od_pkt_w_rrset(&b, OD_ANSWER, g->rrs, g->n) != 0)
				break;
			if (dnssec && g->nsigs > 0 &&
			    od_pkt_w_rrset(&b, OD_ANSWER, g->sigs, g->nsigs) !=
			            0)
				break;
		}
		if (t->soa.n > 0 && !b.tc)
			(void)od_pkt_w_rrset(&b, OD_AUTHORITY, t->soa.rrs,
			                     t->soa.n);
		if (dnssec && t->soa.n > 0 && t->soa_sigs.n > 0 && !b.tc)
			(void)od_pkt_w_rrset(&b, OD_AUTHORITY, t->soa_sigs.rrs,
			                     t->soa_sigs.n);
		if (dnssec && t->nauth > 0 && !b.tc)
			(void)od_pkt_w_rrset(&b, OD_AUTHORITY, t->auth,
			                     t->nauth);
	}
	od_pkt_w_rcode(&b, rcode);
	int n = od_pkt_w_finish(&b);
	return n > 0 ? n : 0;
}

/* The UDP or TCP limit of the client's answer, within cap. */
static size_t answer_max(const odr_req_t *r, size_t cap, bool tcp)
{
	size_t max = OD_PKT_MAXLEN;
	if (!tcp) {
		max = OD_PKT_UDP_MAXLEN;
		if (r->client_edns && r->client_udp > max)
			max = r->client_udp > ANSWER_UDP_MAX ? ANSWER_UDP_MAX
			                                     : r->client_udp;
	}
	return max > cap ? cap : max;
}

int odr_req_finish(odr_req_t *r, uint8_t *out, size_t cap, bool tcp)
{
	if (r == NULL || out == NULL || r->drop || r->cq == NULL)
		return 0;
	size_t max = answer_max(r, cap, tcp);
	if (r->early)
		return write_answer(r, out, max, r->early_rcode, NULL);
	if (r->root == NULL)
		return 0;
	if (r->stale_answer)
		return write_answer(r, out, max, r->stale->rcode, r->stale);
	if (!r->done || r->root->state != ODR_DONE) {
		if (r->fail == NULL)
			r->fail = r->done ? "resolution failed"
			                  : "resolution not finished";
		return write_answer(r, out, max, OD_RCODE_SERVFAIL, NULL);
	}
	return write_answer(r, out, max, r->root->rcode, r->root);
}

int odr_req_stale(odr_req_t *r, uint64_t now_ms, uint8_t *out, size_t cap,
                  bool tcp)
{
	if (r == NULL || out == NULL || r->drop || r->cq == NULL || r->early ||
	    r->done || r->root == NULL || !stale_build(r, now_ms))
		return 0;
	return write_answer(r, out, answer_max(r, cap, tcp), r->stale->rcode,
	                    r->stale);
}

void odr_req_info(const odr_req_t *r, odr_req_info_t *out)
{
	memset(out, 0, sizeof(*out));
	if (r == NULL)
		return;
	out->upstream = r->upstream;
	out->local = r->local;
	out->timeouts = r->timeouts;
	out->limits = r->limits_hit;
	out->fail = r->fail;
	out->ede = -1;
	out->sigs = r->limits.verifications;
	if (r->stale_answer) {
		out->stale = true;
		out->rcode = r->stale->rcode;
		out->cached = r->upstream == 0;
		out->ede = r->stale->rcode == OD_RCODE_NXDOMAIN
		                   ? OD_EDE_STALE_NXDOMAIN
		                   : OD_EDE_STALE;
	} else if (r->early) {
		out->rcode = r->early_rcode;
	} else if (r->root != NULL && r->done && r->root->state == ODR_DONE) {
		out->rcode = r->root->rcode;
		out->cached = r->upstream == 0 && r->root->from_cache;
		out->sec = r->root->sec;
		out->ede = r->note_ede;
	} else if (r->root != NULL) {
		out->rcode = OD_RCODE_SERVFAIL;
		if (r->fail != NULL)
			out->ede = r->fail_ede;
	}
}
