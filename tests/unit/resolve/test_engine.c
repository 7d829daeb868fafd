/* SPDX-License-Identifier: MIT */
/*
 * The resolution engine driven over a fake network: a table of fake
 * authoritative servers (address -> zone records) answering in the test
 * itself, and a log of every query the engine sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/error.h"
#include "lib/mm.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rdata.h"
#include "lib/rrtype.h"
#include "resolve/internal.h"
#include "resolve/resolve.h"

/* Zone data: absolute names, one record a line. */
static const char *const zone_root[] = {
	". 86400 SOA a.root-servers.net. nstld.example. 1 1800 900 604800 86400",
	". 518400 NS a.root-servers.net.",
	"a.root-servers.net. 518400 A 198.41.0.4",
	"com. 172800 NS a.gtld.com.",
	"a.gtld.com. 172800 A 192.0.2.10",
	"net. 172800 NS a.gtld.net.",
	"a.gtld.net. 172800 A 192.0.2.11",
	NULL,
};

static const char *const zone_com[] = {
	"com. 900 SOA a.gtld.com. nstld.example. 1 1800 900 604800 86400",
	"com. 172800 NS a.gtld.com.",
	"a.gtld.com. 172800 A 192.0.2.10",
	"example.com. 172800 NS ns1.example.com.",
	"ns1.example.com. 172800 A 192.0.2.20",
	"noglue.com. 172800 NS ns.provider.net.",
	"evil.com. 172800 NS ns.evil.net.",
	/* Out of the bailiwick of com.: must not be used as glue. */
	"ns.evil.net. 172800 A 203.0.113.66",
	"dead.com. 172800 NS ns1.dead.com.",
	"dead.com. 172800 NS ns2.dead.com.",
	"ns1.dead.com. 172800 A 192.0.2.30",
	"ns2.dead.com. 172800 A 192.0.2.31",
	"tc.com. 172800 NS ns.tc.com.",
	"ns.tc.com. 172800 A 192.0.2.40",
	"old.com. 172800 NS ns.old.com.",
	"ns.old.com. 172800 A 192.0.2.41",
	"strict.com. 172800 NS ns.strict.com.",
	"ns.strict.com. 172800 A 192.0.2.42",
	"nxns.com. 172800 NS a.p1.provider.net.",
	"nxns.com. 172800 NS a.p2.provider.net.",
	"nxns.com. 172800 NS a.p3.provider.net.",
	NULL,
};

static const char *const zone_net[] = {
	"net. 900 SOA a.gtld.net. nstld.example. 1 1800 900 604800 86400",
	"net. 172800 NS a.gtld.net.",
	"provider.net. 172800 NS ns.provider.net.",
	"ns.provider.net. 172800 A 192.0.2.50",
	"evil.net. 172800 NS ns.evil.net.",
	"ns.evil.net. 172800 A 192.0.2.51",
	NULL,
};

static const char *const zone_example[] = {
	"example.com. 3600 SOA ns1.example.com. h.example.com. 1 7200 3600 "
	"1209600 300",
	"example.com. 3600 NS ns1.example.com.",
	"ns1.example.com. 3600 A 192.0.2.20",
	"www.example.com. 3600 A 192.0.2.80",
	"alias.example.com. 3600 CNAME www.example.com.",
	"ext.example.com. 3600 CNAME www.provider.net.",
	"deep.ent.example.com. 3600 A 192.0.2.88",
	"ttl.example.com. 300 A 192.0.2.91",
	"ttl.example.com. 100 A 192.0.2.92",
	"big.example.com. 4294967295 A 192.0.2.93",
	"dn.example.com. 3600 DNAME provider.net.",
	"loop1.example.com. 3600 CNAME loop2.example.com.",
	"loop2.example.com. 3600 CNAME loop1.example.com.",
	NULL,
};

static const char *const zone_provider[] = {
	"provider.net. 3600 SOA ns.provider.net. h.provider.net. 1 7200 3600 "
	"1209600 300",
	"provider.net. 3600 NS ns.provider.net.",
	"ns.provider.net. 3600 A 192.0.2.50",
	"www.provider.net. 3600 A 192.0.2.81",
	NULL,
};

static const char *const zone_noglue[] = {
	"noglue.com. 3600 SOA ns.provider.net. h.provider.net. 1 7200 3600 "
	"1209600 300",
	"noglue.com. 3600 NS ns.provider.net.",
	"www.noglue.com. 3600 A 192.0.2.82",
	NULL,
};

static const char *const zone_evilnet[] = {
	"evil.net. 3600 SOA ns.evil.net. h.evil.net. 1 7200 3600 1209600 300",
	"evil.net. 3600 NS ns.evil.net.",
	"ns.evil.net. 3600 A 192.0.2.51",
	NULL,
};

static const char *const zone_evilcom[] = {
	"evil.com. 3600 SOA ns.evil.net. h.evil.net. 1 7200 3600 1209600 300",
	"evil.com. 3600 NS ns.evil.net.",
	"www.evil.com. 3600 A 192.0.2.83",
	NULL,
};

static const char *const zone_dead[] = {
	"dead.com. 3600 SOA ns1.dead.com. h.dead.com. 1 7200 3600 1209600 300",
	"dead.com. 3600 NS ns1.dead.com.",
	"dead.com. 3600 NS ns2.dead.com.",
	"www.dead.com. 3600 A 192.0.2.84",
	NULL,
};

static const char *const zone_tc[] = {
	"tc.com. 3600 SOA ns.tc.com. h.tc.com. 1 7200 3600 1209600 300",
	"tc.com. 3600 NS ns.tc.com.",
	"www.tc.com. 3600 A 192.0.2.85",
	NULL,
};

static const char *const zone_old[] = {
	"old.com. 3600 SOA ns.old.com. h.old.com. 1 7200 3600 1209600 300",
	"old.com. 3600 NS ns.old.com.",
	"www.old.com. 3600 A 192.0.2.86",
	NULL,
};

static const char *const zone_strict[] = {
	"strict.com. 3600 SOA ns.strict.com. h.strict.com. 1 7200 3600 "
	"1209600 300",
	"strict.com. 3600 NS ns.strict.com.",
	"www.a.b.strict.com. 3600 A 192.0.2.87",
	NULL,
};

