/* SPDX-License-Identifier: MIT */
/*
 * Infrastructure cache (src/resolve/infra.c): RTT smoothing, selection,
 * timeout backoff, demotion, EDNS knowledge, bounds and threads.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "resolve/infra.h"

#define DECAY 600000u

static struct sockaddr_storage mk(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static odr_infra_t *new_default(void)
{
	odr_infra_t *in = odr_infra_new(NULL);
	assert_non_null(in);
	return in;
}

static void test_rtt_smoothing(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage a = mk("192.0.2.1", 53);
	odr_infra_info_t info;

	odr_infra_get(in, SA(a), 1000, &info);
	assert_false(info.known);
	/* unknown: the assumed RTT (376 ms default) */
	assert_int_equal(odr_infra_timeout(in, SA(a), 1000), 376);

	odr_infra_report(in, SA(a), ODR_OK, 100, 1000);
	odr_infra_get(in, SA(a), 1000, &info);
	assert_true(info.known);
	assert_int_equal(info.srtt_ms, 100);
	assert_int_equal(info.rttvar_ms, 50);
	/* SRTT + 4 RTTVAR */
	assert_int_equal(odr_infra_timeout(in, SA(a), 1000), 300);

	/* one sample moves SRTT by 1/8 of the difference, RTTVAR by 1/4 */
	odr_infra_report(in, SA(a), ODR_OK, 20, 1001);
	odr_infra_get(in, SA(a), 1001, &info);
	assert_int_equal(info.srtt_ms, 90);
	assert_int_equal(info.rttvar_ms, 57);

	for (int i = 0; i < 100; i++)
		odr_infra_report(in, SA(a), ODR_OK, 20, 1002 + i);
	odr_infra_get(in, SA(a), 1200, &info);
	assert_in_range(info.srtt_ms, 19, 21);
	assert_in_range(info.rttvar_ms, 0, 1);
	/* the floor */
	assert_int_equal(odr_infra_timeout(in, SA(a), 1200),
	                 ODR_INFRA_TIMEOUT_FLOOR_MS);

	for (int i = 0; i < 100; i++)
		odr_infra_report(in, SA(a), ODR_OK, 1500, 2000 + i);
	odr_infra_get(in, SA(a), 2200, &info);
	assert_in_range(info.srtt_ms, 1490, 1500);
	assert_in_range(odr_infra_timeout(in, SA(a), 2200), 1490, 1600);

	/* an RTT measured longer than decay_ms ago is forgotten */
	odr_infra_get(in, SA(a), 2099 + DECAY, &info);
	assert_false(info.known);
	assert_int_equal(odr_infra_timeout(in, SA(a), 2099 + DECAY), 376);
	/* and the next sample starts afresh */
	odr_infra_report(in, SA(a), ODR_OK, 40, 2100 + DECAY);
	odr_infra_get(in, SA(a), 2100 + DECAY, &info);
	assert_int_equal(info.srtt_ms, 40);
	assert_int_equal(info.rttvar_ms, 20);
	odr_infra_free(in);
}

static void test_conf(void **state)
{
	(void)state;
	odr_infra_conf_t conf = { .rtt_init_ms = 800, .rtt_max_ms = 3000 };
	odr_infra_t *in = odr_infra_new(&conf);
	assert_non_null(in);
	struct sockaddr_storage a = mk("2001:db8::1", 53);
	assert_int_equal(odr_infra_timeout(in, SA(a), 1), 800);
	for (int i = 0; i < 10; i++)
		odr_infra_report(in, SA(a), ODR_TIMEOUT, 0, 100000 * (i + 1));
	assert_int_equal(odr_infra_timeout(in, SA(a), 1000001), 3000);
	odr_infra_free(in);
	odr_infra_free(NULL);
}

