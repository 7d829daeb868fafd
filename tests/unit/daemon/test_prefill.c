/* SPDX-License-Identifier: MIT */
/* The prefill list: file parser, configuration key, scheduler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/clock.h"
#include "daemon/prefill.h"
#include "lib/error.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"

static const uint16_t a_aaaa[2] = { OD_TYPE_A, OD_TYPE_AAAA };

static int parse(const char *text, odd_prefill_entry_t **v, size_t *n,
                 char *err)
{
	err[0] = '\0';
	return odd_prefill_parse(text, strlen(text), "list.txt", a_aaaa, 2, v,
	                         n, err, 256);
}

static void entry_is(const odd_prefill_entry_t *e, const char *str,
                     uint16_t type)
{
	uint8_t w[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(w, str, strlen(str), NULL) > 0);
	/* Lower-cased, byte for byte. */
	assert_memory_equal(e->name, w, od_name_len(w));
	assert_int_equal(e->type, type);
}

static void test_parse_lines(void **state)
{
	(void)state;
	odd_prefill_entry_t *v = NULL;
	size_t n = 0;
	char err[256];
	const char *text = "# popular names\n"
	                   "\n"
	                   "  www.Example.ORG   # both default types\n"
	                   "mail.example.org. MX\n"
	                   "\tapi.example.org aaaa\r\n"
	                   "www.example.org A\n" /* listed already */
	                   "   # indented comment\n"
	                   "x.example.org TYPE65000"; /* no final newline */
	assert_int_equal(parse(text, &v, &n, err), 0);
	/* Canonical order, the duplicate dropped. */
	assert_int_equal(n, 5);
	entry_is(&v[0], "api.example.org.", OD_TYPE_AAAA);
	entry_is(&v[1], "mail.example.org.", OD_TYPE_MX);
	entry_is(&v[2], "www.example.org.", OD_TYPE_A);
	entry_is(&v[3], "www.example.org.", OD_TYPE_AAAA);
	entry_is(&v[4], "x.example.org.", 65000);
	free(v);
}

