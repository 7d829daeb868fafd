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
#include <time.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"

/* Wire form of a presentation name; up to 8 live at a time. */
static const uint8_t *N(const char *s)
{
	static uint8_t bufs[8][OD_NAME_MAXLEN];
	static unsigned next;
	uint8_t *b = bufs[next++ % 8];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

/* An RRset under construction: up to 4 records and 2 RRSIGs. */
struct tset {
	odr_rrset_t set;
	od_rr_t rrs[4], sigs[2];
	uint8_t rdata[4][4];
	uint8_t sigdata[2][64];
	uint8_t owner[OD_NAME_MAXLEN];
};

static void tset_init(struct tset *t, const char *owner, uint16_t type,
                      uint32_t ttl, odr_rank_t rank, unsigned count,
                      uint8_t seed)
{
	memset(t, 0, sizeof(*t));
	od_name_copy(t->owner, N(owner));
	for (unsigned i = 0; i < count; i++) {
		for (unsigned j = 0; j < 4; j++)
			t->rdata[i][j] = (uint8_t)(seed + i + j);
		t->rrs[i] = (od_rr_t){ .owner = t->owner,
			               .rdata = t->rdata[i],
			               .ttl = ttl,
			               .type = type,
			               .rclass = OD_CLASS_IN,
			               .rdlen = 4 };
	}
	t->set = (odr_rrset_t){ .owner = t->owner,
		                .type = type,
		                .rclass = OD_CLASS_IN,
		                .ttl = ttl,
		                .rank = rank,
		                .count = (uint16_t)count,
		                .rrs = t->rrs };
}

/* Add an RRSIG covering the set with the given original TTL. */
static void tset_sig(struct tset *t, uint32_t orig_ttl, uint16_t covered)
{
	unsigned i = t->set.nsigs++;
	uint8_t *d = t->sigdata[i];
	memset(d, 0, sizeof(t->sigdata[i]));
	d[0] = (uint8_t)(covered >> 8);
	d[1] = (uint8_t)covered;
	d[2] = 13; /* algorithm */
	d[3] = 2;  /* labels */
	d[4] = (uint8_t)(orig_ttl >> 24);
	d[5] = (uint8_t)(orig_ttl >> 16);
	d[6] = (uint8_t)(orig_ttl >> 8);
	d[7] = (uint8_t)orig_ttl;
	/* signer "example." after the 18 fixed octets, then a fake signature */
	static const uint8_t signer[] = { 7,   'e', 'x', 'a', 'm',
		                          'p', 'l', 'e', 0 };
	memcpy(d + 18, signer, sizeof(signer));
	for (unsigned j = 18 + sizeof(signer); j < 40; j++)
		d[j] = (uint8_t)(j * 7 + i);
	t->sigs[i] = (od_rr_t){ .owner = t->owner,
		                .rdata = d,
		                .ttl = t->set.ttl,
		                .type = OD_TYPE_RRSIG,
		                .rclass = OD_CLASS_IN,
		                .rdlen = 40 };
	t->set.sigs = t->sigs;
}

static const uint8_t SOA_RDATA[] = { 2,   'n', 's', 0,   5, 'a', 'd', 'm',
	                             'i', 'n', 0,   0,   0, 0,   1,   0,
	                             0,   14,  16,  0,   0, 7,   8,   0,
	                             0,   9,   58,  128, 0, 0,   1,   44 };

static odr_neg_t make_neg(uint16_t rcode, const uint8_t *zone, uint32_t ttl,
                          odr_rank_t rank)
{
	return (odr_neg_t){ .rcode = rcode,
		            .zone = zone,
		            .soa = SOA_RDATA,
		            .soa_len = sizeof(SOA_RDATA),
		            .ttl = ttl,
		            .rank = rank };
}

static odr_cache_t *new_cache(void)
{
	odr_cache_conf_t conf = { .shards = 4 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	return c;
}

/* A hit on owner/type at now; returns the first byte of the first RDATA. */
static int first_octet(odr_cache_t *c, const char *owner, uint16_t type,
                       uint64_t now)
{
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	int ret = odr_cache_get(c, N(owner), type, now, &a.mm, &out);
	int v = ret == 0 ? out.rrs[0].rdata[0] : -1;
	od_arena_deinit(&a);
	return v;
}

static void test_roundtrip(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	tset_init(&t, "Www.Example.COM.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 3,
	          10);
	tset_sig(&t, 300, OD_TYPE_A);
	tset_sig(&t, 300, OD_TYPE_A);
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);

	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	assert_int_equal(odr_cache_get(c, N("wWW.eXample.com."), OD_TYPE_A,
	                               1000, &a.mm, &out),
	                 0);
	/* the copy is in the arena: it outlives the cached entry */
	assert_int_equal(odr_cache_flush(c, N("www.example.com."), false), 1);
	odr_cache_free(c);

	assert_true(od_name_equal(out.owner, N("www.example.com.")));
	assert_memory_equal(out.owner, N("www.example.com."), 17);
	assert_int_equal(out.type, OD_TYPE_A);
	assert_int_equal(out.rclass, OD_CLASS_IN);
	assert_int_equal(out.ttl, 300);
	assert_int_equal(out.rank, ODR_RANK_ANSWER_AA);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.nsigs, 2);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(out.rrs[i].rdlen, 4);
		assert_memory_equal(out.rrs[i].rdata, t.rdata[i], 4);
		assert_ptr_equal(out.rrs[i].owner, out.owner);
		assert_int_equal(out.rrs[i].type, OD_TYPE_A);
		assert_int_equal(out.rrs[i].ttl, 300);
	}
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(out.sigs[i].rdlen, 40);
		assert_memory_equal(out.sigs[i].rdata, t.sigdata[i], 40);
		assert_int_equal(out.sigs[i].type, OD_TYPE_RRSIG);
	}
	od_arena_deinit(&a);

	/* with the malloc allocator the copy is one block at out.rrs */
	c = new_cache();
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);
	assert_int_equal(odr_cache_get(c, N("www.example.com."), OD_TYPE_A,
	                               1000, NULL, &out),
	                 0);
	assert_memory_equal(out.rrs[2].rdata, t.rdata[2], 4);
	od_mm_free(NULL, out.rrs);
	/* another type, another name: misses */
	assert_int_equal(odr_cache_get(c, N("www.example.com."), OD_TYPE_AAAA,
	                               1000, NULL, &out),
	                 1);
	assert_int_equal(odr_cache_get(c, N("example.com."), OD_TYPE_A, 1000,
	                               NULL, &out),
	                 1);
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.entries, 1);
	assert_true(st.bytes > 17 + 3 * 4 + 2 * 40);
	odr_cache_free(c);
}

