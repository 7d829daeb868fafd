/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/dnssec/nsec.h"
#include "lib/error.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/aggr.h"

#define NOW 1000u

/* Wire form of a presentation name; up to 8 live at a time. */
static const uint8_t *N(const char *s)
{
	static uint8_t bufs[8][OD_NAME_MAXLEN];
	static unsigned next;
	uint8_t *b = bufs[next++ % 8];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

/* A record under construction with up to 2 RRSIGs. */
struct trec {
	od_rr_t rr;
	od_rr_t sigs[2];
	size_t nsigs;
	uint8_t owner[OD_NAME_MAXLEN];
	uint8_t rdata[512];
	uint8_t sigdata[2][64];
};

/* Fake RRSIG over t's type: fixed fields, signer "example.", then a
   signature whose octets are all seed. */
static void add_sig(struct trec *t, uint8_t seed)
{
	size_t i = t->nsigs++;
	uint8_t *d = t->sigdata[i];
	memset(d, 0, sizeof(t->sigdata[i]));
	d[0] = (uint8_t)(t->rr.type >> 8);
	d[1] = (uint8_t)t->rr.type;
	d[2] = 13;
	d[3] = (uint8_t)od_name_labels(t->owner);
	static const uint8_t signer[] = { 7,   'e', 'x', 'a', 'm',
		                          'p', 'l', 'e', 0 };
	memcpy(d + 18, signer, sizeof(signer));
	memset(d + 18 + sizeof(signer), seed, 64 - 18 - sizeof(signer));
	t->sigs[i] = (od_rr_t){ .owner = t->owner,
		                .rdata = d,
		                .ttl = t->rr.ttl,
		                .type = OD_TYPE_RRSIG,
		                .rclass = OD_CLASS_IN,
		                .rdlen = 64 };
}

static size_t bitmap(uint8_t *out, size_t cap)
{
	const uint16_t types[] = { OD_TYPE_A, OD_TYPE_RRSIG, OD_TYPE_NSEC };
	int n = od_bitmap_build(types, 3, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

static void mk_nsec(struct trec *t, const char *owner, const char *next,
                    uint32_t ttl, uint8_t seed)
{
	memset(t, 0, sizeof(*t));
	assert_true(od_name_from_str(t->owner, owner, strlen(owner), NULL) > 0);
	int nl = od_name_from_str(t->rdata, next, strlen(next), NULL);
	assert_true(nl > 0);
	size_t len = (size_t)nl;
	len += bitmap(t->rdata + len, sizeof(t->rdata) - len);
	t->rr = (od_rr_t){ .owner = t->owner,
		           .rdata = t->rdata,
		           .ttl = ttl,
		           .type = OD_TYPE_NSEC,
		           .rclass = OD_CLASS_IN,
		           .rdlen = (uint16_t)len };
	add_sig(t, seed);
}

/* NSEC3 whose owner is the base32hex of hash under zone. */
static void mk_nsec3(struct trec *t, const uint8_t *zone, const uint8_t *hash,
                     const uint8_t *next, const od_nsec3_params_t *p,
                     uint8_t alg, uint8_t flags, uint32_t ttl, uint8_t seed)
{
	memset(t, 0, sizeof(*t));
	char b32[40];
	assert_int_equal(od_base32hex_encode(hash, 20, b32, sizeof(b32)), 32);
	t->owner[0] = 32;
	memcpy(t->owner + 1, b32, 32);
	od_name_copy(t->owner + 33, zone);
	uint8_t *d = t->rdata;
	size_t len = 0;
	d[len++] = alg;
	d[len++] = flags;
	d[len++] = (uint8_t)(p->iterations >> 8);
	d[len++] = (uint8_t)p->iterations;
	d[len++] = p->salt_len;
	memcpy(d + len, p->salt, p->salt_len);
	len += p->salt_len;
	d[len++] = 20;
	memcpy(d + len, next, 20);
	len += 20;
	len += bitmap(d + len, sizeof(t->rdata) - len);
	t->rr = (od_rr_t){ .owner = t->owner,
		           .rdata = t->rdata,
		           .ttl = ttl,
		           .type = OD_TYPE_NSEC3,
		           .rclass = OD_CLASS_IN,
		           .rdlen = (uint16_t)len };
	add_sig(t, seed);
}

static int put(odr_aggr_t *a, const uint8_t *zone, const struct trec *t,
               uint64_t now)
{
	return odr_aggr_put(a, zone, &t->rr, t->sigs, t->nsigs, now);
}

/* Find key (a name for NSEC zones) and return the owner found in out
   (presentation form), or "" for none. */
static const char *find_name(odr_aggr_t *a, const char *zone, const char *key,
                             uint64_t now)
{
	static char out[OD_NAME_STRLEN];
	odr_aggr_rec_t rec;
	int rc = odr_aggr_find(a, N(zone), N(key), 0, now, NULL, &rec);
	assert_true(rc == 0 || rc == 1);
	if (rc == 1)
		return "";
	assert_true(od_name_to_str(out, sizeof(out), rec.rr.owner) > 0);
	odr_aggr_rec_free(NULL, &rec);
	return out;
}

/* The record found is exactly t (lower-cased owner), with ttl left. */
static void assert_rec(const odr_aggr_rec_t *rec, const struct trec *t,
                       uint32_t ttl)
{
	uint8_t lower[OD_NAME_MAXLEN];
	od_name_copy(lower, t->owner);
	od_name_lower(lower);
	assert_memory_equal(rec->rr.owner, lower, od_name_len(lower));
	assert_int_equal(rec->rr.type, t->rr.type);
	assert_int_equal(rec->rr.rclass, OD_CLASS_IN);
	assert_int_equal(rec->rr.ttl, ttl);
	assert_int_equal(rec->rr.rdlen, t->rr.rdlen);
	assert_memory_equal(rec->rr.rdata, t->rr.rdata, t->rr.rdlen);
	assert_int_equal(rec->nsigs, t->nsigs);
	for (size_t i = 0; i < t->nsigs; i++) {
		assert_int_equal(rec->sigs[i].type, OD_TYPE_RRSIG);
		assert_int_equal(rec->sigs[i].ttl, ttl);
		assert_true(od_name_equal(rec->sigs[i].owner, t->owner));
		assert_int_equal(rec->sigs[i].rdlen, t->sigs[i].rdlen);
		assert_memory_equal(rec->sigs[i].rdata, t->sigs[i].rdata,
		                    t->sigs[i].rdlen);
	}
}

/* The example of RFC 4034 §6.1, in canonical order. */
static const char *const ORDERED[] = {
	"example.",         "a.example.",      "yljkjljk.a.example.",
	"Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
	"\\001.z.example.", "*.z.example.",    "\\200.z.example.",
};
#define NORDERED (sizeof(ORDERED) / sizeof(ORDERED[0]))

static void put_ordered(odr_aggr_t *a, uint32_t ttl)
{
	/* out of order on purpose */
	static const unsigned order[NORDERED] = { 5, 2, 8, 0, 7, 3, 1, 6, 4 };
	for (size_t k = 0; k < NORDERED; k++) {
		size_t i = order[k];
		struct trec t;
		mk_nsec(&t, ORDERED[i], ORDERED[(i + 1) % NORDERED], ttl,
		        (uint8_t)i);
		assert_int_equal(put(a, N("example."), &t, NOW), 0);
	}
}

static void test_nsec_canonical_order(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	assert_non_null(a);
	put_ordered(a, 300);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 1);
	assert_int_equal(st.records, NORDERED);
	assert_int_equal(st.puts, NORDERED);

	char want[OD_NAME_STRLEN], key[OD_NAME_STRLEN + 8];
	for (size_t i = 0; i < NORDERED; i++) {
		uint8_t low[OD_NAME_MAXLEN];
		od_name_copy(low, N(ORDERED[i]));
		od_name_lower(low);
		assert_true(od_name_to_str(want, sizeof(want), low) > 0);
		/* the owner itself matches */
		assert_string_equal(find_name(a, "example.", ORDERED[i], NOW),
		                    want);
		/* its first child in canonical order is covered by it */
		snprintf(key, sizeof(key), "\\000.%s", ORDERED[i]);
		assert_string_equal(find_name(a, "example.", key, NOW), want);
	}
	/* case does not matter in keys; owners come back lower-cased */
	assert_string_equal(find_name(a, "EXAMPLE.", "ZABC.A.example.", NOW),
	                    "zabc.a.example.");
	/* between siblings, and below a name that sorts before the next */
	assert_string_equal(find_name(a, "example.", "b.example.", NOW),
	                    "zabc.a.example.");
	assert_string_equal(find_name(a, "example.", "www.a.example.", NOW),
	                    "a.example.");
	/* after the last owner: the last record */
	assert_string_equal(find_name(a, "example.", "zz.example.", NOW),
	                    "\\200.z.example.");
	/* outside the zone: nothing, also for names sorting after it */
	assert_string_equal(find_name(a, "example.", "com.", NOW), "");
	assert_string_equal(find_name(a, "example.", "www.example.org.", NOW),
	                    "");
	/* unknown zone */
	assert_string_equal(
	        find_name(a, "example.org.", "www.example.org.", NOW), "");
	/* copies into an arena; remaining TTL; RRSIGs along */
	od_arena_t ar;
	od_arena_init(&ar, 0);
	struct trec t;
	mk_nsec(&t, "Z.a.example.", "zABC.a.EXAMPLE.", 300, 3);
	odr_aggr_rec_t rec;
	assert_int_equal(odr_aggr_find(a, N("example."), N("z.A.example."), 0,
	                               NOW + 100, &ar.mm, &rec),
	                 0);
	assert_rec(&rec, &t, 200);
	od_arena_deinit(&ar);
	odr_aggr_stats(a, &st);
	assert_true(st.finds >= 2 * NORDERED + 8);
	assert_int_equal(st.finds - st.hits, 3);
	odr_aggr_free(a);
}

static void test_nsec_no_apex(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	struct trec t;
	mk_nsec(&t, "m.example.", "z.example.", 300, 1);
	assert_int_equal(put(a, N("example."), &t, NOW), 0);
	/* before every owner: no wrapping for NSEC */
	assert_string_equal(find_name(a, "example.", "b.example.", NOW), "");
	assert_string_equal(find_name(a, "example.", "example.", NOW), "");
	assert_string_equal(find_name(a, "example.", "n.example.", NOW),
	                    "m.example.");
	odr_aggr_free(a);
}

static void test_nsec_replace(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	struct trec t1, t2;
	mk_nsec(&t1, "a.example.", "d.example.", 300, 1);
	mk_nsec(&t2, "A.EXAMPLE.", "b.example.", 600, 2);
	add_sig(&t2, 3);
	assert_int_equal(put(a, N("example."), &t1, NOW), 0);
	odr_aggr_stats_t s1, s2;
	odr_aggr_stats(a, &s1);
	assert_int_equal(put(a, N("Example."), &t2, NOW + 10), 0);
	odr_aggr_stats(a, &s2);
	assert_int_equal(s2.records, 1);
	assert_int_equal(s2.zones, 1);
	assert_int_equal(s2.bytes - s1.bytes, 64 + 2); /* the second RRSIG */
	odr_aggr_rec_t rec;
	assert_int_equal(odr_aggr_find(a, N("example."), N("c.example."), 0,
	                               NOW + 20, NULL, &rec),
	                 0);
	assert_rec(&rec, &t2, 590);
	odr_aggr_rec_free(NULL, &rec);
	assert_null(rec.rr.owner);
	/* a replacement with a shorter life: the zone ends with it */
	struct trec t3;
	mk_nsec(&t3, "a.example.", "b.example.", 5, 4);
	assert_int_equal(put(a, N("example."), &t3, NOW + 20), 0);
	odr_aggr_zone_t z;
	assert_int_equal(
	        odr_aggr_zone(a, N("www.example."), NOW + 24, NULL, &z), 0);
	odr_aggr_zone_free(NULL, &z);
	assert_int_equal(
	        odr_aggr_zone(a, N("www.example."), NOW + 25, NULL, &z), 1);
	odr_aggr_free(a);
}

static void test_nsec_expiry(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	struct trec t;
	mk_nsec(&t, "a.example.", "d.example.", 100, 1);
	assert_int_equal(put(a, N("example."), &t, NOW), 0);
	mk_nsec(&t, "d.example.", "m.example.", 10, 2);
	assert_int_equal(put(a, N("example."), &t, NOW), 0);
	mk_nsec(&t, "m.example.", "a.example.", 100, 3);
	assert_int_equal(put(a, N("example."), &t, NOW), 0);
	assert_string_equal(find_name(a, "example.", "e.example.", NOW + 9),
	                    "d.example.");
	/* d expired: passed over, the one before it comes back */
	assert_string_equal(find_name(a, "example.", "e.example.", NOW + 10),
	                    "a.example.");
	assert_string_equal(find_name(a, "example.", "d.example.", NOW + 50),
	                    "a.example.");
	assert_string_equal(find_name(a, "example.", "n.example.", NOW + 50),
	                    "m.example.");
	/* a's expiry, and a put that sweeps the expired ones out */
	mk_nsec(&t, "m.example.", "a.example.", 100, 3);
	assert_int_equal(put(a, N("example."), &t, NOW + 50), 0);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.records, 2);
	assert_string_equal(find_name(a, "example.", "b.example.", NOW + 99),
	                    "a.example.");
	assert_string_equal(find_name(a, "example.", "b.example.", NOW + 100),
	                    "");
	assert_string_equal(find_name(a, "example.", "n.example.", NOW + 149),
	                    "m.example.");
	assert_string_equal(find_name(a, "example.", "n.example.", NOW + 150),
	                    "");
	odr_aggr_free(a);
}

/* ns. admin. 1 3600 1800 604800 300 */
static const uint8_t SOA_RDATA[] = { 2,   'n', 's', 0, 5, 'a', 'd', 'm',
	                             'i', 'n', 0,   0, 0, 0,   1,   0,
	                             0,   14,  16,  0, 0, 7,   8,   0,
	                             9,   58,  128, 0, 0, 1,   44 };

static void mk_soa(struct trec *t, const char *zone, uint32_t ttl)
{
	memset(t, 0, sizeof(*t));
	assert_true(od_name_from_str(t->owner, zone, strlen(zone), NULL) > 0);
	memcpy(t->rdata, SOA_RDATA, sizeof(SOA_RDATA));
	t->rr = (od_rr_t){ .owner = t->owner,
		           .rdata = t->rdata,
		           .ttl = ttl,
		           .type = OD_TYPE_SOA,
		           .rclass = OD_CLASS_IN,
		           .rdlen = sizeof(SOA_RDATA) };
	add_sig(t, 9);
}

/* The name of the zone odr_aggr_zone picks for name, "" for none. */
static const char *zone_of(odr_aggr_t *a, const char *name, uint64_t now)
{
	static char out[OD_NAME_STRLEN];
	odr_aggr_zone_t z;
	int rc = odr_aggr_zone(a, N(name), now, NULL, &z);
	assert_true(rc == 0 || rc == 1);
	if (rc == 1)
		return "";
	assert_true(od_name_to_str(out, sizeof(out), z.zone) > 0);
	odr_aggr_zone_free(NULL, &z);
	return out;
}

static void test_zone_lookup_and_soa(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	struct trec t;
	mk_nsec(&t, ".", "com.", 1000, 1);
	assert_int_equal(put(a, N("."), &t, NOW), 0);
	mk_nsec(&t, "example.", "a.example.", 500, 2);
	assert_int_equal(put(a, N("example."), &t, NOW), 0);
	mk_nsec(&t, "Sub.Example.", "a.sub.example.", 100, 3);
	assert_int_equal(put(a, N("SUB.example."), &t, NOW), 0);
	/* a zone with nothing but its SOA does not count */
	mk_soa(&t, "other.", 1000);
	assert_int_equal(odr_aggr_put_soa(a, N("other."), &t.rr, t.sigs,
	                                  t.nsigs, NOW),
	                 0);

	assert_string_equal(zone_of(a, "www.SUB.example.", NOW),
	                    "sub.example.");
	assert_string_equal(zone_of(a, "sub.example.", NOW), "sub.example.");
	assert_string_equal(zone_of(a, "www.example.", NOW), "example.");
	assert_string_equal(zone_of(a, "example.", NOW), "example.");
	assert_string_equal(zone_of(a, "x.other.", NOW), ".");
	assert_string_equal(zone_of(a, "com.", NOW), ".");
	assert_string_equal(zone_of(a, ".", NOW), ".");
	/* sub.example.'s only record expired: the zone above answers */
	assert_string_equal(zone_of(a, "www.sub.example.", NOW + 100),
	                    "example.");
	assert_string_equal(zone_of(a, "www.sub.example.", NOW + 500), ".");
	assert_string_equal(zone_of(a, "www.sub.example.", NOW + 1000), "");

	/* the SOA: kept with its RRSIGs and remaining TTL */
	odr_aggr_zone_t z;
	assert_int_equal(odr_aggr_zone(a, N("x.example."), NOW, NULL, &z), 0);
	assert_null(z.soa);
	assert_false(z.nsec3);
	odr_aggr_zone_free(NULL, &z);
	mk_soa(&t, "EXAMPLE.", 60);
	assert_int_equal(odr_aggr_put_soa(a, N("example."), &t.rr, t.sigs,
	                                  t.nsigs, NOW),
	                 0);
	od_arena_t ar;
	od_arena_init(&ar, 0);
	assert_int_equal(
	        odr_aggr_zone(a, N("x.example."), NOW + 10, &ar.mm, &z), 0);
	assert_memory_equal(z.zone, N("example."), 9);
	assert_non_null(z.soa);
	assert_memory_equal(z.soa->owner, N("example."), 9);
	assert_int_equal(z.soa->type, OD_TYPE_SOA);
	assert_int_equal(z.soa->ttl, 50);
	assert_int_equal(z.soa->rdlen, sizeof(SOA_RDATA));
	assert_memory_equal(z.soa->rdata, SOA_RDATA, sizeof(SOA_RDATA));
	assert_int_equal(z.nsoa_sigs, 1);
	assert_int_equal(z.soa_sigs[0].type, OD_TYPE_RRSIG);
	assert_int_equal(z.soa_sigs[0].ttl, 50);
	assert_memory_equal(z.soa_sigs[0].rdata, t.sigdata[0], 64);
	/* a newer SOA replaces it */
	mk_soa(&t, "example.", 300);
	t.rdata[sizeof(SOA_RDATA) - 1] = 7;
	assert_int_equal(odr_aggr_put_soa(a, N("example."), &t.rr, NULL, 0,
	                                  NOW + 10),
	                 0);
	assert_int_equal(
	        odr_aggr_zone(a, N("x.example."), NOW + 20, &ar.mm, &z), 0);
	assert_non_null(z.soa);
	assert_int_equal(z.soa->ttl, 290);
	assert_int_equal(z.soa->rdata[sizeof(SOA_RDATA) - 1], 7);
	assert_int_equal(z.nsoa_sigs, 0);
	/* an expired SOA is not handed out; the zone still is */
	assert_int_equal(
	        odr_aggr_zone(a, N("x.example."), NOW + 310, &ar.mm, &z), 0);
	assert_null(z.soa);
	od_arena_deinit(&ar);

	/* bad SOAs */
	mk_soa(&t, "example.", 300);
	assert_int_equal(odr_aggr_put_soa(a, N("other.example."), &t.rr, NULL,
	                                  0, NOW),
	                 OD_EINVAL);
	t.rr.type = OD_TYPE_A;
	assert_int_equal(odr_aggr_put_soa(a, N("example."), &t.rr, NULL, 0,
	                                  NOW),
	                 OD_EINVAL);
	t.rr.type = OD_TYPE_SOA;
	t.rr.rdlen--;
	assert_int_equal(odr_aggr_put_soa(a, N("example."), &t.rr, NULL, 0,
	                                  NOW),
	                 OD_EINVAL);

	/* flush */
	assert_int_equal(odr_aggr_flush(a, N("Sub.example.")), 1);
	assert_int_equal(odr_aggr_flush(a, N("sub.example.")), 0);
	assert_int_equal(odr_aggr_flush(a, N("example.")), 1);
	assert_string_equal(zone_of(a, "www.example.", NOW), ".");
	assert_int_equal(odr_aggr_flush(a, N(".")), 1);
	assert_int_equal(odr_aggr_flush(a, N("other.")), 1);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.bytes, 0);
	odr_aggr_free(a);
}

