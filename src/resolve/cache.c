/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"

#define DEF_MAX_BYTES ((size_t)64 << 20)
#define DEF_SHARDS 64u
#define MAX_SHARDS 65536u
#define DEF_TTL_MAX 86400u
#define DEF_NEG_TTL_MAX 10800u
#define MIN_SHARD_BYTES 4096u
#define INIT_BUCKETS 64u
#define RRSIG_FIXED 18 /* RDATA before the signer name (RFC 4034 §3.1) */
#define PROOF_HDR 8    /* per proof record: rdlen, type, ttl (host order) */

enum kind {
	K_DATA = 0, /* an RRset or a NODATA for (name, type) */
	K_NXDOMAIN = 1,
	K_FAILED = 2, /* a failed resolution of (name, type): no data */
};

/*
 * One cached entry, one allocation. blob holds the lower-cased owner
 * (the key), then for an RRset each record and each RRSIG as a 16-bit
 * length (host order) and the RDATA; for a negative entry the zone name,
 * the SOA RDATA and the proof records, each as a PROOF_HDR header
 * (16-bit RDATA length, 16-bit type, 32-bit TTL, host order), the owner
 * name as given and the RDATA.
 */
struct entry {
	struct entry *next;                /* hash chain */
	struct entry *lru_prev, *lru_next; /* head = most recently used */
	uint64_t expire;
	uint32_t khash; /* hash of (owner, type, kind) */
	uint32_t blob_len;
	uint16_t type;
	uint8_t kind;
	uint8_t neg; /* NODATA or NXDOMAIN */
	uint8_t rank;
	uint8_t owner_len; /* names are at most 255 octets */
	uint16_t count;    /* RRset: records; negative: zone name length */
	uint16_t nsigs;    /* RRset: RRSIGs; negative: SOA RDATA length */
	uint8_t sec;       /* odr_sec_t, as given */
	uint8_t vflags;    /* negative: the validator's bits */
	uint16_t ede;
	uint16_t nproof; /* negative: proof records */
	uint8_t blob[];
};

/* The security fields live in what was tail padding: the header stays
   at seven words on LP64 platforms. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct entry) == 56,
               "cache entry header grew");

struct shard {
	alignas(64) pthread_mutex_t lock;
	struct entry **buckets; /* owned: nbuckets chains */
	uint32_t nbuckets;      /* power of two */
	size_t count, bytes;
	struct entry *lru_head, *lru_tail;
	uint64_t swept; /* time of the last sweep of expired entries */
	uint64_t hits, misses, neg_hits, neg_misses, inserts, evictions;
	uint64_t stale_hits;
};

struct odr_cache {
	odr_cache_conf_t conf; /* defaults applied */
	size_t shard_bytes;    /* budget of one shard */
	uint32_t shard_mask;
	struct shard *shards; /* owned: shard_mask + 1, cache-line aligned */
};

static void conf_defaults(odr_cache_conf_t *out, const odr_cache_conf_t *in)
{
	if (in != NULL)
		*out = *in;
	else
		memset(out, 0, sizeof(*out));
	if (out->max_bytes == 0)
		out->max_bytes = DEF_MAX_BYTES;
	if (out->shards == 0)
		out->shards = DEF_SHARDS;
	if (out->ttl_max == 0)
		out->ttl_max = DEF_TTL_MAX;
	if (out->neg_ttl_max == 0)
		out->neg_ttl_max = DEF_NEG_TTL_MAX;
}

const char *odr_cache_conf_error(const odr_cache_conf_t *conf)
{
	odr_cache_conf_t c;
	conf_defaults(&c, conf);
	if ((c.shards & (c.shards - 1)) != 0)
		return "cache shards must be a power of two";
	if (c.shards > MAX_SHARDS)
		return "cache shards must be at most 65536";
	if (c.ttl_min > c.ttl_max)
		return "cache ttl_min is above ttl_max";
	if (c.max_bytes / c.shards < MIN_SHARD_BYTES)
		return "cache size too small: each shard needs at least 4 KiB";
	if (c.stale_window > ODR_CACHE_STALE_MAX)
		return "cache stale window must be at most 7 days";
	return NULL;
}

