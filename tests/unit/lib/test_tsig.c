/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/base.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/tsig.h"

/*
 * Vectors made once with dnspython 2.3 (an independent implementation),
 * time.time() pinned to 1700000000, key "test-key." hmac-sha256 with the
 * secret bytes 0..31:
 *   q = dns.message.make_query('example.com.', 'SOA', use_edns=False)
 *   q.id = 0x1234; q.use_tsig(kr, keyname='test-key.',
 *                             algorithm='hmac-sha256'); q.to_wire()
 *   r = dns.message.make_response(dns.message.from_wire(qw, keyring=kr))
 *   r.answer.append(rrset 'example.com. 3600 IN A 192.0.2.1'); r.to_wire()
 * and the same query for AXFR, id 7, key "k5." hmac-sha512.
 */
#define T0 1700000000ull
#define SECRET "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
static const char *QUERY_HEX =
        "123401000001000000000001076578616d706c6503636f6d000006000108746573"
        "742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553"
        "f100012c00209bf1afdac27c7872b4fece2ed98963cd5f0f6c4040f1691c6a4c3c"
        "70a4619d1f123400000000";
static const char *RESP_HEX =
        "123481000001000100000001076578616d706c6503636f6d0000060001c00c0001"
        "000100000e100004c000020108746573742d6b65790000fa00ff00000000003d0b"
        "686d61632d7368613235360000006553f100012c00207fa343e9de8a758db830c7"
        "e80a28a0d6ea4dceb063e952d29bf23ba9fcc97000123400000000";
static const char *Q512_HEX =
        "000701000001000000000001076578616d706c6503636f6d0000fc0001026b3500"
        "00fa00ff00000000005d0b686d61632d7368613531320000006553f100012c0040"
        "7dc391cbf64afd2fb7fe430c26abc2e1cda395c97be336cb35188d5fba138f9ef2"
        "e6fcc1a743af4e07f5ed3876f0c104b12f139991d8aea87bf76ba7fe20f54b0007"
        "00000000";

static size_t unhex(const char *h, uint8_t *out)
{
	int n = od_hex_decode(h, strlen(h), out, 2048);
	assert_true(n > 0);
	return (size_t)n;
}

static od_tsig_key_t key256(void)
{
	od_tsig_key_t k;
	assert_int_equal(od_tsig_key_parse(&k, "test-key:hmac-sha256:" SECRET,
	                                   NULL, 0),
	                 0);
	return k;
}

static void test_key_parse(void **state)
{
	(void)state;
	od_tsig_key_t k;
	char err[256];
	assert_int_equal(od_tsig_key_parse(&k, "Test-Key.:hmac-sha512:" SECRET,
	                                   err, sizeof(err)),
	                 0);
	assert_memory_equal(k.name, "\x08test-key", 10);
	assert_int_equal(k.alg, OD_TSIG_HMAC_SHA512);
	assert_int_equal(k.secret_len, 32);
	assert_int_equal(k.secret[31], 31);
	/* Algorithm left out: hmac-sha256. */
	assert_int_equal(od_tsig_key_parse(&k, "k:" SECRET, err, sizeof(err)),
	                 0);
	assert_int_equal(k.alg, OD_TSIG_HMAC_SHA256);
	assert_int_equal(od_tsig_key_parse(&k, "k:hmac-md5:" SECRET, err,
	                                   sizeof(err)),
	                 OD_ENOTSUP);
	assert_non_null(strstr(err, "hmac-md5"));
	assert_int_equal(od_tsig_key_parse(&k, "k:hmac-sha256:***", err,
	                                   sizeof(err)),
	                 OD_EBASE64);
	assert_int_equal(od_tsig_key_parse(&k, "k:hmac-sha256:", err,
	                                   sizeof(err)),
	                 OD_EBASE64);
	assert_int_equal(od_tsig_key_parse(&k, "nocolon", err, sizeof(err)),
	                 OD_ESYNTAX);
	assert_int_equal(od_tsig_key_set(&k, "a..b", "hmac-sha1", SECRET, err,
	                                 sizeof(err)),
	                 OD_ESYNTAX);
	od_tsig_alg_t a;
	assert_int_equal(od_tsig_alg_from_str("HMAC-SHA384.", &a), 0);
	assert_int_equal(a, OD_TSIG_HMAC_SHA384);
	assert_int_equal(od_tsig_mac_len(OD_TSIG_HMAC_SHA1), 20);
}

