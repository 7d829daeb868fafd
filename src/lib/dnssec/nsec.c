/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/base.h"
#include "lib/dnssec/nsec.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"

/*
 * Primitives.
 */

int od_nsec3_hash(uint8_t out[OD_NSEC3_HASH_MAXLEN], const uint8_t *name,
                  const od_nsec3_params_t *p, uint32_t *budget)
{
	if (od_fails(out == NULL || name == NULL || p == NULL))
		return OD_EINVAL;
	if (p->alg != OD_NSEC3_ALG_SHA1)
		return OD_ENOTSUP;
	uint32_t cost = (uint32_t)p->iterations + 1;
	if (budget != NULL && *budget < cost)
		return OD_ELIMIT;

	uint8_t canon[OD_NAME_MAXLEN];
	size_t len = od_name_copy(canon, name);
	od_name_lower(canon);

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return OD_ENOMEM;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int ret = OD_ENOMEM;
	const uint8_t *in = canon;
	size_t inlen = len;
	for (uint32_t i = 0; i < cost; i++) {
		if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, in, inlen) != 1 ||
		    EVP_DigestUpdate(ctx, p->salt, p->salt_len) != 1 ||
		    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
			goto out;
		in = md;
		inlen = mdlen;
	}
	if (od_fails(mdlen != OD_NSEC3_HASH_MAXLEN))
		goto out;
	memcpy(out, md, mdlen);
	if (budget != NULL)
		*budget -= cost;
	ret = (int)mdlen;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* Windows must ascend, each 1..32 octets, last octet non-zero. */
static bool bitmap_valid(const uint8_t *bm, size_t len)
{
	int last = -1;
	size_t i = 0;
	while (i < len) {
		if (len - i < 2)
			return false;
		uint8_t win = bm[i], blen = bm[i + 1];
		if ((int)win <= last || blen == 0 || blen > 32 ||
		    len - i - 2 < blen)
			return false;
		last = win;
		i += 2 + (size_t)blen;
	}
	return true;
}

int od_nsec3_parse(od_nsec3_rdata_t *out, const uint8_t *rdata, size_t len)
{
	if (len < 5)
		return OD_EMALF;
	od_nsec3_rdata_t r;
	r.alg = rdata[0];
	r.flags = rdata[1];
	r.iterations = (uint16_t)(rdata[2] << 8 | rdata[3]);
	r.salt_len = rdata[4];
	size_t pos = 5;
	if (len - pos < (size_t)r.salt_len + 1)
		return OD_EMALF;
	r.salt = rdata + pos;
	pos += r.salt_len;
	r.next_len = rdata[pos++];
	if (r.next_len == 0 || len - pos < r.next_len)
		return OD_EMALF;
	r.next = rdata + pos;
	pos += r.next_len;
	r.bitmap = rdata + pos;
	r.bitmap_len = (uint16_t)(len - pos);
	if (!bitmap_valid(r.bitmap, r.bitmap_len))
		return OD_EMALF;
	*out = r;
	return 0;
}

int od_nsec_parse(const uint8_t *rdata, size_t len, const uint8_t **next,
                  const uint8_t **bitmap, size_t *bitmap_len)
{
	int nl = od_name_check(rdata, len);
	if (nl < 0)
		return OD_EMALF;
	if (!bitmap_valid(rdata + nl, len - (size_t)nl))
		return OD_EMALF;
	*next = rdata;
	*bitmap = rdata + nl;
	*bitmap_len = len - (size_t)nl;
	return 0;
}

bool od_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	uint8_t want = (uint8_t)(type >> 8);
	uint8_t bit = (uint8_t)(type & 0xff);
	size_t i = 0;
	while (i + 2 <= len) {
		uint8_t win = bm[i], blen = bm[i + 1];
		if (len - i - 2 < blen)
			return false;
		if (win == want)
			return bit / 8 < blen &&
			       (bm[i + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
		i += 2 + (size_t)blen;
	}
	return false;
}

int od_bitmap_build(const uint16_t *types, size_t n, uint8_t *out,
                    size_t outcap)
{
	/* 8 KiB: one bit per type; simpler than sorting the list. */
	static const size_t nbytes = 65536 / 8;
	uint8_t *bits = calloc(1, nbytes);
	if (bits == NULL)
		return OD_ENOMEM;
	for (size_t i = 0; i < n; i++)
		bits[types[i] / 8] |= (uint8_t)(0x80 >> (types[i] % 8));
	size_t pos = 0;
	int ret = 0;
	for (size_t win = 0; win < 256; win++) {
		const uint8_t *w = bits + win * 32;
		int blen = 32;
		while (blen > 0 && w[blen - 1] == 0)
			blen--;
		if (blen == 0)
			continue;
		if (outcap - pos < (size_t)blen + 2) {
			ret = OD_ESPACE;
			goto out;
		}
		out[pos++] = (uint8_t)win;
		out[pos++] = (uint8_t)blen;
		memcpy(out + pos, w, (size_t)blen);
		pos += (size_t)blen;
	}
	ret = (int)pos;
out:
	free(bits);
	return ret;
}

int od_wildcard_of(uint8_t *out, const uint8_t *encloser)
{
	size_t len = od_name_len(encloser);
	if (len + 2 > OD_NAME_MAXLEN)
		return OD_ENAMELEN;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, encloser, len);
	return (int)len + 2;
}