enum {
	F_DEAD = 1 << 0,         /* never answers */
	F_TC = 1 << 1,           /* TC=1 over UDP */
	F_FORMERR_EDNS = 1 << 2, /* FORMERR to queries with EDNS */
	F_REFUSE_ENT = 1 << 3,   /* REFUSED for names without records */
};

typedef struct {
	const char *addr;
	const char *origin;
	const char *const *lines;
	unsigned flags;
	od_rr_t *rrs; /* loaded */
	size_t n;
	uint8_t apex[OD_NAME_MAXLEN];
} fake_zone_t;

static fake_zone_t servers[] = {
	{ "198.41.0.4", ".", zone_root, 0, NULL, 0, { 0 } },
	{ "192.0.2.10", "com.", zone_com, 0, NULL, 0, { 0 } },
	{ "192.0.2.11", "net.", zone_net, 0, NULL, 0, { 0 } },
	{ "192.0.2.20", "example.com.", zone_example, 0, NULL, 0, { 0 } },
	{ "192.0.2.50", "provider.net.", zone_provider, 0, NULL, 0, { 0 } },
	{ "192.0.2.50", "noglue.com.", zone_noglue, 0, NULL, 0, { 0 } },
	{ "192.0.2.51", "evil.net.", zone_evilnet, 0, NULL, 0, { 0 } },
	{ "192.0.2.51", "evil.com.", zone_evilcom, 0, NULL, 0, { 0 } },
	{ "192.0.2.30", "dead.com.", zone_dead, F_DEAD, NULL, 0, { 0 } },
	{ "192.0.2.31", "dead.com.", zone_dead, 0, NULL, 0, { 0 } },
	{ "192.0.2.40", "tc.com.", zone_tc, F_TC, NULL, 0, { 0 } },
	{ "192.0.2.41", "old.com.", zone_old, F_FORMERR_EDNS, NULL, 0, { 0 } },
	{ "192.0.2.42",
	  "strict.com.",
	  zone_strict,
	  F_REFUSE_ENT,
	  NULL,
	  0,
	  { 0 } },
};
#define NSERVERS (sizeof(servers) / sizeof(servers[0]))

static od_arena_t zone_arena;

static void load_line(fake_zone_t *z, const char *line)
{
	od_tok_t tok[16];
	int nt = od_tok_split(line, strlen(line), tok, 16);
	assert_true(nt >= 4);
	uint8_t name[OD_NAME_MAXLEN];
	int nl = od_name_from_str(name, tok[0].s, tok[0].len, NULL);
	assert_true(nl > 0);
	uint16_t type;
	assert_int_equal(od_rrtype_from_str(tok[2].s, tok[2].len, &type), 0);
	uint8_t rd[512];
	int rl = od_rdata_from_text(type, tok + 3, (size_t)nt - 3, NULL, rd,
	                            sizeof(rd), NULL);
	assert_true(rl >= 0);
	od_rr_t *rr = &z->rrs[z->n++];
	rr->owner = od_mm_dup(&zone_arena.mm, name, (size_t)nl);
	rr->rdata = od_mm_dup(&zone_arena.mm, rd, (size_t)rl);
	rr->rdlen = (uint16_t)rl;
	rr->type = type;
	rr->rclass = OD_CLASS_IN;
	rr->ttl = (uint32_t)strtoul(tok[1].s, NULL, 10);
}

static void load_zones(void)
{
	od_arena_init(&zone_arena, 0);
	for (size_t i = 0; i < NSERVERS; i++) {
		fake_zone_t *z = &servers[i];
		size_t cnt = 0;
		while (z->lines[cnt] != NULL)
			cnt++;
		z->rrs = od_mm_calloc(&zone_arena.mm, cnt * sizeof(od_rr_t));
		z->n = 0;
		for (size_t k = 0; k < cnt; k++)
			load_line(z, z->lines[k]);
		assert_true(od_name_from_str(z->apex, z->origin,
		                             strlen(z->origin), NULL) > 0);
	}
}

/* What the fake network saw. */
typedef struct {
	char addr[64];
	char qname[OD_NAME_STRLEN];
	uint16_t qtype;
	bool tcp, edns, answered, do_bit;
	uint16_t udp;
} sent_t;

static sent_t sent[256];
static size_t nsent;
static bool spoof; /* deliver forged answers before each real one */

static void addr_str(const struct sockaddr_storage *ss, char *out, size_t len)
{
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		          out, (socklen_t)len);
	else
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)ss)->sin6_addr, out,
		          (socklen_t)len);
}

static fake_zone_t *find_zone(const char *addr, const uint8_t *qname)
{
	fake_zone_t *best = NULL;
	for (size_t i = 0; i < NSERVERS; i++) {
		fake_zone_t *z = &servers[i];
		if (strcmp(z->addr, addr) != 0 || !od_name_in(qname, z->apex))
			continue;
		if (best == NULL ||
		    od_name_labels(z->apex) > od_name_labels(best->apex))
			best = z;
	}
	return best;
}

/* Write every record of z with this owner and type to section. */
static size_t put_set(od_pkt_w_t *b, od_section_t sec, const fake_zone_t *z,
                      const uint8_t *owner, uint16_t type)
{
	od_rr_t set[16];
	size_t n = 0;
	for (size_t i = 0; i < z->n && n < 16; i++)
		if (z->rrs[i].type == type &&
		    od_name_equal(z->rrs[i].owner, owner))
			set[n++] = z->rrs[i];
	if (n > 0)
		assert_int_equal(od_pkt_w_rrset(b, sec, set, n), 0);
	return n;
}

static bool has_owner(const fake_zone_t *z, const uint8_t *name, bool below)
{
	for (size_t i = 0; i < z->n; i++)
		if (below ? od_name_in(z->rrs[i].owner, name)
		          : od_name_equal(z->rrs[i].owner, name))
			return true;
	return false;
}