odr_cache_t *odr_cache_new(const odr_cache_conf_t *conf)
{
	if (odr_cache_conf_error(conf) != NULL)
		return NULL;
	odr_cache_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	conf_defaults(&c->conf, conf);
	unsigned n = c->conf.shards;
	c->shard_mask = n - 1;
	c->shard_bytes = c->conf.max_bytes / n;
	c->shards =
	        aligned_alloc(alignof(struct shard), n * sizeof(struct shard));
	if (c->shards == NULL) {
		free(c);
		return NULL;
	}
	memset(c->shards, 0, n * sizeof(struct shard));
	for (unsigned i = 0; i < n; i++) {
		struct shard *sh = &c->shards[i];
		sh->buckets = calloc(INIT_BUCKETS, sizeof(*sh->buckets));
		if (sh->buckets == NULL ||
		    pthread_mutex_init(&sh->lock, NULL) != 0) {
			free(sh->buckets);
			for (unsigned j = 0; j < i; j++) {
				pthread_mutex_destroy(&c->shards[j].lock);
				free(c->shards[j].buckets);
			}
			free(c->shards);
			free(c);
			return NULL;
		}
		sh->nbuckets = INIT_BUCKETS;
		sh->swept = UINT64_MAX;
	}
	return c;
}

const odr_cache_conf_t *odr_cache_get_conf(const odr_cache_t *c)
{
	return &c->conf;
}

void odr_cache_free(odr_cache_t *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i <= c->shard_mask; i++) {
		struct shard *sh = &c->shards[i];
		struct entry *e = sh->lru_head;
		while (e != NULL) {
			struct entry *next = e->lru_next;
			free(e);
			e = next;
		}
		free(sh->buckets);
		pthread_mutex_destroy(&sh->lock);
	}
	free(c->shards);
	free(c);
}

/* Helpers on keys. */

static bool type_cacheable(uint16_t type)
{
	/* RFC 6895 §3.1: 0 is reserved, 128-255 are query and meta types. */
	return type != 0 && type != OD_TYPE_OPT && (type < 128 || type > 255);
}

static bool rank_valid(odr_rank_t rank)
{
	return rank >= ODR_RANK_ADDITIONAL && rank <= ODR_RANK_SECURE;
}

