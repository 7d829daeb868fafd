/* SPDX-License-Identifier: MIT */
#include "resolve/cache_snap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/file.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

static const uint8_t magic[8] = { 'O', 'D', 'R', 'C', 'A', 'C', 'H', 'E' };

#define HDR_LEN 40
#define SUM_LEN 8
#define KIND_RRSET 1
#define KIND_NEG 2
#define RRSIG_FIXED 18 /* RDATA before the signer name (RFC 4034 §3.1) */
/* The smallest entry: kind, expiry, rank, sec, ede, the root name, type,
   count, nsigs and one empty RDATA. Bounds the entry count a header may
   claim before anything is allocated for it. */
#define MIN_ENTRY 22

static void seterr(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* FNV-1a, 64 bits: any single changed octet changes the result (each
   step is a bijection of the state), which is what a torn or damaged
   file needs; it is no defence against a forger, nor meant to be. */
uint64_t odr_snap_hash(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	return odr_snap_hash(ODR_SNAP_HASH_INIT, p, n);
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)od_get_u32(p) << 32 | od_get_u32(p + 4);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Checks shared by the dump (entries a load would refuse are not
   written) and the load. ------------------------------------------------ */

static bool type_cacheable(uint16_t type)
{
	/* As the cache: 0 is reserved, 128-255 are query and meta types. */
	return type != 0 && type != OD_TYPE_OPT && (type < 128 || type > 255);
}

static const char *check_common(odr_rank_t rank, uint8_t sec)
{
	if (rank < ODR_RANK_ADDITIONAL || rank > ODR_RANK_SECURE)
		return "bad rank";
	if (sec > ODR_SEC_BOGUS)
		return "bad security state";
	return NULL;
}

static const char *check_set(const odr_rrset_t *s)
{
	const char *why = check_common(s->rank, s->sec);
	if (why != NULL)
		return why;
	if (!type_cacheable(s->type))
		return "type not cacheable";
	if (s->count == 0)
		return "RRset without records";
	for (unsigned i = 0; i < s->count; i++) {
		const od_rr_t *r = &s->rrs[i];
		if (od_rdata_check(s->type, r->rdata, r->rdlen) < 0)
			return "RDATA does not match its type";
	}
	for (unsigned i = 0; i < s->nsigs; i++) {
		const od_rr_t *r = &s->sigs[i];
		if (r->rdlen < RRSIG_FIXED ||
		    od_rdata_check(OD_TYPE_RRSIG, r->rdata, r->rdlen) < 0)
			return "bad RRSIG";
		if (od_get_u16(r->rdata) != s->type)
			return "RRSIG covers another type";
	}
	return NULL;
}

static const char *check_neg(const odr_neg_t *n, uint16_t qtype)
{
	const char *why = check_common(n->rank, n->sec);
	if (why != NULL)
		return why;
	if (n->rcode == OD_RCODE_NOERROR) {
		if (!type_cacheable(qtype))
			return "type not cacheable";
	} else if (n->rcode == OD_RCODE_NXDOMAIN) {
		if (qtype != 0)
			return "NXDOMAIN with a type";
	} else {
		return "bad rcode";
	}
	if (n->soa_len == 0 ||
	    od_rdata_check(OD_TYPE_SOA, n->soa, n->soa_len) < 0)
		return "bad SOA";
	for (unsigned i = 0; i < n->nproof; i++) {
		const od_rr_t *r = &n->proof[i];
		if (r->type == 0 ||
		    od_rdata_check(r->type, r->rdata, r->rdlen) < 0)
			return "bad proof record";
	}
	return NULL;
}

/* Encoding ------------------------------------------------------------ */

/* A growing output buffer with a sticky error. */
struct gbuf {
	uint8_t *p; /* owned */
	size_t len, cap;
	int err;
};

static uint8_t *gb_reserve(struct gbuf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->err = OD_ENOMEM;
				return NULL;
			}
			cap *= 2;
		}
		uint8_t *p = realloc(b->p, cap);
		if (p == NULL) {
			b->err = OD_ENOMEM;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	uint8_t *out = b->p + b->len;
	b->len += n;
	return out;
}

static void gb_bytes(struct gbuf *b, const void *src, size_t n)
{
	uint8_t *p = gb_reserve(b, n);
	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

static void gb_u8(struct gbuf *b, uint8_t v)
{
	gb_bytes(b, &v, 1);
}

static void gb_u16(struct gbuf *b, uint16_t v)
{
	uint8_t p[2];
	od_put_u16(p, v);
	gb_bytes(b, p, 2);
}

static void gb_u32(struct gbuf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		         (uint8_t)(v >> 8), (uint8_t)v };
	gb_bytes(b, p, 4);
}