/*
 * NSEC3.
 */

static const uint8_t SALT_A[] = { 0xaa, 0xbb, 0xcc, 0xdd };
static const uint8_t SALT_B[] = { 0x01, 0x02 };

static const char *const HASHED[] = {
	"example.",     "a.example.", "b.example.",   "ns1.example.",
	"www.example.", "*.example.", "x.y.example.", "y.example.",
};
#define NHASHED (sizeof(HASHED) / sizeof(HASHED[0]))

struct chain {
	uint8_t hash[NHASHED][20]; /* sorted */
	struct trec recs[NHASHED]; /* recs[i] owns hash[i] */
};

static int hash_cmp(const void *x, const void *y)
{
	return memcmp(x, y, 20);
}

static void mk_chain(struct chain *c, const od_nsec3_params_t *p, uint32_t ttl)
{
	for (size_t i = 0; i < NHASHED; i++)
		assert_int_equal(
		        od_nsec3_hash(c->hash[i], N(HASHED[i]), p, NULL), 20);
	qsort(c->hash, NHASHED, 20, hash_cmp);
	for (size_t i = 0; i < NHASHED; i++)
		mk_nsec3(&c->recs[i], N("example."), c->hash[i],
		         c->hash[(i + 1) % NHASHED], p, 1, i == 0 ? 1 : 0, ttl,
		         (uint8_t)i);
}

