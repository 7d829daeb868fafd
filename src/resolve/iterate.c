/* SPDX-License-Identifier: MIT */
/*
 * The iterate layer: RFC 1034 §5.3.3 from the closest known zone cut,
 * with QNAME minimisation (RFC 9156), referrals with bailiwick-checked
 * glue, sub-requests for NS addresses (bounded per delegation against
 * NXNS), CNAME/DNAME chains, negative answers (RFC 2308, RFC 8020),
 * EDNS fallback and TCP after truncation.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "lib/error.h"
#include "lib/rrtype.h"
#include "resolve/internal.h"

#define DNS_PORT 53
/* Timeout when no infrastructure cache is configured. */
#define DEFAULT_TIMEOUT_MS 1500

/* Server lists. */

static bool family_ok(const odr_req_t *r, int af)
{
	if (af == AF_INET)
		return !r->conf.no_ipv4;
	if (af == AF_INET6)
		return !r->conf.no_ipv6;
	return false;
}

/* Socket addresses are copied into typed locals (memcpy) rather than
 * accessed through casts: the compiler may assume the different struct
 * types do not alias. */
static bool addr_equal(const struct sockaddr_storage *a,
                       const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		struct sockaddr_in x, y;
		memcpy(&x, a, sizeof(x));
		memcpy(&y, b, sizeof(y));
		return x.sin_port == y.sin_port &&
		       x.sin_addr.s_addr == y.sin_addr.s_addr;
	}
	struct sockaddr_in6 x, y;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x.sin6_port == y.sin6_port &&
	       memcmp(&x.sin6_addr, &y.sin6_addr, 16) == 0;
}

static void addr_add_ss(odr_req_t *r, odr_cut_t *c, int nsi,
                        const struct sockaddr_storage *ss)
{
	if (!family_ok(r, ss->ss_family) || c->naddr >= ODR_CUT_MAX_ADDR)
		return;
	for (size_t i = 0; i < c->naddr; i++)
		if (addr_equal(&c->addr[i], ss))
			return;
	c->addr[c->naddr] = *ss;
	c->tried[c->naddr] = false;
	c->timeouts[c->naddr] = 0;
	c->noedns[c->naddr] = false;
	c->retried[c->naddr] = false;
	c->answered[c->naddr] = false;
	c->naddr++;
	if (nsi >= 0)
		c->ns[nsi].naddr++;
}

static void addr_add_rr(odr_req_t *r, odr_cut_t *c, int nsi, const od_rr_t *rr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (rr->type == OD_TYPE_A && rr->rdlen == 4) {
		struct sockaddr_in s;
		memset(&s, 0, sizeof(s));
		s.sin_family = AF_INET;
		s.sin_port = htons(DNS_PORT);
		memcpy(&s.sin_addr, rr->rdata, 4);
		memcpy(&ss, &s, sizeof(s));
	} else if (rr->type == OD_TYPE_AAAA && rr->rdlen == 16) {
		struct sockaddr_in6 s;
		memset(&s, 0, sizeof(s));
		s.sin6_family = AF_INET6;
		s.sin6_port = htons(DNS_PORT);
		memcpy(&s.sin6_addr, rr->rdata, 16);
		memcpy(&ss, &s, sizeof(s));
	} else {
		return;
	}
	addr_add_ss(r, c, nsi, &ss);
}

static int ns_index(const odr_cut_t *c, const uint8_t *name)
{
	for (size_t i = 0; i < c->nns; i++)
		if (od_name_equal(c->ns[i].name, name))
			return (int)i;
	return -1;
}

static int ns_add(odr_req_t *r, odr_cut_t *c, const uint8_t *name)
{
	int i = ns_index(c, name);
	if (i >= 0)
		return i;
	if (c->nns >= ODR_CUT_MAX_NS)
		return -1;
	uint8_t *n = od_mm_dup(&r->arena.mm, name, od_name_len(name));
	if (n == NULL)
		return -1;
	memset(&c->ns[c->nns], 0, sizeof(c->ns[0]));
	c->ns[c->nns].name = n;
	return (int)c->nns++;
}

static odr_cut_t *cut_new(odr_req_t *r, const uint8_t *name)
{
	odr_cut_t *c = od_mm_calloc(&r->arena.mm, sizeof(*c));
	if (c != NULL)
		od_name_copy(c->name, name);
	return c;
}

static void ns_addrs_from_cache(odr_req_t *r, odr_cut_t *c, int nsi,
                                uint64_t now_ms)
{
	static const uint16_t types[] = { OD_TYPE_A, OD_TYPE_AAAA };
	if (r->env->cache == NULL)
		return;
	for (size_t k = 0; k < 2; k++) {
		odr_rrset_t s;
		if (odr_cache_get(r->env->cache, c->ns[nsi].name, types[k],
		                  odr_now_s(now_ms), &r->arena.mm, &s) != 0)
			continue;
		for (uint16_t j = 0; j < s.count; j++)
			addr_add_rr(r, c, nsi, &s.rrs[j]);
	}
}

/* A cut is usable when some server has an address, or has a name
 * outside the zone (its address can be found without this zone). */
static bool cut_usable(const odr_cut_t *c)
{
	if (c->naddr > 0)
		return true;
	for (size_t i = 0; i < c->nns; i++)
		if (!od_name_in(c->ns[i].name, c->name))
			return true;
	return false;
}

