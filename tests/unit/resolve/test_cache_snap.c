/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"
#include "resolve/cache_snap.h"

/* Clocks: the cache's (monotonic, restarts near 0) and the wall's. */
#define MONO0 1000u
#define WALL0 1700000000
#define DUMP_AFTER 100            /* seconds between the puts and the dump */
#define CTX 0x0123456789abcdefull /* the setup the snapshots are made in */

static const uint8_t *N(const char *s)
{
	static uint8_t bufs[8][OD_NAME_MAXLEN];
	static unsigned next;
	uint8_t *b = bufs[next++ % 8];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

static const uint8_t SOA_RDATA[] = { 2,   'n', 's', 0, 5, 'a', 'd', 'm',
	                             'i', 'n', 0,   0, 0, 0,   1,   0,
	                             0,   14,  16,  0, 0, 7,   8,   0,
	                             9,   58,  128, 0, 0, 1,   44 };

/* RRSIG RDATA covering covered, original TTL 3600, signer example.,
   a fake 40-octet signature. */
static size_t make_sig(uint8_t *d, uint16_t covered, uint8_t seed)
{
	static const uint8_t signer[] = { 7,   'e', 'x', 'a', 'm',
		                          'p', 'l', 'e', 0 };
	memset(d, 0, 18);
	d[0] = (uint8_t)(covered >> 8);
	d[1] = (uint8_t)covered;
	d[2] = 13;
	d[3] = 2;
	d[6] = 0x0e; /* 3600 */
	d[7] = 0x10;
	d[16] = seed;
	memcpy(d + 18, signer, sizeof(signer));
	size_t n = 18 + sizeof(signer);
	for (unsigned j = 0; j < 40; j++)
		d[n + j] = (uint8_t)(j * 7 + seed);
	return n + 40;
}

/* NSEC RDATA: next name c.example., types A RRSIG NSEC. */
static const uint8_t NSEC_RDATA[] = { 1,   'c', 7,   'e', 'x', 'a', 'm',
	                              'p', 'l', 'e', 0,   0,   6,   0x40,
	                              0,   0,   0,   0,   0x03 };

static odr_cache_t *new_cache(void)
{
	odr_cache_conf_t conf = { .shards = 4 };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	return c;
}

static size_t entries(odr_cache_t *c)
{
	odr_cache_stats_t st;
	odr_cache_stats(c, &st);
	return st.entries;
}

/* The cache the tests dump: www.example. A (2 records, 1 RRSIG, secure,
   TTL 300), mail.example. MX (TTL 1000), an NXDOMAIN for nx.example.
   with an NSEC and its RRSIG as proof (TTL 600, vflags 5, EDE 0) and a
   NODATA for www.example. TXT (TTL 200, bogus, EDE 6). All put at
   MONO0. */
static odr_cache_t *filled(void)
{
	odr_cache_t *c = new_cache();
	uint8_t owner[OD_NAME_MAXLEN];
	od_name_copy(owner, N("www.example."));
	static const uint8_t a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };
	uint8_t sig[128];
	size_t siglen = make_sig(sig, OD_TYPE_A, 1);
	od_rr_t rrs[2] = {
		{ .owner = owner,
		  .rdata = a1,
		  .rdlen = 4,
		  .type = OD_TYPE_A,
		  .rclass = OD_CLASS_IN },
		{ .owner = owner,
		  .rdata = a2,
		  .rdlen = 4,
		  .type = OD_TYPE_A,
		  .rclass = OD_CLASS_IN },
	};
	od_rr_t sigs[1] = { { .owner = owner,
		              .rdata = sig,
		              .rdlen = (uint16_t)siglen,
		              .type = OD_TYPE_RRSIG,
		              .rclass = OD_CLASS_IN } };
	odr_rrset_t set = { .owner = owner,
		            .type = OD_TYPE_A,
		            .rclass = OD_CLASS_IN,
		            .ttl = 300,
		            .rank = ODR_RANK_SECURE,
		            .sec = ODR_SEC_SECURE,
		            .count = 2,
		            .nsigs = 1,
		            .rrs = rrs,
		            .sigs = sigs };
	assert_int_equal(odr_cache_put(c, &set, MONO0), 0);

	uint8_t mowner[OD_NAME_MAXLEN];
	od_name_copy(mowner, N("mail.example."));
	static const uint8_t mx[] = { 0,   10,  2,   'm', 'x', 7,   'e',
		                      'x', 'a', 'm', 'p', 'l', 'e', 0 };
	od_rr_t mrr = { .owner = mowner,
		        .rdata = mx,
		        .rdlen = sizeof(mx),
		        .type = OD_TYPE_MX,
		        .rclass = OD_CLASS_IN };
	odr_rrset_t mset = { .owner = mowner,
		             .type = OD_TYPE_MX,
		             .rclass = OD_CLASS_IN,
		             .ttl = 1000,
		             .rank = ODR_RANK_ANSWER_AA,
		             .count = 1,
		             .rrs = &mrr };
	assert_int_equal(odr_cache_put(c, &mset, MONO0), 0);

	uint8_t zone[OD_NAME_MAXLEN], powner[OD_NAME_MAXLEN];
	od_name_copy(zone, N("example."));
	od_name_copy(powner, N("b.example."));
	uint8_t psig[128];
	size_t psiglen = make_sig(psig, OD_TYPE_NSEC, 2);
	od_rr_t proof[2] = {
		{ .owner = powner,
		  .rdata = NSEC_RDATA,
		  .rdlen = sizeof(NSEC_RDATA),
		  .type = OD_TYPE_NSEC,
		  .rclass = OD_CLASS_IN,
		  .ttl = 300 },
		{ .owner = powner,
		  .rdata = psig,
		  .rdlen = (uint16_t)psiglen,
		  .type = OD_TYPE_RRSIG,
		  .rclass = OD_CLASS_IN,
		  .ttl = 300 },
	};
	odr_neg_t nx = { .rcode = OD_RCODE_NXDOMAIN,
		         .zone = zone,
		         .soa = SOA_RDATA,
		         .soa_len = sizeof(SOA_RDATA),
		         .ttl = 600,
		         .rank = ODR_RANK_SECURE,
		         .sec = ODR_SEC_SECURE,
		         .vflags = 5,
		         .proof = proof,
		         .nproof = 2 };
	assert_int_equal(odr_cache_put_neg(c, N("nx.example."), 0, &nx, MONO0),
	                 0);
	odr_neg_t nd = { .rcode = OD_RCODE_NOERROR,
		         .zone = zone,
		         .soa = SOA_RDATA,
		         .soa_len = sizeof(SOA_RDATA),
		         .ttl = 200,
		         .rank = ODR_RANK_AUTH_AA,
		         .sec = ODR_SEC_BOGUS,
		         .ede = 6 };
	assert_int_equal(odr_cache_put_neg(c, N("www.example."), OD_TYPE_TXT,
	                                   &nd, MONO0),
	                 0);
	assert_int_equal(entries(c), 4);
	return c;
}

