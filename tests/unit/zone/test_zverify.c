/* SPDX-License-Identifier: MIT */
/*
 * Whole-zone verification (src/lib/zone/zverify.c): small zones signed
 * here with the library's own keys, signer and ZONEMD, then broken one
 * way at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"
#include "lib/zone/zonemd.h"
#include "lib/zone/zverify.h"

/* Signature times, seconds since the epoch. The DNSKEY RRset's signature
   expires first. */
#define NOW 1800000000u
#define INCEPTION (NOW - 3600u)
#define EXP_ZSK (NOW + 864000u)
#define EXP_KSK (NOW + 432000u)

#define TYPE_PRIVATE 65400

enum {
	B_ZONEMD = 1,       /* add a ZONEMD record (signed) */
	B_BAD_DIGEST = 2,   /* ... with one digest octet flipped */
	B_BAD_SIG = 4,      /* flip an octet of www.example. A's signature */
	B_SKIP_PRIVATE = 8, /* leave the TYPE65400 RRset unsigned */
};

static od_privkey_t ksk, zsk, other;

static const uint8_t *N(const char *s)
{
	static uint8_t buf[4][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 3];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

static int setup(void **state)
{
	(void)state;
	if (od_key_generate(&ksk, 13, 257, 0) != 0 ||
	    od_key_generate(&zsk, 13, 256, 0) != 0 ||
	    od_key_generate(&other, 13, 257, 0) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	od_privkey_free(&ksk);
	od_privkey_free(&zsk);
	od_privkey_free(&other);
	return 0;
}

static od_zone_t *load(const char *text)
{
	od_zload_opts_t o = { .origin = N("example.") };
	od_zone_t *z = NULL;
	int r = od_zone_load_mem(&z, text, strlen(text), "test", &o);
	if (r)
		fail_msg("load: %s\n%s", od_strerror(r), text);
	return z;
}

/* One record line "OWNER 3600 IN TYPE RDATA" appended to fp. */
static void put_rr(FILE *fp, const uint8_t *owner, uint16_t type,
                   const uint8_t *rdata, size_t len)
{
	char o[OD_NAME_STRLEN], t[24], rd[4096];
	assert_true(od_name_to_str(o, sizeof(o), owner) > 0);
	assert_true(od_rrtype_to_str(type, t, sizeof(t)) > 0);
	assert_true(od_rdata_to_str(type, rdata, len, rd, sizeof(rd)) >= 0);
	fprintf(fp, "%s 3600 IN %s %s\n", o, t, rd);
}

/* Sign one RRset and append the RRSIG line. */
static void put_sig(FILE *fp, const uint8_t *owner, uint16_t type,
                    const od_rrsig_rd_t *rds, size_t count,
                    const od_privkey_t *key, uint32_t expiration, bool flip)
{
	od_rrsig_rrset_t rs = { .owner = owner,
		                .type = type,
		                .rclass = OD_CLASS_IN,
		                .count = count,
		                .rrs = rds };
	uint8_t sig[1024];
	int n = od_rrsig_sign(&rs, key, N("example."), INCEPTION, expiration,
	                      3600, NULL, sig, sizeof(sig));
	assert_true(n > 0);
	if (flip)
		sig[n - 1] ^= 0x01;
	put_rr(fp, owner, OD_TYPE_RRSIG, sig, (size_t)n);
}

/*
 * A signed zone with an NSEC chain: the apex (SOA, NS, DNSKEY, NSEC, a
 * TYPE65400 RRset and, with B_ZONEMD, a ZONEMD), ns.example. and
 * www.example. Returned text is malloc'd.
 */
static char *build(unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	assert_non_null(fp);
	fputs("example. 3600 IN SOA ns.example. host.example. 2026010101 "
	      "7200 3600 1209600 3600\n"
	      "example. 3600 IN NS ns.example.\n"
	      "example. 3600 IN TYPE65400 \\# 3 010203\n"
	      "ns.example. 3600 IN A 192.0.2.1\n"
	      "ns.example. 3600 IN NSEC www.example. A RRSIG NSEC\n"
	      "www.example. 3600 IN A 192.0.2.2\n"
	      "www.example. 3600 IN NSEC example. A RRSIG NSEC\n",
	      fp);
	fprintf(fp,
	        "example. 3600 IN NSEC ns.example. NS SOA RRSIG NSEC "
	        "DNSKEY%s TYPE65400\n",
	        (flags & B_ZONEMD) ? " ZONEMD" : "");
	put_rr(fp, N("example."), OD_TYPE_DNSKEY, ksk.rdata, ksk.rdlen);
	put_rr(fp, N("example."), OD_TYPE_DNSKEY, zsk.rdata, zsk.rdlen);
	assert_int_equal(fflush(fp), 0);

	/* Sign every RRset of the unsigned zone. */
	od_zone_t *z = load(text);
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if (set->type == TYPE_PRIVATE &&
			    (flags & B_SKIP_PRIVATE))
				continue;
			od_rrsig_rd_t rds[8];
			assert_true(set->count <= 8);
			for (size_t k = 0; k < set->count; k++)
				rds[k] = (od_rrsig_rd_t){ set->rrs[k]->data,
					                  set->rrs[k]->len };
			bool keys = set->type == OD_TYPE_DNSKEY;
			bool flip = (flags & B_BAD_SIG) &&
			            set->type == OD_TYPE_A &&
			            od_name_equal(n->owner, N("www.example."));
			put_sig(fp, n->owner, set->type, rds, set->count,
			        keys ? &ksk : &zsk, keys ? EXP_KSK : EXP_ZSK,
			        flip);
		}
	}
	od_zone_free(z);
	assert_int_equal(fflush(fp), 0);

	/* The ZONEMD of the signed zone, and its signature. */
	if (flags & B_ZONEMD) {
		z = load(text);
		uint8_t rd[OD_ZONEMD_RDATA_FIXED + OD_ZONEMD_DIGEST_MAX];
		int n = od_zonemd_make(z, OD_ZONEMD_SCHEME_SIMPLE,
		                       OD_ZONEMD_HASH_SHA384, rd, sizeof(rd));
		od_zone_free(z);
		assert_int_equal(n, OD_ZONEMD_RDATA_FIXED + 48);
		if (flags & B_BAD_DIGEST)
			rd[n - 5] ^= 0x80;
		put_rr(fp, N("example."), OD_TYPE_ZONEMD, rd, (size_t)n);
		od_rrsig_rd_t one = { rd, (uint16_t)n };
		put_sig(fp, N("example."), OD_TYPE_ZONEMD, &one, 1, &zsk,
		        EXP_ZSK, false);
	}
	fclose(fp);
	return text;
}

