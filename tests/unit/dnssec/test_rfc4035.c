/* SPDX-License-Identifier: MIT */
/*
 * The signed zone "example." of RFC 4035 Appendix A: RSASHA1 (algorithm
 * 5), ZSK key tag 38519, KSK key tag 9465, signatures valid from
 * 20040409183619 to 20040509183619. Loaded with od_zone_load_mem and its
 * published RRSIGs checked with od_rrsig_verify at 2004-04-20T00:00:00Z.
 *
 * Algorithm 5 signs with SHA-1. rrsig.h: such signatures verify normally
 * and od_alg_info()->sha1 / od_rrsig_match_t.sha1 tell the caller to apply
 * the RFC 8624 policy, so VALID is asserted here together with the flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/dnssec/key.h"
#include "lib/dnssec/rrsig.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"

/* 2004-04-20T00:00:00Z, inside the signatures' validity window. */
#define NOW 1082419200u
/* 20040409183619 and 20040509183619 as seconds since the epoch. */
#define INCEPTION 1081535779u
#define EXPIRATION 1084127779u

/*
 * The records of RFC 4035 Appendix A whose signatures are checked below:
 * the apex SOA, NS, MX, DNSKEY (signed by both keys) and NSEC, ai.example
 * A and AAAA, the wildcard *.w.example MX and x.w.example MX, with their
 * RRSIGs as published (owner names written out in full).
 */