/* A snapshot of filled() taken DUMP_AFTER seconds after the puts, at
   wall time WALL0. */
static uint8_t *dumped(size_t *len)
{
	odr_cache_t *c = filled();
	uint8_t *buf = NULL;
	odr_snap_counts_t n;
	assert_int_equal(odr_snap_encode(c, MONO0 + DUMP_AFTER, WALL0, CTX,
	                                 &buf, len, &n),
	                 0);
	assert_int_equal(n.entries, 4);
	assert_int_equal(n.skipped, 0);
	assert_int_equal(n.written, WALL0);
	assert_int_equal(n.bytes, *len);
	odr_cache_free(c);
	return buf;
}

static void test_roundtrip(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	assert_memory_equal(buf, "ODRCACHE", 8);
	/* Loaded 60 s later into a cache whose clock starts at 5. */
	odr_cache_t *c = new_cache();
	char err[256];
	odr_snap_counts_t n;
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0 + 60, CTX, 0, &n,
	                                 err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 4);
	assert_int_equal(n.skipped, 0);
	assert_int_equal(n.written, WALL0);
	assert_int_equal(entries(c), 4);

	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t s;
	assert_int_equal(odr_cache_get(c, N("WWW.example."), OD_TYPE_A, 5,
	                               &a.mm, &s),
	                 0);
	/* The absolute expiry is kept: 300 - 100 before the dump - 60. */
	assert_int_equal(s.ttl, 140);
	assert_int_equal(s.rank, ODR_RANK_SECURE);
	assert_int_equal(s.sec, ODR_SEC_SECURE);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.nsigs, 1);
	uint8_t sig[128];
	size_t siglen = make_sig(sig, OD_TYPE_A, 1);
	assert_int_equal(s.sigs[0].rdlen, siglen);
	assert_memory_equal(s.sigs[0].rdata, sig, siglen);
	bool seen1 = false, seen2 = false;
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(s.rrs[i].rdlen, 4);
		seen1 |= s.rrs[i].rdata[3] == 1;
		seen2 |= s.rrs[i].rdata[3] == 2;
	}
	assert_true(seen1 && seen2);

	assert_int_equal(odr_cache_get(c, N("mail.example."), OD_TYPE_MX, 5,
	                               &a.mm, &s),
	                 0);
	assert_int_equal(s.ttl, 1000 - DUMP_AFTER - 60);
	assert_int_equal(s.rank, ODR_RANK_ANSWER_AA);
	assert_int_equal(s.nsigs, 0);
	assert_int_equal(s.rrs[0].rdlen, 14);

	odr_neg_t g;
	/* RFC 8020: a name below the NXDOMAIN is NXDOMAIN too. */
	assert_int_equal(odr_cache_get_neg(c, N("x.nx.example."), OD_TYPE_A, 5,
	                                   &a.mm, &g),
	                 0);
	assert_int_equal(g.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(g.ttl, 600 - DUMP_AFTER - 60);
	assert_int_equal(g.sec, ODR_SEC_SECURE);
	assert_int_equal(g.rank, ODR_RANK_SECURE);
	assert_int_equal(g.vflags, 5);
	assert_true(od_name_equal(g.zone, N("example.")));
	assert_int_equal(g.soa_len, sizeof(SOA_RDATA));
	assert_memory_equal(g.soa, SOA_RDATA, sizeof(SOA_RDATA));
	assert_int_equal(g.nproof, 2);
	unsigned nsec = 0, rrsig = 0;
	for (unsigned i = 0; i < g.nproof; i++) {
		assert_true(od_name_equal(g.proof[i].owner, N("b.example.")));
		if (g.proof[i].type == OD_TYPE_NSEC) {
			nsec++;
			assert_int_equal(g.proof[i].rdlen, sizeof(NSEC_RDATA));
			assert_memory_equal(g.proof[i].rdata, NSEC_RDATA,
			                    sizeof(NSEC_RDATA));
		} else if (g.proof[i].type == OD_TYPE_RRSIG) {
			rrsig++;
			assert_int_equal(od_get_u16(g.proof[i].rdata),
			                 OD_TYPE_NSEC);
		}
		assert_true(g.proof[i].ttl <= g.ttl);
	}
	assert_int_equal(nsec, 1);
	assert_int_equal(rrsig, 1);

	assert_int_equal(odr_cache_get_neg(c, N("www.example."), OD_TYPE_TXT, 5,
	                                   &a.mm, &g),
	                 0);
	assert_int_equal(g.rcode, OD_RCODE_NOERROR);
	assert_int_equal(g.ttl, 200 - DUMP_AFTER - 60);
	assert_int_equal(g.sec, ODR_SEC_BOGUS);
	assert_int_equal(g.ede, 6);
	assert_int_equal(g.nproof, 0);
	od_arena_deinit(&a);

	/* A dump of the loaded cache is the same data again. */
	uint8_t *again = NULL;
	size_t len2;
	assert_int_equal(
	        odr_snap_encode(c, 5, WALL0 + 60, CTX, &again, &len2, &n), 0);
	assert_int_equal(len2, len);
	assert_int_equal(n.entries, 4);
	odr_cache_free(c);
	free(again);
	free(buf);
}

