/* SPDX-License-Identifier: MIT */
/*
 * ZONEMD (src/lib/zone/zonemd.c): the RFC 8976 Appendix A examples,
 * Unbound's zonemd.example1..17 verdicts, the real root zone (and a
 * tampered copy), and the rules one by one on small zones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"

static const uint8_t *N(const char *s)
{
	static uint8_t buf[4][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 3];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

static od_zone_t *load_text(const char *text, const char *origin)
{
	od_zload_opts_t o = { .origin = N(origin) };
	od_zone_t *z = NULL;
	int r = od_zone_load_mem(&z, text, strlen(text), "test", &o);
	if (r)
		fail_msg("load: %s", od_strerror(r));
	return z;
}

static const char *data_dir(void)
{
	const char *d = getenv("ONEDOT_SHARED_DATA");
	struct stat st;
	if (d == NULL || stat(d, &st) != 0)
		return NULL;
	return d;
}

/* Load a data file; NULL (and the test skips) when it is absent. */
static od_zone_t *load_data(const char *rel, const char *origin)
{
	const char *d = data_dir();
	if (d == NULL)
		return NULL;
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", d, rel);
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;
	od_zload_opts_t o = { .origin = N(origin) };
	od_zone_t *z = NULL;
	int r = od_zone_load_file(&z, path, &o);
	if (r)
		fail_msg("%s: %s", rel, od_strerror(r));
	return z;
}

static od_zonemd_status_t verify(const od_zone_t *z, od_zonemd_result_t *res)
{
	od_zonemd_result_t tmp;
	if (res == NULL)
		res = &tmp;
	assert_int_equal(od_zonemd_verify(z, res), 0);
	return res->status;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* RFC 8976 Appendix A: every example verifies with its published digest. */
static void test_rfc8976_examples(void **state)
{
	static const struct {
		const char *file, *origin;
		size_t nrr;    /* ZONEMD RRs */
		int supported; /* of which verify */
	} ex[] = {
		{ "rfc8976/unbound-zonemd.example_a1.zone", "example.", 1, 1 },
		{ "rfc8976/unbound-zonemd.example_a2.zone", "example.", 1, 1 },
		{ "rfc8976/unbound-zonemd.example_a3.zone", "example.", 4, 2 },
		{ "rfc8976/unbound-zonemd.example_a5.orig-cdf6544b4.zone",
		  "root-servers.net.", 1, 1 },
		{ "rfc8976/dnspython-simple_example.zone", "example.", 1, 1 },
		{ "rfc8976/dnspython-complex_example.zone", "example.", 1, 1 },
		{ "rfc8976/dnspython-multiple_digests_example.zone", "example.",
		  4, 2 },
	};
	int done = 0;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		od_zone_t *z = load_data(ex[i].file, ex[i].origin);
		if (z == NULL)
			continue;
		od_zonemd_result_t res;
		if (verify(z, &res) != OD_ZONEMD_OK)
			fail_msg("%s: %s", ex[i].file,
			         od_zonemd_status_str(res.status));
		assert_int_equal(res.count, ex[i].nrr);
		int ok = 0;
		for (size_t k = 0; k < res.count; k++) {
			ok += res.rr[k].status == OD_ZONEMD_OK;
			if (res.rr[k].status != OD_ZONEMD_OK)
				assert_int_equal(res.rr[k].status,
				                 OD_ZONEMD_UNSUPPORTED);
		}
		assert_int_equal(ok, ex[i].supported);
		/* The digest we would publish is the published one. */
		const od_zrrset_t *zs = od_znode_rrset(z->apex, OD_TYPE_ZONEMD);
		for (size_t k = 0; k < res.count; k++) {
			if (res.rr[k].status != OD_ZONEMD_OK)
				continue;
			uint8_t rd[128];
			int n = od_zonemd_make(z, 1, res.rr[k].hash, rd,
			                       sizeof(rd));
			assert_int_equal(n, zs->rrs[k]->len);
			assert_memory_equal(rd, zs->rrs[k]->data, (size_t)n);
		}
		od_zone_free(z);
		done++;
	}
	if (done == 0)
		skip();
}

/*
 * A.4 (uri.arpa): Unbound's copy lacks the ZONEMD record, so it verifies
 * as "no ZONEMD"; the digest computed over it is the one RFC 8976
 * publishes for the example.
 */
