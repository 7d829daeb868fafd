/* SPDX-License-Identifier: MIT */
/*
 * The answer engine (src/auth/answer.c) over zones loaded from text:
 * positive answers, CNAME chains, DNAME, referrals with glue, empty
 * non-terminals, RFC 4592's wildcard examples, negative answers, EDNS,
 * error responses, truncation, ANY, and DNSSEC: zones signed here with
 * the library (NSEC and NSEC3) whose proofs are checked with the
 * library's validator-side proof checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/answer.h"
#include "auth/zonedb.h"
#include "lib/dnssec/key.h"
#include "lib/dnssec/nsec.h"
#include "lib/dnssec/rrsig.h"
#include "lib/edns.h"
#include "lib/error.h"
#include "lib/name.h"
#include "lib/pkt.h"
#include "lib/rrtype.h"
#include "lib/zone/zone.h"

static const uint8_t *N(const char *s)
{
	static uint8_t buf[16][OD_NAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ & 15];
	int r = od_name_from_str(b, s, strlen(s), NULL);
	assert_true(r > 0);
	return b;
}

static od_zone_t *load_text(const char *text, const char *origin)
{
	od_zload_opts_t o = { .origin = N(origin) };
	od_zone_t *z = NULL;
	int r = od_zone_load_mem(&z, text, strlen(text), "test", &o);
	if (r)
		fprintf(stderr, "load: %s\n", od_strerror(r));
	assert_int_equal(r, 0);
	return z;
}

static void db_add(od_authdb_t *db, od_zone_t *z)
{
	od_authzone_t *az = NULL;
	assert_int_equal(od_authzone_new(&az, z), 0);
	assert_int_equal(od_authdb_add(db, az), 0);
	od_authzone_unref(az);
}

/* ---- signing a zone with the library ---- */

typedef struct rec {
	uint8_t owner[OD_NAME_MAXLEN];
	uint16_t type, rdlen;
	uint32_t ttl;
	uint8_t *rdata;
} rec_t;

typedef struct recs {
	rec_t *v;
	size_t n, cap;
} recs_t;

static void recs_add(recs_t *r, const uint8_t *owner, uint16_t type,
                     uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 32;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	rec_t *e = &r->v[r->n++];
	od_name_copy(e->owner, owner);
	e->type = type;
	e->ttl = ttl;
	e->rdlen = (uint16_t)rdlen;
	e->rdata = malloc(rdlen + 1);
	assert_non_null(e->rdata);
	memcpy(e->rdata, rdata, rdlen);
}

static void recs_free(recs_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].rdata);
	free(r->v);
	*r = (recs_t){ 0 };
}

/* A new finalized zone: src's records plus extra. */
static od_zone_t *zone_plus(od_zone_t *src, const recs_t *extra)
{
	od_zone_t *z = od_zone_new(src->origin, src->rclass);
	assert_non_null(z);
	for (size_t i = 0; i < src->nnodes; i++) {
		const od_znode_t *n = src->nodes[i];
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			for (size_t k = 0; k < set->count; k++)
				assert_int_equal(od_zone_add(z, n->owner,
				                             set->type,
				                             set->rclass,
				                             set->rrs[k]->ttl,
				                             set->rrs[k]->data,
				                             set->rrs[k]->len),
				                 0);
		}
	}
	for (size_t i = 0; i < extra->n; i++)
		assert_int_equal(od_zone_add(z, extra->v[i].owner,
		                             extra->v[i].type, src->rclass,
		                             extra->v[i].ttl, extra->v[i].rdata,
		                             extra->v[i].rdlen),
		                 0);
	assert_int_equal(od_zone_finalize(z), 0);
	od_zone_free(src);
	return z;
}

static bool in_chain(const od_znode_t *n)
{
	return !(n->flags & (OD_ZN_GLUE | OD_ZN_OCCLUDED | OD_ZN_BELOW_CUT));
}

static od_privkey_t test_key;
static bool have_key;
static const uint8_t n3salt[] = { 0xab, 0xcd };

/*
 * Sign a zone: DNSKEY (and NSEC3PARAM), the NSEC or NSEC3 chain, then an
 * RRSIG over every authoritative RRset (at delegations only DS and NSEC).
 */
