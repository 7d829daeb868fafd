/* SPDX-License-Identifier: MIT */
/*
 * Index of validated NSEC/NSEC3 records (rules in aggr.h).
 *
 * Layout: a chained hash table of zones keyed by the lower-cased zone name
 * (od_name_hash), under one rwlock (the map lock). Each zone has its own
 * rwlock and an array of record pointers kept sorted: by od_name_cmp of
 * the owners for NSEC (RFC 4034 §6.1 canonical order), by the raw owner
 * hash octets for NSEC3. Find is a binary search, O(log n); a put is a
 * binary search plus a memmove of the pointers after the slot, O(n) moves
 * of 8 octets in the worst case.
 *
 * Locks: always the map first, then a zone. Lookups hold both in read
 * mode while they copy, so they do not wait for each other. A put into an
 * existing zone that fits the budget holds the map in read mode and its
 * zone in write mode: puts into other zones and lookups elsewhere go on.
 * Creating a zone, evicting and flushing hold the map in write mode, which
 * excludes every zone lock holder: no zone lock is needed then.
 *
 * Budget: a->bytes counts what the index holds (zone structs, the pointer
 * arrays at their capacity, records). A put reserves its bytes with one
 * atomic add before it inserts and gives them back if the sum is over the
 * budget, so concurrent puts never push the total over it; the one that
 * did not fit retries with the map in write mode, where it may evict.
 *
 * LRU: a global tick stamps a zone whenever it is used (an atomic store,
 * no lock); eviction picks the zone with the oldest stamp by a scan of the
 * zones, O(zones), which only happens when the budget is full.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnssec/nsec.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/aggr.h"

#define DEF_MAX_BYTES ((size_t)16 << 20)
#define INIT_BUCKETS 64u
#define INIT_CAP 4u
#define RRSIG_FIXED 18 /* RDATA before the signer name (RFC 4034 §3.1) */
#define SHA1_LEN 20    /* NSEC3 hash algorithm 1 output */

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((size_t)(a)-1))

enum kind {
	K_NONE = 0, /* no records: the next one decides */
	K_NSEC,
	K_NSEC3,
};

/*
 * One record, one allocation. blob holds the lower-cased owner, the
 * RDATA, then per RRSIG a 16-bit RDATA length (host order, unaligned)
 * and the RDATA.
 */
struct rec {
	uint64_t expire; /* absolute; live while now < expire */
	uint32_t blob_len;
	uint16_t rdlen;
	uint16_t rclass;
	uint16_t type;
	uint16_t nsigs;
	uint8_t owner_len;
	uint8_t key_len; /* NSEC3: octets of the owner hash in key */
	uint8_t key[OD_NSEC3_HASH_MAXLEN];
	uint8_t blob[];
};

struct zone {
	struct zone *next; /* hash chain */
	pthread_rwlock_t lock;
	_Atomic uint64_t used; /* LRU stamp from odr_aggr.tick */
	uint32_t hash;
	uint8_t kind; /* enum kind */
	/* NSEC3 parameters (K_NSEC3), from the first record. */
	uint8_t alg, flags, salt_len;
	uint16_t iterations;
	uint8_t name_len;
	struct rec **recs; /* owned: n used of cap, sorted */
	size_t n, cap;
	uint64_t min_expire; /* lower bound of the records' expiries */
	uint64_t max_expire; /* highest expiry of the records (n > 0) */
	struct rec *soa;     /* owned; NULL: none */
	size_t bytes;        /* accounted in odr_aggr.bytes */
	uint8_t salt[255];
	uint8_t name[OD_NAME_MAXLEN]; /* lower-cased */
};

struct odr_aggr {
	pthread_rwlock_t lock; /* the map: buckets, nzones, swept */
	struct zone **buckets; /* owned: nbuckets chains */
	uint32_t nbuckets;     /* power of two */
	size_t nzones;
	size_t max_bytes;
	uint64_t swept; /* 1 + time of the last sweep of every zone */
	_Atomic size_t bytes, records;
	_Atomic uint64_t tick, puts, finds, hits, evictions;
};

/* What a put learned from checking its input. */
struct meta {
	uint8_t kind; /* K_NSEC, K_NSEC3, K_NONE for a SOA */
	uint8_t alg, flags, salt_len;
	uint16_t iterations;
	const uint8_t *salt;
	uint8_t key[OD_NSEC3_HASH_MAXLEN];
	uint8_t key_len;
};