static void test_pick_prefers_faster(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage s[4] = {
		mk("192.0.2.1", 53),
		mk("192.0.2.2", 53),
		mk("2001:db8::3", 53),
		mk("192.0.2.4", 53),
	};
	odr_infra_report(in, SA(s[0]), ODR_OK, 80, 10);
	odr_infra_report(in, SA(s[1]), ODR_OK, 20, 10);
	odr_infra_report(in, SA(s[2]), ODR_OK, 50, 10);
	odr_infra_report(in, SA(s[3]), ODR_OK, 900, 10);

	bool tried[4] = { false };
	for (int round = 0; round < 20; round++)
		assert_int_equal(odr_infra_pick(in, s, 4, NULL, 20), 1);
	assert_int_equal(odr_infra_pick(in, s, 4, tried, 20), 1);
	tried[1] = true;
	assert_int_equal(odr_infra_pick(in, s, 4, tried, 20), 2);
	tried[2] = true;
	assert_int_equal(odr_infra_pick(in, s, 4, tried, 20), 0);
	tried[0] = true;
	assert_int_equal(odr_infra_pick(in, s, 4, tried, 20), 3);
	tried[3] = true;
	assert_int_equal(odr_infra_pick(in, s, 4, tried, 20), -1);
	assert_int_equal(odr_infra_pick(in, s, 0, NULL, 20), -1);

	/* an unknown server (counted at rtt_init_ms = 376) beats the 900 ms
	   one, so it gets measured, but not the 80 ms one */
	struct sockaddr_storage u[3] = { s[3], mk("192.0.2.99", 53), s[0] };
	assert_int_equal(odr_infra_pick(in, u, 2, NULL, 20), 1);
	assert_int_equal(odr_infra_pick(in, u, 3, NULL, 20), 2);

	/* an address of another family is never picked */
	struct sockaddr_storage bad[2];
	memset(bad, 0, sizeof(bad));
	bad[1] = s[3];
	assert_int_equal(odr_infra_pick(in, bad, 2, NULL, 20), 1);
	assert_int_equal(odr_infra_pick(in, bad, 1, NULL, 20), -1);
	odr_infra_report(in, SA(bad[0]), ODR_OK, 1, 20); /* ignored */
	assert_int_equal(odr_infra_count(in), 4);
	odr_infra_free(in);
}

static void test_pick_ties_spread(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage s[4] = {
		mk("192.0.2.1", 53),
		mk("192.0.2.2", 53),
		mk("192.0.2.3", 53),
		mk("192.0.2.4", 53),
	};
	unsigned hits[4] = { 0 };
	/* all unknown: every one gets chosen (chance of a miss: 4 * 0.75^400) */
	for (int i = 0; i < 400; i++) {
		int k = odr_infra_pick(in, s, 4, NULL, 1);
		assert_in_range(k, 0, 3);
		hits[k]++;
	}
	for (int i = 0; i < 4; i++)
		assert_true(hits[i] > 0);
	odr_infra_free(in);
}