static void gb_u64(struct gbuf *b, uint64_t v)
{
	uint8_t p[8];
	put_u64(p, v);
	gb_bytes(b, p, 8);
}

static void gb_name(struct gbuf *b, const uint8_t *name)
{
	gb_bytes(b, name, od_name_len(name));
}

struct enc {
	struct gbuf b;
	int64_t wall; /* of writing */
	int64_t base; /* wall clock of the walk's now */
	size_t entries, skipped;
};

static void enc_head(struct enc *e, uint8_t kind, uint32_t ttl, odr_rank_t rank,
                     uint8_t sec, uint16_t ede)
{
	gb_u8(&e->b, kind);
	gb_u64(&e->b, (uint64_t)(e->base + ttl));
	gb_u8(&e->b, (uint8_t)rank);
	gb_u8(&e->b, sec);
	gb_u16(&e->b, ede);
}

/* Runs under a shard's lock: appends only. */
static int enc_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                  const uint8_t *qname, uint16_t qtype, void *ctx)
{
	struct enc *e = ctx;
	struct gbuf *b = &e->b;
	if (set != NULL) {
		if (check_set(set) != NULL) {
			e->skipped++;
			return 0;
		}
		enc_head(e, KIND_RRSET, set->ttl, set->rank, set->sec,
		         set->ede);
		gb_name(b, set->owner);
		gb_u16(b, set->type);
		gb_u16(b, set->count);
		gb_u16(b, set->nsigs);
		for (unsigned i = 0; i < set->count; i++) {
			gb_u16(b, set->rrs[i].rdlen);
			gb_bytes(b, set->rrs[i].rdata, set->rrs[i].rdlen);
		}
		for (unsigned i = 0; i < set->nsigs; i++) {
			gb_u16(b, set->sigs[i].rdlen);
			gb_bytes(b, set->sigs[i].rdata, set->sigs[i].rdlen);
		}
	} else {
		if (check_neg(neg, qtype) != NULL) {
			e->skipped++;
			return 0;
		}
		enc_head(e, KIND_NEG, neg->ttl, neg->rank, neg->sec, neg->ede);
		gb_name(b, qname);
		gb_u16(b, qtype);
		gb_u8(b, (uint8_t)neg->rcode);
		gb_u8(b, neg->vflags);
		gb_name(b, neg->zone);
		gb_u16(b, neg->soa_len);
		gb_bytes(b, neg->soa, neg->soa_len);
		gb_u16(b, neg->nproof);
		for (unsigned i = 0; i < neg->nproof; i++) {
			const od_rr_t *r = &neg->proof[i];
			gb_name(b, r->owner);
			gb_u16(b, r->type);
			gb_u32(b, r->ttl);
			gb_u16(b, r->rdlen);
			gb_bytes(b, r->rdata, r->rdlen);
		}
	}
	e->entries++;
	return b->err;
}

int odr_snap_encode(odr_cache_t *c, uint64_t now, int64_t wall,
                    uint64_t context, uint8_t **out, size_t *len,
                    odr_snap_counts_t *counts)
{
	if (od_fails(c == NULL || out == NULL || len == NULL))
		return OD_EINVAL;
	struct enc e = { .wall = wall > 0 ? wall : 0 };
	/* Entries that expired less than the stale window ago go in too
	   (serve-stale after a restart): the walk runs as if it were that
	   much earlier, and expiries are counted from then. */
	uint64_t back = odr_cache_get_conf(c)->stale_window;
	if (back > now)
		back = now;
	if ((uint64_t)e.wall < back)
		back = (uint64_t)e.wall;
	e.base = e.wall - (int64_t)back;
	/* The header is filled in once the count is known. */
	gb_reserve(&e.b, HDR_LEN);
	int ret = e.b.err ? e.b.err : odr_cache_walk(c, enc_cb, &e, now - back);
	if (ret == 0 && e.entries > UINT32_MAX)
		ret = OD_ELIMIT;
	if (ret == 0)
		gb_reserve(&e.b, SUM_LEN);
	if (ret == 0)
		ret = e.b.err;
	if (ret < 0) {
		free(e.b.p);
		return ret;
	}
	uint8_t *h = e.b.p;
	memcpy(h, magic, sizeof(magic));
	od_put_u16(h + 8, ODR_SNAP_VERSION);
	od_put_u16(h + 10, 0);
	uint32_t n = (uint32_t)e.entries;
	od_put_u16(h + 12, (uint16_t)(n >> 16));
	od_put_u16(h + 14, (uint16_t)n);
	put_u64(h + 16, (uint64_t)e.wall);
	put_u64(h + 24, e.b.len - HDR_LEN - SUM_LEN);
	put_u64(h + 32, context);
	size_t body_end = e.b.len - SUM_LEN;
	put_u64(e.b.p + body_end, fnv1a(e.b.p, body_end));
	*out = e.b.p;
	*len = e.b.len;
	if (counts != NULL)
		*counts = (odr_snap_counts_t){ .entries = e.entries,
			                       .skipped = e.skipped,
			                       .written = e.wall,
			                       .bytes = e.b.len };
	return 0;
}