static void test_expiry(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);

	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	assert_int_equal(odr_cache_get(c, N("a.example."), OD_TYPE_A, 1000,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 100);
	/* the remaining TTL goes down with the clock */
	assert_int_equal(odr_cache_get(c, N("a.example."), OD_TYPE_A, 1010,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 90);
	assert_int_equal(out.rrs[0].ttl, 90);
	assert_int_equal(odr_cache_get(c, N("a.example."), OD_TYPE_A, 1099,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 1);
	/* gone once the TTL has run out */
	assert_int_equal(odr_cache_get(c, N("a.example."), OD_TYPE_A, 1100,
	                               &a.mm, &out),
	                 1);
	assert_int_equal(odr_cache_get(c, N("a.example."), OD_TYPE_A, 5000,
	                               &a.mm, &out),
	                 1);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static void test_ranking(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	/* answer data, then glue for the same name: the glue is refused */
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1, 10);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_ADDITIONAL, 1,
	          20);
	assert_int_equal(odr_cache_put(c, &t.set, 1), 1);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 2), 10);
	/* referral NS rank is also below answer data */
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_AUTHORITY, 1, 21);
	assert_int_equal(odr_cache_put(c, &t.set, 1), 1);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 2), 10);
	/* the same rank replaces (newer data) */
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1, 30);
	assert_int_equal(odr_cache_put(c, &t.set, 3), 0);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 4), 30);
	/* a higher rank replaces */
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_SECURE, 1, 40);
	assert_int_equal(odr_cache_put(c, &t.set, 5), 0);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 6), 40);
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1, 50);
	assert_int_equal(odr_cache_put(c, &t.set, 7), 1);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 8), 40);
	/* once the cached one has expired, anything replaces it */
	tset_init(&t, "ns.example.", OD_TYPE_A, 300, ODR_RANK_ADDITIONAL, 1,
	          60);
	assert_int_equal(odr_cache_put(c, &t.set, 305), 0);
	assert_int_equal(first_octet(c, "ns.example.", OD_TYPE_A, 306), 60);

	/* glue first, then answer data replaces it */
	tset_init(&t, "ns2.example.", OD_TYPE_A, 300, ODR_RANK_ADDITIONAL, 1,
	          70);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "ns2.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1, 80);
	assert_int_equal(odr_cache_put(c, &t.set, 1), 0);
	assert_int_equal(first_octet(c, "ns2.example.", OD_TYPE_A, 2), 80);
	odr_cache_free(c);
}

static void test_ttl_clamp(void **state)
{
	(void)state;
	odr_cache_conf_t conf = { .shards = 2, .ttl_min = 60, .ttl_max = 3600 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	struct tset t;

	tset_init(&t, "low.example.", OD_TYPE_A, 5, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("low.example."), OD_TYPE_A, 100,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 60);

	tset_init(&t, "high.example.", OD_TYPE_A, 100000, ODR_RANK_ANSWER, 1,
	          1);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("high.example."), OD_TYPE_A, 100,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 3600);

	/* an RRSIG's original TTL lowers the set's TTL */
	tset_init(&t, "signed.example.", OD_TYPE_A, 300, ODR_RANK_SECURE, 1, 1);
	tset_sig(&t, 120, OD_TYPE_A);
	tset_sig(&t, 200, OD_TYPE_A);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("signed.example."), OD_TYPE_A, 100,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 120);
	assert_int_equal(out.nsigs, 2);
	odr_cache_free(c);

	/* without a floor, a TTL of 0 is not cached */
	c = new_cache();
	tset_init(&t, "zero.example.", OD_TYPE_A, 0, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("zero.example."), OD_TYPE_A, 100,
	                               &a.mm, &out),
	                 1);
	/* the default ceiling is one day */
	tset_init(&t, "day.example.", OD_TYPE_A, 999999, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("day.example."), OD_TYPE_A, 100,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 86400);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static void test_negative(void **state)
{
	(void)state;
	odr_cache_conf_t conf = { .shards = 8, .neg_ttl_max = 900 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_neg_t out;
	odr_rrset_t set;
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));

	/* NODATA is per type */
	odr_neg_t neg = make_neg(0, zone, 300, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("X.example."), OD_TYPE_AAAA,
	                                   &neg, 1000),
	                 0);
	assert_int_equal(odr_cache_get_neg(c, N("x.EXAMPLE."), OD_TYPE_AAAA,
	                                   1010, &a.mm, &out),
	                 0);
	assert_int_equal(out.rcode, 0);
	assert_true(od_name_equal(out.zone, zone));
	assert_int_equal(out.soa_len, sizeof(SOA_RDATA));
	assert_memory_equal(out.soa, SOA_RDATA, sizeof(SOA_RDATA));
	assert_int_equal(out.ttl, 290);
	assert_int_equal(out.rank, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_get_neg(c, N("x.example."), OD_TYPE_A, 1010,
	                                   &a.mm, &out),
	                 1);
	/* a NODATA is not a positive hit, and not an NXDOMAIN for names below */
	assert_int_equal(odr_cache_get(c, N("x.example."), OD_TYPE_AAAA, 1010,
	                               &a.mm, &set),
	                 1);
	assert_int_equal(odr_cache_get_neg(c, N("y.x.example."), OD_TYPE_AAAA,
	                                   1010, &a.mm, &out),
	                 1);
	/* expired */
	assert_int_equal(odr_cache_get_neg(c, N("x.example."), OD_TYPE_AAAA,
	                                   1300, &a.mm, &out),
	                 1);

	/* NXDOMAIN answers every type; its TTL is capped */
	neg = make_neg(3, zone, 5000, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), OD_TYPE_A, &neg,
	                                   1000),
	                 0);
	assert_int_equal(odr_cache_get_neg(c, N("nx.example."), OD_TYPE_MX,
	                                   1000, &a.mm, &out),
	                 0);
	assert_int_equal(out.rcode, 3);
	assert_int_equal(out.ttl, 900);
	assert_int_equal(odr_cache_get_neg(c, N("nx.example."), OD_TYPE_A, 1899,
	                                   &a.mm, &out),
	                 0);
	assert_int_equal(odr_cache_get_neg(c, N("nx.example."), OD_TYPE_A, 1900,
	                                   &a.mm, &out),
	                 1);

	/* NODATA and an RRset for one (name, type) compete by rank */
	struct tset t;
	tset_init(&t, "both.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1,
	          5);
	assert_int_equal(odr_cache_put(c, &t.set, 2000), 0);
	neg = make_neg(0, zone, 300, ODR_RANK_AUTHORITY);
	assert_int_equal(odr_cache_put_neg(c, N("both.example."), OD_TYPE_A,
	                                   &neg, 2001),
	                 1);
	assert_int_equal(first_octet(c, "both.example.", OD_TYPE_A, 2002), 5);
	neg = make_neg(0, zone, 300, ODR_RANK_ANSWER_AA);
	assert_int_equal(odr_cache_put_neg(c, N("both.example."), OD_TYPE_A,
	                                   &neg, 2003),
	                 0);
	assert_int_equal(first_octet(c, "both.example.", OD_TYPE_A, 2004), -1);
	assert_int_equal(odr_cache_get_neg(c, N("both.example."), OD_TYPE_A,
	                                   2004, &a.mm, &out),
	                 0);

	/* data at a name drops the NXDOMAIN cached for it */
	neg = make_neg(3, zone, 300, ODR_RANK_AUTH_AA);
	assert_int_equal(
	        odr_cache_put_neg(c, N("born.example."), 0, &neg, 3000), 0);
	tset_init(&t, "born.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1,
	          7);
	assert_int_equal(odr_cache_put(c, &t.set, 3001), 0);
	assert_int_equal(odr_cache_get_neg(c, N("born.example."), OD_TYPE_AAAA,
	                                   3002, &a.mm, &out),
	                 1);

	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.neg_hits, 4);
	assert_int_equal(st.neg_misses, 5);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static void test_rfc8020(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_neg_t out;
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));

	assert_int_equal(odr_cache_get_neg(c, N("a.b.example."), OD_TYPE_A, 10,
	                                   &a.mm, &out),
	                 1);
	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	assert_int_equal(
	        odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg, 10), 0);
	assert_int_equal(odr_cache_get_neg(c, N("a.b.example."), OD_TYPE_A, 20,
	                                   &a.mm, &out),
	                 0);
	assert_int_equal(out.rcode, 3);
	assert_int_equal(out.ttl, 590);
	assert_true(od_name_equal(out.zone, zone));
	assert_memory_equal(out.soa, SOA_RDATA, sizeof(SOA_RDATA));
	/* deeper, any type, any case */
	assert_int_equal(odr_cache_get_neg(c, N("X.Y.A.B.Example."),
	                                   OD_TYPE_TXT, 20, &a.mm, &out),
	                 0);
	assert_int_equal(out.rcode, 3);
	/* the parent, siblings and other trees are not covered */
	assert_int_equal(odr_cache_get_neg(c, N("example."), OD_TYPE_A, 20,
	                                   &a.mm, &out),
	                 1);
	assert_int_equal(odr_cache_get_neg(c, N("c.example."), OD_TYPE_A, 20,
	                                   &a.mm, &out),
	                 1);
	assert_int_equal(odr_cache_get_neg(c, N("ab.example."), OD_TYPE_A, 20,
	                                   &a.mm, &out),
	                 1);
	assert_int_equal(odr_cache_get_neg(c, N("a.b.example.org."), OD_TYPE_A,
	                                   20, &a.mm, &out),
	                 1);
	assert_int_equal(
	        odr_cache_get_neg(c, N("."), OD_TYPE_A, 20, &a.mm, &out), 1);
	/* the ancestor's NXDOMAIN expires for the whole subtree */
	assert_int_equal(odr_cache_get_neg(c, N("a.b.example."), OD_TYPE_A, 610,
	                                   &a.mm, &out),
	                 1);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static void test_flush(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);

	tset_init(&t, "www.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "www.example.", OD_TYPE_AAAA, 300, ODR_RANK_ANSWER, 1, 2);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "sub.www.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1,
	          3);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "example.", OD_TYPE_NS, 300, ODR_RANK_ANSWER, 1, 4);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "example.org.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1, 5);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "wwwexample.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1, 6);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), 0, &neg, 0), 0);

	/* one name: every type, nothing below */
	assert_int_equal(odr_cache_flush(c, N("WWW.example."), false), 2);
	assert_int_equal(first_octet(c, "www.example.", OD_TYPE_A, 1), -1);
	assert_int_equal(first_octet(c, "www.example.", OD_TYPE_AAAA, 1), -1);
	assert_int_equal(first_octet(c, "sub.www.example.", OD_TYPE_A, 1), 3);
	assert_int_equal(odr_cache_flush(c, N("www.example."), false), 0);

	/* a subtree: the name, names below, negative entries too */
	assert_int_equal(odr_cache_flush(c, N("example."), true), 3);
	assert_int_equal(first_octet(c, "sub.www.example.", OD_TYPE_A, 1), -1);
	assert_int_equal(first_octet(c, "example.", OD_TYPE_NS, 1), -1);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_neg_t out;
	assert_int_equal(odr_cache_get_neg(c, N("nx.example."), OD_TYPE_A, 1,
	                                   &a.mm, &out),
	                 1);
	od_arena_deinit(&a);
	assert_int_equal(first_octet(c, "example.org.", OD_TYPE_A, 1), 5);
	assert_int_equal(first_octet(c, "wwwexample.", OD_TYPE_A, 1), 6);

	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 2);
	/* the root's subtree is everything */
	assert_int_equal(odr_cache_flush(c, N("."), true), 2);
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	odr_cache_free(c);
}