static void verify(const uint8_t *w, size_t n, const od_tsig_keyring_t *kr,
                   uint64_t now, od_tsig_ctx_t *ctx, int expect)
{
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, w, n, NULL, 0), 0);
	assert_int_equal(od_tsig_verify_query(ctx, kr, w, n, &p, now), expect);
	od_pkt_free(&p);
}

static void test_verify_dnspython(void **state)
{
	(void)state;
	uint8_t w[2048];
	size_t n = unhex(QUERY_HEX, w);
	od_tsig_key_t keys[2];
	od_tsig_key_parse(&keys[0], "other:hmac-sha256:" SECRET, NULL, 0);
	keys[1] = key256();
	od_tsig_keyring_t kr = { keys, 2 };
	od_tsig_ctx_t ctx;

	verify(w, n, &kr, T0, &ctx, 0);
	assert_ptr_equal(ctx.key, &keys[1]);
	assert_int_equal(ctx.mac_len, 32);
	assert_int_equal(ctx.orig_id, 0x1234);
	verify(w, n, &kr, T0 + 300, &ctx, 0);
	verify(w, n, &kr, T0 - 300, &ctx, 0);

	/* Outside the fudge. */
	verify(w, n, &kr, T0 + 301, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADTIME);
	assert_ptr_equal(ctx.key, &keys[1]);
	verify(w, n, &kr, T0 - 301, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADTIME);

	/* Tampered: the question type changed. */
	uint8_t t[2048];
	memcpy(t, w, n);
	t[12 + 13 + 1] = OD_TYPE_A;
	verify(t, n, &kr, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADSIG);
	/* Tampered: the ID (the original ID in the TSIG still covers it
	 * and it is what the MAC is computed over, so this still holds) */
	memcpy(t, w, n);
	t[0] ^= 0xff;
	verify(t, n, &kr, T0, &ctx, 0);
	/* Tampered MAC. */
	memcpy(t, w, n);
	t[n - 10] ^= 1;
	verify(t, n, &kr, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADSIG);

	/* Unknown key. */
	od_tsig_keyring_t kr1 = { keys, 1 };
	verify(w, n, &kr1, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADKEY);
	assert_null(ctx.key);
	verify(w, n, NULL, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADKEY);
	/* Known name, other algorithm. */
	od_tsig_key_t k1;
	od_tsig_key_parse(&k1, "test-key:hmac-sha1:" SECRET, NULL, 0);
	od_tsig_keyring_t kr2 = { &k1, 1 };
	verify(w, n, &kr2, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADKEY);
	/* Same name and algorithm, other secret. */
	od_tsig_key_t k2;
	od_tsig_key_parse(&k2, "test-key:hmac-sha256:AAAA", NULL, 0);
	od_tsig_keyring_t kr3 = { &k2, 1 };
	verify(w, n, &kr3, T0, &ctx, OD_ETSIG);
	assert_int_equal(ctx.error, OD_TSIG_BADSIG);

	/* hmac-sha512. */
	n = unhex(Q512_HEX, w);
	od_tsig_key_t k5;
	od_tsig_key_parse(&k5, "k5:hmac-sha512:" SECRET, NULL, 0);
	od_tsig_keyring_t kr5 = { &k5, 1 };
	verify(w, n, &kr5, T0, &ctx, 0);
	assert_int_equal(ctx.mac_len, 64);
}

