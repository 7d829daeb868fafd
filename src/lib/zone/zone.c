/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"

/* Large chunks: a root-size zone fits in a handful of them. */
#define ZONE_CHUNK (1u << 20)
#define TABLE_MIN 1024

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

od_zone_t *od_zone_new(const uint8_t *origin, uint16_t rclass)
{
	od_zone_t *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return NULL;
	od_arena_init(&z->arena, ZONE_CHUNK);
	z->rclass = rclass ? rclass : OD_CLASS_IN;
	if (origin)
		od_name_copy(z->origin, origin);
	else
		z->origin[0] = 0xff; /* unknown until the first SOA */
	z->tsize = TABLE_MIN;
	z->table = calloc(z->tsize, sizeof(*z->table));
	if (z->table == NULL) {
		free(z);
		return NULL;
	}
	return z;
}

void od_zone_free(od_zone_t *z)
{
	if (z == NULL)
		return;
	free(z->table);
	free(z->findings);
	od_arena_deinit(&z->arena);
	free(z);
}

static bool origin_known(const od_zone_t *z)
{
	return z->origin[0] != 0xff;
}

/*
 * Findings. The message is formatted into the arena; the owner, when
 * it is not already a node's, is copied there too.
 */
__attribute__((format(printf, 6, 7))) static int
add_finding(od_zone_t *z, od_zcheck_t code, od_zsev_t sev, const uint8_t *owner,
            uint16_t type, const char *fmt, ...)
{
	if (z->nfindings == z->fcap) {
		size_t ncap = z->fcap ? z->fcap * 2 : 16;
		od_zfinding_t *n = realloc(z->findings, ncap * sizeof(*n));
		if (n == NULL)
			return OD_ENOMEM;
		z->findings = n;
		z->fcap = ncap;
	}
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	if ((size_t)len >= sizeof(buf))
		len = sizeof(buf) - 1;
	char *msg = od_arena_alloc(&z->arena, (size_t)len + 1);
	if (msg == NULL)
		return OD_ENOMEM;
	memcpy(msg, buf, (size_t)len + 1);
	od_zfinding_t *f = &z->findings[z->nfindings++];
	memset(f, 0, sizeof(*f));
	f->code = code;
	f->sev = sev;
	f->type = type;
	f->owner = owner;
	f->msg = msg;
	return 0;
}

static const uint8_t *arena_name(od_zone_t *z, const uint8_t *name)
{
	return od_mm_dup(&z->arena.mm, name, od_name_len(name));
}

/* Hash table of nodes: open addressing, linear probing. */
static od_zslot_t *slot_of(od_zslot_t *table, size_t tsize, const uint8_t *name,
                           uint32_t h)
{
	size_t mask = tsize - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		od_zslot_t *sl = &table[i];
		if (sl->node == NULL ||
		    (sl->hash == h && od_name_equal(sl->node->owner, name)))
			return sl;
	}
}

static int table_grow(od_zone_t *z)
{
	size_t nsize = z->tsize * 2;
	od_zslot_t *nt = calloc(nsize, sizeof(*nt));
	if (nt == NULL)
		return OD_ENOMEM;
	for (size_t i = 0; i < z->tsize; i++) {
		od_zslot_t sl = z->table[i];
		if (sl.node == NULL)
			continue;
		size_t mask = nsize - 1;
		size_t j = sl.hash & mask;
		while (nt[j].node)
			j = (j + 1) & mask;
		nt[j] = sl;
	}
	free(z->table);
	z->table = nt;
	z->tsize = nsize;
	return 0;
}

static od_znode_t *node_get(od_zone_t *z, const uint8_t *owner)
{
	uint32_t h = od_name_hash(owner);
	od_zslot_t *slot = slot_of(z->table, z->tsize, owner, h);
	if (slot->node)
		return slot->node;
	/* Keep the load factor under 1/2. */
	if ((z->nnodes + 1) * 2 > z->tsize) {
		if (table_grow(z) != 0)
			return NULL;
		slot = slot_of(z->table, z->tsize, owner, h);
	}
	if (z->nnodes == z->nodecap) {
		size_t ncap = z->nodecap ? z->nodecap * 2 : 1024;
		od_znode_t **nn = od_mm_realloc(&z->arena.mm, z->nodes,
		                                ncap * sizeof(*nn),
		                                z->nodecap * sizeof(*nn));
		if (nn == NULL)
			return NULL;
		z->nodes = nn;
		z->nodecap = ncap;
	}
	od_znode_t *n = od_arena_alloc(&z->arena, sizeof(*n));
	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->owner = arena_name(z, owner);
	if (n->owner == NULL)
		return NULL;
	n->hash = h;
	*slot = (od_zslot_t){ .node = n, .hash = h };
	z->nodes[z->nnodes++] = n;
	return n;
}

