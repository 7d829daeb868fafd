/* SPDX-License-Identifier: MIT */
/*
 * The resolution engine (resolve.h) against attacker-controlled upstream
 * answers. Every upstream query the engine produces is answered with the
 * next message of the input; when they run out, with timeouts until the
 * engine settles. The engine must end within a bounded number of
 * upstream queries, every query it produces must parse, and the client's
 * answer must fit its buffer, parse and echo the client's ID.
 *
 * Input:
 *   byte 0  flags: 0x01 QNAME minimisation off, 0x02 0x20 case,
 *           0x04 answers keep their own ID (not the query's),
 *           0x08 answers get the query's question copied in,
 *           0x10 client query with EDNS, 0x20 no infra cache,
 *           0x40 tight limits, 0x80 no IPv6 upstream
 *   byte 1  client QNAME: low nibble (first request), high nibble
 *           (second request)
 *   byte 2  client QTYPE: low nibble, high nibble likewise
 *   byte 3  0x01 a second request (same caches), 0x02 RD=0 in the client
 *           query, 0x04 CD=1, 0x08 a timeout moves the clock by the
 *           query's timeout (else 10 ms like every step), 0x10 no IPv4,
 *           0x20 validation on (a root DNSKEY anchor the input can
 *           serve: 257 3 15 and 32 octets 0x01; signatures never
 *           verify, every other path of the validator runs), 0x40 the
 *           NSEC index for RFC 8198 synthesis, 0x80 a negative trust
 *           anchor for "test." and "example.org."
 *   then    answers: a 16-bit big-endian word, then len bytes, where
 *           len = word & 0x0fff and the top bits are 0x8000 a timeout
 *           instead (the bytes are skipped), 0x4000 invert flag 0x04
 *           for this answer, 0x2000 invert flag 0x08, 0x1000 the answer
 *           comes from another address (the engine must ignore it)
 *
 * Each input gets fresh caches, a fresh clock and a seeded random
 * function, so a crash reproduces from its input alone (the infra
 * cache breaks ties with its own random numbers: flag 0x20 runs
 * without it, fully deterministic).
 *
 * With ONEDOT_FUZZ_TRACE set in the environment, every exchange is
 * printed to stderr (to write seeds that follow the engine's path).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "resolve/aggr.h"
#include "resolve/cache.h"
#include "resolve/infra.h"
#include "resolve/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Far more than the engine may send for one client query (max_upstream
 * is 64 by default): reaching it means the engine loops. */
#define MAX_PRODUCE 200
#define STEP_MS 10
#define CLOCK_START_MS 1000000000ull
#define GUARD 16

static const char *const qnames[16] = {
	"www.example.com.",
	"example.com.",
	"a.b.c.d.e.f.example.net.",
	".",
	"alias.example.org.",
	"ns1.example.com.",
	"nx.test.",
	"com.",
	"x.y.z.test.",
	"www.EXAMPLE.net.",
	"1.2.0.192.in-addr.arpa.",
	"_sip._tcp.example.com.",
	"*.wild.example.com.",
	"a.very.long.name.with.many.labels.in.it.example.co.uk.",
	"ns.example.net.",
	"dname.example.org.",
};

static const uint16_t qtypes[16] = {
	OD_TYPE_A,      OD_TYPE_AAAA,  OD_TYPE_NS,  OD_TYPE_MX,
	OD_TYPE_TXT,    OD_TYPE_CNAME, OD_TYPE_SOA, OD_TYPE_DS,
	OD_TYPE_DNSKEY, 255 /* ANY */, OD_TYPE_PTR, OD_TYPE_SRV,
	65 /* HTTPS */, 10 /* NULL */, OD_TYPE_OPT, 252 /* AXFR */,
};

/* Signature validity needs a wall clock; a fixed one keeps runs
 * reproducible (2026-01-01). */
static int64_t fixed_wall(void *ctx)
{
	(void)ctx;
	return 1767225600;
}

typedef struct input {
	const uint8_t *p;
	size_t left;
} input_t;

static uint32_t rng_next(void *ctx)
{
	uint64_t *x = ctx;
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint32_t)((*x * 0x2545F4914F6CDD1Dull) >> 32);
}

static bool trace_on(void)
{
	static int on = -1;
	if (on < 0)
		on = getenv("ONEDOT_FUZZ_TRACE") != NULL;
	return on;
}