static void test_expired_skipped(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	/* 150 s after the dump the A (200 s left) and the MX (900 s) live,
	   the NODATA (100 s left) is gone; at 600 s only the MX lives. */
	odr_cache_t *c = new_cache();
	odr_snap_counts_t n;
	char err[256];
	assert_int_equal(odr_snap_decode(c, buf, len, 7, WALL0 + 150, CTX, 0,
	                                 &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 3);
	assert_int_equal(n.skipped, 1);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_neg_t g;
	assert_int_equal(odr_cache_get_neg(c, N("www.example."), OD_TYPE_TXT, 7,
	                                   &a.mm, &g),
	                 1);
	odr_rrset_t s;
	assert_int_equal(odr_cache_get(c, N("www.example."), OD_TYPE_A, 7,
	                               &a.mm, &s),
	                 0);
	assert_int_equal(s.ttl, 50);
	odr_cache_free(c);

	c = new_cache();
	assert_int_equal(odr_snap_decode(c, buf, len, 7, WALL0 + 600, CTX, 0,
	                                 &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 1);
	assert_int_equal(n.skipped, 3);
	assert_int_equal(entries(c), 1);
	assert_int_equal(odr_cache_get(c, N("mail.example."), OD_TYPE_MX, 7,
	                               &a.mm, &s),
	                 0);
	assert_int_equal(s.ttl, 1000 - DUMP_AFTER - 600);
	od_arena_deinit(&a);
	odr_cache_free(c);
	free(buf);
}

static odr_cache_t *stale_cache(uint32_t window)
{
	odr_cache_conf_t conf = { .shards = 4, .stale_window = window };
	odr_cache_t *c = odr_cache_new(&conf);
	assert_non_null(c);
	return c;
}

/* www.example. A 192.0.2.1, TTL 300, put at MONO0 into c. */
static void put_www(odr_cache_t *c)
{
	static const uint8_t a1[4] = { 192, 0, 2, 1 };
	uint8_t owner[OD_NAME_MAXLEN];
	od_name_copy(owner, N("www.example."));
	od_rr_t rr = { .owner = owner,
		       .rdata = a1,
		       .rdlen = 4,
		       .type = OD_TYPE_A,
		       .rclass = OD_CLASS_IN };
	odr_rrset_t set = { .owner = owner,
		            .type = OD_TYPE_A,
		            .rclass = OD_CLASS_IN,
		            .ttl = 300,
		            .rank = ODR_RANK_ANSWER_AA,
		            .count = 1,
		            .rrs = &rr };
	assert_int_equal(odr_cache_put(c, &set, MONO0), 0);
}

/* Serve-stale across a restart: expired entries within the stale window
   are dumped and come back as stale data, into an empty cache only. */
static void test_stale_kept(void **state)
{
	(void)state;
	odr_cache_t *c = stale_cache(1000);
	put_www(c);
	/* Dumped 100 s after it expired (wall: WALL0 + 400). */
	uint8_t *buf = NULL;
	size_t len;
	odr_snap_counts_t n;
	assert_int_equal(odr_snap_encode(c, MONO0 + 400, WALL0 + 400, CTX, &buf,
	                                 &len, &n),
	                 0);
	assert_int_equal(n.entries, 1);
	odr_cache_free(c);

	/* Loaded 50 s later by a process whose clock reads 5000. */
	char err[256];
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t s;
	c = stale_cache(1000);
	assert_int_equal(odr_snap_decode(c, buf, len, 5000, WALL0 + 450, CTX,
	                                 ODR_SNAP_STALE, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 1);
	assert_int_equal(n.skipped, 0);
	/* Not fresh data, but stale data. */
	assert_int_equal(odr_cache_get(c, N("www.example."), OD_TYPE_A, 5000,
	                               &a.mm, &s),
	                 1);
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     5000, &a.mm, &s),
	                 0);
	assert_int_equal(s.ttl, 0);
	assert_int_equal(s.count, 1);
	/* It leaves the window when it would have: expired at WALL0 + 300,
	   so until WALL0 + 1300, which is clock 5850 here. */
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     5849, &a.mm, &s),
	                 0);
	assert_int_equal(odr_cache_get_stale(c, N("www.example."), OD_TYPE_A,
	                                     5851, &a.mm, &s),
	                 1);
	odr_cache_free(c);

	/* Past the window at the load: skipped. */
	c = stale_cache(1000);
	assert_int_equal(odr_snap_decode(c, buf, len, 5000, WALL0 + 1301, CTX,
	                                 ODR_SNAP_STALE, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 0);
	assert_int_equal(n.skipped, 1);
	odr_cache_free(c);
	/* No stale window in the loading cache: skipped. */
	c = new_cache();
	assert_int_equal(odr_snap_decode(c, buf, len, 5000, WALL0 + 450, CTX,
	                                 ODR_SNAP_STALE, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.skipped, 1);
	assert_int_equal(entries(c), 0);
	odr_cache_free(c);
	/* Without ODR_SNAP_STALE (a load at run time): stale entries never
	   compete with what the cache has. */
	c = stale_cache(1000);
	put_www(c);
	size_t before = entries(c);
	assert_int_equal(odr_snap_decode(c, buf, len, 5000, WALL0 + 450, CTX, 0,
	                                 &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 0);
	assert_int_equal(n.skipped, 1);
	assert_int_equal(entries(c), before);
	odr_cache_free(c);
	/* A clock younger than the entry's age cannot place it: skipped. */
	c = stale_cache(1000);
	assert_int_equal(odr_snap_decode(c, buf, len, 100, WALL0 + 450, CTX,
	                                 ODR_SNAP_STALE, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.skipped, 1);
	odr_cache_free(c);
	/* A dump past the window leaves it out. */
	c = stale_cache(1000);
	put_www(c);
	free(buf);
	assert_int_equal(odr_snap_encode(c, MONO0 + 1301, WALL0 + 1301, CTX,
	                                 &buf, &len, &n),
	                 0);
	assert_int_equal(n.entries, 0);
	odr_cache_free(c);
	od_arena_deinit(&a);
	free(buf);
}

static void test_truncated_refused(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	odr_cache_t *c = new_cache();
	char err[256];
	for (size_t cut = 0; cut < len; cut++) {
		/* A copy of exactly cut bytes, so ASan sees any overread. */
		uint8_t *p = malloc(cut > 0 ? cut : 1);
		assert_non_null(p);
		memcpy(p, buf, cut);
		int r = odr_snap_decode(c, p, cut, 5, WALL0, CTX, 0, NULL, err,
		                        sizeof(err));
		assert_int_equal(r, OD_EMALF);
		assert_true(err[0] != '\0');
		assert_int_equal(entries(c), 0);
		free(p);
	}
	/* One byte too many is refused as well. */
	uint8_t *p = malloc(len + 1);
	memcpy(p, buf, len);
	p[len] = 0;
	assert_int_equal(odr_snap_decode(c, p, len + 1, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	assert_int_equal(entries(c), 0);
	free(p);
	odr_cache_free(c);
	free(buf);
}

static void test_flipped_byte_refused(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	odr_cache_t *c = new_cache();
	char err[256];
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			buf[i] ^= (uint8_t)(1u << bit);
			int r = odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0,
			                        NULL, err, sizeof(err));
			assert_true(r == OD_EMALF || r == OD_ENOTSUP);
			assert_int_equal(entries(c), 0);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Unchanged, it loads. */
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 0);
	assert_int_equal(entries(c), 4);
	odr_cache_free(c);
	free(buf);
}

/* The FNV-1a 64 trailer, recomputed after a deliberate change. */
static void reseal(uint8_t *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len - 8; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ull;
	}
	for (int i = 7; i >= 0; i--) {
		buf[len - 8 + (size_t)i] = (uint8_t)h;
		h >>= 8;
	}
}

static void test_wrong_version_refused(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	odr_cache_t *c = new_cache();
	char err[256];
	buf[9] = ODR_SNAP_VERSION + 1;
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_ENOTSUP);
	assert_non_null(strstr(err, "version 2"));
	assert_int_equal(entries(c), 0);
	buf[9] = ODR_SNAP_VERSION;
	buf[11] = 1; /* flags of a later format */
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_ENOTSUP);
	assert_int_equal(entries(c), 0);
	buf[0] = 'X';
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	assert_non_null(strstr(err, "not a cache snapshot"));
	odr_cache_free(c);
	free(buf);
}