/* Bitmap of an NSEC record, or NULL when its RDATA is malformed. */
static const uint8_t *nsec_fields(const od_rr_t *rr, const uint8_t **next,
                                  size_t *bmlen)
{
	const uint8_t *bm;
	if (rr->type != OD_TYPE_NSEC ||
	    od_nsec_parse(rr->rdata, rr->rdlen, next, &bm, bmlen) != 0)
		return NULL;
	return bm;
}

/* The record sits at a delegation (parent side) or DNAME: names below its
 * owner are not the zone's and cannot be denied by it. */
static bool cut_bits(const uint8_t *bm, size_t bmlen)
{
	return (od_bitmap_has(bm, bmlen, OD_TYPE_NS) &&
	        !od_bitmap_has(bm, bmlen, OD_TYPE_SOA)) ||
	       od_bitmap_has(bm, bmlen, 39 /* DNAME */);
}

bool od_nsec_matches(const od_rr_t *nsec, const uint8_t *name)
{
	return nsec->type == OD_TYPE_NSEC && od_name_equal(nsec->owner, name);
}

bool od_nsec_covers(const od_rr_t *nsec, const uint8_t *name,
                    const uint8_t *zone)
{
	const uint8_t *next;
	size_t bmlen;
	const uint8_t *bm = nsec_fields(nsec, &next, &bmlen);
	if (bm == NULL || !od_name_in(name, zone) ||
	    !od_name_in(nsec->owner, zone))
		return false;
	if (od_name_cmp(nsec->owner, name) >= 0)
		return false;
	if (od_name_below(name, nsec->owner) && cut_bits(bm, bmlen))
		return false;
	if (od_name_cmp(nsec->owner, next) < 0)
		return od_name_cmp(name, next) < 0;
	/* Last record of the chain: its next name is the apex. */
	return true;
}

int od_nsec3_owner_hash(const od_rr_t *nsec3, const uint8_t *zone,
                        uint8_t out[OD_NSEC3_HASH_MAXLEN])
{
	const uint8_t *o = nsec3->owner;
	if (o[0] == 0 || !od_name_equal(o + 1 + o[0], zone))
		return OD_EMALF;
	uint8_t tmp[64];
	int n = od_base32hex_decode((const char *)o + 1, o[0], tmp,
	                            sizeof(tmp));
	if (n <= 0 || n > OD_NSEC3_HASH_MAXLEN)
		return OD_EMALF;
	memcpy(out, tmp, (size_t)n);
	return n;
}

bool od_nsec3_matches(const od_rr_t *nsec3, const uint8_t *zone,
                      const uint8_t *hash, size_t hash_len)
{
	uint8_t oh[OD_NSEC3_HASH_MAXLEN];
	int n = od_nsec3_owner_hash(nsec3, zone, oh);
	return nsec3->type == OD_TYPE_NSEC3 && n > 0 && (size_t)n == hash_len &&
	       memcmp(oh, hash, hash_len) == 0;
}

bool od_nsec3_covers(const od_rr_t *nsec3, const uint8_t *zone,
                     const uint8_t *hash, size_t hash_len)
{
	od_nsec3_rdata_t r;
	uint8_t oh[OD_NSEC3_HASH_MAXLEN];
	if (nsec3->type != OD_TYPE_NSEC3 ||
	    od_nsec3_parse(&r, nsec3->rdata, nsec3->rdlen) != 0)
		return false;
	int n = od_nsec3_owner_hash(nsec3, zone, oh);
	if (n <= 0 || (size_t)n != hash_len || r.next_len != hash_len)
		return false;
	int c_owner = memcmp(oh, hash, hash_len);
	int c_next = memcmp(hash, r.next, hash_len);
	if (memcmp(oh, r.next, hash_len) < 0)
		return c_owner < 0 && c_next < 0;
	/* Last record: wraps around from the highest hash to the lowest. */
	return c_owner < 0 || c_next < 0;
}

/*
 * NSEC3 proofs.
 */

static void verdict(od_denial_t *res, od_denial_verdict_t v, const char *why)
{
	res->verdict = v;
	res->reason = why;
}

/* The parameters every usable record of the set must share. */
typedef struct nsec3_ctx {
	const od_nsec3_set_t *s;
	od_nsec3_params_t p;
} nsec3_ctx_t;

static bool same_params(const od_nsec3_rdata_t *r, const od_nsec3_params_t *p)
{
	return r->alg == p->alg && r->iterations == p->iterations &&
	       r->salt_len == p->salt_len &&
	       memcmp(r->salt, p->salt, p->salt_len) == 0;
}

