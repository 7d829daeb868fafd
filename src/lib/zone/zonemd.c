/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/error.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/zonemd.h"

/* Canonical RRs are gathered here and hashed in large updates; the
   largest RR (255 + 10 + 65535 octets) always fits. */
#define FEED_CAP (128 * 1024)

size_t od_zonemd_hash_len(uint8_t hash)
{
	switch (hash) {
	case OD_ZONEMD_HASH_SHA384:
		return 48;
	case OD_ZONEMD_HASH_SHA512:
		return 64;
	}
	return 0;
}

const char *od_zonemd_status_str(od_zonemd_status_t st)
{
	switch (st) {
	case OD_ZONEMD_OK:
		return "verified";
	case OD_ZONEMD_NONE:
		return "no ZONEMD at the zone apex";
	case OD_ZONEMD_NO_SOA:
		return "no SOA at the zone apex";
	case OD_ZONEMD_SERIAL_MISMATCH:
		return "ZONEMD serial differs from the SOA serial";
	case OD_ZONEMD_DIGEST_MISMATCH:
		return "digest mismatch";
	case OD_ZONEMD_UNSUPPORTED:
		return "unsupported scheme or hash algorithm";
	case OD_ZONEMD_MALFORMED:
		return "malformed ZONEMD (digest length)";
	case OD_ZONEMD_DUPLICATE:
		return "more than one ZONEMD with the same scheme and hash algorithm";
	}
	return "unknown";
}

