/* SPDX-License-Identifier: MIT */
/* The answer engine: RFC 1034 §4.3.2 over an od_authzone_t. */
#include <string.h>

#include "auth/answer.h"
#include "lib/dnssec/nsec.h"
#include "lib/edns.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

/* CNAME/DNAME steps followed inside a zone before giving up. */
#define CHAIN_MAX 16
/* Our UDP payload size in the OPT we send (DNS flag day 2020). */
#define OUR_UDP_SIZE 1232
/* TTL of the RFC 8482 §4.2 HINFO synthesized for ANY over UDP. */
#define ANY_HINFO_TTL 3600
/* NSEC/NSEC3 records one response may carry in authority. */
#define SEEN_MAX 8

/* One whole group for od_pkt_w_rrset: an RRset with its RRSIGs. */
typedef struct group {
	od_rr_t *rrs;
	uint32_t n;
	uint8_t sec;   /* od_section_t */
	bool required; /* additional: TC when it does not fit (glue) */
} group_t;

/* Where a wildcard expansion came from, for its proofs. */
typedef struct wild {
	const uint8_t *qname; /* the name that does not exist */
	const uint8_t *ce;    /* its closest encloser (suffix of qname) */
	const uint8_t *wc;    /* "*." + ce (arena) */
} wild_t;

typedef struct ans {
	od_mm_t *mm;
	const od_authzone_t *az;
	const od_zone_t *z;
	bool dnssec; /* DO and the zone is signed */
	bool do_bit;
	bool tcp;
	group_t *g;
	size_t ng, gcap;
	const od_znode_t *seen[SEEN_MAX]; /* denial records already in */
	uint16_t seen_type[SEEN_MAX];
	size_t nseen;
	uint16_t rcode;
	od_auth_kind_t kind;
	bool referral;
	bool answers; /* something is in the answer section */
	bool nomem;
} ans_t;

/* What one lookup step asks the chain loop to do. */
enum {
	STEP_DONE = 0,
	STEP_FOLLOW = 1
};

/* ---- collecting records ---- */

static od_rr_t *rr_alloc(ans_t *a, size_t n)
{
	od_rr_t *r = od_mm_alloc(a->mm, (n ? n : 1) * sizeof(*r));
	if (r == NULL)
		a->nomem = true;
	return r;
}

static void push(ans_t *a, od_section_t sec, od_rr_t *rrs, size_t n,
                 bool required)
{
	if (rrs == NULL || n == 0)
		return;
	if (a->ng == a->gcap) {
		size_t cap = a->gcap ? a->gcap * 2 : 16;
		group_t *g = od_mm_realloc(a->mm, a->g, cap * sizeof(*g),
		                           a->gcap * sizeof(*g));
		if (g == NULL) {
			a->nomem = true;
			return;
		}
		a->g = g;
		a->gcap = cap;
	}
	a->g[a->ng++] = (group_t){ .rrs = rrs,
		                   .n = (uint32_t)n,
		                   .sec = (uint8_t)sec,
		                   .required = required };
	if (sec == OD_ANSWER)
		a->answers = true;
}

static void fill(od_rr_t *r, const uint8_t *owner, const od_zrrset_t *set,
                 const od_zrr_t *rr, uint32_t ttl_cap)
{
	*r = (od_rr_t){ .owner = owner,
		        .rdata = rr->data,
		        .ttl = rr->ttl < ttl_cap ? rr->ttl : ttl_cap,
		        .type = set->type,
		        .rclass = set->rclass,
		        .rdlen = rr->len };
}

/*
 * Add set (from node n) under owner to a section, with its RRSIGs when
 * the answer is DNSSEC-aware; TTLs are capped at ttl_cap.
 */