/* A minimal authoritative server. \return the answer length, 0 for none. */
static size_t respond(const char *addr, const od_pkt_t *q, bool tcp,
                      uint8_t *out, size_t cap)
{
	const od_question_t *qd = od_pkt_question(q);
	fake_zone_t *z = find_zone(addr, qd->qname);
	od_hdr_t h = { .id = q->hdr.id, .qr = true, .opcode = OD_OPCODE_QUERY };
	od_pkt_w_t b;
	od_edns_t e;
	uint16_t rcode = OD_RCODE_NOERROR;
	if (z != NULL && (z->flags & F_DEAD))
		return 0;
	if (z != NULL && (z->flags & F_FORMERR_EDNS) && q->opt != NULL) {
		h.rcode = OD_RCODE_FORMERR;
		assert_int_equal(od_pkt_w_init(&b, out, cap, &h), 0);
		int n = od_pkt_w_finish(&b);
		return n > 0 ? (size_t)n : 0;
	}
	if (z == NULL ||
	    ((z->flags & F_REFUSE_ENT) && !has_owner(z, qd->qname, false)))
		rcode = OD_RCODE_REFUSED;
	assert_int_equal(od_pkt_w_init(&b, out, cap, &h), 0);
	if (q->opt != NULL) {
		od_edns_init(&e, 1232);
		assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	}
	assert_int_equal(
	        od_pkt_w_question(&b, qd->qname, qd->qtype, qd->qclass), 0);
	if (rcode != OD_RCODE_NOERROR)
		goto done;
	if ((z->flags & F_TC) && !tcp) {
		od_pkt_w_set_tc(&b);
		goto done;
	}
	/* A delegation above or at the name? */
	for (size_t i = 0; i < z->n; i++) {
		const od_rr_t *rr = &z->rrs[i];
		if (rr->type != OD_TYPE_NS ||
		    od_name_equal(rr->owner, z->apex) ||
		    !od_name_in(qd->qname, rr->owner))
			continue;
		put_set(&b, OD_AUTHORITY, z, rr->owner, OD_TYPE_NS);
		for (size_t k = 0; k < z->n; k++) {
			const od_rr_t *ns = &z->rrs[k];
			if (ns->type != OD_TYPE_NS ||
			    !od_name_equal(ns->owner, rr->owner))
				continue;
			put_set(&b, OD_ADDITIONAL, z, ns->rdata, OD_TYPE_A);
		}
		goto done;
	}
	b.w.buf[2] |= 0x04; /* AA, set again by finish from the header */
	h.aa = true;
	od_hdr_pack(&h, b.w.buf);
	const uint8_t *cur = qd->qname;
	size_t answers = 0;
	for (int step = 0; step < 8 && od_name_in(cur, z->apex); step++) {
		/* A DNAME above the name: the DNAME only (resolvers
		 * synthesize the CNAME themselves). */
		bool dname = false;
		for (size_t i = 0; i < z->n && !dname; i++)
			if (z->rrs[i].type == OD_TYPE_DNAME &&
			    od_name_below(cur, z->rrs[i].owner)) {
				answers += put_set(&b, OD_ANSWER, z,
				                   z->rrs[i].owner,
				                   OD_TYPE_DNAME);
				dname = true;
			}
		if (dname)
			break;
		size_t n = put_set(&b, OD_ANSWER, z, cur, qd->qtype);
		answers += n;
		if (n > 0)
			break;
		const uint8_t *next = NULL;
		for (size_t i = 0; i < z->n; i++)
			if (z->rrs[i].type == OD_TYPE_CNAME &&
			    od_name_equal(z->rrs[i].owner, cur))
				next = z->rrs[i].rdata;
		if (next == NULL)
			break;
		answers += put_set(&b, OD_ANSWER, z, cur, OD_TYPE_CNAME);
		cur = next;
	}
	if (answers == 0) {
		if (!has_owner(z, qd->qname, true))
			rcode = OD_RCODE_NXDOMAIN;
		put_set(&b, OD_AUTHORITY, z, z->apex, OD_TYPE_SOA);
	}
done:
	od_pkt_w_rcode(&b, rcode);
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* The environment of one test. */
typedef struct {
	odr_conf_t conf;
	odr_hints_t hints;
	odr_hint_t hint;
	odr_env_t env;
	uint64_t seed;
} world_t;

static uint32_t rnd(void *ctx)
{
	uint64_t *s = ctx;
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static world_t *W;

static int setup(void **state)
{
	world_t *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	const char *root = "a.root-servers.net.";
	assert_true(od_name_from_str(w->hint.name, root, strlen(root), NULL) >
	            0);
	struct sockaddr_in *sin = (void *)&w->hint.addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(53);
	inet_pton(AF_INET, "198.41.0.4", &sin->sin_addr);
	w->hint.addrlen = sizeof(*sin);
	w->hints.v = &w->hint;
	w->hints.n = 1;
	w->env.conf = &w->conf;
	w->env.hints = &w->hints;
	w->env.cache = odr_cache_new(NULL);
	w->env.infra = odr_infra_new(NULL);
	assert_non_null(w->env.cache);
	assert_non_null(w->env.infra);
	w->seed = 42;
	w->env.random = rnd;
	w->env.random_ctx = &w->seed;
	nsent = 0;
	spoof = false;
	W = w;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world_t *w = *state;
	odr_cache_free(w->env.cache);
	odr_infra_free(w->env.infra);
	free(w);
	return 0;
}

typedef struct {
	od_arena_t arena;
	od_pkt_t pkt;
	odr_req_info_t info;
	int state_begin;
} result_t;

static const uint64_t T0 = 5000000;

static size_t make_query(uint8_t *buf, size_t cap, const char *name,
                         uint16_t type, uint16_t qclass, uint8_t opcode,
                         bool edns)
{
	uint8_t qn[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(qn, name, strlen(name), NULL) > 0);
	od_hdr_t h = { .id = 0x4242, .rd = true, .opcode = opcode };
	od_pkt_w_t b;
	od_edns_t e;
	assert_int_equal(od_pkt_w_init(&b, buf, cap, &h), 0);
	if (edns) {
		od_edns_init(&e, 4096);
		assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	}
	assert_int_equal(od_pkt_w_question(&b, qn, type, qclass), 0);
	int n = od_pkt_w_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* Resolve over the fake network; the answer is parsed into res. */
static void run_wire(world_t *w, const uint8_t *q, size_t qlen, result_t *res)
{
	odr_req_t *r = odr_req_new(&w->env);
	assert_non_null(r);
	uint64_t now = T0;
	odr_state_t st = odr_req_begin(r, q, qlen, now);
	res->state_begin = st;
	int guard = 0;
	while (st == ODR_PRODUCE) {
		assert_true(++guard < 500);
		odr_send_t s;
		now += 3;
		st = odr_req_produce(r, now, &s);
		if (st != ODR_PRODUCE)
			break;
		assert_true(s.len > 0);
		assert_true(s.timeout_ms > 0);
		od_pkt_t qp;
		assert_int_equal(od_pkt_parse(&qp, s.wire, s.len, NULL, 0), 0);
		assert_int_equal(qp.hdr.rd, 0);
		sent_t *e = &sent[nsent++];
		assert_true(nsent < 256);
		memset(e, 0, sizeof(*e));
		addr_str(&s.addr, e->addr, sizeof(e->addr));
		od_name_to_str(e->qname, sizeof(e->qname),
		               od_pkt_question(&qp)->qname);
		e->qtype = od_pkt_question(&qp)->qtype;
		e->tcp = s.tcp;
		e->edns = qp.opt != NULL;
		if (e->edns) {
			e->udp = qp.edns.udp_size;
			e->do_bit = od_edns_do(&qp.edns);
		}
		uint8_t ans[4096];
		size_t alen = respond(e->addr, &qp, s.tcp, ans,
		                      s.tcp ? sizeof(ans) : 1232);
		od_pkt_free(&qp);
		now += 7;
		if (getenv("ODR_TEST_DEBUG") != NULL)
			fprintf(stderr, "# %s %s/%u tcp=%d edns=%d -> %zu\n",
			        e->addr, e->qname, e->qtype, e->tcp, e->edns,
			        alen);
		if (alen == 0) {
			st = odr_req_consume(r, NULL, 0, NULL,
			                     now + s.timeout_ms);
			now += s.timeout_ms;
			continue;
		}
		e->answered = true;
		if (spoof) {
			/* Wrong ID, then the right ID from the wrong port. */
			uint8_t forged[4096];
			memcpy(forged, ans, alen);
			forged[1] ^= 0x5a;
			assert_int_equal(odr_req_consume(r, forged, alen,
			                                 (const void *)&s.addr,
			                                 now),
			                 ODR_CONSUME);
			/* Right ID, another question; a flood of them costs
			   the request no memory (checked before parsing). */
			memcpy(forged, ans, alen);
			forged[OD_HDR_LEN + 1] ^= 0x01;
			size_t used = r->arena.used;
			for (int k = 0; k < 1000; k++)
				assert_int_equal(
				        odr_req_consume(r, forged, alen,
				                        (const void *)&s.addr,
				                        now),
				        ODR_CONSUME);
			assert_int_equal(r->arena.used, used);
			/* Over UDP, more than the size we offered is no
			   answer of ours. */
			if (!s.tcp && alen + 1300 <= sizeof(forged)) {
				memcpy(forged, ans, alen);
				memset(forged + alen, 0, 1300);
				assert_int_equal(
				        odr_req_consume(r, forged, alen + 1300,
				                        (const void *)&s.addr,
				                        now),
				        ODR_CONSUME);
			}
			struct sockaddr_storage other = s.addr;
			((struct sockaddr_in *)&other)->sin_port = htons(5353);
			assert_int_equal(odr_req_consume(r, ans, alen,
			                                 (const void *)&other,
			                                 now),
			                 ODR_CONSUME);
		}
		st = odr_req_consume(r, ans, alen, (const void *)&s.addr, now);
		assert_true(st == ODR_PRODUCE || st == ODR_DONE);
	}
	assert_int_equal(st, ODR_DONE);
	uint8_t out[65535];
	int n = odr_req_finish(r, out, sizeof(out), false);
	assert_true(n > 0);
	odr_req_info(r, &res->info);
	if (getenv("ODR_TEST_DEBUG") != NULL)
		fprintf(stderr, "# rcode %u fail %s\n", res->info.rcode,
		        res->info.fail ? res->info.fail : "-");
	odr_req_free(r);
	od_arena_init(&res->arena, 0);
	assert_int_equal(
	        od_pkt_parse(&res->pkt, out, (size_t)n, &res->arena.mm, 0), 0);
	assert_int_equal(res->pkt.hdr.id, 0x4242);
	assert_true(res->pkt.hdr.qr);
	assert_true(res->pkt.hdr.ra);
	assert_true(res->pkt.hdr.rd);
	assert_false(res->pkt.hdr.aa);
}

static void run(world_t *w, const char *name, uint16_t type, result_t *res)
{
	uint8_t q[512];
	size_t len = make_query(q, sizeof(q), name, type, OD_CLASS_IN,
	                        OD_OPCODE_QUERY, true);
	run_wire(w, q, len, res);
}

static void done(result_t *res)
{
	od_arena_deinit(&res->arena);
}

/* The answer section holds a record of type whose text form is want. */
static bool has_rr(const result_t *res, od_section_t sec, const char *want)
{
	for (uint16_t i = 0; i < res->pkt.count[sec]; i++) {
		char buf[1024];
		od_rr_t rr = res->pkt.rr[sec][i];
		rr.ttl = 0;
		assert_true(od_rr_to_str(&rr, buf, sizeof(buf)) > 0);
		if (strcmp(buf, want) == 0)
			return true;
	}
	return false;
}

static bool saw(const char *addr, const char *qname, uint16_t qtype)
{
	for (size_t i = 0; i < nsent; i++)
		if ((addr == NULL || strcmp(sent[i].addr, addr) == 0) &&
		    strcmp(sent[i].qname, qname) == 0 && sent[i].qtype == qtype)
			return true;
	return false;
}

static bool saw_addr(const char *addr)
{
	for (size_t i = 0; i < nsent; i++)
		if (strcmp(sent[i].addr, addr) == 0)
			return true;
	return false;
}

static void test_walk_then_cache(void **state)
{
	world_t *w = *state;
	result_t res;
	spoof = true;
	run(w, "www.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 1);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.example.com.\t0\tIN\tA\t192.0.2.80"));
	assert_non_null(res.pkt.opt); /* the client sent EDNS */
	assert_int_equal(res.pkt.edns.udp_size, 1232);
	/* root referral -> com referral -> authoritative answer */
	assert_int_equal(nsent, 3);
	assert_string_equal(sent[0].addr, "198.41.0.4");
	assert_string_equal(sent[1].addr, "192.0.2.10");
	assert_string_equal(sent[2].addr, "192.0.2.20");
	assert_int_equal(res.info.upstream, 3);
	assert_false(res.info.cached);
	assert_true(sent[0].edns);
	assert_int_equal(sent[0].udp, 1232);
	assert_false(sent[0].do_bit);
	done(&res);

	/* Again: from the cache, no upstream. */
	nsent = 0;
	run(w, "www.example.com.", OD_TYPE_A, &res);
	assert_int_equal(nsent, 0);
	assert_int_equal(res.info.upstream, 0);
	assert_true(res.info.cached);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.example.com.\t0\tIN\tA\t192.0.2.80"));
	done(&res);

	/* A sibling name starts from the cached example.com. cut. */
	nsent = 0;
	run(w, "alias.example.com.", OD_TYPE_A, &res);
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0].addr, "192.0.2.20");
	done(&res);
}