/* A snapshot made in another setup (another context) is refused. */
static void test_other_context_refused(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	odr_cache_t *c = new_cache();
	char err[256];
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX + 1, 0,
	                                 NULL, err, sizeof(err)),
	                 OD_ENOTSUP);
	assert_non_null(strstr(err, "another setup"));
	assert_int_equal(entries(c), 0);
	odr_cache_free(c);
	free(buf);
}

/* Offset of entry want of a snapshot (walking it as the format says,
   for the tests that change one entry and reseal). */
static size_t entry_at(const uint8_t *buf, unsigned want)
{
	size_t pos = 40;
	for (unsigned i = 0; i < want; i++) {
		uint8_t kind = buf[pos];
		pos += 13;
		pos += od_name_len(buf + pos);
		if (kind == 1) {
			uint16_t n = od_get_u16(buf + pos + 2);
			n += od_get_u16(buf + pos + 4);
			pos += 6;
			for (unsigned j = 0; j < n; j++)
				pos += 2 + od_get_u16(buf + pos);
		} else {
			pos += 4;
			pos += od_name_len(buf + pos);
			pos += 2 + od_get_u16(buf + pos);
			uint16_t n = od_get_u16(buf + pos);
			pos += 2;
			for (unsigned j = 0; j < n; j++) {
				pos += od_name_len(buf + pos) + 6;
				pos += 2 + od_get_u16(buf + pos);
			}
		}
	}
	return pos;
}

