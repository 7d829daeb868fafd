/* SPDX-License-Identifier: MIT */
/*
 * RRSIG (src/lib/dnssec/rrsig.c): every signature of the real root zone
 * checked with its apex DNSKEY RRset, the RFC 6605 §6 and RFC 8080 §6
 * examples, sign-then-verify round trips, wildcard label counts, each
 * failure verdict, and the KeyTrap work limits.
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

#include <openssl/evp.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"

static const uint8_t *N(const char *s)
{
	static uint8_t buf[8][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 7];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

/* Parse presentation RDATA of a type into out; returns the length. */
static uint16_t rd(uint16_t type, const char *text, uint8_t *out, size_t cap)
{
	od_tok_t toks[64];
	int n = od_tok_split(text, strlen(text), toks, 64);
	assert_true(n > 0);
	int r = od_rdata_from_text(type, toks, (size_t)n, NULL, out, cap, NULL);
	if (r < 0)
		fail_msg("rdata '%s': %s", text, od_strerror(r));
	return (uint16_t)r;
}

static void dnskey(od_dnskey_t *k, const char *text)
{
	uint8_t buf[1024];
	uint16_t len = rd(OD_TYPE_DNSKEY, text, buf, sizeof(buf));
	assert_int_equal(od_dnskey_from_rdata(k, buf, len, NULL), 0);
}

/* --- RFC examples ------------------------------------------------------- */

typedef struct vec {
	const char *name;
	const char *owner, *zone;
	uint16_t type;
	const char *rdata;
	const char *key;
	const char *rrsig;
	uint64_t now;
} vec_t;

static const vec_t vectors[] = {
	{ "RFC 6605 6.1 P-256", "www.example.net.", "example.net.", OD_TYPE_A,
	  "192.0.2.1",
	  "257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbc"
	  "B7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
	  "A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wL"
	  "Yqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus"
	  "7ZwmwWep666VCw==",
	  1283000000 },
	{ "RFC 6605 6.2 P-384", "www.example.net.", "example.net.", OD_TYPE_A,
	  "192.0.2.1",
	  "257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJ"
	  "hyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI3"
	  "7m40",
	  "A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hD"
	  "KIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74"
	  "hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
	  1283000000 },
	{ "RFC 8080 6.1 Ed25519 (1)", "example.com.", "example.com.",
	  OD_TYPE_MX, "10 mail.example.com.",
	  "257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
	  "MX 15 2 3600 1440021600 1438207200 3613 example.com. "
	  "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3f"
	  "x8A4M3e23mRZ9VrbpMngwcrqNAg==",
	  1439000000 },
	{ "RFC 8080 6.1 Ed25519 (2)", "example.com.", "example.com.",
	  OD_TYPE_MX, "10 mail.example.com.",
	  "257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=",
	  "MX 15 2 3600 1440021600 1438207200 35217 example.com. "
	  "zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQ"
	  "oSm5poJ7gD7AQR0O7KuI5k2pcBg==",
	  1439000000 },
	{ "RFC 8080 6.2 Ed448 (1)", "example.com.", "example.com.", OD_TYPE_MX,
	  "10 mail.example.com.",
	  "257 3 16 3kgROaDjrh0H2iuixWBrc8g2EpBBLCdGzHmn+G2MpTPhpj/OiBVHHSfPodx"
	  "1FYYUcJKm1MDpJtIA",
	  "MX 16 2 3600 1440021600 1438207200 9713 example.com. "
	  "3cPAHkmlnxcDHMyg7vFC34l0blBhuG1qpwLmjInI8w1CMB29FkEAIJUA0am"
	  "xWndkmnBZ6SKiwZSAxGILn/NBtOXft0+Gj7FSvOKxE/07+4RQvE581N3Aj/"
	  "JtIyaiYVdnYtyMWbSNyGEY2213WKsJlwEA",
	  1439000000 },
	{ "RFC 8080 6.2 Ed448 (2)", "example.com.", "example.com.", OD_TYPE_MX,
	  "10 mail.example.com.",
	  "257 3 16 kkreGWoccSDmUBGAe7+zsbG6ZAFQp+syPmYUurBRQc3tDjeMCJcVMRDmgcN"
	  "Lp5HlHAMy12VoISsA",
	  "MX 16 2 3600 1440021600 1438207200 38353 example.com. "
	  "E1/oLjSGIbmLny/4fcgM1z4oL6aqo+izT3urCyHyvEp4Sp8Syg1eI+lJ57C"
	  "SnZqjJP41O/9l4m0AsQ4f7qI1gVnML8vWWiyW2KXhT9kuAICUSxv5OWbf81"
	  "Rq7Yu60npabODB0QFPb/rkW3kUZmQ0YQUA",
	  1439000000 },
};