static void test_timeout_backoff(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage s[2] = { mk("192.0.2.1", 53),
		                         mk("192.0.2.2", 53) };
	odr_infra_info_t info;

	/* fast server 0, unknown server 1 */
	odr_infra_report(in, SA(s[0]), ODR_OK, 10, 1000);
	assert_int_equal(odr_infra_timeout(in, SA(s[0]), 1000), 200);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 1000), 0);

	odr_infra_report(in, SA(s[0]), ODR_TIMEOUT, 0, 1000);
	odr_infra_get(in, SA(s[0]), 1000, &info);
	assert_int_equal(info.timeouts, 1);
	assert_int_equal(info.hold_until_ms, 1000 + 400);
	assert_int_equal(odr_infra_timeout(in, SA(s[0]), 1000), 400);
	/* held: the unknown one is picked */
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 1001), 1);

	/* timeouts of queries already out when the first one was seen do
	   not back off further */
	odr_infra_report(in, SA(s[0]), ODR_TIMEOUT, 0, 1100);
	odr_infra_get(in, SA(s[0]), 1100, &info);
	assert_int_equal(info.timeouts, 1);
	assert_int_equal(info.hold_until_ms, 1400);

	/* the hold expires */
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 1400), 0);
	odr_infra_get(in, SA(s[0]), 1400, &info);
	assert_int_equal(info.hold_until_ms, 0);

	/* a timeout after the hold doubles again */
	odr_infra_report(in, SA(s[0]), ODR_TIMEOUT, 0, 1500);
	odr_infra_get(in, SA(s[0]), 1500, &info);
	assert_int_equal(info.timeouts, 2);
	assert_int_equal(info.hold_until_ms, 1500 + 800);
	assert_int_equal(odr_infra_timeout(in, SA(s[0]), 1500), 800);

	/* up to rtt_max_ms (12000 default) */
	uint64_t t = 3000;
	for (int i = 0; i < 20; i++) {
		odr_infra_report(in, SA(s[0]), ODR_TIMEOUT, 0, t);
		odr_infra_get(in, SA(s[0]), t, &info);
		assert_true(info.hold_until_ms - t <= 12000);
		t = info.hold_until_ms;
	}
	assert_int_equal(odr_infra_timeout(in, SA(s[0]), t), 12000);
	odr_infra_get(in, SA(s[0]), t, &info);
	assert_int_equal(info.timeouts, 22);

	/* timeouts older than decay_ms are forgotten */
	assert_int_equal(odr_infra_timeout(in, SA(s[0]), t + DECAY), 376);
	odr_infra_get(in, SA(s[0]), t + DECAY, &info);
	assert_int_equal(info.timeouts, 0);

	/* an answer ends the backoff at once */
	odr_infra_report(in, SA(s[1]), ODR_TIMEOUT, 0, 5000);
	odr_infra_report(in, SA(s[1]), ODR_OK, 30, 5001);
	odr_infra_get(in, SA(s[1]), 5001, &info);
	assert_int_equal(info.timeouts, 0);
	assert_int_equal(info.hold_until_ms, 0);
	assert_int_equal(odr_infra_timeout(in, SA(s[1]), 5001), 200);
	odr_infra_free(in);
}

static void test_all_held(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage s[3] = {
		mk("192.0.2.1", 53),
		mk("192.0.2.2", 53),
		mk("192.0.2.3", 53),
	};
	odr_infra_report(in, SA(s[0]), ODR_OK, 10, 100);
	odr_infra_report(in, SA(s[0]), ODR_TIMEOUT, 0, 100); /* until 500 */
	odr_infra_report(in, SA(s[1]), ODR_TIMEOUT, 0, 100); /* until 852 */
	odr_infra_report(in, SA(s[2]), ODR_TIMEOUT, 0, 50);  /* until 802 */
	odr_infra_info_t info;
	odr_infra_get(in, SA(s[1]), 100, &info);
	assert_int_equal(info.hold_until_ms, 852);
	odr_infra_get(in, SA(s[2]), 100, &info);
	assert_int_equal(info.hold_until_ms, 802);

	assert_int_equal(odr_infra_pick(in, s, 3, NULL, 200), 0);
	bool tried[3] = { true, false, false };
	assert_int_equal(odr_infra_pick(in, s, 3, tried, 200), 2);
	tried[2] = true;
	assert_int_equal(odr_infra_pick(in, s, 3, tried, 200), 1);
	tried[1] = true;
	assert_int_equal(odr_infra_pick(in, s, 3, tried, 200), -1);
	/* a server out of its hold is preferred to held ones: at 810 only
	   s[1] is held still */
	tried[0] = true;
	tried[1] = tried[2] = false;
	assert_int_equal(odr_infra_pick(in, s, 3, tried, 810), 2);
	assert_int_equal(odr_infra_pick(in, s, 3, NULL, 810), 0);
	odr_infra_free(in);
}

