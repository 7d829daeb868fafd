/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/name.h"

static int from(uint8_t *out, const char *s, const uint8_t *origin)
{
	return od_name_from_str(out, s, strlen(s), origin);
}

static void roundtrip(const char *in, const char *expect)
{
	uint8_t n[OD_NAME_MAXLEN];
	char buf[OD_NAME_STRLEN];
	int len = from(n, in, NULL);
	assert_true(len > 0);
	assert_int_equal(od_name_check(n, sizeof(n)), len);
	assert_int_equal((int)od_name_len(n), len);
	assert_int_equal(od_name_to_str(buf, sizeof(buf), n), strlen(expect));
	assert_string_equal(buf, expect);
	/* and back */
	uint8_t n2[OD_NAME_MAXLEN];
	assert_int_equal(from(n2, buf, NULL), len);
	assert_memory_equal(n, n2, (size_t)len);
}

static void test_presentation(void **state)
{
	(void)state;
	roundtrip(".", ".");
	roundtrip("example.com.", "example.com.");
	roundtrip("Example.COM.", "Example.COM.");
	roundtrip("a\\.b.example.", "a\\.b.example.");
	roundtrip("\\065bc.", "Abc.");
	roundtrip("\\000\\255.x.", "\\000\\255.x.");
	roundtrip("sp\\032ace.", "sp\\032ace.");
	roundtrip("q\\\"uote\\;semi\\(p\\).", "q\\\"uote\\;semi\\(p\\).");
	roundtrip("*.wild.", "*.wild.");
	roundtrip("_srv._tcp.x-y.", "_srv._tcp.x-y.");
	roundtrip("a\\\\b.", "a\\\\b.");
	roundtrip("\\@\\$.", "\\@\\$.");

	uint8_t n[OD_NAME_MAXLEN];
	assert_int_equal(from(n, "a.b.", NULL), 5);
	assert_memory_equal(n, "\1a\1b\0", 5);
}

static void test_relative(void **state)
{
	(void)state;
	uint8_t origin[OD_NAME_MAXLEN], n[OD_NAME_MAXLEN];
	char buf[OD_NAME_STRLEN];
	from(origin, "example.org.", NULL);
	assert_true(from(n, "www", origin) > 0);
	od_name_to_str(buf, sizeof(buf), n);
	assert_string_equal(buf, "www.example.org.");
	assert_true(from(n, "@", origin) > 0);
	assert_true(od_name_equal(n, origin));
	assert_true(from(n, "a.b", origin) > 0);
	od_name_to_str(buf, sizeof(buf), n);
	assert_string_equal(buf, "a.b.example.org.");
	/* relative without an origin */
	assert_int_equal(from(n, "www", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "@", NULL), OD_ESYNTAX);
}

static void test_bad_presentation(void **state)
{
	(void)state;
	uint8_t n[OD_NAME_MAXLEN];
	char big[400];
	assert_int_equal(from(n, "", NULL), OD_EEMPTY);
	assert_int_equal(from(n, "a..b.", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, ".a.", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "..", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "a\\", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "a\\25", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "a\\256.", NULL), OD_ESYNTAX);
	assert_int_equal(from(n, "a\\2x5.", NULL), OD_ESYNTAX);
	/* 63-octet label is fine, 64 is not */
	memset(big, 'a', 63);
	strcpy(big + 63, ".");
	assert_int_equal(from(n, big, NULL), 65);
	memset(big, 'a', 64);
	strcpy(big + 64, ".");
	assert_int_equal(from(n, big, NULL), OD_ELABEL);
	/* 255 octets total is fine, 256 is not: 4 x (63+1) = 256 + root */
	char *p = big;
	for (int i = 0; i < 3; i++) {
		memset(p, 'b', 63);
		p[63] = '.';
		p += 64;
	}
	memset(p, 'c', 61);
	strcpy(p + 61, ".");
	assert_int_equal(from(n, big, NULL), 255);
	memset(p, 'c', 62);
	strcpy(p + 62, ".");
	assert_int_equal(from(n, big, NULL), OD_ENAMELEN);
	/* relative + origin overflow */
	uint8_t origin[OD_NAME_MAXLEN];
	memset(p, 'c', 61);
	strcpy(p + 61, ".");
	from(origin, big, NULL);
	assert_int_equal(from(n, "x", origin), OD_ENAMELEN);
}