static void test_rfc_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const vec_t *v = &vectors[i];
		uint8_t data[256], sig[512], bad[512];
		od_rrsig_rd_t r = { data,
			            rd(v->type, v->rdata, data, sizeof(data)) };
		uint16_t slen = rd(OD_TYPE_RRSIG, v->rrsig, sig, sizeof(sig));
		od_dnskey_t key;
		dnskey(&key, v->key);
		uint8_t owner[OD_NAME_MAXLEN], zone[OD_NAME_MAXLEN];
		od_name_copy(owner, N(v->owner));
		od_name_copy(zone, N(v->zone));
		od_rrsig_rrset_t set = { owner, v->type, 1, 1, &r };

		int res = od_rrsig_verify(&set, sig, slen, zone, &key, v->now,
		                          NULL, NULL);
		if (res != OD_RRSIG_VALID)
			fail_msg("%s: %s", v->name, od_rrsig_res_str(res));

		/* Case does not matter in the owner or the signer. */
		uint8_t upper[OD_NAME_MAXLEN];
		od_name_copy(upper, owner);
		for (size_t j = 0; j < od_name_len(upper); j++)
			if (upper[j] >= 'a' && upper[j] <= 'z')
				upper[j] -= 32;
		od_rrsig_rrset_t uset = set;
		uset.owner = upper;
		assert_int_equal(od_rrsig_verify(&uset, sig, slen, zone, &key,
		                                 v->now, NULL, NULL),
		                 OD_RRSIG_VALID);

		/* Window edges. */
		od_rrsig_t p;
		assert_int_equal(od_rrsig_parse(&p, sig, slen), 0);
		assert_int_equal(od_rrsig_verify(&set, sig, slen, zone, &key,
		                                 p.expiration, NULL, NULL),
		                 OD_RRSIG_VALID);
		assert_int_equal(od_rrsig_verify(&set, sig, slen, zone, &key,
		                                 p.inception, NULL, NULL),
		                 OD_RRSIG_VALID);
		assert_int_equal(od_rrsig_verify(&set, sig, slen, zone, &key,
		                                 (uint64_t)p.expiration + 1,
		                                 NULL, NULL),
		                 OD_RRSIG_EXPIRED);
		assert_int_equal(od_rrsig_verify(&set, sig, slen, zone, &key,
		                                 p.inception - 1, NULL, NULL),
		                 OD_RRSIG_NOT_YET_VALID);

		/* A flipped bit in the signature, the data or the signed
		 * RRSIG fields. */
		memcpy(bad, sig, slen);
		bad[slen - 5] ^= 0x10;
		assert_int_equal(od_rrsig_verify(&set, bad, slen, zone, &key,
		                                 v->now, NULL, NULL),
		                 OD_RRSIG_BOGUS);
		memcpy(bad, sig, slen);
		bad[5] ^= 1; /* original TTL */
		assert_int_equal(od_rrsig_verify(&set, bad, slen, zone, &key,
		                                 v->now, NULL, NULL),
		                 OD_RRSIG_BOGUS);
		data[0] ^= 1;
		assert_int_equal(od_rrsig_verify(&set, sig, slen, zone, &key,
		                                 v->now, NULL, NULL),
		                 OD_RRSIG_BOGUS);
		od_dnskey_free(&key);
	}
}