static const EVP_MD *md_of(uint8_t hash)
{
	switch (hash) {
	case OD_ZONEMD_HASH_SHA384:
		return EVP_sha384();
	case OD_ZONEMD_HASH_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

typedef struct feed {
	EVP_MD_CTX *ctx[2];
	int nctx;
	uint8_t *buf;
	size_t len;
	bool fail;
} feed_t;

static void feed_flush(feed_t *f)
{
	for (int i = 0; i < f->nctx; i++)
		if (EVP_DigestUpdate(f->ctx[i], f->buf, f->len) != 1)
			f->fail = true;
	f->len = 0;
}

/* Room for n more bytes (n <= FEED_CAP). */
static inline uint8_t *feed_room(feed_t *f, size_t n)
{
	if (f->len + n > FEED_CAP)
		feed_flush(f);
	return f->buf + f->len;
}

static inline uint16_t covered_of(const od_zrr_t *rr)
{
	return rr->len >= 2 ? (uint16_t)(rr->data[0] << 8 | rr->data[1]) : 0;
}

/*
 * Hash the zone (SIMPLE scheme, RFC 8976 §3.3) into every context of f:
 * one pass, canonical RR form written straight into the feed buffer.
 */
static void digest_zone(const od_zone_t *z, feed_t *f)
{
	uint8_t owner[OD_NAME_MAXLEN];
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		bool apex = n == z->apex;
		size_t olen = od_name_copy(owner, n->owner);
		od_name_lower(owner);
		for (uint16_t j = 0; j < n->nsets; j++) {
			const od_zrrset_t *s = &n->sets[j];
			if (apex && s->type == OD_TYPE_ZONEMD)
				continue;
			bool lower = od_rrtype_canon_lower(s->type);
			for (uint32_t k = 0; k < s->count; k++) {
				const od_zrr_t *rr = s->rrs[k];
				if (apex && s->type == OD_TYPE_RRSIG &&
				    covered_of(rr) == OD_TYPE_ZONEMD)
					continue;
				uint8_t *p = feed_room(f, olen + 10 + rr->len);
				memcpy(p, owner, olen);
				p += olen;
				p[0] = (uint8_t)(s->type >> 8);
				p[1] = (uint8_t)s->type;
				p[2] = (uint8_t)(s->rclass >> 8);
				p[3] = (uint8_t)s->rclass;
				p[4] = (uint8_t)(rr->ttl >> 24);
				p[5] = (uint8_t)(rr->ttl >> 16);
				p[6] = (uint8_t)(rr->ttl >> 8);
				p[7] = (uint8_t)rr->ttl;
				p[8] = (uint8_t)(rr->len >> 8);
				p[9] = (uint8_t)rr->len;
				p += 10;
				if (rr->len)
					memcpy(p, rr->data, rr->len);
				if (lower &&
				    od_rdata_check(s->type, p, rr->len) == 0)
					od_rdata_canonicalize(s->type, p,
					                      rr->len);
				f->len += olen + 10 + rr->len;
			}
		}
	}
	feed_flush(f);
}

/* Compute the digests of hashes[0..n) (n <= 2) into out[i]. */
static int compute(const od_zone_t *z, const uint8_t *hashes, int n,
                   uint8_t out[][OD_ZONEMD_DIGEST_MAX])
{
	feed_t f = { .buf = malloc(FEED_CAP) };
	int ret = 0;
	if (f.buf == NULL)
		return OD_ENOMEM;
	for (int i = 0; i < n; i++) {
		const EVP_MD *md = md_of(hashes[i]);
		f.ctx[i] = EVP_MD_CTX_new();
		f.nctx = i + 1;
		if (md == NULL) {
			ret = OD_ENOTSUP;
			goto out;
		}
		if (f.ctx[i] == NULL) {
			ret = OD_ENOMEM;
			goto out;
		}
		if (EVP_DigestInit_ex(f.ctx[i], md, NULL) != 1) {
			ret = OD_ENOTSUP;
			goto out;
		}
	}
	digest_zone(z, &f);
	for (int i = 0; i < n && !f.fail; i++) {
		unsigned int len = 0;
		if (EVP_DigestFinal_ex(f.ctx[i], out[i], &len) != 1 ||
		    len != od_zonemd_hash_len(hashes[i]))
			f.fail = true;
	}
	if (f.fail)
		ret = OD_ENOTSUP;
out:
	for (int i = 0; i < f.nctx; i++)
		EVP_MD_CTX_free(f.ctx[i]);
	free(f.buf);
	return ret;
}

int od_zonemd_digest(const od_zone_t *z, uint8_t scheme, uint8_t hash,
                     uint8_t *out, size_t outcap)
{
	if (od_fails(z == NULL || out == NULL) || !z->finalized)
		return OD_EINVAL;
	size_t hl = od_zonemd_hash_len(hash);
	if (scheme != OD_ZONEMD_SCHEME_SIMPLE || hl == 0)
		return OD_ENOTSUP;
	if (outcap < hl)
		return OD_ESPACE;
	uint8_t d[1][OD_ZONEMD_DIGEST_MAX];
	int r = compute(z, &hash, 1, d);
	if (r)
		return r;
	memcpy(out, d[0], hl);
	return (int)hl;
}

int od_zonemd_make(const od_zone_t *z, uint8_t scheme, uint8_t hash,
                   uint8_t *rdata, size_t cap)
{
	if (od_fails(z == NULL || rdata == NULL) || !z->finalized)
		return OD_EINVAL;
	uint32_t serial;
	if (od_zone_serial(z, &serial) != 0)
		return OD_EINVAL;
	size_t hl = od_zonemd_hash_len(hash);
	if (scheme != OD_ZONEMD_SCHEME_SIMPLE || hl == 0)
		return OD_ENOTSUP;
	if (cap < OD_ZONEMD_RDATA_FIXED + hl)
		return OD_ESPACE;
	int r = od_zonemd_digest(z, scheme, hash, rdata + OD_ZONEMD_RDATA_FIXED,
	                         cap - OD_ZONEMD_RDATA_FIXED);
	if (r < 0)
		return r;
	rdata[0] = (uint8_t)(serial >> 24);
	rdata[1] = (uint8_t)(serial >> 16);
	rdata[2] = (uint8_t)(serial >> 8);
	rdata[3] = (uint8_t)serial;
	rdata[4] = scheme;
	rdata[5] = hash;
	return OD_ZONEMD_RDATA_FIXED + r;
}

/* Which overall verdict says most, when no RR verified. */
static int rank(od_zonemd_status_t st)
{
	switch (st) {
	case OD_ZONEMD_DIGEST_MISMATCH:
		return 4;
	case OD_ZONEMD_SERIAL_MISMATCH:
		return 3;
	case OD_ZONEMD_MALFORMED:
		return 2;
	case OD_ZONEMD_UNSUPPORTED:
		return 1;
	default:
		return 0;
	}
}

int od_zonemd_verify(const od_zone_t *z, od_zonemd_result_t *res)
{
	if (od_fails(z == NULL || res == NULL) || !z->finalized)
		return OD_EINVAL;
	od_zonemd_result_t r;
	memset(&r, 0, sizeof(r));
	r.matched = -1;
	const od_zrrset_t *zs =
	        z->apex ? od_znode_rrset(z->apex, OD_TYPE_ZONEMD) : NULL;
	if (zs == NULL) {
		r.status = OD_ZONEMD_NONE;
		*res = r;
		return 0;
	}
	r.count = zs->count;
	const od_zrrset_t *soa = od_zone_soa(z);
	if (soa == NULL || soa->count != 1 ||
	    od_zone_serial(z, &r.soa_serial) != 0) {
		r.status = OD_ZONEMD_NO_SOA;
		*res = r;
		return 0;
	}
	size_t n = zs->count < OD_ZONEMD_MAXREC ? zs->count : OD_ZONEMD_MAXREC;
	uint8_t want[2];
	int nwant = 0;
	bool dup = false;
	bool isdup[OD_ZONEMD_MAXREC] = { false };
	for (size_t i = 0; i < n; i++) {
		const od_zrr_t *rr = zs->rrs[i];
		od_zonemd_rr_result_t *x = &r.rr[i];
		if (rr->len < OD_ZONEMD_RDATA_FIXED) {
			x->status = OD_ZONEMD_MALFORMED;
			continue;
		}
		x->serial = (uint32_t)rr->data[0] << 24 |
		            (uint32_t)rr->data[1] << 16 |
		            (uint32_t)rr->data[2] << 8 | rr->data[3];
		x->scheme = rr->data[4];
		x->hash = rr->data[5];
		x->digest_len = (uint16_t)(rr->len - OD_ZONEMD_RDATA_FIXED);
		size_t hl = od_zonemd_hash_len(x->hash);
		for (size_t j = 0; j < i; j++) {
			if (zs->rrs[j]->len >= OD_ZONEMD_RDATA_FIXED &&
			    r.rr[j].scheme == x->scheme &&
			    r.rr[j].hash == x->hash)
				isdup[i] = true;
		}
		dup |= isdup[i];
		if (x->digest_len < OD_ZONEMD_DIGEST_MIN)
			x->status = OD_ZONEMD_MALFORMED;
		else if (x->scheme != OD_ZONEMD_SCHEME_SIMPLE || hl == 0)
			x->status = OD_ZONEMD_UNSUPPORTED;
		else if (x->digest_len != hl)
			x->status = OD_ZONEMD_MALFORMED;
		else {
			x->status = OD_ZONEMD_DIGEST_MISMATCH; /* until shown */
			bool have = false;
			for (int k = 0; k < nwant; k++)
				have |= want[k] == x->hash;
			if (!have)
				want[nwant++] = x->hash;
		}
	}
	if (nwant > 0) {
		uint8_t d[2][OD_ZONEMD_DIGEST_MAX];
		int e = compute(z, want, nwant, d);
		if (e)
			return e;
		for (size_t i = 0; i < n; i++) {
			od_zonemd_rr_result_t *x = &r.rr[i];
			if (x->status != OD_ZONEMD_DIGEST_MISMATCH)
				continue;
			int k = want[0] == x->hash ? 0 : 1;
			x->digest_ok =
			        memcmp(d[k],
			               zs->rrs[i]->data + OD_ZONEMD_RDATA_FIXED,
			               x->digest_len) == 0;
			if (isdup[i])
				x->status = OD_ZONEMD_DUPLICATE;
			else if (x->serial != r.soa_serial)
				x->status = OD_ZONEMD_SERIAL_MISMATCH;
			else if (x->digest_ok)
				x->status = OD_ZONEMD_OK;
		}
	}
	od_zonemd_status_t best = OD_ZONEMD_UNSUPPORTED;
	for (size_t i = 0; i < n; i++) {
		if (isdup[i])
			r.rr[i].status = OD_ZONEMD_DUPLICATE;
		if (r.rr[i].status == OD_ZONEMD_OK) {
			if (r.matched < 0)
				r.matched = (int)i;
		} else if (rank(r.rr[i].status) > rank(best)) {
			best = r.rr[i].status;
		}
	}
	if (dup)
		r.status = OD_ZONEMD_DUPLICATE;
	else if (r.matched >= 0)
		r.status = OD_ZONEMD_OK;
	else
		r.status = best;
	*res = r;
	return 0;
}