static void test_compare(void **state)
{
	(void)state;
	/* RFC 4034 §6.1 example, in canonical order. */
	const char *order[] = {
		"example.",         "a.example.",      "yljkjljk.a.example.",
		"Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
		"\\001.z.example.", "*.z.example.",    "\\200.z.example.",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	uint8_t names[9][OD_NAME_MAXLEN];
	for (size_t i = 0; i < n; i++)
		assert_true(from(names[i], order[i], NULL) > 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int c = od_name_cmp(names[i], names[j]);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	uint8_t a[OD_NAME_MAXLEN], b[OD_NAME_MAXLEN];
	from(a, "WWW.Example.", NULL);
	from(b, "www.example.", NULL);
	assert_true(od_name_equal(a, b));
	assert_int_equal(od_name_cmp(a, b), 0);
	assert_int_equal(od_name_hash(a), od_name_hash(b));
	od_name_lower(a);
	assert_memory_equal(a, b, od_name_len(b));
	from(b, "www.example2.", NULL);
	assert_false(od_name_equal(a, b));
}

static void test_hierarchy(void **state)
{
	(void)state;
	uint8_t a[OD_NAME_MAXLEN], b[OD_NAME_MAXLEN], r[1] = { 0 };
	from(a, "x.y.Example.", NULL);
	from(b, "example.", NULL);
	assert_int_equal(od_name_labels(a), 3);
	assert_int_equal(od_name_labels(r), 0);
	assert_true(od_name_in(a, b));
	assert_true(od_name_below(a, b));
	assert_true(od_name_in(b, b));
	assert_false(od_name_below(b, b));
	assert_false(od_name_in(b, a));
	assert_true(od_name_in(a, r));
	assert_true(od_name_equal(od_name_suffix(a, 1), b));
	assert_true(od_name_equal(od_name_parent(od_name_parent(a)), b));
	assert_null(od_name_parent(r));
	from(b, "ample.", NULL);
	assert_false(od_name_in(a, b));
	from(a, "*.example.", NULL);
	assert_true(od_name_is_wildcard(a));
	from(a, "a*.example.", NULL);
	assert_false(od_name_is_wildcard(a));
	from(a, "\\*.example.", NULL); /* an escaped star is still "*" */
	assert_true(od_name_is_wildcard(a));
}

static int unpack_at(const uint8_t *msg, size_t len, size_t pos, uint8_t *out,
                     size_t *after)
{
	od_rd_t r;
	od_rd_init(&r, msg, len);
	r.pos = pos;
	int ret = od_name_unpack(&r, out);
	if (after)
		*after = r.pos;
	if (ret < 0)
		assert_int_equal(od_rd_err(&r), ret);
	return ret;
}

static void test_unpack(void **state)
{
	(void)state;
	uint8_t out[OD_NAME_MAXLEN];
	size_t after;
	/* 0: 3www7example3com0  17: 4mail + ptr(4)  24: ptr(17) */
	uint8_t msg[] = { 3,   'w', 'w', 'w', 7,    'e', 'x',  'a', 'm',
		          'p', 'l', 'e', 3,   'c',  'o', 'm',  0,   4,
		          'm', 'a', 'i', 'l', 0xc0, 4,   0xc0, 17 };
	assert_int_equal(unpack_at(msg, sizeof(msg), 0, out, &after), 17);
	assert_int_equal(after, 17);
	assert_int_equal(unpack_at(msg, sizeof(msg), 17, out, &after), 18);
	assert_int_equal(after, 24);
	assert_memory_equal(out, "\4mail\7example\3com", 18);
	assert_int_equal(unpack_at(msg, sizeof(msg), 24, out, &after), 18);
	assert_int_equal(after, 26);

	/* self pointer */
	uint8_t loop1[] = { 0, 0, 0xc0, 2 };
	assert_int_equal(unpack_at(loop1, sizeof(loop1), 2, out, NULL),
	                 OD_ECOMPLOOP);
	/* two-pointer cycle 2 -> 0 -> 2: every cycle needs a pointer that
	 * goes forward, and that one is refused */
	uint8_t loop2[] = { 0xc0, 2, 0xc0, 0 };
	assert_int_equal(unpack_at(loop2, sizeof(loop2), 2, out, NULL),
	                 OD_ECOMPPTR);
	assert_int_equal(unpack_at(loop2, sizeof(loop2), 0, out, NULL),
	                 OD_ECOMPPTR);
	/* pointer into the name's own labels */
	uint8_t loop3[] = { 1, 'a', 0xc0, 0 };
	assert_int_equal(unpack_at(loop3, sizeof(loop3), 0, out, NULL),
	                 OD_ECOMPLOOP);
	/* forward pointer */
	uint8_t fwd[] = { 0xc0, 2, 1, 'a', 0 };
	assert_int_equal(unpack_at(fwd, sizeof(fwd), 0, out, NULL),
	                 OD_ECOMPPTR);
	/* out of range */
	uint8_t oor[] = { 0, 0xc0, 0x40 };
	assert_int_equal(unpack_at(oor, sizeof(oor), 1, out, NULL),
	                 OD_ECOMPPTR);
	/* truncated pointer, truncated label, missing root */
	uint8_t tr1[] = { 0xc0 };
	assert_int_equal(unpack_at(tr1, sizeof(tr1), 0, out, NULL), OD_ETRUNC);
	uint8_t tr2[] = { 5, 'a', 'b' };
	assert_int_equal(unpack_at(tr2, sizeof(tr2), 0, out, NULL), OD_ETRUNC);
	uint8_t tr3[] = { 1, 'a' };
	assert_int_equal(unpack_at(tr3, sizeof(tr3), 0, out, NULL), OD_ETRUNC);
	/* reserved label types 0x40 and 0x80 */
	uint8_t ext[] = { 0x41, 0 };
	assert_int_equal(unpack_at(ext, sizeof(ext), 0, out, NULL), OD_EMALF);
	uint8_t ext2[] = { 0x80, 0 };
	assert_int_equal(unpack_at(ext2, sizeof(ext2), 0, out, NULL), OD_EMALF);
	/* label longer than 63: 64 is 0x40 (reserved), so use a valid length
	 * that overruns the name limit instead */
	uint8_t big[600];
	size_t pos = 0;
	for (int i = 0; i < 5; i++) {
		big[pos++] = 63;
		memset(big + pos, 'x', 63);
		pos += 63;
	}
	big[pos++] = 0;
	assert_int_equal(unpack_at(big, pos, 0, out, NULL), OD_ENAMELEN);
	/* exactly 255 octets: 3 x 64 + 62 + root */
	pos = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t l = i < 3 ? 63 : 61;
		big[pos++] = l;
		memset(big + pos, 'x', l);
		pos += l;
	}
	big[pos++] = 0;
	assert_int_equal(pos, 255);
	assert_int_equal(unpack_at(big, pos, 0, out, NULL), 255);
	big[192] = 62; /* 256 octets in 255 bytes of message: truncated */
	assert_true(unpack_at(big, pos, 0, out, NULL) < 0);
	/* a name over 255 octets made by chaining pointers backwards */
	uint8_t chain[600];
	pos = 0;
	chain[pos++] = 0; /* root at 0 */
	size_t prev = 0;
	for (int i = 0; i < 5; i++) {
		size_t start = pos;
		chain[pos++] = 60;
		memset(chain + pos, 'y', 60);
		pos += 60;
		chain[pos++] = 0xc0 | (uint8_t)(prev >> 8);
		chain[pos++] = (uint8_t)prev;
		prev = start;
	}
	assert_int_equal(unpack_at(chain, pos, prev, out, NULL), OD_ENAMELEN);
	/* ...but four of them (4 x 61 + 1 = 245) are fine */
	size_t third = 1 + 2 * 63; /* start of the 3rd link */
	assert_int_equal(unpack_at(chain, pos, third + 63, out, NULL), 245);
	/* sticky: a failed reader stays failed */
	od_rd_t r;
	od_rd_init(&r, loop1, sizeof(loop1));
	r.pos = 2;
	assert_true(od_name_unpack(&r, out) < 0);
	r.pos = 0;
	assert_int_equal(od_name_unpack(&r, out), OD_ECOMPLOOP);
	assert_int_equal(od_rd_u8(&r), 0);
	/* the reader's end bounds in-place labels */
	uint8_t lim[] = { 1, 'a', 0 };
	od_rd_init(&r, lim, sizeof(lim));
	r.end = 2;
	assert_int_equal(od_name_unpack(&r, out), OD_ETRUNC);
}

static void test_check(void **state)
{
	(void)state;
	assert_int_equal(od_name_check((const uint8_t *)"\0", 1), 1);
	assert_int_equal(od_name_check((const uint8_t *)"\1a\0", 3), 3);
	assert_int_equal(od_name_check((const uint8_t *)"\1a\0", 2), OD_ETRUNC);
	assert_int_equal(od_name_check((const uint8_t *)"\xc0\0", 2),
	                 OD_ECOMPPTR);
	assert_int_equal(od_name_check((const uint8_t *)"\x40\0", 2),
	                 OD_ELABEL);
}

static void test_pack(void **state)
{
	(void)state;
	uint8_t buf[512];
	od_wr_t w;
	od_compr_t c;
	uint8_t a[OD_NAME_MAXLEN], b[OD_NAME_MAXLEN], d[OD_NAME_MAXLEN];
	from(a, "www.example.com.", NULL);
	from(b, "mail.EXAMPLE.com.", NULL);
	from(d, "other.org.", NULL);

	od_wr_init(&w, buf, sizeof(buf));
	od_wr_u16(&w, 0xabcd); /* something before, like a header */
	od_compr_init(&c, buf);
	assert_int_equal(od_name_pack(&w, a, &c), 0);
	assert_int_equal(w.pos, 2 + 17);
	assert_int_equal(od_name_pack(&w, b, &c), 0);
	/* "mail" + pointer to "example.com" at offset 2 + 4 */
	assert_int_equal(w.pos, 19 + 5 + 2);
	assert_memory_equal(buf + 19, "\4mail\xc0\x06", 7);
	assert_int_equal(od_name_pack(&w, a, &c), 0); /* whole name */
	assert_memory_equal(buf + 26, "\xc0\x02", 2);
	assert_int_equal(od_name_pack(&w, d, &c), 0); /* nothing shared */
	assert_memory_equal(buf + 28, "\5other\3org\0", 11);
	uint8_t root[1] = { 0 };
	assert_int_equal(od_name_pack(&w, root, &c), 0);
	assert_int_equal(buf[39], 0);

	/* what was written unpacks back */
	od_rd_t r;
	od_rd_init(&r, buf, w.pos);
	r.pos = 19;
	uint8_t out[OD_NAME_MAXLEN];
	assert_int_equal(od_name_unpack(&r, out), 18);
	assert_true(od_name_equal(out, b));

	/* no table: no compression */
	od_wr_init(&w, buf, sizeof(buf));
	od_name_pack(&w, a, NULL);
	od_name_pack(&w, a, NULL);
	assert_int_equal(w.pos, 34);
	/* out of space is latched */
	od_wr_init(&w, buf, 10);
	assert_int_equal(od_name_pack(&w, a, NULL), OD_ESPACE);
	assert_int_equal(od_wr_err(&w), OD_ESPACE);
	/* and labels written before the failure are not compression targets */
	od_wr_init(&w, buf, 10);
	od_compr_init(&c, buf);
	assert_int_equal(od_name_pack(&w, a, &c), OD_ESPACE);
	assert_int_equal(c.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presentation),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_bad_presentation),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_hierarchy),
		cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