/* RFC 8080 §6.1 with its private key: Ed25519 is deterministic, so
 * signing reproduces the published RRSIG exactly. */
static void test_rfc8080_sign(void **state)
{
	(void)state;
	static const char priv[] = "Private-key-format: v1.2\n"
	                           "Algorithm: 15 (ED25519)\n"
	                           "PrivateKey: ODIyNjAzODQ2MjgwODAxMjI2ND"
	                           "UxOTAyMDQxNDIyNjI=\n";
	od_privkey_t k;
	assert_int_equal(od_privkey_read(&k, priv, strlen(priv), 257), 0);
	assert_int_equal(k.tag, 3613);
	uint8_t data[64], want[256], got[256];
	od_rrsig_rd_t r = { data, rd(OD_TYPE_MX, "10 mail.example.com.", data,
		                     sizeof(data)) };
	uint16_t wlen = rd(OD_TYPE_RRSIG, vectors[2].rrsig, want, sizeof(want));
	od_rrsig_rrset_t set = { N("example.com."), OD_TYPE_MX, 1, 1, &r };
	int n = od_rrsig_sign(&set, &k, N("Example.COM."), 1438207200,
	                      1440021600, 3600, NULL, got, sizeof(got));
	assert_int_equal(n, wlen);
	assert_memory_equal(got, want, wlen);
	od_privkey_free(&k);
}

/* --- round trips, wildcards, verdicts ---------------------------------- */