static void trace_query(const odr_send_t *s)
{
	char addr[INET6_ADDRSTRLEN] = "?", name[OD_NAME_STRLEN] = "?";
	char type[16] = "?";
	const void *ip = NULL;
	if (s->addr.ss_family == AF_INET)
		ip = &((const struct sockaddr_in *)&s->addr)->sin_addr;
	else if (s->addr.ss_family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)&s->addr)->sin6_addr;
	if (ip != NULL)
		inet_ntop(s->addr.ss_family, ip, addr, sizeof(addr));
	od_pkt_t p;
	if (od_pkt_parse(&p, s->wire, s->len, NULL, 0) == 0) {
		if (od_pkt_question(&p) != NULL) {
			od_name_to_str(name, sizeof(name), p.qd[0].qname);
			od_rrtype_to_str(p.qd[0].qtype, type, sizeof(type));
		}
		od_pkt_free(&p);
	}
	fprintf(stderr, "query %s %s %s%s\n", addr, name, type,
	        s->tcp ? " tcp" : "");
}

/* The client query: header, question, optionally OPT. */
static size_t client_query(uint8_t *out, size_t cap, const char *name,
                           uint16_t type, uint16_t id, bool rd, bool cd,
                           bool edns)
{
	uint8_t qname[OD_NAME_MAXLEN];
	od_require(od_name_from_str(qname, name, strlen(name), NULL) > 0);
	od_hdr_t h = { .id = id, .opcode = OD_OPCODE_QUERY, .rd = rd, .cd = cd };
	od_pkt_w_t b;
	od_require(od_pkt_w_init(&b, out, cap, &h) == 0);
	od_edns_t e;
	if (edns) {
		od_edns_init(&e, 1400);
		od_require(od_pkt_w_edns(&b, &e) == 0);
	}
	od_require(od_pkt_w_question(&b, qname, type, OD_CLASS_IN) == 0);
	int n = od_pkt_w_finish(&b);
	od_require(n > 0);
	return (size_t)n;
}

/* End of the first question of msg (uncompressed or with a pointer),
 * or 0 when it does not fit. */
static size_t question_end(const uint8_t *msg, size_t len)
{
	size_t i = OD_HDR_LEN;
	while (i < len) {
		uint8_t l = msg[i];
		if (l == 0) {
			i++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			i += 2;
			break;
		}
		if (l > 63)
			return 0;
		i += 1u + l;
	}
	i += 4;
	return i <= len ? i : 0;
}

/*
 * The answer as delivered: a fresh allocation of exactly its length (so
 * reads past the end are caught), with the ID and question of the query
 * patched in when asked. Compression pointers behind a question of
 * another length are left as they are: the engine must cope with them.
 */
static uint8_t *make_answer(const uint8_t *raw, size_t len, const odr_send_t *s,
                            bool patch_id, bool patch_q, size_t *outlen)
{
	size_t qend = len >= OD_HDR_LEN ? question_end(s->wire, s->len) : 0;
	size_t rend = 0;
	bool have_q = len >= OD_HDR_LEN && (raw[4] | raw[5]) != 0;
	if (patch_q && qend > OD_HDR_LEN) {
		rend = have_q ? question_end(raw, len) : OD_HDR_LEN;
		if (rend == 0)
			patch_q = false;
	} else {
		patch_q = false;
	}
	size_t n = len;
	if (patch_q)
		n = len - rend + qend;
	uint8_t *m = malloc(n ? n : 1);
	od_require(m != NULL);
	if (patch_q) {
		memcpy(m, raw, OD_HDR_LEN);
		memcpy(m + OD_HDR_LEN, s->wire + OD_HDR_LEN, qend - OD_HDR_LEN);
		memcpy(m + qend, raw + rend, len - rend);
		if (!have_q) {
			m[4] = 0;
			m[5] = 1;
		}
	} else if (len > 0) {
		memcpy(m, raw, len);
	}
	if (patch_id && n >= 2 && s->len >= 2) {
		m[0] = s->wire[0];
		m[1] = s->wire[1];
	}
	*outlen = n;
	return m;
}