static uint32_t key_hash(uint32_t nhash, uint16_t type, uint8_t kind)
{
	uint32_t h = nhash ^ (((uint32_t)type << 1 | kind) * 0x9e3779b1u);
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

static struct shard *shard_of(odr_cache_t *c, uint32_t nhash)
{
	return &c->shards[(nhash ^ (nhash >> 16)) & c->shard_mask];
}

/* A lookup key: the lower-cased name and its hashes. */
struct key {
	const uint8_t *name; /* lower-cased */
	uint8_t len;
	uint32_t nhash;
};

/*
 * Hash of a lower-cased wire name, eight octets at a time: lookups are
 * the hot path, and a byte-wise hash dominated their cost.
 */
static uint32_t name_hash(const uint8_t *lname, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, lname + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	if (i < len) {
		uint64_t w = 0;
		memcpy(&w, lname + i, len - i);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 32;
	return (uint32_t)h;
}

static void key_init(struct key *k, const uint8_t *lname, size_t len)
{
	k->name = lname;
	k->len = (uint8_t)len;
	k->nhash = name_hash(lname, len);
}

static struct entry **find_ref(struct shard *sh, const struct key *k,
                               uint16_t type, uint8_t kind)
{
	uint32_t kh = key_hash(k->nhash, type, kind);
	struct entry **ref = &sh->buckets[kh & (sh->nbuckets - 1)];
	for (; *ref != NULL; ref = &(*ref)->next) {
		struct entry *e = *ref;
		if (e->khash == kh && e->type == type && e->kind == kind &&
		    e->owner_len == k->len &&
		    memcmp(e->blob, k->name, k->len) == 0)
			return ref;
	}
	return ref;
}

static size_t entry_size(const struct entry *e)
{
	return sizeof(*e) + e->blob_len;
}

/* Expired and past the stale window: of no use to anyone. */
static bool gone(const odr_cache_t *c, const struct entry *e, uint64_t now)
{
	uint64_t keep = e->kind == K_FAILED ? 0 : c->conf.stale_window;
	return e->expire + keep <= now;
}

/* Shard operations: the caller holds the shard's lock. */

static void lru_unlink(struct shard *sh, struct entry *e)
{
	if (e->lru_prev != NULL)
		e->lru_prev->lru_next = e->lru_next;
	else
		sh->lru_head = e->lru_next;
	if (e->lru_next != NULL)
		e->lru_next->lru_prev = e->lru_prev;
	else
		sh->lru_tail = e->lru_prev;
}

static void lru_push(struct shard *sh, struct entry *e)
{
	e->lru_prev = NULL;
	e->lru_next = sh->lru_head;
	if (sh->lru_head != NULL)
		sh->lru_head->lru_prev = e;
	else
		sh->lru_tail = e;
	sh->lru_head = e;
}

static void lru_touch(struct shard *sh, struct entry *e)
{
	if (sh->lru_head == e)
		return;
	lru_unlink(sh, e);
	lru_push(sh, e);
}

/*
 * Take the entry at *ref out of the shard and chain it on *dead, to be
 * freed once the lock is released.
 */
static void unlink_ref(struct shard *sh, struct entry **ref,
                       struct entry **dead)
{
	struct entry *e = *ref;
	*ref = e->next;
	lru_unlink(sh, e);
	sh->count--;
	sh->bytes -= entry_size(e);
	e->next = *dead;
	*dead = e;
}

static void unlink_entry(struct shard *sh, struct entry *e, struct entry **dead)
{
	struct entry **ref = &sh->buckets[e->khash & (sh->nbuckets - 1)];
	while (*ref != e)
		ref = &(*ref)->next;
	unlink_ref(sh, ref, dead);
}

static void free_dead(struct entry *dead)
{
	while (dead != NULL) {
		struct entry *next = dead->next;
		free(dead);
		dead = next;
	}
}

/* Double the bucket array; on allocation failure chains just get longer. */
static void grow(struct shard *sh)
{
	uint32_t n = sh->nbuckets * 2;
	struct entry **b = calloc(n, sizeof(*b));
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < sh->nbuckets; i++) {
		struct entry *e = sh->buckets[i];
		while (e != NULL) {
			struct entry *next = e->next;
			struct entry **slot = &b[e->khash & (n - 1)];
			e->next = *slot;
			*slot = e;
			e = next;
		}
	}
	free(sh->buckets);
	sh->buckets = b;
	sh->nbuckets = n;
}

/*
 * Make room for need bytes: entries past the stale window first, then
 * stale ones, least recently used first (one sweep of the shard per
 * clock tick at most, so a full shard does not rescan on every put; the
 * sweep frees an eighth of the budget more than needed, so the puts of
 * the same tick find room without evicting live entries), then the
 * least recently used.
 */
static void make_room(odr_cache_t *c, struct shard *sh, size_t need,
                      uint64_t now, struct entry **dead)
{
	if (sh->bytes + need <= c->shard_bytes)
		return;
	if (sh->swept != now) {
		sh->swept = now;
		struct entry *e = sh->lru_tail;
		while (e != NULL) {
			struct entry *prev = e->lru_prev;
			if (gone(c, e, now)) {
				unlink_entry(sh, e, dead);
				sh->evictions++;
			}
			e = prev;
		}
		size_t slack = c->shard_bytes / 8;
		e = sh->lru_tail;
		while (e != NULL && sh->bytes + need + slack > c->shard_bytes) {
			struct entry *prev = e->lru_prev;
			if (e->expire <= now) {
				unlink_entry(sh, e, dead);
				sh->evictions++;
			}
			e = prev;
		}
	}
	while (sh->bytes + need > c->shard_bytes && sh->lru_tail != NULL) {
		unlink_entry(sh, sh->lru_tail, dead);
		sh->evictions++;
	}
}

/*
 * Insert e (built by the caller, key fields set) under the ranking rule.
 * \return 0 stored, 1 kept the cached one (e is then on *dead).
 */
static int store(odr_cache_t *c, struct shard *sh, struct entry *e,
                 uint64_t now, struct entry **dead)
{
	uint32_t kh = e->khash;
	struct entry **ref = &sh->buckets[kh & (sh->nbuckets - 1)];
	for (; *ref != NULL; ref = &(*ref)->next) {
		struct entry *o = *ref;
		if (o->khash == kh && o->type == e->type &&
		    o->kind == e->kind && o->owner_len == e->owner_len &&
		    memcmp(o->blob, e->blob, e->owner_len) == 0)
			break;
	}
	if (*ref != NULL) {
		struct entry *o = *ref;
		if (o->expire > now && o->rank > e->rank) {
			e->next = *dead;
			*dead = e;
			return 1;
		}
		unlink_ref(sh, ref, dead);
	}
	make_room(c, sh, entry_size(e), now, dead);
	struct entry **slot = &sh->buckets[kh & (sh->nbuckets - 1)];
	e->next = *slot;
	*slot = e;
	lru_push(sh, e);
	sh->count++;
	sh->bytes += entry_size(e);
	sh->inserts++;
	if (sh->count > sh->nbuckets)
		grow(sh);
	return 0;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint32_t clamp_ttl(const odr_cache_t *c, uint32_t ttl)
{
	if (ttl < c->conf.ttl_min)
		ttl = c->conf.ttl_min;
	if (ttl > c->conf.ttl_max)
		ttl = c->conf.ttl_max;
	return ttl;
}

/*
 * Lower-cased copy of a name already checked by the caller. Label
 * lengths (at most 63) are below 'A', so the whole wire form can be
 * lowered octet by octet. \return the length.
 */
static size_t lower_copy(uint8_t out[OD_NAME_MAXLEN], const uint8_t *name)
{
	size_t len = od_name_len(name);
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = name[i];
		out[i] = (uint8_t)(ch + (((unsigned)(ch - 'A') < 26u) << 5));
	}
	return len;
}

int odr_cache_put(odr_cache_t *c, const odr_rrset_t *set, uint64_t now)
{
	if (c == NULL || set == NULL || set->owner == NULL || set->count == 0 ||
	    set->rrs == NULL || (set->nsigs > 0 && set->sigs == NULL))
		return OD_EINVAL;
	if (set->rclass != OD_CLASS_IN || !type_cacheable(set->type) ||
	    !rank_valid(set->rank))
		return OD_EINVAL;
	int olen = od_name_check(set->owner, OD_NAME_MAXLEN);
	if (olen < 0)
		return OD_EINVAL;

	uint32_t ttl = set->ttl;
	size_t blob_len = (size_t)olen;
	for (unsigned i = 0; i < set->count; i++) {
		if (set->rrs[i].rdlen > 0 && set->rrs[i].rdata == NULL)
			return OD_EINVAL;
		blob_len += 2 + (size_t)set->rrs[i].rdlen;
	}
	for (unsigned i = 0; i < set->nsigs; i++) {
		const od_rr_t *s = &set->sigs[i];
		if (s->rdlen < RRSIG_FIXED || s->rdata == NULL ||
		    rd16(s->rdata) != set->type)
			return OD_EINVAL;
		uint32_t orig = rd32(s->rdata + 4);
		if (orig < ttl)
			ttl = orig;
		blob_len += 2 + (size_t)s->rdlen;
	}
	ttl = clamp_ttl(c, ttl);
	if (ttl == 0)
		return 0;
	if (sizeof(struct entry) + blob_len > c->shard_bytes ||
	    blob_len > UINT32_MAX)
		return OD_ELIMIT;

	struct entry *e = malloc(sizeof(*e) + blob_len);
	if (e == NULL)
		return OD_ENOMEM;
	uint8_t *p = e->blob;
	lower_copy(p, set->owner);
	p += olen;
	for (unsigned i = 0; i < set->count; i++) {
		uint16_t len = set->rrs[i].rdlen;
		memcpy(p, &len, 2);
		if (len > 0)
			memcpy(p + 2, set->rrs[i].rdata, len);
		p += 2 + len;
	}
	for (unsigned i = 0; i < set->nsigs; i++) {
		uint16_t len = set->sigs[i].rdlen;
		memcpy(p, &len, 2);
		memcpy(p + 2, set->sigs[i].rdata, len);
		p += 2 + len;
	}
	struct key k;
	key_init(&k, e->blob, (size_t)olen);
	e->expire = now + ttl;
	e->khash = key_hash(k.nhash, set->type, K_DATA);
	e->blob_len = (uint32_t)blob_len;
	e->type = set->type;
	e->kind = K_DATA;
	e->neg = 0;
	e->rank = (uint8_t)set->rank;
	e->owner_len = (uint8_t)olen;
	e->count = set->count;
	e->nsigs = set->nsigs;
	e->sec = set->sec;
	e->vflags = 0;
	e->ede = set->ede;
	e->nproof = 0;

	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	pthread_mutex_lock(&sh->lock);
	int ret = store(c, sh, e, now, &dead);
	if (ret == 0) {
		/* Data at the owner shows the name exists. */
		struct entry **nx = find_ref(sh, &k, 0, K_NXDOMAIN);
		if (*nx != NULL &&
		    ((*nx)->expire <= now || (*nx)->rank <= e->rank))
			unlink_ref(sh, nx, &dead);
	}
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	return ret;
}

/* odr_cache_get, or with stale set odr_cache_get_stale. */
static int get_data(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                    uint64_t now, bool stale, od_mm_t *mm, odr_rrset_t *out)
{
	if (c == NULL || owner == NULL || out == NULL)
		return OD_EINVAL;
	uint8_t lname[OD_NAME_MAXLEN];
	struct key k;
	key_init(&k, lname, lower_copy(lname, owner));
	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	uint8_t *mem = NULL;
	size_t arr = 0;
	uint32_t ttl = 0;
	uint16_t count = 0, nsigs = 0, ede = 0;
	uint8_t rank = 0, olen = 0, sec = 0;
	int ret = 1;

	pthread_mutex_lock(&sh->lock);
	struct entry **ref = find_ref(sh, &k, type, K_DATA);
	struct entry *e = *ref;
	if (e != NULL && e->expire <= now) {
		/* Kept for the stale lookups while the window lasts. */
		if (gone(c, e, now))
			unlink_ref(sh, ref, &dead);
		if (!stale || gone(c, e, now))
			e = NULL;
	}
	if (e != NULL && !e->neg) {
		count = e->count;
		nsigs = e->nsigs;
		arr = ((size_t)count + nsigs) * sizeof(od_rr_t);
		mem = od_mm_alloc(mm, arr + e->blob_len);
		if (mem == NULL) {
			ret = OD_ENOMEM;
		} else {
			memcpy(mem + arr, e->blob, e->blob_len);
			ttl = e->expire > now ? (uint32_t)(e->expire - now) : 0;
			rank = e->rank;
			sec = e->sec;
			ede = e->ede;
			olen = e->owner_len;
			lru_touch(sh, e);
			if (!stale)
				sh->hits++;
			else if (ttl == 0)
				sh->stale_hits++;
			ret = 0;
		}
	} else if (!stale) {
		sh->misses++;
	}
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	if (ret != 0)
		return ret;

	/* Lay the records over the copy, outside the lock. */
	od_rr_t *rrs = (od_rr_t *)mem;
	const uint8_t *own = mem + arr;
	const uint8_t *p = own + olen;
	for (unsigned i = 0; i < (unsigned)count + nsigs; i++) {
		uint16_t len;
		memcpy(&len, p, 2);
		rrs[i] = (od_rr_t){
			.owner = own,
			.rdata = p + 2,
			.ttl = ttl,
			.type = i < count ? type : OD_TYPE_RRSIG,
			.rclass = OD_CLASS_IN,
			.rdlen = len,
		};
		p += 2 + len;
	}
	*out = (odr_rrset_t){
		.owner = own,
		.type = type,
		.rclass = OD_CLASS_IN,
		.ttl = ttl,
		.rank = (odr_rank_t)rank,
		.sec = sec,
		.ede = ede,
		.count = count,
		.nsigs = nsigs,
		.rrs = rrs,
		.sigs = nsigs > 0 ? rrs + count : NULL,
	};
	return 0;
}

int odr_cache_get(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                  uint64_t now, od_mm_t *mm, odr_rrset_t *out)
{
	return get_data(c, owner, type, now, false, mm, out);
}

int odr_cache_get_stale(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                        uint64_t now, od_mm_t *mm, odr_rrset_t *out)
{
	return get_data(c, owner, type, now, true, mm, out);
}

int odr_cache_put_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      const odr_neg_t *neg, uint64_t now)
{
	if (c == NULL || qname == NULL || neg == NULL || neg->zone == NULL ||
	    neg->soa == NULL || neg->soa_len == 0 || !rank_valid(neg->rank))
		return OD_EINVAL;
	bool nx;
	if (neg->rcode == 3)
		nx = true;
	else if (neg->rcode == 0)
		nx = false;
	else
		return OD_EINVAL;
	if (nx)
		qtype = 0;
	else if (!type_cacheable(qtype))
		return OD_EINVAL;
	int qlen = od_name_check(qname, OD_NAME_MAXLEN);
	int zlen = od_name_check(neg->zone, OD_NAME_MAXLEN);
	if (qlen < 0 || zlen < 0 || (neg->nproof > 0 && neg->proof == NULL))
		return OD_EINVAL;
	size_t blob_len = (size_t)qlen + (size_t)zlen + neg->soa_len;
	for (unsigned i = 0; i < neg->nproof; i++) {
		const od_rr_t *r = &neg->proof[i];
		int plen = r->owner != NULL
		                   ? od_name_check(r->owner, OD_NAME_MAXLEN)
		                   : OD_EINVAL;
		if (plen < 0 || (r->rdlen > 0 && r->rdata == NULL))
			return OD_EINVAL;
		blob_len += PROOF_HDR + (size_t)plen + r->rdlen;
	}
	uint32_t ttl = neg->ttl;
	if (ttl > c->conf.neg_ttl_max)
		ttl = c->conf.neg_ttl_max;
	if (ttl == 0)
		return 0;
	if (sizeof(struct entry) + blob_len > c->shard_bytes ||
	    blob_len > UINT32_MAX)
		return OD_ELIMIT;

	struct entry *e = malloc(sizeof(*e) + blob_len);
	if (e == NULL)
		return OD_ENOMEM;
	lower_copy(e->blob, qname);
	memcpy(e->blob + qlen, neg->zone, (size_t)zlen);
	memcpy(e->blob + qlen + zlen, neg->soa, neg->soa_len);
	uint8_t *p = e->blob + qlen + zlen + neg->soa_len;
	for (unsigned i = 0; i < neg->nproof; i++) {
		const od_rr_t *r = &neg->proof[i];
		uint16_t rdlen = r->rdlen, type = r->type;
		uint32_t rttl = r->ttl;
		size_t plen = od_name_len(r->owner);
		memcpy(p, &rdlen, 2);
		memcpy(p + 2, &type, 2);
		memcpy(p + 4, &rttl, 4);
		memcpy(p + PROOF_HDR, r->owner, plen);
		if (rdlen > 0)
			memcpy(p + PROOF_HDR + plen, r->rdata, rdlen);
		p += PROOF_HDR + plen + rdlen;
	}
	struct key k;
	key_init(&k, e->blob, (size_t)qlen);
	uint8_t kind = nx ? K_NXDOMAIN : K_DATA;
	e->expire = now + ttl;
	e->khash = key_hash(k.nhash, qtype, kind);
	e->blob_len = (uint32_t)blob_len;
	e->type = qtype;
	e->kind = kind;
	e->neg = 1;
	e->rank = (uint8_t)neg->rank;
	e->owner_len = (uint8_t)qlen;
	e->count = (uint16_t)zlen;
	e->nsigs = neg->soa_len;
	e->sec = neg->sec;
	e->vflags = neg->vflags;
	e->ede = neg->ede;
	e->nproof = neg->nproof;

	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	pthread_mutex_lock(&sh->lock);
	int ret = store(c, sh, e, now, &dead);
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	return ret;
}