static void test_sign_verify(void **state)
{
	(void)state;
	static const uint8_t algs[] = { 13, 14, 15, 16, 8, 10 };
	const uint32_t inc = 1780000000, exp = 1790000000;
	const uint64_t now = 1785542400;
	for (size_t a = 0; a < sizeof(algs); a++) {
		od_privkey_t k, other;
		assert_int_equal(od_key_generate(&k, algs[a], 256, 0), 0);
		assert_int_equal(od_key_generate(&other, algs[a], 256, 0), 0);
		od_dnskey_t pub, opub;
		assert_int_equal(od_privkey_dnskey(&k, &pub, NULL), 0);
		assert_int_equal(od_privkey_dnskey(&other, &opub, NULL), 0);
		const uint8_t *zone = N("example.");

		/* Several records, given out of order, with a duplicate and
		 * mixed case in an RDATA name (canonical form lower-cases). */
		uint8_t d[4][64];
		od_rrsig_rd_t rrs[4] = {
			{ d[0], rd(OD_TYPE_MX, "20 B.example.", d[0], 64) },
			{ d[1], rd(OD_TYPE_MX, "10 a.example.", d[1], 64) },
			{ d[2], rd(OD_TYPE_MX, "20 b.example.", d[2], 64) },
			{ d[3], rd(OD_TYPE_MX, "30 c.example.", d[3], 64) },
		};
		od_rrsig_rrset_t set = { N("www.Example."), OD_TYPE_MX, 1, 4,
			                 rrs };
		uint8_t sig[600];
		int n = od_rrsig_sign(&set, &k, zone, inc, exp, 300, NULL, sig,
		                      sizeof(sig));
		assert_true(n > 0);
		od_rrsig_t p;
		assert_int_equal(od_rrsig_parse(&p, sig, (size_t)n), 0);
		assert_int_equal(p.covered, OD_TYPE_MX);
		assert_int_equal(p.alg, algs[a]);
		assert_int_equal(p.labels, 2);
		assert_int_equal(p.orig_ttl, 300);
		assert_int_equal(p.key_tag, k.tag);
		assert_true(od_name_equal(p.signer, zone));

		assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_VALID);
		/* Order, duplicates and case do not change the data. */
		od_rrsig_rd_t rrs2[3] = { rrs[3], rrs[2], rrs[1] };
		od_rrsig_rrset_t set2 = { N("WWW.example."), OD_TYPE_MX, 1, 3,
			                  rrs2 };
		assert_int_equal(od_rrsig_verify(&set2, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_VALID);
		/* A record less: bogus. */
		set2.count = 2;
		assert_int_equal(od_rrsig_verify(&set2, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_BOGUS);
		/* Verdicts before the cryptography. */
		assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n, zone,
		                                 &opub, now, NULL, NULL),
		                 opub.tag == pub.tag ? OD_RRSIG_BOGUS
		                                     : OD_RRSIG_KEY_MISMATCH);
		assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n,
		                                 N("www.example."), &pub, now,
		                                 NULL, NULL),
		                 OD_RRSIG_KEY_MISMATCH);
		od_rrsig_rrset_t wrong = set;
		wrong.type = OD_TYPE_NS;
		assert_int_equal(od_rrsig_verify(&wrong, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_TYPE_MISMATCH);
		wrong = set;
		wrong.owner = N("www.other.");
		assert_int_equal(od_rrsig_verify(&wrong, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_SIGNER);
		wrong.owner = N("example.");
		assert_int_equal(od_rrsig_verify(&wrong, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_LABELS);
		uint16_t flags = pub.flags;
		pub.flags &= (uint16_t)~OD_DNSKEY_ZONE;
		assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_KEY_MISMATCH);
		pub.flags = flags;
		pub.protocol = 2;
		assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n, zone,
		                                 &pub, now, NULL, NULL),
		                 OD_RRSIG_KEY_MISMATCH);
		pub.protocol = 3;
		assert_int_equal(od_rrsig_verify(&set, sig, 10, zone, &pub, now,
		                                 NULL, NULL),
		                 OD_RRSIG_MALFORMED);
		/* The signer is written lower-case. */
		n = od_rrsig_sign(&set, &k, N("EXAMPLE."), inc, exp, 300, NULL,
		                  sig, sizeof(sig));
		assert_true(n > 0);
		assert_memory_equal(sig + OD_RRSIG_FIXED_LEN, "\007example", 8);
		/* Refusals. */
		assert_int_equal(od_rrsig_sign(&set, &k, N("other."), inc, exp,
		                               300, NULL, sig, sizeof(sig)),
		                 OD_EINVAL);
		assert_int_equal(od_rrsig_sign(&set, &k, zone, exp, inc, 300,
		                               NULL, sig, sizeof(sig)),
		                 OD_EINVAL);
		assert_int_equal(od_rrsig_sign(&set, &k, zone, inc, exp, 300,
		                               NULL, sig, 30),
		                 OD_ESPACE);

		od_dnskey_free(&pub);
		od_dnskey_free(&opub);
		od_privkey_free(&k);
		od_privkey_free(&other);
	}
}

