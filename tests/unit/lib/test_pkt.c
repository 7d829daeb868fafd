/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/edns.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

/* A byte string being assembled by hand. */
typedef struct bytes {
	uint8_t b[70000];
	size_t n;
} bytes_t;

static void put(bytes_t *m, const void *p, size_t n)
{
	if (n)
		memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(bytes_t *m, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };
	put(m, b, 2);
}

static void put32(bytes_t *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void hdr(bytes_t *m, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* Question www.example.com. A IN at offset 12. */
static void question(bytes_t *m)
{
	put(m, "\3www\7example\3com\0", 17);
	put16(m, OD_TYPE_A);
	put16(m, OD_CLASS_IN);
}

static void rr_fixed(bytes_t *m, uint16_t type, uint16_t cls, uint32_t ttl,
                     uint16_t rdlen)
{
	put16(m, type);
	put16(m, cls);
	put32(m, ttl);
	put16(m, rdlen);
}

static void opt_rr(bytes_t *m, const void *rdata, uint16_t rdlen)
{
	put(m, "", 1);
	rr_fixed(m, OD_TYPE_OPT, 1232, 0, rdlen);
	put(m, rdata, rdlen);
}

static void tsig_rr(bytes_t *m)
{
	static const uint8_t rd[] = {
		11,   'h',  'm',  'a',  'c', '-',  's', 'h', 'a', '2',
		'5',  '6',  0,    0,    0,   0x65, 0,   0,   0, /* time signed */
		1,    44,                                       /* fudge */
		0,    2,    0xaa, 0xbb,                         /* MAC */
		0x12, 0x34, /* original ID */
		0,    0,    /* error */
		0,    0,    /* other len */
	};
	put(m, "\3key\0", 5);
	rr_fixed(m, OD_TYPE_TSIG, OD_CLASS_ANY, 0, sizeof(rd));
	put(m, rd, sizeof(rd));
}

static int parse(const bytes_t *m, od_pkt_t *p, od_arena_t *a)
{
	return od_pkt_parse(p, m->b, m->n, &a->mm, 0);
}

static od_arena_t arena;

static int setup(void **state)
{
	(void)state;
	od_arena_init(&arena, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	od_arena_deinit(&arena);
	return 0;
}

static int expect_err(bytes_t *m, int err)
{
	od_pkt_t p;
	int ret = parse(m, &p, &arena);
	od_arena_reset(&arena);
	if (err != 0 && ret != err)
		fprintf(stderr, "expected %d (%s), got %d (%s)\n", err,
		        od_strerror(err), ret, od_strerror(ret));
	return ret;
}

static void test_header(void **state)
{
	(void)state;
	uint8_t w[OD_HDR_LEN] = { 0 };
	for (unsigned bits = 0; bits < 256; bits++) {
		od_hdr_t h = { .id = 0xbeef,
			       .opcode = bits & 0x0f,
			       .rcode = (bits >> 4) & 0x0f,
			       .qr = bits & 1,
			       .aa = bits & 2,
			       .tc = bits & 4,
			       .rd = bits & 8,
			       .ra = bits & 16,
			       .z = bits & 32,
			       .ad = bits & 64,
			       .cd = bits & 128 };
		od_hdr_pack(&h, w);
		od_hdr_t back;
		od_hdr_unpack(&back, w);
		assert_memory_equal(&h, &back, sizeof(h));
	}
	od_hdr_t h = { .qr = 1,
		       .opcode = 5,
		       .aa = 1,
		       .tc = 1,
		       .rd = 1,
		       .ra = 1,
		       .z = 1,
		       .ad = 1,
		       .cd = 1,
		       .rcode = 3,
		       .id = 1 };
	od_hdr_pack(&h, w);
	assert_int_equal(w[2], 0x80 | 5 << 3 | 7);
	assert_int_equal(w[3], 0xf3);
	assert_string_equal(od_opcode_name(4), "NOTIFY");
	assert_null(od_opcode_name(3));
	assert_string_equal(od_rcode_name(3), "NXDOMAIN");
	assert_string_equal(od_rcode_name(16), "BADVERS");
	assert_string_equal(od_rcode_name(23), "BADCOOKIE");
	assert_null(od_rcode_name(12));
}

static void test_parse_basic(void **state)
{
	(void)state;
	bytes_t *m = test_malloc(sizeof(*m));
	hdr(m, 1, 2, 0, 1);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_CNAME, OD_CLASS_IN, 300, 6);
	put(m, "\3web\xc0\x10", 6); /* web.example.com. */
	put(m, "\xc0\x2d", 2);      /* web.example.com. */
	rr_fixed(m, OD_TYPE_A, OD_CLASS_IN, 60, 4);
	put(m, "\xc0\x00\x02\x01", 4);
	const uint8_t opt[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	opt_rr(m, opt, sizeof(opt));
	m->b[m->n - sizeof(opt) - 6] = 0x01; /* ext RCODE 1 */

	od_pkt_t p;
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_int_equal(p.hdr.id, 0x1234);
	assert_true(p.hdr.qr && p.hdr.rd && p.hdr.ra);
	assert_false(p.hdr.aa || p.hdr.tc || p.hdr.z || p.hdr.ad || p.hdr.cd);
	assert_int_equal(p.count[0], 1);
	assert_int_equal(p.count[1], 2);
	assert_int_equal(p.count[3], 1);
	const od_question_t *q = od_pkt_question(&p);
	assert_non_null(q);
	assert_memory_equal(q->qname, "\3www\7example\3com\0", 17);
	assert_int_equal(q->qtype, OD_TYPE_A);
	const od_rr_t *rr = &p.rr[OD_ANSWER][0];
	assert_memory_equal(rr->owner, "\3www\7example\3com\0", 17);
	assert_int_equal(rr->type, OD_TYPE_CNAME);
	assert_int_equal(rr->ttl, 300);
	assert_int_equal(rr->rdlen, 17);
	assert_memory_equal(rr->rdata, "\3web\7example\3com\0", 17);
	rr = &p.rr[OD_ANSWER][1];
	assert_memory_equal(rr->owner, "\3web\7example\3com\0", 17);
	assert_int_equal(rr->rdlen, 4);
	assert_non_null(p.opt);
	assert_ptr_equal(p.opt, &p.rr[OD_ADDITIONAL][0]);
	assert_null(p.tsig);
	assert_int_equal(p.edns.udp_size, 1232);
	assert_int_equal(p.edns.nopts, 1);
	assert_int_equal(p.edns.opts[0].code, OD_EDNS_COOKIE);
	assert_int_equal(p.edns.ext_rcode, 1);
	assert_int_equal(p.rcode, 16);
	assert_int_equal(p.wire_len, m->n);

	char *text = test_malloc(8192);
	assert_true(od_pkt_to_str(&p, text, 8192) > 0);
	assert_non_null(strstr(
	        text,
	        ";; ->>HEADER<<- opcode: QUERY, status: BADVERS, id: 4660\n"));
	assert_non_null(strstr(
	        text,
	        ";; flags: qr rd ra; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1\n"));
	assert_non_null(strstr(
	        text,
	        ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n; COOKIE: 0102030405060708\n;; QUESTION SECTION:\n"));
	assert_non_null(strstr(
	        text, ";; QUESTION SECTION:\n;www.example.com.\t\tIN\tA\n"));
	assert_non_null(strstr(
	        text,
	        ";; ANSWER SECTION:\nwww.example.com.\t300\tIN\tCNAME\tweb.example.com.\nweb.example.com.\t60\tIN\tA\t192.0.2.1\n"));
	assert_null(strstr(text, "ADDITIONAL SECTION"));
	assert_int_equal(od_pkt_to_str(&p, text, 40), OD_ESPACE);
	test_free(text);

	/* The same with a private arena. */
	assert_int_equal(od_pkt_parse(&p, m->b, m->n, NULL, 0), 0);
	assert_int_equal(p.rcode, 16);
	od_pkt_free(&p);
	od_pkt_free(&p);
	/* Every prefix of the message is an error, never a crash. */
	for (size_t n = 0; n < m->n; n++) {
		assert_true(od_pkt_parse(&p, m->b, n, NULL, 0) < 0);
		assert_null(p.own);
	}
	od_arena_reset(&arena);
	test_free(m);
}

static void test_questions(void **state)
{
	(void)state;
	bytes_t *m = test_malloc(sizeof(*m));
	od_pkt_t p;
	hdr(m, 0, 0, 0, 0);
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_null(od_pkt_question(&p));
	hdr(m, 3, 0, 0, 0);
	question(m);
	put(m, "\3ftp\xc0\x10", 6);
	put16(m, OD_TYPE_AAAA);
	put16(m, OD_CLASS_IN);
	put(m, "\0", 1);
	put16(m, OD_TYPE_NS);
	put16(m, OD_CLASS_CH);
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_int_equal(p.count[0], 3);
	assert_memory_equal(od_pkt_question(&p)->qname, "\3www", 4);
	assert_memory_equal(p.qd[1].qname, "\3ftp\7example\3com\0", 17);
	assert_int_equal(p.qd[1].qtype, OD_TYPE_AAAA);
	assert_memory_equal(p.qd[2].qname, "", 1);
	assert_int_equal(p.qd[2].qclass, OD_CLASS_CH);
	od_arena_reset(&arena);
	test_free(m);
}

static void test_names_malformed(void **state)
{
	(void)state;
	bytes_t *m = test_malloc(sizeof(*m));
	int ret;
	/* self pointer */
	hdr(m, 1, 0, 0, 0);
	put(m, "\xc0\x0c", 2);
	put32(m, 0x00010001);
	assert_int_equal(expect_err(m, OD_ECOMPLOOP), OD_ECOMPLOOP);
	/* two-pointer cycle: the name starts at 17 (pointing back to 13,
	 * inside the question's type field, which points to 17 again) */
	hdr(m, 1, 1, 0, 0);
	put(m, "\0", 1);
	put(m, "\xc0\x11", 2); /* qtype 0xc011 */
	put16(m, 1);
	put(m, "\xc0\x0d", 2);
	rr_fixed(m, OD_TYPE_A, 1, 0, 4);
	put32(m, 0);
	ret = expect_err(m, 0);
	assert_true(ret == OD_ECOMPLOOP || ret == OD_ECOMPPTR);
	/* forward pointer */
	hdr(m, 1, 0, 0, 0);
	put(m, "\xc0\x0e\0", 3);
	put32(m, 0x00010001);
	assert_int_equal(expect_err(m, OD_ECOMPPTR), OD_ECOMPPTR);
	/* pointer past the end of the message */
	hdr(m, 1, 0, 0, 0);
	put(m, "\xff\xff", 2);
	put32(m, 0x00010001);
	assert_int_equal(expect_err(m, OD_ECOMPPTR), OD_ECOMPPTR);
	/* label over 63 octets: the length octet is a reserved label type */
	hdr(m, 1, 0, 0, 0);
	uint8_t lab[66] = { 64 };
	memset(lab + 1, 'a', 64);
	put(m, lab, 66);
	put32(m, 0x00010001);
	ret = expect_err(m, 0);
	assert_true(ret == OD_ELABEL || ret == OD_EMALF);
	/* name of 256 octets, written out */
	hdr(m, 1, 0, 0, 0);
	uint8_t l63[64] = { 63 };
	memset(l63 + 1, 'a', 63);
	for (int i = 0; i < 4; i++)
		put(m, l63, 64);
	put(m, "\0", 1);
	put32(m, 0x00010001);
	assert_int_equal(expect_err(m, OD_ENAMELEN), OD_ENAMELEN);
	/* 256 octets through compression: 3 labels of 63 + 61 in the
	 * question (255 octets), then one more label in front of it */
	hdr(m, 1, 1, 0, 0);
	for (int i = 0; i < 3; i++)
		put(m, l63, 64);
	uint8_t l61[62] = { 61 };
	memset(l61 + 1, 'b', 61);
	put(m, l61, 62);
	put(m, "\0", 1);
	put32(m, 0x00010001);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC); /* no answer */
	put(m, "\1x\xc0\x0c", 4);
	rr_fixed(m, OD_TYPE_A, 1, 0, 4);
	put32(m, 0);
	assert_int_equal(expect_err(m, OD_ENAMELEN), OD_ENAMELEN);
	/* ... while the 255-octet name alone is fine */
	m->b[7] = 0;
	m->n -= 4 + 10 + 4;
	assert_int_equal(expect_err(m, 0), 0);
	test_free(m);
}

static void test_records_malformed(void **state)
{
	(void)state;
	bytes_t *m = test_malloc(sizeof(*m));
	/* truncated header */
	hdr(m, 0, 0, 0, 0);
	for (size_t n = 0; n < OD_HDR_LEN; n++) {
		od_pkt_t p;
		assert_int_equal(od_pkt_parse(&p, m->b, n, &arena.mm, 0),
		                 OD_ETRUNC);
	}
	/* RDLENGTH past the end */
	hdr(m, 1, 1, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_A, 1, 0, 4);
	put(m, "\1\2", 2);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC);
	/* counts larger than the records present */
	hdr(m, 1, 2, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_A, 1, 0, 4);
	put32(m, 0xc0000201);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC);
	/* huge counts are refused up front */
	hdr(m, 0xffff, 0xffff, 0xffff, 0xffff);
	question(m);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC);
	/* malformed RDATA of a known type */
	hdr(m, 1, 1, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_A, 1, 0, 5);
	put(m, "\1\2\3\4\5", 5);
	assert_true(expect_err(m, 0) < 0);
	hdr(m, 1, 1, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_NS, 1, 0, 3);
	put(m, "\5ab\0", 3); /* name overruns the RDATA */
	assert_true(expect_err(m, 0) < 0);
	/* unknown type: opaque, fine */
	hdr(m, 1, 1, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, 65280, 1, 0, 3);
	put(m, "\5ab", 3);
	assert_int_equal(expect_err(m, 0), 0);
	/* trailing bytes: an error, or counted with the flag */
	put(m, "\0\0\0", 3);
	assert_int_equal(expect_err(m, OD_ETRAILING), OD_ETRAILING);
	od_pkt_t p;
	assert_int_equal(
	        od_pkt_parse(&p, m->b, m->n, &arena.mm, OD_PKT_TRAILING_OK), 0);
	assert_int_equal(p.trailing, 3);
	assert_int_equal(p.wire_len, m->n - 3);
	od_arena_reset(&arena);
	test_free(m);
}

static void test_opt_tsig(void **state)
{
	(void)state;
	bytes_t *m = test_malloc(sizeof(*m));
	/* duplicate OPT */
	hdr(m, 1, 0, 0, 2);
	question(m);
	opt_rr(m, NULL, 0);
	opt_rr(m, NULL, 0);
	assert_int_equal(expect_err(m, OD_EDUPOPT), OD_EDUPOPT);
	/* OPT in the answer and authority sections */
	hdr(m, 1, 1, 0, 0);
	question(m);
	opt_rr(m, NULL, 0);
	assert_int_equal(expect_err(m, OD_EOPT), OD_EOPT);
	hdr(m, 1, 0, 1, 0);
	question(m);
	opt_rr(m, NULL, 0);
	assert_int_equal(expect_err(m, OD_EOPT), OD_EOPT);
	/* OPT with a non-root owner */
	hdr(m, 1, 0, 0, 1);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_OPT, 1232, 0, 0);
	assert_int_equal(expect_err(m, OD_EOPT), OD_EOPT);
	/* truncated OPT: RDLENGTH beyond the message */
	hdr(m, 1, 0, 0, 1);
	question(m);
	put(m, "", 1);
	rr_fixed(m, OD_TYPE_OPT, 1232, 0, 8);
	put(m, "\0\12\0\4", 4);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC);
	/* fixed part cut */
	hdr(m, 1, 0, 0, 1);
	question(m);
	put(m, "\0\0\51\4", 4);
	assert_int_equal(expect_err(m, OD_ETRUNC), OD_ETRUNC);
	/* option length past the end of the OPT RDATA */
	hdr(m, 1, 0, 0, 1);
	question(m);
	opt_rr(m, "\0\12\0\10\1\2\3\4", 8);
	assert_int_equal(expect_err(m, OD_EOPT), OD_EOPT);
	/* option header cut inside the RDATA */
	hdr(m, 1, 0, 0, 1);
	question(m);
	opt_rr(m, "\0\12\0", 3);
	assert_int_equal(expect_err(m, OD_EOPT), OD_EOPT);

	/* TSIG last: fine */
	hdr(m, 1, 0, 0, 2);
	question(m);
	opt_rr(m, NULL, 0);
	tsig_rr(m);
	od_pkt_t p;
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_ptr_equal(p.tsig, &p.rr[OD_ADDITIONAL][1]);
	assert_ptr_equal(p.opt, &p.rr[OD_ADDITIONAL][0]);
	char *text = test_malloc(4096);
	assert_true(od_pkt_to_str(&p, text, 4096) > 0);
	assert_non_null(
	        strstr(text, ";; TSIG PSEUDOSECTION:\nkey.\t0\tANY\tTSIG\t"));
	assert_null(strstr(text, "ADDITIONAL SECTION"));
	test_free(text);
	od_arena_reset(&arena);
	/* TSIG not last */
	hdr(m, 1, 0, 0, 2);
	question(m);
	tsig_rr(m);
	opt_rr(m, NULL, 0);
	assert_int_equal(expect_err(m, OD_ETSIG), OD_ETSIG);
	/* TSIG in the answer section */
	hdr(m, 1, 1, 0, 0);
	question(m);
	tsig_rr(m);
	assert_int_equal(expect_err(m, OD_ETSIG), OD_ETSIG);
	test_free(m);
}

