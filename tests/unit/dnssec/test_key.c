/* SPDX-License-Identifier: MIT */
/*
 * DNSSEC keys (src/lib/dnssec/key.c): key tags and DS digests against the
 * published examples (RFC 4034 §5.4, RFC 4509 §2.3, RFC 6605 §6, RFC 8080
 * §6) and the root KSKs; DNSKEY parsing; key generation, signing and the
 * private-key file format, including files written by ldns-keygen and
 * dnssec-keygen.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/dnssec/key.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/wire.h"

static const uint8_t *N(const char *s)
{
	static uint8_t buf[4][OD_NAME_MAXLEN];
	static int i;
	uint8_t *out = buf[i++ & 3];
	assert_true(od_name_from_str(out, s, strlen(s), NULL) > 0);
	return out;
}

/* DNSKEY RDATA from flags, algorithm and base64 key (blanks allowed). */
static size_t dnskey(uint8_t *out, size_t cap, uint16_t flags, uint8_t alg,
                     const char *b64)
{
	char tmp[2048];
	size_t n = 0;
	for (const char *p = b64; *p; p++)
		if (*p != ' ')
			tmp[n++] = *p;
	assert_true(cap > 4);
	out[0] = flags >> 8;
	out[1] = flags & 0xFF;
	out[2] = 3;
	out[3] = alg;
	int len = od_base64_decode(tmp, n, out + 4, cap - 4);
	assert_true(len > 0);
	return 4 + (size_t)len;
}

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
	int len = od_hex_decode(hex, strlen(hex), out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static const char dskey_b64[] =
        "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMz"
        "NXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJ"
        "BjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==";

static const struct {
	const char *owner;
	uint16_t flags;
	uint8_t alg;
	const char *key;
	uint16_t tag;
	uint8_t dtype;
	const char *digest;
} vectors[] = {
	/* RFC 4034 §5.4 */
	{ "dskey.example.com.", 256, 5, dskey_b64, 60485, 1,
	  "2BB183AF5F22588179A53B0A98631FAD1A292118" },
	/* RFC 4509 §2.3 */
	{ "dskey.example.com.", 256, 5, dskey_b64, 60485, 2,
	  "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A" },
	/* RFC 6605 §6.1 */
	{ "example.net.", 257, 13,
	  "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb"
	  "krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
	  55648, 2,
	  "b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17" },
	/* RFC 6605 §6.2 */
	{ "example.net.", 257, 14,
	  "xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1"
	  "w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8"
	  "/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
	  10771, 4,
	  "72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0"
	  "563a9b5f4d288405c3008a946df983d6" },
	/* RFC 8080 §6.1 */
	{ "example.com.", 257, 15,
	  "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=", 3613, 2,
	  "3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b" },
	/* RFC 8080 §6.2 */
	{ "example.com.", 257, 15,
	  "zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=", 35217, 2,
	  "401781b934e392de492ec77ae2e15d70f6575a1c0bc59c5275c04ebe80c6614c" },
};

static void test_ds_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t rd[1024], want[64], ds[128];
		size_t rdlen = dnskey(rd, sizeof(rd), vectors[i].flags,
		                      vectors[i].alg, vectors[i].key);
		size_t dlen = unhex(want, sizeof(want), vectors[i].digest);
		const uint8_t *owner = N(vectors[i].owner);

		assert_int_equal(od_key_tag(rd, rdlen), vectors[i].tag);
		assert_int_equal(od_ds_digest_len(vectors[i].dtype), dlen);

		int len = od_ds_make(owner, rd, rdlen, vectors[i].dtype, ds,
		                     sizeof(ds));
		assert_int_equal(len, 4 + (int)dlen);
		assert_int_equal(od_get_u16(ds), vectors[i].tag);
		assert_int_equal(ds[2], vectors[i].alg);
		assert_int_equal(ds[3], vectors[i].dtype);
		assert_memory_equal(ds + 4, want, dlen);
		assert_int_equal(od_ds_match(owner, ds, (size_t)len, rd, rdlen),
		                 1);

		/* The owner is hashed in canonical (lower-case) form. */
		char upper[64];
		size_t j;
		for (j = 0; vectors[i].owner[j]; j++)
			upper[j] = (char)toupper(vectors[i].owner[j]);
		upper[j] = '\0';
		assert_int_equal(
		        od_ds_match(N(upper), ds, (size_t)len, rd, rdlen), 1);

		/* Any change breaks the match. */
		assert_int_equal(od_ds_match(N("other."), ds, (size_t)len, rd,
		                             rdlen),
		                 0);
		ds[4] ^= 1;
		assert_int_equal(od_ds_match(owner, ds, (size_t)len, rd, rdlen),
		                 0);
		ds[4] ^= 1;
		ds[2] ^= 1;
		assert_int_equal(od_ds_match(owner, ds, (size_t)len, rd, rdlen),
		                 0);
		ds[2] ^= 1;
		ds[0] ^= 1;
		assert_int_equal(od_ds_match(owner, ds, (size_t)len, rd, rdlen),
		                 0);
		ds[0] ^= 1;
		assert_int_equal(od_ds_match(owner, ds, (size_t)len - 1, rd,
		                             rdlen),
		                 OD_EMALF);

		od_dnskey_t k;
		assert_int_equal(od_dnskey_from_rdata(&k, rd, rdlen, NULL), 0);
		assert_non_null(k.pkey);
		assert_int_equal(k.tag, vectors[i].tag);
		assert_int_equal(k.flags, vectors[i].flags);
		assert_int_equal(k.alg, vectors[i].alg);
		assert_true(od_dnskey_usable(&k));
		assert_memory_equal(k.rdata, rd, rdlen);
		od_dnskey_free(&k);
	}
}