/* Decoding ------------------------------------------------------------ */

/* One parsed entry: pointers into the snapshot, records in scratch. */
struct parsed {
	uint8_t kind;
	uint64_t expiry;
	odr_rrset_t set;
	odr_neg_t neg;
	const uint8_t *qname;
	uint16_t qtype;
};

/* Scratch records: grows to the largest entry. */
struct scratch {
	od_rr_t *rrs; /* owned */
	size_t cap;
};

static int scratch_reserve(struct scratch *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	od_rr_t *p = realloc(s->rrs, n * sizeof(*p));
	if (p == NULL)
		return OD_ENOMEM;
	s->rrs = p;
	s->cap = n;
	return 0;
}

/* A wire name at r's position (uncompressed, inside r's range). */
static const uint8_t *rd_name(od_rd_t *r)
{
	if (od_rd_err(r))
		return NULL;
	int n = od_name_check(r->msg + r->pos, r->end - r->pos);
	if (n < 0) {
		od_rd_fail(r, n);
		return NULL;
	}
	return od_rd_take(r, (size_t)n);
}

static uint64_t rd_u64(od_rd_t *r)
{
	const uint8_t *p = od_rd_take(r, 8);
	return p ? get_u64(p) : 0;
}

static void rd_rdata(od_rd_t *r, od_rr_t *rr)
{
	rr->rdlen = od_rd_u16(r);
	rr->rdata = od_rd_take(r, rr->rdlen);
}

/*
 * Parse the entry at r's position into *e (records in s). \return NULL,
 * or why it is refused (OD_ENOMEM in *nomem).
 */
static const char *parse_entry(od_rd_t *r, struct parsed *e, struct scratch *s,
                               bool *nomem)
{
	memset(e, 0, sizeof(*e));
	e->kind = od_rd_u8(r);
	e->expiry = rd_u64(r);
	odr_rank_t rank = (odr_rank_t)od_rd_u8(r);
	uint8_t sec = od_rd_u8(r);
	uint16_t ede = od_rd_u16(r);
	if (od_rd_err(r))
		return "truncated";
	if (e->kind == KIND_RRSET) {
		const uint8_t *owner = rd_name(r);
		uint16_t type = od_rd_u16(r);
		uint16_t count = od_rd_u16(r);
		uint16_t nsigs = od_rd_u16(r);
		if (od_rd_err(r))
			return od_rd_err(r) == OD_ETRUNC ? "truncated"
			                                 : "bad owner name";
		size_t n = (size_t)count + nsigs;
		/* Each record takes at least its length field. */
		if (n * 2 > od_rd_left(r))
			return "truncated";
		if (scratch_reserve(s, n) < 0) {
			*nomem = true;
			return "out of memory";
		}
		for (size_t i = 0; i < n; i++) {
			s->rrs[i] = (od_rr_t){
				.owner = owner,
				.type = i < count ? type : OD_TYPE_RRSIG,
				.rclass = OD_CLASS_IN,
			};
			rd_rdata(r, &s->rrs[i]);
		}
		if (od_rd_err(r))
			return "truncated";
		e->qname = owner;
		e->qtype = type;
		e->set = (odr_rrset_t){
			.owner = owner,
			.type = type,
			.rclass = OD_CLASS_IN,
			.rank = rank,
			.sec = sec,
			.ede = ede,
			.count = count,
			.nsigs = nsigs,
			.rrs = s->rrs,
			.sigs = nsigs > 0 ? s->rrs + count : NULL,
		};
		return check_set(&e->set);
	}
	if (e->kind != KIND_NEG)
		return "unknown entry kind";
	e->qname = rd_name(r);
	e->qtype = od_rd_u16(r);
	uint8_t rcode = od_rd_u8(r);
	uint8_t vflags = od_rd_u8(r);
	const uint8_t *zone = rd_name(r);
	od_rr_t soa = { 0 };
	rd_rdata(r, &soa);
	uint16_t nproof = od_rd_u16(r);
	if (od_rd_err(r))
		return od_rd_err(r) == OD_ETRUNC ? "truncated" : "bad name";
	/* Each proof record takes at least a name, type, TTL and length. */
	if ((size_t)nproof * 9 > od_rd_left(r))
		return "truncated";
	if (scratch_reserve(s, nproof) < 0) {
		*nomem = true;
		return "out of memory";
	}
	for (size_t i = 0; i < nproof; i++) {
		od_rr_t *p = &s->rrs[i];
		*p = (od_rr_t){ .rclass = OD_CLASS_IN };
		p->owner = rd_name(r);
		p->type = od_rd_u16(r);
		p->ttl = od_rd_u32(r);
		rd_rdata(r, p);
	}
	if (od_rd_err(r))
		return od_rd_err(r) == OD_ETRUNC ? "truncated"
		                                 : "bad proof owner name";
	e->neg = (odr_neg_t){
		.rcode = rcode,
		.zone = zone,
		.soa = soa.rdata,
		.soa_len = soa.rdlen,
		.rank = rank,
		.sec = sec,
		.vflags = vflags,
		.ede = ede,
		.proof = nproof > 0 ? s->rrs : NULL,
		.nproof = nproof,
	};
	return check_neg(&e->neg, e->qtype);
}