/* Usable: NSEC3, well-formed, owner = one hash label under the zone. */
static bool usable(const nsec3_ctx_t *c, const od_rr_t *rr, od_nsec3_rdata_t *r,
                   uint8_t oh[OD_NSEC3_HASH_MAXLEN])
{
	if (rr->type != OD_TYPE_NSEC3 ||
	    od_nsec3_parse(r, rr->rdata, rr->rdlen) != 0 ||
	    od_nsec3_owner_hash(rr, c->s->zone, oh) != r->next_len)
		return false;
	/* before the parameters are chosen (alg 0) any record will do */
	return c->p.alg == 0 || same_params(r, &c->p);
}

/*
 * Pick the parameters; returns false with res set when the set has no
 * usable record or its iterations are above the limit.
 */
static bool ctx_init(nsec3_ctx_t *c, const od_nsec3_set_t *s, od_denial_t *res)
{
	c->s = s;
	memset(&c->p, 0, sizeof(c->p));
	for (size_t i = 0; i < s->count; i++) {
		od_nsec3_rdata_t r;
		uint8_t oh[OD_NSEC3_HASH_MAXLEN];
		if (!usable(c, &s->rrs[i], &r, oh) ||
		    r.alg != OD_NSEC3_ALG_SHA1)
			continue;
		if (r.iterations > s->max_iterations) {
			verdict(res, OD_DENIAL_ITERATIONS,
			        "NSEC3 iterations above the limit");
			return false;
		}
		c->p.alg = r.alg;
		c->p.iterations = r.iterations;
		c->p.salt_len = r.salt_len;
		c->p.salt = r.salt;
		return true;
	}
	verdict(res, OD_DENIAL_NOT_PROVEN, "no usable NSEC3 record");
	return false;
}

/* The record matching hash (want_cover false) or covering it. */
static const od_rr_t *find(const nsec3_ctx_t *c, const uint8_t *hash,
                           bool want_cover, od_nsec3_rdata_t *r)
{
	for (size_t i = 0; i < c->s->count; i++) {
		const od_rr_t *rr = &c->s->rrs[i];
		uint8_t oh[OD_NSEC3_HASH_MAXLEN];
		if (!usable(c, rr, r, oh))
			continue;
		bool hit = want_cover ? od_nsec3_covers(rr, c->s->zone, hash,
		                                        OD_NSEC3_HASH_MAXLEN)
		                      : memcmp(oh, hash,
		                               OD_NSEC3_HASH_MAXLEN) == 0;
		if (hit)
			return rr;
	}
	return NULL;
}

static int hash_of(const nsec3_ctx_t *c, const uint8_t *name,
                   uint8_t out[OD_NSEC3_HASH_MAXLEN])
{
	int ret = od_nsec3_hash(out, name, &c->p, c->s->budget);
	return ret < 0 ? ret : 0;
}

static int closest_encloser(const nsec3_ctx_t *c, const uint8_t *qname,
                            od_denial_t *res, const uint8_t **ce, bool *opt_out)
{
	const uint8_t *zone = c->s->zone;
	if (!od_name_in(qname, zone)) {
		verdict(res, OD_DENIAL_BOGUS, "name not in the zone");
		return 0;
	}
	uint8_t h[OD_NSEC3_HASH_MAXLEN], nc_hash[OD_NSEC3_HASH_MAXLEN];
	const uint8_t *sname = qname;
	bool have_nc = false;
	for (;;) {
		int ret = hash_of(c, sname, h);
		if (ret < 0)
			return ret;
		od_nsec3_rdata_t r;
		const od_rr_t *m = find(c, h, false, &r);
		if (m != NULL) {
			if (!have_nc) {
				verdict(res, OD_DENIAL_BOGUS,
				        "NSEC3 shows the name exists");
				return 0;
			}
			if (cut_bits(r.bitmap, r.bitmap_len)) {
				verdict(res, OD_DENIAL_BOGUS,
				        "closest encloser is a delegation or "
				        "DNAME");
				return 0;
			}
			const od_rr_t *cv = find(c, nc_hash, true, &r);
			if (cv == NULL) {
				verdict(res, OD_DENIAL_NOT_PROVEN,
				        "no NSEC3 covers the next closer name");
				return 0;
			}
			if (ce != NULL)
				*ce = sname;
			if (opt_out != NULL)
				*opt_out = (r.flags & OD_NSEC3_FLAG_OPTOUT) !=
				           0;
			verdict(res, OD_DENIAL_PROVEN, "");
			return 0;
		}
		if (od_name_equal(sname, zone)) {
			verdict(res, OD_DENIAL_NOT_PROVEN,
			        "no closest encloser found");
			return 0;
		}
		memcpy(nc_hash, h, sizeof(h));
		have_nc = true;
		sname = od_name_parent(sname);
	}
}

int od_nsec3_closest_encloser(const od_nsec3_set_t *s, const uint8_t *qname,
                              od_denial_t *res, const uint8_t **ce,
                              bool *opt_out)
{
	if (od_fails(s == NULL || qname == NULL || res == NULL))
		return OD_EINVAL;
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	return closest_encloser(&c, qname, res, ce, opt_out);
}