static int rwlock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t at;
	if (pthread_rwlockattr_init(&at) != 0)
		return -1;
#ifdef __GLIBC__
	/* A put must not wait behind an endless stream of lookups. */
	(void)pthread_rwlockattr_setkind_np(
	        &at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	int rc = pthread_rwlock_init(l, &at);
	pthread_rwlockattr_destroy(&at);
	return rc;
}

static size_t rec_size(const struct rec *r)
{
	return sizeof(*r) + r->blob_len;
}

/* Remaining TTL of a live record. */
static uint32_t remaining(uint64_t expire, uint64_t now)
{
	uint64_t left = expire - now;
	return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

/*
 * Budget accounting.
 */

static bool reserve(odr_aggr_t *a, size_t n)
{
	size_t old = atomic_fetch_add(&a->bytes, n);
	if (old + n > a->max_bytes) {
		atomic_fetch_sub(&a->bytes, n);
		return false;
	}
	return true;
}

static void release(odr_aggr_t *a, struct zone *z, size_t n)
{
	z->bytes -= n;
	atomic_fetch_sub(&a->bytes, n);
}

static void rec_drop(odr_aggr_t *a, struct zone *z, struct rec *r)
{
	release(a, z, rec_size(r));
	free(r);
}

/*
 * Zones. Callers hold the zone for writing (its lock, or the map's).
 */

static bool zone_empty(const struct zone *z)
{
	return z->n == 0 && z->soa == NULL;
}

/* Drop every record and the SOA; the zone struct stays. */
static void zone_clear(odr_aggr_t *a, struct zone *z)
{
	for (size_t i = 0; i < z->n; i++)
		rec_drop(a, z, z->recs[i]);
	atomic_fetch_sub(&a->records, z->n);
	release(a, z, z->cap * sizeof(*z->recs));
	free(z->recs);
	z->recs = NULL;
	z->n = z->cap = 0;
	z->kind = K_NONE;
	z->min_expire = z->max_expire = 0;
	if (z->soa != NULL) {
		rec_drop(a, z, z->soa);
		z->soa = NULL;
	}
}

/* Drop expired records (and an expired SOA); shrink the array when it
   is mostly empty. */
static void zone_sweep(odr_aggr_t *a, struct zone *z, uint64_t now)
{
	size_t w = 0;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < z->n; i++) {
		struct rec *r = z->recs[i];
		if (r->expire <= now) {
			rec_drop(a, z, r);
			continue;
		}
		lo = r->expire < lo ? r->expire : lo;
		hi = r->expire > hi ? r->expire : hi;
		z->recs[w++] = r;
	}
	atomic_fetch_sub(&a->records, z->n - w);
	z->n = w;
	z->min_expire = w ? lo : 0;
	z->max_expire = hi;
	if (w == 0)
		z->kind = K_NONE;
	if (z->soa != NULL && z->soa->expire <= now) {
		rec_drop(a, z, z->soa);
		z->soa = NULL;
	}
	if (w == 0 && z->cap > 0) {
		release(a, z, z->cap * sizeof(*z->recs));
		free(z->recs);
		z->recs = NULL;
		z->cap = 0;
	} else if (z->cap > INIT_CAP && w <= z->cap / 4) {
		size_t cap = w * 2 > INIT_CAP ? w * 2 : INIT_CAP;
		struct rec **p = realloc(z->recs, cap * sizeof(*p));
		if (p != NULL) { /* else keep the larger array */
			release(a, z, (z->cap - cap) * sizeof(*p));
			z->recs = p;
			z->cap = cap;
		}
	}
}

/* Order of a record against a key (NSEC: a wire name; NSEC3: a hash). */
static int rec_cmp(const struct zone *z, const struct rec *r,
                   const uint8_t *key, size_t len)
{
	if (z->kind != K_NSEC3)
		return od_name_cmp(r->blob, key);
	size_t m = r->key_len < len ? r->key_len : len;
	int c = memcmp(r->key, key, m);
	if (c != 0)
		return c;
	return (r->key_len > len) - (r->key_len < len);
}

/* Index of the last record at or before key, -1 when none; *eq tells
   whether it equals key. */