static void add_set(ans_t *a, od_section_t sec, const uint8_t *owner,
                    const od_znode_t *n, const od_zrrset_t *set, bool sigs,
                    uint32_t ttl_cap, bool required)
{
	size_t first = 0, ns = 0;
	if (sigs && a->dnssec && set->type != OD_TYPE_RRSIG)
		ns = od_znode_sigs(n, set->type, &first);
	od_rr_t *r = rr_alloc(a, set->count + ns);
	if (r == NULL)
		return;
	for (uint32_t i = 0; i < set->count; i++)
		fill(&r[i], owner, set, set->rrs[i], ttl_cap);
	const od_zrrset_t *sigset = od_znode_rrset(n, OD_TYPE_RRSIG);
	for (size_t i = 0; i < ns; i++)
		fill(&r[set->count + i], owner, sigset, sigset->rrs[first + i],
		     ttl_cap);
	push(a, sec, r, set->count + ns, required);
}

/* A denial record (NSEC or NSEC3 at n) once per response. */
static void add_denial(ans_t *a, const od_znode_t *n, uint16_t type)
{
	if (n == NULL)
		return;
	const od_zrrset_t *set = od_znode_rrset(n, type);
	if (set == NULL)
		return;
	for (size_t i = 0; i < a->nseen; i++)
		if (a->seen[i] == n && a->seen_type[i] == type)
			return;
	if (a->nseen < SEEN_MAX) {
		a->seen[a->nseen] = n;
		a->seen_type[a->nseen++] = type;
	}
	add_set(a, OD_AUTHORITY, n->owner, n, set, true, UINT32_MAX, false);
}

/* Negative answers: the SOA with TTL min(SOA TTL, MINIMUM) (RFC 2308). */
static void add_neg_soa(ans_t *a)
{
	const od_zrrset_t *soa = od_zone_soa(a->z);
	if (soa == NULL || soa->count == 0)
		return;
	const od_zrr_t *rr = soa->rrs[0];
	uint32_t min = rr->len >= 4 ? od_get_u32(rr->data + rr->len - 4)
	                            : rr->ttl;
	add_set(a, OD_AUTHORITY, a->z->apex->owner, a->z->apex, soa, true, min,
	        false);
}

/* ---- names ---- */

static const od_znode_t *find_live(const ans_t *a, const uint8_t *name)
{
	const od_znode_t *n = od_zone_find(a->z, name);
	return n && !od_znode_nsec3_only(n) ? n : NULL;
}

/* Labels that a and b have in common, counted from the root. */
static int common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = od_name_labels(a), lb = od_name_labels(b);
	int k = la < lb ? la : lb;
	const uint8_t *x = od_name_suffix(a, k), *y = od_name_suffix(b, k);
	/* Equal suffixes stay equal towards the root: find the first. */
	while (k > 0 && !od_name_equal(x, y)) {
		x += *x + 1;
		y += *y + 1;
		k--;
	}
	return k;
}

/* ---- NSEC and NSEC3 proofs ---- */

/* The NSEC covering a name that does not exist. */
static void nsec_cover(ans_t *a, const uint8_t *name)
{
	size_t i = od_authzone_lower_bound(a->az, name);
	if (i == 0)
		return;
	add_denial(a, od_authzone_nsec_at_or_before(a->az, i - 1),
	           OD_TYPE_NSEC);
}

/* The NSEC3 matching (match) or covering name's hash. */
static bool nsec3_for(ans_t *a, const uint8_t *name, bool match)
{
	const od_nsec3_params_t *p = od_authzone_nsec3_params(a->az);
	if (p == NULL)
		return false;
	uint8_t h[OD_NSEC3_HASH_MAXLEN];
	int hl = od_nsec3_hash(h, name, p, NULL);
	if (hl < 0)
		return false;
	bool exact = false;
	const od_znode_t *n =
	        od_authzone_nsec3_find(a->az, h, (size_t)hl, &exact);
	if (n == NULL || exact != match)
		return false;
	add_denial(a, n, OD_TYPE_NSEC3);
	return true;
}

/*
 * Closest encloser proof (RFC 5155 §7.2.1) for a name whose closest
 * encloser has ce_labels labels: the NSEC3 matching it and the one
 * covering the next closer name.
 */
static void nsec3_ce_proof(ans_t *a, const uint8_t *name, int ce_labels)
{
	nsec3_for(a, od_name_suffix(name, ce_labels), true);
	nsec3_for(a, od_name_suffix(name, ce_labels + 1), false);
}

/* Closest provable encloser of a name without a matching NSEC3 (a DS
   query under Opt-Out): the deepest ancestor whose hash matches. */