static void cut_enter(odr_task_t *t, odr_cut_t *c)
{
	t->cut = c;
	t->min_labels = (unsigned)od_name_labels(c->name);
	t->retry_srv = -1;
	t->retry_tcp = false;
}

/* The closest enclosing zone cut known in cache, else the root hints. */
static bool cut_find(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	const uint8_t *name = t->qname;
	/* DS lives in the parent zone (RFC 4035 §3.1.4.1). */
	if (t->qtype == OD_TYPE_DS && !od_name_is_root(name))
		name = od_name_parent(name);
	for (; r->env->cache != NULL; name = od_name_parent(name)) {
		odr_rrset_t s;
		if (odr_cache_get(r->env->cache, name, OD_TYPE_NS,
		                  odr_now_s(now_ms), &r->arena.mm, &s) == 0 &&
		    s.count > 0) {
			odr_cut_t *c = cut_new(r, name);
			if (c == NULL)
				return false;
			for (uint16_t i = 0; i < s.count; i++)
				if (s.rrs[i].rdlen > 0)
					(void)ns_add(r, c, s.rrs[i].rdata);
			for (size_t i = 0; i < c->nns; i++)
				ns_addrs_from_cache(r, c, (int)i, now_ms);
			if (cut_usable(c)) {
				cut_enter(t, c);
				return true;
			}
		}
		if (od_name_is_root(name))
			break;
	}
	const odr_hints_t *h = r->env->hints;
	if (h == NULL || h->n == 0)
		return false;
	odr_cut_t *c = cut_new(r, (const uint8_t *)"");
	if (c == NULL)
		return false;
	for (size_t i = 0; i < h->n; i++) {
		int nsi = ns_add(r, c, h->v[i].name);
		addr_add_ss(r, c, nsi, &h->v[i].addr);
	}
	if (c->naddr == 0)
		return false;
	cut_enter(t, c);
	return true;
}

/* Reading answers. */

/* Is rr a record of owner/type (ANY: of any type but RRSIG)? */
static bool of_rrset(const od_rr_t *rr, const uint8_t *owner, uint16_t type)
{
	return rr->rclass == OD_CLASS_IN &&
	       (rr->type == type ||
	        (type == OD_TYPE_ANY && rr->type != OD_TYPE_RRSIG)) &&
	       od_name_equal(rr->owner, owner);
}

/* Is rr an RRSIG over owner/type (RFC 4034 §3: type covered in the
 * first two octets of the RDATA)? */
static bool sig_of(const od_rr_t *rr, const uint8_t *owner, uint16_t type)
{
	return rr->type == OD_TYPE_RRSIG && rr->rclass == OD_CLASS_IN &&
	       rr->rdlen >= 2 && od_get_u16(rr->rdata) == type &&
	       od_name_equal(rr->owner, owner);
}

/* The records of a section that pred accepts, copied into an array. */
static od_rr_t *
collect_by(odr_req_t *r, const od_pkt_t *p, od_section_t sec,
           const uint8_t *owner, uint16_t type,
           bool (*pred)(const od_rr_t *, const uint8_t *, uint16_t), size_t *n)
{
	size_t cnt = 0;
	for (uint16_t i = 0; i < p->count[sec]; i++)
		if (pred(&p->rr[sec][i], owner, type))
			cnt++;
	*n = 0;
	if (cnt == 0)
		return NULL;
	od_rr_t *out = od_mm_alloc(&r->arena.mm, cnt * sizeof(*out));
	if (out == NULL)
		return NULL;
	for (uint16_t i = 0; i < p->count[sec]; i++)
		if (pred(&p->rr[sec][i], owner, type))
			out[(*n)++] = p->rr[sec][i];
	return out;
}

/* The records of one RRset of a section. */
static od_rr_t *collect(odr_req_t *r, const od_pkt_t *p, od_section_t sec,
                        const uint8_t *owner, uint16_t type, size_t *n)
{
	return collect_by(r, p, sec, owner, type, of_rrset, n);
}

/* The RRSIGs of a section over owner/type. */
static od_rr_t *collect_sigs(odr_req_t *r, const od_pkt_t *p, od_section_t sec,
                             const uint8_t *owner, uint16_t type, uint16_t *n)
{
	size_t cnt;
	od_rr_t *out = collect_by(r, p, sec, owner, type, sig_of, &cnt);
	/* A section holds at most 65535 records. */
	*n = (uint16_t)cnt;
	return out;
}

/* Add a group of answer records to t with their RRSIGs. */
static bool add_group(odr_req_t *r, odr_task_t *t, const od_pkt_t *p,
                      od_rr_t *g, size_t n, odr_rank_t rank)
{
	if (!odr_task_add(t, g, n))
		return false;
	odr_group_t *grp = odr_task_last(t);
	grp->rank = (uint8_t)rank;
	grp->zone = t->cut->name;
	if (r->dnssec_ok && g[0].type != OD_TYPE_ANY)
		grp->sigs = collect_sigs(r, p, OD_ANSWER, g[0].owner, g[0].type,
		                         &grp->nsigs);
	return true;
}

static bool proof_type(const od_rr_t *rr)
{
	if (rr->type == OD_TYPE_NSEC || rr->type == OD_TYPE_NSEC3)
		return true;
	if (rr->type != OD_TYPE_RRSIG || rr->rdlen < 2)
		return false;
	uint16_t cov = od_get_u16(rr->rdata);
	return cov == OD_TYPE_NSEC || cov == OD_TYPE_NSEC3;
}

