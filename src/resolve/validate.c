/* SPDX-License-Identifier: MIT */
/*
 * The validate phase (RFC 4033, 4034, 4035, 5155, 6840): the chain of
 * trust from the configured anchors down to the signer of every RRset of
 * an answer, the proofs of denial and of wildcard expansion, and the
 * verdict (secure, insecure, bogus) with the Extended DNS Error that
 * says why.
 *
 * The validator runs when a task has settled. It is restartable: each
 * run works from what the cache and the task's finished fetches hold,
 * and when a DS or DNSKEY RRset is missing it starts a sub-request for
 * it and yields; the engine calls it again once the fetch has finished.
 * What it validates goes back into the cache with its verdict, so an
 * answer is validated when the cache is filled and never on a hit.
 *
 * The walk down from an anchor asks for the DS RRset of one label after
 * the other towards the name (a name with a DS is a secure zone cut, a
 * proven absence with NS in the bitmap an insecure one, a proven
 * absence without NS is inside the zone), so no referral data is ever
 * trusted and the zone cut of an unsigned answer is found exactly.
 *
 * Work is bounded per client query: signature verifications and keys
 * tried per RRSIG (r->limits, KeyTrap), NSEC3 hash computations
 * (r->hash_budget, CVE-2023-50868), NSEC3 iterations (RFC 9276), and
 * ODR_VAL_MAX_FETCH fetches per task.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/rrtype.h"
#include "resolve/aggr.h"
#include "resolve/internal.h"

/* Outcome of a check. */
enum vres {
	V_SECURE = 0,
	V_INSECURE,
	V_BOGUS,
	V_NEED, /* a fetch was started: yield */
};

/* Bits of odr_neg_t.vflags on a validated DS denial. */
#define VF_CUT 0x01 /* insecure delegation at the name */
#define VF_NX 0x02  /* the name does not exist */

typedef struct vout {
	int res;
	int ede;         /* -1: none */
	const char *why; /* arena or static */
} vout_t;

/* A validated DNSKEY RRset, parsed. */
typedef struct vkeys {
	uint8_t zone[OD_NAME_MAXLEN];
	/* Keys are parsed (a public key built) only when an RRSIG names
	 * their tag and algorithm: building one costs about as much as a
	 * verification, and most keys of a set are never needed. Until
	 * then only flags, protocol, algorithm and tag are filled in. */
	od_dnskey_t *keys; /* arena array; parsed ones registered in r->keys */
	const od_rr_t *rr; /* the DNSKEY records, same order */
	bool *parsed;
	size_t n;
} vkeys_t;

#define MEMO_MAX 16

/* Per request: parsed key sets and chain results by name. */
struct odr_val {
	vkeys_t keys[MEMO_MAX];
	size_t nkeys;
	struct {
		uint8_t name[OD_NAME_MAXLEN];
		vout_t out;
		const vkeys_t *k;
	} chain[MEMO_MAX];
	size_t nchain;
};

/* What a lookup found: an RRset, a denial, or a failure. */
typedef struct vdata {
	bool neg, failed;
	uint16_t rcode;
	odr_group_t set;
	/* negative */
	odr_neg_t negc; /* to store it again with the verdict */
	bool have_soa;
	const od_rr_t *proof;
	size_t nproof;
	uint8_t neg_sec, vflags;
	uint16_t neg_ede;
	/* failed */
	const char *why;
	uint16_t ede;
} vdata_t;

static const char *fmt(odr_req_t *r, const char *f, ...)
        __attribute__((format(printf, 2, 3)));

static const char *fmt(odr_req_t *r, const char *f, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n < 0)
		return "DNSSEC validation failed";
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	char *s = od_mm_alloc(&r->arena.mm, (size_t)n + 1);
	if (s == NULL)
		return "DNSSEC validation failed";
	memcpy(s, buf, (size_t)n + 1);
	return s;
}

/* Presentation form of a name for messages (a static-size buffer). */
typedef struct {
	char s[OD_NAME_MAXLEN * 4 + 1];
} ntext_t;

static const char *ntext(ntext_t *b, const uint8_t *name)
{
	if (od_name_to_str(b->s, sizeof(b->s), name) < 0)
		snprintf(b->s, sizeof(b->s), "?");
	return b->s;
}