static void nsec3_ce_search(ans_t *a, const uint8_t *name)
{
	int ol = od_name_labels(a->z->origin);
	const od_nsec3_params_t *p = od_authzone_nsec3_params(a->az);
	if (p == NULL)
		return;
	for (int l = od_name_labels(name) - 1; l >= ol; l--) {
		uint8_t h[OD_NSEC3_HASH_MAXLEN];
		int hl = od_nsec3_hash(h, od_name_suffix(name, l), p, NULL);
		bool exact = false;
		if (hl < 0)
			return;
		od_authzone_nsec3_find(a->az, h, (size_t)hl, &exact);
		if (exact) {
			nsec3_ce_proof(a, name, l);
			return;
		}
	}
}

/* Authority section of NODATA at name (node n, NULL for an empty
   non-terminal), or of a wildcard NODATA when w is set. */
static void nodata(ans_t *a, const od_znode_t *n, const uint8_t *name,
                   const wild_t *w)
{
	a->kind = OD_AK_NODATA;
	add_neg_soa(a);
	if (!a->dnssec)
		return;
	if (od_authzone_dnssec(a->az) == OD_AZ_NSEC) {
		if (w) { /* RFC 4035 §3.1.3.4 */
			nsec_cover(a, w->qname);
			add_denial(a, n, OD_TYPE_NSEC);
		} else if (n && od_znode_rrset(n, OD_TYPE_NSEC)) {
			add_denial(a, n, OD_TYPE_NSEC);
		} else {
			nsec_cover(a, name);
		}
		return;
	}
	if (w) { /* RFC 5155 §7.2.5 */
		nsec3_ce_proof(a, w->qname, od_name_labels(w->ce));
		nsec3_for(a, w->wc, true);
		return;
	}
	/* §7.2.3, §7.2.4 (a DS query under Opt-Out has no match). */
	if (!nsec3_for(a, name, true))
		nsec3_ce_search(a, name);
}

/* ---- the lookup ---- */

/* The RRset ANY over UDP returns: the first by type that is not DNSSEC
   metadata (RFC 8482 §4.1). */
static const od_zrrset_t *any_pick(const od_znode_t *n)
{
	for (uint16_t i = 0; i < n->nsets; i++) {
		uint16_t t = n->sets[i].type;
		if (n->sets[i].count && t != OD_TYPE_RRSIG &&
		    t != OD_TYPE_NSEC && t != OD_TYPE_NSEC3)
			return &n->sets[i];
	}
	return NULL;
}

static bool any_answer(ans_t *a, const od_znode_t *n, const uint8_t *owner)
{
	if (a->tcp) {
		bool some = false;
		for (uint16_t i = 0; i < n->nsets; i++) {
			const od_zrrset_t *s = &n->sets[i];
			if (s->count == 0 || s->type == OD_TYPE_RRSIG ||
			    (!a->dnssec && (s->type == OD_TYPE_NSEC ||
			                    s->type == OD_TYPE_NSEC3)))
				continue;
			add_set(a, OD_ANSWER, owner, n, s, true, UINT32_MAX,
			        false);
			some = true;
		}
		return some;
	}
	if (od_authzone_dnssec(a->az) == OD_AZ_UNSIGNED) {
		/* RFC 8482 §4.2: CPU "RFC8482", OS empty. */
		static const uint8_t hinfo[] = { 7,   'R', 'F', 'C', '8',
			                         '4', '8', '2', 0 };
		od_rr_t *r = rr_alloc(a, 1);
		if (r == NULL)
			return true;
		*r = (od_rr_t){ .owner = owner,
			        .rdata = hinfo,
			        .ttl = ANY_HINFO_TTL,
			        .type = OD_TYPE_HINFO,
			        .rclass = a->z->rclass,
			        .rdlen = sizeof(hinfo) };
		push(a, OD_ANSWER, r, 1, false);
		return true;
	}
	const od_zrrset_t *s = any_pick(n);
	if (s == NULL)
		return false;
	add_set(a, OD_ANSWER, owner, n, s, true, UINT32_MAX, false);
	return true;
}

