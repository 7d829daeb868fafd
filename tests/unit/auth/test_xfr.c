/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "auth/journal.h"
#include "auth/notify.h"
#include "auth/xfr.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/sbuf.h"
#include "lib/tsig.h"
#include "lib/zone/zone.h"

#define NOW 1700000000ull
#define ORIGIN ((const uint8_t *)"\7example\3com")

static const char *ZONE_HEAD =
        "$ORIGIN example.com.\n"
        "$TTL 3600\n"
        "@ SOA ns1 hostmaster %u 7200 3600 1209600 300\n"
        "@ NS ns1\n"
        "@ NS ns2.other.net.\n"
        "ns1 A 192.0.2.1\n"
        "sub NS ns.sub\n"
        "ns.sub A 192.0.2.53\n"
        "deep.sub TXT \"occluded\"\n"
        "@ NSEC www A NS SOA RRSIG NSEC\n"
        "@ RRSIG SOA 13 2 3600 20300101000000 20200101000000 12345 "
        "example.com. AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

/* Zone version v: serial v and records that change between versions. */
static od_zone_t *make_zone(unsigned v)
{
	char *text = malloc(200000);
	assert_non_null(text);
	int n = snprintf(text, 200000, ZONE_HEAD, v);
	for (unsigned i = 0; i < 200; i++)
		n += snprintf(text + n, 200000 - (size_t)n,
		              "h%u A 10.0.%u.%u\n", i, i / 250, i % 250);
	if (v == 1) {
		n += snprintf(text + n, 200000 - (size_t)n,
		              "www A 192.0.2.10\nwww TXT \"old\"\n"
		              "mail 3600 MX 10 www\n");
	} else if (v == 2) {
		n += snprintf(text + n, 200000 - (size_t)n,
		              "www A 192.0.2.11\nnew AAAA 2001:db8::1\n"
		              "mail 60 MX 10 www\n");
	} else {
		n += snprintf(text + n, 200000 - (size_t)n,
		              "www A 192.0.2.11\nmail 60 MX 10 www\n");
	}
	od_zone_t *z = NULL;
	assert_int_equal(od_zone_load_mem(&z, text, (size_t)n, "test", NULL),
	                 0);
	free(text);
	return z;
}

/* Collected messages of a transfer. */
typedef struct stream {
	uint8_t *msg[512];
	size_t len[512];
	size_t n;
	int stop_after; /* emit fails after this many (0: never) */
} stream_t;

static int collect(void *ctx, const uint8_t *msg, size_t len)
{
	stream_t *s = ctx;
	if (s->stop_after && s->n >= (size_t)s->stop_after)
		return -1;
	assert_true(s->n < 512);
	s->msg[s->n] = malloc(len);
	memcpy(s->msg[s->n], msg, len);
	s->len[s->n++] = len;
	return 0;
}

static void stream_free(stream_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->msg[i]);
	s->n = 0;
}

/* Build a query; serial != 0 adds the IXFR authority SOA. */
static size_t query(uint8_t *buf, uint16_t id, const uint8_t *qname,
                    uint16_t qtype, uint32_t serial, od_tsig_ctx_t *tsig)
{
	od_hdr_t h = { .id = id };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &h), 0);
	if (tsig)
		assert_int_equal(od_pkt_w_reserve(&b, od_tsig_space(tsig)), 0);
	assert_int_equal(od_pkt_w_question(&b, qname, qtype, OD_CLASS_IN), 0);
	if (qtype == OD_TYPE_IXFR) {
		uint8_t rd[22] = { 0 };
		od_put_u32(rd + 2, serial);
		od_rr_t soa = { .owner = qname,
			        .rdata = rd,
			        .rdlen = 22,
			        .type = OD_TYPE_SOA,
			        .rclass = OD_CLASS_IN };
		assert_int_equal(od_pkt_w_rrset(&b, OD_AUTHORITY, &soa, 1), 0);
	}
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	if (tsig)
		n = od_tsig_sign(tsig, &b, NOW);
	assert_true(n > 0);
	return (size_t)n;
}

typedef struct env {
	od_acl_t acl;
	od_tsig_key_t keys[1];
	od_tsig_keyring_t kr;
	struct sockaddr_in peer;
} env_t;

