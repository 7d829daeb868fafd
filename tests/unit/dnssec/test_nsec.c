/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/dnssec/nsec.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"

/*
 * RFC 5155 Appendix A zone "example", NSEC3 parameters 1 1 12 aabbccdd
 * (every record has Opt-Out). c.example is an unsigned delegation and has
 * no NSEC3 record; w.example and y.w.example are empty non-terminals.
 */
static const char *const rfc_nsec3[] = {
	"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. NSEC3 1 1 12 aabbccdd "
	"2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM",
	"2t7b4g4vsa5smi47k61mv5bv1a22bojr.example. NSEC3 1 1 12 aabbccdd "
	"2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG",
	"2vptu5timamqttgl4luu9kg21e0aor3s.example. NSEC3 1 1 12 aabbccdd "
	"35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG",
	"35mthgpgcu1qg68fab165klnsnk3dpvl.example. NSEC3 1 1 12 aabbccdd "
	"b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG",
	"b4um86eghhds6nea196smvmlo4ors995.example. NSEC3 1 1 12 aabbccdd "
	"gjeqe526plbf1g8mklp59enfd789njgi MX RRSIG",
	"gjeqe526plbf1g8mklp59enfd789njgi.example. NSEC3 1 1 12 aabbccdd "
	"ji6neoaepv8b5o6k4ev33abha8ht9fgc A HINFO AAAA RRSIG",
	"ji6neoaepv8b5o6k4ev33abha8ht9fgc.example. NSEC3 1 1 12 aabbccdd "
	"k8udemvp1j2f7eg6jebps17vp3n8i58h",
	"k8udemvp1j2f7eg6jebps17vp3n8i58h.example. NSEC3 1 1 12 aabbccdd "
	"q04jkcevqvmu85r014c7dkba38o0ji5r",
	"q04jkcevqvmu85r014c7dkba38o0ji5r.example. NSEC3 1 1 12 aabbccdd "
	"r53bq7cc2uvmubfu5ocmm6pers9tk9en A RRSIG",
	"r53bq7cc2uvmubfu5ocmm6pers9tk9en.example. NSEC3 1 1 12 aabbccdd "
	"t644ebqk9bibcna874givr6joj62mlhv MX RRSIG",
	"t644ebqk9bibcna874givr6joj62mlhv.example. NSEC3 1 1 12 aabbccdd "
	"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A HINFO AAAA RRSIG",
};
#define RFC_N (sizeof(rfc_nsec3) / sizeof(rfc_nsec3[0]))

/* The same zone signed with NSEC (ldns-signzone output). */
static const char *const zone_nsec[] = {
	"example. NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY",
	"a.example. NSEC ai.example. NS DS RRSIG NSEC",
	"ai.example. NSEC c.example. A HINFO AAAA RRSIG NSEC",
	"c.example. NSEC ns1.example. NS RRSIG NSEC",
	"ns1.example. NSEC ns2.example. A RRSIG NSEC",
	"ns2.example. NSEC *.w.example. A RRSIG NSEC",
	"*.w.example. NSEC x.w.example. MX RRSIG NSEC",
	"x.w.example. NSEC x.y.w.example. MX RRSIG NSEC",
	"x.y.w.example. NSEC xx.example. MX RRSIG NSEC",
	"xx.example. NSEC example. A HINFO AAAA RRSIG NSEC",
};
#define NSEC_N (sizeof(zone_nsec) / sizeof(zone_nsec[0]))

/* Authoritative names and delegations of the zone, canonical order. */
static const uint16_t t_apex[] = { OD_TYPE_NS, OD_TYPE_SOA, 15 /* MX */,
	                           48 /* DNSKEY */, OD_TYPE_NSEC3PARAM };
static const uint16_t t_a[] = { OD_TYPE_NS, OD_TYPE_DS };
static const uint16_t t_host[] = { OD_TYPE_A, 13 /* HINFO */, 28 /* AAAA */ };
static const uint16_t t_ns[] = { OD_TYPE_NS };
static const uint16_t t_addr[] = { OD_TYPE_A };
static const uint16_t t_mx[] = { 15 };
static const struct {
	const char *name;
	const uint16_t *types;
	size_t n;
} zone_names[] = {
	{ "example.", t_apex, 5 },     { "a.example.", t_a, 2 },
	{ "ai.example.", t_host, 3 },  { "c.example.", t_ns, 1 },
	{ "ns1.example.", t_addr, 1 }, { "ns2.example.", t_addr, 1 },
	{ "*.w.example.", t_mx, 1 },   { "x.w.example.", t_mx, 1 },
	{ "x.y.w.example.", t_mx, 1 }, { "xx.example.", t_host, 3 },
};
#define NAMES_N (sizeof(zone_names) / sizeof(zone_names[0]))