static void test_ds_errors(void **state)
{
	uint8_t rd[1024], out[128];
	size_t rdlen = dnskey(rd, sizeof(rd), 256, 5, dskey_b64);
	const uint8_t *owner = N("dskey.example.com.");
	assert_int_equal(od_ds_make(owner, rd, rdlen, 3, out, sizeof(out)),
	                 OD_ENOTSUP);
	assert_int_equal(od_ds_make(owner, rd, rdlen, 9, out, sizeof(out)),
	                 OD_ENOTSUP);
	assert_int_equal(od_ds_make(owner, rd, rdlen, 2, out, 20), OD_ESPACE);
	assert_int_equal(od_ds_digest_len(3), 0);
	uint8_t ds[4 + 32] = { 0xEC, 0x45, 5, 3 };
	assert_int_equal(od_ds_match(owner, ds, sizeof(ds), rd, rdlen),
	                 OD_ENOTSUP);
	assert_int_equal(od_ds_match(owner, ds, 3, rd, rdlen), OD_EMALF);
}

/* The root zone's KSKs: IANA publishes DS 20326 8 2 E06D44B8... for
 * KSK-2017; the KSK-2024 value was checked against dnssec-dsfromkey. */
static void test_root_ksks(void **state)
{
	const char *d = getenv("ONEDOT_SHARED_DATA");
	char path[1024];
	struct stat st;
	if (d == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/rootzone/root.zone.2026073102", d);
	if (stat(path, &st) != 0)
		skip();
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static const struct {
		uint16_t tag;
		const char *digest;
	} want[] = {
		{ 20326,
		  "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D" },
		{ 38696,
		  "683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16" },
	};
	bool found[2] = { false, false };
	int zsks = 0;
	char line[4096];
	while (fgets(line, sizeof(line), f) != NULL) {
		char owner[8], cls[8], type[16], key[2048];
		unsigned ttl, flags, proto, alg;
		if (sscanf(line, "%7s %u %7s %15s %u %u %u %2047s", owner, &ttl,
		           cls, type, &flags, &proto, &alg, key) != 8 ||
		    strcmp(owner, ".") != 0 || strcmp(type, "DNSKEY") != 0)
			continue;
		uint8_t rd[1024];
		size_t rdlen = dnskey(rd, sizeof(rd), (uint16_t)flags,
		                      (uint8_t)alg, key);
		od_dnskey_t k;
		assert_int_equal(od_dnskey_from_rdata(&k, rd, rdlen, NULL), 0);
		assert_non_null(k.pkey);
		assert_int_equal(EVP_PKEY_get_bits(k.pkey), 2048);
		od_dnskey_free(&k);
		if (flags != 257) {
			zsks++;
			continue;
		}
		uint16_t tag = od_key_tag(rd, rdlen);
		for (int i = 0; i < 2; i++) {
			if (tag != want[i].tag)
				continue;
			uint8_t ds[64];
			size_t n =
			        unhex(ds + 4, sizeof(ds) - 4, want[i].digest);
			ds[0] = tag >> 8;
			ds[1] = tag & 0xFF;
			ds[2] = 8;
			ds[3] = 2;
			assert_int_equal(
			        od_ds_match(N("."), ds, 4 + n, rd, rdlen), 1);
			found[i] = true;
		}
	}
	fclose(f);
	assert_true(found[0]);
	assert_true(found[1]);
	assert_int_equal(zsks, 1);
}

static void test_key_tag_alg1(void **state)
{
	/* RFC 4034 Appendix B.1: the tag of an RSA/MD5 key is the 16 bits
	 * before the last octet of the modulus. */
	uint8_t rd[] = { 1, 0, 3, 1, 1, 3, 0xAB, 0xCD, 0x12, 0x34, 0x56 };
	assert_int_equal(od_key_tag(rd, sizeof(rd)), 0x1234);
	rd[3] = 5;
	assert_int_not_equal(od_key_tag(rd, sizeof(rd)), 0x1234);
	assert_int_equal(od_key_tag(rd, 3), 0);
}

static void test_alg_table(void **state)
{
	assert_ptr_equal(od_alg_md(13), EVP_sha256());
	assert_ptr_equal(od_alg_md(14), EVP_sha384());
	assert_ptr_equal(od_alg_md(8), EVP_sha256());
	assert_ptr_equal(od_alg_md(10), EVP_sha512());
	assert_ptr_equal(od_alg_md(5), EVP_sha1());
	assert_ptr_equal(od_alg_md(7), EVP_sha1());
	assert_null(od_alg_md(15));
	assert_null(od_alg_md(16));
	assert_null(od_alg_md(1));
	assert_null(od_alg_md(200));

	assert_true(od_alg_info(5)->sha1 && od_alg_info(7)->sha1);
	assert_false(od_alg_info(8)->sha1);
	assert_true(od_alg_info(13)->validate && od_alg_info(13)->ecdsa);
	assert_int_equal(od_alg_info(14)->field_len, 48);
	assert_true(od_alg_info(16)->eddsa);
	assert_false(od_alg_info(1)->validate);
	assert_false(od_alg_info(12)->validate);
	assert_false(od_alg_info(5)->sign);
	assert_null(od_alg_info(99)->mnemonic);
	assert_false(od_alg_info(99)->validate);

	assert_string_equal(od_alg_name(13), "ECDSAP256SHA256");
	assert_string_equal(od_alg_name(7), "RSASHA1-NSEC3-SHA1");
	assert_null(od_alg_name(4));
	assert_int_equal(od_alg_from_name("ed25519"), 15);
	assert_int_equal(od_alg_from_name("RSASHA256"), 8);
	assert_int_equal(od_alg_from_name("NSEC3RSASHA1"), 7);
	assert_int_equal(od_alg_from_name("253"), 253);
	assert_int_equal(od_alg_from_name("256"), OD_ESYNTAX);
	assert_int_equal(od_alg_from_name("0"), OD_ESYNTAX);
	assert_int_equal(od_alg_from_name("FOO"), OD_ESYNTAX);
	assert_int_equal(od_alg_from_name(""), OD_ESYNTAX);
}

static void test_dnskey_malformed(void **state)
{
	od_dnskey_t k;
	uint8_t rd[200];
	memset(rd, 0x11, sizeof(rd));
	rd[0] = 1;
	rd[1] = 0;
	rd[2] = 3;

	assert_int_equal(od_dnskey_from_rdata(&k, rd, 3, NULL), OD_EMALF);
	assert_null(k.rdata);

	/* Unsupported algorithms parse without a public key. */
	rd[3] = 200;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 40, NULL), 0);
	assert_null(k.pkey);
	assert_int_equal(k.alg, 200);
	od_dnskey_free(&k);
	rd[3] = 1;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 40, NULL), 0);
	assert_null(k.pkey);
	od_dnskey_free(&k);

	/* ECDSA and EdDSA keys of the wrong length, a point off the curve. */
	rd[3] = 13;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 63, NULL), OD_EMALF);
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 64, NULL), OD_EMALF);
	rd[3] = 15;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 31, NULL), OD_EMALF);
	rd[3] = 16;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 32, NULL), OD_EMALF);

	/* RSA: exponent running to the end, zero-length exponent. */
	rd[3] = 8;
	rd[4] = 100;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 50, NULL), OD_EMALF);
	rd[4] = 0;
	rd[5] = 0;
	rd[6] = 0;
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 50, NULL), OD_EMALF);
	assert_int_equal(od_dnskey_from_rdata(&k, rd, 4 + 2, NULL), OD_EMALF);

	/* RFC 3110: the 3-octet exponent length form gives the same key. */
	uint8_t short_form[512], long_form[512];
	size_t slen = dnskey(short_form, sizeof(short_form), 256, 5, dskey_b64);
	assert_int_equal(short_form[4], 1);
	memcpy(long_form, short_form, 4);
	long_form[4] = 0;
	long_form[5] = 0;
	memcpy(long_form + 6, short_form + 4, slen - 4);
	long_form[4 + 2] = 1;
	od_dnskey_t k2;
	assert_int_equal(od_dnskey_from_rdata(&k, short_form, slen, NULL), 0);
	assert_int_equal(od_dnskey_from_rdata(&k2, long_form, slen + 2, NULL),
	                 0);
	assert_int_equal(EVP_PKEY_eq(k.pkey, k2.pkey), 1);
	od_dnskey_free(&k);
	od_dnskey_free(&k2);

	/* Usable: zone bit, protocol 3, not revoked. */
	uint8_t ed[4 + 32];
	dnskey(ed, sizeof(ed), 257, 15,
	       "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
	assert_int_equal(od_dnskey_from_rdata(&k, ed, sizeof(ed), NULL), 0);
	assert_true(od_dnskey_usable(&k));
	k.flags |= OD_DNSKEY_REVOKE;
	assert_false(od_dnskey_usable(&k));
	k.flags = 1;
	assert_false(od_dnskey_usable(&k));
	k.flags = 256;
	k.protocol = 2;
	assert_false(od_dnskey_usable(&k));
	od_dnskey_free(&k);
	od_dnskey_free(&k);
	od_dnskey_free(NULL);
}