static void test_eviction(void **state)
{
	(void)state;
	const size_t budget = 4096;
	odr_cache_conf_t conf = { .shards = 1, .max_bytes = budget };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	struct tset t;
	odr_cache_stats_t st;
	char name[64];

	/* "hot" is looked up after every put, so it is never the LRU one */
	tset_init(&t, "hot.example.", OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 99);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "n%03d.example.", i);
		tset_init(&t, name, OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1,
		          (uint8_t)i);
		assert_int_equal(odr_cache_put(c, &t.set, 1), 0);
		odr_cache_stats(c, &st);
		assert_true(st.bytes <= budget);
		assert_int_equal(first_octet(c, "hot.example.", OD_TYPE_A, 1),
		                 99);
	}
	odr_cache_stats(c, &st);
	assert_true(st.evictions > 0);
	assert_int_equal(st.inserts, 501);
	assert_int_equal(st.entries + st.evictions, 501);
	/* the newest survive, the oldest went */
	assert_int_equal(first_octet(c, "n499.example.", OD_TYPE_A, 1),
	                 499 % 256);
	assert_int_equal(first_octet(c, "n000.example.", OD_TYPE_A, 1), -1);
	odr_cache_free(c);

	/* expired entries go before the least recently used one; names of
	   one length make entries of one size */
	c = odr_cache_new(&conf);
	assert_non_null(c);
	tset_init(&t, "o000.example.", OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	odr_cache_stats(c, &st);
	size_t per = st.bytes;
	for (int i = 0; st.bytes + 2 * per <= budget; i++) {
		snprintf(name, sizeof(name), "f%03d.example.", i);
		tset_init(&t, name, OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 2);
		assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
		odr_cache_stats(c, &st);
	}
	assert_int_equal(st.evictions, 0);
	/* one short-lived entry, the most recently used one */
	tset_init(&t, "b000.example.", OD_TYPE_A, 5, ODR_RANK_ANSWER, 1, 3);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	odr_cache_stats(c, &st);
	assert_int_equal(st.evictions, 0);
	/* at t=10 it has expired: the next put, which needs room, takes it
	   and not o000, the least recently used */
	tset_init(&t, "g000.example.", OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 4);
	assert_int_equal(odr_cache_put(c, &t.set, 10), 0);
	odr_cache_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_true(st.bytes <= budget);
	assert_int_equal(first_octet(c, "o000.example.", OD_TYPE_A, 10), 1);
	assert_int_equal(first_octet(c, "g000.example.", OD_TYPE_A, 10), 4);
	odr_cache_free(c);
}

/* Serve-stale (RFC 8767): expired entries stay findable by the stale
   lookups for the window, and only by them. */