/* Type mnemonic for a message (one per message: the buffer is reused). */
static const char *tname(uint16_t type)
{
	static _Thread_local char buf[24];
	if (od_rrtype_to_str(type, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "TYPE%u", (unsigned)type);
	return buf;
}

static vout_t out_of(int res, int ede, const char *why)
{
	vout_t o = { res, ede, why };
	return o;
}

bool odr_val_wanted(const odr_req_t *r, const odr_task_t *t)
{
	return r->trust != NULL && !t->val_fetch && t == r->root &&
	       !r->client_cd;
}

static struct odr_val *val_of(odr_req_t *r)
{
	if (r->val == NULL)
		r->val = od_mm_calloc(&r->arena.mm, sizeof(*r->val));
	return r->val;
}

/* Data access: the cache, the task's finished fetches, or a fetch. */

static bool keep_key(odr_req_t *r, od_dnskey_t *k)
{
	if (r->nkeys == r->capkeys) {
		size_t cap = r->capkeys ? r->capkeys * 2 : 16;
		od_dnskey_t **v = od_mm_alloc(&r->arena.mm, cap * sizeof(*v));
		if (v == NULL)
			return false;
		if (r->nkeys > 0)
			memcpy(v, r->keys, r->nkeys * sizeof(*v));
		r->keys = v;
		r->capkeys = cap;
	}
	r->keys[r->nkeys++] = k;
	return true;
}

static void data_from_task(odr_req_t *r, const odr_task_t *sub,
                           const uint8_t *name, uint16_t type, vdata_t *d)
{
	memset(d, 0, sizeof(*d));
	if (sub->state != ODR_DONE) {
		d->failed = true;
		d->why = sub->fail_why;
		d->ede = sub->fail_why ? sub->fail_ede : OD_EDE_OTHER;
		return;
	}
	for (size_t i = 0; i < sub->nans; i++) {
		const odr_group_t *g = &sub->ans[i];
		if (g->n > 0 && g->rrs[0].type == type &&
		    od_name_equal(g->rrs[0].owner, name)) {
			d->set = *g;
			return;
		}
	}
	if (sub->nans > 0 && sub->rcode == OD_RCODE_NOERROR) {
		/* Something else (a CNAME at a DS or DNSKEY name). */
		d->failed = true;
		d->why = "unexpected answer";
		d->ede = OD_EDE_BOGUS;
		return;
	}
	d->neg = true;
	d->rcode = sub->rcode;
	d->neg_sec = sub->neg_sec;
	d->neg_ede = sub->neg_ede;
	size_t np = sub->soa_sigs.n + sub->nauth;
	od_rr_t *proof = np ? od_mm_alloc(&r->arena.mm, np * sizeof(*proof))
	                    : NULL;
	size_t k = 0;
	if (proof != NULL) {
		for (size_t i = 0; i < sub->soa_sigs.n; i++)
			proof[k++] = sub->soa_sigs.rrs[i];
		for (size_t i = 0; i < sub->nauth; i++)
			proof[k++] = sub->auth[i];
	}
	d->proof = proof;
	d->nproof = k;
	if (sub->soa.n > 0) {
		const od_rr_t *soa = &sub->soa.rrs[0];
		d->have_soa = true;
		d->negc.rcode = sub->rcode;
		d->negc.zone = soa->owner;
		d->negc.soa = soa->rdata;
		d->negc.soa_len = soa->rdlen;
		d->negc.ttl = soa->ttl;
		d->negc.rank = sub->soa.rank ? (odr_rank_t)sub->soa.rank
		                             : ODR_RANK_AUTH_AA;
		d->negc.proof = proof;
		d->negc.nproof = (uint16_t)k;
	}
}

/* A fetch of name/type for t: NEED when one was started. */
static int vget(odr_req_t *r, odr_task_t *t, const uint8_t *name, uint16_t type,
                uint64_t now_ms, vdata_t *d)
{
	memset(d, 0, sizeof(*d));
	odr_cache_t *c = r->env->cache;
	uint64_t now = odr_now_s(now_ms);
	odr_rrset_t s;
	if (c != NULL &&
	    odr_cache_get(c, name, type, now, &r->arena.mm, &s) == 0 &&
	    s.count > 0) {
		d->set.rrs = s.rrs;
		d->set.n = s.count;
		d->set.sigs = s.sigs;
		d->set.nsigs = s.nsigs;
		d->set.rank = (uint8_t)s.rank;
		d->set.sec = s.sec;
		d->set.ede = s.ede;
		return V_SECURE;
	}
	odr_neg_t neg;
	if (c != NULL &&
	    odr_cache_get_neg(c, name, type, now, &r->arena.mm, &neg) == 0) {
		d->neg = true;
		d->rcode = neg.rcode;
		d->neg_sec = neg.sec;
		d->neg_ede = neg.ede;
		d->vflags = neg.vflags;
		d->proof = neg.proof;
		d->nproof = neg.nproof;
		d->negc = neg;
		d->have_soa = true;
		return V_SECURE;
	}
	for (size_t i = 0; i < t->nfetch; i++) {
		const odr_fetch_t *f = &t->fetch[i];
		if (f->type == type && od_name_equal(f->name, name) &&
		    f->sub != NULL) {
			data_from_task(r, f->sub, name, type, d);
			return V_SECURE;
		}
	}
	if (t->fetch == NULL)
		t->fetch = od_mm_calloc(&r->arena.mm,
		                        ODR_VAL_MAX_FETCH * sizeof(*t->fetch));
	if (t->fetch == NULL || t->nfetch >= ODR_VAL_MAX_FETCH) {
		d->failed = true;
		d->why = "too many DNSSEC fetches";
		d->ede = OD_EDE_OTHER;
		return V_SECURE;
	}
	odr_fetch_t *f = &t->fetch[t->nfetch];
	od_name_copy(f->name, name);
	f->type = type;
	f->sub = NULL;
	if (!odr_sub_push(r, t, name, type, now_ms)) {
		d->failed = true;
		d->why = "cannot start a DNSSEC fetch";
		d->ede = OD_EDE_OTHER;
		return V_SECURE;
	}
	t->nfetch++;
	r->stack[r->ntasks - 1]->val_fetch = true;
	return V_NEED;
}

void odr_val_sub_done(odr_req_t *r, odr_task_t *t, const odr_task_t *sub)
{
	(void)r;
	if (t->nfetch > 0 && t->fetch[t->nfetch - 1].sub == NULL)
		t->fetch[t->nfetch - 1].sub = sub;
}

/* Signatures. */

static void keys_ready(odr_req_t *r, const vkeys_t *k, const od_rrsig_rd_t *sg,
                       size_t nsigs);

static int sig_ede(int res)
{
	switch (res) {
	case OD_RRSIG_EXPIRED:
		return OD_EDE_SIG_EXPIRED;
	case OD_RRSIG_NOT_YET_VALID:
		return OD_EDE_SIG_NOT_YET;
	case OD_RRSIG_TYPE_MISMATCH:
		return OD_EDE_RRSIGS_MISSING;
	case OD_RRSIG_KEY_MISMATCH:
		return OD_EDE_DNSKEY_MISSING;
	case OD_RRSIG_UNSUPPORTED_ALG:
		return OD_EDE_DNSKEY_ALG;
	default:
		return OD_EDE_BOGUS;
	}
}

static const char *sig_text(int res)
{
	switch (res) {
	case OD_RRSIG_EXPIRED:
		return "signature expired";
	case OD_RRSIG_NOT_YET_VALID:
		return "signature not yet valid";
	case OD_RRSIG_TYPE_MISMATCH:
		return "no RRSIG";
	case OD_RRSIG_KEY_MISMATCH:
		return "no DNSKEY matches the RRSIG";
	case OD_RRSIG_UNSUPPORTED_ALG:
		return "RRSIG algorithm not supported";
	case OD_RRSIG_SIGNER:
		return "RRSIG signer is not an ancestor";
	case OD_RRSIG_LABELS:
		return "RRSIG labels field too large";
	case OD_RRSIG_MALFORMED:
		return "malformed RRSIG";
	default:
		return "signature does not verify";
	}
}

/*
 * Verify records (owner, type) with sigs against a key set. On success
 * *labels (when not NULL) is the label count of the signature that
 * verified. \return V_SECURE or V_BOGUS (o filled).
 */
static int verify(odr_req_t *r, const od_rr_t *rrs, size_t n,
                  const od_rr_t *sigs, size_t nsigs, const vkeys_t *k,
                  int *labels, vout_t *o)
{
	ntext_t a, z;
	if (nsigs == 0) {
		*o = out_of(V_BOGUS, OD_EDE_RRSIGS_MISSING,
		            fmt(r, "no RRSIG over %s/%s (zone %s)",
		                ntext(&a, rrs[0].owner), tname(rrs[0].type),
		                ntext(&z, k->zone)));
		return V_BOGUS;
	}
	od_rrsig_rd_t rdv[64], sgv[16];
	od_rrsig_rd_t *rd = rdv, *sg = sgv;
	if (n > 64)
		rd = od_mm_alloc(&r->arena.mm, n * sizeof(*rd));
	if (nsigs > 16)
		sg = od_mm_alloc(&r->arena.mm, nsigs * sizeof(*sg));
	if (rd == NULL || sg == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	for (size_t i = 0; i < n; i++) {
		rd[i].data = rrs[i].rdata;
		rd[i].len = rrs[i].rdlen;
	}
	for (size_t i = 0; i < nsigs; i++) {
		sg[i].data = sigs[i].rdata;
		sg[i].len = sigs[i].rdlen;
	}
	od_rrsig_rrset_t set = {
		.owner = rrs[0].owner,
		.type = rrs[0].type,
		.rclass = OD_CLASS_IN,
		.count = n,
		.rrs = rd,
	};
	keys_ready(r, k, sg, nsigs);
	od_rrsig_keyset_t ks = { k->zone, k->keys, k->n };
	od_rrsig_match_t m;
	int res = od_rrsig_verify_set(&set, sg, nsigs, &ks, (uint64_t)r->wall,
	                              &r->limits, &r->arena.mm, &m);
	if (res == OD_RRSIG_VALID) {
		od_rrsig_t p;
		bool ok = od_rrsig_parse(&p, sg[m.sig].data, sg[m.sig].len) ==
		          0;
		if (labels != NULL)
			*labels = ok ? p.labels : 255;
		/* RFC 4035 §5.3.3: validated data lives no longer than the
		 * signature that vouches for it. */
		uint32_t left = ok ? p.expiration - (uint32_t)r->wall : 0;
		r->val_left = left < 0x80000000u ? left : 0;
		if (r->val_left < r->val_left_min)
			r->val_left_min = r->val_left;
		return V_SECURE;
	}
	if (res == OD_ELIMIT) {
		odr_req_fatal(r, "DNSSEC work limit reached", OD_EDE_BOGUS);
		r->limits_hit |= ODR_LIMIT_DNSSEC;
		*o = out_of(V_BOGUS, OD_EDE_BOGUS,
		            fmt(r, "too many signatures to check (zone %s)",
		                ntext(&z, k->zone)));
		return V_BOGUS;
	}
	if (res < 0) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	*o = out_of(V_BOGUS, sig_ede(res),
	            fmt(r, "%s: %s/%s (zone %s)", sig_text(res),
	                ntext(&a, rrs[0].owner), tname(rrs[0].type),
	                ntext(&z, k->zone)));
	return V_BOGUS;
}

/* Lower the TTL of records to at most left seconds. */
static void cap_ttl(od_rr_t *rrs, size_t n, uint32_t left)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].ttl > left)
			rrs[i].ttl = left;
}

static void cap_group(odr_group_t *g, uint32_t left)
{
	cap_ttl(g->rrs, g->n, left);
	cap_ttl(g->sigs, g->nsigs, left);
}

/* Key sets. */

static const vkeys_t *keys_find(odr_req_t *r, const uint8_t *zone)
{
	struct odr_val *v = val_of(r);
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < v->nkeys; i++)
		if (od_name_equal(v->keys[i].zone, zone))
			return &v->keys[i];
	return NULL;
}

/* Parse a DNSKEY RRset (only the keys whose index is set in use, when
 * use is not NULL). Malformed keys are left out. */
static const vkeys_t *keys_parse(odr_req_t *r, const uint8_t *zone,
                                 const odr_group_t *g, const bool *use,
                                 vkeys_t *tmp)
{
	od_dnskey_t *keys = od_mm_calloc(&r->arena.mm, g->n * sizeof(*keys));
	od_rr_t *rr = od_mm_alloc(&r->arena.mm, g->n * sizeof(*rr));
	bool *parsed = od_mm_calloc(&r->arena.mm, g->n * sizeof(*parsed));
	if (keys == NULL || rr == NULL || parsed == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++) {
		const od_rr_t *k = &g->rrs[i];
		if ((use != NULL && !use[i]) || k->rdlen < 4)
			continue;
		keys[n].flags = od_get_u16(k->rdata);
		keys[n].protocol = k->rdata[2];
		keys[n].alg = k->rdata[3];
		keys[n].tag = od_key_tag(k->rdata, k->rdlen);
		rr[n] = *k;
		n++;
	}
	od_name_copy(tmp->zone, zone);
	od_name_lower(tmp->zone);
	tmp->keys = keys;
	tmp->rr = rr;
	tmp->parsed = parsed;
	tmp->n = n;
	return tmp;
}

/* Build the keys the RRSIGs name (tag and algorithm), at most max_keys
 * per RRSIG (the verification tries no more). */
static void keys_ready(odr_req_t *r, const vkeys_t *k, const od_rrsig_rd_t *sg,
                       size_t nsigs)
{
	for (size_t j = 0; j < nsigs; j++) {
		if (sg[j].len < OD_RRSIG_FIXED_LEN)
			continue;
		uint8_t alg = sg[j].data[2];
		uint16_t tag = od_get_u16(sg[j].data + 16);
		uint32_t tried = 0;
		for (size_t i = 0; i < k->n && tried < r->limits.max_keys;
		     i++) {
			od_dnskey_t *key = &k->keys[i];
			if (key->tag != tag || key->alg != alg)
				continue;
			tried++;
			if (k->parsed[i])
				continue;
			k->parsed[i] = true;
			if (od_dnskey_from_rdata(key, k->rr[i].rdata,
			                         k->rr[i].rdlen,
			                         &r->arena.mm) != 0) {
				/* Malformed: left matching nothing. */
				memset(key, 0, sizeof(*key));
				continue;
			}
			if (!keep_key(r, key)) {
				od_dnskey_free(key);
				memset(key, 0, sizeof(*key));
			}
		}
	}
}