/* Keep the NSEC/NSEC3 records of an answer's authority section and their
 * RRSIGs (proofs of denial and of wildcard expansion, RFC 4035 §3.1.3). */
static void keep_proofs(odr_req_t *r, odr_task_t *t, const od_pkt_t *p)
{
	if (!r->dnssec_ok)
		return;
	for (uint16_t i = 0; i < p->count[OD_AUTHORITY]; i++) {
		const od_rr_t *rr = &p->rr[OD_AUTHORITY][i];
		if (rr->rclass != OD_CLASS_IN || !proof_type(rr))
			continue;
		if (t->nauth >= ODR_MAX_AUTH || !odr_task_auth_room(r, t))
			return;
		t->auth[t->nauth++] = *rr;
	}
}

/* The SOA of a negative answer about name from zone's servers. */
static const od_rr_t *find_soa(const od_pkt_t *p, const uint8_t *name,
                               const uint8_t *zone)
{
	for (uint16_t i = 0; i < p->count[OD_AUTHORITY]; i++) {
		const od_rr_t *rr = &p->rr[OD_AUTHORITY][i];
		if (rr->type == OD_TYPE_SOA && rr->rclass == OD_CLASS_IN &&
		    od_name_in(name, rr->owner) && od_name_in(rr->owner, zone))
			return rr;
	}
	return NULL;
}

static bool has_type(const od_pkt_t *p, od_section_t sec, uint16_t type)
{
	for (uint16_t i = 0; i < p->count[sec]; i++)
		if (p->rr[sec][i].type == type)
			return true;
	return false;
}

/* A referral: NS for a zone below the cut that holds name. */
static const od_rr_t *find_referral(const od_pkt_t *p, const uint8_t *cut,
                                    const uint8_t *name)
{
	for (uint16_t i = 0; i < p->count[OD_AUTHORITY]; i++) {
		const od_rr_t *rr = &p->rr[OD_AUTHORITY][i];
		if (rr->type == OD_TYPE_NS && rr->rclass == OD_CLASS_IN &&
		    od_name_below(rr->owner, cut) &&
		    od_name_in(name, rr->owner))
			return rr;
	}
	return NULL;
}

static void report(odr_req_t *r, odr_task_t *t, int i, odr_outcome_t what,
                   uint32_t rtt, uint64_t now_ms)
{
	if (r->env->infra != NULL && !r->q.local && i >= 0 &&
	    (size_t)i < t->cut->naddr)
		odr_infra_report(r->env->infra,
		                 (const struct sockaddr *)&t->cut->addr[i],
		                 what, rtt, now_ms);
}

static odr_state_t lame(odr_req_t *r, odr_task_t *t, int i, uint64_t now_ms)
{
	report(r, t, i, ODR_LAME, 0, now_ms);
	t->cut->tried[i] = true;
	return ODR_PRODUCE;
}

static uint32_t soa_minimum(const od_rr_t *soa)
{
	if (soa->rdlen < 22)
		return 0;
	return od_get_u32(soa->rdata + soa->rdlen - 4);
}

/* Settle t with a negative answer for name (RFC 2308): the SOA goes to
 * the authority section with TTL min(SOA TTL, MINIMUM), and to cache. */
static odr_state_t negative(odr_req_t *r, odr_task_t *t, const od_pkt_t *p,
                            const uint8_t *name, uint16_t rcode,
                            uint64_t now_ms)
{
	const od_rr_t *soa = find_soa(p, name, t->cut->name);
	t->rcode = rcode;
	size_t first = t->nauth;
	keep_proofs(r, t, p);
	if (soa == NULL)
		return ODR_DONE;
	od_rr_t *copy = od_mm_dup(&r->arena.mm, soa, sizeof(*soa));
	if (copy == NULL)
		return ODR_DONE;
	uint32_t min = soa_minimum(soa);
	if (min < copy->ttl)
		copy->ttl = min;
	t->soa.rrs = copy;
	t->soa.n = 1;
	t->soa.rank = p->hdr.aa ? ODR_RANK_AUTH_AA : ODR_RANK_AUTHORITY;
	if (r->dnssec_ok)
		t->soa_sigs.rrs = collect_sigs(r, p, OD_AUTHORITY, soa->owner,
		                               OD_TYPE_SOA, &t->soa_sigs.n);
	if (r->env->cache != NULL) {
		/* The proof is cached with the answer: the SOA's RRSIGs and
		 * the NSEC/NSEC3 records this answer brought. */
		size_t np = t->soa_sigs.n + (t->nauth - first);
		od_rr_t *proof =
		        np > 0 ? od_mm_alloc(&r->arena.mm, np * sizeof(*proof))
		               : NULL;
		size_t k = 0;
		if (proof != NULL) {
			for (size_t j = 0; j < t->soa_sigs.n; j++)
				proof[k++] = t->soa_sigs.rrs[j];
			for (size_t j = first; j < t->nauth; j++)
				proof[k++] = t->auth[j];
		}
		odr_neg_t neg = {
			.rcode = rcode,
			.zone = soa->owner,
			.soa = soa->rdata,
			.soa_len = soa->rdlen,
			.ttl = copy->ttl,
			.rank = (odr_rank_t)t->soa.rank,
			.proof = proof,
			.nproof = (uint16_t)k,
		};
		(void)odr_cache_put_neg(r->env->cache, name, t->qtype, &neg,
		                        odr_now_s(now_ms));
	}
	return ODR_DONE;
}

