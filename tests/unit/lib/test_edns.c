/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/edns.h"
#include "lib/mm.h"
#include "lib/rrtype.h"

static od_edns_opt_t opt(uint16_t code, const void *data, uint16_t len)
{
	return (od_edns_opt_t){ .code = code, .len = len, .data = data };
}

static void test_build_parse(void **state)
{
	(void)state;
	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	e.flags = OD_EDNS_DO | 0x0001;
	e.version = 0;
	e.ext_rcode = 1;
	/* More options than the initial capacity, some empty. */
	for (uint16_t i = 0; i < 10; i++)
		assert_int_equal(
		        od_edns_add(&e, &a.mm, 65000 + i, "abcdefgh", i), 0);
	assert_int_equal(e.nopts, 10);
	assert_int_equal(od_edns_rdata_len(&e), 10 * 4 + 45);
	assert_int_equal(od_edns_wire_len(&e), 11 + 10 * 4 + 45);

	uint8_t buf[512];
	od_wr_t w;
	od_wr_init(&w, buf, sizeof(buf));
	assert_int_equal(od_edns_write(&e, &w), 0);
	assert_int_equal(w.pos, od_edns_wire_len(&e));
	assert_int_equal(buf[0], 0);
	assert_int_equal(od_get_u16(buf + 1), OD_TYPE_OPT);
	assert_int_equal(od_get_u16(buf + 3), 1232);
	assert_int_equal(od_get_u32(buf + 5), 0x01008001u);

	od_rr_t rr = { .owner = (const uint8_t *)"",
		       .type = OD_TYPE_OPT,
		       .rclass = 1232,
		       .ttl = 0x01008001u,
		       .rdata = buf + 11,
		       .rdlen = (uint16_t)(w.pos - 11) };
	od_edns_t p;
	assert_int_equal(od_edns_parse(&p, &rr, &a.mm), 0);
	assert_int_equal(p.udp_size, 1232);
	assert_int_equal(p.ext_rcode, 1);
	assert_int_equal(p.version, 0);
	assert_true(od_edns_do(&p));
	assert_int_equal(p.flags, 0x8001);
	assert_int_equal(p.nopts, 10);
	for (uint16_t i = 0; i < 10; i++) {
		assert_int_equal(p.opts[i].code, 65000 + i);
		assert_int_equal(p.opts[i].len, i);
		assert_memory_equal(p.opts[i].data, "abcdefgh", i);
	}
	assert_non_null(od_edns_find(&p, 65003));
	assert_null(od_edns_find(&p, 3));
	od_edns_remove(&e, &a.mm, 65003);
	assert_int_equal(e.nopts, 9);
	assert_null(od_edns_find(&e, 65003));
	assert_int_equal(e.opts[3].code, 65004);

	/* Framing errors. */
	uint8_t bad[] = { 0, 10, 0, 8, 1, 2, 3 };
	rr.rdata = bad;
	rr.rdlen = sizeof(bad);
	assert_int_equal(od_edns_parse(&p, &rr, &a.mm), OD_EOPT);
	rr.rdlen = 3; /* option header cut */
	assert_int_equal(od_edns_parse(&p, &rr, &a.mm), OD_EOPT);
	rr.rdlen = 0;
	assert_int_equal(od_edns_parse(&p, &rr, &a.mm), 0);
	assert_int_equal(p.nopts, 0);
	rr.type = OD_TYPE_A;
	assert_int_equal(od_edns_parse(&p, &rr, &a.mm), OD_EOPT);

	/* Writer too small. */
	od_wr_init(&w, buf, 20);
	assert_int_equal(od_edns_write(&e, &w), OD_ESPACE);
	od_arena_deinit(&a);
}

static void test_malloc_owned(void **state)
{
	(void)state;
	od_edns_t e;
	od_edns_init(&e, 4096);
	uint16_t tags[] = { 20326, 38696 };
	assert_int_equal(od_edns_add_keytag(&e, NULL, tags, 2), 0);
	assert_int_equal(od_edns_add_padding(&e, NULL, 100), 0);
	assert_int_equal(od_edns_add_ede(&e, NULL, OD_EDE_BOGUS, "x", 1), 0);
	od_edns_remove(&e, NULL, OD_EDNS_PADDING);
	assert_int_equal(od_edns_add(&e, NULL, 1, NULL, 0), 0);
	/* The OPT RDATA may not exceed 65535 octets. */
	assert_int_equal(od_edns_add_padding(&e, NULL, 65535 - 4), OD_ELIMIT);
	od_edns_clear(&e, NULL);
	assert_int_equal(e.nopts, 0);
}