static void env_init(env_t *e, const char *acl)
{
	memset(e, 0, sizeof(*e));
	if (acl)
		assert_int_equal(od_acl_add(&e->acl, acl, NULL, 0), 0);
	assert_int_equal(od_tsig_key_parse(&e->keys[0],
	                                   "xfr-key:hmac-sha256:AAECAwQFBgcICQo"
	                                   "LDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	                                   NULL, 0),
	                 0);
	e->kr = (od_tsig_keyring_t){ e->keys, 1 };
	e->peer.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &e->peer.sin_addr);
}

/* Run a transfer; the last message joins the stream. */
static int run(env_t *e, const od_zone_t *z, const od_journal_t *j,
               const uint8_t *q, size_t qn, bool tcp, size_t msg_max,
               stream_t *s, od_xfr_info_t *info)
{
	uint8_t out[65535];
	od_xfr_req_t req = {
		.query = q,
		.qlen = qn,
		.peer = (const struct sockaddr *)&e->peer,
		.tcp = tcp,
		.zone = z,
		.journal = j,
		.acl = &e->acl,
		.keys = &e->kr,
		.now = NOW,
		.msg_max = msg_max,
		.emit = collect,
		.emit_ctx = s,
	};
	int n = od_xfr_answer(&req, out, sizeof(out), info);
	if (n > 0)
		collect(s, out, (size_t)n);
	return n;
}

/* Record lines of the stream's answer sections, in order. */
typedef struct lines {
	char **v;
	size_t n;
} lines_t;

static void lines_add(lines_t *l, const char *s)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(char *));
	l->v[l->n++] = strdup(s);
}