static void test_stale(void **state)
{
	(void)state;
	odr_cache_conf_t conf = { .shards = 4, .stale_window = 100 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	odr_neg_t neg;
	odr_cache_stats_t st;
	struct tset t;
	tset_init(&t, "www.example.", OD_TYPE_A, 10, ODR_RANK_ANSWER_AA, 1, 7);
	tset_sig(&t, 10, OD_TYPE_A);
	t.set.sec = ODR_SEC_SECURE;
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);

	/* live: both lookups see it with its remaining TTL */
	assert_int_equal(odr_cache_get_stale(c, N("WWW.example."), OD_TYPE_A,
	                                     1004, &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 6);
	assert_int_equal(out.rrs[0].ttl, 6);
	/* expired: a miss for the normal lookup, which does not drop it */
	assert_int_equal(first_octet(c, "www.example.", OD_TYPE_A, 1010), -1);
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.stale_hits, 0);
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     1010, &a.mm, &out),
	                 0);
	assert_int_equal(out.ttl, 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.rrs[0].ttl, 0);
	assert_int_equal(out.rrs[0].rdata[0], 7);
	assert_int_equal(out.nsigs, 1);
	assert_int_equal(out.sec, ODR_SEC_SECURE);
	assert_int_equal(out.rank, ODR_RANK_ANSWER_AA);
	/* last second of the window */
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     1109, &a.mm, &out),
	                 0);
	odr_cache_stats(c, &st);
	assert_int_equal(st.stale_hits, 2);
	/* past the window: gone, for every lookup */
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     1110, &a.mm, &out),
	                 1);
	assert_int_equal(first_octet(c, "www.example.", OD_TYPE_A, 1110), -1);
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);

	/* fresh data of a lower rank replaces a stale entry */
	tset_init(&t, "r.example.", OD_TYPE_A, 10, ODR_RANK_ANSWER_AA, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);
	tset_init(&t, "r.example.", OD_TYPE_A, 10, ODR_RANK_ADDITIONAL, 1, 2);
	assert_int_equal(odr_cache_put(c, &t.set, 1020), 0);
	assert_int_equal(odr_cache_get_stale(c, N("r.example."), OD_TYPE_A,
	                                     1021, &a.mm, &out),
	                 0);
	assert_int_equal(out.rrs[0].rdata[0], 2);
	assert_int_equal(out.ttl, 9);

	/* negative entries: NODATA and an ancestor's NXDOMAIN (RFC 8020) */
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	odr_neg_t nd = make_neg(0, zone, 20, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("nd.example."), OD_TYPE_AAAA,
	                                   &nd, 1000),
	                 0);
	odr_neg_t nx = make_neg(3, zone, 20, ODR_RANK_AUTH_AA);
	nx.sec = ODR_SEC_BOGUS;
	nx.ede = 6;
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), OD_TYPE_A, &nx,
	                                   1000),
	                 0);
	assert_int_equal(odr_cache_get_neg(c, N("nd.example."), OD_TYPE_AAAA,
	                                   1050, &a.mm, &neg),
	                 1);
	assert_int_equal(odr_cache_get_neg_stale(c, N("nd.example."),
	                                         OD_TYPE_AAAA, 1050, &a.mm,
	                                         &neg),
	                 0);
	assert_int_equal(neg.rcode, 0);
	assert_int_equal(neg.ttl, 0);
	assert_int_equal(odr_cache_get_neg_stale(c, N("a.b.nx.example."),
	                                         OD_TYPE_A, 1050, &a.mm, &neg),
	                 0);
	assert_int_equal(neg.rcode, 3);
	assert_int_equal(neg.ttl, 0);
	/* the security status comes back as stored: the caller decides */
	assert_int_equal(neg.sec, ODR_SEC_BOGUS);
	assert_int_equal(neg.ede, 6);
	assert_int_equal(odr_cache_get_neg(c, N("a.b.nx.example."), OD_TYPE_A,
	                                   1050, &a.mm, &neg),
	                 1);
	assert_int_equal(odr_cache_get_neg_stale(c, N("nd.example."),
	                                         OD_TYPE_AAAA, 1120, &a.mm,
	                                         &neg),
	                 1);
	odr_cache_free(c);

	/* without a window an expired entry is gone at once */
	c = new_cache();
	tset_init(&t, "www.example.", OD_TYPE_A, 10, ODR_RANK_ANSWER_AA, 1, 7);
	assert_int_equal(odr_cache_put(c, &t.set, 1000), 0);
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     1010, &a.mm, &out),
	                 1);
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	odr_cache_free(c);

	/* the window has a ceiling */
	conf.stale_window = ODR_CACHE_STALE_MAX + 1;
	assert_non_null(odr_cache_conf_error(&conf));
	assert_null(odr_cache_new(&conf));
	conf.stale_window = ODR_CACHE_STALE_MAX;
	assert_null(odr_cache_conf_error(&conf));
	od_arena_deinit(&a);
}

/* A full shard evicts stale entries before live ones, however recently
   the stale ones were used. */
static void test_stale_eviction(void **state)
{
	(void)state;
	const size_t budget = 4096;
	odr_cache_conf_t conf = { .shards = 1,
		                  .max_bytes = budget,
		                  .stale_window = 1000 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	struct tset t;
	odr_cache_stats_t st;
	char name[64];
	/* live entries first (least recently used), then short-lived ones */
	tset_init(&t, "l000.example.", OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	odr_cache_stats(c, &st);
	size_t per = st.bytes;
	int nlive = 1, nstale = 0;
	for (int i = 1; st.bytes + per <= budget / 2; i++, nlive++) {
		snprintf(name, sizeof(name), "l%03d.example.", i);
		tset_init(&t, name, OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 1);
		assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
		odr_cache_stats(c, &st);
	}
	for (int i = 0; st.bytes + per <= budget; i++, nstale++) {
		snprintf(name, sizeof(name), "s%03d.example.", i);
		tset_init(&t, name, OD_TYPE_A, 5, ODR_RANK_ANSWER, 1, 2);
		assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
		odr_cache_stats(c, &st);
	}
	assert_int_equal(st.evictions, 0);
	assert_true(nstale > 2);
	/* at t=10 the short-lived ones are stale (still in the window);
	   more live entries push some of them out, not l000 (the least
	   recently used) nor any other live one */
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "n%03d.example.", i);
		tset_init(&t, name, OD_TYPE_A, 10000, ODR_RANK_ANSWER, 1, 3);
		assert_int_equal(odr_cache_put(c, &t.set, 10), 0);
	}
	odr_cache_stats(c, &st);
	assert_true(st.evictions >= 3);
	assert_true(st.evictions < (uint64_t)nstale);
	assert_true(st.bytes <= budget);
	for (int i = 0; i < nlive; i++) {
		snprintf(name, sizeof(name), "l%03d.example.", i);
		assert_int_equal(first_octet(c, name, OD_TYPE_A, 10), 1);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "n%03d.example.", i);
		assert_int_equal(first_octet(c, name, OD_TYPE_A, 10), 3);
	}
	/* the remaining stale ones are still there for the stale lookup */
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	snprintf(name, sizeof(name), "s%03d.example.", nstale - 1);
	assert_int_equal(
	        odr_cache_get_stale(c, N(name), OD_TYPE_A, 10, &a.mm, &out), 0);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static int mark_count_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                         const uint8_t *qname, uint16_t qtype, void *ctx)
{
	(void)set;
	(void)neg;
	(void)qname;
	(void)qtype;
	(*(int *)ctx)++;
	return 0;
}

/* The serve-stale failure recheck marks. */
static void test_failed_marks(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	/* without a stale window nothing is kept */
	assert_int_equal(odr_cache_put_failed(c, N("www.example."), OD_TYPE_A,
	                                      30, 1000),
	                 0);
	assert_false(odr_cache_failed(c, N("www.example."), OD_TYPE_A, 1001));
	odr_cache_free(c);

	odr_cache_conf_t conf = { .shards = 4, .stale_window = 100 };
	c = odr_cache_new(&conf);
	assert_non_null(c);
	assert_int_equal(odr_cache_put_failed(c, N("WWW.example."), OD_TYPE_A,
	                                      30, 1000),
	                 0);
	assert_true(odr_cache_failed(c, N("www.EXAMPLE."), OD_TYPE_A, 1029));
	assert_false(
	        odr_cache_failed(c, N("www.example."), OD_TYPE_AAAA, 1001));
	/* a mark is not data: no lookup and no walk sees it */
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	odr_neg_t neg;
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     1001, &a.mm, &out),
	                 1);
	assert_int_equal(odr_cache_get_neg_stale(c, N("www.example."),
	                                         OD_TYPE_A, 1001, &a.mm, &neg),
	                 1);
	od_arena_deinit(&a);
	int n = 0;
	assert_int_equal(odr_cache_walk(c, mark_count_cb, &n, 1001), 0);
	assert_int_equal(n, 0);
	/* it ends after its time (not kept for the stale window) */
	assert_false(odr_cache_failed(c, N("www.example."), OD_TYPE_A, 1030));
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	/* flushing the name removes it */
	assert_int_equal(odr_cache_put_failed(c, N("www.example."), OD_TYPE_A,
	                                      30, 2000),
	                 0);
	assert_int_equal(odr_cache_flush(c, N("www.example."), false), 1);
	assert_false(odr_cache_failed(c, N("www.example."), OD_TYPE_A, 2001));
	/* bad input */
	assert_int_equal(odr_cache_put_failed(c, N("www.example."), OD_TYPE_OPT,
	                                      30, 2000),
	                 OD_EINVAL);
	odr_cache_free(c);
}

struct walk_ctx {
	int sets, negs, rrs, sigs;
	int stop_after;
};