/* dnspython's signed response verifies against the request MAC. */
static void test_verify_response_dnspython(void **state)
{
	(void)state;
	uint8_t qw[2048], rw[2048];
	size_t qn = unhex(QUERY_HEX, qw), rn = unhex(RESP_HEX, rw);
	od_tsig_key_t k = key256();
	od_tsig_keyring_t kr = { &k, 1 };
	od_tsig_ctx_t srv;
	verify(qw, qn, &kr, T0, &srv, 0);

	od_tsig_ctx_t cli;
	od_tsig_ctx_client(&cli, &k, 0);
	memcpy(cli.mac, srv.mac, srv.mac_len);
	cli.mac_len = srv.mac_len;
	od_tsig_ctx_t c2 = cli;
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, rw, rn, NULL, 0), 0);
	assert_int_equal(od_tsig_verify_response(&cli, rw, rn, &p, T0 + 5), 0);
	od_pkt_free(&p);

	/* The answer's address altered. */
	rw[44] ^= 1;
	assert_int_equal(od_pkt_parse(&p, rw, rn, NULL, 0), 0);
	assert_int_equal(od_tsig_verify_response(&c2, rw, rn, &p, T0),
	                 OD_ETSIG);
	assert_int_equal(c2.error, OD_TSIG_BADSIG);
	od_pkt_free(&p);
}

static int build(uint8_t *buf, size_t cap, uint16_t id, bool qr,
                 const char *addr4, od_tsig_ctx_t *ctx, uint64_t now)
{
	od_hdr_t h = { .id = id, .qr = qr };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, cap, &h), 0);
	assert_int_equal(od_pkt_w_reserve(&b, od_tsig_space(ctx)), 0);
	assert_int_equal(od_pkt_w_question(&b,
	                                   (const uint8_t *)"\7example\3com",
	                                   OD_TYPE_AXFR, OD_CLASS_IN),
	                 0);
	if (addr4) {
		od_rr_t rr = { .owner = (const uint8_t *)"\7example\3com",
			       .rdata = (const uint8_t *)addr4,
			       .rdlen = 4,
			       .ttl = 60,
			       .type = OD_TYPE_A,
			       .rclass = OD_CLASS_IN };
		assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, &rr, 1), 0);
	}
	assert_true(od_pkt_w_finish(&b) > 0);
	return od_tsig_sign(ctx, &b, now);
}

/* Request, then a stream of three signed messages (RFC 8945 §5.3.1). */
static void test_stream(void **state)
{
	(void)state;
	od_tsig_key_t k = key256();
	od_tsig_keyring_t kr = { &k, 1 };
	uint8_t q[512], m[3][512];
	int mn[3];
	od_tsig_ctx_t cli, srv;
	od_tsig_ctx_client(&cli, &k, 0);
	int qn = build(q, sizeof(q), 99, false, NULL, &cli, T0);
	assert_true(qn > 0);
	verify(q, (size_t)qn, &kr, T0 + 1, &srv, 0);
	assert_int_equal(srv.orig_id, 99);
	for (int i = 0; i < 3; i++) {
		char a[4] = { 10, 0, 0, (char)i };
		mn[i] = build(m[i], sizeof(m[i]), 99, true, a, &srv, T0 + 2);
		assert_true(mn[i] > 0);
	}
	od_tsig_ctx_t c0 = cli;
	for (int i = 0; i < 3; i++) {
		od_pkt_t p;
		assert_int_equal(od_pkt_parse(&p, m[i], (size_t)mn[i], NULL, 0),
		                 0);
		assert_non_null(p.tsig);
		assert_int_equal(od_tsig_verify_response(
		                         &cli, m[i], (size_t)mn[i], &p, T0 + 3),
		                 0);
		od_pkt_free(&p);
	}
	/* Out of order: the second message first does not verify. */
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, m[1], (size_t)mn[1], NULL, 0), 0);
	assert_int_equal(od_tsig_verify_response(&c0, m[1], (size_t)mn[1], &p,
	                                         T0 + 3),
	                 OD_ETSIG);
	assert_int_equal(c0.error, OD_TSIG_BADSIG);
	od_pkt_free(&p);
}

/* Error answers: BADKEY unsigned with an empty MAC, BADTIME signed with
 * the server's time in other data. */