/* A file with a correct checksum but a bad entry (someone wrote it
   so): refused whole, nothing put, even when the bad entry is the last
   one and the others are fine. */
static void test_bad_entry_refused_whole(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	uint8_t *orig = malloc(len);
	memcpy(orig, buf, len);
	odr_cache_t *c = new_cache();
	char err[256];
	/* Every entry in turn: a rank of 9, a security state of 7, an
	   unknown kind. */
	for (unsigned i = 0; i < 4; i++) {
		size_t at = entry_at(orig, i);
		static const struct {
			size_t off;
			uint8_t v;
			const char *why;
		} bad[] = { { 9, 9, "bad rank" },
			    { 10, 7, "bad security state" },
			    { 0, 3, "unknown entry kind" } };
		for (unsigned k = 0; k < 3; k++) {
			memcpy(buf, orig, len);
			buf[at + bad[k].off] = bad[k].v;
			reseal(buf, len);
			assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0,
			                                 CTX, 0, NULL, err,
			                                 sizeof(err)),
			                 OD_EMALF);
			assert_non_null(strstr(err, bad[k].why));
			assert_int_equal(entries(c), 0);
		}
	}
	/* An entry count one too high or too low. */
	memcpy(buf, orig, len);
	buf[15]++;
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	buf[15] -= 2;
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	assert_int_equal(entries(c), 0);
	/* An entry count in the billions is refused before anything is
	   allocated for it. */
	buf[12] = 0xff;
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	/* An RDATA length reaching past its entry. */
	memcpy(buf, orig, len);
	unsigned first = 0;
	while (buf[entry_at(buf, first)] != 1)
		first++;
	size_t at = entry_at(buf, first);
	size_t rd = at + 13 + od_name_len(buf + at + 13) + 6;
	buf[rd] = 0x40;
	reseal(buf, len);
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, NULL,
	                                 err, sizeof(err)),
	                 OD_EMALF);
	assert_int_equal(entries(c), 0);
	free(orig);
	odr_cache_free(c);
	free(buf);
}