/* Remember a validated key set for the rest of the request. */
static const vkeys_t *keys_keep(odr_req_t *r, const uint8_t *zone,
                                const odr_group_t *g)
{
	const vkeys_t *k = keys_find(r, zone);
	if (k != NULL)
		return k;
	struct odr_val *v = val_of(r);
	if (v == NULL)
		return NULL;
	vkeys_t tmp;
	if (keys_parse(r, zone, g, NULL, &tmp) == NULL)
		return NULL;
	if (v->nkeys < MEMO_MAX) {
		v->keys[v->nkeys] = tmp;
		return &v->keys[v->nkeys++];
	}
	vkeys_t *heap = od_mm_alloc(&r->arena.mm, sizeof(*heap));
	if (heap != NULL)
		*heap = tmp;
	return heap;
}

static bool alg_supported(uint8_t alg)
{
	return od_alg_info(alg)->validate;
}

/* Tell the owner of the anchors what the anchored zone publishes
 * (RFC 5011): which keys there are and which signed the set. */
static void ta_report(odr_req_t *r, const uint8_t *zone, const odr_group_t *g)
{
	if (r->env->ta_seen == NULL || g->n == 0)
		return;
	const uint8_t **rd = od_mm_alloc(&r->arena.mm, g->n * sizeof(*rd));
	uint16_t *len = od_mm_alloc(&r->arena.mm, g->n * sizeof(*len));
	bool *self = od_mm_calloc(&r->arena.mm, g->n * sizeof(*self));
	if (rd == NULL || len == NULL || self == NULL)
		return;
	uint32_t orig_ttl = UINT32_MAX, left = UINT32_MAX;
	for (size_t j = 0; j < g->nsigs; j++) {
		od_rrsig_t p;
		if (od_rrsig_parse(&p, g->sigs[j].rdata, g->sigs[j].rdlen) != 0)
			continue;
		if (p.orig_ttl < orig_ttl)
			orig_ttl = p.orig_ttl;
		uint32_t l = p.expiration - (uint32_t)r->wall;
		if (l < 0x80000000u && l < left)
			left = l;
	}
	for (size_t i = 0; i < g->n; i++) {
		rd[i] = g->rrs[i].rdata;
		len[i] = g->rrs[i].rdlen;
		/* Did this key sign the set? (RFC 5011 §2.1: a revoked key
		 * counts only with a valid self-signature.) */
		bool *use = od_mm_calloc(&r->arena.mm, g->n * sizeof(*use));
		if (use == NULL)
			return;
		use[i] = true;
		vkeys_t tmp;
		vout_t o;
		uint32_t budget = r->limits.budget;
		if (keys_parse(r, zone, g, use, &tmp) != NULL && tmp.n == 1 &&
		    verify(r, g->rrs, g->n, g->sigs, g->nsigs, &tmp, NULL,
		           &o) == V_SECURE)
			self[i] = true;
		/* These checks are the resolver's own business, not the
		 * client query's: they do not use up its budget. */
		r->limits.budget = budget;
	}
	odr_ta_seen_t seen = {
		.zone = zone,
		.rdata = rd,
		.rdlen = len,
		.self_signed = self,
		.n = g->n,
		.orig_ttl = orig_ttl == UINT32_MAX ? 0 : orig_ttl,
		.sig_expire = left == UINT32_MAX ? 0 : left,
	};
	r->env->ta_seen(r->env->ta_ctx, &seen);
}

/* The DNSKEY RRset of zone, proven by the DS records ds (DS RDATA) or by
 * trust anchors (anchor true). \return V_SECURE (*out), V_INSECURE (no
 * usable DS: unsupported algorithms or digests), V_BOGUS, V_NEED. */
