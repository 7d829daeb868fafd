/* SPDX-License-Identifier: MIT */
/*
 * replay: run .rpl scenarios against the I/O-free resolution engine
 * under a fake network and a fake clock (see README.md).
 *
 *   replay [-v | -vv] FILE.rpl | DIRECTORY ...
 *
 * Exit status 0 when every scenario passed, 1 when one failed, 2 on a
 * usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/error.h"
#include "lib/mm.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "resolve/cache.h"
#include "resolve/infra.h"
#include "resolve/resolve.h"
#include "rpl.h"

/* An engine that sends more than this for one client query is looping. */
#define MAX_EXCHANGES 300
/* Simulated round trip of every scripted answer. */
#define RTT_MS 10
/* Where the fake clock starts (any non-zero point of a monotonic clock). */
#define CLOCK_START_MS 1000000000ull

/* One upstream query the engine sent. */
typedef struct upq_log {
	struct sockaddr_storage addr;
	bool tcp;
	uint8_t *wire; /*!< owned */
	size_t len;
	char outcome[256];
} upq_log_t;

typedef struct run {
	const rpl_scenario_t *s;
	odr_env_t env;
	uint64_t now_ms;
	uint64_t rng;
	long step_id;    /*!< of the QUERY being run */
	long query_step; /*!< id of the last QUERY step, -1 before */
	uint8_t *answer; /*!< owned: the last client answer */
	int answer_len;
	upq_log_t *log; /*!< owned: upstream queries of the last QUERY */
	size_t nlog;
	int verbose; /*!< 1: traffic, 2: also every scripted reply */
	bool failed;
} run_t;

static uint32_t rng_next(void *ctx)
{
	uint64_t *x = ctx;
	/* xorshift64*: deterministic for a given seed */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint32_t)((*x * 0x2545F4914F6CDD1Dull) >> 32);
}