/* Records for building. */
static const uint8_t NAME_WWW[] = "\3www\7example\3com";
static const uint8_t NAME_EX[] = "\7example\3com";
static const uint8_t NAME_NS1[] = "\3ns1\7example\3com";

static od_rr_t mk(const uint8_t *owner, uint16_t type, const void *rd,
                  uint16_t len)
{
	return (od_rr_t){ .owner = owner,
		          .type = type,
		          .rclass = OD_CLASS_IN,
		          .ttl = 3600,
		          .rdata = rd,
		          .rdlen = len };
}

static void test_build_roundtrip(void **state)
{
	(void)state;
	uint8_t *buf = test_malloc(4096);
	od_pkt_w_t b;
	od_hdr_t h = { .id = 77, .qr = 1, .aa = 1, .rd = 1, .cd = 1 };
	assert_int_equal(od_pkt_w_init(&b, buf, 4096, &h), 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	e.flags = OD_EDNS_DO;
	assert_int_equal(od_edns_add_ede(&e, &arena.mm, OD_EDE_STALE, "old", 3),
	                 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), OD_EINVAL);
	od_pkt_w_rcode(&b, OD_RCODE_BADCOOKIE);
	assert_int_equal(
	        od_pkt_w_question(&b, NAME_WWW, OD_TYPE_A, OD_CLASS_IN), 0);
	od_rr_t an[] = { mk(NAME_WWW, OD_TYPE_A, "\xc0\0\2\1", 4),
		         mk(NAME_WWW, OD_TYPE_A, "\xc0\0\2\2", 4) };
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, an, 2), 0);
	od_rr_t ns[] = { mk(NAME_EX, OD_TYPE_NS, NAME_NS1, sizeof(NAME_NS1)) };
	assert_int_equal(od_pkt_w_rrset(&b, OD_AUTHORITY, ns, 1), 0);
	od_rr_t ar[] = { mk(NAME_NS1, OD_TYPE_A, "\xc0\0\2\65", 4) };
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, ar, 1), 0);
	/* order and kind errors */
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, an, 1), OD_EINVAL);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, 1, 1), OD_EINVAL);
	od_rr_t bad = mk((const uint8_t *)"", OD_TYPE_OPT, NULL, 0);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, &bad, 1), OD_EOPT);
	bad.type = OD_TYPE_TSIG;
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, &bad, 1), OD_ETSIG);
	int len = od_pkt_w_finish(&b);
	assert_true(len > 0);
	assert_int_equal(od_pkt_w_finish(&b), OD_EINVAL);
	/* names were compressed: 33 bytes for the question alone otherwise */
	assert_true(len < 12 + 21 + 2 * 30 + 41 + 31 + 11 + 4 + 5);

	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, buf, (size_t)len, &arena.mm, 0), 0);
	assert_int_equal(p.hdr.id, 77);
	assert_true(p.hdr.qr && p.hdr.aa && p.hdr.rd && p.hdr.cd);
	assert_false(p.hdr.tc || p.hdr.ra || p.hdr.ad || p.hdr.z);
	assert_int_equal(p.rcode, OD_RCODE_BADCOOKIE);
	assert_int_equal(p.count[1], 2);
	assert_int_equal(p.count[2], 1);
	assert_int_equal(p.count[3], 2);
	assert_memory_equal(p.rr[1][1].rdata, "\xc0\0\2\2", 4);
	assert_memory_equal(p.rr[2][0].rdata, NAME_NS1, sizeof(NAME_NS1));
	assert_memory_equal(p.rr[3][0].owner, NAME_NS1, sizeof(NAME_NS1));
	assert_ptr_equal(p.opt, &p.rr[3][1]);
	assert_true(od_edns_do(&p.edns));
	od_edns_ede_t d;
	assert_int_equal(od_edns_ede_parse(&p.edns.opts[0], &d), 0);
	assert_int_equal(d.code, OD_EDE_STALE);

	/* RCODE over 15 needs EDNS */
	assert_int_equal(od_pkt_w_init(&b, buf, 4096, &h), 0);
	od_pkt_w_rcode(&b, OD_RCODE_BADVERS);
	assert_int_equal(od_pkt_w_finish(&b), OD_ERANGE);
	/* too small for a header */
	assert_int_equal(od_pkt_w_init(&b, buf, 11, &h), OD_ESPACE);
	od_arena_reset(&arena);
	test_free(buf);
}