/* Index of the record found for key, -1 for none. */
static int find_hash(odr_aggr_t *a, const struct chain *c, const uint8_t *key,
                     uint64_t now)
{
	odr_aggr_rec_t rec;
	int rc = odr_aggr_find(a, N("example."), key, 20, now, NULL, &rec);
	assert_true(rc == 0 || rc == 1);
	if (rc == 1)
		return -1;
	int found = -1;
	for (size_t i = 0; i < NHASHED; i++)
		if (od_name_equal(rec.rr.owner, c->recs[i].owner))
			found = (int)i;
	assert_true(found >= 0);
	assert_rec(&rec, &c->recs[found], rec.rr.ttl);
	odr_aggr_rec_free(NULL, &rec);
	return found;
}

static void test_nsec3(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	od_nsec3_params_t p = { 1, 5, sizeof(SALT_A), SALT_A };
	static struct chain c;
	mk_chain(&c, &p, 300);
	/* out of order; one owner label in upper case */
	for (char *s = (char *)c.recs[3].owner + 1;
	     s < (char *)c.recs[3].owner + 33; s++)
		if (*s >= 'a' && *s <= 'v')
			*s = (char)(*s - 'a' + 'A');
	static const unsigned order[NHASHED] = { 4, 0, 7, 2, 5, 1, 6, 3 };
	for (size_t k = 0; k < NHASHED; k++)
		assert_int_equal(put(a, N("example."), &c.recs[order[k]], NOW),
		                 0);
	odr_aggr_zone_t z;
	assert_int_equal(odr_aggr_zone(a, N("nothere.example."), NOW, NULL, &z),
	                 0);
	assert_true(z.nsec3);
	assert_int_equal(z.alg, 1);
	assert_int_equal(z.iterations, 5);
	assert_int_equal(z.salt_len, sizeof(SALT_A));
	assert_memory_equal(z.salt, SALT_A, sizeof(SALT_A));
	/* the flags of the first record put (c.recs[4]: no Opt-Out) */
	assert_int_equal(z.flags, 0);
	odr_aggr_zone_free(NULL, &z);

	for (size_t i = 0; i < NHASHED; i++) {
		uint8_t h[20];
		assert_int_equal(od_nsec3_hash(h, N(HASHED[i]), &p, NULL), 20);
		int f = find_hash(a, &c, h, NOW);
		assert_int_not_equal(f, -1);
		assert_memory_equal(c.hash[f], h, 20);
		/* just past an owner hash: still that record */
		uint8_t k[20];
		memcpy(k, c.hash[i], 20);
		for (int j = 19; j >= 0 && ++k[j] == 0; j--)
			;
		assert_int_equal(find_hash(a, &c, k, NOW), (int)i);
	}
	/* before every owner: wraps to the last; after every owner: last */
	uint8_t lo[20], hi[20];
	memset(lo, 0, 20);
	memset(hi, 0xff, 20);
	assert_memory_not_equal(c.hash[0], lo, 20);
	assert_int_equal(find_hash(a, &c, lo, NOW), NHASHED - 1);
	assert_int_equal(find_hash(a, &c, hi, NOW), NHASHED - 1);
	/* a name, not a hash, in an NSEC3 zone: nothing */
	odr_aggr_rec_t rec;
	assert_int_equal(odr_aggr_find(a, N("example."), N("a.example."), 0,
	                               NOW, NULL, &rec),
	                 1);

	/* expired records are passed over, wrapping too */
	mk_nsec3(&c.recs[0], N("example."), c.hash[0], c.hash[1], &p, 1, 0, 10,
	         0);
	assert_int_equal(put(a, N("example."), &c.recs[0], NOW), 0);
	mk_nsec3(&c.recs[NHASHED - 1], N("example."), c.hash[NHASHED - 1],
	         c.hash[0], &p, 1, 0, 10, 0);
	assert_int_equal(put(a, N("example."), &c.recs[NHASHED - 1], NOW), 0);
	assert_int_equal(find_hash(a, &c, c.hash[0], NOW + 9), 0);
	assert_int_equal(find_hash(a, &c, c.hash[0], NOW + 10), NHASHED - 2);
	assert_int_equal(find_hash(a, &c, hi, NOW + 10), NHASHED - 2);
	assert_int_equal(find_hash(a, &c, c.hash[1], NOW + 10), 1);
	assert_int_equal(find_hash(a, &c, c.hash[1], NOW + 300), -1);
	odr_aggr_free(a);
}