static const char zone_text[] =
        "$ORIGIN example.\n"
        "$TTL 3600\n"
        "example. SOA ns1.example. bugs.x.w.example. (\n"
        "\t1081539377 3600 300 3600000 3600 )\n"
        "example. RRSIG SOA 5 1 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tONx0k36rcjaxYtcNgq6iQnpNV5+drqYAsC9h7TSJaHCqbhE67Sr6\n"
        "\taH2xDUGcqQWu/n0UVzrFvkgO9ebarZ0GWDKcuwlM6eNB5SiX2K74\n"
        "\tl5LWDA7S/Un/IbtDq4Ay8NMNLQI7Dw7n4p8/rjkBjV7j86HyQgM5\n"
        "\te7+miRAz8V01b0I= )\n"
        "example. NS ns1.example.\n"
        "example. NS ns2.example.\n"
        "example. RRSIG NS 5 1 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tgl13F00f2U0R+SWiXXLHwsMY+qStYy5k6zfdEuivWc+wd1fmbNCy\n"
        "\tql0Tk7lHTX6UOxc8AgNf4ISFve8XqF4q+o9qlnqIzmppU3LiNeKT\n"
        "\t4FZ8RO5urFOvoMRTbQxW3U0hXWuggE4g3ZpsHv480HjMeRaZB/FR\n"
        "\tPGfJPajngcq6Kwg= )\n"
        "example. MX 1 xx.example.\n"
        "example. RRSIG MX 5 1 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tHyDHYVT5KHSZ7HtO/vypumPmSZQrcOP3tzWB2qaKkHVPfau/DgLg\n"
        "\tS/IKENkYOGL95G4N+NzEVyNU8dcTOckT+ChPcGeVjguQ7a3Ao9Z/\n"
        "\tZkUO6gmmUW4b89rz1PUxW4jzUxj66PTwoVtUU/iMW6OISukd1EQt\n"
        "\t7a0kygkg+PEDxdI= )\n"
        "example. DNSKEY 256 3 5 (\n"
        "\tAQOy1bZVvpPqhg4j7EJoM9rI3ZmyEx2OzDBVrZy/lvI5CQePxXHZ\n"
        "\tS4i8dANH4DX3tbHol61ek8EFMcsGXxKciJFHyhl94C+NwILQdzsU\n"
        "\tlSFovBZsyl/NX6yEbtw/xN9ZNcrbYvgjjZ/UVPZIySFNsgEYvh0z\n"
        "\t2542lzMKR4Dh8uZffQ== )\n"
        "example. DNSKEY 257 3 5 (\n"
        "\tAQOeX7+baTmvpVHb2CcLnL1dMRWbuscRvHXlLnXwDzvqp4tZVKp1\n"
        "\tsZMepFb8MvxhhW3y/0QZsyCjczGJ1qk8vJe52iOhInKROVLRwxGp\n"
        "\tMfzPRLMlGybr51bOV/1se0ODacj3DomyB4QB5gKTYot/K9alk5/j\n"
        "\t8vfd4jWCWD+E1Sze0Q== )\n"
        "example. RRSIG DNSKEY 5 1 3600 20040509183619 (\n"
        "\t20040409183619 9465 example.\n"
        "\tZxgauAuIj+k1YoVEOSlZfx41fcmKzTFHoweZxYnz99JVQZJ33wFS\n"
        "\t0Q0jcP7VXKkaElXk9nYJXevO/7nAbo88iWsMkSpSR6jWzYYKwfrB\n"
        "\tI/L9hjYmyVO9m6FjQ7uwM4dCP/bIuV/DKqOAK9NYNC3AHfvCV1Tp\n"
        "\t4VKDqxqG7R5tTVM= )\n"
        "example. RRSIG DNSKEY 5 1 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\teGL0s90glUqcOmloo/2y+bSzyEfKVOQViD9ZDNhLz/Yn9CQZlDVR\n"
        "\tJffACQDAUhXpU/oP34ribKBpysRXosczFrKqS5Oa0bzMOfXCXup9\n"
        "\tqHApeFIku28Vqfr8Nt7cigZLxjK+u0Ws/4lIRjKk7z5OXogYVaFz\n"
        "\tHKillDt3HRxHIZM= )\n"
        "example. NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY\n"
        "example. RRSIG NSEC 5 1 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tO0k558jHhyrC97ISHnislm4kLMW48C7U7cBmFTfhke5iVqNRVTB1\n"
        "\tSTLMpgpbDIC9hcryoO0VZ9ME5xPzUEhbvGnHd5sfzgFVeGxr5Nyy\n"
        "\tq4tWSDBgIBiLQUv1ivy29vhXy7WgR62dPrZ0PWvmjfFJ5arXf4nP\n"
        "\txp/kEowGgBRzY/U= )\n"
        "ai.example. A 192.0.2.9\n"
        "ai.example. RRSIG A 5 2 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tpAOtzLP2MU0tDJUwHOKE5FPIIHmdYsCgTb5BERGgpnJluA9ixOyf\n"
        "\t6xxVCgrEJW0WNZSsJicdhBHXfDmAGKUajUUlYSAH8tS4ZnrhyymI\n"
        "\tvk3uArDu2wfT130e9UHnumaHHMpUTosKe22PblOy6zrTpg9FkS0X\n"
        "\tGVmYRvOTNYx2HvQ= )\n"
        "ai.example. AAAA 2001:db8::f00:baa9\n"
        "ai.example. RRSIG AAAA 5 2 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tnLcpFuXdT35AcE+EoafOUkl69KB+/e56XmFKkewXG2IadYLKAOBI\n"
        "\toR5+VoQV3XgTcofTJNsh1rnF6Eav2zpZB3byI6yo2bwY8MNkr4A7\n"
        "\tcL9TcMmDwV/hWFKsbGBsj8xSCN/caEL2CWY/5XP2sZM6QjBBLmuk\n"
        "\tH30+w1z3h8PUP2o= )\n"
        "*.w.example. MX 1 ai.example.\n"
        "*.w.example. RRSIG MX 5 2 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tOMK8rAZlepfzLWW75Dxd63jy2wswESzxDKG2f9AMN1CytCd10cYI\n"
        "\tSAxfAdvXSZ7xujKAtPbctvOQ2ofO7AZJ+d01EeeQTVBPq4/6KCWh\n"
        "\tqe2XTjnkVLNvvhnc0u28aoSsG0+4InvkkOHknKxw4kX18MMR34i8\n"
        "\tlC36SR5xBni8vHI= )\n"
        "x.w.example. MX 1 xx.example.\n"
        "x.w.example. RRSIG MX 5 3 3600 20040509183619 (\n"
        "\t20040409183619 38519 example.\n"
        "\tIl2WTZ+Bkv+OytBx4LItNW5mjB4RCwhOO8y1XzPHZmZUTVYL7LaA\n"
        "\t63f6T9ysVBzJRI3KRjAPH3U1qaYnDoN1DrWqmi9RJe4FoObkbcdm\n"
        "\t7P3Ikx70ePCoFgRz1Yq+bVVXCvGuAU4xALv3W/Y1jNSlwZ2mSWKH\n"
        "\tfxFQxPtLj8s32+k= )\n";

static od_zone_t *zone;
static od_dnskey_t keys[2]; /* as in the apex DNSKEY RRset */
static od_rrsig_keyset_t keyset;

static const uint8_t *N(const char *s)
{
	static uint8_t buf[8][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 7];
	assert_true(od_name_from_str(b, s, strlen(s), NULL) > 0);
	return b;
}