/* Proof that a wildcard expansion was needed (RFC 4035 §3.1.3.3, RFC
   5155 §7.2.6): the name itself does not exist. */
static void wildcard_proof(ans_t *a, const wild_t *w)
{
	if (!a->dnssec)
		return;
	if (od_authzone_dnssec(a->az) == OD_AZ_NSEC)
		nsec_cover(a, w->qname);
	else
		nsec3_for(a,
		          od_name_suffix(w->qname, od_name_labels(w->ce) + 1),
		          false);
}

/* Data at node n (an exact match, or the wildcard for w->qname) under
   owner. */
static int exact(ans_t *a, const od_znode_t *n, const uint8_t *owner,
                 uint16_t qtype, const wild_t *w, const uint8_t **next)
{
	int ret = STEP_DONE;
	const od_zrrset_t *cname = od_znode_rrset(n, OD_TYPE_CNAME);
	if (qtype == OD_TYPE_ANY) {
		if (!any_answer(a, n, owner)) {
			nodata(a, n, owner, w);
			return STEP_DONE;
		}
		a->kind = OD_AK_ANSWER;
	} else if (qtype == OD_TYPE_RRSIG) {
		/* RFC 4035 §3.1.5: the RRSIGs at the name, DO or not. */
		const od_zrrset_t *s = od_znode_rrset(n, OD_TYPE_RRSIG);
		if (s == NULL) {
			nodata(a, n, owner, w);
			return STEP_DONE;
		}
		add_set(a, OD_ANSWER, owner, n, s, false, UINT32_MAX, false);
		a->kind = OD_AK_ANSWER;
	} else if (cname && qtype != OD_TYPE_CNAME && qtype != OD_TYPE_NSEC) {
		add_set(a, OD_ANSWER, owner, n, cname, true, UINT32_MAX, false);
		a->kind = OD_AK_ANSWER;
		*next = cname->rrs[0]->data;
		ret = STEP_FOLLOW;
	} else {
		const od_zrrset_t *s = od_znode_rrset(n, qtype);
		if (s == NULL) {
			nodata(a, n, owner, w);
			return STEP_DONE;
		}
		add_set(a, OD_ANSWER, owner, n, s, true, UINT32_MAX, false);
		a->kind = OD_AK_ANSWER;
	}
	if (w)
		wildcard_proof(a, w);
	return ret;
}

/* Glue for the NS RRset of a cut: in-domain first (required), then the
   other in-zone addresses if they fit (RFC 9471). */
static void add_glue(ans_t *a, const od_znode_t *cut, const od_zrrset_t *ns)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < ns->count; i++) {
			const uint8_t *t = ns->rrs[i]->data;
			bool in = od_name_in(t, cut->owner);
			if (in != (pass == 0) || !od_name_in(t, a->z->origin))
				continue;
			const od_znode_t *tn = find_live(a, t);
			if (tn == NULL)
				continue;
			if (!in && (tn->flags & OD_ZN_OCCLUDED))
				continue;
			static const uint16_t types[] = { OD_TYPE_A,
				                          OD_TYPE_AAAA };
			for (int k = 0; k < 2; k++) {
				const od_zrrset_t *s =
				        od_znode_rrset(tn, types[k]);
				if (s)
					add_set(a, OD_ADDITIONAL, tn->owner, tn,
					        s, false, UINT32_MAX, in);
			}
		}
	}
}

static int referral(ans_t *a, const od_znode_t *cut)
{
	const od_zrrset_t *ns = od_znode_rrset(cut, OD_TYPE_NS);
	a->referral = true;
	if (!a->answers)
		a->kind = OD_AK_REFERRAL;
	add_set(a, OD_AUTHORITY, cut->owner, cut, ns, false, UINT32_MAX, false);
	if (a->dnssec) {
		const od_zrrset_t *ds = od_znode_rrset(cut, OD_TYPE_DS);
		if (ds)
			add_set(a, OD_AUTHORITY, cut->owner, cut, ds, true,
			        UINT32_MAX, false);
		else if (od_authzone_dnssec(a->az) == OD_AZ_NSEC)
			add_denial(a, cut, OD_TYPE_NSEC);
		else if (!nsec3_for(a, cut->owner, true)) /* RFC 5155 §7.2.7 */
			nsec3_ce_search(a, cut->owner);
	}
	add_glue(a, cut, ns);
	return STEP_DONE;
}