/* One TTL per RRset, the lowest (RFC 2181 §5.2); a TTL with the top bit
   set counts as zero (RFC 2181 §8). */
static void test_answer_ttls(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "ttl.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.count[OD_ANSWER], 2);
	assert_int_equal(res.pkt.rr[OD_ANSWER][0].ttl, 100);
	assert_int_equal(res.pkt.rr[OD_ANSWER][1].ttl, 100);
	done(&res);
	run(w, "big.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.count[OD_ANSWER], 1);
	assert_int_equal(res.pkt.rr[OD_ANSWER][0].ttl, 0);
	done(&res);
}

static void test_qname_minimisation_order(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "deep.ent.example.com.", OD_TYPE_A, &res);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "deep.ent.example.com.\t0\tIN\tA\t192.0.2.88"));
	assert_int_equal(nsent, 4);
	assert_string_equal(sent[0].qname, "com.");
	assert_int_equal(sent[0].qtype, OD_TYPE_A);
	assert_string_equal(sent[1].qname, "example.com.");
	assert_int_equal(sent[1].qtype, OD_TYPE_A);
	assert_string_equal(sent[2].qname, "ent.example.com.");
	assert_int_equal(sent[2].qtype, OD_TYPE_A);
	assert_string_equal(sent[3].qname, "deep.ent.example.com.");
	assert_int_equal(sent[3].qtype, OD_TYPE_A);
	done(&res);

	/* NXDOMAIN for a minimised name is checked with the full name at
	   the same server (broken servers say NXDOMAIN for empty
	   non-terminals; RFC 9156 §2.3), which settles it; the cached
	   NXDOMAIN then answers names below it (RFC 8020). */
	nsent = 0;
	run(w, "a.b.nx.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(nsent, 2);
	assert_string_equal(sent[0].qname, "nx.example.com.");
	assert_string_equal(sent[1].qname, "a.b.nx.example.com.");
	assert_int_equal(res.pkt.count[OD_AUTHORITY], 1);
	done(&res);
	nsent = 0;
	run(w, "c.a.b.nx.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(nsent, 0);
	done(&res);

	/* Full names when minimisation is off. */
	nsent = 0;
	w->conf.no_qname_min = true;
	run(w, "www.provider.net.", OD_TYPE_AAAA, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 0);
	assert_true(nsent >= 3);
	for (size_t i = 0; i < nsent; i++) {
		assert_string_equal(sent[i].qname, "www.provider.net.");
		assert_int_equal(sent[i].qtype, OD_TYPE_AAAA);
	}
	done(&res);
}

static void test_qname_min_refused_fallback(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.a.b.strict.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.a.b.strict.com.\t0\tIN\tA\t192.0.2.87"));
	assert_int_equal(nsent, 4);
	assert_string_equal(sent[0].qname, "com.");
	assert_string_equal(sent[1].qname, "strict.com.");
	assert_string_equal(sent[2].qname, "b.strict.com.");
	assert_string_equal(sent[2].addr, "192.0.2.42"); /* REFUSED */
	assert_string_equal(sent[3].qname, "www.a.b.strict.com.");
	assert_string_equal(sent[3].addr, "192.0.2.42");
	done(&res);
}

static void test_nxdomain_negative_cache(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "nx.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(res.pkt.count[OD_ANSWER], 0);
	assert_int_equal(res.pkt.count[OD_AUTHORITY], 1);
	assert_int_equal(res.pkt.rr[OD_AUTHORITY][0].type, OD_TYPE_SOA);
	/* TTL = min(SOA TTL 3600, MINIMUM 300) */
	assert_true(res.pkt.rr[OD_AUTHORITY][0].ttl <= 300);
	done(&res);

	nsent = 0;
	run(w, "nx.example.com.", OD_TYPE_A, &res);
	assert_int_equal(nsent, 0);
	assert_true(res.info.cached);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(res.pkt.count[OD_AUTHORITY], 1);
	done(&res);

	/* RFC 8020: nothing below a name that does not exist. */
	nsent = 0;
	run(w, "below.nx.example.com.", OD_TYPE_AAAA, &res);
	assert_int_equal(nsent, 0);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	done(&res);

	/* NODATA too. */
	nsent = 0;
	run(w, "www.example.com.", OD_TYPE_TXT, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 0);
	assert_int_equal(res.pkt.count[OD_AUTHORITY], 1);
	size_t before = nsent;
	assert_true(before > 0);
	done(&res);
	run(w, "www.example.com.", OD_TYPE_TXT, &res);
	assert_int_equal(nsent, before);
	assert_int_equal(res.pkt.count[OD_AUTHORITY], 1);
	done(&res);
}

static void test_cname_in_zone(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "alias.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 2);
	assert_int_equal(res.pkt.rr[OD_ANSWER][0].type, OD_TYPE_CNAME);
	assert_true(
	        has_rr(&res, OD_ANSWER,
	               "alias.example.com.\t0\tIN\tCNAME\twww.example.com."));
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.example.com.\t0\tIN\tA\t192.0.2.80"));
	size_t n = nsent;
	done(&res);
	/* Cached chain. */
	run(w, "alias.example.com.", OD_TYPE_A, &res);
	assert_int_equal(nsent, n);
	assert_int_equal(res.pkt.count[OD_ANSWER], 2);
	assert_int_equal(res.pkt.rr[OD_ANSWER][0].type, OD_TYPE_CNAME);
	done(&res);
}

static void test_cname_across_zones(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "ext.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 2);
	assert_true(
	        has_rr(&res, OD_ANSWER,
	               "ext.example.com.\t0\tIN\tCNAME\twww.provider.net."));
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.provider.net.\t0\tIN\tA\t192.0.2.81"));
	assert_true(saw("192.0.2.50", "www.provider.net.", OD_TYPE_A));
	done(&res);
}

static void test_dname(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.dn.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_int_equal(res.pkt.count[OD_ANSWER], 3);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "dn.example.com.\t0\tIN\tDNAME\tprovider.net."));
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.dn.example.com.\t0\tIN\tCNAME"
	                   "\twww.provider.net."));
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.provider.net.\t0\tIN\tA\t192.0.2.81"));
	done(&res);
}