/*
 * Lay n proof records over their stored form at p (see struct entry).
 * A record's TTL is its own capped at the entry's remaining ttl (>= 1),
 * or 0 when the entry has expired (ttl 0, stale lookups).
 */
static void proof_lay(od_rr_t *out, const uint8_t *p, unsigned n, uint32_t ttl)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t rdlen, type;
		uint32_t rttl;
		memcpy(&rdlen, p, 2);
		memcpy(&type, p + 2, 2);
		memcpy(&rttl, p + 4, 4);
		const uint8_t *owner = p + PROOF_HDR;
		size_t olen = od_name_len(owner);
		if (rttl > ttl)
			rttl = ttl;
		out[i] = (od_rr_t){
			.owner = owner,
			.rdata = owner + olen,
			.ttl = rttl > 0 || ttl == 0 ? rttl : 1,
			.type = type,
			.rclass = OD_CLASS_IN,
			.rdlen = rdlen,
		};
		p = owner + olen + rdlen;
	}
}

/*
 * Look for a live negative entry (name, type, kind), or with stale set
 * one within the stale window; copy it into mm. A miss is counted when
 * this is the last probe of a (not stale) lookup.
 * \return 0 hit, 1 miss, OD_ENOMEM.
 */
static int neg_probe(odr_cache_t *c, const uint8_t *lname, size_t len,
                     uint16_t type, uint8_t kind, bool last, bool stale,
                     uint64_t now, od_mm_t *mm, odr_neg_t *out)
{
	struct key k;
	key_init(&k, lname, len);
	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	int ret = 1;
	pthread_mutex_lock(&sh->lock);
	struct entry **ref = find_ref(sh, &k, type, kind);
	struct entry *e = *ref;
	if (e != NULL && e->expire <= now) {
		if (gone(c, e, now))
			unlink_ref(sh, ref, &dead);
		if (!stale || gone(c, e, now))
			e = NULL;
	}
	uint8_t *mem = NULL;
	od_rr_t *proof = NULL;
	unsigned nproof = 0;
	if (e != NULL && e->neg) {
		/* Copy: zone and SOA RDATA, the record array (aligned), then
		   the proof's owners and RDATA. */
		size_t head = (size_t)e->count + e->nsigs;
		size_t rest = e->blob_len - e->owner_len - head;
		size_t arr = head;
		nproof = e->nproof;
		if (nproof > 0)
			arr = (head + alignof(od_rr_t) - 1) &
			      ~(alignof(od_rr_t) - 1);
		size_t arr_len = nproof * sizeof(od_rr_t);
		mem = od_mm_alloc(mm, arr + arr_len + rest);
		if (mem == NULL) {
			ret = OD_ENOMEM;
		} else {
			const uint8_t *src = e->blob + e->owner_len;
			memcpy(mem, src, head);
			if (nproof > 0) {
				proof = (od_rr_t *)(mem + arr);
				memcpy(mem + arr + arr_len, src + head, rest);
			}
			*out = (odr_neg_t){
				.rcode = kind == K_NXDOMAIN ? 3 : 0,
				.zone = mem,
				.soa = mem + e->count,
				.soa_len = e->nsigs,
				.ttl = e->expire > now
				               ? (uint32_t)(e->expire - now)
				               : 0,
				.rank = (odr_rank_t)e->rank,
				.sec = e->sec,
				.vflags = e->vflags,
				.ede = e->ede,
				.proof = proof,
				.nproof = (uint16_t)nproof,
			};
			lru_touch(sh, e);
			if (!stale)
				sh->neg_hits++;
			else if (out->ttl == 0)
				sh->stale_hits++;
			ret = 0;
		}
	} else if (last && !stale) {
		sh->neg_misses++;
	}
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	/* Lay the proof records over the copy, outside the lock. */
	if (ret == 0 && nproof > 0)
		proof_lay(proof, (const uint8_t *)(proof + nproof), nproof,
		          out->ttl);
	return ret;
}