static void check_query(const odr_send_t *s)
{
	od_require(s->wire != NULL && s->len >= OD_HDR_LEN && s->len <= 512);
	od_require(s->timeout_ms > 0);
	od_require(s->addr.ss_family == AF_INET ||
	           s->addr.ss_family == AF_INET6);
	od_require(s->addrlen == (s->addr.ss_family == AF_INET
	                                  ? sizeof(struct sockaddr_in)
	                                  : sizeof(struct sockaddr_in6)));
	od_pkt_t p;
	od_require(od_pkt_parse(&p, s->wire, s->len, NULL, 0) == 0);
	od_require(!p.hdr.qr && p.count[OD_QUESTION] == 1);
	od_require(p.count[OD_ANSWER] == 0 && p.count[OD_AUTHORITY] == 0);
	od_pkt_free(&p);
}

static void check_answer(odr_req_t *r, bool tcp, size_t cap, uint16_t id,
                         size_t udp_max)
{
	static uint8_t out[OD_PKT_MAXLEN + GUARD];
	memset(out + cap, 0xa5, GUARD);
	int len = odr_req_finish(r, out, cap, tcp);
	od_require(len >= 0 && (size_t)len <= cap);
	for (size_t i = 0; i < GUARD; i++)
		od_require(out[cap + i] == 0xa5);
	if (!tcp)
		od_require((size_t)len <= udp_max);
	if (len == 0)
		return;
	od_pkt_t p;
	od_require(od_pkt_parse(&p, out, (size_t)len, NULL, 0) == 0);
	od_require(p.hdr.qr && p.hdr.id == id);
	od_pkt_free(&p);
}

static int walk_cb(const odr_rrset_t *set, const odr_neg_t *neg,
                   const uint8_t *qname, uint16_t qtype, void *ctx)
{
	(void)qtype;
	(void)ctx;
	od_require((set == NULL) != (neg == NULL));
	od_require(qname != NULL && od_name_len(qname) <= OD_NAME_MAXLEN);
	if (set != NULL)
		od_require(set->count > 0 && set->rrs != NULL);
	return 0;
}