static void test_wildcard(void **state)
{
	(void)state;
	od_privkey_t k;
	assert_int_equal(od_key_generate(&k, 13, 257, 0), 0);
	od_dnskey_t pub;
	assert_int_equal(od_privkey_dnskey(&k, &pub, NULL), 0);
	const uint8_t *zone = N("example.");
	uint8_t d[16];
	od_rrsig_rd_t r = { d, rd(OD_TYPE_A, "192.0.2.7", d, sizeof(d)) };
	uint8_t wild[OD_NAME_MAXLEN];
	od_name_copy(wild, N("*.w.example."));
	od_rrsig_rrset_t set = { wild, OD_TYPE_A, 1, 1, &r };
	uint8_t sig[200];
	int n = od_rrsig_sign(&set, &k, zone, 1000, 3000, 60, NULL, sig,
	                      sizeof(sig));
	assert_true(n > 0);
	assert_int_equal(sig[3], 2); /* "*" is not counted */
	assert_int_equal(od_rrsig_verify(&set, sig, (size_t)n, zone, &pub, 2000,
	                                 NULL, NULL),
	                 OD_RRSIG_VALID);
	/* Expanded answers at any depth below the wildcard's parent. */
	static const char *const names[] = { "a.w.example.",
		                             "X.Y.z.w.example." };
	for (size_t i = 0; i < 2; i++) {
		od_rrsig_rrset_t e = set;
		e.owner = N(names[i]);
		assert_int_equal(od_rrsig_verify(&e, sig, (size_t)n, zone, &pub,
		                                 2000, NULL, NULL),
		                 OD_RRSIG_VALID);
	}
	/* The wrong closest encloser: bogus. */
	od_rrsig_rrset_t e = set;
	e.owner = N("a.v.example.");
	assert_int_equal(od_rrsig_verify(&e, sig, (size_t)n, zone, &pub, 2000,
	                                 NULL, NULL),
	                 OD_RRSIG_BOGUS);
	/* Labels above the owner's: invalid, no cryptography. */
	e.owner = N("example.");
	od_rrsig_limits_t lim = { .budget = 10 };
	assert_int_equal(od_rrsig_verify(&e, sig, (size_t)n, zone, &pub, 2000,
	                                 &lim, NULL),
	                 OD_RRSIG_LABELS);
	assert_int_equal(lim.verifications, 0);

	/* The data itself: "*." + the rightmost labels, lower-cased. */
	od_rrsig_t p;
	assert_int_equal(od_rrsig_parse(&p, sig, (size_t)n), 0);
	uint8_t buf[256];
	e.owner = N("A.B.W.Example.");
	int len = od_rrsig_data(&p, &e, NULL, buf, sizeof(buf));
	size_t head = OD_RRSIG_FIXED_LEN + 9;
	assert_int_equal(len, head + 13 + 10 + 4);
	assert_memory_equal(buf + head, "\001*\001w\007example\000", 13);
	assert_int_equal(od_rrsig_data(&p, &e, NULL, buf, 30), OD_ESPACE);
	od_dnskey_free(&pub);
	od_privkey_free(&k);
}

static void test_window(void **state)
{
	(void)state;
	assert_int_equal(od_rrsig_window(10, 20, 15), OD_RRSIG_VALID);
	assert_int_equal(od_rrsig_window(10, 20, 9), OD_RRSIG_NOT_YET_VALID);
	assert_int_equal(od_rrsig_window(10, 20, 21), OD_RRSIG_EXPIRED);
	assert_int_equal(od_rrsig_window(20, 10, 15), OD_RRSIG_EXPIRED);
	/* Across the 2^32 wrap (RFC 1982): 2106-02-07 and after. */
	assert_int_equal(od_rrsig_window(0xfffffff0u, 0x10, 0x100000005ull),
	                 OD_RRSIG_VALID);
	assert_int_equal(od_rrsig_window(0xfffffff0u, 0x10, 0xffffffffull),
	                 OD_RRSIG_VALID);
	assert_int_equal(od_rrsig_window(0xfffffff0u, 0x10, 0x100000011ull),
	                 OD_RRSIG_EXPIRED);
	assert_int_equal(od_rrsig_window(0xfffffff0u, 0x10, 0xffffffe0ull),
	                 OD_RRSIG_NOT_YET_VALID);
	/* The 64-bit time only counts modulo 2^32. */
	assert_int_equal(od_rrsig_window(10, 20, (1ull << 32) + 15),
	                 OD_RRSIG_VALID);
}

/* RSA/SHA-1 (5, 7) verifies and is reported as SHA-1 (RFC 8624). The
 * library does not sign with it, so the test signs with OpenSSL. */