static od_zone_t *sign_zone(od_zone_t *z, bool nsec3)
{
	if (!have_key) {
		assert_int_equal(od_key_generate(&test_key,
		                                 OD_ALG_ECDSAP256SHA256, 257,
		                                 0),
		                 0);
		have_key = true;
	}
	recs_t extra = { 0 };
	recs_add(&extra, z->origin, OD_TYPE_DNSKEY, 3600, test_key.rdata,
	         test_key.rdlen);
	od_nsec3_params_t p = { .alg = 1,
		                .iterations = 1,
		                .salt_len = sizeof(n3salt),
		                .salt = n3salt };
	if (nsec3) {
		uint8_t rd[] = { 1, 0, 0, 1, 2, 0xab, 0xcd };
		recs_add(&extra, z->origin, OD_TYPE_NSEC3PARAM, 0, rd,
		         sizeof(rd));
	}
	z = zone_plus(z, &extra);
	recs_free(&extra);

	od_denial_node_t *dn = calloc(z->nnodes, sizeof(*dn));
	uint16_t *types = calloc(z->nnodes * 16 + 1, sizeof(*types));
	assert_non_null(dn);
	assert_non_null(types);
	size_t nn = 0;
	uint16_t *t = types;
	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		if (!in_chain(n))
			continue;
		bool deleg = (n->flags & OD_ZN_DELEG) != 0;
		dn[nn].name = n->owner;
		dn[nn].types = t;
		for (size_t s = 0; s < n->nsets; s++) {
			uint16_t ty = n->sets[s].type;
			if (deleg && ty != OD_TYPE_NS && ty != OD_TYPE_DS)
				continue;
			*t++ = ty;
			dn[nn].ntypes++;
		}
		nn++;
	}
	od_denial_rec_t *dr = NULL;
	size_t ndr = nn;
	if (nsec3)
		assert_int_equal(od_nsec3_chain(NULL, dn, nn, z->origin, &p,
		                                false, &dr, &ndr),
		                 0);
	else
		assert_int_equal(od_nsec_chain(NULL, dn, nn, &dr), 0);
	for (size_t i = 0; i < ndr; i++)
		recs_add(&extra, dr[i].owner,
		         nsec3 ? OD_TYPE_NSEC3 : OD_TYPE_NSEC, 300, dr[i].rdata,
		         dr[i].rdlen);
	od_denial_recs_free(NULL, dr, ndr);
	free(dn);
	free(types);
	z = zone_plus(z, &extra);
	recs_free(&extra);

	for (size_t i = 0; i < z->nnodes; i++) {
		const od_znode_t *n = z->nodes[i];
		if (!in_chain(n))
			continue;
		for (size_t s = 0; s < n->nsets; s++) {
			const od_zrrset_t *set = &n->sets[s];
			if ((n->flags & OD_ZN_DELEG) &&
			    set->type != OD_TYPE_DS &&
			    set->type != OD_TYPE_NSEC)
				continue;
			od_rrsig_rd_t rds[32];
			assert_true(set->count <= 32);
			for (size_t k = 0; k < set->count; k++)
				rds[k] = (od_rrsig_rd_t){ set->rrs[k]->data,
					                  set->rrs[k]->len };
			od_rrsig_rrset_t rs = { .owner = n->owner,
				                .type = set->type,
				                .rclass = set->rclass,
				                .count = set->count,
				                .rrs = rds };
			uint8_t sig[600];
			int len = od_rrsig_sign(&rs, &test_key, z->origin,
			                        1000000000u, 2000000000u,
			                        set->ttl, NULL, sig,
			                        sizeof(sig));
			assert_true(len > 0);
			recs_add(&extra, n->owner, OD_TYPE_RRSIG, set->ttl, sig,
			         (size_t)len);
		}
	}
	z = zone_plus(z, &extra);
	recs_free(&extra);
	return z;
}

/* ---- zones ---- */

static const char unsigned_zone[] =
        "$TTL 3600\n"
        "@ SOA ns1 hostmaster 1 3600 900 604800 300\n"
        "@ NS ns1\n"
        "@ NS ns.other.test.\n"
        "ns1 A 192.0.2.1\n"
        "www A 192.0.2.10\n"
        "www AAAA 2001:db8::10\n"
        "alias CNAME www\n"
        "c1 CNAME c2\n"
        "c2 CNAME www\n"
        "ext CNAME www.other.test.\n"
        "nxd CNAME nothere\n"
        "loop1 CNAME loop2\n"
        "loop2 CNAME loop1\n"
        "sub NS ns.sub\n"
        "sub NS ns.other.test.\n"
        "sub NS ns1\n"
        "ns.sub A 192.0.2.53\n"
        "ns.sub AAAA 2001:db8::53\n"
        "secret.sub TXT \"occluded\"\n"
        "dn 600 DNAME target\n"
        "x.target A 192.0.2.20\n"
        "a.b.ent A 192.0.2.30\n"
        "big TXT \"" /* ~600 octets: does not fit 512 */
        "0123456789012345678901234567890123456789012345678901234567890"
        "12345678901234567890123456789012345678901234567890123456789\" "
        "\"0123456789012345678901234567890123456789012345678901234567890"
        "12345678901234567890123456789012345678901234567890123456789\" "
        "\"0123456789012345678901234567890123456789012345678901234567890"
        "12345678901234567890123456789012345678901234567890123456789\" "
        "\"0123456789012345678901234567890123456789012345678901234567890"
        "12345678901234567890123456789012345678901234567890123456789\" "
        "\"0123456789012345678901234567890123456789012345678901234567890"
        "12345678901234567890123456789012345678901234567890123456789\"\n";

/* RFC 4592 §2.2.1 */
static const char rfc4592_zone[] =
        "example. 3600 IN SOA ns.example.com. h.example.com. 1 2 3 4 "
        "300\n"
        "example. 3600 NS ns.example.com.\n"
        "example. 3600 NS ns.example.net.\n"
        "*.example. 3600 TXT \"this is a wildcard\"\n"
        "*.example. 3600 MX 10 host1.example.\n"
        "sub.*.example. 3600 TXT \"this is not a wildcard\"\n"
        "host1.example. 3600 A 192.0.2.1\n"
        "_ssh._tcp.host1.example. 3600 SRV 0 0 22 host1.example.\n"
        "_ssh._tcp.host2.example. 3600 SRV 0 0 22 host2.example.\n"
        "subdel.example. 3600 NS ns.example.com.\n"
        "subdel.example. 3600 NS ns.example.net.\n";

static const char signed_zone[] =
        "$TTL 3600\n"
        "@ SOA ns hostmaster 1 3600 900 604800 300\n"
        "@ NS ns\n"
        "ns A 192.0.2.1\n"
        "www A 192.0.2.2\n"
        "www TXT \"hello\"\n"
        "*.wild TXT \"wild\"\n"
        "a.b.ent A 192.0.2.3\n"
        "secure NS ns.secure\n"
        "secure DS 12345 13 2 "
        "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
        "\n"
        "ns.secure A 192.0.2.5\n"
        "insecure NS ns.insecure\n"
        "ns.insecure A 192.0.2.6\n";