static int walk_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                   const uint8_t *qname, uint16_t qtype, void *ctx)
{
	struct walk_ctx *w = ctx;
	if (set != NULL) {
		assert_null(neg);
		assert_ptr_equal(qname, set->owner);
		assert_int_equal(qtype, set->type);
		w->sets++;
		w->rrs += set->count;
		w->sigs += set->nsigs;
		assert_true(set->ttl > 0);
	} else {
		assert_non_null(neg);
		assert_true(od_name_equal(qname, N("nx.example.")));
		assert_int_equal(qtype, 0);
		assert_int_equal(neg->rcode, 3);
		assert_int_equal(neg->ttl, 50);
		w->negs++;
	}
	if (w->stop_after > 0 && w->sets + w->negs == w->stop_after)
		return 7;
	return 0;
}

static void test_walk(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 2, 1);
	tset_sig(&t, 100, OD_TYPE_A);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "b.example.", OD_TYPE_AAAA, 100, ODR_RANK_ANSWER, 3, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	tset_init(&t, "short.example.", OD_TYPE_A, 10, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	odr_neg_t neg = make_neg(3, zone, 100, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), 0, &neg, 0), 0);

	struct walk_ctx w = { 0 };
	assert_int_equal(odr_cache_walk(c, walk_cb, &w, 50), 0);
	assert_int_equal(w.sets, 2); /* short.example. has expired */
	assert_int_equal(w.negs, 1);
	assert_int_equal(w.rrs, 5);
	assert_int_equal(w.sigs, 1);

	w = (struct walk_ctx){ .stop_after = 2 };
	assert_int_equal(odr_cache_walk(c, walk_cb, &w, 50), 7);
	assert_int_equal(w.sets + w.negs, 2);
	odr_cache_free(c);
}