/* Generate, sign, verify, write, read back, sign with the copy. */
static void roundtrip(uint8_t alg, unsigned bits, uint16_t flags)
{
	od_privkey_t key, copy;
	assert_int_equal(od_key_generate(&key, alg, flags, bits), 0);
	if (alg == 0)
		alg = 13;
	assert_int_equal(key.alg, alg);
	assert_int_equal(key.flags, flags);
	assert_non_null(key.pkey);
	assert_int_equal(od_get_u16(key.rdata), flags);
	assert_int_equal(key.rdata[2], 3);
	assert_int_equal(key.rdata[3], alg);
	assert_int_equal(key.tag, od_key_tag(key.rdata, key.rdlen));

	od_dnskey_t pub;
	assert_int_equal(od_privkey_dnskey(&key, &pub, NULL), 0);
	assert_non_null(pub.pkey);
	assert_int_equal(pub.tag, key.tag);

	static const uint8_t msg[] = "signed data";
	uint8_t sig[512];
	int slen = od_dnssec_sign(&key, msg, sizeof(msg), sig, sizeof(sig));
	assert_true(slen > 0);
	const od_alg_info_t *ai = od_alg_info(alg);
	if (ai->ecdsa)
		assert_int_equal(slen, 2 * ai->field_len);
	if (ai->eddsa)
		assert_int_equal(slen, 2 * ai->field_len);
	if (ai->rsa)
		assert_int_equal(slen, (bits ? bits : 2048) / 8);
	assert_int_equal(
	        od_dnssec_verify(&pub, msg, sizeof(msg), sig, (size_t)slen), 1);
	assert_int_equal(od_dnssec_verify(&pub, msg, sizeof(msg) - 1, sig,
	                                  (size_t)slen),
	                 0);
	assert_int_equal(od_dnssec_verify(&pub, msg, sizeof(msg), sig,
	                                  (size_t)slen - 1),
	                 0);
	sig[slen - 1] ^= 1;
	assert_int_equal(
	        od_dnssec_verify(&pub, msg, sizeof(msg), sig, (size_t)slen), 0);
	assert_int_equal(od_dnssec_sign(&key, msg, sizeof(msg), sig, 10),
	                 OD_ESPACE);

	char text[4096];
	int tlen = od_privkey_write(&key, text, sizeof(text));
	assert_true(tlen > 0);
	assert_int_equal(strlen(text), (size_t)tlen);
	assert_true(strncmp(text,
	                    "Private-key-format: v1.3\nAlgorithm: ", 36) == 0);
	assert_int_equal(od_privkey_write(&key, text, 40), OD_ESPACE);
	tlen = od_privkey_write(&key, text, sizeof(text));

	assert_int_equal(od_privkey_read(&copy, text, (size_t)tlen, flags), 0);
	assert_int_equal(copy.alg, alg);
	assert_int_equal(copy.tag, key.tag);
	assert_int_equal(copy.rdlen, key.rdlen);
	assert_memory_equal(copy.rdata, key.rdata, key.rdlen);
	slen = od_dnssec_sign(&copy, msg, sizeof(msg), sig, sizeof(sig));
	assert_true(slen > 0);
	assert_int_equal(
	        od_dnssec_verify(&pub, msg, sizeof(msg), sig, (size_t)slen), 1);

	/* Writing the copy gives the same file. */
	char text2[4096];
	assert_int_equal(od_privkey_write(&copy, text2, sizeof(text2)), tlen);
	assert_string_equal(text, text2);

	od_privkey_free(&copy);
	od_dnskey_free(&pub);
	od_privkey_free(&key);
	od_privkey_free(&key);
}