static int get_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                   uint64_t now, bool stale, od_mm_t *mm, odr_neg_t *out)
{
	if (c == NULL || qname == NULL || out == NULL)
		return OD_EINVAL;
	uint8_t lname[OD_NAME_MAXLEN];
	size_t len = lower_copy(lname, qname);
	int ret = neg_probe(c, lname, len, qtype, K_DATA,
	                    od_name_is_root(lname), stale, now, mm, out);
	/* RFC 8020: an NXDOMAIN at the name or any ancestor covers it. */
	for (const uint8_t *n = lname; ret == 1 && !od_name_is_root(n);) {
		const uint8_t *parent = od_name_parent(n);
		ret = neg_probe(c, n, len - (size_t)(n - lname), 0, K_NXDOMAIN,
		                od_name_is_root(parent), stale, now, mm, out);
		n = parent;
	}
	return ret;
}

int odr_cache_get_neg(odr_cache_t *c, const uint8_t *qname, uint16_t qtype,
                      uint64_t now, od_mm_t *mm, odr_neg_t *out)
{
	return get_neg(c, qname, qtype, now, false, mm, out);
}

int odr_cache_get_neg_stale(odr_cache_t *c, const uint8_t *qname,
                            uint16_t qtype, uint64_t now, od_mm_t *mm,
                            odr_neg_t *out)
{
	return get_neg(c, qname, qtype, now, true, mm, out);
}