static void test_error_responses(void **state)
{
	(void)state;
	od_tsig_key_t k = key256();
	od_tsig_keyring_t kr = { &k, 1 };
	uint8_t w[2048], out[512];
	size_t n = unhex(QUERY_HEX, w);
	od_tsig_ctx_t srv;
	verify(w, n, NULL, T0, &srv, OD_ETSIG);
	int rn = build(out, sizeof(out), 0x1234, true, NULL, &srv, T0);
	assert_true(rn > 0);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, out, (size_t)rn, NULL, 0), 0);
	assert_non_null(p.tsig);
	assert_memory_equal(p.tsig->owner, "\x08test-key", 10);
	/* alg(13) time(6) fudge(2) macsize(2)=0 origid(2) error(2) */
	const uint8_t *rd = p.tsig->rdata;
	assert_int_equal(od_get_u16(rd + 13 + 8), 0);
	assert_int_equal(od_get_u16(rd + 13 + 10), 0x1234);
	assert_int_equal(od_get_u16(rd + 13 + 12), OD_TSIG_BADKEY);
	od_pkt_free(&p);

	verify(w, n, &kr, T0 + 1000, &srv, OD_ETSIG);
	rn = build(out, sizeof(out), 0x1234, true, NULL, &srv, T0 + 1000);
	assert_true(rn > 0);
	assert_int_equal(od_pkt_parse(&p, out, (size_t)rn, NULL, 0), 0);
	rd = p.tsig->rdata;
	assert_int_equal(od_get_u16(rd + 13 + 8), 32);
	assert_int_equal(od_get_u16(rd + 13 + 10 + 32 + 2), OD_TSIG_BADTIME);
	assert_int_equal(od_get_u16(rd + 13 + 10 + 32 + 4), 6);
	assert_int_equal(od_get_u32(rd + 13 + 10 + 32 + 8), T0 + 1000);
	/* A client that sent the query sees the signed BADTIME error. */
	od_tsig_ctx_t cli;
	od_tsig_ctx_client(&cli, &k, 0);
	memcpy(cli.mac, srv.mac, 32);
	cli.mac_len = 32;
	assert_int_equal(od_tsig_verify_response(&cli, out, (size_t)rn, &p,
	                                         T0 + 1000),
	                 OD_ETSIG);
	assert_int_equal(cli.error, OD_TSIG_BADTIME);
	od_pkt_free(&p);
}

/* Signing a finished message gives the same bytes as signing through
 * the builder. */
static void test_sign_wire(void **state)
{
	(void)state;
	od_tsig_key_t k = key256();
	od_tsig_keyring_t kr = { &k, 1 };
	uint8_t w[2048];
	size_t n = unhex(QUERY_HEX, w);
	od_tsig_ctx_t a, b;
	verify(w, n, &kr, T0, &a, 0);
	b = a;
	uint8_t m1[512], m2[512];
	int n1 = build(m1, sizeof(m1), 0x1234, true, "\x0a\0\0\1", &a, T0);
	assert_true(n1 > 0);
	od_hdr_t h = { .id = 0x1234, .qr = true };
	od_pkt_w_t pw;
	od_pkt_w_init(&pw, m2, sizeof(m2), &h);
	od_pkt_w_question(&pw, (const uint8_t *)"\7example\3com", OD_TYPE_AXFR,
	                  OD_CLASS_IN);
	od_rr_t rr = { .owner = (const uint8_t *)"\7example\3com",
		       .rdata = (const uint8_t *)"\x0a\0\0\1",
		       .rdlen = 4,
		       .ttl = 60,
		       .type = OD_TYPE_A,
		       .rclass = OD_CLASS_IN };
	od_pkt_w_rrset(&pw, OD_ANSWER, &rr, 1);
	int plain = od_pkt_w_finish(&pw);
	assert_true(plain > 0);
	assert_int_equal(od_tsig_sign_wire(&b, m2, (size_t)plain,
	                                   (size_t)plain + 10, T0),
	                 OD_ESPACE);
	int n2 = od_tsig_sign_wire(&b, m2, (size_t)plain, sizeof(m2), T0);
	assert_int_equal(n2, n1);
	assert_memory_equal(m1, m2, (size_t)n1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_verify_dnspython),
		cmocka_unit_test(test_verify_response_dnspython),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_error_responses),
		cmocka_unit_test(test_sign_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
