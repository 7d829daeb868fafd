/* SPDX-License-Identifier: MIT */
/* The zone database: zones with their answer indexes, found by origin. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "auth/zonedb.h"
#include "lib/base.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/wire.h"

/* One NSEC3 record of the chain, by owner hash. */
typedef struct n3ent {
	uint8_t hash[OD_NSEC3_HASH_MAXLEN];
	uint8_t len;
	const od_znode_t *node;
} n3ent_t;

struct od_authzone {
	od_zone_t *z; /* owned */
	atomic_uint refs;
	od_authzone_dnssec_t dnssec;
	uint32_t serial;
	size_t slot;       /* the owner's number for the zone */
	uint32_t *nsecidx; /* owned: per node index, nearest node at or
	                      before it with NSEC (UINT32_MAX: none) */
	bool have_n3p;
	od_nsec3_params_t n3p;
	uint8_t salt[255];
	n3ent_t *n3; /* owned: nn3 entries sorted by hash */
	size_t nn3;
};

bool od_znode_nsec3_only(const od_znode_t *n)
{
	bool any = false;
	for (uint16_t i = 0; i < n->nsets; i++) {
		uint16_t t = n->sets[i].type;
		if (t == OD_TYPE_NSEC3)
			any = true;
		else if (t != OD_TYPE_RRSIG)
			return false;
	}
	return any;
}

/* NSEC3PARAM RDATA (alg 1, flags 0, RFC 5155 §4.1.2) into az->n3p. */
static void read_nsec3param(od_authzone_t *az)
{
	const od_zrrset_t *s = od_znode_rrset(az->z->apex, OD_TYPE_NSEC3PARAM);
	for (uint32_t i = 0; s && i < s->count; i++) {
		const od_zrr_t *rr = s->rrs[i];
		if (rr->len < 5 || rr->data[0] != OD_NSEC3_ALG_SHA1 ||
		    rr->data[1] != 0 || rr->len != 5u + rr->data[4])
			continue;
		az->n3p.alg = rr->data[0];
		az->n3p.iterations = od_get_u16(rr->data + 2);
		az->n3p.salt_len = rr->data[4];
		memcpy(az->salt, rr->data + 5, rr->data[4]);
		az->n3p.salt = az->salt;
		az->have_n3p = true;
		return;
	}
}

static bool params_match(const od_authzone_t *az, const od_nsec3_rdata_t *r)
{
	return r->alg == az->n3p.alg && r->iterations == az->n3p.iterations &&
	       r->salt_len == az->n3p.salt_len &&
	       memcmp(r->salt, az->n3p.salt, r->salt_len) == 0;
}

static int n3cmp(const void *a, const void *b)
{
	const n3ent_t *x = a, *y = b;
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->hash, y->hash, m);
	return c ? c : (int)x->len - (int)y->len;
}

static int build_indexes(od_authzone_t *az)
{
	od_zone_t *z = az->z;
	size_t n = z->nnodes;
	az->nsecidx = malloc((n + 1) * sizeof(*az->nsecidx));
	az->n3 = calloc(n + 1, sizeof(*az->n3));
	if (az->nsecidx == NULL || az->n3 == NULL)
		return OD_ENOMEM;
	read_nsec3param(az);
	int olabels = od_name_labels(z->origin);
	uint32_t last = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		const od_znode_t *nd = z->nodes[i];
		if (od_znode_rrset(nd, OD_TYPE_NSEC) &&
		    !(nd->flags & (OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT)))
			last = (uint32_t)i;
		az->nsecidx[i] = last;
		const od_zrrset_t *s = od_znode_rrset(nd, OD_TYPE_NSEC3);
		if (s == NULL || !az->have_n3p ||
		    od_name_labels(nd->owner) != olabels + 1)
			continue;
		bool ok = false;
		for (uint32_t k = 0; !ok && k < s->count; k++) {
			od_nsec3_rdata_t r;
			ok = od_nsec3_parse(&r, s->rrs[k]->data,
			                    s->rrs[k]->len) == 0 &&
			     params_match(az, &r);
		}
		n3ent_t *e = &az->n3[az->nn3];
		int hl = od_base32hex_decode((const char *)nd->owner + 1,
		                             nd->owner[0], e->hash,
		                             sizeof(e->hash));
		if (!ok || hl <= 0)
			continue;
		e->len = (uint8_t)hl;
		e->node = nd;
		az->nn3++;
	}
	qsort(az->n3, az->nn3, sizeof(*az->n3), n3cmp);
	const od_znode_t *apex = z->apex;
	if (od_znode_rrset(apex, OD_TYPE_DNSKEY) == NULL)
		az->dnssec = OD_AZ_UNSIGNED;
	else if (az->have_n3p)
		az->dnssec = OD_AZ_NSEC3;
	else
		az->dnssec = OD_AZ_NSEC;
	return 0;
}

static void authzone_free(od_authzone_t *az)
{
	if (az == NULL)
		return;
	od_zone_free(az->z);
	free(az->nsecidx);
	free(az->n3);
	free(az);
}

int od_authzone_new(od_authzone_t **out, od_zone_t *z)
{
	if (od_fails(out == NULL) || z == NULL)
		return OD_EINVAL;
	uint32_t serial = 0;
	if (!z->finalized || z->apex == NULL || od_zone_serial(z, &serial)) {
		od_zone_free(z);
		return OD_EINVAL;
	}
	od_authzone_t *az = calloc(1, sizeof(*az));
	if (az == NULL) {
		od_zone_free(z);
		return OD_ENOMEM;
	}
	az->z = z;
	az->serial = serial;
	atomic_init(&az->refs, 1);
	int r = build_indexes(az);
	if (r) {
		authzone_free(az);
		return r;
	}
	*out = az;
	return 0;
}