static void test_nsec3_param_change(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	od_nsec3_params_t p = { 1, 5, sizeof(SALT_A), SALT_A };
	static struct chain c, d;
	mk_chain(&c, &p, 300);
	for (size_t i = 0; i < NHASHED; i++)
		assert_int_equal(put(a, N("example."), &c.recs[i], NOW), 0);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.records, NHASHED);
	/* the Opt-Out flag of the first record put, c.recs[0] */
	odr_aggr_zone_t z;
	assert_int_equal(odr_aggr_zone(a, N("example."), NOW, NULL, &z), 0);
	assert_int_equal(z.flags, OD_NSEC3_FLAG_OPTOUT);
	odr_aggr_zone_free(NULL, &z);

	/* another salt: the zone was re-signed, the old chain goes */
	od_nsec3_params_t q = { 1, 5, sizeof(SALT_B), SALT_B };
	mk_chain(&d, &q, 300);
	assert_int_equal(put(a, N("example."), &d.recs[2], NOW + 1), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.zones, 1);
	assert_int_equal(find_hash(a, &d, c.hash[5], NOW + 1), 2);
	assert_int_equal(odr_aggr_zone(a, N("example."), NOW + 1, NULL, &z), 0);
	assert_int_equal(z.salt_len, sizeof(SALT_B));
	assert_memory_equal(z.salt, SALT_B, sizeof(SALT_B));
	odr_aggr_zone_free(NULL, &z);
	/* other iterations: the same */
	od_nsec3_params_t r = { 1, 0, sizeof(SALT_B), SALT_B };
	mk_chain(&c, &r, 300);
	assert_int_equal(put(a, N("example."), &c.recs[1], NOW + 2), 0);
	assert_int_equal(put(a, N("example."), &c.recs[4], NOW + 2), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(odr_aggr_zone(a, N("example."), NOW + 2, NULL, &z), 0);
	assert_int_equal(z.iterations, 0);
	odr_aggr_zone_free(NULL, &z);
	/* an NSEC record: the zone is an NSEC zone now */
	struct trec t;
	mk_nsec(&t, "example.", "a.example.", 300, 1);
	assert_int_equal(put(a, N("example."), &t, NOW + 3), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(odr_aggr_zone(a, N("example."), NOW + 3, NULL, &z), 0);
	assert_false(z.nsec3);
	assert_int_equal(z.salt_len, 0);
	odr_aggr_zone_free(NULL, &z);
	assert_string_equal(find_name(a, "example.", "b.example.", NOW + 3),
	                    "example.");
	/* a hash key in an NSEC zone finds nothing (not read as a name) */
	odr_aggr_rec_t rec;
	uint8_t junk[20];
	memset(junk, 63, sizeof(junk));
	assert_int_equal(odr_aggr_find(a, N("example."), junk, sizeof(junk),
	                               NOW + 3, NULL, &rec),
	                 1);
	/* and back to NSEC3 */
	assert_int_equal(put(a, N("example."), &d.recs[0], NOW + 4), 0);
	assert_int_equal(odr_aggr_zone(a, N("example."), NOW + 4, NULL, &z), 0);
	assert_true(z.nsec3);
	odr_aggr_zone_free(NULL, &z);
	assert_string_equal(find_name(a, "example.", "b.example.", NOW + 4),
	                    "");
	odr_aggr_free(a);
}

static void test_bad_input(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	const uint8_t *zone = N("example.");
	od_nsec3_params_t p = { 1, 5, sizeof(SALT_A), SALT_A };
	uint8_t h[20], h2[20];
	assert_int_equal(od_nsec3_hash(h, N("a.example."), &p, NULL), 20);
	assert_int_equal(od_nsec3_hash(h2, N("b.example."), &p, NULL), 20);
	struct trec t;

	/* wrong type */
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.rr.type = OD_TYPE_A;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	t.rr.type = OD_TYPE_SOA;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* NSEC: owner not in zone; malformed RDATA */
	mk_nsec(&t, "a.example.org.", "b.example.org.", 300, 1);
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.rdata[0] = 60; /* label runs past the RDATA */
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.rr.rdlen--; /* bitmap cut */
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* RRSIGs: wrong type, covering another type, of another owner */
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.sigs[0].type = OD_TYPE_NSEC;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.sigdata[0][1] = OD_TYPE_A;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	t.sigs[0].owner = N("b.example.");
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	assert_int_equal(odr_aggr_put(a, zone, &t.rr, NULL, 1, NOW), OD_EINVAL);

	/* NSEC3: unknown hash algorithm */
	mk_nsec3(&t, zone, h, h2, &p, 2, 0, 300, 1);
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* owner two labels below the zone, or in another zone */
	mk_nsec3(&t, N("sub.example."), h, h2, &p, 1, 0, 300, 1);
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec3(&t, N("example.org."), h, h2, &p, 1, 0, 300, 1);
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* owner label not base32hex, or of the wrong length */
	mk_nsec3(&t, zone, h, h2, &p, 1, 0, 300, 1);
	t.owner[5] = 'z';
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec3(&t, zone, h, h2, &p, 1, 0, 300, 1);
	od_name_copy(t.owner, N("0123456789abcdef.example."));
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* next hash of the wrong length; truncated RDATA */
	mk_nsec3(&t, zone, h, h2, &p, 1, 0, 300, 1);
	t.rdata[5 + sizeof(SALT_A)] = 19;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	mk_nsec3(&t, zone, h, h2, &p, 1, 0, 300, 1);
	t.rr.rdlen = 12;
	assert_int_equal(put(a, zone, &t, NOW), OD_EINVAL);
	/* NULL arguments */
	mk_nsec3(&t, zone, h, h2, &p, 1, 0, 300, 1);
	assert_int_equal(put(a, NULL, &t, NOW), OD_EINVAL);
	assert_int_equal(odr_aggr_put(a, zone, NULL, NULL, 0, NOW), OD_EINVAL);
	assert_int_equal(odr_aggr_put(NULL, zone, &t.rr, NULL, 0, NOW),
	                 OD_EINVAL);

	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.puts, 0);
	assert_int_equal(st.bytes, 0);
	/* the same record, well formed, goes in */
	assert_int_equal(put(a, zone, &t, NOW), 0);
	odr_aggr_free(a);

	/* a record alone over the budget */
	a = odr_aggr_new(1024);
	assert_non_null(a);
	mk_nsec(&t, "a.example.", "b.example.", 300, 1);
	static uint8_t big[1200];
	memcpy(big, t.sigdata[0], 64);
	t.sigs[0].rdata = big;
	t.sigs[0].rdlen = sizeof(big);
	assert_int_equal(put(a, zone, &t, NOW), OD_ELIMIT);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.bytes, 0);
	odr_aggr_free(a);
}