static void test_truncation(void **state)
{
	(void)state;
	uint8_t buf[512];
	static uint8_t txt[200];
	memset(txt, 'x', sizeof(txt));
	txt[0] = 199;
	od_hdr_t h = { .id = 1, .qr = 1 };
	od_pkt_w_t b;
	od_edns_t e;
	od_edns_init(&e, 512);
	assert_int_equal(od_edns_add_padding(&e, &arena.mm, 20), 0);

	assert_int_equal(od_pkt_w_init(&b, buf, sizeof(buf), &h), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, OD_TYPE_TXT, 1), 0);
	od_rr_t one = mk(NAME_WWW, OD_TYPE_TXT, txt, 200);
	od_rr_t set[3] = { one, one, one };
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, set, 1), 0);
	size_t boundary = od_pkt_w_len(&b);
	/* three more records do not fit: the RRset is left out whole */
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, set, 3), OD_ESPACE);
	assert_int_equal(od_pkt_w_len(&b), boundary);
	assert_true(b.tc);
	/* truncated: nothing more, even what would fit */
	od_rr_t small = mk(NAME_WWW, OD_TYPE_A, "\1\2\3\4", 4);
	assert_int_equal(od_pkt_w_rrset(&b, OD_AUTHORITY, &small, 1),
	                 OD_ESPACE);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, &small, 1),
	                 OD_ESPACE);
	int len = od_pkt_w_finish(&b);
	assert_int_equal(len, boundary + od_edns_wire_len(&e));
	assert_true(len <= 512);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, buf, (size_t)len, &arena.mm, 0), 0);
	assert_true(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 1);
	assert_int_equal(p.count[OD_AUTHORITY], 0);
	assert_int_equal(p.count[OD_ADDITIONAL], 1);
	assert_non_null(p.opt);
	assert_int_equal(p.edns.opts[0].code, OD_EDNS_PADDING);

	/* Additional records that do not fit are dropped without TC; the
	 * names of a dropped RRset are not used for compression later. */
	static const uint8_t NEW[] = "\3new\6target\7example\3com";
	assert_int_equal(od_pkt_w_init(&b, buf, sizeof(buf), &h), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, OD_TYPE_TXT, 1), 0);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, set, 1), 0);
	od_rr_t ns = mk(NAME_EX, OD_TYPE_NS, NEW, sizeof(NEW));
	assert_int_equal(od_pkt_w_rrset(&b, OD_AUTHORITY, &ns, 1), 0);
	od_rr_t glue_big[2] = { mk(NAME_NS1, OD_TYPE_TXT, txt, 200),
		                mk(NAME_NS1, OD_TYPE_TXT, txt, 200) };
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, glue_big, 2),
	                 OD_ESPACE);
	assert_false(b.tc);
	od_rr_t glue = mk(NAME_NS1, OD_TYPE_A, "\xc0\0\2\65", 4);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, &glue, 1), 0);
	len = od_pkt_w_finish(&b);
	assert_true(len > 0);
	assert_int_equal(od_pkt_parse(&p, buf, (size_t)len, &arena.mm, 0), 0);
	assert_false(p.hdr.tc);
	assert_int_equal(p.count[OD_ADDITIONAL], 2);
	assert_memory_equal(p.rr[3][0].owner, NAME_NS1, sizeof(NAME_NS1));
	assert_int_equal(p.rr[3][0].type, OD_TYPE_A);
	assert_non_null(p.opt);
	assert_ptr_equal(p.opt, &p.rr[3][1]);

	/* The OPT always fits: a reserve that leaves no room fails early. */
	assert_int_equal(od_pkt_w_init(&b, buf, 40, &h), 0);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, OD_TYPE_TXT, 1), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), OD_ESPACE);
	/* A question that does not fit is an error, not truncation. */
	assert_int_equal(od_pkt_w_init(&b, buf, 20, &h), 0);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, 1, 1), OD_ESPACE);
	assert_int_equal(od_pkt_w_len(&b), OD_HDR_LEN);
	/* od_pkt_w_set_tc for the caller's own reasons */
	od_pkt_w_set_tc(&b);
	len = od_pkt_w_finish(&b);
	assert_int_equal(len, OD_HDR_LEN);
	assert_int_equal(buf[2] & 0x02, 0x02);
	/* A TC bit given in the header is written but blocks nothing. */
	h.tc = true;
	assert_int_equal(od_pkt_w_init(&b, buf, sizeof(buf), &h), 0);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, &small, 1), 0);
	assert_int_equal(od_pkt_w_finish(&b), OD_HDR_LEN + 2 + 17 + 10 + 4 - 2);
	assert_int_equal(buf[2] & 0x02, 0x02);
	od_arena_reset(&arena);
}