static void test_rfc8976_a4(void **state)
{
	od_zone_t *z = load_data("rfc8976/unbound-zonemd.example_a4.zone",
	                         "uri.arpa.");
	if (z == NULL)
		skip();
	assert_int_equal(verify(z, NULL), OD_ZONEMD_NONE);
	static const char *published =
	        "1291b78ddf7669b1a39d014d87626b709b55774c5d7d58fadc556439889a1"
	        "0eaf6f11d615900a4f996bd46279514e473";
	uint8_t want[48], got[64];
	assert_int_equal(od_hex_decode(published, strlen(published), want,
	                               sizeof(want)),
	                 48);
	assert_int_equal(od_zonemd_digest(z, 1, 1, got, sizeof(got)), 48);
	assert_memory_equal(got, want, 48);
	od_zone_free(z);
}

/* A.5 as edited later at Unbound HEAD: the data changed, the digest not. */
static void test_rfc8976_a5_edited(void **state)
{
	od_zone_t *z = load_data("rfc8976/unbound-zonemd.example_a5.zone",
	                         "root-servers.net.");
	if (z == NULL)
		skip();
	od_zonemd_result_t res;
	assert_int_equal(verify(z, &res), OD_ZONEMD_DIGEST_MISMATCH);
	assert_int_equal(res.matched, -1);
	assert_false(res.rr[0].digest_ok);
	od_zone_free(z);
}

/*
 * Unbound's zonemd.example1..17: the verdict on the digest alone (the
 * DNSSEC verdicts of expected.tsv are the validator's business: where
 * Unbound fails a signature, the digest itself is what dnspython says,
 * see crosscheck.tsv).
 */
static void test_unbound_examples(void **state)
{
	static const od_zonemd_status_t want[18] = {
		[1] = OD_ZONEMD_NONE,
		[2] = OD_ZONEMD_OK,
		[3] = OD_ZONEMD_DIGEST_MISMATCH,
		[4] = OD_ZONEMD_DIGEST_MISMATCH,
		[5] = OD_ZONEMD_OK,
		[6] = OD_ZONEMD_OK,
		[7] = OD_ZONEMD_NONE,
		[8] = OD_ZONEMD_NONE,
		[9] = OD_ZONEMD_OK, /* its RRSIG is bad, not its digest */
		[10] = OD_ZONEMD_DIGEST_MISMATCH, /* SOA changed */
		[11] = OD_ZONEMD_NONE,
		[12] = OD_ZONEMD_NONE,
		[13] = OD_ZONEMD_NONE,
		[14] = OD_ZONEMD_NONE,
		[15] = OD_ZONEMD_DIGEST_MISMATCH,
		[16] = OD_ZONEMD_DUPLICATE,
		[17] = OD_ZONEMD_OK,
	};
	int done = 0;
	for (int i = 1; i <= 17; i++) {
		char rel[128];
		snprintf(rel, sizeof(rel),
		         "rfc8976/unbound-zonemd-verify/zonemd.example%d.zone",
		         i);
		od_zone_t *z = load_data(rel, i == 1 ? "example.org."
		                                     : "example.com.");
		if (z == NULL)
			continue;
		od_zonemd_result_t res;
		if (verify(z, &res) != want[i])
			fail_msg("example%d: %s, expected %s", i,
			         od_zonemd_status_str(res.status),
			         od_zonemd_status_str(want[i]));
		if (i == 16) {
			/* One of the two would match on its own. */
			assert_int_equal(res.count, 2);
			assert_true(res.rr[0].digest_ok || res.rr[1].digest_ok);
		}
		od_zone_free(z);
		done++;
	}
	if (done == 0)
		skip();
}