static void test_cookie(void **state)
{
	(void)state;
	uint8_t data[48];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (uint16_t len = 0; len <= 41; len++) {
		od_edns_opt_t o = opt(OD_EDNS_COOKIE, data, len);
		od_edns_cookie_t c;
		bool good = len == 8 || (len >= 16 && len <= 40);
		assert_int_equal(od_edns_cookie_parse(&o, &c),
		                 good ? 0 : OD_EMALF);
		if (good) {
			assert_memory_equal(c.client, data, 8);
			assert_int_equal(c.server_len, len - 8);
			assert_memory_equal(c.server, data + 8, len - 8);
		}
	}
	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	od_edns_cookie_t c = { .server_len = 7 };
	assert_int_equal(od_edns_add_cookie(&e, &a.mm, &c), OD_EINVAL);
	c.server_len = 33;
	assert_int_equal(od_edns_add_cookie(&e, &a.mm, &c), OD_EINVAL);
	c.server_len = 16;
	memcpy(c.client, "CLIENTCK", 8);
	memset(c.server, 0xab, 16);
	assert_int_equal(od_edns_add_cookie(&e, &a.mm, &c), 0);
	assert_int_equal(e.opts[0].len, 24);
	od_edns_cookie_t back;
	assert_int_equal(od_edns_cookie_parse(&e.opts[0], &back), 0);
	assert_memory_equal(back.client, "CLIENTCK", 8);
	assert_int_equal(back.server_len, 16);
	char s[128];
	assert_true(od_edns_opt_to_str(&e.opts[0], s, sizeof(s)) > 0);
	assert_string_equal(s, "COOKIE: 434c49454e54434b"
	                       "abababababababababababababababab");
	od_edns_opt_t o = opt(OD_EDNS_COOKIE, data, 5);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "COOKIE: 00 01 02 03 04 (malformed)");
	od_arena_deinit(&a);
}

static void test_padding(void **state)
{
	(void)state;
	assert_int_equal(od_edns_padding_len(100, 128, 4096), 24);
	assert_int_equal(od_edns_padding_len(124, 128, 4096), 0);
	assert_int_equal(od_edns_padding_len(125, 128, 4096), 127);
	assert_int_equal(od_edns_padding_len(300, 468, 4096), 164);
	/* capped by the maximum; nothing when the header does not fit */
	assert_int_equal(od_edns_padding_len(300, 468, 320), 16);
	assert_int_equal(od_edns_padding_len(318, 468, 320), 0);
	assert_int_equal(od_edns_padding_len(100, 0, 4096), 0);

	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	assert_int_equal(od_edns_add_padding(&e, &a.mm, 12), 0);
	assert_int_equal(e.opts[0].len, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(e.opts[0].data[i], 0);
	char s[64];
	assert_true(od_edns_opt_to_str(&e.opts[0], s, sizeof(s)) > 0);
	assert_string_equal(s, "PAD: (12 bytes)");
	od_arena_deinit(&a);
}

static void test_ede(void **state)
{
	(void)state;
	od_edns_ede_t d;
	uint8_t data[] = { 0, 18, 'n', 'o', ')' };
	od_edns_opt_t o = opt(OD_EDNS_EDE, data, 0);
	assert_int_equal(od_edns_ede_parse(&o, &d), OD_EMALF);
	o.len = 1;
	assert_int_equal(od_edns_ede_parse(&o, &d), OD_EMALF);
	o.len = 2;
	assert_int_equal(od_edns_ede_parse(&o, &d), 0);
	assert_int_equal(d.code, 18);
	assert_int_equal(d.text_len, 0);
	o.len = 5;
	assert_int_equal(od_edns_ede_parse(&o, &d), 0);
	assert_int_equal(d.text_len, 3);
	assert_memory_equal(d.text, "no)", 3);
	char s[128];
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "EDE: 18 (Prohibited): (no\\041)");
	o.len = 2;
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "EDE: 18 (Prohibited)");

	assert_string_equal(od_ede_name(0), "Other Error");
	assert_string_equal(od_ede_name(3), "Stale Answer");
	assert_string_equal(od_ede_name(6), "DNSSEC Bogus");
	assert_string_equal(od_ede_name(22), "No Reachable Authority");
	assert_string_equal(od_ede_name(29), "Synthesized");
	assert_null(od_ede_name(1000));

	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	assert_int_equal(od_edns_add_ede(&e, &a.mm, 9, "DNSKEY missing", 14),
	                 0);
	assert_int_equal(od_edns_add_ede(&e, &a.mm, 3, NULL, 5), 0);
	assert_int_equal(e.opts[0].len, 16);
	assert_int_equal(e.opts[1].len, 2);
	assert_int_equal(od_edns_ede_parse(&e.opts[0], &d), 0);
	assert_int_equal(d.code, 9);
	assert_memory_equal(d.text, "DNSKEY missing", 14);
	od_edns_opt_t u = opt(1000, data, 5);
	assert_true(od_edns_opt_to_str(&u, s, sizeof(s)) > 0);
	assert_string_equal(s, "OPT=1000: 00 12 6e 6f 29 (\"..no)\")");
	uint8_t big[] = { 0x03, 0xe7 }; /* 999 */
	u = opt(OD_EDNS_EDE, big, 2);
	assert_true(od_edns_opt_to_str(&u, s, sizeof(s)) > 0);
	assert_string_equal(s, "EDE: 999");
	/* too small an output buffer */
	assert_int_equal(od_edns_opt_to_str(&o, s, 8), OD_ESPACE);
	od_arena_deinit(&a);
}