static void test_sec_rrset(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t out;
	struct tset t;

	/* a validated set with its RRSIGs: status and sigs come back */
	tset_init(&t, "Sec.Example.", OD_TYPE_A, 300, ODR_RANK_SECURE, 2, 10);
	tset_sig(&t, 300, OD_TYPE_A);
	tset_sig(&t, 300, OD_TYPE_A);
	t.set.sec = ODR_SEC_SECURE;
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("sec.example."), OD_TYPE_A, 150,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_SECURE);
	assert_int_equal(out.ede, 0);
	assert_int_equal(out.rank, ODR_RANK_SECURE);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.nsigs, 2);
	assert_ptr_equal(out.sigs, out.rrs + 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(out.sigs[i].type, OD_TYPE_RRSIG);
		assert_int_equal(out.sigs[i].rclass, OD_CLASS_IN);
		assert_int_equal(out.sigs[i].ttl, 250);
		assert_ptr_equal(out.sigs[i].owner, out.owner);
		assert_int_equal(out.sigs[i].rdlen, 40);
		assert_memory_equal(out.sigs[i].rdata, t.sigdata[i], 40);
	}

	/* bogus and insecure sets keep their Extended DNS Error */
	tset_init(&t, "bogus.example.", OD_TYPE_AAAA, 300, ODR_RANK_ANSWER, 1,
	          20);
	tset_sig(&t, 300, OD_TYPE_AAAA);
	t.set.sec = ODR_SEC_BOGUS;
	t.set.ede = 7; /* Signature Expired */
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("bogus.example."), OD_TYPE_AAAA,
	                               100, &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_BOGUS);
	assert_int_equal(out.ede, 7);
	assert_int_equal(out.nsigs, 1);
	assert_memory_equal(out.sigs[0].rdata, t.sigdata[0], 40);
	tset_init(&t, "insecure.example.", OD_TYPE_TXT, 300, ODR_RANK_ANSWER, 1,
	          30);
	t.set.sec = ODR_SEC_INSECURE;
	t.set.ede = 0xfedc;
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	assert_int_equal(odr_cache_get(c, N("insecure.example."), OD_TYPE_TXT,
	                               100, &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_INSECURE);
	assert_int_equal(out.ede, 0xfedc);
	assert_int_equal(out.nsigs, 0);
	assert_null(out.sigs);

	/* the status does not rank: a secure set of a lower rank does not
	   replace, one of the same rank does and brings its status */
	tset_init(&t, "rank.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1,
	          40);
	assert_int_equal(odr_cache_put(c, &t.set, 100), 0);
	tset_init(&t, "rank.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER, 1, 50);
	t.set.sec = ODR_SEC_SECURE;
	assert_int_equal(odr_cache_put(c, &t.set, 101), 1);
	assert_int_equal(odr_cache_get(c, N("rank.example."), OD_TYPE_A, 102,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_UNCHECKED);
	assert_int_equal(out.rrs[0].rdata[0], 40);
	tset_init(&t, "rank.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1,
	          60);
	t.set.sec = ODR_SEC_BOGUS;
	t.set.ede = 9; /* DNSKEY Missing */
	assert_int_equal(odr_cache_put(c, &t.set, 103), 0);
	assert_int_equal(odr_cache_get(c, N("rank.example."), OD_TYPE_A, 104,
	                               &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_BOGUS);
	assert_int_equal(out.ede, 9);
	assert_int_equal(out.rrs[0].rdata[0], 60);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

/* Proof records under construction: up to 8, owners and RDATA owned. */
struct tproof {
	od_rr_t rrs[8];
	uint8_t owner[8][OD_NAME_MAXLEN];
	uint8_t rdata[8][600];
	uint16_t n;
};

/* Add a record; its RDATA is rdlen octets derived from seed. */
static void tproof_add(struct tproof *p, const char *owner, uint16_t type,
                       uint32_t ttl, uint16_t rdlen, uint8_t seed)
{
	unsigned i = p->n++;
	assert_true(i < 8 && rdlen <= sizeof(p->rdata[i]));
	od_name_copy(p->owner[i], N(owner));
	for (unsigned j = 0; j < rdlen; j++)
		p->rdata[i][j] = (uint8_t)(seed * 31 + j);
	p->rrs[i] = (od_rr_t){ .owner = p->owner[i],
		               .rdata = rdlen > 0 ? p->rdata[i] : NULL,
		               .ttl = ttl,
		               .type = type,
		               .rclass = OD_CLASS_IN,
		               .rdlen = rdlen };
}

/* Proof of an NXDOMAIN for b.example.: SOA RRSIG, two NSECs and their
   RRSIGs (owners in mixed case, kept as given). */
static void tproof_nxdomain(struct tproof *p)
{
	memset(p, 0, sizeof(*p));
	tproof_add(p, "Example.", OD_TYPE_RRSIG, 3600, 90, 1);
	tproof_add(p, "a.Example.", OD_TYPE_NSEC, 300, 20, 2);
	tproof_add(p, "a.Example.", OD_TYPE_RRSIG, 300, 90, 3);
	tproof_add(p, "Example.", OD_TYPE_NSEC, 0, 25, 4);
	tproof_add(p, "Example.", OD_TYPE_RRSIG, 0, 90, 5);
}

/* The proof came back intact, with TTLs min(stored, ttl), at least 1. */
static void check_proof(const odr_neg_t *out, const struct tproof *p,
                        uint32_t ttl)
{
	assert_int_equal(out->nproof, p->n);
	assert_non_null(out->proof);
	assert_int_equal((uintptr_t)out->proof % _Alignof(od_rr_t), 0);
	for (unsigned i = 0; i < p->n; i++) {
		const od_rr_t *r = &out->proof[i], *w = &p->rrs[i];
		assert_int_equal(od_name_len(r->owner), od_name_len(w->owner));
		assert_memory_equal(r->owner, w->owner, od_name_len(w->owner));
		assert_int_equal(r->type, w->type);
		assert_int_equal(r->rclass, OD_CLASS_IN);
		uint32_t want = w->ttl < ttl ? w->ttl : ttl;
		assert_int_equal(r->ttl, want > 0 ? want : 1);
		assert_int_equal(r->rdlen, w->rdlen);
		if (w->rdlen > 0)
			assert_memory_equal(r->rdata, w->rdata, w->rdlen);
	}
}

/* An allocator that remembers its one live block. */
struct one_mm {
	od_mm_t mm;
	int allocs, frees;
	uint8_t *block;
	size_t len;
};

static void *one_alloc(void *ctx, size_t len)
{
	struct one_mm *m = ctx;
	m->allocs++;
	m->block = malloc(len);
	m->len = len;
	return m->block;
}

static void one_free(void *ctx, void *ptr)
{
	struct one_mm *m = ctx;
	assert_ptr_equal(ptr, m->block);
	m->frees++;
	free(ptr);
}

static bool in_block(const struct one_mm *m, const void *p, size_t len)
{
	const uint8_t *b = p;
	return b >= m->block && b + len <= m->block + m->len;
}

static void test_neg_proof(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	struct tproof p;
	tproof_nxdomain(&p);

	/* NXDOMAIN with its proof, stored at 1000 for 600 s */
	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_SECURE);
	neg.sec = ODR_SEC_SECURE;
	neg.vflags = 0xa5;
	neg.proof = p.rrs;
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   1000),
	                 0);

	/* one allocation holds everything and one free releases it */
	struct one_mm m = { .mm = { .alloc = one_alloc, .free = one_free } };
	m.mm.ctx = &m;
	odr_neg_t out;
	assert_int_equal(odr_cache_get_neg(c, N("x.b.example."), OD_TYPE_MX,
	                                   1100, &m.mm, &out),
	                 0);
	assert_int_equal(m.allocs, 1);
	assert_ptr_equal(out.zone, m.block);
	assert_int_equal(out.rcode, 3);
	assert_int_equal(out.ttl, 500);
	assert_int_equal(out.rank, ODR_RANK_SECURE);
	assert_int_equal(out.sec, ODR_SEC_SECURE);
	assert_int_equal(out.vflags, 0xa5);
	assert_int_equal(out.ede, 0);
	assert_true(od_name_equal(out.zone, zone));
	assert_memory_equal(out.soa, SOA_RDATA, sizeof(SOA_RDATA));
	/* 3600 is capped to the remaining 500, 300 stays, 0 becomes 1 */
	check_proof(&out, &p, 500);
	assert_int_equal(out.proof[0].ttl, 500);
	assert_int_equal(out.proof[1].ttl, 300);
	assert_int_equal(out.proof[3].ttl, 1);
	assert_true(in_block(&m, out.proof, p.n * sizeof(od_rr_t)));
	for (unsigned i = 0; i < p.n; i++) {
		assert_true(in_block(&m, out.proof[i].owner,
		                     od_name_len(out.proof[i].owner)));
		assert_true(
		        in_block(&m, out.proof[i].rdata, out.proof[i].rdlen));
	}
	od_mm_free(&m.mm, (void *)out.zone);
	assert_int_equal(m.frees, 1);

	/* later, every proof TTL is capped by the entry's remaining TTL */
	assert_int_equal(odr_cache_get_neg(c, N("b.example."), OD_TYPE_A, 1450,
	                                   NULL, &out),
	                 0);
	assert_int_equal(out.ttl, 150);
	check_proof(&out, &p, 150);
	assert_int_equal(out.proof[1].ttl, 150);
	od_mm_free(NULL, (void *)out.zone);
	assert_int_equal(odr_cache_get_neg(c, N("b.example."), OD_TYPE_A, 1599,
	                                   NULL, &out),
	                 0);
	check_proof(&out, &p, 1);
	od_mm_free(NULL, (void *)out.zone);

	/* NODATA with NSEC3 records, bogus, with its EDE; in an arena */
	struct tproof q;
	memset(&q, 0, sizeof(q));
	tproof_add(&q, "example.", OD_TYPE_RRSIG, 900, 100, 6);
	tproof_add(&q, "0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM.example.",
	           OD_TYPE_NSEC3, 900, 40, 7);
	tproof_add(&q, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.",
	           OD_TYPE_RRSIG, 900, 100, 8);
	tproof_add(&q, "empty.example.", OD_TYPE_NSEC, 60, 0, 9);
	neg = make_neg(0, zone, 300, ODR_RANK_AUTH_AA);
	neg.sec = ODR_SEC_BOGUS;
	neg.vflags = 3;
	neg.ede = 6; /* DNSSEC Bogus */
	neg.proof = q.rrs;
	neg.nproof = q.n;
	assert_int_equal(odr_cache_put_neg(c, N("Www.Example."), OD_TYPE_AAAA,
	                                   &neg, 1000),
	                 0);
	od_arena_t a;
	od_arena_init(&a, 0);
	assert_int_equal(odr_cache_get_neg(c, N("www.example."), OD_TYPE_AAAA,
	                                   1010, &a.mm, &out),
	                 0);
	assert_int_equal(out.rcode, 0);
	assert_int_equal(out.ttl, 290);
	assert_int_equal(out.sec, ODR_SEC_BOGUS);
	assert_int_equal(out.vflags, 3);
	assert_int_equal(out.ede, 6);
	check_proof(&out, &q, 290);
	assert_int_equal(out.proof[3].rdlen, 0);
	/* the copy outlives the entry */
	assert_int_equal(odr_cache_flush(c, N("example."), true), 2);
	check_proof(&out, &q, 290);
	od_mm_free(&a.mm, (void *)out.zone);
	od_arena_deinit(&a);

	/* without a proof: none comes back */
	neg = make_neg(0, zone, 300, ODR_RANK_AUTH_AA);
	assert_int_equal(
	        odr_cache_put_neg(c, N("n.example."), OD_TYPE_A, &neg, 0), 0);
	assert_int_equal(odr_cache_get_neg(c, N("n.example."), OD_TYPE_A, 0,
	                                   NULL, &out),
	                 0);
	assert_int_equal(out.nproof, 0);
	assert_null(out.proof);
	assert_int_equal(out.sec, ODR_SEC_UNCHECKED);
	od_mm_free(NULL, (void *)out.zone);
	odr_cache_free(c);
}

static void test_neg_proof_replace(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_neg_t out;
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	struct tproof p, q;
	tproof_nxdomain(&p);
	memset(&q, 0, sizeof(q));
	tproof_add(&q, "b.example.", OD_TYPE_NSEC, 600, 30, 11);
	tproof_add(&q, "b.example.", OD_TYPE_RRSIG, 600, 80, 12);

	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	neg.proof = p.rrs;
	neg.nproof = p.n;
	neg.sec = ODR_SEC_INSECURE;
	assert_int_equal(
	        odr_cache_put_neg(c, N("c.example."), OD_TYPE_A, &neg, 0), 0);
	/* a newer answer of the same rank replaces it, proof and all */
	neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	neg.proof = q.rrs;
	neg.nproof = q.n;
	neg.sec = ODR_SEC_SECURE;
	assert_int_equal(
	        odr_cache_put_neg(c, N("c.example."), OD_TYPE_A, &neg, 10), 0);
	assert_int_equal(odr_cache_get_neg(c, N("c.example."), OD_TYPE_A, 20,
	                                   &a.mm, &out),
	                 0);
	assert_int_equal(out.sec, ODR_SEC_SECURE);
	check_proof(&out, &q, 590);
	/* a lower rank does not, whatever its status */
	neg = make_neg(3, zone, 600, ODR_RANK_AUTHORITY);
	neg.proof = p.rrs;
	neg.nproof = p.n;
	neg.sec = ODR_SEC_SECURE;
	assert_int_equal(
	        odr_cache_put_neg(c, N("c.example."), OD_TYPE_A, &neg, 30), 1);
	assert_int_equal(odr_cache_get_neg(c, N("c.example."), OD_TYPE_A, 40,
	                                   &a.mm, &out),
	                 0);
	check_proof(&out, &q, 570);

	/* a NODATA with proof replaces an RRset; then an RRset replaces it */
	struct tset t;
	tset_init(&t, "d.example.", OD_TYPE_A, 300, ODR_RANK_ANSWER_AA, 1, 5);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	neg = make_neg(0, zone, 300, ODR_RANK_ANSWER_AA);
	neg.proof = q.rrs;
	neg.nproof = q.n;
	assert_int_equal(
	        odr_cache_put_neg(c, N("d.example."), OD_TYPE_A, &neg, 1), 0);
	assert_int_equal(odr_cache_get_neg(c, N("d.example."), OD_TYPE_A, 2,
	                                   &a.mm, &out),
	                 0);
	check_proof(&out, &q, 299);
	assert_int_equal(odr_cache_put(c, &t.set, 3), 0);
	assert_int_equal(odr_cache_get_neg(c, N("d.example."), OD_TYPE_A, 4,
	                                   &a.mm, &out),
	                 1);
	assert_int_equal(first_octet(c, "d.example.", OD_TYPE_A, 4), 5);
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 2);
	od_arena_deinit(&a);
	odr_cache_free(c);
}