static od_authdb_t *db_plain, *db_4592, *db_signed;

static int setup(void **state)
{
	db_plain = od_authdb_new();
	db_add(db_plain, load_text(unsigned_zone, "example.com."));
	db_4592 = od_authdb_new();
	db_add(db_4592, load_text(rfc4592_zone, "example."));
	db_signed = od_authdb_new();
	db_add(db_signed,
	       sign_zone(load_text(signed_zone, "nsec.test."), false));
	db_add(db_signed,
	       sign_zone(load_text(signed_zone, "nsec3.test."), true));
	return 0;
}

static int teardown(void **state)
{
	od_authdb_free(db_plain);
	od_authdb_free(db_4592);
	od_authdb_free(db_signed);
	od_privkey_free(&test_key);
	return 0;
}

/* ---- queries and responses ---- */

typedef struct qopt {
	bool edns;
	bool dnssec_ok;
	uint16_t udp; /* EDNS payload size */
	uint8_t version;
	uint16_t qclass;
	uint8_t opcode;
	bool tcp;
	uint16_t udp_max;
} qopt_t;

static size_t make_query(uint8_t *buf, const char *name, uint16_t type,
                         const qopt_t *o)
{
	od_hdr_t h = { .id = 0x1234, .rd = true, .opcode = o->opcode };
	od_pkt_w_t b;
	assert_int_equal(od_pkt_w_init(&b, buf, 512, &h), 0);
	od_edns_t e;
	if (o->edns) {
		od_edns_init(&e, o->udp ? o->udp : 1232);
		e.version = o->version;
		if (o->dnssec_ok)
			e.flags = OD_EDNS_DO;
		assert_int_equal(od_pkt_w_edns(&b, &e), 0);
	}
	assert_int_equal(od_pkt_w_question(&b, N(name), type,
	                                   o->qclass ? o->qclass : 1),
	                 0);
	int len = od_pkt_w_finish(&b);
	assert_true(len > 0);
	return (size_t)len;
}

static od_arena_t arena, parena;
static uint8_t resp[65536 + 64];
static od_auth_info_t info;

#define CANARY 0xa5

/* Run a query (wire q) and parse the answer into p. */
static int run(const od_authdb_t *db, const uint8_t *q, size_t qlen,
               const qopt_t *o, size_t cap, od_pkt_t *p)
{
	od_auth_opts_t opts = { .udp_max = o->udp_max ? o->udp_max : 1232,
		                .tcp = o->tcp };
	memset(resp, CANARY, sizeof(resp));
	od_arena_reset(&arena);
	int len = od_auth_answer(db, q, qlen, &opts, resp, cap, &arena, &info);
	assert_true(len >= 0 && (size_t)len <= cap);
	for (size_t i = cap; i < sizeof(resp); i++)
		assert_int_equal(resp[i], CANARY);
	if (len > 0 && p) {
		od_arena_reset(&parena);
		assert_int_equal(
		        od_pkt_parse(p, resp, (size_t)len, &parena.mm, 0), 0);
		assert_int_equal(p->hdr.id, 0x1234);
		assert_true(p->hdr.qr);
	}
	return len;
}

static int ask(const od_authdb_t *db, const char *name, uint16_t type,
               const qopt_t *o, od_pkt_t *p)
{
	static const qopt_t none = { 0 };
	if (o == NULL)
		o = &none;
	uint8_t q[512];
	size_t qlen = make_query(q, name, type, o);
	return run(db, q, qlen, o, sizeof(resp) - 64, p);
}

/* "owner TYPE" of each record of a section (OPT left out), ';'-joined. */
static const char *section(const od_pkt_t *p, od_section_t s)
{
	static char out[4096];
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < p->count[s]; i++) {
		const od_rr_t *rr = &p->rr[s][i];
		if (rr == p->opt)
			continue;
		char name[OD_NAME_STRLEN], type[16];
		od_name_to_str(name, sizeof(name), rr->owner);
		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		od_rrtype_to_str(rr->type, type, sizeof(type));
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s %s",
		                      k ? ";" : "", name, type);
	}
	return out;
}

static size_t nrecs(const od_pkt_t *p, od_section_t s)
{
	return p->count[s] - (s == OD_ADDITIONAL && p->opt ? 1 : 0);
}

/* ---- unsigned zone ---- */