static void test_generate(void **state)
{
	roundtrip(0, 0, 256);
	roundtrip(13, 0, 257);
	roundtrip(14, 0, 256);
	roundtrip(15, 0, 257);
	roundtrip(16, 0, 256);
	roundtrip(8, 0, 257);
	roundtrip(10, 1024, 256);

	od_privkey_t key;
	assert_int_equal(od_key_generate(&key, 5, 256, 0), OD_ENOTSUP);
	assert_int_equal(od_key_generate(&key, 99, 256, 0), OD_ENOTSUP);
	assert_int_equal(od_key_generate(&key, 8, 256, 512), OD_ERANGE);
	assert_null(key.pkey);
}

/* The public DNSKEY the other tool wrote next to its private file. */
static void check_file(const char *text, uint16_t flags, uint8_t alg,
                       const char *pub_b64, uint16_t tag)
{
	uint8_t rd[1024];
	size_t rdlen = dnskey(rd, sizeof(rd), flags, alg, pub_b64);
	od_privkey_t key;
	assert_int_equal(od_privkey_read(&key, text, strlen(text), flags), 0);
	assert_int_equal(key.alg, alg);
	assert_int_equal(key.tag, tag);
	assert_int_equal(key.rdlen, rdlen);
	assert_memory_equal(key.rdata, rd, rdlen);

	od_dnskey_t pub;
	assert_int_equal(od_dnskey_from_rdata(&pub, rd, rdlen, NULL), 0);
	uint8_t sig[512];
	int slen = od_dnssec_sign(&key, rd, rdlen, sig, sizeof(sig));
	assert_true(slen > 0);
	assert_int_equal(od_dnssec_verify(&pub, rd, rdlen, sig, (size_t)slen),
	                 1);
	od_dnskey_free(&pub);
	od_privkey_free(&key);
}