/*
 * Memory budget.
 */

static void put_zone(odr_aggr_t *a, unsigned zn, unsigned nrec, uint32_t ttl,
                     uint64_t now)
{
	char zone[32];
	snprintf(zone, sizeof(zone), "z%u.example.", zn);
	uint8_t zw[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(zw, zone, strlen(zone), NULL) > 0);
	for (unsigned i = 0; i < nrec; i++) {
		char o[48], n[48];
		snprintf(o, sizeof(o), "n%u.%s", i, zone);
		snprintf(n, sizeof(n), "n%u.%s", i + 1, zone);
		struct trec t;
		mk_nsec(&t, o, n, ttl, (uint8_t)i);
		assert_int_equal(put(a, zw, &t, now), 0);
	}
}

static bool has_zone(odr_aggr_t *a, unsigned zn, uint64_t now)
{
	char name[48], zone[32];
	snprintf(zone, sizeof(zone), "z%u.example.", zn);
	snprintf(name, sizeof(name), "x.%s", zone);
	return strcmp(zone_of(a, name, now), zone) == 0;
}

static void test_budget_lru(void **state)
{
	(void)state;
	const size_t budget = 128 * 1024;
	odr_aggr_t *a = odr_aggr_new(budget);
	assert_non_null(a);
	odr_aggr_stats_t st;
	unsigned zn;
	for (zn = 0; zn < 1000; zn++) {
		put_zone(a, zn, 4, 3600, NOW);
		/* zone 0 stays in use; zone 1 never is again */
		assert_true(has_zone(a, 0, NOW));
		odr_aggr_stats(a, &st);
		assert_true(st.bytes <= budget);
		if (st.evictions > 10)
			break;
	}
	assert_true(zn < 1000);
	assert_true(zn > 70); /* the map grew past its first size */
	assert_true(has_zone(a, 0, NOW));
	assert_false(has_zone(a, 1, NOW));
	assert_false(has_zone(a, 11, NOW));
	assert_true(has_zone(a, zn, NOW));
	assert_true(has_zone(a, zn - 1, NOW));
	/* the zones evicted were the oldest, 1 to evictions (zone 0 was
	   kept in use); all later ones are still there */
	for (unsigned i = 1; i <= (unsigned)st.evictions; i++)
		assert_false(has_zone(a, i, NOW));
	for (unsigned i = (unsigned)st.evictions + 1; i <= zn; i++)
		assert_true(has_zone(a, i, NOW));
	assert_int_equal(st.zones, zn + 1 - st.evictions);
	assert_int_equal(st.records, 4 * st.zones);
	assert_true(st.bytes > budget - budget / 8);

	/* flushing everything gives every byte back */
	for (unsigned i = 0; i <= zn; i++) {
		char zone[32];
		snprintf(zone, sizeof(zone), "z%u.example.", i);
		odr_aggr_flush(a, N(zone));
	}
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.bytes, 0);
	odr_aggr_free(a);
}