int odr_cache_put_failed(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                         uint32_t secs, uint64_t now)
{
	if (c == NULL || owner == NULL || !type_cacheable(type))
		return OD_EINVAL;
	int olen = od_name_check(owner, OD_NAME_MAXLEN);
	if (olen < 0)
		return OD_EINVAL;
	if (c->conf.stale_window == 0 || secs == 0)
		return 0;
	struct entry *e = malloc(sizeof(*e) + (size_t)olen);
	if (e == NULL)
		return OD_ENOMEM;
	memset(e, 0, sizeof(*e));
	lower_copy(e->blob, owner);
	struct key k;
	key_init(&k, e->blob, (size_t)olen);
	e->expire = now + secs;
	e->khash = key_hash(k.nhash, type, K_FAILED);
	e->blob_len = (uint32_t)olen;
	e->type = type;
	e->kind = K_FAILED;
	e->rank = ODR_RANK_ADDITIONAL;
	e->owner_len = (uint8_t)olen;
	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	pthread_mutex_lock(&sh->lock);
	int ret = store(c, sh, e, now, &dead);
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	return ret;
}

bool odr_cache_failed(odr_cache_t *c, const uint8_t *owner, uint16_t type,
                      uint64_t now)
{
	if (c == NULL || owner == NULL || c->conf.stale_window == 0)
		return false;
	uint8_t lname[OD_NAME_MAXLEN];
	struct key k;
	key_init(&k, lname, lower_copy(lname, owner));
	struct shard *sh = shard_of(c, k.nhash);
	struct entry *dead = NULL;
	pthread_mutex_lock(&sh->lock);
	struct entry **ref = find_ref(sh, &k, type, K_FAILED);
	bool failed = *ref != NULL && (*ref)->expire > now;
	if (*ref != NULL && !failed)
		unlink_ref(sh, ref, &dead);
	pthread_mutex_unlock(&sh->lock);
	free_dead(dead);
	return failed;
}