static void test_parse_empty(void **state)
{
	(void)state;
	odd_prefill_entry_t *v = NULL;
	size_t n = 7;
	char err[256];
	assert_int_equal(parse("# nothing\n\n   \n", &v, &n, err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(parse("", &v, &n, err), 0);
	assert_int_equal(n, 0);
	free(v);
	/* The root is a name like any other. */
	assert_int_equal(parse(". NS\n", &v, &n, err), 0);
	assert_int_equal(n, 1);
	entry_is(&v[0], ".", OD_TYPE_NS);
	free(v);
}

static void test_parse_errors(void **state)
{
	(void)state;
	odd_prefill_entry_t *v = NULL;
	size_t n = 0;
	char err[256];
	assert_int_equal(parse("ok.example.\nbad..name A\n", &v, &n, err),
	                 OD_ESYNTAX);
	assert_non_null(strstr(err, "list.txt:2: 'bad..name' is not a domain "
	                            "name"));
	assert_int_equal(parse("\n\nwww.example. NOPE\n", &v, &n, err),
	                 OD_ETYPE);
	assert_non_null(strstr(err, "list.txt:3: 'NOPE' is not an RR type"));
	assert_int_equal(parse("www.example. ANY\n", &v, &n, err), OD_ETYPE);
	assert_non_null(strstr(err, "list.txt:1: 'ANY' cannot be prefilled"));
	assert_int_equal(parse("www.example. OPT\n", &v, &n, err), OD_ETYPE);
	assert_non_null(strstr(err, "cannot be prefilled"));
	assert_int_equal(parse("www.example. IN A\n", &v, &n, err), OD_ESYNTAX);
	assert_non_null(strstr(err, "list.txt:1: expected a name and an "
	                            "optional type, found more ('A')"));
	char longlabel[100];
	memset(longlabel, 'a', 70);
	strcpy(longlabel + 70, ".example.\n");
	assert_int_equal(parse(longlabel, &v, &n, err), OD_ESYNTAX);
	assert_non_null(strstr(err, "list.txt:1: "));
}

/* The configuration key ----------------------------------------------- */

static int conf(const char *yaml, odd_prefill_conf_t *pc, char *err)
{
	od_yc_t yc;
	od_ycn_t root, v;
	odd_prefill_conf_init(pc);
	int r = od_yc_load_mem(&yc, yaml, strlen(yaml), "c.yaml", &root);
	if (r == 0) {
		assert_true(od_yc_get(&yc, &root, "prefill", &v));
		r = odd_prefill_conf_load(pc, &yc, &v);
	}
	strcpy(err, yc.err);
	od_yc_free(&yc);
	return r;
}

static void test_conf(void **state)
{
	(void)state;
	odd_prefill_conf_t pc;
	char err[600];
	assert_int_equal(conf("prefill: /etc/onedot/popular.txt\n", &pc, err),
	                 0);
	assert_string_equal(pc.file, "/etc/onedot/popular.txt");
	assert_int_equal(pc.ntypes, 2);
	assert_int_equal(pc.types[0], OD_TYPE_A);
	assert_int_equal(pc.types[1], OD_TYPE_AAAA);
	assert_int_equal(pc.concurrency, 16);
	assert_true(pc.refresh);
	odd_prefill_conf_free(&pc);

	assert_int_equal(conf("prefill:\n  file: p.txt\n  types: [AAAA, HTTPS, "
	                      "AAAA]\n  concurrency: 3\n  refresh: false\n",
	                      &pc, err),
	                 0);
	assert_string_equal(pc.file, "p.txt");
	assert_int_equal(pc.ntypes, 2);
	assert_int_equal(pc.types[0], OD_TYPE_AAAA);
	assert_int_equal(pc.types[1], OD_TYPE_HTTPS);
	assert_int_equal(pc.concurrency, 3);
	assert_false(pc.refresh);
	odd_prefill_conf_free(&pc);

	assert_true(conf("prefill:\n  types: [A]\n", &pc, err) < 0);
	assert_non_null(strstr(err, "prefill: file is required"));
	odd_prefill_conf_free(&pc);
	assert_true(conf("prefill:\n  file: p\n  types: [A, AXFR]\n", &pc,
	                 err) < 0);
	assert_non_null(strstr(err, "prefill.types[1]: 'AXFR' cannot be "
	                            "prefilled"));
	odd_prefill_conf_free(&pc);
	assert_true(conf("prefill:\n  file: p\n  types: []\n", &pc, err) < 0);
	assert_non_null(strstr(err, "expected at least one type"));
	odd_prefill_conf_free(&pc);
	assert_true(conf("prefill:\n  file: p\n  concurrency: 0\n", &pc, err) <
	            0);
	assert_non_null(strstr(err, "prefill.concurrency"));
	odd_prefill_conf_free(&pc);
	assert_true(conf("prefill:\n  file: p\n  fiel: q\n", &pc, err) < 0);
	assert_non_null(strstr(err, "fiel"));
	odd_prefill_conf_free(&pc);
}

/* The scheduler, driven by a fake launcher ---------------------------- */

typedef struct fake {
	int launched;
	struct {
		odd_prefill_done_fn done;
		void *arg;
		uint8_t name[OD_NAME_MAXLEN];
		uint16_t type;
	} run[8];
	int nrun;
} fake_t;

static int fake_launch(void *ctx, const uint8_t *qname, uint16_t qtype,
                       odd_prefill_done_fn done, void *arg)
{
	fake_t *f = ctx;
	assert_true(f->nrun < 8);
	f->run[f->nrun].done = done;
	f->run[f->nrun].arg = arg;
	memcpy(f->run[f->nrun].name, qname, od_name_len(qname));
	f->run[f->nrun].type = qtype;
	f->nrun++;
	f->launched++;
	return 0;
}

/* Settle the oldest running resolution with ans/len. */
static void fake_finish(fake_t *f, const uint8_t *ans, size_t len)
{
	assert_true(f->nrun > 0);
	odd_prefill_done_fn done = f->run[0].done;
	void *arg = f->run[0].arg;
	memmove(&f->run[0], &f->run[1],
	        (size_t)(f->nrun - 1) * sizeof(f->run[0]));
	f->nrun--;
	done(arg, ans, len);
}

/* The clock prefill.c reads itself (daemon/clock.h). */
static uint64_t mono(void)
{
	return odd_mono_ms();
}

/* An answer for name (text) type A: rcode, one A record with ttl. */
static size_t answer(uint8_t *buf, const char *name, uint16_t rcode,
                     uint32_t ttl)
{
	uint8_t w[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(w, name, strlen(name), NULL) > 0);
	od_hdr_t h = { .id = 1, .qr = true, .rcode = (uint8_t)rcode };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &h), 0);
	assert_int_equal(od_pkt_w_question(&b, w, OD_TYPE_A, OD_CLASS_IN), 0);
	if (rcode == OD_RCODE_NOERROR) {
		static const uint8_t addr[4] = { 192, 0, 2, 1 };
		od_rr_t rr = { .owner = w,
			       .rdata = addr,
			       .ttl = ttl,
			       .type = OD_TYPE_A,
			       .rclass = OD_CLASS_IN,
			       .rdlen = 4 };
		assert_int_equal(od_pkt_w_rrset(&b, OD_ANSWER, &rr, 1), 0);
	}
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

static odd_prefill_t *open_list(const char *text, unsigned concurrency,
                                bool refresh, char *path)
{
	strcpy(path, "/tmp/od-prefill-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	odd_prefill_conf_t pc;
	odd_prefill_conf_init(&pc);
	pc.file = strdup(path);
	pc.concurrency = concurrency;
	pc.refresh = refresh;
	odd_prefill_t *p = NULL;
	char err[300];
	assert_int_equal(odd_prefill_open(&p, &pc, err, sizeof(err)), 0);
	odd_prefill_conf_free(&pc);
	unlink(path);
	return p;
}

static void stats_are(odd_prefill_t *p, uint64_t names, uint64_t resolved,
                      uint64_t failed, uint64_t refreshed, uint64_t inflight)
{
	odd_prefill_stats_t s;
	odd_prefill_stats(p, &s);
	assert_int_equal(s.names, names);
	assert_int_equal(s.resolved, resolved);
	assert_int_equal(s.pending, names - resolved);
	assert_int_equal(s.failed, failed);
	assert_int_equal(s.refreshed, refreshed);
	assert_int_equal(s.inflight, inflight);
}

static void test_schedule(void **state)
{
	(void)state;
	char path[64];
	uint8_t ans[512];
	fake_t f = { 0 };
	odd_prefill_t *p = open_list(
	        "a.example. A\nb.example. A\nc.example. A\n", 2, true, path);
	stats_are(p, 3, 0, 0, 0, 0);
	uint64_t t0 = mono();
	/* Everything is due; the concurrency caps what starts. */
	odd_prefill_tick(p, fake_launch, &f, t0);
	assert_int_equal(f.launched, 2);
	stats_are(p, 3, 0, 0, 0, 2);
	odd_prefill_tick(p, fake_launch, &f, t0);
	assert_int_equal(f.launched, 2);

	/* An answer (TTL 10) ends one: the third starts at once. */
	fake_finish(&f, ans, answer(ans, "x.example.", OD_RCODE_NOERROR, 10));
	assert_int_equal(f.launched, 3);
	stats_are(p, 3, 1, 0, 0, 2);
	/* SERVFAIL: failed, tried again later; an abandoned one (the
	   resolver stopping) is not counted. */
	fake_finish(&f, ans, answer(ans, "x.example.", OD_RCODE_SERVFAIL, 0));
	stats_are(p, 3, 1, 1, 0, 1);
	fake_finish(&f, NULL, 0);
	stats_are(p, 3, 1, 1, 0, 0);
	uint64_t t1 = mono();

	/* Nothing is due before the retries (5 s) and the refresh (85 to
	   90 % of 10 s). */
	odd_prefill_tick(p, fake_launch, &f, t0 + 4000);
	assert_int_equal(f.launched, 3);
	/* Then all three are: the two retries first. */
	odd_prefill_tick(p, fake_launch, &f, t1 + 9001);
	assert_int_equal(f.launched, 5);
	assert_int_equal(f.nrun, 2);
	/* NXDOMAIN (here without an SOA) is an answer: resolved. */
	fake_finish(&f, ans, answer(ans, "x.example.", OD_RCODE_NXDOMAIN, 0));
	stats_are(p, 3, 2, 1, 0, 1);
	odd_prefill_tick(p, fake_launch, &f, t1 + 9001);
	assert_int_equal(f.launched, 6);
	fake_finish(&f, ans, answer(ans, "x.example.", OD_RCODE_NOERROR, 60));
	stats_are(p, 3, 3, 1, 0, 1);
	/* The one resolved first, again: a refresh. */
	fake_finish(&f, ans, answer(ans, "x.example.", OD_RCODE_NOERROR, 60));
	stats_are(p, 3, 3, 1, 1, 0);
	odd_prefill_free(p);
}

static void test_refresh_time(void **state)
{
	(void)state;
	char path[64];
	uint8_t ans[512];
	fake_t f = { 0 };
	odd_prefill_t *p = open_list("a.example. A\n", 4, true, path);
	odd_prefill_tick(p, fake_launch, &f, mono());
	assert_int_equal(f.launched, 1);
	uint8_t w[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(w, "a.example.", 10, NULL) > 0);
	assert_memory_equal(f.run[0].name, w, od_name_len(w));
	assert_int_equal(f.run[0].type, OD_TYPE_A);
	uint64_t t0 = mono();
	fake_finish(&f, ans, answer(ans, "a.example.", OD_RCODE_NOERROR, 100));
	uint64_t t1 = mono();
	/* Due between 85 and 90 s later. */
	odd_prefill_tick(p, fake_launch, &f, t0 + 84900);
	assert_int_equal(f.launched, 1);
	odd_prefill_tick(p, fake_launch, &f, t1 + 90001);
	assert_int_equal(f.launched, 2);
	fake_finish(&f, ans, answer(ans, "a.example.", OD_RCODE_NOERROR, 1));
	/* A TTL below the floor: the floor. */
	t0 = mono();
	odd_prefill_tick(p, fake_launch, &f, t0 + ODD_PREFILL_FLOOR_MS - 100);
	assert_int_equal(f.launched, 2);
	odd_prefill_tick(p, fake_launch, &f, mono() + ODD_PREFILL_FLOOR_MS + 1);
	assert_int_equal(f.launched, 3);
	/* A short TTL: 1 s before expiry (less the jitter), not at 90 %. */
	t0 = mono();
	fake_finish(&f, ans, answer(ans, "a.example.", OD_RCODE_NOERROR, 5));
	t1 = mono();
	odd_prefill_tick(p, fake_launch, &f, t0 + 3700);
	assert_int_equal(f.launched, 3);
	odd_prefill_tick(p, fake_launch, &f, t1 + 4001);
	assert_int_equal(f.launched, 4);
	stats_are(p, 1, 1, 0, 2, 1);
	odd_prefill_free(p);
}

static void test_no_refresh(void **state)
{
	(void)state;
	char path[64];
	uint8_t ans[512];
	fake_t f = { 0 };
	odd_prefill_t *p = open_list("a.example. A\n", 4, false, path);
	uint64_t t0 = mono();
	odd_prefill_tick(p, fake_launch, &f, t0);
	assert_int_equal(f.launched, 1);
	/* A failure is tried again even without refresh... */
	fake_finish(&f, ans, answer(ans, "a.example.", OD_RCODE_SERVFAIL, 0));
	odd_prefill_tick(p, fake_launch, &f, mono() + 6000);
	assert_int_equal(f.launched, 2);
	/* ...an answer is not. */
	fake_finish(&f, ans, answer(ans, "a.example.", OD_RCODE_NOERROR, 5));
	odd_prefill_tick(p, fake_launch, &f, mono() + 100000000);
	assert_int_equal(f.launched, 2);
	stats_are(p, 1, 1, 1, 0, 0);
	odd_prefill_free(p);
}

static void test_open_errors(void **state)
{
	(void)state;
	odd_prefill_conf_t pc;
	odd_prefill_conf_init(&pc);
	pc.file = strdup("/nonexistent/od-prefill.txt");
	odd_prefill_t *p = NULL;
	char err[300];
	assert_true(odd_prefill_open(&p, &pc, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/od-prefill.txt: cannot "
	                            "read the prefill list"));
	assert_null(p);
	odd_prefill_conf_free(&pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_refresh_time),
		cmocka_unit_test(test_no_refresh),
		cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