static void test_cname_loop(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "loop1.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_SERVFAIL);
	assert_non_null(res.info.fail);
	assert_true(res.info.upstream <= 4);
	done(&res);
}

static void test_time_limit(void **state)
{
	world_t *w = *state;
	result_t res;
	struct sockaddr_in ns2 = { .sin_family = AF_INET,
		                   .sin_port = htons(53) };
	inet_pton(AF_INET, "192.0.2.31", &ns2.sin_addr);
	odr_infra_report(w->env.infra, (const struct sockaddr *)&ns2,
	                 ODR_TIMEOUT, 0, T0);
	w->conf.max_time_ms = 100;
	run(w, "www.dead.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_SERVFAIL);
	assert_string_equal(res.info.fail, "time limit exceeded");
	assert_string_equal(sent[nsent - 1].addr, "192.0.2.30");
	done(&res);
}

static void test_glue_out_of_bailiwick(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.evil.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_true(
	        has_rr(&res, OD_ANSWER, "www.evil.com.\t0\tIN\tA\t192.0.2.83"));
	assert_false(saw_addr("203.0.113.66"));
	/* The NS name was resolved by a sub-request. */
	assert_true(saw("192.0.2.51", "ns.evil.net.", OD_TYPE_A));
	assert_true(saw("192.0.2.51", "www.evil.com.", OD_TYPE_A));
	done(&res);
}

static void test_ns_without_glue(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.noglue.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.noglue.com.\t0\tIN\tA\t192.0.2.82"));
	assert_true(saw("192.0.2.50", "ns.provider.net.", OD_TYPE_A));
	assert_true(saw("192.0.2.50", "www.noglue.com.", OD_TYPE_A));
	/* The client's answer holds its question only. */
	assert_int_equal(res.pkt.count[OD_ANSWER], 1);
	done(&res);
}

static void test_ns_resolve_limit(void **state)
{
	world_t *w = *state;
	result_t res;
	/* NXNS: a delegation to NS names that do not exist. Only
	 * max_ns_resolve of them are looked up. */
	w->conf.max_ns_resolve = 1;
	run(w, "www.nxns.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_SERVFAIL);
	assert_non_null(res.info.fail);
	assert_true(saw("192.0.2.50", "p1.provider.net.", OD_TYPE_A));
	assert_false(saw("192.0.2.50", "p2.provider.net.", OD_TYPE_A));
	assert_false(saw("192.0.2.50", "p3.provider.net.", OD_TYPE_A));
	done(&res);

	/* With the default limit (4) all three are tried. */
	odr_cache_flush(w->env.cache, (const uint8_t *)"", true);
	nsent = 0;
	w->conf.max_ns_resolve = 0;
	run(w, "www.nxns.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_SERVFAIL);
	assert_true(saw("192.0.2.50", "p1.provider.net.", OD_TYPE_A));
	assert_true(saw("192.0.2.50", "p2.provider.net.", OD_TYPE_A));
	assert_true(saw("192.0.2.50", "p3.provider.net.", OD_TYPE_A));
	done(&res);
}

static void test_timeout_then_other_server(void **state)
{
	world_t *w = *state;
	result_t res;
	/* ns2 in backoff: ns1 (dead) is tried first, then ns2. */
	struct sockaddr_in ns2 = { .sin_family = AF_INET,
		                   .sin_port = htons(53) };
	inet_pton(AF_INET, "192.0.2.31", &ns2.sin_addr);
	odr_infra_report(w->env.infra, (const struct sockaddr *)&ns2,
	                 ODR_TIMEOUT, 0, T0);
	run(w, "www.dead.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NOERROR);
	assert_true(
	        has_rr(&res, OD_ANSWER, "www.dead.com.\t0\tIN\tA\t192.0.2.84"));
	assert_true(res.info.timeouts >= 1);
	size_t i30 = nsent, i31 = nsent;
	for (size_t i = 0; i < nsent; i++) {
		if (strcmp(sent[i].addr, "192.0.2.30") == 0 && i30 == nsent)
			i30 = i;
		if (strcmp(sent[i].addr, "192.0.2.31") == 0)
			i31 = i;
	}
	assert_true(i30 < i31);
	assert_false(sent[i30].answered);
	assert_true(sent[i31].answered);
	struct sockaddr_in ns1 = ns2;
	inet_pton(AF_INET, "192.0.2.30", &ns1.sin_addr);
	odr_infra_info_t info;
	odr_infra_get(w->env.infra, (const struct sockaddr *)&ns1, T0 + 1,
	              &info);
	assert_true(info.timeouts >= 1);
	done(&res);
}

/* Put an A RRset (one record) for name at cache time t with ttl. */
static void put_a(odr_cache_t *c, const char *name, const uint8_t ip[4],
                  uint32_t ttl, uint8_t sec, uint64_t t)
{
	uint8_t owner[OD_NAME_MAXLEN];
	assert_true(od_name_from_str(owner, name, strlen(name), NULL) > 0);
	od_rr_t rr = { .owner = owner,
		       .rdata = ip,
		       .ttl = ttl,
		       .type = OD_TYPE_A,
		       .rclass = OD_CLASS_IN,
		       .rdlen = 4 };
	odr_rrset_t set = { .owner = owner,
		            .type = OD_TYPE_A,
		            .rclass = OD_CLASS_IN,
		            .ttl = ttl,
		            .rank = ODR_RANK_ANSWER_AA,
		            .sec = sec,
		            .count = 1,
		            .rrs = &rr };
	assert_int_equal(odr_cache_put(c, &set, t), 0);
}

/* Serve-stale at the client timer (odr_req_stale): the stale answer
   while the request runs on, untouched; nothing for a request that has
   settled, for refreshes (nocache), or from data that failed
   validation. */
static void test_stale_at_client_timer(void **state)
{
	world_t *w = *state;
	odr_cache_free(w->env.cache);
	odr_cache_conf_t cc = { .stale_window = 600 };
	w->env.cache = odr_cache_new(&cc);
	assert_non_null(w->env.cache);
	uint64_t now_s = T0 / 1000;
	static const uint8_t old[4] = { 192, 0, 2, 99 };
	/* expired 100 s ago, within the window */
	put_a(w->env.cache, "www.example.com.", old, 10, ODR_SEC_UNCHECKED,
	      now_s - 110);
	put_a(w->env.cache, "bad.example.com.", old, 10, ODR_SEC_BOGUS,
	      now_s - 110);
	put_a(w->env.cache, "live.example.com.", old, 3600, ODR_SEC_UNCHECKED,
	      now_s);

	uint8_t q[512], out[4096];
	size_t qlen = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                         OD_CLASS_IN, OD_OPCODE_QUERY, true);
	odr_req_t *r = odr_req_new(&w->env);
	assert_non_null(r);
	assert_int_equal(odr_req_begin(r, q, qlen, T0), ODR_PRODUCE);
	int n = odr_req_stale(r, T0 + 1800, out, sizeof(out), false);
	assert_true(n > 0);
	od_arena_t a;
	od_arena_init(&a, 0);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, out, (size_t)n, &a.mm, 0), 0);
	assert_int_equal(p.hdr.id, 0x4242);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_false(p.hdr.ad);
	assert_int_equal(p.count[OD_ANSWER], 1);
	assert_int_equal(p.rr[OD_ANSWER][0].ttl, ODR_STALE_TTL);
	assert_memory_equal(p.rr[OD_ANSWER][0].rdata, old, 4);
	const od_edns_opt_t *o = od_edns_find(&p.edns, OD_EDNS_EDE);
	assert_non_null(o);
	od_edns_ede_t ede;
	assert_int_equal(od_edns_ede_parse(o, &ede), 0);
	assert_int_equal(ede.code, OD_EDE_STALE);
	od_arena_deinit(&a);
	/* the request goes on: its query is still to be sent */
	odr_send_t snd;
	assert_int_equal(odr_req_produce(r, T0 + 1800, &snd), ODR_PRODUCE);
	odr_req_info_t info;
	odr_req_info(r, &info);
	assert_false(info.stale);
	odr_req_free(r);

	/* settled from the live cache: no stale answer */
	qlen = make_query(q, sizeof(q), "live.example.com.", OD_TYPE_A,
	                  OD_CLASS_IN, OD_OPCODE_QUERY, true);
	r = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r, q, qlen, T0), ODR_DONE);
	assert_int_equal(odr_req_stale(r, T0 + 1800, out, sizeof(out), false),
	                 0);
	odr_req_free(r);

	/* data that failed validation is never served stale */
	qlen = make_query(q, sizeof(q), "bad.example.com.", OD_TYPE_A,
	                  OD_CLASS_IN, OD_OPCODE_QUERY, true);
	r = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r, q, qlen, T0), ODR_PRODUCE);
	assert_int_equal(odr_req_stale(r, T0 + 1800, out, sizeof(out), false),
	                 0);
	odr_req_free(r);

	/* the resolver's own refreshes never take stale data */
	qlen = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                  OD_CLASS_IN, OD_OPCODE_QUERY, true);
	r = odr_req_new(&w->env);
	odr_req_nocache(r);
	assert_int_equal(odr_req_begin(r, q, qlen, T0), ODR_PRODUCE);
	assert_int_equal(odr_req_stale(r, T0 + 1800, out, sizeof(out), false),
	                 0);
	odr_req_free(r);

	/* past the window: nothing */
	qlen = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                  OD_CLASS_IN, OD_OPCODE_QUERY, true);
	r = odr_req_new(&w->env);
	uint64_t late = T0 + 600 * 1000;
	assert_int_equal(odr_req_begin(r, q, qlen, late), ODR_PRODUCE);
	assert_int_equal(odr_req_stale(r, late + 1800, out, sizeof(out), false),
	                 0);
	odr_req_free(r);
}