static void test_demotion(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage s[2] = { mk("192.0.2.1", 53),
		                         mk("192.0.2.2", 53) };
	odr_infra_info_t info;
	odr_infra_report(in, SA(s[0]), ODR_OK, 20, 1000);
	odr_infra_report(in, SA(s[1]), ODR_OK, 60, 1000);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 1000), 0);

	odr_infra_report(in, SA(s[0]), ODR_SERVFAIL, 0, 2000);
	odr_infra_get(in, SA(s[0]), 2000, &info);
	assert_int_equal(info.penalty_ms, ODR_INFRA_PENALTY_MS);
	assert_int_equal(info.failures, 1);
	assert_int_equal(info.hold_until_ms, 0);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 2000), 1);

	/* the penalty halves every decay_ms / 4 */
	odr_infra_get(in, SA(s[0]), 2000 + DECAY / 4, &info);
	assert_int_equal(info.penalty_ms, ODR_INFRA_PENALTY_MS / 2);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, 2000 + DECAY / 4), 1);
	/* and is gone after decay_ms (the RTTs are older than that too:
	   report fresh ones) */
	odr_infra_get(in, SA(s[0]), 2000 + DECAY, &info);
	assert_int_equal(info.penalty_ms, 0);

	/* REFUSED demotes alike; a good answer halves the penalty */
	uint64_t t = 10 * DECAY;
	odr_infra_report(in, SA(s[0]), ODR_OK, 20, t);
	odr_infra_report(in, SA(s[1]), ODR_OK, 60, t);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, t), 0);
	odr_infra_report(in, SA(s[0]), ODR_REFUSED, 0, t);
	assert_int_equal(odr_infra_pick(in, s, 2, NULL, t), 1);
	odr_infra_report(in, SA(s[0]), ODR_OK, 20, t + 1);
	odr_infra_get(in, SA(s[0]), t + 1, &info);
	assert_int_equal(info.penalty_ms, ODR_INFRA_PENALTY_MS / 2);
	assert_int_equal(info.failures, 0);

	/* repeated bad answers also hold the server */
	odr_infra_report(in, SA(s[1]), ODR_LAME, 0, t + 2);
	odr_infra_report(in, SA(s[1]), ODR_BAD, 0, t + 3);
	odr_infra_get(in, SA(s[1]), t + 3, &info);
	assert_int_equal(info.hold_until_ms, 0);
	assert_int_equal(info.failures, 2);
	odr_infra_report(in, SA(s[1]), ODR_FORMERR, 0, t + 4);
	odr_infra_get(in, SA(s[1]), t + 4, &info);
	assert_int_equal(info.failures, 3);
	assert_int_equal(info.hold_until_ms, t + 4 + 1000);
	assert_int_equal(info.penalty_ms, 3 * ODR_INFRA_PENALTY_MS);
	odr_infra_report(in, SA(s[1]), ODR_SERVFAIL, 0, t + 5);
	odr_infra_get(in, SA(s[1]), t + 5, &info);
	assert_int_equal(info.hold_until_ms, t + 5 + 2000);
	odr_infra_free(in);
}

static void test_edns(void **state)
{
	(void)state;
	odr_infra_t *in = new_default();
	struct sockaddr_storage a = mk("2001:db8::53", 53);
	struct sockaddr_storage b = mk("2001:db8::53", 5353); /* other port */
	assert_false(odr_infra_edns_broken(in, SA(a), 0));
	odr_infra_set_edns(in, SA(a), true, 1000);
	assert_true(odr_infra_edns_broken(in, SA(a), 1000));
	assert_false(odr_infra_edns_broken(in, SA(b), 1000));
	odr_infra_info_t info;
	odr_infra_get(in, SA(a), 1000, &info);
	assert_true(info.edns_broken);
	assert_true(odr_infra_edns_broken(in, SA(a),
	                                  1000 + ODR_INFRA_EDNS_TTL_MS - 1));
	/* expires */
	assert_false(
	        odr_infra_edns_broken(in, SA(a), 1000 + ODR_INFRA_EDNS_TTL_MS));
	/* works again */
	odr_infra_set_edns(in, SA(a), true, 5000);
	odr_infra_set_edns(in, SA(a), false, 6000);
	assert_false(odr_infra_edns_broken(in, SA(a), 6000));
	odr_infra_free(in);
}