static void test_sha1(void **state)
{
	(void)state;
	od_privkey_t k;
	assert_int_equal(od_key_generate(&k, 8, 257, 1024), 0);
	uint8_t krd[600];
	memcpy(krd, k.rdata, k.rdlen);
	const uint8_t *zone = N("example.");
	uint8_t d[16];
	od_rrsig_rd_t r = { d, rd(OD_TYPE_A, "192.0.2.1", d, sizeof(d)) };
	od_rrsig_rrset_t set = { N("www.example."), OD_TYPE_A, 1, 1, &r };
	for (uint8_t alg = 5; alg <= 7; alg += 2) {
		krd[3] = alg;
		od_dnskey_t pub;
		assert_int_equal(od_dnskey_from_rdata(&pub, krd, k.rdlen, NULL),
		                 0);
		uint8_t sig[400];
		od_put_u16(sig, OD_TYPE_A);
		sig[2] = alg;
		sig[3] = 2;
		od_put_u32(sig + 4, 60);
		od_put_u32(sig + 8, 3000);
		od_put_u32(sig + 12, 1000);
		od_put_u16(sig + 16, pub.tag);
		memcpy(sig + 18, "\007example", 9);
		od_rrsig_t p;
		assert_int_equal(od_rrsig_parse(&p, sig, 28), 0);
		uint8_t data[256];
		int dlen = od_rrsig_data(&p, &set, NULL, data, sizeof(data));
		assert_true(dlen > 0);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t slen = sizeof(sig) - 27;
		assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha1(), NULL,
		                                    k.pkey),
		                 1);
		assert_int_equal(EVP_DigestSign(ctx, sig + 27, &slen, data,
		                                (size_t)dlen),
		                 1);
		EVP_MD_CTX_free(ctx);
		od_rrsig_rd_t one = { sig, (uint16_t)(27 + slen) };
		od_rrsig_keyset_t ks = { zone, &pub, 1 };
		od_rrsig_limits_t lim = { .budget = 4 };
		od_rrsig_match_t m;
		assert_int_equal(od_rrsig_verify_set(&set, &one, 1, &ks, 2000,
		                                     &lim, NULL, &m),
		                 OD_RRSIG_VALID);
		assert_true(m.sha1);
		assert_int_equal(m.alg, alg);
		od_dnskey_free(&pub);
	}
	od_privkey_free(&k);
}

/* --- KeyTrap ------------------------------------------------------------ */