/* Magic, version, exact length, checksum and context. */
static int check_frame(const uint8_t *buf, size_t len, uint64_t context,
                       uint32_t *count, int64_t *written, char *err,
                       size_t errlen)
{
	if (len < sizeof(magic) || memcmp(buf, magic, sizeof(magic)) != 0) {
		seterr(err, errlen, "not a cache snapshot (bad magic)");
		return OD_EMALF;
	}
	if (len < HDR_LEN + SUM_LEN) {
		seterr(err, errlen, "truncated (%zu bytes, less than a header)",
		       len);
		return OD_EMALF;
	}
	uint16_t version = od_get_u16(buf + 8);
	if (version != ODR_SNAP_VERSION) {
		seterr(err, errlen,
		       "snapshot format version %u is not supported (this "
		       "onedot reads version %u)",
		       version, ODR_SNAP_VERSION);
		return OD_ENOTSUP;
	}
	if (od_get_u16(buf + 10) != 0) {
		seterr(err, errlen, "unknown header flags 0x%04x",
		       od_get_u16(buf + 10));
		return OD_ENOTSUP;
	}
	uint64_t body = get_u64(buf + 24);
	if (body != len - HDR_LEN - SUM_LEN) {
		seterr(err, errlen,
		       "size %zu does not match the header (truncated or "
		       "damaged)",
		       len);
		return OD_EMALF;
	}
	if (fnv1a(buf, len - SUM_LEN) != get_u64(buf + len - SUM_LEN)) {
		seterr(err, errlen, "checksum mismatch (damaged)");
		return OD_EMALF;
	}
	if (get_u64(buf + 32) != context) {
		seterr(err, errlen,
		       "made with another setup (root hints, trust anchors "
		       "or validation settings differ)");
		return OD_ENOTSUP;
	}
	*count = od_get_u32(buf + 12);
	*written = (int64_t)(get_u64(buf + 16) & INT64_MAX);
	return 0;
}