const od_zone_t *od_authzone_zone(const od_authzone_t *az)
{
	return az->z;
}

od_authzone_dnssec_t od_authzone_dnssec(const od_authzone_t *az)
{
	return az->dnssec;
}

uint32_t od_authzone_serial(const od_authzone_t *az)
{
	return az->serial;
}

void od_authzone_set_slot(od_authzone_t *az, size_t n)
{
	az->slot = n;
}

size_t od_authzone_slot(const od_authzone_t *az)
{
	return az->slot;
}

size_t od_authzone_lower_bound(const od_authzone_t *az, const uint8_t *name)
{
	size_t lo = 0, hi = az->z->nnodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (od_name_cmp(az->z->nodes[mid]->owner, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const od_znode_t *od_authzone_nsec_at_or_before(const od_authzone_t *az,
                                                size_t i)
{
	if (i >= az->z->nnodes || az->nsecidx[i] == UINT32_MAX)
		return NULL;
	return az->z->nodes[az->nsecidx[i]];
}

const od_nsec3_params_t *od_authzone_nsec3_params(const od_authzone_t *az)
{
	return az->have_n3p ? &az->n3p : NULL;
}

const od_znode_t *od_authzone_nsec3_find(const od_authzone_t *az,
                                         const uint8_t *hash, size_t len,
                                         bool *exact)
{
	*exact = false;
	if (az->nn3 == 0 || len > OD_NSEC3_HASH_MAXLEN)
		return NULL;
	n3ent_t key = { .len = (uint8_t)len };
	memcpy(key.hash, hash, len);
	size_t lo = 0, hi = az->nn3;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n3cmp(&az->n3[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < az->nn3 && n3cmp(&az->n3[lo], &key) == 0) {
		*exact = true;
		return az->n3[lo].node;
	}
	/* Covering: the one before, or the last record (whose span wraps
	   round past the end of the hash space). */
	return az->n3[lo ? lo - 1 : az->nn3 - 1].node;
}

void od_authzone_ref(od_authzone_t *az)
{
	atomic_fetch_add(&az->refs, 1);
}

void od_authzone_unref(od_authzone_t *az)
{
	if (az && atomic_fetch_sub(&az->refs, 1) == 1)
		authzone_free(az);
}

/*
 * The database: an open-addressing hash of origins. A lookup tries the
 * suffixes of the name from the longest that can be an origin upwards.
 */
struct od_authdb {
	od_authzone_t **zones; /* owned references, in order of addition */
	size_t n, cap;
	od_authzone_t **table; /* owned array (not the references) */
	size_t tsize;          /* power of two, 0 when empty */
	int max_labels;        /* most labels of any origin */
};

od_authdb_t *od_authdb_new(void)
{
	return calloc(1, sizeof(od_authdb_t));
}

static size_t slot(const od_authdb_t *db, const uint8_t *origin)
{
	size_t mask = db->tsize - 1;
	size_t i = od_name_hash(origin) & mask;
	while (db->table[i] && !od_name_equal(db->table[i]->z->origin, origin))
		i = (i + 1) & mask;
	return i;
}

static int rehash(od_authdb_t *db, size_t want)
{
	size_t ts = 8;
	while (ts < want * 2)
		ts *= 2;
	od_authzone_t **t = calloc(ts, sizeof(*t));
	if (t == NULL)
		return OD_ENOMEM;
	free(db->table);
	db->table = t;
	db->tsize = ts;
	for (size_t i = 0; i < db->n; i++)
		db->table[slot(db, db->zones[i]->z->origin)] = db->zones[i];
	return 0;
}

int od_authdb_add(od_authdb_t *db, od_authzone_t *az)
{
	if (od_fails(db == NULL || az == NULL))
		return OD_EINVAL;
	if (od_authdb_get(db, az->z->origin))
		return OD_EEXIST;
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 8;
		od_authzone_t **v = realloc(db->zones, cap * sizeof(*v));
		if (v == NULL)
			return OD_ENOMEM;
		db->zones = v;
		db->cap = cap;
	}
	if ((db->n + 1) * 2 > db->tsize && rehash(db, db->n + 1))
		return OD_ENOMEM;
	od_authzone_ref(az);
	db->zones[db->n++] = az;
	db->table[slot(db, az->z->origin)] = az;
	int l = od_name_labels(az->z->origin);
	if (l > db->max_labels)
		db->max_labels = l;
	return 0;
}

const od_authzone_t *od_authdb_find(const od_authdb_t *db, const uint8_t *name)
{
	if (db == NULL || db->n == 0 || name == NULL)
		return NULL;
	int labels = od_name_labels(name);
	const uint8_t *p = name;
	for (; labels > db->max_labels; labels--)
		p += *p + 1;
	for (;;) {
		od_authzone_t *az = db->table[slot(db, p)];
		if (az)
			return az;
		if (*p == 0)
			return NULL;
		p += *p + 1;
	}
}

od_authzone_t *od_authdb_get(const od_authdb_t *db, const uint8_t *origin)
{
	if (db == NULL || db->n == 0 || origin == NULL)
		return NULL;
	return db->table[slot(db, origin)];
}

size_t od_authdb_count(const od_authdb_t *db)
{
	return db ? db->n : 0;
}

od_authzone_t *od_authdb_at(const od_authdb_t *db, size_t i)
{
	return db && i < db->n ? db->zones[i] : NULL;
}

void od_authdb_free(od_authdb_t *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n; i++)
		od_authzone_unref(db->zones[i]);
	free(db->zones);
	free(db->table);
	free(db);
}