/* Wildcard at ce: covered (want_cover) or matched; *rr gets the record. */
static int wildcard_check(const nsec3_ctx_t *c, const uint8_t *ce,
                          bool want_cover, const od_rr_t **rr,
                          od_nsec3_rdata_t *r)
{
	uint8_t wc[OD_NAME_MAXLEN], h[OD_NSEC3_HASH_MAXLEN];
	int ret = od_wildcard_of(wc, ce);
	if (ret < 0)
		return ret;
	ret = hash_of(c, wc, h);
	if (ret < 0)
		return ret;
	*rr = find(c, h, want_cover, r);
	return 0;
}

int od_nsec3_nxdomain(const od_nsec3_set_t *s, const uint8_t *qname,
                      od_denial_t *res)
{
	if (od_fails(s == NULL || qname == NULL || res == NULL))
		return OD_EINVAL;
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	const uint8_t *ce = NULL;
	bool opt_out = false;
	int ret = closest_encloser(&c, qname, res, &ce, &opt_out);
	if (ret < 0 || res->verdict != OD_DENIAL_PROVEN)
		return ret;
	const od_rr_t *rr;
	od_nsec3_rdata_t r;
	if ((ret = wildcard_check(&c, ce, true, &rr, &r)) < 0)
		return ret;
	if (rr == NULL) {
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC3 covers the wildcard at the closest encloser");
		return 0;
	}
	if (opt_out)
		verdict(res, OD_DENIAL_INSECURE_OPTOUT,
		        "next closer name in an Opt-Out span");
	return 0;
}

/* Bitmap denies qtype (and CNAME); sets res. */
static void check_types(od_denial_t *res, const uint8_t *bm, size_t bmlen,
                        uint16_t qtype)
{
	if (od_bitmap_has(bm, bmlen, qtype))
		verdict(res, OD_DENIAL_BOGUS, "type present in the bitmap");
	else if (od_bitmap_has(bm, bmlen, OD_TYPE_CNAME))
		verdict(res, OD_DENIAL_BOGUS, "CNAME present in the bitmap");
	else if (qtype != OD_TYPE_DS && cut_bits(bm, bmlen))
		verdict(res, OD_DENIAL_BOGUS,
		        "record from the parent side of a delegation");
	else
		verdict(res, OD_DENIAL_PROVEN, "");
}

int od_nsec3_nodata(const od_nsec3_set_t *s, const uint8_t *qname,
                    uint16_t qtype, od_denial_t *res)
{
	if (od_fails(s == NULL || qname == NULL || res == NULL))
		return OD_EINVAL;
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	uint8_t h[OD_NSEC3_HASH_MAXLEN];
	int ret = hash_of(&c, qname, h);
	if (ret < 0)
		return ret;
	od_nsec3_rdata_t r;
	if (find(&c, h, false, &r) != NULL) {
		check_types(res, r.bitmap, r.bitmap_len, qtype);
		return 0;
	}
	if (qtype != OD_TYPE_DS) {
		verdict(res, OD_DENIAL_NOT_PROVEN, "no NSEC3 matches the name");
		return 0;
	}
	bool opt_out = false;
	ret = closest_encloser(&c, qname, res, NULL, &opt_out);
	if (ret < 0 || res->verdict != OD_DENIAL_PROVEN)
		return ret;
	if (opt_out)
		verdict(res, OD_DENIAL_INSECURE_OPTOUT,
		        "DS name in an Opt-Out span");
	else
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC3 matches the DS name and its span has no "
		        "Opt-Out");
	return 0;
}

int od_nsec3_wildcard_nodata(const od_nsec3_set_t *s, const uint8_t *qname,
                             uint16_t qtype, od_denial_t *res)
{
	if (od_fails(s == NULL || qname == NULL || res == NULL))
		return OD_EINVAL;
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	const uint8_t *ce = NULL;
	bool opt_out = false;
	int ret = closest_encloser(&c, qname, res, &ce, &opt_out);
	if (ret < 0 || res->verdict != OD_DENIAL_PROVEN)
		return ret;
	const od_rr_t *rr;
	od_nsec3_rdata_t r;
	if ((ret = wildcard_check(&c, ce, false, &rr, &r)) < 0)
		return ret;
	if (rr == NULL) {
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC3 matches the wildcard");
		return 0;
	}
	check_types(res, r.bitmap, r.bitmap_len, qtype);
	/* RFC 5155 §9.2: an Opt-Out span over the next closer name leaves
	 * the answer proven but not secure. */
	if (res->verdict == OD_DENIAL_PROVEN && opt_out)
		verdict(res, OD_DENIAL_INSECURE_OPTOUT, "");
	return 0;
}