static int zone_keys(odr_req_t *r, odr_task_t *t, const uint8_t *zone,
                     const od_rr_t *ds, size_t nds, bool anchor,
                     uint64_t now_ms, const vkeys_t **out, vout_t *o)
{
	ntext_t z;
	const vkeys_t *k = keys_find(r, zone);
	if (k != NULL) {
		*out = k;
		return V_SECURE;
	}
	/* RFC 4035 §5.2: a DS whose algorithm or digest is not
	 * supported is as no DS. */
	bool any = false, alg_ok = false;
	for (size_t i = 0; i < nds; i++) {
		const od_rr_t *d = &ds[i];
		if (anchor && d->type == OD_TYPE_DNSKEY) {
			if (d->rdlen >= 4 && alg_supported(d->rdata[3]))
				any = true;
			continue;
		}
		if (d->rdlen < 4 || !alg_supported(d->rdata[2]))
			continue;
		alg_ok = true;
		if (od_ds_digest_len(d->rdata[3]) > 0)
			any = true;
	}
	if (!any) {
		*o = out_of(V_INSECURE,
		            alg_ok || nds == 0 ? OD_EDE_DS_DIGEST
		                               : OD_EDE_DNSKEY_ALG,
		            fmt(r, "%s: %s not supported (zone insecure)",
		                ntext(&z, zone),
		                alg_ok ? "DS digest types"
		                       : "DNSSEC algorithms"));
		return V_INSECURE;
	}
	vdata_t d;
	if (anchor && r->nocache && t == r->root &&
	    t->qtype == OD_TYPE_DNSKEY && od_name_equal(t->qname, zone) &&
	    t->nans > 0 && t->ans[0].n > 0 &&
	    t->ans[0].rrs[0].type == OD_TYPE_DNSKEY &&
	    t->ans[0].sec == ODR_SEC_UNCHECKED) {
		/* A refresh of an anchored zone (RFC 5011): the set just
		 * fetched is checked against the anchors themselves, not
		 * replaced by the one the cache validated before. */
		memset(&d, 0, sizeof(d));
		d.set = t->ans[0];
	} else if (vget(r, t, zone, OD_TYPE_DNSKEY, now_ms, &d) == V_NEED) {
		return V_NEED;
	}
	if (d.failed || d.neg || d.set.n == 0) {
		int ede = d.failed && d.ede == OD_EDE_NO_REACHABLE_AUTH
		                  ? OD_EDE_NO_REACHABLE_AUTH
		                  : OD_EDE_DNSKEY_MISSING;
		*o = out_of(V_BOGUS, ede,
		            fmt(r, "no DNSKEY for %s%s%s", ntext(&z, zone),
		                d.why ? ": " : "", d.why ? d.why : ""));
		return V_BOGUS;
	}
	if (d.set.sec == ODR_SEC_SECURE) {
		k = keys_keep(r, zone, &d.set);
		if (k == NULL) {
			*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
			return V_BOGUS;
		}
		*out = k;
		return V_SECURE;
	}
	if (d.set.sec == ODR_SEC_BOGUS) {
		*o = out_of(V_BOGUS, d.set.ede,
		            fmt(r, "DNSKEY of %s is bogus (cached)",
		                ntext(&z, zone)));
		return V_BOGUS;
	}
	/* The keys the DS (or the anchors) designate. */
	bool *use = od_mm_calloc(&r->arena.mm, d.set.n * sizeof(*use));
	if (use == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	size_t nuse = 0;
	for (size_t i = 0; i < d.set.n; i++) {
		const od_rr_t *key = &d.set.rrs[i];
		if (key->rdlen < 4 ||
		    !(od_get_u16(key->rdata) & OD_DNSKEY_ZONE))
			continue;
		for (size_t j = 0; j < nds && !use[i]; j++) {
			const od_rr_t *a = &ds[j];
			if (a->type == OD_TYPE_DNSKEY) {
				use[i] = a->rdlen == key->rdlen &&
				         memcmp(a->rdata, key->rdata,
				                key->rdlen) == 0;
			} else if (a->rdlen >= 4 &&
			           alg_supported(a->rdata[2])) {
				use[i] = od_ds_match(zone, a->rdata, a->rdlen,
				                     key->rdata,
				                     key->rdlen) == 1;
			}
		}
		if (use[i])
			nuse++;
	}
	if (nuse == 0) {
		*o = out_of(V_BOGUS, OD_EDE_DNSKEY_MISSING,
		            fmt(r, "no DNSKEY of %s matches its %s",
		                ntext(&z, zone),
		                anchor ? "trust anchor" : "DS"));
		odr_store_group(r, &d.set, ODR_SEC_BOGUS, OD_EDE_DNSKEY_MISSING,
		                now_ms);
		return V_BOGUS;
	}
	vkeys_t tmp;
	if (keys_parse(r, zone, &d.set, use, &tmp) == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	if (verify(r, d.set.rrs, d.set.n, d.set.sigs, d.set.nsigs, &tmp, NULL,
	           o) != V_SECURE) {
		odr_store_group(r, &d.set, ODR_SEC_BOGUS, (uint16_t)o->ede,
		                now_ms);
		return V_BOGUS;
	}
	cap_group(&d.set, r->val_left);
	odr_store_group(r, &d.set, ODR_SEC_SECURE, 0, now_ms);
	if (anchor)
		ta_report(r, zone, &d.set);
	k = keys_keep(r, zone, &d.set);
	if (k == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	*out = k;
	return V_SECURE;
}

/* Proofs of denial. */

/* Validate the NSEC/NSEC3 RRsets of a proof with k; the valid records go
 * to *out. \return V_SECURE, V_BOGUS (a record did not verify). */
static int proof_records(odr_req_t *r, const od_rr_t *proof, size_t n,
                         const vkeys_t *k, od_rr_t **out, size_t *nout,
                         vout_t *o)
{
	*nout = 0;
	*out = n ? od_mm_alloc(&r->arena.mm, n * sizeof(**out)) : NULL;
	if (n > 0 && *out == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	od_rr_t *set = n ? od_mm_alloc(&r->arena.mm, n * sizeof(*set)) : NULL;
	od_rr_t *sigs = n ? od_mm_alloc(&r->arena.mm, n * sizeof(*sigs)) : NULL;
	bool *done = n ? od_mm_calloc(&r->arena.mm, n * sizeof(*done)) : NULL;
	if (n > 0 && (set == NULL || sigs == NULL || done == NULL)) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	for (size_t i = 0; i < n; i++) {
		const od_rr_t *rr = &proof[i];
		if (done[i] ||
		    (rr->type != OD_TYPE_NSEC && rr->type != OD_TYPE_NSEC3))
			continue;
		/* Only records of the zone whose keys we hold. */
		if (!od_name_in(rr->owner, k->zone))
			continue;
		size_t ns = 0, nsig = 0;
		for (size_t j = i; j < n; j++) {
			if (proof[j].type == rr->type && !done[j] &&
			    od_name_equal(proof[j].owner, rr->owner)) {
				set[ns++] = proof[j];
				done[j] = true;
			}
		}
		for (size_t j = 0; j < n; j++)
			if (proof[j].type == OD_TYPE_RRSIG &&
			    proof[j].rdlen >= 2 &&
			    od_get_u16(proof[j].rdata) == rr->type &&
			    od_name_equal(proof[j].owner, rr->owner))
				sigs[nsig++] = proof[j];
		if (verify(r, set, ns, sigs, nsig, k, NULL, o) != V_SECURE)
			return V_BOGUS;
		cap_ttl(set, ns, r->val_left);
		cap_ttl(sigs, nsig, r->val_left);
		for (size_t j = 0; j < ns; j++) {
			(*out)[(*nout)++] = set[j];
			/* RFC 8198: proven records serve later queries. */
			if (r->env->aggr != NULL)
				(void)odr_aggr_put(r->env->aggr, k->zone,
				                   &set[j], sigs, nsig,
				                   odr_now_s(r->val_now_ms));
		}
	}
	return V_SECURE;
}

static bool any_nsec3(const od_rr_t *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].type == OD_TYPE_NSEC3)
			return true;
	return false;
}

/* A denial verdict as an outcome; ok is what PROVEN means. */
static int verdict(odr_req_t *r, int rc, const od_denial_t *res,
                   const uint8_t *zone, const uint8_t *name, vout_t *o)
{
	ntext_t a, z;
	if (rc == OD_ELIMIT) {
		odr_req_fatal(r, "DNSSEC work limit reached", OD_EDE_BOGUS);
		r->limits_hit |= ODR_LIMIT_DNSSEC;
		*o = out_of(V_BOGUS, OD_EDE_BOGUS,
		            fmt(r, "too many NSEC3 hashes (zone %s)",
		                ntext(&z, zone)));
		return V_BOGUS;
	}
	if (rc < 0) {
		*o = out_of(V_BOGUS, OD_EDE_NSEC_MISSING,
		            fmt(r, "denial of %s not proven (zone %s)",
		                ntext(&a, name), ntext(&z, zone)));
		return V_BOGUS;
	}
	switch (res->verdict) {
	case OD_DENIAL_PROVEN:
		return V_SECURE;
	case OD_DENIAL_INSECURE_OPTOUT:
		*o = out_of(V_INSECURE, -1, NULL);
		return V_INSECURE;
	case OD_DENIAL_ITERATIONS:
		*o = out_of(V_INSECURE, OD_EDE_NSEC3_ITERS,
		            fmt(r, "NSEC3 iterations above %u (zone %s)",
		                (unsigned)r->conf.nsec3_max_iter,
		                ntext(&z, zone)));
		return V_INSECURE;
	default:
		*o = out_of(V_BOGUS, OD_EDE_NSEC_MISSING,
		            fmt(r, "denial of %s not proven: %s (zone %s)",
		                ntext(&a, name), res->reason, ntext(&z, zone)));
		return V_BOGUS;
	}
}

/* Chain of trust. */

static const odr_nta_t *nta_for(const odr_req_t *r, const uint8_t *name)
{
	for (size_t i = 0; i < r->trust->nntas; i++) {
		const odr_nta_t *n = &r->trust->ntas[i];
		if ((n->expires == 0 || n->expires > r->wall) &&
		    od_name_in(name, n->zone))
			return n;
	}
	return NULL;
}

/* The deepest anchored zone at or above name, and its anchors. */
static const uint8_t *anchor_for(odr_req_t *r, const uint8_t *name,
                                 od_rr_t **out, size_t *n)
{
	const uint8_t *best = NULL;
	int bl = -1;
	for (size_t i = 0; i < r->trust->nanchors; i++) {
		const odr_anchor_t *a = &r->trust->anchors[i];
		int l = od_name_labels(a->zone);
		if (l > bl && od_name_in(name, a->zone)) {
			best = a->zone;
			bl = l;
		}
	}
	*n = 0;
	if (best == NULL)
		return NULL;
	*out = od_mm_alloc(&r->arena.mm, r->trust->nanchors * sizeof(**out));
	if (*out == NULL)
		return NULL;
	for (size_t i = 0; i < r->trust->nanchors; i++) {
		const odr_anchor_t *a = &r->trust->anchors[i];
		if (!od_name_equal(a->zone, best))
			continue;
		od_rr_t *rr = &(*out)[(*n)++];
		memset(rr, 0, sizeof(*rr));
		rr->owner = a->zone;
		rr->type = a->type;
		rr->rclass = OD_CLASS_IN;
		rr->rdata = a->rdata;
		rr->rdlen = a->rdlen;
	}
	return best;
}

/*
 * The chain of trust from the anchors down to target: V_SECURE with the
 * keys of the deepest zone at or above target (*k), V_INSECURE (an NTA,
 * no anchor, a proven insecure delegation, unsupported algorithms),
 * V_BOGUS or V_NEED.
 */
static int chain(odr_req_t *r, odr_task_t *t, const uint8_t *target,
                 uint64_t now_ms, const vkeys_t **k, vout_t *o)
{
	ntext_t a, z;
	struct odr_val *v = val_of(r);
	if (v == NULL) {
		*o = out_of(V_BOGUS, OD_EDE_OTHER, "out of memory");
		return V_BOGUS;
	}
	for (size_t i = 0; i < v->nchain; i++)
		if (od_name_equal(v->chain[i].name, target)) {
			*o = v->chain[i].out;
			*k = v->chain[i].k;
			return o->res;
		}
	*o = out_of(V_SECURE, -1, NULL);
	const odr_nta_t *nta = nta_for(r, target);
	if (nta != NULL) {
		*o = out_of(V_INSECURE, OD_EDE_OTHER,
		            fmt(r, "negative trust anchor %s",
		                ntext(&z, nta->zone)));
		return V_INSECURE;
	}
	od_rr_t *anchors = NULL;
	size_t nanch;
	const uint8_t *az = anchor_for(r, target, &anchors, &nanch);
	if (az == NULL || nanch == 0) {
		/* RFC 4035 §4.3: no anchor above it: not validatable. */
		*o = out_of(V_INSECURE, -1, NULL);
		return V_INSECURE;
	}
	int res = zone_keys(r, t, az, anchors, nanch, true, now_ms, k, o);
	if (res != V_SECURE)
		goto out;
	/* One label at a time below the anchor. */
	uint8_t pos[OD_NAME_MAXLEN];
	od_name_copy(pos, az);
	int tl = od_name_labels(target);
	while (od_name_labels(pos) < tl) {
		const uint8_t *x =
		        od_name_suffix(target, od_name_labels(pos) + 1);
		od_name_copy(pos, x);
		vdata_t d;
		if (vget(r, t, pos, OD_TYPE_DS, now_ms, &d) == V_NEED)
			return V_NEED;
		if (d.failed) {
			*o = out_of(V_BOGUS,
			            d.ede == OD_EDE_NO_REACHABLE_AUTH
			                    ? OD_EDE_NO_REACHABLE_AUTH
			                    : OD_EDE_BOGUS,
			            fmt(r, "cannot get the DS of %s%s%s",
			                ntext(&a, pos), d.why ? ": " : "",
			                d.why ? d.why : ""));
			res = V_BOGUS;
			goto out;
		}
		if (!d.neg) {
			if (d.set.sec == ODR_SEC_BOGUS) {
				*o = out_of(V_BOGUS, d.set.ede,
				            fmt(r, "DS of %s is bogus (cached)",
				                ntext(&a, pos)));
				res = V_BOGUS;
				goto out;
			}
			if (d.set.sec != ODR_SEC_SECURE) {
				if (verify(r, d.set.rrs, d.set.n, d.set.sigs,
				           d.set.nsigs, *k, NULL,
				           o) != V_SECURE) {
					odr_store_group(r, &d.set,
					                ODR_SEC_BOGUS,
					                (uint16_t)o->ede,
					                now_ms);
					res = V_BOGUS;
					goto out;
				}
				cap_group(&d.set, r->val_left);
				odr_store_group(r, &d.set, ODR_SEC_SECURE, 0,
				                now_ms);
			}
			res = zone_keys(r, t, pos, d.set.rrs, d.set.n, false,
			                now_ms, k, o);
			if (res != V_SECURE)
				goto out;
			continue;
		}
		/* No DS: what the proof says about pos. */
		uint8_t flags = 0;
		if (d.neg_sec == ODR_SEC_SECURE) {
			flags = d.vflags;
		} else if (d.neg_sec == ODR_SEC_BOGUS) {
			*o = out_of(V_BOGUS, d.neg_ede,
			            fmt(r,
			                "denial of the DS of %s is bogus "
			                "(cached)",
			                ntext(&a, pos)));
			res = V_BOGUS;
			goto out;
		} else {
			od_rr_t *recs;
			size_t nrec;
			if (proof_records(r, d.proof, d.nproof, *k, &recs,
			                  &nrec, o) != V_SECURE) {
				res = V_BOGUS;
				goto out;
			}
			od_denial_t dn = { OD_DENIAL_NOT_PROVEN, "" };
			int rc = 0, vr;
			if (nrec == 0) {
				*o = out_of(
				        V_BOGUS, OD_EDE_NSEC_MISSING,
				        fmt(r,
				            "no NSEC/NSEC3 proves the DS of "
				            "%s absent (zone %s)",
				            ntext(&a, pos),
				            ntext(&z, (*k)->zone)));
				res = V_BOGUS;
				goto out;
			}
			if (any_nsec3(recs, nrec)) {
				uint32_t *hb = &r->hash_budget;
				od_nsec3_set_t s3 = { recs, nrec, (*k)->zone,
					              r->conf.nsec3_max_iter,
					              hb };
				rc = od_nsec3_insecure_delegation(&s3, pos,
				                                  &dn);
				if (rc == 0 &&
				    (dn.verdict == OD_DENIAL_PROVEN ||
				     dn.verdict == OD_DENIAL_INSECURE_OPTOUT)) {
					flags = VF_CUT;
				} else if (rc == 0 &&
				           dn.verdict == OD_DENIAL_ITERATIONS) {
					vr = verdict(r, rc, &dn, (*k)->zone,
					             pos, o);
					res = vr;
					goto out;
				} else if (rc == 0 || rc == OD_EINVAL) {
					rc = d.rcode == OD_RCODE_NXDOMAIN
					             ? od_nsec3_nxdomain(
					                       &s3, pos, &dn)
					             : od_nsec3_nodata(
					                       &s3, pos,
					                       OD_TYPE_DS, &dn);
					if (rc == 0 &&
					    dn.verdict ==
					            OD_DENIAL_INSECURE_OPTOUT) {
						flags = VF_CUT;
					} else {
						vr = verdict(r, rc, &dn,
						             (*k)->zone, pos,
						             o);
						if (vr != V_SECURE) {
							res = vr;
							goto out;
						}
						if (d.rcode ==
						    OD_RCODE_NXDOMAIN)
							flags = VF_NX;
					}
				} else {
					vr = verdict(r, rc, &dn, (*k)->zone,
					             pos, o);
					res = vr;
					goto out;
				}
			} else {
				rc = od_nsec_insecure_delegation(
				        recs, nrec, pos, (*k)->zone, &dn);
				if (rc == 0 && dn.verdict == OD_DENIAL_PROVEN) {
					flags = VF_CUT;
				} else {
					rc = d.rcode == OD_RCODE_NXDOMAIN
					             ? od_nsec_nxdomain(
					                       recs, nrec, pos,
					                       (*k)->zone, &dn)
					             : od_nsec_nodata(
					                       recs, nrec, pos,
					                       OD_TYPE_DS,
					                       (*k)->zone, &dn);
					vr = verdict(r, rc, &dn, (*k)->zone,
					             pos, o);
					if (vr != V_SECURE) {
						res = vr;
						goto out;
					}
					if (d.rcode == OD_RCODE_NXDOMAIN)
						flags = VF_NX;
				}
			}
			if (d.have_soa && r->env->cache != NULL) {
				odr_neg_t n = d.negc;
				n.sec = ODR_SEC_SECURE;
				n.vflags = flags;
				n.ede = 0;
				(void)odr_cache_put_neg(r->env->cache, pos,
				                        OD_TYPE_DS, &n,
				                        odr_now_s(now_ms));
			}
		}
		if (flags & VF_CUT) {
			*o = out_of(V_INSECURE, -1, NULL);
			res = V_INSECURE;
			goto out;
		}
		if (flags & VF_NX)
			break;
	}
	res = V_SECURE;
out:
	if (res == V_NEED)
		return V_NEED;
	o->res = res;
	if (v->nchain < MEMO_MAX) {
		od_name_copy(v->chain[v->nchain].name, target);
		v->chain[v->nchain].out = *o;
		v->chain[v->nchain].k = res == V_SECURE ? *k : NULL;
		v->nchain++;
	}
	return res;
}

/* The answer. */

/* The signer of a group's RRSIGs (the first one that may sign it). */
static const uint8_t *signer_of(const odr_group_t *g)
{
	for (size_t i = 0; i < g->nsigs; i++) {
		od_rrsig_t p;
		if (od_rrsig_parse(&p, g->sigs[i].rdata, g->sigs[i].rdlen) ==
		            0 &&
		    p.covered == g->rrs[0].type &&
		    od_name_in(g->rrs[0].owner, p.signer))
			return p.signer;
	}
	return NULL;
}

/* The zone an unsigned RRset would be signed by: its owner, or for DS
 * the parent (RFC 4035 §2.4). */
static const uint8_t *unsigned_zone(const odr_group_t *g)
{
	const uint8_t *o = g->rrs[0].owner;
	if (g->rrs[0].type == OD_TYPE_DS && !od_name_is_root(o))
		return od_name_parent(o);
	return o;
}

/* Wildcard expansion (RFC 4035 §5.3.4): no closer name exists. */
static int wildcard_proof(odr_req_t *r, odr_task_t *t, const odr_group_t *g,
                          int labels, const vkeys_t *k, vout_t *o)
{
	od_rr_t *recs;
	size_t nrec;
	if (proof_records(r, t->auth, t->nauth, k, &recs, &nrec, o) != V_SECURE)
		return V_BOGUS;
	const uint8_t *owner = g->rrs[0].owner;
	od_denial_t dn = { OD_DENIAL_NOT_PROVEN, "" };
	int rc;
	if (nrec == 0) {
		ntext_t a;
		*o = out_of(V_BOGUS, OD_EDE_NSEC_MISSING,
		            fmt(r, "wildcard answer for %s without NSEC/NSEC3",
		                ntext(&a, owner)));
		return V_BOGUS;
	}
	if (any_nsec3(recs, nrec)) {
		od_nsec3_set_t s3 = { recs, nrec, k->zone,
			              r->conf.nsec3_max_iter, &r->hash_budget };
		rc = od_nsec3_wildcard_answer(&s3, owner, labels, &dn);
	} else {
		rc = od_nsec_wildcard_answer(recs, nrec, owner, labels, k->zone,
		                             &dn);
	}
	return verdict(r, rc, &dn, k->zone, owner, o);
}

/* Cache a proven wildcard expansion under the wildcard's own name too,
 * so that other names it covers can be answered from it (RFC 8198 §5.3). */
static void keep_wildcard(odr_req_t *r, const odr_group_t *g, int labels,
                          uint64_t now_ms)
{
	if (r->env->aggr == NULL || r->env->cache == NULL)
		return;
	uint8_t *w = od_mm_alloc(&r->arena.mm, OD_NAME_MAXLEN);
	od_rr_t *rrs = od_mm_alloc(&r->arena.mm, g->n * sizeof(*rrs));
	if (w == NULL || rrs == NULL ||
	    od_wildcard_of(w, od_name_suffix(g->rrs[0].owner, labels)) < 0)
		return;
	for (size_t i = 0; i < g->n; i++) {
		rrs[i] = g->rrs[i];
		rrs[i].owner = w;
	}
	odr_group_t c = *g;
	c.rrs = rrs;
	c.sigs = NULL;
	c.nsigs = 0;
	if (g->nsigs > 0) {
		c.sigs = od_mm_alloc(&r->arena.mm, g->nsigs * sizeof(*c.sigs));
		if (c.sigs == NULL)
			return;
		for (size_t i = 0; i < g->nsigs; i++) {
			c.sigs[i] = g->sigs[i];
			c.sigs[i].owner = w;
		}
		c.nsigs = g->nsigs;
	}
	odr_store_group(r, &c, ODR_SEC_SECURE, 0, now_ms);
}

static int group(odr_req_t *r, odr_task_t *t, odr_group_t *g, uint64_t now_ms,
                 vout_t *o)
{
	ntext_t a, z;
	const uint8_t *signer = signer_of(g);
	const vkeys_t *k = NULL;
	int res;
	if (signer == NULL) {
		res = chain(r, t, unsigned_zone(g), now_ms, &k, o);
		if (res != V_SECURE)
			return res;
		*o = out_of(V_BOGUS, OD_EDE_RRSIGS_MISSING,
		            fmt(r, "no RRSIG over %s/%s (zone %s is signed)",
		                ntext(&a, g->rrs[0].owner),
		                tname(g->rrs[0].type), ntext(&z, k->zone)));
		return V_BOGUS;
	}
	/* RFC 4035 §5.3.1: the signer is the zone holding the RRset; a
	 * signer above the zone whose servers answered would let a parent
	 * speak for a delegated child. */
	if (g->zone != NULL && !od_name_in(signer, g->zone)) {
		*o = out_of(V_BOGUS, OD_EDE_BOGUS,
		            fmt(r, "RRSIG signer %s is above the zone %s",
		                ntext(&a, signer), ntext(&z, g->zone)));
		return V_BOGUS;
	}
	res = chain(r, t, signer, now_ms, &k, o);
	if (res != V_SECURE)
		return res;
	if (!od_name_equal(k->zone, signer)) {
		*o = out_of(V_BOGUS, OD_EDE_BOGUS,
		            fmt(r,
		                "RRSIG signer %s is not a signed zone "
		                "(closest %s)",
		                ntext(&a, signer), ntext(&z, k->zone)));
		return V_BOGUS;
	}
	int labels = 255;
	if (verify(r, g->rrs, g->n, g->sigs, g->nsigs, k, &labels, o) !=
	    V_SECURE)
		return V_BOGUS;
	cap_group(g, r->val_left);
	int ol = od_name_labels(g->rrs[0].owner);
	if (od_name_is_wildcard(g->rrs[0].owner))
		ol--;
	if (labels < ol) {
		g->wild = true;
		res = wildcard_proof(r, t, g, labels, k, o);
		if (res == V_SECURE)
			keep_wildcard(r, g, labels, now_ms);
		return res;
	}
	return V_SECURE;
}

/* The negative part of t's answer: NXDOMAIN or NODATA for t->qname. */
static int negative(odr_req_t *r, odr_task_t *t, uint64_t now_ms, vout_t *o)
{
	ntext_t a, z;
	const vkeys_t *k = NULL;
	const uint8_t *zone = t->soa.n > 0 ? t->soa.rrs[0].owner : NULL;
	int res;
	if (zone == NULL) {
		/* No SOA: the zone is the NSEC signer, else the name's. */
		for (size_t i = 0; i < t->nauth && zone == NULL; i++) {
			od_rrsig_t p;
			if (t->auth[i].type == OD_TYPE_RRSIG &&
			    od_rrsig_parse(&p, t->auth[i].rdata,
			                   t->auth[i].rdlen) == 0)
				zone = p.signer;
		}
	}
	res = chain(r, t, zone ? zone : t->qname, now_ms, &k, o);
	if (res != V_SECURE)
		return res;
	if (zone == NULL || !od_name_equal(k->zone, zone)) {
		*o = out_of(V_BOGUS, OD_EDE_NSEC_MISSING,
		            fmt(r,
		                "negative answer for %s without a signed "
		                "SOA (zone %s)",
		                ntext(&a, t->qname), ntext(&z, k->zone)));
		return V_BOGUS;
	}
	r->val_left_min = UINT32_MAX;
	if (verify(r, t->soa.rrs, t->soa.n, t->soa_sigs.rrs, t->soa_sigs.n, k,
	           NULL, o) != V_SECURE)
		return V_BOGUS;
	cap_ttl(t->soa.rrs, t->soa.n, r->val_left);
	if (r->env->aggr != NULL)
		(void)odr_aggr_put_soa(r->env->aggr, k->zone, &t->soa.rrs[0],
		                       t->soa_sigs.rrs, t->soa_sigs.n,
		                       odr_now_s(now_ms));
	od_rr_t *recs;
	size_t nrec;
	if (proof_records(r, t->auth, t->nauth, k, &recs, &nrec, o) != V_SECURE)
		return V_BOGUS;
	if (nrec == 0) {
		*o = out_of(V_BOGUS, OD_EDE_NSEC_MISSING,
		            fmt(r, "no NSEC/NSEC3 proves %s %s (zone %s)",
		                ntext(&a, t->qname),
		                t->rcode == OD_RCODE_NXDOMAIN ? "absent"
		                                              : "without data",
		                ntext(&z, k->zone)));
		return V_BOGUS;
	}
	/* The denial lives no longer than the signatures proving it. */
	cap_ttl(t->soa.rrs, t->soa.n, r->val_left_min);
	od_denial_t dn = { OD_DENIAL_NOT_PROVEN, "" };
	int rc;
	if (any_nsec3(recs, nrec)) {
		od_nsec3_set_t s3 = { recs, nrec, k->zone,
			              r->conf.nsec3_max_iter, &r->hash_budget };
		if (t->rcode == OD_RCODE_NXDOMAIN) {
			rc = od_nsec3_nxdomain(&s3, t->qname, &dn);
		} else {
			rc = od_nsec3_nodata(&s3, t->qname, t->qtype, &dn);
			if (rc == 0 && dn.verdict != OD_DENIAL_PROVEN &&
			    dn.verdict != OD_DENIAL_ITERATIONS &&
			    dn.verdict != OD_DENIAL_INSECURE_OPTOUT) {
				od_denial_t w;
				int rw = od_nsec3_wildcard_nodata(&s3, t->qname,
				                                  t->qtype, &w);
				if (rw == 0 &&
				    (w.verdict == OD_DENIAL_PROVEN ||
				     w.verdict == OD_DENIAL_INSECURE_OPTOUT))
					dn = w;
				else if (rw < 0)
					rc = rw;
			}
		}
	} else {
		if (t->rcode == OD_RCODE_NXDOMAIN) {
			rc = od_nsec_nxdomain(recs, nrec, t->qname, k->zone,
			                      &dn);
		} else {
			rc = od_nsec_nodata(recs, nrec, t->qname, t->qtype,
			                    k->zone, &dn);
			if (rc == 0 && dn.verdict != OD_DENIAL_PROVEN) {
				od_denial_t w;
				if (od_nsec_wildcard_nodata(recs, nrec,
				                            t->qname, t->qtype,
				                            k->zone, &w) == 0 &&
				    w.verdict == OD_DENIAL_PROVEN)
					dn = w;
			}
		}
	}
	return verdict(r, rc, &dn, k->zone, t->qname, o);
}

static bool is_negative(const odr_task_t *t)
{
	if (t->rcode == OD_RCODE_NXDOMAIN)
		return true;
	if (t->rcode != OD_RCODE_NOERROR)
		return false;
	if (t->nans == 0)
		return true;
	const odr_group_t *g = &t->ans[t->nans - 1];
	uint16_t type = g->rrs[0].type;
	return type != t->qtype && t->qtype != OD_TYPE_ANY &&
	       !(type == OD_TYPE_CNAME && t->qtype == OD_TYPE_CNAME);
}

/* Fold one outcome into the answer's: bogus wins, then insecure. */
static void fold(vout_t *all, const vout_t *one)
{
	if (one->res > all->res) {
		*all = *one;
	} else if (one->res == all->res && all->ede < 0 && one->ede >= 0) {
		all->ede = one->ede;
		all->why = one->why;
	}
}

static uint8_t sec_of(int res)
{
	return res == V_SECURE     ? ODR_SEC_SECURE
	       : res == V_INSECURE ? ODR_SEC_INSECURE
	                           : ODR_SEC_BOGUS;
}

static int res_of(uint8_t sec)
{
	return sec == ODR_SEC_SECURE     ? V_SECURE
	       : sec == ODR_SEC_INSECURE ? V_INSECURE
	                                 : V_BOGUS;
}

/* RFC 8509: root-key-sentinel-is-ta-NNNNN / -not-ta-NNNNN. \return 1
 * when the answer must become SERVFAIL. */
static int sentinel(const odr_req_t *r, const uint8_t *qname)
{
	static const char is[] = "root-key-sentinel-is-ta-";
	static const char nt[] = "root-key-sentinel-not-ta-";
	uint8_t len = qname[0];
	const char *lab = (const char *)qname + 1;
	bool want_in;
	size_t pl;
	if (len == sizeof(is) - 1 + 5 &&
	    strncasecmp(lab, is, sizeof(is) - 1) == 0) {
		want_in = true;
		pl = sizeof(is) - 1;
	} else if (len == sizeof(nt) - 1 + 5 &&
	           strncasecmp(lab, nt, sizeof(nt) - 1) == 0) {
		want_in = false;
		pl = sizeof(nt) - 1;
	} else {
		return 0;
	}
	unsigned tag = 0;
	for (size_t i = 0; i < 5; i++) {
		char c = lab[pl + i];
		if (c < '0' || c > '9')
			return 0;
		tag = tag * 10 + (unsigned)(c - '0');
	}
	if (tag > 65535)
		return 0;
	bool in = false;
	for (size_t i = 0; i < r->trust->nanchors && !in; i++) {
		const odr_anchor_t *a = &r->trust->anchors[i];
		if (!od_name_is_root(a->zone))
			continue;
		uint16_t at = a->type == OD_TYPE_DNSKEY
		                      ? od_key_tag(a->rdata, a->rdlen)
		              : a->rdlen >= 2 ? od_get_u16(a->rdata)
		                              : 0;
		in = at == tag;
	}
	return in != want_in;
}

static odr_state_t attach_wildcard_proof(odr_req_t *r, odr_task_t *t,
                                         const odr_group_t *g);

/* The reason of a verdict kept in the cache (the cache keeps the EDE
 * code, not the text). */
static const char *cached_text(odr_req_t *r, uint8_t sec, uint16_t ede,
                               const uint8_t *name, uint16_t type)
{
	static const struct {
		uint16_t code;
		const char *text;
	} what[] = {
		{ OD_EDE_DNSKEY_ALG, "DNSSEC algorithm not supported" },
		{ OD_EDE_DS_DIGEST, "DS digest type not supported" },
		{ OD_EDE_SIG_EXPIRED, "signature expired" },
		{ OD_EDE_SIG_NOT_YET, "signature not yet valid" },
		{ OD_EDE_DNSKEY_MISSING, "no matching DNSKEY" },
		{ OD_EDE_RRSIGS_MISSING, "no RRSIG" },
		{ OD_EDE_NSEC_MISSING, "denial not proven" },
		{ OD_EDE_NSEC3_ITERS, "NSEC3 iterations above the limit" },
	};
	if (sec == ODR_SEC_SECURE || (sec == ODR_SEC_INSECURE && ede == 0))
		return NULL;
	const char *w = sec == ODR_SEC_BOGUS ? "DNSSEC validation failed"
	                                     : "not validated";
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++)
		if (what[i].code == ede)
			w = what[i].text;
	ntext_t a;
	return fmt(r, "%s: %s/%s (cached)", w, ntext(&a, name), tname(type));
}

odr_state_t odr_val_step(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	vout_t all = out_of(V_SECURE, -1, NULL);
	r->val_now_ms = now_ms;
	for (size_t i = 0; i < t->nans; i++) {
		odr_group_t *g = &t->ans[i];
		vout_t one;
		if (g->synth || g->n == 0)
			continue; /* proven by the DNAME before it */
		if (g->rrs[0].type == OD_TYPE_ANY || t->qtype == OD_TYPE_ANY) {
			one = out_of(V_INSECURE, -1, NULL);
		} else if (g->sec != ODR_SEC_UNCHECKED) {
			one = out_of(res_of(g->sec),
			             g->sec == ODR_SEC_SECURE ? -1 : g->ede,
			             cached_text(r, g->sec, g->ede,
			                         g->rrs[0].owner,
			                         g->rrs[0].type));
			if (g->sec == ODR_SEC_INSECURE && g->ede == 0)
				one.ede = -1;
			/* A wildcard answer from the cache goes to DO
			 * clients with its proof (RFC 4035 §3.1.3.3). */
			if (g->sec == ODR_SEC_SECURE && r->client_do)
				(void)attach_wildcard_proof(r, t, g);
		} else {
			int res = group(r, t, g, now_ms, &one);
			if (res == V_NEED)
				return ODR_YIELD;
			one.res = res;
			g->sec = sec_of(res);
			odr_store_group(r, g, g->sec,
			                one.ede >= 0 && res != V_SECURE
			                        ? (uint16_t)one.ede
			                        : 0,
			                now_ms);
		}
		fold(&all, &one);
	}
	if (is_negative(t) && t->qtype != OD_TYPE_ANY) {
		vout_t one;
		if (t->neg_sec != ODR_SEC_UNCHECKED) {
			one = out_of(res_of(t->neg_sec),
			             t->neg_ede ? t->neg_ede : -1,
			             cached_text(r, t->neg_sec, t->neg_ede,
			                         t->qname, t->qtype));
		} else {
			int res = negative(r, t, now_ms, &one);
			if (res == V_NEED)
				return ODR_YIELD;
			one.res = res;
			t->neg_sec = sec_of(res);
			if (t->soa.n > 0 && r->env->cache != NULL) {
				size_t np = t->soa_sigs.n + t->nauth;
				od_rr_t *proof =
				        np ? od_mm_alloc(&r->arena.mm,
				                         np * sizeof(*proof))
				           : NULL;
				size_t k = 0;
				if (proof != NULL) {
					for (size_t i = 0; i < t->soa_sigs.n;
					     i++)
						proof[k++] = t->soa_sigs.rrs[i];
					for (size_t i = 0; i < t->nauth; i++)
						proof[k++] = t->auth[i];
				}
				const od_rr_t *soa = &t->soa.rrs[0];
				odr_neg_t n = {
					.rcode = t->rcode,
					.zone = soa->owner,
					.soa = soa->rdata,
					.soa_len = soa->rdlen,
					.ttl = res == V_BOGUS &&
					                       soa->ttl >
					                               r->conf.bogus_ttl
					               ? r->conf.bogus_ttl
					               : soa->ttl,
					.rank = res == V_SECURE
					                ? ODR_RANK_SECURE
					                : (odr_rank_t)(t->soa.rank
					                                       ? t->soa.rank
					                                       : ODR_RANK_AUTH_AA),
					.sec = t->neg_sec,
					.ede = one.ede >= 0 && res != V_SECURE
					               ? (uint16_t)one.ede
					               : 0,
					.proof = proof,
					.nproof = (uint16_t)k,
				};
				(void)odr_cache_put_neg(r->env->cache, t->qname,
				                        t->qtype, &n,
				                        odr_now_s(now_ms));
			}
		}
		fold(&all, &one);
	}
	t->sec = sec_of(all.res);
	if (all.res == V_BOGUS) {
		t->sec = ODR_SEC_BOGUS;
		odr_task_fail(r, t, all.why ? all.why : "DNSSEC bogus",
		              all.ede >= 0 ? (uint16_t)all.ede : OD_EDE_BOGUS);
		return ODR_DONE;
	}
	if (all.ede >= 0 && t == r->root) {
		r->note_ede = all.ede;
		r->note_text = all.why;
	}
	if (t == r->root && all.res == V_SECURE && sentinel(r, t->qname) > 0) {
		/* RFC 8509 §3.2: the key tag is (not) among our anchors. */
		t->sec = ODR_SEC_UNCHECKED;
		odr_task_fail(r, t, "root key sentinel", OD_EDE_OTHER);
	}
	return ODR_DONE;
}

/*
 * Aggressive use of the validated cache (RFC 8198).
 */

/* Records of the index that may prove something about qname: for qname
 * and each of its ancestors down to the zone, the record at or before
 * it and the one at or before the wildcard below it. */
typedef struct synth {
	odr_aggr_zone_t z;
	od_rr_t *recs; /* NSEC/NSEC3 */
	size_t nrec;
	od_rr_t *sigs; /* their RRSIGs */
	size_t nsig, cap, capsig;
	uint32_t ttl; /* lowest remaining TTL */
} synth_t;

static bool synth_add(odr_req_t *r, synth_t *s, const odr_aggr_rec_t *rec)
{
	for (size_t i = 0; i < s->nrec; i++)
		if (od_name_equal(s->recs[i].owner, rec->rr.owner))
			return true;
	if (s->nrec == s->cap || s->nsig + rec->nsigs > s->capsig)
		return false;
	s->recs[s->nrec++] = rec->rr;
	for (size_t i = 0; i < rec->nsigs; i++)
		s->sigs[s->nsig++] = rec->sigs[i];
	if (rec->rr.ttl < s->ttl)
		s->ttl = rec->rr.ttl;
	return true;
}

static int synth_find(odr_req_t *r, synth_t *s, const uint8_t *name,
                      uint64_t now)
{
	odr_aggr_rec_t rec;
	int rc;
	if (s->z.nsec3) {
		uint8_t h[OD_NSEC3_HASH_MAXLEN];
		od_nsec3_params_t p = { s->z.alg, s->z.iterations,
			                s->z.salt_len, s->z.salt };
		if (od_nsec3_hash(h, name, &p, &r->hash_budget) < 0)
			return -1;
		rc = odr_aggr_find(r->env->aggr, s->z.zone, h, sizeof(h), now,
		                   &r->arena.mm, &rec);
	} else {
		rc = odr_aggr_find(r->env->aggr, s->z.zone, name, 0, now,
		                   &r->arena.mm, &rec);
	}
	if (rc < 0)
		return -1;
	if (rc == 0 && !synth_add(r, s, &rec))
		return -1;
	return 0;
}

/* A proven wildcard answer: the wildcard's RRset, expanded to qname. */
static bool synth_wildcard(odr_req_t *r, odr_task_t *t, synth_t *s,
                           uint64_t now)
{
	int zl = od_name_labels(s->z.zone);
	int ql = od_name_labels(t->qname);
	for (int l = ql - 1; l >= zl; l--) {
		uint8_t w[OD_NAME_MAXLEN];
		if (od_wildcard_of(w, od_name_suffix(t->qname, l)) < 0)
			continue;
		odr_rrset_t set;
		if (odr_cache_get(r->env->cache, w, t->qtype, now, &r->arena.mm,
		                  &set) != 0)
			continue;
		if (set.sec != ODR_SEC_SECURE || set.count == 0)
			return false;
		od_denial_t dn = { OD_DENIAL_NOT_PROVEN, "" };
		int rc;
		if (s->z.nsec3) {
			od_nsec3_set_t s3 = { s->recs, s->nrec, s->z.zone,
				              r->conf.nsec3_max_iter,
				              &r->hash_budget };
			rc = od_nsec3_wildcard_answer(&s3, t->qname, l, &dn);
		} else {
			rc = od_nsec_wildcard_answer(s->recs, s->nrec, t->qname,
			                             l, s->z.zone, &dn);
		}
		if (rc != 0 || dn.verdict != OD_DENIAL_PROVEN)
			return false;
		uint8_t *owner = od_mm_dup(&r->arena.mm, t->qname,
		                           od_name_len(t->qname));
		if (owner == NULL)
			return false;
		for (size_t i = 0; i < set.count; i++) {
			set.rrs[i].owner = owner;
			if (set.rrs[i].ttl > s->ttl)
				set.rrs[i].ttl = s->ttl;
		}
		for (size_t i = 0; i < set.nsigs; i++)
			set.sigs[i].owner = owner;
		if (!odr_task_add(t, set.rrs, set.count))
			return false;
		odr_group_t *g = odr_task_last(t);
		g->sigs = set.sigs;
		g->nsigs = set.nsigs;
		g->rank = ODR_RANK_SECURE;
		g->sec = ODR_SEC_SECURE;
		g->wild = true;
		t->rcode = OD_RCODE_NOERROR;
		return true;
	}
	return false;
}

odr_state_t odr_val_synth(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	odr_aggr_t *a = r->env->aggr;
	uint64_t now = odr_now_s(now_ms);
	if (a == NULL || r->env->cache == NULL || t->qtype == OD_TYPE_DS ||
	    t->qtype == OD_TYPE_ANY || t->nans > 0 || nta_for(r, t->qname))
		return ODR_PRODUCE;
	synth_t s;
	memset(&s, 0, sizeof(s));
	s.ttl = UINT32_MAX;
	if (odr_aggr_zone(a, t->qname, now, &r->arena.mm, &s.z) != 0 ||
	    s.z.soa == NULL)
		return ODR_PRODUCE;
	if (s.z.nsec3 && (s.z.iterations > r->conf.nsec3_max_iter ||
	                  (s.z.flags & OD_NSEC3_FLAG_OPTOUT)))
		return ODR_PRODUCE;
	int zl = od_name_labels(s.z.zone), ql = od_name_labels(t->qname);
	s.cap = 2 * (size_t)(ql - zl + 1);
	s.capsig = 4 * s.cap;
	s.recs = od_mm_alloc(&r->arena.mm, s.cap * sizeof(*s.recs));
	s.sigs = od_mm_alloc(&r->arena.mm, s.capsig * sizeof(*s.sigs));
	if (s.recs == NULL || s.sigs == NULL)
		return ODR_PRODUCE;
	uint32_t budget = r->hash_budget;
	for (int l = ql; l >= zl; l--) {
		const uint8_t *n = od_name_suffix(t->qname, l);
		uint8_t w[OD_NAME_MAXLEN];
		if (synth_find(r, &s, n, now) < 0)
			goto fallback;
		if (l < ql && od_wildcard_of(w, n) >= 0 &&
		    synth_find(r, &s, w, now) < 0)
			goto fallback;
	}
	od_denial_t dn = { OD_DENIAL_NOT_PROVEN, "" };
	uint16_t rcode = OD_RCODE_NXDOMAIN;
	int rc;
	if (s.z.nsec3) {
		od_nsec3_set_t s3 = { s.recs, s.nrec, s.z.zone,
			              r->conf.nsec3_max_iter, &r->hash_budget };
		rc = od_nsec3_nxdomain(&s3, t->qname, &dn);
		if (rc != 0 || dn.verdict != OD_DENIAL_PROVEN) {
			rcode = OD_RCODE_NOERROR;
			rc = od_nsec3_nodata(&s3, t->qname, t->qtype, &dn);
		}
		if (rc == 0 && dn.verdict != OD_DENIAL_PROVEN &&
		    !synth_wildcard(r, t, &s, now))
			rc = od_nsec3_wildcard_nodata(&s3, t->qname, t->qtype,
			                              &dn);
	} else {
		rc = od_nsec_nxdomain(s.recs, s.nrec, t->qname, s.z.zone, &dn);
		if (rc != 0 || dn.verdict != OD_DENIAL_PROVEN) {
			rcode = OD_RCODE_NOERROR;
			rc = od_nsec_nodata(s.recs, s.nrec, t->qname, t->qtype,
			                    s.z.zone, &dn);
		}
		if (rc == 0 && dn.verdict != OD_DENIAL_PROVEN &&
		    !synth_wildcard(r, t, &s, now))
			rc = od_nsec_wildcard_nodata(s.recs, s.nrec, t->qname,
			                             t->qtype, s.z.zone, &dn);
	}
	if (t->nans > 0) {
		rcode = OD_RCODE_NOERROR;
	} else if (rc != 0 || dn.verdict != OD_DENIAL_PROVEN) {
		goto fallback;
	}
	/* The answer, as the zone would have given it. */
	t->rcode = rcode;
	od_rr_t *soa = od_mm_dup(&r->arena.mm, s.z.soa, sizeof(*soa));
	if (soa == NULL || !odr_task_auth_room(r, t))
		goto fallback;
	uint32_t min =
	        soa->rdlen >= 22 ? od_get_u32(soa->rdata + soa->rdlen - 4) : 0;
	if (min < soa->ttl)
		soa->ttl = min;
	if (s.ttl < soa->ttl)
		soa->ttl = s.ttl;
	if (t->nans == 0) {
		t->soa.rrs = soa;
		t->soa.n = 1;
		t->soa.rank = ODR_RANK_SECURE;
		t->soa_sigs.rrs = s.z.soa_sigs;
		t->soa_sigs.n = (uint16_t)s.z.nsoa_sigs;
		t->neg_sec = ODR_SEC_SECURE;
	}
	for (size_t i = 0; i < s.nrec && t->nauth < ODR_MAX_AUTH; i++)
		t->auth[t->nauth++] = s.recs[i];
	for (size_t i = 0; i < s.nsig && t->nauth < ODR_MAX_AUTH; i++)
		t->auth[t->nauth++] = s.sigs[i];
	t->from_cache = true;
	return ODR_DONE;
fallback:
	/* Nothing proven: the work spent does not count against the
	 * query's budget for its real resolution. */
	r->hash_budget = budget;
	t->nans = 0;
	return ODR_PRODUCE;
}

/* The NSEC/NSEC3 record that proves a cached wildcard expansion, from the
 * index (the cache keeps RRsets without the authority section they came
 * with). Nothing is added when the index has no such record. */
static odr_state_t attach_wildcard_proof(odr_req_t *r, odr_task_t *t,
                                         const odr_group_t *g)
{
	odr_aggr_t *a = r->env->aggr;
	const uint8_t *owner = g->rrs[0].owner;
	if (a == NULL || g->nsigs == 0)
		return ODR_DONE;
	od_rrsig_t p;
	if (od_rrsig_parse(&p, g->sigs[0].rdata, g->sigs[0].rdlen) != 0)
		return ODR_DONE;
	int ol = od_name_labels(owner);
	if (p.labels >= ol || od_name_is_wildcard(owner))
		return ODR_DONE;
	uint64_t now = odr_now_s(r->val_now_ms);
	synth_t s;
	memset(&s, 0, sizeof(s));
	s.ttl = UINT32_MAX;
	if (odr_aggr_zone(a, owner, now, &r->arena.mm, &s.z) != 0 ||
	    !od_name_equal(s.z.zone, p.signer))
		return ODR_DONE;
	s.cap = 1;
	s.capsig = 8;
	s.recs = od_mm_alloc(&r->arena.mm, s.cap * sizeof(*s.recs));
	s.sigs = od_mm_alloc(&r->arena.mm, s.capsig * sizeof(*s.sigs));
	if (s.recs == NULL || s.sigs == NULL)
		return ODR_DONE;
	/* NSEC: the span over the owner; NSEC3: over the next closer. */
	const uint8_t *n = s.z.nsec3 ? od_name_suffix(owner, p.labels + 1)
	                             : owner;
	if (synth_find(r, &s, n, now) < 0 || s.nrec == 0 ||
	    !odr_task_auth_room(r, t))
		return ODR_DONE;
	for (size_t i = 0; i < s.nrec && t->nauth < ODR_MAX_AUTH; i++)
		t->auth[t->nauth++] = s.recs[i];
	for (size_t i = 0; i < s.nsig && t->nauth < ODR_MAX_AUTH; i++)
		t->auth[t->nauth++] = s.sigs[i];
	return ODR_DONE;
}