typedef struct rrbuf {
	uint8_t owner[OD_NAME_MAXLEN];
	uint8_t rdata[512];
	od_rr_t rr;
} rrbuf_t;

static void parse_rr(rrbuf_t *b, const char *line)
{
	od_tok_t toks[32];
	int nt = od_tok_split(line, strlen(line), toks, 32);
	assert_true(nt >= 3);
	assert_true(od_name_from_str(b->owner, toks[0].s, toks[0].len, NULL) >
	            0);
	uint16_t type;
	assert_int_equal(od_rrtype_from_str(toks[1].s, toks[1].len, &type), 0);
	int len = od_rdata_from_text(type, toks + 2, (size_t)nt - 2, NULL,
	                             b->rdata, sizeof(b->rdata), NULL);
	assert_true(len > 0);
	b->rr = (od_rr_t){ .owner = b->owner,
		           .rdata = b->rdata,
		           .type = type,
		           .rclass = 1,
		           .ttl = 3600,
		           .rdlen = (uint16_t)len };
}

static const uint8_t *name(const char *s)
{
	static uint8_t bufs[16][OD_NAME_MAXLEN];
	static unsigned next;
	uint8_t *b = bufs[next++ % 16];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

static rrbuf_t n3buf[RFC_N], nsbuf[NSEC_N];
static od_rr_t n3[RFC_N], ns[NSEC_N];
static const uint8_t *zone;
static const uint8_t salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };
static const od_nsec3_params_t params = {
	.alg = 1, .iterations = 12, .salt_len = 4, .salt = salt
};

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < RFC_N; i++) {
		parse_rr(&n3buf[i], rfc_nsec3[i]);
		n3[i] = n3buf[i].rr;
	}
	for (size_t i = 0; i < NSEC_N; i++) {
		parse_rr(&nsbuf[i], zone_nsec[i]);
		ns[i] = nsbuf[i].rr;
	}
	static uint8_t z[OD_NAME_MAXLEN];
	od_name_from_str(z, "example.", 8, NULL);
	zone = z;
	return 0;
}