static ptrdiff_t zone_search(const struct zone *z, const uint8_t *key,
                             size_t len, bool *eq)
{
	size_t lo = 0, hi = z->n; /* recs[< lo] <= key < recs[>= hi] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rec_cmp(z, z->recs[mid], key, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*eq = lo > 0 && rec_cmp(z, z->recs[lo - 1], key, len) == 0;
	return (ptrdiff_t)lo - 1;
}

static bool same_params(const struct zone *z, const struct meta *m)
{
	if (z->kind != m->kind)
		return false;
	if (m->kind != K_NSEC3)
		return true;
	return z->alg == m->alg && z->iterations == m->iterations &&
	       z->salt_len == m->salt_len &&
	       memcmp(z->salt, m->salt, m->salt_len) == 0;
}

static void adopt(struct zone *z, const struct meta *m)
{
	z->kind = m->kind;
	z->alg = m->alg;
	z->flags = m->flags;
	z->iterations = m->iterations;
	z->salt_len = m->salt_len;
	if (m->salt_len)
		memcpy(z->salt, m->salt, m->salt_len);
}

/* Account for r taking old's place (old may be NULL) and free old: only
   the growth needs room. \return false when it does not fit. */
static bool swap_in(odr_aggr_t *a, struct zone *z, struct rec *old,
                    struct rec *r)
{
	size_t had = old != NULL ? rec_size(old) : 0, size = rec_size(r);
	if (size > had) {
		if (!reserve(a, size - had))
			return false;
		z->bytes += size - had;
	} else {
		release(a, z, had - size);
	}
	free(old);
	return true;
}

/*
 * Store r in z. \return 0 (stored: the zone owns r), 1 (over the budget:
 * nothing stored, r is still the caller's), OD_ENOMEM.
 */
static int zone_put(odr_aggr_t *a, struct zone *z, struct rec *r,
                    const struct meta *m, uint64_t now)
{
	if (m->kind == K_NONE) { /* the SOA */
		if (!swap_in(a, z, z->soa, r))
			return 1;
		z->soa = r;
		return 0;
	}
	if (z->n > 0 && !same_params(z, m))
		zone_clear(a, z); /* the zone was re-signed */
	if (z->n > 0 && z->min_expire <= now)
		zone_sweep(a, z, now);
	if (z->n == 0)
		adopt(z, m);

	bool eq;
	ptrdiff_t i = m->kind == K_NSEC3
	                      ? zone_search(z, r->key, r->key_len, &eq)
	                      : zone_search(z, r->blob, 0, &eq);
	if (eq) {
		struct rec *old = z->recs[i];
		uint64_t old_expire = old->expire;
		if (!swap_in(a, z, old, r))
			return 1;
		z->recs[i] = r;
		if (r->expire < z->min_expire)
			z->min_expire = r->expire;
		if (r->expire >= z->max_expire) {
			z->max_expire = r->expire;
		} else if (old_expire == z->max_expire) {
			/* The latest expiry may have gone with old. */
			uint64_t hi = 0;
			for (size_t j = 0; j < z->n; j++)
				if (z->recs[j]->expire > hi)
					hi = z->recs[j]->expire;
			z->max_expire = hi;
		}
		return 0;
	}

	size_t grow = 0;
	if (z->n == z->cap)
		grow = z->cap ? z->cap : INIT_CAP;
	size_t need = rec_size(r) + grow * sizeof(*z->recs);
	if (!reserve(a, need))
		return 1;
	if (grow) {
		struct rec **p = realloc(z->recs, (z->cap + grow) * sizeof(*p));
		if (p == NULL) {
			atomic_fetch_sub(&a->bytes, need);
			return OD_ENOMEM;
		}
		z->recs = p;
		z->cap += grow;
	}
	z->bytes += need;
	size_t at = (size_t)(i + 1);
	memmove(z->recs + at + 1, z->recs + at, (z->n - at) * sizeof(*z->recs));
	z->recs[at] = r;
	if (z->n == 0 || r->expire < z->min_expire)
		z->min_expire = r->expire;
	if (r->expire > z->max_expire)
		z->max_expire = r->expire;
	z->n++;
	atomic_fetch_add(&a->records, 1);
	return 0;
}

/*
 * The map. Callers hold its lock (read for find, write for the rest).
 */

static struct zone *map_find(const odr_aggr_t *a, const uint8_t *name,
                             uint32_t hash)
{
	for (struct zone *z = a->buckets[hash & (a->nbuckets - 1)]; z != NULL;
	     z = z->next)
		if (z->hash == hash && od_name_equal(z->name, name))
			return z;
	return NULL;
}

static void map_grow(odr_aggr_t *a)
{
	uint32_t nb = a->nbuckets * 2;
	struct zone **b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return; /* longer chains, still correct */
	for (uint32_t i = 0; i < a->nbuckets; i++) {
		struct zone *z = a->buckets[i];
		while (z != NULL) {
			struct zone *next = z->next;
			z->next = b[z->hash & (nb - 1)];
			b[z->hash & (nb - 1)] = z;
			z = next;
		}
	}
	free(a->buckets);
	a->buckets = b;
	a->nbuckets = nb;
}

static void zone_free(odr_aggr_t *a, struct zone *z)
{
	zone_clear(a, z);
	atomic_fetch_sub(&a->bytes, z->bytes); /* the struct itself */
	pthread_rwlock_destroy(&z->lock);
	free(z);
}

static void map_remove(odr_aggr_t *a, struct zone *z)
{
	struct zone **p = &a->buckets[z->hash & (a->nbuckets - 1)];
	while (*p != z)
		p = &(*p)->next;
	*p = z->next;
	a->nzones--;
	zone_free(a, z);
}

static void touch(odr_aggr_t *a, struct zone *z)
{
	uint64_t t =
	        atomic_fetch_add_explicit(&a->tick, 1, memory_order_relaxed);
	atomic_store_explicit(&z->used, t + 1, memory_order_relaxed);
}

/*
 * Make room (map held for writing): first sweep expired records out of
 * every zone (at most once per second of the caller's clock: only
 * records put since with TTL 0 can have expired since), then evict the
 * least recently used zone other than keep, then keep's own contents.
 * \return true when something was freed.
 */
static bool evict(odr_aggr_t *a, struct zone *keep, uint64_t now, bool *swept)
{
	if (!*swept && a->swept != now + 1) {
		*swept = true;
		a->swept = now + 1;
		size_t before = atomic_load(&a->bytes);
		for (uint32_t i = 0; i < a->nbuckets; i++) {
			struct zone *z = a->buckets[i];
			while (z != NULL) {
				struct zone *next = z->next;
				if ((z->n > 0 && z->min_expire <= now) ||
				    (z->soa != NULL && z->soa->expire <= now))
					zone_sweep(a, z, now);
				if (z != keep && zone_empty(z))
					map_remove(a, z);
				z = next;
			}
		}
		if (atomic_load(&a->bytes) < before)
			return true;
	}
	*swept = true;
	struct zone *victim = NULL;
	uint64_t oldest = UINT64_MAX;
	for (uint32_t i = 0; i < a->nbuckets; i++)
		for (struct zone *z = a->buckets[i]; z != NULL; z = z->next) {
			uint64_t u = atomic_load_explicit(&z->used,
			                                  memory_order_relaxed);
			if (z != keep && u < oldest) {
				oldest = u;
				victim = z;
			}
		}
	if (victim != NULL) {
		map_remove(a, victim);
	} else if (keep != NULL && !zone_empty(keep)) {
		zone_clear(a, keep);
	} else {
		return false;
	}
	atomic_fetch_add(&a->evictions, 1);
	return true;
}

/* The put with the map held for writing: may create the zone and evict. */
static int put_locked(odr_aggr_t *a, const uint8_t *zone, uint32_t hash,
                      struct rec *r, const struct meta *m, uint64_t now)
{
	bool swept = false;
	struct zone *z = map_find(a, zone, hash);
	if (z == NULL) {
		while (!reserve(a, sizeof(*z)))
			if (!evict(a, NULL, now, &swept))
				return OD_ELIMIT;
		z = calloc(1, sizeof(*z));
		if (z == NULL || rwlock_init(&z->lock) != 0) {
			free(z);
			atomic_fetch_sub(&a->bytes, sizeof(*z));
			return OD_ENOMEM;
		}
		z->bytes = sizeof(*z);
		z->hash = hash;
		z->name_len = (uint8_t)od_name_copy(z->name, zone);
		od_name_lower(z->name);
		if (a->nzones >= a->nbuckets)
			map_grow(a);
		z->next = a->buckets[hash & (a->nbuckets - 1)];
		a->buckets[hash & (a->nbuckets - 1)] = z;
		a->nzones++;
	}
	touch(a, z);
	int rc;
	while ((rc = zone_put(a, z, r, m, now)) == 1)
		if (!evict(a, z, now, &swept)) {
			rc = OD_ELIMIT;
			break;
		}
	if (rc != 0 && zone_empty(z))
		map_remove(a, z);
	return rc;
}

static int put_rec(odr_aggr_t *a, const uint8_t *zone, struct rec *r,
                   const struct meta *m, uint64_t now)
{
	uint32_t hash = od_name_hash(zone);
	/* Common case: the zone exists and the record fits. */
	pthread_rwlock_rdlock(&a->lock);
	struct zone *z = map_find(a, zone, hash);
	int rc = 1;
	if (z != NULL) {
		pthread_rwlock_wrlock(&z->lock);
		touch(a, z);
		rc = zone_put(a, z, r, m, now);
		pthread_rwlock_unlock(&z->lock);
	}
	pthread_rwlock_unlock(&a->lock);
	if (rc != 1)
		return rc;
	pthread_rwlock_wrlock(&a->lock);
	rc = put_locked(a, zone, hash, r, m, now);
	pthread_rwlock_unlock(&a->lock);
	return rc;
}

/*
 * Input checks.
 */

static int check_sigs(const od_rr_t *rr, const od_rr_t *sigs, size_t nsigs)
{
	if (nsigs > 0 && sigs == NULL)
		return OD_EINVAL;
	if (nsigs > UINT16_MAX)
		return OD_EINVAL;
	for (size_t i = 0; i < nsigs; i++) {
		const od_rr_t *s = &sigs[i];
		if (s->type != OD_TYPE_RRSIG || s->rdata == NULL ||
		    s->rdlen < RRSIG_FIXED + 1 || s->owner == NULL ||
		    od_get_u16(s->rdata) != rr->type ||
		    !od_name_equal(s->owner, rr->owner))
			return OD_EINVAL;
	}
	return 0;
}

static int check_nsec(const uint8_t *zone, const od_rr_t *rr, struct meta *m)
{
	const uint8_t *next, *bitmap;
	size_t blen;
	if (!od_name_in(rr->owner, zone) ||
	    od_nsec_parse(rr->rdata, rr->rdlen, &next, &bitmap, &blen) != 0)
		return OD_EINVAL;
	m->kind = K_NSEC;
	return 0;
}

static int check_nsec3(const uint8_t *zone, const od_rr_t *rr, struct meta *m)
{
	od_nsec3_rdata_t p;
	if (od_nsec3_parse(&p, rr->rdata, rr->rdlen) != 0 ||
	    p.alg != OD_NSEC3_ALG_SHA1 || p.next_len != SHA1_LEN)
		return OD_EINVAL;
	int n = od_nsec3_owner_hash(rr, zone, m->key);
	if (n != SHA1_LEN)
		return OD_EINVAL;
	m->key_len = (uint8_t)n;
	m->kind = K_NSEC3;
	m->alg = p.alg;
	m->flags = p.flags;
	m->iterations = p.iterations;
	m->salt_len = p.salt_len;
	m->salt = p.salt;
	return 0;
}

static int check_soa(const uint8_t *zone, const od_rr_t *rr)
{
	if (rr->type != OD_TYPE_SOA || !od_name_equal(rr->owner, zone))
		return OD_EINVAL;
	/* MNAME, RNAME, then five 32-bit fields (RFC 1035 §3.3.13). */
	int l1 = od_name_check(rr->rdata, rr->rdlen);
	if (l1 < 0)
		return OD_EINVAL;
	int l2 = od_name_check(rr->rdata + l1, rr->rdlen - (size_t)l1);
	if (l2 < 0 || rr->rdlen - (size_t)l1 - (size_t)l2 != 20)
		return OD_EINVAL;
	return 0;
}

/* Copy rr and its RRSIGs into one new record. */
static struct rec *rec_new(const od_rr_t *rr, const od_rr_t *sigs, size_t nsigs,
                           uint64_t now, const struct meta *m)
{
	size_t ol = od_name_len(rr->owner);
	size_t blob = ol + rr->rdlen;
	for (size_t i = 0; i < nsigs; i++)
		blob += 2 + sigs[i].rdlen;
	if (blob > UINT32_MAX)
		return NULL;
	struct rec *r = malloc(sizeof(*r) + blob);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->expire = now + rr->ttl;
	r->blob_len = (uint32_t)blob;
	r->rdlen = rr->rdlen;
	r->rclass = rr->rclass;
	r->type = rr->type;
	r->nsigs = (uint16_t)nsigs;
	r->owner_len = (uint8_t)ol;
	r->key_len = m->key_len;
	memcpy(r->key, m->key, m->key_len);
	uint8_t *p = r->blob;
	memcpy(p, rr->owner, ol);
	od_name_lower(p);
	p += ol;
	if (rr->rdlen)
		memcpy(p, rr->rdata, rr->rdlen);
	p += rr->rdlen;
	for (size_t i = 0; i < nsigs; i++) {
		uint16_t l = sigs[i].rdlen;
		memcpy(p, &l, 2);
		memcpy(p + 2, sigs[i].rdata, l);
		p += 2 + l;
	}
	return r;
}

static int put_common(odr_aggr_t *a, const uint8_t *zone, const od_rr_t *rr,
                      const od_rr_t *sigs, size_t nsigs, uint64_t now,
                      const struct meta *m)
{
	struct rec *r = rec_new(rr, sigs, nsigs, now, m);
	if (r == NULL)
		return OD_ENOMEM;
	/* What the record needs in a zone of its own, with all else gone. */
	if (rec_size(r) + sizeof(struct zone) +
	            INIT_CAP * sizeof(struct rec *) >
	    a->max_bytes) {
		free(r);
		return OD_ELIMIT;
	}
	int rc = put_rec(a, zone, r, m, now);
	if (rc != 0)
		free(r);
	else
		atomic_fetch_add(&a->puts, 1);
	return rc;
}

int odr_aggr_put(odr_aggr_t *a, const uint8_t *zone, const od_rr_t *rr,
                 const od_rr_t *sigs, size_t nsigs, uint64_t now)
{
	if (a == NULL || zone == NULL || rr == NULL || rr->owner == NULL ||
	    (rr->rdata == NULL && rr->rdlen > 0))
		return OD_EINVAL;
	struct meta m;
	memset(&m, 0, sizeof(m));
	int rc;
	if (rr->type == OD_TYPE_NSEC)
		rc = check_nsec(zone, rr, &m);
	else if (rr->type == OD_TYPE_NSEC3)
		rc = check_nsec3(zone, rr, &m);
	else
		rc = OD_EINVAL;
	if (rc == 0)
		rc = check_sigs(rr, sigs, nsigs);
	if (rc != 0)
		return rc;
	return put_common(a, zone, rr, sigs, nsigs, now, &m);
}

int odr_aggr_put_soa(odr_aggr_t *a, const uint8_t *zone, const od_rr_t *soa,
                     const od_rr_t *sigs, size_t nsigs, uint64_t now)
{
	if (a == NULL || zone == NULL || soa == NULL || soa->owner == NULL ||
	    soa->rdata == NULL)
		return OD_EINVAL;
	int rc = check_soa(zone, soa);
	if (rc == 0)
		rc = check_sigs(soa, sigs, nsigs);
	if (rc != 0)
		return rc;
	struct meta m;
	memset(&m, 0, sizeof(m));
	m.kind = K_NONE;
	return put_common(a, zone, soa, sigs, nsigs, now, &m);
}

/*
 * Copies out. Each result is one block from mm that starts at the first
 * pointer of the result (see odr_aggr_rec_free, odr_aggr_zone_free).
 */

/* Octets of a record's RDATA and its RRSIGs' RDATA. */
static size_t rec_data_len(const struct rec *r)
{
	return r->blob_len - r->owner_len - 2u * r->nsigs;
}

/* Fill rr and sigs (nsigs entries) from r, RDATA into data; owner is
   the copied owner name. */
static void rec_write(const struct rec *r, const uint8_t *owner, uint32_t ttl,
                      od_rr_t *rr, od_rr_t *sigs, uint8_t *data)
{
	const uint8_t *p = r->blob + r->owner_len;
	memcpy(data, p, r->rdlen);
	*rr = (od_rr_t){ .owner = owner,
		         .rdata = data,
		         .ttl = ttl,
		         .type = r->type,
		         .rclass = r->rclass,
		         .rdlen = r->rdlen };
	p += r->rdlen;
	data += r->rdlen;
	for (size_t i = 0; i < r->nsigs; i++) {
		uint16_t l;
		memcpy(&l, p, 2);
		memcpy(data, p + 2, l);
		sigs[i] = (od_rr_t){ .owner = owner,
			             .rdata = data,
			             .ttl = ttl,
			             .type = OD_TYPE_RRSIG,
			             .rclass = r->rclass,
			             .rdlen = l };
		p += 2 + l;
		data += l;
	}
}

static int rec_copy(const struct rec *r, uint64_t now, od_mm_t *mm,
                    odr_aggr_rec_t *out)
{
	size_t off = ALIGN_UP((size_t)r->owner_len, alignof(od_rr_t));
	size_t sigs_len = (size_t)r->nsigs * sizeof(od_rr_t);
	uint8_t *b = od_mm_alloc(mm, off + sigs_len + rec_data_len(r));
	if (b == NULL)
		return OD_ENOMEM;
	memcpy(b, r->blob, r->owner_len);
	od_rr_t *sigs = (od_rr_t *)(b + off);
	rec_write(r, b, remaining(r->expire, now), &out->rr, sigs,
	          b + off + sigs_len);
	out->sigs = r->nsigs ? sigs : NULL;
	out->nsigs = r->nsigs;
	return 0;
}

static int zone_copy(const struct zone *z, uint64_t now, od_mm_t *mm,
                     odr_aggr_zone_t *out)
{
	const struct rec *soa = z->soa != NULL && z->soa->expire > now ? z->soa
	                                                               : NULL;
	size_t off =
	        ALIGN_UP((size_t)z->name_len + z->salt_len, alignof(od_rr_t));
	size_t len = z->name_len + z->salt_len;
	if (soa != NULL)
		len = off + (1 + (size_t)soa->nsigs) * sizeof(od_rr_t) +
		      rec_data_len(soa);
	uint8_t *b = od_mm_alloc(mm, len ? len : 1);
	if (b == NULL)
		return OD_ENOMEM;
	memset(out, 0, sizeof(*out));
	memcpy(b, z->name, z->name_len);
	out->zone = b;
	if (z->kind == K_NSEC3) {
		memcpy(b + z->name_len, z->salt, z->salt_len);
		out->nsec3 = true;
		out->alg = z->alg;
		out->flags = z->flags;
		out->iterations = z->iterations;
		out->salt_len = z->salt_len;
		out->salt = b + z->name_len;
	}
	if (soa != NULL) {
		od_rr_t *rrs = (od_rr_t *)(b + off);
		rec_write(soa, b, remaining(soa->expire, now), &rrs[0], rrs + 1,
		          (uint8_t *)(rrs + 1 + soa->nsigs));
		out->soa = &rrs[0];
		out->soa_sigs = soa->nsigs ? rrs + 1 : NULL;
		out->nsoa_sigs = soa->nsigs;
	}
	return 0;
}

void odr_aggr_rec_free(od_mm_t *mm, odr_aggr_rec_t *rec)
{
	if (rec == NULL)
		return;
	od_mm_free(mm, (void *)rec->rr.owner);
	memset(rec, 0, sizeof(*rec));
}

void odr_aggr_zone_free(od_mm_t *mm, odr_aggr_zone_t *z)
{
	if (z == NULL)
		return;
	od_mm_free(mm, (void *)z->zone);
	memset(z, 0, sizeof(*z));
}

/*
 * Lookups.
 */

int odr_aggr_zone(odr_aggr_t *a, const uint8_t *name, uint64_t now, od_mm_t *mm,
                  odr_aggr_zone_t *out)
{
	if (a == NULL || name == NULL || out == NULL)
		return 1;
	int rc = 1;
	pthread_rwlock_rdlock(&a->lock);
	for (const uint8_t *p = name; p != NULL; p = od_name_parent(p)) {
		struct zone *z = map_find(a, p, od_name_hash(p));
		if (z == NULL)
			continue;
		pthread_rwlock_rdlock(&z->lock);
		if (z->n > 0 && z->max_expire > now)
			rc = zone_copy(z, now, mm, out);
		pthread_rwlock_unlock(&z->lock);
		if (rc != 1) {
			touch(a, z);
			break;
		}
	}
	pthread_rwlock_unlock(&a->lock);
	return rc;
}

int odr_aggr_find(odr_aggr_t *a, const uint8_t *zone, const uint8_t *key,
                  size_t len, uint64_t now, od_mm_t *mm, odr_aggr_rec_t *out)
{
	if (a == NULL || zone == NULL || key == NULL || out == NULL)
		return 1;
	atomic_fetch_add_explicit(&a->finds, 1, memory_order_relaxed);
	int rc = 1;
	pthread_rwlock_rdlock(&a->lock);
	struct zone *z = map_find(a, zone, od_name_hash(zone));
	if (z == NULL)
		goto out;
	pthread_rwlock_rdlock(&z->lock);
	if (z->n == 0 || z->max_expire <= now)
		goto out_zone;
	bool eq;
	ptrdiff_t i;
	/* The zone may have changed kind since the caller looked at it: a
	   hash is no name, and a name no hash. */
	if (z->kind == K_NSEC3) {
		if (len == 0)
			goto out_zone;
		i = zone_search(z, key, len, &eq);
		/* Before every owner: the last record spans the wrap. */
		if (i < 0)
			i = (ptrdiff_t)z->n - 1;
		for (size_t k = 0; k < z->n && z->recs[i]->expire <= now; k++)
			i = i > 0 ? i - 1 : (ptrdiff_t)z->n - 1;
	} else {
		if (len > 0 && od_name_check(key, len) < 0)
			goto out_zone;
		/* A name outside the zone is not the zone's to deny. */
		if (!od_name_in(key, z->name))
			goto out_zone;
		i = zone_search(z, key, 0, &eq);
		while (i >= 0 && z->recs[i]->expire <= now)
			i--;
	}
	if (i >= 0 && z->recs[i]->expire > now)
		rc = rec_copy(z->recs[i], now, mm, out);
out_zone:
	pthread_rwlock_unlock(&z->lock);
	if (rc == 0) {
		touch(a, z);
		atomic_fetch_add_explicit(&a->hits, 1, memory_order_relaxed);
	}
out:
	pthread_rwlock_unlock(&a->lock);
	return rc;
}

/*
 * Lifetime, flush, stats.
 */

odr_aggr_t *odr_aggr_new(size_t max_bytes)
{
	odr_aggr_t *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->max_bytes = max_bytes ? max_bytes : DEF_MAX_BYTES;
	a->nbuckets = INIT_BUCKETS;
	a->buckets = calloc(a->nbuckets, sizeof(*a->buckets));
	if (a->buckets == NULL || rwlock_init(&a->lock) != 0) {
		free(a->buckets);
		free(a);
		return NULL;
	}
	return a;
}

void odr_aggr_free(odr_aggr_t *a)
{
	if (a == NULL)
		return;
	for (uint32_t i = 0; i < a->nbuckets; i++) {
		struct zone *z = a->buckets[i];
		while (z != NULL) {
			struct zone *next = z->next;
			zone_free(a, z);
			z = next;
		}
	}
	pthread_rwlock_destroy(&a->lock);
	free(a->buckets);
	free(a);
}

int odr_aggr_flush(odr_aggr_t *a, const uint8_t *zone)
{
	if (a == NULL || zone == NULL)
		return 0;
	pthread_rwlock_wrlock(&a->lock);
	struct zone *z = map_find(a, zone, od_name_hash(zone));
	if (z != NULL)
		map_remove(a, z);
	pthread_rwlock_unlock(&a->lock);
	return z != NULL;
}

void odr_aggr_stats(odr_aggr_t *a, odr_aggr_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	pthread_rwlock_rdlock(&a->lock);
	out->zones = a->nzones;
	pthread_rwlock_unlock(&a->lock);
	out->records = atomic_load(&a->records);
	out->bytes = atomic_load(&a->bytes);
	out->puts = atomic_load(&a->puts);
	out->finds = atomic_load(&a->finds);
	out->hits = atomic_load(&a->hits);
	out->evictions = atomic_load(&a->evictions);
}