/* Follow a referral to the zone of ns_rr's owner. */
static odr_state_t referral(odr_req_t *r, odr_task_t *t, const od_pkt_t *p,
                            const od_rr_t *ns_rr, int i, uint32_t rtt,
                            uint64_t now_ms)
{
	odr_cut_t *old = t->cut;
	const uint8_t *zone = ns_rr->owner;
	/* The parent answers DS itself; a referral to the child is lame. */
	if (t->qtype == OD_TYPE_DS && !r->q.minimised &&
	    od_name_equal(zone, t->qname))
		return lame(r, t, i, now_ms);
	size_t n;
	od_rr_t *nsset = collect(r, p, OD_AUTHORITY, zone, OD_TYPE_NS, &n);
	if (nsset == NULL)
		return odr_task_fail(r, t, "out of memory", OD_EDE_OTHER);
	odr_cut_t *c = cut_new(r, zone);
	if (c == NULL)
		return odr_task_fail(r, t, "out of memory", OD_EDE_OTHER);
	for (size_t k = 0; k < n; k++)
		if (nsset[k].rdlen > 0)
			(void)ns_add(r, c, nsset[k].rdata);
	if (c->nns == 0)
		return lame(r, t, i, now_ms);
	report(r, t, i, ODR_OK, rtt, now_ms);
	odr_store_rrset(r, nsset, n, ODR_RANK_AUTHORITY, now_ms);
	/* The parent's DS set travels with its referral (RFC 4035 §3.1.4):
	 * cached unchecked, the validator need not ask for it again. */
	if (r->dnssec_ok) {
		size_t nds;
		od_rr_t *ds =
		        collect(r, p, OD_AUTHORITY, zone, OD_TYPE_DS, &nds);
		if (ds != NULL) {
			odr_group_t g = { .rrs = ds,
				          .n = (uint16_t)nds,
				          .rank = ODR_RANK_AUTHORITY };
			g.sigs = collect_sigs(r, p, OD_AUTHORITY, zone,
			                      OD_TYPE_DS, &g.nsigs);
			odr_store_group(r, &g, ODR_SEC_UNCHECKED, 0, now_ms);
		}
	}
	/* Glue only from inside the zone whose servers we asked (the
	 * bailiwick); anything else could be a poisoning attempt. */
	for (size_t j = 0; j < c->nns; j++) {
		static const uint16_t types[] = { OD_TYPE_A, OD_TYPE_AAAA };
		if (!od_name_in(c->ns[j].name, old->name))
			continue;
		for (size_t k = 0; k < 2; k++) {
			size_t gn;
			od_rr_t *g = collect(r, p, OD_ADDITIONAL, c->ns[j].name,
			                     types[k], &gn);
			if (g == NULL)
				continue;
			odr_store_rrset(r, g, gn, ODR_RANK_ADDITIONAL, now_ms);
			for (size_t m = 0; m < gn; m++)
				addr_add_rr(r, c, (int)j, &g[m]);
		}
	}
	for (size_t j = 0; j < c->nns; j++)
		if (c->ns[j].naddr == 0)
			ns_addrs_from_cache(r, c, (int)j, now_ms);
	cut_enter(t, c);
	return ODR_PRODUCE;
}

static bool synth_dname(const uint8_t *name, const od_rr_t *d, uint8_t *out)
{
	/* name = prefix + owner; out = prefix + target (RFC 6672 §2.2). */
	size_t nl = od_name_len(name), ol = od_name_len(d->owner);
	size_t pl = nl - ol, tl = od_name_len(d->rdata);
	if (pl + tl > OD_NAME_MAXLEN)
		return false;
	memcpy(out, name, pl);
	memcpy(out + pl, d->rdata, tl);
	return true;
}

static const od_rr_t *find_dname(const od_pkt_t *p, const uint8_t *name,
                                 const uint8_t *zone)
{
	for (uint16_t i = 0; i < p->count[OD_ANSWER]; i++) {
		const od_rr_t *rr = &p->rr[OD_ANSWER][i];
		if (rr->type == OD_TYPE_DNAME && rr->rclass == OD_CLASS_IN &&
		    rr->rdlen > 0 && od_name_below(name, rr->owner) &&
		    od_name_in(rr->owner, zone))
			return rr;
	}
	return NULL;
}

/* Start over for a new target (after a CNAME/DNAME leaving the data the
 * server gave): cache first, then the closest cut. */
static odr_state_t restart(odr_req_t *r, odr_task_t *t, const uint8_t *target,
                           uint64_t now_ms)
{
	od_name_copy(t->qname, target);
	odr_state_t st = odr_cache_answer(r, t, now_ms);
	if (st != ODR_PRODUCE)
		return st;
	t->min_steps = 0;
	if (!cut_find(r, t, now_ms))
		return odr_task_fail(r, t, "no usable root hint address",
		                     OD_EDE_OTHER);
	return ODR_PRODUCE;
}