static void test_tc_then_tcp(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.tc.com.", OD_TYPE_A, &res);
	assert_true(
	        has_rr(&res, OD_ANSWER, "www.tc.com.\t0\tIN\tA\t192.0.2.85"));
	assert_true(nsent >= 2);
	assert_string_equal(sent[nsent - 2].addr, "192.0.2.40");
	assert_false(sent[nsent - 2].tcp);
	assert_string_equal(sent[nsent - 1].addr, "192.0.2.40");
	assert_true(sent[nsent - 1].tcp);
	assert_string_equal(sent[nsent - 1].qname, sent[nsent - 2].qname);
	done(&res);
}

static void test_formerr_edns_fallback(void **state)
{
	world_t *w = *state;
	result_t res;
	run(w, "www.old.com.", OD_TYPE_A, &res);
	assert_true(
	        has_rr(&res, OD_ANSWER, "www.old.com.\t0\tIN\tA\t192.0.2.86"));
	assert_string_equal(sent[nsent - 2].addr, "192.0.2.41");
	assert_true(sent[nsent - 2].edns);
	assert_string_equal(sent[nsent - 1].addr, "192.0.2.41");
	assert_false(sent[nsent - 1].edns);
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_port = htons(53) };
	inet_pton(AF_INET, "192.0.2.41", &sa.sin_addr);
	assert_true(odr_infra_edns_broken(
	        w->env.infra, (const struct sockaddr *)&sa, T0 + 100));
	done(&res);

	/* The next query to it goes without EDNS straight away. */
	nsent = 0;
	run(w, "other.old.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_NXDOMAIN);
	assert_int_equal(nsent, 1);
	assert_false(sent[0].edns);
	done(&res);
}