static void test_hash(void **state)
{
	(void)state;
	/* RFC 5155 Appendix A, cross-checked with ldns-nsec3-hash. */
	static const char *const tab[][2] = {
		{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
		{ "a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
		{ "ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi" },
		{ "ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
		{ "ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r" },
		{ "w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h" },
		{ "*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
		{ "x.w.example.", "b4um86eghhds6nea196smvmlo4ors995" },
		{ "y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc" },
		{ "x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s" },
		{ "xx.example.", "t644ebqk9bibcna874givr6joj62mlhv" },
		{ "X.Y.W.Example.", "2vptu5timamqttgl4luu9kg21e0aor3s" },
	};
	uint8_t h[OD_NSEC3_HASH_MAXLEN];
	char b32[40];
	uint32_t budget = 13 * 12;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		assert_int_equal(od_nsec3_hash(h, name(tab[i][0]), &params,
		                               &budget),
		                 20);
		od_base32hex_encode(h, 20, b32, sizeof(b32));
		assert_string_equal(b32, tab[i][1]);
	}
	/* 12 hashes of 13 computations spent; 0 left: the next is refused
	 * and the budget stays as it was. */
	assert_int_equal(budget, 0);
	assert_int_equal(od_nsec3_hash(h, name("example."), &params, &budget),
	                 OD_ELIMIT);
	assert_int_equal(budget, 0);
	od_nsec3_params_t bad = params;
	bad.alg = 2;
	assert_int_equal(od_nsec3_hash(h, name("example."), &bad, NULL),
	                 OD_ENOTSUP);
}

static void test_primitives(void **state)
{
	(void)state;
	od_nsec3_rdata_t r;
	assert_int_equal(od_nsec3_parse(&r, n3[0].rdata, n3[0].rdlen), 0);
	assert_int_equal(r.alg, 1);
	assert_int_equal(r.flags, 1);
	assert_int_equal(r.iterations, 12);
	assert_int_equal(r.salt_len, 4);
	assert_int_equal(r.next_len, 20);
	assert_true(od_bitmap_has(r.bitmap, r.bitmap_len, OD_TYPE_SOA));
	assert_true(od_bitmap_has(r.bitmap, r.bitmap_len, OD_TYPE_NSEC3PARAM));
	assert_false(od_bitmap_has(r.bitmap, r.bitmap_len, OD_TYPE_A));
	assert_false(od_bitmap_has(r.bitmap, r.bitmap_len, 1234));
	assert_int_equal(od_nsec3_parse(&r, n3[0].rdata, 6), OD_EMALF);

	uint16_t types[] = { 1, 46, 47, 1234, 1 };
	uint8_t bm[64];
	int n = od_bitmap_build(types, 5, bm, sizeof(bm));
	/* window 0: 6 octets (bit 47), window 4: 27 octets (1234 = 4*256+210) */
	assert_int_equal(n, 2 + 6 + 2 + 27);
	for (size_t i = 0; i < 4; i++)
		assert_true(od_bitmap_has(bm, (size_t)n, types[i]));
	assert_false(od_bitmap_has(bm, (size_t)n, 2));
	assert_int_equal(od_bitmap_build(types, 5, bm, 10), OD_ESPACE);

	/* NSEC covers, with wrap-around at the last record. */
	assert_true(od_nsec_covers(&ns[2], name("b.example."), zone));
	assert_false(od_nsec_covers(&ns[2], name("ai.example."), zone));
	assert_false(od_nsec_covers(&ns[2], name("c.example."), zone));
	assert_true(od_nsec_covers(&ns[9], name("z.example."), zone));
	assert_true(od_nsec_covers(&ns[9], name("a.z.example."), zone));
	assert_false(od_nsec_covers(&ns[9], name("a.example."), zone));
	assert_false(od_nsec_covers(&ns[9], name("z.other."), zone));
	/* nothing below a delegation is covered by its NSEC */
	assert_false(od_nsec_covers(&ns[3], name("x.c.example."), zone));
	assert_true(od_nsec_matches(&ns[3], name("C.example.")));

	/* NSEC3 covers, with wrap-around at t644... -> 0p9m... */
	uint8_t h[20];
	od_nsec3_hash(h, name("c.example."), &params, NULL); /* 4g6p9u5g */
	assert_true(od_nsec3_covers(&n3[3], zone, h, 20));
	assert_false(od_nsec3_covers(&n3[4], zone, h, 20));
	uint8_t hi[20], lo[20];
	memset(hi, 0xff, 20);
	memset(lo, 0, 20);
	assert_true(od_nsec3_covers(&n3[10], zone, hi, 20));
	assert_true(od_nsec3_covers(&n3[10], zone, lo, 20));
	assert_false(od_nsec3_covers(&n3[9], zone, hi, 20));
	od_nsec3_hash(h, name("xx.example."), &params, NULL);
	assert_true(od_nsec3_matches(&n3[10], zone, h, 20));
	assert_false(od_nsec3_covers(&n3[10], zone, h, 20));
	assert_false(od_nsec3_matches(&n3[10], name("other."), h, 20));

	uint8_t wc[OD_NAME_MAXLEN];
	assert_int_equal(od_wildcard_of(wc, zone), 11);
	assert_true(od_name_equal(wc, name("*.example.")));
}

static od_nsec3_set_t set_of(const od_rr_t *rrs, size_t n, uint32_t *budget)
{
	return (od_nsec3_set_t){ .rrs = rrs,
		                 .count = n,
		                 .zone = zone,
		                 .max_iterations = 50,
		                 .budget = budget };
}

#define EXPECT(call, v)                                                        \
	do {                                                                   \
		od_denial_t res_ = { .verdict = 99, .reason = NULL };          \
		assert_int_equal(call, 0);                                     \
		if (res_.verdict != (v))                                       \
			fprintf(stderr, "line %d: verdict %d (%s)\n",          \
			        __LINE__, res_.verdict, res_.reason);          \
		assert_int_equal(res_.verdict, v);                             \
		assert_non_null(res_.reason);                                  \
	} while (0)
#define RES (&res_)

static void test_nsec3_proofs(void **state)
{
	(void)state;
	uint32_t budget = 100000;
	od_nsec3_set_t s = set_of(n3, RFC_N, &budget);
	const uint8_t *ce = NULL;
	bool opt_out = false;

	/* B.1 Name Error: a.c.x.w.example; closest encloser x.w.example.
	 * The span over the next closer name has Opt-Out, so the answer is
	 * only insecure. */
	const uint8_t *q = name("a.c.x.w.example.");
	EXPECT(od_nsec3_closest_encloser(&s, q, RES, &ce, &opt_out),
	       OD_DENIAL_PROVEN);
	assert_true(od_name_equal(ce, name("x.w.example.")));
	assert_true(opt_out);
	EXPECT(od_nsec3_nxdomain(&s, q, RES), OD_DENIAL_INSECURE_OPTOUT);
	/* existing name */
	EXPECT(od_nsec3_nxdomain(&s, name("ai.example."), RES),
	       OD_DENIAL_BOGUS);
	/* out of the zone */
	EXPECT(od_nsec3_nxdomain(&s, name("a.other."), RES), OD_DENIAL_BOGUS);

	/* B.2 No Data: ns1.example MX */
	EXPECT(od_nsec3_nodata(&s, name("ns1.example."), 15, RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec3_nodata(&s, name("ns1.example."), OD_TYPE_A, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec3_nodata(&s, name("nx.example."), OD_TYPE_A, RES),
	       OD_DENIAL_NOT_PROVEN);
	/* B.2.1 empty non-terminal y.w.example A */
	EXPECT(od_nsec3_nodata(&s, name("y.w.example."), OD_TYPE_A, RES),
	       OD_DENIAL_PROVEN);
	/* parent-side record at a secure delegation cannot deny A */
	EXPECT(od_nsec3_nodata(&s, name("a.example."), OD_TYPE_A, RES),
	       OD_DENIAL_BOGUS);

	/* B.3 Referral to an Opt-Out unsigned zone: c.example */
	EXPECT(od_nsec3_insecure_delegation(&s, name("c.example."), RES),
	       OD_DENIAL_INSECURE_OPTOUT);
	EXPECT(od_nsec3_nodata(&s, name("c.example."), OD_TYPE_DS, RES),
	       OD_DENIAL_INSECURE_OPTOUT);
	EXPECT(od_nsec3_insecure_delegation(&s, name("a.example."), RES),
	       OD_DENIAL_BOGUS);

	/* B.4 Wildcard expansion: a.z.w.example MX from *.w.example. The
	 * record covering the next closer name z.w.example has Opt-Out, so
	 * the expansion is proven but the answer is not secure (§9.2). */
	q = name("a.z.w.example.");
	EXPECT(od_nsec3_wildcard_answer(&s, q, 2, RES),
	       OD_DENIAL_INSECURE_OPTOUT);
	EXPECT(od_nsec3_wildcard_answer(&s, name("x.w.example."), 2, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec3_wildcard_answer(&s, q, 4, RES), OD_DENIAL_BOGUS);

	/* B.5 Wildcard No Data: a.z.w.example AAAA (Opt-Out over the next
	 * closer name again: proven, not secure) */
	EXPECT(od_nsec3_wildcard_nodata(&s, q, 28, RES),
	       OD_DENIAL_INSECURE_OPTOUT);
	EXPECT(od_nsec3_wildcard_nodata(&s, q, 15, RES), OD_DENIAL_BOGUS);

	/* B.6 DS Child Zone No Data: example DS */
	EXPECT(od_nsec3_nodata(&s, zone, OD_TYPE_DS, RES), OD_DENIAL_PROVEN);

	/* Missing records: without the wildcard's cover (q04j.. covers
	 * *.x.w.example? no: gjeqe.. does) the proof fails. */
	od_rr_t part[RFC_N];
	size_t k = 0;
	uint8_t wh[20];
	od_nsec3_hash(wh, name("*.x.w.example."), &params, NULL);
	for (size_t i = 0; i < RFC_N; i++)
		if (!od_nsec3_covers(&n3[i], zone, wh, 20))
			part[k++] = n3[i];
	assert_int_equal(k, RFC_N - 1);
	od_nsec3_set_t sp = set_of(part, k, NULL);
	EXPECT(od_nsec3_nxdomain(&sp, name("a.c.x.w.example."), RES),
	       OD_DENIAL_NOT_PROVEN);
	sp.count = 0;
	EXPECT(od_nsec3_nodata(&sp, name("ns1.example."), 15, RES),
	       OD_DENIAL_NOT_PROVEN);

	/* RFC 9276 limit below 12 */
	s.max_iterations = 10;
	EXPECT(od_nsec3_nxdomain(&s, name("a.c.x.w.example."), RES),
	       OD_DENIAL_ITERATIONS);
	s.max_iterations = 50;

	/* Work budget: two hashes (26 computations) are not enough for the
	 * five the B.1 proof needs. */
	budget = 26;
	od_denial_t res;
	assert_int_equal(od_nsec3_nxdomain(&s, name("a.c.x.w.example."), &res),
	                 OD_ELIMIT);
}

/* nsec: the apex without NSEC3PARAM (the NSEC-signed zone has none). */
static void make_nodes(od_denial_node_t *nodes, bool nsec)
{
	static uint8_t names[NAMES_N][OD_NAME_MAXLEN];
	for (size_t i = 0; i < NAMES_N; i++) {
		od_name_from_str(names[i], zone_names[i].name,
		                 strlen(zone_names[i].name), NULL);
		nodes[i] = (od_denial_node_t){ .name = names[i],
			                       .types = zone_names[i].types,
			                       .ntypes = zone_names[i].n };
	}
	if (nsec)
		nodes[0].ntypes--;
}

static void test_nsec3_chain(void **state)
{
	(void)state;
	od_denial_node_t nodes[NAMES_N];
	make_nodes(nodes, false);
	od_denial_rec_t *recs = NULL;
	size_t count = 0;
	assert_int_equal(od_nsec3_chain(NULL, nodes, NAMES_N, zone, &params,
	                                true, &recs, &count),
	                 0);
	/* Opt-Out: exactly the RFC 5155 Appendix A records, in hash order */
	assert_int_equal(count, RFC_N);
	for (size_t i = 0; i < count; i++) {
		assert_true(od_name_equal(recs[i].owner, n3[i].owner));
		assert_int_equal(recs[i].rdlen, n3[i].rdlen);
		assert_memory_equal(recs[i].rdata, n3[i].rdata, n3[i].rdlen);
	}
	od_denial_recs_free(NULL, recs, count);

	/* Without Opt-Out: c.example gets its record (NS only); then the
	 * B.1 name error is fully proven. */
	assert_int_equal(od_nsec3_chain(NULL, nodes, NAMES_N, zone, &params,
	                                false, &recs, &count),
	                 0);
	assert_int_equal(count, RFC_N + 1);
	od_rr_t rrs[RFC_N + 1];
	uint8_t ch[20];
	od_nsec3_hash(ch, name("c.example."), &params, NULL);
	bool seen = false;
	for (size_t i = 0; i < count; i++) {
		rrs[i] = (od_rr_t){ .owner = recs[i].owner,
			            .rdata = recs[i].rdata,
			            .rdlen = recs[i].rdlen,
			            .type = OD_TYPE_NSEC3,
			            .rclass = 1 };
		od_nsec3_rdata_t r;
		assert_int_equal(od_nsec3_parse(&r, rrs[i].rdata, rrs[i].rdlen),
		                 0);
		assert_int_equal(r.flags, 0);
		if (od_nsec3_matches(&rrs[i], zone, ch, 20)) {
			seen = true;
			assert_true(od_bitmap_has(r.bitmap, r.bitmap_len,
			                          OD_TYPE_NS));
			assert_false(od_bitmap_has(r.bitmap, r.bitmap_len,
			                           OD_TYPE_RRSIG));
		}
	}
	assert_true(seen);
	od_nsec3_set_t s = set_of(rrs, count, NULL);
	EXPECT(od_nsec3_nxdomain(&s, name("a.c.x.w.example."), RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec3_insecure_delegation(&s, name("c.example."), RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec3_nodata(&s, name("c.example."), OD_TYPE_DS, RES),
	       OD_DENIAL_PROVEN);
	od_denial_recs_free(NULL, recs, count);

	/* names outside the zone */
	assert_int_equal(od_nsec3_chain(NULL, nodes, NAMES_N,
	                                name("w.example."), &params, false,
	                                &recs, &count),
	                 OD_EINVAL);
}

static void test_nsec_chain(void **state)
{
	(void)state;
	od_denial_node_t nodes[NAMES_N];
	make_nodes(nodes, true);
	od_denial_rec_t *recs = NULL;
	assert_int_equal(od_nsec_chain(NULL, nodes, NAMES_N, &recs), 0);
	for (size_t i = 0; i < NAMES_N; i++) {
		assert_true(od_name_equal(recs[i].owner, ns[i].owner));
		assert_int_equal(recs[i].rdlen, ns[i].rdlen);
		assert_memory_equal(recs[i].rdata, ns[i].rdata, ns[i].rdlen);
	}
	od_denial_recs_free(NULL, recs, NAMES_N);
	/* out of order */
	od_denial_node_t swapped[2] = { nodes[1], nodes[0] };
	assert_int_equal(od_nsec_chain(NULL, swapped, 2, &recs), OD_EINVAL);
}

static void test_nsec_proofs(void **state)
{
	(void)state;
	/* NXDOMAIN */
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("b.example."), zone, RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("a.c.x.w.example."), zone,
	                        RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("ai.example."), zone, RES),
	       OD_DENIAL_BOGUS);
	/* w.example is an empty non-terminal: the span before it ends
	 * below it, so it exists */
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("w.example."), zone, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("w.example."), OD_TYPE_A, zone,
	                      RES),
	       OD_DENIAL_PROVEN);
	/* wrong range: only a.example -> ai.example */
	EXPECT(od_nsec_nxdomain(ns + 1, 1, name("b.example."), zone, RES),
	       OD_DENIAL_NOT_PROVEN);
	/* the name covered, the wildcard proof missing */
	EXPECT(od_nsec_nxdomain(ns + 2, 1, name("b.example."), zone, RES),
	       OD_DENIAL_NOT_PROVEN);
	/* the wildcard exists: *.w.example matches */
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("a.z.w.example."), zone, RES),
	       OD_DENIAL_BOGUS);
	/* below the insecure delegation c.example: not the zone's to deny */
	EXPECT(od_nsec_nxdomain(ns, NSEC_N, name("www.c.example."), zone, RES),
	       OD_DENIAL_NOT_PROVEN);

	/* NODATA */
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("ns1.example."), 15, zone, RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("ns1.example."), OD_TYPE_A, zone,
	                      RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("y.w.example."), OD_TYPE_A, zone,
	                      RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("c.example."), OD_TYPE_A, zone,
	                      RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("c.example."), OD_TYPE_DS, zone,
	                      RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_nodata(ns, NSEC_N, name("nx.example."), OD_TYPE_A, zone,
	                      RES),
	       OD_DENIAL_NOT_PROVEN);

	/* Wildcard NODATA and answer from *.w.example */
	const uint8_t *q = name("a.z.w.example.");
	EXPECT(od_nsec_wildcard_nodata(ns, NSEC_N, q, 28, zone, RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_wildcard_nodata(ns, NSEC_N, q, 15, zone, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_wildcard_nodata(ns + 8, 1, q, 28, zone, RES),
	       OD_DENIAL_NOT_PROVEN);
	EXPECT(od_nsec_wildcard_answer(ns, NSEC_N, q, 2, zone, RES),
	       OD_DENIAL_PROVEN);
	/* claimed expansion from *.example: z.w.example's parent exists */
	EXPECT(od_nsec_wildcard_answer(ns, NSEC_N, q, 1, zone, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_wildcard_answer(ns, NSEC_N, name("x.w.example."), 2,
	                               zone, RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_wildcard_answer(ns, 1, q, 2, zone, RES),
	       OD_DENIAL_NOT_PROVEN);

	/* Insecure delegation */
	EXPECT(od_nsec_insecure_delegation(ns, NSEC_N, name("c.example."), zone,
	                                   RES),
	       OD_DENIAL_PROVEN);
	EXPECT(od_nsec_insecure_delegation(ns, NSEC_N, name("a.example."), zone,
	                                   RES),
	       OD_DENIAL_BOGUS);
	EXPECT(od_nsec_insecure_delegation(ns, NSEC_N, name("ai.example."),
	                                   zone, RES),
	       OD_DENIAL_BOGUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_nsec3_proofs),
		cmocka_unit_test(test_nsec3_chain),
		cmocka_unit_test(test_nsec_chain),
		cmocka_unit_test(test_nsec_proofs),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