static od_zrrset_t *set_get(od_zone_t *z, od_znode_t *n, uint16_t type,
                            uint16_t rclass)
{
	for (uint16_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	if (n->nsets == UINT16_MAX)
		return NULL;
	if (n->nsets == n->setcap) {
		uint16_t ncap = n->setcap ? (uint16_t)(n->setcap * 2) : 2;
		if (ncap < n->setcap)
			ncap = UINT16_MAX;
		od_zrrset_t *ns = od_mm_realloc(&z->arena.mm, n->sets,
		                                ncap * sizeof(*ns),
		                                n->setcap * sizeof(*ns));
		if (ns == NULL)
			return NULL;
		n->sets = ns;
		n->setcap = ncap;
	}
	od_zrrset_t *s = &n->sets[n->nsets++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->rclass = rclass;
	return s;
}

int od_zone_add(od_zone_t *z, const uint8_t *owner, uint16_t type,
                uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
                uint16_t rdlen)
{
	if (od_fails(z == NULL || owner == NULL) || z->finalized)
		return OD_EINVAL;
	z->stats.records_in++;
	if (!origin_known(z)) {
		if (type != OD_TYPE_SOA) {
			add_finding(z, OD_ZC_NO_ORIGIN, OD_ZSEV_ERROR,
			            arena_name(z, owner), type,
			            "zone origin unknown: the first record is "
			            "not an SOA and no origin was given");
			return OD_EINVAL;
		}
		od_name_copy(z->origin, owner);
	}
	if (rclass != z->rclass) {
		z->stats.wrong_class++;
		char cb[16];
		od_class_to_str(rclass, cb, sizeof(cb));
		return add_finding(
		        z, OD_ZC_CLASS, OD_ZSEV_ERROR, arena_name(z, owner),
		        type, "class %s differs from the zone's: not loaded",
		        cb);
	}
	if (!od_name_in(owner, z->origin)) {
		z->stats.out_of_zone++;
		return add_finding(z, OD_ZC_OUT_OF_ZONE, OD_ZSEV_ERROR,
		                   arena_name(z, owner), type,
		                   "out of zone: not loaded");
	}
	if (ttl > INT32_MAX) {
		int r = add_finding(z, OD_ZC_TTL_RANGE, OD_ZSEV_NOTE,
		                    arena_name(z, owner), type,
		                    "TTL %u over 2^31-1 (RFC 2181 §8)", ttl);
		if (r)
			return r;
	}
	od_znode_t *n = node_get(z, owner);
	if (n == NULL)
		return OD_ENOMEM;
	od_zrrset_t *s = set_get(z, n, type, rclass);
	if (s == NULL)
		return OD_ENOMEM;
	if (s->count == s->cap) {
		uint32_t ncap = s->cap ? s->cap * 2 : 1;
		od_zrr_t **nr = od_mm_realloc(&z->arena.mm, s->rrs,
		                              ncap * sizeof(*nr),
		                              s->cap * sizeof(*nr));
		if (nr == NULL)
			return OD_ENOMEM;
		s->rrs = nr;
		s->cap = ncap;
	}
	od_zrr_t *rr = od_arena_alloc(&z->arena, sizeof(*rr) + rdlen);
	if (rr == NULL)
		return OD_ENOMEM;
	rr->ttl = ttl;
	rr->len = rdlen;
	if (rdlen)
		memcpy(rr->data, rdata, rdlen);
	s->rrs[s->count++] = rr;
	return 0;
}

/* ---- finalize ---- */

/* Sort entry of an RRset's records: canonical RDATA (maybe a copy). */
typedef struct sent {
	const uint8_t *c;
	od_zrr_t *rr;
} sent_t;

static int sent_cmp(const void *a, const void *b)
{
	const sent_t *x = a, *y = b;
	return od_rdata_cmp(x->c, x->rr->len, y->c, y->rr->len);
}

typedef struct scratch {
	sent_t *ents;
	size_t ecap;
	uint8_t *buf;
	size_t bcap;
} scratch_t;

static uint16_t covered_of(const od_zrr_t *rr)
{
	return rr->len >= 2 ? (uint16_t)(rr->data[0] << 8 | rr->data[1]) : 0;
}

static int settle_rrset(od_zone_t *z, od_znode_t *n, od_zrrset_t *s,
                        scratch_t *sc)
{
	uint32_t cnt = s->count;
	if (cnt > 1) {
		if (cnt > sc->ecap) {
			sent_t *ne = realloc(sc->ents, cnt * sizeof(*ne));
			if (ne == NULL)
				return OD_ENOMEM;
			sc->ents = ne;
			sc->ecap = cnt;
		}
		bool lower = od_rrtype_canon_lower(s->type);
		if (lower) {
			size_t total = 0;
			for (uint32_t i = 0; i < cnt; i++)
				total += s->rrs[i]->len;
			if (total > sc->bcap) {
				uint8_t *nb = realloc(sc->buf, total);
				if (nb == NULL && total)
					return OD_ENOMEM;
				sc->buf = nb;
				sc->bcap = total;
			}
		}
		size_t off = 0;
		for (uint32_t i = 0; i < cnt; i++) {
			od_zrr_t *rr = s->rrs[i];
			sc->ents[i].rr = rr;
			if (lower) {
				uint8_t *c = sc->buf + off;
				if (rr->len) {
					memcpy(c, rr->data, rr->len);
					/* Only valid RDATA has names we can find;
					   invalid RDATA sorts as it is. */
					if (od_rdata_check(s->type, c,
					                   rr->len) == 0)
						od_rdata_canonicalize(
						        s->type, c, rr->len);
				}
				sc->ents[i].c = c;
				off += rr->len;
			} else {
				sc->ents[i].c = rr->data;
			}
		}
		/* Zone files mostly list records already in order. */
		bool sorted = true;
		for (uint32_t i = 1; i < cnt && sorted; i++)
			if (sent_cmp(&sc->ents[i - 1], &sc->ents[i]) > 0)
				sorted = false;
		if (!sorted)
			qsort(sc->ents, cnt, sizeof(*sc->ents), sent_cmp);
		uint32_t out = 0;
		for (uint32_t i = 0; i < cnt; i++) {
			if (out > 0 &&
			    sent_cmp(&sc->ents[out - 1], &sc->ents[i]) == 0) {
				od_zrr_t *kept = sc->ents[out - 1].rr;
				if (sc->ents[i].rr->ttl < kept->ttl)
					kept->ttl = sc->ents[i].rr->ttl;
				continue;
			}
			sc->ents[out++] = sc->ents[i];
		}
		for (uint32_t i = 0; i < out; i++)
			s->rrs[i] = sc->ents[i].rr;
		s->dups = cnt - out;
		s->count = out;
		if (s->dups) {
			z->stats.duplicates += s->dups;
			char tb[16];
			od_rrtype_to_str(s->type, tb, sizeof(tb));
			int r = add_finding(z, OD_ZC_DUPLICATE, OD_ZSEV_NOTE,
			                    n->owner, s->type,
			                    "%u duplicate %s record%s dropped "
			                    "(RFC 2181 §5)",
			                    s->dups, tb,
			                    s->dups == 1 ? "" : "s");
			if (r)
				return r;
		}
	}
	/* TTLs: the lowest wins, per RRset, or per covered type for RRSIGs. */
	uint32_t lo = UINT32_MAX;
	for (uint32_t i = 0; i < s->count;) {
		uint32_t j = i + 1;
		if (s->type == OD_TYPE_RRSIG) {
			uint16_t cov = covered_of(s->rrs[i]);
			while (j < s->count && covered_of(s->rrs[j]) == cov)
				j++;
		} else {
			j = s->count;
		}
		uint32_t gmin = s->rrs[i]->ttl, gmax = gmin;
		for (uint32_t k = i; k < j; k++) {
			uint32_t t = s->rrs[k]->ttl;
			gmin = t < gmin ? t : gmin;
			gmax = t > gmax ? t : gmax;
		}
		if (gmin != gmax) {
			for (uint32_t k = i; k < j; k++)
				s->rrs[k]->ttl = gmin;
			char tb[16];
			od_rrtype_to_str(s->type == OD_TYPE_RRSIG
			                         ? covered_of(s->rrs[i])
			                         : s->type,
			                 tb, sizeof(tb));
			int r = add_finding(
			        z, OD_ZC_TTL_MISMATCH, OD_ZSEV_NOTE, n->owner,
			        s->type,
			        "TTLs of the %s%s RRset differ "
			        "(%u..%u): using %u (RFC 2181 §5.2)",
			        s->type == OD_TYPE_RRSIG ? "RRSIG " : "", tb,
			        gmin, gmax, gmin);
			if (r)
				return r;
		}
		lo = gmin < lo ? gmin : lo;
		i = j;
	}
	s->ttl = s->count ? lo : 0;
	return 0;
}

static int set_cmp(const void *a, const void *b)
{
	const od_zrrset_t *x = a, *y = b;
	return (int)x->type - (int)y->type;
}

/*
 * Canonical sort key: labels from the root, each lower-cased with octets
 * 0 and 1 escaped (0 -> 1 1, 1 -> 1 2) and ended by 0, so that memcmp of
 * two keys is RFC 4034 §6.1 order (shorter label first on a common
 * prefix, parents before children).
 */
static int make_key(od_zone_t *z, od_znode_t *n)
{
	const uint8_t *lab[128];
	int nl = 0;
	const uint8_t *p = n->owner;
	while (*p) {
		lab[nl++] = p;
		p += 1 + *p;
	}
	uint8_t buf[OD_NAME_MAXLEN * 2 + 4];
	size_t k = 0;
	for (int i = nl - 1; i >= 0; i--) {
		const uint8_t *l = lab[i];
		for (uint8_t j = 1; j <= l[0]; j++) {
			uint8_t c = l[j];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			if (c <= 1) {
				buf[k++] = 1;
				buf[k++] = (uint8_t)(c + 1);
			} else {
				buf[k++] = c;
			}
		}
		buf[k++] = 0;
	}
	uint8_t *key = od_mm_dup(&z->arena.mm, buf, k);
	if (key == NULL)
		return OD_ENOMEM;
	n->key = key;
	n->keylen = (uint16_t)k;
	return 0;
}

static int node_cmp(const void *a, const void *b)
{
	const od_znode_t *x = *(const od_znode_t *const *)a;
	const od_znode_t *y = *(const od_znode_t *const *)b;
	size_t m = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, m);
	if (c)
		return c;
	return (int)x->keylen - (int)y->keylen;
}

static bool has_address(const od_znode_t *n)
{
	return od_znode_rrset(n, OD_TYPE_A) || od_znode_rrset(n, OD_TYPE_AAAA);
}

static void set_flags(od_zone_t *z)
{
	const od_znode_t *cut = NULL; /* innermost zone cut or DNAME */
	bool cut_is_ns = false;
	for (size_t i = 0; i < z->nnodes; i++) {
		od_znode_t *n = z->nodes[i];
		uint16_t f = 0;
		bool apex = od_name_equal(n->owner, z->origin);
		if (apex)
			f |= OD_ZN_APEX;
		if (od_znode_rrset(n, OD_TYPE_DNAME))
			f |= OD_ZN_DNAME;
		if (od_znode_rrset(n, OD_TYPE_CNAME))
			f |= OD_ZN_CNAME;
		if (od_name_is_wildcard(n->owner))
			f |= OD_ZN_WILDCARD;
		/* Descendants follow their ancestor in canonical order. */
		if (cut && !od_name_below(n->owner, cut->owner))
			cut = NULL;
		if (cut) {
			if (cut_is_ns)
				f |= OD_ZN_BELOW_CUT;
			if (cut_is_ns && has_address(n))
				f |= OD_ZN_GLUE;
			else
				f |= OD_ZN_OCCLUDED;
			if (!apex && od_znode_rrset(n, OD_TYPE_NS))
				f |= OD_ZN_DELEG;
		} else {
			if (!apex && od_znode_rrset(n, OD_TYPE_NS)) {
				f |= OD_ZN_DELEG;
				cut = n;
				cut_is_ns = true;
				if (has_address(n))
					f |= OD_ZN_GLUE;
			} else if (f & OD_ZN_DNAME) {
				cut = n;
				cut_is_ns = false;
			}
		}
		n->flags = f;
		if (apex)
			z->apex = n;
	}
}

int od_zone_finalize(od_zone_t *z)
{
	if (od_fails(z == NULL))
		return OD_EINVAL;
	if (z->finalized)
		return 0;
	scratch_t sc = { 0 };
	int ret = 0;
	size_t rrsets = 0, records = 0;
	for (size_t i = 0; i < z->nnodes; i++) {
		od_znode_t *n = z->nodes[i];
		if (n->nsets > 1)
			qsort(n->sets, n->nsets, sizeof(*n->sets), set_cmp);
		for (uint16_t j = 0; j < n->nsets; j++) {
			ret = settle_rrset(z, n, &n->sets[j], &sc);
			if (ret)
				goto out;
			records += n->sets[j].count;
		}
		rrsets += n->nsets;
		ret = make_key(z, n);
		if (ret)
			goto out;
	}
	qsort(z->nodes, z->nnodes, sizeof(*z->nodes), node_cmp);
	set_flags(z);
	z->stats.rrsets = rrsets;
	z->stats.records = records;
	z->stats.nodes = z->nnodes;
	z->load_findings = z->nfindings;
	z->finalized = true;
out:
	free(sc.ents);
	free(sc.buf);
	return ret;
}

/* ---- lookups ---- */

const od_znode_t *od_zone_find(const od_zone_t *z, const uint8_t *name)
{
	if (z == NULL || name == NULL)
		return NULL;
	return slot_of(z->table, z->tsize, name, od_name_hash(name))->node;
}

const od_zrrset_t *od_znode_rrset(const od_znode_t *n, uint16_t type)
{
	if (n == NULL)
		return NULL;
	for (uint16_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return n->sets[i].count ? &n->sets[i] : NULL;
	return NULL;
}

size_t od_znode_sigs(const od_znode_t *n, uint16_t covered, size_t *first)
{
	const od_zrrset_t *s = od_znode_rrset(n, OD_TYPE_RRSIG);
	if (s == NULL)
		return 0;
	size_t i = 0;
	while (i < s->count && covered_of(s->rrs[i]) != covered)
		i++;
	if (i == s->count)
		return 0;
	size_t j = i;
	while (j < s->count && covered_of(s->rrs[j]) == covered)
		j++;
	if (first)
		*first = i;
	return j - i;
}

const od_zrrset_t *od_zone_soa(const od_zone_t *z)
{
	if (z == NULL || z->apex == NULL)
		return NULL;
	return od_znode_rrset(z->apex, OD_TYPE_SOA);
}

int od_zone_serial(const od_zone_t *z, uint32_t *serial)
{
	const od_zrrset_t *s = od_zone_soa(z);
	if (s == NULL || s->count < 1)
		return OD_EINVAL;
	const od_zrr_t *rr = s->rrs[0];
	/* MNAME, RNAME, then five 32-bit fields: serial is 20 from the end. */
	if (rr->len < 22 || od_rdata_check(OD_TYPE_SOA, rr->data, rr->len))
		return OD_EINVAL;
	*serial = rd32(rr->data + rr->len - 20);
	return 0;
}

int od_zone_soa_fields(const od_zone_t *z, od_soa_fields_t *out)
{
	const od_zrrset_t *s = od_zone_soa(z);
	if (s == NULL || s->count != 1)
		return OD_EINVAL;
	const od_zrr_t *rr = s->rrs[0];
	if (rr->len < 22 || od_rdata_check(OD_TYPE_SOA, rr->data, rr->len))
		return OD_EINVAL;
	const uint8_t *f = rr->data + rr->len - 20;
	out->serial = rd32(f);
	out->refresh = rd32(f + 4);
	out->retry = rd32(f + 8);
	out->expire = rd32(f + 12);
	out->minimum = rd32(f + 16);
	return 0;
}

/* ---- checks ---- */

const char *od_zcheck_str(od_zcheck_t code)
{
	switch (code) {
	case OD_ZC_SYNTAX:
		return "syntax";
	case OD_ZC_OUT_OF_ZONE:
		return "out-of-zone";
	case OD_ZC_CLASS:
		return "wrong-class";
	case OD_ZC_NO_SOA:
		return "no-soa";
	case OD_ZC_MULTI_SOA:
		return "multiple-soa";
	case OD_ZC_SOA_NOT_APEX:
		return "soa-not-at-apex";
	case OD_ZC_NO_APEX_NS:
		return "no-apex-ns";
	case OD_ZC_CNAME_OTHER:
		return "cname-and-other-data";
	case OD_ZC_MULTI_CNAME:
		return "multiple-cname";
	case OD_ZC_MISSING_GLUE:
		return "missing-glue";
	case OD_ZC_NS_NO_ADDRESS:
		return "ns-without-address";
	case OD_ZC_TTL_MISMATCH:
		return "ttl-mismatch";
	case OD_ZC_DUPLICATE:
		return "duplicate";
	case OD_ZC_TTL_RANGE:
		return "ttl-range";
	case OD_ZC_NO_ORIGIN:
		return "no-origin";
	}
	return "unknown";
}

const char *od_zsev_str(od_zsev_t sev)
{
	switch (sev) {
	case OD_ZSEV_ERROR:
		return "error";
	case OD_ZSEV_WARNING:
		return "warning";
	case OD_ZSEV_NOTE:
		return "note";
	}
	return "unknown";
}

/* Closest node at or above name (inside the zone) that is a zone cut. */
static const od_znode_t *cut_above(const od_zone_t *z, const uint8_t *name)
{
	for (const uint8_t *p = name; p && od_name_in(p, z->origin);
	     p = od_name_parent(p)) {
		const od_znode_t *n = od_zone_find(z, p);
		if (n && (n->flags & OD_ZN_DELEG))
			return n;
		if (od_name_equal(p, z->origin))
			break;
	}
	return NULL;
}

static int check_ns_targets(od_zone_t *z, const od_znode_t *n,
                            const od_zrrset_t *ns)
{
	char nb[OD_NAME_STRLEN];
	for (uint32_t i = 0; i < ns->count; i++) {
		const od_zrr_t *rr = ns->rrs[i];
		if (od_name_check(rr->data, rr->len) != (int)rr->len)
			continue;
		const uint8_t *t = rr->data;
		if (!od_name_in(t, z->origin))
			continue;
		const od_znode_t *tn = od_zone_find(z, t);
		if (tn && has_address(tn))
			continue;
		od_name_to_str(nb, sizeof(nb), t);
		int r;
		if (cut_above(z, t))
			r = add_finding(z, OD_ZC_MISSING_GLUE, OD_ZSEV_ERROR,
			                n->owner, OD_TYPE_NS,
			                "NS %s is below a zone cut but has no "
			                "glue (A/AAAA) in the zone",
			                nb);
		else
			r = add_finding(
			        z, OD_ZC_NS_NO_ADDRESS, OD_ZSEV_WARNING,
			        n->owner, OD_TYPE_NS,
			        "NS %s is in the zone but has no address "
			        "records (A/AAAA)",
			        nb);
		if (r)
			return r;
	}
	return 0;
}

int od_zone_check(od_zone_t *z, size_t *errors)
{
	if (od_fails(z == NULL) || !z->finalized)
		return OD_EINVAL;
	z->nfindings = z->load_findings;
	int r = 0;
	if (z->apex == NULL || od_znode_rrset(z->apex, OD_TYPE_SOA) == NULL) {
		r = add_finding(z, OD_ZC_NO_SOA, OD_ZSEV_ERROR,
		                z->apex ? z->apex->owner : NULL, OD_TYPE_SOA,
		                "no SOA record at the zone apex");
		if (r)
			return r;
	}
	if (z->apex == NULL || od_znode_rrset(z->apex, OD_TYPE_NS) == NULL) {
		r = add_finding(z, OD_ZC_NO_APEX_NS, OD_ZSEV_ERROR,
		                z->apex ? z->apex->owner : NULL, OD_TYPE_NS,
		                "no NS records at the zone apex");
		if (r)
			return r;
	}
	for (size_t i = 0; i < z->nnodes && r == 0; i++) {
		const od_znode_t *n = z->nodes[i];
		const od_zrrset_t *soa = od_znode_rrset(n, OD_TYPE_SOA);
		if (soa && !(n->flags & OD_ZN_APEX))
			r = add_finding(z, OD_ZC_SOA_NOT_APEX, OD_ZSEV_ERROR,
			                n->owner, OD_TYPE_SOA,
			                "SOA record below the zone apex");
		else if (soa && soa->count > 1)
			r = add_finding(
			        z, OD_ZC_MULTI_SOA, OD_ZSEV_ERROR, n->owner,
			        OD_TYPE_SOA,
			        "%u SOA records at the apex (exactly one "
			        "allowed)",
			        soa->count);
		if (r)
			break;
		const od_zrrset_t *cn = od_znode_rrset(n, OD_TYPE_CNAME);
		if (cn) {
			if (cn->count > 1)
				r = add_finding(z, OD_ZC_MULTI_CNAME,
				                OD_ZSEV_ERROR, n->owner,
				                OD_TYPE_CNAME,
				                "%u CNAME records (at most one "
				                "allowed)",
				                cn->count);
			for (uint16_t j = 0; j < n->nsets && r == 0; j++) {
				uint16_t t = n->sets[j].type;
				if (t == OD_TYPE_CNAME || t == OD_TYPE_RRSIG ||
				    t == OD_TYPE_NSEC || n->sets[j].count == 0)
					continue;
				char tb[16];
				od_rrtype_to_str(t, tb, sizeof(tb));
				r = add_finding(z, OD_ZC_CNAME_OTHER,
				                OD_ZSEV_ERROR, n->owner, t,
				                "CNAME and %s at the same name "
				                "(RFC 2181 §10.1)",
				                tb);
			}
			if (r)
				break;
		}
		const od_zrrset_t *ns = od_znode_rrset(n, OD_TYPE_NS);
		if (ns && (n->flags & (OD_ZN_APEX | OD_ZN_DELEG)) &&
		    !(n->flags & OD_ZN_OCCLUDED))
			r = check_ns_targets(z, n, ns);
	}
	if (r)
		return r;
	size_t e = 0;
	for (size_t i = 0; i < z->nfindings; i++)
		if (z->findings[i].sev == OD_ZSEV_ERROR)
			e++;
	if (errors)
		*errors = e;
	return z->nfindings > INT32_MAX ? INT32_MAX : (int)z->nfindings;
}

/* ---- loading ---- */

typedef struct load_ctx {
	od_zone_t *z;
	const od_zload_opts_t *o;
	const char *last_file; /* scanner's pointer, for the cache below */
	const char *last_copy; /* its copy in the arena */
	int first_code;
	size_t skipped;
	bool stopped;
	int err;
} load_ctx_t;

static const char *file_copy(load_ctx_t *c, const char *file)
{
	if (file == NULL)
		return NULL;
	if (c->last_file &&
	    (file == c->last_file || strcmp(file, c->last_file) == 0))
		return c->last_copy;
	char *p = od_mm_dup(&c->z->arena.mm, file, strlen(file) + 1);
	/* Compared by content next time: the scanner's string may not
	   outlive the call. */
	c->last_file = p;
	c->last_copy = p;
	return p;
}

static int load_rec(const od_zrec_t *rec, void *ctx)
{
	load_ctx_t *c = ctx;
	size_t before = c->z->nfindings;
	int r = od_zone_add(c->z, rec->owner, rec->type, rec->rclass, rec->ttl,
	                    rec->rdata, rec->rdlen);
	/* Point the loader's findings at the source line. */
	for (size_t i = before; i < c->z->nfindings; i++) {
		c->z->findings[i].file = file_copy(c, rec->file);
		c->z->findings[i].line = rec->line;
	}
	if (r) {
		c->err = r;
		c->stopped = true;
	}
	return r;
}

static int load_err(const od_zerr_t *e, void *ctx)
{
	load_ctx_t *c = ctx;
	od_zone_t *z = c->z;
	z->stats.syntax_errors++;
	if (c->first_code == 0)
		c->first_code = e->code;
	if (add_finding(z, OD_ZC_SYNTAX, OD_ZSEV_ERROR, NULL, 0, "%u:%u: %s",
	                e->line, e->col, e->msg) == 0) {
		z->findings[z->nfindings - 1].file = file_copy(c, e->file);
		z->findings[z->nfindings - 1].line = e->line;
	}
	int stop;
	if (c->o && c->o->on_err)
		stop = c->o->on_err(e, c->o->ctx);
	else
		stop = !(c->o && c->o->keep_going);
	if (stop)
		c->stopped = true;
	else
		c->skipped++;
	return stop;
}

static int load(od_zone_t **out, const char *path, const char *text, size_t len,
                const char *name, const od_zload_opts_t *opts)
{
	if (od_fails(out == NULL))
		return OD_EINVAL;
	od_zone_t *z = od_zone_new(opts ? opts->origin : NULL,
	                           opts ? opts->rclass : 0);
	if (z == NULL)
		return OD_ENOMEM;
	load_ctx_t c = { .z = z, .o = opts };
	od_zopts_t so = {
		.origin = opts ? opts->origin : NULL,
		.rclass = z->rclass,
		.default_ttl = opts ? opts->default_ttl : 0,
		.no_include = opts ? opts->no_include : false,
		.on_rec = load_rec,
		.on_err = load_err,
		.ctx = &c,
	};
	int r = path ? od_zscan_file(path, &so, NULL)
	             : od_zscan_mem(text, len, name, &so, NULL);
	if (c.err) {
		r = c.err;
	} else if (r != 0) {
		/* Skipped errors only: the scanner returns the first one's code
		   (or OD_ESYNTAX); anything else stopped it. */
		bool skipped_only = !c.stopped && c.skipped > 0 &&
		                    (r == c.first_code || r == OD_ESYNTAX);
		if (skipped_only)
			r = 0;
	}
	if (r == 0 && !origin_known(z))
		r = OD_EINVAL; /* nothing at all was loaded */
	if (r == 0)
		r = od_zone_finalize(z);
	if (r) {
		od_zone_free(z);
		return r;
	}
	*out = z;
	return 0;
}

int od_zone_load_file(od_zone_t **out, const char *path,
                      const od_zload_opts_t *opts)
{
	if (od_fails(path == NULL))
		return OD_EINVAL;
	return load(out, path, NULL, 0, NULL, opts);
}

int od_zone_load_mem(od_zone_t **out, const char *text, size_t len,
                     const char *name, const od_zload_opts_t *opts)
{
	if (od_fails(text == NULL && len > 0))
		return OD_EINVAL;
	return load(out, NULL, text ? text : "", len, name ? name : "-", opts);
}

/* ---- printing ---- */

int od_zone_rr_to_str(const uint8_t *owner, const od_zrrset_t *set,
                      const od_zrr_t *rr, char *out, size_t outcap)
{
	char nb[OD_NAME_STRLEN], cb[16], tb[16];
	int r = od_name_to_str(nb, sizeof(nb), owner);
	if (r < 0)
		return r;
	od_class_to_str(set->rclass, cb, sizeof(cb));
	od_rrtype_to_str(set->type, tb, sizeof(tb));
	int n = snprintf(out, outcap, "%s %u %s %s ", nb, rr->ttl, cb, tb);
	if (n < 0 || (size_t)n >= outcap)
		return OD_ESPACE;
	r = od_rdata_to_str(set->type, rr->data, rr->len, out + n,
	                    outcap - (size_t)n);
	if (r < 0)
		return r;
	return n + r;
}

int od_zone_print(const od_zone_t *z, od_zprint_cb cb, void *ctx)
{
	if (od_fails(z == NULL || cb == NULL) || !z->finalized)
		return OD_EINVAL;
	size_t cap = od_rdata_str_bound(OD_RDATA_MAXLEN) + OD_NAME_STRLEN + 64;
	char *buf = malloc(cap);
	if (buf == NULL)
		return OD_ENOMEM;
	int ret = 0;
	for (size_t i = 0; i < z->nnodes && ret == 0; i++) {
		const od_znode_t *n = z->nodes[i];
		for (uint16_t j = 0; j < n->nsets && ret == 0; j++) {
			const od_zrrset_t *s = &n->sets[j];
			for (uint32_t k = 0; k < s->count; k++) {
				int len = od_zone_rr_to_str(
				        n->owner, s, s->rrs[k], buf, cap);
				if (len < 0) {
					ret = len;
					break;
				}
				ret = cb(buf, (size_t)len, ctx);
				if (ret)
					break;
			}
		}
	}
	free(buf);
	return ret;
}

static int print_fp(const char *line, size_t len, void *ctx)
{
	FILE *fp = ctx;
	if (fwrite(line, 1, len, fp) != len || putc('\n', fp) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

int od_zone_print_file(const od_zone_t *z, FILE *fp)
{
	if (od_fails(fp == NULL))
		return OD_EINVAL;
	return od_zone_print(z, print_fp, fp);
}