static void test_neg_proof_bad(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	struct tproof p;
	odr_neg_t neg;

	/* a label over 63 octets, in an otherwise good proof */
	tproof_nxdomain(&p);
	p.owner[2][0] = 70;
	neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	neg.proof = p.rrs;
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	/* a compression pointer */
	tproof_nxdomain(&p);
	p.owner[1][2] = 0xc0;
	p.owner[1][0] = 1;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	/* a name over 255 octets: five labels of 63 without the root */
	tproof_nxdomain(&p);
	memset(p.owner[4], 63, sizeof(p.owner[4]));
	for (unsigned i = 0; i < 4; i++)
		memset(p.owner[4] + 1 + 64 * i, 'a', 63);
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	/* no owner; RDATA missing; records missing */
	tproof_nxdomain(&p);
	p.rrs[0].owner = NULL;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	tproof_nxdomain(&p);
	p.rrs[3].rdata = NULL;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	neg.proof = NULL;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	/* checked even when the TTL means nothing would be stored */
	tproof_nxdomain(&p);
	p.owner[0][0] = 64;
	neg = make_neg(3, zone, 0, ODR_RANK_AUTH_AA);
	neg.proof = p.rrs;
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), OD_TYPE_A, &neg,
	                                   0),
	                 OD_EINVAL);
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	odr_cache_free(c);
}

struct sec_walk {
	int sets, negs;
	const struct tproof *p;
};

static int sec_walk_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                       const uint8_t *qname, uint16_t qtype, void *ctx)
{
	struct sec_walk *w = ctx;
	(void)qname;
	(void)qtype;
	if (set != NULL) {
		assert_int_equal(set->sec, ODR_SEC_SECURE);
		assert_int_equal(set->ede, 3);
		assert_int_equal(set->nsigs, 1);
		assert_int_equal(set->sigs[0].type, OD_TYPE_RRSIG);
		w->sets++;
	} else {
		assert_int_equal(neg->sec, ODR_SEC_INSECURE);
		assert_int_equal(neg->vflags, 0x81);
		assert_int_equal(neg->ede, 12);
		/* stored at 0 for 600 s, walked at 500 */
		check_proof(neg, w->p, 100);
		w->negs++;
	}
	return 0;
}

static void test_walk_sec(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	struct tset t;
	tset_init(&t, "s.example.", OD_TYPE_A, 1000, ODR_RANK_SECURE, 1, 1);
	tset_sig(&t, 1000, OD_TYPE_A);
	t.set.sec = ODR_SEC_SECURE;
	t.set.ede = 3; /* Stale Answer, as the validator might say */
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	struct tproof p;
	tproof_nxdomain(&p);
	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	neg.sec = ODR_SEC_INSECURE;
	neg.vflags = 0x81;
	neg.ede = 12; /* NSEC Missing */
	neg.proof = p.rrs;
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), 0, &neg, 0), 0);
	struct sec_walk w = { .p = &p };
	assert_int_equal(odr_cache_walk(c, sec_walk_cb, &w, 500), 0);
	assert_int_equal(w.sets, 1);
	assert_int_equal(w.negs, 1);
	odr_cache_free(c);
}

static void test_neg_proof_memory(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	odr_cache_stats_t st;

	/* the same answer with and without a proof */
	odr_neg_t neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), 0, &neg, 0), 0);
	odr_cache_stats(c, &st);
	size_t bare = st.bytes;
	assert_int_equal(odr_cache_flush(c, N("b.example."), false), 1);
	struct tproof p;
	tproof_nxdomain(&p);
	size_t proof_len = 0;
	for (unsigned i = 0; i < p.n; i++)
		proof_len += od_name_len(p.rrs[i].owner) + p.rrs[i].rdlen;
	neg.proof = p.rrs;
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), 0, &neg, 0), 0);
	odr_cache_stats(c, &st);
	assert_true(st.bytes >= bare + proof_len);
	/* replaced by a smaller proof, the account shrinks */
	size_t big = st.bytes;
	neg.nproof = 1;
	assert_int_equal(odr_cache_put_neg(c, N("b.example."), 0, &neg, 1), 0);
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_true(st.bytes < big);
	assert_true(st.bytes >=
	            bare + od_name_len(p.rrs[0].owner) + p.rrs[0].rdlen);
	odr_cache_free(c);

	/* the budget holds proofs too: big proofs evict */
	const size_t budget = 4096;
	odr_cache_conf_t conf = { .shards = 1, .max_bytes = budget };
	c = odr_cache_new(&conf);
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	tproof_add(&p, "a.example.", OD_TYPE_NSEC, 600, 600, 1);
	tproof_add(&p, "a.example.", OD_TYPE_RRSIG, 600, 600, 2);
	neg = make_neg(3, zone, 600, ODR_RANK_AUTH_AA);
	neg.proof = p.rrs;
	neg.nproof = p.n;
	char name[32];
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		assert_int_equal(odr_cache_put_neg(c, N(name), 0, &neg, 0), 0);
		odr_cache_stats(c, &st);
		assert_true(st.bytes <= budget);
	}
	assert_true(st.evictions > 0);
	assert_true(st.entries < 4);
	/* a proof alone larger than the shard's budget is refused */
	for (unsigned i = 0; i < 6; i++)
		tproof_add(&p, "a.example.", OD_TYPE_NSEC3, 600, 600,
		           (uint8_t)i);
	neg.nproof = p.n;
	assert_int_equal(odr_cache_put_neg(c, N("huge.example."), 0, &neg, 0),
	                 OD_ELIMIT);
	odr_cache_free(c);
}