/* What the callback saw. */
typedef struct seen {
	size_t calls, errors;
	size_t by_class[OD_ZV_COUNT];
	uint8_t owner[OD_NAME_MAXLEN]; /* of the first error */
	uint16_t type;
	char msg[512];
} seen_t;

static void on_report(void *ctx, const uint8_t *owner, uint16_t type,
                      bool error, od_zv_class_t cls, const char *msg)
{
	seen_t *s = ctx;
	assert_true(cls < OD_ZV_COUNT);
	assert_non_null(msg);
	s->calls++;
	if (!error)
		return;
	if (s->errors++ == 0) {
		od_name_copy(s->owner, owner);
		s->type = type;
		snprintf(s->msg, sizeof(s->msg), "%s", msg);
	}
	s->by_class[cls]++;
}

/* Verify the text of a zone; the callback's counts must agree with res. */
static void verify(unsigned flags, od_zv_opts_t *o, od_zv_result_t *res,
                   seen_t *s)
{
	char *text = build(flags);
	od_zone_t *z = load(text);
	free(text);
	memset(s, 0, sizeof(*s));
	o->report = on_report;
	o->ctx = s;
	assert_int_equal(od_zone_verify(z, o, res), 0);
	od_zone_free(z);
	assert_int_equal(s->calls, res->errors + res->warnings);
	assert_int_equal(s->errors, res->errors);
	for (int c = 0; c < OD_ZV_COUNT; c++)
		assert_int_equal(s->by_class[c], res->by_class[c]);
}

static void test_good_zone(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = NOW,
		           .require_zonemd = true,
		           .require_dnssec = true };
	od_zv_result_t res;
	seen_t s;
	verify(B_ZONEMD, &o, &res, &s);
	if (res.errors)
		fail_msg("%zu errors, first: %s", res.errors, s.msg);
	assert_int_equal(res.warnings, 0);
	assert_true(res.signed_zone);
	assert_true(res.zonemd_checked);
	assert_int_equal(res.zonemd, OD_ZONEMD_OK);
	assert_int_equal(res.zonemd_serial, 2026010101);
	assert_int_equal(res.zonemd_hash, OD_ZONEMD_HASH_SHA384);
	assert_true(res.chain_ok);
	assert_false(res.anchored);
	/* Apex SOA, NS, DNSKEY, NSEC, ZONEMD, TYPE65400; A and NSEC at
	   each of the two other names: all signed, all verified. */
	assert_int_equal(res.rrsets, 10);
	assert_int_equal(res.verified, 10);
	assert_int_equal(res.min_expiration, EXP_KSK);
}

static void test_unknown_type_is_data(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = NOW, .skip_chain = true };
	od_zv_result_t res;
	seen_t s;
	verify(B_SKIP_PRIVATE, &o, &res, &s);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.by_class[OD_ZV_SIGNATURE], 1);
	assert_true(od_name_equal(s.owner, N("example.")));
	assert_int_equal(s.type, TYPE_PRIVATE);
}

static void test_zonemd_bad_digest(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = NOW };
	od_zv_result_t res;
	seen_t s;
	verify(B_ZONEMD | B_BAD_DIGEST, &o, &res, &s);
	assert_int_equal(res.zonemd, OD_ZONEMD_DIGEST_MISMATCH);
	assert_true(res.zonemd_checked);
	assert_int_equal(res.by_class[OD_ZV_ZONEMD], 1);
	assert_int_equal(res.errors, 1);
	assert_int_equal(s.type, OD_TYPE_ZONEMD);
	/* The signatures, over the record as it is, are fine. */
	assert_int_equal(res.verified, 10);
}