static int setup(void **state)
{
	(void)state;
	int r = od_zone_load_mem(&zone, zone_text, strlen(zone_text), "rfc4035",
	                         NULL);
	if (r != 0) {
		print_error("loading the RFC 4035 zone: %s\n", od_strerror(r));
		return -1;
	}
	const od_zrrset_t *ks = od_znode_rrset(zone->apex, OD_TYPE_DNSKEY);
	if (ks == NULL || ks->count != 2)
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (od_dnskey_from_rdata(&keys[i], ks->rrs[i]->data,
		                         ks->rrs[i]->len, NULL) != 0)
			return -1;
	keyset = (od_rrsig_keyset_t){ zone->apex->owner, keys, 2 };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	od_dnskey_free(&keys[0]);
	od_dnskey_free(&keys[1]);
	od_zone_free(zone);
	return 0;
}

static const od_dnskey_t *key_by_tag(uint16_t tag)
{
	for (size_t i = 0; i < 2; i++)
		if (keys[i].tag == tag)
			return &keys[i];
	fail_msg("no DNSKEY with tag %u", tag);
	return NULL;
}

/* An RRset of the zone as od_rrsig wants it (rrs: room for 8 records). */
static od_rrsig_rrset_t rrset(const od_znode_t *n, uint16_t type,
                              od_rrsig_rd_t rrs[8])
{
	const od_zrrset_t *rs = od_znode_rrset(n, type);
	assert_non_null(rs);
	assert_true(rs->count <= 8);
	for (size_t i = 0; i < rs->count; i++)
		rrs[i] = (od_rrsig_rd_t){ rs->rrs[i]->data, rs->rrs[i]->len };
	return (od_rrsig_rrset_t){ n->owner, type, rs->rclass, rs->count, rrs };
}

/*
 * Verify every RRSIG at owner covering type, each with the key its tag
 * names, at `now`; all must give `want`. \return how many were checked.
 */
static size_t check(const char *owner, uint16_t type, uint64_t now, int want)
{
	const od_znode_t *n = od_zone_find(zone, N(owner));
	assert_non_null(n);
	od_rrsig_rd_t rrs[8];
	od_rrsig_rrset_t set = rrset(n, type, rrs);
	const od_zrrset_t *sigs = od_znode_rrset(n, OD_TYPE_RRSIG);
	size_t first, nsig = od_znode_sigs(n, type, &first);
	assert_non_null(sigs);
	for (size_t i = first; i < first + nsig; i++) {
		od_rrsig_t s;
		const od_zrr_t *sr = sigs->rrs[i];
		assert_int_equal(od_rrsig_parse(&s, sr->data, sr->len), 0);
		assert_int_equal(s.alg, OD_ALG_RSASHA1);
		assert_int_equal(s.inception, INCEPTION);
		assert_int_equal(s.expiration, EXPIRATION);
		int r = od_rrsig_verify(&set, sr->data, sr->len,
		                        zone->apex->owner,
		                        key_by_tag(s.key_tag), now, NULL, NULL);
		if (r != want)
			fail_msg("%s type %u tag %u: %s, expected %s", owner,
			         type, s.key_tag,
			         r < 0 ? od_strerror(r)
			               : od_rrsig_res_str((od_rrsig_res_t)r),
			         od_rrsig_res_str((od_rrsig_res_t)want));
	}
	return nsig;
}

static void test_keys(void **state)
{
	(void)state;
	/* Appendix A names the ZSK 38519 and the KSK 9465. */
	const od_dnskey_t *zsk = key_by_tag(38519), *ksk = key_by_tag(9465);
	assert_int_equal(zsk->flags, 256);
	assert_int_equal(ksk->flags, 257);
	assert_int_equal(zsk->alg, OD_ALG_RSASHA1);
	assert_non_null(zsk->pkey);
	assert_non_null(ksk->pkey);
	assert_true(od_dnskey_usable(zsk));
	assert_true(od_dnskey_usable(ksk));
	assert_true(od_alg_info(OD_ALG_RSASHA1)->validate);
	assert_true(od_alg_info(OD_ALG_RSASHA1)->sha1);
}

static void test_signatures_valid(void **state)
{
	(void)state;
	size_t n = 0;
	n += check("example.", OD_TYPE_SOA, NOW, OD_RRSIG_VALID);
	n += check("example.", OD_TYPE_NS, NOW, OD_RRSIG_VALID);
	n += check("example.", OD_TYPE_MX, NOW, OD_RRSIG_VALID);
	n += check("example.", OD_TYPE_DNSKEY, NOW, OD_RRSIG_VALID);
	n += check("example.", OD_TYPE_NSEC, NOW, OD_RRSIG_VALID);
	n += check("ai.example.", OD_TYPE_A, NOW, OD_RRSIG_VALID);
	n += check("ai.example.", OD_TYPE_AAAA, NOW, OD_RRSIG_VALID);
	n += check("*.w.example.", OD_TYPE_MX, NOW, OD_RRSIG_VALID);
	n += check("x.w.example.", OD_TYPE_MX, NOW, OD_RRSIG_VALID);
	/* The DNSKEY RRset carries two RRSIGs (KSK and ZSK). */
	assert_int_equal(n, 10);
}