static void test_keytag(void **state)
{
	(void)state;
	uint8_t data[] = { 0x4f, 0x66, 0x97, 0x28, 0x01 };
	uint16_t tags[4];
	od_edns_opt_t o = opt(OD_EDNS_KEYTAG, data, 0);
	assert_int_equal(od_edns_keytag_parse(&o, tags, 4), OD_EMALF);
	o.len = 1;
	assert_int_equal(od_edns_keytag_parse(&o, tags, 4), OD_EMALF);
	o.len = 5;
	assert_int_equal(od_edns_keytag_parse(&o, tags, 4), OD_EMALF);
	o.len = 4;
	assert_int_equal(od_edns_keytag_parse(&o, tags, 4), 2);
	assert_int_equal(tags[0], 20326);
	assert_int_equal(tags[1], 38696);
	assert_int_equal(od_edns_keytag_parse(&o, NULL, 0), 2);
	char s[64];
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "KEY-TAG: 20326, 38696");

	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	assert_int_equal(od_edns_add_keytag(&e, &a.mm, tags, 0), OD_EINVAL);
	assert_int_equal(od_edns_add_keytag(&e, &a.mm, tags, 2), 0);
	assert_memory_equal(e.opts[0].data, data, 4);
	od_arena_deinit(&a);
}

static void ecs_case(const uint8_t *data, uint16_t len, int expect)
{
	od_edns_opt_t o = opt(OD_EDNS_ECS, data, len);
	od_edns_ecs_t e;
	assert_int_equal(od_edns_ecs_parse(&o, &e), expect);
}

static void test_ecs(void **state)
{
	(void)state;
	const uint8_t v4[] = { 0, 1, 24, 0, 192, 0, 2 };
	ecs_case(v4, 7, 0);
	ecs_case(v4, 3, OD_EMALF); /* no prefixes */
	ecs_case(v4, 6, OD_EMALF); /* address too short */
	const uint8_t v4long[] = { 0, 1, 24, 0, 192, 0, 2, 0 };
	ecs_case(v4long, 8, OD_EMALF); /* address too long */
	const uint8_t v4bits[] = { 0, 1, 20, 0, 192, 0, 0x21 };
	ecs_case(v4bits, 7, OD_EMALF); /* bits past the prefix */
	const uint8_t v4ok20[] = { 0, 1, 20, 0, 192, 0, 0x20 };
	ecs_case(v4ok20, 7, 0);
	const uint8_t v4src33[] = { 0, 1, 33, 0, 1, 2, 3, 4, 5 };
	ecs_case(v4src33, 9, OD_EMALF);
	const uint8_t v4scope[] = { 0, 1, 0, 33 };
	ecs_case(v4scope, 4, OD_EMALF);
	const uint8_t v4zero[] = { 0, 1, 0, 0 };
	ecs_case(v4zero, 4, 0);
	const uint8_t fam3[] = { 0, 3, 0, 0 };
	ecs_case(fam3, 4, OD_ENOTSUP);
	const uint8_t v6[] = { 0,    2,    56,   48,   0x20, 0x01,
		               0x0d, 0xb8, 0x12, 0x34, 0x56 };
	ecs_case(v6, sizeof(v6), 0);
	const uint8_t v6src129[] = { 0, 2, 129, 0 };
	ecs_case(v6src129, 4, OD_EMALF);

	od_edns_opt_t o = opt(OD_EDNS_ECS, v6, sizeof(v6));
	od_edns_ecs_t s;
	assert_int_equal(od_edns_ecs_parse(&o, &s), 0);
	assert_int_equal(s.family, 2);
	assert_int_equal(s.source, 56);
	assert_int_equal(s.scope, 48);
	assert_int_equal(s.addr[6], 0x56);
	assert_int_equal(s.addr[7], 0);
	char str[128];
	assert_true(od_edns_opt_to_str(&o, str, sizeof(str)) > 0);
	assert_string_equal(str, "CLIENT-SUBNET: 2001:db8:1234:5600::/56/48");
	o = opt(OD_EDNS_ECS, v4, 7);
	assert_true(od_edns_opt_to_str(&o, str, sizeof(str)) > 0);
	assert_string_equal(str, "CLIENT-SUBNET: 192.0.2.0/24/0");

	/* Building truncates the address to the prefix. */
	od_arena_t a;
	od_arena_init(&a, 0);
	od_edns_t e;
	od_edns_init(&e, 1232);
	od_edns_ecs_t in = { .family = 1,
		             .source = 20,
		             .scope = 0,
		             .addr = { 198, 51, 100, 77 } };
	assert_int_equal(od_edns_add_ecs(&e, &a.mm, &in), 0);
	assert_int_equal(e.opts[0].len, 7);
	const uint8_t want[] = { 0, 1, 20, 0, 198, 51, 96 };
	assert_memory_equal(e.opts[0].data, want, 7);
	assert_int_equal(od_edns_ecs_parse(&e.opts[0], &s), 0);
	in.source = 33;
	assert_int_equal(od_edns_add_ecs(&e, &a.mm, &in), OD_EINVAL);
	in.family = 5;
	in.source = 0;
	assert_int_equal(od_edns_add_ecs(&e, &a.mm, &in), OD_EINVAL);
	od_arena_deinit(&a);
}