static void test_tsig_last(void **state)
{
	(void)state;
	uint8_t buf[512];
	bytes_t *m = test_malloc(sizeof(*m));
	hdr(m, 0, 0, 0, 1);
	tsig_rr(m);
	od_pkt_t t;
	assert_int_equal(parse(m, &t, &arena), 0);
	const od_rr_t *tsig = t.tsig;
	assert_non_null(tsig);
	size_t tsig_len = m->n - OD_HDR_LEN;

	od_hdr_t h = { .id = 9 };
	od_pkt_w_t b;
	od_edns_t e;
	od_edns_init(&e, 1232);
	assert_int_equal(od_pkt_w_init(&b, buf, 40 + tsig_len, &h), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_reserve(&b, tsig_len), 0);
	assert_int_equal(od_pkt_w_last(&b, tsig), OD_EINVAL);
	assert_int_equal(od_pkt_w_question(&b, NAME_EX, OD_TYPE_SOA, 1), 0);
	od_rr_t a = mk(NAME_EX, OD_TYPE_A, "\1\2\3\4", 4);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ADDITIONAL, &a, 1), OD_ESPACE);
	int len = od_pkt_w_finish(&b);
	assert_true(len > 0);
	len = od_pkt_w_last(&b, tsig);
	assert_int_equal(len, 40 + tsig_len);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, buf, (size_t)len, &arena.mm, 0), 0);
	assert_int_equal(p.count[OD_ADDITIONAL], 2);
	assert_non_null(p.opt);
	assert_ptr_equal(p.tsig, &p.rr[3][1]);
	assert_int_equal(p.tsig->rdlen, tsig->rdlen);
	assert_memory_equal(p.tsig->rdata, tsig->rdata, tsig->rdlen);
	od_arena_reset(&arena);
	test_free(m);
}