static void lines_free(lines_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int zline(const char *line, size_t len, void *ctx)
{
	(void)len;
	lines_add(ctx, line);
	return 0;
}

/*
 * Check the messages' framing (ID, flags, question in the first only,
 * TSIG when cli is given) and return the answer records as zone lines.
 */
static void check_stream(const stream_t *s, uint16_t id, uint16_t qtype,
                         uint16_t rcode, od_tsig_ctx_t *cli, lines_t *out)
{
	assert_true(s->n > 0);
	for (size_t i = 0; i < s->n; i++) {
		od_pkt_t p;
		assert_int_equal(
		        od_pkt_parse(&p, s->msg[i], s->len[i], NULL, 0), 0);
		assert_int_equal(p.hdr.id, id);
		assert_true(p.hdr.qr);
		assert_true(p.hdr.aa);
		assert_false(p.hdr.tc);
		assert_int_equal(p.rcode, rcode);
		if (i == 0) {
			assert_int_equal(p.count[OD_QUESTION], 1);
			assert_int_equal(p.qd[0].qtype, qtype);
		} else {
			assert_int_equal(p.count[OD_QUESTION], 0);
		}
		if (cli) {
			assert_non_null(p.tsig);
			assert_int_equal(od_tsig_verify_response(cli, s->msg[i],
			                                         s->len[i], &p,
			                                         NOW + 1),
			                 0);
		} else {
			assert_null(p.tsig);
		}
		for (unsigned k = 0; k < p.count[OD_ANSWER]; k++) {
			const od_rr_t *rr = &p.rr[OD_ANSWER][k];
			od_zrr_t *zr = malloc(sizeof(*zr) + rr->rdlen);
			zr->ttl = rr->ttl;
			zr->len = rr->rdlen;
			memcpy(zr->data, rr->rdata, rr->rdlen);
			od_zrrset_t set = { .type = rr->type,
				            .rclass = rr->rclass };
			char line[4096];
			assert_true(od_zone_rr_to_str(rr->owner, &set, zr, line,
			                              sizeof(line)) > 0);
			free(zr);
			lines_add(out, line);
		}
		od_pkt_free(&p);
	}
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* AXFR form: SOA first and last, every zone record exactly once. */
static void check_axfr_form(const od_zone_t *z, lines_t *got)
{
	lines_t want = { 0 };
	assert_int_equal(od_zone_print(z, zline, &want), 0);
	char soa[4096];
	od_rr_t dummy;
	(void)dummy;
	const od_zrrset_t *ss = od_zone_soa(z);
	od_zone_rr_to_str(z->apex->owner, ss, ss->rrs[0], soa, sizeof(soa));
	assert_true(got->n >= 2);
	assert_string_equal(got->v[0], soa);
	assert_string_equal(got->v[got->n - 1], soa);
	assert_int_equal(got->n - 1, want.n);
	qsort(got->v, got->n - 1, sizeof(char *), strp_cmp);
	qsort(want.v, want.n, sizeof(char *), strp_cmp);
	for (size_t i = 0; i < want.n; i++)
		assert_string_equal(got->v[i], want.v[i]);
	lines_free(&want);
}

static void test_axfr(void **state)
{
	(void)state;
	od_zone_t *z = make_zone(1);
	env_t e;
	env_init(&e, "127.0.0.0/8");
	uint8_t q[512];
	size_t qn = query(q, 4242, ORIGIN, OD_TYPE_AXFR, 0, NULL);
	stream_t s = { 0 };
	od_xfr_info_t info;
	int n = run(&e, z, NULL, q, qn, true, 512, &s, &info);
	assert_true(n > 0);
	assert_int_equal(info.kind, OD_XFR_AXFR);
	assert_true(s.n > 5); /* 512-byte messages: many of them */
	assert_int_equal(info.messages, s.n);
	lines_t got = { 0 };
	check_stream(&s, 4242, OD_TYPE_AXFR, OD_RCODE_NOERROR, NULL, &got);
	assert_int_equal(info.records, got.n);
	/* Occluded data, glue, NSEC and RRSIG are all there. */
	bool occl = false, rrsig = false;
	for (size_t i = 0; i < got.n; i++) {
		occl |= strstr(got.v[i], "occluded") != NULL;
		rrsig |= strstr(got.v[i], "RRSIG") != NULL;
	}
	assert_true(occl && rrsig);
	check_axfr_form(z, &got);
	lines_free(&got);
	stream_free(&s);

	/* Default size: one message holds this zone. */
	n = run(&e, z, NULL, q, qn, true, 0, &s, &info);
	assert_true(n > 0);
	assert_int_equal(s.n, 1);
	stream_free(&s);

	/* The emitter asks to stop: the transfer ends with OD_ELIMIT. */
	s.stop_after = 2;
	n = run(&e, z, NULL, q, qn, true, 512, &s, &info);
	assert_int_equal(n, OD_ELIMIT);
	stream_free(&s);

	od_acl_clear(&e.acl);
	od_zone_free(z);
}

static void test_axfr_tsig(void **state)
{
	(void)state;
	od_zone_t *z = make_zone(1);
	env_t e;
	env_init(&e, "127.0.0.1 key xfr-key");
	uint8_t q[512];
	od_tsig_ctx_t cli;
	od_tsig_ctx_client(&cli, &e.keys[0], 0);
	size_t qn = query(q, 77, ORIGIN, OD_TYPE_AXFR, 0, &cli);
	stream_t s = { 0 };
	od_xfr_info_t info;
	int n = run(&e, z, NULL, q, qn, true, 1024, &s, &info);
	assert_true(n > 0);
	assert_true(info.signed_);
	assert_true(s.n > 3);
	lines_t got = { 0 };
	check_stream(&s, 77, OD_TYPE_AXFR, OD_RCODE_NOERROR, &cli, &got);
	check_axfr_form(z, &got);
	lines_free(&got);

	/* A message dropped from the stream breaks the chain. */
	od_tsig_ctx_client(&cli, &e.keys[0], 0);
	qn = query(q, 78, ORIGIN, OD_TYPE_AXFR, 0, &cli);
	stream_free(&s);
	run(&e, z, NULL, q, qn, true, 1024, &s, &info);
	for (size_t i = 0; i < 3; i++) {
		od_pkt_t p;
		assert_int_equal(od_pkt_parse(&p, s.msg[i], s.len[i], NULL, 0),
		                 0);
		int want = i == 1 ? 1 : 0; /* skip message 1 */
		if (want) {
			od_pkt_free(&p);
			continue;
		}
		int r = od_tsig_verify_response(&cli, s.msg[i], s.len[i], &p,
		                                NOW);
		assert_int_equal(r, i == 0 ? 0 : OD_ETSIG);
		od_pkt_free(&p);
	}
	stream_free(&s);
	od_acl_clear(&e.acl);
	od_zone_free(z);
}

static void expect_refused(env_t *e, const od_zone_t *z, const uint8_t *q,
                           size_t qn, bool tcp, uint16_t id, uint16_t qtype,
                           uint16_t rcode, uint16_t tsig_error)
{
	stream_t s = { 0 };
	od_xfr_info_t info;
	int n = run(e, z, NULL, q, qn, tcp, 0, &s, &info);
	assert_true(n > 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(info.kind, OD_XFR_REFUSED);
	assert_int_equal(info.rcode, rcode);
	assert_int_equal(info.tsig_error, tsig_error);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, s.msg[0], s.len[0], NULL, 0), 0);
	assert_int_equal(p.hdr.id, id);
	assert_int_equal(p.rcode, rcode);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(p.qd[0].qtype, qtype);
	if (tsig_error) {
		assert_non_null(p.tsig);
		/* error field after alg name, time, fudge, MAC, orig id */
		const uint8_t *rd = p.tsig->rdata;
		size_t al = od_name_len(rd);
		uint16_t ml = od_get_u16(rd + al + 8);
		assert_int_equal(od_get_u16(rd + al + 10 + ml + 2), tsig_error);
	}
	od_pkt_free(&p);
	stream_free(&s);
}

static void test_refused(void **state)
{
	(void)state;
	od_zone_t *z = make_zone(1);
	env_t e;
	uint8_t q[512];
	size_t qn = query(q, 5, ORIGIN, OD_TYPE_AXFR, 0, NULL);

	/* The client is not in the list. */
	env_init(&e, "192.0.2.0/24");
	expect_refused(&e, z, q, qn, true, 5, OD_TYPE_AXFR, OD_RCODE_REFUSED,
	               0);
	od_acl_clear(&e.acl);
	/* No list at all. */
	env_init(&e, NULL);
	expect_refused(&e, z, q, qn, true, 5, OD_TYPE_AXFR, OD_RCODE_REFUSED,
	               0);
	/* AXFR over UDP. */
	env_init(&e, "127.0.0.0/8");
	expect_refused(&e, z, q, qn, false, 5, OD_TYPE_AXFR, OD_RCODE_REFUSED,
	               0);
	od_acl_clear(&e.acl);
	/* The entry wants a key, the query is unsigned. */
	env_init(&e, "127.0.0.0/8 key xfr-key");
	expect_refused(&e, z, q, qn, true, 5, OD_TYPE_AXFR, OD_RCODE_REFUSED,
	               0);
	/* Signed with a key the server does not have: NOTAUTH/BADKEY. */
	od_tsig_key_t other;
	od_tsig_key_parse(&other, "other-key:hmac-sha256:AAAA", NULL, 0);
	od_tsig_ctx_t cli;
	od_tsig_ctx_client(&cli, &other, 0);
	qn = query(q, 6, ORIGIN, OD_TYPE_AXFR, 0, &cli);
	expect_refused(&e, z, q, qn, true, 6, OD_TYPE_AXFR, OD_RCODE_NOTAUTH,
	               OD_TSIG_BADKEY);
	/* Right key name, wrong secret: BADSIG. */
	od_tsig_key_parse(&other, "xfr-key:hmac-sha256:AAAA", NULL, 0);
	od_tsig_ctx_client(&cli, &other, 0);
	qn = query(q, 7, ORIGIN, OD_TYPE_AXFR, 0, &cli);
	expect_refused(&e, z, q, qn, true, 7, OD_TYPE_AXFR, OD_RCODE_NOTAUTH,
	               OD_TSIG_BADSIG);
	/* Another zone's name. */
	od_acl_clear(&e.acl);
	env_init(&e, "127.0.0.0/8");
	qn = query(q, 8, (const uint8_t *)"\3www\7example\3com", OD_TYPE_AXFR,
	           0, NULL);
	expect_refused(&e, z, q, qn, true, 8, OD_TYPE_AXFR, OD_RCODE_NOTAUTH,
	               0);
	/* IXFR without its SOA. */
	od_hdr_t h = { .id = 9 };
	od_pkt_w_t b;
	od_pkt_w_init(&b, q, 512, &h);
	od_pkt_w_question(&b, ORIGIN, OD_TYPE_IXFR, OD_CLASS_IN);
	qn = (size_t)od_pkt_w_finish(&b);
	expect_refused(&e, z, q, qn, true, 9, OD_TYPE_IXFR, OD_RCODE_FORMERR,
	               0);
	/* Not a transfer query: nothing. */
	qn = query(q, 10, ORIGIN, OD_TYPE_SOA, 0, NULL);
	stream_t s = { 0 };
	assert_int_equal(run(&e, z, NULL, q, qn, true, 0, &s, NULL), 0);
	assert_int_equal(s.n, 0);
	od_acl_clear(&e.acl);
	od_zone_free(z);
}

static bool has_line(const lines_t *l, size_t from, size_t to, const char *s)
{
	for (size_t i = from; i < to && i < l->n; i++)
		if (strstr(l->v[i], s))
			return true;
	return false;
}

static void test_journal_diff(void **state)
{
	(void)state;
	od_zone_t *z1 = make_zone(1), *z2 = make_zone(2);
	od_jdiff_t *d;
	assert_int_equal(od_journal_diff(&d, z1, z2), 0);
	assert_int_equal(d->serial_from, 1);
	assert_int_equal(d->serial_to, 2);
	/* removed: SOA 1, www A .10, www TXT, mail MX ttl 3600
	 * added:   SOA 2, www A .11, new AAAA, mail MX ttl 60 */
	assert_int_equal(d->nremoved, 4);
	assert_int_equal(d->nadded, 4);
	assert_int_equal(d->removed[0].type, OD_TYPE_SOA);
	const uint8_t *rd = d->removed[0].rdata;
	size_t m = od_name_len(rd);
	m += od_name_len(rd + m);
	assert_int_equal(od_get_u32(rd + m), 1);
	assert_int_equal(d->added[0].type, OD_TYPE_SOA);
	char buf[512];
	lines_t rem = { 0 }, add = { 0 };
	for (size_t i = 0; i < d->nremoved; i++) {
		od_rr_to_str(&d->removed[i], buf, sizeof(buf));
		lines_add(&rem, buf);
	}
	for (size_t i = 0; i < d->nadded; i++) {
		od_rr_to_str(&d->added[i], buf, sizeof(buf));
		lines_add(&add, buf);
	}
	assert_true(has_line(&rem, 1, 4, "192.0.2.10"));
	assert_true(has_line(&rem, 1, 4, "\"old\""));
	assert_true(has_line(&rem, 1, 4, "3600\tIN\tMX"));
	assert_true(has_line(&add, 1, 4, "192.0.2.11"));
	assert_true(has_line(&add, 1, 4, "2001:db8::1"));
	assert_true(has_line(&add, 1, 4, "60\tIN\tMX"));
	lines_free(&rem);
	lines_free(&add);

	/* Serial not increased. */
	od_jdiff_t *d2;
	assert_int_equal(od_journal_diff(&d2, z2, z1), OD_ERANGE);
	assert_int_equal(od_journal_diff(&d2, z1, z1), OD_ERANGE);
	/* Serial arithmetic wraps (RFC 1982). */
	assert_true(od_serial_lt(0xffffffffu, 1));
	assert_false(od_serial_lt(1, 0xffffffffu));

	/* Journal bounds and continuity. */
	od_zone_t *z3 = make_zone(3);
	assert_int_equal(od_journal_diff(&d2, z2, z3), 0);
	od_journal_t *j1, *j2, *j3;
	assert_int_equal(od_journal_add(&j1, NULL, d, NULL), 0);
	od_jdiff_ref(d2);
	assert_int_equal(od_journal_add(&j2, j1, d2, NULL), 0);
	assert_int_equal(od_journal_count(j1), 1);
	assert_int_equal(od_journal_count(j2), 2);
	size_t first, n;
	assert_int_equal(od_journal_find(j2, 1, 3, &first, &n), 0);
	assert_int_equal(first, 0);
	assert_int_equal(n, 2);
	assert_int_equal(od_journal_find(j2, 2, 3, &first, &n), 0);
	assert_int_equal(first, 1);
	assert_int_equal(od_journal_find(j2, 0, 3, &first, &n), OD_ERANGE);
	od_journal_limits_t lim = { .max_diffs = 1 };
	od_jdiff_ref(d2);
	/* d2 does not continue j2 (which ends at 3): a fresh journal. */
	assert_int_equal(od_journal_add(&j3, j2, d2, &lim), 0);
	assert_int_equal(od_journal_count(j3), 1);
	od_journal_free(j3);
	od_jdiff_ref(d2);
	assert_int_equal(od_journal_add(&j3, j1, d2, &lim), 0);
	assert_int_equal(od_journal_count(j3), 1);
	assert_int_equal(od_journal_find(j3, 1, 3, &first, &n), OD_ERANGE);
	od_journal_free(j1);
	od_journal_free(j2);
	od_journal_free(j3);
	od_jdiff_unref(d2);
	od_zone_free(z1);
	od_zone_free(z2);
	od_zone_free(z3);
}

static void test_ixfr(void **state)
{
	(void)state;
	od_zone_t *z1 = make_zone(1), *z2 = make_zone(2), *z3 = make_zone(3);
	od_jdiff_t *d1, *d2;
	assert_int_equal(od_journal_diff(&d1, z1, z2), 0);
	assert_int_equal(od_journal_diff(&d2, z2, z3), 0);
	od_journal_t *j1, *j;
	assert_int_equal(od_journal_add(&j1, NULL, d1, NULL), 0);
	assert_int_equal(od_journal_add(&j, j1, d2, NULL), 0);
	od_journal_free(j1);
	env_t e;
	env_init(&e, "::1");
	od_acl_add(&e.acl, "127.0.0.1", NULL, 0);
	uint8_t q[512];
	stream_t s = { 0 };
	od_xfr_info_t info;
	lines_t got = { 0 };

	/* Incremental, from 1 to 3 over two differences. */
	size_t qn = query(q, 31, ORIGIN, OD_TYPE_IXFR, 1, NULL);
	assert_true(run(&e, z3, j, q, qn, true, 512, &s, &info) > 0);
	assert_int_equal(info.kind, OD_XFR_IXFR);
	assert_int_equal(info.client_serial, 1);
	check_stream(&s, 31, OD_TYPE_IXFR, OD_RCODE_NOERROR, NULL, &got);
	/* SOA3, SOA1, 3 removed, SOA2, 3 added, SOA2, removed (AAAA), SOA3,
	 * added (none), SOA3 */
	assert_int_equal(got.n, 1 + 4 + 4 + 2 + 1 + 1);
	const char *soa_ser[] = { " 3 ", " 1 ", NULL, NULL, NULL, " 2 " };
	for (size_t i = 0; i < 6; i++)
		if (soa_ser[i]) {
			assert_non_null(strstr(got.v[i], "SOA"));
			assert_non_null(strstr(got.v[i], soa_ser[i]));
		}
	assert_true(has_line(&got, 2, 5, "192.0.2.10"));
	assert_true(has_line(&got, 6, 9, "192.0.2.11"));
	assert_non_null(strstr(got.v[9], "SOA"));
	assert_non_null(strstr(got.v[10], "2001:db8::1"));
	assert_non_null(strstr(got.v[11], " 3 "));
	assert_non_null(strstr(got.v[12], " 3 "));
	lines_free(&got);
	stream_free(&s);

	/* Up to date: the SOA alone. */
	qn = query(q, 32, ORIGIN, OD_TYPE_IXFR, 3, NULL);
	assert_true(run(&e, z3, j, q, qn, true, 0, &s, &info) > 0);
	assert_int_equal(info.kind, OD_XFR_UPTODATE);
	check_stream(&s, 32, OD_TYPE_IXFR, OD_RCODE_NOERROR, NULL, &got);
	assert_int_equal(got.n, 1);
	assert_non_null(strstr(got.v[0], " 3 "));
	lines_free(&got);
	stream_free(&s);

	/* Over UDP and not current: the SOA alone, the client retries
	 * over TCP. */
	qn = query(q, 33, ORIGIN, OD_TYPE_IXFR, 1, NULL);
	assert_true(run(&e, z3, j, q, qn, false, 0, &s, &info) > 0);
	check_stream(&s, 33, OD_TYPE_IXFR, OD_RCODE_NOERROR, NULL, &got);
	assert_int_equal(got.n, 1);
	lines_free(&got);
	stream_free(&s);

	/* A serial the journal does not know: AXFR form. */
	qn = query(q, 34, ORIGIN, OD_TYPE_IXFR, 0xfffffff0u, NULL);
	assert_true(run(&e, z3, j, q, qn, true, 512, &s, &info) > 0);
	assert_int_equal(info.kind, OD_XFR_AXFR);
	check_stream(&s, 34, OD_TYPE_IXFR, OD_RCODE_NOERROR, NULL, &got);
	check_axfr_form(z3, &got);
	lines_free(&got);
	stream_free(&s);
	/* No journal at all: AXFR form too. */
	qn = query(q, 35, ORIGIN, OD_TYPE_IXFR, 2, NULL);
	assert_true(run(&e, z3, NULL, q, qn, true, 0, &s, &info) > 0);
	assert_int_equal(info.kind, OD_XFR_AXFR);
	stream_free(&s);

	od_journal_free(j);
	od_acl_clear(&e.acl);
	od_zone_free(z1);
	od_zone_free(z2);
	od_zone_free(z3);
}

static bool match4(const od_acl_t *acl, const char *a, const uint8_t *key)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, a, &sin.sin_addr);
	return od_acl_match(acl, (const struct sockaddr *)&sin, key);
}