int od_nsec3_wildcard_answer(const od_nsec3_set_t *s, const uint8_t *qname,
                             int rrsig_labels, od_denial_t *res)
{
	if (od_fails(s == NULL || qname == NULL || res == NULL))
		return OD_EINVAL;
	int labels = od_name_labels(qname);
	if (rrsig_labels < 0 || rrsig_labels >= labels ||
	    rrsig_labels < od_name_labels(s->zone)) {
		verdict(res, OD_DENIAL_BOGUS, "RRSIG label count out of range");
		return 0;
	}
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	const uint8_t *nc = od_name_suffix(qname, rrsig_labels + 1);
	uint8_t h[OD_NSEC3_HASH_MAXLEN];
	int ret = hash_of(&c, nc, h);
	if (ret < 0)
		return ret;
	od_nsec3_rdata_t r;
	if (find(&c, h, true, &r) != NULL)
		/* RFC 5155 §9.2: under Opt-Out the answer is not secure. */
		verdict(res,
		        (r.flags & OD_NSEC3_FLAG_OPTOUT)
		                ? OD_DENIAL_INSECURE_OPTOUT
		                : OD_DENIAL_PROVEN,
		        "");
	else if (find(&c, h, false, &r) != NULL)
		verdict(res, OD_DENIAL_BOGUS, "next closer name exists");
	else
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC3 covers the next closer name");
	return 0;
}

int od_nsec3_insecure_delegation(const od_nsec3_set_t *s, const uint8_t *name,
                                 od_denial_t *res)
{
	if (od_fails(s == NULL || name == NULL || res == NULL))
		return OD_EINVAL;
	nsec3_ctx_t c;
	if (!ctx_init(&c, s, res))
		return 0;
	uint8_t h[OD_NSEC3_HASH_MAXLEN];
	int ret = hash_of(&c, name, h);
	if (ret < 0)
		return ret;
	od_nsec3_rdata_t r;
	if (find(&c, h, false, &r) != NULL) {
		const uint8_t *bm = r.bitmap;
		size_t n = r.bitmap_len;
		if (!od_bitmap_has(bm, n, OD_TYPE_NS))
			verdict(res, OD_DENIAL_BOGUS,
			        "no NS at the delegation");
		else if (od_bitmap_has(bm, n, OD_TYPE_DS))
			verdict(res, OD_DENIAL_BOGUS, "DS present");
		else if (od_bitmap_has(bm, n, OD_TYPE_SOA))
			verdict(res, OD_DENIAL_BOGUS,
			        "record from the child zone's apex");
		else
			verdict(res, OD_DENIAL_PROVEN, "");
		return 0;
	}
	bool opt_out = false;
	ret = closest_encloser(&c, name, res, NULL, &opt_out);
	if (ret < 0 || res->verdict != OD_DENIAL_PROVEN)
		return ret;
	if (opt_out)
		verdict(res, OD_DENIAL_INSECURE_OPTOUT,
		        "delegation in an Opt-Out span");
	else
		verdict(res, OD_DENIAL_BOGUS,
		        "delegation denied by a span without Opt-Out");
	return 0;
}

/*
 * NSEC proofs.
 */

/* Labels of the longest common ancestor of a and b. */
static int common_labels(const uint8_t *a, const uint8_t *b)
{
	int la = od_name_labels(a), lb = od_name_labels(b);
	int max = la < lb ? la : lb;
	int k = 0;
	while (k < max && od_name_equal(od_name_suffix(a, k + 1),
	                                od_name_suffix(b, k + 1)))
		k++;
	return k;
}

static const od_rr_t *nsec_cover(const od_rr_t *rrs, size_t n,
                                 const uint8_t *name, const uint8_t *zone)
{
	for (size_t i = 0; i < n; i++)
		if (od_nsec_covers(&rrs[i], name, zone))
			return &rrs[i];
	return NULL;
}

static const od_rr_t *nsec_match(const od_rr_t *rrs, size_t n,
                                 const uint8_t *name, const uint8_t *zone,
                                 const uint8_t **bm, size_t *bmlen)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *next;
		if (od_nsec_matches(&rrs[i], name) && od_name_in(name, zone) &&
		    (*bm = nsec_fields(&rrs[i], &next, bmlen)) != NULL)
			return &rrs[i];
	}
	return NULL;
}

/* Closest encloser implied by a record covering qname. */
static const uint8_t *nsec_encloser(const od_rr_t *cover, const uint8_t *qname,
                                    const uint8_t *zone)
{
	const uint8_t *next;
	size_t bmlen;
	if (nsec_fields(cover, &next, &bmlen) == NULL)
		return NULL;
	int k1 = common_labels(qname, cover->owner);
	int k2 = od_name_in(next, zone) ? common_labels(qname, next) : 0;
	int k = k1 > k2 ? k1 : k2;
	int kz = od_name_labels(zone);
	if (k < kz)
		k = kz;
	return od_name_suffix(qname, k);
}