/* RFC 6672 §3.1: the DNAME, and a CNAME from name to the substituted
   name (TTL of the DNAME, not signed). */
static int dname(ans_t *a, const od_znode_t *n, const uint8_t *name,
                 const uint8_t **next)
{
	const od_zrrset_t *d = od_znode_rrset(n, OD_TYPE_DNAME);
	add_set(a, OD_ANSWER, n->owner, n, d, true, UINT32_MAX, false);
	a->kind = OD_AK_ANSWER;
	const uint8_t *target = d->rrs[0]->data;
	size_t plen =
	        (size_t)(od_name_suffix(name, od_name_labels(n->owner)) - name);
	size_t tlen = od_name_len(target);
	if (plen + tlen > OD_NAME_MAXLEN) {
		a->rcode = OD_RCODE_YXDOMAIN; /* RFC 6672 §2.2 */
		return STEP_DONE;
	}
	uint8_t *nn = od_mm_alloc(a->mm, plen + tlen);
	od_rr_t *r = rr_alloc(a, 1);
	if (nn == NULL || r == NULL) {
		a->nomem = true;
		return STEP_DONE;
	}
	memcpy(nn, name, plen);
	memcpy(nn + plen, target, tlen);
	*r = (od_rr_t){ .owner = name,
		        .rdata = nn,
		        .ttl = d->ttl,
		        .type = OD_TYPE_CNAME,
		        .rclass = d->rclass,
		        .rdlen = (uint16_t)(plen + tlen) };
	push(a, OD_ANSWER, r, 1, false);
	*next = nn;
	return STEP_FOLLOW;
}

/* A name with no node: empty non-terminal, wildcard, or NXDOMAIN. */
static int no_node(ans_t *a, const uint8_t *name, uint16_t qtype,
                   const uint8_t **next)
{
	const od_zone_t *z = a->z;
	size_t i = od_authzone_lower_bound(a->az, name);
	size_t succ = i;
	/* A hidden NSEC3 owner with this very name sorts here. */
	if (succ < z->nnodes && od_name_equal(z->nodes[succ]->owner, name))
		succ++;
	if (succ < z->nnodes && od_name_below(z->nodes[succ]->owner, name)) {
		nodata(a, NULL, name, NULL);
		return STEP_DONE;
	}
	int ol = od_name_labels(z->origin);
	int ce = ol;
	if (i > 0) {
		int c = common_labels(name, z->nodes[i - 1]->owner);
		ce = c > ce ? c : ce;
	}
	if (succ < z->nnodes) {
		int c = common_labels(name, z->nodes[succ]->owner);
		ce = c > ce ? c : ce;
	}
	wild_t w = { .qname = name, .ce = od_name_suffix(name, ce) };
	uint8_t *wc = od_mm_alloc(a->mm, OD_NAME_MAXLEN);
	if (wc == NULL) {
		a->nomem = true;
		return STEP_DONE;
	}
	const od_znode_t *wn = NULL;
	if (od_wildcard_of(wc, w.ce) > 0) {
		w.wc = wc;
		wn = find_live(a, wc);
	}
	if (wn && !(wn->flags & (OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT)))
		return exact(a, wn, name, qtype, &w, next);
	/* RFC 2308 §2.1, RFC 4035 §3.1.3.2, RFC 5155 §7.2.2. */
	a->rcode = OD_RCODE_NXDOMAIN;
	a->kind = OD_AK_NXDOMAIN;
	add_neg_soa(a);
	if (!a->dnssec)
		return STEP_DONE;
	if (od_authzone_dnssec(a->az) == OD_AZ_NSEC) {
		nsec_cover(a, name);
		if (w.wc)
			nsec_cover(a, w.wc);
	} else {
		nsec3_ce_proof(a, name, ce);
		if (w.wc)
			nsec3_for(a, w.wc, false);
	}
	return STEP_DONE;
}