static bool match6(const od_acl_t *acl, const char *a, const uint8_t *key)
{
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, a, &sin.sin6_addr);
	return od_acl_match(acl, (const struct sockaddr *)&sin, key);
}

static void test_acl(void **state)
{
	(void)state;
	od_acl_t acl = { 0 };
	char err[256];
	assert_int_equal(od_acl_add(&acl, "127.0.0.0/8", err, sizeof(err)), 0);
	assert_int_equal(od_acl_add(&acl, "192.0.2.128/25 key Xfr-Key", err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(od_acl_add(&acl, "2001:db8::/32", err, sizeof(err)),
	                 0);
	assert_int_equal(od_acl_add(&acl, "::1", err, sizeof(err)), 0);
	assert_int_equal(acl.v[1].prefix, 25);
	assert_true(acl.v[1].need_key);

	const uint8_t *key = (const uint8_t *)"\7xfr-key";
	assert_true(match4(&acl, "127.3.0.9", NULL));
	assert_false(match4(&acl, "128.0.0.1", NULL));
	assert_false(match4(&acl, "192.0.2.200", NULL));
	assert_true(match4(&acl, "192.0.2.200", key));
	assert_false(match4(&acl, "192.0.2.200", (const uint8_t *)"\5other"));
	assert_false(match4(&acl, "192.0.2.127", key));
	assert_true(match6(&acl, "2001:db8:ffff::1", NULL));
	assert_false(match6(&acl, "2001:db9::1", NULL));
	assert_true(match6(&acl, "::1", NULL));
	assert_false(match6(&acl, "::2", NULL));
	assert_true(match6(&acl, "::ffff:127.0.0.1", NULL));
	assert_false(od_acl_match(NULL, NULL, NULL));

	const char *bad[] = {
		"300.0.0.1",   "10.0.0.0/33", "::/129", "1.2.3.4 foo bar",
		"1.2.3.4 key", "10.0.0.0/x",  "",       "1.2.3.4 key a..b"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		od_acl_entry_t ent;
		err[0] = 0;
		assert_int_equal(od_acl_parse(&ent, bad[i], err, sizeof(err)),
		                 OD_ESYNTAX);
		assert_non_null(strstr(err, "access list"));
	}
	od_acl_clear(&acl);
}

static void test_notify(void **state)
{
	(void)state;
	uint8_t soa[22] = { 0 };
	od_put_u32(soa + 2, 2024);
	od_tsig_key_t k;
	od_tsig_key_parse(&k,
	                  "n-key:hmac-sha256:AAECAwQFBgcICQo"
	                  "LDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	                  NULL, 0);
	od_notify_req_t r = { .origin = ORIGIN,
		              .soa = soa,
		              .soa_len = 22,
		              .soa_ttl = 3600,
		              .key = &k };
	uint8_t msg[1024];
	od_tsig_ctx_t cli;
	int n = od_notify_build(&r, 555, NOW, &cli, msg, sizeof(msg));
	assert_true(n > 0);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, msg, (size_t)n, NULL, 0), 0);
	assert_int_equal(p.hdr.opcode, OD_OPCODE_NOTIFY);
	assert_true(p.hdr.aa);
	assert_false(p.hdr.qr);
	assert_int_equal(p.qd[0].qtype, OD_TYPE_SOA);
	assert_int_equal(p.count[OD_ANSWER], 1);
	assert_int_equal(od_get_u32(p.rr[OD_ANSWER][0].rdata + 2), 2024);
	od_tsig_keyring_t kr = { &k, 1 };
	od_tsig_ctx_t srv;
	assert_int_equal(
	        od_tsig_verify_query(&srv, &kr, msg, (size_t)n, &p, NOW), 0);
	od_pkt_free(&p);

	/* Incoming NOTIFY: NOTIMP, question copied. */
	assert_true(od_notify_is(msg, (size_t)n));
	uint8_t out[512];
	int an = od_notify_answer(msg, (size_t)n, out, sizeof(out));
	assert_true(an > 0);
	assert_int_equal(od_pkt_parse(&p, out, (size_t)an, NULL, 0), 0);
	assert_true(p.hdr.qr);
	assert_int_equal(p.hdr.id, 555);
	assert_int_equal(p.hdr.opcode, OD_OPCODE_NOTIFY);
	assert_int_equal(p.rcode, OD_RCODE_NOTIMP);
	assert_int_equal(p.count[OD_QUESTION], 1);
	od_pkt_free(&p);
	uint8_t qq[512];
	size_t qn = query(qq, 1, ORIGIN, OD_TYPE_SOA, 0, NULL);
	assert_false(od_notify_is(qq, qn));
	assert_int_equal(od_notify_answer(qq, qn, out, sizeof(out)), 0);
}

/* A secondary on a loopback port: drops the first NOTIFY, answers the
 * second NOERROR, signed with the request's key. */
typedef struct fake2 {
	int fd;
	const od_tsig_key_t *key;
	int verified;
} fake2_t;

static void *fake2_run(void *arg)
{
	fake2_t *f = arg;
	uint8_t buf[2048];
	for (int i = 0; i < 2; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(f->fd, buf, sizeof(buf), 0,
		                     (struct sockaddr *)&from, &fl);
		if (n <= 0 || i == 0)
			continue;
		od_pkt_t p;
		if (od_pkt_parse(&p, buf, (size_t)n, NULL, 0) != 0)
			return NULL;
		od_tsig_keyring_t kr = { f->key, 1 };
		od_tsig_ctx_t ctx;
		f->verified = od_tsig_verify_query(&ctx, &kr, buf, (size_t)n,
		                                   &p,
		                                   (uint64_t)time(NULL)) == 0;
		od_hdr_t h = p.hdr;
		h.qr = true;
		od_pkt_w_t b;
		uint8_t out[512];
		od_pkt_w_init(&b, out, sizeof(out), &h);
		od_pkt_w_question(&b, p.qd[0].qname, p.qd[0].qtype,
		                  p.qd[0].qclass);
		int len = od_pkt_w_finish(&b);
		len = od_tsig_sign_wire(&ctx, out, (size_t)len, sizeof(out),
		                        (uint64_t)time(NULL));
		od_pkt_free(&p);
		sendto(f->fd, out, (size_t)len, 0, (struct sockaddr *)&from,
		       fl);
	}
	return NULL;
}

static void test_notify_send(void **state)
{
	(void)state;
	od_tsig_key_t k;
	od_tsig_key_parse(&k,
	                  "n-key:hmac-sha256:AAECAwQFBgcICQo"
	                  "LDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	                  NULL, 0);
	fake2_t f = { .key = &k };
	f.fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(bind(f.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	socklen_t sl = sizeof(sin);
	getsockname(f.fd, (struct sockaddr *)&sin, &sl);
	pthread_t th;
	pthread_create(&th, NULL, fake2_run, &f);
	struct sockaddr_in src = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &src.sin_addr);
	od_notify_req_t r = { .to = (struct sockaddr *)&sin,
		              .tolen = sizeof(sin),
		              .from = (struct sockaddr *)&src,
		              .fromlen = sizeof(src),
		              .origin = ORIGIN,
		              .key = &k,
		              .timeout_ms = 300,
		              .tries = 4 };
	od_notify_result_t res = { 0 };
	char err[128];
	assert_int_equal(od_notify_send(&r, &res, err, sizeof(err)), 0);
	assert_int_equal(res.rcode, OD_RCODE_NOERROR);
	assert_true(res.tries >= 2);
	pthread_join(th, NULL);
	assert_true(f.verified);

	/* Nobody answers: every try is spent. */
	r.timeout_ms = 20;
	r.tries = 2;
	assert_int_equal(od_notify_send(&r, &res, err, sizeof(err)),
	                 -ETIMEDOUT);
	assert_int_equal(res.tries, 2);
	assert_non_null(strstr(err, "after 2 tries"));
	close(f.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr),
		cmocka_unit_test(test_axfr_tsig),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_journal_diff),
		cmocka_unit_test(test_ixfr),
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_notify_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