/* Qname covered (or res set); returns the closest encloser. */
static const uint8_t *nsec_nx(const od_rr_t *rrs, size_t n,
                              const uint8_t *qname, const uint8_t *zone,
                              od_denial_t *res)
{
	const uint8_t *bm;
	size_t bmlen;
	if (!od_name_in(qname, zone)) {
		verdict(res, OD_DENIAL_BOGUS, "name not in the zone");
		return NULL;
	}
	if (nsec_match(rrs, n, qname, zone, &bm, &bmlen) != NULL) {
		verdict(res, OD_DENIAL_BOGUS, "NSEC shows the name exists");
		return NULL;
	}
	const od_rr_t *cv = nsec_cover(rrs, n, qname, zone);
	if (cv == NULL) {
		verdict(res, OD_DENIAL_NOT_PROVEN, "no NSEC covers the name");
		return NULL;
	}
	/* A span whose next name is below qname shows that qname is an
	 * empty non-terminal: it exists (RFC 4035 §3.1.3.2). */
	const uint8_t *next;
	if (nsec_fields(cv, &next, &bmlen) != NULL &&
	    od_name_below(next, qname)) {
		verdict(res, OD_DENIAL_BOGUS,
		        "the name is an empty non-terminal");
		return NULL;
	}
	const uint8_t *ce = nsec_encloser(cv, qname, zone);
	if (ce == NULL)
		verdict(res, OD_DENIAL_BOGUS, "malformed NSEC");
	return ce;
}

int od_nsec_nxdomain(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                     const uint8_t *zone, od_denial_t *res)
{
	if (od_fails(qname == NULL || zone == NULL || res == NULL))
		return OD_EINVAL;
	const uint8_t *ce = nsec_nx(rrs, n, qname, zone, res);
	if (ce == NULL)
		return 0;
	uint8_t wc[OD_NAME_MAXLEN];
	int ret = od_wildcard_of(wc, ce);
	if (ret < 0)
		return ret;
	const uint8_t *bm;
	size_t bmlen;
	if (nsec_match(rrs, n, wc, zone, &bm, &bmlen) != NULL)
		verdict(res, OD_DENIAL_BOGUS, "the wildcard exists");
	else if (nsec_cover(rrs, n, wc, zone) == NULL)
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC covers the wildcard at the closest encloser");
	else
		verdict(res, OD_DENIAL_PROVEN, "");
	return 0;
}

int od_nsec_nodata(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                   uint16_t qtype, const uint8_t *zone, od_denial_t *res)
{
	if (od_fails(qname == NULL || zone == NULL || res == NULL))
		return OD_EINVAL;
	const uint8_t *bm;
	size_t bmlen;
	if (nsec_match(rrs, n, qname, zone, &bm, &bmlen) != NULL) {
		check_types(res, bm, bmlen, qtype);
		return 0;
	}
	/* Empty non-terminal: the span's next name is below qname. */
	for (size_t i = 0; i < n; i++) {
		const uint8_t *next;
		if (od_nsec_covers(&rrs[i], qname, zone) &&
		    nsec_fields(&rrs[i], &next, &bmlen) != NULL &&
		    od_name_below(next, qname)) {
			verdict(res, OD_DENIAL_PROVEN, "");
			return 0;
		}
	}
	verdict(res, OD_DENIAL_NOT_PROVEN, "no NSEC matches the name");
	return 0;
}

int od_nsec_wildcard_nodata(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                            uint16_t qtype, const uint8_t *zone,
                            od_denial_t *res)
{
	if (od_fails(qname == NULL || zone == NULL || res == NULL))
		return OD_EINVAL;
	const uint8_t *ce = nsec_nx(rrs, n, qname, zone, res);
	if (ce == NULL)
		return 0;
	uint8_t wc[OD_NAME_MAXLEN];
	int ret = od_wildcard_of(wc, ce);
	if (ret < 0)
		return ret;
	const uint8_t *bm;
	size_t bmlen;
	if (nsec_match(rrs, n, wc, zone, &bm, &bmlen) == NULL)
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC matches the wildcard");
	else
		check_types(res, bm, bmlen, qtype);
	return 0;
}

int od_nsec_wildcard_answer(const od_rr_t *rrs, size_t n, const uint8_t *qname,
                            int rrsig_labels, const uint8_t *zone,
                            od_denial_t *res)
{
	if (od_fails(qname == NULL || zone == NULL || res == NULL))
		return OD_EINVAL;
	if (rrsig_labels < od_name_labels(zone) ||
	    rrsig_labels >= od_name_labels(qname)) {
		verdict(res, OD_DENIAL_BOGUS, "RRSIG label count out of range");
		return 0;
	}
	const uint8_t *ce = nsec_nx(rrs, n, qname, zone, res);
	if (ce == NULL)
		return 0;
	/* The covering span must not leave room for a name closer to
	 * qname than the wildcard's parent. */
	if (od_name_labels(ce) > rrsig_labels)
		verdict(res, OD_DENIAL_BOGUS,
		        "a closer encloser than the wildcard's exists");
	else
		verdict(res, OD_DENIAL_PROVEN, "");
	return 0;
}