/* The answer to the full question. */
static odr_state_t full_answer(odr_req_t *r, odr_task_t *t, const od_pkt_t *p,
                               int i, uint32_t rtt, uint64_t now_ms)
{
	const uint8_t *zone = t->cut->name;
	bool aa = p->hdr.aa;
	odr_rank_t rank = aa ? ODR_RANK_ANSWER_AA : ODR_RANK_ANSWER;
	uint8_t cur[OD_NAME_MAXLEN];
	od_name_copy(cur, t->qname);
	bool progressed = false;
	for (;;) {
		size_t n;
		od_rr_t *g;
		if (!od_name_in(cur, zone))
			break;
		const od_rr_t *d = t->qtype == OD_TYPE_DNAME
		                           ? NULL
		                           : find_dname(p, cur, zone);
		if (d != NULL) {
			if (!aa)
				return lame(r, t, i, now_ms);
			uint8_t next[OD_NAME_MAXLEN];
			if (++t->chain > r->conf.max_chain)
				return odr_task_fail(r, t,
				                     "CNAME chain too long",
				                     OD_EDE_OTHER);
			g = collect(r, p, OD_ANSWER, d->owner, OD_TYPE_DNAME,
			            &n);
			od_rr_t *syn = od_mm_calloc(&r->arena.mm, sizeof(*syn));
			uint8_t *own =
			        od_mm_dup(&r->arena.mm, cur, od_name_len(cur));
			if (g == NULL || syn == NULL || own == NULL)
				return odr_task_fail(r, t, "out of memory",
				                     OD_EDE_OTHER);
			if (!synth_dname(cur, d, next)) {
				/* RFC 6672 §2.2: the result is too long. */
				odr_task_add(t, g, n);
				t->rcode = OD_RCODE_YXDOMAIN;
				report(r, t, i, ODR_OK, rtt, now_ms);
				return ODR_DONE;
			}
			syn->owner = own;
			syn->type = OD_TYPE_CNAME;
			syn->rclass = OD_CLASS_IN;
			syn->ttl = d->ttl;
			syn->rdata = od_mm_dup(&r->arena.mm, next,
			                       od_name_len(next));
			syn->rdlen = (uint16_t)od_name_len(next);
			if (syn->rdata == NULL ||
			    !add_group(r, t, p, g, n, rank))
				return odr_task_fail(r, t, "answer too long",
				                     OD_EDE_OTHER);
			odr_store_group(r, odr_task_last(t), ODR_SEC_UNCHECKED,
			                0, now_ms);
			if (!odr_task_add(t, syn, 1))
				return odr_task_fail(r, t, "answer too long",
				                     OD_EDE_OTHER);
			odr_task_last(t)->synth = true;
			odr_task_last(t)->rank = (uint8_t)rank;
			od_name_copy(cur, next);
			progressed = true;
			continue;
		}
		g = collect(r, p, OD_ANSWER, cur, t->qtype, &n);
		if (g != NULL) {
			if (!aa)
				return lame(r, t, i, now_ms);
			if (!add_group(r, t, p, g, n, rank))
				return odr_task_fail(r, t, "answer too long",
				                     OD_EDE_OTHER);
			if (t->qtype != OD_TYPE_ANY)
				odr_store_group(r, odr_task_last(t),
				                ODR_SEC_UNCHECKED, 0, now_ms);
			/* A wildcard expansion is proven by the authority
			 * section's NSEC/NSEC3 (RFC 4035 §5.3.4). */
			keep_proofs(r, t, p);
			od_name_copy(t->qname, cur);
			t->rcode = OD_RCODE_NOERROR;
			report(r, t, i, ODR_OK, rtt, now_ms);
			return ODR_DONE;
		}
		if (t->qtype == OD_TYPE_CNAME)
			break;
		g = collect(r, p, OD_ANSWER, cur, OD_TYPE_CNAME, &n);
		if (g == NULL || g[0].rdlen == 0)
			break;
		if (!aa)
			return lame(r, t, i, now_ms);
		if (++t->chain > r->conf.max_chain)
			return odr_task_fail(r, t, "CNAME chain too long",
			                     OD_EDE_OTHER);
		/* A CNAME RRset has one record (RFC 2181 §10.1). */
		if (!add_group(r, t, p, g, 1, rank))
			return odr_task_fail(r, t, "answer too long",
			                     OD_EDE_OTHER);
		odr_store_group(r, odr_task_last(t), ODR_SEC_UNCHECKED, 0,
		                now_ms);
		keep_proofs(r, t, p);
		od_name_copy(cur, g[0].rdata);
		progressed = true;
		/* The chain must not come back to a name seen before. */
		for (size_t k = 0; k + 1 < t->nans; k++)
			if (od_name_equal(t->ans[k].rrs[0].owner, cur))
				return odr_task_fail(r, t, "CNAME loop",
				                     OD_EDE_OTHER);
	}
	if (progressed) {
		report(r, t, i, ODR_OK, rtt, now_ms);
		/* The server's RCODE speaks of the chain's last name when it
		 * is its own; otherwise go and ask for the target. */
		if (aa && od_name_in(cur, zone) &&
		    find_referral(p, zone, cur) == NULL) {
			if (p->rcode == OD_RCODE_NXDOMAIN)
				return negative(r, t, p, cur, OD_RCODE_NXDOMAIN,
				                now_ms);
			if (find_soa(p, cur, zone) != NULL)
				return negative(r, t, p, cur, OD_RCODE_NOERROR,
				                now_ms);
		}
		return restart(r, t, cur, now_ms);
	}
	if (p->rcode == OD_RCODE_NXDOMAIN) {
		if (!aa)
			return lame(r, t, i, now_ms);
		report(r, t, i, ODR_OK, rtt, now_ms);
		return negative(r, t, p, t->qname, OD_RCODE_NXDOMAIN, now_ms);
	}
	const od_rr_t *ns = find_referral(p, zone, t->qname);
	if (ns != NULL && !has_type(p, OD_AUTHORITY, OD_TYPE_SOA))
		return referral(r, t, p, ns, i, rtt, now_ms);
	if (aa && p->count[OD_ANSWER] == 0) {
		report(r, t, i, ODR_OK, rtt, now_ms);
		return negative(r, t, p, t->qname, OD_RCODE_NOERROR, now_ms);
	}
	/* Neither an answer, nor a referral closer to the name, nor an
	 * authoritative negative answer. */
	return lame(r, t, i, now_ms);
}