/* A cached entry of a higher rank wins over the snapshot's (a load into
   a running cache). */
static void test_load_keeps_better(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = dumped(&len);
	odr_cache_t *c = new_cache();
	uint8_t owner[OD_NAME_MAXLEN];
	od_name_copy(owner, N("mail.example."));
	static const uint8_t mx[] = { 0, 20, 0 };
	od_rr_t mrr = { .owner = owner,
		        .rdata = mx,
		        .rdlen = sizeof(mx),
		        .type = OD_TYPE_MX,
		        .rclass = OD_CLASS_IN };
	odr_rrset_t mset = { .owner = owner,
		             .type = OD_TYPE_MX,
		             .rclass = OD_CLASS_IN,
		             .ttl = 500,
		             .rank = ODR_RANK_SECURE,
		             .sec = ODR_SEC_SECURE,
		             .count = 1,
		             .rrs = &mrr };
	assert_int_equal(odr_cache_put(c, &mset, 5), 0);
	odr_snap_counts_t n;
	char err[256];
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, &n, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 3);
	assert_int_equal(n.skipped, 1);
	od_arena_t a;
	od_arena_init(&a, 0);
	odr_rrset_t s;
	assert_int_equal(odr_cache_get(c, N("mail.example."), OD_TYPE_MX, 5,
	                               &a.mm, &s),
	                 0);
	assert_int_equal(s.rrs[0].rdlen, 3);
	od_arena_deinit(&a);
	odr_cache_free(c);
	free(buf);
}