static void test_small_options(void **state)
{
	(void)state;
	uint8_t data[] = { 0, 0, 0x0e, 0x10, 0 };
	bool present;
	uint32_t exp;
	uint16_t ka;
	od_edns_opt_t o = opt(OD_EDNS_EXPIRE, data, 0);
	assert_int_equal(od_edns_expire_parse(&o, &present, &exp), 0);
	assert_false(present);
	o.len = 4;
	assert_int_equal(od_edns_expire_parse(&o, &present, &exp), 0);
	assert_true(present);
	assert_int_equal(exp, 3600);
	o.len = 3;
	assert_int_equal(od_edns_expire_parse(&o, &present, &exp), OD_EMALF);
	o = opt(OD_EDNS_KEEPALIVE, data + 2, 2);
	assert_int_equal(od_edns_keepalive_parse(&o, &present, &ka), 0);
	assert_true(present);
	assert_int_equal(ka, 0x0e10);
	o.len = 1;
	assert_int_equal(od_edns_keepalive_parse(&o, &present, &ka), OD_EMALF);
	o.len = 0;
	assert_int_equal(od_edns_keepalive_parse(&o, &present, &ka), 0);
	assert_false(present);

	char s[128];
	o = opt(OD_EDNS_KEEPALIVE, "\x01\x2c", 2);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "TCP-KEEPALIVE: 30.0 secs");
	o = opt(OD_EDNS_NSID, NULL, 0);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "NSID:");
	o = opt(OD_EDNS_NSID, "ns\x01", 3);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "NSID: 6e 73 01 (\"ns.\")");
	o = opt(OD_EDNS_DAU, "\x08\x0d\x0f", 3);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "DAU: 8 13 15");
	o = opt(OD_EDNS_CHAIN,
	        "\x07"
	        "example\0",
	        9);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "CHAIN: example.");
	o = opt(OD_EDNS_CHAIN,
	        "\x07"
	        "exa",
	        4);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "CHAIN: 07 65 78 61 (malformed)");
	o = opt(OD_EDNS_EXPIRE, data, 4);
	assert_true(od_edns_opt_to_str(&o, s, sizeof(s)) > 0);
	assert_string_equal(s, "EXPIRE: 3600");

	assert_string_equal(od_edns_opt_name(3), "NSID");
	assert_string_equal(od_edns_opt_name(8), "CLIENT-SUBNET");
	assert_string_equal(od_edns_opt_name(10), "COOKIE");
	assert_string_equal(od_edns_opt_name(12), "PADDING");
	assert_string_equal(od_edns_opt_name(15), "EDE");
	assert_null(od_edns_opt_name(4));
	assert_null(od_edns_opt_name(65001));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_parse),
		cmocka_unit_test(test_malloc_owned),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_ede),
		cmocka_unit_test(test_keytag),
		cmocka_unit_test(test_ecs),
		cmocka_unit_test(test_small_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