int odr_snap_decode(odr_cache_t *c, const uint8_t *buf, size_t len,
                    uint64_t now, int64_t wall, uint64_t context,
                    unsigned flags, odr_snap_counts_t *counts, char *err,
                    size_t errlen)
{
	seterr(err, errlen, "%s", "");
	if (od_fails(c == NULL || (buf == NULL && len > 0)))
		return OD_EINVAL;
	uint32_t count;
	int64_t written;
	int ret = check_frame(buf, len, context, &count, &written, err, errlen);
	if (ret < 0)
		return ret;
	size_t body_end = len - SUM_LEN;
	if ((size_t)count > (body_end - HDR_LEN) / MIN_ENTRY) {
		seterr(err, errlen, "entry count %u does not fit the file",
		       count);
		return OD_EMALF;
	}
	size_t *offs = malloc(((size_t)count + 1) * sizeof(*offs));
	struct scratch s = { 0 };
	struct parsed e;
	if (offs == NULL)
		return OD_ENOMEM;

	/* First every entry is parsed and checked; nothing is put unless
	   all of them pass. */
	od_rd_t r;
	od_rd_init(&r, buf, body_end);
	r.pos = HDR_LEN;
	for (uint32_t i = 0; i < count; i++) {
		offs[i] = r.pos;
		bool nomem = false;
		const char *why = parse_entry(&r, &e, &s, &nomem);
		if (why != NULL) {
			ret = nomem ? OD_ENOMEM : OD_EMALF;
			seterr(err, errlen, "entry %u (offset %zu): %s", i,
			       offs[i], why);
			goto out;
		}
	}
	if (r.pos != body_end) {
		seterr(err, errlen, "%zu bytes after the last entry",
		       body_end - r.pos);
		ret = OD_EMALF;
		goto out;
	}

	/* Expired entries within the stale window only when asked for
	   (ODR_SNAP_STALE). */
	const odr_cache_conf_t *cc = odr_cache_get_conf(c);
	uint64_t window = (flags & ODR_SNAP_STALE) ? cc->stale_window : 0;
	/* The shortest TTL the cache stores. */
	uint32_t floor = cc->ttl_min > 0 ? cc->ttl_min : 1;
	/* Then they are put, the oldest first: the dump lists each shard
	   most recently used first, so the recency order survives. */
	size_t loaded = 0, skipped = 0;
	for (uint32_t i = count; i-- > 0;) {
		bool nomem = false;
		r.err = 0;
		r.pos = offs[i];
		if (parse_entry(&r, &e, &s, &nomem) != NULL) {
			/* Checked above: only memory can run out. */
			ret = OD_ENOMEM;
			goto out;
		}
		uint64_t w = (uint64_t)(wall > 0 ? wall : 0);
		uint64_t at = now; /* the put's clock */
		uint32_t ttl;
		if (e.expiry > w) {
			uint64_t left = e.expiry - w;
			ttl = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
		} else if (w - e.expiry < window &&
		           now > w - e.expiry + floor) {
			/* Stale: stored with the shortest TTL the cache takes,
			   that long before its expiry, so it expired when it
			   did and leaves the stale window on time. */
			at = now - (w - e.expiry) - floor;
			ttl = floor;
		} else {
			skipped++;
			continue;
		}
		int p;
		if (e.kind == KIND_RRSET) {
			e.set.ttl = ttl;
			p = odr_cache_put(c, &e.set, at);
		} else {
			e.neg.ttl = ttl;
			p = odr_cache_put_neg(c, e.qname, e.qtype, &e.neg, at);
		}
		if (p == OD_ENOMEM) {
			ret = p;
			seterr(err, errlen, "out of memory after %zu entries",
			       loaded);
			goto out;
		}
		if (p == 0)
			loaded++;
		else
			skipped++;
	}
	if (counts != NULL)
		*counts = (odr_snap_counts_t){ .entries = loaded,
			                       .skipped = skipped,
			                       .written = written,
			                       .bytes = len };
out:
	free(s.rrs);
	free(offs);
	return ret;
}

/* Files --------------------------------------------------------------- */

int odr_snap_write(odr_cache_t *c, const char *path, uint64_t now, int64_t wall,
                   uint64_t context, odr_snap_counts_t *counts, char *err,
                   size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = odr_snap_encode(c, now, wall, context, &buf, &len, counts);
	if (ret < 0) {
		seterr(err, errlen, "cannot write %s: %s", path,
		       od_strerror(ret));
		return ret;
	}
	ret = od_file_replace(path, NULL, buf, len, 0600, err, errlen);
	free(buf);
	return ret;
}

int odr_snap_read(odr_cache_t *c, const char *path, size_t max_len,
                  uint64_t now, int64_t wall, uint64_t context, unsigned flags,
                  odr_snap_counts_t *counts, char *err, size_t errlen)
{
	if (max_len == 0)
		max_len = ODR_SNAP_MAX_DEFAULT;
	char *buf = NULL;
	size_t got = 0;
	int ret = od_file_read(path, max_len, &buf, &got);
	if (ret == OD_EINVAL) {
		seterr(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if (ret == OD_ELIMIT) {
		seterr(err, errlen, "%s: too large (the limit is %zu bytes)",
		       path, max_len);
		return ret;
	}
	if (ret < 0) {
		seterr(err, errlen, "cannot read %s: %s", path,
		       ret == OD_ENOMEM ? od_strerror(ret) : strerror(-ret));
		return ret;
	}
	char why[256];
	ret = odr_snap_decode(c, (const uint8_t *)buf, got, now, wall, context,
	                      flags, counts, why, sizeof(why));
	if (ret < 0)
		seterr(err, errlen, "%s: %s", path, why);
	free(buf);
	return ret;
}