int od_nsec_insecure_delegation(const od_rr_t *rrs, size_t n,
                                const uint8_t *name, const uint8_t *zone,
                                od_denial_t *res)
{
	if (od_fails(name == NULL || zone == NULL || res == NULL))
		return OD_EINVAL;
	const uint8_t *bm;
	size_t bmlen;
	if (nsec_match(rrs, n, name, zone, &bm, &bmlen) == NULL)
		verdict(res, OD_DENIAL_NOT_PROVEN,
		        "no NSEC matches the delegation");
	else if (!od_bitmap_has(bm, bmlen, OD_TYPE_NS))
		verdict(res, OD_DENIAL_BOGUS, "no NS at the delegation");
	else if (od_bitmap_has(bm, bmlen, OD_TYPE_DS))
		verdict(res, OD_DENIAL_BOGUS, "DS present");
	else if (od_bitmap_has(bm, bmlen, OD_TYPE_SOA))
		verdict(res, OD_DENIAL_BOGUS,
		        "record from the child zone's apex");
	else
		verdict(res, OD_DENIAL_PROVEN, "");
	return 0;
}

/*
 * Chain generation.
 */

void od_denial_recs_free(od_mm_t *mm, od_denial_rec_t *recs, size_t count)
{
	if (recs == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		od_mm_free(mm, recs[i].owner);
		od_mm_free(mm, recs[i].rdata);
	}
	od_mm_free(mm, recs);
}

/* Bitmap of node types plus extra (0 = none) into out (8704 octets). */
static int node_bitmap(const od_denial_node_t *node, const uint16_t *extra,
                       size_t nextra, uint8_t *out, size_t cap)
{
	size_t n = node->ntypes + nextra;
	uint16_t *t = malloc((n + 1) * sizeof(*t));
	if (t == NULL)
		return OD_ENOMEM;
	if (node->ntypes > 0)
		memcpy(t, node->types, node->ntypes * sizeof(*t));
	if (nextra > 0)
		memcpy(t + node->ntypes, extra, nextra * sizeof(*t));
	int ret = od_bitmap_build(t, n, out, cap);
	free(t);
	return ret;
}

#define BITMAP_MAX (256 * 34)

int od_nsec_chain(od_mm_t *mm, const od_denial_node_t *nodes, size_t n,
                  od_denial_rec_t **out)
{
	if (od_fails(out == NULL) || n == 0 || nodes == NULL)
		return OD_EINVAL;
	for (size_t i = 1; i < n; i++)
		if (od_name_cmp(nodes[i - 1].name, nodes[i].name) >= 0)
			return OD_EINVAL;
	od_denial_rec_t *recs = od_mm_calloc(mm, n * sizeof(*recs));
	uint8_t *bm = malloc(BITMAP_MAX);
	int ret = OD_ENOMEM;
	if (recs == NULL || bm == NULL)
		goto fail;
	static const uint16_t extra[] = { OD_TYPE_RRSIG, OD_TYPE_NSEC };
	for (size_t i = 0; i < n; i++) {
		const uint8_t *next = nodes[(i + 1) % n].name;
		size_t nl = od_name_len(next);
		ret = node_bitmap(&nodes[i], extra, 2, bm, BITMAP_MAX);
		if (ret < 0)
			goto fail;
		recs[i].owner = od_mm_dup(mm, nodes[i].name,
		                          od_name_len(nodes[i].name));
		recs[i].rdata = od_mm_alloc(mm, nl + (size_t)ret);
		if (recs[i].owner == NULL || recs[i].rdata == NULL) {
			ret = OD_ENOMEM;
			goto fail;
		}
		memcpy(recs[i].rdata, next, nl);
		od_name_lower(recs[i].rdata);
		memcpy(recs[i].rdata + nl, bm, (size_t)ret);
		recs[i].rdlen = (uint16_t)(nl + (size_t)ret);
	}
	free(bm);
	*out = recs;
	return 0;
fail:
	free(bm);
	od_denial_recs_free(mm, recs, recs ? n : 0);
	return ret;
}

/* A name of the NSEC3 chain: a node (index) or an empty non-terminal. */
typedef struct hnode {
	uint8_t hash[OD_NSEC3_HASH_MAXLEN];
	const uint8_t *name;          /* into a node's name */
	const od_denial_node_t *node; /* NULL: empty non-terminal */
} hnode_t;

static int hnode_cmp(const void *a, const void *b)
{
	const hnode_t *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, OD_NSEC3_HASH_MAXLEN);
	if (c != 0)
		return c;
	/* Real nodes before empty non-terminals of the same name. */
	return (x->node == NULL) - (y->node == NULL);
}

static bool has_type(const od_denial_node_t *node, uint16_t type)
{
	for (size_t i = 0; i < node->ntypes; i++)
		if (node->types[i] == type)
			return true;
	return false;
}

static bool insecure_cut(const od_denial_node_t *node, const uint8_t *zone)
{
	return has_type(node, OD_TYPE_NS) && !has_type(node, OD_TYPE_DS) &&
	       !od_name_equal(node->name, zone);
}