static void test_big_rdata(void **state)
{
	(void)state;
	/* RDATA larger than the parser's stack buffer. */
	bytes_t *m = test_malloc(sizeof(*m));
	hdr(m, 1, 1, 0, 0);
	question(m);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_TXT, 1, 0, 20 * 256);
	for (int i = 0; i < 20; i++) {
		uint8_t s[256];
		s[0] = 255;
		memset(s + 1, 'a' + i, 255);
		put(m, s, 256);
	}
	od_pkt_t p;
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_int_equal(p.rr[1][0].rdlen, 20 * 256);
	assert_int_equal(p.rr[1][0].rdata[256 * 19 + 1], 'a' + 19);
	od_arena_reset(&arena);
	assert_int_equal(od_pkt_parse(&p, m->b, m->n, NULL, 0), 0);
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(od_pkt_print(&p, f), 0);
	fclose(f);
	od_pkt_free(&p);
	test_free(m);
}

static void test_update_empty_rdata(void **state)
{
	(void)state;
	/* RFC 2136: zone SOA, one prerequisite (class NONE, empty), one
	 * deletion (class ANY, empty). Empty RDATA elsewhere is malformed. */
	bytes_t *m = test_malloc(sizeof(*m));
	hdr(m, 1, 1, 1, 0);
	m->b[2] = OD_OPCODE_UPDATE << 3;
	m->b[3] = 0;
	put(m, "\7example\3com\0", 13);
	put16(m, OD_TYPE_SOA);
	put16(m, OD_CLASS_IN);
	put(m, "\3www\xc0\x0c", 6);
	rr_fixed(m, OD_TYPE_A, OD_CLASS_NONE, 0, 0);
	put(m, "\xc0\x0c", 2);
	rr_fixed(m, OD_TYPE_MX, OD_CLASS_ANY, 0, 0);
	od_pkt_t p;
	assert_int_equal(parse(m, &p, &arena), 0);
	assert_int_equal(p.hdr.opcode, OD_OPCODE_UPDATE);
	assert_int_equal(p.rr[1][0].rdlen, 0);
	assert_int_equal(p.rr[2][0].rclass, OD_CLASS_ANY);
	char *text = test_malloc(4096);
	assert_true(od_pkt_to_str(&p, text, 4096) > 0);
	assert_non_null(strstr(text, "opcode: UPDATE"));
	assert_non_null(strstr(
	        text, "; ZONE: 1, PREREQ: 1, UPDATE: 1, ADDITIONAL: 0\n"));
	assert_non_null(
	        strstr(text, ";; ZONE SECTION:\n;example.com.\t\tIN\tSOA\n"));
	assert_non_null(
	        strstr(text, ";; UPDATE SECTION:\nexample.com.\t0\tANY\tMX\t"));
	/* and it can be written again */
	uint8_t *buf = test_malloc(512);
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &p.hdr), 0);
	assert_int_equal(od_pkt_w_question(&b, p.qd[0].qname, OD_TYPE_SOA, 1),
	                 0);
	assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, p.rr[1], 1), 0);
	assert_int_equal(od_pkt_w_rrset(&b, OD_AUTHORITY, p.rr[2], 1), 0);
	int len = od_pkt_w_finish(&b);
	assert_int_equal(len, (int)m->n);
	assert_memory_equal(buf, m->b, m->n);
	/* Invalid RDATA cannot be written. */
	od_rr_t bad = p.rr[1][0];
	bad.rclass = OD_CLASS_IN;
	bad.rdata = (const uint8_t *)"\1\2\3";
	bad.rdlen = 3;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &p.hdr), 0);
	assert_true(od_pkt_w_rrset(&b, OD_ANSWER, &bad, 1) < 0);
	assert_int_equal(od_pkt_w_len(&b), OD_HDR_LEN);
	assert_false(b.tc);
	/* empty A RDATA in class IN is malformed */
	m->b[12 + 17 + 6 + 2] = 0;
	m->b[12 + 17 + 6 + 3] = OD_CLASS_IN;
	assert_true(expect_err(m, 0) < 0);
	od_arena_reset(&arena);
	test_free(buf);
	test_free(text);
	test_free(m);
}