size_t odr_cache_flush(odr_cache_t *c, const uint8_t *name, bool subtree)
{
	if (c == NULL || name == NULL)
		return 0;
	uint8_t lname[OD_NAME_MAXLEN];
	size_t len = lower_copy(lname, name);
	uint32_t first = 0, last = c->shard_mask;
	if (!subtree) {
		/* Every entry of one name lives in that name's shard. */
		first = last = (uint32_t)(shard_of(c, name_hash(lname, len)) -
		                          c->shards);
	}
	size_t removed = 0;
	for (uint32_t i = first; i <= last; i++) {
		struct shard *sh = &c->shards[i];
		struct entry *dead = NULL;
		pthread_mutex_lock(&sh->lock);
		struct entry *e = sh->lru_head;
		while (e != NULL) {
			struct entry *next = e->lru_next;
			if (subtree ? od_name_in(e->blob, lname)
			            : od_name_equal(e->blob, lname)) {
				unlink_entry(sh, e, &dead);
				removed++;
			}
			e = next;
		}
		pthread_mutex_unlock(&sh->lock);
		free_dead(dead);
	}
	return removed;
}

void odr_cache_stats(odr_cache_t *c, odr_cache_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return;
	for (uint32_t i = 0; i <= c->shard_mask; i++) {
		struct shard *sh = &c->shards[i];
		pthread_mutex_lock(&sh->lock);
		out->hits += sh->hits;
		out->misses += sh->misses;
		out->neg_hits += sh->neg_hits;
		out->neg_misses += sh->neg_misses;
		out->inserts += sh->inserts;
		out->evictions += sh->evictions;
		out->stale_hits += sh->stale_hits;
		out->entries += sh->count;
		out->bytes += sh->bytes;
		pthread_mutex_unlock(&sh->lock);
	}
}

