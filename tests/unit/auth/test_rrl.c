/* SPDX-License-Identifier: MIT */
/*
 * Response Rate Limiting: bucket refill, slip, client prefixes, keys per
 * response kind, and the truncated slip form.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/rrl.h"

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	s->sin_family = AF_INET;
	inet_pton(AF_INET, a, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s->sin6_addr);
	return ss;
}

static const uint8_t www[] = "\3www\7example\3com";
static const uint8_t WWW[] = "\3WwW\7eXample\3com";
static const uint8_t mail[] = "\4mail\7example\3com";

static od_rrl_action_t ask(od_rrl_t *r, struct sockaddr_storage ss,
                           const uint8_t *qname, od_auth_kind_t kind,
                           uint64_t t)
{
	od_auth_info_t info = { .kind = kind, .qtype = 1 };
	return od_rrl_check(r, (struct sockaddr *)&ss, qname, &info, t);
}

static void test_rate_and_slip(void **state)
{
	(void)state;
	od_rrl_conf_t c = { .rate = 5,
		            .slip = 2,
		            .v4_prefix = 24,
		            .v6_prefix = 56,
		            .size = 1024 };
	od_rrl_t *r = od_rrl_new(&c);
	assert_non_null(r);
	struct sockaddr_storage a = v4("192.0.2.1");
	for (int i = 0; i < 5; i++)
		assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1000),
		                 OD_RRL_PASS);
	/* Over the limit: drop, slip, drop, slip ... */
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1000), OD_RRL_DROP);
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1000), OD_RRL_SLIP);
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1000), OD_RRL_DROP);
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1000), OD_RRL_SLIP);
	/* 400 ms refill two responses. */
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1400), OD_RRL_PASS);
	assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 1400), OD_RRL_PASS);
	assert_int_not_equal(ask(r, a, www, OD_AK_ANSWER, 1400), OD_RRL_PASS);
	/* A second later the bucket is full again, and no fuller. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(ask(r, a, www, OD_AK_ANSWER, 9000),
		                 OD_RRL_PASS);
	assert_int_not_equal(ask(r, a, www, OD_AK_ANSWER, 9000), OD_RRL_PASS);

	od_rrl_stats_t st;
	od_rrl_stats(r, &st);
	assert_int_equal(st.passed, 12);
	assert_int_equal(st.dropped + st.slipped, 6);
	od_rrl_free(r);
}

static void test_keys(void **state)
{
	(void)state;
	od_rrl_conf_t c = { .rate = 1,
		            .slip = 0,
		            .v4_prefix = 24,
		            .v6_prefix = 56,
		            .size = 4096 };
	od_rrl_t *r = od_rrl_new(&c);
	assert_non_null(r);
	assert_int_equal(ask(r, v4("198.51.100.7"), www, OD_AK_ANSWER, 0),
	                 OD_RRL_PASS);
	/* Same /24, other host, name in other case: same bucket. */
	assert_int_equal(ask(r, v4("198.51.100.200"), WWW, OD_AK_ANSWER, 0),
	                 OD_RRL_DROP);
	/* Other /24, other name, other kind: other buckets. */
	assert_int_equal(ask(r, v4("198.51.101.7"), www, OD_AK_ANSWER, 0),
	                 OD_RRL_PASS);
	assert_int_equal(ask(r, v4("198.51.100.7"), mail, OD_AK_ANSWER, 0),
	                 OD_RRL_PASS);
	assert_int_equal(ask(r, v4("198.51.100.7"), www, OD_AK_NODATA, 0),
	                 OD_RRL_PASS);
	/* NXDOMAIN is keyed by zone, not name: random names share one. */
	assert_int_equal(ask(r, v4("198.51.100.7"), www, OD_AK_NXDOMAIN, 0),
	                 OD_RRL_PASS);
	assert_int_equal(ask(r, v4("198.51.100.7"), mail, OD_AK_NXDOMAIN, 0),
	                 OD_RRL_DROP);
	/* IPv6: /56 shared, next /56 not. */
	assert_int_equal(ask(r, v6("2001:db8:0:100::1"), www, OD_AK_ANSWER, 0),
	                 OD_RRL_PASS);
	assert_int_equal(ask(r, v6("2001:db8:0:1ff::2"), www, OD_AK_ANSWER, 0),
	                 OD_RRL_DROP);
	assert_int_equal(ask(r, v6("2001:db8:0:200::1"), www, OD_AK_ANSWER, 0),
	                 OD_RRL_PASS);
	od_rrl_free(r);
}

static void test_bad_conf(void **state)
{
	(void)state;
	od_rrl_conf_t c = { .rate = 0, .v4_prefix = 24, .v6_prefix = 56 };
	assert_null(od_rrl_new(&c));
	c.rate = 1;
	c.v4_prefix = 33;
	assert_null(od_rrl_new(&c));
}

static void test_slip_form(void **state)
{
	(void)state;
	/* Response: ID 0x1234, QR AA, 1 question, 1 answer. */
	uint8_t msg[] = { 0x12,
		          0x34,
		          0x84,
		          0x00,
		          0,
		          1,
		          0,
		          1,
		          0,
		          0,
		          0,
		          0,
		          3,
		          'w',
		          'w',
		          'w',
		          7,
		          'e',
		          'x',
		          'a',
		          'm',
		          'p',
		          'l',
		          'e',
		          3,
		          'c',
		          'o',
		          'm',
		          0,
		          0,
		          1,
		          0,
		          1,
		          /* answer */ 0xc0,
		          12,
		          0,
		          1,
		          0,
		          1,
		          0,
		          0,
		          0,
		          60,
		          0,
		          4,
		          192,
		          0,
		          2,
		          1 };
	size_t len = od_rrl_slip(msg, sizeof(msg));
	assert_int_equal(len, 12 + 17 + 4);
	assert_int_equal(msg[2] & 0x02, 0x02);
	assert_int_equal(msg[0], 0x12);
	assert_int_equal(msg[5], 1);
	assert_int_equal(msg[7] | msg[9] | msg[11], 0);
	/* No question: nothing usable. */
	uint8_t bad[12] = { 0 };
	assert_int_equal(od_rrl_slip(bad, sizeof(bad)), 0);
	assert_int_equal(od_rrl_slip(bad, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_slip),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_slip_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