static void test_max_upstream(void **state)
{
	world_t *w = *state;
	result_t res;
	w->conf.max_upstream = 2;
	run(w, "www.example.com.", OD_TYPE_A, &res);
	assert_int_equal(res.pkt.rcode, OD_RCODE_SERVFAIL);
	assert_int_equal(res.pkt.count[OD_ANSWER], 0);
	assert_int_equal(nsent, 2);
	assert_non_null(res.info.fail);
	assert_string_equal(res.info.fail, "too many upstream queries");
	/* The reason goes to the client as an Extended DNS Error. */
	assert_non_null(od_edns_find(&res.pkt.edns, OD_EDNS_EDE));
	done(&res);
}

static void test_0x20(void **state)
{
	world_t *w = *state;
	result_t res;
	w->conf.use_0x20 = true;
	w->conf.no_qname_min = true;
	run(w, "www.example.com.", OD_TYPE_A, &res);
	assert_true(has_rr(&res, OD_ANSWER,
	                   "www.example.com.\t0\tIN\tA\t192.0.2.80"));
	/* Some letter was sent in upper case (random case). */
	bool upper = false;
	for (size_t i = 0; i < nsent; i++)
		for (const char *p = sent[i].qname; *p; p++)
			upper |= (*p >= 'A' && *p <= 'Z');
	assert_true(upper);
	done(&res);
}