static void test_eviction(void **state)
{
	(void)state;
	odr_infra_conf_t conf = { .max_entries = 4 };
	odr_infra_t *in = odr_infra_new(&conf);
	assert_non_null(in);
	struct sockaddr_storage s[6];
	char ip[32];
	for (int i = 0; i < 6; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		s[i] = mk(ip, 53);
	}
	odr_infra_info_t info;
	for (int i = 0; i < 5; i++) {
		odr_infra_report(in, SA(s[i]), ODR_OK, 10 + i, 100 + i);
		assert_true(odr_infra_count(in) <= 4);
	}
	assert_int_equal(odr_infra_count(in), 4);
	odr_infra_get(in, SA(s[0]), 200, &info);
	assert_false(info.known);
	for (int i = 1; i < 5; i++) {
		odr_infra_get(in, SA(s[i]), 200, &info);
		assert_true(info.known);
		assert_int_equal(info.srtt_ms, 10 + i);
	}
	/* an update makes an entry young again: s[2] is now the oldest */
	odr_infra_report(in, SA(s[1]), ODR_OK, 11, 300);
	odr_infra_set_edns(in, SA(s[5]), true, 301);
	assert_int_equal(odr_infra_count(in), 4);
	odr_infra_get(in, SA(s[2]), 302, &info);
	assert_false(info.known);
	odr_infra_get(in, SA(s[1]), 302, &info);
	assert_true(info.known);
	assert_true(odr_infra_edns_broken(in, SA(s[5]), 302));
	odr_infra_free(in);
}

#define NTHREADS 4
#define NADDR 96

typedef struct worker {
	odr_infra_t *in;
	struct sockaddr_storage *addrs;
	unsigned seed;
	unsigned picks;
} worker_t;

static void *work(void *arg)
{
	worker_t *w = arg;
	uint32_t x = w->seed;
	for (int i = 0; i < 20000; i++) {
		x = x * 1664525u + 1013904223u;
		size_t k = (x >> 8) % NADDR;
		uint64_t now = 1000 + (uint64_t)i * 7;
		const struct sockaddr *sa = SA(w->addrs[k]);
		switch ((x >> 20) % 8) {
		case 0:
			odr_infra_report(w->in, sa, ODR_TIMEOUT, 0, now);
			break;
		case 1:
			odr_infra_report(w->in, sa, ODR_SERVFAIL, 0, now);
			break;
		case 2:
			odr_infra_set_edns(w->in, sa, x & 1, now);
			break;
		case 3: {
			size_t off = (x >> 4) % (NADDR - 8);
			bool tried[8] = { false };
			tried[x % 8] = true;
			int p = odr_infra_pick(w->in, w->addrs + off, 8, tried,
			                       now);
			if (p >= 0 && p < 8 && !tried[p])
				w->picks++;
			break;
		}
		case 4: {
			odr_infra_info_t info;
			odr_infra_get(w->in, sa, now, &info);
			(void)odr_infra_timeout(w->in, sa, now);
			(void)odr_infra_edns_broken(w->in, sa, now);
			break;
		}
		default:
			odr_infra_report(w->in, sa, ODR_OK, x % 300, now);
			break;
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	odr_infra_conf_t conf = { .max_entries = 64 };
	odr_infra_t *in = odr_infra_new(&conf);
	assert_non_null(in);
	struct sockaddr_storage addrs[NADDR];
	char ip[64];
	for (int i = 0; i < NADDR; i++) {
		if (i % 2)
			snprintf(ip, sizeof(ip), "2001:db8::%x", i);
		else
			snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		addrs[i] = mk(ip, 53);
	}
	pthread_t th[NTHREADS];
	worker_t w[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (worker_t){ .in = in, .addrs = addrs, .seed = 77u * i };
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	unsigned picks = 0;
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		picks += w[i].picks;
	}
	assert_true(picks > 0);
	assert_true(odr_infra_count(in) <= 64);
	assert_true(odr_infra_count(in) > 0);
	odr_infra_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtt_smoothing),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_pick_prefers_faster),
		cmocka_unit_test(test_pick_ties_spread),
		cmocka_unit_test(test_timeout_backoff),
		cmocka_unit_test(test_all_held),
		cmocka_unit_test(test_demotion),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