static void fail(run_t *r, const rpl_step_t *st, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail(run_t *r, const rpl_step_t *st, const char *fmt, ...)
{
	va_list ap;
	if (st != NULL)
		fprintf(stderr, "FAIL %s:%u: step %ld: ", r->s->path, st->line,
		        st->id);
	else
		fprintf(stderr, "FAIL %s: ", r->s->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->failed = true;
}

static void print_msg(const char *title, const uint8_t *wire, size_t len)
{
	od_pkt_t p;
	fprintf(stderr, "  %s:\n", title);
	int rc = od_pkt_parse(&p, wire, len, NULL, OD_PKT_TRAILING_OK);
	if (rc < 0) {
		fprintf(stderr, "    (%zu bytes, not a valid message: %s)\n",
		        len, od_strerror(rc));
		return;
	}
	size_t cap = 65536;
	char *buf = malloc(cap);
	if (buf != NULL && od_pkt_to_str(&p, buf, cap) >= 0) {
		char *line = buf, *nl;
		while (*line) {
			nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			fprintf(stderr, "    %s\n", line);
			if (!nl)
				break;
			line = nl + 1;
		}
	}
	free(buf);
	od_pkt_free(&p);
}

static void upq_str(const upq_log_t *u, char *out, size_t cap)
{
	char addr[64], name[OD_NAME_STRLEN], type[16];
	od_pkt_t p;
	rpl_addr_str(&u->addr, addr, sizeof(addr));
	if (od_pkt_parse(&p, u->wire, u->len, NULL, 0) < 0 ||
	    od_pkt_question(&p) == NULL) {
		snprintf(out, cap, "%s %s (unparsable query)", addr,
		         u->tcp ? "tcp" : "udp");
		return;
	}
	od_name_to_str(name, sizeof(name), p.qd[0].qname);
	od_rrtype_to_str(p.qd[0].qtype, type, sizeof(type));
	snprintf(out, cap, "%s %s %s %s%s%s", addr, name, type,
	         u->tcp ? "tcp" : "udp", p.opt ? " edns" : "",
	         p.hdr.rd ? " rd" : "");
	od_pkt_free(&p);
}

static void print_log(const run_t *r)
{
	fprintf(stderr, "  upstream queries of step %ld (%zu):\n",
	        r->query_step, r->nlog);
	for (size_t i = 0; i < r->nlog; i++) {
		char q[OD_NAME_STRLEN + 128];
		upq_str(&r->log[i], q, sizeof(q));
		fprintf(stderr, "    %2zu. %s -> %s\n", i + 1, q,
		        r->log[i].outcome);
	}
}

static void clear_log(run_t *r)
{
	for (size_t i = 0; i < r->nlog; i++)
		free(r->log[i].wire);
	free(r->log);
	r->log = NULL;
	r->nlog = 0;
}

static const char *state_name(odr_state_t st)
{
	switch (st) {
	case ODR_CONSUME:
		return "CONSUME";
	case ODR_PRODUCE:
		return "PRODUCE";
	case ODR_DONE:
		return "DONE";
	case ODR_FAIL:
		return "FAIL";
	case ODR_YIELD:
		return "YIELD";
	}
	return "?";
}

/* A source address that is not the server's. */
static void other_addr(const struct sockaddr_storage *a,
                       struct sockaddr_storage *out)
{
	rpl_addr_parse(a->ss_family == AF_INET6 ? "2001:db8::dead"
	                                        : "198.51.100.254",
	               out);
}

/*
 * Answer one upstream query from the scripted RANGEs; *st gets the
 * engine's state after the answer (or after the timeout).
 * \return 0, or -1 when the run must stop (failure reported).
 */
static int exchange(run_t *r, const rpl_step_t *step, odr_req_t *req,
                    const odr_send_t *snd, odr_state_t *st)
{
	r->log = realloc(r->log, (r->nlog + 1) * sizeof(*r->log));
	if (r->log == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	upq_log_t *u = &r->log[r->nlog++];
	memset(u, 0, sizeof(*u));
	memcpy(&u->addr, &snd->addr, sizeof(u->addr));
	u->tcp = snd->tcp;
	u->wire = malloc(snd->len ? snd->len : 1);
	if (u->wire == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	memcpy(u->wire, snd->wire, snd->len);
	u->len = snd->len;
	snprintf(u->outcome, sizeof(u->outcome), "no scripted answer: timeout");

	od_pkt_t q;
	int rc = od_pkt_parse(&q, snd->wire, snd->len, NULL, 0);
	if (rc < 0) {
		fail(r, step, "the engine sent a malformed query: %s",
		     od_strerror(rc));
		return -1;
	}
	uint8_t *buf = malloc(OD_PKT_MAXLEN);
	if (buf == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	size_t max = snd->tcp ? OD_PKT_MAXLEN
	             : q.opt  ? (q.edns.udp_size < 512 ? 512 : q.edns.udp_size)
	                      : OD_PKT_UDP_MAXLEN;
	bool answered = false, done = false;
	for (size_t i = 0; i < r->s->nranges && !done; i++) {
		const rpl_range_t *rg = &r->s->ranges[i];
		if (r->step_id < rg->start || r->step_id > rg->end)
			continue;
		bool addr_ok = false;
		for (size_t k = 0; k < rg->naddr && !addr_ok; k++)
			addr_ok = rpl_addr_equal(&rg->addr[k], &snd->addr);
		if (!addr_ok)
			continue;
		for (size_t k = 0; k < rg->ne && !done; k++) {
			const rpl_entry_t *e = &rg->e[k];
			if (!rpl_entry_matches_query(e, &q, snd->tcp))
				continue;
			if (e->adjust & RPL_A_TIMEOUT) {
				snprintf(u->outcome, sizeof(u->outcome),
				         "timeout (entry at line %u)", e->line);
				done = true;
				break;
			}
			unsigned adj = e->adjust_given ? e->adjust
			                               : RPL_A_COPY_ID;
			rpl_entry_t ea = *e;
			ea.adjust = adj;
			uint16_t id = (adj & (RPL_A_COPY_ID | RPL_A_COPY_QUERY))
			                      ? q.hdr.id
			                      : 0;
			if (adj & RPL_A_WRONG_ID)
				id ^= 0x5a5a;
			int len = rpl_entry_build(&ea, &q, id, buf, max);
			if (len < 0) {
				fail(r, step,
				     "cannot build the answer of the entry at "
				     "line %u: %s",
				     e->line, od_strerror(len));
				od_pkt_free(&q);
				free(buf);
				return -1;
			}
			if (r->verbose > 1)
				print_msg("scripted reply", buf, (size_t)len);
			struct sockaddr_storage from = snd->addr;
			if (adj & RPL_A_WRONG_ADDR)
				other_addr(&snd->addr, &from);
			r->now_ms += RTT_MS;
			*st = odr_req_consume(req, buf, (size_t)len,
			                      (const struct sockaddr *)&from,
			                      r->now_ms);
			bool spoof = (adj & RPL_A_SPOOF) != 0;
			const char *rn = od_rcode_name(buf[3] & 0x0f);
			size_t ol = answered ? strlen(u->outcome) : 0;
			snprintf(u->outcome + ol, sizeof(u->outcome) - ol,
			         "%s%sentry at line %u: %s%s%s",
			         answered ? "; " : "", spoof ? "forged, " : "",
			         e->line, rn ? rn : "?",
			         buf[2] & 0x02 ? " TC" : "",
			         *st == ODR_CONSUME ? " (ignored)" : "");
			answered = true;
			/* a spoof the engine ignored: the real answer (a
			 * later matching entry) still comes */
			if (!spoof || *st != ODR_CONSUME)
				done = true;
		}
	}
	od_pkt_free(&q);
	free(buf);
	if (answered && *st != ODR_CONSUME)
		return 0;
	if (answered)
		strncat(u->outcome, "; then timeout",
		        sizeof(u->outcome) - strlen(u->outcome) - 1);
	r->now_ms += snd->timeout_ms ? snd->timeout_ms : 1000;
	*st = odr_req_consume(req, NULL, 0, NULL, r->now_ms);
	if (*st == ODR_CONSUME) {
		fail(r, step,
		     "the engine still waits after a timeout "
		     "(consume(NULL) returned CONSUME)");
		return -1;
	}
	return 0;
}

static int do_query(run_t *r, const rpl_step_t *step)
{
	uint8_t q[OD_PKT_MAXLEN];
	uint16_t id = (uint16_t)rng_next(&r->rng);
	int qlen = rpl_entry_build(step->entry, NULL, id, q, sizeof(q));
	if (qlen < 0) {
		fail(r, step, "cannot build the query: %s", od_strerror(qlen));
		return -1;
	}
	clear_log(r);
	r->step_id = step->id;
	r->query_step = step->id;
	odr_req_t *req = odr_req_new(&r->env);
	if (req == NULL) {
		fail(r, step, "odr_req_new failed");
		return -1;
	}
	int rc = 0;
	odr_state_t st = odr_req_begin(req, q, (size_t)qlen, r->now_ms);
	if (st != ODR_DONE && st != ODR_PRODUCE) {
		fail(r, step,
		     "odr_req_begin returned %s (contract: DONE or "
		     "PRODUCE)",
		     state_name(st));
		rc = -1;
		goto out;
	}
	while (st == ODR_PRODUCE) {
		odr_send_t snd;
		memset(&snd, 0, sizeof(snd));
		st = odr_req_produce(req, r->now_ms, &snd);
		if (st == ODR_DONE)
			break;
		if (st != ODR_PRODUCE) {
			fail(r, step,
			     "odr_req_produce returned %s (contract: "
			     "PRODUCE or DONE)",
			     state_name(st));
			rc = -1;
			goto out;
		}
		if (r->nlog >= MAX_EXCHANGES) {
			fail(r, step,
			     "more than %d upstream queries for one "
			     "client query",
			     MAX_EXCHANGES);
			print_log(r);
			rc = -1;
			goto out;
		}
		if (exchange(r, step, req, &snd, &st) < 0) {
			print_log(r);
			rc = -1;
			goto out;
		}
		if (st != ODR_PRODUCE && st != ODR_DONE) {
			fail(r, step,
			     "odr_req_consume returned %s (contract: "
			     "PRODUCE, DONE or CONSUME)",
			     state_name(st));
			print_log(r);
			rc = -1;
			goto out;
		}
	}
	bool tcp = (step->entry->match & RPL_M_TCP) != 0;
	free(r->answer);
	r->answer = malloc(OD_PKT_MAXLEN);
	if (r->answer == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	r->answer_len = odr_req_finish(req, r->answer, OD_PKT_MAXLEN, tcp);
	if (r->verbose) {
		odr_req_info_t info;
		odr_req_info(req, &info);
		fprintf(stderr,
		        "step %ld: rcode %u, %s, %u upstream, %u "
		        "timeouts%s%s\n",
		        step->id, info.rcode,
		        info.cached ? "cached" : "not cached", info.upstream,
		        info.timeouts, info.fail ? ", fail: " : "",
		        info.fail ? info.fail : "");
		print_log(r);
		if (r->answer_len > 0)
			print_msg("answer", r->answer, (size_t)r->answer_len);
	}
out:
	odr_req_free(req);
	return rc;
}

static void show_expected(const rpl_entry_t *e)
{
	uint8_t buf[OD_PKT_MAXLEN];
	int len = rpl_entry_build(e, NULL, 0, buf, sizeof(buf));
	if (len > 0)
		print_msg("expected", buf, (size_t)len);
}

static void check_answer(run_t *r, const rpl_step_t *step)
{
	char why[8192];
	if (r->query_step < 0) {
		fail(r, step, "CHECK_ANSWER before any QUERY");
		return;
	}
	if (r->answer == NULL || r->answer_len <= 0) {
		fail(r, step, "no answer to check (odr_req_finish returned %d)",
		     r->answer_len);
		return;
	}
	od_pkt_t p;
	int rc = od_pkt_parse(&p, r->answer, (size_t)r->answer_len, NULL, 0);
	if (rc < 0) {
		fail(r, step, "the answer is not a valid message: %s",
		     od_strerror(rc));
		return;
	}
	if (!rpl_entry_check(step->entry, &p, why, sizeof(why))) {
		fail(r, step, "answer of step %ld differs:\n%s", r->query_step,
		     why);
		show_expected(step->entry);
		print_msg("got", r->answer, (size_t)r->answer_len);
		print_log(r);
	}
	od_pkt_free(&p);
}

static void check_out_query(run_t *r, const rpl_step_t *step)
{
	char why[4096];
	const rpl_entry_t *e = step->entry;
	for (size_t i = 0; i < r->nlog; i++) {
		od_pkt_t p;
		if (od_pkt_parse(&p, r->log[i].wire, r->log[i].len, NULL, 0) <
		    0)
			continue;
		bool ok = rpl_entry_check(e, &p, why, sizeof(why)) &&
		          !((e->match & RPL_M_TCP) && !r->log[i].tcp) &&
		          !((e->match & RPL_M_UDP) && r->log[i].tcp);
		od_pkt_free(&p);
		if (ok)
			return;
	}
	fail(r, step, "no upstream query of step %ld matches", r->query_step);
	show_expected(e);
	print_log(r);
}

static bool upq_matches(const rpl_upq_t *x, const upq_log_t *u)
{
	od_pkt_t p;
	if (od_pkt_parse(&p, u->wire, u->len, NULL, 0) < 0)
		return false;
	const od_question_t *q = od_pkt_question(&p);
	bool ok = q != NULL && od_name_equal(q->qname, x->qname) &&
	          (x->any_type || q->qtype == x->qtype) &&
	          (x->any_addr || rpl_addr_equal(&x->addr, &u->addr)) &&
	          (x->tcp < 0 || x->tcp == (int)u->tcp);
	od_pkt_free(&p);
	return ok;
}

static void check_upstream(run_t *r, const rpl_step_t *step)
{
	if (step->count >= 0) {
		long n = (long)r->nlog;
		bool ok = step->cmp == '<'   ? n <= step->count
		          : step->cmp == '>' ? n >= step->count
		                             : n == step->count;
		if (!ok) {
			fail(r, step, "%ld upstream queries, expected %s%ld", n,
			     step->cmp == '<'   ? "at most "
			     : step->cmp == '>' ? "at least "
			                        : "",
			     step->count);
			print_log(r);
			return;
		}
	}
	if (step->nupq == 0)
		return;
	size_t nsent = 0, k = 0;
	bool ok = true;
	for (size_t i = 0; i < step->nupq; i++) {
		const rpl_upq_t *x = &step->upq[i];
		if (x->some) {
			bool found = false;
			for (size_t j = 0; j < r->nlog && !found; j++)
				found = upq_matches(x, &r->log[j]);
			ok = ok && found;
		} else {
			nsent++;
			ok = ok && k < r->nlog && upq_matches(x, &r->log[k]);
			k++;
		}
	}
	if (nsent > 0 && nsent != r->nlog)
		ok = false;
	if (ok)
		return;
	fail(r, step, "upstream queries differ from the expected ones");
	fprintf(stderr, "  expected (%zu):\n", step->nupq);
	for (size_t i = 0; i < step->nupq; i++) {
		const rpl_upq_t *x = &step->upq[i];
		char a[64] = "*", n[OD_NAME_STRLEN], t[16];
		if (!x->any_addr)
			rpl_addr_str(&x->addr, a, sizeof(a));
		od_name_to_str(n, sizeof(n), x->qname);
		if (x->any_type)
			snprintf(t, sizeof(t), "*");
		else
			od_rrtype_to_str(x->qtype, t, sizeof(t));
		fprintf(stderr, "    %s %s %s %s%s\n",
		        x->some ? "SOME" : "SENT", a, n, t,
		        x->tcp < 0 ? ""
		        : x->tcp   ? " tcp"
		                   : " udp");
	}
	print_log(r);
}

static int run_file(const char *path, int verbose)
{
	rpl_scenario_t s;
	char err[1024];
	if (rpl_load(&s, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "FAIL %s\n", err);
		return 1;
	}
	run_t r;
	memset(&r, 0, sizeof(r));
	r.s = &s;
	r.verbose = verbose;
	r.now_ms = CLOCK_START_MS;
	r.rng = s.seed ? s.seed : 1;
	r.query_step = -1;
	r.env.conf = &s.conf;
	r.env.hints = &s.hints;
	r.env.cache = odr_cache_new(&s.cache_conf);
	r.env.infra = odr_infra_new(NULL);
	r.env.random = rng_next;
	r.env.random_ctx = &r.rng;
	if (r.env.cache == NULL || r.env.infra == NULL) {
		fail(&r, NULL, "cannot create the cache or infra cache");
		goto out;
	}
	for (size_t i = 0; i < s.nsteps && !r.failed; i++) {
		const rpl_step_t *st = &s.steps[i];
		switch (st->kind) {
		case RPL_QUERY:
			do_query(&r, st);
			break;
		case RPL_CHECK_ANSWER:
			check_answer(&r, st);
			break;
		case RPL_TIME_PASSES:
			r.now_ms += (uint64_t)st->elapse * 1000;
			break;
		case RPL_CHECK_OUT_QUERY:
			check_out_query(&r, st);
			break;
		case RPL_CHECK_UPSTREAM:
			check_upstream(&r, st);
			break;
		}
	}
out:
	if (!r.failed)
		printf("PASS %s%s%s\n", path, s.title ? ": " : "",
		       s.title ? s.title : "");
	clear_log(&r);
	free(r.answer);
	if (r.env.cache)
		odr_cache_free(r.env.cache);
	if (r.env.infra)
		odr_infra_free(r.env.infra);
	rpl_free(&s);
	return r.failed ? 1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, int verbose)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".rpl") != 0)
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		size_t pl = strlen(dir) + l + 2;
		v[n] = malloc(pl);
		if (v[n] == NULL)
			break;
		snprintf(v[n++], pl, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_names);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= run_file(v[i], verbose);
		free(v[i]);
	}
	free(v);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: replay [-v | -vv] FILE.rpl | DIRECTORY ...\n"
	           "Runs resolver scenarios under a fake network and clock.\n"
	           "  -v   print every query's upstream traffic and answer\n"
	           "  -vv  also print every scripted reply\n");
}

int main(int argc, char **argv)
{
	int verbose = 0;
	int i = 1, rc = 0;
	/* PASS lines and the diagnostics on stderr stay in order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "-vv") == 0) {
			verbose = 2;
		} else if (strcmp(argv[i], "-h") == 0 ||
		           strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "replay: unknown option '%s'\n",
			        argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	for (; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			        strerror(errno));
			rc = 1;
			continue;
		}
		rc |= S_ISDIR(sb.st_mode) ? run_dir(argv[i], verbose)
		                          : run_file(argv[i], verbose);
	}
	return rc ? 1 : 0;
}