static void test_budget_expired_first(void **state)
{
	(void)state;
	const size_t budget = 40 * 1024;
	odr_aggr_t *a = odr_aggr_new(budget);
	odr_aggr_stats_t st;
	/* zone 1 (long-lived) is the least recently used, zone 2 expires */
	put_zone(a, 1, 100, 3600, NOW);
	odr_aggr_stats(a, &st);
	size_t one = st.bytes;
	assert_true(one < budget / 2);
	put_zone(a, 2, 100, 10, NOW);
	odr_aggr_stats(a, &st);
	assert_true(st.bytes > budget / 2);
	/* zone 3 fits only once zone 2's records are gone */
	put_zone(a, 3, 100, 3600, NOW + 20);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.zones, 2);
	assert_int_equal(st.records, 200);
	assert_true(has_zone(a, 1, NOW + 20));
	assert_false(has_zone(a, 2, NOW + 20));
	assert_true(has_zone(a, 3, NOW + 20));
	/* then zone 1, the least recently used, goes whole */
	assert_true(has_zone(a, 3, NOW + 20));
	put_zone(a, 4, 100, 3600, NOW + 20);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.evictions, 1);
	assert_false(has_zone(a, 1, NOW + 20));
	assert_true(has_zone(a, 3, NOW + 20));
	assert_true(has_zone(a, 4, NOW + 20));
	assert_true(st.bytes <= budget);
	odr_aggr_free(a);
}