static void test_positive(void **state)
{
	od_pkt_t p;
	ask(db_plain, "www.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_true(p.hdr.rd);
	assert_false(p.hdr.tc);
	assert_string_equal(section(&p, OD_ANSWER), "www.example.com. A");
	assert_int_equal(p.count[OD_AUTHORITY], 0);
	assert_int_equal(p.count[OD_ADDITIONAL], 0);
	assert_null(p.opt);
	assert_int_equal(info.kind, OD_AK_ANSWER);
	assert_non_null(info.zone);
	assert_int_equal(info.qtype, OD_TYPE_A);
	/* Question echoed with the query's case. */
	ask(db_plain, "WwW.Example.COM.", OD_TYPE_AAAA, NULL, &p);
	assert_int_equal(p.count[OD_QUESTION], 1);
	assert_memory_equal(p.qd[0].qname, N("WwW.Example.COM."), 17);
	assert_string_equal(section(&p, OD_ANSWER), "www.example.com. AAAA");
}

static void test_refused(void **state)
{
	od_pkt_t p;
	ask(db_plain, "www.other.test.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_REFUSED);
	assert_false(p.hdr.aa);
	assert_int_equal(p.count[OD_QUESTION], 1);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(info.kind, OD_AK_REFUSED);
	qopt_t ch = { .qclass = OD_CLASS_CH };
	ask(db_plain, "version.bind.", OD_TYPE_TXT, &ch, &p);
	assert_int_equal(p.rcode, OD_RCODE_REFUSED);
	ask(db_plain, "www.example.com.", OD_TYPE_A, &ch, &p);
	assert_int_equal(p.rcode, OD_RCODE_REFUSED);
}

static void test_cname(void **state)
{
	od_pkt_t p;
	ask(db_plain, "alias.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "alias.example.com. CNAME;www.example.com. A");
	ask(db_plain, "c1.example.com.", OD_TYPE_A, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "c1.example.com. CNAME;c2.example.com. "
	                    "CNAME;www.example.com. A");
	/* The CNAME itself when asked for. */
	ask(db_plain, "c1.example.com.", OD_TYPE_CNAME, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER), "c1.example.com. CNAME");
	/* Out of the zone: not followed. */
	ask(db_plain, "ext.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_string_equal(section(&p, OD_ANSWER), "ext.example.com. CNAME");
	assert_int_equal(p.count[OD_AUTHORITY], 0);
	/* To a name that does not exist: NXDOMAIN with the CNAME. */
	ask(db_plain, "nxd.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER), "nxd.example.com. CNAME");
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
	assert_int_equal(info.kind, OD_AK_NXDOMAIN);
	/* To a name without the type: NODATA after the CNAME. */
	ask(db_plain, "alias.example.com.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_string_equal(section(&p, OD_ANSWER), "alias.example.com. CNAME");
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
	/* A loop ends. */
	ask(db_plain, "loop1.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.count[OD_ANSWER] >= 2 && p.count[OD_ANSWER] <= 17);
}

static void test_dname(void **state)
{
	od_pkt_t p;
	ask(db_plain, "x.dn.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "dn.example.com. DNAME;x.dn.example.com. "
	                    "CNAME;x.target.example.com. A");
	const od_rr_t *cn = &p.rr[OD_ANSWER][1];
	assert_int_equal(cn->ttl, 600);
	assert_true(od_name_equal(cn->rdata, N("x.target.example.com.")));
	/* A name that does not exist after substitution. */
	ask(db_plain, "y.dn.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "dn.example.com. DNAME;y.dn.example.com. CNAME");
	/* The DNAME owner itself is not redirected. */
	ask(db_plain, "dn.example.com.", OD_TYPE_DNAME, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER), "dn.example.com. DNAME");
	ask(db_plain, "dn.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
}

static void test_referral(void **state)
{
	od_pkt_t p;
	ask(db_plain, "host.sub.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_false(p.hdr.aa);
	assert_false(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_string_equal(section(&p, OD_AUTHORITY),
	                    "sub.example.com. NS;sub.example.com. "
	                    "NS;sub.example.com. NS");
	/* In-domain glue first, then the in-zone sibling address. */
	assert_string_equal(section(&p, OD_ADDITIONAL),
	                    "ns.sub.example.com. A;ns.sub.example.com. "
	                    "AAAA;ns1.example.com. A");
	assert_int_equal(info.kind, OD_AK_REFERRAL);
	/* The cut itself, and occluded data below it. */
	ask(db_plain, "sub.example.com.", OD_TYPE_NS, NULL, &p);
	assert_false(p.hdr.aa);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(p.count[OD_AUTHORITY], 3);
	ask(db_plain, "secret.sub.example.com.", OD_TYPE_TXT, NULL, &p);
	assert_false(p.hdr.aa);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(p.count[OD_AUTHORITY], 3);
	/* DS at the cut: the parent answers (no DS here: NODATA). */
	ask(db_plain, "sub.example.com.", OD_TYPE_DS, NULL, &p);
	assert_true(p.hdr.aa);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
}

static void test_glue_truncation(void **state)
{
	od_pkt_t p;
	qopt_t tcp = { .tcp = true };
	int full = ask(db_plain, "host.sub.example.com.", OD_TYPE_A, &tcp, &p);
	assert_true(full > 0);
	uint8_t q[512];
	/* One octet short: the optional sibling address goes, no TC. */
	qopt_t o = { .udp_max = (uint16_t)(full - 1) };
	size_t qlen = make_query(q, "host.sub.example.com.", OD_TYPE_A, &o);
	run(db_plain, q, qlen, &o, sizeof(resp) - 64, &p);
	assert_false(p.hdr.tc);
	assert_string_equal(section(&p, OD_ADDITIONAL),
	                    "ns.sub.example.com. A;ns.sub.example.com. AAAA");
	/* Required glue that does not fit: TC (RFC 9471). */
	o.udp_max = (uint16_t)(full - 16 - 1);
	run(db_plain, q, qlen, &o, sizeof(resp) - 64, &p);
	assert_true(p.hdr.tc);
	assert_true(info.truncated);
	assert_int_equal(p.count[OD_AUTHORITY], 3);
	assert_string_equal(section(&p, OD_ADDITIONAL),
	                    "ns.sub.example.com. A");
}

static void test_truncation(void **state)
{
	od_pkt_t p;
	int len = ask(db_plain, "big.example.com.", OD_TYPE_TXT, NULL, &p);
	assert_true(len <= 512);
	assert_true(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(p.count[OD_QUESTION], 1);
	/* EDNS raises the limit. */
	qopt_t e = { .edns = true, .udp = 1232 };
	len = ask(db_plain, "big.example.com.", OD_TYPE_TXT, &e, &p);
	assert_true(len > 512);
	assert_false(p.hdr.tc);
	assert_int_equal(p.count[OD_ANSWER], 1);
	/* An EDNS size below 512 counts as 512; over udp_max, udp_max. */
	e.udp = 100;
	len = ask(db_plain, "big.example.com.", OD_TYPE_TXT, &e, &p);
	assert_true(p.hdr.tc);
	assert_true(len <= 512);
	e.udp = 4096;
	e.udp_max = 600;
	len = ask(db_plain, "big.example.com.", OD_TYPE_TXT, &e, &p);
	assert_true(p.hdr.tc);
	assert_true(len <= 600);
	/* The caller's buffer bounds everything. */
	qopt_t t = { .tcp = true };
	uint8_t q[512];
	size_t qlen = make_query(q, "big.example.com.", OD_TYPE_TXT, &t);
	for (size_t cap = 0; cap < 700; cap += 7)
		run(db_plain, q, qlen, &t, cap, NULL);
}

static void test_negative(void **state)
{
	od_pkt_t p;
	ask(db_plain, "nothere.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
	assert_int_equal(p.rr[OD_AUTHORITY][0].ttl, 300);
	assert_int_equal(info.kind, OD_AK_NXDOMAIN);
	/* NODATA */
	ask(db_plain, "www.example.com.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_string_equal(section(&p, OD_AUTHORITY), "example.com. SOA");
	assert_int_equal(info.kind, OD_AK_NODATA);
	/* Empty non-terminals exist. */
	ask(db_plain, "b.ent.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
	ask(db_plain, "ent.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	ask(db_plain, "c.b.ent.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	ask(db_plain, "a.b.ent.example.com.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.count[OD_ANSWER], 1);
}

static void test_any(void **state)
{
	od_pkt_t p;
	/* Unsigned zone over UDP: RFC 8482 §4.2 HINFO. */
	ask(db_plain, "www.example.com.", OD_TYPE_ANY, NULL, &p);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER), "www.example.com. HINFO");
	assert_int_equal(p.rr[OD_ANSWER][0].rdlen, 9);
	assert_memory_equal(p.rr[OD_ANSWER][0].rdata, "\7RFC8482\0", 9);
	/* TCP: everything at the name. */
	qopt_t tcp = { .tcp = true };
	ask(db_plain, "www.example.com.", OD_TYPE_ANY, &tcp, &p);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "www.example.com. A;www.example.com. AAAA");
	/* A name that does not exist. */
	ask(db_plain, "nothere.example.com.", OD_TYPE_ANY, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	/* Signed zone over UDP: one RRset, with its RRSIG under DO. */
	qopt_t d = { .edns = true, .dnssec_ok = true };
	ask(db_signed, "www.nsec.test.", OD_TYPE_ANY, &d, &p);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "www.nsec.test. A;www.nsec.test. RRSIG");
	ask(db_signed, "www.nsec.test.", OD_TYPE_ANY, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER), "www.nsec.test. A");
}

/* ---- RFC 4592 §2.2.1 ---- */

static void test_rfc4592(void **state)
{
	od_pkt_t p;
	ask(db_4592, "host3.example.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER), "host3.example. MX");
	assert_int_equal(p.count[OD_AUTHORITY], 0);

	ask(db_4592, "host3.example.", OD_TYPE_A, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_string_equal(section(&p, OD_AUTHORITY), "example. SOA");

	ask(db_4592, "foo.bar.example.", OD_TYPE_TXT, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_string_equal(section(&p, OD_ANSWER), "foo.bar.example. TXT");

	ask(db_4592, "host1.example.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);

	ask(db_4592, "sub.*.example.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);

	ask(db_4592, "_telnet._tcp.host1.example.", OD_TYPE_SRV, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);

	ask(db_4592, "host.subdel.example.", OD_TYPE_A, NULL, &p);
	assert_false(p.hdr.aa);
	assert_string_equal(section(&p, OD_AUTHORITY),
	                    "subdel.example. NS;subdel.example. NS");

	ask(db_4592, "ghost.*.example.", OD_TYPE_MX, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);

	/* The wildcard owner itself, and an ENT that blocks it. */
	ask(db_4592, "*.example.", OD_TYPE_TXT, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER), "*.example. TXT");
	ask(db_4592, "_tcp.host2.example.", OD_TYPE_TXT, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
}

/* ---- EDNS and errors ---- */

static void test_edns(void **state)
{
	od_pkt_t p;
	qopt_t e = { .edns = true, .udp = 4096, .dnssec_ok = true };
	ask(db_plain, "www.example.com.", OD_TYPE_A, &e, &p);
	assert_non_null(p.opt);
	assert_int_equal(p.edns.udp_size, 1232);
	assert_int_equal(p.edns.version, 0);
	assert_true(od_edns_do(&p.edns));
	assert_true(info.do_bit);
	/* DO on an unsigned zone: no DNSSEC records appear. */
	assert_string_equal(section(&p, OD_ANSWER), "www.example.com. A");
	e.dnssec_ok = false;
	ask(db_plain, "www.example.com.", OD_TYPE_A, &e, &p);
	assert_non_null(p.opt);
	assert_false(od_edns_do(&p.edns));
	/* BADVERS */
	e.version = 1;
	ask(db_plain, "www.example.com.", OD_TYPE_A, &e, &p);
	assert_non_null(p.opt);
	assert_int_equal(p.rcode, OD_RCODE_BADVERS);
	assert_int_equal(p.edns.version, 0);
	assert_int_equal(p.count[OD_ANSWER], 0);
	assert_int_equal(info.kind, OD_AK_ERROR);
}

static void test_errors(void **state)
{
	od_pkt_t p;
	uint8_t q[600];
	qopt_t o = { 0 };
	size_t qlen = make_query(q, "www.example.com.", OD_TYPE_A, &o);

	/* Responses and short messages are dropped. */
	q[2] |= 0x80;
	assert_int_equal(run(db_plain, q, qlen, &o, 4096, NULL), 0);
	assert_int_equal(info.kind, OD_AK_DROP);
	q[2] &= 0x7f;
	assert_int_equal(run(db_plain, q, 11, &o, 4096, NULL), 0);
	assert_int_equal(info.kind, OD_AK_DROP);

	/* QDCOUNT 0 and 2. */
	q[5] = 0;
	run(db_plain, q, 12, &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);
	memcpy(q + qlen, q + 12, qlen - 12);
	q[5] = 2;
	run(db_plain, q, qlen + (qlen - 12), &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);
	assert_int_equal(info.kind, OD_AK_ERROR);

	/* A record in the answer section of a QUERY. */
	qlen = make_query(q, "www.example.com.", OD_TYPE_A, &o);
	static const uint8_t rr[] = { 0, 0, 1, 0, 1, 0, 0, 0,
		                      1, 0, 4, 1, 2, 3, 4 };
	memcpy(q + qlen, rr, sizeof(rr));
	q[7] = 1;
	run(db_plain, q, qlen + sizeof(rr), &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);
	assert_int_equal(p.count[OD_QUESTION], 1);

	/* Two OPT records. */
	qlen = make_query(q, "www.example.com.", OD_TYPE_A, &o);
	static const uint8_t opt[] = { 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(q + qlen, opt, sizeof(opt));
	memcpy(q + qlen + sizeof(opt), opt, sizeof(opt));
	q[11] = 2;
	run(db_plain, q, qlen + 2 * sizeof(opt), &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);
	assert_null(p.opt);
	assert_int_equal(p.count[OD_QUESTION], 1);
	/* An OPT whose option overruns its RDATA. */
	static const uint8_t badopt[] = { 0, 0, 41, 4, 0,  0, 0, 0,
		                          0, 0, 4,  0, 10, 0, 9 };
	memcpy(q + qlen, badopt, sizeof(badopt));
	q[11] = 1;
	run(db_plain, q, qlen + sizeof(badopt), &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);

	/* Opcodes. */
	o.opcode = OD_OPCODE_STATUS;
	qlen = make_query(q, "www.example.com.", OD_TYPE_A, &o);
	run(db_plain, q, qlen, &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOTIMP);
	assert_int_equal(p.hdr.opcode, OD_OPCODE_STATUS);
	o.opcode = OD_OPCODE_UPDATE;
	qlen = make_query(q, "example.com.", OD_TYPE_SOA, &o);
	run(db_plain, q, qlen, &o, 4096, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOTIMP);
	o.opcode = OD_OPCODE_NOTIFY;
	qlen = make_query(q, "example.com.", OD_TYPE_SOA, &o);
	assert_int_equal(run(db_plain, q, qlen, &o, 4096, NULL), 0);
	assert_int_equal(info.kind, OD_AK_NOTIFY);
	o.opcode = 0;

	/* Meta types. */
	ask(db_plain, "www.example.com.", 253, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOTIMP);
	ask(db_plain, "www.example.com.", OD_TYPE_OPT, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOTIMP);

	/* Transfers: TCP hands on, UDP AXFR is FORMERR, UDP IXFR the SOA. */
	qopt_t tcp = { .tcp = true };
	assert_int_equal(
	        ask(db_plain, "example.com.", OD_TYPE_AXFR, &tcp, NULL), 0);
	assert_int_equal(info.kind, OD_AK_XFR);
	assert_non_null(info.zone);
	assert_int_equal(
	        ask(db_plain, "example.com.", OD_TYPE_IXFR, &tcp, NULL), 0);
	assert_int_equal(info.kind, OD_AK_XFR);
	ask(db_plain, "example.com.", OD_TYPE_AXFR, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_FORMERR);
	ask(db_plain, "example.com.", OD_TYPE_IXFR, NULL, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER), "example.com. SOA");
}

/* ---- DNSSEC ---- */

static od_rr_t *sec_rrs(const od_pkt_t *p, od_section_t s, size_t *n)
{
	*n = p->count[s];
	return p->rr[s];
}

static void check_rrsigs_valid(const od_pkt_t *p, od_section_t s,
                               const uint8_t *zone)
{
	od_dnskey_t key;
	assert_int_equal(od_privkey_dnskey(&test_key, &key, NULL), 0);
	od_rrsig_keyset_t ks = { .owner = zone, .keys = &key, .count = 1 };
	size_t n;
	const od_rr_t *rrs = sec_rrs(p, s, &n);
	size_t checked = 0;
	for (size_t i = 0; i < n; i++) {
		const od_rr_t *sig = &rrs[i];
		if (sig->type != OD_TYPE_RRSIG)
			continue;
		uint16_t cov = od_get_u16(sig->rdata);
		od_rrsig_rd_t rds[16];
		size_t k = 0;
		for (size_t j = 0; j < n; j++)
			if (rrs[j].type == cov &&
			    od_name_equal(rrs[j].owner, sig->owner))
				rds[k++] = (od_rrsig_rd_t){ rrs[j].rdata,
					                    rrs[j].rdlen };
		od_rrsig_rrset_t set = { .owner = sig->owner,
			                 .type = cov,
			                 .rclass = 1,
			                 .count = k,
			                 .rrs = rds };
		od_rrsig_rd_t one = { sig->rdata, sig->rdlen };
		od_rrsig_limits_t lim = { .budget = 10 };
		assert_int_equal(od_rrsig_verify_set(&set, &one, 1, &ks,
		                                     1500000000u, &lim, NULL,
		                                     NULL),
		                 OD_RRSIG_VALID);
		checked++;
	}
	assert_true(checked > 0);
	od_dnskey_free(&key);
}

static void test_dnssec_positive(void **state)
{
	od_pkt_t p;
	qopt_t d = { .edns = true, .dnssec_ok = true };
	ask(db_signed, "www.nsec.test.", OD_TYPE_A, &d, &p);
	assert_true(p.hdr.aa);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "www.nsec.test. A;www.nsec.test. RRSIG");
	assert_int_equal(p.count[OD_AUTHORITY], 0);
	check_rrsigs_valid(&p, OD_ANSWER, N("nsec.test."));
	/* Without DO: no RRSIG. */
	ask(db_signed, "www.nsec.test.", OD_TYPE_A, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER), "www.nsec.test. A");
	d.edns = true;
	d.dnssec_ok = false;
	ask(db_signed, "www.nsec.test.", OD_TYPE_A, &d, &p);
	assert_string_equal(section(&p, OD_ANSWER), "www.nsec.test. A");
	/* RRSIG query: the signatures at the name. */
	ask(db_signed, "www.nsec.test.", OD_TYPE_RRSIG, NULL, &p);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "www.nsec.test. RRSIG;www.nsec.test. "
	                    "RRSIG;www.nsec.test. RRSIG");
	/* DNSKEY at the apex, signed. */
	d.dnssec_ok = true;
	ask(db_signed, "nsec3.test.", OD_TYPE_DNSKEY, &d, &p);
	assert_string_equal(section(&p, OD_ANSWER),
	                    "nsec3.test. DNSKEY;nsec3.test. RRSIG");
	check_rrsigs_valid(&p, OD_ANSWER, N("nsec3.test."));
}

static void check_denial(const od_pkt_t *p, bool nsec3, int kind,
                         const char *qname, uint16_t qtype)
{
	size_t n;
	const od_rr_t *rrs = sec_rrs(p, OD_AUTHORITY, &n);
	const uint8_t *zone = N(nsec3 ? "nsec3.test." : "nsec.test.");
	const uint8_t *q = N(qname);
	od_denial_t res = { 0 };
	od_nsec3_set_t s = {
		.rrs = rrs, .count = n, .zone = zone, .max_iterations = 150
	};
	int r = -1;
	switch (kind) {
	case 0: /* NXDOMAIN */
		r = nsec3 ? od_nsec3_nxdomain(&s, q, &res)
		          : od_nsec_nxdomain(rrs, n, q, zone, &res);
		break;
	case 1: /* NODATA */
		r = nsec3 ? od_nsec3_nodata(&s, q, qtype, &res)
		          : od_nsec_nodata(rrs, n, q, qtype, zone, &res);
		break;
	case 2: /* wildcard NODATA */
		r = nsec3 ? od_nsec3_wildcard_nodata(&s, q, qtype, &res)
		          : od_nsec_wildcard_nodata(rrs, n, q, qtype, zone,
		                                    &res);
		break;
	case 3: /* wildcard answer, source of synthesis one label up */
		r = nsec3 ? od_nsec3_wildcard_answer(
		                    &s, q, od_name_labels(q) - 1, &res)
		          : od_nsec_wildcard_answer(rrs, n, q,
		                                    od_name_labels(q) - 1, zone,
		                                    &res);
		break;
	case 4: /* insecure delegation */
		r = nsec3 ? od_nsec3_insecure_delegation(&s, q, &res)
		          : od_nsec_insecure_delegation(rrs, n, q, zone, &res);
		break;
	}
	assert_int_equal(r, 0);
	if (res.verdict != OD_DENIAL_PROVEN)
		fprintf(stderr, "%s %s: %s\n", qname, nsec3 ? "nsec3" : "nsec",
		        res.reason);
	assert_int_equal(res.verdict, OD_DENIAL_PROVEN);
	check_rrsigs_valid(p, OD_AUTHORITY, zone);
}

static void dnssec_negative(bool nsec3)
{
	const char *z = nsec3 ? "nsec3.test." : "nsec.test.";
	char name[256];
	od_pkt_t p;
	qopt_t d = { .edns = true, .dnssec_ok = true };

	snprintf(name, sizeof(name), "nothere.%s", z);
	ask(db_signed, name, OD_TYPE_A, &d, &p);
	assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
	assert_true(p.hdr.aa);
	assert_int_equal(p.rr[OD_AUTHORITY][0].type, OD_TYPE_SOA);
	assert_int_equal(p.rr[OD_AUTHORITY][0].ttl, 300);
	assert_int_equal(p.rr[OD_AUTHORITY][1].type, OD_TYPE_RRSIG);
	check_denial(&p, nsec3, 0, name, OD_TYPE_A);
	/* Without DO: the SOA only. */
	ask(db_signed, name, OD_TYPE_A, NULL, &p);
	assert_int_equal(p.count[OD_AUTHORITY], 1);

	snprintf(name, sizeof(name), "www.%s", z);
	ask(db_signed, name, OD_TYPE_MX, &d, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
	check_denial(&p, nsec3, 1, name, OD_TYPE_MX);

	/* Empty non-terminal. */
	snprintf(name, sizeof(name), "b.ent.%s", z);
	ask(db_signed, name, OD_TYPE_A, &d, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
	check_denial(&p, nsec3, 1, name, OD_TYPE_A);

	/* Wildcard answer and wildcard NODATA. */
	snprintf(name, sizeof(name), "x.wild.%s", z);
	ask(db_signed, name, OD_TYPE_TXT, &d, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_true(p.hdr.aa);
	assert_int_equal(nrecs(&p, OD_ANSWER), 2);
	assert_true(od_name_equal(p.rr[OD_ANSWER][0].owner, N(name)));
	assert_int_equal(p.rr[OD_ANSWER][1].type, OD_TYPE_RRSIG);
	/* The labels field tells the validator it is an expansion. */
	assert_int_equal(p.rr[OD_ANSWER][1].rdata[3], nsec3 ? 3 : 3);
	check_denial(&p, nsec3, 3, name, OD_TYPE_TXT);
	ask(db_signed, name, OD_TYPE_A, &d, &p);
	assert_int_equal(p.rcode, OD_RCODE_NOERROR);
	assert_int_equal(p.count[OD_ANSWER], 0);
	check_denial(&p, nsec3, 2, name, OD_TYPE_A);

	/* Referrals: secure (DS) and insecure (proof of no DS). */
	snprintf(name, sizeof(name), "host.secure.%s", z);
	ask(db_signed, name, OD_TYPE_A, &d, &p);
	assert_false(p.hdr.aa);
	snprintf(name, sizeof(name),
	         "secure.%s NS;secure.%s DS;secure.%s "
	         "RRSIG",
	         z, z, z);
	assert_string_equal(section(&p, OD_AUTHORITY), name);
	snprintf(name, sizeof(name), "ns.secure.%s A", z);
	assert_string_equal(section(&p, OD_ADDITIONAL), name);
	check_rrsigs_valid(&p, OD_AUTHORITY, N(z));

	snprintf(name, sizeof(name), "host.insecure.%s", z);
	ask(db_signed, name, OD_TYPE_A, &d, &p);
	assert_false(p.hdr.aa);
	assert_int_equal(p.rr[OD_AUTHORITY][0].type, OD_TYPE_NS);
	snprintf(name, sizeof(name), "insecure.%s", z);
	check_denial(&p, nsec3, 4, name, OD_TYPE_A);

	/* DS queries at the cuts are answered by the parent. */
	snprintf(name, sizeof(name), "secure.%s", z);
	ask(db_signed, name, OD_TYPE_DS, &d, &p);
	assert_true(p.hdr.aa);
	snprintf(name, sizeof(name), "secure.%s DS;secure.%s RRSIG", z, z);
	assert_string_equal(section(&p, OD_ANSWER), name);
	snprintf(name, sizeof(name), "insecure.%s", z);
	ask(db_signed, name, OD_TYPE_DS, &d, &p);
	assert_true(p.hdr.aa);
	assert_int_equal(p.count[OD_ANSWER], 0);
	check_denial(&p, nsec3, 1, name, OD_TYPE_DS);

	/* NSEC3 owners are not names of the zone (RFC 5155 §7.2.8). */
	if (nsec3) {
		const od_authzone_t *az = od_authdb_find(db_signed, N(z));
		const od_zone_t *zz = od_authzone_zone(az);
		for (size_t i = 0; i < zz->nnodes; i++) {
			if (!od_znode_rrset(zz->nodes[i], OD_TYPE_NSEC3))
				continue;
			char s[OD_NAME_STRLEN];
			od_name_to_str(s, sizeof(s), zz->nodes[i]->owner);
			ask(db_signed, s, OD_TYPE_NSEC3, NULL, &p);
			assert_int_equal(p.rcode, OD_RCODE_NXDOMAIN);
			break;
		}
	}
}

static void test_dnssec_nsec(void **state)
{
	const od_authzone_t *az = od_authdb_find(db_signed, N("nsec.test."));
	assert_int_equal(od_authzone_dnssec(az), OD_AZ_NSEC);
	dnssec_negative(false);
}

static void test_dnssec_nsec3(void **state)
{
	const od_authzone_t *az = od_authdb_find(db_signed, N("nsec3.test."));
	assert_int_equal(od_authzone_dnssec(az), OD_AZ_NSEC3);
	dnssec_negative(true);
}

/* ---- the database ---- */

static void test_db(void **state)
{
	od_authdb_t *db = od_authdb_new();
	assert_non_null(db);
	db_add(db, load_text(unsigned_zone, "example.com."));
	db_add(db, load_text("@ SOA ns h 1 2 3 4 5\n@ NS ns.example.com.\n",
	                     "deep.sub.example.com."));
	od_authzone_t *az = NULL;
	assert_int_equal(
	        od_authzone_new(&az, load_text(unsigned_zone, "example.com.")),
	        0);
	assert_int_equal(od_authdb_add(db, az), OD_EEXIST);
	od_authzone_unref(az);
	assert_int_equal(od_authdb_count(db), 2);
	const od_authzone_t *f =
	        od_authdb_find(db, N("a.DEEP.sub.example.com."));
	assert_non_null(f);
	assert_true(od_name_equal(od_authzone_zone(f)->origin,
	                          N("deep.sub.example.com.")));
	f = od_authdb_find(db, N("sub.example.com."));
	assert_true(
	        od_name_equal(od_authzone_zone(f)->origin, N("example.com.")));
	assert_null(od_authdb_find(db, N("com.")));
	assert_null(od_authdb_find(db, N(".")));
	assert_null(od_authdb_get(db, N("sub.example.com.")));
	assert_int_equal(od_authzone_serial(od_authdb_at(db, 0)), 1);
	/* A zone without SOA is refused. */
	az = NULL;
	assert_int_equal(
	        od_authzone_new(&az, load_text("www A 192.0.2.1\n", "x.test.")),
	        OD_EINVAL);
	od_authdb_free(db);
}

int main(void)
{
	od_arena_init(&arena, 0);
	od_arena_init(&parena, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db),
		cmocka_unit_test(test_positive),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_dname),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_glue_truncation),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_rfc4592),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dnssec_positive),
		cmocka_unit_test(test_dnssec_nsec),
		cmocka_unit_test(test_dnssec_nsec3),
	};
	int r = cmocka_run_group_tests(tests, setup, teardown);
	od_arena_deinit(&arena);
	od_arena_deinit(&parena);
	return r;
}