static void test_keytrap(void **state)
{
	(void)state;
	enum {
		NKEYS = 40,
		NSIGS = 40
	};
	od_privkey_t good, junk[2];
	assert_int_equal(od_key_generate(&good, 13, 257, 0), 0);
	assert_int_equal(od_key_generate(&junk[0], 13, 257, 0), 0);
	assert_int_equal(od_key_generate(&junk[1], 13, 257, 0), 0);
	od_dnskey_t gpub, jpub[2];
	assert_int_equal(od_privkey_dnskey(&good, &gpub, NULL), 0);
	assert_int_equal(od_privkey_dnskey(&junk[0], &jpub[0], NULL), 0);
	assert_int_equal(od_privkey_dnskey(&junk[1], &jpub[1], NULL), 0);

	/* Many keys claiming the good key's tag (shallow copies that share
	 * the junk keys' OpenSSL objects; only the originals are freed). */
	od_dnskey_t keys[NKEYS];
	for (size_t i = 0; i < NKEYS; i++) {
		keys[i] = jpub[i & 1];
		keys[i].tag = gpub.tag;
	}
	const uint8_t *zone = N("example.");
	od_rrsig_keyset_t ks = { zone, keys, NKEYS };
	uint8_t d[16];
	od_rrsig_rd_t r = { d, rd(OD_TYPE_A, "192.0.2.1", d, sizeof(d)) };
	od_rrsig_rrset_t set = { N("www.example."), OD_TYPE_A, 1, 1, &r };

	/* Many signatures with that tag, none made by the junk keys. */
	uint8_t sigbuf[NSIGS][128];
	od_rrsig_rd_t sigs[NSIGS];
	for (size_t i = 0; i < NSIGS; i++) {
		int n = od_rrsig_sign(&set, &good, zone, 1000, 3000, 60, NULL,
		                      sigbuf[i], sizeof(sigbuf[i]));
		assert_true(n > 0);
		sigs[i].data = sigbuf[i];
		sigs[i].len = (uint16_t)n;
	}

	/* The cap of colliding keys per RRSIG bounds the work. */
	od_rrsig_limits_t lim = { .budget = 100000, .max_keys = 4 };
	od_rrsig_match_t m;
	assert_int_equal(od_rrsig_verify_set(&set, sigs, NSIGS, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_BOGUS);
	assert_int_equal(lim.verifications, NSIGS * 4);
	assert_int_equal(lim.keys_skipped, NSIGS * (NKEYS - 4));

	/* The budget stops it earlier. */
	lim = (od_rrsig_limits_t){ .budget = 25, .max_keys = 4 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, NSIGS, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_ELIMIT);
	assert_int_equal(lim.verifications, 25);
	assert_int_equal(lim.budget, 0);

	/* The real key among the first colliders: found, with the work
	 * that took. */
	keys[2] = gpub;
	lim = (od_rrsig_limits_t){ .budget = 100, .max_keys = 4 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, NSIGS, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_VALID);
	assert_int_equal(m.sig, 0);
	assert_int_equal(m.key, 2);
	assert_int_equal(m.alg, 13);
	assert_false(m.sha1);
	assert_int_equal(lim.verifications, 3);
	/* Beyond the cap it is not tried: the price of the defence. */
	keys[2] = jpub[0];
	keys[2].tag = gpub.tag;
	keys[10] = gpub;
	lim = (od_rrsig_limits_t){ .budget = 1000, .max_keys = 4 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, 3, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_BOGUS);
	/* Default cap when max_keys is 0; the default finds it at 8. */
	keys[10] = jpub[0];
	keys[10].tag = gpub.tag;
	keys[3] = gpub;
	lim = (od_rrsig_limits_t){ .budget = 1000 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, 1, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_VALID);
	assert_int_equal(lim.verifications, OD_RRSIG_MAX_KEYS_DEFAULT);

	/* Most specific failure: expired beats key mismatch; no RRSIG for
	 * the type is TYPE_MISMATCH; no key with the tag is KEY_MISMATCH. */
	lim = (od_rrsig_limits_t){ .budget = 1000 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, 2, &ks, 5000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_EXPIRED);
	assert_int_equal(lim.verifications, 0);
	assert_int_equal(od_rrsig_verify_set(&set, sigs, 0, &ks, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_TYPE_MISMATCH);
	assert_int_equal(m.sig, SIZE_MAX);
	od_rrsig_keyset_t none = { zone, jpub, 2 };
	assert_int_equal(od_rrsig_verify_set(&set, sigs, 2, &none, 2000, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_KEY_MISMATCH);

	od_dnskey_free(&gpub);
	od_dnskey_free(&jpub[0]);
	od_dnskey_free(&jpub[1]);
	od_privkey_free(&good);
	od_privkey_free(&junk[0]);
	od_privkey_free(&junk[1]);
}

/* --- the root zone ------------------------------------------------------ */

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Verify every RRSIG of the zone with the apex keys at now; counts the
 * verdicts into res[]. */
static size_t verify_zone(const od_zone_t *z, const od_rrsig_keyset_t *ks,
                          uint64_t now, size_t res[OD_RRSIG_BOGUS + 1])
{
	size_t total = 0;
	od_rrsig_rd_t stack[64];
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *node = z->nodes[i];
		const od_zrrset_t *sigset = od_znode_rrset(node, OD_TYPE_RRSIG);
		if (sigset == NULL)
			continue;
		for (size_t s = 0; s < node->nsets; s++) {
			const od_zrrset_t *rs = &node->sets[s];
			if (rs->type == OD_TYPE_RRSIG)
				continue;
			size_t first,
			        nsig = od_znode_sigs(node, rs->type, &first);
			if (nsig == 0)
				continue;
			od_rrsig_rd_t *rrs = stack;
			if (rs->count > 64)
				rrs = malloc(rs->count * sizeof(*rrs));
			assert_non_null(rrs);
			for (size_t j = 0; j < rs->count; j++) {
				rrs[j].data = rs->rrs[j]->data;
				rrs[j].len = rs->rrs[j]->len;
			}
			od_rrsig_rrset_t set = { node->owner, rs->type,
				                 rs->rclass, rs->count, rrs };
			for (size_t j = first; j < first + nsig; j++) {
				const od_zrr_t *sr = sigset->rrs[j];
				od_rrsig_rd_t one = { sr->data, sr->len };
				od_rrsig_limits_t lim = { .budget = 8 };
				int r = od_rrsig_verify_set(&set, &one, 1, ks,
				                            now, &lim, NULL,
				                            NULL);
				assert_true(r >= 0 && r <= OD_RRSIG_BOGUS);
				res[r]++;
				total++;
			}
			if (rrs != stack)
				free(rrs);
		}
	}
	return total;
}

static void test_root_zone(void **state)
{
	(void)state;
	const char *dir = getenv("ONEDOT_SHARED_DATA");
	char path[4096];
	struct stat st;
	if (dir == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/rootzone/root.zone.2026073102", dir);
	if (stat(path, &st) != 0)
		skip();
	od_zone_t *z = NULL;
	assert_int_equal(od_zone_load_file(&z, path, NULL), 0);
	assert_non_null(z->apex);

	const od_zrrset_t *ds = od_znode_rrset(z->apex, OD_TYPE_DNSKEY);
	assert_non_null(ds);
	od_dnskey_t *keys = calloc(ds->count, sizeof(*keys));
	assert_non_null(keys);
	for (size_t i = 0; i < ds->count; i++)
		assert_int_equal(od_dnskey_from_rdata(&keys[i],
		                                      ds->rrs[i]->data,
		                                      ds->rrs[i]->len, NULL),
		                 0);
	od_rrsig_keyset_t ks = { z->origin, keys, ds->count };

	size_t res[OD_RRSIG_BOGUS + 1] = { 0 };
	double t0 = seconds();
	size_t total = verify_zone(z, &ks, 1785542400, res); /* 2026-08-01 */
	double t1 = seconds();
	print_message("root zone: %zu RRSIGs verified in %.3f s\n", total,
	              t1 - t0);
	assert_true(total > 1000);
	assert_int_equal(res[OD_RRSIG_VALID], total);

	/* 2027-01-01: every signature has expired; 2025-01-01: none is
	 * valid yet. */
	memset(res, 0, sizeof(res));
	assert_int_equal(verify_zone(z, &ks, 1798761600, res), total);
	assert_int_equal(res[OD_RRSIG_EXPIRED], total);
	memset(res, 0, sizeof(res));
	assert_int_equal(verify_zone(z, &ks, 1735689600, res), total);
	assert_int_equal(res[OD_RRSIG_NOT_YET_VALID], total);

	/* A tampered record: the apex SOA with one RDATA byte changed. */
	const od_zrrset_t *soa = od_zone_soa(z);
	assert_non_null(soa);
	uint8_t copy[512];
	memcpy(copy, soa->rrs[0]->data, soa->rrs[0]->len);
	copy[soa->rrs[0]->len - 1] ^= 1;
	od_rrsig_rd_t rr = { copy, soa->rrs[0]->len };
	od_rrsig_rrset_t set = { z->origin, OD_TYPE_SOA, 1, 1, &rr };
	size_t first, nsig = od_znode_sigs(z->apex, OD_TYPE_SOA, &first);
	assert_int_equal(nsig, 1);
	const od_zrr_t *sr = od_znode_rrset(z->apex, OD_TYPE_RRSIG)->rrs[first];
	od_rrsig_rd_t one = { sr->data, sr->len };
	od_rrsig_limits_t lim = { .budget = 8 };
	assert_int_equal(od_rrsig_verify_set(&set, &one, 1, &ks, 1785542400,
	                                     &lim, NULL, NULL),
	                 OD_RRSIG_BOGUS);
	memcpy(copy, soa->rrs[0]->data, soa->rrs[0]->len);
	assert_int_equal(od_rrsig_verify_set(&set, &one, 1, &ks, 1785542400,
	                                     &lim, NULL, NULL),
	                 OD_RRSIG_VALID);

	for (size_t i = 0; i < ds->count; i++)
		od_dnskey_free(&keys[i]);
	free(keys);
	od_zone_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_rfc8080_sign),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_keytrap),
		cmocka_unit_test(test_root_zone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