static void test_root_zone(void **state)
{
	const char *d = data_dir();
	if (d == NULL)
		skip();
	char path[1024];
	snprintf(path, sizeof(path), "%s/rootzone/root.zone.2026073102", d);
	struct stat st;
	if (stat(path, &st) != 0)
		skip();
	double t0 = now();
	od_zone_t *z = NULL;
	assert_int_equal(od_zone_load_file(&z, path, NULL), 0);
	double t1 = now();
	od_zonemd_result_t res;
	assert_int_equal(verify(z, &res), OD_ZONEMD_OK);
	double t2 = now();
	printf("root zone: %zu records, %zu RRsets, %zu nodes; load %.1f ms, "
	       "ZONEMD verify %.1f ms\n",
	       z->stats.records, z->stats.rrsets, z->stats.nodes,
	       (t1 - t0) * 1e3, (t2 - t1) * 1e3);
	assert_int_equal(res.count, 1);
	assert_int_equal(res.rr[0].hash, OD_ZONEMD_HASH_SHA384);
	assert_int_equal(res.rr[0].serial, 2026073102);
	assert_int_equal(res.soa_serial, 2026073102);

	/* Tamper with one glue address in memory: a.nic.aaa. A
	   37.209.192.9 -> .10, as in rootzone/VERIFY.txt. */
	const od_znode_t *n = od_zone_find(z, N("a.nic.aaa."));
	assert_non_null(n);
	assert_true(n->flags & OD_ZN_GLUE);
	const od_zrrset_t *a = od_znode_rrset(n, OD_TYPE_A);
	assert_non_null(a);
	od_zrr_t *rr = a->rrs[0];
	assert_int_equal(rr->len, 4);
	assert_int_equal(rr->data[3], 9);
	rr->data[3] = 10;
	assert_int_equal(verify(z, &res), OD_ZONEMD_DIGEST_MISMATCH);
	assert_false(res.rr[0].digest_ok);
	rr->data[3] = 9;
	/* So does a changed TTL. */
	rr->ttl++;
	assert_int_equal(verify(z, NULL), OD_ZONEMD_DIGEST_MISMATCH);
	rr->ttl--;
	assert_int_equal(verify(z, NULL), OD_ZONEMD_OK);
	od_zone_free(z);

	/* The 2023 root has no ZONEMD. */
	snprintf(path, sizeof(path), "%s/rootzone/root.zone.2023042001", d);
	if (stat(path, &st) == 0) {
		assert_int_equal(od_zone_load_file(&z, path, NULL), 0);
		assert_int_equal(verify(z, NULL), OD_ZONEMD_NONE);
		od_zone_free(z);
	}
}

/* ---- the rules on small zones ---- */

#define BASE                                                                   \
	"$ORIGIN example.\n$TTL 3600\n"                                        \
	"@ SOA ns1 admin 2018031900 1800 900 604800 86400\n"                   \
	"@ NS ns1\n"                                                           \
	"ns1 A 203.0.113.63\n"

static void digest_of(const char *text, uint8_t hash, uint8_t out[64])
{
	od_zone_t *z = load_text(text, "example.");
	assert_int_equal(od_zonemd_digest(z, 1, hash, out, 64),
	                 (int)od_zonemd_hash_len(hash));
	od_zone_free(z);
}

static void test_exclusions(void **state)
{
	uint8_t d0[64], d1[64];
	digest_of(BASE, 1, d0);
	/* The apex ZONEMD RRset, placeholder or not, is not digested. */
	digest_of(BASE
	          "@ ZONEMD 2018031900 1 1 " /* placeholder */
	          "000000000000000000000000000000000000000000000000"
	          "000000000000000000000000000000000000000000000000\n"
	          "@ ZONEMD 1 1 2 "
	          "00000000000000000000000000000000000000000000000000000000"
	          "0000000000000000000000000000000000000000000000000000000000"
	          "00000000000000\n",
	          1, d1);
	assert_memory_equal(d0, d1, 48);
	/* Nor the apex RRSIG covering ZONEMD... */
	digest_of(BASE "@ RRSIG ZONEMD 8 1 3600 20300101000000 "
	               "20200101000000 1 example. AAAA\n",
	          1, d1);
	assert_memory_equal(d0, d1, 48);
	/* ...but any other apex RRSIG is. */
	digest_of(BASE "@ RRSIG NS 8 1 3600 20300101000000 "
	               "20200101000000 1 example. AAAA\n",
	          1, d1);
	assert_memory_not_equal(d0, d1, 48);
	/* A ZONEMD (and its RRSIG) below the apex is ordinary data. */
	digest_of(BASE "sub ZONEMD 1 1 1 "
	               "000000000000000000000000000000000000000000000000"
	               "000000000000000000000000000000000000000000000000\n",
	          1, d1);
	assert_memory_not_equal(d0, d1, 48);
	/* Duplicates count once; case does not matter (owner and names
	   in RDATA of the listed types); occluded data counts. */
	digest_of(BASE "ns1 A 203.0.113.63\n", 1, d1);
	assert_memory_equal(d0, d1, 48);
	digest_of("$ORIGIN EXAMPLE.\n$TTL 3600\n"
	          "@ SOA NS1 ADMIN 2018031900 1800 900 604800 86400\n"
	          "@ NS Ns1\n"
	          "NS1 A 203.0.113.63\n",
	          1, d1);
	assert_memory_equal(d0, d1, 48);
	digest_of(BASE "sub NS ns.sub\nx.sub TXT occluded\n", 1, d0);
	digest_of(BASE "sub NS ns.sub\n", 1, d1);
	assert_memory_not_equal(d0, d1, 48);
	/* SHA-512 is not SHA-384. */
	digest_of(BASE, 2, d1);
	digest_of(BASE, 1, d0);
	assert_memory_not_equal(d0, d1, 48);
}