/* With the budget exactly full, a replacement of the same size or
   smaller takes no room: nothing is evicted. */
static void test_budget_full_replace(void **state)
{
	(void)state;
	odr_aggr_t *a = odr_aggr_new(0);
	put_zone(a, 1, 4, 3600, NOW);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	size_t full = st.bytes;
	odr_aggr_free(a);
	a = odr_aggr_new(full);
	put_zone(a, 1, 4, 3600, NOW);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.bytes, full);
	put_zone(a, 1, 4, 7200, NOW + 1);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.bytes, full);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.evictions, 0);
	/* a smaller one gives room back */
	struct trec t;
	mk_nsec(&t, "n0.z1.example.", "n1.z1.example.", 60, 1);
	t.nsigs = 0;
	assert_int_equal(put(a, N("z1.example."), &t, NOW + 2), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.bytes, full - 66);
	/* one octet more than there is: the zone goes, the record stays */
	mk_nsec(&t, "n0.z1.example.", "n1.z1.example.", 60, 1);
	assert_int_equal(put(a, N("z1.example."), &t, NOW + 3), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.bytes, full);
	mk_nsec(&t, "n0.z1.example.", "n1a.z1.example.", 60, 1);
	assert_int_equal(put(a, N("z1.example."), &t, NOW + 4), 0);
	odr_aggr_stats(a, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.records, 1);
	assert_string_equal(find_name(a, "z1.example.", "n0.z1.example.",
	                              NOW + 4),
	                    "n0.z1.example.");
	odr_aggr_free(a);
}

/* One zone bigger than the budget: its own oldest contents go. */
static void test_budget_one_zone(void **state)
{
	(void)state;
	const size_t budget = 16 * 1024;
	odr_aggr_t *a = odr_aggr_new(budget);
	put_zone(a, 1, 500, 3600, NOW);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 1);
	assert_true(st.records > 0 && st.records < 500);
	assert_true(st.evictions > 0);
	assert_true(st.bytes <= budget);
	/* the last record put is there */
	assert_string_equal(find_name(a, "z1.example.", "n499.z1.example.",
	                              NOW),
	                    "n499.z1.example.");
	odr_aggr_free(a);
}

/*
 * Threads: puts, finds, zone lookups, SOAs, flushes and NSEC3 re-signs
 * at once; every result must be intact.
 */

struct worker {
	odr_aggr_t *a;
	unsigned id;
	unsigned long ops, hits, bad;
};