static void test_client_errors(void **state)
{
	world_t *w = *state;
	uint8_t q[512], out[512];
	struct {
		uint16_t qclass;
		uint8_t opcode;
		uint16_t rcode;
	} cases[] = {
		{ 3 /* CH */, OD_OPCODE_QUERY, OD_RCODE_REFUSED },
		{ OD_CLASS_IN, OD_OPCODE_STATUS, OD_RCODE_NOTIMP },
	};
	for (size_t i = 0; i < 2; i++) {
		size_t len = make_query(q, sizeof(q), "www.example.com.",
		                        OD_TYPE_A, cases[i].qclass,
		                        cases[i].opcode, false);
		odr_req_t *r = odr_req_new(&w->env);
		assert_int_equal(odr_req_begin(r, q, len, T0), ODR_DONE);
		int n = odr_req_finish(r, out, sizeof(out), false);
		assert_true(n > OD_HDR_LEN);
		od_pkt_t p;
		assert_int_equal(od_pkt_parse(&p, out, (size_t)n, NULL, 0), 0);
		assert_int_equal(p.rcode, cases[i].rcode);
		assert_int_equal(p.hdr.id, 0x4242);
		od_pkt_free(&p);
		odr_req_free(r);
	}
	/* No RD: REFUSED at once, nothing asked upstream (no snooping). */
	size_t len = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                        OD_CLASS_IN, OD_OPCODE_QUERY, false);
	q[2] &= (uint8_t)~0x01;
	odr_req_t *r0 = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r0, q, len, T0), ODR_DONE);
	int n0 = odr_req_finish(r0, out, sizeof(out), false);
	assert_true(n0 > OD_HDR_LEN);
	od_hdr_t h0;
	od_hdr_unpack(&h0, out);
	assert_int_equal(h0.rcode, OD_RCODE_REFUSED);
	assert_false(h0.rd);
	odr_req_free(r0);
	/* Two questions: FORMERR. */
	len = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                 OD_CLASS_IN, OD_OPCODE_QUERY, false);
	q[5] = 2;
	odr_req_t *r = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r, q, len, T0), ODR_DONE);
	int n = odr_req_finish(r, out, sizeof(out), false);
	assert_true(n >= OD_HDR_LEN);
	od_hdr_t h;
	od_hdr_unpack(&h, out);
	assert_int_equal(h.rcode, OD_RCODE_FORMERR);
	odr_req_free(r);
	/* A response is never answered. */
	len = make_query(q, sizeof(q), "www.example.com.", OD_TYPE_A,
	                 OD_CLASS_IN, OD_OPCODE_QUERY, false);
	q[2] |= 0x80;
	r = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r, q, len, T0), ODR_DONE);
	assert_int_equal(odr_req_finish(r, out, sizeof(out), false), 0);
	odr_req_free(r);
	assert_int_equal(nsent, 0);
}

static void test_truncated_client_answer(void **state)
{
	world_t *w = *state;
	/* A big RRset put in the cache directly, asked for over UDP
	 * without EDNS: it does not fit in 512 bytes. */
	uint8_t owner[OD_NAME_MAXLEN];
	od_name_from_str(owner, "big.example.com.", 16, NULL);
	od_rr_t rrs[40];
	uint8_t rd[40][200];
	for (int i = 0; i < 40; i++) {
		rd[i][0] = 199;
		memset(rd[i] + 1, 'a' + i % 26, 199);
		rd[i][1] = (uint8_t)i;
		rrs[i] = (od_rr_t){ .owner = owner,
			            .rdata = rd[i],
			            .rdlen = 200,
			            .ttl = 300,
			            .type = OD_TYPE_TXT,
			            .rclass = OD_CLASS_IN };
	}
	odr_rrset_t set = { .owner = owner,
		            .type = OD_TYPE_TXT,
		            .rclass = OD_CLASS_IN,
		            .ttl = 300,
		            .rank = ODR_RANK_ANSWER_AA,
		            .count = 40,
		            .rrs = rrs };
	assert_int_equal(odr_cache_put(w->env.cache, &set, T0 / 1000), 0);
	uint8_t q[512], out[65535];
	size_t len = make_query(q, sizeof(q), "big.example.com.", OD_TYPE_TXT,
	                        OD_CLASS_IN, OD_OPCODE_QUERY, false);
	odr_req_t *r = odr_req_new(&w->env);
	assert_int_equal(odr_req_begin(r, q, len, T0), ODR_DONE);
	int n = odr_req_finish(r, out, sizeof(out), false);
	assert_true(n > 0 && n <= 512);
	od_pkt_t p;
	assert_int_equal(od_pkt_parse(&p, out, (size_t)n, NULL, 0), 0);
	assert_true(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 0);
	od_pkt_free(&p);
	/* Over TCP it all fits. */
	n = odr_req_finish(r, out, sizeof(out), true);
	assert_true(n > 8000);
	assert_int_equal(od_pkt_parse(&p, out, (size_t)n, NULL, 0), 0);
	assert_false(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 40);
	od_pkt_free(&p);
	odr_req_free(r);
}

int main(void)
{
	load_zones();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_then_cache, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_qname_minimisation_order,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_qname_min_refused_fallback,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_ttls, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_negative_cache,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_in_zone, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_cname_across_zones, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_dname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_loop, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_time_limit, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_glue_out_of_bailiwick,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_ns_without_glue, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_ns_resolve_limit, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_timeout_then_other_server,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_tc_then_tcp, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_formerr_edns_fallback,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_upstream, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_0x20, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_at_client_timer,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_errors, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_truncated_client_answer,
		                                setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	od_arena_deinit(&zone_arena);
	return rc;
}