/* One client query, answered from the input. */
static void run_request(const odr_env_t *env, input_t *in, const char *name,
                        uint16_t type, uint8_t flags, uint8_t more, uint16_t id,
                        uint64_t *now)
{
	const bool own_id = flags & 0x04, copy_q = flags & 0x08;
	const bool edns = flags & 0x10, real_timeouts = more & 0x08;
	uint8_t q[OD_NAME_MAXLEN + 64];
	size_t qlen = client_query(q, sizeof(q), name, type, id, !(more & 0x02),
	                           more & 0x04, edns);
	odr_req_t *r = odr_req_new(env);
	od_require(r != NULL);
	odr_state_t st = odr_req_begin(r, q, qlen, *now);
	od_require(st == ODR_DONE || st == ODR_PRODUCE);
	unsigned produced = 0;
	odr_send_t s;
	while (st != ODR_DONE) {
		od_require(st == ODR_PRODUCE);
		*now += STEP_MS;
		st = odr_req_produce(r, *now, &s);
		if (st == ODR_DONE)
			break;
		od_require(st == ODR_PRODUCE);
		od_require(++produced <= MAX_PRODUCE);
		check_query(&s);
		if (trace_on())
			trace_query(&s);
		/* Answers until one is taken (or a timeout). */
		do {
			*now += STEP_MS;
			if (in->left < 2) {
				if (trace_on())
					fprintf(stderr, "  timeout (end)\n");
				if (real_timeouts)
					*now += s.timeout_ms;
				st = odr_req_consume(r, NULL, 0, NULL, *now);
				od_require(st != ODR_CONSUME);
				break;
			}
			uint16_t w = (uint16_t)(in->p[0] << 8 | in->p[1]);
			size_t len = w & 0x0fff;
			in->p += 2;
			in->left -= 2;
			if (len > in->left)
				len = in->left;
			const uint8_t *raw = in->p;
			in->p += len;
			in->left -= len;
			if (w & 0x8000) {
				if (trace_on())
					fprintf(stderr, "  timeout\n");
				if (real_timeouts)
					*now += s.timeout_ms;
				st = odr_req_consume(r, NULL, 0, NULL, *now);
				od_require(st != ODR_CONSUME);
				break;
			}
			bool patch_id = own_id == !!(w & 0x4000);
			bool patch_q = copy_q != !!(w & 0x2000);
			struct sockaddr_storage from = s.addr;
			if (w & 0x1000) {
				/* Another port of the same host: a spoof. */
				struct sockaddr_in *sin = (void *)&from;
				struct sockaddr_in6 *sin6 = (void *)&from;
				if (from.ss_family == AF_INET)
					sin->sin_port ^= 0x0101;
				else
					sin6->sin6_port ^= 0x0101;
			}
			size_t n;
			uint8_t *m = make_answer(raw, len, &s, patch_id,
			                         patch_q, &n);
			st = odr_req_consume(
			        r, m, n, (const struct sockaddr *)&from, *now);
			if (trace_on())
				fprintf(stderr, "  answer %zu bytes: %s\n", n,
				        st == ODR_CONSUME ? "ignored"
				                          : "taken");
			free(m);
			if (w & 0x1000)
				od_require(st == ODR_CONSUME);
		} while (st == ODR_CONSUME);
		od_require(st == ODR_PRODUCE || st == ODR_DONE);
	}
	od_require(odr_req_produce(r, *now, &s) == ODR_DONE);
	odr_req_info_t info;
	odr_req_info(r, &info);
	od_require(info.upstream == produced);
	if (trace_on())
		fprintf(stderr, "done: rcode %u, %u upstream%s%s\n", info.rcode,
		        info.upstream, info.fail ? ", fail: " : "",
		        info.fail ? info.fail : "");
	size_t udp_max = edns ? 1232 : 512;
	check_answer(r, false, OD_PKT_MAXLEN, id, udp_max);
	check_answer(r, true, OD_PKT_MAXLEN, id, OD_PKT_MAXLEN);
	check_answer(r, true, OD_HDR_LEN + (size_t)(id % 100), id,
	             OD_PKT_MAXLEN);
	odr_req_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static odr_hints_t hints;
	static bool init;
	if (!init) {
		od_require(odr_hints_default(&hints) == 0);
		init = true;
	}
	if (size < 4)
		return 0;
	const uint8_t flags = data[0], names = data[1], types = data[2],
	              more = data[3];
	odr_conf_t conf = {
		.no_qname_min = flags & 0x01,
		.use_0x20 = flags & 0x02,
		.no_ipv6 = flags & 0x80,
		.no_ipv4 = more & 0x10,
	};
	if (flags & 0x40) {
		conf.max_upstream = 6;
		conf.max_ns_resolve = 1;
		conf.max_chain = 2;
		conf.max_depth = 2;
		conf.max_time_ms = 500;
	}
	/* Small caches: cheap to create per input, and eviction gets
	 * exercised. */
	odr_cache_conf_t cc = { .max_bytes = 64 * 1024, .shards = 2 };
	odr_infra_conf_t ic = { .max_entries = 64 };
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)flags << 8 | more);
	odr_env_t env = {
		.conf = &conf,
		.hints = &hints,
		.cache = odr_cache_new(&cc),
		.infra = (flags & 0x20) ? NULL : odr_infra_new(&ic),
		.random = rng_next,
		.random_ctx = &seed,
	};
	static const uint8_t key[36] = {
		0x01, 0x01, 3, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1,    1,    1, 1,  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	};
	static const odr_anchor_t anchor = { (const uint8_t *)"", 48, key,
		                             sizeof(key) };
	static const odr_nta_t ntas[] = {
		{ (const uint8_t *)"\4test", 0 },
		{ (const uint8_t *)"\7example\3org", 0 },
	};
	odr_trust_t trust = { &anchor, 1, ntas, (more & 0x80) ? 2 : 0 };
	if (more & 0x20)
		env.trust = &trust;
	env.wall = fixed_wall;
	if (more & 0x40)
		env.aggr = odr_aggr_new(64 * 1024);
	od_require(env.cache != NULL);
	od_require((flags & 0x20) || env.infra != NULL);
	input_t in = { data + 4, size - 4 };
	uint64_t now = CLOCK_START_MS;
	run_request(&env, &in, qnames[names & 15], qtypes[types & 15], flags,
	            more, 0x1234, &now);
	if (more & 0x01)
		run_request(&env, &in, qnames[names >> 4], qtypes[types >> 4],
		            flags, more, 0xbeef, &now);
	od_require(odr_cache_walk(env.cache, walk_cb, NULL, now / 1000) >= 0);
	odr_cache_free(env.cache);
	if (env.infra != NULL)
		odr_infra_free(env.infra);
	if (env.aggr != NULL)
		odr_aggr_free(env.aggr);
	return 0;
}