static void test_padding(void **state)
{
	(void)state;
	uint8_t buf[1024];
	od_hdr_t h = { .id = 3 };
	od_pkt_w_t b;
	od_edns_t e;
	od_edns_init(&e, 1232);
	assert_int_equal(od_pkt_w_init(&b, buf, sizeof(buf), &h), 0);
	assert_int_equal(od_pkt_w_padding(&b, 128), OD_EINVAL);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_padding(&b, 128), 0);
	assert_int_equal(od_pkt_w_padding(&b, 128), OD_EINVAL);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, OD_TYPE_A, 1), 0);
	int len = od_pkt_w_finish(&b);
	assert_int_equal(len, 128);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, buf, (size_t)len, &arena.mm, 0), 0);
	assert_int_equal(p.edns.nopts, 1);
	assert_int_equal(p.edns.opts[0].code, OD_EDNS_PADDING);
	assert_int_equal(p.edns.opts[0].len, 128 - (12 + 21 + 11 + 4));
	/* Padding stops at the size limit. */
	assert_int_equal(od_pkt_w_init(&b, buf, 100, &h), 0);
	assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	assert_int_equal(od_pkt_w_padding(&b, 468), 0);
	assert_int_equal(od_pkt_w_question(&b, NAME_WWW, OD_TYPE_A, 1), 0);
	assert_int_equal(od_pkt_w_finish(&b), 100);
	assert_int_equal(od_pkt_parse(&p, buf, 100, &arena.mm, 0), 0);
	assert_int_equal(p.edns.opts[0].len, 100 - (12 + 21 + 11 + 4));
	od_arena_reset(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_questions),
		cmocka_unit_test(test_names_malformed),
		cmocka_unit_test(test_records_malformed),
		cmocka_unit_test(test_opt_tsig),
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_tsig_last),
		cmocka_unit_test(test_big_rdata),
		cmocka_unit_test(test_update_empty_rdata),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