/* The answer to a minimised question (the next label, type A). */
static odr_state_t min_answer(odr_req_t *r, odr_task_t *t, const od_pkt_t *p,
                              int i, uint32_t rtt, uint64_t now_ms)
{
	const uint8_t *qs = r->q.qname;
	const uint8_t *zone = t->cut->name;
	if (p->rcode == OD_RCODE_NXDOMAIN) {
		/* RFC 8020 would let the walk end here, but servers that
		 * answer NXDOMAIN for empty non-terminals exist, and an
		 * unvalidated NXDOMAIN for a shorter name cannot tell them
		 * apart: ask the full question once at the same server
		 * (RFC 9156 §2.3 allows it), whose answer then settles it. */
		report(r, t, i, ODR_OK, rtt, now_ms);
		t->no_min = true;
		t->retry_srv = i;
		return ODR_PRODUCE;
	}
	const od_rr_t *ns = find_referral(p, zone, qs);
	if (ns != NULL && !has_type(p, OD_AUTHORITY, OD_TYPE_SOA) &&
	    p->count[OD_ANSWER] == 0)
		return referral(r, t, p, ns, i, rtt, now_ms);
	if (p->hdr.aa) {
		/* The name exists (data, a CNAME or an empty non-terminal)
		 * and is no zone cut: the next label. */
		report(r, t, i, ODR_OK, rtt, now_ms);
		t->min_labels = (unsigned)od_name_labels(qs);
		t->min_steps++;
		return ODR_PRODUCE;
	}
	return lame(r, t, i, now_ms);
}

/* The layer's hooks. */

odr_state_t odr_iter_begin(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	t->retry_srv = -1;
	if (!cut_find(r, t, now_ms))
		return odr_task_fail(r, t, "no usable root hint address",
		                     OD_EDE_OTHER);
	return ODR_PRODUCE;
}

static void choose_qname(const odr_req_t *r, const odr_task_t *t, uint8_t *out,
                         uint16_t *type, bool *minimised)
{
	unsigned ql = (unsigned)od_name_labels(t->qname);
	if (!r->conf.no_qname_min && !t->no_min) {
		unsigned cl = (unsigned)od_name_labels(t->cut->name);
		unsigned have = t->min_labels > cl ? t->min_labels : cl;
		if (have < ql) {
			/* RFC 9156 §2.3: one label at a time for the first
			 * steps, then bigger steps so that no name takes
			 * more than MAX_MINIMISE_COUNT queries. */
			unsigned rest = ql - have, add = 1;
			if (t->min_steps >= ODR_MINIMISE_MAX_COUNT)
				add = rest;
			else if (t->min_steps >= ODR_MINIMISE_ONE_LAB)
				add = rest /
				      (ODR_MINIMISE_MAX_COUNT - t->min_steps);
			if (add < 1)
				add = 1;
			if (have + add < ql) {
				od_name_copy(out,
				             od_name_suffix(t->qname,
				                            (int)(have + add)));
				*type = OD_TYPE_A;
				*minimised = true;
				return;
			}
		}
	}
	od_name_copy(out, t->qname);
	*type = t->qtype;
	*minimised = false;
}

/* Resolve the address of one more NS name of the cut (bounded by
 * max_ns_resolve per delegation). Names outside the delegated zone come
 * first: a name inside it without glue can only be found through the
 * zone itself. A name counts against the bound only once its
 * sub-request has started. \return true when a sub-request was started. */
static bool resolve_ns(odr_req_t *r, odr_task_t *t, uint64_t now_ms)
{
	odr_cut_t *c = t->cut;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < c->nns; j++) {
			odr_ns_t *ns = &c->ns[j];
			if (ns->naddr > 0)
				continue;
			if (od_name_in(ns->name, c->name) != (pass == 1))
				continue;
			if (!ns->counted &&
			    c->ns_resolved >= r->conf.max_ns_resolve) {
				r->limits_hit |= ODR_LIMIT_NS;
				continue;
			}
			uint16_t type;
			if (!r->conf.no_ipv4 && !ns->asked_a) {
				ns->asked_a = true;
				type = OD_TYPE_A;
			} else if (!r->conf.no_ipv6 && !ns->asked_aaaa) {
				ns->asked_aaaa = true;
				type = OD_TYPE_AAAA;
			} else {
				continue;
			}
			t->sub_ns = (int)j;
			t->sub_type = type;
			if (odr_sub_push(r, t, ns->name, type, now_ms)) {
				if (!ns->counted) {
					ns->counted = true;
					c->ns_resolved++;
				}
				return true;
			}
			t->sub_ns = -1;
		}
	}
	return false;
}