/* One step of RFC 1034 §4.3.2 step 3 for name in a->z. */
static int lookup(ans_t *a, const uint8_t *name, uint16_t qtype,
                  const uint8_t **next)
{
	const od_zone_t *z = a->z;
	int ol = od_name_labels(z->origin), ql = 0;
	/* sfx[k]: the suffix of name with ql - k labels. */
	const uint8_t *sfx[OD_NAME_MAXLEN / 2 + 1];
	for (const uint8_t *p = name;; p += *p + 1) {
		sfx[ql++] = p;
		if (*p == 0)
			break;
	}
	ql--;
	/* Most names asked for exist: one lookup settles a name whose
	   flags say no cut or DNAME lies between it and the apex. */
	if (ql > ol + 1) {
		const od_znode_t *n = find_live(a, name);
		if (n && !(n->flags &
		           (OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT | OD_ZN_GLUE))) {
			if ((n->flags & OD_ZN_DELEG) && qtype != OD_TYPE_DS)
				return referral(a, n);
			return exact(a, n, name, qtype, NULL, next);
		}
	}
	for (int d = ol; d <= ql; d++) {
		const od_znode_t *n = d == ol ? z->apex
		                              : find_live(a, sfx[ql - d]);
		if (n == NULL)
			continue;
		if (d > ol && (n->flags & OD_ZN_DELEG) &&
		    !(d == ql && qtype == OD_TYPE_DS))
			return referral(a, n);
		if (d == ql)
			return exact(a, n, name, qtype, NULL, next);
		if (n->flags & OD_ZN_DNAME)
			return dname(a, n, name, next);
	}
	return no_node(a, name, qtype, next);
}

/* ---- the message ---- */

typedef struct query {
	od_hdr_t hdr;
	const uint8_t *qname; /* NULL: no usable question */
	uint16_t qtype, qclass;
	bool edns;
	od_edns_t qedns; /* the query's OPT when edns */
} query_t;

static size_t size_limit(const query_t *q, const od_auth_opts_t *opts,
                         size_t cap)
{
	size_t max;
	if (opts->tcp) {
		max = OD_PKT_MAXLEN;
	} else {
		max = OD_PKT_UDP_MAXLEN;
		if (q->edns && q->qedns.udp_size > max)
			max = q->qedns.udp_size;
		uint16_t um = opts->udp_max ? opts->udp_max : OUR_UDP_SIZE;
		if (um < max)
			max = um;
	}
	return max < cap ? max : cap;
}

/* Write the response: header, OPT, question, then the groups. */
static int build(const query_t *q, const od_auth_opts_t *opts, ans_t *a,
                 bool aa, uint8_t *out, size_t cap, od_auth_info_t *info)
{
	od_hdr_t h = { .id = q->hdr.id,
		       .opcode = q->hdr.opcode,
		       .qr = true,
		       .aa = aa,
		       .rd = q->hdr.rd,
		       .cd = q->hdr.cd };
	od_pkt_w_t b;
	if (od_pkt_w_init(&b, out, size_limit(q, opts, cap), &h) != 0)
		return 0;
	od_edns_t e;
	if (q->edns) {
		od_edns_init(&e, OUR_UDP_SIZE);
		e.flags = q->qedns.flags & OD_EDNS_DO;
		if (od_pkt_w_edns(&b, &e) != 0)
			return 0;
	} else if (a->rcode > 15) {
		a->rcode = OD_RCODE_SERVFAIL;
	}
	od_pkt_w_rcode(&b, a->rcode);
	if (q->qname &&
	    od_pkt_w_question(&b, q->qname, q->qtype, q->qclass) != 0)
		od_pkt_w_set_tc(&b);
	for (int s = OD_ANSWER; s <= OD_ADDITIONAL && !b.tc; s++) {
		for (size_t i = 0; i < a->ng && !b.tc; i++) {
			const group_t *g = &a->g[i];
			if (g->sec != s)
				continue;
			int r = od_pkt_w_rrset(&b, (od_section_t)s, g->rrs,
			                       g->n);
			if (r == OD_ESPACE && g->required)
				od_pkt_w_set_tc(&b);
		}
	}
	int len = od_pkt_w_finish(&b);
	if (len < 0)
		return 0;
	info->truncated = b.tc;
	info->rcode = a->rcode;
	return len;
}