static void test_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/od-snap-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[512];
	snprintf(path, sizeof(path), "%s/cache.snapshot", dir);
	odr_cache_t *c = filled();
	odr_snap_counts_t n;
	assert_int_equal(odr_snap_write(c, path, MONO0 + DUMP_AFTER, WALL0, CTX,
	                                &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 4);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	odr_cache_free(c);

	c = new_cache();
	assert_int_equal(odr_snap_read(c, path, 0, 5, WALL0 + 60, CTX, 0, &n,
	                               err, sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 4);
	assert_int_equal(entries(c), 4);
	odr_cache_free(c);

	/* Over the size limit; missing; a directory. */
	c = new_cache();
	assert_int_equal(odr_snap_read(c, path, 64, 5, WALL0, CTX, 0, &n, err,
	                               sizeof(err)),
	                 OD_ELIMIT);
	assert_non_null(strstr(err, path));
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(odr_snap_read(c, missing, 0, 5, WALL0, CTX, 0, &n, err,
	                               sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, missing));
	assert_true(odr_snap_read(c, dir, 0, 5, WALL0, CTX, 0, &n, err,
	                          sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a regular file"));
	/* A FIFO is refused at once, not waited on. */
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_true(odr_snap_read(c, fifo, 0, 5, WALL0, CTX, 0, &n, err,
	                          sizeof(err)) < 0);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(fifo);
	/* A damaged file names itself and the reason. */
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 40, SEEK_SET);
	fputc(0xee, f);
	fclose(f);
	assert_int_equal(odr_snap_read(c, path, 0, 5, WALL0, CTX, 0, &n, err,
	                               sizeof(err)),
	                 OD_EMALF);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "checksum"));
	assert_int_equal(entries(c), 0);
	/* Writing where no directory is fails, naming the path. */
	char bad[160];
	snprintf(bad, sizeof(bad), "%s/no/such/dir", dir);
	assert_true(odr_snap_write(c, bad, 5, WALL0, CTX, &n, err,
	                           sizeof(err)) < 0);
	assert_non_null(strstr(err, bad));
	odr_cache_free(c);
	unlink(path);
	rmdir(dir);
}

/* An empty cache makes a valid, empty snapshot. */
static void test_empty(void **state)
{
	(void)state;
	odr_cache_t *c = new_cache();
	uint8_t *buf = NULL;
	size_t len;
	odr_snap_counts_t n;
	assert_int_equal(odr_snap_encode(c, 5, WALL0, CTX, &buf, &len, &n), 0);
	assert_int_equal(len, 48);
	assert_int_equal(n.entries, 0);
	char err[128];
	assert_int_equal(odr_snap_decode(c, buf, len, 5, WALL0, CTX, 0, &n, err,
	                                 sizeof(err)),
	                 0);
	assert_int_equal(n.entries, 0);
	free(buf);
	odr_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_expired_skipped),
		cmocka_unit_test(test_stale_kept),
		cmocka_unit_test(test_truncated_refused),
		cmocka_unit_test(test_flipped_byte_refused),
		cmocka_unit_test(test_wrong_version_refused),
		cmocka_unit_test(test_other_context_refused),
		cmocka_unit_test(test_bad_entry_refused_whole),
		cmocka_unit_test(test_load_keeps_better),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