void odr_iter_sub_done(odr_req_t *r, odr_task_t *t, const odr_task_t *sub)
{
	if (t->cut == NULL || t->sub_ns < 0 ||
	    (size_t)t->sub_ns >= t->cut->nns) {
		t->sub_ns = -1;
		return;
	}
	if (sub->state == ODR_DONE)
		for (size_t g = 0; g < sub->nans; g++)
			for (uint16_t k = 0; k < sub->ans[g].n; k++)
				addr_add_rr(r, t->cut, t->sub_ns,
				            &sub->ans[g].rrs[k]);
	t->sub_ns = -1;
}

static int pick(odr_req_t *r, odr_cut_t *c, uint64_t now_ms)
{
	if (r->env->infra != NULL)
		return odr_infra_pick(r->env->infra, c->addr, c->naddr,
		                      c->tried, now_ms);
	for (size_t i = 0; i < c->naddr; i++)
		if (!c->tried[i])
			return (int)i;
	return -1;
}

static void randomise_case(odr_req_t *r, uint8_t *name)
{
	uint32_t bits = 0;
	unsigned left = 0;
	while (*name != 0) {
		uint8_t len = *name++;
		for (uint8_t k = 0; k < len; k++, name++) {
			uint8_t ch = *name | 0x20;
			if (ch < 'a' || ch > 'z')
				continue;
			if (left == 0) {
				bits = r->env->random(r->env->random_ctx);
				left = 32;
			}
			*name = (bits & 1) ? (uint8_t)(ch & ~0x20) : ch;
			bits >>= 1;
			left--;
		}
	}
}

/* Key tags of the trusted root keys, ascending, without duplicates. */
static size_t root_keytags(const odr_req_t *r, uint16_t *tags, size_t max)
{
	size_t n = 0;
	if (r->trust == NULL)
		return 0;
	for (size_t i = 0; i < r->trust->nanchors && n < max; i++) {
		const odr_anchor_t *a = &r->trust->anchors[i];
		if (!od_name_is_root(a->zone))
			continue;
		uint16_t tag;
		if (a->type == OD_TYPE_DNSKEY)
			tag = od_key_tag(a->rdata, a->rdlen);
		else if (a->rdlen >= 2)
			tag = od_get_u16(a->rdata);
		else
			continue;
		size_t k = n;
		while (k > 0 && tags[k - 1] > tag)
			k--;
		if (k > 0 && tags[k - 1] == tag)
			continue;
		memmove(tags + k + 1, tags + k, (n - k) * sizeof(*tags));
		tags[k] = tag;
		n++;
	}
	return n;
}

static bool build_query(odr_req_t *r, odr_query_t *q)
{
	od_hdr_t h = { .id = q->id, .opcode = OD_OPCODE_QUERY };
	od_pkt_w_t b;
	od_edns_t e;
	if (od_pkt_w_init(&b, q->wire, sizeof(q->wire), &h) != 0)
		return false;
	if (q->edns) {
		od_edns_init(&e, r->conf.edns_size);
		if (r->dnssec_ok)
			e.flags |= OD_EDNS_DO;
		/* RFC 8145 §4: the root's trusted key tags travel with
		 * queries for its DNSKEY RRset. */
		uint16_t tags[16];
		size_t nt = q->qtype == OD_TYPE_DNSKEY &&
		                            od_name_is_root(q->qname)
		                    ? root_keytags(r, tags, 16)
		                    : 0;
		if (nt > 0 &&
		    od_edns_add_keytag(&e, &r->arena.mm, tags, nt) != 0)
			return false;
		if (od_pkt_w_edns(&b, &e) != 0)
			return false;
	}
	if (od_pkt_w_question(&b, q->qname, q->qtype, OD_CLASS_IN) != 0)
		return false;
	int n = od_pkt_w_finish(&b);
	if (n <= 0)
		return false;
	q->len = (size_t)n;
	return true;
}