static void test_read_foreign(void **state)
{
	/* ldns-keygen -a ECDSAP256SHA256 example.org */
	check_file("Private-key-format: v1.2\n"
	           "Algorithm: 13 (ECDSAP256SHA256)\n"
	           "PrivateKey: UeMbsULQnbrMAjs19w02gJTaIigj6V4dLUxK0IulFOI=\n",
	           256, 13,
	           "KcL2C6s6qb6x1Fud63ryOUYd0ncYgOgNItTPSfzmq7rgydV8S+zeYMPD"
	           "ctJrzN7FWBnVYWLXJWVoeYcmsPBQCQ==",
	           8172);
	/* dnssec-keygen -a ED25519 -n ZONE -f KSK example.org */
	check_file("Private-key-format: v1.3\n"
	           "Algorithm: 15 (ED25519)\n"
	           "PrivateKey: l2hGfkeqkMAoID8mMwfqndUJ0R3avDoLNAdlYcCa9M0=\n"
	           "Created: 20261129083835\n"
	           "Publish: 20261129083835\n"
	           "Activate: 20261129083835\n",
	           257, 15,
	           "7F0koxWwk3/PqLoW9jZ3X53Y9XK/y21K8PljmAmcC6U=", 57291);
	/* dnssec-keygen -a RSASHA256 -b 1024 -n ZONE example.org */
	check_file(
	        "Private-key-format: v1.3\n"
	        "Algorithm: 8 (RSASHA256)\n"
	        "Modulus: wSc+bEGy+JK5JqafBphFhKOjy0rQg8WfSdsCOHQp9oZuBd19Ox/z"
	        "5Z8TEsuVDwwU3bwJ2XqoQgxZhhTPFsBrPMLKb26SwwyXTk4yRD6Cz5dJSPgqmx"
	        "Zx+n/tx0C/33K340X4hIK1lxzTswDgRwxHUG6af2YGzJrCsTWHCg1GF/c=\n"
	        "PublicExponent: AQAB\n"
	        "PrivateExponent: c1TXdRSVpM8XNvjuo6VwfQ6o0s5NSyFJR3Q6EzNpiwYh0"
	        "+a4zAD8RPODFAnzaxSvsOaCixUuOqHdIq5yKQej/40TOyjenyBfv+i2GZuli25"
	        "dfPze5zdX/7/vykGkdeZvphfcUvpy3SH8IrVZRX3PUmy6CLUNMEcZHiZqPRBlC"
	        "2E=\n"
	        "Prime1: 9PnMTuAvF0N5FQZfzGapWegIzAw27rLHTSutswEN03JBcp2UEdcj2O"
	        "0INPzmZi6BKJfPoaYpqwkGbZQIgtfjaw==\n"
	        "Prime2: ydhvBeJprXpZoSzshSpquLqk7eRty+cjV0qhF/+dCDHl6uP2Lf+Awy"
	        "WfWfQbO0ZC/MOCDtAGNyDQBVzVCcaMpQ==\n"
	        "Exponent1: DjJjyrZnRDveyn8iEiBo9BLkX57dmBu4PRqo6FTJTlWywUesixQ"
	        "iubGS5i850vYi+g1CNSYCCC1vt+36SErmnQ==\n"
	        "Exponent2: mQbDtTxgTitSRIWgk50C6CZo4Aqsy0fjXUyxMVaToSDjZN+LRnh"
	        "NEKY3V6Vf9+Je6u72bXB9JdJ0o3wr74teGQ==\n"
	        "Coefficient: z57tfQa5q8ZVbfzxG7/eSsFEZhDXYksjtRow0ENERBxQQUY2r"
	        "P16UnQuXlCOkpx08s5CXe2lek42EApCACNyTw==\n"
	        "Created: 20261129083827\n"
	        "Publish: 20261129083827\n"
	        "Activate: 20261129083827\n",
	        256, 8,
	        "AwEAAcEnPmxBsviSuSamnwaYRYSjo8tK0IPFn0nbAjh0KfaGbgXdfTsf"
	        "8+WfExLLlQ8MFN28Cdl6qEIMWYYUzxbAazzCym9uksMMl05OMkQ+gs+X"
	        "SUj4KpsWcfp/7cdAv99yt+NF+ISCtZcc07MA4EcMR1Bumn9mBsyawrE1"
	        "hwoNRhf3",
	        30951);
}