/* The A.1 zone: known digests, then each way of failing. */
static const char *A1_DIGEST384 =
        "c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9"
        "a9713b3c9ae5cc27777f98b8e730044c";

static void test_verdicts(void **state)
{
	char text[2048];
	od_zone_t *z;
	od_zonemd_result_t res;

	snprintf(text, sizeof(text), BASE "ns2 3600 AAAA 2001:db8::63\n");
	/* Make the record, add it, verify. */
	z = load_text(text, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_NONE);
	uint8_t rd[128];
	int n = od_zonemd_make(z, 1, 2, rd, sizeof(rd));
	assert_int_equal(n, 6 + 64);
	assert_int_equal(od_zonemd_make(z, 1, 3, rd, sizeof(rd)), OD_ENOTSUP);
	assert_int_equal(od_zonemd_make(z, 2, 1, rd, sizeof(rd)), OD_ENOTSUP);
	assert_int_equal(od_zonemd_make(z, 1, 1, rd, 20), OD_ESPACE);
	char hex[200];
	od_hex_encode(rd + 6, 64, hex, sizeof(hex));
	od_zone_free(z);
	char text2[4096];
	snprintf(text2, sizeof(text2), "%s@ ZONEMD 2018031900 1 2 %.128s\n",
	         text, hex);
	z = load_text(text2, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_OK);
	assert_int_equal(res.matched, 0);
	od_zone_free(z);

	/* Serial mismatch (digest right, serial wrong). */
	snprintf(text2, sizeof(text2), "%s@ ZONEMD 2018031901 1 2 %.128s\n",
	         text, hex);
	z = load_text(text2, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_SERIAL_MISMATCH);
	assert_true(res.rr[0].digest_ok);
	od_zone_free(z);

	/* Digest mismatch. */
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(text2, sizeof(text2), "%s@ ZONEMD 2018031900 1 2 %.128s\n",
	         text, hex);
	z = load_text(text2, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_DIGEST_MISMATCH);
	od_zone_free(z);

	/* Only unsupported scheme / algorithm. */
	snprintf(text2, sizeof(text2),
	         BASE "@ ZONEMD 2018031900 1 240 00112233445566778899aabb\n"
	              "@ ZONEMD 2018031900 241 1 %s\n",
	         A1_DIGEST384);
	z = load_text(text2, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_UNSUPPORTED);
	assert_int_equal(res.count, 2);
	od_zone_free(z);

	/* Supported but the wrong length; too short (< 12 octets). */
	z = load_text(BASE "@ ZONEMD 2018031900 1 1 "
	                   "00112233445566778899aabbccddeeff\n",
	              "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_MALFORMED);
	od_zone_free(z);
	z = load_text(BASE "@ ZONEMD 2018031900 1 240 0011223344\n",
	              "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_MALFORMED);
	od_zone_free(z);

	/* A.1 itself: a bad extra record does not spoil a good one. */
	snprintf(text2, sizeof(text2),
	         "$ORIGIN example.\n$TTL 86400\n"
	         "@ SOA ns1 admin 2018031900 1800 900 604800 86400\n"
	         "@ NS ns1\n@ NS ns2\n"
	         "ns1 3600 A 203.0.113.63\n"
	         "ns2 3600 AAAA 2001:db8::63\n"
	         "@ ZONEMD 2018031900 1 1 %s\n"
	         "@ ZONEMD 2018031900 1 240 00112233445566778899aabb\n"
	         "@ ZONEMD 2018031900 1 2 %0128d\n",
	         A1_DIGEST384, 0);
	z = load_text(text2, "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_OK);
	assert_int_equal(res.count, 3);
	assert_true(res.matched >= 0);
	assert_int_equal(res.rr[res.matched].hash, 1);
	od_zone_free(z);

	/* No SOA. */
	z = load_text("$ORIGIN example.\n@ 60 NS ns1\n"
	              "@ 60 ZONEMD 1 1 1 00112233445566778899aabb\n",
	              "example.");
	assert_int_equal(verify(z, &res), OD_ZONEMD_NO_SOA);
	od_zone_free(z);

	for (int s = OD_ZONEMD_OK; s <= OD_ZONEMD_DUPLICATE; s++)
		assert_non_null(od_zonemd_status_str((od_zonemd_status_t)s));
	assert_int_equal(od_zonemd_hash_len(1), 48);
	assert_int_equal(od_zonemd_hash_len(2), 64);
	assert_int_equal(od_zonemd_hash_len(3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8976_examples),
		cmocka_unit_test(test_rfc8976_a4),
		cmocka_unit_test(test_rfc8976_a5_edited),
		cmocka_unit_test(test_unbound_examples),
		cmocka_unit_test(test_root_zone),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_verdicts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