odr_state_t odr_iter_produce(odr_req_t *r, odr_task_t *t, uint64_t now_ms,
                             odr_send_t *out)
{
	odr_cut_t *c = t->cut;
	if (c == NULL)
		return odr_task_fail(r, t, "no zone cut", OD_EDE_OTHER);
	odr_query_t *q = &r->q;
	memset(q, 0, offsetof(odr_query_t, wire));
	choose_qname(r, t, q->qname, &q->qtype, &q->minimised);
	int i = -1;
	bool tcp = false;
	if (t->retry_srv >= 0 && (size_t)t->retry_srv < c->naddr) {
		i = t->retry_srv;
		tcp = t->retry_tcp;
	}
	t->retry_srv = -1;
	t->retry_tcp = false;
	while (i < 0) {
		i = pick(r, c, now_ms);
		if (i >= 0)
			break;
		if (resolve_ns(r, t, now_ms))
			return ODR_YIELD;
		if (q->minimised) {
			/* Every server failed the minimised question: ask
			 * the full one (RFC 9156 §2.3). */
			t->no_min = true;
			memset(c->tried, 0, sizeof(c->tried));
			choose_qname(r, t, q->qname, &q->qtype, &q->minimised);
			continue;
		}
		/* A server that dropped the EDNS query may answer without
		 * it: one more try each (RFC 6891 §6.2.2). Not while
		 * validating: an answer without EDNS carries no DNSSEC
		 * records, so one lost packet would make the zone bogus and
		 * mark the server as EDNS-broken for later queries; the
		 * retry keeps EDNS then. */
		bool again = false;
		for (size_t k = 0; k < c->naddr; k++) {
			if (c->timeouts[k] == 1 && !c->retried[k] &&
			    !c->answered[k]) {
				/* Validating: once more as before, in case
				 * only that packet was lost. */
				c->retried[k] = true;
				c->noedns[k] = c->noedns[k] || !r->dnssec_ok;
				c->tried[k] = false;
				again = true;
			}
		}
		if (!again)
			return odr_task_fail(r, t,
			                     "no authoritative server answered",
			                     OD_EDE_NO_REACHABLE_AUTH);
	}
	const struct sockaddr *sa = (const struct sockaddr *)&c->addr[i];
	q->active = true;
	q->task = t;
	q->srv = i;
	q->id = (uint16_t)(r->env->random(r->env->random_ctx) & 0xffff);
	q->tcp = tcp;
	q->edns = !c->noedns[i] &&
	          !(r->env->infra != NULL &&
	            odr_infra_edns_broken(r->env->infra, sa, now_ms));
	q->sent_ms = now_ms;
	q->addr = c->addr[i];
	q->addrlen = c->addr[i].ss_family == AF_INET6
	                     ? sizeof(struct sockaddr_in6)
	                     : sizeof(struct sockaddr_in);
	if (r->conf.use_0x20)
		randomise_case(r, q->qname);
	if (!build_query(r, q))
		return odr_task_fail(r, t, "cannot build a query",
		                     OD_EDE_OTHER);
	memset(out, 0, sizeof(*out));
	out->addr = q->addr;
	out->addrlen = q->addrlen;
	out->tcp = q->tcp;
	out->wire = q->wire;
	out->len = q->len;
	out->zone = c->name;
	out->timeout_ms = r->env->infra != NULL
	                          ? odr_infra_timeout(r->env->infra, sa, now_ms)
	                          : DEFAULT_TIMEOUT_MS;
	return ODR_PRODUCE;
}

odr_state_t odr_iter_consume(odr_req_t *r, odr_task_t *t, const odr_answer_t *a,
                             uint64_t now_ms)
{
	odr_cut_t *c = t->cut;
	int i = r->q.srv;
	if (c == NULL || i < 0 || (size_t)i >= c->naddr)
		return ODR_PRODUCE;
	const struct sockaddr *sa = (const struct sockaddr *)&c->addr[i];
	/* The local root's answers say nothing about the root servers. */
	odr_infra_t *infra = r->q.local ? NULL : r->env->infra;
	const od_pkt_t *p = a->pkt;
	if (p == NULL) {
		if (a->malformed) {
			report(r, t, i, ODR_BAD, 0, now_ms);
		} else {
			report(r, t, i, ODR_TIMEOUT, 0, now_ms);
			if (c->timeouts[i] < UINT8_MAX)
				c->timeouts[i]++;
		}
		c->tried[i] = true;
		return ODR_PRODUCE;
	}
	if (p->hdr.tc && !r->q.tcp) {
		/* Truncated over UDP: the same question over TCP. */
		report(r, t, i, ODR_OK, a->rtt_ms, now_ms);
		t->retry_srv = i;
		t->retry_tcp = true;
		return ODR_PRODUCE;
	}
	switch (p->rcode) {
	case OD_RCODE_NOERROR:
	case OD_RCODE_NXDOMAIN:
		break;
	case OD_RCODE_FORMERR:
		report(r, t, i, ODR_FORMERR, 0, now_ms);
		if (r->q.edns) {
			/* RFC 6891 §7: retry without EDNS, and remember. */
			if (infra != NULL)
				odr_infra_set_edns(infra, sa, true, now_ms);
			c->noedns[i] = true;
			t->retry_srv = i;
			return ODR_PRODUCE;
		}
		if (r->q.minimised) {
			t->no_min = true;
			t->retry_srv = i;
			return ODR_PRODUCE;
		}
		c->tried[i] = true;
		return ODR_PRODUCE;
	default:
		report(r, t, i,
		       p->rcode == OD_RCODE_SERVFAIL ? ODR_SERVFAIL
		       : p->rcode == OD_RCODE_REFUSED ||
		                       p->rcode == OD_RCODE_NOTAUTH
		               ? ODR_REFUSED
		               : ODR_BAD,
		       0, now_ms);
		if (r->q.minimised) {
			/* Some servers fail names they do not expect:
			 * the full question, same server (RFC 9156 §2.3). */
			t->no_min = true;
			t->retry_srv = i;
			return ODR_PRODUCE;
		}
		c->tried[i] = true;
		return ODR_PRODUCE;
	}
	if (infra != NULL) {
		if (r->q.edns)
			odr_infra_set_edns(infra, sa, false, now_ms);
		else if (c->timeouts[i] > 0 && !c->answered[i])
			odr_infra_set_edns(infra, sa, true, now_ms);
	}
	c->answered[i] = true;
	if (r->q.minimised)
		return min_answer(r, t, p, i, a->rtt_ms, now_ms);
	return full_answer(r, t, p, i, a->rtt_ms, now_ms);
}