/* The question of a message the parser rejected, if it has one. */
static void raw_question(query_t *q, const uint8_t *wire, size_t len,
                         uint8_t *buf)
{
	if (len < OD_HDR_LEN || od_get_u16(wire + 4) != 1)
		return;
	od_rd_t r;
	od_rd_init(&r, wire, len);
	od_rd_skip(&r, OD_HDR_LEN);
	if (od_name_unpack(&r, buf) < 0)
		return;
	uint16_t t = od_rd_u16(&r), c = od_rd_u16(&r);
	if (od_rd_err(&r))
		return;
	q->qname = buf;
	q->qtype = t;
	q->qclass = c;
}

/* A response with only the header, OPT and question. */
static int error_reply(const query_t *q, const od_auth_opts_t *opts,
                       uint16_t rcode, od_auth_kind_t kind, uint8_t *out,
                       size_t cap, od_mm_t *mm, od_auth_info_t *info)
{
	ans_t a = { .mm = mm, .rcode = rcode };
	info->kind = kind;
	info->rcode = rcode;
	info->qtype = q->qtype;
	return build(q, opts, &a, false, out, cap, info);
}

static bool meta_qtype(uint16_t t)
{
	return t == OD_TYPE_OPT || (t >= 128 && t <= 254);
}

int od_auth_answer(const od_authdb_t *db, const uint8_t *wire, size_t qlen,
                   const od_auth_opts_t *opts, uint8_t *out, size_t cap,
                   od_arena_t *arena, od_auth_info_t *info)
{
	od_auth_info_t dummy;
	if (info == NULL)
		info = &dummy;
	*info = (od_auth_info_t){ .kind = OD_AK_DROP };
	static const od_auth_opts_t defaults = { .udp_max = OUR_UDP_SIZE };
	if (opts == NULL)
		opts = &defaults;
	if (od_fails(arena == NULL) || wire == NULL || out == NULL ||
	    qlen < OD_HDR_LEN)
		return 0;
	query_t q = { 0 };
	od_hdr_unpack(&q.hdr, wire);
	if (q.hdr.qr)
		return 0;
	od_mm_t *mm = &arena->mm;
	uint8_t qbuf[OD_NAME_MAXLEN];

	od_pkt_t p;
	int r = od_pkt_parse(&p, wire, qlen, mm, OD_PKT_TRAILING_OK);
	if (r != 0) {
		raw_question(&q, wire, qlen, qbuf);
		if (r == OD_ENOMEM)
			return error_reply(&q, opts, OD_RCODE_SERVFAIL,
			                   OD_AK_ERROR, out, cap, mm, info);
		return error_reply(&q, opts, OD_RCODE_FORMERR, OD_AK_ERROR, out,
		                   cap, mm, info);
	}
	info->tsig = p.tsig != NULL;
	if (p.opt) {
		q.edns = true;
		q.qedns = p.edns;
		info->do_bit = od_edns_do(&p.edns);
	}
	const od_question_t *qd = od_pkt_question(&p);
	if (p.count[OD_QUESTION] == 1) {
		q.qname = qd->qname;
		q.qtype = qd->qtype;
		q.qclass = qd->qclass;
		info->qtype = qd->qtype;
	}
	if (q.edns && p.edns.version > 0) /* RFC 6891 §6.1.3 */
		return error_reply(&q, opts, OD_RCODE_BADVERS, OD_AK_ERROR, out,
		                   cap, mm, info);
	if (q.hdr.opcode == OD_OPCODE_NOTIFY && p.count[OD_QUESTION] == 1) {
		info->kind = OD_AK_NOTIFY;
		return 0;
	}
	if (q.hdr.opcode != OD_OPCODE_QUERY && q.hdr.opcode != OD_OPCODE_NOTIFY)
		return error_reply(&q, opts, OD_RCODE_NOTIMP, OD_AK_ERROR, out,
		                   cap, mm, info);
	if (p.count[OD_QUESTION] != 1) {
		q.qname = NULL;
		return error_reply(&q, opts, OD_RCODE_FORMERR, OD_AK_ERROR, out,
		                   cap, mm, info);
	}
	/* An IXFR query carries the client's SOA in authority (RFC 1995). */
	bool ixfr = q.qtype == OD_TYPE_IXFR;
	if (p.count[OD_ANSWER] ||
	    (p.count[OD_AUTHORITY] && !(ixfr && p.count[OD_AUTHORITY] == 1)))
		return error_reply(&q, opts, OD_RCODE_FORMERR, OD_AK_ERROR, out,
		                   cap, mm, info);
	if (q.qclass != OD_CLASS_IN)
		return error_reply(&q, opts, OD_RCODE_REFUSED, OD_AK_REFUSED,
		                   out, cap, mm, info);

	if (q.qtype == OD_TYPE_AXFR || ixfr) {
		if (opts->tcp) {
			info->kind = OD_AK_XFR;
			info->zone = od_authdb_get(db, q.qname);
			return 0;
		}
		/* RFC 5936 §4.2 leaves AXFR over UDP undefined: FORMERR.
		   IXFR over UDP gets the current SOA (RFC 1995 §2). */
		const od_authzone_t *az = od_authdb_get(db, q.qname);
		if (!ixfr || az == NULL)
			return error_reply(&q, opts,
			                   az || ixfr ? OD_RCODE_FORMERR
			                              : OD_RCODE_REFUSED,
			                   az || ixfr ? OD_AK_ERROR
			                              : OD_AK_REFUSED,
			                   out, cap, mm, info);
		ans_t a = { .mm = mm, .az = az, .z = od_authzone_zone(az) };
		const od_zrrset_t *soa = od_zone_soa(a.z);
		add_set(&a, OD_ANSWER, q.qname, a.z->apex, soa, false,
		        UINT32_MAX, false);
		if (a.nomem)
			return error_reply(&q, opts, OD_RCODE_SERVFAIL,
			                   OD_AK_ERROR, out, cap, mm, info);
		info->kind = OD_AK_ANSWER;
		info->zone = az;
		return build(&q, opts, &a, true, out, cap, info);
	}
	if (meta_qtype(q.qtype))
		return error_reply(&q, opts, OD_RCODE_NOTIMP, OD_AK_ERROR, out,
		                   cap, mm, info);

	const od_authzone_t *az = od_authdb_find(db, q.qname);
	/* DS lives on the parent side of a cut (RFC 4035 §3.1.4.1). */
	if (az && q.qtype == OD_TYPE_DS && !od_name_is_root(q.qname) &&
	    od_name_equal(od_authzone_zone(az)->origin, q.qname)) {
		const od_authzone_t *parent =
		        od_authdb_find(db, od_name_parent(q.qname));
		if (parent)
			az = parent;
	}
	if (az == NULL)
		return error_reply(&q, opts, OD_RCODE_REFUSED, OD_AK_REFUSED,
		                   out, cap, mm, info);

	ans_t a = { .mm = mm,
		    .az = az,
		    .z = od_authzone_zone(az),
		    .do_bit = info->do_bit,
		    .tcp = opts->tcp };
	a.dnssec = a.do_bit && od_authzone_dnssec(az) != OD_AZ_UNSIGNED;
	const uint8_t *name = q.qname;
	for (int step = 0;; step++) {
		const uint8_t *next = NULL;
		if (lookup(&a, name, q.qtype, &next) != STEP_FOLLOW)
			break;
		/* Only what this zone holds is followed; the resolver
		   chases the rest. */
		if (step + 1 >= CHAIN_MAX || !od_name_in(next, a.z->origin) ||
		    a.nomem)
			break;
		name = next;
	}
	if (a.nomem)
		return error_reply(&q, opts, OD_RCODE_SERVFAIL, OD_AK_ERROR,
		                   out, cap, mm, info);
	info->zone = az;
	info->kind = a.kind;
	if (a.rcode == OD_RCODE_NXDOMAIN)
		info->kind = OD_AK_NXDOMAIN;
	else if (a.answers)
		info->kind = OD_AK_ANSWER;
	/* AA reflects the owner of the first answer record or the query
	   name: only a referral from the start is not authoritative. */
	bool aa = a.answers || !a.referral;
	return build(&q, opts, &a, aa, out, cap, info);
}