static void test_conf_and_bad_input(void **state)
{
	(void)state;
	assert_null(odr_cache_conf_error(NULL));
	odr_cache_conf_t conf = { .shards = 3 };
	assert_non_null(odr_cache_conf_error(&conf));
	assert_null(odr_cache_new(&conf));
	conf = (odr_cache_conf_t){ .ttl_min = 100, .ttl_max = 10 };
	assert_non_null(odr_cache_conf_error(&conf));
	conf = (odr_cache_conf_t){ .ttl_min = 100000 };
	assert_non_null(odr_cache_conf_error(&conf)); /* above 86400 */
	conf = (odr_cache_conf_t){ .max_bytes = 1000, .shards = 1 };
	assert_non_null(odr_cache_conf_error(&conf));
	conf = (odr_cache_conf_t){ .shards = 1u << 20 };
	assert_non_null(odr_cache_conf_error(&conf));

	odr_cache_t *c = odr_cache_new(NULL);
	assert_non_null(c);
	struct tset t;
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 1, 1);
	t.set.rclass = 3; /* CH */
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_OPT, 100, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_ANY, 100, ODR_RANK_ANSWER, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 0, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_A, 100, (odr_rank_t)9, 1, 1);
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 1, 1);
	tset_sig(&t, 100, OD_TYPE_AAAA); /* covers another type */
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 1, 1);
	tset_sig(&t, 100, OD_TYPE_A);
	t.sigs[0].rdlen = 10; /* shorter than the fixed part */
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);
	tset_init(&t, "a.example.", OD_TYPE_A, 100, ODR_RANK_ANSWER, 1, 1);
	t.owner[0] = 70; /* label over 63 octets */
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_EINVAL);

	uint8_t zone[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	odr_neg_t neg = make_neg(2, zone, 100, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("a.example."), 1, &neg, 0),
	                 OD_EINVAL);
	neg = make_neg(0, zone, 100, ODR_RANK_AUTH_AA);
	neg.soa = NULL;
	assert_int_equal(odr_cache_put_neg(c, N("a.example."), 1, &neg, 0),
	                 OD_EINVAL);
	neg = make_neg(0, NULL, 100, ODR_RANK_AUTH_AA);
	assert_int_equal(odr_cache_put_neg(c, N("a.example."), 1, &neg, 0),
	                 OD_EINVAL);
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	odr_cache_free(c);

	/* an entry larger than a shard's share is refused */
	conf = (odr_cache_conf_t){ .shards = 1, .max_bytes = 4096 };
	c = odr_cache_new(&conf);
	assert_non_null(c);
	static uint8_t big[4000];
	tset_init(&t, "big.example.", OD_TYPE_TXT, 100, ODR_RANK_ANSWER, 1, 1);
	t.rrs[0].rdata = big;
	t.rrs[0].rdlen = sizeof(big);
	assert_int_equal(odr_cache_put(c, &t.set, 0), 0);
	t.rrs[1] = t.rrs[0];
	t.set.count = 2;
	assert_int_equal(odr_cache_put(c, &t.set, 0), OD_ELIMIT);
	odr_cache_free(c);
}

/* Concurrent use: threads hammer overlapping names; data stays intact. */
struct worker {
	odr_cache_t *c;
	unsigned id;
	unsigned long ops, hits;
	int bad;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	od_arena_t a;
	od_arena_init(&a, 0);
	uint32_t rnd = 2463534242u + w->id * 7919u;
	uint8_t zone[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(zone, "example.", 8, NULL) > 0);
	double end = now_s() + 0.5;
	for (unsigned long i = 0; (i & 255) != 0 || now_s() < end; i++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		unsigned idx = rnd % 64;
		uint64_t now = i / 64;
		char str[32];
		int len = snprintf(str, sizeof(str), "%s%u.example.",
		                   (rnd >> 8) & 1 ? "N" : "n", idx);
		uint8_t name[OD_NAME_MAXLEN];
		if (od_name_from_str(name, str, (size_t)len, NULL) < 0) {
			w->bad++;
			break;
		}
		uint8_t rdata[2][4] = { { (uint8_t)idx, 1, 2, 3 },
			                { (uint8_t)idx, 4, 5, 6 } };
		od_rr_t rrs[2] = {
			{ .rdata = rdata[0], .rdlen = 4 },
			{ .rdata = rdata[1], .rdlen = 4 },
		};
		odr_rrset_t set = { .owner = name,
			            .type = OD_TYPE_A,
			            .rclass = OD_CLASS_IN,
			            .ttl = 1 + (rnd >> 12) % 8,
			            .rank = (odr_rank_t)(1 + (rnd >> 16) % 6),
			            .count = 1 + (rnd >> 20) % 2,
			            .rrs = rrs };
		odr_rrset_t out;
		odr_neg_t nout;
		int ret = 0;
		switch ((rnd >> 24) % 8) {
		case 0:
		case 1:
			ret = odr_cache_put(w->c, &set, now);
			break;
		case 2: {
			odr_neg_t neg = make_neg((rnd >> 28) & 1 ? 3 : 0, zone,
			                         5, ODR_RANK_AUTH_AA);
			ret = odr_cache_put_neg(w->c, name, OD_TYPE_A, &neg,
			                        now);
			break;
		}
		case 3:
			ret = odr_cache_get_neg(w->c, name, OD_TYPE_A, now,
			                        &a.mm, &nout);
			if (ret == 0 && (nout.soa_len != sizeof(SOA_RDATA) ||
			                 memcmp(nout.soa, SOA_RDATA,
			                        sizeof(SOA_RDATA)) != 0))
				w->bad++;
			break;
		case 4:
			if ((rnd >> 28) == 0)
				odr_cache_flush(w->c, name, (rnd >> 27) & 1);
			break;
		default:
			ret = odr_cache_get(w->c, name, OD_TYPE_A, now, &a.mm,
			                    &out);
			if (ret == 0) {
				w->hits++;
				if (!od_name_equal(out.owner, name) ||
				    out.count < 1 || out.count > 2 ||
				    out.rrs[0].rdlen != 4 ||
				    memcmp(out.rrs[0].rdata, rdata[0], 4) != 0)
					w->bad++;
			}
			break;
		}
		if (ret != 0 && ret != 1)
			w->bad++;
		w->ops++;
		if ((i & 63) == 0)
			od_arena_reset(&a);
	}
	od_arena_deinit(&a);
	return NULL;
}

struct walk_count {
	size_t entries;
	int bad;
};

static int count_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                    const uint8_t *qname, uint16_t qtype, void *ctx)
{
	struct walk_count *wc = ctx;
	(void)qname;
	wc->entries++;
	if (qtype != 0 && qtype != OD_TYPE_A)
		wc->bad++;
	if (set != NULL && (set->count < 1 || set->rrs[0].rdlen != 4))
		wc->bad++;
	if (neg != NULL && neg->soa_len != sizeof(SOA_RDATA))
		wc->bad++;
	return 0;
}

static void test_concurrent(void **state)
{
	(void)state;
	odr_cache_conf_t conf = { .shards = 4, .max_bytes = 4 * 4096 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	struct worker w[4];
	pthread_t th[4];
	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){ .c = c, .id = i };
		assert_int_equal(
		        pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	unsigned long hits = 0;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
		assert_true(w[i].ops > 0);
		hits += w[i].hits;
	}
	assert_true(hits > 0);
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	assert_true(st.bytes <= conf.max_bytes);
	assert_int_equal(st.hits, hits);
	/* the walk sees every entry counted, each intact */
	struct walk_count wc = { 0 };
	assert_int_equal(odr_cache_walk(c, count_cb, &wc, 0), 0);
	assert_int_equal(wc.entries, st.entries);
	assert_int_equal(wc.bad, 0);
	odr_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_ttl_clamp),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_rfc8020),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_stale_eviction),
		cmocka_unit_test(test_failed_marks),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_sec_rrset),
		cmocka_unit_test(test_neg_proof),
		cmocka_unit_test(test_neg_proof_replace),
		cmocka_unit_test(test_neg_proof_bad),
		cmocka_unit_test(test_walk_sec),
		cmocka_unit_test(test_neg_proof_memory),
		cmocka_unit_test(test_conf_and_bad_input),
		cmocka_unit_test(test_concurrent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