static void test_read_errors(void **state)
{
	od_privkey_t key;
	const char *bad[] = {
		"",
		"Algorithm: 13\nPrivateKey: UeMbsULQnbrMAjs19w02gJTaIigj6V4dLUxK0IulFOI=\n",
		"Private-key-format: v2.0\nAlgorithm: 13\n",
		"Private-key-format: v1.3\nPrivateKey: UeMbsULQnbrMAjs19w02gJTaIigj6V4dLUxK0IulFOI=\n",
		"Private-key-format: v1.3\nAlgorithm: 13\n",
		"Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: !!!!\n",
		"Private-key-format: v1.3\nAlgorithm: 15\nPrivateKey: AAAA\n",
		"Private-key-format: v1.3\nAlgorithm: 8\nModulus: AQAB\n",
		"Private-key-format: v1.3\nAlgorithm: 13\nno colon here\n",
		/* scalar zero is not a key */
		"Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: AAAA\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = od_privkey_read(&key, bad[i], strlen(bad[i]), 256);
		assert_true(ret < 0);
		assert_null(key.pkey);
	}
	const char *unsup =
	        "Private-key-format: v1.3\nAlgorithm: 3 (DSA)\nPrime(p): AAAA\n";
	assert_int_equal(od_privkey_read(&key, unsup, strlen(unsup), 256),
	                 OD_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ds_vectors),
		cmocka_unit_test(test_ds_errors),
		cmocka_unit_test(test_root_ksks),
		cmocka_unit_test(test_key_tag_alg1),
		cmocka_unit_test(test_alg_table),
		cmocka_unit_test(test_dnskey_malformed),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_read_foreign),
		cmocka_unit_test(test_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