int od_nsec3_chain(od_mm_t *mm, const od_denial_node_t *nodes, size_t n,
                   const uint8_t *zone, const od_nsec3_params_t *p,
                   bool opt_out, od_denial_rec_t **out, size_t *count)
{
	if (od_fails(out == NULL || count == NULL || zone == NULL ||
	             p == NULL) ||
	    n == 0 || nodes == NULL)
		return OD_EINVAL;
	if (p->alg != OD_NSEC3_ALG_SHA1)
		return OD_ENOTSUP;
	int zl = od_name_labels(zone);
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (!od_name_in(nodes[i].name, zone))
			return OD_EINVAL;
		cap += (size_t)(od_name_labels(nodes[i].name) - zl) + 1;
	}
	hnode_t *h = malloc(cap * sizeof(*h));
	uint8_t *bm = malloc(BITMAP_MAX);
	od_denial_rec_t *recs = NULL;
	size_t m = 0, k = 0;
	int ret = OD_ENOMEM;
	if (h == NULL || bm == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *name = nodes[i].name;
		if (!(opt_out && insecure_cut(&nodes[i], zone)))
			h[m++] = (hnode_t){ .name = name, .node = &nodes[i] };
		/* Ancestors up to (not including) the apex may be empty
		 * non-terminals; duplicates are merged after sorting. */
		for (name = od_name_parent(name);
		     name != NULL && od_name_labels(name) > zl;
		     name = od_name_parent(name))
			h[m++] = (hnode_t){ .name = name, .node = NULL };
	}
	for (size_t i = 0; i < m; i++) {
		ret = od_nsec3_hash(h[i].hash, h[i].name, p, NULL);
		if (ret < 0)
			goto fail;
	}
	qsort(h, m, sizeof(*h), hnode_cmp);
	/* Merge entries of the same hash: same name, keep the first. */
	for (size_t i = 0; i < m; i++) {
		if (k > 0 && memcmp(h[k - 1].hash, h[i].hash,
		                    OD_NSEC3_HASH_MAXLEN) == 0) {
			if (!od_name_equal(h[k - 1].name, h[i].name)) {
				ret = OD_ERANGE;
				goto fail;
			}
			continue;
		}
		h[k++] = h[i];
	}
	size_t zlen = od_name_len(zone);
	char b32[40];
	if (1 + 32 + zlen > OD_NAME_MAXLEN) {
		ret = OD_ENAMELEN;
		goto fail;
	}
	recs = od_mm_calloc(mm, k * sizeof(*recs));
	if (recs == NULL) {
		ret = OD_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < k; i++) {
		const od_denial_node_t *node = h[i].node;
		int blen = 0;
		if (node != NULL) {
			uint16_t rrsig = OD_TYPE_RRSIG;
			bool cut = has_type(node, OD_TYPE_NS) &&
			           !od_name_equal(node->name, zone);
			bool signed_ = cut ? has_type(node, OD_TYPE_DS)
			                   : node->ntypes > 0;
			blen = node_bitmap(node, &rrsig, signed_ ? 1 : 0, bm,
			                   BITMAP_MAX);
			if (blen < 0) {
				ret = blen;
				goto fail;
			}
		}
		size_t rdlen = 6 + (size_t)p->salt_len + OD_NSEC3_HASH_MAXLEN +
		               (size_t)blen;
		recs[i].owner = od_mm_alloc(mm, 1 + 32 + zlen);
		recs[i].rdata = od_mm_alloc(mm, rdlen);
		if (recs[i].owner == NULL || recs[i].rdata == NULL) {
			ret = OD_ENOMEM;
			goto fail;
		}
		od_base32hex_encode(h[i].hash, OD_NSEC3_HASH_MAXLEN, b32,
		                    sizeof(b32));
		recs[i].owner[0] = 32;
		memcpy(recs[i].owner + 1, b32, 32);
		memcpy(recs[i].owner + 33, zone, zlen);
		od_name_lower(recs[i].owner);
		uint8_t *r = recs[i].rdata;
		*r++ = p->alg;
		*r++ = opt_out ? OD_NSEC3_FLAG_OPTOUT : 0;
		*r++ = (uint8_t)(p->iterations >> 8);
		*r++ = (uint8_t)p->iterations;
		*r++ = p->salt_len;
		if (p->salt_len > 0)
			memcpy(r, p->salt, p->salt_len);
		r += p->salt_len;
		*r++ = OD_NSEC3_HASH_MAXLEN;
		memcpy(r, h[(i + 1) % k].hash, OD_NSEC3_HASH_MAXLEN);
		r += OD_NSEC3_HASH_MAXLEN;
		if (blen > 0)
			memcpy(r, bm, (size_t)blen);
		recs[i].rdlen = (uint16_t)rdlen;
	}
	free(h);
	free(bm);
	*out = recs;
	*count = k;
	return 0;
fail:
	free(h);
	free(bm);
	od_denial_recs_free(mm, recs, recs ? k : 0);
	return ret;
}