static void test_zonemd_missing(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = NOW, .require_zonemd = true };
	od_zv_result_t res;
	seen_t s;
	verify(0, &o, &res, &s);
	assert_int_equal(res.zonemd, OD_ZONEMD_NONE);
	assert_false(res.zonemd_checked);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.by_class[OD_ZV_ZONEMD], 1);

	o = (od_zv_opts_t){ .now = NOW };
	verify(0, &o, &res, &s);
	assert_int_equal(res.zonemd, OD_ZONEMD_NONE);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.warnings, 0);
	assert_int_equal(res.verified, 9);
	assert_true(res.chain_ok);
}

static void test_bad_signature(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = NOW };
	od_zv_result_t res;
	seen_t s;
	verify(B_ZONEMD | B_BAD_SIG, &o, &res, &s);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.by_class[OD_ZV_SIGNATURE], 1);
	assert_true(od_name_equal(s.owner, N("www.example.")));
	assert_int_equal(s.type, OD_TYPE_A);
	assert_int_equal(res.verified, 9);
	/* The ZONEMD covers the broken signature as it is. */
	assert_int_equal(res.zonemd, OD_ZONEMD_OK);
}

static void test_expired(void **state)
{
	(void)state;
	od_zv_opts_t o = { .now = EXP_ZSK + 60 };
	od_zv_result_t res;
	seen_t s;
	verify(B_ZONEMD, &o, &res, &s);
	assert_int_equal(res.verified, 0);
	assert_int_equal(res.by_class[OD_ZV_SIGNATURE], 10);
	assert_int_equal(res.errors, 10);
	assert_int_equal(res.min_expiration, 0);

	/* Between the two expirations only the DNSKEY RRset's is gone. */
	o = (od_zv_opts_t){ .now = EXP_KSK + 1 };
	verify(B_ZONEMD, &o, &res, &s);
	assert_int_equal(res.errors, 1);
	assert_int_equal(s.type, OD_TYPE_DNSKEY);
	assert_int_equal(res.min_expiration, EXP_ZSK);
}

static void test_anchors(void **state)
{
	(void)state;
	uint8_t ds[64], ds_other[64];
	int n = od_ds_make(N("example."), ksk.rdata, ksk.rdlen, 2, ds,
	                   sizeof(ds));
	int m = od_ds_make(N("example."), other.rdata, other.rdlen, 2, ds_other,
	                   sizeof(ds_other));
	assert_true(n > 0 && m > 0);
	od_zv_anchor_t wrong = { OD_TYPE_DS, ds_other, (uint16_t)m, 0 };
	od_zv_opts_t o = { .now = NOW, .anchors = &wrong, .nanchors = 1 };
	od_zv_result_t res;
	seen_t s;
	verify(B_ZONEMD, &o, &res, &s);
	assert_false(res.anchored);
	assert_int_equal(res.errors, 1);
	assert_int_equal(res.by_class[OD_ZV_ANCHOR], 1);

	/* The ZSK is in the RRset but did not sign it. */
	od_zv_anchor_t zkey = { OD_TYPE_DNSKEY, zsk.rdata, (uint16_t)zsk.rdlen,
		                0 };
	o = (od_zv_opts_t){ .now = NOW, .anchors = &zkey, .nanchors = 1 };
	verify(B_ZONEMD, &o, &res, &s);
	assert_false(res.anchored);
	assert_int_equal(res.by_class[OD_ZV_ANCHOR], 1);

	od_zv_anchor_t right[2] = {
		{ OD_TYPE_DS, ds_other, (uint16_t)m, 0 },
		{ OD_TYPE_DS, ds, (uint16_t)n, 0 },
	};
	o = (od_zv_opts_t){ .now = NOW, .anchors = right, .nanchors = 2 };
	verify(B_ZONEMD, &o, &res, &s);
	assert_true(res.anchored);
	assert_int_equal(res.errors, 0);

	od_zv_anchor_t kkey = { OD_TYPE_DNSKEY, ksk.rdata, (uint16_t)ksk.rdlen,
		                0 };
	o = (od_zv_opts_t){ .now = NOW, .anchors = &kkey, .nanchors = 1 };
	verify(B_ZONEMD, &o, &res, &s);
	assert_true(res.anchored);
	assert_int_equal(res.errors, 0);
}

static void test_class_str(void **state)
{
	(void)state;
	assert_string_equal(od_zv_class_str(OD_ZV_ZONEMD), "zonemd");
	assert_string_equal(od_zv_class_str(OD_ZV_ANCHOR), "anchor");
	assert_string_equal(od_zv_class_str(OD_ZV_SIGNATURE), "signature");
	assert_string_equal(od_zv_class_str(OD_ZV_CHAIN), "chain");
	assert_string_equal(od_zv_class_str(OD_ZV_OTHER), "other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_zone),
		cmocka_unit_test(test_unknown_type_is_data),
		cmocka_unit_test(test_zonemd_bad_digest),
		cmocka_unit_test(test_zonemd_missing),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_class_str),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