static bool rec_intact(const odr_aggr_rec_t *rec, const uint8_t *zone,
                       const uint8_t *key)
{
	const uint8_t *o = rec->rr.owner;
	if (rec->rr.type != OD_TYPE_NSEC || !od_name_in(o, zone) ||
	    od_name_cmp(o, key) > 0 || rec->nsigs != 1 || o[0] < 2 ||
	    o[1] != 'n')
		return false;
	/* next name: the owner's first label plus "x" */
	const uint8_t *nx = rec->rr.rdata;
	if (nx[0] != o[0] + 1 || memcmp(nx + 1, o + 1, o[0]) != 0 ||
	    nx[1 + o[0]] != 'x')
		return false;
	unsigned num = (unsigned)atoi((const char *)o + 2);
	const od_rr_t *s = &rec->sigs[0];
	return s->rdlen == 64 && od_get_u16(s->rdata) == OD_TYPE_NSEC &&
	       s->rdata[63] == (uint8_t)num && od_name_equal(s->owner, o);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint32_t rnd = 2463534242u + w->id * 7919u;
	od_arena_t ar;
	od_arena_init(&ar, 0);
	od_nsec3_params_t p[2] = { { 1, 1, sizeof(SALT_A), SALT_A },
		                   { 1, 2, sizeof(SALT_B), SALT_B } };
	uint8_t hz[OD_NAME_MAXLEN];
	od_name_from_str(hz, "h.example.", 10, NULL);
	for (unsigned long i = 0; i < 20000; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		uint64_t now = NOW + i / 500;
		unsigned zn = rnd % 12, num = (rnd >> 8) % 100;
		char zs[32], os[48], ns[48];
		int zl = snprintf(zs, sizeof(zs), "t%u.example.", zn);
		snprintf(os, sizeof(os), "n%02u.%s", num, zs);
		snprintf(ns, sizeof(ns), "n%02ux.%s", num, zs);
		uint8_t zone[OD_NAME_MAXLEN];
		od_name_from_str(zone, zs, (size_t)zl, NULL);
		struct trec t;
		memset(&t, 0, sizeof(t));
		od_name_from_str(t.owner, os, strlen(os), NULL);
		int nl = od_name_from_str(t.rdata, ns, strlen(ns), NULL);
		t.rr = (od_rr_t){ .owner = t.owner,
			          .rdata = t.rdata,
			          .ttl = 1 + (rnd >> 16) % 20,
			          .type = OD_TYPE_NSEC,
			          .rclass = OD_CLASS_IN,
			          .rdlen = (uint16_t)nl };
		memset(t.sigdata[0], 0, 64);
		t.sigdata[0][1] = OD_TYPE_NSEC;
		t.sigdata[0][18] = 0;
		t.sigdata[0][63] = (uint8_t)num;
		t.sigs[0] = (od_rr_t){ .owner = t.owner,
			               .rdata = t.sigdata[0],
			               .type = OD_TYPE_RRSIG,
			               .rclass = OD_CLASS_IN,
			               .rdlen = 64 };
		int rc;
		odr_aggr_rec_t rec;
		odr_aggr_zone_t z;
		switch ((rnd >> 24) % 10) {
		case 0:
		case 1:
		case 2:
			rc = odr_aggr_put(w->a, zone, &t.rr, t.sigs, 1, now);
			if (rc != 0)
				w->bad++;
			break;
		case 3:
		case 4:
		case 5:
		case 6: {
			char ks[48];
			snprintf(ks, sizeof(ks), "n%02uy.%s", num, zs);
			uint8_t key[OD_NAME_MAXLEN];
			od_name_from_str(key, ks, strlen(ks), NULL);
			rc = odr_aggr_find(w->a, zone, key, 0, now, &ar.mm,
			                   &rec);
			if (rc == 0) {
				w->hits++;
				if (!rec_intact(&rec, zone, key))
					w->bad++;
			} else if (rc != 1) {
				w->bad++;
			}
			break;
		}
		case 7:
			rc = odr_aggr_zone(w->a, t.owner, now, &ar.mm, &z);
			if (rc == 0 && !od_name_in(t.owner, z.zone))
				w->bad++;
			if (rc == 0 && z.nsec3 && !od_name_equal(z.zone, hz))
				w->bad++;
			break;
		case 8: {
			/* NSEC3 under h.example. with one of two salts */
			const od_nsec3_params_t *pp = &p[(rnd >> 4) & 1];
			uint8_t h[20], nh[20];
			od_nsec3_hash(h, t.owner, pp, NULL);
			memset(nh, 0xff, 20);
			struct trec u;
			mk_nsec3(&u, hz, h, nh, pp, 1, 0, 30, 1);
			if (put(w->a, hz, &u, now) != 0)
				w->bad++;
			rc = odr_aggr_find(w->a, hz, h, 20, now, &ar.mm, &rec);
			if (rc == 0 && rec.rr.type != OD_TYPE_NSEC3)
				w->bad++;
			break;
		}
		default:
			if ((rnd >> 28) == 0) {
				odr_aggr_flush(w->a, zone);
			} else {
				mk_soa(&t, zs, 10);
				if (odr_aggr_put_soa(w->a, zone, &t.rr, t.sigs,
				                     1, now) != 0)
					w->bad++;
			}
			break;
		}
		w->ops++;
		if ((i & 63) == 0)
			od_arena_reset(&ar);
	}
	od_arena_deinit(&ar);
	return NULL;
}

static void test_concurrent(void **state)
{
	(void)state;
	const size_t budget = 48 * 1024;
	odr_aggr_t *a = odr_aggr_new(budget);
	assert_non_null(a);
	struct worker w[4];
	pthread_t th[4];
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){ .a = a, .id = i };
		assert_int_equal(
		        pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	unsigned long hits = 0;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
		assert_int_equal(w[i].ops, 20000);
		hits += w[i].hits;
	}
	assert_true(hits > 0);
	odr_aggr_stats_t st;
	odr_aggr_stats(a, &st);
	assert_true(st.bytes <= budget);
	assert_true(st.evictions > 0);
	assert_true(st.hits >= hits);
	/* the accounting survived: flushing all leaves nothing */
	for (unsigned zn = 0; zn < 12; zn++) {
		char zs[32];
		snprintf(zs, sizeof(zs), "t%u.example.", zn);
		odr_aggr_flush(a, N(zs));
	}
	odr_aggr_flush(a, N("h.example."));
	odr_aggr_stats(a, &st);
	assert_int_equal(st.zones, 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.bytes, 0);
	odr_aggr_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nsec_canonical_order),
		cmocka_unit_test(test_nsec_no_apex),
		cmocka_unit_test(test_nsec_replace),
		cmocka_unit_test(test_nsec_expiry),
		cmocka_unit_test(test_zone_lookup_and_soa),
		cmocka_unit_test(test_nsec3),
		cmocka_unit_test(test_nsec3_param_change),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_budget_lru),
		cmocka_unit_test(test_budget_expired_first),
		cmocka_unit_test(test_budget_full_replace),
		cmocka_unit_test(test_budget_one_zone),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