/* Make the walk's scratch array hold n records. */
static int scratch_reserve(od_rr_t **rrs, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	od_rr_t *grown = realloc(*rrs, n * sizeof(od_rr_t));
	if (grown == NULL)
		return OD_ENOMEM;
	*rrs = grown;
	*cap = n;
	return 0;
}

/* Call cb for one live entry; rrs is scratch space of *cap records. */
static int walk_entry(const struct entry *e, uint64_t now, od_rr_t **rrs,
                      size_t *cap, odr_cache_walk_cb cb, void *ctx)
{
	uint32_t ttl = (uint32_t)(e->expire - now);
	if (e->neg) {
		const uint8_t *zone = e->blob + e->owner_len;
		if (scratch_reserve(rrs, cap, e->nproof) != 0)
			return OD_ENOMEM;
		proof_lay(*rrs, zone + e->count + e->nsigs, e->nproof, ttl);
		odr_neg_t neg = {
			.rcode = e->kind == K_NXDOMAIN ? 3 : 0,
			.zone = zone,
			.soa = zone + e->count,
			.soa_len = e->nsigs,
			.ttl = ttl,
			.rank = (odr_rank_t)e->rank,
			.sec = e->sec,
			.vflags = e->vflags,
			.ede = e->ede,
			.proof = e->nproof > 0 ? *rrs : NULL,
			.nproof = e->nproof,
		};
		return cb(NULL, &neg, e->blob, e->type, ctx);
	}
	size_t n = (size_t)e->count + e->nsigs;
	if (scratch_reserve(rrs, cap, n) != 0)
		return OD_ENOMEM;
	const uint8_t *p = e->blob + e->owner_len;
	for (size_t i = 0; i < n; i++) {
		uint16_t len;
		memcpy(&len, p, 2);
		(*rrs)[i] = (od_rr_t){
			.owner = e->blob,
			.rdata = p + 2,
			.ttl = ttl,
			.type = i < e->count ? e->type : OD_TYPE_RRSIG,
			.rclass = OD_CLASS_IN,
			.rdlen = len,
		};
		p += 2 + len;
	}
	odr_rrset_t set = {
		.owner = e->blob,
		.type = e->type,
		.rclass = OD_CLASS_IN,
		.ttl = ttl,
		.rank = (odr_rank_t)e->rank,
		.sec = e->sec,
		.ede = e->ede,
		.count = e->count,
		.nsigs = e->nsigs,
		.rrs = *rrs,
		.sigs = e->nsigs > 0 ? *rrs + e->count : NULL,
	};
	return cb(&set, NULL, e->blob, e->type, ctx);
}

int odr_cache_walk(odr_cache_t *c, odr_cache_walk_cb cb, void *ctx,
                   uint64_t now)
{
	if (c == NULL || cb == NULL)
		return OD_EINVAL;
	od_rr_t *rrs = NULL;
	size_t cap = 0;
	int ret = 0;
	for (uint32_t i = 0; i <= c->shard_mask && ret == 0; i++) {
		struct shard *sh = &c->shards[i];
		pthread_mutex_lock(&sh->lock);
		for (struct entry *e = sh->lru_head; e != NULL && ret == 0;
		     e = e->lru_next) {
			if (e->expire > now && e->kind != K_FAILED)
				ret = walk_entry(e, now, &rrs, &cap, cb, ctx);
		}
		pthread_mutex_unlock(&sh->lock);
	}
	free(rrs);
	return ret;
}