static void test_verify_set_reports_sha1(void **state)
{
	(void)state;
	od_rrsig_rd_t rrs[8];
	od_rrsig_rrset_t set = rrset(zone->apex, OD_TYPE_DNSKEY, rrs);
	const od_zrrset_t *sigs = od_znode_rrset(zone->apex, OD_TYPE_RRSIG);
	size_t first, nsig = od_znode_sigs(zone->apex, OD_TYPE_DNSKEY, &first);
	assert_int_equal(nsig, 2);
	od_rrsig_rd_t sd[2];
	for (size_t i = 0; i < 2; i++)
		sd[i] = (od_rrsig_rd_t){ sigs->rrs[first + i]->data,
			                 sigs->rrs[first + i]->len };
	od_rrsig_limits_t lim = { .budget = 4 };
	od_rrsig_match_t m;
	assert_int_equal(od_rrsig_verify_set(&set, sd, 2, &keyset, NOW, &lim,
	                                     NULL, &m),
	                 OD_RRSIG_VALID);
	assert_int_equal(m.alg, OD_ALG_RSASHA1);
	assert_true(m.sha1);
	assert_int_equal(lim.verifications, 1);
}

/* Outside the window the same signatures are refused. */
static void test_window(void **state)
{
	(void)state;
	check("example.", OD_TYPE_SOA, INCEPTION - 1, OD_RRSIG_NOT_YET_VALID);
	check("example.", OD_TYPE_SOA, INCEPTION, OD_RRSIG_VALID);
	check("example.", OD_TYPE_SOA, EXPIRATION, OD_RRSIG_VALID);
	check("ai.example.", OD_TYPE_A, EXPIRATION + 1, OD_RRSIG_EXPIRED);
}

/* One octet of RDATA changed, or the wrong key: not valid. */
static void test_tampered(void **state)
{
	(void)state;
	const od_znode_t *n = od_zone_find(zone, N("ai.example."));
	assert_non_null(n);
	const od_zrrset_t *sigs = od_znode_rrset(n, OD_TYPE_RRSIG);
	size_t first;
	assert_int_equal(od_znode_sigs(n, OD_TYPE_A, &first), 1);
	const od_zrr_t *sr = sigs->rrs[first];

	static const uint8_t a10[4] = { 192, 0, 2, 10 };
	od_rrsig_rd_t rd = { a10, 4 };
	od_rrsig_rrset_t set = { n->owner, OD_TYPE_A, OD_CLASS_IN, 1, &rd };
	assert_int_equal(od_rrsig_verify(&set, sr->data, sr->len,
	                                 zone->apex->owner, key_by_tag(38519),
	                                 NOW, NULL, NULL),
	                 OD_RRSIG_BOGUS);

	static const uint8_t a9[4] = { 192, 0, 2, 9 };
	rd.data = a9;
	assert_int_equal(od_rrsig_verify(&set, sr->data, sr->len,
	                                 zone->apex->owner, key_by_tag(38519),
	                                 NOW, NULL, NULL),
	                 OD_RRSIG_VALID);
	assert_int_equal(od_rrsig_verify(&set, sr->data, sr->len,
	                                 zone->apex->owner, key_by_tag(9465),
	                                 NOW, NULL, NULL),
	                 OD_RRSIG_KEY_MISMATCH);
}

/*
 * RFC 4035 §5.3.2: the *.w.example MX RRSIG (labels 2) also covers the
 * same RRset expanded at a.w.example, as in the answer of Appendix B.6.
 */
static void test_wildcard_expansion(void **state)
{
	(void)state;
	const od_znode_t *w = od_zone_find(zone, N("*.w.example."));
	assert_non_null(w);
	od_rrsig_rd_t rrs[8];
	od_rrsig_rrset_t set = rrset(w, OD_TYPE_MX, rrs);
	set.owner = N("a.w.example.");
	const od_zrrset_t *sigs = od_znode_rrset(w, OD_TYPE_RRSIG);
	size_t first;
	assert_int_equal(od_znode_sigs(w, OD_TYPE_MX, &first), 1);
	const od_zrr_t *sr = sigs->rrs[first];
	assert_int_equal(od_rrsig_verify(&set, sr->data, sr->len,
	                                 zone->apex->owner, key_by_tag(38519),
	                                 NOW, NULL, NULL),
	                 OD_RRSIG_VALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_signatures_valid),
		cmocka_unit_test(test_verify_set_reports_sha1),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_wildcard_expansion),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
